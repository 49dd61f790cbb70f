// Sweep files, designs, per-point metrics, the journal and --resume, the HDF5 table.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>

#include "io/h5.hpp"
#include "progsurv/analysis/goal.hpp"
#include "progsurv/analysis/sweep.hpp"
#include "progsurv/engine/run.hpp"
#include "progsurv/io/version.hpp"
#include "progsurv/scenario/error.hpp"
#include "progsurv/scenario/text_columns.hpp"

namespace {

namespace fs = std::filesystem;
using progsurv::FileFormatError;
using progsurv::MetricKind;
using progsurv::ScenarioError;
using progsurv::Sweep;
using progsurv::SweepDesign;
using progsurv::SweepOptions;

const std::string kSource = PROGSURV_SOURCE_DIR;
const std::string kBaseline = kSource + "/scenarios/baseline.yaml";

std::string sweep_text(const std::string& design, const std::string& parameters,
                       const std::string& extra = "") {
  return "name: t\nbase: " + kBaseline + "\nseed: 3\nreplications: 2000\ndesign: " + design +
         "\nparameters:\n" + parameters + extra;
}

// Location and wording of a sweep-file error.
ScenarioError error_of(const std::string& text) {
  try {
    Sweep::from_yaml(text, "s.yaml");
  } catch (const ScenarioError& e) {
    return e;
  }
  ADD_FAILURE() << "no error for:\n" << text;
  return ScenarioError("", 0, 0, "", "");
}

class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() / ("progsurv-sweep-test-" + std::to_string(::getpid()) + "-" +
                                         std::to_string(counter_++));
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
  static inline int counter_ = 0;
};

void expect_same_points(const progsurv::SweepResult& a, const progsurv::SweepResult& b) {
  ASSERT_EQ(a.points.size(), b.points.size());
  for (std::size_t i = 0; i < a.points.size(); ++i) {
    EXPECT_EQ(a.points[i].index, b.points[i].index);
    EXPECT_EQ(a.points[i].replications, b.points[i].replications);
    for (std::size_t m = 0; m < a.points[i].estimate.size(); ++m) {
      const double x = a.points[i].estimate[m], y = b.points[i].estimate[m];
      EXPECT_TRUE(x == y || (std::isnan(x) && std::isnan(y))) << "point " << i << " metric " << m;
    }
    EXPECT_EQ(a.points[i].completed, b.points[i].completed);
  }
}

// --- parsing and designs ---------------------------------------------------------------

// A count over a range is caught before anything runs, at the parameter's line: in a grid
// at a level that is not whole, in designs that draw from the range at once, with the list
// to give instead. A grid whose levels are whole runs.
TEST(SweepFile, ACountOverARangeIsCaughtBeforeAnythingRuns) {
  ScenarioError e =
      error_of(sweep_text("grid",
                          "  escalation.max_attempts: {low: 1, high: 4, levels: 3}\n"
                          "  patience.threshold.median: {low: 6, high: 30, levels: 60}\n"));
  EXPECT_EQ(e.line(), 7);
  EXPECT_NE(std::string(e.what()).find("with value 2.5: expected a whole number"),
            std::string::npos)
      << e.what();
  e = error_of(
      sweep_text("{type: lhs, points: 10}", "  escalation.max_attempts: {low: 1, high: 4}\n"));
  EXPECT_EQ(e.line(), 7);
  EXPECT_NE(std::string(e.what()).find("a count takes a list of values instead, e.g. [1, 2, 3, 4]"),
            std::string::npos)
      << e.what();
  EXPECT_NO_THROW(Sweep::from_yaml(
      sweep_text("grid", "  escalation.max_attempts: {low: 1, high: 4, levels: 4}\n"), "s.yaml"));
}

TEST(SweepFile, ExampleFilesParse) {
  for (const char* name :
       {"baseline-grid", "baseline-oat", "baseline-sobol", "baseline-1000", "gates-analytic"}) {
    SCOPED_TRACE(name);
    const Sweep s = Sweep::load(kSource + "/scenarios/sweeps/" + name + ".yaml");
    EXPECT_EQ(s.name, name);
    EXPECT_GT(s.point_count(), 1u);
    EXPECT_EQ(s.fingerprint.size(), 16u);
  }
  EXPECT_EQ(Sweep::load(kSource + "/scenarios/sweeps/baseline-grid.yaml").point_count(), 20u);
  EXPECT_EQ(Sweep::load(kSource + "/scenarios/sweeps/baseline-sobol.yaml").point_count(),
            256u * 8u);
}

TEST(SweepFile, ResolvedTextIsASweepWithTheSameFingerprint) {
  const Sweep s = Sweep::load(kSource + "/scenarios/sweeps/baseline-sobol.yaml");
  const Sweep again = Sweep::from_yaml(s.resolved, "resolved");
  EXPECT_EQ(again.resolved, s.resolved);
  EXPECT_EQ(again.fingerprint, s.fingerprint);
  EXPECT_EQ(again.point_values, s.point_values);
  // Comments and layout do not matter; a changed number does.
  const std::string text = sweep_text("oat", "  succession.adoption: {low: 0.2, high: 0.8}\n");
  const Sweep a = Sweep::from_yaml(text, "a");
  const Sweep b = Sweep::from_yaml("# a comment\n" + text + "\n\n", "b");
  const Sweep c =
      Sweep::from_yaml(sweep_text("oat", "  succession.adoption: {low: 0.2, high: 0.9}\n"), "c");
  EXPECT_EQ(a.fingerprint, b.fingerprint);
  EXPECT_NE(a.fingerprint, c.fingerprint);
}

TEST(SweepFile, GridIsRowMajorWithLogLevels) {
  const Sweep s = Sweep::from_yaml(sweep_text("grid",
                                              "  patience.threshold.median: {low: 6, high: 24, "
                                              "levels: 3, log: true}\n"
                                              "  patience.visible: [phases, steps]\n"),
                                   "s.yaml");
  ASSERT_EQ(s.point_count(), 6u);
  const std::vector<std::vector<std::string>> expected = {{"6", "phases"},  {"6", "steps"},
                                                          {"12", "phases"}, {"12", "steps"},
                                                          {"24", "phases"}, {"24", "steps"}};
  EXPECT_EQ(s.point_values, expected);
  // The base value as the base file writes it (lognormal: its median is canonical).
  EXPECT_EQ(s.parameters[0].base_value, s.base.patience.threshold.a());
  EXPECT_EQ(std::stod(s.parameters[0].base_text), s.base.patience.threshold.a());
  const auto p3 = s.point_scenario(3);
  EXPECT_EQ(p3.patience.visible, progsurv::Visible::Steps);
  EXPECT_EQ(p3.patience.threshold.a(), 12.0);  // lognormal median
}

TEST(SweepFile, OatVariesOneParameterAtATime) {
  const Sweep s = Sweep::from_yaml(sweep_text("oat",
                                              "  succession.adoption: {low: 0.2, high: 0.8}\n"
                                              "  sponsor_levels.vp.clout: [0.3, 0.5, 0.7]\n"),
                                   "s.yaml");
  ASSERT_EQ(s.point_count(), 1u + 2u + 3u);
  EXPECT_EQ(s.point_values[0], (std::vector<std::string>{"", ""}));
  EXPECT_EQ(s.point_values[1], (std::vector<std::string>{"0.2", ""}));
  EXPECT_EQ(s.point_values[2], (std::vector<std::string>{"0.8", ""}));
  EXPECT_EQ(s.point_values[5], (std::vector<std::string>{"", "0.7"}));
  EXPECT_EQ(s.oat_first, (std::vector<std::int64_t>{1, 3}));
  EXPECT_EQ(s.oat_count, (std::vector<std::int64_t>{2, 3}));
  EXPECT_DOUBLE_EQ(s.point_scenario(2).succession.adoption, 0.8);
  const auto vp = s.base.level_index("vp");
  EXPECT_DOUBLE_EQ(s.point_scenario(3).levels[static_cast<std::size_t>(vp)].clout, 0.3);
  EXPECT_DOUBLE_EQ(s.point_scenario(3).succession.adoption, s.base.succession.adoption);
}

