// The exact solver with co-sponsor seats (rule 14) and the escalation ladder (rule 15)
// against closed forms, what it refuses of rules 16-17, and the Monte Carlo engine against
// it on scenarios with seats and a ladder (docs/model.md, Exact solver; docs/validation.md).
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "command.hpp"
#include "exact_validation.hpp"
#include "progsurv/analysis/exact.hpp"
#include "scenario_builder.hpp"

using namespace progsurv;
using progsurv::testing::scaled;
using progsurv::testing::simple_scenario;
using progsurv::testing::validate;
using progsurv::testing::Validation;

namespace {

const ExactOptions::Method kMethods[] = {ExactOptions::Method::Dense,
                                         ExactOptions::Method::Uniformization};

ExactOptions with_method(ExactOptions::Method m) {
  ExactOptions o;
  o.method = m;
  o.dense_limit = 100000;
  return o;
}

double curve(const RunResult& r, EndCategory k, std::size_t g) {
  return r.summary.curve[static_cast<std::size_t>(k)][g].estimate;
}

double mean_of(const RunResult& r, Quantity q) {
  return r.summary.mean[static_cast<std::size_t>(q)];
}

bool has_entry(const std::vector<std::string>& entries, const std::string& text) {
  for (const auto& e : entries)
    if (e.find(text) != std::string::npos) return true;
  return false;
}

// simple_scenario() with a second level "cs" (index 1) for co-sponsors.
Scenario with_cs_level(Scenario s, double clout = 0.5) {
  SponsorLevel cs = s.levels[0];
  cs.name = "cs";
  cs.clout = clout;
  s.levels.push_back(cs);
  s.finalize();
  return s;
}

// P(a seat is lost by t): its holder's residual tenure ~ Exp(b), then a vacancy ~ Exp(v)
// (v = inf: no vacancy), and its successor never adopts.
double seat_lost_by(double t, double b, double v) {
  if (std::isinf(v)) return 1.0 - std::exp(-b * t);
  return 1.0 - (v * std::exp(-b * t) - b * std::exp(-v * t)) / (v - b);
}

}  // namespace

TEST(ExactSeats, TwoSeatsEndWhenBothAreLost) {
  // Rule 14 closed form: no work ever ends, adoption 0. The programme ends (sponsor_exit)
  // when both seats are lost; each is lost at its holder's exit (vacancy 0) or at the end
  // of the vacancy that follows, independently of the other.
  const double b0 = 1.0 / 30.0, b1 = 1.0 / 50.0;
  for (const double v : {std::numeric_limits<double>::infinity(), 1.0 / 4.0}) {
    Scenario s = with_cs_level(simple_scenario());
    s.phases[0].steps[0].work = Distribution::never();
    s.levels[0].tenure = Distribution::exponential(1.0 / b0);
    s.levels[1].tenure = Distribution::exponential(1.0 / b1);
    s.initial_sponsor = InitialSponsor::Residual;  // the residual of an exponential: the same
    s.succession.adoption = 0.0;
    s.succession.vacancy =
        std::isinf(v) ? Distribution::fixed(0.0) : Distribution::exponential(1.0 / v);
    s.co_sponsors = {1};
    s.finalize();
    ASSERT_TRUE(markov_violations(s).empty());
    for (auto m : kMethods) {
      const RunResult r = solve_exact(s, with_method(m));
      for (std::size_t g = 0; g < s.grid.size(); ++g) {
        const double t = s.grid[g];
        const double both = seat_lost_by(t, b0, v) * seat_lost_by(t, b1, v);
        EXPECT_NEAR(curve(r, EndCategory::SponsorExit, g), both, 1e-9) << "t = " << t;
        EXPECT_NEAR(curve(r, EndCategory::Running, g), 1.0 - both, 1e-9) << "t = " << t;
      }
      // Every seat's exit counts as a sponsor change; each seat has at most one here.
      const double h = s.horizon;
      EXPECT_NEAR(mean_of(r, Quantity::SponsorChanges),
                  (1.0 - std::exp(-b0 * h)) + (1.0 - std::exp(-b1 * h)), 1e-9);
    }
  }
}

