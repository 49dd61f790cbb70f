// Sweeps over a portfolio base: parsing and located errors, a point equals run_portfolio of
// its values, thread invariance, the journal, the HDF5 file, and directions of effects.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <filesystem>
#include <sstream>

#include "io/h5.hpp"
#include "progsurv/analysis/goal.hpp"
#include "progsurv/analysis/sweep.hpp"
#include "progsurv/io/version.hpp"
#include "progsurv/portfolio/portfolio_run.hpp"
#include "progsurv/portfolio/portfolio_summary.hpp"
#include "progsurv/scenario/error.hpp"

namespace {

namespace fs = std::filesystem;
using progsurv::MetricKind;
using progsurv::Portfolio;
using progsurv::ScenarioError;
using progsurv::Sweep;
using progsurv::SweepOptions;

const std::string kSource = PROGSURV_SOURCE_DIR;
const std::string kTenYears = kSource + "/scenarios/portfolios/ten-years.yaml";

std::string sweep_text(const std::string& design, const std::string& parameters,
                       const std::string& extra = "", const std::string& organisations = "300") {
  return "name: p\nportfolio: " + kTenYears + "\nseed: 5\nreplications: " + organisations +
         "\ndesign: " + design + "\nparameters:\n" + parameters + extra;
}

ScenarioError error_of(const std::string& text) {
  try {
    Sweep::from_yaml(text, "s.yaml");
  } catch (const ScenarioError& e) {
    return e;
  }
  ADD_FAILURE() << "no error for:\n" << text;
  return ScenarioError("", 0, 0, "", "");
}

std::size_t metric_index(const Sweep& s, const std::string& name) {
  for (std::size_t i = 0; i < s.metrics.size(); ++i)
    if (s.metrics[i].name == name) return i;
  ADD_FAILURE() << "no metric " << name;
  return 0;
}

void expect_same_points(const progsurv::SweepResult& a, const progsurv::SweepResult& b) {
  ASSERT_EQ(a.points.size(), b.points.size());
  for (std::size_t i = 0; i < a.points.size(); ++i) {
    EXPECT_EQ(a.points[i].replications, b.points[i].replications);
    EXPECT_EQ(a.points[i].count, b.points[i].count) << "point " << i;
    for (std::size_t m = 0; m < a.points[i].estimate.size(); ++m) {
      using Field = std::vector<double> progsurv::PointResult::*;
      for (Field field : {&progsurv::PointResult::estimate, &progsurv::PointResult::se}) {
        const double x = (a.points[i].*field)[m], y = (b.points[i].*field)[m];
        EXPECT_TRUE(x == y || (std::isnan(x) && std::isnan(y))) << "point " << i << " metric " << m;
      }
    }
  }
}

const char* kAllMetrics = R"(metrics:
  - mean_launched
  - mean_completed
  - mean_ended
  - mean_not_started
  - mean_running
  - mean_total_value
  - {mean_ended_by: patience}
  - {rank_completed: 1}
  - {rank_completed: 6}
  - {rank_ended: 2}
  - {rank_not_started: 3}
  - {rank_ended_by: {cause: sponsor_exit, rank: 1}}
  - {rank_reached: 12}
  - mean_cynicism
  - mean_trust
  - {mean_cynicism_at: 61}
  - orphaned_per_exit
  - share_completed
  - share_ended
  - {share_ended_by: patience}
)";

TEST(PortfolioSweepFile, ExampleParsesWithTemplatesInline) {
  const Sweep s = Sweep::load(kSource + "/scenarios/sweeps/portfolio-cynicism.yaml");
  EXPECT_TRUE(s.is_portfolio());
  EXPECT_GT(s.point_count(), 1u);
  EXPECT_EQ(s.portfolio.name, "ten-years");
  // The resolved sweep stands alone: the template file is written into it.
  EXPECT_EQ(s.resolved.find("baseline.yaml"), std::string::npos) << s.resolved;
  EXPECT_NE(s.resolved.find("portfolio:"), std::string::npos);
  const Sweep again = Sweep::from_yaml(s.resolved, "elsewhere/resolved");
  EXPECT_EQ(again.fingerprint, s.fingerprint);
  EXPECT_EQ(again.point_values, s.point_values);
  EXPECT_TRUE(again.is_portfolio());
}

