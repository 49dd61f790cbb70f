"""Reports of portfolio and portfolio attribution files (and of a portfolio YAML, run
first): every tagged number equals its dataset; the wrong attribution file is refused;
`report --help` lists every filetype it takes."""
import h5py
import numpy as np
import pytest

from conftest import SCENARIOS, run_cli
from test_report import _Numbers, check_number, read_value

TEN_YEARS = SCENARIOS / "portfolios" / "ten-years.yaml"


@pytest.fixture(scope="module")
def briefs(tmp_path_factory):
    d = tmp_path_factory.mktemp("briefs")
    run_cli("portfolio", TEN_YEARS, "-n", 300, "--seed", 2, "-o", d / "pf.h5", "-q")
    run_cli("attribute", TEN_YEARS, "-n", 100, "--seed", 2, "-o", d / "pfattr.h5", "-q")
    run_cli("report", d / "pf.h5", "--attribution", d / "pfattr.h5", "-o", d / "pf.html")
    run_cli("report", d / "pfattr.h5", "-o", d / "pfattr.html")
    return d


def check_numbers(page, files):
    """Every tagged number of `page` against its file ({tag: h5py.File}); a share left to
    the other categories (data-derive="1-sum:...") is recomputed. Returns (count checked,
    stray digits outside tagged numbers)."""
    parser = _Numbers()
    parser.feed(page)
    for attrs, text in parser.nums:
        how = attrs.get("data-derive", "")
        if how.startswith("1-sum:"):
            row = np.asarray(files[attrs["data-file"]][attrs["data-src"]][()])[
                int(attrs["data-index"])]
            value = 1.0 - sum(row[int(c)] for c in how[6:].split(","))
        else:
            value = read_value(files, attrs)
        check_number(attrs, text.strip(), value)
    return len(parser.nums), parser.stray


def test_portfolio_report_numbers_are_the_files(briefs):
    page = (briefs / "pf.html").read_text()
    with h5py.File(briefs / "pf.h5", "r") as f, h5py.File(briefs / "pfattr.h5", "r") as a:
        count, _ = check_numbers(page, {"main": f, "attribution": a})
        ranks = len(f["ranks/rank"])
        listed = int(np.sum(f["ranks/reached"][()] >= 0.01))
    assert count > 300
    for heading in ("Per organisation", "By launch rank", "Cynicism and trust over time",
                    "Sponsor exits", "What each sharing costs"):
        assert f">{heading}<" in page
    if listed < ranks:
        assert f"Only the first {listed} of {ranks} ranks are listed" in page
    assert page.count("data:image/png;base64,") == 4


def test_portfolio_attribution_report(briefs):
    page = (briefs / "pfattr.html").read_text()
    with h5py.File(briefs / "pfattr.h5", "r") as a:
        count, _ = check_numbers(page, {"main": a})
        names = [d.decode() for d in a["descriptions"][()]]
    assert count > 100 and "What sharing costs: " in page
    for name in names:
        assert name in page


def test_report_of_a_portfolio_yaml_runs_it_first(tmp_path):
    out = tmp_path / "org.html"
    run_cli("report", TEN_YEARS, "-n", 200, "--set", "roster.vp=4", "-o", out)
    with h5py.File(tmp_path / "org.h5", "r") as f:
        assert f.attrs["filetype"] == "progsurv-portfolio"
        assert int(f["run"].attrs["organisations"]) == 200
        vp = list(f["portfolio/level_names"].asstr()[()]).index("vp")
        assert int(f["portfolio/roster"][vp]) == 4
    assert "An organisation over the years: " in out.read_text()


def test_report_refuses_an_attribution_of_another_kind(briefs, tmp_path):
    run_cli("attribute", SCENARIOS / "baseline.yaml", "-n", 500, "-o", tmp_path / "a.h5", "-q")
    proc = run_cli("report", briefs / "pf.h5", "--attribution", tmp_path / "a.h5",
                   "-o", tmp_path / "x.html", check=False)
    assert proc.returncode == 2 and "not a portfolio attribution file" in proc.stderr
    assert not (tmp_path / "x.html").exists()


def test_report_help_lists_every_filetype():
    text = " ".join(run_cli("report", "--help").stdout.split())
    for kind in ("run", "exact", "sweep", "attribution", "fit", "remedies", "seek",
                 "portfolio", "portfolio attribution", "portfolio YAML"):
        assert kind in text, kind