TEST(ExactSeats, StateCountIsTheProductOfTheSeats) {
  // One exponential step, exponential tenures and vacancy, no lapse: each seat is filled,
  // vacant or lost (3 states), and all seats lost is the absorbing sponsor_exit, so n seats
  // give 3^n - 1 transient states (docs/validation.md).
  Scenario s = with_cs_level(simple_scenario());
  s.levels[0].tenure = Distribution::exponential(30.0);
  s.levels[1].tenure = Distribution::exponential(50.0);
  s.succession.adoption = 0.5;
  s.succession.vacancy = Distribution::exponential(3.0);
  for (int co = 0; co <= 3; ++co) {
    s.co_sponsors.assign(static_cast<std::size_t>(co), 1);
    s.finalize();
    const ExactModel model(s);
    EXPECT_EQ(model.info().transient_states, static_cast<std::size_t>(std::pow(3.0, co + 1)) - 1u)
        << co;
  }
}

TEST(ExactSeats, ClocksFreezeOnlyWhileNoSeatIsFilled) {
  // The lead leaves at rate b and the post stays vacant; a co-sponsor who never leaves keeps
  // the work running: P(completed by t) = 1 - e^{-a t} and no month is vacant. Without the
  // co-sponsor the work freezes for good: a/(a+b) (1 - e^{-(a+b) t}).
  const double a = 1.0 / 4.0, b = 1.0 / 12.0;
  Scenario s = with_cs_level(simple_scenario());
  s.phases[0].steps[0].work = Distribution::exponential(1.0 / a);
  s.levels[0].tenure = Distribution::exponential(1.0 / b);
  s.succession.vacancy = Distribution::never();
  s.co_sponsors = {1};
  s.finalize();
  for (auto m : kMethods) {
    const RunResult r = solve_exact(s, with_method(m));
    for (std::size_t g = 0; g < s.grid.size(); ++g)
      EXPECT_NEAR(curve(r, EndCategory::Completed, g), 1.0 - std::exp(-a * s.grid[g]), 1e-9);
    EXPECT_NEAR(mean_of(r, Quantity::Vacant), 0.0, 1e-12);
    EXPECT_NEAR(mean_of(r, Quantity::Working), 1.0 / a, 1e-6);
  }
  s.co_sponsors.clear();
  s.finalize();
  const RunResult alone = solve_exact(s);
  for (std::size_t g = 0; g < s.grid.size(); ++g)
    EXPECT_NEAR(curve(alone, EndCategory::Completed, g),
                a / (a + b) * (1.0 - std::exp(-(a + b) * s.grid[g])), 1e-9);
}

TEST(ExactSeats, ActingSponsorHasTheHighestEffectiveClout) {
  // Every handoff breaks, one attempt, instant escalation: P(handoff_failure) = 1 - clout of
  // the acting sponsor, the co-sponsor when their clout is higher.
  Scenario s = with_cs_level(simple_scenario(2, 2), 0.9);
  s.levels[0].clout = 0.2;
  s.silos[1].break_prob = 1.0;
  s.finalize();
  const std::size_t last = s.grid.size() - 1;
  EXPECT_NEAR(curve(solve_exact(s), EndCategory::HandoffFailure, last), 0.8, 1e-9);
  s.co_sponsors = {1};
  s.finalize();
  EXPECT_NEAR(curve(solve_exact(s), EndCategory::HandoffFailure, last), 0.1, 1e-9);
  // A disengaged co-sponsor brings clout 0.9 * 0.1 < 0.2: then the lead acts. The
  // co-sponsor lapses at rate 100 against the first step's rate 1 (a step is no visible
  // result here), so the break meets them engaged with probability 1/101.
  s.levels[1].attention_lapse = Distribution::exponential(0.01);
  s.disengaged.clout = 0.1;
  s.finalize();
  EXPECT_NEAR(curve(solve_exact(s), EndCategory::HandoffFailure, last),
              100.0 / 101.0 * 0.8 + 1.0 / 101.0 * 0.1, 1e-9);

  // The patience hazard uses the acting sponsor's multiplier; equal clouts go to the lower
  // seat (the lead, multiplier 1), a higher clout to the co-sponsor (multiplier 4).
  Scenario p = with_cs_level(simple_scenario());
  p.phases[0].steps[0].work = Distribution::never();
  p.patience.model = PatienceModel::Hazard;
  p.patience.rate = 0.02;
  p.levels[1].patience_multiplier = 4.0;
  p.co_sponsors = {1};
  p.finalize();
  const std::size_t g = 10;  // t = 100
  EXPECT_NEAR(curve(solve_exact(p), EndCategory::Patience, g), 1.0 - std::exp(-0.02 * 100), 1e-9);
  p.levels[1].clout = 0.6;
  p.finalize();
  EXPECT_NEAR(curve(solve_exact(p), EndCategory::Patience, g), 1.0 - std::exp(-0.005 * 100), 1e-9);
}

