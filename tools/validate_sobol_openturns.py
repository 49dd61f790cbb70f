"""Checks progsurv's Sobol' indices against OpenTURNS (issue 24; docs/sweeps.md#sensitivity).

    PYTHONPATH=build/release/python /usr/bin/python3 tools/validate_sobol_openturns.py \
        [scenarios/sweeps/baseline-sobol.yaml] [--replications 4000] [--bootstrap 300]
        [--openturns-design] [--threads T]

Needs OpenTURNS (Debian: apt-get install python3-openturns). It runs the sweep with
second-order indices (its A, B, AB_i and BA_i blocks are laid out exactly as OpenTURNS'
SobolIndicesExperiment lays out A, B, E^i and C^i), then hands the same inputs and outputs to
OpenTURNS' Jansen, Martinez and Saltelli algorithms, and reports for every metric, parameter
and index:

- the largest difference between the two point estimates (the same formulas on the same
  numbers give agreement to rounding; where OpenTURNS' formula differs, the difference is
  printed), and
- whether the intervals overlap: progsurv's percentile bootstrap intervals against
  OpenTURNS' bootstrap intervals (OpenTURNS gives none for second-order indices: there the
  OpenTURNS estimate must lie within progsurv's interval widened by its own half-width).

With --openturns-design the two sides no longer share a design: OpenTURNS draws its own
SobolIndicesExperiment (A, B, E^i, C^i from its own Sobol' sequence) of the sweep's
parameter distributions (uniform on [low, high]; log: true, uniform in log space), every
one of its points is run through the engine as a one-point sweep of the same base with the
sweep's seed (so replication r of every point draws the same streams: common random
numbers, and the sweep's own metric definitions), and OpenTURNS' indices and intervals from
those outputs are compared with the project's sweep on its own design. OpenTURNS 1.20 gives
no interval for second-order indices, so its second-order interval here is the percentile
interval of its own estimates over bootstrap resamples of its design's rows (row j of every
block together); every first-order, total and second-order comparison is then an overlap of
two intervals.

Exit status 1 when an interval does not overlap; the run is bounded by the sweep's size
(2,048 points x 4,000 replications for the shipped sweep, about a minute on two cores, plus
the bootstrap of both libraries).
"""
import argparse
import sys

import numpy as np
import openturns as ot
import yaml

import progsurv


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sweep", nargs="?", default="scenarios/sweeps/baseline-sobol.yaml")
    ap.add_argument("--replications", type=int, default=None,
                    help="replications per point (default: the sweep file's)")
    ap.add_argument("--bootstrap", type=int, default=300, help="bootstrap resamples (both)")
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--openturns-design", action="store_true",
                    help="run OpenTURNS' own design through the engine (see above)")
    args = ap.parse_args()

    with open(args.sweep) as f:
        spec = yaml.safe_load(f)
    import os

    base_dir = os.path.dirname(os.path.abspath(args.sweep))
    if isinstance(spec.get("base"), str):
        spec["base"] = os.path.join(base_dir, spec["base"])
    spec["design"] = {**spec["design"], "second_order": True, "bootstrap": args.bootstrap}
    if args.replications:
        spec["replications"] = args.replications
    result = progsurv.sweep(spec, threads=args.threads)
    if args.openturns_design:
        return openturns_design(args, spec, result)
    n = int(spec["design"]["base_samples"])
    k = len(result.parameters)
    x = ot.Sample(np.asarray(result.points()[result.parameters], dtype=float))
    failures = 0
    print(f"{args.sweep}: N = {n}, k = {k}, {len(result)} points, "
          f"{spec.get('replications')} replications per point, {args.bootstrap} bootstrap "
          f"resamples, OpenTURNS {ot.__version__}")
    for estimator, algorithm in (("jansen", ot.JansenSensitivityAlgorithm),
                                 ("martinez", ot.MartinezSensitivityAlgorithm),
                                 ("saltelli", ot.SaltelliSensitivityAlgorithm)):
        for m, metric in enumerate(result.metrics):
            # progsurv's estimator on the sweep's outputs (the sweep itself ran jansen).
            ours = progsurv.sobol_indices(result.estimate[:, m], n, k, bootstrap=args.bootstrap,
                                          estimator=estimator, second_order=True)
            if estimator == "jansen":  # the sweep's own table is the same numbers
                assert np.allclose(result.sobol(metric)["ST"], ours["total"], equal_nan=True)
            y = ot.Sample(np.asarray(result.estimate[:, m], dtype=float).reshape(-1, 1))
            ot.ResourceMap.SetAsUnsignedInteger("SobolIndicesAlgorithm-DefaultBootstrapSize",
                                                args.bootstrap)
            alg = algorithm(x, y, n)
            alg.setBootstrapSize(args.bootstrap)
            failures += compare(estimator, metric, result.parameters, ours, alg, None,
                                digits="{:.2e}")
    print("all intervals overlap" if failures == 0 else f"{failures} intervals do not overlap")
    return 1 if failures else 0


