"""Hostile input from Python (docs/robustness.md): values that must be refused, exact
results in DataFrames, overrides under YAML anchors, outputs that must not be written,
and Ctrl-C inside a long replication."""
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import progsurv
from conftest import BASELINE, PYTHON_DIR, SCENARIOS


@pytest.fixture(scope="module")
def small():
    return progsurv.Scenario.load(BASELINE)


@pytest.mark.parametrize(
    "kwargs, error",
    [
        ({"keep_replications": "no"}, TypeError),
        ({"keep_replications": 1}, TypeError),
        ({"replications": 1e5}, TypeError),
        ({"replications": "100"}, TypeError),
        ({"replications": 0}, ValueError),
        ({"threads": -1}, ValueError),
        ({"threads": 10_000}, ValueError),
        ({"seed": -1}, ValueError),
        ({"seed": 2**64}, ValueError),
        ({"precision": float("nan")}, ValueError),
        ({"precision": 0.01, "max_replications": sys.maxsize}, ValueError),
    ],
)
def test_run_refuses_bad_values(small, kwargs, error):
    with pytest.raises(error):
        progsurv.run(small, **{"replications": 100, **kwargs})


def test_engine_refuses_overflowing_counts_itself(small):
    # The binding below run(): max_replications=sys.maxsize once overflowed to an empty run.
    with pytest.raises(ValueError, match="max_replications"):
        progsurv._core.run(small, 100, 1, 1, 0.01, sys.maxsize, False, None)


@pytest.mark.parametrize("kwargs", [{"threads": -1}, {"replications": 1.5}, {"seed": -3}])
def test_attribute_refuses_bad_values(small, kwargs):
    with pytest.raises((TypeError, ValueError)):
        progsurv.attribute(small, **{"replications": 100, **kwargs})


def test_curves_of_an_exact_result():
    result = progsurv.exact(SCENARIOS / "exact" / "markov.yaml")
    long = result.curves()
    assert len(long) == len(result.grid) * len(progsurv.CATEGORIES)
    assert long["count"].isna().all()  # no replications to count
    wide = result.curves(wide=True)
    np.testing.assert_allclose(wide["probability"].sum(axis=1), 1.0, atol=1e-9)


def test_override_changes_only_the_named_key_under_an_anchor():
    s = progsurv.Scenario.from_yaml(
        textwrap.dedent(
            """\
            sponsor_levels: {vp: {tenure: 40}}
            sponsor: vp
            silos:
              a: &same {break_prob: 0.1}
              b: *same
            phases:
              - steps: [{silo: a, work: 1}, {silo: b, work: 1}]
            """
        )
    )
    t = s.with_values({"silos.a.break_prob": 0.9})
    silo_lines = {
        line.split(":")[0].strip(): line
        for line in t.to_yaml().splitlines()
        if line.startswith(("  a:", "  b:"))
    }
    assert "break_prob: 0.9}" in silo_lines["a"]
    assert "break_prob: 0.1}" in silo_lines["b"]


def test_write_result_refuses_devices(small, tmp_path):
    result = progsurv.run(small, replications=100)
    with pytest.raises(ValueError, match="character device"):
        result.to_hdf5("/dev/null")
    with pytest.raises(ValueError, match="directory"):
        result.to_hdf5(tmp_path)


def test_a_ctrl_c_is_forgotten_by_the_next_call():
    """A Ctrl-C that stopped one call must not stop the next: the likelihood (fits) used to
    find the old stop request still set and raise KeyboardInterrupt at once."""
    script = textwrap.dedent(
        f"""\
        import os, signal, sys, threading
        sys.path.insert(0, {str(PYTHON_DIR)!r})
        import progsurv
        # The record first: simulating it is a run of its own, which would clear the flag.
        spec = progsurv.FitSpec.load({str(SCENARIOS / "fits" / "markov-4.yaml")!r})
        record = progsurv.simulate_record(spec.scenario, 20, seed=3)
        like = progsurv.Likelihood(spec, record)
        theta = [0.7, 0.5, 0.02, 0.3]
        threading.Timer(1.0, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
        try:
            progsurv.run({str(BASELINE)!r}, replications=10**9, threads=1)
            sys.exit(4)
        except KeyboardInterrupt:
            pass
        print(like(theta), like.at_points([theta])[0], flush=True)
        """
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr
    a, b = (float(x) for x in proc.stdout.split())
    assert np.isfinite(a) and a == b


def test_ctrl_c_stops_a_long_replication(tmp_path):
    """Each replication takes ~5e5 events, so the next progress call is far away; SIGINT
    must still raise KeyboardInterrupt within a few seconds."""
    text = BASELINE.read_text().replace("adoption: 0.5", "adoption: 1")
    text = text.replace("vacancy: {dist: lognormal, median: 4, sigma: 0.5}", "vacancy: 0")
    # No scoping: a sponsor leaving while the proposal is scoped would end it at once.
    text = text.replace("scoping: {dist: lognormal, median: 1.5, sigma: 0.5}", "scoping: 0")
    lines = []
    for line in text.splitlines():
        if line.strip().startswith("tenure:"):
            line = line[: line.index("tenure:")] + "tenure: {dist: exponential, mean: 2.5e-4}"
        lines.append(line)
    (tmp_path / "slow.yaml").write_text("\n".join(lines) + "\n")
    script = textwrap.dedent(
        f"""\
        import sys
        sys.path.insert(0, {str(PYTHON_DIR)!r})
        import progsurv
        print("ready", flush=True)
        try:
            progsurv.run({str(tmp_path / "slow.yaml")!r}, replications=100000, threads=2)
        except KeyboardInterrupt:
            print("interrupted", flush=True)
            sys.exit(3)
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(1.5)
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
        elapsed = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 3, err
    assert "interrupted" in out
    assert elapsed < 5.0
