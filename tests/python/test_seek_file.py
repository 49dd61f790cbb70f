"""The seek file against its documentation (docs/hdf5-seek-format.md): every dataset and
attribute the writer produces is documented, the page's Python snippet runs, and the
statistics and intervals recomputed from the raw sums as the page says agree with what
`progsurv seek` printed."""
import math
import re

import h5py
import numpy as np

from conftest import BASELINE, REPO, run_cli

DOC = REPO / "docs" / "hdf5-seek-format.md"


def _seek_file(tmp_path):
    out = tmp_path / "seek.h5"
    proc = run_cli("seek", BASELINE, "--lever", "patience.threshold.median", "--range", "6:120",
                   "--target", "completed>=0.13", "-n", "4000", "-q", "-o", out)
    return out, proc.stdout


def test_every_object_of_the_file_is_documented(tmp_path):
    out, _ = _seek_file(tmp_path)
    documented = set(re.findall(r"`([A-Za-z0-9_/]+)`", DOC.read_text()))
    missing = []
    with h5py.File(out, "r") as f:
        missing += [f"@{a}" for a in f.attrs if a not in documented]

        def visit(name, obj):
            if f"/{name}" not in documented:
                missing.append(name)
            missing.extend(f"{name}@{a}" for a in obj.attrs)

        f.visititems(visit)
    assert not missing, f"undocumented in {DOC.name}: {missing}"


def test_snippet_runs_and_recomputation_matches_the_printed_table(tmp_path, monkeypatch):
    out, printed = _seek_file(tmp_path)
    text = DOC.read_text()
    start = text.index("```python\n") + len("```python\n")
    snippet = text[start : text.index("```", start)]
    monkeypatch.chdir(tmp_path)
    exec(compile(snippet, str(DOC), "exec"), {})
    with h5py.File(out, "r") as f:
        assert f.attrs["verdict"] == "found"
        p = f["points"]
        x, n = p["x"][:], p["n"][:].astype(float)
        s, ss = p["sum"][:], p["sumsq"][:]
        mean = s / n
        se = np.sqrt((ss - s * s / n) / (n - 1) / n)
        stage = p["stage"].asstr()[:]
        assert stage[0] == "base" and list(p["order"][:]) == list(range(len(x)))
        # The answer is an evaluated value whose estimate meets the target.
        value = f.attrs["value"]
        i = int(np.flatnonzero(x[1:] == value)[0]) + 1
        assert mean[i] >= 0.13
        lo, hi = f.attrs["interval"]
        assert lo <= value <= hi
    # Each printed row "x  m% [l%, u%] ..." is the recomputation, to the printed digits.
    rows = re.findall(r"^  ([0-9.]+)\s+([0-9.]+)% \[([0-9.]+)%, ([0-9.]+)%\]", printed, re.M)
    assert len(rows) == len(x) - 1
    for xs, m, l, u in rows:
        j = int(np.flatnonzero(np.isclose(x[1:], float(xs), rtol=5e-4))[0]) + 1
        assert math.isclose(100 * mean[j], float(m), abs_tol=0.051)
        assert math.isclose(100 * (mean[j] - 1.959963984540054 * se[j]), float(l), abs_tol=0.051)
        assert math.isclose(100 * (mean[j] + 1.959963984540054 * se[j]), float(u), abs_tol=0.051)