TEST(SweepFile, LatinHypercubeFillsEveryStratumOnce) {
  const Sweep s =
      Sweep::from_yaml(sweep_text("{type: lhs, points: 50, seed: 9}",
                                  "  succession.adoption: {low: 0.2, high: 0.8}\n"
                                  "  patience.threshold.median: {low: 6, high: 24, log: true}\n"
                                  "  silos.it.break_prob: {low: 0, high: 0.5}\n"),
                       "s.yaml");
  ASSERT_EQ(s.point_count(), 50u);
  for (std::size_t d = 0; d < 3; ++d) {
    std::set<int> strata;
    for (const auto& u : s.unit) strata.insert(static_cast<int>(std::floor(u[d] * 50)));
    EXPECT_EQ(strata.size(), 50u) << "dimension " << d;
  }
  // log: u maps to low * (high/low)^u.
  const double u = s.unit[7][1];
  EXPECT_NEAR(std::stod(s.point_values[7][1]), 6 * std::pow(4.0, u), 1e-9);
  // The design seed changes the design, and only it.
  const Sweep t =
      Sweep::from_yaml(sweep_text("{type: lhs, points: 50, seed: 10}",
                                  "  succession.adoption: {low: 0.2, high: 0.8}\n"
                                  "  patience.threshold.median: {low: 6, high: 24, log: true}\n"
                                  "  silos.it.break_prob: {low: 0, high: 0.5}\n"),
                       "s.yaml");
  EXPECT_NE(s.unit, t.unit);
}

TEST(SweepFile, SobolDesignIsSaltelli) {
  const Sweep s = Sweep::from_yaml(sweep_text("{type: sobol, base_samples: 16}",
                                              "  succession.adoption: {low: 0.2, high: 0.8}\n"
                                              "  patience.visible: [phases, steps]\n"),
                                   "s.yaml");
  ASSERT_EQ(s.point_count(), 16u * 4u);
  EXPECT_EQ(s.unit, progsurv::sensitivity::saltelli_sample(16, 2));
  // A list parameter takes the value whose share of [0, 1) holds u.
  for (std::size_t i = 0; i < s.point_count(); ++i)
    EXPECT_EQ(s.point_values[i][1], s.unit[i][1] < 0.5 ? "phases" : "steps");
}

TEST(SweepFile, InlineBaseAndMetrics) {
  const std::string text = R"(
base:
  horizon: 24
  sponsor_levels: {vp: {tenure: never}}
  sponsor: {vp: 1}
  silos: {a: {}, b: {pickup: 1}}
  phases: [{name: x, steps: [{silo: a, work: 1}, {silo: b, work: 2}]}]
design: grid
parameters:
  silos.b.break_prob: [0, 0.5]
metrics:
  - p_completed
  - p_running
  - {p_completed_by: 12.5}
  - {p_ended_by: {cause: any, t: 6}}
  - {completion_quantile: 0.5}
  - {cause_share: handoff_failure}
  - {mean: end_time}
  - mean_value
)";
  const Sweep s = Sweep::from_yaml(text, "s.yaml");
  std::vector<std::string> names;
  for (const auto& m : s.metrics) names.push_back(m.name);
  EXPECT_EQ(names, (std::vector<std::string>{"p_completed", "p_running", "p_completed_by_12.5",
                                             "p_ended_by_any_6", "completion_quantile_0.5",
                                             "cause_share_handoff_failure", "mean_end_time",
                                             "mean_value"}));
  EXPECT_EQ(s.base.horizon, 24.0);
  // 12.5 is not on the scenario's grid; the run grid gets it.
  const auto grid = s.run_grid(s.point_scenario(0));
  EXPECT_NE(std::find(grid.begin(), grid.end(), 12.5), grid.end());
  EXPECT_TRUE(std::is_sorted(grid.begin(), grid.end()));
  EXPECT_EQ(Sweep::from_yaml(s.resolved, "again").fingerprint, s.fingerprint);
}

// One grammar: every scenario statistic a sweep lists (its YAML form) is the search goal of the
// same name and the same statistic, or a goal refused saying why; the resolved text reads back
// to the same metrics; and a name means the same number on both sides (a sweep's estimate is
// the mean of the goal's per-replication values over the same replications).
TEST(SweepFile, EveryMetricIsTheGoalOfItsName) {
  using progsurv::Goal;
  using progsurv::ScenarioStatistic;
  // By ScenarioStatistic::Arg: the YAML argument of a stem that takes one, the name's tail.
  const std::pair<std::string, std::string> kArgs[] = {{"", ""},
                                                       {"12.5", "_12.5"},
                                                       {"{cause: patience, t: 6}", "_patience_6"},
                                                       {"0.25", "_0.25"},
                                                       {"budget_cut", "_budget_cut"},
                                                       {"end_time", "_end_time"}};
  std::string list = "metrics:\n";
  std::vector<std::string> expected;
  for (const ScenarioStatistic& stem : ScenarioStatistic::stems()) {
    if (!stem.in_sweep()) continue;
    const auto& [yaml, tail] = kArgs[static_cast<int>(stem.arg())];
    list += "  - " + (yaml.empty() ? stem.stem() : "{" + stem.stem() + ": " + yaml + "}") + "\n";
    expected.push_back(stem.stem() + tail);
  }
  list += "  - {p_ended_by: {cause: any, t: 18}}\n";
  expected.push_back("p_ended_by_any_18");
  const Sweep s =
      Sweep::from_yaml(sweep_text("grid", "  patience.threshold.median: [10]\n", list), "s.yaml");
  ASSERT_EQ(s.metrics.size(), expected.size());
  const auto point = progsurv::run_point(s, 0);
  const progsurv::Scenario scenario = s.point_scenario(0);
  std::size_t goals = 0;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const auto& m = s.metrics[i];
    SCOPED_TRACE(m.name);
    EXPECT_EQ(m.kind, MetricKind::Scenario);
    EXPECT_EQ(m.name, expected[i]);
    ScenarioStatistic read;
    ASSERT_TRUE(ScenarioStatistic::parse(m.name, "metric", read));
    EXPECT_EQ(read.name(), m.name);
    if (!m.scenario.per_replication()) {
      try {
        Goal::parse(m.name);
        ADD_FAILURE() << "accepted as a goal";
      } catch (const progsurv::UsageError& e) {
        EXPECT_NE(std::string(e.what()).find("goal '" + m.name + "': "), std::string::npos)
            << e.what();
        EXPECT_NE(std::string(e.what()).find("a search cannot pair it"), std::string::npos)
            << e.what();
      }
      continue;
    }
    ++goals;
    const Goal g = Goal::parse(m.name);
    EXPECT_EQ(g.name, m.name);
    EXPECT_EQ(g.scenario.kind, m.scenario.kind);
    EXPECT_EQ(g.scenario.outcome, m.scenario.outcome);
    EXPECT_EQ(g.scenario.cause, m.scenario.cause);
    EXPECT_EQ(g.scenario.t, m.scenario.t);
    // The same number: the mean of the goal's values over the point's replications.
    double sum = 0.0;
    for (std::int64_t r = 0; r < point.replications; ++r)
      sum += g.value(
          progsurv::simulate_replication(scenario, s.point_seed(0), static_cast<std::uint64_t>(r)));
    EXPECT_NEAR(point.estimate[i], sum / static_cast<double>(point.replications), 1e-12);
  }
  const Sweep again = Sweep::from_yaml(s.resolved, "resolved");
  ASSERT_EQ(again.metrics.size(), s.metrics.size());
  for (std::size_t i = 0; i < s.metrics.size(); ++i)
    EXPECT_EQ(again.metrics[i].name, s.metrics[i].name);
  // The one shared name, kept because files already written re-read their resolved text:
  // {mean: value} (over started programmes) is still read, as mean_value.
  const Sweep started = Sweep::from_yaml(
      sweep_text("grid", "  patience.threshold.median: [10]\n", "metrics: [{mean: value}]\n"),
      "s.yaml");
  EXPECT_EQ(started.metrics.at(0).name, "mean_value");
  EXPECT_EQ(started.metrics.at(0).scenario.kind, ScenarioStatistic::Kind::MeanStarted);
  EXPECT_EQ(Goal::parse("mean_value").scenario.kind, ScenarioStatistic::Kind::Value);
  // The goals are these, and months_<bucket>, which a sweep refuses saying why.
  std::size_t months = 0;
  for (const ScenarioStatistic& stem : ScenarioStatistic::stems()) {
    if (stem.in_sweep()) continue;
    ++months;
    EXPECT_TRUE(stem.per_replication()) << stem.stem();
    const ScenarioError e =
        error_of(sweep_text("grid", "  patience.threshold.median: [10]\n",
                            "metrics:\n  - p_completed\n  - " + stem.stem() + "\n"));
    EXPECT_EQ(e.key(), "metrics.1");
    EXPECT_EQ(e.line(), 10);
    EXPECT_NE(e.message().find("a sweep does not keep"), std::string::npos) << e.what();
  }
  EXPECT_GT(months, 0u);
  std::set<std::string> goal_stems;
  for (const auto& m : s.metrics)
    if (m.scenario.per_replication()) goal_stems.insert(m.scenario.stem());
  for (const ScenarioStatistic& stem : ScenarioStatistic::stems())
    if (!stem.in_sweep()) goal_stems.insert(stem.stem());
  EXPECT_EQ(goals, goal_stems.size() - months + 1);  // p_ended_by listed twice
  const auto names = Goal::names();
  EXPECT_EQ(names.size(), goal_stems.size());
  for (const std::string& n : names)
    EXPECT_EQ(goal_stems.count(n.substr(0, n.find("_<"))), 1u) << n;
}

