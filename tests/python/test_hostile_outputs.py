"""Hostile outputs and inputs of the Python-written commands report, export and fit
(docs/robustness.md): every write goes through the C++ writer (planted symlinks, devices,
FIFOs, folders, own inputs, write protection, full disks), signals reach the Python child,
spreadsheet cells are text, and fit settings are capped when the file is read."""
import os
import signal
import stat
import subprocess
import time

import h5py
import pytest

import progsurv
from conftest import BASELINE, CLI, SCENARIOS, run_cli

MARKOV = SCENARIOS / "exact" / "markov.yaml"


@pytest.fixture(scope="module")
def run_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("hostile") / "in.h5"
    run_cli("run", BASELINE, "-n", 2000, "-q", "-o", path)
    return path


def litter(folder):
    return sorted(p.name for p in folder.iterdir() if "progsurv-tmp" in p.name)


# --- the one writer ----------------------------------------------------------------------

def test_python_writes_refuse_devices_fifos_folders_and_planted_names(run_file, tmp_path):
    (tmp_path / "dir").mkdir()
    os.mkfifo(tmp_path / "fifo")
    for target in ("/dev/null", tmp_path / "dir", tmp_path / "fifo"):
        for args in (["report", run_file, "--attribute", 0, "-o", target],
                     ["export", run_file, "--xlsx", target]):
            proc = run_cli(*args, check=False)
            assert proc.returncode == 2, (args, proc.stderr)
            assert "Traceback" not in proc.stderr and "regular file" in proc.stderr, proc.stderr
    # A symlink planted at any name a writer used before (fixed temporary names) is left
    # alone, and so is its target.
    victim = tmp_path / "victim"
    victim.write_text("precious")
    for name in ("r.html.tmp", "x.xlsx.tmp.xlsx"):
        (tmp_path / name).symlink_to(victim)
    run_cli("report", run_file, "--attribute", 0, "-o", tmp_path / "r.html")
    run_cli("export", run_file, "--xlsx", tmp_path / "x.xlsx")
    assert victim.read_text() == "precious"
    assert (tmp_path / "r.html").read_text().startswith("<!")
    assert litter(tmp_path) == []


def test_python_writes_never_replace_their_inputs(run_file, tmp_path):
    copy = tmp_path / "in.h5"
    copy.write_bytes(run_file.read_bytes())
    before = copy.read_bytes()
    scenario = tmp_path / "s.yaml"
    scenario.write_text(BASELINE.read_text())
    for args in (["report", copy, "--attribute", 0, "-o", copy],
                 ["report", copy, "--attribute", 0, "-o", tmp_path / "." / "in.h5"],
                 ["report", scenario, "-n", 100, "-o", scenario],
                 ["export", copy, "--xlsx", copy]):
        proc = run_cli(*args, check=False)
        assert proc.returncode == 2 and "input" in proc.stderr, (args, proc.stderr)
        assert "Traceback" not in proc.stderr
    assert copy.read_bytes() == before
    assert scenario.read_text() == BASELINE.read_text()


def test_write_protected_outputs_need_force(run_file, tmp_path):
    out = tmp_path / "x.xlsx"
    out.write_text("old")
    out.chmod(stat.S_IRUSR)
    if os.access(out, os.W_OK):  # root ignores the mode; the check still reads it
        pass
    proc = run_cli("export", run_file, "--xlsx", out, check=False)
    assert proc.returncode == 2 and "write-protected" in proc.stderr, proc.stderr
    assert out.read_text() == "old"
    run_cli("export", run_file, "--xlsx", out, "--force")
    assert out.read_bytes()[:2] == b"PK"


