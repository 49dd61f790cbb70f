#!/usr/bin/env python3
"""Mutation check: plant one-line bugs in the engine and see which C++ tests catch them.

Each mutant below is an exact text substitution in one source file that breaks one rule of
docs/model.md. The script copies the repository's tracked files (as they are in the working
tree) into a scratch directory, builds the C++ tests there once, then for each mutant:
substitutes the text (the original must occur exactly once, or the script stops: the source
has moved and the mutant must be rewritten), rebuilds, runs the C++ suite without the
reference-file tests (Regression.*, PortfolioRegression.*: a mutant counts as caught only by a
behavioural test), and restores the file. The working tree is never touched.

    tools/mutants.py                 # every mutant (CPU heavy: one rebuild and suite each)
    tools/mutants.py --list          # the mutants, with file, original and mutated text
    tools/mutants.py --only M01,M04  # some of them
    tools/mutants.py --check         # only check that every substitution applies
    tools/mutants.py --tests 'Rule'  # a quick look with the ctest tests matching a regex

It prints, per mutant, the tests that failed, and writes the same as Markdown to
<scratch>/report.md. Exit status 0 when every mutant was caught, 1 when one survived, 2 when a
substitution did not apply or the unmutated suite failed. On demand: .ci/test-mutants.
"""
from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Reference-file comparisons: regenerated whenever streams change, so they do not count.
# ctest names them Scenarios/Regression.* and PortfolioRegression.*.
REFERENCE_TESTS = r"Regression\."


@dataclass(frozen=True)
class Mutant:
    name: str
    path: str  # relative to the repository
    original: str
    mutated: str
    breaks: str  # the rule of docs/model.md it misreads


MUTANTS = [
    Mutant("M01", "sim/engine/programme.cpp",
           "while (static_cast<double>(k) * r - last_visible_ <= tolerated) ++k;",
           "while (static_cast<double>(k) * r - last_visible_ < tolerated) ++k;",
           "rule 7: overdue is strict, g > theta*m; the mutant cuts at g = theta*m"),
    Mutant("M02", "sim/engine/programme.cpp",
           "if (u_cut < s_.budget.cut_prob * (1.0 - clout())) {",
           "if (u_cut < s_.budget.cut_prob) {",
           "rule 8: a squeeze cuts with cut_prob*(1 - clout); the mutant ignores clout"),
    Mutant("M03", "include/progsurv/engine/programme.hpp",
           "if (done_ || sponsor_.vacant) return kInf;",
           "if (done_) return kInf;",
           "rule 3: progress clocks freeze during a vacancy; the mutant lets progress "
           "events fall due while the post is empty"),
    Mutant("M04", "sim/engine/programme.cpp",
           "u_pending_ = u_trial;",
           "u_pending_ = u_trial < clout() ? -1.0 : 2.0;",
           "rule 5: an escalation succeeds with the clout of whoever is in post when its "
           "delay ends; the mutant decides it with the clout at its start"),
    Mutant("M05", "sim/engine/programme.cpp",
           "end(Outcome::Ended, Cause::PhaseGate);",
           "rec_.value -= phase().value; --rec_.phases_delivered; "
           "end(Outcome::Ended, Cause::PhaseGate);",
           "rule 6: a phase's value is banked at delivery, before the gate; the mutant "
           "un-banks it when the gate fails"),
    Mutant("M06", "sim/engine/programme.cpp",
           "follow_ups_.push_back({t_, p_ + f, phase_});",
           "follow_ups_.push_back({started_at_, p_ + f, phase_});",
           "rules 9 and 13: the follow-up window runs from when the customers give their "
           "time (after recruitment); the mutant measures it from the programme's start S "
           "(phase 0's start)"),
    Mutant("M07", "sim/engine/replication.cpp",
           "lead.event = s_.initial_sponsor == InitialSponsor::Residual ? "
           "tenure.residual_quantile(u)",
           "lead.event = s_.initial_sponsor == InitialSponsor::Residual ? tenure.quantile(u)",
           "rule 2 (single mode): the initial sponsor's remaining tenure is the residual "
           "life; the mutant draws a full tenure"),
    Mutant("M08", "sim/portfolio/organisation.cpp",
           "? level.tenure.residual_quantile(u)",
           "? level.tenure.quantile(u)",
           "rule 2 (portfolio, Posts): each post's first incumbent has the residual life "
           "(the organisation's own draw); the mutant draws a full tenure"),
    Mutant("M09", "include/progsurv/engine/programme.hpp",
           "return sponsor_.engaged ? m : m * s_.disengaged.patience;",
           "return m;",
           "rule 12: a disengaged sponsor's patience multiplier is m*disengaged.patience; "
           "the mutant ignores the factor"),
    Mutant("M10", "sim/portfolio/organisation.cpp",
           "++ex.orphaned;",
           "if (ex.orphaned > 0) continue; ++ex.orphaned;",
           "portfolio, Shared sponsor: an exit orphans every live programme of the post; "
           "the mutant orphans only the first"),
    Mutant("M11", "sim/portfolio/organisation.cpp",
           "cynicism_.on_completion(t_);",
           "cynicism_.on_failure(t_);",
           "portfolio, Cynicism: a completion relieves cynicism; the mutant raises it"),
    Mutant("M12", "include/progsurv/engine/summary.hpp",
           "inline constexpr double kZ95 = 1.959963984540054;",
           "inline constexpr double kZ95 = 1.64;",
           "Outputs and statistics: Wilson intervals at 95%; the mutant uses z = 1.64 (90%)"),
    Mutant("M13", "sim/engine/chunk_pipeline.hpp",
           "done_.wait(lock, [&] { return failure_ || ready_.count(c) > 0; });",
           "done_.wait(lock, [&] { return failure_ || !ready_.empty(); }); "
           "c = ready_.begin()->first;",
           "Randomness and reproducibility: chunk results are merged in chunk order; the "
           "mutant merges whichever ready chunk comes first (completion order)"),
    Mutant("M14", "sim/engine/summary.cpp",
           "const double ss = std::max(0.0, c.xx - 2.0 * r * c.xy + r * r * c.yy);",
           "const double ss = std::max(0.0, c.xx - 2.0 * r * c.x + r * r * c.y);",
           "Outputs and statistics: a share of programmes is a ratio over organisations; the "
           "mutant takes every organisation to have one programme (the cross and square sums of "
           "launches replaced by their plain sums)"),
]


