"""`progsurv report` and `progsurv export` (and progsurv.report.write_report,
progsurv.export.to_xlsx and to_csv) treat what is at their output as every writer of a
progsurv file does: an empty file or a file of their own kind (a report page, an export
workbook, the CSV files of an export) is replaced; a progsurv HDF5 file of any kind, a
page or workbook progsurv did not write, or any other non-empty file is refused, before
any work, unless --force (force=True), and is left byte for byte as it was.

Before, `progsurv export acme.h5 --xlsx cx.h5` replaced the user's run file cx.h5 with a
workbook ("written: cx.h5 (replaced the file that was there)"), and `export --xlsx
notes.txt` or `report -o notes.txt` a text file."""
import csv
import re
import shutil
import zipfile

import openpyxl
import pandas as pd
import pytest

import progsurv
from progsurv import _output, export, report
from conftest import BASELINE, run_cli

NOTES = b"my notes: the board meets on Tuesday\n"
FOREIGN_PAGE = b"<!DOCTYPE html>\n<html><head><title>Q3 plan</title></head><body>mine</body></html>\n"


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """A run file, a sweep-free second kind (an attribution file), an export workbook, a
    report page and an export CSV folder of the run, made by the commands: {name: path}."""
    d = tmp_path_factory.mktemp("kinds")
    files = {"run": d / "run.h5", "attribution": d / "attr.h5", "xlsx": d / "export.xlsx",
             "html": d / "page.html", "csv": d / "tables"}
    progsurv.run(BASELINE, replications=300, seed=2).to_hdf5(files["run"])
    progsurv.attribute(BASELINE, replications=100, seed=2, mechanisms=["patience"],
                       output=files["attribution"])
    run_cli("export", files["run"], "--xlsx", files["xlsx"])
    run_cli("report", files["run"], "--attribute", 0, "-o", files["html"])
    run_cli("export", files["run"], "--csv", files["csv"])
    return files


def _refusal(path, held, kind):
    return (f"output {path}: holds {held}, not {kind}; use --force to replace it, or choose "
            f"another name")


def _other_workbook(path):
    book = openpyxl.Workbook()
    book.active.title = "Budget"
    book.active["A1"] = "my own numbers"
    book.save(path)


