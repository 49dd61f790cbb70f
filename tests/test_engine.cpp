// Each mechanism of docs/model.md moves outcomes the way the model says it should.
#include <gtest/gtest.h>

#include <cmath>
#include <thread>

#include "progsurv/engine/cancel.hpp"
#include "progsurv/engine/run.hpp"
#include "scenario_builder.hpp"

using namespace progsurv;
using progsurv::testing::closed_form_scenario;
using progsurv::testing::simple_scenario;

namespace {

RunResult run_n(const Scenario& s, std::int64_t n, std::uint64_t seed = 1, int threads = 2) {
  RunOptions opt;
  opt.replications = n;
  opt.seed = seed;
  opt.threads = threads;
  return run(s, opt);
}

double share(const RunResult& r, EndCategory k) {
  return static_cast<double>(r.tally.count(k)) / static_cast<double>(r.tally.n);
}

// Two proportions from independent runs differ by more than 4 combined standard errors.
void expect_less(double a, double b, std::int64_t n) {
  const double se = std::sqrt((a * (1 - a) + b * (1 - b)) / static_cast<double>(n));
  EXPECT_LT(a + 4 * se, b) << a << " vs " << b;
}

TEST(Engine, ClosedFormWorkAgainstSponsorExit) {
  // One exponential step of rate a against an exponential sponsor exit of rate b, adoption 0,
  // no vacancy: P(completed) = a / (a + b).
  const double a = 1.0 / 4.0, b = 1.0 / 12.0;
  const Scenario s = closed_form_scenario(a, b);
  const std::int64_t n = 200000;
  const RunResult r = run_n(s, n);
  const double p = share(r, EndCategory::Completed);
  const double expected = a / (a + b);
  EXPECT_NEAR(p, expected, 4 * std::sqrt(expected * (1 - expected) / n));
  EXPECT_EQ(r.tally.count(EndCategory::Completed) + r.tally.count(EndCategory::SponsorExit), n);
  // The interval printed for it is the 95% Wilson interval of the count, computed
  // independently (at z = 1.64 its bounds move by about 0.0005, far beyond 1e-12).
  const std::int64_t k = r.tally.count(EndCategory::Completed);
  const auto [lo, hi] = progsurv::testing::wilson_roots(k, n, 1.959963984540054);
  EXPECT_NEAR(r.summary.completed().lower, lo, 1e-12);
  EXPECT_NEAR(r.summary.completed().upper, hi, 1e-12);
  EXPECT_LE(r.summary.completed().lower, expected);
  EXPECT_GE(r.summary.completed().upper, expected);
}

Scenario sponsor_scenario(double tenure_mean) {
  Scenario s = simple_scenario(3, 2);
  s.levels[0].tenure = Distribution::weibull(1.5, tenure_mean);
  s.succession.vacancy = Distribution::exponential(2.0);
  s.succession.adoption = 0.3;
  s.horizon = 200;
  s.finalize();
  return s;
}

TEST(Engine, LongerTenureMoreCompletions) {
  const auto shorter = run_n(sponsor_scenario(3.0), 50000);
  const auto longer = run_n(sponsor_scenario(12.0), 50000);
  expect_less(share(shorter, EndCategory::Completed), share(longer, EndCategory::Completed), 50000);
  expect_less(share(longer, EndCategory::SponsorExit), share(shorter, EndCategory::SponsorExit),
              50000);
}

TEST(Engine, AdoptionOneMeansNoSponsorExit) {
  Scenario s = sponsor_scenario(3.0);
  s.succession.adoption = 1.0;
  const auto r = run_n(s, 20000);
  EXPECT_EQ(r.tally.count(EndCategory::SponsorExit), 0);
  EXPECT_GT(r.summary.mean[static_cast<int>(Quantity::SponsorChanges)], 0.1);
  EXPECT_GT(r.summary.mean[static_cast<int>(Quantity::Vacant)], 0.1);
}

Scenario handoff_scenario(double clout, double break_prob) {
  Scenario s = simple_scenario(6, 3);
  for (auto& silo : s.silos) {
    silo.break_prob = break_prob;
    silo.pickup = Distribution::exponential(1.0);
  }
  s.levels[0].clout = clout;
  s.escalation.delay = Distribution::exponential(1.0);
  s.escalation.max_attempts = 2;
  s.finalize();
  return s;
}

TEST(Engine, MoreCloutFewerHandoffFailures) {
  const auto weak = run_n(handoff_scenario(0.2, 0.3), 50000);
  const auto strong = run_n(handoff_scenario(0.8, 0.3), 50000);
  expect_less(share(strong, EndCategory::HandoffFailure), share(weak, EndCategory::HandoffFailure),
              50000);
}

TEST(Engine, NoBreaksNoEscalations) {
  const auto r = run_n(handoff_scenario(0.2, 0.0), 20000);
  EXPECT_EQ(r.tally.count(EndCategory::HandoffFailure), 0);
  EXPECT_EQ(r.tally.moments[static_cast<int>(Quantity::Escalations)].sum, 0.0);
  EXPECT_EQ(r.tally.moments[static_cast<int>(Quantity::Breaks)].sum, 0.0);
  EXPECT_DOUBLE_EQ(r.summary.mean[static_cast<int>(Quantity::Handoffs)], 5.0);
}

TEST(Engine, ZeroAttemptsBreakEndsAtOnce) {
  Scenario s = handoff_scenario(1.0, 1.0);
  s.escalation.max_attempts = 0;
  const auto r = run_n(s, 2000);
  EXPECT_EQ(r.tally.count(EndCategory::HandoffFailure), 2000);
  EXPECT_EQ(r.tally.moments[static_cast<int>(Quantity::Escalations)].sum, 0.0);
}

Scenario patience_scenario(double threshold_median) {
  Scenario s = simple_scenario(4, 1);
  for (auto& st : s.phases[0].steps) st.work = Distribution::exponential(3.0);
  s.patience.model = PatienceModel::Reviews;
  s.patience.review_every = 3.0;
  s.patience.threshold = Distribution::lognormal(threshold_median, 0.3);
  s.finalize();
  return s;
}

TEST(Engine, MorePatienceFewerPatienceCuts) {
  const auto impatient = run_n(patience_scenario(6.0), 50000);
  const auto patient = run_n(patience_scenario(12.0), 50000);
  expect_less(share(patient, EndCategory::Patience), share(impatient, EndCategory::Patience),
              50000);
}

TEST(Engine, VisibleStepsFewerPatienceCuts) {
  Scenario phases = patience_scenario(6.0);
  Scenario steps = phases;
  steps.patience.visible = Visible::Steps;
  const auto a = run_n(phases, 50000), b = run_n(steps, 50000);
  expect_less(share(b, EndCategory::Patience), share(a, EndCategory::Patience), 50000);
}

TEST(Engine, ReviewSemantics) {
  // Work takes exactly 10 months; θ = 4, reviews every 2 months: g > 4 first at t = 6.
  Scenario s = simple_scenario();
  s.phases[0].steps[0].work = Distribution::fixed(10.0);
  s.patience.model = PatienceModel::Reviews;
  s.patience.review_every = 2.0;
  s.patience.threshold = Distribution::fixed(4.0);
  s.finalize();
  auto rec = simulate_replication(s, 1, 0);
  EXPECT_EQ(rec.outcome, Outcome::Ended);
  EXPECT_EQ(rec.cause, Cause::Patience);
  EXPECT_DOUBLE_EQ(rec.end_time, 6.0);
  // θ = 6: at t = 6, g = 6 is not > 6 (strict), so the cut comes at 8.
  s.patience.threshold = Distribution::fixed(6.0);
  rec = simulate_replication(s, 1, 0);
  EXPECT_DOUBLE_EQ(rec.end_time, 8.0);
  // No cut before grace; a review at exactly grace may cut.
  s.patience.grace = 9.0;
  rec = simulate_replication(s, 1, 0);
  EXPECT_DOUBLE_EQ(rec.end_time, 10.0);  // review at 10 comes after the delivery at 10
  EXPECT_EQ(rec.outcome, Outcome::Completed);
  s.patience.grace = 8.0;
  rec = simulate_replication(s, 1, 0);
  EXPECT_EQ(rec.cause, Cause::Patience);
  EXPECT_DOUBLE_EQ(rec.end_time, 8.0);
}

TEST(Engine, VacancyFreezesProgress) {
  // Sponsor leaves at 2, the post is vacant 3 months, a successor who stays adopts: work
  // of 5 progress-months ends at calendar 8, with 3 vacant months.
  Scenario s = simple_scenario();
  s.phases[0].steps[0].work = Distribution::fixed(5.0);
  s.levels[0].tenure = Distribution::fixed(2.0);
  SponsorLevel stays = s.levels[0];
  stays.name = "ceo";
  stays.tenure = Distribution::never();
  s.levels.push_back(stays);
  s.succession.vacancy = Distribution::fixed(3.0);
  s.succession.adoption = 1.0;
  s.succession.successor_same = false;
  s.succession.successor.level = {1};
  s.succession.successor.prob = {1.0};
  s.finalize();
  auto rec = simulate_replication(s, 1, 0);
  EXPECT_EQ(rec.outcome, Outcome::Completed);
  EXPECT_DOUBLE_EQ(rec.end_time, 8.0);
  EXPECT_DOUBLE_EQ(rec.time[static_cast<int>(TimeBucket::Vacant)], 3.0);
  EXPECT_DOUBLE_EQ(rec.time[static_cast<int>(TimeBucket::Working)], 5.0);
  EXPECT_EQ(rec.sponsor_changes, 1);
  // A successor at the same level leaves again after 2 months: 2 + 3 + 2 + 3 + 1 = 11.
  s.succession.successor_same = true;
  rec = simulate_replication(s, 1, 0);
  EXPECT_DOUBLE_EQ(rec.end_time, 11.0);
  EXPECT_EQ(rec.sponsor_changes, 2);
}

TEST(Engine, TimeBucketsSumToEndTime) {
  Scenario s = handoff_scenario(0.5, 0.3);
  s.levels[0].tenure = Distribution::exponential(6.0);
  s.levels[0].resource_delay = Distribution::exponential(1.0);
  s.succession.vacancy = Distribution::exponential(2.0);
  s.succession.adoption = 0.7;
  s.horizon = 30;
  s.finalize();
  for (std::uint64_t r = 0; r < 2000; ++r) {
    const auto rec = simulate_replication(s, 3, r);
    double sum = 0;
    for (double t : rec.time) sum += t;
    ASSERT_NEAR(sum, rec.end_time, 1e-9 * (1 + rec.end_time)) << "replication " << r;
  }
}

TEST(Engine, BudgetCutsDependOnClout) {
  auto make = [](double clout) {
    Scenario s = simple_scenario(2, 1);
    for (auto& st : s.phases[0].steps) st.work = Distribution::exponential(12.0);
    s.levels[0].clout = clout;
    s.budget.enabled = true;
    s.budget.every = 12;
    s.budget.squeeze_prob = 0.5;
    s.budget.cut_prob = 0.8;
    s.finalize();
    return s;
  };
  const auto weak = run_n(make(0.1), 50000), strong = run_n(make(0.9), 50000);
  expect_less(share(strong, EndCategory::BudgetCut), share(weak, EndCategory::BudgetCut), 50000);
  Scenario none = make(0.1);
  none.budget.squeeze_prob = 0.0;
  EXPECT_EQ(run_n(none, 10000).tally.count(EndCategory::BudgetCut), 0);
}

TEST(Engine, PhaseGates) {
  Scenario s = simple_scenario();
  s.phases.push_back(s.phases[0]);
  s.phases[0].continue_prob = 0.25;
  s.phases[0].value = 3.0;
  s.phases[1].value = 5.0;
  s.finalize();
  const std::int64_t n = 40000;
  const auto r = run_n(s, n);
  EXPECT_NEAR(share(r, EndCategory::PhaseGate), 0.75, 4 * std::sqrt(0.75 * 0.25 / n));
  // Every programme delivers phase 0 (nothing else can end it): gated ones keep its value 3
  // and one phase, the others deliver both (value 8). So the mean value is exactly
  // 3 + 5 * share(completed), and the delivery mix is partial = gated, all = completed.
  const double completed = share(r, EndCategory::Completed);
  EXPECT_EQ(r.tally.count(EndCategory::Completed) + r.tally.count(EndCategory::PhaseGate), n);
  EXPECT_NEAR(r.summary.mean[static_cast<int>(Quantity::Value)], 3.0 + 5.0 * completed, 1e-9);
  EXPECT_NEAR(r.summary.delivered_partial.estimate, share(r, EndCategory::PhaseGate), 1e-12);
  EXPECT_NEAR(r.summary.delivered_all.estimate, completed, 1e-12);
  EXPECT_EQ(r.summary.delivered_none.estimate, 0.0);
  s.phases[0].continue_prob = 1.0;
  EXPECT_EQ(run_n(s, 5000).tally.count(EndCategory::PhaseGate), 0);
}

TEST(Engine, ApprovalAndNotStarted) {
  Scenario s = simple_scenario();
  s.levels[0].approval = 0.4;
  s.finalize();
  const std::int64_t n = 40000;
  const auto r = run_n(s, n);
  EXPECT_NEAR(share(r, EndCategory::NotStarted), 0.6, 4 * std::sqrt(0.24 / n));
}

TEST(Engine, CurvesSumToOneAtEveryGridPoint) {
  Scenario s = handoff_scenario(0.4, 0.3);
  s.levels[0].tenure = Distribution::exponential(10.0);
  s.levels[0].approval = 0.8;
  s.succession.adoption = 0.5;
  s.patience = patience_scenario(8.0).patience;
  s.horizon = 50;
  s.grid.clear();
  for (int i = 0; i <= 50; ++i) s.grid.push_back(i);
  s.finalize();
  const auto r = run_n(s, 30000);
  for (std::size_t g = 0; g < s.grid.size(); ++g) {
    std::int64_t count = 0;
    double p = 0;
    for (int k = 0; k < kEndCategoryCount; ++k) {
      count += r.summary.curve_count[static_cast<std::size_t>(k)][g];
      p += r.summary.curve[static_cast<std::size_t>(k)][g].estimate;
    }
    EXPECT_EQ(count, r.tally.n);
    EXPECT_NEAR(p, 1.0, 1e-12);
  }
  // At the horizon, running at t equals the censored count.
  EXPECT_EQ(r.summary.curve_count[static_cast<int>(EndCategory::Running)].back(),
            r.tally.count(EndCategory::Running));
}

TEST(Engine, IdenticalForAnyThreadCount) {
  Scenario s = handoff_scenario(0.4, 0.3);
  s.levels[0].tenure = Distribution::exponential(10.0);
  s.succession.adoption = 0.5;
  const std::int64_t n = 3 * kBatchSize + 777;
  const auto one = run_n(s, n, 9, 1), two = run_n(s, n, 9, 2), three = run_n(s, n, 9, 3);
  for (const auto* other : {&two, &three}) {
    EXPECT_EQ(one.tally.end_bins, other->tally.end_bins);
    EXPECT_EQ(one.tally.completion_hist, other->tally.completion_hist);
    EXPECT_EQ(one.tally.phases_by_category, other->tally.phases_by_category);
    for (int q = 0; q < kQuantityCount; ++q) {
      // Bitwise equality of floating sums, not just closeness.
      EXPECT_EQ(one.tally.moments[static_cast<std::size_t>(q)].sum,
                other->tally.moments[static_cast<std::size_t>(q)].sum);
      EXPECT_EQ(one.tally.moments[static_cast<std::size_t>(q)].sumsq,
                other->tally.moments[static_cast<std::size_t>(q)].sumsq);
    }
  }
}

TEST(Engine, DifferentSeedDifferentResults) {
  const Scenario s = handoff_scenario(0.4, 0.3);
  const auto a = run_n(s, 5000, 1), b = run_n(s, 5000, 2);
  EXPECT_NE(a.tally.moments[0].sum, b.tally.moments[0].sum);
  EXPECT_NE(a.tally.end_bins, b.tally.end_bins);
}

TEST(Engine, PrecisionModeStopsAtTarget) {
  const Scenario s = handoff_scenario(0.4, 0.3);
  RunOptions opt;
  opt.precision = 0.005;
  opt.threads = 2;
  const auto r = run(s, opt);
  // The half-width it stopped on, recomputed from the final counts independently of wilson().
  const auto [lo, hi] = progsurv::testing::wilson_roots(r.tally.count(EndCategory::Completed),
                                                        r.tally.n, 1.959963984540054);
  EXPECT_NEAR(r.summary.convergence_half_width.back(), 0.5 * (hi - lo), 1e-12);
  EXPECT_LE(0.5 * (hi - lo), 0.005);
  EXPECT_GT(r.summary.convergence_half_width.front(), 0.005);
  EXPECT_EQ(r.tally.n % kBatchSize, 0);
  // Reproducible: the same seed stops at the same point with the same tally.
  opt.threads = 1;
  const auto again = run(s, opt);
  EXPECT_EQ(again.tally.n, r.tally.n);
  EXPECT_EQ(again.tally.end_bins, r.tally.end_bins);
}

TEST(Engine, SwitchingOneMechanismOffKeepsOtherDraws) {
  // With budget squeezes switched off, work draws are unchanged: programmes that completed
  // with the squeeze on complete at the same time with it off.
  Scenario on = simple_scenario(2, 1);
  on.budget = {true, 6.0, 0.5, 0.5};
  on.finalize();
  Scenario off = on;
  off.budget.enabled = false;
  for (std::uint64_t r = 0; r < 500; ++r) {
    const auto a = simulate_replication(on, 4, r), b = simulate_replication(off, 4, r);
    if (a.outcome == Outcome::Completed) {
      ASSERT_EQ(a.end_time, b.end_time);
    }
  }
}

}  // namespace