def run(cmd, cwd, log=None, check=True):
    out = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True)
    if log is not None:
        log.write(f"$ {' '.join(map(str, cmd))}\n{out.stdout}\n")
        log.flush()
    if check and out.returncode != 0:
        tail = "\n".join(out.stdout.splitlines()[-40:])
        raise SystemExit(f"mutants: {' '.join(map(str, cmd))} failed:\n{tail}")
    return out


def check_applies(src: Path, mutants):
    """Every original text must occur exactly once; stop loudly otherwise."""
    bad = []
    for m in mutants:
        path = src / m.path
        if not path.is_file():
            bad.append(f"{m.name}: {m.path} does not exist")
            continue
        n = path.read_text().count(m.original)
        if n != 1:
            bad.append(f"{m.name}: {m.path} holds the original text {n} times (want 1): "
                       f"{m.original!r}")
    if bad:
        raise SystemExit("mutants: a substitution does not apply (the source moved; update "
                         "tools/mutants.py):\n  " + "\n  ".join(bad))


def copy_tree(dest: Path):
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, stdout=subprocess.PIPE,
                           check=True).stdout.split(b"\0")
    for f in files:
        if not f:
            continue
        rel = f.decode()
        s, d = ROOT / rel, dest / rel
        if not s.is_file():  # deleted in the working tree
            continue
        d.parent.mkdir(parents=True, exist_ok=True)
        if not d.is_file() or d.read_bytes() != s.read_bytes():
            shutil.copy2(s, d)


def failed_tests(output: str):
    """Test names from ctest's 'The following tests FAILED' list."""
    names = []
    tail = output.split("The following tests FAILED:", 1)
    if len(tail) == 2:
        for line in tail[1].splitlines():
            m = re.match(r"\s*\d+ - (\S+) \((.+)\)", line)
            if m:
                names.append(m.group(1))
    return names