def test_csv_folder_appears_complete_or_not_at_all(run_file, tmp_path):
    out = tmp_path / "csv"
    proc = run_cli("export", run_file, "--csv", out)
    names = sorted(p.name for p in out.iterdir())
    assert "outcomes.csv" in names and len(proc.stdout.splitlines()) == len(names)
    assert litter(tmp_path) == [] and litter(out) == []
    # A FIFO at a table's name is refused before anything is written: no hang.
    (out / "outcomes.csv").unlink()
    os.mkfifo(out / "outcomes.csv")
    (out / "causes.csv").write_text("old")
    proc = run_cli("export", run_file, "--csv", out, check=False)
    assert proc.returncode == 2 and "FIFO" in proc.stderr, proc.stderr
    assert (out / "causes.csv").read_text() == "old"
    # A file where the folder should be.
    (tmp_path / "plain").write_text("x")
    proc = run_cli("export", run_file, "--csv", tmp_path / "plain", check=False)
    assert proc.returncode == 2 and "exists and is a file, not a folder" in proc.stderr, \
        proc.stderr
    # The input itself named as the folder: said so (it used to be "not a regular file").
    proc = run_cli("export", run_file, "--csv", run_file, check=False)
    assert proc.returncode == 2 and f"is the input {run_file}" in proc.stderr, proc.stderr


