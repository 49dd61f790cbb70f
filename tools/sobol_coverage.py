"""Coverage of the Sobol' intervals with repeats (issue 24; docs/sweeps.md#sensitivity).

    PYTHONPATH=build/release/python /usr/bin/python3 tools/sobol_coverage.py \
        [--case ishigami|gates|both] [--studies 400] [--repeat 10] [--base-samples 256]
        [--engine-studies 100] [--engine-repeat 5] [--engine-base-samples 256]
        [--replications 1000] [--threads 0]

The defaults take about 10 minutes on a loaded 2-core machine (the engine part dominates).

A sweep's `repeat: R` runs R independently shifted Sobol' designs, each under its own engine
seed, and reports each index as the mean of the R estimates +- t_{R-1} s / sqrt(R). This
script measures how often those 95% intervals contain the true indices, on two cases whose
indices are known in closed form:

- ishigami: the Ishigami function (a = 7, b = 0.1), no noise; each study draws R designs with
  progsurv.saltelli_sample (distinct shift keys) and computes the indices with
  progsurv.sobol_indices; the t interval is formed here from the R estimates, as
  progsurv::sensitivity::combine_repeats forms it (the C++ test
  SobolIndices.RepeatsOnShiftedDesignsCoverAtTheNominalRate checks the C++ one);
- gates: the engine scenario scenarios/sweeps/gates-analytic.yaml, whose P(completed) is
  p1 p2 p3 (every mechanism but the phase gates is off), run through progsurv.sweep with
  `repeat` (the intervals are the sweep's own, simulation noise included); each study uses
  its own design seed and engine seeds that no other study uses.

First-order, total and (ishigami) second-order indices count. Prints the coverage with its
binomial standard error; exit status 1 when a coverage lies outside 95% +- 3 standard errors.
"""
import argparse
import math
import os
import sys
import time

import numpy as np
import yaml
from scipy import stats

import progsurv

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GATES = os.path.join(ROOT, "scenarios", "sweeps", "gates-analytic.yaml")


def ishigami_truth(a=7.0, b=0.1):
    v1 = 0.5 * (1 + b * math.pi ** 4 / 5) ** 2
    v2 = a * a / 8
    v13 = b * b * math.pi ** 8 * (1 / 18 - 1 / 50)
    v = v1 + v2 + v13
    first = [v1 / v, v2 / v, 0.0]
    total = [(v1 + v13) / v, v2 / v, v13 / v]
    second = [0.0, v13 / v, 0.0]  # pairs (0,1), (0,2), (1,2)
    return first, total, second


def ishigami(u, a=7.0, b=0.1):
    x = -math.pi + 2 * math.pi * np.asarray(u)
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def product_truth(low, high):
    """Sobol' indices of p1 p2 p3 for independent p_i ~ U(low_i, high_i)."""
    mu = [(a + b) / 2 for a, b in zip(low, high)]
    m2 = [(a * a + a * b + b * b) / 3 for a, b in zip(low, high)]
    k = len(mu)
    prod = math.prod
    v = prod(m2) - prod(x * x for x in mu)
    first, total = [], []
    for i in range(k):
        others = [j for j in range(k) if j != i]
        first.append((m2[i] - mu[i] ** 2) * prod(mu[j] ** 2 for j in others) / v)
        total.append(1 - mu[i] ** 2 * (prod(m2[j] for j in others)
                                       - prod(mu[j] ** 2 for j in others)) / v)
    return first, total


def t_interval(x, confidence=0.95):
    x = np.asarray(x, dtype=float)
    r = len(x)
    half = stats.t.ppf(0.5 + confidence / 2, r - 1) * x.std(ddof=1) / math.sqrt(r)
    return x.mean() - half, x.mean() + half


def coverage_line(name, covered, total, seconds):
    rate = covered / total
    se = math.sqrt(0.95 * 0.05 / total)
    ok = abs(rate - 0.95) <= 3 * se
    print(f"{name}: {covered} of {total} intervals cover = {100 * rate:.1f}% "
          f"(nominal 95%, one standard error {100 * se:.1f} points; {seconds:.0f} s)"
          f"{'' if ok else '  OUTSIDE 95% +- 3 SE'}")
    return ok


