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

// ---- provenance of values set for a run, and the comparison file ---------------------------

#include <unistd.h>

#include <filesystem>

#include "progsurv/io/result_file.hpp"
#include "progsurv/io/version.hpp"
#include "progsurv/scenario/error.hpp"

namespace {

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("progsurv-compare-" + std::to_string(::getpid()) + "-" + name))
      .string();
}

TEST(Provenance, WithValuesRecordsWhatWasSetAndWhatItWas) {
  const Scenario base = Scenario::load(kBaseline);
  EXPECT_EQ(base.label(), "baseline");
  const Scenario v = base.with_values({{"sponsor", "director"}, {"horizon", "48"}});
  EXPECT_EQ(v.name, "baseline");
  EXPECT_EQ(v.label(), "baseline [sponsor=director, horizon=48]");
  ASSERT_EQ(v.changes.size(), 2u);
  EXPECT_EQ(v.changes[0].path, "sponsor");
  EXPECT_NE(v.changes[0].was.find("director: 0.3"), std::string::npos) << v.changes[0].was;
  EXPECT_EQ(v.changes[1].was, "60");
  // The text as written, comments included, is kept for the report's notes.
  EXPECT_EQ(v.original_text, base.yaml_text);
  EXPECT_NE(v.original_text.find('#'), std::string::npos);
  // Setting a key again keeps what the file said.
  const Scenario w = v.with_values({{"horizon", "36"}});
  ASSERT_EQ(w.changes.size(), 2u);
  EXPECT_EQ(w.changes[1].value, "36");
  EXPECT_EQ(w.changes[1].was, "60");
  EXPECT_EQ(w.original_text, base.yaml_text);
  // A key the file leaves to its default: what the default was.
  const Scenario d = base.with_values({{"phases.0.deferrable", "0.25"}});
  EXPECT_EQ(d.changes.at(0).was, "0");
}

TEST(Provenance, RunFileKeepsTheLabelChangesAndTheTextAsWritten) {
  const Scenario v = Scenario::load(kBaseline).with_values({{"sponsor", "director"}});
  progsurv::RunOptions o;
  o.replications = 2000;
  const std::string path = temp_path("variant.h5");
  progsurv::write_result(path, progsurv::run(v, o));
  const progsurv::RunResult back = progsurv::read_result(path);
  EXPECT_EQ(back.scenario.label(), "baseline [sponsor=director]");
  ASSERT_EQ(back.scenario.changes.size(), 1u);
  EXPECT_EQ(back.scenario.changes[0].was, v.changes[0].was);
  EXPECT_EQ(back.scenario.original_text, v.original_text);
  // Written again (Result.to_hdf5 of a loaded result), it still carries them.
  const std::string again = temp_path("variant-again.h5");
  progsurv::write_result(again, back);
  EXPECT_EQ(progsurv::read_result(again).scenario.label(), "baseline [sponsor=director]");
  std::filesystem::remove(path);
  std::filesystem::remove(again);
}

