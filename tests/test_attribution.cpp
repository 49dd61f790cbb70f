// Knock-out attribution: each switch does what it says, the paired differences agree with
// separate runs, and on the baseline removing an obstacle never hurts.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "io/h5.hpp"
#include "progsurv/analysis/attribution.hpp"
#include "progsurv/engine/run.hpp"
#include "progsurv/io/version.hpp"
#include "scenario_builder.hpp"

namespace {

using progsurv::AttributionOptions;
using progsurv::Knockout;
using progsurv::Scenario;

const std::string kBaseline = std::string(PROGSURV_SOURCE_DIR) + "/scenarios/baseline.yaml";

TEST(Knockout, EachSwitchTurnsItsMechanismOff) {
  // The baseline plus a handoff override, so the override's break is switched off too.
  std::ifstream in(kBaseline);
  std::ostringstream text;
  text << in.rdbuf();
  const Scenario s = Scenario::from_yaml(
      text.str() +
      "handoffs:\n  - {from: marketing, to: it, pickup: {dist: exponential, mean: 4.0}, "
      "break_prob: 0.35}\n");
  ASSERT_FALSE(s.overrides.empty());
  ASSERT_TRUE(s.budget.enabled);

  const Scenario exits = progsurv::knock_out(s, Knockout::SponsorExit);
  for (const auto& l : exits.levels) EXPECT_EQ(l.tenure.kind(), progsurv::DistKind::Never);

  const Scenario breaks = progsurv::knock_out(s, Knockout::HandoffBreaks);
  for (const auto& silo : breaks.silos) EXPECT_EQ(silo.break_prob, 0.0);
  for (const auto& o : breaks.overrides) EXPECT_EQ(o.break_prob, 0.0);
  // finalize() ran: the derived pair table (what the engine reads) has no breaks either.
  for (int from = 0; from < static_cast<int>(breaks.silos.size()); ++from)
    for (int to = 0; to < static_cast<int>(breaks.silos.size()); ++to)
      EXPECT_EQ(breaks.break_prob(from, to), 0.0);
  // Pickup delays stay: only breaks are switched off.
  EXPECT_EQ(breaks.overrides.front().pickup, s.overrides.front().pickup);

  EXPECT_EQ(progsurv::knock_out(s, Knockout::Patience).patience.model,
            progsurv::PatienceModel::None);
  EXPECT_FALSE(progsurv::knock_out(s, Knockout::Budget).budget.enabled);
  for (const auto& p : progsurv::knock_out(s, Knockout::Gates).phases)
    EXPECT_EQ(p.continue_prob, 1.0);
  for (const auto& l : progsurv::knock_out(s, Knockout::ResourceDelay).levels) {
    EXPECT_EQ(l.resource_delay.kind(), progsurv::DistKind::Fixed);
    EXPECT_EQ(l.resource_delay.a(), 0.0);
  }
  // Everything else is untouched.
  const Scenario gates = progsurv::knock_out(s, Knockout::Gates);
  EXPECT_EQ(gates.levels.size(), s.levels.size());
  EXPECT_EQ(gates.patience.model, s.patience.model);
  EXPECT_EQ(gates.silos[0].break_prob, s.silos[0].break_prob);
}

TEST(Attribution, PairedDeltasMatchSeparateRunsWithTheSameSeed) {
  const Scenario s = Scenario::load(kBaseline);
  AttributionOptions opt;
  opt.seed = 5;
  opt.replications = 5000;
  const auto a = progsurv::attribute(s, opt);
  ASSERT_EQ(a.rows.size(), progsurv::default_knockouts(s).size());
  progsurv::RunOptions ro;
  ro.seed = 5;
  ro.replications = 5000;
  const auto base = progsurv::run(s, ro);
  EXPECT_EQ(a.p_completed.estimate, base.summary.completed().estimate);
  EXPECT_NEAR(a.mean_value.estimate, base.summary.value_mean.estimate, 1e-12);
  for (const auto& row : a.rows) {
    SCOPED_TRACE(progsurv::to_string(row.knockout));
    const auto ko = progsurv::run(progsurv::knock_out(s, row.knockout), ro);
    EXPECT_EQ(row.p_completed().knocked_out, ko.summary.completed().estimate);
    EXPECT_NEAR(row.p_completed().delta.estimate,
                ko.summary.completed().estimate - base.summary.completed().estimate, 1e-12);
    EXPECT_NEAR(row.mean_value().knocked_out, ko.summary.value_mean.estimate, 1e-12);
    EXPECT_NEAR(row.mean_value().delta.estimate,
                ko.summary.value_mean.estimate - base.summary.value_mean.estimate, 1e-12);
    // Pairing is the point: the paired SE is below that of two independent estimates.
    const double independent = std::hypot(base.summary.value_se, ko.summary.value_se);
    EXPECT_LT(row.mean_value().se, independent);
  }
}

TEST(Attribution, BaselineObstaclesEachCostCompletions) {
  AttributionOptions opt;
  opt.seed = 1;
  opt.replications = 20000;
  const auto a = progsurv::attribute(Scenario::load(kBaseline), opt);
  for (const auto& row : a.rows) {
    SCOPED_TRACE(progsurv::to_string(row.knockout));
    // Removing an obstacle raises P(completed) or leaves it unchanged within noise: with
    // common random numbers a programme that completed still completes, bar knock-on
    // effects through timing (e.g. a patience review that now falls elsewhere).
    EXPECT_GT(row.p_completed().delta.estimate, -3 * row.p_completed().se);
    EXPECT_GT(row.mean_value().delta.estimate, -3 * row.mean_value().se);
    EXPECT_LE(row.p_completed().delta.lower, row.p_completed().delta.estimate);
    EXPECT_GE(row.p_completed().delta.upper, row.p_completed().delta.estimate);
  }
  // The big ones are clearly positive.
  for (Knockout k : {Knockout::SponsorExit, Knockout::Patience, Knockout::Gates}) {
    const auto& row = a.rows[static_cast<std::size_t>(k)];
    EXPECT_GT(row.p_completed().delta.lower, 0.0) << progsurv::to_string(k);
    EXPECT_GT(row.mean_value().delta.lower, 0.0) << progsurv::to_string(k);
  }
  const std::string table = progsurv::format_attribution(a);
  EXPECT_NE(table.find("no sponsor exits"), std::string::npos);
  EXPECT_NE(table.find("unlimited patience"), std::string::npos);
  // Every name is printed whole and the columns stay aligned: the longest description
  // ("customers recruited at once", 27 characters) used to be cut in the months table and
  // push its row of the cost table out of line.
  std::istringstream lines(table);
  std::string line;
  std::size_t percent_at = std::string::npos;
  int cost_rows = 0, month_rows = 0;
  while (std::getline(lines, line)) {
    if (line.rfind("  customers recruited at once ", 0) == 0) ++month_rows;
    const std::size_t pct = line.find("%  ");
    if (line.rfind("  ", 0) != 0 || pct == std::string::npos) continue;
    if (percent_at == std::string::npos) percent_at = pct;
    EXPECT_EQ(pct, percent_at) << line;
    ++cost_rows;
  }
  EXPECT_EQ(cost_rows, static_cast<int>(a.rows.size()) + 1);
  EXPECT_EQ(month_rows, 2);  // its cost row and its months row
}

TEST(Attribution, AbsentMechanismCostsExactlyNothing) {
  // A scenario with no budget cycle and no breaks: those knock-outs change no draw at all.
  Scenario s = progsurv::testing::simple_scenario(3, 2);
  s.levels[0].tenure = progsurv::Distribution::exponential(5.0);
  s.succession.adoption = 0.5;
  s.finalize();
  AttributionOptions opt;
  opt.replications = 3000;
  const std::vector<Knockout> absent = {Knockout::Budget, Knockout::HandoffBreaks, Knockout::Gates,
                                        Knockout::Patience, Knockout::ResourceDelay};
  opt.mechanisms = absent;  // asked for by name, they are attributed all the same
  opt.mechanisms.push_back(Knockout::SponsorExit);
  const auto a = progsurv::attribute(s, opt);
  for (std::size_t i = 0; i < absent.size(); ++i) {
    const auto& row = a.rows[i];
    ASSERT_EQ(row.knockout, absent[i]);
    EXPECT_EQ(row.p_completed().delta.estimate, 0.0) << progsurv::to_string(absent[i]);
    EXPECT_EQ(row.p_completed().delta.lower, 0.0) << progsurv::to_string(absent[i]);
    EXPECT_EQ(row.p_completed().delta.upper, 0.0) << progsurv::to_string(absent[i]);
    EXPECT_EQ(row.mean_value().se, 0.0) << progsurv::to_string(absent[i]);
  }
  EXPECT_GT(a.rows.back().p_completed().delta.lower, 0.0);
  // By default a knock-out that leaves the scenario as it is is not listed as an obstacle.
  const std::vector<Knockout> listed = progsurv::default_knockouts(s);
  for (Knockout k : {Knockout::Budget, Knockout::ResourceDelay})
    EXPECT_EQ(std::find(listed.begin(), listed.end(), k), listed.end()) << progsurv::to_string(k);
  EXPECT_NE(std::find(listed.begin(), listed.end(), Knockout::SponsorExit), listed.end());
}

TEST(Attribution, SameResultForAnyThreadCount) {
  const Scenario s = Scenario::load(kBaseline);
  AttributionOptions one, three;
  one.replications = three.replications = 40000;  // several batches and chunks
  one.threads = 1;
  three.threads = 3;
  const auto a = progsurv::attribute(s, one), b = progsurv::attribute(s, three);
  for (std::size_t k = 0; k < a.rows.size(); ++k) {
    EXPECT_EQ(a.rows[k].p_completed().delta.estimate, b.rows[k].p_completed().delta.estimate);
    EXPECT_EQ(a.rows[k].mean_value().delta.estimate, b.rows[k].mean_value().delta.estimate);
    EXPECT_EQ(a.rows[k].mean_value().se, b.rows[k].mean_value().se);
  }
}

TEST(Attribution, WritesItsHdf5File) {
  namespace fs = std::filesystem;
  const fs::path path = fs::temp_directory_path() / ("attr-" + std::to_string(::getpid()) + ".h5");
  AttributionOptions opt;
  opt.replications = 2000;
  const auto a = progsurv::attribute(Scenario::load(kBaseline), opt);
  progsurv::write_attribution(path.string(), a);
  {
    auto f = progsurv::h5::File::open_read(path.string());
    EXPECT_EQ(f.read_attr_string("filetype"), progsurv::kAttributionFiletype);
    EXPECT_EQ(f.read_attr<std::int64_t>("replications"), 2000);
    EXPECT_EQ(f.read_strings("mechanisms").size(), a.rows.size());
    const auto delta = f.read_dataset<double>("p_completed/delta");
    ASSERT_EQ(delta.size(), a.rows.size());
    for (std::size_t k = 0; k < delta.size(); ++k)
      EXPECT_EQ(delta[k], a.rows[k].p_completed().delta.estimate);
    EXPECT_EQ(f.read_dataset<double>("mean_value/base").size(), 3u);
    EXPECT_EQ(Scenario::from_yaml(f.read_string("scenario")).name, "baseline");
  }
  fs::remove(path);
}

}  // namespace

