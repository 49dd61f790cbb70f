"""Issue 19, part A: a run made with --set says so in every output (summary, file, report,
Python name, attribution, comparison); the comparison file and its brief; one loader for
every filetype; progsurv.export after `import progsurv` alone."""
import os
import re
import subprocess
import sys

import h5py
import numpy as np
import pytest

from conftest import BASELINE, PYTHON_DIR, SCENARIOS, run_cli
from test_report import _Numbers, check_number, read_value

LABEL = "baseline [sponsor=director]"


@pytest.fixture(scope="module")
def variant(tmp_path_factory):
    d = tmp_path_factory.mktemp("variant")
    out = run_cli("run", BASELINE, "-n", 4000, "--seed", 2, "-q", "--set", "sponsor=director",
                  "-o", d / "v.h5").stdout
    return d, out


def test_every_output_of_a_set_run_carries_the_override(variant):
    import progsurv

    d, printed = variant
    assert printed.startswith(f"progsurv: {LABEL} (seed 2)")
    with h5py.File(d / "v.h5", "r") as f:
        assert f["scenario"].attrs["label"] == LABEL
        assert f["scenario/changes/path"].asstr()[()].tolist() == ["sponsor"]
        assert f["scenario/changes/value"].asstr()[()].tolist() == ["director"]
        was = f["scenario/changes/was"].asstr()[()][0]
        assert "vp: 0.4" in was  # what the file said
        assert "# " in f["scenario/source_yaml"].asstr()[()]  # the notes as written
    assert run_cli("summary", d / "v.h5").stdout.startswith(f"progsurv: {LABEL} (")
    r = progsurv.load(d / "v.h5")
    assert r.name == LABEL and LABEL in repr(r)
    assert r.scenario.changes[0][:2] == ("sponsor", "director")
    assert progsurv.run(BASELINE, replications=1000, set={"sponsor": "director"}).name == LABEL
    # seek too: its text and its file.
    seek = run_cli("seek", BASELINE, "--set", "sponsor=director", "--lever",
                   "patience.threshold.median", "--range", "6:60", "--target", "completed>=0.02",
                   "-n", 1000, "-q", "-o", d / "s.h5").stdout
    assert seek.startswith(f"progsurv seek: {LABEL}, lever")
    with h5py.File(d / "s.h5", "r") as f:
        assert f.attrs["scenario_label"] == LABEL
        assert f["scenario_changes/path"].asstr()[()].tolist() == ["sponsor"]
    assert run_cli("summary", d / "s.h5").stdout.startswith(f"progsurv seek: {LABEL}, lever")
    run_cli("report", d / "s.h5", "-o", d / "s.html")
    assert f">{LABEL}</span></p>" in (d / "s.html").read_text()
    # attribute and compare name the variant too.
    a = run_cli("attribute", BASELINE, "-n", 500, "-q", "--set", "sponsor=director",
                "--mechanisms", "sponsor_exit", "-o", d / "a.h5").stdout
    assert a.startswith(f"progsurv attribute: {LABEL} (")
    with h5py.File(d / "a.h5", "r") as f:
        assert f.attrs["scenario_label"] == LABEL
    assert progsurv.load(d / "a.h5").attrs["scenario"] == LABEL
    run_cli("report", d / "a.h5", "-o", d / "a.html")
    assert f">{LABEL}</span>)" in (d / "a.html").read_text()
    c = run_cli("compare", BASELINE, "--lever", "horizon=48", "-n", 500, "-q", "--set",
                "sponsor=director").stdout
    assert f"[0] {BASELINE}: {LABEL} (horizon 60 months)" in c
    assert "[1] horizon=48: baseline [sponsor=director, horizon=48] (horizon 48" in c
    frame = progsurv.compare(BASELINE, levers=["horizon=48"], set={"sponsor": "director"},
                             replications=500, bootstrap=5)
    assert frame.attrs["labels"][0] == f"{BASELINE} [sponsor=director]"
    assert frame.attrs["names"] == [LABEL, "baseline [sponsor=director, horizon=48]"]
    # compare(output=...) writes the file `compare -o` writes; load reads the same frame.
    again = progsurv.compare(BASELINE, levers=["horizon=48"], set={"sponsor": "director"},
                             replications=500, bootstrap=5, output=d / "c.h5")
    back = progsurv.load(d / "c.h5")
    assert back.attrs["table"] == again.attrs["table"] == frame.attrs["table"]
    assert back.attrs["names"] == frame.attrs["names"]


def _check_page(page, h5):
    parser = _Numbers()
    parser.feed(page)
    for attrs, text in parser.nums:
        check_number(attrs, text.strip(), read_value(h5, attrs))
    assert parser.stray == [], parser.stray
    return parser


