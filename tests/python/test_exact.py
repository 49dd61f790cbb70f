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


SEATS = MARKOV.replace(
    "sponsor: vp\n",
    "sponsor: vp\nco_sponsors: [vp]\n",
).replace(
    "max_attempts: 2}",
    "max_attempts: 2,\n             ladder: [{delay: {dist: exponential, mean: 0.5}, "
    "clout: 0.2, go_up: 0.6}]}",
)


def test_exact_with_a_co_sponsor_and_a_ladder():
    # Rules 14-15 are in the chain: a co-sponsor outlasts some of the lead's exits, and an
    # attempt's trials (rungs) outnumber its attempts; the Monte Carlo agrees within 5 SE.
    seats = progsurv.exact(progsurv.Scenario.from_yaml(SEATS))
    alone = progsurv.exact(progsurv.Scenario.from_yaml(MARKOV))
    assert seats.curve("sponsor_exit")[-1][0] < alone.curve("sponsor_exit")[-1][0] - 0.01
    counts = seats.counts()
    assert counts.loc["rungs", "mean"] > counts.loc["escalations", "mean"] + 0.05
    mc = progsurv.run(progsurv.Scenario.from_yaml(SEATS), replications=100_000, seed=5)
    for k in progsurv.CATEGORIES:
        e = np.asarray(seats.curve(k))[:, 0]
        m = np.asarray(mc.curve(k))[:, 0]
        se = np.sqrt(np.maximum(m * (1 - m), 1e-12) / 100_000)
        assert np.all(np.abs(m - e) <= 5 * se + 1e-9), k
    assert abs(mc.rungs[0] - seats.rungs[0]) <= 5 * mc.rungs[1]


def test_exact_refuses_deferral_with_its_reason():
    """Refused where it can act (at squeezes that never cut, which alone the chain takes);
    accepted, and changing nothing, where no pressure event can happen."""
    deferring = SEATS.replace("- {continue_prob: 0.8,", "- {continue_prob: 0.8, deferrable: 0.5,")
    squeezed = "budget: {every: 12, squeeze_prob: 0.5, cut_prob: 0}\n"
    scenario = progsurv.Scenario.from_yaml(deferring + "deferral: {prob: 0.3}\n" + squeezed)
    with pytest.raises(progsurv.ScenarioError) as err:
        progsurv.exact(scenario)
    assert "deferral.prob: scope deferral happens at reviews and budget squeezes" in str(err.value)
    inert = progsurv.exact(progsurv.Scenario.from_yaml(deferring + "deferral: {prob: 0.3}\n"))
    without = progsurv.exact(progsurv.Scenario.from_yaml(deferring))
    assert inert.curves().equals(without.curves())
