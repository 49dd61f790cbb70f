"""One file format for both sides: the command line and Python read each other's files,
and give identical numbers for the same scenario, seed and replications."""
import shutil

import h5py
import numpy as np
import pytest

import progsurv
from conftest import BASELINE, CLI_REPLICATIONS, CLI_SEED, run_cli

# Every array of a Result; equal_nan because "not reached" quantiles are NaN.
ARRAYS = (
    "grid", "survival_curve", "outcome_share", "outcome_share_started", "cause_share",
    "quantile_levels", "completion_quantile", "completion_quantile_given", "value_levels",
    "value_prob", "value_quantile", "mean", "se", "convergence_n", "convergence_p",
    "convergence_se", "convergence_half_width", "tally_grid", "tally_category_count",
    "tally_end_bins", "tally_completion_hist", "tally_phases_by_category", "tally_moments",
    "tally_checkpoint_n", "tally_checkpoint_completed",
)


def assert_same_result(a, b, records=True):
    for name in ARRAYS:
        x, y = getattr(a, name), getattr(b, name)
        assert x.dtype == y.dtype and x.shape == y.shape, name
        assert np.array_equal(x, y, equal_nan=True), name
    for c in progsurv.CATEGORIES:
        assert np.array_equal(a.curve(c), b.curve(c), equal_nan=True), c
        assert np.array_equal(a.curve_count(c), b.curve_count(c)), c
    assert a.value_mean == b.value_mean
    assert (a.n, a.seed, a.scenario.to_yaml()) == (b.n, b.seed, b.scenario.to_yaml())
    if records:
        assert a.has_records and b.has_records
        for name in progsurv._core.record_names:
            assert np.array_equal(a.record(name), b.record(name)), name


def test_cli_file_to_python(cli_file):
    loaded = progsurv.load(cli_file)
    assert loaded.path == str(cli_file)
    assert loaded.n == CLI_REPLICATIONS and loaded.seed == CLI_SEED
    assert loaded.name == "baseline"
    assert loaded.scenario.source == str(BASELINE)
    assert len(loaded.records()) == CLI_REPLICATIONS


def test_python_run_identical_to_cli(cli_file, baseline):
    ours = progsurv.run(baseline, replications=CLI_REPLICATIONS, seed=CLI_SEED,
                        keep_replications=True)
    assert_same_result(progsurv.load(cli_file), ours)


def test_summary_matches_cli_run(cli_run_stdout, baseline):
    ours = progsurv.run(baseline, replications=CLI_REPLICATIONS, seed=CLI_SEED)
    # `progsurv run` prints the summary and then the "written:" line.
    assert cli_run_stdout.startswith(ours.summary())
    assert cli_run_stdout[len(ours.summary()):].startswith("written: ")


def test_summary_matches_cli_summary(cli_file):
    printed = run_cli("summary", cli_file).stdout
    assert progsurv.load(cli_file).summary() == printed


def test_precision_summary_says_whether_the_target_was_met(tmp_path, baseline):
    # As the command prints it after a precision run, and again from the file.
    missed = progsurv.run(baseline, precision=0.001, max_replications=20_000, seed=1)
    assert "<= 0.001: NOT met (half-width " in missed.summary()
    assert "after 20000 replications, the cap)" in missed.summary()
    path = tmp_path / "precision.h5"
    printed = run_cli("run", BASELINE, "-q", "--precision", "0.001",
                      "--max-replications", "20000", "--seed", "1", "-o", path).stdout
    assert printed.startswith(missed.summary())
    assert progsurv.load(path).summary() == run_cli("summary", path).stdout
    assert "NOT met" in progsurv.load(path).summary()
    met = progsurv.run(baseline, precision=0.05, seed=1)
    assert "<= 0.05: met (half-width " in met.summary()
    assert "precision target" not in progsurv.run(baseline, replications=1000).summary()


def test_python_file_to_cli(tmp_path, baseline):
    ours = progsurv.run(baseline, replications=10_000, seed=4, keep_replications=True)
    path = tmp_path / "from-python.h5"
    ours.to_hdf5(path)
    printed = run_cli("summary", path).stdout
    # Same numbers; the command names the file in its title line.
    assert printed.splitlines()[1:] == ours.summary().splitlines()[1:]
    assert printed.splitlines()[0] == f"progsurv: baseline ({path}, seed 4)"
    assert progsurv.load(path).summary() == printed
    assert_same_result(progsurv.load(path), ours)


def test_file_layout_for_h5py(cli_file):
    loaded = progsurv.load(cli_file)
    with h5py.File(cli_file, "r") as f:
        assert f.attrs["filetype"] == "progsurv-run"
        assert tuple(f.attrs["format_version"]) == progsurv.FORMAT_VERSION
        assert np.array_equal(f["tally/end_bins"][()], loaded.tally_end_bins)
        assert np.array_equal(f["curves/time"][()], loaded.grid)
        assert np.array_equal(f["curves/completed/probability"][()],
                              loaded.curve("completed")[:, 0])
        assert f["scenario/yaml"].asstr()[()] == loaded.scenario.to_yaml()