TEST(SweepFile, ErrorsNameFileLineColumnAndKey) {
  auto e = error_of("base: " + kBaseline + "\ndesign: grid\nparamters: {}\n");
  EXPECT_EQ(e.file(), "s.yaml");
  EXPECT_EQ(e.line(), 3);
  EXPECT_EQ(e.column(), 1);
  EXPECT_NE(e.message().find("did you mean 'parameters'?"), std::string::npos) << e.what();

  e = error_of(sweep_text("grdi", "  succession.adoption: [0.5]\n"));
  EXPECT_EQ(e.key(), "design");
  EXPECT_NE(e.message().find("did you mean 'grid'?"), std::string::npos) << e.what();

  // An unknown key path in the scenario: at the parameter, with a suggestion.
  e = error_of(sweep_text("oat", "  sponsor_levels.vp.clot: {low: 0.1, high: 0.5}\n"));
  EXPECT_EQ(e.line(), 7);
  EXPECT_EQ(e.column(), 3);
  EXPECT_EQ(e.key(), "parameters.sponsor_levels.vp.clot");
  EXPECT_NE(e.message().find("did you mean 'clout'?"), std::string::npos) << e.what();
  e = error_of(sweep_text("oat", "  sponsor_levels.cto.clout: {low: 0.1, high: 0.5}\n"));
  EXPECT_NE(e.message().find("cto"), std::string::npos) << e.what();

  // A value the scenario cannot take.
  e = error_of(sweep_text("oat", "  sponsor_levels.vp.clout: {low: 0.1, high: 1.5}\n"));
  EXPECT_NE(e.message().find("1.5"), std::string::npos) << e.what();
  EXPECT_NE(e.message().find("probability"), std::string::npos) << e.what();

  e = error_of(sweep_text("oat", "  succession.adoption: {low: 0.1, hihg: 0.5}\n"));
  EXPECT_EQ(e.key(), "parameters.succession.adoption.hihg");
  EXPECT_NE(e.message().find("did you mean 'high'?"), std::string::npos) << e.what();

  e = error_of(sweep_text("oat", "  succession.adoption: {low: 0.6, high: 0.5}\n"));
  EXPECT_NE(e.message().find("greater than low"), std::string::npos) << e.what();
  e = error_of(sweep_text("grid", "  succession.adoption: {low: 0.1, high: 0.5}\n"));
  EXPECT_NE(e.message().find("levels"), std::string::npos) << e.what();
  e = error_of(sweep_text("{type: sobol}", "  succession.adoption: {low: 0.1, high: 0.5}\n"));
  EXPECT_NE(e.message().find("base_samples"), std::string::npos) << e.what();
  e = error_of(
      sweep_text("{type: oat, points: 4}", "  succession.adoption: {low: 0.1, high: 0.5}\n"));
  EXPECT_EQ(e.key(), "design.points");
  e = error_of(sweep_text("oat", "  succession.adoption: {low: 0, high: 0.5, log: true}\n"));
  EXPECT_NE(e.message().find("low > 0"), std::string::npos) << e.what();

  e = error_of(sweep_text("oat", "  succession.adoption: [0.5]\n", "metrics: [p_completd]\n"));
  EXPECT_EQ(e.key(), "metrics.0");
  EXPECT_NE(e.message().find("did you mean 'p_completed'?"), std::string::npos) << e.what();
  e = error_of(
      sweep_text("oat", "  succession.adoption: [0.5]\n", "metrics: [{p_completed_by: 61}]\n"));
  EXPECT_NE(e.message().find("beyond the horizon"), std::string::npos) << e.what();
  e = error_of(sweep_text("oat", "  succession.adoption: [0.5]\n",
                          "metrics: [{p_ended_by: {cause: patiense, t: 3}}]\n"));
  EXPECT_NE(e.message().find("did you mean 'patience'?"), std::string::npos) << e.what();
  e = error_of(
      sweep_text("oat", "  succession.adoption: [0.5]\n", "metrics: [mean_value, mean_value]\n"));
  EXPECT_NE(e.message().find("twice"), std::string::npos) << e.what();
  e = error_of(sweep_text("oat", "  succession.adoption: [0.5]\n", "replications: 0\n"));
  EXPECT_EQ(e.key(), "replications");
  EXPECT_NE(e.message().find("duplicate"), std::string::npos) << e.what();

  // Text that is no whole number is told what is accepted, as 0 is.
  const std::string reps = "base: " + kBaseline + "\ndesign: oat\nparameters: {a: [1]}\n";
  e = error_of(reps + "replications: -1\n");
  EXPECT_EQ(e.key(), "replications");
  EXPECT_NE(e.message().find("a whole number from 1 to 2^40"), std::string::npos) << e.what();
  EXPECT_EQ(e.message().find(">= 0"), std::string::npos) << e.what();
  EXPECT_NE(error_of(reps + "replications: 0\n").message().find("between 1 and 2^40"),
            std::string::npos);

  e = error_of("base: no-such-file.yaml\ndesign: oat\nparameters: {a: [1]}\n");
  EXPECT_EQ(e.key(), "base");
  EXPECT_NE(e.message().find("not found"), std::string::npos) << e.what();

  // Errors inside an inline base point into this file.
  e = error_of(R"(design: oat
parameters: {horizon: [10]}
base:
  sponsor_levels: {vp: {tenure: 30, clout: 2}}
  sponsor: {vp: 1}
  silos: {a: {}}
  phases: [{name: x, steps: [{silo: a, work: 1}]}]
)");
  EXPECT_EQ(e.key(), "base.sponsor_levels.vp.clout");
  EXPECT_EQ(e.line(), 4);
  EXPECT_EQ(e.column(), 44);

  e = error_of("design: [oops\n");
  EXPECT_NE(e.message().find("invalid YAML"), std::string::npos) << e.what();
}

