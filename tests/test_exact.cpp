// The exact solver (docs/model.md, Exact solver) against closed forms, and the Monte Carlo engine
// against the exact solver: interval coverage, goodness of fit and means (docs/validation.md).
//
// PROGSURV_TEST_SCALE (default 1) scales the replications of the statistical tests, so
// sanitizer builds can run them smaller; the checks adapt to the number of replications.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "exact_validation.hpp"
#include "io/h5.hpp"
#include "progsurv/analysis/exact.hpp"
#include "progsurv/engine/run.hpp"
#include "scenario_builder.hpp"

using namespace progsurv;
using progsurv::testing::closed_form_scenario;
using progsurv::testing::scaled;
using progsurv::testing::simple_scenario;
using progsurv::testing::validate;
using progsurv::testing::Validation;

namespace {

const std::vector<double>& curve_of(const RunResult& r, EndCategory k, std::vector<double>& out) {
  out.clear();
  for (const Estimate& e : r.summary.curve[static_cast<std::size_t>(k)]) out.push_back(e.estimate);
  return out;
}

ExactOptions with_method(ExactOptions::Method m) {
  ExactOptions o;
  o.method = m;
  o.dense_limit = 100000;
  return o;
}

const ExactOptions::Method kMethods[] = {ExactOptions::Method::Dense,
                                         ExactOptions::Method::Uniformization};

// --- closed forms ------------------------------------------------------------------------

TEST(ExactSolver, ClosedFormWorkAgainstSponsorExit) {
  // docs/model.md: one exponential step of rate a against a sponsor exit of rate b, adoption 0,
  // no vacancy: P(completed by t) = a/(a+b) (1 - e^{-(a+b)t}), and a/(a+b) in the end.
  const double a = 1.0 / 4.0, b = 1.0 / 12.0;
  const Scenario s = closed_form_scenario(a, b);
  for (auto m : kMethods) {
    const RunResult r = solve_exact(s, with_method(m));
    EXPECT_TRUE(r.exact);
    EXPECT_EQ(r.tally.n, 0);
    const auto& done = r.summary.curve[static_cast<int>(EndCategory::Completed)];
    const auto& exit = r.summary.curve[static_cast<int>(EndCategory::SponsorExit)];
    for (std::size_t g = 0; g < s.grid.size(); ++g) {
      const double t = s.grid[g], f = 1.0 - std::exp(-(a + b) * t);
      EXPECT_NEAR(done[g].estimate, a / (a + b) * f, 1e-9) << "t = " << t;
      EXPECT_NEAR(exit[g].estimate, b / (a + b) * f, 1e-9) << "t = " << t;
      EXPECT_EQ(done[g].lower, done[g].estimate);
      EXPECT_EQ(done[g].upper, done[g].estimate);
    }
    EXPECT_NEAR(r.summary.completed().estimate, a / (a + b), 1e-9);
    EXPECT_NEAR(r.summary.cause_share[static_cast<int>(Cause::SponsorExit)].estimate, 1.0, 1e-9);
  }
}

TEST(ExactSolver, ErlangWorkAndResidualErlangTenure) {
  // Erlang-3 work of rate l, nothing else: P(done by t) = 1 - e^{-lt}(1 + lt + (lt)^2/2).
  const double l = 0.5;
  Scenario s = simple_scenario();
  s.phases[0].steps[0].work = Distribution::gamma(3.0, 1.0 / l);
  s.finalize();
  for (auto m : kMethods) {
    const RunResult r = solve_exact(s, with_method(m));
    for (std::size_t g = 0; g < s.grid.size(); ++g) {
      const double x = l * s.grid[g];
      EXPECT_NEAR(r.summary.curve[0][g].estimate, 1.0 - std::exp(-x) * (1.0 + x + x * x / 2.0),
                  1e-10);
    }
  }
  // The sponsor in post at t = 0 has the equilibrium residual of an Erlang-2 tenure:
  // P(left by t) = 1 - e^{-lt}(1 + lt/2). Work never ends, adoption 0.
  s.phases[0].steps[0].work = Distribution::never();
  s.levels[0].tenure = Distribution::gamma(2.0, 1.0 / l);
  s.initial_sponsor = InitialSponsor::Residual;
  s.succession.adoption = 0.0;
  s.finalize();
  const RunResult r = solve_exact(s);
  for (std::size_t g = 0; g < s.grid.size(); ++g) {
    const double x = l * s.grid[g];
    EXPECT_NEAR(r.summary.curve[static_cast<int>(EndCategory::SponsorExit)][g].estimate,
                1.0 - std::exp(-x) * (1.0 + x / 2.0), 1e-10);
  }
  // A fresh sponsor serves a full Erlang-2 tenure: 1 - e^{-lt}(1 + lt).
  s.initial_sponsor = InitialSponsor::Fresh;
  const RunResult fresh = solve_exact(s);
  for (std::size_t g = 0; g < s.grid.size(); ++g) {
    const double x = l * s.grid[g];
    EXPECT_NEAR(fresh.summary.curve[static_cast<int>(EndCategory::SponsorExit)][g].estimate,
                1.0 - std::exp(-x) * (1.0 + x), 1e-10);
  }
}

TEST(ExactSolver, PatienceHazardOnlyFromGrace) {
  // Work of rate a; a cut hazard h/m from grace g on. For t > g:
  // P(cut by t) = (h/m) e^{-ag} (1 - e^{-(a+h/m)(t-g)}) / (a + h/m); 0 before g.
  const double a = 0.1, h = 0.06, mult = 1.5, grace = 7.25;
  Scenario s = simple_scenario();
  s.horizon = 60;
  s.grid.clear();
  for (int i = 0; i <= 60; ++i) s.grid.push_back(i);
  s.phases[0].steps[0].work = Distribution::exponential(1.0 / a);
  s.levels[0].patience_multiplier = mult;
  s.patience.model = PatienceModel::Hazard;
  s.patience.rate = h;
  s.patience.grace = grace;
  s.finalize();
  const double hm = h / mult;
  for (auto m : kMethods) {
    const RunResult r = solve_exact(s, with_method(m));
    const auto& cut = r.summary.curve[static_cast<int>(EndCategory::Patience)];
    for (std::size_t g = 0; g < s.grid.size(); ++g) {
      const double t = s.grid[g];
      const double expected = t <= grace ? 0.0
                                         : hm * std::exp(-a * grace) *
                                               (1.0 - std::exp(-(a + hm) * (t - grace))) / (a + hm);
      EXPECT_NEAR(cut[g].estimate, expected, 1e-10) << "t = " << t;
    }
  }
}

TEST(ExactSolver, VacancyFreezesProgressMeans) {
  // Work Exp(a) on the progress clock; sponsors leave at rate b (fresh), vacancies last
  // Exp(v), successors always adopt. Expected exits during the work: b/a; each costs 1/v
  // calendar months: E[end] = (1/a)(1 + b/v), E[vacant] = b/(a v), E[working] = 1/a.
  const double a = 0.2, b = 0.1, v = 0.5;
  Scenario s = simple_scenario();
  s.horizon = 2000;
  s.grid = {0, 500, 1000, 1500, 2000};
  s.phases[0].steps[0].work = Distribution::exponential(1.0 / a);
  s.levels[0].tenure = Distribution::exponential(1.0 / b);
  s.succession.vacancy = Distribution::exponential(1.0 / v);
  s.succession.adoption = 1.0;
  s.finalize();
  for (auto m : kMethods) {
    const RunResult r = solve_exact(s, with_method(m));
    const auto& mean = r.summary.mean;
    EXPECT_NEAR(mean[static_cast<int>(Quantity::EndTime)], (1 / a) * (1 + b / v), 1e-8);
    EXPECT_NEAR(mean[static_cast<int>(Quantity::Vacant)], b / (a * v), 1e-8);
    EXPECT_NEAR(mean[static_cast<int>(Quantity::Working)], 1 / a, 1e-8);
    EXPECT_NEAR(mean[static_cast<int>(Quantity::SponsorChanges)], b / a, 1e-8);
    EXPECT_NEAR(r.summary.completed().estimate, 1.0, 1e-10);
    EXPECT_TRUE(std::isnan(mean[static_cast<int>(Quantity::CustomerTrust)]));
    // Median completion time solves the same chain's CDF; it lies where the curve crosses.
    const double p50 = r.summary.completion_quantile[1];
    const auto c = ExactModel(s).curves({p50 - 1e-5, p50 + 1e-5});
    EXPECT_LT(c[0][0], 0.5);
    EXPECT_GE(c[0][1], 0.5);
  }
}

TEST(ExactSolver, HandoffsBreaksAndEscalationsCounted) {
  // Steps alternate between two silos: 3 handoffs; each breaks with 0.4, escalations
  // succeed with clout 0.5 up to 2 attempts. Per handoff: P(fail) = 0.4 * 0.25.
  Scenario s = simple_scenario(4, 2);
  for (auto& silo : s.silos) {
    silo.pickup = Distribution::exponential(0.5);
    silo.break_prob = 0.4;
  }
  s.escalation.delay = Distribution::fixed(0.0);  // instantaneous trials
  s.escalation.max_attempts = 2;
  s.levels[0].clout = 0.5;
  s.finalize();
  const RunResult r = solve_exact(s);
  const double pass = 1.0 - 0.4 * 0.25;
  EXPECT_NEAR(r.summary.completed().estimate, std::pow(pass, 3), 1e-10);
  // Expected handoffs started: 1 + pass + pass^2; breaks 0.4 each; escalations 0.4 * 1.5.
  const double handoffs = 1 + pass + pass * pass;
  EXPECT_NEAR(r.summary.mean[static_cast<int>(Quantity::Handoffs)], handoffs, 1e-9);
  EXPECT_NEAR(r.summary.mean[static_cast<int>(Quantity::Breaks)], 0.4 * handoffs, 1e-9);
  EXPECT_NEAR(r.summary.mean[static_cast<int>(Quantity::Escalations)], 0.4 * 1.5 * handoffs, 1e-9);
  // Value: 0 or the one phase's value.
  EXPECT_NEAR(r.summary.value_prob[1], std::pow(pass, 3), 1e-10);
  EXPECT_NEAR(r.summary.delivered_none.estimate, 1.0 - std::pow(pass, 3), 1e-10);
}

TEST(ExactSolver, ApprovalGatesAndSurvival) {
  Scenario s = simple_scenario();
  s.phases.push_back(s.phases[0]);
  s.phases[0].continue_prob = 0.25;
  s.levels[0].approval = 0.8;
  s.finalize();
  const RunResult r = solve_exact(s);
  const auto& sm = r.summary;
  EXPECT_NEAR(sm.curve[static_cast<int>(EndCategory::NotStarted)][0].estimate, 0.2, 1e-12);
  EXPECT_NEAR(sm.outcome_share[static_cast<int>(Outcome::NotStarted)].estimate, 0.2, 1e-12);
  EXPECT_NEAR(sm.cause_share[static_cast<int>(Cause::PhaseGate)].estimate, 1.0, 1e-12);
  EXPECT_NEAR(sm.outcome_share_started[static_cast<int>(Outcome::Ended)].estimate, 0.75, 1e-9);
  // Survival is among started programmes: only the gate ends them.
  EXPECT_NEAR(sm.survival.back().estimate, 0.25, 1e-9);
  EXPECT_NEAR(sm.survival.front().estimate, 1.0, 1e-12);
  EXPECT_NEAR(sm.value_prob[1], 0.8 * 0.75, 1e-9);
  EXPECT_NEAR(sm.value_prob[2], 0.8 * 0.25, 1e-9);
  EXPECT_NEAR(sm.value_mean.estimate, 0.8 * (0.75 * 1 + 0.25 * 2), 1e-9);
}

TEST(ExactSolver, EdgeCases) {
  // Nobody approves: everything is not_started, and nothing is defined among the started.
  Scenario s = simple_scenario();
  s.levels[0].approval = 0.0;
  s.finalize();
  RunResult r = solve_exact(s);
  EXPECT_EQ(r.summary.curve[static_cast<int>(EndCategory::NotStarted)].back().estimate, 1.0);
  EXPECT_TRUE(std::isnan(r.summary.survival.back().estimate));
  EXPECT_TRUE(std::isnan(r.summary.mean[static_cast<int>(Quantity::EndTime)]));
  EXPECT_TRUE(std::isnan(r.summary.completion_quantile[1]));
  // Every duration instantaneous: completed at t = 0, and its quantiles are 0.
  s = simple_scenario(3, 2);
  for (auto& st : s.phases[0].steps) st.work = Distribution::fixed(0.0);
  s.finalize();
  r = solve_exact(s);
  EXPECT_NEAR(r.summary.curve[0].front().estimate, 1.0, 1e-15);
  EXPECT_EQ(r.summary.completion_quantile[1], 0.0);
  EXPECT_NEAR(r.summary.mean[static_cast<int>(Quantity::Handoffs)], 2.0, 1e-12);
  // A vacancy that never ends freezes the programme for good: it stays running.
  const double a = 0.3, b = 0.1;
  s = simple_scenario();
  s.phases[0].steps[0].work = Distribution::exponential(1 / a);
  s.levels[0].tenure = Distribution::exponential(1 / b);
  s.succession.vacancy = Distribution::never();
  s.finalize();
  r = solve_exact(s);
  EXPECT_NEAR(r.summary.completed().estimate, a / (a + b), 1e-9);
  EXPECT_NEAR(r.summary.outcome_share[static_cast<int>(Outcome::Running)].estimate, b / (a + b),
              1e-9);
  // A hazard whose grace lies beyond the horizon never cuts; grid points past H see H.
  s.patience.model = PatienceModel::Hazard;
  s.patience.rate = 0.5;
  s.patience.grace = 2 * s.horizon;
  s.grid.push_back(2 * s.horizon);
  r = solve_exact(s);
  EXPECT_EQ(r.summary.curve[static_cast<int>(EndCategory::Patience)].back().estimate, 0.0);
  EXPECT_EQ(r.summary.curve[0].back().estimate, r.summary.curve[0][s.grid.size() - 2].estimate);
}

// --- refusals ----------------------------------------------------------------------------

bool has_entry(const std::vector<std::string>& entries, const std::string& text) {
  for (const auto& e : entries)
    if (e.find(text) != std::string::npos) return true;
  return false;
}

TEST(ExactSolver, RefusesNonMarkovianScenariosListingEveryEntry) {
  Scenario s = simple_scenario(2, 2);
  s.source = "made-up.yaml";
  s.phases[0].steps[1].work = Distribution::pert(1, 2, 4);
  s.levels[0].tenure = Distribution::lognormal(30, 0.5);
  s.succession.vacancy = Distribution::fixed(3.0);
  s.silos[1].pickup = Distribution::gamma(2.5, 1.0);
  s.patience.model = PatienceModel::Reviews;
  s.patience.threshold = Distribution::lognormal(12, 0.4);
  s.budget = {true, 12.0, 0.3, 0.5};
  s.finalize();
  try {
    ExactModel model(s);
    FAIL() << "a non-Markovian scenario was accepted";
  } catch (const NotMarkovianError& e) {
    const auto& entries = e.entries();
    EXPECT_TRUE(has_entry(entries, "phases.0.steps.1.work: pert is not exponential"));
    EXPECT_TRUE(has_entry(entries, "sponsor_levels.vp.tenure: lognormal is not exponential"));
    EXPECT_TRUE(has_entry(entries, "succession.vacancy: fixed 3 is not exponential"));
    EXPECT_TRUE(has_entry(entries, "silos.silo1.pickup: gamma with shape 2.5 is not Erlang"));
    EXPECT_TRUE(has_entry(entries, "patience.model: reviews (use model: hazard)"));
    EXPECT_TRUE(has_entry(entries, "budget: squeeze cycles are not Markovian"));
    EXPECT_EQ(entries.size(), 6u);
    // It is a ScenarioError naming the file, so the CLI exits with status 2.
    const ScenarioError& base = e;
    EXPECT_EQ(base.file(), "made-up.yaml");
    EXPECT_NE(std::string(base.what()).find("pert is not exponential"), std::string::npos);
  }
}

TEST(ExactSolver, AcceptsInertAndUnreachableMechanisms) {
  Scenario s = simple_scenario(2, 1);
  // Reviews that can never cut, a budget that never squeezes, customers with any
  // follow-up distribution, a level nobody holds, a pickup no step uses.
  s.patience.model = PatienceModel::Reviews;
  s.patience.threshold = Distribution::never();
  s.budget = {true, 12.0, 0.0, 0.5};
  s.customers.follow_up = Distribution::lognormal(2, 0.8);
  SponsorLevel idle = s.levels[0];
  idle.name = "idle";
  idle.tenure = Distribution::lognormal(30, 0.5);
  s.levels.push_back(idle);
  Silo unused;
  unused.name = "unused";
  unused.pickup = Distribution::pert(1, 2, 3);
  s.silos.push_back(unused);
  s.levels[0].tenure = Distribution::weibull(1.0, 20.0);  // shape 1: exponential
  s.finalize();
  EXPECT_TRUE(markov_violations(s).empty());
  EXPECT_NO_THROW(solve_exact(s));
  // A review that may cut is not inert.
  s.patience.threshold = Distribution::exponential(12);
  EXPECT_EQ(markov_violations(s),
            std::vector<std::string>{"patience.model: reviews (use model: hazard)"});
}

TEST(ExactSolver, BaselineScenarioIsRefusedWithItsEntries) {
  const Scenario s = Scenario::load(PROGSURV_SOURCE_DIR "/scenarios/baseline.yaml");
  const auto v = markov_violations(s);
  EXPECT_TRUE(has_entry(v, "phases.0.steps.0.work: pert is not exponential"));
  EXPECT_TRUE(has_entry(v, "succession.vacancy: lognormal is not exponential"));
  EXPECT_TRUE(has_entry(v, "patience.model: reviews"));
  EXPECT_TRUE(has_entry(v, "budget: squeeze cycles are not Markovian"));
  EXPECT_FALSE(has_entry(v, "tenure"));  // Weibull with shape 1 is exponential
  EXPECT_THROW(solve_exact(s), NotMarkovianError);
}

// --- generated Markov-subset scenarios ----------------------------------------------------

double uniform(Rng& g, double lo, double hi) { return lo + (hi - lo) * g.uniform(); }
int integer(Rng& g, int lo, int hi) {
  return lo + static_cast<int>(g.uniform() * static_cast<double>(hi - lo + 1));
}

// An exponential, Erlang-2/3 or (rarely) instantaneous duration with the given mean.
Distribution markov_duration(Rng& g, double mean, double p_zero = 0.0) {
  const double u = g.uniform();
  if (u < p_zero) return Distribution::fixed(0.0);
  if (u < p_zero + 0.3) {
    const int k = integer(g, 2, 3);
    return Distribution::gamma(k, mean / k);
  }
  return Distribution::exponential(mean);
}

// Scenario `index` of the validation family: a fixed-seed generator varies levels,
// silos, breaks, escalations, adoption, vacancies, gates, approval, the patience hazard
// and Erlang stages, always inside the Markov subset.
Scenario generated_scenario(int index) {
  Rng g(20240611, static_cast<std::uint64_t>(index), Mechanism::Sponsor);
  Scenario s;
  s.name = "generated-" + std::to_string(index);
  s.source = "<generated " + std::to_string(index) + ">";
  s.horizon = 48;
  for (int i = 0; i <= 48; ++i) s.grid.push_back(i);
  const int levels = integer(g, 1, 3);
  for (int l = 0; l < levels; ++l) {
    SponsorLevel lv;
    lv.name = "level" + std::to_string(l);
    lv.tenure = g.uniform() < 0.15 ? Distribution::never() : markov_duration(g, uniform(g, 8, 40));
    lv.clout = uniform(g, 0.2, 0.95);
    lv.approval = g.uniform() < 0.5 ? 1.0 : uniform(g, 0.5, 1.0);
    lv.patience_multiplier = uniform(g, 0.5, 2.0);
    lv.resource_delay = markov_duration(g, uniform(g, 0.3, 2.5), 0.2);
    s.levels.push_back(lv);
    s.sponsor.level.push_back(l);
    s.sponsor.prob.push_back(uniform(g, 0.2, 1.0));
  }
  double total = 0;
  for (double p : s.sponsor.prob) total += p;
  for (double& p : s.sponsor.prob) p /= total;
  s.initial_sponsor = g.uniform() < 0.7 ? InitialSponsor::Residual : InitialSponsor::Fresh;
  s.succession.vacancy = markov_duration(g, uniform(g, 0.5, 4.0), 0.2);
  s.succession.adoption = uniform(g, 0.2, 1.0);
  s.succession.successor_same = g.uniform() < 0.5;
  if (!s.succession.successor_same) {
    for (int l = 0; l < levels; ++l) {
      s.succession.successor.level.push_back(l);
      s.succession.successor.prob.push_back(1.0 / levels);
    }
  }
  const int silos = integer(g, 1, 4);
  for (int i = 0; i < silos; ++i) {
    Silo silo;
    silo.name = "silo" + std::to_string(i);
    silo.pickup = markov_duration(g, uniform(g, 0.2, 2.0), 0.15);
    silo.break_prob = g.uniform() < 0.2 ? 0.0 : uniform(g, 0.05, 0.4);
    s.silos.push_back(silo);
  }
  if (silos >= 2 && g.uniform() < 0.5) {
    HandoffOverride o;
    o.from = 0;
    o.to = 1;
    o.pickup = Distribution::exponential(uniform(g, 1.0, 4.0));
    o.break_prob = uniform(g, 0.2, 0.6);
    s.overrides.push_back(o);
  }
  s.escalation.delay = markov_duration(g, uniform(g, 0.3, 2.0), 0.2);
  s.escalation.max_attempts = integer(g, 0, 3);
  const int phases = integer(g, 1, 3);
  for (int i = 0; i < phases; ++i) {
    Phase ph;
    ph.name = "phase" + std::to_string(i);
    ph.value = integer(g, 1, 4);
    ph.continue_prob = g.uniform() < 0.3 ? 1.0 : uniform(g, 0.5, 0.95);
    ph.engage = g.uniform() < 0.5;
    const int steps = integer(g, 1, 3);
    for (int j = 0; j < steps; ++j)
      ph.steps.push_back(
          {integer(g, 0, silos - 1), markov_duration(g, uniform(g, 0.5, 4.0), 0.05)});
    s.phases.push_back(ph);
  }
  if (g.uniform() < 0.6) {
    s.patience.model = PatienceModel::Hazard;
    s.patience.rate = uniform(g, 0.005, 0.06);
    s.patience.grace = g.uniform() < 0.3 ? 0.0 : uniform(g, 1.0, 12.0);
    s.patience.vacancy_multiplier = uniform(g, 0.3, 1.0);
  } else {
    s.patience.model = PatienceModel::None;
  }
  s.customers.follow_up = Distribution::exponential(2.0);
  s.finalize();
  return s;
}

constexpr int kGenerated = 12;

// scenarios/baseline.yaml moved into the subset: PERT work → exponential (or Erlang-2) of
// the same mean, lognormal vacancy → Erlang-2 of mean 4, reviews → a hazard, no budget.
Scenario markov_baseline() {
  Scenario s;
  s.name = "markov-baseline";
  s.source = "<markov baseline>";
  s.horizon = 60;
  for (int i = 0; i <= 60; ++i) s.grid.push_back(i);
  const struct {
    const char* name;
    double tenure, clout, approval, patience, resources, share;
  } levels[] = {{"ceo", 85, 0.9, 0.95, 2.0, 0.5, 0.05},
                {"c_suite", 50, 0.75, 0.85, 1.5, 1.0, 0.25},
                {"vp", 42, 0.5, 0.7, 1.0, 2.0, 0.4},
                {"director", 30, 0.25, 0.5, 0.75, 3.0, 0.3}};
  for (const auto& l : levels) {
    SponsorLevel lv;
    lv.name = l.name;
    lv.tenure = Distribution::exponential(l.tenure);
    lv.clout = l.clout;
    lv.approval = l.approval;
    lv.patience_multiplier = l.patience;
    lv.resource_delay = Distribution::exponential(l.resources);
    s.sponsor.level.push_back(static_cast<int>(s.levels.size()));
    s.sponsor.prob.push_back(l.share);
    s.levels.push_back(lv);
  }
  s.succession.vacancy = Distribution::gamma(2, 2.0);
  s.succession.adoption = 0.5;
  const struct {
    const char* name;
    double pickup, brk;
  } silos[] = {{"marketing", 1.0, 0.10},
               {"sales", 1.5, 0.15},
               {"product", 2.0, 0.15},
               {"operations", 2.0, 0.20},
               {"it", 3.0, 0.25}};
  for (const auto& x : silos) {
    Silo silo;
    silo.name = x.name;
    silo.pickup = Distribution::exponential(x.pickup);
    silo.break_prob = x.brk;
    s.silos.push_back(silo);
  }
  s.overrides.push_back({0, 4, Distribution::exponential(4.0), 0.35});
  s.escalation.delay = Distribution::exponential(1.5);
  s.escalation.max_attempts = 2;
  auto phase = [](const char* name, double value, double go, std::vector<Step> steps) {
    Phase p;
    p.name = name;
    p.value = value;
    p.continue_prob = go;
    p.steps = std::move(steps);
    return p;
  };
  auto e = [](double mean) { return Distribution::exponential(mean); };
  s.phases.push_back(phase("discovery", 1, 0.8, {{0, e(13.0 / 6)}, {1, e(6.5 / 6)}}));
  s.phases.push_back(
      phase("pilot", 2, 0.6, {{2, e(20.0 / 6)}, {4, e(26.0 / 6)}, {3, e(13.0 / 6)}}));
  s.phases.push_back(
      phase("rollout", 4, 1.0, {{3, Distribution::gamma(2, 3.25)}, {4, e(26.0 / 6)}, {0, e(2.0)}}));
  s.patience.model = PatienceModel::Hazard;
  s.patience.rate = 0.02;
  s.patience.grace = 6;
  s.patience.vacancy_multiplier = 0.5;
  s.finalize();
  return s;
}

// The validation family: the generated scenarios and the Markov baseline.
std::vector<Scenario> validation_scenarios() {
  std::vector<Scenario> s;
  for (int i = 0; i < kGenerated; ++i) s.push_back(generated_scenario(i));
  s.push_back(markov_baseline());
  return s;
}

TEST(ExactSolver, GeneratedScenariosAreInTheSubset) {
  for (const Scenario& s : validation_scenarios()) {
    EXPECT_TRUE(markov_violations(s).empty()) << s.name;
    const ExactModel m(s);
    EXPECT_GT(m.info().transient_states, 0u);
  }
}

TEST(ExactSolver, DenseAndUniformizationAgree) {
  int compared = 0;
  for (int i = 0; i < kGenerated && compared < 4; ++i) {
    const Scenario s = generated_scenario(i);
    const ExactModel uni(s, with_method(ExactOptions::Method::Uniformization));
    if (uni.info().transient_states > 250) continue;  // keep dense exp() cheap
    ++compared;
    const ExactModel dense(s, with_method(ExactOptions::Method::Dense));
    const RunResult a = dense.solve(), b = uni.solve();
    EXPECT_LT(uni.info().error_bound, 1e-9);
    for (int k = 0; k < kEndCategoryCount; ++k)
      for (std::size_t g = 0; g < s.grid.size(); ++g)
        ASSERT_NEAR(a.summary.curve[static_cast<std::size_t>(k)][g].estimate,
                    b.summary.curve[static_cast<std::size_t>(k)][g].estimate, 1e-10)
            << s.name << " category " << k << " t " << s.grid[g];
    for (int q = 0; q < kQuantityCount; ++q) {
      const double x = a.summary.mean[static_cast<std::size_t>(q)];
      const double y = b.summary.mean[static_cast<std::size_t>(q)];
      if (std::isnan(x)) {
        EXPECT_TRUE(std::isnan(y));
      } else {
        EXPECT_NEAR(x, y, 1e-9 * (1 + std::abs(x)))
            << s.name << " " << to_string(static_cast<Quantity>(q));
      }
    }
  }
  EXPECT_GE(compared, 2);
}

TEST(ExactSolver, CurvesSumToOneAndAreMonotone) {
  for (int i = 0; i < kGenerated; i += 3) {
    const Scenario s = generated_scenario(i);
    const RunResult r = solve_exact(s);
    for (std::size_t g = 0; g < s.grid.size(); ++g) {
      double sum = 0;
      for (int k = 0; k < kEndCategoryCount; ++k) {
        const double p = r.summary.curve[static_cast<std::size_t>(k)][g].estimate;
        EXPECT_GE(p, -1e-12);
        sum += p;
        if (g > 0 && k != static_cast<int>(EndCategory::Running)) {
          EXPECT_GE(p, r.summary.curve[static_cast<std::size_t>(k)][g - 1].estimate - 1e-12);
        }
      }
      EXPECT_NEAR(sum, 1.0, 1e-10) << s.name;
    }
  }
}

// --- Monte Carlo against exact ------------------------------------------------------------

const Validation& generated_validation() {
  static const Validation v = [] {
    const std::vector<Scenario> s = validation_scenarios();
    return validate(s, s, 8, scaled(25000));
  }();
  return v;
}

TEST(ExactValidation, MonteCarloIntervalsCoverExactCurves) {
  const Validation& v = generated_validation();
  const double rate = static_cast<double>(v.covered) / static_cast<double>(v.cells);
  const double expected = v.expected_covered / static_cast<double>(v.cells);
  std::printf(
      "coverage %lld/%lld = %.4f (exact Wilson expectation %.4f), %d runs, "
      "sd %.1f cells (independent %.1f, worst case %.1f), z = %.2f\n",
      static_cast<long long>(v.covered), static_cast<long long>(v.cells), rate, expected,
      v.clusters, v.tolerance_sd(), std::sqrt(v.var_independent), std::sqrt(v.var_worst), v.z());
  EXPECT_GT(v.cells, 500);
  EXPECT_NEAR(expected, 0.95, 0.01);
  EXPECT_LT(std::abs(v.z()), 4.0);
}

TEST(ExactValidation, FinalCountsFitExactProbabilities) {
  const Validation& v = generated_validation();
  const double smallest = *std::min_element(v.gof_p.begin(), v.gof_p.end());
  std::printf(
      "chi-square over (category, phases delivered) at H: %zu runs, smallest p %.3g, "
      "Fisher combined p %.3g\n",
      v.gof_p.size(), smallest, v.fisher_p);
  // With ~100 runs, a correct engine has P(smallest < 1e-5) < 1e-3 and the combined
  // p-value is uniform: below 1e-3 one time in a thousand.
  EXPECT_GT(smallest, 1e-5);
  EXPECT_GT(v.fisher_p, 1e-3);
}

TEST(ExactValidation, MeansMatchExactMeans) {
  const Validation& v = generated_validation();
  std::printf("largest |z| of a mean against its exact value: %.2f (%s)\n", v.worst_mean_z,
              v.worst_mean.c_str());
  // About 120 means: |z| > 4.5 by chance has probability below 1e-3 for all of them.
  EXPECT_LT(std::abs(v.worst_mean_z), 4.5);
}

TEST(ExactValidation, ChecksRejectASlightlyWrongModel) {
  // The same checks against a Monte Carlo of a perturbed model (work 15% slower, adoption
  // 0.1 lower) must fail: the tolerances are not vacuous.
  std::vector<Scenario> exact, wrong;
  for (int i = 0; i < 4; ++i) {
    exact.push_back(generated_scenario(i));
    Scenario w = exact.back();
    for (auto& ph : w.phases)
      for (auto& st : ph.steps)
        if (st.work.kind() == DistKind::Exponential)
          st.work = Distribution::exponential(st.work.a() * 1.15);
        else if (st.work.kind() == DistKind::Gamma)
          st.work = Distribution::gamma(st.work.a(), st.work.b() * 1.15);
    w.succession.adoption = std::max(0.0, w.succession.adoption - 0.1);
    w.finalize();
    wrong.push_back(w);
  }
  const Validation v = validate(exact, wrong, 4, scaled(25000));
  std::printf("perturbed model: coverage %.3f, z = %.1f, Fisher p %.3g\n",
              static_cast<double>(v.covered) / static_cast<double>(v.cells), v.z(), v.fisher_p);
  EXPECT_LT(v.z(), -4.0);
  EXPECT_LT(v.fisher_p, 1e-6);
}

// --- rules 11-13: scoping, sponsor attention, customer recruitment ------------------------

// The curve of category k at the grid point t (the scenario's grid has step 10).
double at(const RunResult& r, EndCategory k, double t) {
  const auto& g = r.scenario.grid;
  const auto i = static_cast<std::size_t>(std::lower_bound(g.begin(), g.end(), t) - g.begin());
  return r.summary.curve[static_cast<std::size_t>(k)][i].estimate;
}

double mean_of(const RunResult& r, Quantity q) {
  return r.summary.mean[static_cast<std::size_t>(q)];
}

TEST(ExactMechanisms, ExponentialScopingAgainstTenureClosedForm) {
  // Scoping at rate s against an exit at rate b (fresh sponsor), approval a at the end:
  // P(not started by t) = (b + s (1 - a)) / (s + b) (1 - e^{-(s+b) t}), and a started
  // programme scoped for min(S, T) given S < T: mean 1 / (s + b).
  const double sc = 0.5, b = 0.1, a = 0.8;
  Scenario s = simple_scenario();
  s.scoping = Distribution::exponential(1 / sc);
  s.levels[0].tenure = Distribution::exponential(1 / b);
  s.levels[0].approval = a;
  s.initial_sponsor = InitialSponsor::Fresh;
  s.succession.adoption = 0.0;
  s.finalize();
  for (auto m : kMethods) {
    const RunResult r = solve_exact(s, with_method(m));
    for (double t : {0.0, 10.0, 20.0, 100.0})
      EXPECT_NEAR(at(r, EndCategory::NotStarted, t),
                  (b + sc * (1 - a)) / (sc + b) * (1 - std::exp(-(sc + b) * t)), 1e-9)
          << t;
    EXPECT_NEAR(mean_of(r, Quantity::Scoping), 1 / (sc + b), 1e-8);
    // An exit during scoping is no sponsor change: among started programmes only the exit
    // before the work ends (rate 1) counts, b / (1 + b).
    EXPECT_NEAR(mean_of(r, Quantity::SponsorChanges), b / (1 + b), 1e-8);
    // After approval, work at rate 1 against the exit: P(completed | started) = 1 / (1 + b).
    EXPECT_NEAR(r.summary.outcome_share_started[0].estimate, 1 / (1 + b), 1e-9);
  }
}

TEST(ExactMechanisms, LapseDuringScopingLowersApprovalAndCountsOnlyIfStarted) {
  // Scoping at rate s, lapse at rate l, approval 1 engaged and d disengaged, instant work:
  // P(not started) = l / (s + l) (1 - d); among started, P(one disengagement) =
  // d l / (s + d l).
  const double sc = 0.5, l = 0.25, d = 0.4;
  Scenario s = simple_scenario();
  s.scoping = Distribution::exponential(1 / sc);
  s.levels[0].attention_lapse = Distribution::exponential(1 / l);
  s.disengaged.approval = d;
  s.phases[0].steps[0].work = Distribution::fixed(0.0);
  s.finalize();
  for (auto m : kMethods) {
    const RunResult r = solve_exact(s, with_method(m));
    EXPECT_NEAR(r.summary.outcome_share[static_cast<int>(Outcome::NotStarted)].estimate,
                l / (sc + l) * (1 - d), 1e-9);
    EXPECT_NEAR(mean_of(r, Quantity::Disengagements), d * l / (sc + d * l), 1e-9);
    // Scoping of started programmes: S weighted by its approval, 1 before the lapse L and
    // d after it: E[S; S < L] = s / (s + l)^2, E[S; S > L] = 1 / s - s / (s + l)^2.
    const double before = sc / ((sc + l) * (sc + l));
    EXPECT_NEAR(mean_of(r, Quantity::Scoping),
                (before + d * (1 / sc - before)) / ((sc + d * l) / (sc + l)), 1e-9);
  }
}

TEST(ExactMechanisms, DisengagedResourcesAndRecruitmentClosedForm) {
  // Resources at rate p, slowed f times by a lapse (rate l) that comes before them;
  // recruitment (mean r) and work (mean w) are not slowed; one lapse at most before the
  // only delivery.
  const double p = 1.0, l = 0.5, f = 3.0, r_mean = 2.0, w = 3.0;
  Scenario s = simple_scenario();
  s.levels[0].resource_delay = Distribution::exponential(1 / p);
  s.levels[0].attention_lapse = Distribution::exponential(1 / l);
  s.disengaged.resources = f;
  s.phases[0].engage = true;
  s.customers.recruitment = Distribution::exponential(r_mean);
  s.phases[0].steps[0].work = Distribution::exponential(w);
  s.finalize();
  for (auto m : kMethods) {
    const RunResult r = solve_exact(s, with_method(m));
    EXPECT_NEAR(mean_of(r, Quantity::Resources), 1 / (p + l) + l / (p + l) * f / p, 1e-8);
    EXPECT_NEAR(mean_of(r, Quantity::Recruiting), r_mean, 1e-8);
    EXPECT_NEAR(mean_of(r, Quantity::Working), w, 1e-8);
    const double kept = p / (p + l) * (1 / r_mean) / (1 / r_mean + l) * (1 / w) / (1 / w + l);
    EXPECT_NEAR(mean_of(r, Quantity::Disengagements), 1 - kept, 1e-8);
    EXPECT_NEAR(mean_of(r, Quantity::Scoping), 0.0, 1e-12);
  }
}

TEST(ExactMechanisms, PatienceWaitsForTheStartAndDisengagementDividesIt) {
  // The hazard h runs from approval only: against work at rate w, P(patience) = h / (h + w)
  // whatever the scoping. A disengaged sponsor tolerates d times less: the hazard becomes
  // h / d.
  const double h = 0.1, w = 0.1;
  Scenario s = simple_scenario();
  s.scoping = Distribution::exponential(5.0);
  s.patience.model = PatienceModel::Hazard;
  s.patience.rate = h;
  s.phases[0].steps[0].work = Distribution::exponential(1 / w);
  s.finalize();
  RunResult r = solve_exact(s);
  EXPECT_NEAR(r.summary.curve[static_cast<int>(EndCategory::Patience)].back().estimate, h / (h + w),
              1e-9);
  // Lapse at rate l, during scoping (rate sc) too: engaged at the start with probability
  // sc / (sc + l). From engaged: patience first with h / (h + w + l), or lapse first and
  // then (h / d) / (h / d + w).
  const double l = 0.3, d = 0.5, sc = 0.2;
  s.levels[0].attention_lapse = Distribution::exponential(1 / l);
  s.disengaged.patience = d;
  s.finalize();
  r = solve_exact(s);
  const double disengaged = (h / d) / (h / d + w);
  const double engaged = h / (h + w + l) + l / (h + w + l) * disengaged;
  const double q = sc / (sc + l);
  EXPECT_NEAR(r.summary.curve[static_cast<int>(EndCategory::Patience)].back().estimate,
              q * engaged + (1 - q) * disengaged, 1e-9);
}

TEST(ExactMechanisms, VisibleStepsReengageAndDisengagedCloutEscalatesLess) {
  // Two steps in two silos, the handoff always breaks, one escalation attempt: success is
  // clout c engaged and c * k disengaged, at the end of the escalation delay.
  const double c = 0.8, k = 0.25, l = 0.5, e = 1.0;
  Scenario s = simple_scenario(2, 2);
  s.silos[1].break_prob = 1.0;
  s.escalation.max_attempts = 1;
  s.escalation.delay = Distribution::exponential(1 / e);
  s.levels[0].clout = c;
  s.levels[0].attention_lapse = Distribution::exponential(1 / l);
  s.disengaged.clout = k;
  for (auto& st : s.phases[0].steps) st.work = Distribution::fixed(0.0);
  s.finalize();
  // With phases visible the lapse has run since t = 0 (the first step is instant, so the
  // escalation starts at 0 engaged): P(disengaged at its end) = l / (l + e).
  RunResult r = solve_exact(s);
  const double lapsed = l / (l + e);
  EXPECT_NEAR(r.summary.completed().estimate, (1 - lapsed) * c + lapsed * c * k, 1e-9);
  // Let the first step take time: the sponsor may lapse during it, unless its completion
  // is a visible result (visible: steps) that re-engages them.
  s.phases[0].steps[0].work = Distribution::exponential(1.0);
  s.finalize();
  const double p_phases = solve_exact(s).summary.completed().estimate;
  s.patience.visible = Visible::Steps;
  s.finalize();
  const double p_steps = solve_exact(s).summary.completed().estimate;
  // Visible steps re-engage the sponsor at the end of step 1: as if work took no time.
  EXPECT_NEAR(p_steps, (1 - lapsed) * c + lapsed * c * k, 1e-9);
  EXPECT_LT(p_phases, p_steps);
}

TEST(ExactMechanisms, RefusesTheNonMarkovianCasesWithReasons) {
  Scenario s = simple_scenario();
  s.source = "mechanisms.yaml";
  s.scoping = Distribution::exponential(2.0);
  s.patience.model = PatienceModel::Hazard;
  s.patience.rate = 0.05;
  s.patience.grace = 3.0;
  s.levels[0].attention_lapse = Distribution::gamma(2, 3.0);
  s.phases[0].engage = true;
  s.customers.recruitment = Distribution::exponential(1.0);
  s.customers.trust_effect = 0.5;
  s.finalize();
  std::vector<std::string> v = markov_violations(s);
  EXPECT_TRUE(has_entry(v, "patience.grace: a grace counted from the start of a scoped"));
  EXPECT_TRUE(has_entry(v, "sponsor_levels.vp.attention_lapse: an Erlang lapse restarts"));
  EXPECT_TRUE(has_entry(v, "customers.trust_effect: recruitment that depends on customer trust"));
  EXPECT_EQ(v.size(), 3u);
  EXPECT_THROW(solve_exact(s), NotMarkovianError);
  // Non-exponential durations are named with their keys.
  s.scoping = Distribution::fixed(2.0);
  s.patience.grace = 0.0;
  s.levels[0].attention_lapse = Distribution::fixed(0.0);
  s.customers.recruitment = Distribution::lognormal(1, 0.5);
  s.customers.trust_effect = 0.0;
  s.finalize();
  v = markov_violations(s);
  EXPECT_TRUE(has_entry(v, "scoping: fixed 2 is not exponential"));
  EXPECT_TRUE(has_entry(v, "sponsor_levels.vp.attention_lapse: a lapse of 0 months"));
  EXPECT_TRUE(has_entry(v, "customers.recruitment: lognormal is not exponential"));
  EXPECT_EQ(v.size(), 3u);
  // The Markov cases are accepted: exponential scoping without grace, an exponential lapse,
  // exponential recruitment with trust_effect 0; trust_effect without recruitment is inert.
  s.scoping = Distribution::exponential(2.0);
  s.levels[0].attention_lapse = Distribution::exponential(6.0);
  s.customers.recruitment = Distribution::exponential(1.0);
  s.finalize();
  EXPECT_TRUE(markov_violations(s).empty());
  s.customers.recruitment = Distribution::fixed(0.0);
  s.customers.trust_effect = 1.0;
  s.finalize();
  EXPECT_TRUE(markov_violations(s).empty());
  // A recruitment that never ends takes forever whatever the trust: inert.
  s.customers.recruitment = Distribution::never();
  s.finalize();
  EXPECT_TRUE(markov_violations(s).empty());
  // Grace is fine when nothing is scoped (the start is at 0).
  s.scoping = Distribution::fixed(0.0);
  s.patience.grace = 3.0;
  s.finalize();
  EXPECT_TRUE(markov_violations(s).empty());
}

// Markov scenarios that use all three mechanisms at once: the example scenario file, the
// Markov baseline and four generated scenarios with scoping, lapses, disengaged factors
// and recruitment.
std::vector<Scenario> mechanism_scenarios() {
  std::vector<Scenario> out;
  out.push_back(Scenario::load(PROGSURV_SOURCE_DIR "/scenarios/exact/markov-attention.yaml"));
  Scenario s = markov_baseline();
  s.name = "markov-baseline-attention";
  s.scoping = Distribution::exponential(2.0);
  const double lapse[] = {12, 9, 6, 4};
  for (std::size_t l = 0; l < s.levels.size(); ++l)
    s.levels[l].attention_lapse = Distribution::exponential(lapse[l]);
  s.disengaged = {0.5, 0.6, 2.0, 0.7};
  s.phases[0].engage = true;
  s.phases[1].engage = true;
  s.customers.recruitment = Distribution::exponential(1.5);
  s.customers.trust_effect = 0.0;
  s.customers.follow_up = Distribution::lognormal(2, 0.8);  // trust only: not in the chain
  s.customers.trust_loss = 0.3;
  s.patience.grace = 0.0;
  s.patience.visible = Visible::Steps;
  s.finalize();
  out.push_back(s);
  // Generated scenarios (Erlang tenures and vacancies, residual or fresh sponsors,
  // successors of other levels) with Erlang-2 scoping and recruitment.
  for (int i : {0, 3, 6, 9}) {
    Scenario x = generated_scenario(i);
    x.name += "-attention";
    x.scoping = Distribution::gamma(2, 1.0);
    for (std::size_t l = 0; l < x.levels.size(); ++l)
      x.levels[l].attention_lapse = Distribution::exponential(4.0 + 3.0 * static_cast<double>(l));
    x.disengaged = {0.4, 0.5, 3.0, 0.5};
    x.phases[0].engage = true;
    x.customers.recruitment = Distribution::gamma(2, 0.75);
    x.patience.grace = 0.0;
    x.patience.visible = i % 2 == 0 ? Visible::Phases : Visible::Steps;
    x.finalize();
    out.push_back(x);
  }
  return out;
}

const Validation& mechanism_validation() {
  static const Validation v = [] {
    const std::vector<Scenario> s = mechanism_scenarios();
    return validate(s, s, 8, scaled(20000));
  }();
  return v;
}

TEST(ExactMechanisms, ScenariosUseAllThreeMechanisms) {
  for (const Scenario& s : mechanism_scenarios()) {
    ASSERT_TRUE(markov_violations(s).empty()) << s.name;
    const RunResult r = solve_exact(s);
    EXPECT_GT(mean_of(r, Quantity::Scoping), 0.5) << s.name;
    EXPECT_GT(mean_of(r, Quantity::Recruiting), 0.5) << s.name;
    EXPECT_GT(mean_of(r, Quantity::Disengagements), 0.1) << s.name;
    // Not started by t grows with t: proposals die while they are scoped.
    const auto& ns = r.summary.curve[static_cast<int>(EndCategory::NotStarted)];
    EXPECT_LT(ns[1].estimate + 0.01, ns.back().estimate) << s.name;
    // The buckets sum to the mean end time.
    double sum = 0;
    for (int b = 0; b < kTimeBucketCount; ++b)
      sum += mean_of(r, quantity_of(static_cast<TimeBucket>(b)));
    EXPECT_NEAR(sum, mean_of(r, Quantity::EndTime), 1e-9) << s.name;
  }
}

TEST(ExactMechanisms, MonteCarloAgreesWithExactCurvesCountsAndBuckets) {
  const Validation& v = mechanism_validation();
  const double smallest = *std::min_element(v.gof_p.begin(), v.gof_p.end());
  std::printf(
      "rules 11-13: coverage %lld/%lld (exact Wilson expectation %.1f), z = %.2f; "
      "chi-square smallest p %.3g, Fisher p %.3g; largest mean |z| %.2f (%s)\n",
      static_cast<long long>(v.covered), static_cast<long long>(v.cells), v.expected_covered, v.z(),
      smallest, v.fisher_p, v.worst_mean_z, v.worst_mean.c_str());
  EXPECT_GT(v.cells, 300);
  EXPECT_LT(std::abs(v.z()), 4.0);
  EXPECT_GT(smallest, 1e-4);
  EXPECT_GT(v.fisher_p, 1e-3);
  // About 90 means (the seven buckets, end time, five counts, value per scenario).
  EXPECT_LT(std::abs(v.worst_mean_z), 4.5);
}

TEST(ExactMechanisms, ChecksRejectAMonteCarloWithoutTheMechanisms) {
  // The same checks against a Monte Carlo whose sponsors lapse half as often and whose
  // scoping is 30% shorter (and exponential) must fail: the agreement above is not vacuous.
  const std::vector<Scenario> exact = mechanism_scenarios();
  std::vector<Scenario> wrong = exact;
  for (Scenario& w : wrong) {
    for (auto& lv : w.levels)
      if (lv.attention_lapse.kind() == DistKind::Exponential)
        lv.attention_lapse = Distribution::exponential(lv.attention_lapse.a() * 2);
    w.scoping = Distribution::exponential(w.scoping.mean() * 0.7);
    w.finalize();
  }
  const Validation v = validate(exact, wrong, 4, scaled(20000));
  std::printf("rules 11-13 perturbed: z = %.1f, Fisher p %.3g, largest mean |z| %.1f\n", v.z(),
              v.fisher_p, v.worst_mean_z);
  EXPECT_LT(v.fisher_p, 1e-6);
  EXPECT_GT(std::abs(v.worst_mean_z), 6.0);
}

// --- found by the peer comparison (bench/compare_peers.py) ---------------------------------

TEST(EngineReviews, ASkippedReviewDoesNotFireLateAtASponsorExit) {
  // Reviews every 2 months, θ = 5; in post m = 1, vacant m = 0.5. The sponsor leaves at 5:
  // the reviews at 2 and 4 were not overdue then (g <= 5), and must not fire at the exit
  // once the tolerance drops to 2.5; the cut comes at the next review, 6.
  Scenario s = simple_scenario();
  s.phases[0].steps[0].work = Distribution::fixed(10.0);
  s.levels[0].tenure = Distribution::fixed(5.0);
  s.succession.vacancy = Distribution::fixed(3.0);
  s.succession.adoption = 1.0;
  s.patience.model = PatienceModel::Reviews;
  s.patience.review_every = 2.0;
  s.patience.threshold = Distribution::fixed(5.0);
  s.patience.vacancy_multiplier = 0.5;
  s.finalize();
  auto rec = simulate_replication(s, 1, 0);
  EXPECT_EQ(rec.cause, Cause::Patience);
  EXPECT_DOUBLE_EQ(rec.end_time, 6.0);
  // The exit at exactly a review time (4): the review comes first, under m = 1.
  s.levels[0].tenure = Distribution::fixed(4.0);
  rec = simulate_replication(s, 1, 0);
  EXPECT_EQ(rec.cause, Cause::Patience);
  EXPECT_DOUBLE_EQ(rec.end_time, 6.0);
}

// --- the command --------------------------------------------------------------------------

int run_command(const std::string& command, std::string* output) {
  const std::string log = std::filesystem::temp_directory_path() /
                          ("progsurv-exact-" + std::to_string(::getpid()) + ".log");
  const int status = std::system((command + " >" + log + " 2>&1").c_str());
  std::ifstream in(log);
  output->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  std::filesystem::remove(log);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

const char* kMarkovYaml = R"(name: markov
horizon: 36
grid: {step: 1}
sponsor_levels:
  vp: {tenure: {dist: exponential, mean: 24}, clout: 0.5, approval: 0.9,
       resource_delay: {dist: exponential, mean: 1}}
sponsor: {vp: 1}
succession: {vacancy: {dist: exponential, mean: 3}, adoption: 0.6}
silos:
  marketing: {pickup: {dist: exponential, mean: 1}, break_prob: 0.2}
  it: {pickup: {dist: gamma, shape: 2, scale: 1}, break_prob: 0.3}
escalation: {delay: {dist: exponential, mean: 1}, max_attempts: 2}
phases:
  - {name: one, continue_prob: 0.7, steps: [{silo: marketing, work: {dist: exponential, mean: 2}},
                                             {silo: it, work: {dist: exponential, mean: 3}}]}
  - {name: two, steps: [{silo: it, work: {dist: gamma, shape: 2, scale: 2}}]}
patience: {model: hazard, rate: 0.03, grace: 6}
budget: none
)";

TEST(ExactCommand, WritesExactCurvesAndRefusesNonMarkovian) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("progsurv-exact-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string yaml = (dir / "markov.yaml").string(), out = (dir / "markov.h5").string();
  std::ofstream(yaml) << kMarkovYaml;
  std::string log;
  ASSERT_EQ(run_command(std::string(PROGSURV_BINARY) + " exact " + yaml + " -o " + out, &log), 0)
      << log;
  EXPECT_NE(log.find("exact: Markov chain of"), std::string::npos) << log;
  {
    const h5::File f = h5::File::open_read(out);
    EXPECT_EQ(f.read_attr_string("method"), "exact");
    const RunResult expected = solve_exact(Scenario::load(yaml));
    const h5::Group curves = f.open_group("curves");
    EXPECT_EQ(curves.read_dataset<double>("time"), expected.summary.grid);
    for (int k = 0; k < kEndCategoryCount; ++k) {
      const auto p = curves.read_dataset<double>(
          std::string(to_string(static_cast<EndCategory>(k))) + "/probability");
      std::vector<double> want;
      curve_of(expected, static_cast<EndCategory>(k), want);
      EXPECT_EQ(p, want) << to_string(static_cast<EndCategory>(k));
    }
  }
  const std::string baseline = PROGSURV_SOURCE_DIR "/scenarios/baseline.yaml";
  EXPECT_EQ(run_command(std::string(PROGSURV_BINARY) + " exact " + baseline + " -o " +
                            (dir / "baseline.h5").string(),
                        &log),
            2);
  EXPECT_NE(log.find("phases.0.steps.0.work: pert is not exponential"), std::string::npos) << log;
  EXPECT_NE(log.find("budget: squeeze cycles are not Markovian"), std::string::npos) << log;
  EXPECT_FALSE(std::filesystem::exists(dir / "baseline.h5"));
  std::filesystem::remove_all(dir);
}

}  // namespace