// One grammar: every portfolio statistic a sweep lists (its YAML form) is the remedies goal of
// the same name, the same statistic, and the resolved text reads back to the same metrics.
TEST(PortfolioSweepFile, EveryMetricIsTheGoalOfItsName) {
  // By PortfolioStatistic::Arg: the YAML argument of a stem that takes one, the name's tail.
  const std::pair<std::string, std::string> kArgs[] = {
      {"", ""},
      {"budget_cut", "_budget_cut"},
      {"2", "_2"},
      {"30.5", "_30.5"},
      {"{cause: patience, rank: 3}", "_patience_3"}};
  std::string list = "metrics:\n";
  std::vector<std::string> expected;
  for (const progsurv::PortfolioStatistic& stem : progsurv::PortfolioStatistic::stems()) {
    const auto& [yaml, tail] = kArgs[static_cast<int>(stem.arg())];
    list += "  - " + (yaml.empty() ? stem.stem() : "{" + stem.stem() + ": " + yaml + "}") + "\n";
    expected.push_back(stem.stem() + tail);
  }
  const Sweep s = Sweep::from_yaml(sweep_text("grid", "  max_live: [2]\n", list), "s.yaml");
  ASSERT_EQ(s.metrics.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const auto& m = s.metrics[i];
    EXPECT_EQ(m.kind, MetricKind::Portfolio);
    EXPECT_EQ(m.name, expected[i]);
    const progsurv::Goal g = progsurv::Goal::parse(m.name, true);
    EXPECT_EQ(g.name, m.name);
    EXPECT_EQ(g.statistic.kind, m.statistic.kind) << m.name;
    EXPECT_EQ(g.statistic.outcome, m.statistic.outcome) << m.name;
    EXPECT_EQ(g.statistic.cause, m.statistic.cause) << m.name;
    EXPECT_EQ(g.statistic.rank, m.statistic.rank) << m.name;
    EXPECT_EQ(g.statistic.trust, m.statistic.trust) << m.name;
    EXPECT_EQ(g.statistic.at_horizon, m.statistic.at_horizon) << m.name;
    EXPECT_EQ(g.statistic.t, m.statistic.t) << m.name;
  }
  const Sweep again = Sweep::from_yaml(s.resolved, "resolved");
  ASSERT_EQ(again.metrics.size(), s.metrics.size());
  for (std::size_t i = 0; i < s.metrics.size(); ++i)
    EXPECT_EQ(again.metrics[i].name, s.metrics[i].name);
  // The goals list exactly these names, with their arguments' patterns.
  EXPECT_EQ(progsurv::Goal::names(true).size(), expected.size());
}

TEST(PortfolioSweepFile, BaseValuesComeFromThePortfolioOrItsDefaults) {
  const Sweep s = Sweep::from_yaml(sweep_text("oat",
                                              "  cynicism.effect.break: {low: 0, high: 0.6}\n"
                                              "  roster.vp: [4, 12]\n"
                                              "  roster.ceo: [2]\n"
                                              "  max_live: [2]\n"
                                              "  programmes.baseline.succession.adoption: [0.3]\n"),
                                   "s.yaml");
  EXPECT_EQ(s.parameters[0].base_text, "0.3");
  EXPECT_EQ(s.parameters[1].base_text, "8");
  EXPECT_EQ(s.parameters[2].base_text, "1");
  EXPECT_EQ(s.parameters[3].base_text, "4");
  EXPECT_EQ(s.parameters[4].base_value, s.portfolio.templates[0].succession.adoption);
  // The point's portfolio has the values, and nothing else changed.
  const Portfolio p = s.point_portfolio(3);  // roster.vp = 4
  EXPECT_EQ(p.roster[static_cast<std::size_t>(s.portfolio.templates[0].level_index("vp"))], 4);
  EXPECT_EQ(p.cynicism.effect_break, s.portfolio.cynicism.effect_break);
  const Portfolio q = s.point_portfolio(s.point_count() - 1);
  EXPECT_EQ(q.templates[0].succession.adoption, 0.3);
  // A portfolio default (customers.initial_trust) when the file does not write it.
  const Sweep d = Sweep::from_yaml(sweep_text("oat", "  cynicism.effect.pickup: [0]\n"), "d.yaml");
  EXPECT_EQ(d.parameters[0].base_text, "0.5");
}

