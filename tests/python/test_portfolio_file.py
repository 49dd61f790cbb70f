"""The portfolio file against its documentation (docs/hdf5-portfolio-format.md): every group,
dataset and attribute the writer produces is documented, and the page's recomputation
snippet runs on a fresh file and agrees with the derived groups (it asserts so)."""
import re

import h5py
import pytest

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
    out = _portfolio_file(tmp_path)
    text = DOC.read_text()
    start = text.index("```python\n") + len("```python\n")
    snippet = text[start : text.index("```", start)]
    monkeypatch.chdir(tmp_path)
    names = {}
    exec(compile(snippet, str(DOC), "exec"), names)
    # What it computed is what the file's derived groups say (checked here without the
    # snippet's own asserts), and its Clopper-Pearson interval is scipy's exact interval.
    from scipy.stats import binomtest

    with h5py.File(out, "r") as f:
        assert names["p"] == pytest.approx(f["ranks/completed"][:], abs=1e-12)
        assert names["mean"] == pytest.approx(f["organisation/per_category"][
            names["c_completed"]], abs=1e-12)
    exact = binomtest(int(names["k0"]), int(names["n0"])).proportion_ci(method="exact")
    assert names["cp"] == pytest.approx((exact.low, exact.high), abs=1e-9)
    # The snippet's own checks have teeth: with one derived value off by 0.01 it fails.
    with h5py.File(out, "r+") as f:
        f["ranks/completed_lower"][0] += 0.01
    with pytest.raises(AssertionError):
        exec(compile(snippet, str(DOC), "exec"), {})


def test_a_file_before_1_3_reads_and_is_written_again(tmp_path):
    """A 1.2 file has no organisations' spread by template: it reads with Wilson intervals
    that take programmes as independent, the page says so, and written again from Python
    (as format 1.3, still without the spread) it reads once more."""
    import progsurv

    out = tmp_path / "p.h5"
    run_cli("portfolio", SCENARIOS / "portfolios" / "planned-launches.yaml", "-n", "300", "-q",
            "-o", out)
    with h5py.File(out, "r+") as f:
        f.attrs["format_version"] = [1, 2]
        for name in ("template_launched_sq", "template_category_sq", "template_category_cross",
                     "per_org_category_cross", "per_org_ended_cross", "template_value_sum",
                     "template_value_sq", "template_value_cross"):
            del f["tally"][name]
        for name in ("value", "value_lower", "value_upper"):
            del f["templates"][name]
        f["templates"].attrs["interval_method"] = "wilson"
    old = progsurv.load(out)
    assert not old.tally.clustered
    assert old.statistics.template_interval_method == "wilson"
    assert old.templates()["mean_value"].isna().all()
    again = tmp_path / "again.h5"
    old.to_hdf5(again)
    back = progsurv.load(again)
    assert not back.tally.clustered
    assert back.summary() == old.summary()
    assert run_cli("summary", again).stdout.startswith(run_cli("summary", out).stdout[:200])
    for path in (out, again):
        page = tmp_path / (path.stem + ".html")
        run_cli("report", path, "-o", page)
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", page.read_text()))
        assert "takes the programmes as independent" in text
        assert "counts organisations, not programmes" not in text
        assert ">mean value</th>" not in page.read_text().split("<h2>By launch rank</h2>")[0]
