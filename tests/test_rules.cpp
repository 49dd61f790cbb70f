// One behavioural test (or more) per rule 1-13 of docs/model.md, single-programme mode: each
// fails when its rule is misread. Fixed durations and probabilities 0 or 1 make most of them
// deterministic, so the expected record is worked out by hand in the comment above each check;
// the few statistical ones state their power. docs/validation.md maps rules to these tests
// (rules 14-17 are tested with their implementation).
#include <gtest/gtest.h>

#include <cmath>
#include <utility>
#include <vector>

#include "progsurv/engine/replication.hpp"
#include "progsurv/engine/summary.hpp"
#include "scenario_builder.hpp"

using namespace progsurv;
using progsurv::testing::simple_scenario;

namespace {

constexpr double kExact = 1e-9;  // sums of a few exact binary fractions

// `steps` steps alternating between `silos` silos, each of fixed `work` months; one level
// "vp" in post for ever, clout 0.5; nothing can end the programme but its own completion.
Scenario fixed_scenario(int steps = 1, int silos = 1, double work = 5.0) {
  Scenario s = simple_scenario(steps, silos);
  for (auto& st : s.phases[0].steps) st.work = Distribution::fixed(work);
  s.finalize();
  return s;
}

void add_phase(Scenario& s, double work, double value) {
  Phase ph = s.phases[0];
  ph.name = "phase" + std::to_string(s.phases.size());
  ph.value = value;
  for (auto& st : ph.steps) st.work = Distribution::fixed(work);
  s.phases.push_back(ph);
}

ReplicationRecord one(const Scenario& s, std::uint64_t replication = 0) {
  return simulate_replication(s, 1, replication);
}

double bucket(const ReplicationRecord& r, TimeBucket b) { return r.time[static_cast<int>(b)]; }

// A budget that squeezes every `every` months and then always cuts an unprotected programme.
void harsh_budget(Scenario& s, double every = 6.0) { s.budget = {true, every, 1.0, 1.0}; }

// Reviews every `every` months against a fixed threshold theta, cut at once when overdue.
void fixed_patience(Scenario& s, double theta, double every) {
  s.patience.model = PatienceModel::Reviews;
  s.patience.threshold = Distribution::fixed(theta);
  s.patience.review_every = every;
  s.patience.cancel_prob = 1.0;
}

// A sponsor who leaves after a fixed (full) tenure; successors do the same.
void fixed_tenure(Scenario& s, double tenure, double vacancy, double adoption) {
  s.levels[0].tenure = Distribution::fixed(tenure);
  s.initial_sponsor = InitialSponsor::Fresh;
  s.succession.vacancy = Distribution::fixed(vacancy);
  s.succession.adoption = adoption;
}

// ---- rule 1: proposal and approval -------------------------------------------------------

TEST(Rule01Approval, RefusedProposalIsNotStartedAtTheDecision) {
  Scenario s = fixed_scenario();
  s.scoping = Distribution::fixed(2.0);
  s.levels[0].approval = 0.0;
  s.finalize();
  const auto r = one(s);
  EXPECT_EQ(r.outcome, Outcome::NotStarted);
  EXPECT_EQ(r.end_time, 2.0);
  EXPECT_EQ(bucket(r, TimeBucket::Scoping), 2.0);
  s.levels[0].approval = 1.0;
  s.finalize();
  EXPECT_EQ(one(s).outcome, Outcome::Completed);
  EXPECT_EQ(one(s).end_time, 7.0);
}

// The level mix: 20,000 draws at share 0.25 have a standard error of 0.0031; a mix read
// the other way round (0.75) is 160 standard errors away.
TEST(Rule01Approval, SponsorLevelFollowsTheMix) {
  Scenario s = fixed_scenario();
  SponsorLevel director = s.levels[0];
  director.name = "director";
  s.levels.push_back(director);
  s.sponsor.level = {0, 1};
  s.sponsor.prob = {0.25, 0.75};
  s.finalize();
  const int n = 20000;
  int first = 0;
  for (int i = 0; i < n; ++i) first += one(s, static_cast<std::uint64_t>(i)).initial_level == 0;
  EXPECT_NEAR(first / static_cast<double>(n), 0.25, 4 * std::sqrt(0.25 * 0.75 / n));
}

// ---- rule 2: the initial sponsor's remaining tenure --------------------------------------

// A fixed tenure of 10 has residual life uniform on [0, 10]; a Weibull tenure of shape 2 and
// scale 10 has residual CDF P(1/2, (x/10)^2) = erf(x/10). Against 5 months of work and
// adoption 0, P(completed) is 1 - 5/10 = 0.5 and 1 - erf(0.5) = 0.4795. A full tenure
// instead gives 1 and exp(-0.25) = 0.7788; with n = 4000 the standard error is 0.008, so
// either misreading is more than 25 standard errors away.
Scenario residual_scenario(const Distribution& tenure) {
  Scenario s = fixed_scenario(1, 1, 5.0);
  s.levels[0].tenure = tenure;
  s.initial_sponsor = InitialSponsor::Residual;
  s.succession.adoption = 0.0;
  s.finalize();
  return s;
}

TEST(Rule02InitialTenure, ResidualLifeOfNonExponentialTenures) {
  const int n = 4000;
  const std::pair<Distribution, double> cases[] = {
      {Distribution::fixed(10.0), 0.5}, {Distribution::weibull(2.0, 10.0), 1.0 - std::erf(0.5)}};
  for (const auto& [tenure, want] : cases) {
    const Scenario s = residual_scenario(tenure);
    int completed = 0;
    double exit_sum = 0.0;
    for (int i = 0; i < n; ++i) {
      const auto r = one(s, static_cast<std::uint64_t>(i));
      if (r.outcome == Outcome::Completed) {
        ++completed;
        EXPECT_EQ(r.end_time, 5.0);
      } else {
        ASSERT_EQ(r.cause, Cause::SponsorExit);
        ASSERT_LT(r.end_time, 5.0);
        exit_sum += r.end_time;
      }
    }
    EXPECT_NEAR(completed / static_cast<double>(n), want, 4 * std::sqrt(want * (1 - want) / n));
    if (tenure.kind() == DistKind::Fixed) {
      // Exits before 5 are uniform on [0, 5]: mean 2.5, standard error 1.44 / sqrt(2000).
      EXPECT_NEAR(exit_sum / (n - completed), 2.5, 4 * 1.45 / std::sqrt(n - completed));
    }
  }
  // `fresh`: a full fixed tenure of 10 outlasts the work every time.
  Scenario fresh = residual_scenario(Distribution::fixed(10.0));
  fresh.initial_sponsor = InitialSponsor::Fresh;
  fresh.finalize();
  for (std::uint64_t i = 0; i < 50; ++i) EXPECT_EQ(one(fresh, i).outcome, Outcome::Completed);
}

// ---- rule 3: sponsor exit, vacancy, adoption, successor ----------------------------------

// Tenure 4, vacancy 3, adopted: exits at 4 and 11, vacant 4-7 and 11-14. Work of 10 months
// progresses 4 + 4 by t = 11 and finishes at 16; a clock running through the vacancies
// would finish at 10.
TEST(Rule03SponsorExit, ProgressClocksFreezeThroughAVacancy) {
  Scenario s = fixed_scenario(1, 1, 10.0);
  fixed_tenure(s, 4.0, 3.0, 1.0);
  s.finalize();
  const auto r = one(s);
  EXPECT_EQ(r.outcome, Outcome::Completed);
  EXPECT_EQ(r.end_time, 16.0);
  EXPECT_EQ(r.sponsor_changes, 2);
  EXPECT_EQ(bucket(r, TimeBucket::Vacant), 6.0);
  EXPECT_EQ(bucket(r, TimeBucket::Working), 10.0);
}

TEST(Rule03SponsorExit, NotAdoptedEndsWhenTheVacancyEnds) {
  Scenario s = fixed_scenario(1, 1, 10.0);
  fixed_tenure(s, 4.0, 3.0, 0.0);
  s.finalize();
  const auto r = one(s);
  EXPECT_EQ(r.cause, Cause::SponsorExit);
  EXPECT_EQ(r.end_time, 7.0);
  EXPECT_EQ(r.sponsor_changes, 1);
}

// Residual first tenure e1 in (0, 10), then full tenures of 10 and vacancies of 1: 100
// months of work see exits at progress e1, e1 + 10, ..., e1 + 90 (ten) and end at 110.
// A full first tenure would give nine exits and 109; a residual successor tenure more.
TEST(Rule03SponsorExit, SuccessorsDrawAFullTenure) {
  Scenario s = fixed_scenario(1, 1, 100.0);
  s.levels[0].tenure = Distribution::fixed(10.0);
  s.initial_sponsor = InitialSponsor::Residual;
  s.succession.vacancy = Distribution::fixed(1.0);
  s.finalize();
  for (std::uint64_t i = 0; i < 20; ++i) {
    const auto r = one(s, i);
    EXPECT_EQ(r.sponsor_changes, 10) << i;
    EXPECT_NEAR(r.end_time, 110.0, kExact) << i;
    EXPECT_NEAR(bucket(r, TimeBucket::Vacant), 10.0, kExact) << i;
  }
}

// The successor's level: vp resources take 1 month, director's 5. The vp leaves at 2
// (phase 0 work, 1-3) and a director adopts at once: phase 1 waits 5 (3-8), works 8-10.
TEST(Rule03SponsorExit, SuccessorLevelFromTheMix) {
  Scenario s = fixed_scenario(1, 1, 2.0);
  add_phase(s, 2.0, 1.0);
  s.levels[0].resource_delay = Distribution::fixed(1.0);
  SponsorLevel director = s.levels[0];
  director.name = "director";
  director.tenure = Distribution::never();
  director.resource_delay = Distribution::fixed(5.0);
  s.levels.push_back(director);
  fixed_tenure(s, 2.0, 0.0, 1.0);
  s.succession.successor_same = false;
  s.succession.successor.level = {1};
  s.succession.successor.prob = {1.0};
  s.finalize();
  const auto r = one(s);
  EXPECT_EQ(r.outcome, Outcome::Completed);
  EXPECT_EQ(r.end_time, 10.0);
  s.succession.successor_same = true;  // the vp's successor: resources 1, then exit at 4
  s.finalize();
  EXPECT_EQ(one(s).end_time, 6.0);
}

// ---- rule 4: resources before each phase -------------------------------------------------

TEST(Rule04Resources, WaitBeforeEveryPhase) {
  Scenario s = fixed_scenario(1, 1, 3.0);
  add_phase(s, 3.0, 1.0);
  s.levels[0].resource_delay = Distribution::fixed(2.0);
  s.finalize();
  const auto r = one(s);
  EXPECT_EQ(r.end_time, 10.0);
  EXPECT_EQ(bucket(r, TimeBucket::Resources), 4.0);
}

// ---- rule 5: work, handoffs, escalation --------------------------------------------------

void fixed_pickups(Scenario& s, double pickup, double break_prob) {
  for (auto& silo : s.silos) {
    silo.pickup = Distribution::fixed(pickup);
    silo.break_prob = break_prob;
  }
}

TEST(Rule05Handoffs, PickupOnlyWhereTheSiloChanges) {
  Scenario crossing = fixed_scenario(3, 2, 2.0);  // silos 0, 1, 0: two handoffs
  fixed_pickups(crossing, 1.0, 0.0);
  crossing.finalize();
  const auto r = one(crossing);
  EXPECT_EQ(r.end_time, 8.0);
  EXPECT_EQ(r.handoffs, 2);
  EXPECT_EQ(bucket(r, TimeBucket::Pickup), 2.0);
  Scenario within = fixed_scenario(3, 1, 2.0);
  fixed_pickups(within, 1.0, 0.0);
  within.finalize();
  EXPECT_EQ(one(within).end_time, 6.0);
  EXPECT_EQ(one(within).handoffs, 0);
}

TEST(Rule05Handoffs, BreakWithoutEscalationEndsAtThePickup) {
  Scenario s = fixed_scenario(2, 2, 2.0);
  fixed_pickups(s, 1.0, 1.0);
  s.escalation.max_attempts = 0;
  s.finalize();
  const auto r = one(s);
  EXPECT_EQ(r.cause, Cause::HandoffFailure);
  EXPECT_EQ(r.end_time, 3.0);
  EXPECT_EQ(r.breaks, 1);
  EXPECT_EQ(r.escalations, 0);
}

TEST(Rule05Handoffs, EscalationRetriesUpToMaxAttempts) {
  Scenario s = fixed_scenario(2, 2, 2.0);
  fixed_pickups(s, 1.0, 1.0);
  s.escalation.delay = Distribution::fixed(4.0);
  s.escalation.max_attempts = 3;
  s.levels[0].clout = 0.0;  // every trial fails: 2 + 1 + 3 * 4
  s.finalize();
  auto r = one(s);
  EXPECT_EQ(r.cause, Cause::HandoffFailure);
  EXPECT_EQ(r.end_time, 15.0);
  EXPECT_EQ(r.escalations, 3);
  s.levels[0].clout = 1.0;  // the first trial succeeds: 2 + 1 + 4 + 2
  s.finalize();
  r = one(s);
  EXPECT_EQ(r.outcome, Outcome::Completed);
  EXPECT_EQ(r.end_time, 9.0);
  EXPECT_EQ(r.escalations, 1);
  EXPECT_EQ(bucket(r, TimeBucket::Escalating), 4.0);
}

// Work 0-1, pickup 1-2 (breaks), escalation 2-6 under clout 1; the sponsor's attention
// lapses at 3 and a disengaged sponsor lends clout 0. Judged when the delay ends (clout 0)
// the escalation fails at 6; judged with the clout at its start it would succeed (done at 7).
TEST(Rule05Handoffs, EscalationJudgedWithTheCloutWhenTheDelayEnds) {
  Scenario s = fixed_scenario(2, 2, 1.0);
  fixed_pickups(s, 1.0, 1.0);
  s.escalation.delay = Distribution::fixed(4.0);
  s.escalation.max_attempts = 1;
  s.levels[0].clout = 1.0;
  s.disengaged.clout = 0.0;
  s.finalize();
  EXPECT_EQ(one(s).end_time, 7.0);  // attention never lapses: succeeds
  s.levels[0].attention_lapse = Distribution::fixed(3.0);
  s.finalize();
  const auto r = one(s);
  EXPECT_EQ(r.cause, Cause::HandoffFailure);
  EXPECT_EQ(r.end_time, 6.0);
  EXPECT_EQ(r.disengagements, 1);
}

// ---- rule 6: phase gate ------------------------------------------------------------------

TEST(Rule06Gate, FailedGateKeepsTheBankedValue) {
  Scenario s = fixed_scenario(1, 1, 5.0);
  s.phases[0].value = 3.0;
  add_phase(s, 5.0, 5.0);
  s.phases[0].continue_prob = 0.0;
  s.finalize();
  auto r = one(s);
  EXPECT_EQ(r.cause, Cause::PhaseGate);
  EXPECT_EQ(r.end_time, 5.0);
  EXPECT_EQ(r.phases_delivered, 1);
  EXPECT_EQ(r.value, 3.0);
  s.phases[0].continue_prob = 1.0;
  s.finalize();
  r = one(s);
  EXPECT_EQ(r.outcome, Outcome::Completed);
  EXPECT_EQ(r.phases_delivered, 2);
  EXPECT_EQ(r.value, 8.0);
}

// ---- rule 7: patience reviews ------------------------------------------------------------

// theta = 6, reviews every 3, no visible result for 20 months: at t = 6, g = 6 = theta * m
// is not overdue (strict); at 9 it is.
TEST(Rule07Patience, OverdueIsStrictAtExactlyThetaTimesM) {
  Scenario s = fixed_scenario(1, 1, 20.0);
  fixed_patience(s, 6.0, 3.0);
  s.finalize();
  auto r = one(s);
  EXPECT_EQ(r.cause, Cause::Patience);
  EXPECT_EQ(r.end_time, 9.0);
  // The level's multiplier scales theta: 3 * 2 = 6, the same tie.
  fixed_patience(s, 3.0, 3.0);
  s.levels[0].patience_multiplier = 2.0;
  s.finalize();
  r = one(s);
  EXPECT_EQ(r.end_time, 9.0);
}

// A phase delivered at the instant of a review (t = 6) counts for that review: with
// theta = 5 the programme survives it and is cut at 12 (g = 6), not at 6.
TEST(Rule07Patience, DeliveryAtAReviewCountsForThatReview) {
  Scenario s = fixed_scenario(1, 1, 6.0);
  add_phase(s, 20.0, 1.0);
  fixed_patience(s, 5.0, 3.0);
  s.finalize();
  const auto r = one(s);
  EXPECT_EQ(r.cause, Cause::Patience);
  EXPECT_EQ(r.end_time, 12.0);
  EXPECT_EQ(r.phases_delivered, 1);
}

TEST(Rule07Patience, GraceAndCancelProb) {
  Scenario s = fixed_scenario(1, 1, 20.0);
  fixed_patience(s, 1.0, 3.0);
  s.finalize();
  EXPECT_EQ(one(s).end_time, 3.0);
  s.patience.grace = 10.0;  // no cut before 10: the review at 12
  s.finalize();
  EXPECT_EQ(one(s).end_time, 12.0);
  s.patience.cancel_prob = 0.0;  // overdue reviews never cut
  s.finalize();
  EXPECT_EQ(one(s).outcome, Outcome::Completed);
}

// Vacant 4-14 (tenure 4, vacancy 10): theta 6 times vacancy_multiplier 0.5 tolerates 3
// months, so the review at 6 cuts; with 10 it tolerates 60 during the vacancy and, the
// successor's 6 again from 14, the first overdue review is at 15 (progress froze, so g
// runs on calendar time).
TEST(Rule07Patience, VacancyMultiplierWhileThePostIsEmpty) {
  Scenario s = fixed_scenario(1, 1, 20.0);
  fixed_tenure(s, 4.0, 10.0, 1.0);
  fixed_patience(s, 6.0, 3.0);
  s.patience.vacancy_multiplier = 0.5;
  s.finalize();
  EXPECT_EQ(one(s).end_time, 6.0);
  s.patience.vacancy_multiplier = 10.0;
  s.finalize();
  EXPECT_EQ(one(s).end_time, 15.0);
}

// ---- rule 8: budget cycles ---------------------------------------------------------------

TEST(Rule08Budget, CutProbabilityIsReducedByClout) {
  Scenario s = fixed_scenario(1, 1, 20.0);
  harsh_budget(s);
  s.levels[0].clout = 1.0;  // cut_prob * (1 - 1) = 0
  s.finalize();
  EXPECT_EQ(one(s).outcome, Outcome::Completed);
  s.levels[0].clout = 0.0;
  s.finalize();
  const auto r = one(s);
  EXPECT_EQ(r.cause, Cause::BudgetCut);
  EXPECT_EQ(r.end_time, 6.0);
}

TEST(Rule08Budget, NoCloutWhileVacantOrDisengaged) {
  Scenario s = fixed_scenario(1, 1, 20.0);
  harsh_budget(s);
  s.levels[0].clout = 1.0;
  fixed_tenure(s, 4.0, 10.0, 1.0);  // vacant 4-14: the squeeze at 6 finds clout 0
  s.finalize();
  EXPECT_EQ(one(s).cause, Cause::BudgetCut);
  EXPECT_EQ(one(s).end_time, 6.0);
  Scenario d = fixed_scenario(1, 1, 20.0);
  harsh_budget(d);
  d.levels[0].clout = 1.0;
  d.levels[0].attention_lapse = Distribution::fixed(2.0);
  d.disengaged.clout = 0.0;
  d.finalize();
  EXPECT_EQ(one(d).cause, Cause::BudgetCut);
  EXPECT_EQ(one(d).end_time, 6.0);
}

TEST(Rule08Budget, SqueezesBeforeTheStartDoNotTouchTheProgramme) {
  Scenario s = fixed_scenario(1, 1, 20.0);
  harsh_budget(s);
  s.levels[0].clout = 0.0;
  s.scoping = Distribution::fixed(7.0);
  s.finalize();
  EXPECT_EQ(one(s).end_time, 12.0);
  s.scoping = Distribution::fixed(6.0);  // one at exactly S applies
  s.finalize();
  EXPECT_EQ(one(s).end_time, 6.0);
}

// ---- rule 9: customer follow-up ----------------------------------------------------------

// An engage phase whose follow-up takes a fixed time; a late one halves trust.
Scenario customer_scenario(double follow_up, double window, double work = 10.0) {
  Scenario s = fixed_scenario(1, 1, work);
  s.phases[0].engage = true;
  s.customers.follow_up = Distribution::fixed(follow_up);
  s.customers.follow_up_window = window;
  s.customers.trust_loss = 0.5;
  s.finalize();
  return s;
}

TEST(Rule09FollowUp, OnTimeUpToTheWindowInclusive) {
  EXPECT_EQ(one(customer_scenario(3.0, 3.0)).customer_trust, 1.0);
  EXPECT_EQ(one(customer_scenario(3.0, 2.5)).customer_trust, 0.5);
}

// Given at 0, due after 3 months of progress; the sponsor leaves at 2 and the post is
// vacant until 4, so it is delivered at 5: late against a window of 4 (calendar months).
TEST(Rule09FollowUp, DelayFreezesButTheWindowIsCalendarTime) {
  Scenario s = customer_scenario(3.0, 4.0);
  fixed_tenure(s, 2.0, 2.0, 1.0);
  s.finalize();
  EXPECT_EQ(one(s).customer_trust, 0.5);
  s.customers.follow_up_window = 5.0;
  s.finalize();
  EXPECT_EQ(one(s).customer_trust, 1.0);
}

TEST(Rule09FollowUp, PendingFollowUpsAtTheEnd) {
  // Cut at 6 by the budget with the follow-up due at 30: late.
  Scenario cut = customer_scenario(30.0, 40.0, 20.0);
  harsh_budget(cut);
  cut.levels[0].clout = 0.0;
  cut.finalize();
  EXPECT_EQ(one(cut).cause, Cause::BudgetCut);
  EXPECT_EQ(one(cut).customer_trust, 0.5);
  // Completed at 1 with the follow-up due at 8: delivered then, on time in a window of 8,
  // late in a window of 7.
  EXPECT_EQ(one(customer_scenario(8.0, 8.0, 1.0)).customer_trust, 1.0);
  EXPECT_EQ(one(customer_scenario(8.0, 7.0, 1.0)).customer_trust, 0.5);
  // Running at the horizon (20): late only when the window has already passed.
  Scenario running = customer_scenario(30.0, 25.0, 100.0);
  running.horizon = 20.0;
  running.grid = {0.0, 20.0};
  running.finalize();
  EXPECT_EQ(one(running).outcome, Outcome::Running);
  EXPECT_EQ(one(running).customer_trust, 1.0);
  running.customers.follow_up_window = 19.0;
  running.finalize();
  EXPECT_EQ(one(running).customer_trust, 0.5);
}

// Rules 9 and 13: resources 0-1, recruitment 1-5, the customers give their time at 5 and
// hear back at 8, within a window of 3.5 measured from 5 (not from the phase's start).
TEST(Rule09FollowUp, WindowStartsWhenTheCustomersGiveTheirTime) {
  Scenario s = customer_scenario(3.0, 3.5);
  s.levels[0].resource_delay = Distribution::fixed(1.0);
  s.customers.recruitment = Distribution::fixed(4.0);
  s.finalize();
  const auto r = one(s);
  EXPECT_EQ(r.customer_trust, 1.0);
  EXPECT_EQ(r.end_time, 15.0);
  EXPECT_EQ(bucket(r, TimeBucket::Recruiting), 4.0);
  s.customers.follow_up_window = 2.5;
  s.finalize();
  EXPECT_EQ(one(s).customer_trust, 0.5);
}

// ---- rule 10: horizon --------------------------------------------------------------------

TEST(Rule10Horizon, RunningIsCensoredAndEventsAtHCount) {
  Scenario s = fixed_scenario(1, 1, 20.0);
  s.horizon = 10.0;
  s.grid = {0.0, 10.0};
  s.finalize();
  auto r = one(s);
  EXPECT_EQ(r.outcome, Outcome::Running);
  EXPECT_EQ(r.end_time, 10.0);
  s.phases[0].steps[0].work = Distribution::fixed(10.0);
  s.finalize();
  r = one(s);
  EXPECT_EQ(r.outcome, Outcome::Completed);
  EXPECT_EQ(r.end_time, 10.0);
}

// ---- rule 11: scoping --------------------------------------------------------------------

TEST(Rule11Scoping, ExitDuringScopingKillsTheProposal) {
  Scenario s = fixed_scenario(1, 1, 2.0);
  s.scoping = Distribution::fixed(4.0);
  fixed_tenure(s, 3.0, 0.0, 1.0);
  s.finalize();
  auto r = one(s);
  EXPECT_EQ(r.outcome, Outcome::NotStarted);
  EXPECT_EQ(r.end_time, 3.0);
  EXPECT_EQ(r.sponsor_changes, 0);
  // An exit at the instant of approval comes after it: the programme starts, then goes
  // vacant (and, not adopted, ends).
  s.scoping = Distribution::fixed(3.0);
  s.succession.adoption = 0.0;
  s.finalize();
  r = one(s);
  EXPECT_EQ(r.cause, Cause::SponsorExit);
  EXPECT_EQ(r.end_time, 3.0);
  EXPECT_EQ(r.sponsor_changes, 1);
}

TEST(Rule11Scoping, ResourcesAndGraceStartAtS) {
  Scenario s = fixed_scenario(1, 1, 2.0);
  s.scoping = Distribution::fixed(4.0);
  s.levels[0].resource_delay = Distribution::fixed(1.0);
  s.finalize();
  EXPECT_EQ(one(s).end_time, 7.0);
  // theta 1, reviews monthly, grace 2 from S = 4.5: the first review that may cut is 7
  // (g = 2.5); with grace counted from t = 0 the review at 6 (g = 1.5) would cut.
  Scenario p = fixed_scenario(1, 1, 20.0);
  p.scoping = Distribution::fixed(4.5);
  fixed_patience(p, 1.0, 1.0);
  p.patience.grace = 2.0;
  p.finalize();
  EXPECT_EQ(one(p).end_time, 7.0);
}

// ---- rule 12: sponsor attention ----------------------------------------------------------

// theta 6, monthly reviews; the sponsor disengages at 2 and disengaged.patience 0.5 halves
// the tolerance to 3: cut at 4 (g = 4). Ignoring the factor would cut at 7.
TEST(Rule12Attention, DisengagedPatienceShortensTheTolerance) {
  Scenario s = fixed_scenario(1, 1, 20.0);
  fixed_patience(s, 6.0, 1.0);
  s.levels[0].attention_lapse = Distribution::fixed(2.0);
  s.disengaged.patience = 0.5;
  s.finalize();
  const auto r = one(s);
  EXPECT_EQ(r.cause, Cause::Patience);
  EXPECT_EQ(r.end_time, 4.0);
  EXPECT_EQ(r.disengagements, 1);
}

TEST(Rule12Attention, DisengagedApprovalAndResources) {
  Scenario s = fixed_scenario(1, 1, 1.0);
  s.scoping = Distribution::fixed(4.0);
  s.levels[0].attention_lapse = Distribution::fixed(2.0);
  s.disengaged.approval = 0.0;
  s.finalize();
  auto r = one(s);
  EXPECT_EQ(r.outcome, Outcome::NotStarted);
  EXPECT_EQ(r.end_time, 4.0);
  EXPECT_EQ(r.disengagements, 1);
  // A resource wait of 3 from 0; the sponsor disengages at 1 with 2 left, which take 4:
  // resources arrive at 5, work ends at 6.
  Scenario w = fixed_scenario(1, 1, 1.0);
  w.levels[0].resource_delay = Distribution::fixed(3.0);
  w.levels[0].attention_lapse = Distribution::fixed(1.0);
  w.disengaged.resources = 2.0;
  w.finalize();
  r = one(w);
  EXPECT_EQ(r.end_time, 6.0);
  EXPECT_EQ(bucket(r, TimeBucket::Resources), 5.0);
}

// Visible steps every 2 months redraw a lapse of 2.5, so the sponsor is engaged (clout 1)
// at the squeeze at 5 and the programme completes at 6. With only phases visible the
// sponsor lapses at 2.5 and the squeeze cuts. A lapse at the instant of a result (lapse 2)
// is voided by it: no disengagement at all.
TEST(Rule12Attention, VisibleResultsRedrawTheLapse) {
  Scenario s = fixed_scenario(3, 1, 2.0);
  harsh_budget(s, 5.0);
  s.levels[0].clout = 1.0;
  s.disengaged.clout = 0.0;
  s.levels[0].attention_lapse = Distribution::fixed(2.5);
  s.patience.visible = Visible::Steps;
  s.finalize();
  EXPECT_EQ(one(s).outcome, Outcome::Completed);
  EXPECT_EQ(one(s).end_time, 6.0);
  s.patience.visible = Visible::Phases;
  s.finalize();
  EXPECT_EQ(one(s).cause, Cause::BudgetCut);
  s.patience.visible = Visible::Steps;
  s.levels[0].attention_lapse = Distribution::fixed(2.0);
  s.finalize();
  const auto r = one(s);
  EXPECT_EQ(r.outcome, Outcome::Completed);
  EXPECT_EQ(r.disengagements, 0);
}

// ---- rule 13: customer access ------------------------------------------------------------

// Phase 0 recruits 0-2, its follow-up (1 month, window 0.5) is late at 3: trust 0.5.
// Phase 1 (resources 0) recruits 2 * (1 + 1 * (1 - 0.5)) = 3 months, 7-10, works 10-15.
TEST(Rule13CustomerAccess, LateFollowUpSlowsLaterRecruitment) {
  Scenario s = customer_scenario(1.0, 0.5, 5.0);
  add_phase(s, 5.0, 1.0);
  s.customers.recruitment = Distribution::fixed(2.0);
  s.customers.trust_effect = 1.0;
  s.finalize();
  const auto r = one(s);
  EXPECT_EQ(r.end_time, 15.0);
  EXPECT_EQ(bucket(r, TimeBucket::Recruiting), 5.0);
  EXPECT_EQ(r.customer_trust, 0.25);  // phase 1's follow-up (given at 10, due 11) late too
}

TEST(Rule13CustomerAccess, EndingWhileRecruitingTakesNoCustomerTime) {
  Scenario s = customer_scenario(1.0, 0.5, 5.0);
  s.customers.recruitment = Distribution::fixed(10.0);
  harsh_budget(s);
  s.levels[0].clout = 0.0;
  s.finalize();
  const auto r = one(s);
  EXPECT_EQ(r.cause, Cause::BudgetCut);
  EXPECT_EQ(r.end_time, 6.0);
  EXPECT_EQ(r.customer_trust, 1.0);
  EXPECT_EQ(bucket(r, TimeBucket::Recruiting), 6.0);
}

// ---- intervals ---------------------------------------------------------------------------

// wilson() against the quadratic's roots at z = 1.96 (to 1e-12); the same roots at z = 1.64
// differ from it by far more, so an engine at the wrong z fails here.
TEST(Intervals, WilsonMatchesAnIndependentComputation) {
  const std::pair<std::int64_t, std::int64_t> cases[] = {{1, 10},     {5, 10},        {81, 263},
                                                         {999, 1000}, {12345, 40000}, {3, 7}};
  for (const auto& [k, n] : cases) {
    const Estimate e = wilson(k, n);
    const auto [lo, hi] = progsurv::testing::wilson_roots(k, n, 1.959963984540054);
    EXPECT_NEAR(e.lower, lo, 1e-12) << k << "/" << n;
    EXPECT_NEAR(e.upper, hi, 1e-12) << k << "/" << n;
    const auto [lo90, hi90] = progsurv::testing::wilson_roots(k, n, 1.64);
    EXPECT_GT(std::abs(lo90 - lo) + std::abs(hi90 - hi), 1e-4) << k << "/" << n;
  }
  // 81 of 263 as scipy computes it (scipy.stats.binomtest(81, 263).proportion_ci(
  // method="wilson")); at 90% scipy gives (0.26331, 0.35657).
  EXPECT_NEAR(wilson(81, 263).lower, 0.2552885198782742, 1e-12);
  EXPECT_NEAR(wilson(81, 263).upper, 0.36620957698280004, 1e-12);
  // The ends: k = 0 has lower bound 0 and upper z^2 / (n + z^2).
  const double z2 = 1.959963984540054 * 1.959963984540054;
  EXPECT_EQ(wilson(0, 50).lower, 0.0);
  EXPECT_NEAR(wilson(0, 50).upper, z2 / (50 + z2), 1e-12);
}

// Sums over clusters of x, y, x^2, xy, y^2 for clusters given as (x, y) pairs.
ClusteredCounts cluster_sums(const std::vector<std::pair<int, int>>& clusters) {
  ClusteredCounts c;
  c.clusters = static_cast<std::int64_t>(clusters.size());
  for (const auto& [x, y] : clusters) {
    c.x += x;
    c.y += y;
    c.xx += x * x;
    c.xy += x * y;
    c.yy += y * y;
  }
  return c;
}

// A share of items in clusters: when each cluster's items all go one way, the clusters, not
// the items, are the sample; when each cluster has one item, it is Wilson's.
TEST(Intervals, ClusteredShareCountsClustersNotItems) {
  // 100 organisations of 10 programmes: half complete all ten, half none. R = 1/2, each
  // residual x - R y is +-5, so SE^2 = 100 * 2500 / 99 / 1000^2 and the effective size is
  // R (1 - R) / SE^2 = 99: the interval of 99 programmes, not of 1000.
  std::vector<std::pair<int, int>> all_or_none(50, {10, 10});
  all_or_none.insert(all_or_none.end(), 50, {0, 10});
  const ClusteredCounts c = cluster_sums(all_or_none);
  EXPECT_NEAR(clustered_ratio_se(c), std::sqrt(100.0 * 2500.0 / 99.0) / 1000.0, 1e-15);
  const Estimate e = clustered_share(c);
  const auto [lo, hi] = progsurv::testing::wilson_roots_at(0.5, 99.0, 1.959963984540054);
  EXPECT_EQ(e.estimate, 0.5);
  EXPECT_NEAR(e.lower, lo, 1e-12);
  EXPECT_NEAR(e.upper, hi, 1e-12);
  EXPECT_LT(e.lower, wilson(500, 1000).lower - 0.05);  // far wider than independent items'

  // One programme per organisation: SE^2 = R (1 - R) / (n - 1), so the effective size is n - 1.
  std::vector<std::pair<int, int>> single(30, {1, 1});
  single.insert(single.end(), 70, {0, 1});
  const Estimate s = clustered_share(cluster_sums(single));
  const auto [slo, shi] = progsurv::testing::wilson_roots_at(0.3, 99.0, 1.959963984540054);
  EXPECT_NEAR(s.lower, slo, 1e-12);
  EXPECT_NEAR(s.upper, shi, 1e-12);

  // Every organisation completes exactly half of its programmes: no spread between them, so
  // the interval is never narrower than that of the items taken as independent.
  const Estimate half = clustered_share(cluster_sums(std::vector<std::pair<int, int>>(40, {2, 4})));
  EXPECT_NEAR(half.lower, wilson(80, 160).lower, 1e-12);
  EXPECT_NEAR(half.upper, wilson(80, 160).upper, 1e-12);
  // None completes: [0, upper] of the items; one organisation: no spread to measure.
  const Estimate none = clustered_share(cluster_sums({{0, 3}, {0, 5}}));
  EXPECT_EQ(none.lower, 0.0);
  EXPECT_NEAR(none.upper, wilson(0, 8).upper, 1e-12);
  EXPECT_TRUE(std::isnan(clustered_ratio_se(cluster_sums({{1, 3}}))));
  EXPECT_TRUE(std::isnan(clustered_share(cluster_sums({{0, 0}, {0, 0}})).estimate));
}

}  // namespace