TEST(ExactSeats, ACoSponsorWhoNeverActsChangesNoCurve) {
  // The lead never leaves and out-clouts the co-sponsor, whose own exits, vacancies and
  // losses then change nothing but the count of sponsor changes.
  Scenario s = with_cs_level(simple_scenario(3, 2), 0.3);
  s.levels[0].clout = 0.7;
  s.silos[1].break_prob = 0.5;
  s.silos[0].break_prob = 0.3;
  s.escalation.delay = Distribution::exponential(2.0);
  s.escalation.max_attempts = 2;
  s.patience.model = PatienceModel::Hazard;
  s.patience.rate = 0.01;
  s.levels[1].tenure = Distribution::exponential(5.0);
  s.succession.vacancy = Distribution::exponential(2.0);
  s.succession.adoption = 0.5;
  s.finalize();
  const RunResult alone = solve_exact(s);
  s.co_sponsors = {1, 1};
  s.finalize();
  const RunResult seated = solve_exact(s);
  for (int k = 0; k < kEndCategoryCount; ++k)
    for (std::size_t g = 0; g < s.grid.size(); ++g)
      EXPECT_NEAR(curve(seated, static_cast<EndCategory>(k), g),
                  curve(alone, static_cast<EndCategory>(k), g), 1e-10);
  EXPECT_NEAR(mean_of(alone, Quantity::SponsorChanges), 0.0, 1e-12);
  EXPECT_GT(mean_of(seated, Quantity::SponsorChanges), 0.1);
  EXPECT_NEAR(mean_of(seated, Quantity::Escalations), mean_of(alone, Quantity::Escalations), 1e-9);
}

TEST(ExactLadder, OneRungSucceedsWithItsCloutOrTheSponsors) {
  // Rule 15 closed form: one rung of clout c1 and go_up g below a sponsor of clout c; every
  // handoff breaks; success per attempt c1 + (1 - c1) g c.
  const double c1 = 0.3, g = 0.6, c = 0.7;
  const double success = c1 + (1.0 - c1) * g * c;
  Scenario s = simple_scenario(2, 2);
  s.levels[0].clout = c;
  s.silos[1].break_prob = 1.0;
  s.escalation.ladder = {EscalationRung{Distribution::fixed(0.0), c1, g}};
  for (const int attempts : {1, 2}) {
    s.escalation.max_attempts = attempts;
    s.finalize();
    ASSERT_TRUE(markov_violations(s).empty());
    const double fail = std::pow(1.0 - success, attempts);
    for (auto m : kMethods) {
      const RunResult r = solve_exact(s, with_method(m));
      // The break comes when the first step (rate 1) ends; everything after it is instant.
      for (std::size_t i = 0; i < s.grid.size(); ++i)
        EXPECT_NEAR(curve(r, EndCategory::HandoffFailure, i), fail * (1.0 - std::exp(-s.grid[i])),
                    1e-9);
      const double attempts_mean = attempts == 1 ? 1.0 : 1.0 + (1.0 - success);
      EXPECT_NEAR(mean_of(r, Quantity::Escalations), attempts_mean, 1e-9);
    }
  }
  // Timed rungs: an attempt spends the rung's delay, then the sponsor's when it goes up.
  const double d = 2.0, e = 3.0;
  s.escalation.max_attempts = 1;
  s.escalation.ladder[0].delay = Distribution::exponential(d);
  s.escalation.delay = Distribution::exponential(e);
  s.finalize();
  const RunResult r = solve_exact(s);
  EXPECT_NEAR(curve(r, EndCategory::HandoffFailure, s.grid.size() - 1), 1.0 - success, 1e-9);
  EXPECT_NEAR(mean_of(r, Quantity::Escalating), d + (1.0 - c1) * g * e, 1e-6);
}