// A Ctrl-C stops the work running when it came (its worker threads too) and never work begun
// after it, whatever else still runs; threads outside any scope see it until no work runs.
TEST(Engine, AStopRequestStopsOnlyTheWorkRunningWhenItCame) {
  {
    const StopScope first;
    request_stop();
    EXPECT_TRUE(stop_requested());
    // Its workers (two threads) see it too.
    EXPECT_THROW(run_n(simple_scenario(), 10000, 1, 2), Cancelled);
    bool later_stopped = true;
    std::thread later([&] {  // another Python thread starting work now
      const StopScope scope;
      later_stopped = stop_requested();
    });
    later.join();
    EXPECT_FALSE(later_stopped);
    {
      const StopScope nested;  // begun after the request, on this thread
      EXPECT_FALSE(stop_requested());
      EXPECT_NO_THROW(run_n(simple_scenario(), 100, 1, 2));
    }
    EXPECT_TRUE(stop_requested());  // the outer work still is to stop
  }
  EXPECT_FALSE(stop_requested());  // no work runs: nothing is pending
  const StopScope next;
  EXPECT_FALSE(stop_requested());
  EXPECT_NO_THROW(run_n(simple_scenario(), 100));
}

// A run with one replication, or with nothing started, has no spread and no started
// programme to average over: the summary says n/a, never nan.
TEST(Engine, SummaryOfATinyRunSaysNotApplicableNotNaN) {
  Scenario s = simple_scenario();
  for (auto& level : s.levels) level.approval = 0.0;
  s.finalize();
  const RunResult r = run_n(s, 1);
  const std::string text = format_summary(summarize(r.tally, s), "tiny");
  EXPECT_EQ(text.find("nan"), std::string::npos) << text;
  EXPECT_NE(text.find("(SE n/a)"), std::string::npos) << text;
  EXPECT_NE(text.find("mean months per started programme: n/a (no programme started)"),
            std::string::npos)
      << text;
}

// One started programme gives a mean per started programme but no spread: every
// per-quantity standard error is NaN (n/a on pages), not 0, and the text never says nan.
TEST(Engine, OneStartedProgrammeHasNoStandardErrors) {
  Scenario s = simple_scenario();
  for (auto& level : s.levels) level.approval = 1.0;
  s.finalize();
  const RunResult r = run_n(s, 1);
  const Summary sum = summarize(r.tally, s);
  ASSERT_EQ(sum.n_started, 1);
  for (std::size_t q = 0; q < sum.se.size(); ++q) {
    EXPECT_FALSE(std::isnan(sum.mean[q])) << q;
    EXPECT_TRUE(std::isnan(sum.se[q])) << q;
  }
  const std::string text = format_summary(sum, "one");
  EXPECT_EQ(text.find("nan"), std::string::npos) << text;
}
