#!/usr/bin/env python3
"""Regenerates every sample output in README.md and docs/ from the shipped scenarios and seeds.

Each sample stands between marker comments in the markdown:

    <!-- doc-example: NAME -->
    ```text
    $ progsurv ...
    ...what the command printed...
    ```
    <!-- /doc-example -->

and EXAMPLES below says which command NAME runs (the replication counts are modest so the
check stays quick; the docs state them). The text between the markers is replaced by the
fence, the command and what it printed now. A wall-clock time the command prints ("9 points
in 1.4 s") cannot agree from one run to the next: an example may name such text with a
regular expression (TIMING), and it is shown as "…" both in the doc and in the check.

    /usr/bin/python3 tools/doc_examples.py [--build build/release]          # rewrite the docs
    /usr/bin/python3 tools/doc_examples.py --check [--build build/release]  # CI: exit 1 on a difference

--check rewrites nothing: it prints a unified diff for every example whose committed text
differs from what the command prints now, and exits 1 (0 when all agree).
"""
import argparse
import difflib
import os
import re
import shlex
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))

# name: (markdown file, arguments of `progsurv`). Outputs go to out/ (git ignores it). Every
# command is deterministic for its seed on any thread count.
EXAMPLES = {
    # What `bash .ci/baseline` runs and prints at the end (README "Two commands").
    "baseline-run": ("README.md", ["run", "scenarios/baseline.yaml", "-o", "out/baseline.h5"]),
    "portfolio-ten-years": ("README.md", ["portfolio", "scenarios/portfolios/ten-years.yaml",
                                          "-n", "20000", "-o", "out/ten-years.h5"]),
    # Several programme templates: the summary's table by programme (docs/model.md).
    "portfolio-planned": ("docs/model.md",
                          ["portfolio", "scenarios/portfolios/planned-launches.yaml", "-n",
                           "20000", "-o", "out/planned-launches.h5"]),
    "compare-patience": ("docs/report.md", ["compare", "scenarios/baseline.yaml", "--lever",
                                            "patience.threshold.median=36", "-n", "20000"]),
    "attribute-baseline": ("docs/sweeps.md",
                           ["attribute", "scenarios/baseline.yaml", "-n", "20000"]),
    "attribute-portfolio": ("docs/portfolio-attribution.md",
                            ["attribute", "scenarios/portfolios/ten-years.yaml", "-n", "20000"]),
    "exact-refusal": ("docs/validation.md", ["exact", "scenarios/baseline.yaml"]),
    "sweep-oat": ("docs/sweeps.md", ["sweep", "scenarios/sweeps/baseline-oat.yaml", "-o",
                                     "out/oat.h5", "-q"]),
    "sweep-portfolio": ("docs/sweeps.md", ["sweep", "scenarios/sweeps/portfolio-cynicism.yaml",
                                           "-o", "out/portfolio-cynicism.h5", "-q"]),
    # A short fit (baseline-quick.yaml: 2 parameters, 8 walkers x 80 steps), not the real
    # baseline-4.yaml, which takes minutes; the doc says so.
    "fit-quick": ("docs/fitting.md", ["fit", "scenarios/fits/baseline-quick.yaml", "--record",
                                      "scenarios/records/baseline-synthetic-100.csv", "-o",
                                      "out/fit-quick.h5", "-q"]),
    "readme-remedies": ("README.md",
                        ["remedies", "scenarios/baseline.yaml",
                         "scenarios/remedies/practitioner-remedies.yaml", "--target",
                         "completed>=0.25", "--budget", "150", "-o", "out/what-would-it-take.h5"]),
    "seek-baseline": ("docs/seek.md",
                      ["seek", "scenarios/baseline.yaml", "--lever", "patience.threshold.median",
                       "--range", "6:120", "--target", "completed>=0.14", "-o",
                       "out/seek-patience.h5"]),
    "remedies-baseline": ("docs/remedies.md",
                          ["remedies", "scenarios/baseline.yaml",
                           "tests/data/remedies/baseline-remedies.yaml", "--target",
                           "completed>=0.125", "-o", "out/baseline-remedies.h5"]),
    # Remedies of an organisation: 16 bundles of ten-years; --delta 0.1 programmes keeps it
    # to a few seconds of CPU.
    "remedies-portfolio": ("docs/remedies.md",
                           ["remedies", "scenarios/portfolios/ten-years.yaml",
                            "scenarios/remedies/portfolio-remedies.yaml", "--target",
                            "mean_completed>=0.75", "--delta", "0.1", "-o",
                            "out/ten-years-remedies.h5"]),
}