TEST(ExactLadder, RungsClimbInOrderAndTheTopReachesTheActingSponsor) {
  // Two rungs: a break is resolved at rung 1 (c1), rung 2 ((1 - c1) g1 c2) or the sponsor
  // ((1 - c1) g1 (1 - c2) g2 c), where the sponsor is the acting one (a co-sponsor of clout
  // 0.9 over a lead of 0.1).
  const double c1 = 0.2, g1 = 0.5, c2 = 0.4, g2 = 0.8, c = 0.9;
  Scenario s = with_cs_level(simple_scenario(2, 2), c);
  s.levels[0].clout = 0.1;
  s.silos[1].break_prob = 1.0;
  s.escalation.ladder = {EscalationRung{Distribution::exponential(1.0), c1, g1},
                         EscalationRung{Distribution::gamma(2, 0.5), c2, g2}};
  s.co_sponsors = {1};
  s.finalize();
  ASSERT_TRUE(markov_violations(s).empty());
  const double success = c1 + (1 - c1) * g1 * (c2 + (1 - c2) * g2 * c);
  const RunResult r = solve_exact(s);
  EXPECT_NEAR(curve(r, EndCategory::HandoffFailure, s.grid.size() - 1), 1.0 - success, 1e-9);
  EXPECT_NEAR(curve(r, EndCategory::Completed, s.grid.size() - 1), success, 1e-9);
}

TEST(ExactLadder, AnInertRungGivesTheEmptyLaddersChain) {
  // A rung that takes no time, never resolves and always goes up is no rung at all: the
  // chain is the same, state for state.
  Scenario s = simple_scenario(3, 2);
  s.silos[1].break_prob = 0.4;
  s.silos[0].break_prob = 0.2;
  s.escalation.delay = Distribution::exponential(2.0);
  s.escalation.max_attempts = 3;
  s.levels[0].tenure = Distribution::exponential(20.0);
  s.succession.vacancy = Distribution::exponential(2.0);
  s.succession.adoption = 0.6;
  s.finalize();
  const ExactModel empty(s);
  const RunResult a = empty.solve();
  s.escalation.ladder = {EscalationRung{Distribution::fixed(0.0), 0.0, 1.0}};
  s.finalize();
  const ExactModel inert(s);
  const RunResult b = inert.solve();
  EXPECT_EQ(empty.info().transient_states, inert.info().transient_states);
  for (int k = 0; k < kEndCategoryCount; ++k)
    for (std::size_t g = 0; g < s.grid.size(); ++g)
      EXPECT_EQ(curve(a, static_cast<EndCategory>(k), g), curve(b, static_cast<EndCategory>(k), g));
}

