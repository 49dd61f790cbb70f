"""Rules 14-17 from Python: the new per-replication columns, the Result properties and the
summary lines in words (docs/model.md, rules 14-17)."""
import pytest

import progsurv
from conftest import SCENARIOS

N = 5_000


@pytest.fixture(scope="module")
def phase_two():
    return progsurv.run(str(SCENARIOS / "phase-two.yaml"), replications=N, seed=2,
                        keep_replications=True)


def test_deferral_columns_and_properties(phase_two):
    rec = phase_two.records()
    for column in ("rungs", "deferrals", "deferred_value", "reengagements"):
        assert column in rec.columns
    started = rec[rec["outcome"] != "not_started"]
    share, se = phase_two.deferred_share
    assert share == pytest.approx((started["deferrals"] > 0).mean(), abs=1e-12)
    assert 0.0 < share < 1.0 and se > 0.0
    value, _ = phase_two.deferred_value
    assert value == pytest.approx(started["deferred_value"].mean(), abs=1e-12)
    assert phase_two.rungs[0] == pytest.approx(started["rungs"].mean(), abs=1e-12)
    assert "rungs" in phase_two.counts().index
    text = phase_two.summary()
    assert "of started programmes deferred scope;" in text
    assert "of value per started programme deferred and never delivered" in text


def test_steering_committee_has_fewer_sponsor_exits():
    committee = progsurv.Scenario.load(str(SCENARIOS / "steering-committee.yaml"))
    with_seats = progsurv.run(committee, replications=N, seed=4)
    alone = progsurv.run(committee.with_values({"co_sponsors": []}), replications=N, seed=4)
    exits = progsurv.CAUSES.index("sponsor_exit")
    assert with_seats.cause_share[exits][0] < alone.cause_share[exits][0]


def test_baseline_has_none_of_them(baseline):
    r = progsurv.run(baseline, replications=2000, seed=1)
    assert r.deferred_share[0] == 0.0
    assert r.reengagements[0] == 0.0
    assert r.rungs[0] > 0.0  # the sponsor's escalation trials