def test_two_concurrent_exports_leave_one_complete_folder(run_file, tmp_path):
    out = tmp_path / "csv"
    procs = [subprocess.Popen([str(CLI), "export", str(run_file), "--csv", str(out)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    results = [(p.wait(timeout=300), p.stderr.read()) for p in procs]
    assert any(status == 0 for status, _ in results), results
    for status, err in results:
        assert status in (0, 1) and "Traceback" not in err, err
    assert "outcomes.csv" in os.listdir(out)
    assert litter(tmp_path) == [] and litter(out) == []


@pytest.mark.parametrize("command", ["report", "export"])
def test_failed_write_exits_1_and_keeps_the_old_output(run_file, tmp_path, command):
    out = tmp_path / "out"
    # The old output is the command's own (any other file would be refused before writing).
    if command == "report":
        args = f"report '{run_file}' --attribute 0 -o '{out}'"
        run_cli("report", run_file, "--attribute", 0, "-o", out)
    else:
        args = f"export '{run_file}' --csv '{out}'"
        run_cli("export", run_file, "--csv", out)
    old = out if command == "report" else out / "outcomes.csv"
    with open(old, "a") as fh:  # told apart from what the command writes again
        fh.write("old output\n")
    before = old.read_bytes()
    # A file-size limit fails the writer's write() as a full disk does (EFBIG/ENOSPC).
    proc = subprocess.run(["bash", "-c", f"trap '' XFSZ; ulimit -f 4; '{CLI}' {args}"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1, proc.stderr
    assert "cannot write" in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
    assert old.read_bytes() == before
    assert litter(tmp_path) == [] and (command == "report" or litter(out) == [])


@pytest.mark.parametrize("make", ["/dev/zero", "dir", "garbage", "fifo", "missing"])
def test_export_of_what_is_not_a_progsurv_file_is_a_clear_error(tmp_path, make):
    path = {"/dev/zero": "/dev/zero", "dir": tmp_path, "garbage": tmp_path / "g.h5",
            "fifo": tmp_path / "f.h5", "missing": tmp_path / "none.h5"}[make]
    if make == "garbage":
        path.write_bytes(os.urandom(4096))
    if make == "fifo":
        os.mkfifo(path)
    proc = run_cli("export", path, "--xlsx", tmp_path / "o.xlsx", check=False, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and str(path) in proc.stderr, proc.stderr
    assert not (tmp_path / "o.xlsx").exists()


# --- signals -------------------------------------------------------------------------------

@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signals_reach_the_python_child_and_nothing_is_written(tmp_path, sig):
    scenario = tmp_path / "s.yaml"
    scenario.write_text(BASELINE.read_text())
    out = tmp_path / "r.html"
    proc = subprocess.Popen([str(CLI), "report", str(scenario), "-n", "100000000", "-o",
                             str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    time.sleep(3)  # Python started and running the scenario
    proc.send_signal(sig)
    # Generous: a user would see a hang only after much longer.
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "interrupted; nothing written" in err and "Traceback" not in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.yaml"]


def test_an_interrupted_report_leaves_the_files_of_the_last_one(tmp_path):
    """A scenario's report replaces three files (the run, its attribution, the page). Ctrl-C
    after the run is computed, while the attribution runs, used to leave the new run beside
    the old page and attribution, and say "nothing written"; now nothing is replaced until
    the page is, and no staging folder is left."""
    scenario = tmp_path / "s.yaml"
    scenario.write_text(BASELINE.read_text())
    run_cli("report", scenario, "-n", 2000, "--attribute", 1000, "-o", tmp_path / "r.html")
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert sorted(before) == ["r-attribution.h5", "r.h5", "r.html", "s.yaml"]
    # Another seed is another run: --force, or the report would refuse to replace r.h5.
    proc = subprocess.Popen([str(CLI), "report", str(scenario), "-n", "2000", "--seed", "9",
                             "--attribute", "100000000", "--force", "-o",
                             str(tmp_path / "r.html")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # Wait for the new run file in the staging folder: the attribution is then running.
    deadline = time.monotonic() + 240  # generous: a loaded machine starts Python slowly
    while not list(tmp_path.glob(".progsurv-staged-*/r.h5")):
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.05)
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "interrupted; nothing written" in err and "Traceback" not in err, err
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def _fake_package(folder, module, code):
    """A package `progsurv` whose `module` is `code` (defining main()), for
    PROGSURV_PACKAGE_DIR: it stands for the real one at a moment a test cannot otherwise
    catch (still importing, stuck)."""
    package = folder / "fake" / "progsurv"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / f"{module}.py").write_text(code + "if __name__ == '__main__':\n    main()\n")
    return dict(os.environ, PROGSURV_PACKAGE_DIR=str(package.parent))


@pytest.mark.parametrize("missing, hint", [("progsurv._core", "PROGSURV_PACKAGE_DIR"),
                                           ("matplotlib_not_here", "apt-get install")])
def test_a_package_that_cannot_be_imported_is_one_line_not_a_traceback(tmp_path, missing, hint):
    """A package that fails to import (its module gone, or a library it needs) gives one
    line naming what is missing and how to get it, and exit status 1; before, a raw
    ModuleNotFoundError traceback."""
    env = _fake_package(tmp_path, "export", f"import {missing}\ndef main():\n    pass\n")
    proc = subprocess.run([str(CLI), "export", "in.h5", "--csv", str(tmp_path / "out")],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    assert f"cannot import its Python code: No module named '{missing}'" in proc.stderr
    assert hint in proc.stderr and proc.stderr.count("\n") == 1, proc.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("command", ["report", "export"])
def test_an_interrupt_while_python_imports_is_no_traceback(tmp_path, command):
    """A Ctrl-C in the first half second, while the child imports numpy and h5py: before,
    the KeyboardInterrupt escaped the import with a traceback. The child stands in such an
    import here (its module sleeps at the top level); the interrupt is held until the
    imports are done, then ends the command."""
    env = _fake_package(tmp_path, command, "import sys, time\n"
                        "print('importing', file=sys.stderr, flush=True)\n"
                        "time.sleep(2)\n"
                        "def main():\n"
                        "    time.sleep(60)\n")
    proc = subprocess.Popen([str(CLI), command, "in.h5", "-o", str(tmp_path / "out")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    assert proc.stderr.readline() == "importing\n"
    proc.send_signal(signal.SIGINT)
    start = time.monotonic()
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "interrupted; nothing written" in err and "Traceback" not in err, err
    assert time.monotonic() - start < 50  # at the end of the import, not of main()


def test_an_interrupt_at_any_moment_of_the_start_is_no_traceback(tmp_path):
    """The real command, interrupted at several moments of its first second. A signal
    that comes before the command has set up its handlers ends it as a signal does (the
    shell shows 130), with nothing said and nothing written."""
    scenario = tmp_path / "s.yaml"
    scenario.write_text(BASELINE.read_text())
    said = 0
    for delay in (0.0, 0.05, 0.15, 0.3, 0.5, 0.8):
        proc = subprocess.Popen([str(CLI), "report", str(scenario), "-n", "100000000", "-o",
                                 str(tmp_path / "r.html")], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        time.sleep(delay)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=120)
        assert "Traceback" not in err, (delay, err)
        if proc.returncode == -signal.SIGINT:
            assert err == "", (delay, err)
            continue
        assert proc.returncode == 130, (delay, err)
        assert "interrupted; nothing written" in err, (delay, err)
        said += 1
    assert said >= 3  # most moments reached the Python child
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.yaml"]


def test_a_second_signal_kills_the_child_and_its_temporary_files_go(tmp_path):
    """A child deaf to the first signal (stuck in C code) is killed by the second; the
    temporary file and folder it had begun are removed at once, not by the next writer.
    Another live process's temporary file is left alone."""
    out = tmp_path / "out"
    out.mkdir()
    env = _fake_package(tmp_path, "export", "import os, signal, sys, time\n"
                        "def main():\n"
                        "    signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
                        "    folder = sys.argv[sys.argv.index('--csv') + 1]\n"
                        "    tag = f'.progsurv-tmp-{os.getpid()}-'\n"
                        "    open(os.path.join(folder, '.a.csv' + tag + '0badc0de'), 'w')\n"
                        "    os.mkdir(os.path.join(folder, '.csv' + tag + '12345678'))\n"
                        "    open(os.path.join(folder, '.csv' + tag + '12345678', 'b.csv'), 'w')\n"
                        "    open('.w.xlsx' + tag + 'aaaaaaaa', 'w')\n"
                        "    print('ready', flush=True)\n"
                        "    time.sleep(60)\n")
    live = out / f".c.csv.progsurv-tmp-{os.getpid()}-0123abcd"
    live.write_text("another writer's")
    proc = subprocess.Popen([str(CLI), "export", "in.h5", "--csv", str(out)], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    assert proc.stdout.readline() == "ready\n"
    proc.send_signal(signal.SIGINT)
    time.sleep(0.5)
    assert proc.poll() is None  # the child ignored it
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "interrupted; nothing written" in err, err
    assert sorted(p.name for p in out.iterdir()) == [live.name]
    assert litter(tmp_path) == []


# --- injection -----------------------------------------------------------------------------

def test_spreadsheet_cells_are_text_not_formulas(tmp_path):
    formula = '=HYPERLINK("http://evil/x","click")'
    scenario = tmp_path / "s.yaml"
    scenario.write_text(BASELINE.read_text().replace("name: baseline", "name: '@evil'"))
    s = progsurv.Scenario.load(scenario)
    level = s.level_names[0]
    s = progsurv.Scenario.from_yaml(scenario.read_text().replace(f"{level}:", f"'{formula}':"))
    run = tmp_path / "in.h5"
    progsurv.run(s, replications=200, keep_replications=True).to_hdf5(run)
    run_cli("export", run, "--csv", tmp_path / "csv")
    text = "".join(p.read_text() for p in (tmp_path / "csv").iterdir())
    assert formula.replace('"', '""') in text
    for line in text.splitlines():
        for cell in line.split(","):
            assert not cell.lstrip('"').startswith(("=", "+", "@")), line
    run_cli("export", run, "--xlsx", tmp_path / "x.xlsx")
    import openpyxl

    book = openpyxl.load_workbook(tmp_path / "x.xlsx")
    seen = 0
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                seen += cell.value == formula
    assert seen > 0


def test_control_characters_in_names_are_escaped_when_printed(tmp_path):
    scenario = tmp_path / "s.yaml"
    scenario.write_text(BASELINE.read_text().replace(
        "name: baseline", 'name: "evil\\e]0;owned\\a\\e[2J"'))
    for args in (["validate", scenario], ["run", scenario, "-n", 100, "-q", "-o",
                                          tmp_path / "o.h5"], ["summary", tmp_path / "o.h5"]):
        proc = run_cli(*args, check=False)
        text = proc.stdout + proc.stderr
        assert "\x1b" not in text and "\x07" not in text, (args, text)
    assert "\\x1b]0;owned" in run_cli("summary", tmp_path / "o.h5").stdout


# --- caps --------------------------------------------------------------------------------

FIT = """scenario: {scenario}
parameters:
  sponsor_levels.vp.approval: {{prior: beta, a: 1, b: 1}}
likelihood: {{replications: 2048}}
sampler: {{walkers: 4, steps: 10, burn: 2}}
predictive: {{draws: 2, replications: 1024}}
"""


@pytest.mark.parametrize("what", ["bytes", "rows"])
def test_a_record_over_its_caps_is_refused_when_read(tmp_path, what):
    """A record CSV over 8 MiB or 100,000 rows: exit 2 naming the file and the cap, before
    any sampling (before, any size was parsed and its rows kept)."""
    record = tmp_path / "past.csv"
    with open(record, "w") as f:
        f.write("sponsor_level,outcome,cause,month,phases_delivered\n")
        if what == "rows":
            f.write("vp,ended,,3,1\n" * 100_001)
        else:
            f.write("vp,ended,,3,1\n" + "#" * (8 << 20) + "\n")
    fit_file = tmp_path / "f.yaml"
    # Cheap, so that without the caps the test fails in seconds (exit 0) rather than hangs.
    fit_file.write_text(f"scenario: {BASELINE}\nparameters:\n"
                        "  succession.adoption: {prior: beta, a: 2, b: 2}\n"
                        "likelihood: {replications: 1024}\n"
                        "sampler: {walkers: 4, steps: 2, burn: 0}\n"
                        "predictive: {draws: 0}\n")
    proc = run_cli("fit", fit_file, "--record", record, "-o", tmp_path / "fit.h5", "-q",
                   check=False)
    assert proc.returncode == 2, proc.stderr
    assert str(record) in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
    cap = "at most 100000 rows" if what == "rows" else "at most 8 MiB and 100000 programmes"
    assert cap in proc.stderr, proc.stderr
    assert not (tmp_path / "fit.h5").exists()


@pytest.mark.parametrize("edit, key", [
    (("replications: 2048", "replications: 1e12"), "likelihood.replications"),
    (("walkers: 4", "walkers: 1e9"), "sampler.walkers"),
    (("steps: 10", "steps: 1e12"), "sampler.steps"),
    (("draws: 2", "draws: 1e9"), "predictive.draws"),
    (("replications: 1024", "replications: 1e15"), "predictive.replications"),
    (("sponsor_levels.vp.approval", "name"), "parameters.name"),
])
def test_fit_settings_are_capped_when_read(edit, key):
    with pytest.raises(progsurv.ScenarioError) as err:
        progsurv.FitSpec.from_yaml(FIT.format(scenario=MARKOV).replace(*edit), "fit.yaml")
    assert err.value.key == key, str(err.value)


def test_fit_file_nesting_and_encoding_errors_name_the_file(tmp_path):
    deep = tmp_path / "deep.yaml"
    deep.write_text("scenario: " + "[" * 100_000)
    with pytest.raises(progsurv.ScenarioError, match="deep.yaml"):
        progsurv.FitSpec.load(deep)
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"scenario: x\nparameters:\n  \xff: 1\n")
    with pytest.raises(progsurv.ScenarioError) as err:
        progsurv.FitSpec.load(bad)
    assert err.value.line == 3 and "UTF-8" in str(err.value)


def test_fit_command_line_values_and_outputs(tmp_path):
    fit_file = tmp_path / "fit.yaml"
    fit_file.write_text(FIT.format(scenario=MARKOV))
    record = tmp_path / "past.csv"
    progsurv.simulate_record(progsurv.Scenario.load(MARKOV), 10, seed=4).to_csv(record,
                                                                                index=False)
    for flag, value in (("--steps", "0"), ("--seed", "-1"), ("--threads", "-1"),
                        ("--threads", "10000"), ("--walkers", "0")):
        proc = run_cli("fit", fit_file, "--record", record, flag, value, check=False)
        assert proc.returncode == 2, (flag, value, proc.stderr)
        assert flag in proc.stderr and len(proc.stderr) < 400, proc.stderr
        assert "1797693" not in proc.stderr  # no 309-digit bound
    with pytest.raises(ValueError, match="threads"):
        progsurv.fit(progsurv.FitSpec.load(fit_file), record, threads=-1)
    # Onto its own inputs: the fit file, the record, the base scenario.
    for target in (fit_file, record):
        proc = run_cli("fit", fit_file, "--record", record, "-o", target, check=False)
        assert proc.returncode == 2 and "input" in proc.stderr, proc.stderr
    base = tmp_path / "base.yaml"
    base.write_text(MARKOV.read_text())
    fit_file.write_text(FIT.format(scenario=base))
    proc = run_cli("fit", fit_file, "--record", record, "-o", base, "-q", check=False)
    assert proc.returncode == 2 and "input" in proc.stderr, proc.stderr
    assert base.read_text() == MARKOV.read_text()
    # Onto a file of another kind: refused before any sampling, as the other commands do.
    run_cli("run", base, "-n", 100, "-q", "-o", tmp_path / "run.h5")
    made = (tmp_path / "run.h5").read_bytes()
    proc = run_cli("fit", fit_file, "--record", record, "-o", tmp_path / "run.h5", check=False)
    assert proc.returncode == 2 and "holds a run file, not a fit file" in proc.stderr, \
        proc.stderr
    assert (tmp_path / "run.h5").read_bytes() == made
    (tmp_path / "run.h5").unlink()
    # Installed-style: the package is found without PYTHONPATH and the file is written.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    run_cli("fit", fit_file, "--record", record, "-o", tmp_path / "fit.h5", "-q", env=env,
            cwd=tmp_path)
    with h5py.File(tmp_path / "fit.h5", "r") as f:
        assert f.attrs["filetype"] == "progsurv-fit"
    assert litter(tmp_path) == []


def test_exact_fit_of_a_non_markov_scenario_is_refused_when_read():
    assert progsurv._core.markov_violations(progsurv.Scenario.load(BASELINE))
    text = FIT.format(scenario=BASELINE).replace("replications: 2048",
                                                 "replications: 2048, method: exact")
    start = time.perf_counter()
    with pytest.raises(progsurv.ScenarioError) as err:
        progsurv.FitSpec.from_yaml(text, "fit.yaml")
    assert err.value.key == "likelihood.method" and "Markov" in str(err.value)
    assert time.perf_counter() - start < 60  # refused up front, not after sampling


def test_a_replaced_output_is_said_and_a_variant_does_not_replace_its_scenario(tmp_path):
    """Before, a second run replaced the first one's file without a word, and a run of
    `--set` (no -o) wrote over the plain scenario's file: baseline.h5 both times."""
    base = ("run", BASELINE, "-n", "300", "-q")
    first = run_cli(*base, cwd=tmp_path)
    assert first.stdout.rstrip().endswith("written: baseline.h5")
    plain = (tmp_path / "baseline.h5").read_bytes()
    variant = run_cli(*base, "--set", "sponsor=director", cwd=tmp_path)
    assert variant.stdout.rstrip().endswith("written: baseline-sponsor_director.h5")
    assert (tmp_path / "baseline.h5").read_bytes() == plain
    again = run_cli(*base, "--seed", "2", cwd=tmp_path)
    assert again.stdout.rstrip().endswith("written: baseline.h5 (replaced the file that was there)")
    # The Python commands say it as the C++ ones do.
    for _ in range(2):
        page = run_cli("report", tmp_path / "baseline.h5", "-o", tmp_path / "b.html")
        csv = run_cli("export", tmp_path / "baseline.h5", "--csv", tmp_path / "tables")
    assert f"written: {tmp_path / 'b.html'} (replaced the file that was there)" in page.stdout
    assert f"written: {tmp_path / 'tables' / 'means.csv'} (replaced the file that was there)" \
        in csv.stdout


@pytest.mark.parametrize("command", [True, False])
def test_after_a_commit_ctrl_c_no_longer_ends_the_command(command):
    # A report whose files were renamed into place and that was then interrupted while it
    # printed said "interrupted; nothing written" and exited 130. Under the command
    # (PROGSURV_CLI) a commit keeps SIGINT away until the end; in a Python session Ctrl-C is
    # Python's again after it.
    import sys

    from conftest import PYTHON_DIR

    code = ("import os, signal\n"
            "signal.signal(signal.SIGINT, signal.default_int_handler)\n"
            "from progsurv import _output\n"
            "with _output._committing():\n"
            "    pass\n"
            "os.kill(os.getpid(), signal.SIGINT)\n"
            "print('finished')\n")
    env = dict(os.environ, PYTHONPATH=str(PYTHON_DIR))
    env.pop("PROGSURV_CLI", None)
    if command:
        env["PROGSURV_CLI"] = "1"
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, timeout=120)
    if command:
        assert proc.returncode == 0 and "finished" in proc.stdout, proc.stderr
    else:
        assert proc.returncode != 0 and "KeyboardInterrupt" in proc.stderr
