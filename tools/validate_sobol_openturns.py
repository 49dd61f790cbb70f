"""Checks progsurv's Sobol' indices against OpenTURNS (issue 24; docs/sweeps.md#sensitivity).

    PYTHONPATH=build/release/python /usr/bin/python3 tools/validate_sobol_openturns.py \
        [scenarios/sweeps/baseline-sobol.yaml] [--replications 4000] [--bootstrap 300]

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
    n = int(spec["design"]["base_samples"])
    k = len(result.parameters)
    x = ot.Sample(np.asarray(result.points()[result.parameters], dtype=float))
    pairs = [(i, j) for i in range(k) for j in range(i + 1, k)]
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
            rows = ours.rename(columns={"first": "S1", "first_lower": "S1_lower",
                                        "first_upper": "S1_upper", "total": "ST",
                                        "total_lower": "ST_lower", "total_upper": "ST_upper"})
            srows = ours.attrs["second"].rename(columns={"second": "S2", "second_lower": "S2_lower",
                                                         "second_upper": "S2_upper"})
            if estimator == "jansen":  # the sweep's own table is the same numbers
                assert np.allclose(result.sobol(metric)["ST"], rows["ST"], equal_nan=True)
            y = ot.Sample(np.asarray(result.estimate[:, m], dtype=float).reshape(-1, 1))
            ot.ResourceMap.SetAsUnsignedInteger("SobolIndicesAlgorithm-DefaultBootstrapSize",
                                                args.bootstrap)
            alg = algorithm(x, y, n)
            alg.setBootstrapSize(args.bootstrap)
            first = np.array(alg.getFirstOrderIndices())
            total = np.array(alg.getTotalOrderIndices())
            second = np.array(alg.getSecondOrderIndices())
            fi = alg.getFirstOrderIndicesInterval()
            ti = alg.getTotalOrderIndicesInterval()
            overlap = 0
            checks = 0
            for i in range(k):
                for name, ot_est, box, col in (("S1", first, fi, "S1"), ("ST", total, ti, "ST")):
                    lo, hi = box.getLowerBound()[i], box.getUpperBound()[i]
                    ok = rows.loc[i, col + "_lower"] <= hi and lo <= rows.loc[i, col + "_upper"]
                    overlap += ok
                    checks += 1
                    if not ok:
                        print(f"  {estimator} {metric} {result.parameters[i]} {name}: progsurv "
                              f"[{rows.loc[i, col + '_lower']:.4g}, {rows.loc[i, col + '_upper']:.4g}]"
                              f" OpenTURNS [{lo:.4g}, {hi:.4g}] do not overlap")
            for p, (i, j) in enumerate(pairs):
                half = max(srows.loc[p, "S2_upper"] - srows.loc[p, "S2"],
                           srows.loc[p, "S2"] - srows.loc[p, "S2_lower"])
                ok = srows.loc[p, "S2_lower"] - half <= second[i, j] <= srows.loc[p, "S2_upper"] + half
                overlap += ok
                checks += 1
                if not ok:
                    print(f"  {estimator} {metric} S2 {result.parameters[i]} x "
                          f"{result.parameters[j]}: progsurv {srows.loc[p, 'S2']:.4g} "
                          f"[{srows.loc[p, 'S2_lower']:.4g}, {srows.loc[p, 'S2_upper']:.4g}], "
                          f"OpenTURNS {second[i, j]:.4g}")
            failures += checks - overlap
            d1 = np.nanmax(np.abs(first - rows["S1"].to_numpy()))
            dt = np.nanmax(np.abs(total - rows["ST"].to_numpy()))
            d2 = max(abs(second[i, j] - srows.loc[p, "S2"]) for p, (i, j) in enumerate(pairs))
            print(f"{estimator:9s} {metric:28s} max |progsurv - OpenTURNS|: S1 {d1:.2e}, "
                  f"ST {dt:.2e}, S2 {d2:.2e}; intervals overlap {overlap}/{checks}")
    print("all intervals overlap" if failures == 0 else f"{failures} intervals do not overlap")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