// --- running ---------------------------------------------------------------------------

TEST(SweepRun, GridPointEqualsAPlainRunOfItsScenario) {
  const Sweep s =
      Sweep::from_yaml(sweep_text("grid",
                                  "  patience.threshold.median: {low: 8, high: 16, levels: 3}\n"
                                  "  succession.adoption: [0.3, 0.7]\n",
                                  "metrics:\n  - p_completed\n  - p_completed_by: 36\n"
                                  "  - p_ended_by: {cause: patience, t: 24}\n  - mean_value\n"
                                  "  - completion_quantile: 0.1\n  - cause_share: sponsor_exit\n"
                                  "  - mean: sponsor_changes\n"),
                       "s.yaml");
  for (std::size_t i : {std::size_t{0}, std::size_t{3}, std::size_t{5}}) {
    SCOPED_TRACE("point " + std::to_string(i));
    const auto p = progsurv::run_point(s, i);
    progsurv::RunOptions opt;
    opt.seed = 3;
    opt.replications = 2000;
    opt.threads = 2;  // thread count does not matter to run()
    const auto r = progsurv::run(s.point_scenario(i), opt);
    const auto& sm = r.summary;
    const auto g36 =
        static_cast<std::size_t>(std::find(sm.grid.begin(), sm.grid.end(), 36.0) - sm.grid.begin());
    const auto g24 =
        static_cast<std::size_t>(std::find(sm.grid.begin(), sm.grid.end(), 24.0) - sm.grid.begin());
    const auto completed = static_cast<std::size_t>(progsurv::EndCategory::Completed);
    const auto patience = static_cast<std::size_t>(progsurv::EndCategory::Patience);
    EXPECT_EQ(p.replications, 2000);
    EXPECT_EQ(p.estimate[0], sm.completed().estimate);
    EXPECT_EQ(p.estimate[1], sm.curve[completed][g36].estimate);
    EXPECT_EQ(p.estimate[2], sm.curve[patience][g24].estimate);
    EXPECT_EQ(p.estimate[3], sm.value_mean.estimate);
    EXPECT_EQ(p.se[3], sm.value_se);
    const double q10 = sm.completion_quantile[0];  // quantile_levels[0] == 0.1
    EXPECT_TRUE(p.estimate[4] == q10 || (std::isnan(p.estimate[4]) && std::isnan(q10)));
    EXPECT_EQ(p.estimate[5], sm.cause_share[0].estimate);
    EXPECT_EQ(p.estimate[6], sm.mean[static_cast<std::size_t>(progsurv::Quantity::SponsorChanges)]);
    const double pc = sm.completed().estimate;
    EXPECT_DOUBLE_EQ(p.se[0], std::sqrt(pc * (1 - pc) / 2000));
  }
}

TEST(SweepRun, CommonRandomNumbersMakeEqualPointsIdentical) {
  // The first value is the base scenario's own vp clout: that point is the base scenario,
  // drawn with the same streams, so its metrics are exactly the base point's.
  const auto base = progsurv::Scenario::load(kBaseline);
  const double clout = base.levels[static_cast<std::size_t>(base.level_index("vp"))].clout;
  ASSERT_LT(clout, 0.9);
  char same[32];
  std::snprintf(same, sizeof same, "%.17g", clout);
  const Sweep s = Sweep::from_yaml(
      sweep_text("oat", std::string("  sponsor_levels.vp.clout: [") + same + ", 0.95]\n"),
      "s.yaml");
  const auto r = progsurv::run_sweep(s, SweepOptions{});
  EXPECT_EQ(r.points[0].estimate, r.points[1].estimate);
  EXPECT_NE(r.points[0].estimate, r.points[2].estimate);
  EXPECT_EQ(r.tornado_base, r.points[0].estimate);
  EXPECT_EQ(r.tornado_low[0][0], r.points[1].estimate[0]);
  EXPECT_EQ(r.tornado_high[1][0], r.points[2].estimate[1]);
  // More clout protects against budget cuts and failed escalations.
  EXPECT_GT(r.points[2].estimate[0], r.points[0].estimate[0]);
}

TEST(SweepRun, ResultsDoNotDependOnThreads) {
  const Sweep s = Sweep::from_yaml(
      sweep_text("{type: lhs, points: 7}", "  succession.adoption: {low: 0.2, high: 0.8}\n"),
      "s.yaml");
  SweepOptions one, three;
  one.threads = 1;
  three.threads = 3;
  expect_same_points(progsurv::run_sweep(s, one), progsurv::run_sweep(s, three));
}

TEST(SweepRun, PrecisionTargetPerPoint) {
  const Sweep s = Sweep::from_yaml(
      "base: " + kBaseline +
          "\nprecision: 0.003\nmax_replications: 200000\ndesign: oat\nparameters:\n"
          "  patience.threshold.median: [6, 24]\n",
      "s.yaml");
  const auto r = progsurv::run_sweep(s, SweepOptions{});
  for (const auto& p : r.points) {
    EXPECT_EQ(p.replications % progsurv::kBatchSize, 0);
    EXPECT_LE(1.96 * p.se[0], 0.0031);  // Wilson half-width <= 0.003, normal about the same
  }
  // A proportion nearer 1/2 needs more replications for the same half-width.
  const auto variance = [&](int i) {
    const double p = r.points[static_cast<std::size_t>(i)].estimate[0];
    return p * (1 - p);
  };
  ASSERT_NE(r.points[1].replications, r.points[2].replications);
  EXPECT_EQ(r.points[1].replications < r.points[2].replications, variance(1) < variance(2));
}

// A label is the user's own text, any UTF-8: the tables pad it by the columns it takes, so
// the next column starts in one place on every row (the tornado and the points' table).
TEST(SweepText, LabelsArePaddedByColumnsNotBytes) {
  const std::string label = "Geduld \xe2\x80\x93 Median";  // an en dash: 3 bytes, 1 column
  for (const char* design : {"oat", "grid"}) {
    const Sweep s = Sweep::from_yaml(
        sweep_text(design, "  patience.threshold.median: {values: [12, 24], label: \"" + label +
                               "\"}\n  succession.adoption: {values: [0.2, 0.8]}\n"),
        "s.yaml");
    const std::string text = progsurv::format_sweep(progsurv::run_sweep(s, SweepOptions{}));
    // The columns before the first cell after the label, and after the other name.
    const auto column_after = [&](const std::string& name) {
      const std::size_t start = text.find("\n  " + name + " ");
      EXPECT_NE(start, std::string::npos) << name << "\n" << text;
      const std::size_t next = text.find_first_not_of(' ', start + 3 + name.size());
      return progsurv::text_columns(text.substr(start + 1, next - start - 1));
    };
    if (std::string(design) == "oat") {
      EXPECT_EQ(column_after(label), column_after("succession.adoption")) << text;
    } else {
      // The points' table: its header's second column and a row's second cell.
      const std::size_t header = text.find("\n  point  " + label);
      ASSERT_NE(header, std::string::npos) << text;
      const std::size_t row = text.find("\n  0      12");
      ASSERT_NE(row, std::string::npos) << text;
      const std::size_t h = text.find("succession.adoption", header);
      const std::size_t v = text.find("0.2", row);
      EXPECT_EQ(progsurv::text_columns(text.substr(header, h - header)),
                progsurv::text_columns(text.substr(row, v - row)))
          << text;
    }
  }
}