def build_and_test(src: Path, build: Path, jobs: int, log, tests=None):
    run(["cmake", "--build", str(build), "-j", str(jobs), "--target", "progsurv_tests"], src,
        log)
    only = ["-R", tests] if tests else []
    # Only progsurv_tests is built: the benchmark programs' smoke runs (label bench) are left out.
    out = run(["ctest", "--test-dir", str(build), "-j", str(jobs), "-E", REFERENCE_TESTS, "-LE",
               "bench", *only, "--timeout", "900"], src, log, check=False)
    total = re.search(r"tests passed, (\d+) tests failed out of (\d+)", out.stdout)
    return failed_tests(out.stdout), int(total.group(2)) if total else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--list", action="store_true", help="print the mutants and exit")
    ap.add_argument("--check", action="store_true",
                    help="only check that every substitution applies to the current sources")
    ap.add_argument("--only", help="comma-separated mutant names (default: all)")
    ap.add_argument("--scratch", default=str(ROOT / "build" / "mutants"),
                    help="scratch directory (default build/mutants; kept for ccache reuse)")
    ap.add_argument("--jobs", type=int, default=2, help="build and ctest parallelism (2)")
    ap.add_argument("--skip-baseline", action="store_true",
                    help="do not run the unmutated suite first")
    ap.add_argument("--tests", metavar="REGEX",
                    help="run only the ctest tests matching REGEX (a quick look; the kill "
                         "rate in docs/validation.md is for the whole suite)")
    args = ap.parse_args()

    mutants = MUTANTS
    if args.only:
        wanted = set(args.only.split(","))
        unknown = wanted - {m.name for m in MUTANTS}
        if unknown:
            raise SystemExit(f"mutants: unknown mutant(s) {sorted(unknown)}")
        mutants = [m for m in MUTANTS if m.name in wanted]
    if args.list:
        for m in mutants:
            print(f"{m.name}  {m.path}\n  breaks:   {m.breaks}\n  original: {m.original}\n"
                  f"  mutated:  {m.mutated}\n")
        return 0
    try:
        check_applies(ROOT, mutants)
    except SystemExit as e:
        print(e, file=sys.stderr)
        return 2
    if args.check:
        print(f"mutants: all {len(mutants)} substitutions apply")
        return 0

    scratch = Path(args.scratch)
    src, build = scratch / "src", scratch / "src" / "build" / "release"
    scratch.mkdir(parents=True, exist_ok=True)
    copy_tree(src)
    log = open(scratch / "log.txt", "w")
    print(f"mutants: scratch copy in {src}; build log in {scratch / 'log.txt'}", flush=True)
    env_launcher = ["-DCMAKE_CXX_COMPILER_LAUNCHER=ccache", "-DCMAKE_C_COMPILER_LAUNCHER=ccache"]
    if shutil.which("ccache") is None:
        env_launcher = []
    run(["cmake", "--preset", "release", *env_launcher], src, log)

    baseline_failures = set()
    if not args.skip_baseline:
        t0 = time.time()
        failures, total = build_and_test(src, build, args.jobs, log, args.tests)
        print(f"baseline: {total} tests, {len(failures)} failed ({time.time() - t0:.0f} s)",
              flush=True)
        if failures:
            print("mutants: the unmutated suite fails: " + ", ".join(failures), file=sys.stderr)
            return 2

    results = []
    for m in mutants:
        path = src / m.path
        pristine = path.read_text()
        t0 = time.time()
        try:
            path.write_text(pristine.replace(m.original, m.mutated, 1))
            failures, total = build_and_test(src, build, args.jobs, log, args.tests)
        finally:
            path.write_text(pristine)
        caught = [f for f in failures if f not in baseline_failures]
        results.append((m, caught, total))
        status = f"caught by {len(caught)}" if caught else "SURVIVED"
        print(f"{m.name} {status} ({time.time() - t0:.0f} s): {', '.join(caught)}", flush=True)
    # Leave the scratch build matching the sources again.
    run(["cmake", "--build", str(build), "-j", str(args.jobs), "--target", "progsurv_tests"],
        src, log)

    killed = sum(1 for _, caught, _ in results if caught)
    suite = f"tests matching {args.tests}" if args.tests else "the C++ suite"
    lines = [f"Mutants caught: {killed} of {len(results)} ({suite}, {results[0][2] if results else 0} "
             f"tests, without Regression.* and PortfolioRegression.*)", "",
             "| mutant | file | breaks | tests that caught it |", "|---|---|---|---|"]
    for m, caught, _ in results:
        lines.append(f"| {m.name} | `{m.path}` | {m.breaks} | "
                     f"{', '.join('`' + c + '`' for c in caught) or '**survived**'} |")
    report = "\n".join(lines) + "\n"
    (scratch / "report.md").write_text(report)
    print("\n" + report)
    return 0 if killed == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