def compare(estimator, metric, names, ours, alg, s2_interval, digits):
    """Compares one metric's indices under one estimator, progsurv's against OpenTURNS', and
    prints the largest differences of the estimates, the overlap count and every miss.

    ours: progsurv.sobol_indices (second_order=True); alg: the OpenTURNS algorithm on the same
    metric. First-order and total indices: the two bootstrap intervals must overlap. Second
    order: OpenTURNS' interval s2_interval (lower and upper arrays, one entry per pair i < j)
    must overlap progsurv's; without one (OpenTURNS 1.20 gives none), OpenTURNS' estimate must
    lie within progsurv's interval widened by its own half-width. Returns the misses."""
    label = f"{estimator} {metric}"
    k = len(names)
    pairs = [(i, j) for i in range(k) for j in range(i + 1, k)]
    first = np.array(alg.getFirstOrderIndices())
    total = np.array(alg.getTotalOrderIndices())
    second = np.array(alg.getSecondOrderIndices())
    fi = alg.getFirstOrderIndicesInterval()
    ti = alg.getTotalOrderIndicesInterval()
    s2 = ours.attrs["second"]
    checks = overlap = 0
    misses = []
    for i in range(k):
        for name, box, col in (("S1", fi, "first"), ("ST", ti, "total")):
            lo, hi = box.getLowerBound()[i], box.getUpperBound()[i]
            ok = ours.loc[i, col + "_lower"] <= hi and lo <= ours.loc[i, col + "_upper"]
            checks += 1
            overlap += ok
            if not ok:
                misses.append(f"  {label} {names[i]} {name}: progsurv "
                              f"[{ours.loc[i, col + '_lower']:.4g}, "
                              f"{ours.loc[i, col + '_upper']:.4g}] OpenTURNS [{lo:.4g}, {hi:.4g}]")
    for p, (i, j) in enumerate(pairs):
        s2_lo, s2_hi = s2.loc[p, "second_lower"], s2.loc[p, "second_upper"]
        if s2_interval is None:
            lo = hi = second[i, j]
            half = max(s2_hi - s2.loc[p, "second"], s2.loc[p, "second"] - s2_lo)
            s2_lo, s2_hi = s2_lo - half, s2_hi + half
            theirs = f"{second[i, j]:.4g}"
        else:
            lo, hi = s2_interval[0][p], s2_interval[1][p]
            theirs = f"{second[i, j]:.4g} [{lo:.4g}, {hi:.4g}]"
        ok = s2_lo <= hi and lo <= s2_hi
        checks += 1
        overlap += ok
        if not ok:
            misses.append(f"  {label} S2 {names[i]} x {names[j]}: progsurv "
                          f"{s2.loc[p, 'second']:.4g} [{s2.loc[p, 'second_lower']:.4g}, "
                          f"{s2.loc[p, 'second_upper']:.4g}], OpenTURNS {theirs}")
    d1 = np.nanmax(np.abs(first - ours["first"].to_numpy()))
    dt = np.nanmax(np.abs(total - ours["total"].to_numpy()))
    d2 = max(abs(second[i, j] - s2.loc[p, "second"]) for p, (i, j) in enumerate(pairs))
    print(f"{estimator:9s} {metric:28s} max |progsurv - OpenTURNS|: S1 {digits.format(d1)}, "
          f"ST {digits.format(dt)}, S2 {digits.format(d2)}; intervals overlap {overlap}/{checks}")
    for miss in misses:
        print(miss)
    return checks - overlap


