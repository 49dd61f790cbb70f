// The direction of each of the three obstacles of rules 11-13 (docs/model.md): scoping
// before approval, sponsor attention and customer access. Monte Carlo with common random
// numbers; each comparison is far outside its sampling error.
#include <gtest/gtest.h>

#include <cmath>

#include "progsurv/engine/replication.hpp"
#include "scenario_builder.hpp"

using namespace progsurv;
using progsurv::testing::simple_scenario;

namespace {

constexpr int kReps = 20000;

struct Mix {
  double completed = 0, not_started = 0, patience = 0, handoff = 0, end_completed = 0;
  double disengagements = 0, recruiting = 0, scoping_time = 0, trust = 0;
};

Mix run(const Scenario& s, std::uint64_t seed = 7) {
  Mix m;
  int completed = 0;
  for (int r = 0; r < kReps; ++r) {
    const ReplicationRecord rec = simulate_replication(s, seed, static_cast<std::uint64_t>(r));
    double sum = 0;
    for (double t : rec.time) sum += t;
    EXPECT_NEAR(sum, rec.end_time, 1e-9 * (1 + rec.end_time)) << "buckets, replication " << r;
    if (rec.outcome == Outcome::Completed) {
      ++completed;
      m.end_completed += rec.end_time;
    }
    m.completed += rec.outcome == Outcome::Completed;
    m.not_started += rec.outcome == Outcome::NotStarted;
    m.patience += rec.cause == Cause::Patience;
    m.handoff += rec.cause == Cause::HandoffFailure;
    m.disengagements += rec.disengagements;
    m.recruiting += rec.time[static_cast<int>(TimeBucket::Recruiting)];
    m.scoping_time += rec.time[static_cast<int>(TimeBucket::Scoping)];
    m.trust += rec.customer_trust;
  }
  if (completed) m.end_completed /= completed;
  for (double* x : {&m.completed, &m.not_started, &m.patience, &m.handoff, &m.disengagements,
                    &m.recruiting, &m.scoping_time, &m.trust})
    *x /= kReps;
  return m;
}

// Rule 11: the longer the scoping, the more proposals die with their sponsor's exit, and
// the more so the shorter the sponsor's tenure.
TEST(Scoping, LongerScopingMeansMoreNotStartedMoreSoWithShortTenures) {
  auto make = [](double scoping, double tenure) {
    Scenario s = simple_scenario();
    s.scoping = Distribution::fixed(scoping);
    s.levels[0].tenure = Distribution::exponential(tenure);
    s.finalize();
    return s;
  };
  const double short_gain = run(make(6, 12)).not_started - run(make(1, 12)).not_started;
  const double long_gain = run(make(6, 60)).not_started - run(make(1, 60)).not_started;
  EXPECT_GT(short_gain, 0.25);  // 1 - e^{-6/12} - (1 - e^{-1/12}) = 0.31
  EXPECT_GT(long_gain, 0.05);   // 0.08
  EXPECT_GT(short_gain, long_gain + 0.15);
}

TEST(Scoping, NotStartedProposalsEndWhenTheyDie) {
  Scenario s = simple_scenario();
  s.scoping = Distribution::fixed(3.0);
  s.levels[0].approval = 0.0;
  s.finalize();
  for (int r = 0; r < 200; ++r) {
    const auto rec = simulate_replication(s, 1, static_cast<std::uint64_t>(r));
    ASSERT_EQ(rec.outcome, Outcome::NotStarted);
    EXPECT_EQ(rec.end_time, 3.0);
    EXPECT_EQ(rec.time[static_cast<int>(TimeBucket::Scoping)], 3.0);
  }
}

// A programme with handoffs that break, escalations that depend on clout, and a patience
// hazard: everything a disengaged sponsor weakens.
Scenario attention_scenario(double lapse_mean, bool visible_steps = false,
                            bool fixed_lapse = false) {
  Scenario s = simple_scenario(4, 2);
  for (auto& st : s.phases[0].steps) st.work = Distribution::exponential(3.0);
  s.silos[0].break_prob = s.silos[1].break_prob = 0.5;
  s.silos[0].pickup = s.silos[1].pickup = Distribution::exponential(1.0);
  s.escalation.delay = Distribution::exponential(1.0);
  s.escalation.max_attempts = 2;
  s.levels[0].clout = 0.7;
  s.levels[0].resource_delay = Distribution::exponential(2.0);
  s.patience.model = PatienceModel::Hazard;
  s.patience.rate = 0.03;
  s.patience.visible = visible_steps ? Visible::Steps : Visible::Phases;
  s.levels[0].attention_lapse = lapse_mean <= 0 ? Distribution::never()
                                : fixed_lapse   ? Distribution::fixed(lapse_mean)
                                                : Distribution::exponential(lapse_mean);
  s.disengaged = {0.3, 0.4, 2.0, 1.0};
  s.finalize();
  return s;
}

// Rule 12: a faster lapse of attention means fewer completions, and more programmes cut
// for patience or lost at a broken handoff.
TEST(Attention, FasterLapseMeansFewerCompletionsMorePatienceAndHandoffFailures) {
  const Mix never = run(attention_scenario(0)), slow = run(attention_scenario(12)),
            fast = run(attention_scenario(2));
  EXPECT_EQ(never.disengagements, 0.0);
  EXPECT_GT(fast.disengagements, slow.disengagements);
  EXPECT_LT(fast.completed, slow.completed - 0.03);
  EXPECT_LT(slow.completed, never.completed);
  EXPECT_GT(fast.patience, slow.patience + 0.02);
  EXPECT_GT(fast.handoff, slow.handoff + 0.02);
}

// Visible steps go back to the sponsor with evidence often enough to keep them engaged: a
// sponsor whose attention lasts four months is re-engaged at every step, and the programme
// completes more often. (Patience here is a hazard, which visibility does not touch: without
// lapses, steps and phases give the same programmes exactly.)
TEST(Attention, VisibleStepsKeepSponsorsEngaged) {
  const Mix phases = run(attention_scenario(4, false, true)),
            steps = run(attention_scenario(4, true, true));
  EXPECT_GT(steps.completed, phases.completed + 0.02);
  EXPECT_LT(steps.patience, phases.patience);
  const Mix phases_never = run(attention_scenario(0, false)),
            steps_never = run(attention_scenario(0, true));
  EXPECT_EQ(steps_never.completed, phases_never.completed);
}

// A disengaged sponsor at the end of scoping commits budget less readily.
TEST(Attention, LapseDuringScopingLowersApproval) {
  Scenario s = simple_scenario();
  s.scoping = Distribution::fixed(6.0);
  s.levels[0].attention_lapse = Distribution::exponential(3.0);
  s.disengaged.approval = 0.5;
  s.finalize();
  Scenario attentive = s;
  attentive.levels[0].attention_lapse = Distribution::never();
  attentive.finalize();
  // P(disengaged by 6) = 1 - e^{-2} = 0.865; half of those are refused.
  EXPECT_NEAR(run(s).not_started, 0.5 * (1 - std::exp(-2.0)), 0.015);
  EXPECT_EQ(run(attentive).not_started, 0.0);
}

Scenario customer_scenario(double recruitment_mean, double first_follow_up, double trust_effect) {
  Scenario s = simple_scenario();
  s.phases.resize(3);
  for (int i = 0; i < 3; ++i) {
    s.phases[static_cast<std::size_t>(i)] = s.phases[0];
    s.phases[static_cast<std::size_t>(i)].name = "phase" + std::to_string(i);
    s.phases[static_cast<std::size_t>(i)].engage = i != 1;
    s.phases[static_cast<std::size_t>(i)].steps[0].work = Distribution::exponential(3.0);
  }
  s.customers.follow_up = Distribution::fixed(first_follow_up);
  s.customers.follow_up_window = 3.0;
  s.customers.trust_loss = 0.6;
  s.customers.recruitment =
      recruitment_mean > 0 ? Distribution::exponential(recruitment_mean) : Distribution::fixed(0);
  s.customers.trust_effect = trust_effect;
  s.finalize();
  return s;
}

// Rule 13: slower recruitment, later completions.
TEST(CustomerAccess, SlowerRecruitmentMeansLaterCompletions) {
  const Mix none = run(customer_scenario(0, 1, 0)), slow = run(customer_scenario(3, 1, 0));
  EXPECT_EQ(none.recruiting, 0.0);
  EXPECT_GT(slow.recruiting, 5.0);  // two engage phases, 3 months each on average
  EXPECT_GT(slow.end_completed, none.end_completed + 5.0);
}

// A late follow-up in phase 1 lowers trust, which slows recruitment in phase 3 when
// trust_effect > 0 (and not otherwise).
TEST(CustomerAccess, LateFollowUpSlowsLaterRecruitmentThroughTrust) {
  const double on_time = run(customer_scenario(2, 1, 2)).recruiting;
  const double late = run(customer_scenario(2, 3.5, 2)).recruiting;
  const double late_no_effect = run(customer_scenario(2, 3.5, 0)).recruiting;
  const double on_time_no_effect = run(customer_scenario(2, 1, 0)).recruiting;
  EXPECT_GT(late, on_time + 0.5);
  EXPECT_NEAR(late_no_effect, on_time_no_effect, 1e-12);  // common random numbers
}

}  // namespace
