"""progsurv export on every filetype: a valid workbook (About sheet first, number formats
read back with openpyxl, blank cells where a value does not apply, frozen header, fitted
widths) and CSVs equal to the tables; a failure leaves no file and no folder behind."""
import os
import shutil

import h5py
import numpy as np
import openpyxl
import pandas as pd
import pytest

from progsurv import _output
from conftest import BASELINE, SCENARIOS, run_cli

REMEDIES_YAML = """unit: "k EUR"
remedies:
  - name: visible_metrics
    description: metrics on every step
    cost: 25
    set:
      patience.visible: steps
  - name: steering_committee
    description: a steering committee co-sponsors
    cost: 120
    set:
      co_sponsors: [c_suite, vp]
"""

FIT_YAML = """scenario: {scenario}
parameters:
  sponsor_levels.vp.approval: {{prior: beta, a: 1, b: 1}}
  patience.rate: {{prior: log-uniform, low: 0.002, high: 0.2}}
likelihood: {{replications: 1024}}
sampler: {{walkers: 6, steps: 12, burn: 4}}
predictive: {{draws: 3, replications: 512}}
"""

KINDS = ("run", "exact", "attribution", "sweep", "seek", "remedies", "fit", "portfolio",
         "portfolio_attribution")


@pytest.fixture(scope="module")
def every(tmp_path_factory):
    """One small file of every filetype export takes: {kind: path}."""
    import progsurv

    d = tmp_path_factory.mktemp("export")
    files = {k: d / f"{k}.h5" for k in KINDS}
    run_cli("run", BASELINE, "-n", 4000, "--seed", 3, "-o", files["run"], "-q")
    run_cli("exact", SCENARIOS / "exact" / "markov.yaml", "-o", files["exact"])
    run_cli("attribute", BASELINE, "-n", 1000, "--seed", 3, "-o", files["attribution"], "-q")
    sweep = d / "sweep.yaml"
    sweep.write_text(f"name: small-oat\nbase: {BASELINE}\nseed: 1\nreplications: 1000\n"
                     "design: oat\nparameters:\n"
                     "  succession.adoption: {low: 0.2, high: 0.8}\n"
                     "  patience.threshold.median: [8, 24]\n"
                     "metrics: [p_completed, mean_value]\n")
    run_cli("sweep", sweep, "-o", files["sweep"], "-q")
    run_cli("seek", BASELINE, "--lever", "patience.threshold.median", "--target",
            "completed>=0.12", "--range", "6:60", "-n", 1000, "--seed", 5, "-q",
            "-o", files["seek"])
    remedies = d / "remedies.yaml"
    remedies.write_text(REMEDIES_YAML)
    run_cli("remedies", BASELINE, remedies, "--target", "completed>=0.12", "-n", 2000,
            "--batch", 50, "-q", "-o", files["remedies"])
    markov = SCENARIOS / "exact" / "markov.yaml"
    fit = d / "fit.yaml"
    fit.write_text(FIT_YAML.format(scenario=markov))
    record = d / "past.csv"
    progsurv.simulate_record(progsurv.Scenario.load(markov), 30, seed=4).to_csv(record,
                                                                              index=False)
    run_cli("fit", fit, "--record", record, "-o", files["fit"], "-q")
    ten_years = SCENARIOS / "portfolios" / "ten-years.yaml"
    run_cli("portfolio", ten_years, "-n", 300, "-o", files["portfolio"], "-q")
    run_cli("attribute", ten_years, "-n", 100, "-o", files["portfolio_attribution"], "-q")
    return files


def test_csv_into_the_export_of_another_file_is_refused(every, tmp_path):
    """Exporting file B into the folder of file A's tables left a folder mixing both, its
    about.csv naming B."""
    folder = tmp_path / "csv"
    run_cli("export", every["portfolio"], "--csv", folder)
    run_cli("export", every["portfolio"], "--csv", folder)  # the same file again: fine
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    proc = run_cli("export", every["portfolio_attribution"], "--csv", folder, check=False)
    assert proc.returncode == 2 and "holds the tables of another file" in proc.stderr
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    run_cli("export", every["portfolio_attribution"], "--csv", folder, "--force")


