"""Scenario: loading, YAML round trips, overrides by key path and their errors."""
import pickle

import numpy as np
import pytest

import progsurv
from conftest import BASELINE, SCENARIOS


def yaml_line(scenario, prefix):
    """The first line of the canonical YAML that starts with `prefix` (stripped)."""
    for line in scenario.to_yaml().splitlines():
        if line.strip().startswith(prefix):
            return line.strip()
    raise AssertionError(f"no line starting with {prefix!r} in the scenario's YAML")


def test_load_names(baseline):
    assert baseline.name == "baseline"
    assert baseline.source == str(BASELINE)
    assert baseline.level_names == ["ceo", "c_suite", "vp", "director"]
    assert baseline.silo_names == ["marketing", "sales", "product", "operations", "it"]
    assert baseline.phase_names == ["discovery", "pilot", "rollout"]
    assert baseline.horizon == 60.0
    assert baseline.grid[0] == 0.0 and baseline.grid[-1] == 60.0
    assert abs(sum(baseline.sponsor_mix.values()) - 1.0) < 1e-12
    vp = baseline.levels[baseline.level_names.index("vp")]
    assert vp["tenure"]["dist"] == "weibull" and vp["tenure_mean"] > 0
    assert "baseline" in repr(baseline)


def test_every_scenario_file_loads():
    files = sorted(SCENARIOS.glob("*.yaml"))
    assert BASELINE in files
    for path in files:
        s = progsurv.Scenario.load(path)
        assert progsurv.Scenario.from_yaml(s.to_yaml()) == s, path


def test_yaml_round_trip(baseline):
    text = baseline.to_yaml()
    again = progsurv.Scenario.from_yaml(text)
    assert again.to_yaml() == text
    assert again == baseline
    assert again.source == "<string>"
    assert pickle.loads(pickle.dumps(baseline)) == baseline


def test_with_values_numbers_and_strings(baseline):
    s = baseline.with_values({"patience.threshold.median": 12, "phases.0.value": 2.5})
    assert s.patience_threshold["median"] == 12.0
    assert s.phase_values[0] == 2.5
    assert baseline.phase_values[0] == 1.0  # the original is unchanged
    s = baseline.with_values({"patience.visible": "steps"})
    assert yaml_line(s, "visible:") == "visible: steps"
    # A string is YAML text as it is.
    s = baseline.with_values({"sponsor_levels.vp.tenure": "{dist: exponential, mean: 7}"})
    assert s.levels[2]["tenure"] == {"dist": "exponential", "mean": 7.0}


def test_with_values_collections_and_numpy(baseline):
    vp = baseline.levels[baseline.level_names.index("vp")]
    tenure = dict(vp["tenure"], scale=vp["tenure"]["scale"] * 2)
    s = baseline.with_values(
        {
            "sponsor_levels.vp.tenure": tenure,  # a dict, as Scenario.levels gives it
            "grid": np.array([0, 12, 24, 60]),
            "patience.threshold.median": np.float64(9.5),
            "phases.1.value": np.int64(3),
        }
    )
    assert s.levels[2]["tenure"] == tenure
    assert s.grid == [0.0, 12.0, 24.0, 60.0]
    assert s.patience_threshold["median"] == 9.5
    assert s.phase_values[1] == 3.0
    # Pairs are applied in order: the last value wins.
    s = baseline.with_values([("phases.0.value", 4), ("phases.0.value", 5)])
    assert s.phase_values[0] == 5.0


def test_with_values_floats_read_back_exactly(baseline):
    x = 0.1 + 0.2  # 0.30000000000000004: repr keeps every digit
    s = baseline.with_values({"sponsor_levels.vp.clout": x})
    assert s.levels[2]["clout"] == x


def test_unknown_path_names_it(baseline):
    with pytest.raises(progsurv.ScenarioError) as info:
        baseline.with_values({"sponsor_levels.cfo.clout": 0.3})
    e = info.value
    assert isinstance(e, ValueError)
    assert e.key == "sponsor_levels.cfo.clout"
    assert "sponsor_levels.cfo.clout" in str(e)
    assert "cfo" in e.message
    assert str(e).startswith(e.file)


def test_unknown_leaf_and_bad_index(baseline):
    with pytest.raises(progsurv.ScenarioError, match="patience.threshold.mediann"):
        baseline.with_values({"patience.threshold.mediann": 3})
    with pytest.raises(progsurv.ScenarioError, match="phases.7.value") as info:
        baseline.with_values({"phases.7.value": 1})
    assert info.value.key == "phases.7.value"


def test_invalid_value_names_path(baseline):
    with pytest.raises(progsurv.ScenarioError) as info:
        baseline.with_values({"patience.cancel_prob": 1.5})
    assert info.value.key == "patience.cancel_prob"
    assert "[0, 1]" in str(info.value)


def test_unconvertible_value_type(baseline):
    with pytest.raises(TypeError, match="patience.grace"):
        baseline.with_values({"patience.grace": object()})
    with pytest.raises(TypeError, match="key paths are strings"):
        baseline.with_values({3: 1})


def test_parse_error_position():
    text = "name: x\nhorizon: -3\n"
    with pytest.raises(progsurv.ScenarioError) as info:
        progsurv.Scenario.from_yaml(text, source="mine.yaml")
    e = info.value
    assert (e.file, e.line, e.key) == ("mine.yaml", 2, "horizon")
    assert e.column > 0
    assert str(e).startswith("mine.yaml:2:")


def test_load_missing_file(tmp_path):
    missing = tmp_path / "nope.yaml"
    with pytest.raises(progsurv.ScenarioError) as info:
        progsurv.Scenario.load(missing)
    assert info.value.file == str(missing)
    assert "cannot read" in str(info.value)