TEST(PortfolioSweepFile, ErrorsNameFileLineColumnAndKey) {
  // A key path the portfolio does not have: at the parameter, with a suggestion.
  auto e = error_of(sweep_text("oat", "  cynicism.rize: {low: 0.1, high: 0.5}\n"));
  EXPECT_EQ(e.file(), "s.yaml");
  EXPECT_EQ(e.line(), 7);
  EXPECT_EQ(e.column(), 3);
  EXPECT_EQ(e.key(), "parameters.cynicism.rize");
  EXPECT_NE(e.message().find("did you mean 'rise'?"), std::string::npos) << e.what();
  e = error_of(sweep_text("oat", "  roster.cto: [2]\n"));
  EXPECT_NE(e.message().find("cto"), std::string::npos) << e.what();
  e = error_of(sweep_text("oat", "  programmes.nope.scoping: [2]\n"));
  EXPECT_EQ(e.key(), "parameters.programmes.nope.scoping");
  // A value the portfolio cannot take.
  e = error_of(sweep_text("oat", "  cynicism.effect.break: {low: 0.1, high: 1.5}\n"));
  EXPECT_NE(e.message().find("1.5"), std::string::npos) << e.what();
  // An organisation part the portfolio takes from its first programme.
  e = error_of(sweep_text("oat", "  succession.adoption: [0.5]\n"));
  EXPECT_NE(e.message().find("programmes.baseline.succession.adoption"), std::string::npos)
      << e.what();
  e = error_of(sweep_text("oat", "  programmes.baseline.horizon: [60]\n"));
  EXPECT_NE(e.message().find("set 'horizon'"), std::string::npos) << e.what();

  // Metrics: scenario metrics are refused, names get suggestions, ranks are checked.
  e = error_of(sweep_text("oat", "  max_live: [2]\n", "metrics: [p_completed]\n"));
  EXPECT_EQ(e.key(), "metrics.0");
  EXPECT_NE(e.message().find("scenario sweeps"), std::string::npos) << e.what();
  e = error_of(sweep_text("oat", "  max_live: [2]\n", "metrics: [mean_complted]\n"));
  EXPECT_NE(e.message().find("did you mean 'mean_completed'?"), std::string::npos) << e.what();
  // "mean_" on a share: not a mean, and the name to write instead.
  e = error_of(sweep_text("oat", "  max_live: [2]\n", "metrics: [mean_share_completed]\n"));
  EXPECT_EQ(e.key(), "metrics.0");
  EXPECT_NE(e.message().find("write 'share_completed'"), std::string::npos) << e.what();
  e = error_of(sweep_text("oat", "  max_live: [2]\n", "metrics: [{rank_completed: 0}]\n"));
  EXPECT_NE(e.message().find("first programme"), std::string::npos) << e.what();
  e = error_of(sweep_text("oat", "  max_live: [2]\n", "metrics: [{mean_trust_at: 121}]\n"));
  EXPECT_NE(e.message().find("beyond the horizon"), std::string::npos) << e.what();
  e = error_of(sweep_text("oat", "  max_live: [2]\n", "curves: true\n"));
  EXPECT_EQ(e.key(), "curves");

  // The base: exactly one of base and portfolio, an existing file.
  e = error_of(
      sweep_text("oat", "  max_live: [2]\n", "base: " + kSource + "/scenarios/baseline.yaml\n"));
  EXPECT_EQ(e.key(), "portfolio");
  e = error_of("portfolio: no-such.yaml\ndesign: oat\nparameters: {max_live: [1]}\n");
  EXPECT_EQ(e.key(), "portfolio");
  EXPECT_NE(e.message().find("not found"), std::string::npos) << e.what();
  e = error_of("design: oat\nparameters: {max_live: [1]}\n");
  EXPECT_NE(e.message().find("portfolio"), std::string::npos) << e.what();

  // Errors inside an inline portfolio point into this file.
  e = error_of(R"(design: oat
parameters: {max_live: [1]}
portfolio:
  horizon: 60
  roster: {vp: 2}
  cynicism: {rise: 1.5}
  programmes:
    a:
      sponsor_levels: {vp: {tenure: 30}}
      sponsor: {vp: 1}
      silos: {s: {}}
      phases: [{name: x, steps: [{silo: s, work: 1}]}]
  launches: [{at: 0, programme: a}]
)");
  EXPECT_EQ(e.key(), "portfolio.cynicism.rise");
  EXPECT_EQ(e.line(), 6);
  // A planned portfolio (no renewal) launches a known number of programmes.
  e = error_of(R"(design: oat
parameters: {max_live: [1]}
metrics: [{rank_completed: 2}]
portfolio:
  horizon: 60
  roster: {vp: 2}
  programmes:
    a:
      sponsor_levels: {vp: {tenure: 30}}
      sponsor: {vp: 1}
      silos: {s: {}}
      phases: [{name: x, steps: [{silo: s, work: 1}]}]
  launches: [{at: 0, programme: a}]
)");
  EXPECT_NE(e.message().find("at most 1"), std::string::npos) << e.what();
}