@pytest.mark.parametrize("kind", KINDS)
def test_export_writes_a_workbook_and_csvs_for_every_filetype(every, kind, tmp_path):
    from progsurv.export import tables

    path = every[kind]
    run_cli("export", path, "--xlsx", tmp_path / "t.xlsx")
    run_cli("export", path, "--csv", tmp_path / "csv")
    expected = tables(path)
    assert expected and all(len(frame.columns) for frame in expected.values())
    book = openpyxl.load_workbook(tmp_path / "t.xlsx")
    assert book.sheetnames == ["About"] + [name[:31] for name in expected]
    about = dict(book["About"].iter_rows(min_row=2, values_only=True))
    assert about["file"] == path.name and about["progsurv version"]
    assert "overrides" in about and about["written"]
    for name, frame in expected.items():
        sheet = book[name[:31]]
        assert sheet.freeze_panes == "A2"
        assert [c.value for c in sheet[1]] == [str(c) for c in frame.columns]
        assert sheet.max_row == len(frame) + 1
        # Widths fitted: at least as wide as each header.
        for j, column in enumerate(frame.columns):
            letter = openpyxl.utils.get_column_letter(j + 1)
            assert sheet.column_dimensions[letter].width >= len(str(column))
        csv = pd.read_csv(tmp_path / "csv" / f"{name}.csv", float_precision="round_trip",
                          keep_default_na=False, na_values=[""])
        back = pd.read_excel(tmp_path / "t.xlsx", sheet_name=name[:31], keep_default_na=False,
                             na_values=[""])
        for got in (csv, back):
            assert list(got.columns) == [str(c) for c in frame.columns]
            for column in frame.columns:
                want = frame[column]
                if want.dtype.kind in "fiu" or str(want.dtype) == "Int64":
                    np.testing.assert_allclose(got[str(column)].to_numpy(float),
                                               want.to_numpy(float, na_value=np.nan),
                                               rtol=1e-12, equal_nan=True)
    about_csv = dict(pd.read_csv(tmp_path / "csv" / "about.csv", dtype=str,
                                 keep_default_na=False).values.tolist())
    # about.csv lists the tables written; an about.csv from before that row counts those an
    # export of its kind writes (progsurv._output._UNLISTED_TABLES), which must cover them.
    assert about_csv["tables"] == "; ".join(f"{name}.csv" for name in expected)
    assert set(expected) <= set(_output._UNLISTED_TABLES[about_csv["contents"]])


def test_workbook_formats_shares_as_percentages_and_blanks_what_does_not_apply(every,
                                                                               tmp_path):
    run_cli("export", every["run"], "--xlsx", tmp_path / "run.xlsx")
    run_cli("export", every["exact"], "--xlsx", tmp_path / "exact.xlsx")
    book = openpyxl.load_workbook(tmp_path / "run.xlsx")
    outcomes = book["outcomes"]
    header = [c.value for c in outcomes[1]]
    row = {h: c for h, c in zip(header, outcomes[2])}
    for column in ("share", "lower", "upper", "share_started"):
        assert row[column].number_format.endswith("%"), (column, row[column].number_format)
        assert isinstance(row[column].value, float) and 0 <= row[column].value <= 1
    assert row["count"].number_format == "#,##0"
    with h5py.File(every["run"], "r") as f:  # the cell holds the full value
        assert row["share"].value == f["outcomes/share"][0]
    means = book["means"]
    header = [c.value for c in means[1]]
    # Each row says over which programmes: not the summary's per proposed programme.
    assert means.cell(row=2, column=header.index("of") + 1).value == "started programmes"
    value = book["value"]
    assert value.cell(row=2, column=[c.value for c in value[1]].index("of") + 1).value == \
        "proposed programmes"
    mean = means.cell(row=2, column=header.index("mean") + 1)
    # Not General (which shows 17 digits): 4 significant digits at the column's median.
    assert mean.number_format not in ("General", "") and "%" not in mean.number_format
    # The About sheet: what a manager needs to know where the numbers come from.
    about = dict(book["About"].iter_rows(min_row=2, values_only=True))
    assert about["scenario"] == "baseline" and about["seed"] == 3
    assert about["replications"] == 4000 and about["written by"] == (
        "progsurv run or progsurv report of a scenario YAML (the file does not record which)")
    assert about["overrides"] == "none recorded in the file"
    assert book["About"].column_dimensions["B"].width > 20
    # The exact solution has no counts, no intervals: blank cells, never 0.
    exact = openpyxl.load_workbook(tmp_path / "exact.xlsx")
    outcomes = exact["outcomes"]
    header = [c.value for c in outcomes[1]]
    for r in outcomes.iter_rows(min_row=2):
        cells = dict(zip(header, r))
        assert cells["count"].value is None and cells["lower"].value is None
        assert cells["share"].value is not None
    about = dict(exact["About"].iter_rows(min_row=2, values_only=True))
    assert "seed" not in about and about["written by"] == "progsurv exact"