// --- the file, the journal, --resume ----------------------------------------------------

// What --set changed in the base is kept in the file, and the header says it, live and read
// back, as run labels a scenario it changed.
TEST(SweepFileOutput, KeepsWhatSetChangedInTheBase) {
  TempDir dir;
  Sweep::Overrides o;
  o.sets = {{"budget.squeeze_prob", "0.5"}};
  const Sweep s =
      Sweep::from_yaml(sweep_text("grid", "  succession.adoption: [0.2, 0.5]\n"), "s.yaml", "", o);
  SweepOptions opt;
  opt.output = dir.file("s.h5");
  const auto r = progsurv::run_sweep(s, opt);
  const std::string line = "base set to: budget.squeeze_prob=0.5 (was 0.3)\n";
  EXPECT_NE(progsurv::format_sweep(r).find(line), std::string::npos) << progsurv::format_sweep(r);
  const auto back = progsurv::read_sweep(opt.output);
  EXPECT_NE(progsurv::format_sweep(back).find(line), std::string::npos);
  const Sweep plain =
      Sweep::from_yaml(sweep_text("grid", "  succession.adoption: [0.2, 0.5]\n"), "s.yaml");
  opt.output = dir.file("plain.h5");
  EXPECT_EQ(progsurv::format_sweep(progsurv::run_sweep(plain, opt)).find("base set to"),
            std::string::npos);
}

TEST(SweepFileOutput, WritesAndReadsBack) {
  TempDir dir;
  const Sweep s = Sweep::from_yaml(
      sweep_text(
          "{type: sobol, base_samples: 8, bootstrap: 50}",
          "  succession.adoption: {low: 0.2, high: 0.8}\n  patience.grace: {low: 0, high: 12}\n",
          "curves: true\n"),
      "s.yaml");
  SweepOptions opt;
  opt.output = dir.file("s.h5");
  const auto r = progsurv::run_sweep(s, opt);
  EXPECT_FALSE(fs::exists(opt.output + ".partial"));
  ASSERT_EQ(r.sobol.size(), 2u);
  const auto back = progsurv::read_sweep(opt.output);
  EXPECT_EQ(back.sweep.fingerprint, s.fingerprint);
  expect_same_points(r, back);
  EXPECT_EQ(back.sobol[0].first[1].estimate, r.sobol[0].first[1].estimate);

  namespace h5 = progsurv::h5;
  h5::File f = h5::File::open_read(opt.output);
  EXPECT_EQ(f.read_attr_string("filetype"), progsurv::kSweepFiletype);
  EXPECT_EQ(f.read_attr_vector<std::int32_t>("format_version"),
            (std::vector<std::int32_t>{progsurv::kSweepFormatVersionMajor,
                                       progsurv::kSweepFormatVersionMinor}));
  EXPECT_EQ(f.read_attr_string("fingerprint"), s.fingerprint);
  EXPECT_EQ(f.read_string("sweep"), s.resolved);
  h5::Dims dims;
  f.read_dataset<double>("metrics/estimate", &dims);
  EXPECT_EQ(dims, (h5::Dims{32, 2}));
  f.read_dataset<double>("parameters/value", &dims);
  EXPECT_EQ(dims, (h5::Dims{32, 2}));
  f.read_dataset<double>("sobol/total_upper", &dims);
  EXPECT_EQ(dims, (h5::Dims{2, 2}));
  const auto grid = f.read_dataset<double>("curves/grid");
  f.read_dataset<double>("curves/completed", &dims);
  EXPECT_EQ(dims, (h5::Dims{32, grid.size()}));
  EXPECT_EQ(f.read_strings("metrics/name"),
            (std::vector<std::string>{"p_completed", "mean_value"}));

  EXPECT_THROW(progsurv::read_sweep(dir.file("missing.h5")), FileFormatError);
}