// --- running ---------------------------------------------------------------------------

TEST(PortfolioSweepRun, PointEqualsRunPortfolioOfItsValues) {
  const Sweep s = Sweep::from_yaml(
      sweep_text("grid", "  cynicism.effect.break: [0.6]\n  roster.vp: [5]\n", kAllMetrics),
      "s.yaml");
  const auto point = progsurv::run_point(s, 0);
  // The same portfolio loaded directly (its template from its file), the same values.
  const Portfolio p = Portfolio::load(kTenYears).with_values(
      {{"cynicism.effect.break", "0.6"}, {"roster.vp", "5"}});
  progsurv::RunOptions opt;
  opt.seed = 5;
  opt.replications = 300;
  opt.threads = 2;
  const auto r = progsurv::run_portfolio(p, opt);
  const auto sm = progsurv::summarize(r.tally);
  EXPECT_EQ(point.replications, 300);
  const auto at = [&](const std::string& name) { return point.estimate[metric_index(s, name)]; };
  EXPECT_EQ(at("mean_launched"), sm.launched.estimate);
  EXPECT_EQ(at("mean_completed"),
            sm.per_category[static_cast<std::size_t>(progsurv::EndCategory::Completed)].estimate);
  EXPECT_EQ(at("mean_ended"), sm.ended.estimate);
  EXPECT_EQ(at("mean_total_value"), sm.value.estimate);
  EXPECT_EQ(at("mean_ended_by_patience"),
            sm.per_category[static_cast<std::size_t>(progsurv::EndCategory::Patience)].estimate);
  EXPECT_EQ(at("rank_completed_1"), sm.rank_share[0][0].estimate);
  EXPECT_EQ(at("rank_completed_6"), sm.rank_share[5][0].estimate);
  EXPECT_EQ(at("rank_ended_by_sponsor_exit_1"), sm.rank_share[0][1].estimate);
  EXPECT_EQ(at("rank_reached_12"), sm.rank_reached[11].estimate);
  EXPECT_EQ(at("orphaned_per_exit"), sm.orphaned_per_exit);
  // Shares of every programme launched: the tally's per-template counts, pooled.
  std::int64_t launched = 0, completed = 0, patience = 0;
  for (std::size_t i = 0; i < r.tally.template_launched.size(); ++i) {
    launched += r.tally.template_launched[i];
    const auto row = i * progsurv::kEndCategoryCount;
    completed +=
        r.tally.template_category[row + static_cast<std::size_t>(progsurv::EndCategory::Completed)];
    patience +=
        r.tally.template_category[row + static_cast<std::size_t>(progsurv::EndCategory::Patience)];
  }
  ASSERT_GT(launched, 300);
  EXPECT_EQ(at("share_completed"), static_cast<double>(completed) / static_cast<double>(launched));
  EXPECT_EQ(at("share_ended_by_patience"),
            static_cast<double>(patience) / static_cast<double>(launched));
  EXPECT_EQ(point.count[metric_index(s, "share_completed")], launched);
  // Their standard errors: of a ratio over organisations (whose programmes share sponsors),
  // not of independent programmes.
  progsurv::ClusteredCounts cc;
  cc.clusters = r.tally.n;
  cc.x = static_cast<double>(completed);
  cc.y = static_cast<double>(launched);
  cc.xx = r.tally.per_org_category[0].sumsq;
  cc.xy = static_cast<double>(r.tally.per_org_category_cross[0]);
  cc.yy = r.tally.per_org_launched.sumsq;
  EXPECT_EQ(point.se[metric_index(s, "share_completed")], progsurv::clustered_ratio_se(cc));
  EXPECT_GT(cc.xy, 0.0);
  // share_ended: every ending together, with its own squares and cross sums.
  progsurv::ClusteredCounts ce = cc;
  ce.x = r.tally.per_org_ended.sum;
  ce.xx = r.tally.per_org_ended.sumsq;
  ce.xy = static_cast<double>(r.tally.per_org_ended_cross);
  EXPECT_EQ(at("share_ended"), ce.x / ce.y);
  EXPECT_EQ(point.se[metric_index(s, "share_ended")], progsurv::clustered_ratio_se(ce));
  // Cynicism and trust at the horizon: the portfolio's last grid point is its horizon.
  ASSERT_EQ(sm.grid.back(), p.horizon);
  EXPECT_DOUBLE_EQ(at("mean_cynicism"), sm.cynicism_mean.back());
  EXPECT_DOUBLE_EQ(at("mean_trust"), sm.trust_mean.back());
  // Counts: organisations, or those that launched a k-th programme.
  EXPECT_EQ(point.count[metric_index(s, "mean_completed")], 300);
  EXPECT_EQ(point.count[metric_index(s, "rank_completed_6")], r.tally.rank_launched[5]);
  // Each estimate has a finite, positive standard error.
  for (std::size_t m = 0; m < s.metrics.size(); ++m)
    EXPECT_TRUE(point.se[m] > 0 && std::isfinite(point.se[m])) << s.metrics[m].name;
  // Cynicism at t = 61 months (between grid points): its mean lies in [0, 1].
  const double c61 = at("mean_cynicism_at_61");
  EXPECT_TRUE(c61 > 0 && c61 < 1) << c61;
}