@pytest.mark.parametrize("command", ["run", "attribute"])
def test_about_lists_the_overrides_a_file_records(command, tmp_path):
    path = tmp_path / "variant.h5"
    extra = ["--mechanisms", "patience"] if command == "attribute" else []
    run_cli(command, BASELINE, "-n", 300, "-q", "--set", "sponsor=director", "--set",
            "horizon=48", *extra, "-o", path)
    run_cli("export", path, "--xlsx", tmp_path / "v.xlsx")
    about = dict(openpyxl.load_workbook(tmp_path / "v.xlsx")["About"].iter_rows(
        min_row=2, values_only=True))
    assert about["overrides"].startswith("sponsor=director (was ")
    assert "; horizon=48 (was " in about["overrides"]
    assert about["scenario"].startswith("baseline [") and "sponsor=director" in about["scenario"]


def test_portfolio_export_has_a_templates_table(every, mixed_yaml, tmp_path):
    """How each programme template fares: one row per template, as
    PortfolioResult.templates(), its shares formatted as percentages."""
    import progsurv
    from progsurv.export import tables

    single = tables(every["portfolio"])["templates"]
    assert list(single["template"]) == ["baseline"]
    path = tmp_path / "mixed.h5"
    run_cli("portfolio", mixed_yaml, "-n", 200, "-o", path, "-q")
    frame = tables(path)["templates"]
    r = progsurv.load(path)
    expected = r.templates().reset_index()
    assert list(frame.columns) == list(expected.columns)
    assert list(frame["template"]) == ["cx", "pilot"]
    assert np.array_equal(frame["programmes"], r.tally.template_launched)
    np.testing.assert_array_equal(frame.drop(columns="template").to_numpy(float),
                                  expected.drop(columns="template").to_numpy(float))
    assert "completed" in frame.attrs["percent"] and "running_upper" in frame.attrs["percent"]
    assert "programmes" not in frame.attrs["percent"]
    assert "per_organisation" not in frame.attrs["percent"]
    run_cli("export", path, "--xlsx", tmp_path / "mixed.xlsx")
    run_cli("export", path, "--csv", tmp_path / "csv")
    sheet = openpyxl.load_workbook(tmp_path / "mixed.xlsx")["templates"]
    header = [c.value for c in sheet[1]]
    row = dict(zip(header, sheet[2]))
    assert row["template"].value == "cx" and row["completed"].number_format.endswith("%")
    assert row["programmes"].value == int(r.tally.template_launched[0])
    csv = pd.read_csv(tmp_path / "csv" / "templates.csv")
    assert list(csv.columns) == header and list(csv["template"]) == ["cx", "pilot"]