TEST(ExactSeatsLadder, RefusesWhatTheSubsetExcludesWithReasons) {
  Scenario s = with_cs_level(simple_scenario(2, 2));
  s.source = "rules.yaml";
  s.silos[1].break_prob = 0.5;
  s.phases[0].engage = true;
  s.phases[0].deferrable = 0.3;
  s.deferral.prob = 0.5;
  // Squeezes that never cut are in the subset, but they are pressure events for deferral.
  s.budget.enabled = true;
  s.budget.squeeze_prob = 0.5;
  s.budget.cut_prob = 0.0;
  s.customers.recruitment = Distribution::exponential(1.0);
  s.customers.trust_effect = 0.5;
  s.customers.reengage.prob = 0.5;
  s.customers.reengage.recovery = 0.4;
  s.customers.reengage.delay = Distribution::lognormal(1, 0.5);
  s.escalation.ladder = {EscalationRung{Distribution::lognormal(1, 0.5), 0.2, 0.5}};
  s.co_sponsors = {1};
  s.levels[1].tenure = Distribution::weibull(2.0, 30.0);
  s.finalize();
  std::vector<std::string> v = markov_violations(s);
  EXPECT_TRUE(has_entry(v, "deferral.prob: scope deferral happens at reviews and budget"));
  EXPECT_TRUE(has_entry(v, "customers.reengage: re-engagement raises customer trust"));
  EXPECT_TRUE(has_entry(v, "customers.trust_effect: recruitment that depends on customer"));
  EXPECT_TRUE(has_entry(v, "escalation.ladder.0.delay: lognormal is not exponential"));
  // A co-sponsor's level is checked like the lead's.
  EXPECT_TRUE(has_entry(v, "sponsor_levels.cs.tenure: weibull with shape 2"));
  EXPECT_EQ(v.size(), 5u);
  try {
    solve_exact(s);
    ADD_FAILURE() << "no refusal";
  } catch (const NotMarkovianError& e) {
    EXPECT_EQ(e.entries(), v);
    EXPECT_NE(std::string(e.what()).find("rules.yaml"), std::string::npos);
  }

  // The Markov cases: no deferrable phase (or deferral.prob 0), re-engagement with
  // trust_effect 0 (it changes only trust, which is outside the chain), a rung whose
  // delay is exponential, and rungs no attempt can reach are not checked.
  s.phases[0].deferrable = 0.0;
  s.customers.trust_effect = 0.0;
  s.escalation.ladder = {EscalationRung{Distribution::exponential(1.0), 1.0, 0.5},
                         EscalationRung{Distribution::lognormal(1, 0.5), 0.2, 0.5}};
  s.escalation.delay = Distribution::lognormal(1, 0.5);  // above a rung that always resolves
  s.levels[1].tenure = Distribution::exponential(30.0);
  s.finalize();
  EXPECT_TRUE(markov_violations(s).empty()) << (v = markov_violations(s), v.empty() ? "" : v[0]);
  const RunResult with_reengage = solve_exact(s);
  s.customers.reengage = Customers::Reengage{};
  s.finalize();
  const RunResult without = solve_exact(s);
  for (int k = 0; k < kEndCategoryCount; ++k)
    for (std::size_t g = 0; g < s.grid.size(); ++g)
      EXPECT_EQ(curve(with_reengage, static_cast<EndCategory>(k), g),
                curve(without, static_cast<EndCategory>(k), g));
  s.deferral.prob = 0.0;
  s.phases[0].deferrable = 0.5;
  s.finalize();
  EXPECT_TRUE(markov_violations(s).empty());
  // Deferral with no pressure event to act at (no squeezes, no review that spares) is inert:
  // accepted, and the solution is the one without it.
  s.deferral.prob = 0.5;
  s.finalize();
  EXPECT_TRUE(has_entry(markov_violations(s), "deferral.prob: scope deferral happens"));
  s.budget.enabled = false;
  s.finalize();
  EXPECT_TRUE(markov_violations(s).empty());
  const RunResult inert = solve_exact(s);
  s.deferral.prob = 0.0;
  s.finalize();
  const RunResult none = solve_exact(s);
  for (int k = 0; k < kEndCategoryCount; ++k)
    for (std::size_t g = 0; g < s.grid.size(); ++g)
      EXPECT_EQ(curve(inert, static_cast<EndCategory>(k), g),
                curve(none, static_cast<EndCategory>(k), g));

  // Co-sponsor levels that do not exist, and more seats than the chain holds.
  s.co_sponsors = {1, 7};
  s.finalize();
  v = markov_violations(s);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0], "co_sponsors.1: no such sponsor level");
  s.co_sponsors.assign(8, 1);
  s.finalize();
  v = markov_violations(s);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_TRUE(has_entry(v, "co_sponsors: 8 co-sponsors; the exact solver's chain holds at most 7"));
}

