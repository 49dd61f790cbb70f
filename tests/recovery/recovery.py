#!/usr/bin/env python3
"""Recovery / simulation-based calibration of progsurv.fit (docs/fitting.md).

For each of --records synthetic records: draw true parameter values from the priors,
draw a record of --programmes programmes from the Markov scenario at those values
(censored at random ages, as a real record is), fit the parameters with the simulated
likelihood, and check whether each 90% posterior interval covers the true value. When
the method is calibrated each interval covers its value in 90% of records.

    /usr/bin/python3 tests/recovery/recovery.py --records 50 --programmes 50 200 \
        --replications 8192 16384

prints the coverage per parameter and programme count with a 95% binomial interval and
writes one row per fit to --csv. Needs PYTHONPATH=build/release/python (set below when
run from the repository). The bounded version runs in tests/python/test_fit.py.
"""
import argparse
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if "progsurv" not in sys.modules:
    build = os.environ.get("PROGSURV_BUILD_DIR", os.path.join(ROOT, "build", "release"))
    sys.path.insert(0, os.path.join(build, "python"))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

import progsurv  # noqa: E402

SCENARIO = os.path.join(ROOT, "scenarios", "exact", "markov.yaml")
# The fitted parameters and their priors (also the distribution the truths are drawn from).
PARAMETERS = {
    "sponsor_levels.vp.approval": progsurv.Prior("beta", a=2, b=2),
    "succession.adoption": progsurv.Prior("beta", a=2, b=2),
    "patience.rate": progsurv.Prior("log-uniform", low=0.005, high=0.1),
}


def spec(parameters, replications, walkers, steps, burn, seed):
    base = progsurv.Scenario.load(SCENARIO)
    return progsurv.FitSpec(
        base, [(k, PARAMETERS[k]) for k in parameters],
        likelihood={"method": "simulated", "replications": replications, "seed": 1,
                    "bin_months": 3.0},
        sampler={"walkers": walkers, "steps": steps, "burn": burn, "seed": seed},
        predictive={"draws": 0, "replications": 1, "seed": 1},
        source="recovery")


def one_fit(job):
    """Fit record `index` of size `programmes`; returns one row per parameter."""
    index, programmes, parameters, replications, walkers, steps, burn, threads = job
    import warnings

    rng = np.random.default_rng(1000 * programmes + index)
    truth = {k: float(PARAMETERS[k].sample(rng, 1)[0]) for k in parameters}
    fit_spec = spec(parameters, replications, walkers, steps, burn, seed=index + 1)
    scenario = fit_spec.scenario.with_values(truth)
    record = progsurv.simulate_record(scenario, programmes, seed=7919 * (index + 1) + programmes)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        result = progsurv.fit(fit_spec, record, threads=threads)
    samples = result.samples()
    rows = []
    for k in parameters:
        lo, hi = np.quantile(samples[k], [0.05, 0.95])
        rows.append({
            "record": index, "programmes": programmes, "parameter": k, "truth": truth[k],
            "lower_90": lo, "upper_90": hi, "covered": bool(lo <= truth[k] <= hi),
            "rank": float(np.mean(samples[k] < truth[k])),
            "autocorr_time": float(result.autocorr_time[parameters.index(k)]),
        })
    return rows


def run_recovery(records, programmes, parameters=tuple(PARAMETERS), replications=8192,
                 walkers=8, steps=280, burn=90, workers=2, threads=1, csv=None):
    """Fits `records` records of each size in `programmes`; returns one row per fit and
    parameter. With `csv`, rows are appended as fits finish (sizes interleaved), so an
    interrupted run keeps what it did."""
    if isinstance(replications, int):
        replications = [replications] * len(programmes)
    jobs = [(i, n, list(parameters), r, walkers, steps, burn, threads)
            for i in range(records) for n, r in zip(programmes, replications)]
    rows = []

    def keep(new_rows):
        rows.extend(new_rows)
        if csv:
            pd.DataFrame(new_rows).to_csv(csv, mode="a", index=False,
                                          header=not os.path.exists(csv))

    if csv and os.path.exists(csv):
        os.remove(csv)
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            for r in pool.map(one_fit, jobs):
                keep(r)
    else:
        for job in jobs:
            keep(one_fit(job))
    return pd.DataFrame(rows)


def coverage_table(rows):
    from scipy import stats

    out = []
    for (n, k), g in rows.groupby(["programmes", "parameter"], sort=False):
        hits, total = int(g["covered"].sum()), len(g)
        lo = stats.beta.ppf(0.025, hits, total - hits + 1) if hits > 0 else 0.0
        hi = stats.beta.ppf(0.975, hits + 1, total - hits) if hits < total else 1.0
        out.append({"programmes": n, "parameter": k, "records": total,
                    "coverage_90": hits / total, "ci95_low": lo, "ci95_high": hi,
                    "median_interval_width": float((g["upper_90"] - g["lower_90"]).median())})
    return pd.DataFrame(out)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--records", type=int, default=50)
    p.add_argument("--programmes", type=int, nargs="+", default=[50, 200])
    p.add_argument("--replications", type=int, nargs="+", default=[8192, 16384],
                   help="likelihood replications, one per --programmes value (larger records "
                        "need more: the Monte Carlo error of the log-likelihood grows with "
                        "the record)")
    p.add_argument("--walkers", type=int, default=8)
    p.add_argument("--steps", type=int, default=280)
    p.add_argument("--burn", type=int, default=90)
    p.add_argument("--workers", type=int, default=2, help="processes (one core each)")
    p.add_argument("--csv", default="recovery.csv")
    p.add_argument("--summarise", action="store_true",
                   help="only print the coverage table of the rows already in --csv")
    a = p.parse_args()
    if len(a.replications) == 1:
        a.replications = a.replications * len(a.programmes)
    if len(a.replications) != len(a.programmes):
        p.error("give one --replications value, or one per --programmes value")
    if a.summarise:
        print(coverage_table(pd.read_csv(a.csv)).to_string(index=False,
                                                           float_format="{:.3f}".format))
        return
    t = time.monotonic()
    rows = run_recovery(a.records, a.programmes, replications=a.replications,
                        walkers=a.walkers, steps=a.steps, burn=a.burn, workers=a.workers,
                        csv=a.csv)
    print(coverage_table(rows).to_string(index=False, float_format="{:.3f}".format))
    print(f"{len(rows) // len(PARAMETERS)} fits in {time.monotonic() - t:.0f} s; rows: {a.csv}")


if __name__ == "__main__":
    main()