def _rewrite_core(src, dst, change):
    """A copy of workbook `src` at `dst` whose docProps/core.xml is change(text)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "docProps/core.xml":
                data = change(data.decode()).encode()
            zout.writestr(item, data)


def _is_export(path):
    with open(path, "rb") as fh:  # by content: cx.h5 or notes.txt is a workbook now
        book = openpyxl.load_workbook(fh)
    return book.sheetnames[0] == "About" and book.properties.creator == "progsurv"


def _is_page(path):
    return path.read_bytes().startswith(b"<!DOCTYPE html>") and \
        b'<meta name="generator" content="progsurv ' in path.read_bytes()[:1000]


# --- export --xlsx --------------------------------------------------------------------------

def _xlsx_refusals(made, tmp_path):
    """{name: (path, what it holds)} of the files export --xlsx refuses without --force."""
    cases = {}
    for name, source, held in (("run", made["run"], "a run file"),
                               ("attribution", made["attribution"], "an attribution file"),
                               ("page", made["html"], "a report page")):
        path = tmp_path / f"{name}.xlsx"
        shutil.copy(source, path)
        cases[name] = (path, held)
    cases["cx"] = (tmp_path / "cx.h5", "a run file")  # the user's report
    shutil.copy(made["run"], cases["cx"][0])
    cases["notes"] = (tmp_path / "notes.txt", "a file that progsurv did not write")
    cases["notes"][0].write_bytes(NOTES)
    cases["workbook"] = (tmp_path / "budget.xlsx", "a workbook that progsurv export did not write")
    _other_workbook(cases["workbook"][0])
    cases["edited"] = (tmp_path / "edited.xlsx", "a workbook edited since progsurv export "
                                                 "wrote it (last saved by Ann Smith)")
    _rewrite_core(made["xlsx"], cases["edited"][0], lambda t: t.replace(
        "<cp:lastModifiedBy>progsurv<", "<cp:lastModifiedBy>Ann Smith<"))
    return cases


def test_export_xlsx_refuses_what_is_not_an_earlier_export(made, tmp_path):
    for name, (path, held) in _xlsx_refusals(made, tmp_path).items():
        before = path.read_bytes()
        proc = run_cli("export", made["run"], "--xlsx", path, check=False)
        assert proc.returncode == 2, (name, proc.stdout, proc.stderr)
        assert proc.stderr == "progsurv export: error: " + _refusal(
            path, held, "an export workbook") + "\n", name
        assert proc.stdout == ""
        assert path.read_bytes() == before, name
        forced = run_cli("export", made["run"], "--xlsx", path, "--force")
        assert forced.stdout == f"written: {path} (replaced the file that was there)\n"
        assert _is_export(path), name


def test_export_xlsx_replaces_an_empty_file_and_an_earlier_export(made, tmp_path):
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(b"")
    earlier = tmp_path / "earlier.xlsx"
    shutil.copy(made["xlsx"], earlier)
    # An export written before progsurv marked its workbooks (openpyxl's creator, no
    # lastModifiedBy) is an earlier export too.
    old = tmp_path / "old.xlsx"
    _rewrite_core(made["xlsx"], old, lambda t: re.sub(
        r"<cp:lastModifiedBy>progsurv</cp:lastModifiedBy>", "", t).replace(
            ">progsurv</dc:creator>", ">openpyxl</dc:creator>"))
    assert b"progsurv" not in zipfile.ZipFile(old).read("docProps/core.xml")
    for path in (empty, earlier, old):
        proc = run_cli("export", made["run"], "--xlsx", path)
        assert proc.stdout == f"written: {path} (replaced the file that was there)\n"
        assert _is_export(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["earlier.xlsx", "empty.xlsx",
                                                          "old.xlsx"]


def test_to_xlsx_refuses_before_any_work_and_replaces_with_force(made, tmp_path, monkeypatch):
    cases = _xlsx_refusals(made, tmp_path)

    def no_work(*args, **kwargs):
        raise AssertionError("the tables were built before the output was checked")

    with monkeypatch.context() as m:
        m.setattr(export, "tables", no_work)
        for name, (path, held) in cases.items():
            before = path.read_bytes()
            with pytest.raises(ValueError) as info:
                export.to_xlsx(made["run"], path)
            assert str(info.value) == _refusal(path, held, "an export workbook"), name
            assert path.read_bytes() == before
    for path, _ in cases.values():
        assert export.to_xlsx(made["run"], path, force=True) == [str(path)]
        assert _is_export(path)
        assert export.to_xlsx(made["run"], path) == [str(path)]  # now an export: replaced


def test_a_file_put_at_the_output_while_the_workbook_is_built_is_kept(made, tmp_path,
                                                                     monkeypatch):
    """The output is checked again when the workbook is written: notes saved there while
    the tables were read are not replaced."""
    out = tmp_path / "book.xlsx"
    built = export.workbook

    def meanwhile(*args, **kwargs):
        data = built(*args, **kwargs)
        out.write_bytes(NOTES)
        return data

    monkeypatch.setattr(export, "workbook", meanwhile)
    with pytest.raises(ValueError, match="holds a file that progsurv did not write"):
        export.to_xlsx(made["run"], out)
    assert out.read_bytes() == NOTES


# --- export --csv ---------------------------------------------------------------------------

def test_export_csv_refuses_files_an_export_did_not_write(made, tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "about.csv").write_bytes(b"who,what\nme,my table\n")
    (mine / "budget.csv").write_bytes(b"a,b\n1,2\n")
    theirs = tmp_path / "theirs"  # no about.csv: a table of the user's own with a table's name
    theirs.mkdir()
    (theirs / "outcomes.csv").write_bytes(NOTES)
    hdf5 = tmp_path / "hdf5"  # an export folder, with a run file at a table's name
    shutil.copytree(made["csv"], hdf5)
    shutil.copy(made["run"], hdf5 / "means.csv")
    for folder, name, held in ((mine, "about.csv", "a file that progsurv did not write"),
                               (theirs, "outcomes.csv", "a file that progsurv did not write"),
                               (hdf5, "means.csv", "a run file")):
        before = {p.name: p.read_bytes() for p in folder.iterdir()}
        proc = run_cli("export", made["run"], "--csv", folder, check=False)
        assert proc.returncode == 2, proc.stderr
        assert proc.stderr == "progsurv export: error: " + _refusal(
            folder / name, held, "an export CSV file") + "\n"
        assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
        with pytest.raises(ValueError) as info:
            export.to_csv(made["run"], folder)
        assert str(info.value) == _refusal(folder / name, held, "an export CSV file")
        assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
        run_cli("export", made["run"], "--csv", folder, "--force")
        assert (folder / "outcomes.csv").read_bytes() == (made["csv"] / "outcomes.csv").read_bytes()
    assert (mine / "budget.csv").read_bytes() == b"a,b\n1,2\n"  # not an output: left alone


def test_export_csv_replaces_an_earlier_export_and_empty_files(made, tmp_path):
    folder = tmp_path / "tables"
    shutil.copytree(made["csv"], folder)
    (folder / "means.csv").write_bytes(b"")
    proc = run_cli("export", made["run"], "--csv", folder)
    assert f"written: {folder / 'means.csv'} (replaced the file that was there)" in proc.stdout
    assert (folder / "means.csv").read_bytes() == (made["csv"] / "means.csv").read_bytes()
    fresh = tmp_path / "fresh"  # a new folder, and an existing empty one
    (tmp_path / "emptydir").mkdir()
    for target in (fresh, tmp_path / "emptydir"):
        export.to_csv(made["run"], target)
        assert (target / "about.csv").exists()


def _about(folder):
    """The rows of the folder's about.csv, {item: value}."""
    with open(folder / "about.csv", newline="", encoding="utf-8") as fh:
        return dict(csv.reader(fh))