TEST(ExactSeatsLadder, ExampleFileSolvesAndTheCommandRefusesDeferral) {
  const std::string file = PROGSURV_SOURCE_DIR "/scenarios/exact/markov-seats.yaml";
  Scenario s = Scenario::load(file);
  ASSERT_EQ(s.co_sponsors.size(), 1u);
  ASSERT_EQ(s.escalation.ladder.size(), 1u);
  const ExactModel seated(s);
  const RunResult r = seated.solve();
  // The co-sponsor outlasts some of the lead's exits: fewer sponsor_exit endings than
  // with the lead alone. A boss more willing to go up the ladder: fewer handoff failures.
  Scenario alone = s;
  alone.co_sponsors.clear();
  alone.finalize();
  const ExactModel lead_only(alone);
  EXPECT_LT(lead_only.info().transient_states, seated.info().transient_states);
  const std::size_t last = s.grid.size() - 1;
  EXPECT_LT(curve(r, EndCategory::SponsorExit, last),
            curve(lead_only.solve(), EndCategory::SponsorExit, last) - 0.01);
  Scenario willing = s;
  willing.escalation.ladder[0].go_up = 0.95;
  willing.finalize();
  EXPECT_LT(curve(solve_exact(willing), EndCategory::HandoffFailure, last),
            curve(r, EndCategory::HandoffFailure, last) - 0.01);

  // The command refuses deferral with its reason, exit 2, nothing written, when it can act
  // (here at squeezes that never cut, which alone the chain would take).
  const auto dir = std::filesystem::temp_directory_path() /
                   ("progsurv-exact-seats-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::string yaml = progsurv_test::slurp(file);
  const std::string phase = "  - name: discovery\n";
  yaml.replace(yaml.find(phase), phase.size(), phase + "    deferrable: 0.5\n");
  yaml += "deferral: {prob: 0.3}\n";
  yaml += "budget: {every: 12, squeeze_prob: 0.5, cut_prob: 0}\n";
  std::ofstream(dir / "deferral.yaml") << yaml;
  const auto out = progsurv_test::progsurv("exact " + (dir / "deferral.yaml").string() + " -o " +
                                           (dir / "deferral.h5").string());
  EXPECT_EQ(out.status, 2) << out.out;
  EXPECT_NE(out.out.find("deferral.prob: scope deferral happens at reviews and budget squeezes"),
            std::string::npos)
      << out.out;
  EXPECT_FALSE(std::filesystem::exists(dir / "deferral.h5"));
  std::filesystem::remove_all(dir);
}

TEST(ExactSeats, ResourceWaitIsDrawnAfterTheVisibleResult) {
  // A delivered phase is a visible result that re-engages every seat before the next phase
  // starts its resource wait under the acting sponsor (docs/model.md, Phase delivery and
  // rule 14). The co-sponsor (clout 0.6) out-clouts the lead (0.3) unless disengaged
  // (0.6 * 0.4 < 0.3) and lapses at rate 5, but is engaged at the start and again at each
  // delivery: both phases wait under the co-sponsor's level, 2 * r_v months in all.
  const double r_d = 3.0, r_v = 0.5;
  Scenario s = with_cs_level(simple_scenario(), 0.6);
  s.levels[0].clout = 0.3;
  s.levels[0].resource_delay = Distribution::exponential(r_d);
  s.levels[1].resource_delay = Distribution::exponential(r_v);
  s.levels[1].attention_lapse = Distribution::exponential(0.2);
  s.disengaged.clout = 0.4;
  s.phases.push_back(s.phases[0]);
  s.co_sponsors = {1};
  s.finalize();
  for (auto m : kMethods) {
    const RunResult r = solve_exact(s, with_method(m));
    EXPECT_NEAR(mean_of(r, Quantity::Resources), 2.0 * r_v, 1e-6);
    EXPECT_GT(mean_of(r, Quantity::Disengagements), 1.0);
  }
}

// --- Monte Carlo against exact ------------------------------------------------------------

namespace {

// Markov scenarios with co-sponsor seats and a ladder: the example file, a steering
// committee and seats lost at their holders' first exits. Each level has its own resource
// delay, so the agreement checks the order of a delivery: re-engagement first, then the
// next phase's resource wait under whoever acts now (ResourceWaitIsDrawnAfterTheVisibleResult).
std::vector<Scenario> seat_scenarios() {
  std::vector<Scenario> out;
  out.push_back(Scenario::load(PROGSURV_SOURCE_DIR "/scenarios/exact/markov-seats.yaml"));
  // A director lead with a VP and a C-suite co-sponsor (Erlang-2 tenure, residual start),
  // a lead succeeded from a mix, an Erlang-2 vacancy, scoping and a two-rung ladder.
  Scenario s = out.front();
  s.name = "markov-steering";
  SponsorLevel cs = s.levels[1];
  cs.name = "c_suite";
  cs.clout = 0.8;
  cs.tenure = Distribution::gamma(2, 12.0);
  cs.patience_multiplier = 1.5;
  cs.attention_lapse = Distribution::exponential(4.0);
  cs.resource_delay = Distribution::exponential(0.25);
  s.levels.push_back(cs);
  s.co_sponsors = {1, 2};
  s.succession.successor_same = false;
  s.succession.successor.level = {0, 1};
  s.succession.successor.prob = {0.7, 0.3};
  s.succession.vacancy = Distribution::gamma(2, 1.0);
  s.succession.adoption = 0.4;
  s.scoping = Distribution::exponential(1.5);
  s.escalation.ladder = {EscalationRung{Distribution::exponential(0.5), 0.2, 0.6},
                         EscalationRung{Distribution::gamma(2, 0.4), 0.4, 0.5}};
  s.finalize();
  out.push_back(s);
  // Two VP co-sponsors; every seat is lost at its holder's first exit (no vacancy,
  // adoption 0); fresh sponsors; an instant rung and three attempts.
  Scenario t = out.front();
  t.name = "markov-seats-lost";
  t.initial_sponsor = InitialSponsor::Fresh;
  t.succession.vacancy = Distribution::fixed(0.0);
  t.succession.adoption = 0.0;
  t.co_sponsors = {1, 1};
  t.escalation.ladder = {EscalationRung{Distribution::fixed(0.0), 0.3, 0.7}};
  t.escalation.max_attempts = 3;
  t.finalize();
  out.push_back(t);
  return out;
}

const Validation& seat_validation() {
  static const Validation v = [] {
    const std::vector<Scenario> s = seat_scenarios();
    return validate(s, s, 6, scaled(20000));
  }();
  return v;
}

}  // namespace

TEST(ExactSeatsLadderValidation, ScenariosUseSeatsAndTheLadder) {
  for (const Scenario& s : seat_scenarios()) {
    ASSERT_TRUE(markov_violations(s).empty()) << s.name;
    const RunResult r = solve_exact(s);
    EXPECT_GT(mean_of(r, Quantity::Rungs), mean_of(r, Quantity::Escalations) + 0.05) << s.name;
    EXPECT_GT(mean_of(r, Quantity::SponsorChanges), 0.3) << s.name;
    EXPECT_GT(curve(r, EndCategory::SponsorExit, s.grid.size() - 1), 0.02) << s.name;
    EXPECT_GT(curve(r, EndCategory::HandoffFailure, s.grid.size() - 1), 0.02) << s.name;
  }
}

TEST(ExactSeatsLadderValidation, MonteCarloAgreesWithExactCurvesCountsAndBuckets) {
  const Validation& v = seat_validation();
  const double smallest = *std::min_element(v.gof_p.begin(), v.gof_p.end());
  std::printf(
      "rules 14-15: coverage %lld/%lld (exact Wilson expectation %.1f), z = %.2f; "
      "chi-square smallest p %.3g, Fisher p %.3g; largest mean |z| %.2f (%s)\n",
      static_cast<long long>(v.covered), static_cast<long long>(v.cells), v.expected_covered, v.z(),
      smallest, v.fisher_p, v.worst_mean_z, v.worst_mean.c_str());
  EXPECT_GT(v.cells, 300);
  EXPECT_LT(std::abs(v.z()), 4.0);
  EXPECT_GT(smallest, 1e-4);
  EXPECT_GT(v.fisher_p, 1e-3);
  // About 50 means (buckets, end time, counts with rungs, value per scenario).
  EXPECT_LT(std::abs(v.worst_mean_z), 4.5);
}

TEST(ExactSeatsLadderValidation, ChecksRejectAMonteCarloWithWrongSeatsOrLadder) {
  // The same checks against a Monte Carlo whose first rung goes up less often and whose
  // co-sponsors leave sooner must fail: the agreement above is not vacuous.
  const std::vector<Scenario> exact = seat_scenarios();
  std::vector<Scenario> wrong = exact;
  for (Scenario& w : wrong) {
    w.escalation.ladder[0].go_up = std::max(0.0, w.escalation.ladder[0].go_up - 0.25);
    for (const int l : w.co_sponsors) {
      Distribution& t = w.levels[static_cast<std::size_t>(l)].tenure;
      if (t.kind() == DistKind::Exponential) t = Distribution::exponential(t.a() * 0.7);
    }
    w.finalize();
  }
  const Validation v = validate(exact, wrong, 4, scaled(20000));
  std::printf("rules 14-15 perturbed: z = %.1f, Fisher p %.3g, largest mean |z| %.1f\n", v.z(),
              v.fisher_p, v.worst_mean_z);
  EXPECT_LT(v.fisher_p, 1e-6);
  EXPECT_GT(std::abs(v.worst_mean_z), 6.0);
}
