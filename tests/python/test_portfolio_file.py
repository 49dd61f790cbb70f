"""The portfolio file against its documentation (docs/hdf5-portfolio-format.md): every group,
dataset and attribute the writer produces is documented, and the page's recomputation
snippet runs on a fresh file and agrees with the derived groups (it asserts so)."""
import re

import h5py

from conftest import REPO, SCENARIOS, run_cli

DOC = REPO / "docs" / "hdf5-portfolio-format.md"


def _portfolio_file(tmp_path):
    out = tmp_path / "ten-years.h5"
    run_cli("portfolio", SCENARIOS / "portfolios" / "ten-years.yaml", "-n", "2000", "-q", "-o", out)
    return out


def test_every_object_of_the_file_is_documented(tmp_path):
    out = _portfolio_file(tmp_path)
    documented = set(re.findall(r"`([A-Za-z0-9_/]+)`", DOC.read_text()))
    missing = []

    def known(name):
        base = name.rsplit("/", 1)[-1]
        stem = re.sub(r"_(lower|upper)$", "", base)
        return base in documented or f"/{base}" in documented or stem in documented

    with h5py.File(out, "r") as f:
        for name in f.attrs:
            if not known(name):
                missing.append(f"@{name}")

        def visit(name, obj):
            if not known(name):
                missing.append(name)
            for attr in obj.attrs:
                if not known(attr):
                    missing.append(f"{name}@{attr}")

        f.visititems(visit)
    assert not missing, f"undocumented in {DOC.name}: {missing}"


def test_recomputation_snippet_runs(tmp_path, monkeypatch):
    _portfolio_file(tmp_path)
    text = DOC.read_text()
    start = text.index("```python\n") + len("```python\n")
    snippet = text[start : text.index("```", start)]
    monkeypatch.chdir(tmp_path)
    exec(compile(snippet, str(DOC), "exec"), {})