TEST(PortfolioSweepRun, ResultsDoNotDependOnThreadsAndResume) {
  const Sweep s = Sweep::from_yaml(
      sweep_text("{type: lhs, points: 6}",
                 "  cynicism.effect.break: {low: 0, high: 0.8}\n  roster.vp: [4, 8, 16]\n",
                 "metrics: [mean_completed, {rank_completed: 3}, orphaned_per_exit]\n", "150"),
      "s.yaml");
  SweepOptions one;
  one.threads = 1;
  const auto a = progsurv::run_sweep(s, one);
  SweepOptions two;
  two.threads = 2;
  const fs::path dir =
      fs::temp_directory_path() / ("progsurv-portfolio-sweep-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  two.output = (dir / "p.h5").string();
  std::atomic<int> polls{0};
  two.keep_going = [&] { return polls++ < 4; };
  EXPECT_THROW(progsurv::run_sweep(s, two), progsurv::Cancelled);
  ASSERT_TRUE(fs::exists(two.output + ".partial"));
  two.keep_going = {};
  two.resume = true;
  const auto b = progsurv::run_sweep(s, two);
  EXPECT_GE(b.resumed_points, 1);
  expect_same_points(a, b);

  // The file: version 1.1, a portfolio base, counts; read back as it was written.
  const auto back = progsurv::read_sweep(two.output);
  EXPECT_TRUE(back.sweep.is_portfolio());
  expect_same_points(a, back);
  {
    namespace h5 = progsurv::h5;
    h5::File f = h5::File::open_read(two.output);
    EXPECT_EQ(f.read_attr_vector<std::int32_t>("format_version"),
              (std::vector<std::int32_t>{progsurv::kSweepFormatVersionMajor,
                                         progsurv::kSweepFormatVersionMinor}));
    EXPECT_EQ(f.read_attr_string("base_kind"), "portfolio");
    EXPECT_NE(f.read_string("base_portfolio").find("cynicism"), std::string::npos);
    h5::Dims dims;
    f.read_dataset<std::int64_t>("metrics/count", &dims);
    EXPECT_EQ(dims, (h5::Dims{6, 3}));
  }
  const std::string table = progsurv::format_sweep(back);
  EXPECT_NE(table.find("portfolio ten-years"), std::string::npos) << table;
  EXPECT_NE(table.find("organisations per point"), std::string::npos) << table;
  // The points' table: every entry starts under its column's header.
  std::istringstream lines(table.substr(table.find("\n  point")));
  std::string header, row;
  std::getline(lines, header);
  std::getline(lines, header);
  std::vector<std::size_t> starts;
  for (std::size_t c = 2; c < header.size(); ++c)
    if (header[c] != ' ' && header[c - 1] == ' ' && header[c - 2] == ' ') starts.push_back(c);
  ASSERT_EQ(starts.size(), 1u + 2u + 3u) << header;  // point, 2 parameters, 3 metrics
  int rows = 0;
  while (std::getline(lines, row) && row.rfind("  ", 0) == 0) {
    for (std::size_t c : starts)
      EXPECT_TRUE(row.size() > c && row[c] != ' ' && row[c - 1] == ' ') << header << "\n" << row;
    ++rows;
  }
  EXPECT_EQ(rows, 6);
  fs::remove_all(dir);
}

TEST(PortfolioSweepRun, PointsAtTheBaseValuesGiveTheBaseNumbers) {
  // Common random numbers: the oat base point and a point that sets a parameter to its base
  // value run the same organisations and give the same numbers, bit for bit; the tornado
  // is made of the portfolio metrics.
  const Sweep s = Sweep::from_yaml(
      sweep_text("oat", "  cynicism.effect.break: [0.3, 0.9]\n  review_every: [6]\n",
                 "metrics: [mean_completed, {rank_completed: 2}, orphaned_per_exit]\n", "200"),
      "s.yaml");
  ASSERT_EQ(s.point_count(), 4u);
  const auto r = progsurv::run_sweep(s, SweepOptions{});
  EXPECT_EQ(r.points[1].estimate, r.points[0].estimate);  // effect.break 0.3 is the base
  EXPECT_NE(r.points[2].estimate, r.points[0].estimate);
  ASSERT_EQ(r.tornado_base.size(), 3u);
  EXPECT_EQ(r.tornado_base[0], r.points[0].estimate[0]);
  EXPECT_EQ(r.tornado_high[0][0], r.points[2].estimate[0]);
  // review_every, absent from the portfolio, is added to it for the point.
  EXPECT_EQ(s.point_portfolio(3).templates[0].patience.review_every, 6.0);
}

TEST(PortfolioSweepRun, OldScenarioSweepFilesStillRead) {
  // A 1.0 file: a scenario sweep without base_kind.
  const Sweep s = Sweep::from_yaml("base: " + kSource +
                                       "/scenarios/baseline.yaml\nreplications: 500\n"
                                       "design: oat\nparameters: {succession.adoption: [0.4]}\n",
                                   "s.yaml");
  const fs::path dir =
      fs::temp_directory_path() / ("progsurv-old-sweep-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  SweepOptions opt;
  opt.output = (dir / "old.h5").string();
  const auto r = progsurv::run_sweep(s, opt);
  {
    progsurv::h5::File f = progsurv::h5::File::open_write(opt.output);
    f.write_attr("format_version", std::vector<std::int32_t>{1, 0});
  }
  const auto back = progsurv::read_sweep(opt.output);
  EXPECT_FALSE(back.sweep.is_portfolio());
  EXPECT_EQ(back.points[1].estimate, r.points[1].estimate);
  EXPECT_TRUE(back.points[1].count.empty());
  fs::remove_all(dir);
}

TEST(PortfolioSweepRun, MoreCynicismEffectMeansFewerCompletions) {
  // Paired: every point uses the same organisations' draws, so the differences are the
  // parameters'. Break effect of 0.9 against none, on every launch rank.
  const Sweep s = Sweep::from_yaml(
      sweep_text("grid", "  cynicism.effect.break: [0, 0.9]\n",
                 "metrics: [mean_completed, {rank_completed: 6}, mean_cynicism]\n", "2000"),
      "s.yaml");
  const auto r = progsurv::run_sweep(s, SweepOptions{});
  const auto& none = r.points[0];
  const auto& strong = r.points[1];
  for (std::size_t m = 0; m < 2; ++m) {
    // Far beyond either point's own error: the effect is large, the noise paired.
    EXPECT_LT(strong.estimate[m] + 3 * strong.se[m], none.estimate[m]) << s.metrics[m].name;
  }
  // Fewer completions leave the organisation more cynical at the horizon.
  EXPECT_GT(strong.estimate[2], none.estimate[2]);
  // More VP posts: a VP's exit orphans fewer programmes, on average.
  const Sweep v = Sweep::from_yaml(
      sweep_text("grid", "  roster.vp: [1, 16]\n", "metrics: [orphaned_per_exit]\n", "2000"),
      "v.yaml");
  const auto rv = progsurv::run_sweep(v, SweepOptions{});
  EXPECT_GT(rv.points[0].estimate[0], rv.points[1].estimate[0]);
  EXPECT_GE(rv.points[1].estimate[0], 1.0);  // an orphaning exit orphans at least one
}

}  // namespace
