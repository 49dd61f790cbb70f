#!/usr/bin/env python3
"""Recovery / simulation-based calibration (SBC) of progsurv.fit (docs/fitting.md).

A benchmark, not a timed test. For each of --records synthetic records: draw true
parameter values from the priors, draw a record of --programmes programmes from the Markov
scenario at those values (censored at random ages, as a real record is), fit the
parameters with the simulated (or --method exact) likelihood, and record whether each 90%
posterior interval covers the true value and the rank of the truth among RANK_DRAWS
posterior draws (Talts et al. 2018). When the method is calibrated each interval covers
its value in 90% of records and the ranks are uniform on 0..RANK_DRAWS.

    /usr/bin/python3 tests/recovery/recovery.py --records 50 --programmes 50 200 \
        --replications 8192 16384
    /usr/bin/python3 tests/recovery/recovery.py --bounded        # a CI-size run, minutes

prints per parameter and programme count the coverage with its 95% binomial interval,
whether it is within Monte Carlo error of 90%, and a chi-square test of the ranks'
uniformity; writes one row per fit and parameter to --csv. Needs
PYTHONPATH=build/release/python (set below when run from the repository). The bounded
version also runs in tests/python/test_fit.py.
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


# Posterior draws the truth is ranked among (thinned evenly from the kept samples): ranks
# 0..RANK_DRAWS are uniform under calibration (Talts et al. 2018).
RANK_DRAWS = 99


def spec(parameters, replications, walkers, steps, burn, seed, method="simulated"):
    base = progsurv.Scenario.load(SCENARIO)
    return progsurv.FitSpec(
        base, [(k, PARAMETERS[k]) for k in parameters],
        likelihood={"method": method, "replications": replications, "seed": 1,
                    "bin_months": 3.0},
        sampler={"walkers": walkers, "steps": steps, "burn": burn, "seed": seed},
        predictive={"draws": 0, "replications": 1, "seed": 1},
        source="recovery")


# The bounded (CI-size) run: also tests/python/test_fit.py::test_recovery_bounded.
BOUNDED = {"records": 10, "programmes": 50,
           "parameters": ("sponsor_levels.vp.approval", "patience.rate"),
           "replications": 2048, "walkers": 8, "steps": 160, "burn": 50}


def one_fit(job):
    """Fit record `index` of size `programmes`; returns one row per parameter."""
    index, programmes, parameters, replications, walkers, steps, burn, threads, method = job
    import warnings

    rng = np.random.default_rng(1000 * programmes + index)
    truth = {k: float(PARAMETERS[k].sample(rng, 1)[0]) for k in parameters}
    fit_spec = spec(parameters, replications, walkers, steps, burn, seed=index + 1,
                    method=method)
    scenario = fit_spec.scenario.with_values(truth)
    record = progsurv.simulate_record(scenario, programmes, seed=7919 * (index + 1) + programmes)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        result = progsurv.fit(fit_spec, record, threads=threads)
    samples = result.samples()
    # Evenly spaced draws of the kept samples, so neighbouring (correlated) steps of one
    # walker are not counted as independent draws.
    picks = np.linspace(0, len(samples) - 1, RANK_DRAWS).round().astype(int)
    rows = []
    for k in parameters:
        lo, hi = np.quantile(samples[k], [0.05, 0.95])
        rows.append({
            "record": index, "programmes": programmes, "parameter": k, "truth": truth[k],
            "method": method, "lower_90": lo, "upper_90": hi,
            "covered": bool(lo <= truth[k] <= hi),
            "rank": int((samples[k].to_numpy()[picks] < truth[k]).sum()),
            "autocorr_time": float(result.autocorr_time[parameters.index(k)]),
        })
    return rows


def run_recovery(records, programmes, parameters=tuple(PARAMETERS), replications=8192,
                 walkers=8, steps=280, burn=90, workers=2, threads=1, csv=None,
                 method="simulated"):
    """Fits `records` records of each size in `programmes`; returns one row per fit and
    parameter. With `csv`, rows are appended as fits finish (sizes interleaved), so an
    interrupted run keeps what it did."""
    if isinstance(replications, int):
        replications = [replications] * len(programmes)
    jobs = [(i, n, list(parameters), r, walkers, steps, burn, threads, method)
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


def rank_uniformity(ranks, draws=RANK_DRAWS):
    """Chi-square test that `ranks` (0..draws) are uniform: ranks grouped into bins of
    equal width with at least 5 expected per bin (at most 10 bins). Returns (statistic,
    degrees of freedom, p-value)."""
    from scipy import stats

    ranks = np.asarray(ranks, dtype=int)
    bins = int(max(2, min(10, len(ranks) // 5)))
    # draws + 1 possible ranks split into `bins` near-equal groups; expected counts follow
    # the group sizes exactly.
    edges = np.linspace(0, draws + 1, bins + 1).round().astype(int)
    observed = np.histogram(ranks, bins=edges)[0]
    expected = len(ranks) * np.diff(edges) / (draws + 1)
    chi2 = float(((observed - expected) ** 2 / expected).sum())
    return chi2, bins - 1, float(stats.chi2.sf(chi2, bins - 1))


def coverage_table(rows):
    """Per programme count and parameter: coverage of the 90% intervals with its exact 95%
    binomial interval, whether 90% lies inside it (within Monte Carlo error), the median
    interval width and the chi-square test of the ranks' uniformity."""
    from scipy import stats

    out = []
    for (n, k), g in rows.groupby(["programmes", "parameter"], sort=False):
        hits, total = int(g["covered"].sum()), len(g)
        lo = stats.beta.ppf(0.025, hits, total - hits + 1) if hits > 0 else 0.0
        hi = stats.beta.ppf(0.975, hits + 1, total - hits) if hits < total else 1.0
        row = {"programmes": n, "parameter": k, "records": total,
               "coverage_90": hits / total, "ci95_low": lo, "ci95_high": hi,
               "within_mc_error": bool(lo <= 0.9 <= hi),
               "median_interval_width": float((g["upper_90"] - g["lower_90"]).median())}
        if "rank" in g and g["rank"].max() > 1:  # integer ranks (older CSVs kept fractions)
            chi2, dof, p = rank_uniformity(g["rank"])
            row.update(rank_chi2=chi2, rank_dof=dof, rank_p=p)
        out.append(row)
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
    p.add_argument("--method", choices=("simulated", "exact"), default="simulated",
                   help="the likelihood (exact: the Markov scenario's CTMC, no Monte Carlo "
                        "error)")
    p.add_argument("--bounded", action="store_true",
                   help="a CI-size run: 10 records of 50 programmes, two parameters, short "
                        "chains (other options ignored but --method, --workers, --csv)")
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
    if a.bounded:
        parameters = BOUNDED["parameters"]
        rows = run_recovery(BOUNDED["records"], [BOUNDED["programmes"]], parameters=parameters,
                            replications=BOUNDED["replications"], walkers=BOUNDED["walkers"],
                            steps=BOUNDED["steps"], burn=BOUNDED["burn"], workers=a.workers,
                            csv=a.csv, method=a.method)
    else:
        parameters = tuple(PARAMETERS)
        rows = run_recovery(a.records, a.programmes, replications=a.replications,
                            walkers=a.walkers, steps=a.steps, burn=a.burn, workers=a.workers,
                            csv=a.csv, method=a.method)
    print(coverage_table(rows).to_string(index=False, float_format="{:.3f}".format))
    print(f"{len(rows) // len(parameters)} fits ({a.method} likelihood) in "
          f"{time.monotonic() - t:.0f} s; rows: {a.csv}")


if __name__ == "__main__":
    main()
