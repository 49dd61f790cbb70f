"""progsurv.compare and `progsurv compare`, and --set on the command line."""
import pytest

import progsurv
from conftest import BASELINE, SCENARIOS, run_cli

MARKOV = SCENARIOS / "exact" / "markov.yaml"


def test_compare_levers_against_exact_solutions():
    lever = {"patience.rate": 0.04}
    c = progsurv.compare(MARKOV, levers=[lever], replications=40_000, seed=5, bootstrap=50)
    a = progsurv.exact(MARKOV)
    b = progsurv.exact(progsurv.Scenario.load(MARKOV).with_values([("patience.rate", "0.04")]))
    row = c.loc[("patience.rate=0.04", "p_completed")]
    truth = b.p_completed[0] - a.p_completed[0]
    assert abs(row["diff"] - truth) <= 3.29 * row["se"]
    assert row["lower"] <= row["diff"] <= row["upper"]
    assert row["gain"] > 1
    value = c.loc[("patience.rate=0.04", "mean_value")]
    assert abs(value["diff"] - (b.value_mean[0] - a.value_mean[0])) <= 3.29 * value["se"]


def test_compare_matches_the_command():
    c = progsurv.compare(BASELINE, levers=["patience.threshold.median=36"], replications=20_000,
                         seed=4, bootstrap=20)
    out = run_cli("compare", BASELINE, "--lever", "patience.threshold.median=36", "-n", 20_000,
                  "--seed", 4, "-q").stdout
    assert out.splitlines()[0] == c.attrs["table"].splitlines()[0]
    diff = c.loc[("patience.threshold.median=36", "p_completed"), "diff"]
    assert f"{100 * diff:+.2f} pp" in out
    assert "gain" in out


def test_compare_needs_two(tmp_path):
    with pytest.raises(ValueError, match="two scenarios"):
        progsurv.compare(BASELINE)
    proc = run_cli("compare", BASELINE, "-q", "-n", 100, check=False)
    assert proc.returncode == 2 and "--lever" in proc.stderr


@pytest.mark.parametrize("kwargs, error, words", [
    ({"replications": "1000"}, TypeError, "replications must be a whole number"),
    ({"replications": 1000.9}, TypeError, "replications must be a whole number"),
    ({"replications": 1}, ValueError, "replications must be between 2"),
    ({"seed": 2.9}, TypeError, "seed must be a whole number"),
    ({"seed": -1}, ValueError, "seed must be between 0"),
    ({"threads": 1.5}, TypeError, "threads must be a whole number"),
    ({"bootstrap": 1}, ValueError, "bootstrap must be between 2"),
])
def test_compare_checks_its_counts_as_run_does(kwargs, error, words):
    # Nothing truncated silently, nothing run: the same words as run() and attribute().
    with pytest.raises(error, match=words):
        progsurv.compare(BASELINE, BASELINE, **{"replications": 1000, **kwargs})


def test_set_overrides_on_the_command_line(tmp_path):
    out = tmp_path / "r.h5"
    run_cli("run", BASELINE, "-n", 2000, "-o", out, "-q", "--set", "horizon=36",
            "--set", "sponsor_levels.vp.clout=0.6")
    r = progsurv.load(out)
    assert r.tally_horizon == 36 and r.grid[-1] == 36
    proc = run_cli("run", BASELINE, "-n", 10, "-o", out, "-q", "--set", "no_such_key=1",
                   check=False)
    assert proc.returncode == 2 and "no_such_key" in proc.stderr
    proc = run_cli("run", BASELINE, "-n", 10, "-o", out, "-q", "--set", "horizon", check=False)
    assert proc.returncode == 2 and "key.path=value" in proc.stderr


def test_summary_reads_attribution_and_sweep_files(tmp_path):
    path = tmp_path / "a.h5"
    printed = run_cli("attribute", BASELINE, "-n", 2000, "-o", path, "-q",
                      "--mechanisms", "sponsor_exit,patience").stdout
    summary = run_cli("summary", path).stdout
    assert summary == printed.replace(f"written: {path}\n", "")
    assert "Shapley" in summary


def test_validate_warns_about_inputs_without_effect(tmp_path):
    # No baseline phase has a marketing step followed by an it step: this override cannot act.
    path = tmp_path / "override.yaml"
    path.write_text(open(BASELINE).read() + "handoffs:\n"
                    "  - {from: marketing, to: it, pickup: {dist: exponential, mean: 4.0},"
                    " break_prob: 0.35}\n")
    proc = run_cli("validate", path)
    assert proc.returncode == 0
    assert "override.yaml:" in proc.stderr and "warning: handoff override" in proc.stderr
    proc = run_cli("validate", BASELINE)
    assert proc.returncode == 0 and "warning: handoff override" not in proc.stderr
