"""progsurv.exact(): the exact solver from Python, against the Monte Carlo run."""
import numpy as np
import pytest

import progsurv

MARKOV = """
name: markov
horizon: 36
grid: {step: 3}
sponsor_levels:
  vp: {tenure: {dist: exponential, mean: 20}, clout: 0.5, approval: 0.8}
sponsor: vp
succession: {vacancy: {dist: exponential, mean: 2}, adoption: 0.5}
silos:
  a: {pickup: {dist: exponential, mean: 1}, break_prob: 0.3}
  b: {pickup: {dist: exponential, mean: 1.5}, break_prob: 0.2}
escalation: {delay: {dist: exponential, mean: 1}, max_attempts: 2}
phases:
  - {continue_prob: 0.8, steps: [{silo: a, work: {dist: exponential, mean: 3}},
                                 {silo: b, work: {dist: gamma, shape: 2, scale: 1.5}}]}
  - {steps: [{silo: b, work: {dist: exponential, mean: 4}}]}
patience: {model: hazard, rate: 0.02, grace: 6}
"""


def test_exact_matches_monte_carlo():
    scenario = progsurv.Scenario.from_yaml(MARKOV)
    exact = progsurv.exact(scenario)
    assert exact.exact
    mc = progsurv.run(scenario, replications=100_000, seed=3)
    for k in progsurv.CATEGORIES:
        e = np.asarray(exact.curve(k))[:, 0]
        m = np.asarray(mc.curve(k))
        # Within 5 standard errors of the Monte Carlo estimate at every grid point.
        se = np.sqrt(np.maximum(m[:, 0] * (1 - m[:, 0]), 1e-12) / 100_000)
        assert np.all(np.abs(m[:, 0] - e) <= 5 * se + 1e-9), k
    total = sum(np.asarray(exact.curve(k))[:, 0] for k in progsurv.CATEGORIES)
    np.testing.assert_allclose(total, 1.0, atol=1e-9)


def test_exact_refuses_non_markovian(baseline):
    with pytest.raises(progsurv.ScenarioError) as err:
        progsurv.exact(baseline)
    assert "pert" in str(err.value)
    assert "budget" in str(err.value)
    assert progsurv._core.markov_violations(baseline)


def test_exact_file_round_trip(tmp_path):
    exact = progsurv.exact(progsurv.Scenario.from_yaml(MARKOV))
    path = tmp_path / "exact.h5"
    exact.to_hdf5(path)
    back = progsurv.load(path)
    assert back.exact
    np.testing.assert_array_equal(
        np.asarray(back.curve("completed")), np.asarray(exact.curve("completed"))
    )