def _distribution(p):
    if p.get("log"):
        return ot.LogUniform(float(np.log(p["low"])), float(np.log(p["high"])))
    return ot.Uniform(float(p["low"]), float(p["high"]))


def _run_points(spec, keys, x, threads):
    """The sweep's metrics at every row of x: each row a one-point grid sweep of the same base
    and seed (common random numbers), so the metrics are exactly the sweep's."""
    one = {key: value for key, value in spec.items() if key not in ("design", "parameters")}
    one["design"] = "grid"
    out = []
    for row in x:
        one["parameters"] = {key: {"values": [float(v)]} for key, v in zip(keys, row)}
        out.append(progsurv.sweep(one, threads=threads).estimate[0])
    return np.asarray(out, dtype=float)


def openturns_design(args, spec, result):
    n = int(spec["design"]["base_samples"])
    keys = list(spec["parameters"])
    k = len(keys)
    pairs = [(i, j) for i in range(k) for j in range(i + 1, k)]
    distribution = ot.ComposedDistribution([_distribution(spec["parameters"][key])
                                            for key in keys])
    experiment = ot.SobolIndicesExperiment(distribution, n, True)
    x = np.asarray(experiment.generate(), dtype=float)
    blocks = len(x) // n
    # The engine's own check that a one-point sweep is the sweep's point: point 0 of the
    # project's design run as a one-point sweep gives the sweep's numbers exactly.
    first_point = np.asarray(result.points()[result.parameters].iloc[0], dtype=float)
    again = _run_points(spec, keys, [first_point], args.threads)[0]
    assert np.allclose(again, result.estimate[0], rtol=1e-9, equal_nan=True), (again,
                                                                               result.estimate[0])
    y_all = _run_points(spec, keys, x, args.threads)
    rng = np.random.default_rng(1)
    resamples = [rng.integers(0, n, n) for _ in range(args.bootstrap)]
    failures = 0
    print(f"{args.sweep}: OpenTURNS {ot.__version__} SobolIndicesExperiment, N = {n}, k = {k}, "
          f"{len(x)} points run through the engine (seed {spec.get('seed', 1)}, "
          f"{spec.get('replications')} replications per point); the project's sweep: "
          f"{len(result)} points on its own design; {args.bootstrap} bootstrap resamples")
    for estimator, algorithm in (("jansen", ot.JansenSensitivityAlgorithm),
                                 ("martinez", ot.MartinezSensitivityAlgorithm),
                                 ("saltelli", ot.SaltelliSensitivityAlgorithm)):
        for m, metric in enumerate(result.metrics):
            ours = progsurv.sobol_indices(result.estimate[:, m], n, k, bootstrap=args.bootstrap,
                                          estimator=estimator, second_order=True)
            y = y_all[:, m]
            alg = algorithm(ot.Sample(x), ot.Sample(y.reshape(-1, 1)), n)
            alg.setBootstrapSize(args.bootstrap)
            boot = []
            for rows in resamples:
                take = np.concatenate([b * n + rows for b in range(blocks)])
                a = algorithm(ot.Sample(x[take]), ot.Sample(y[take].reshape(-1, 1)), n)
                boot.append([a.getSecondOrderIndices()[i, j] for i, j in pairs])
            boot = np.asarray(boot)
            s2_interval = (np.nanpercentile(boot, 2.5, axis=0),
                           np.nanpercentile(boot, 97.5, axis=0))
            failures += compare(estimator, metric, keys, ours, alg, s2_interval,
                                digits="{:.3f}")
    print("all intervals overlap" if failures == 0 else f"{failures} intervals do not overlap")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