def test_sweep_tornado_table_has_standard_errors(every):
    from progsurv.export import tables

    t = tables(every["sweep"])["tornado"]
    with h5py.File(every["sweep"], "r") as f:
        low_se = f["tornado/low_se"][()]
    row = t[(t["metric"] == "p_completed") & (t["parameter"] == "succession.adoption")].iloc[0]
    assert row["low_se"] == low_se[0, 0]
    assert row["swing_se"] == pytest.approx(np.hypot(row["low_se"], row["high_se"]))
    assert t["low_value"].dtype.kind == "f"  # the parameter's values as numbers


def _listing(d):
    return sorted(os.listdir(d))


@pytest.mark.parametrize("flag", ["--xlsx", "--csv"])
def test_a_damaged_file_leaves_nothing_behind(every, tmp_path, flag):
    damaged = tmp_path / "in" / "damaged.h5"
    damaged.parent.mkdir()
    shutil.copy(every["portfolio"], damaged)
    with h5py.File(damaged, "a") as f:
        del f["tally"]
    out = tmp_path / "out"
    out.mkdir()
    proc = run_cli("export", damaged, flag, out / "ten-years.xlsx", check=False)
    assert proc.returncode == 2, proc.stderr
    assert "damaged.h5" in proc.stderr and "Traceback" not in proc.stderr
    assert _listing(out) == [] and _listing(damaged.parent) == ["damaged.h5"]


def test_a_failure_while_writing_leaves_nothing_behind(every, tmp_path, monkeypatch):
    import progsurv.export as export

    def broken_save(self, target):
        target.write(b"PK partial")
        raise OSError("disk full (forced)")

    monkeypatch.setattr(openpyxl.Workbook, "save", broken_save)
    with pytest.raises(OSError, match="forced"):
        export.to_xlsx(every["portfolio"], tmp_path / "ten-years.xlsx")
    assert _listing(tmp_path) == []
    monkeypatch.undo()

    def broken_csv(frame):
        if "organisation" in frame.columns or "quantity" in frame.columns:
            raise OSError("disk full (forced)")
        return frame

    monkeypatch.setattr("progsurv._output.formula_safe_frame", broken_csv)
    with pytest.raises(OSError, match="forced"):
        export.to_csv(every["portfolio"], tmp_path / "csv")
    assert _listing(tmp_path) == []


def test_summary_prints_a_fit_file_as_the_fit_command_did(every, tmp_path):
    proc = run_cli("summary", every["fit"])
    out = proc.stdout
    assert out.startswith("progsurv fit: markov, 30 programmes, 2 parameters")
    for section in ("prior against posterior", "diagnostics:", "posterior predictive"):
        assert section in out
    import warnings

    import progsurv

    with warnings.catch_warnings():  # a short chain: the fit warns, as it did when it ran
        warnings.simplefilter("ignore", RuntimeWarning)
        fit = progsurv.load_fit(every["fit"])
    assert fit.record_source in out and fit.record_sha256 in out
    proc = run_cli("summary", tmp_path / "missing.h5", check=False)
    assert proc.returncode != 0


@pytest.mark.parametrize("filetype", [None, "progsurv-banana"])
def test_tables_of_a_file_that_is_not_progsurvs_is_a_file_format_error(tmp_path, filetype):
    # The error progsurv.load raises, naming the file and what was expected.
    import progsurv

    path = tmp_path / "foreign.h5"
    with h5py.File(path, "w") as f:
        f["data"] = np.arange(10)
        if filetype is not None:
            f.attrs["filetype"] = filetype
    with pytest.raises(progsurv.FileFormatError) as info:
        progsurv.export.tables(path)
    message = str(info.value)
    assert str(path) in message and "expected a progsurv run, exact, sweep" in message
    assert "None" not in message