def test_the_report_of_a_variant_lists_each_change_and_keeps_the_notes(variant, tmp_path):
    d, _ = variant
    run_cli("report", d / "v.h5", "-o", tmp_path / "v.html", "--attribute", 0)
    page = (tmp_path / "v.html").read_text()
    assert f"<title>progsurv report: {LABEL}</title>" in page
    head = page[page.index("<h1>"):page.index("<h2>")]
    assert "A variant" in head and "sponsor" in head and "director" in head
    # The appendix: the value set is marked with what the file said; the others keep notes.
    assert "set for this run (was {ceo: 0.05" in page
    assert page.count('class="evidence"') > 3 and page.count('class="assumption"') > 3
    assert "not annotated</td>" in page  # some values really have no note...
    with h5py.File(d / "v.h5", "r") as f:
        _check_page(page, {"main": f})
    # The bands say whom they describe, and that a variant may sit outside them.
    assert "programmes in general" in page and "This run is a variant" in page
    # The same from a scenario YAML with --set.
    run_cli("report", BASELINE, "--set", "sponsor=director", "-n", 2000, "--attribute", 0,
            "-o", tmp_path / "y.html")
    assert f"<title>progsurv report: {LABEL}</title>" in (tmp_path / "y.html").read_text()


@pytest.fixture(scope="module")
def comparison(tmp_path_factory):
    d = tmp_path_factory.mktemp("cmp")
    printed = run_cli("compare", BASELINE, SCENARIOS / "director-vacuum.yaml", "-n", 6000,
                      "--seed", 4, "-q", "-o", d / "cmp.h5").stdout
    return d, printed


def test_compare_writes_a_comparison_file_that_reads_back(comparison):
    import progsurv

    d, printed = comparison
    assert printed.endswith(f"written: {d / 'cmp.h5'}\n")
    assert "of started" in printed
    table = printed.replace(f"written: {d / 'cmp.h5'}\n", "")
    assert run_cli("summary", d / "cmp.h5").stdout == table
    frame = progsurv.load(d / "cmp.h5")
    assert frame.attrs["table"] == table and frame.attrs["path"] == str(d / "cmp.h5")
    row = frame.xs("p_completed", level="statistic").iloc[0]
    assert row["lower_started"] <= row["diff_started"] <= row["upper_started"]
    # Each scenario's own result: the numbers its own run with that seed and n gives.
    results = progsurv.comparison_results(d / "cmp.h5")
    own = progsurv.run(SCENARIOS / "director-vacuum.yaml", replications=6000, seed=4)
    np.testing.assert_array_equal(results[1].tally_category_count, own.tally_category_count)
    assert row["started"] == pytest.approx(own.outcome_share_started[0, 0], abs=0)
    with h5py.File(d / "cmp.h5", "r") as f:
        assert f.attrs["filetype"] == "progsurv-comparison"
        assert tuple(f.attrs["format_version"]) == progsurv.COMPARISON_FORMAT_VERSION
        # The shares of proposed re-derive from the raw paired sums.
        n = f["paired"].attrs["n"]
        dsum = f["paired/dsum"][1, 0]
        assert f["differences/diff"][0, 1] == pytest.approx(dsum / n, rel=1e-12)


def test_export_of_a_comparison(comparison, tmp_path):
    import pandas as pd

    d, _ = comparison
    run_cli("export", d / "cmp.h5", "--csv", tmp_path / "csv")
    run_cli("export", d / "cmp.h5", "--xlsx", tmp_path / "cmp.xlsx")
    differences = pd.read_csv(tmp_path / "csv" / "shares.csv", float_precision="round_trip")
    others = pd.read_csv(tmp_path / "csv" / "other_statistics.csv", float_precision="round_trip")
    assert differences["statistic"].str.startswith("p_").all()
    assert "mean_value" in others["statistic"].tolist()
    with h5py.File(d / "cmp.h5", "r") as f:
        k = f["differences/statistics"].asstr()[()].tolist().index("p_completed")
        row = differences[differences["statistic"] == "p_completed"].iloc[0]
        assert row["diff"] == f["differences/diff"][k, 1]
        assert row["diff_started"] == f["differences/started_diff"][k, 1]
    sheets = pd.read_excel(tmp_path / "cmp.xlsx", sheet_name=None)
    assert sheets["scenarios"]["name"].tolist() == ["baseline", "director-vacuum"]
    from openpyxl import load_workbook

    book = load_workbook(tmp_path / "cmp.xlsx")
    header = [c.value for c in book["shares"][1]]
    assert book["shares"].cell(2, header.index("diff") + 1).number_format.endswith("%")
    assert not book["other_statistics"].cell(2, header.index("diff") + 1).number_format.endswith("%")


