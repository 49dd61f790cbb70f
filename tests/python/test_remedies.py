"""progsurv.remedies against `progsurv remedies`: the same file at the same seed, the
DataFrames derived from the raw sums, load dispatch, the GIL released, report and export."""

import re

import h5py
import numpy as np
import pandas as pd
import pytest

import progsurv
from conftest import BASELINE, REPO, run_cli

REMEDIES = REPO / "tests" / "data" / "remedies" / "baseline-remedies.yaml"
TARGET = "completed>=0.125"
SEED = 3
CAP = 40000  # replications per bundle


@pytest.fixture(scope="module")
def cli_remedies(tmp_path_factory):
    path = tmp_path_factory.mktemp("remedies") / "remedies.h5"
    # One thread there, two in py_remedies: the numbers must not depend on it.
    proc = run_cli("remedies", BASELINE, REMEDIES, "--target", TARGET, "-n", CAP, "--seed",
                   SEED, "--threads", 1, "-q", "-o", path)
    return path, proc.stdout


@pytest.fixture(scope="module")
def py_remedies():
    return progsurv.remedies(BASELINE, REMEDIES, target=TARGET, max_replications=CAP,
                             seed=SEED, threads=2)


def test_python_equals_the_command_file(cli_remedies, py_remedies):
    path, stdout = cli_remedies
    loaded = progsurv.load(path)
    assert isinstance(loaded, progsurv.RemediesResult) and loaded.path == str(path)
    assert isinstance(progsurv.load_remedies(path), progsurv.RemediesResult)
    pd.testing.assert_frame_equal(py_remedies.bundles, loaded.bundles)
    pd.testing.assert_frame_equal(py_remedies.frontier, loaded.frontier)
    pd.testing.assert_frame_equal(py_remedies.shapley, loaded.shapley)
    assert py_remedies.sentence == loaded.sentence
    assert py_remedies.summary() in stdout
    assert py_remedies.sentence.startswith("the cheapest way to reach p_completed >= 12.5% is ")
    pd.testing.assert_series_equal(py_remedies.chosen, loaded.chosen)
    with h5py.File(path, "r") as f:
        assert f.attrs["chosen"] == py_remedies.chosen.name
        np.testing.assert_array_equal(f["frontier"][()], py_remedies.frontier.index)
        np.testing.assert_array_equal(f["bundles/observations"][()],
                                      py_remedies.bundles["observations"])
        np.testing.assert_array_equal(f["shapley/share"][()], py_remedies.shapley["share"])


def test_frames_are_derived_from_the_raw_sums(py_remedies):
    b = py_remedies.bundles
    raw = py_remedies.bundle_results
    for i, r in enumerate(raw):
        assert b.loc[i, "estimate"] == pytest.approx(r.sum / r.n, rel=1e-12)
        # The C++ bundle_value / bundle_gain (Student t): the frame's columns match them.
        np.testing.assert_allclose(b.loc[i, ["estimate", "lower", "upper"]].astype(float),
                                   r.value, rtol=1e-9)
        if i > 0:
            # The variance from raw sums (d2 - d^2 / n) cancels: with a few hundred batches
            # the two evaluation orders differ in the ninth digit.
            np.testing.assert_allclose(b.loc[i, ["gain", "gain_lower", "gain_upper"]]
                                       .astype(float), r.gain, rtol=1e-8)
    assert b.loc[0, "bundle"] == "nothing" and b.loc[0, "cost"] == 0
    f = py_remedies.frontier
    assert list(f["cost"]) == sorted(f["cost"]) and f.index[0] == 0
    assert (f["role"] == "chosen").sum() == 1
    chosen = py_remedies.chosen
    assert chosen["feasibility"] == "feasible" and chosen["estimate"] >= 0.125 - 0.01
    # The cheapest bundle declared feasible is the chosen one.
    feasible = b[b["feasibility"] == "feasible"]
    assert chosen["cost"] == feasible["cost"].min()
    assert py_remedies.runner_up is None or py_remedies.runner_up["cost"] >= chosen["cost"]
    # The Shapley shares sum to the bundle's gain over their replications.
    s = py_remedies.shapley
    assert s["share"].sum() == pytest.approx(s.attrs["total"]["gain"], abs=1e-12)
    assert s.attrs["bundle"] == chosen["bundle"]
    assert set(s["remedy"]) == set(chosen["bundle"].split(" + "))


