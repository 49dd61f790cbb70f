// Closed forms of rule 11 outside the Markov subset, checked by Monte Carlo: a FIXED
// scoping S against an exponential tenure of mean mu with a fresh initial sponsor kills
// the proposal with probability 1 - e^(-S/mu), at the exit time, never after S.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "progsurv/engine/replication.hpp"
#include "progsurv/engine/run.hpp"
#include "scenario_builder.hpp"

using namespace progsurv;
using progsurv::testing::simple_scenario;

namespace {

Scenario fixed_scoping(double scoping, double mu) {
  Scenario s = simple_scenario();
  s.horizon = 60.0;
  s.grid.clear();
  for (int i = 0; i <= 60; ++i) s.grid.push_back(i);
  s.scoping = Distribution::fixed(scoping);
  s.levels[0].tenure = Distribution::exponential(mu);
  s.initial_sponsor = InitialSponsor::Fresh;
  s.phases[0].steps[0].work = Distribution::fixed(1.0);
  s.finalize();
  return s;
}

// |estimate - p| in binomial standard deviations for n replications.
double z_of(double estimate, double p, std::int64_t n) {
  return (estimate - p) / std::sqrt(p * (1 - p) / static_cast<double>(n));
}

TEST(MechanismForms, FixedScopingAgainstExponentialTenure) {
  const double S = 6.0, mu = 20.0;
  const Scenario s = fixed_scoping(S, mu);
  RunOptions opt;
  opt.replications = 40000;
  opt.seed = 11;
  opt.threads = 2;
  const RunResult r = run(s, opt);
  const auto& ns = r.summary.curve[static_cast<int>(EndCategory::NotStarted)];
  const double p = 1 - std::exp(-S / mu);
  EXPECT_LT(std::abs(z_of(r.summary.outcome_share[static_cast<int>(Outcome::NotStarted)].estimate,
                          p, opt.replications)),
            4.5);
  // By t < S: the exit law itself; from S on nothing more dies (approval is 1).
  for (int t : {1, 3, 5}) {
    const double pt = 1 - std::exp(-t / mu);
    EXPECT_LT(std::abs(z_of(ns[static_cast<std::size_t>(t)].estimate, pt, opt.replications)), 4.5)
        << t;
  }
  EXPECT_EQ(ns[static_cast<std::size_t>(S)].estimate, ns.back().estimate);
  // Every started programme was scoped exactly S (the means leave out the killed ones).
  EXPECT_NEAR(r.summary.mean[static_cast<int>(Quantity::Scoping)], S, 1e-9);
}

TEST(MechanismForms, ProposalDiesAtTheExitAndIsNoSponsorChange) {
  const double S = 6.0, mu = 10.0;
  const Scenario s = fixed_scoping(S, mu);
  int killed = 0;
  for (std::uint64_t i = 0; i < 2000; ++i) {
    const ReplicationRecord rec = simulate_replication(s, 5, i);
    if (rec.outcome != Outcome::NotStarted) continue;
    ++killed;
    EXPECT_GT(rec.end_time, 0.0);
    EXPECT_LT(rec.end_time, S);
    EXPECT_EQ(rec.sponsor_changes, 0);
    EXPECT_NEAR(rec.time[static_cast<int>(TimeBucket::Scoping)], rec.end_time, 1e-12);
  }
  // 1 - e^{-0.6} = 0.451 of 2000: about 900, sd 22.
  EXPECT_NEAR(killed, 2000 * (1 - std::exp(-S / mu)), 100);
}

}  // namespace
