// Paired comparison under common random numbers: intervals cover the difference of two
// exact solutions, pairing narrows them, and identical scenarios differ by exactly nothing.
#include <gtest/gtest.h>

#include <cmath>

#include "progsurv/analysis/compare.hpp"
#include "progsurv/analysis/exact.hpp"
#include "progsurv/engine/run.hpp"

namespace {

using progsurv::CompareOptions;
using progsurv::Scenario;

const std::string kMarkov = std::string(PROGSURV_SOURCE_DIR) + "/scenarios/exact/markov.yaml";
const std::string kBaseline = std::string(PROGSURV_SOURCE_DIR) + "/scenarios/baseline.yaml";

const progsurv::ComparedStat& stat(const progsurv::CompareResult& r, const std::string& name) {
  for (const auto& s : r.stats)
    if (s.name == name) return s;
  throw std::runtime_error("no statistic " + name);
}

TEST(Compare, IntervalsCoverTheDifferenceOfTwoExactSolutions) {
  const Scenario a = Scenario::load(kMarkov);
  const Scenario b = a.with_values({{"patience.rate", "0.04"}, {"phases.0.continue_prob", "0.95"}});
  const progsurv::RunResult ea = progsurv::ExactModel(a).solve();
  const progsurv::RunResult eb = progsurv::ExactModel(b).solve();
  CompareOptions opt;
  opt.replications = 60000;
  opt.seed = 11;
  const auto r = progsurv::compare({a, b}, {"a", "b"}, opt);
  // The exact difference of each statistic, over all proposed programmes at the horizon.
  const auto last = [](const progsurv::RunResult& e, progsurv::EndCategory k) {
    return e.summary.curve[static_cast<std::size_t>(k)].back().estimate;
  };
  std::vector<std::pair<std::string, double>> exact{
      {"p_completed", eb.summary.completed().estimate - ea.summary.completed().estimate},
      {"mean_value", eb.summary.value_mean.estimate - ea.summary.value_mean.estimate}};
  for (int c = 0; c < progsurv::kCauseCount; ++c) {
    const auto k = static_cast<progsurv::EndCategory>(c + 1);
    exact.emplace_back(std::string("p_") + progsurv::to_string(static_cast<progsurv::Cause>(c)),
                       last(eb, k) - last(ea, k));
  }
  for (const auto& [name, truth] : exact) {
    SCOPED_TRACE(name);
    const auto& d = stat(r, name).diff[1];
    // 95% intervals of 7 correlated statistics: check at 99.9% (3.29 SE) so the test fails
    // for a wrong interval, not for one unlucky seed.
    EXPECT_LE(std::abs(d.delta.estimate - truth), 3.29 * d.se + 1e-12);
    EXPECT_LE(d.delta.lower, d.delta.estimate);
    EXPECT_GE(d.delta.upper, d.delta.estimate);
  }
  // Pairing pays: the paired SE of P(completed) is below that of independent runs.
  EXPECT_GT(stat(r, "p_completed").gain(1), 1.0);
}

TEST(Compare, IdenticalScenariosDifferByExactlyNothing) {
  const Scenario s = Scenario::load(kBaseline);
  CompareOptions opt;
  opt.replications = 5000;
  opt.bootstrap = 20;
  const auto r = progsurv::compare({s, s}, {"a", "a again"}, opt);
  for (const auto& st : r.stats) {
    SCOPED_TRACE(st.name);
    EXPECT_EQ(st.diff[1].delta.estimate, 0.0);
    EXPECT_EQ(st.diff[1].delta.lower, 0.0);
    EXPECT_EQ(st.diff[1].delta.upper, 0.0);
  }
}

TEST(Compare, SameResultForAnyThreadCountAndMatchesSeparateRuns) {
  const Scenario a = Scenario::load(kBaseline);
  const Scenario b = a.with_values({{"patience.threshold.median", "36"}});
  CompareOptions one, two;
  one.replications = two.replications = 40000;
  one.bootstrap = two.bootstrap = 20;
  one.threads = 1;
  two.threads = 2;
  const auto r1 = progsurv::compare({a, b}, {"a", "b"}, one);
  const auto r2 = progsurv::compare({a, b}, {"a", "b"}, two);
  for (std::size_t k = 0; k < r1.stats.size(); ++k) {
    EXPECT_EQ(r1.stats[k].diff[1].delta.estimate, r2.stats[k].diff[1].delta.estimate);
    EXPECT_EQ(r1.stats[k].diff[1].delta.upper, r2.stats[k].diff[1].delta.upper);
  }
  progsurv::RunOptions ro;
  ro.replications = 40000;
  const auto run_b = progsurv::run(b, ro);
  EXPECT_EQ(stat(r1, "p_completed").value[1], run_b.summary.completed().estimate);
  // A longer patience threshold helps.
  EXPECT_GT(stat(r1, "p_completed").diff[1].delta.lower, 0.0);
  EXPECT_LT(stat(r1, "p_patience").diff[1].delta.upper, 0.0);
}

}  // namespace

namespace {

TEST(CompletionQuantiles, IntervalsBracketTheEstimateAndTheExactQuantile) {
  const Scenario s = Scenario::load(kMarkov);
  const progsurv::RunResult exact = progsurv::ExactModel(s).solve();
  progsurv::RunOptions ro;
  ro.replications = 50000;
  ro.seed = 3;
  const auto mc = progsurv::run(s, ro);
  const auto& m = mc.summary;
  ASSERT_EQ(m.completion_quantile_given_lower.size(), m.quantile_levels.size());
  EXPECT_TRUE(exact.summary.completion_quantile_given_lower.empty());
  for (std::size_t i = 0; i < m.quantile_levels.size(); ++i) {
    SCOPED_TRACE(m.quantile_levels[i]);
    const double lo = m.completion_quantile_given_lower[i],
                 hi = m.completion_quantile_given_upper[i];
    EXPECT_LE(lo, m.completion_quantile_given[i]);
    EXPECT_GE(hi, m.completion_quantile_given[i]);
    EXPECT_GT(hi, lo);
    // Statistical agreement with the exact quantile (the interval widened to about 3 SE,
    // so a change of random stream does not flip the test).
    const double truth = exact.summary.completion_quantile_given[i];
    EXPECT_GE(truth, lo - 0.5 * (hi - lo));
    EXPECT_LE(truth, hi + 0.5 * (hi - lo));
  }
}

}  // namespace