def test_without_target_it_reports_the_best():
    r = progsurv.remedies(BASELINE, REMEDIES, max_replications=20000, batch=1000, budget=40)
    assert r.chosen is None and r.runner_up is None and r.target is None
    assert r.sentence.startswith("best within the budget: ")
    assert (r.bundles.loc[r.bundles["takes_part"], "cost"] <= 40).all()


def test_bad_input_raises_before_running(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text('unit: "EUR k"\nremedies:\n  - name: a\n    description: x\n    cost: 5\n'
                   '    set: {patience.no_such_key: 3}\n')
    with pytest.raises(progsurv.ScenarioError) as e:
        progsurv.remedies(BASELINE, bad, target=TARGET)
    assert e.value.file == str(bad) and e.value.line == 6
    with pytest.raises(ValueError, match="metric"):
        progsurv.remedies(BASELINE, REMEDIES, target="completed>=0.2", metric="mean_value")
    with pytest.raises(ValueError, match="delta"):
        progsurv.remedies(BASELINE, REMEDIES, metric="mean_value")
    with pytest.raises(ValueError):
        progsurv.remedies(BASELINE, REMEDIES, target="nothing>=0.2")
    with pytest.raises(ValueError):
        progsurv.remedies(BASELINE, REMEDIES, search="random")
    # The search's own checks name the argument as Python spells it, the command as it does.
    with pytest.raises(ValueError, match=r"^max_replications=: 100 allows 2 batches of 50"):
        progsurv.remedies(BASELINE, REMEDIES, target=TARGET, max_replications=100)
    proc = run_cli("remedies", BASELINE, REMEDIES, "--target", TARGET, "--max-replications",
                   100, "-q", "-o", tmp_path / "r.h5", check=False)
    assert proc.returncode == 2 and "error: --max-replications: 100 allows" in proc.stderr
    assert not (tmp_path / "r.h5").exists()


def test_plot_frontier_and_to_hdf5(py_remedies, tmp_path):
    ax = py_remedies.plot_frontier()
    assert ax.get_xlabel() == "cost (EUR k)"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any(t.startswith("chosen: ") for t in labels)
    assert any(t.startswith("target ") for t in labels)
    out = py_remedies.to_hdf5(tmp_path / "again.h5")
    pd.testing.assert_frame_equal(progsurv.load(out).bundles, py_remedies.bundles)


def test_gil_released_while_searching():
    from test_threads import assert_runs_without_gil

    # Batches of 4000 (not the default 50 for shares) keep the search long enough to tell
    # (about 0.9 s on the development machine; the default batch finishes in 0.06 s).
    assert_runs_without_gil(lambda: progsurv.remedies(
        BASELINE, REMEDIES, target=TARGET, batch=4000, max_replications=400000, threads=1,
        seed=11))


def test_progress_false_stops_it():
    with pytest.raises(KeyboardInterrupt):
        progsurv.remedies(BASELINE, REMEDIES, target=TARGET, progress=lambda d, p: False)


def test_report_shows_the_file(cli_remedies, tmp_path):
    from report_numbers import check_page

    path, stdout = cli_remedies
    page = tmp_path / "r.html"
    run_cli("report", path, "-o", page)
    html = page.read_text()
    loaded = progsurv.load(path)
    bundles = loaded.bundles

    def derived(group, index, how):
        assert group == "/bundles"
        return bundles.loc[index, {"mean": "estimate"}.get(how, how)]

    answers, count = check_page(html, path, derived)
    assert count > 40
    # The answer and the runner-up are the command's own sentences.
    assert answers.startswith(loaded.sentence)
    runner = next(l for l in stdout.splitlines() if l.startswith("runner-up: "))
    assert runner[len("runner-up: "):] in answers
    assert "data:image/png;base64," in html and "http" not in html.replace(
        'http-equiv', '')
    for row in loaded.frontier["bundle"]:
        assert row in html
    for label in loaded.shapley["remedy"]:
        assert label in html
    # The target column's words are explained where they appear.
    assert "<em>undecided</em> when it stopped checking first" in html
    # The settings say whether a budget left bundles out (this search had none).
    assert "<tr><td>budget</td><td>none: every bundle could take part</td></tr>" in html


def test_report_says_the_budget(tmp_path):
    # A manager must see that dearer bundles were left out on purpose.
    path = tmp_path / "budget.h5"
    run_cli("remedies", BASELINE, REMEDIES, "--target", TARGET, "--budget", 7, "-n", 4000,
            "--seed", SEED, "-q", "-o", path)
    page = tmp_path / "budget.html"
    run_cli("report", path, "-o", page)
    text = re.sub(r"<[^>]+>", "", page.read_text())
    assert "budgetat most 7 " in text
    assert "dearer bundles were left out of the frontier and the answer" in text


def test_export_writes_the_tables(cli_remedies, tmp_path):
    from progsurv.export import tables

    path, _ = cli_remedies
    run_cli("export", path, "--csv", tmp_path / "csv")
    run_cli("export", path, "--xlsx", tmp_path / "r.xlsx")
    expected = tables(path)
    assert set(expected) == {"frontier", "bundles", "shapley", "answer", "remedies",
                             "settings"}
    sheets = pd.read_excel(tmp_path / "r.xlsx", sheet_name=None)
    assert set(sheets) == {"About"} | set(expected)
    loaded = progsurv.load(path)
    csv = pd.read_csv(tmp_path / "csv" / "bundles.csv", float_precision="round_trip")
    with h5py.File(path, "r") as f:
        np.testing.assert_array_equal(csv["sum"], f["bundles/sum"][()])
        np.testing.assert_array_equal(csv["observations"], f["bundles/observations"][()])
    np.testing.assert_array_equal(csv["estimate"], loaded.bundles["estimate"])
    front = pd.read_csv(tmp_path / "csv" / "frontier.csv", float_precision="round_trip")
    np.testing.assert_array_equal(front["index"], loaded.frontier.index)
    assert sheets["answer"]["answer"][0] == loaded.sentence


def test_report_and_export_say_what_each_remedy_is(cli_remedies, tmp_path):
    """The page and the export showed only labels such as review_cadence=yearly: each
    remedy's description, and each option's cost and what it sets, are in the file (the
    /remedies datasets and the remedies file's text) and now on both."""
    from progsurv.export import tables
    from report_numbers import Numbers, check_page

    path, _ = cli_remedies
    loaded = progsurv.load(path)
    frame = loaded.remedies
    # What it sets is the remedies file's own, as the search read it.
    source = progsurv.RemedySet.load(REMEDIES, progsurv.Scenario.load(BASELINE))
    expected = pd.DataFrame(
        [(source.names[r], source.descriptions[r], option, option_description, cost,
          "; ".join(f"{p}={v}" for p, v in sets))
         for (r, option, cost, sets), option_description
         in zip(source.choices, source.choice_descriptions)],
        columns=["remedy", "description", "option", "option_description", "cost", "sets"])
    assert frame["option_description"].tolist() == ["", "Reviews every six months.", "", ""]
    pd.testing.assert_frame_equal(frame, expected)
    assert frame["sets"].tolist()[1:3] == ["patience.review_every=6",
                                           "patience.review_every=12"]
    with h5py.File(path, "r") as f:
        g = f["remedies"]
        names = g["name"].asstr()[()]
        assert frame["remedy"].tolist() == names[g["option_remedy"][()]].tolist()
        assert frame["option"].tolist() == g["option_name"].asstr()[()].tolist()
        assert (frame["option_description"].tolist()
                == g["option_description"].asstr()[()].tolist())
        np.testing.assert_array_equal(frame["cost"], g["option_cost"][()])

    page = tmp_path / "r.html"
    run_cli("report", path, "-o", page)
    html = page.read_text()
    check_page(html, path, lambda group, index, how: loaded.bundles.loc[
        index, {"mean": "estimate"}.get(how, how)])
    section = html.split("<h2>The remedies</h2>", 1)[1].split("<h2>", 1)[0]
    parser = Numbers()
    parser.feed(section)
    shown = [(a["data-src"], text) for a, text in parser.nums]
    for column, src in (("remedy", "/remedies/name"), ("description", "/remedies/description"),
                        ("option", "/remedies/option_name"),
                        ("option_description", "/remedies/option_description")):
        assert [v for v in frame[column].unique() if v] == [
            t for s, t in shown if s == src], column
    assert [t for s, t in shown if s == "/remedies/option_cost"] == ["20", "15", "30", "50"]
    assert parser.appendix_values == [
        f"{p} = {v}" for _, _, _, sets in source.choices for p, v in sets]

    # A file before format 1.3 has no /remedies/option_description: the page takes an
    # option's description from the remedies file kept in it, as remedies() does.
    import shutil
    old = tmp_path / "old.h5"
    shutil.copy(path, old)
    with h5py.File(old, "r+") as f:
        f.attrs["format_version"] = [1, 2]
        del f["remedies/option_description"]
    assert progsurv.load(old).remedies.equals(frame)
    run_cli("report", old, "-o", tmp_path / "old.html")
    old_section = (tmp_path / "old.html").read_text().split("<h2>The remedies</h2>", 1)[1]
    assert old_section.count("Reviews every six months.") == 1
    assert "/remedies/option_description" not in old_section

    assert tables(path)["remedies"].equals(frame)
    run_cli("export", path, "--xlsx", tmp_path / "r.xlsx")
    run_cli("export", path, "--csv", tmp_path / "csv")
    sheet = pd.read_excel(tmp_path / "r.xlsx", sheet_name="remedies", keep_default_na=False)
    csv = pd.read_csv(tmp_path / "csv" / "remedies.csv", keep_default_na=False)
    for read in (sheet, csv):
        pd.testing.assert_frame_equal(read, frame, check_dtype=False)


def test_report_and_export_fail_cleanly_on_bad_paths(cli_remedies, tmp_path):
    path, _ = cli_remedies
    proc = run_cli("report", path, "-o", tmp_path / "nodir" / "r.html", check=False)
    assert proc.returncode == 2 and "nodir does not exist" in proc.stderr
    proc = run_cli("export", path, "--xlsx", tmp_path / "nodir" / "r.xlsx", check=False)
    assert proc.returncode == 2 and "nodir" in proc.stderr
    assert not (tmp_path / "nodir").exists()
    proc = run_cli("report", path, "-o", path, check=False)  # never onto its own input
    assert proc.returncode == 2
    assert h5py.is_hdf5(path)


@pytest.mark.parametrize("how", ["interrupt_main", "sigint"])
def test_ctrl_c_stops_the_search(how):
    from test_threads import assert_interrupted

    # Minutes of work on one thread: far longer than the test allows. The bound is
    # about 1.5 s; a loaded machine gets more room, not a hang.
    assert_interrupted(lambda: progsurv.remedies(BASELINE, REMEDIES, target=TARGET,
                                                 max_replications=10_000_000, delta=1e-4,
                                                 threads=1), how)
    # Usable again afterwards.
    assert progsurv.remedies(BASELINE, REMEDIES, max_replications=20_000).search == "exhaustive"


def test_report_in_chromium(cli_remedies, tmp_path):
    from test_report import chromium

    path, _ = cli_remedies
    page = tmp_path / "r.html"
    run_cli("report", path, "-o", page)
    dom, console, requests, _ = chromium(page, tmp_path)
    assert console == [] and requests == []
    assert "What would it take" in dom and "chosen" in dom


# --- Remedies of a portfolio (its paths, its metrics; one replication = one organisation) ---

PORTFOLIO = REPO / "tests" / "data" / "remedies" / "closed-form-portfolio.yaml"
PORTFOLIO_REMEDIES = REPO / "tests" / "data" / "remedies" / "closed-form-portfolio-remedies.yaml"
PORTFOLIO_TARGET = "mean_completed>=0.75"


@pytest.fixture(scope="module")
def cli_portfolio_remedies(tmp_path_factory):
    path = tmp_path_factory.mktemp("portfolio-remedies") / "remedies.h5"
    proc = run_cli("remedies", PORTFOLIO, PORTFOLIO_REMEDIES, "--target", PORTFOLIO_TARGET,
                   "--delta", 0.01, "--seed", SEED, "--threads", 1, "-q", "-o", path)
    return path, proc.stdout


def test_portfolio_remedies_in_python_equal_the_command(cli_portfolio_remedies):
    path, stdout = cli_portfolio_remedies
    r = progsurv.remedies(PORTFOLIO, PORTFOLIO_REMEDIES, target=PORTFOLIO_TARGET, delta=0.01,
                          seed=SEED, threads=2)
    loaded = progsurv.load(path)
    assert r.is_portfolio and loaded.is_portfolio
    assert loaded.portfolio.name == "closed-form-portfolio" and r.name == loaded.name
    assert r.metric == "mean_completed" and not r.metric_is_share
    pd.testing.assert_frame_equal(r.bundles, loaded.bundles)
    pd.testing.assert_frame_equal(r.shapley, loaded.shapley)
    assert r.summary() in stdout
    # The known best (closed form, see the remedies file): the decoy on the roster is left out.
    assert r.chosen["bundle"] == "longer_tenure=twice + faster_work"
    assert r.sentence.startswith("the cheapest way to reach mean_completed >= 0.75 "
                                 "(programmes completed per organisation) is "
                                 "longer_tenure=twice + faster_work, cost 25 EUR k")
    with h5py.File(path, "r") as f:
        assert f.attrs["base_kind"] == "portfolio"
        assert "scenario" not in f and "roster" in f["portfolio"].asstr()[()]
    # A portfolio's metric on a scenario's name, and the other way round: refused.
    with pytest.raises(ValueError, match="p_completed_by_36"):
        progsurv.remedies(PORTFOLIO, PORTFOLIO_REMEDIES, target="p_completed_by_36>=0.5")
    with pytest.raises(progsurv.ScenarioError, match="portfolio closed-form-portfolio"):
        progsurv.remedies(PORTFOLIO, REMEDIES, target=PORTFOLIO_TARGET, delta=0.01)


def test_portfolio_remedies_report_and_export(cli_portfolio_remedies, tmp_path):
    from progsurv.export import tables
    from report_numbers import check_page

    path, _ = cli_portfolio_remedies
    loaded = progsurv.load(path)
    page = tmp_path / "r.html"
    run_cli("report", path, "-o", page)
    html = page.read_text()

    def derived(group, index, how):
        assert group == "/bundles"
        return loaded.bundles.loc[index, {"mean": "estimate"}.get(how, how)]

    answers, count = check_page(html, path, derived)
    assert count > 20
    assert answers.startswith(loaded.sentence)
    assert "programmes completed per organisation" in html
    run_cli("export", path, "--csv", tmp_path / "csv")
    run_cli("export", path, "--xlsx", tmp_path / "r.xlsx")
    assert set(tables(path)) == {"frontier", "bundles", "shapley", "answer", "remedies",
                                 "settings"}
    sheets = pd.read_excel(tmp_path / "r.xlsx", sheet_name=None, header=None)
    about = dict(zip(sheets["About"][0], sheets["About"][1]))
    assert about.get("portfolio") == "closed-form-portfolio"
    csv = pd.read_csv(tmp_path / "csv" / "bundles.csv", float_precision="round_trip")
    np.testing.assert_array_equal(csv["estimate"], loaded.bundles["estimate"])


def test_a_remedy_that_changes_nothing_is_a_warning(tmp_path):
    """As the command prints it: the remedy that sets what the scenario already has, or a
    list that drops the scenario's own items, at the file's line."""
    scenario = progsurv.Scenario.load(BASELINE).with_values({"co_sponsors": "[vp]"})
    path = tmp_path / "r.yaml"
    path.write_text('unit: "EUR k"\nremedies:\n  - name: co_sponsor\n    description: x\n'
                    '    options:\n      - {name: vp, cost: 40, set: {co_sponsors: [vp]}}\n'
                    '      - {name: c_suite, cost: 90, set: {co_sponsors: [c_suite]}}\n')
    assert progsurv.RemedySet.load(path, scenario).warnings == [
        f"{path}:6: remedy co_sponsor=vp leaves baseline unchanged (it already has these "
        "values), so it can gain nothing (remedies.0.options.0.set)",
        f"{path}:7: remedy co_sponsor=c_suite replaces co_sponsors [vp] with [c_suite], "
        "dropping vp (a remedy's list replaces the scenario's); to add to it, write "
        "[vp, c_suite] (remedies.0.options.1.set)"]
    with pytest.warns(UserWarning, match="co_sponsor=vp leaves baseline unchanged"):
        progsurv.remedies(scenario, path, target="completed>=0.2", max_replications=20000,
                          batch=1000)