namespace {

using progsurv::AttributionResult;
using progsurv::ShapleyMethod;

double shapley_sum(const AttributionResult& a, int stat) {
  double sum = 0.0;
  for (const auto& row : a.rows) sum += row.shapley[static_cast<std::size_t>(stat)].delta.estimate;
  return sum;
}

TEST(Knockout, NewSwitchesTurnTheirMechanismsOff) {
  const Scenario s = Scenario::load(kBaseline);
  for (const auto& l : progsurv::knock_out(s, Knockout::Approval).levels)
    EXPECT_EQ(l.approval, 1.0);
  const Scenario pickup = progsurv::knock_out(s, Knockout::PickupDelay);
  const int n = static_cast<int>(pickup.silos.size());
  for (int from = 0; from < n; ++from)
    for (int to = 0; to < n; ++to)
      EXPECT_EQ(pickup.pickup(from, to).kind(), progsurv::DistKind::Fixed);
  EXPECT_EQ(pickup.silos[0].break_prob, s.silos[0].break_prob);
  EXPECT_EQ(progsurv::knock_out(s, Knockout::Vacancy).succession.vacancy.kind(),
            progsurv::DistKind::Fixed);
  EXPECT_EQ(progsurv::knock_out(s, Knockout::EscalationDelay).escalation.delay.kind(),
            progsurv::DistKind::Fixed);
  // The table is complete and every name parses back.
  for (int k = 0; k < progsurv::kKnockoutCount; ++k) {
    const auto id = static_cast<Knockout>(k);
    EXPECT_EQ(progsurv::knockout_table()[static_cast<std::size_t>(k)].id, id);
    EXPECT_EQ(progsurv::knockout_from_string(progsurv::to_string(id)), id);
  }
  EXPECT_THROW(progsurv::knockout_from_string("gravity"), std::invalid_argument);
}

TEST(Shapley, ExactPartsSumToAllOffMinusBase) {
  AttributionOptions opt;
  opt.replications = 3000;
  opt.shapley = ShapleyMethod::Exact;
  opt.mechanisms = {Knockout::SponsorExit, Knockout::Patience, Knockout::Gates,
                    Knockout::PickupDelay};
  const auto a = progsurv::attribute(Scenario::load(kBaseline), opt);
  EXPECT_EQ(a.shapley, ShapleyMethod::Exact);
  ASSERT_EQ(a.rows.size(), 4u);
  for (int stat = 0; stat < progsurv::kAttributedStatCount; ++stat) {
    SCOPED_TRACE(progsurv::attributed_stat_name(stat));
    const double total = a.all_off[static_cast<std::size_t>(stat)].delta.estimate;
    EXPECT_NEAR(shapley_sum(a, stat), total, 1e-12 * std::max(1.0, std::abs(total)));
  }
  // Removing obstacles helps: every part of P(completed) is positive on the baseline.
  for (const auto& row : a.rows) EXPECT_GT(row.shapley[0].delta.lower, 0.0);
}

TEST(Shapley, SampledPartsSumToAllOffMinusBaseAndAgreeWithExact) {
  const Scenario s = Scenario::load(kBaseline);
  AttributionOptions opt;
  opt.replications = 20000;
  opt.mechanisms = {Knockout::SponsorExit, Knockout::Gates, Knockout::Budget};
  opt.shapley = ShapleyMethod::Permutations;
  const auto sampled = progsurv::attribute(s, opt);
  opt.shapley = ShapleyMethod::Exact;
  const auto exact = progsurv::attribute(s, opt);
  for (int stat = 0; stat < progsurv::kAttributedStatCount; ++stat) {
    const double total = sampled.all_off[static_cast<std::size_t>(stat)].delta.estimate;
    EXPECT_NEAR(shapley_sum(sampled, stat), total, 1e-12 * std::max(1.0, std::abs(total)));
  }
  // Same replications: the sampled parts estimate the exact ones (orders add noise only).
  for (std::size_t j = 0; j < exact.rows.size(); ++j) {
    const auto& e = exact.rows[j].shapley[0];
    const auto& p = sampled.rows[j].shapley[0];
    EXPECT_NEAR(p.delta.estimate, e.delta.estimate, 4 * std::hypot(p.se, e.se));
  }
}

TEST(Shapley, TwoMechanismsHaveTheClosedForm) {
  // With k = 2: phi_1 = (d_1 + (all - d_2)) / 2, phi_2 = (d_2 + (all - d_1)) / 2.
  AttributionOptions opt;
  opt.replications = 4000;
  opt.mechanisms = {Knockout::SponsorExit, Knockout::Patience};
  opt.shapley = ShapleyMethod::Exact;
  const auto a = progsurv::attribute(Scenario::load(kBaseline), opt);
  for (int stat = 0; stat < 2; ++stat) {
    const auto i = static_cast<std::size_t>(stat);
    const double d1 = a.rows[0].effect[i].delta.estimate, d2 = a.rows[1].effect[i].delta.estimate;
    const double all = a.all_off[i].delta.estimate;
    EXPECT_NEAR(a.rows[0].shapley[i].delta.estimate, (d1 + all - d2) / 2, 1e-12);
    EXPECT_NEAR(a.rows[1].shapley[i].delta.estimate, (d2 + all - d1) / 2, 1e-12);
  }
}

TEST(Attribution, PickupDelaysCostCompletionsOnTheBaseline) {
  AttributionOptions opt;
  opt.replications = 20000;
  opt.mechanisms = {Knockout::PickupDelay, Knockout::Approval, Knockout::Vacancy};
  opt.shapley = ShapleyMethod::None;
  const auto a = progsurv::attribute(Scenario::load(kBaseline), opt);
  for (const auto& row : a.rows) EXPECT_GT(row.p_completed().delta.lower, 0.0);
  // Without pickup delays no month is spent waiting for pickup.
  const auto pickup = static_cast<std::size_t>(progsurv::AttributedStat::FirstBucket) +
                      static_cast<std::size_t>(progsurv::TimeBucket::Pickup);
  EXPECT_EQ(a.rows[0].effect[pickup].knocked_out, 0.0);
  EXPECT_LT(a.rows[0].effect[pickup].delta.upper, 0.0);
}

TEST(Attribution, FileReadsBackWhatWasWritten) {
  namespace fs = std::filesystem;
  const fs::path path =
      fs::temp_directory_path() / ("attr-rt-" + std::to_string(::getpid()) + ".h5");
  AttributionOptions opt;
  opt.replications = 2000;
  opt.mechanisms = {Knockout::Gates, Knockout::SponsorExit};
  const auto a = progsurv::attribute(Scenario::load(kBaseline), opt);
  progsurv::write_attribution(path.string(), a);
  const auto b = progsurv::read_attribution(path.string());
  fs::remove(path);
  EXPECT_EQ(b.n, a.n);
  EXPECT_EQ(b.shapley, a.shapley);
  ASSERT_EQ(b.rows.size(), 2u);
  EXPECT_EQ(b.rows[0].knockout, Knockout::Gates);
  for (std::size_t j = 0; j < 2; ++j)
    for (std::size_t i = 0; i < static_cast<std::size_t>(progsurv::kAttributedStatCount); ++i) {
      EXPECT_EQ(b.rows[j].effect[i].delta.estimate, a.rows[j].effect[i].delta.estimate);
      EXPECT_EQ(b.rows[j].shapley[i].delta.upper, a.rows[j].shapley[i].delta.upper);
      EXPECT_EQ(b.all_off[i].delta.estimate, a.all_off[i].delta.estimate);
    }
  EXPECT_EQ(progsurv::format_attribution(b), progsurv::format_attribution(a));
}

}  // namespace