def test_counts_and_time_decomposition_in_the_files_order(cli_file):
    """counts() and time_decomposition() have the rows of the file's /counts and
    /time_decomposition, in its order (counts() lacked deferred_value, and the buckets came
    in the engine's numbering, not the file's and the summary's)."""
    loaded = progsurv.load(cli_file)
    with h5py.File(cli_file, "r") as f:
        for group, frame in (("counts", loaded.counts()),
                             ("time_decomposition", loaded.time_decomposition())):
            assert list(frame.index) == list(f[group]["names"].asstr()[()]), group
            assert np.allclose(frame["mean"], f[group]["mean"][()], rtol=1e-12), group
            assert np.allclose(frame["se"], f[group]["se"][()], rtol=1e-12), group
    assert list(loaded.time_decomposition().index) == list(progsurv.TIME_BUCKETS)


def test_to_hdf5_replaces_atomically(tmp_path, baseline):
    path = tmp_path / "r.h5"
    progsurv.run(baseline, replications=1000, seed=1).to_hdf5(path)
    progsurv.run(baseline, replications=2000, seed=1).to_hdf5(path)
    assert progsurv.load(path).n == 2000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.h5"]


def test_to_hdf5_missing_directory(tmp_path, baseline):
    # The OSError open() would raise, with the path; not a bare RuntimeError.
    r = progsurv.run(baseline, replications=1000)
    path = tmp_path / "no" / "such" / "dir.h5"
    with pytest.raises(FileNotFoundError) as info:
        r.to_hdf5(path)
    assert info.value.filename == str(path)
    assert str(path) in str(info.value)


def test_result_file_given_as_a_scenario_says_what_it_is(cli_file):
    with pytest.raises(progsurv.ScenarioError) as info:
        progsurv.Scenario.load(cli_file)
    message = str(info.value)
    assert message.startswith(f"{cli_file}: an HDF5 file (a progsurv result file?)"), message
    assert "the YAML file of the scenario or portfolio" in message and "UTF-8" not in message


# --- files that are not what the reader expects ----------------------------------------


def test_foreign_hdf5(tmp_path):
    path = tmp_path / "foreign.h5"
    with h5py.File(path, "w") as f:
        f["data"] = np.arange(10)
    with pytest.raises(progsurv.FileFormatError, match="not a progsurv run file") as info:
        progsurv.load(path)
    assert isinstance(info.value, ValueError)
    assert str(path) in str(info.value)


def test_other_filetype(tmp_path, cli_file):
    # progsurv.load reads every filetype, so a run file that says it is a sweep goes to the
    # sweep reader, which refuses it; a reader of one filetype names the one it found.
    path = tmp_path / "sweep.h5"
    shutil.copy(cli_file, path)
    with h5py.File(path, "r+") as f:
        f.attrs["filetype"] = "progsurv-sweep"
    with pytest.raises(progsurv.FileFormatError, match=str(path)):
        progsurv.load(path)
    with pytest.raises(progsurv.FileFormatError, match="'progsurv-run'"):
        progsurv.load_portfolio(cli_file)
    with pytest.raises(progsurv.FileFormatError, match="not a progsurv comparison file"):
        progsurv.load_comparison(cli_file)


def test_newer_format_version(tmp_path, cli_file):
    path = tmp_path / "newer.h5"
    shutil.copy(cli_file, path)
    with h5py.File(path, "r+") as f:
        f.attrs["format_version"] = np.array([progsurv.FORMAT_VERSION[0] + 1, 0], dtype=np.int32)
    with pytest.raises(progsurv.FileFormatError, match="newer"):
        progsurv.load(path)
    # The command line refuses it the same way (exit status 2: bad input).
    proc = run_cli("summary", path, check=False)
    assert proc.returncode == 2 and "newer" in proc.stderr


def test_newer_minor_version_is_read(tmp_path, cli_file):
    path = tmp_path / "minor.h5"
    shutil.copy(cli_file, path)
    with h5py.File(path, "r+") as f:
        f.attrs["format_version"] = np.array([progsurv.FORMAT_VERSION[0], 99], dtype=np.int32)
        f.create_group("something_new")
    assert progsurv.load(path).n == CLI_REPLICATIONS


def test_truncated_file(tmp_path, cli_file):
    path = tmp_path / "truncated.h5"
    data = cli_file.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(progsurv.FileFormatError, match="truncated|damaged"):
        progsurv.load(path)


def test_not_hdf5_and_missing(tmp_path):
    with pytest.raises(progsurv.FileFormatError, match="not an HDF5 file"):
        progsurv.load(BASELINE)
    with pytest.raises(progsurv.FileFormatError, match="cannot read"):
        progsurv.load(tmp_path / "missing.h5")