def test_outcomes_leave_the_started_share_of_not_started_blank(every, tmp_path):
    """A programme that never started has no share among started ones: the file stores 0
    there, the CLI and the page leave it blank, and so do the CSV and the workbook."""
    run_cli("export", every["run"], "--csv", tmp_path / "csv")
    run_cli("export", every["run"], "--xlsx", tmp_path / "run.xlsx")
    started = ["share_started", "share_started_lower", "share_started_upper"]
    csv = pd.read_csv(tmp_path / "csv" / "outcomes.csv").set_index("outcome")
    sheet = openpyxl.load_workbook(tmp_path / "run.xlsx")["outcomes"]
    header = [c.value for c in sheet[1]]
    cells = {r[0]: dict(zip(header, r)) for r in sheet.iter_rows(min_row=2, values_only=True)}
    for outcome in ("completed", "ended", "not_started", "running"):
        for column in started:
            blank = outcome == "not_started"
            assert np.isnan(csv.loc[outcome, column]) == blank, (outcome, column)
            assert (cells[outcome][column] is None) == blank, (outcome, column)


def test_p_meets_has_the_digits_of_its_meaningful_values(every, tmp_path):
    """p_meets near 0 is often astronomically small (6.7e-226): the column's median then
    gave the format 0.000000%, so 0.8657 showed as 86.569185%. A value too small to show
    at the finest format no longer sets the digits; the cells keep their full values."""
    from progsurv.export import number_format

    assert number_format([6.7e-226, 1e-30, 1e-12, 0.8657], percent=True) == "0.0%"
    assert number_format([6.7e-226, 1e-30], percent=True) == "0%"
    assert number_format([0.00175, 0.0021, 0.5], percent=True) == "0.000%"  # as before
    path = tmp_path / "remedies.h5"
    shutil.copy(every["remedies"], path)
    tiny = [6.7e-226, 1e-30, 0.8657, 1e-12]
    with h5py.File(path, "r+") as f:
        f["bundles/p_meets"][...] = tiny[:len(f["bundles/p_meets"])]
    run_cli("export", path, "--xlsx", tmp_path / "rem.xlsx")
    book = openpyxl.load_workbook(tmp_path / "rem.xlsx")
    for name in ("frontier", "bundles"):
        sheet = book[name]
        header = [c.value for c in sheet[1]]
        column = [r[header.index("p_meets")] for r in sheet.iter_rows(min_row=2)]
        assert {c.number_format for c in column} == {"0.0%"}, name
        assert sorted(c.value for c in column) == sorted(tiny), name


def test_about_says_truthfully_what_wrote_a_file_and_csv_has_no_formats_row(tmp_path):
    """The portfolio file `progsurv report PORTFOLIO.yaml` computed was "written by progsurv
    portfolio" in about.csv, which the file does not record (its attributes are the
    filetype, progsurv version, build and date); and about.csv carried the workbook's
    "formats" row, which says how xlsx cells are shown."""
    run_cli("report", SCENARIOS / "portfolios" / "ten-years.yaml", "-n", 200, "--attribute",
            0, "-o", tmp_path / "acme.html")
    h5 = tmp_path / "acme.h5"
    with h5py.File(h5, "r") as f:
        assert f.attrs["filetype"] == "progsurv-portfolio"
    written_by = ("progsurv portfolio or progsurv report of a portfolio YAML "
                  "(the file does not record which)")
    run_cli("export", h5, "--csv", tmp_path / "tables")
    about = dict(pd.read_csv(tmp_path / "tables" / "about.csv", dtype=str,
                             keep_default_na=False).values.tolist())
    assert about["written by"] == written_by
    assert "formats" not in about
    run_cli("export", h5, "--xlsx", tmp_path / "acme.xlsx")
    sheet = dict(openpyxl.load_workbook(tmp_path / "acme.xlsx")["About"].iter_rows(
        min_row=2, values_only=True))
    assert sheet["written by"] == written_by
    assert sheet["formats"].startswith("shares as percentages")



