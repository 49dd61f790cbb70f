#!/usr/bin/env python3
"""Times progsurv against the plain-Python peer (bench/peers/baseline_peer.py) on the same
machine in one run, and checks that both implement the same model; with --bench-dir, also
runs the engine benchmarks for the other figures of docs/performance.md (share of time spent
drawing random numbers, scaling from one thread to two).

    bench/compare_peers.py [--progsurv build/release/sim/progsurv] [--scenario FILE]
                           [--python-reps N] [--progsurv-reps N] [--repeat K]
                           [--bench-dir build/release/bench]

Both read the scenario in the canonical form that `progsurv validate` prints. progsurv runs
single-threaded (--threads 1), so the ratio is per core. Each side is timed K times and the
best time is kept (the least disturbed by other load). Outcome shares of the two are
compared with two-proportion z-tests: |z| > 4 on any category means the peer and the engine
disagree about the model, and the script exits 1 because the timing would then compare
different things.
"""

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CATEGORIES = ["completed", "sponsor_exit", "patience", "handoff_failure", "budget_cut",
              "phase_gate", "not_started", "running"]


def progsurv_counts(h5_path):
    """Category counts from a progsurv run file (h5py, or h5dump when h5py is missing)."""
    try:
        import h5py
        with h5py.File(h5_path, "r") as f:
            counts = [int(x) for x in f["tally/category_count"][()]]
            n = int(f["tally/n"][()])
    except ImportError:
        out = subprocess.run(["h5dump", "-d", "/tally/category_count", "-d", "/tally/n", h5_path],
                             check=True, capture_output=True, text=True).stdout
        blocks = out.split("DATA {")
        counts = [int(x.split(":")[-1]) for x in blocks[1].split("}")[0].replace("\n", " ").split(",")]
        n = int(blocks[2].split("}")[0].split(":")[-1])
    return n, dict(zip(CATEGORIES, counts))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--progsurv", default=os.path.join(ROOT, "build", "release", "sim", "progsurv"))
    ap.add_argument("--scenario", default=os.path.join(ROOT, "scenarios", "baseline.yaml"))
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--python-reps", type=int, default=20000)
    ap.add_argument("--progsurv-reps", type=int, default=1000000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--bench-dir", help="also run progsurv_bench and progsurv_bench_rng from here")
    ap.add_argument("--json", help="also write the figures to this JSON file")
    a = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        canonical = os.path.join(tmp, "scenario.yaml")
        with open(canonical, "w") as f:
            subprocess.run([a.progsurv, "validate", a.scenario], check=True, stdout=f)

        peer_best, peer = math.inf, None
        for i in range(a.repeat):
            out = subprocess.run([a.python, os.path.join(HERE, "peers", "baseline_peer.py"),
                                  canonical, "-n", str(a.python_reps), "--seed", str(i + 1),
                                  "--json"], check=True, capture_output=True, text=True).stdout
            r = json.loads(out)
            if r["seconds"] < peer_best:
                peer_best, peer = r["seconds"], r

        h5 = os.path.join(tmp, "run.h5")
        engine_best = math.inf
        for i in range(a.repeat):
            # Wall time of the whole command: parsing, the run, the summary and the HDF5 file.
            start = time.perf_counter()
            subprocess.run([a.progsurv, "run", canonical, "-n", str(a.progsurv_reps),
                            "--threads", "1", "--seed", str(i + 1), "-q", "-o", h5],
                           check=True, stdout=subprocess.DEVNULL)
            engine_best = min(engine_best, time.perf_counter() - start)
        n_engine, engine_counts = progsurv_counts(h5)

    python_rate = a.python_reps / peer_best
    engine_rate = n_engine / engine_best
    print("scenario: %s" % a.scenario)
    print("python peer  : %9d replications in %7.3f s = %12.0f replications/s  (%s)"
          % (a.python_reps, peer_best, python_rate, a.python))
    print("progsurv (1t): %9d replications in %7.3f s = %12.0f replications/s"
          % (n_engine, engine_best, engine_rate))
    print("ratio        : %.0fx per core" % (engine_rate / python_rate))

    worst = 0.0
    print("\ncategory          python    progsurv        z")
    for c in CATEGORIES:
        p1 = peer["counts"][c] / peer["n"]
        p2 = engine_counts[c] / n_engine
        pooled = (peer["counts"][c] + engine_counts[c]) / (peer["n"] + n_engine)
        se = math.sqrt(max(pooled * (1 - pooled), 1e-300) * (1 / peer["n"] + 1 / n_engine))
        z = (p1 - p2) / se if pooled > 0 else 0.0
        worst = max(worst, abs(z))
        print("  %-15s %7.4f    %7.4f   %6.2f" % (c, p1, p2, z))
    same = worst <= 4.0
    print("same model: %s (largest |z| %.2f)" % ("yes" if same else "NO", worst))
    figures = dict(python_rate=python_rate, progsurv_rate=engine_rate,
                   ratio=engine_rate / python_rate, largest_z=worst)
    if a.bench_dir:
        figures.update(engine_benchmarks(a.bench_dir, a.repeat))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(figures, f, indent=2)
    return 0 if same else 1


def run_benchmark(binary, pattern, repeat):
    """Median replications/s of each benchmark matching `pattern`."""
    out = subprocess.run([binary, "--benchmark_filter=" + pattern,
                          "--benchmark_repetitions=%d" % max(repeat, 3),
                          "--benchmark_report_aggregates_only=true", "--benchmark_format=json"],
                         check=True, capture_output=True, text=True).stdout
    rates = {}
    for b in json.loads(out)["benchmarks"]:
        if b.get("aggregate_name") == "median":
            rates[b["run_name"]] = b["replications_per_second"]
    return rates


def engine_benchmarks(bench_dir, repeat):
    rng = run_benchmark(os.path.join(bench_dir, "progsurv_bench_rng"),
                        "BM_Replication$|BM_DrawsOnly|BM_ReplicationThreads", repeat)
    run = run_benchmark(os.path.join(bench_dir, "progsurv_bench"), "BM_Run", repeat)
    replication = rng["BM_Replication"]
    draws = rng["BM_DrawsOnly"]
    one = run["BM_Run/1/real_time"]
    two = run["BM_Run/2/real_time"]
    ceiling = (rng["BM_ReplicationThreads/real_time/threads:2"] /
               rng["BM_ReplicationThreads/real_time/threads:1"])
    print("\nper replication : %.0f ns engine, %.0f ns drawing its random numbers alone: "
          "%.2fx (target <= 3x)" % (1e9 / replication, 1e9 / draws, draws / replication))
    print("run() scaling   : %.0f -> %.0f replications/s from 1 to 2 threads: %.2fx "
          "(target >= 1.8x; shared-nothing ceiling on this machine %.2fx)"
          % (one, two, two / one, ceiling))
    return dict(replication_ns=1e9 / replication, draws_ns=1e9 / draws,
                time_over_draws=draws / replication, run_1_thread=one, run_2_threads=two,
                scaling=two / one, scaling_ceiling=ceiling)


if __name__ == "__main__":
    sys.exit(main())
