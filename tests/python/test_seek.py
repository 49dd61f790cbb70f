"""progsurv.seek against `progsurv seek`: the same file at the same seed, the DataFrame
derived from the raw sums, load dispatch, the GIL released, report and export."""

import h5py
import numpy as np
import pandas as pd
import pytest

import progsurv
from conftest import BASELINE, run_cli

LEVER = "patience.threshold.median"
TARGET = "completed>=0.14"
RANGE = (6, 60)
N = 4000
SEED = 5


@pytest.fixture(scope="module")
def cli_seek(tmp_path_factory):
    path = tmp_path_factory.mktemp("seek") / "seek.h5"
    # One thread there, two in py_seek: the numbers must not depend on it.
    proc = run_cli("seek", BASELINE, "--lever", LEVER, "--target", TARGET, "--range",
                   f"{RANGE[0]}:{RANGE[1]}", "-n", N, "--seed", SEED, "--threads", 1, "-q",
                   "-o", path)
    return path, proc.stdout


@pytest.fixture(scope="module")
def py_seek():
    return progsurv.seek(BASELINE, LEVER, TARGET, range=RANGE, replications=N, seed=SEED,
                         threads=2)


def test_python_equals_the_command_file(cli_seek, py_seek):
    path, stdout = cli_seek
    loaded = progsurv.load(path)
    assert isinstance(loaded, progsurv.SeekResult) and loaded.path == str(path)
    assert isinstance(progsurv.load_seek(path), progsurv.SeekResult)
    assert py_seek.verdict == loaded.verdict == "found"
    assert py_seek.value == loaded.value
    assert py_seek.interval == loaded.interval
    pd.testing.assert_frame_equal(py_seek.points, loaded.points)
    # The command printed the same text (its header and answer), and the sentence is in it.
    assert py_seek.summary() in stdout and loaded.sentence in stdout
    assert py_seek.sentence.startswith(f"{LEVER} of at least ")
    with h5py.File(path, "r") as f:
        assert f.attrs["value"] == py_seek.value
        np.testing.assert_array_equal(f["points/x"][()], py_seek.points["x"])


def test_points_are_derived_from_the_raw_sums(py_seek):
    pts = py_seek.points
    raw = py_seek.point_sums
    assert len(pts) == len(raw) and pts["stage"].iloc[0] == "base"
    for row, p in zip(pts.itertuples(), raw):
        # The C++ point's own mean and interval: the frame recomputes them from the sums.
        assert row.estimate == pytest.approx(p.mean(), rel=1e-12)
        assert row.lower == pytest.approx(p.lower(), rel=1e-9)
        assert row.upper == pytest.approx(p.upper(), rel=1e-9)
        assert row.n == N
    assert (pts["diff"].iloc[0], pts["diff_lower"].iloc[0]) == (0.0, 0.0)
    # "meets" follows the target's bound.
    assert (pts["meets"] == (pts["estimate"] >= 0.14)).all()
    # The answer is the first value (in x) whose estimate meets the target, within tolerance.
    met = pts[pts["meets"] & (pts["stage"] != "base")]["x"]
    assert py_seek.value == met.min()
    lo, hi = py_seek.interval
    assert RANGE[0] <= lo <= py_seek.value <= hi <= RANGE[1]


def test_out_of_reach_says_so_without_a_value():
    s = progsurv.seek(BASELINE, LEVER, "completed>=0.9", range=RANGE, replications=1000)
    assert s.verdict == "out_of_reach" and s.value is None
    assert "out of reach" in s.sentence


def test_bad_input_raises_before_running():
    with pytest.raises(ValueError, match="range=: .*no documented range"):
        progsurv.seek(BASELINE, LEVER, TARGET)  # no documented range for a median
    with pytest.raises(ValueError):
        progsurv.seek(BASELINE, LEVER, "completed>>0.2", range=RANGE)
    with pytest.raises(ValueError, match="lever=: .*unknown key 'no_such_key'"):
        progsurv.seek(BASELINE, "patience.no_such_key", TARGET, range=RANGE)
    with pytest.raises(TypeError):
        progsurv.seek(BASELINE, LEVER, TARGET, range=RANGE, replications=1e4)