def run_ishigami(studies, repeat, n):
    first, total, second = ishigami_truth()
    covered = count = 0
    sums = []
    key = 1
    start = time.time()
    for _ in range(studies):
        est = {"first": [], "total": [], "second": []}
        for _ in range(repeat):
            rows = progsurv.saltelli_sample(n, 3, True, key)
            key += 1
            d = progsurv.sobol_indices(ishigami(rows), n, 3, bootstrap=0, second_order=True)
            est["first"].append(d["first"].to_numpy())
            est["total"].append(d["total"].to_numpy())
            est["second"].append(d.attrs["second"]["second"].to_numpy())
            sums.append(float(d["first"].sum()))
        for name, truth in (("first", first), ("total", total), ("second", second)):
            x = np.asarray(est[name])
            for i, value in enumerate(truth):
                lo, hi = t_interval(x[:, i])
                covered += int(lo <= value <= hi)
                count += 1
    ok = coverage_line(f"ishigami (N = {n}, R = {repeat}, {studies} studies, S1 ST S2)",
                       covered, count, time.time() - start)
    sums = np.asarray(sums)
    print(f"  first-order sums of the {len(sums)} designs: mean {sums.mean():.4f} "
          f"(analytic {sum(first):.4f}), largest {sums.max():.4f}")
    return ok


def run_gates(studies, repeat, n, replications, threads):
    with open(GATES) as f:
        spec = yaml.safe_load(f)
    params = spec["parameters"]
    low = [p["low"] for p in params.values()]
    high = [p["high"] for p in params.values()]
    first, total = product_truth(low, high)
    print(f"gates-analytic truth: S1 = {', '.join(f'{x:.4f}' for x in first)}; "
          f"ST = {', '.join(f'{x:.4f}' for x in total)}")
    covered = count = 0
    per_index = np.zeros((2, len(first)))
    start = time.time()
    for study in range(studies):
        spec["seed"] = 1 + study * repeat  # engine seeds no other study uses
        spec["repeat"] = repeat
        spec["replications"] = replications
        spec["design"] = {**spec["design"], "base_samples": n, "bootstrap": 0,
                          "seed": study + 1}
        result = progsurv.sweep(spec, threads=threads)
        frame = result.sobol("p_completed")
        for row, (s1, st) in enumerate(zip(first, total)):
            r = frame.iloc[row]
            c1 = int(r["S1_lower"] <= s1 <= r["S1_upper"])
            ct = int(r["ST_lower"] <= st <= r["ST_upper"])
            per_index[0, row] += c1
            per_index[1, row] += ct
            covered += c1 + ct
            count += 2
    ok = coverage_line(f"gates-analytic through the engine (N = {n}, R = {repeat}, "
                       f"{replications} replications per point, {studies} studies, S1 ST)",
                       covered, count, time.time() - start)
    print("  covered per index: S1 " + " ".join(str(int(x)) for x in per_index[0])
          + ", ST " + " ".join(str(int(x)) for x in per_index[1]) + f" of {studies}")
    return ok


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--case", choices=["ishigami", "gates", "both"], default="both")
    ap.add_argument("--studies", type=int, default=400)
    ap.add_argument("--repeat", type=int, default=10)
    ap.add_argument("--base-samples", type=int, default=256)
    ap.add_argument("--engine-studies", type=int, default=100)
    ap.add_argument("--engine-repeat", type=int, default=5)
    ap.add_argument("--engine-base-samples", type=int, default=256)
    ap.add_argument("--replications", type=int, default=1000)
    ap.add_argument("--threads", type=int, default=0)
    args = ap.parse_args()
    ok = True
    if args.case in ("ishigami", "both"):
        ok &= run_ishigami(args.studies, args.repeat, args.base_samples)
    if args.case in ("gates", "both"):
        ok &= run_gates(args.engine_studies, args.engine_repeat, args.engine_base_samples,
                        args.replications, args.threads)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