# The wall-clock times of the commands that print one (see the docstring): what precedes
# the seconds, then the seconds.
TIMING = [
    re.compile(r"^(\d+ points in )[0-9.]+ s$", re.M),  # sweep
    re.compile(r"(likelihood, )[0-9]+ s$", re.M),      # fit
]

BEGIN = re.compile(r"^<!-- doc-example: ([a-z0-9-]+) -->\n", re.M)
END = "<!-- /doc-example -->\n"


def render(build, args):
    exe = os.path.join(build, "sim", "progsurv")
    os.makedirs(os.path.join(ROOT, "out"), exist_ok=True)
    # A sample shows a first run: its output is not there yet (else the command says it
    # replaced it).
    for flag, value in zip(args, args[1:]):
        if flag == "-o" and os.path.isfile(os.path.join(ROOT, value)):
            os.remove(os.path.join(ROOT, value))
    proc = subprocess.run([exe, *args], cwd=ROOT, capture_output=True, text=True, timeout=1800)
    # A refusal is a sample too (exit 2, the message on stderr).
    text = proc.stdout + proc.stderr
    for timing in TIMING:
        text = timing.sub("\\g<1>… s", text)
    # Quoted as a shell needs it: a target such as completed>=0.25 would be a redirection.
    return "```text\n$ progsurv " + shlex.join(args) + "\n" + text + "```\n"


def blocks(text):
    """(name, start, end) of the text between each pair of markers."""
    for m in BEGIN.finditer(text):
        end = text.find(END, m.end())
        if end < 0:
            raise SystemExit(f"doc-example {m.group(1)}: no closing {END.strip()}")
        yield m.group(1), m.end(), end


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build", "release"))
    ap.add_argument("--check", action="store_true", help="compare, rewrite nothing")
    a = ap.parse_args()
    build = os.path.abspath(a.build)
    seen, differ = set(), 0
    files = sorted({f for f, _ in EXAMPLES.values()})
    for rel in files:
        path = os.path.join(ROOT, rel)
        with open(path, encoding="utf-8") as f:
            text = f.read()
        out, last = [], 0
        for name, start, end in list(blocks(text)):
            if name not in EXAMPLES or EXAMPLES[name][0] != rel:
                raise SystemExit(f"{rel}: doc-example {name} is not in tools/doc_examples.py")
            seen.add(name)
            new = render(build, EXAMPLES[name][1])
            old = text[start:end]
            if old != new:
                differ += 1
                sys.stdout.writelines(difflib.unified_diff(
                    old.splitlines(True), new.splitlines(True),
                    f"{rel} ({name}, committed)", f"{rel} ({name}, as the command prints now)"))
            out += [text[last:start], new]
            last = end
        out.append(text[last:])
        if not a.check:
            with open(path, "w", encoding="utf-8") as f:
                f.write("".join(out))
    missing = sorted(set(EXAMPLES) - seen)
    if missing:
        raise SystemExit("no markers in the docs for: " + ", ".join(missing))
    if a.check:
        if differ:
            print(f"{differ} doc example(s) differ from what the commands print; "
                  "regenerate with /usr/bin/python3 tools/doc_examples.py")
            return 1
        print(f"doc examples: all {len(seen)} agree with what the commands print")
    else:
        print(f"doc examples: {len(seen)} regenerated, {differ} changed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