@pytest.mark.parametrize("kwargs, named", [
    (dict(lever="name"), "lever="),  # not a number
    (dict(range=(60, 6)), "range="),
    (dict(range=(-5, 60)), "range="),  # outside the key's domain
    (dict(range=(0, 60), log_scale=True), "log_scale=True"),
    (dict(tolerance=0.9), "tolerance="),
    (dict(tolerance=0), "tolerance="),
    (dict(scan_points=2), "scan_points="),
    (dict(replications=1), "replications="),
    (dict(threads=-1), "threads="),
])
def test_bad_arguments_are_named_as_python_takes_them(kwargs, named):
    # The checks are the C++ seek's; from Python they name the keyword, never a CLI flag.
    args = dict(lever=LEVER, range=RANGE, replications=100)
    args.update(kwargs)
    with pytest.raises(ValueError) as info:
        progsurv.seek(BASELINE, args.pop("lever"), TARGET, **args)
    message = str(info.value)
    assert message.startswith(named + ": "), message
    assert "--" not in message, message


def test_plot_and_to_hdf5(py_seek, tmp_path):
    ax = py_seek.plot()
    assert ax.get_xlabel() == LEVER and len(ax.lines) >= 3
    out = py_seek.to_hdf5(tmp_path / "again.h5")
    pd.testing.assert_frame_equal(progsurv.load(out).points, py_seek.points)
    with pytest.raises(ValueError):
        py_seek.to_hdf5(tmp_path)  # a folder


def test_gil_released_while_seeking():
    from test_threads import assert_runs_without_gil

    assert_runs_without_gil(lambda: progsurv.seek(
        BASELINE, LEVER, TARGET, range=RANGE, replications=20000, threads=1))


def test_progress_false_stops_it():
    calls = []

    def progress(done, planned):
        calls.append((done, planned))
        return False

    with pytest.raises(KeyboardInterrupt):
        progsurv.seek(BASELINE, LEVER, TARGET, range=RANGE, replications=20000,
                      progress=progress)
    assert calls


def test_report_shows_the_file(cli_seek, tmp_path):
    from report_numbers import check_page

    path, stdout = cli_seek
    page = tmp_path / "s.html"
    run_cli("report", path, "-o", page)
    html = page.read_text()
    loaded = progsurv.load(path)
    points = loaded.points

    def derived(group, index, how):
        assert group == "/points"
        return points.loc[index, {"mean": "estimate"}.get(how, how)]

    answers, count = check_page(html, path, derived)
    assert count > 5 * (len(points) - 1)
    assert answers == loaded.sentence and loaded.sentence in stdout
    assert "data:image/png;base64," in html


def test_export_writes_the_tables(cli_seek, tmp_path):
    path, _ = cli_seek
    run_cli("export", path, "--csv", tmp_path / "csv")
    run_cli("export", path, "--xlsx", tmp_path / "s.xlsx")
    loaded = progsurv.load(path)
    sheets = pd.read_excel(tmp_path / "s.xlsx", sheet_name=None)
    assert set(sheets) == {"About", "answer", "points"}
    assert sheets["answer"]["verdict"][0] == "found"
    assert sheets["answer"]["value"][0] == loaded.value
    csv = pd.read_csv(tmp_path / "csv" / "points.csv", float_precision="round_trip")
    with h5py.File(path, "r") as f:
        np.testing.assert_array_equal(csv["x"], f["points/x"][()])
        np.testing.assert_array_equal(csv["sum"], f["points/sum"][()])
    np.testing.assert_array_equal(csv["estimate"], loaded.points["estimate"])


def test_report_and_export_fail_cleanly_on_bad_paths(cli_seek, tmp_path):
    path, _ = cli_seek
    proc = run_cli("report", path, "-o", tmp_path / "nodir" / "s.html", check=False)
    assert proc.returncode == 2 and "nodir does not exist" in proc.stderr
    proc = run_cli("export", path, "--csv", tmp_path / "nodir" / "deeper", check=False)
    assert proc.returncode == 2
    assert not (tmp_path / "nodir").exists()


@pytest.mark.parametrize("how", ["interrupt_main", "sigint"])
def test_ctrl_c_stops_the_search(how):
    from test_threads import assert_interrupted

    assert_interrupted(lambda: progsurv.seek(BASELINE, LEVER, TARGET, range=RANGE,
                                             replications=20_000_000, threads=1), how)


def test_report_in_chromium(cli_seek, tmp_path):
    from test_report import chromium

    path, _ = cli_seek
    page = tmp_path / "s.html"
    run_cli("report", path, "-o", page)
    dom, console, requests, _ = chromium(page, tmp_path)
    assert console == [] and requests == []
    assert "Seek:" in dom