def _grid_with_curves(d, **settings):
    """A 2 x 2 grid sweep with curves: true and a labelled parameter; settings replace
    `replications: 300` (precision: ...)."""
    spec = d / "grid.yaml"
    count = "".join(f"{k}: {v}\n" for k, v in settings.items()) or "replications: 300\n"
    spec.write_text(f"name: curves\nbase: {BASELINE}\nseed: 2\n{count}design: grid\n"
                    "curves: true\nparameters:\n"
                    "  patience.threshold.median: {label: patience median, values: [8, 24]}\n"
                    "  succession.adoption: [0.2, 0.8]\n"
                    "metrics: [p_completed, mean_value]\n")
    out = d / "grid.h5"
    run_cli("sweep", spec, "-o", out, "-q")
    return out


def test_sweep_curves_reach_the_csv_and_the_workbook(tmp_path):
    """A sweep with curves: true kept them in the file, but the export wrote only about and
    points."""
    out = _grid_with_curves(tmp_path)
    run_cli("export", out, "--csv", tmp_path / "csv")
    run_cli("export", out, "--xlsx", tmp_path / "g.xlsx")
    csv = pd.read_csv(tmp_path / "csv" / "curves.csv", float_precision="round_trip")
    sheet = pd.read_excel(tmp_path / "g.xlsx", sheet_name="curves")
    with h5py.File(out, "r") as f:
        grid = f["curves/grid"][()]
        completed, survival = f["curves/completed"][()], f["curves/survival"][()]
        values = f["parameters/value"][()]
    for got in (csv, sheet):
        assert list(got.columns) == ["point", "patience median", "succession.adoption", "t",
                                     "completed", "survival"]
        assert len(got) == 4 * len(grid)
        for p in range(4):
            rows = got[got["point"] == p]
            np.testing.assert_array_equal(rows["t"], grid)
            np.testing.assert_allclose(rows["completed"], completed[p], rtol=1e-15)
            np.testing.assert_allclose(rows["survival"], survival[p], rtol=1e-15)
            np.testing.assert_array_equal(rows["patience median"], values[p, 0])
            np.testing.assert_array_equal(rows["succession.adoption"], values[p, 1])
    # Shares, formatted as percentages in the workbook.
    book = openpyxl.load_workbook(tmp_path / "g.xlsx")
    header = [c.value for c in book["curves"][1]]
    assert book["curves"].cell(row=2, column=header.index("completed") + 1
                               ).number_format.endswith("%")


def test_sweep_headers_use_labels_and_the_parameters_table_keeps_the_keys(every, tmp_path):
    out = _grid_with_curves(tmp_path)
    from progsurv.export import tables

    t = tables(out)
    assert list(t["points"].columns[:3]) == ["point", "patience median", "succession.adoption"]
    assert t["parameters"].to_dict("list") == {
        "parameter": ["patience.threshold.median", "succession.adoption"],
        "label": ["patience median", "succession.adoption"],
        "column": ["patience median", "succession.adoption"]}
    # A sweep without labels keeps its key paths, and has no curves table.
    plain = tables(every["sweep"])
    assert list(plain["points"].columns[1:3]) == ["succession.adoption",
                                                  "patience.threshold.median"]
    assert "curves" not in plain


def test_about_says_the_replications_of_each_sweep_point(tmp_path):
    """The About sheet of a sweep listed seed and points but not the replications each
    point ran (docs/report.md promises them)."""
    from progsurv.export import about

    fixed = dict(about(_grid_with_curves(tmp_path)).values.tolist())
    assert fixed["replications per point"] == 300
    (tmp_path / "p").mkdir()
    precise = dict(about(_grid_with_curves(tmp_path / "p", precision=0.05,
                                           max_replications=20000)).values.tolist())
    assert "replications per point" not in precise
    assert precise["precision"] == ("each point ran until the 95% half-width of "
                                    "P(completed) was at most 0.05")
    assert precise["max replications per point"] == 20000
    with h5py.File(tmp_path / "p" / "grid.h5", "r") as f:
        ran = f["metrics/replications"][()]
    assert precise["replications run per point"] in (
        int(ran.min()), f"{int(ran.min()):,} to {int(ran.max()):,}")