// A point the file makes invalid (a count drawn as 2.6) stops the sweep with the file's
// error and leaves no journal: the corrected sweep must start without --resume.
TEST(SweepResume, AnInvalidPointLeavesNoJournal) {
  TempDir dir;
  // Each range is valid alone, but a point with the PERT's mode above its max is not.
  const Sweep s = Sweep::from_yaml(sweep_text("{type: lhs, points: 12}",
                                              "  phases.0.steps.0.work.mode: {low: 3, high: 7}\n"
                                              "  phases.0.steps.0.work.max: {low: 5, high: 8}\n"),
                                   "s.yaml");
  SweepOptions opt;
  opt.output = dir.file("s.h5");
  opt.threads = 2;
  try {
    progsurv::run_sweep(s, opt);
    ADD_FAILURE() << "expected a ScenarioError";
  } catch (const ScenarioError& e) {
    EXPECT_NE(std::string(e.what()).find("at point"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(opt.output + ".partial"));
  EXPECT_FALSE(fs::exists(opt.output));

  // Resumed from a journal (an interrupt came first): the journal goes too, as it could
  // only refuse the corrected sweep.
  SweepOptions stopped = opt;
  stopped.keep_going = [] { return false; };
  EXPECT_THROW(progsurv::run_sweep(s, stopped), progsurv::Cancelled);
  ASSERT_TRUE(fs::exists(opt.output + ".partial"));
  opt.resume = true;
  EXPECT_THROW(progsurv::run_sweep(s, opt), progsurv::SweepPointError);
  EXPECT_FALSE(fs::exists(opt.output + ".partial"));
}

TEST(SweepResume, InterruptedSweepResumesToTheSameResult) {
  TempDir dir;
  const Sweep s = Sweep::from_yaml(
      sweep_text("{type: lhs, points: 12}", "  succession.adoption: {low: 0.2, high: 0.8}\n"),
      "s.yaml");
  const auto full = progsurv::run_sweep(s, SweepOptions{});

  SweepOptions opt;
  opt.output = dir.file("r.h5");
  opt.threads = 2;
  // Workers poll keep_going before each point and after each batch of a point: stop after a
  // few points, as Ctrl-C would.
  std::atomic<int> polls{0};
  opt.keep_going = [&] { return polls++ < 8; };
  EXPECT_THROW(progsurv::run_sweep(s, opt), progsurv::Cancelled);
  const std::string journal = opt.output + ".partial";
  ASSERT_TRUE(fs::exists(journal));
  EXPECT_FALSE(fs::exists(opt.output));

  // A crash mid-append leaves a torn record: it must be ignored, not trusted.
  {
    std::ofstream out(journal, std::ios::binary | std::ios::app);
    const std::string torn("PSR1\x40\x00\x00\x00garbage", 15);
    out.write(torn.data(), static_cast<std::streamsize>(torn.size()));
  }
  // Without --resume the journal is not silently thrown away; the refusal names resume as
  // the caller spells it.
  opt.keep_going = {};
  try {
    progsurv::run_sweep(s, opt);
    ADD_FAILURE() << "an existing journal was overwritten";
  } catch (const FileFormatError& e) {
    EXPECT_NE(std::string(e.what()).find("Pass --resume to continue"), std::string::npos)
        << e.what();
  }
  opt.resume_spelling = "resume=True";
  try {
    progsurv::run_sweep(s, opt);
    ADD_FAILURE() << "an existing journal was overwritten";
  } catch (const FileFormatError& e) {
    EXPECT_NE(std::string(e.what()).find("Pass resume=True to continue"), std::string::npos)
        << e.what();
  }
  // Another sweep may not continue it.
  const Sweep other = Sweep::from_yaml(
      sweep_text("{type: lhs, points: 12}", "  succession.adoption: {low: 0.2, high: 0.9}\n"),
      "s.yaml");
  opt.resume = true;
  try {
    progsurv::run_sweep(other, opt);
    ADD_FAILURE() << "a different sweep resumed the journal";
  } catch (const FileFormatError& e) {
    // Two fingerprints do not tell a user what to change back: the refusal names the key.
    EXPECT_NE(std::string(e.what()).find("different sweep"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(
                  "what differs: parameters.succession.adoption.high: '0.8' there, '0.9' here;"),
              std::string::npos)
        << e.what();
  }
  // A label only changes how the parameter is printed: the relabelled sweep continues the
  // journal, and its file carries the new label.
  const Sweep relabelled = Sweep::from_yaml(
      sweep_text("{type: lhs, points: 12}",
                 "  succession.adoption: {low: 0.2, high: 0.8, label: adoption}\n"),
      "s.yaml");
  EXPECT_EQ(relabelled.fingerprint, s.fingerprint);
  EXPECT_NE(relabelled.resolved, s.resolved);
  const auto resumed = progsurv::run_sweep(relabelled, opt);
  EXPECT_GE(resumed.resumed_points, 1);
  EXPECT_LT(resumed.resumed_points, 12);
  expect_same_points(full, resumed);
  EXPECT_FALSE(fs::exists(journal));
  expect_same_points(full, progsurv::read_sweep(opt.output));
  EXPECT_EQ(progsurv::read_sweep(opt.output).sweep.parameters.back().label, "adoption");

  EXPECT_FALSE(resumed.resumed_from_file);
  EXPECT_NE(progsurv::format_sweep(resumed).find("taken from the journal"), std::string::npos);

  // --resume once the sweep is done (the journal is gone) reuses the file's points, and says
  // they came from the file.
  const auto again = progsurv::run_sweep(s, opt);
  EXPECT_EQ(again.resumed_points, 12);
  EXPECT_TRUE(again.resumed_from_file);
  expect_same_points(full, again);
  const std::string said = progsurv::format_sweep(again);
  EXPECT_NE(said.find("resumed: the sweep had finished; its 12 points were taken from the output "
                      "file"),
            std::string::npos)
      << said;
  EXPECT_EQ(said.find("journal"), std::string::npos) << said;

  // ...but a finished file of another sweep (other parameters, or other -n) is refused as its
  // journal would be, and left as it was.
  Sweep::Overrides fewer;
  fewer.replications = 500;
  const Sweep other_n = Sweep::from_yaml(
      sweep_text("{type: lhs, points: 12}", "  succession.adoption: {low: 0.2, high: 0.8}\n"),
      "s.yaml", ".", fewer);
  const auto before = fs::last_write_time(opt.output);
  for (const Sweep* different : {&other, &other_n}) {
    try {
      progsurv::run_sweep(*different, opt);
      ADD_FAILURE() << "--resume replaced the finished file of another sweep";
    } catch (const FileFormatError& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find(opt.output + " was written by a different sweep (fingerprint " +
                          s.fingerprint + ", this sweep " + different->fingerprint + ")"),
                std::string::npos)
          << what;
    }
    EXPECT_EQ(fs::last_write_time(opt.output), before);
    EXPECT_FALSE(fs::exists(journal));
  }
  expect_same_points(full, progsurv::read_sweep(opt.output));
  // Without --resume the file is replaced as usual.
  opt.resume = false;
  const auto replaced = progsurv::run_sweep(other, opt);
  EXPECT_EQ(replaced.resumed_points, 0);
  EXPECT_EQ(progsurv::read_sweep(opt.output).sweep.fingerprint, other.fingerprint);
}

// A parameter's label replaces its key path in every table the command prints.
TEST(SweepFileOutput, TablesShowParameterLabels) {
  const std::string long_label(300, 'x');
  const std::string parameters =
      "  patience.threshold.median: {low: 6, high: 24, label: \"months of patience\"}\n"
      "  succession.adoption: {low: 0.2, high: 0.8, label: " +
      long_label + "}\n";
  Sweep::Overrides few;
  few.replications = 200;
  for (const char* text :
       {"oat", "{type: sobol, base_samples: 4, bootstrap: 20, second_order: true}",
        "{type: morris, trajectories: 2, bootstrap: 20}", "{type: lhs, points: 3}"}) {
    const std::string design = text;
    const Sweep s = Sweep::from_yaml(sweep_text(design, parameters), "s.yaml", ".", few);
    SweepOptions opt;
    opt.threads = 1;
    const std::string table = progsurv::format_sweep(progsurv::run_sweep(s, opt));
    EXPECT_NE(table.find("months of patience"), std::string::npos) << design << "\n" << table;
    EXPECT_NE(table.find(long_label), std::string::npos) << design << "\n" << table;
    EXPECT_EQ(table.find("patience.threshold.median"), std::string::npos) << design << "\n"
                                                                          << table;
    EXPECT_EQ(table.find("succession.adoption"), std::string::npos) << design << "\n" << table;
    if (design.find("sobol") != std::string::npos) {
      EXPECT_NE(table.find("months of patience x " + long_label), std::string::npos) << table;
    }
  }
}

TEST(SweepResume, JournalWithATornHeaderStartsAfresh) {
  TempDir dir;
  const Sweep s = Sweep::from_yaml(sweep_text("oat", "  succession.adoption: [0.3]\n"), "s.yaml");
  SweepOptions opt;
  opt.output = dir.file("h.h5");
  opt.resume = true;
  { std::ofstream(opt.output + ".partial", std::ios::binary) << "PSH"; }
  const auto r = progsurv::run_sweep(s, opt);
  EXPECT_EQ(r.resumed_points, 0);
  EXPECT_TRUE(fs::exists(opt.output));
}

}  // namespace

namespace {

// Sensitivity designs over the engine: repeats run the design under the next seeds; second-order
// indices, the noise ratio and the convergence table are in the file and read back the same.
TEST(SweepSensitivity, RepeatSecondOrderAndTheFile) {
  TempDir dir;
  const Sweep s = Sweep::from_yaml(
      sweep_text("{type: sobol, base_samples: 8, bootstrap: 50, second_order: true, estimator: "
                 "martinez}",
                 "  succession.adoption: {low: 0.2, high: 0.8}\n"
                 "  patience.threshold.median: {low: 6, high: 24}\n"
                 "  phases.1.continue_prob: {low: 0.5, high: 1}\n",
                 "repeat: 2\n"),
      "s.yaml");
  ASSERT_EQ(s.design_point_count(), 8u * 8u);
  ASSERT_EQ(s.point_count(), 2u * 8u * 8u);
  EXPECT_EQ(s.point_seed(63), 3u);
  EXPECT_EQ(s.point_seed(64), 4u);
  // Each repeat runs its own randomly shifted design.
  EXPECT_TRUE(s.shift);
  EXPECT_NE(s.point_values[5], s.point_values[64 + 5]);
  EXPECT_NE(s.unit[5], s.unit[64 + 5]);
  EXPECT_NE(s.resolved.find("repeat: 2"), std::string::npos);
  EXPECT_NE(s.resolved.find("shift: true"), std::string::npos);
  EXPECT_NE(s.resolved.find("estimator: martinez"), std::string::npos);
  // Point 64 + i is design point i under seed + 1, and equals a plain run with that seed.
  progsurv::RunOptions opt1;
  opt1.seed = 4;
  opt1.threads = 1;
  opt1.replications = s.replications;
  progsurv::Scenario at5 = s.point_scenario(69);
  at5.grid = s.run_grid(at5);
  EXPECT_EQ(progsurv::run(at5, opt1).summary.completed().estimate,
            progsurv::run_point(s, 69).estimate[0]);

  SweepOptions opt;
  opt.output = dir.file("s.h5");
  const auto r = progsurv::run_sweep(s, opt);
  ASSERT_EQ(r.sobol.size(), 2u);
  EXPECT_EQ(r.sobol[0].repeats, 2);
  EXPECT_EQ(r.sobol[0].second.size(), 3u);
  EXPECT_EQ(r.sobol[0].estimator, progsurv::sensitivity::SobolEstimator::Martinez);
  ASSERT_EQ(r.noise_ratio.size(), 2u);
  EXPECT_GT(r.noise_ratio[0], 0.0);
  EXPECT_EQ(r.convergence[0].base_samples, (std::vector<std::int64_t>{8}));
  const std::string table = progsurv::format_sweep(r);
  EXPECT_NE(table.find("seeds 3..4"), std::string::npos) << table;
  EXPECT_NE(table.find("Martinez, 2 engine seeds on independently shifted designs, t interval"),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("noise/variance"), std::string::npos) << table;
  EXPECT_NE(table.find("succession.adoption x patience.threshold.median"), std::string::npos);

  const auto back = progsurv::read_sweep(opt.output);
  EXPECT_EQ(back.sobol[0].second[2].estimate, r.sobol[0].second[2].estimate);
  EXPECT_EQ(back.noise_ratio, r.noise_ratio);
  namespace h5 = progsurv::h5;
  h5::File f = h5::File::open_read(opt.output);
  EXPECT_EQ(f.read_attr<std::int32_t>("repeat"), 2);
  EXPECT_EQ(f.open_group("sobol").read_attr<std::int32_t>("shift"), 1);
  // The design read back is the shifted one that ran.
  EXPECT_EQ(back.sweep.unit, s.unit);
  h5::Dims dims;
  f.read_dataset<double>("sobol/second", &dims);
  EXPECT_EQ(dims, (h5::Dims{2, 3}));
  f.read_dataset<double>("sobol/total_seed_sd", &dims);
  EXPECT_EQ(dims, (h5::Dims{2, 3}));
  f.read_dataset<double>("sobol/convergence/first", &dims);
  EXPECT_EQ(dims, (h5::Dims{2, 1, 3}));
  EXPECT_EQ(f.read_dataset<std::int32_t>("sobol/pair_second"),
            (std::vector<std::int32_t>{1, 2, 2}));

  // repeats of a sobol design are shifted designs; shift belongs to the sobol design.
  EXPECT_NE(error_of(sweep_text("{type: sobol, base_samples: 4, shift: false}",
                                "  succession.adoption: {low: 0.2, high: 0.8}\n", "repeat: 2\n"))
                .message()
                .find("shift: false cannot be combined with repeat 2"),
            std::string::npos);
  EXPECT_NE(error_of(sweep_text("{type: lhs, points: 4, shift: true}",
                                "  succession.adoption: {low: 0.2, high: 0.8}\n"))
                .message()
                .find("belongs to the sobol design"),
            std::string::npos);
  // One shifted design without repeats: a different design, keyed by the design seed.
  const std::string one = sweep_text("{type: sobol, base_samples: 4, shift: true}",
                                     "  succession.adoption: {low: 0.2, high: 0.8}\n");
  const Sweep shifted = Sweep::from_yaml(one, "s.yaml");
  Sweep::Overrides cli;
  cli.shift = true;
  const Sweep plain = Sweep::from_yaml(sweep_text("{type: sobol, base_samples: 4}",
                                                  "  succession.adoption: {low: 0.2, high: 0.8}\n"),
                                       "s.yaml");
  const Sweep by_option =
      Sweep::from_yaml(sweep_text("{type: sobol, base_samples: 4}",
                                  "  succession.adoption: {low: 0.2, high: 0.8}\n"),
                       "s.yaml", ".", cli);
  EXPECT_NE(shifted.unit, plain.unit);
  EXPECT_EQ(by_option.unit, shifted.unit);
  EXPECT_EQ(by_option.fingerprint, shifted.fingerprint);
  EXPECT_EQ(plain.resolved.find("shift"), std::string::npos);

  // repeat is for the sobol and morris designs; second_order for sobol.
  EXPECT_NE(
      error_of(sweep_text("oat", "  succession.adoption: {low: 0.2, high: 0.8}\n", "repeat: 2\n"))
          .message()
          .find("sobol and morris designs"),
      std::string::npos);
  EXPECT_NE(error_of(sweep_text("{type: lhs, points: 4, second_order: true}",
                                "  succession.adoption: {low: 0.2, high: 0.8}\n"))
                .message()
                .find("belongs to the sobol design"),
            std::string::npos);
  EXPECT_NE(error_of(sweep_text("{type: sobol, base_samples: 4, estimator: jensen}",
                                "  succession.adoption: {low: 0.2, high: 0.8}\n"))
                .message()
                .find("jansen"),
            std::string::npos);
}

// Morris screening over the engine: the patience threshold moves P(completed) far more than
// the director's tenure (the tornado of the shipped oat sweep: swings 0.10 and 0.003).
TEST(SweepSensitivity, MorrisScreensTheEngine) {
  const Sweep s = Sweep::from_yaml(
      sweep_text("{type: morris, trajectories: 8, levels: 4, bootstrap: 100, seed: 2}",
                 "  sponsor_levels.director.tenure.mean: {low: 18, high: 48}\n"
                 "  patience.threshold.median: {low: 6, high: 24}\n"),
      "s.yaml");
  ASSERT_EQ(s.point_count(), 8u * 3u);
  SweepOptions opt;
  const auto r = progsurv::run_sweep(s, opt);
  ASSERT_EQ(r.morris.size(), 2u);  // p_completed and mean_value
  const auto& m = r.morris[0];
  EXPECT_GT(m.mu_star[1] - m.mu_star_conf[1], m.mu_star[0] + m.mu_star_conf[0]);
  EXPECT_GT(m.mu[1], 0.0);  // more patience, more completions
  const std::string table = progsurv::format_sweep(r);
  EXPECT_LT(table.find("patience.threshold.median"),
            table.find("sponsor_levels.director.tenure.mean", table.find("mu*")))
      << table;
  EXPECT_NE(error_of(sweep_text("{type: morris, trajectories: 4, levels: 3}",
                                "  succession.adoption: {low: 0.2, high: 0.8}\n"))
                .message()
                .find("even"),
            std::string::npos);
}

// A scenario with a known answer (scenarios/sweeps/gates-analytic.yaml): the phase gates are the
// only way to fail, so P(completed) = p1 p2 p3 and, for p_i uniform on [low_i, high_i], the
// Sobol' indices are closed-form. At N = 256 over 20 repeats (shifted designs and engine seeds
// 1..20): every first-order sum is at most 1 within noise, the combined indices agree with the
// analytic ones, and the t intervals of 4 groups of 5 repeats cover them at about 95%
// (tools/sobol_coverage.py runs the larger coverage study of docs/sweeps.md).
TEST(SweepSensitivity, AnalyticGatesScenario) {
  namespace sens = progsurv::sensitivity;
  Sweep::Overrides o;
  o.repeat = 20;
  o.replications = 400;
  const Sweep s = Sweep::load(kSource + "/scenarios/sweeps/gates-analytic.yaml", o);
  ASSERT_EQ(s.samples, 256);
  ASSERT_EQ(s.parameters.size(), 3u);

  // The closed form: E p_i, E p_i^2; V_i = Var(p_i) Π_{j≠i} (E p_j)^2 and
  // ST_i = 1 − (E p_i)^2 Var(Π_{j≠i} p_j) / V.
  double mu[3], m2[3];
  for (std::size_t i = 0; i < 3; ++i) {
    const double a = s.parameters[i].low, b = s.parameters[i].high;
    mu[i] = (a + b) / 2;
    m2[i] = (a * a + a * b + b * b) / 3;
  }
  const double var = m2[0] * m2[1] * m2[2] - mu[0] * mu[0] * mu[1] * mu[1] * mu[2] * mu[2];
  double s1[3], st[3], s1_sum = 0;
  for (int i = 0; i < 3; ++i) {
    const int j = (i + 1) % 3, l = (i + 2) % 3;
    s1[i] = (m2[i] - mu[i] * mu[i]) * mu[j] * mu[j] * mu[l] * mu[l] / var;
    st[i] = 1 - mu[i] * mu[i] * (m2[j] * m2[l] - mu[j] * mu[j] * mu[l] * mu[l]) / var;
    s1_sum += s1[i];
  }
  EXPECT_NEAR(s1[0], 0.6974, 1e-4);  // the values the sweep file's comment gives
  EXPECT_NEAR(st[2], 0.0508, 1e-4);

  // At the base (0.7, 0.8, 0.9) the engine completes 0.504 of programmes, ending the rest.
  progsurv::RunOptions base_run;
  base_run.seed = 1;
  base_run.threads = 2;
  base_run.replications = 100000;
  const auto base = progsurv::run(s.base, base_run).summary.completed();
  EXPECT_NEAR(base.estimate, 0.7 * 0.8 * 0.9, 4 * (base.upper - base.lower) / 3.92);

  SweepOptions opt;
  opt.threads = 2;
  const auto r = progsurv::run_sweep(s, opt);
  ASSERT_EQ(r.sobol.size(), 1u);
  const std::size_t once = s.design_point_count();
  std::vector<sens::SobolIndices> runs;
  for (std::size_t rep = 0; rep < 20; ++rep) {
    std::vector<double> y;
    for (std::size_t i = rep * once; i < (rep + 1) * once; ++i)
      y.push_back(r.points[i].estimate[0]);
    runs.push_back(sens::sobol_indices(y, s.samples, 3, 0));
    double sum = 0;
    for (const auto& e : runs.back().first) sum += e.estimate;
    // One design's sum: the analytic 0.982 plus the design's error (sd about 0.02).
    EXPECT_LE(sum, 1.0 + 0.05) << "repeat " << rep;
  }
  const auto& all = r.sobol[0];
  double sum = 0;
  for (int i = 0; i < 3; ++i) {
    const auto ii = static_cast<std::size_t>(i);
    sum += all.first[ii].estimate;
    EXPECT_NEAR(all.first[ii].estimate, s1[i], std::max(3 * all.first_se[ii], 0.005)) << i;
    EXPECT_NEAR(all.total[ii].estimate, st[i], std::max(3 * all.total_se[ii], 0.005)) << i;
    EXPECT_LT(all.first[ii].upper - all.first[ii].lower, 0.05) << i;
  }
  EXPECT_LE(sum, 1.0);
  EXPECT_NEAR(sum, s1_sum, 0.02);

  int covered = 0;
  for (std::size_t g = 0; g < 4; ++g) {
    const auto c = sens::combine_repeats(
        std::vector<sens::SobolIndices>(runs.begin() + static_cast<std::ptrdiff_t>(5 * g),
                                        runs.begin() + static_cast<std::ptrdiff_t>(5 * g + 5)));
    for (std::size_t i = 0; i < 3; ++i) {
      covered += c.first[i].lower <= s1[i] && s1[i] <= c.first[i].upper;
      covered += c.total[i].lower <= st[i] && st[i] <= c.total[i].upper;
    }
  }
  // 24 intervals at 95%: 22.8 expected; fewer than 20 has probability about 3%.
  EXPECT_GE(covered, 20);
}

}  // namespace

// A sobol design of base_samples that is not a power of two runs, with a warning at the
// key's line naming the powers on either side; a power of two gets none.
TEST(SweepFile, SobolBaseSamplesNotAPowerOfTwoIsWarned) {
  const Sweep thirty =
      Sweep::from_yaml(sweep_text("\n  type: sobol\n  base_samples: 30\n",
                                  "  succession.adoption: {low: 0.2, high: 0.8}\n"),
                       "s.yaml");
  ASSERT_EQ(thirty.warnings.size(), 1u);
  EXPECT_EQ(thirty.warnings[0].line, 7);
  EXPECT_EQ(thirty.warnings[0].key, "design.base_samples");
  EXPECT_NE(thirty.warnings[0].message.find("base_samples 30 is not a power of two (16 or 32 is)"),
            std::string::npos)
      << thirty.warnings[0].message;
  for (const char* n : {"2", "4", "32"})
    EXPECT_TRUE(Sweep::from_yaml(sweep_text(std::string("{type: sobol, base_samples: ") + n + "}",
                                            "  succession.adoption: {low: 0.2, high: 0.8}\n"),
                                 "s.yaml")
                    .warnings.empty())
        << n;
  EXPECT_TRUE(Sweep::from_yaml(sweep_text("{type: lhs, points: 30}",
                                          "  succession.adoption: {low: 0.2, high: 0.8}\n"),
                               "s.yaml")
                  .warnings.empty());
}

// Too few base samples give indices outside [0, 1] with intervals that leave [0, 1] too: the
// summary warns (a COO would otherwise read ST = 1.35 [1.00, 2.03] as a finding).
TEST(SweepSensitivity, IndicesOutsideZeroOneAreWarnedAbout) {
  const std::string parameters =
      "  patience.threshold.median: {low: 6, high: 24}\n"
      "  succession.adoption: {low: 0.2, high: 0.8}\n"
      "  silos.it.break_prob: {low: 0.1, high: 0.4}\n"
      "  phases.1.continue_prob: {low: 0.5, high: 1.0}\n";
  const auto text = [&](int n) {
    return "name: t\nbase: " + kBaseline + "\nseed: 3\nreplications: 500\ndesign: {type: sobol, " +
           "base_samples: " + std::to_string(n) + ", bootstrap: 200}\nparameters:\n" + parameters +
           "metrics: [p_completed]\n";
  };
  const std::string few = progsurv::format_sweep(
      progsurv::run_sweep(Sweep::from_yaml(text(8), "s.yaml"), SweepOptions{}));
  EXPECT_NE(few.find("wholly outside [0, 1] where no index can be: 8 base samples are too few "
                     "for these indices and their intervals; raise base_samples (e.g. to 32)"),
            std::string::npos)
      << few;
  const std::string enough = progsurv::format_sweep(
      progsurv::run_sweep(Sweep::from_yaml(text(64), "s.yaml"), SweepOptions{}));
  EXPECT_EQ(enough.find("wholly outside"), std::string::npos) << enough;
}