def test_the_format_pages_state_the_versions_the_writers_write():
    """Each file kind's page states the version its writer writes (hdf5-format.md said
    [2, 0] and "sweep files at 1.1" long after 2.2 and 1.3)."""
    import re

    from conftest import REPO

    def page(name):
        return (REPO / "docs" / name).read_text()

    def pair(v):
        return f"`[{v[0]}, {v[1]}]`"

    run = page("hdf5-format.md")
    assert f"Run files are at version **{progsurv.FORMAT_VERSION[0]}." \
        f"{progsurv.FORMAT_VERSION[1]}**" in run
    assert f"here {pair(progsurv.FORMAT_VERSION)}" in run
    assert pair(progsurv.SWEEP_FORMAT_VERSION) in page("hdf5-sweep-format.md")
    assert pair(progsurv.SEEK_FORMAT_VERSION) in page("hdf5-seek-format.md")
    assert pair(progsurv.COMPARISON_FORMAT_VERSION) in page("hdf5-comparison-format.md")
    remedies = re.search(r"Version (\d+)\.(\d+)", page("hdf5-remedies-format.md"))
    assert tuple(int(x) for x in remedies.groups()) == progsurv.REMEDIES_FORMAT_VERSION


def test_an_unreadable_input_is_also_the_oserror_of_its_errno(tmp_path):
    """A missing scenario, result or record file raised ScenarioError or FileFormatError
    only: `except FileNotFoundError` caught none of them."""
    import errno

    missing = tmp_path / "nope"
    for call, kind in [(lambda: progsurv.run(str(missing) + ".yaml"), progsurv.ScenarioError),
                       (lambda: progsurv.load(str(missing) + ".h5"), progsurv.FileFormatError),
                       (lambda: progsurv.read_record(str(missing) + ".csv"),
                        progsurv.ScenarioError)]:
        with pytest.raises(FileNotFoundError) as err:
            call()
        assert isinstance(err.value, kind) and isinstance(err.value, ValueError)
        assert err.value.errno == errno.ENOENT and str(err.value.filename).startswith(str(missing))
        assert str(err.value).endswith("cannot read file: No such file or directory")
    with pytest.raises(IsADirectoryError) as err:
        progsurv.Scenario.load(tmp_path)
    assert isinstance(err.value, progsurv.ScenarioError) and err.value.line == 0
    # A folder given as a result file is as unreadable: every reader says so alike.
    from progsurv import export, report

    for call in (lambda: progsurv.load(tmp_path), lambda: progsurv.load_sweep(tmp_path),
                 lambda: export.tables(tmp_path),
                 lambda: report.write_report(tmp_path, tmp_path / "x.html")):
        with pytest.raises(IsADirectoryError) as err:
            call()
        assert isinstance(err.value, progsurv.FileFormatError)
        assert err.value.errno == errno.EISDIR
    assert not (tmp_path / "x.html").exists()
    # Errors in a file's content stay plain ScenarioErrors.
    bad = tmp_path / "bad.yaml"
    bad.write_text("horizon: -1\n")
    with pytest.raises(progsurv.ScenarioError) as err:
        progsurv.Scenario.load(bad)
    assert not isinstance(err.value, OSError)


def test_a_missing_input_of_report_and_export_is_also_file_not_found(tmp_path, cli_file):
    """progsurv.export.tables and progsurv.report.write_report (its file or attribution=)
    raised a plain ValueError for a missing input, export.about and to_csv a FileFormatError
    that was no OSError, and `progsurv report` said "no such file": now the error
    progsurv.load raises, also the OSError of its errno, and for a
    scenario YAML the one progsurv.run raises."""
    import errno

    import progsurv.export
    import progsurv.report

    missing = tmp_path / "nope.h5"
    for call in (lambda: progsurv.export.tables(missing),
                 lambda: progsurv.export.about(missing),
                 lambda: progsurv.export.to_csv(missing, tmp_path / "tables"),
                 lambda: progsurv.report.write_report(missing, tmp_path / "a.html"),
                 lambda: progsurv.report.write_report(cli_file, tmp_path / "b.html",
                                                      attribution=missing)):
        with pytest.raises(FileNotFoundError) as err:
            call()
        assert isinstance(err.value, progsurv.FileFormatError)
        assert err.value.errno == errno.ENOENT and err.value.filename == str(missing)
        assert str(err.value) == f"{missing}: cannot read file: No such file or directory"
    for name in ("nope.h5", "nope.yaml"):
        proc = run_cli("report", tmp_path / name, check=False)
        assert proc.returncode == 2, proc.stderr
        assert (f"{tmp_path / name}: cannot read file: No such file or directory"
                in proc.stderr), proc.stderr
    assert not list(tmp_path.glob("*.html")) and not (tmp_path / "tables").exists()