def _rewrite_about(folder, item, value):
    """The folder's about.csv with its row `item` set to `value` (None: without that row),
    as an export of another version would have written it."""
    with open(folder / "about.csv", newline="", encoding="utf-8") as fh:
        rows = [row for row in csv.reader(fh) if row[0] != item]
    if value is not None:
        rows.append([item, value])
    with open(folder / "about.csv", "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)


def test_about_csv_lists_the_tables_the_export_wrote(made):
    """about.csv's `tables` row names the table files the export wrote, in the order
    written: the files a later export into the folder may replace as its own."""
    listed = _about(made["csv"])["tables"].split("; ")
    assert listed == [name + ".csv" for name in export.tables(made["run"])]
    assert sorted(listed + ["about.csv"]) == sorted(p.name for p in made["csv"].iterdir())


def test_export_csv_refuses_a_csv_file_its_about_csv_does_not_list(made, tmp_path):
    """Any .csv file of a folder holding an export's about.csv counted as the export's own:
    the user's file named like a table that the export there did not write (a table new
    in this version) was replaced without --force. Only the tables about.csv lists are."""
    folder = tmp_path / "tables"
    shutil.copytree(made["csv"], folder)
    # The export of a version without the means table: its about.csv lists the others.
    _rewrite_about(folder, "tables", "; ".join(name + ".csv" for name in export.tables(
        made["run"]) if name != "means"))
    (folder / "means.csv").write_bytes(NOTES)
    held = ("a CSV file that the export in this folder did not write (its about.csv does not "
            "list it)")
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    proc = run_cli("export", made["run"], "--csv", folder, check=False)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr == "progsurv export: error: " + _refusal(
        folder / "means.csv", held, "an export CSV file") + "\n"
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    with pytest.raises(ValueError) as info:
        export.to_csv(made["run"], folder)
    assert str(info.value) == _refusal(folder / "means.csv", held, "an export CSV file")
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    run_cli("export", made["run"], "--csv", folder, "--force")
    assert (folder / "means.csv").read_bytes() == (made["csv"] / "means.csv").read_bytes()
    assert _about(folder)["tables"] == _about(made["csv"])["tables"]  # means.csv now its own


def test_export_csv_into_an_export_whose_about_csv_lists_no_tables(made, tmp_path,
                                                                   monkeypatch):
    """An about.csv written before exports listed their tables: the tables an export of
    its file's kind writes (its contents row says the kind) are the export's own and are
    replaced; a user's file named like a table of a later version is refused, and so is
    every table where about.csv does not say what was exported."""
    folder = tmp_path / "tables"
    shutil.copytree(made["csv"], folder)
    _rewrite_about(folder, "tables", None)
    (folder / "templates.csv").write_bytes(NOTES)
    proc = run_cli("export", made["run"], "--csv", folder)
    assert f"written: {folder / 'outcomes.csv'} (replaced the file that was there)" in proc.stdout
    assert "tables" in _about(folder)
    # A later version's export of a run file has a templates table too.
    _rewrite_about(folder, "tables", None)
    run_tables = export._TABLES["progsurv-run"]
    monkeypatch.setitem(export._TABLES, "progsurv-run", lambda path: {
        **run_tables(path), "templates": pd.DataFrame({"template": ["mine"]})})
    held = ("a CSV file that the export in this folder did not write (its about.csv lists no "
            "tables, and an export of such a file has no table of that name)")
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    with pytest.raises(ValueError) as info:
        export.to_csv(made["run"], folder)
    assert str(info.value) == _refusal(folder / "templates.csv", held, "an export CSV file")
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    _rewrite_about(folder, "contents", "my tables")
    with pytest.raises(ValueError) as info:
        export.to_csv(made["run"], folder)
    assert str(info.value) == _refusal(folder / "outcomes.csv", held, "an export CSV file")
    export.to_csv(made["run"], folder, force=True)
    assert (folder / "templates.csv").read_bytes() == b"template\nmine\n"


def test_tables_a_forced_export_leaves_are_not_its_own(made, tmp_path):
    """--force exports an attribution file into the folder of a run's tables: the run's
    tables are left as they are (as before), but the new about.csv lists only the
    attribution's, so they are no export's own: nothing replaces them without --force."""
    folder = tmp_path / "tables"
    shutil.copytree(made["csv"], folder)
    run_cli("export", made["attribution"], "--csv", folder, "--force")
    assert (folder / "outcomes.csv").read_bytes() == (made["csv"] / "outcomes.csv").read_bytes()
    assert _about(folder)["tables"] == "attribution.csv; all_off.csv"
    with pytest.raises(ValueError, match="its about.csv does not list it"):
        _output.check_output(folder / "outcomes.csv", kind=_output.EXPORT_CSV)
    run_cli("export", made["attribution"], "--csv", folder)  # the same file again: fine
    assert (folder / "outcomes.csv").read_bytes() == (made["csv"] / "outcomes.csv").read_bytes()


# --- report -----------------------------------------------------------------------------------

def _page_refusals(made, tmp_path):
    cases = {}
    for name, source, held in (("run", made["run"], "a run file"),
                               ("workbook", made["xlsx"], "an export workbook")):
        path = tmp_path / f"{name}.html"
        shutil.copy(source, path)
        cases[name] = (path, held)
    cases["cx"] = (tmp_path / "cx.h5", "a run file")
    shutil.copy(made["run"], cases["cx"][0])
    cases["notes"] = (tmp_path / "notes.txt", "a file that progsurv did not write")
    cases["notes"][0].write_bytes(NOTES)
    cases["foreign"] = (tmp_path / "plan.html", "an HTML page that progsurv did not write")
    cases["foreign"][0].write_bytes(FOREIGN_PAGE)
    return cases


def test_report_refuses_what_is_not_a_report_page(made, tmp_path):
    for name, (path, held) in _page_refusals(made, tmp_path).items():
        before = path.read_bytes()
        proc = run_cli("report", made["run"], "--attribute", 0, "-o", path, check=False)
        assert proc.returncode == 2, (name, proc.stdout, proc.stderr)
        assert proc.stderr == "progsurv report: error: " + _refusal(
            path, held, "a report page") + "\n", name
        assert proc.stdout == ""
        assert path.read_bytes() == before, name
    path = tmp_path / "notes.txt"
    forced = run_cli("report", made["run"], "--attribute", 0, "-o", path, "--force")
    assert forced.stdout == f"written: {path} (replaced the file that was there)\n"
    assert _is_page(path)


def test_report_replaces_an_empty_file_and_an_earlier_page(made, tmp_path):
    empty = tmp_path / "empty.html"
    empty.write_bytes(b"")
    earlier = tmp_path / "earlier.html"
    shutil.copy(made["html"], earlier)
    # A page written before pages carried the generator mark: recognised by its head.
    old = tmp_path / "old.html"
    old.write_bytes(re.sub(rb'<meta name="generator"[^>]*>\n', b"", made["html"].read_bytes()))
    assert b"generator" not in old.read_bytes()
    for path in (empty, earlier, old):
        proc = run_cli("report", made["run"], "--attribute", 0, "-o", path)
        assert proc.stdout == f"written: {path} (replaced the file that was there)\n"
        assert _is_page(path)


def test_write_report_refuses_before_any_work_and_replaces_with_force(made, tmp_path,
                                                                     monkeypatch):
    cases = _page_refusals(made, tmp_path)

    def no_work(*args, **kwargs):
        raise AssertionError("the page was made before the output was checked")

    with monkeypatch.context() as m:
        m.setattr(report, "_write_report", no_work)
        for name, (path, held) in cases.items():
            before = path.read_bytes()
            with pytest.raises(ValueError) as info:
                report.write_report(made["run"], path)
            assert str(info.value) == _refusal(path, held, "a report page"), name
            assert path.read_bytes() == before
    path = cases["foreign"][0]
    assert report.write_report(made["run"], path, force=True) == str(path)
    assert _is_page(path)
    assert report.write_report(made["run"], path) == str(path)  # now a report page


def test_a_scenarios_report_refuses_the_page_before_running(made, tmp_path, monkeypatch,
                                                            capsys):
    """`report X.yaml -o notes.txt` ran the scenario, then replaced the notes with the page.
    Now it refuses before running, and writes nothing (no X.h5 either)."""
    scenario = tmp_path / "s.yaml"
    scenario.write_text(BASELINE.read_text())
    notes = tmp_path / "notes.txt"
    notes.write_bytes(NOTES)

    def no_work(*args, **kwargs):
        raise AssertionError("ran before the output was checked")

    monkeypatch.setattr(progsurv, "run", no_work)
    assert report.main([str(scenario), "-n", "300", "--attribute", "0", "-o", str(notes)]) == 2
    assert capsys.readouterr().err == "progsurv.report: error: " + _refusal(
        notes, "a file that progsurv did not write", "a report page") + "\n"
    assert notes.read_bytes() == NOTES
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt", "s.yaml"]


def test_a_scenarios_report_replaces_an_empty_run_file(tmp_path):
    """An empty file where the report writes its run is replaced, as every output replaces
    one (it was refused as "a file that is not a progsurv run of this kind")."""
    scenario = tmp_path / "s.yaml"
    scenario.write_text(BASELINE.read_text())
    (tmp_path / "r.h5").write_bytes(b"")
    proc = run_cli("report", scenario, "-n", 300, "--attribute", 0, "-o", tmp_path / "r.html")
    assert proc.stdout.splitlines() == [
        f"written: {tmp_path / 'r.h5'} (replaced the file that was there)",
        f"written: {tmp_path / 'r.html'}"]
    assert progsurv.load(tmp_path / "r.h5").n == 300