TEST(ComparisonFile, RoundTripsAndEachTallyIsTheScenariosOwnRun) {
  const Scenario a = Scenario::load(kBaseline);
  const Scenario b = a.with_values({{"sponsor", "director"}});
  CompareOptions opt;
  opt.replications = 20000;
  opt.seed = 7;
  opt.bootstrap = 20;
  const auto r = progsurv::compare({a, b}, {"a.yaml", "director"}, opt);
  // Each scenario's tally is the one its own run with this seed and n makes, bit for bit.
  progsurv::RunOptions ro;
  ro.replications = 20000;
  ro.seed = 7;
  const progsurv::RunResult run_b = progsurv::run(b, ro);
  EXPECT_EQ(r.tallies[1].category_count, run_b.tally.category_count);
  EXPECT_EQ(r.tallies[1].end_bins, run_b.tally.end_bins);
  EXPECT_EQ(r.tallies[1].moments[0].sum, run_b.tally.moments[0].sum);
  EXPECT_EQ(r.tallies[1].checkpoint_n, run_b.tally.checkpoint_n);
  // Of started: the share among started programmes, as the run's own summary has it.
  const auto& done = stat(r, "p_completed");
  ASSERT_TRUE(done.has_started());
  EXPECT_DOUBLE_EQ(done.started_value[1], run_b.summary.outcome_share_started[0].estimate);
  EXPECT_LT(done.started_diff[1].delta.lower, done.started_diff[1].delta.estimate);
  EXPECT_GT(done.started_diff[1].se, 0.0);
  EXPECT_FALSE(stat(r, "p_not_started").has_started());
  const std::string text = progsurv::format_comparison(r);
  EXPECT_NE(text.find("baseline [sponsor=director]"), std::string::npos);
  EXPECT_NE(text.find("of started"), std::string::npos);

  const std::string path = temp_path("cmp.h5");
  progsurv::write_comparison(path, r);
  const auto back = progsurv::read_comparison(path);
  EXPECT_EQ(progsurv::format_comparison(back), text);
  EXPECT_EQ(back.labels, r.labels);
  EXPECT_EQ(back.scenarios[1].label(), "baseline [sponsor=director]");
  EXPECT_EQ(back.tallies[0].end_bins, r.tallies[0].end_bins);
  ASSERT_EQ(back.stats.size(), r.stats.size());
  for (std::size_t k = 0; k < r.stats.size(); ++k) {
    SCOPED_TRACE(r.stats[k].name);
    EXPECT_EQ(back.stats[k].diff[1].delta.estimate, r.stats[k].diff[1].delta.estimate);
    EXPECT_EQ(back.stats[k].diff[1].se, r.stats[k].diff[1].se);
  }
  // Another kind of file is refused, naming what it is.
  const std::string run_path = temp_path("run.h5");
  progsurv::write_result(run_path, run_b);
  try {
    (void)progsurv::read_comparison(run_path);
    ADD_FAILURE() << "a run file was read as a comparison";
  } catch (const progsurv::FileFormatError& e) {
    EXPECT_NE(std::string(e.what()).find("not a progsurv comparison file"), std::string::npos);
  }
  std::filesystem::remove(path);
  std::filesystem::remove(run_path);
}

}  // namespace

// A variant's label has no length limit: the text keeps all of it and what follows it.
TEST(ComparisonText, KeepsALongVariantLabelWhole) {
  const Scenario s = Scenario::load(kBaseline);
  std::vector<std::pair<std::string, std::string>> values;
  for (int k = 0; k < 3; ++k) values.emplace_back("phases." + std::to_string(k) + ".value", "2");
  values.emplace_back("patience.threshold.median", "24");
  values.emplace_back("co_sponsors", "[vp, director]");
  values.emplace_back("escalation.max_attempts", "4");
  values.emplace_back("sponsor_levels.director.clout", "0.5");
  values.emplace_back("sponsor_levels.vp.clout", "0.6");
  values.emplace_back("sponsor_levels.c_suite.clout", "0.8");
  values.emplace_back("succession.adoption", "0.7");
  values.emplace_back("customers.recruitment.mean", "0.2");
  values.emplace_back("patience.visible", "steps");
  values.emplace_back("escalation.delay.mean", "0.5");
  values.emplace_back("budget.cut_prob", "0.1");
  values.emplace_back("sponsor_levels.ceo.clout", "0.9");
  values.emplace_back("sponsor_levels.ceo.approval", "0.9");
  const Scenario v = s.with_values(values);
  ASSERT_GT(v.label().size(), 400u);
  CompareOptions opt;
  opt.replications = 1000;
  opt.bootstrap = 20;
  const std::string text = progsurv::format_comparison(progsurv::compare({s, v}, {"a", "b"}, opt));
  EXPECT_NE(text.find("  [1] b: " + v.label() + " (horizon 60 months)\n"), std::string::npos)
      << text;
}