def test_compare_refuses_a_bad_output_before_running(tmp_path):
    proc = run_cli("compare", BASELINE, "--lever", "horizon=48", "-n", 500, "-q", "-o",
                   tmp_path / "missing" / "c.h5", check=False)
    assert proc.returncode == 2 and "missing" in proc.stderr
    assert not (tmp_path / "missing").exists()
    proc = run_cli("compare", BASELINE, "--lever", "horizon=48", "-n", 500, "-q", "-o", BASELINE,
                   check=False)
    assert proc.returncode == 2


def test_the_comparison_brief(comparison, tmp_path):
    d, _ = comparison
    run_cli("report", d / "cmp.h5", "-o", tmp_path / "c.html", "--attribute", 300)
    page = (tmp_path / "c.html").read_text()
    text = " ".join(re.sub(r"<[^>]+>", " ", page).split())
    assert "Which does better? baseline against director-vacuum" in text
    assert "percentage points" in text and "Of the programmes that start" in text
    assert "What was changed between them" in text and "<code>sponsor</code>" in page
    assert "succession.adoption 0.5 0.15" in text  # a value that differs, in each scenario
    assert "Survival, overlaid" in text and "Completion, overlaid" in text
    assert "What each obstacle costs, in each scenario" in text
    for i in (0, 1):
        assert (tmp_path / f"c-attribution-{i}.h5").exists()
    files = {"main": h5py.File(d / "cmp.h5", "r")}
    for i in (0, 1):
        files[f"knockout{i}"] = h5py.File(tmp_path / f"c-attribution-{i}.h5", "r")
    parser = _check_page(page, files)
    assert len(parser.nums) > 60
    run_cli("report", d / "cmp.h5", "-o", tmp_path / "bare.html", "--attribute", 0)
    assert "is left out" in (tmp_path / "bare.html").read_text()


def test_load_reads_every_filetype(comparison, variant, tmp_path):
    import progsurv

    d, _ = comparison
    v, _ = variant
    portfolio = SCENARIOS / "portfolios" / "ten-years.yaml"
    run_cli("portfolio", portfolio, "-n", 50, "-q", "-o", tmp_path / "p.h5")
    run_cli("attribute", portfolio, "-n", 20, "-q", "--shapley", "none", "-o",
            tmp_path / "pa.h5")
    run_cli("attribute", BASELINE, "-n", 300, "-q", "--mechanisms", "patience", "-o",
            tmp_path / "a.h5")
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(f"name: tiny\nbase: {BASELINE}\nseed: 1\nreplications: 500\n"
                     "design: oat\nparameters:\n  patience.threshold.median: [8, 24]\n"
                     "metrics: [p_completed]\n")
    run_cli("sweep", sweep, "-o", tmp_path / "s.h5", "-q")
    assert isinstance(progsurv.load(v / "v.h5"), progsurv.Result)
    assert isinstance(progsurv.load(tmp_path / "p.h5"), progsurv.PortfolioResult)
    pa = progsurv.load(tmp_path / "pa.h5")
    assert isinstance(pa, progsurv.PortfolioAttribution)
    assert pa.organisations == 20 and pa.text().startswith("progsurv attribute")
    costs = pa.per_organisation()
    assert set(costs.index.get_level_values("part")) == {"cynicism", "trust", "posts", "budget",
                                                         "all"}
    assert not pa.per_rank().empty and pa.rank_launched().iloc[0] == 20
    assert isinstance(progsurv.load(tmp_path / "s.h5"), progsurv.SweepResult)
    assert "patience" in progsurv.load(tmp_path / "a.h5").index
    assert progsurv.load(d / "cmp.h5").attrs["names"][1] == "director-vacuum"
    # A progsurv file of a kind this version does not read names it and the known ones.
    with h5py.File(tmp_path / "odd.h5", "w") as f:
        f.attrs["filetype"] = "progsurv-nonsense"
    with pytest.raises(progsurv.FileFormatError, match="'progsurv-nonsense'.*comparison"):
        progsurv.load(tmp_path / "odd.h5")


def test_export_is_there_after_import_progsurv():
    code = ("import progsurv; print(callable(progsurv.export.tables), "
            "callable(progsurv.report.write_report))")
    env = dict(os.environ, PYTHONPATH=str(PYTHON_DIR))
    out = subprocess.run(["/usr/bin/python3", "-c", code], capture_output=True, text=True,
                         env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "True True"


def test_quantiles_not_reached_show_no_interval(tmp_path):
    # A horizon too short for 80% of proposed programmes to complete.
    run_cli("run", BASELINE, "-n", 2000, "-q", "-o", tmp_path / "r.h5")
    run_cli("report", tmp_path / "r.h5", "-o", tmp_path / "r.html", "--attribute", 0)
    page = (tmp_path / "r.html").read_text()
    assert "not reached</span>" in page
    assert "(<span" not in page.split("not reached</span>")[1][:40]
