// The scenario YAML parser: the baseline, defaults, every parameterisation, the canonical
// round trip, overrides, and one test per class of bad input with its exact position.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "progsurv/portfolio/portfolio.hpp"
#include "progsurv/scenario/scenario.hpp"
#include "scenario_builder.hpp"

namespace progsurv {
namespace {

const char* const kBaselinePath = PROGSURV_SOURCE_DIR "/scenarios/baseline.yaml";

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Ten lines that parse; tests append to it (line 11 onwards) or edit one line.
const std::string kMinimal =
    "sponsor_levels:\n"                     // 1
    "  vp: {tenure: 42, clout: 0.5}\n"      // 2
    "sponsor: vp\n"                         // 3
    "silos:\n"                              // 4
    "  marketing: {break_prob: 0.1}\n"      // 5
    "  it: {}\n"                            // 6
    "phases:\n"                             // 7
    "  - steps:\n"                          // 8
    "      - {silo: marketing, work: 1}\n"  // 9
    "      - {silo: it, work: 2}\n";        // 10

// kMinimal with line `line` (1-based) replaced by `text`.
std::string minimal_with_line(int line, const std::string& text) {
  std::string out;
  std::size_t start = 0;
  for (int i = 1; start < kMinimal.size(); ++i) {
    const std::size_t end = kMinimal.find('\n', start);
    out += (i == line ? text : kMinimal.substr(start, end - start)) + "\n";
    start = end + 1;
  }
  return out;
}

using progsurv::testing::parse_error;

void expect_error(const std::string& yaml, int line, int column, const std::string& key,
                  const std::string& fragment) {
  const ScenarioError e = parse_error(yaml);
  SCOPED_TRACE(std::string("error: ") + e.what() + "\nfor:\n" + yaml);
  EXPECT_EQ(e.file(), "bad.yaml");
  EXPECT_EQ(e.line(), line);
  EXPECT_EQ(e.column(), column);
  EXPECT_EQ(e.key(), key);
  EXPECT_NE(e.message().find(fragment), std::string::npos) << "message lacks: " << fragment;
}

#define EXPECT_SCENARIO_ERROR(yaml, line, column, key, fragment) \
  do {                                                           \
    SCOPED_TRACE("EXPECT_SCENARIO_ERROR");                       \
    expect_error(yaml, line, column, key, fragment);             \
  } while (false)

// Every field, so a round trip that drops or perturbs anything fails here.
void expect_same(const Scenario& a, const Scenario& b) {
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.description, b.description);
  EXPECT_EQ(a.horizon, b.horizon);
  EXPECT_EQ(a.grid, b.grid);
  ASSERT_EQ(a.levels.size(), b.levels.size());
  for (std::size_t i = 0; i < a.levels.size(); ++i) {
    SCOPED_TRACE("level " + a.levels[i].name);
    EXPECT_EQ(a.levels[i].name, b.levels[i].name);
    EXPECT_EQ(a.levels[i].tenure, b.levels[i].tenure);
    EXPECT_EQ(a.levels[i].clout, b.levels[i].clout);
    EXPECT_EQ(a.levels[i].approval, b.levels[i].approval);
    EXPECT_EQ(a.levels[i].patience_multiplier, b.levels[i].patience_multiplier);
    EXPECT_EQ(a.levels[i].resource_delay, b.levels[i].resource_delay);
  }
  EXPECT_EQ(a.sponsor.level, b.sponsor.level);
  EXPECT_EQ(a.sponsor.prob, b.sponsor.prob);
  EXPECT_EQ(a.initial_sponsor, b.initial_sponsor);
  EXPECT_EQ(a.succession.vacancy, b.succession.vacancy);
  EXPECT_EQ(a.succession.adoption, b.succession.adoption);
  EXPECT_EQ(a.succession.successor_same, b.succession.successor_same);
  EXPECT_EQ(a.succession.successor.level, b.succession.successor.level);
  EXPECT_EQ(a.succession.successor.prob, b.succession.successor.prob);
  ASSERT_EQ(a.silos.size(), b.silos.size());
  for (std::size_t i = 0; i < a.silos.size(); ++i) {
    EXPECT_EQ(a.silos[i].name, b.silos[i].name);
    EXPECT_EQ(a.silos[i].pickup, b.silos[i].pickup);
    EXPECT_EQ(a.silos[i].break_prob, b.silos[i].break_prob);
  }
  ASSERT_EQ(a.overrides.size(), b.overrides.size());
  for (std::size_t i = 0; i < a.overrides.size(); ++i) {
    EXPECT_EQ(a.overrides[i].from, b.overrides[i].from);
    EXPECT_EQ(a.overrides[i].to, b.overrides[i].to);
    EXPECT_EQ(a.overrides[i].pickup, b.overrides[i].pickup);
    EXPECT_EQ(a.overrides[i].break_prob, b.overrides[i].break_prob);
  }
  EXPECT_EQ(a.escalation.delay, b.escalation.delay);
  EXPECT_EQ(a.escalation.max_attempts, b.escalation.max_attempts);
  ASSERT_EQ(a.escalation.ladder.size(), b.escalation.ladder.size());
  for (std::size_t i = 0; i < a.escalation.ladder.size(); ++i) {
    EXPECT_EQ(a.escalation.ladder[i].delay, b.escalation.ladder[i].delay);
    EXPECT_EQ(a.escalation.ladder[i].clout, b.escalation.ladder[i].clout);
    EXPECT_EQ(a.escalation.ladder[i].go_up, b.escalation.ladder[i].go_up);
  }
  EXPECT_EQ(a.co_sponsors, b.co_sponsors);
  EXPECT_EQ(a.deferral.prob, b.deferral.prob);
  ASSERT_EQ(a.phases.size(), b.phases.size());
  for (std::size_t i = 0; i < a.phases.size(); ++i) {
    SCOPED_TRACE("phase " + a.phases[i].name);
    EXPECT_EQ(a.phases[i].name, b.phases[i].name);
    EXPECT_EQ(a.phases[i].value, b.phases[i].value);
    EXPECT_EQ(a.phases[i].continue_prob, b.phases[i].continue_prob);
    EXPECT_EQ(a.phases[i].engage, b.phases[i].engage);
    EXPECT_EQ(a.phases[i].deferrable, b.phases[i].deferrable);
    ASSERT_EQ(a.phases[i].steps.size(), b.phases[i].steps.size());
    for (std::size_t k = 0; k < a.phases[i].steps.size(); ++k) {
      EXPECT_EQ(a.phases[i].steps[k].silo, b.phases[i].steps[k].silo);
      EXPECT_EQ(a.phases[i].steps[k].work, b.phases[i].steps[k].work);
    }
  }
  EXPECT_EQ(a.patience.model, b.patience.model);
  EXPECT_EQ(a.patience.review_every, b.patience.review_every);
  EXPECT_EQ(a.patience.threshold, b.patience.threshold);
  EXPECT_EQ(a.patience.visible, b.patience.visible);
  EXPECT_EQ(a.patience.vacancy_multiplier, b.patience.vacancy_multiplier);
  EXPECT_EQ(a.patience.cancel_prob, b.patience.cancel_prob);
  EXPECT_EQ(a.patience.grace, b.patience.grace);
  EXPECT_EQ(a.patience.rate, b.patience.rate);
  EXPECT_EQ(a.budget.enabled, b.budget.enabled);
  EXPECT_EQ(a.budget.every, b.budget.every);
  EXPECT_EQ(a.budget.squeeze_prob, b.budget.squeeze_prob);
  EXPECT_EQ(a.budget.cut_prob, b.budget.cut_prob);
  EXPECT_EQ(a.customers.follow_up, b.customers.follow_up);
  EXPECT_EQ(a.customers.follow_up_window, b.customers.follow_up_window);
  EXPECT_EQ(a.customers.trust_gain, b.customers.trust_gain);
  EXPECT_EQ(a.customers.trust_loss, b.customers.trust_loss);
  EXPECT_EQ(a.customers.reengage.prob, b.customers.reengage.prob);
  EXPECT_EQ(a.customers.reengage.delay, b.customers.reengage.delay);
  EXPECT_EQ(a.customers.reengage.recovery, b.customers.reengage.recovery);
  EXPECT_EQ(a.pair_keys, b.pair_keys);
  EXPECT_EQ(a.pair_override, b.pair_override);
  EXPECT_EQ(a.receives_override, b.receives_override);
}

void expect_round_trip(const Scenario& s) {
  const std::string text = s.to_yaml();
  SCOPED_TRACE("to_yaml:\n" + text);
  const Scenario again = Scenario::from_yaml(text, "round-trip");
  EXPECT_EQ(again.to_yaml(), text);
  expect_same(s, again);
}

// A scenario that uses every family, every parameterisation, and every non-default choice.
const char* const kRich = R"(name: "rich: every option"
description: "two lines\nwith \"quotes\" and a back\\slash"
horizon: 10
grid: [0, 0.5, 2, 7.25, 10]
sponsor_levels:
  ceo: {tenure: never, clout: 1, approval: 0, patience_multiplier: 3,
        resource_delay: {dist: uniform, min: 0.5, max: 1.5}}
  "yes": {tenure: {dist: gamma, mean: 30, sd: 10}, resource_delay: {dist: gamma, shape: 2, rate: 4}}
  director: {tenure: {dist: weibull, shape: 1.5, median: 24},
             resource_delay: {dist: empirical, values: [0, 1, 3]}}
  intern: {tenure: {dist: lognormal, mean: 6, sd: 3}, resource_delay: {dist: gamma, shape: 3, mean: 1}}
  analyst: {tenure: {dist: lognormal, mu: 2, sigma: 0.3}, resource_delay: 0.25}
sponsor: {ceo: 1, "yes": 1, director: 1, intern: 0, analyst: 0}
initial_sponsor: fresh
succession:
  vacancy: {dist: exponential, rate: 0.3}
  adoption: 0.25
  successor_level: {director: 3, ceo: 1}
silos:
  a: {pickup: {dist: triangular, min: 0, mode: 1, max: 4}, break_prob: 0.5}
  b:
  c: {pickup: {dist: empirical, values: [1, 2], weights: [3, 1]}}
handoffs:
  - {from: a, to: b}
  - {from: b, to: a, break_prob: 1}
escalation: {delay: {dist: weibull, shape: 2, mean: 1}, max_attempts: 0}
phases:
  - name: "Phase 1: discovery"
    value: 0
    continue_prob: 0.3333333333333333
    engage: yes
    steps:
      - {silo: a, work: {dist: pert, min: 1, mode: 1, max: 2, lambda: 6}}
      - {silo: c, work: 0}
  - steps:
      - {silo: b, work: {dist: fixed, value: 2.5}}
patience:
  model: hazard
  rate: 0.05
  visible: steps
  grace: 1.5
  vacancy_multiplier: 0.1
budget: none
customers: {follow_up: {dist: exponential, mean: 1}, follow_up_window: 0, trust_gain: 1,
            trust_loss: 0.125}
)";

// ---- valid input -------------------------------------------------------------------------

// The baseline's numbers are calibrated elsewhere and may change; this checks what the
// parser must get right about it whatever the numbers are.
TEST(ScenarioParse, Baseline) {
  const Scenario s = Scenario::load(kBaselinePath);
  EXPECT_EQ(s.source, kBaselinePath);
  EXPECT_EQ(s.yaml_text, read_file(kBaselinePath));
  EXPECT_EQ(s.name, "baseline");
  EXPECT_FALSE(s.description.empty());
  EXPECT_EQ(s.description.find('\n'), std::string::npos);  // folded with >-
  ASSERT_GT(s.horizon, 0.0);
  ASSERT_GE(s.grid.size(), 2u);
  EXPECT_EQ(s.grid.front(), 0.0);
  EXPECT_EQ(s.grid.back(), s.horizon);
  EXPECT_TRUE(std::is_sorted(s.grid.begin(), s.grid.end()));

  ASSERT_EQ(s.levels.size(), 4u);  // file order
  EXPECT_EQ(s.levels[0].name, "ceo");
  EXPECT_EQ(s.levels[1].name, "c_suite");
  EXPECT_EQ(s.levels[2].name, "vp");
  EXPECT_EQ(s.levels[3].name, "director");
  EXPECT_EQ(s.level_index("vp"), 2);
  EXPECT_EQ(s.level_index("cfo"), -1);
  for (const auto& level : s.levels) {
    EXPECT_EQ(level.tenure.kind(), DistKind::Weibull) << level.name;
    EXPECT_GT(level.tenure.mean(), 0.0) << level.name;
    EXPECT_GE(level.clout, 0.0);
    EXPECT_LE(level.clout, 1.0);
    EXPECT_GT(level.patience_multiplier, 0.0);
  }
  EXPECT_EQ(s.sponsor.level, (std::vector<int>{0, 1, 2, 3}));
  double total = 0;
  for (double p : s.sponsor.prob) total += p;
  EXPECT_NEAR(total, 1.0, 1e-12);

  ASSERT_EQ(s.silos.size(), 5u);
  const int marketing = s.silo_index("marketing"), it = s.silo_index("it");
  EXPECT_EQ(marketing, 0);
  EXPECT_EQ(it, 4);
  EXPECT_EQ(s.silo_index("legal"), -1);
  // No override: no phase hands marketing over to it, so one there could never act.
  EXPECT_TRUE(s.overrides.empty());
  const int n = static_cast<int>(s.silos.size());
  ASSERT_TRUE(s.finalized());
  for (int from = 0; from < n; ++from) {
    for (int to = 0; to < n; ++to) {
      EXPECT_EQ(s.pickup(from, to), s.silos[to].pickup) << from << "->" << to;
      EXPECT_EQ(s.break_prob(from, to), s.silos[to].break_prob);
    }
  }

  ASSERT_EQ(s.phases.size(), 3u);
  EXPECT_EQ(s.phases[0].name, "discovery");
  EXPECT_EQ(s.phases[1].name, "pilot");
  EXPECT_EQ(s.phases[2].name, "rollout");
  for (const auto& phase : s.phases) {
    EXPECT_FALSE(phase.steps.empty());
    for (const auto& step : phase.steps) {
      EXPECT_GE(step.silo, 0);
      EXPECT_LT(step.silo, n);
      EXPECT_EQ(step.work.kind(), DistKind::Pert);
    }
  }
  EXPECT_EQ(s.patience.model, PatienceModel::Reviews);
  EXPECT_EQ(s.patience.threshold.kind(), DistKind::Lognormal);
  EXPECT_TRUE(s.budget.enabled);
}

TEST(ScenarioParse, HandoffOverridePairTable) {
  const Scenario s = Scenario::from_yaml(
      kMinimal +
      "handoffs:\n  - {from: marketing, to: it, pickup: {dist: exponential, mean: 4.0}, "
      "break_prob: 0.35}\n");
  const int marketing = s.silo_index("marketing"), it = s.silo_index("it");
  ASSERT_EQ(s.overrides.size(), 1u);
  EXPECT_EQ(s.overrides[0].from, marketing);
  EXPECT_EQ(s.overrides[0].to, it);
  // Pair tables: the override where there is one, the receiving silo everywhere else.
  const int n = static_cast<int>(s.silos.size());
  ASSERT_TRUE(s.finalized());
  for (int from = 0; from < n; ++from) {
    for (int to = 0; to < n; ++to) {
      const HandoffOverride* o = nullptr;
      for (const auto& candidate : s.overrides)
        if (candidate.from == from && candidate.to == to) o = &candidate;
      EXPECT_EQ(s.pickup(from, to), o ? o->pickup : s.silos[to].pickup) << from << "->" << to;
      EXPECT_EQ(s.break_prob(from, to), o ? o->break_prob : s.silos[to].break_prob);
    }
  }
  EXPECT_EQ(s.break_prob(marketing, it), 0.35);
  EXPECT_EQ(s.pickup(marketing, it).kind(), DistKind::Exponential);
}

TEST(ScenarioParse, ShippedScenariosParseAndRoundTrip) {
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(PROGSURV_SOURCE_DIR "/scenarios")) {
    if (entry.path().extension() != ".yaml") continue;
    SCOPED_TRACE(entry.path().string());
    expect_round_trip(Scenario::load(entry.path().string()));
    ++count;
  }
  EXPECT_GE(count, 1);
}

TEST(ScenarioParse, Defaults) {
  const Scenario s = Scenario::from_yaml(kMinimal);
  EXPECT_EQ(s.source, "<string>");
  EXPECT_EQ(s.yaml_text, kMinimal);
  EXPECT_EQ(s.name, "scenario");
  EXPECT_EQ(s.description, "");
  EXPECT_EQ(s.horizon, 60.0);
  EXPECT_EQ(s.grid.size(), 61u);
  EXPECT_EQ(s.levels[0].tenure, Distribution::fixed(42.0));
  EXPECT_EQ(s.levels[0].approval, 1.0);
  EXPECT_EQ(s.levels[0].patience_multiplier, 1.0);
  EXPECT_EQ(s.levels[0].resource_delay, Distribution::fixed(0.0));
  EXPECT_EQ(s.sponsor.prob, std::vector<double>{1.0});
  EXPECT_EQ(s.initial_sponsor, InitialSponsor::Residual);
  EXPECT_EQ(s.succession.vacancy, Distribution::fixed(0.0));
  EXPECT_EQ(s.succession.adoption, 1.0);
  EXPECT_TRUE(s.succession.successor_same);
  EXPECT_EQ(s.silos[1].pickup, Distribution::fixed(0.0));
  EXPECT_EQ(s.silos[1].break_prob, 0.0);
  EXPECT_TRUE(s.overrides.empty());
  EXPECT_EQ(s.break_prob(1, 0), 0.1);
  EXPECT_EQ(s.escalation.delay, Distribution::fixed(0.0));
  EXPECT_EQ(s.escalation.max_attempts, 1);
  EXPECT_EQ(s.phases[0].name, "phase1");
  EXPECT_EQ(s.phases[0].value, 1.0);
  EXPECT_EQ(s.phases[0].continue_prob, 1.0);
  EXPECT_FALSE(s.phases[0].engage);
  EXPECT_EQ(s.phases[0].steps[0].work, Distribution::fixed(1.0));
  EXPECT_EQ(s.patience.model, PatienceModel::None);  // no patience section
  EXPECT_FALSE(s.budget.enabled);
  EXPECT_EQ(s.customers.follow_up, Distribution::fixed(0.0));
  EXPECT_EQ(s.customers.follow_up_window, 3.0);
  EXPECT_EQ(s.customers.trust_gain, 0.0);
  EXPECT_EQ(s.customers.trust_loss, 0.0);
}

TEST(ScenarioParse, SectionDefaults) {
  const Scenario s = Scenario::from_yaml(kMinimal +
                                         "patience: {threshold: 12}\n"
                                         "budget: {}\n");
  EXPECT_EQ(s.patience.model, PatienceModel::Reviews);
  EXPECT_EQ(s.patience.review_every, 3.0);
  EXPECT_EQ(s.patience.threshold, Distribution::fixed(12.0));
  EXPECT_EQ(s.patience.visible, Visible::Phases);
  EXPECT_EQ(s.patience.vacancy_multiplier, 1.0);
  EXPECT_EQ(s.patience.cancel_prob, 1.0);
  EXPECT_EQ(s.patience.grace, 0.0);
  EXPECT_TRUE(s.budget.enabled);
  EXPECT_EQ(s.budget.every, 12.0);
  EXPECT_EQ(s.budget.squeeze_prob, 0.0);
  EXPECT_EQ(s.budget.cut_prob, 0.0);

  const Scenario off = Scenario::from_yaml(kMinimal + "patience: {model: none, grace: 5}\n");
  EXPECT_EQ(off.patience.model, PatienceModel::None);
  EXPECT_EQ(off.patience.grace, 0.0);  // unused settings are not kept

  const Scenario words = Scenario::from_yaml(kMinimal + "patience: none\nbudget: none\n");
  EXPECT_EQ(words.patience.model, PatienceModel::None);
  EXPECT_FALSE(words.budget.enabled);
}

TEST(ScenarioParse, DistributionParameterisations) {
  auto work = [](const std::string& dist) {
    return Scenario::from_yaml(minimal_with_line(10, "      - {silo: it, work: " + dist + "}"))
        .phases[0]
        .steps[1]
        .work;
  };
  EXPECT_EQ(work("2.5"), Distribution::fixed(2.5));
  EXPECT_EQ(work("{dist: fixed, value: 0}"), Distribution::fixed(0.0));
  EXPECT_EQ(work("never"), Distribution::never());
  EXPECT_EQ(work("{dist: never}"), Distribution::never());
  EXPECT_EQ(work("{dist: exponential, mean: 4}"), Distribution::exponential(4.0));
  EXPECT_EQ(work("{dist: exponential, rate: 0.25}"), Distribution::exponential(4.0));
  EXPECT_EQ(work("{dist: lognormal, median: 3, sigma: 0.5}"), Distribution::lognormal(3, 0.5));
  EXPECT_EQ(work("{dist: lognormal, mu: 0, sigma: 0.5}"), Distribution::lognormal(1, 0.5));

  const Distribution from_moments = work("{dist: lognormal, mean: 6, sd: 3}");
  EXPECT_NEAR(from_moments.mean(), 6.0, 1e-12);
  EXPECT_NEAR(std::sqrt(from_moments.variance()), 3.0, 1e-12);

  EXPECT_EQ(work("{dist: weibull, shape: 2, scale: 5}"), Distribution::weibull(2, 5));
  const Distribution weibull_mean = work("{dist: weibull, shape: 2, mean: 5}");
  EXPECT_NEAR(weibull_mean.mean(), 5.0, 1e-12);
  EXPECT_NEAR(weibull_mean.b(), 5.0 / std::tgamma(1.5), 1e-12);
  const Distribution weibull_median = work("{dist: weibull, shape: 2, median: 5}");
  EXPECT_NEAR(weibull_median.b() * std::pow(std::log(2.0), 0.5), 5.0, 1e-12);

  EXPECT_EQ(work("{dist: gamma, shape: 2, scale: 3}"), Distribution::gamma(2, 3));
  EXPECT_EQ(work("{dist: gamma, shape: 2, rate: 0.5}"), Distribution::gamma(2, 2));
  EXPECT_EQ(work("{dist: gamma, shape: 2, mean: 6}"), Distribution::gamma(2, 3));
  const Distribution gamma_moments = work("{dist: gamma, mean: 6, sd: 3}");
  EXPECT_NEAR(gamma_moments.a(), 4.0, 1e-12);
  EXPECT_NEAR(gamma_moments.b(), 1.5, 1e-12);

  EXPECT_EQ(work("{dist: triangular, min: 1, mode: 1, max: 3}"), Distribution::triangular(1, 1, 3));
  EXPECT_EQ(work("{dist: pert, min: 1, mode: 2, max: 4}"), Distribution::pert(1, 2, 4, 4));
  EXPECT_EQ(work("{dist: pert, min: 1, mode: 4, max: 4, lambda: 2}"),
            Distribution::pert(1, 4, 4, 2));
  EXPECT_EQ(work("{dist: uniform, min: 0, max: 2}"), Distribution::uniform(0, 2));
  EXPECT_EQ(work("{dist: empirical, values: [1, 2, 4]}"), Distribution::empirical({1, 2, 4}));
  EXPECT_EQ(work("{dist: empirical, values: [1, 2], weights: [0, 1]}"),
            Distribution::empirical({1, 2}, {0, 1}));
}

TEST(ScenarioParse, Grid) {
  const Scenario uneven = Scenario::from_yaml(kMinimal + "horizon: 20\ngrid: {step: 7}\n");
  EXPECT_EQ(uneven.grid, (std::vector<double>{0, 7, 14, 20}));
  const Scenario fine = Scenario::from_yaml(kMinimal + "horizon: 0.3\ngrid: {step: 0.1}\n");
  ASSERT_EQ(fine.grid.size(), 4u);
  EXPECT_EQ(fine.grid.back(), 0.3);
  const Scenario listed = Scenario::from_yaml(kMinimal + "horizon: 12\ngrid: [1, 6, 12]\n");
  EXPECT_EQ(listed.grid, (std::vector<double>{1, 6, 12}));
  EXPECT_NE(listed.to_yaml().find("grid: [1, 6, 12]\n"), std::string::npos);
  EXPECT_NE(uneven.to_yaml().find("grid: {step: 7}\n"), std::string::npos);
}

TEST(ScenarioParse, SponsorWeightsAreNormalised) {
  const Scenario s = Scenario::from_yaml(
      "sponsor_levels: {vp: {tenure: 42}, director: {tenure: 30}}\n"
      "sponsor: {vp: 1, director: 2}\n"
      "succession: {successor_level: director}\n"
      "silos: {a: {}}\n"
      "phases: [{steps: [{silo: a, work: 1}]}]\n");
  EXPECT_EQ(s.sponsor.level, (std::vector<int>{0, 1}));
  EXPECT_DOUBLE_EQ(s.sponsor.prob[0], 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(s.sponsor.prob[1], 2.0 / 3.0);
  EXPECT_FALSE(s.succession.successor_same);
  EXPECT_EQ(s.succession.successor.level, std::vector<int>{1});
  expect_round_trip(s);
}

TEST(ScenarioParse, LevelMixSample) {
  LevelMix mix;
  mix.level = {2, 0, 1};
  mix.prob = {0.5, 0.0, 0.5};
  Rng rng(7, 0, Mechanism::Sponsor);
  int counts[3] = {0, 0, 0};
  for (int i = 0; i < 20000; ++i) ++counts[mix.sample(rng)];
  EXPECT_EQ(counts[0], 0);  // weight 0 is never drawn
  EXPECT_NEAR(counts[2] / 20000.0, 0.5, 0.02);
  EXPECT_NEAR(counts[1] / 20000.0, 0.5, 0.02);
}

// ---- to_yaml -----------------------------------------------------------------------------

TEST(ScenarioToYaml, BaselineRoundTrip) { expect_round_trip(Scenario::load(kBaselinePath)); }

TEST(ScenarioParse, RichValues) {
  const Scenario s = Scenario::from_yaml(kRich, "rich.yaml");
  EXPECT_EQ(s.source, "rich.yaml");
  EXPECT_EQ(s.horizon, 10.0);
  EXPECT_EQ(s.grid, (std::vector<double>{0, 0.5, 2, 7.25, 10}));
  const SponsorLevel& ceo = s.levels[0];
  EXPECT_EQ(ceo.tenure, Distribution::never());
  EXPECT_EQ(ceo.clout, 1.0);
  EXPECT_EQ(ceo.approval, 0.0);
  EXPECT_EQ(ceo.patience_multiplier, 3.0);
  EXPECT_EQ(ceo.resource_delay, Distribution::uniform(0.5, 1.5));
  EXPECT_NEAR(s.levels[1].tenure.a(), 9.0, 1e-12);  // gamma from mean 30, sd 10
  EXPECT_NEAR(s.levels[1].tenure.b(), 10.0 / 3.0, 1e-12);
  EXPECT_EQ(s.levels[1].resource_delay, Distribution::gamma(2, 0.25));
  EXPECT_EQ(s.levels[2].resource_delay, Distribution::empirical({0, 1, 3}, {1, 1, 1}));
  EXPECT_EQ(s.levels[4].tenure, Distribution::lognormal(std::exp(2.0), 0.3));
  EXPECT_EQ(s.levels[4].resource_delay, Distribution::fixed(0.25));
  EXPECT_EQ(s.sponsor.level, (std::vector<int>{0, 1, 2, 3, 4}));
  EXPECT_DOUBLE_EQ(s.sponsor.prob[1], 1.0 / 3.0);
  EXPECT_EQ(s.sponsor.prob[3], 0.0);
  EXPECT_EQ(s.succession.vacancy, Distribution::exponential(1.0 / 0.3));
  EXPECT_EQ(s.succession.adoption, 0.25);
  EXPECT_FALSE(s.succession.successor_same);
  EXPECT_EQ(s.succession.successor.level, (std::vector<int>{2, 0}));
  EXPECT_EQ(s.succession.successor.prob, (std::vector<double>{0.75, 0.25}));
  EXPECT_EQ(s.silos[0].pickup, Distribution::triangular(0, 1, 4));
  EXPECT_EQ(s.silos[0].break_prob, 0.5);
  EXPECT_EQ(s.silos[1].pickup, Distribution::fixed(0.0));  // `b:` with nothing: defaults
  EXPECT_EQ(s.silos[2].pickup, Distribution::empirical({1, 2}, {3, 1}));
  EXPECT_NEAR(s.escalation.delay.mean(), 1.0, 1e-12);
  EXPECT_EQ(s.phases[0].value, 0.0);
  EXPECT_EQ(s.phases[0].steps[0].work, Distribution::pert(1, 1, 2, 6));
  EXPECT_EQ(s.phases[1].steps[0].work, Distribution::fixed(2.5));
  EXPECT_EQ(s.patience.rate, 0.05);
  EXPECT_EQ(s.patience.grace, 1.5);
  EXPECT_EQ(s.patience.vacancy_multiplier, 0.1);
  EXPECT_EQ(s.patience.threshold, Distribution::never());  // not needed by the hazard model
  EXPECT_EQ(s.customers.follow_up, Distribution::exponential(1));
  EXPECT_EQ(s.customers.follow_up_window, 0.0);
  EXPECT_EQ(s.customers.trust_gain, 1.0);
  EXPECT_EQ(s.customers.trust_loss, 0.125);
}

TEST(ScenarioToYaml, RichRoundTrip) {
  const Scenario s = Scenario::from_yaml(kRich, "rich.yaml");
  EXPECT_EQ(s.name, "rich: every option");
  EXPECT_EQ(s.description, "two lines\nwith \"quotes\" and a back\\slash");
  EXPECT_EQ(s.levels[1].name, "yes");
  EXPECT_EQ(s.patience.model, PatienceModel::Hazard);
  EXPECT_EQ(s.patience.visible, Visible::Steps);
  EXPECT_FALSE(s.budget.enabled);
  EXPECT_EQ(s.initial_sponsor, InitialSponsor::Fresh);
  EXPECT_EQ(s.escalation.max_attempts, 0);
  EXPECT_TRUE(s.phases[0].engage);
  EXPECT_EQ(s.phases[1].name, "phase2");
  // Override defaults come from the receiving silo.
  EXPECT_EQ(s.overrides[0].pickup, s.silos[1].pickup);
  EXPECT_EQ(s.overrides[1].pickup, s.silos[0].pickup);
  EXPECT_EQ(s.break_prob(0, 1), 0.0);
  EXPECT_EQ(s.break_prob(1, 0), 1.0);
  EXPECT_EQ(s.break_prob(2, 0), 0.5);
  expect_round_trip(s);
}

TEST(ScenarioToYaml, MinimalRoundTripWritesDisabledSections) {
  const Scenario s = Scenario::from_yaml(kMinimal);
  const std::string text = s.to_yaml();
  EXPECT_NE(text.find("patience: {model: none}\n"), std::string::npos);
  EXPECT_NE(text.find("budget: none\n"), std::string::npos);
  EXPECT_NE(text.find("handoffs: []\n"), std::string::npos);
  expect_round_trip(s);
}

TEST(ScenarioToYaml, DoublesRoundTripExactly) {
  const Scenario s =
      Scenario::from_yaml(kMinimal +
                          "horizon: 0.1\ngrid: [0, 0.030000000000000002, 0.1]\n"
                          "customers: {trust_gain: 0.30000000000000004, trust_loss: 1e-300}\n");
  EXPECT_EQ(s.customers.trust_gain, 0.1 + 0.2);
  expect_round_trip(s);
}

// ---- with_values -------------------------------------------------------------------------

TEST(ScenarioWithValues, SetsValuesByPath) {
  const Scenario base = Scenario::load(kBaselinePath);
  const Scenario s = base.with_values({
      {"sponsor_levels.vp.clout", "0.6"},
      {"patience.threshold.median", "18"},
      {"phases.0.steps.1.work", "{dist: exponential, mean: 3}"},
      {"succession.successor_level", "same"},
      {"horizon", "24"},
      {"budget", "none"},
  });
  EXPECT_EQ(s.levels[2].clout, 0.6);
  EXPECT_EQ(s.patience.threshold, Distribution::lognormal(18, base.patience.threshold.b()));
  EXPECT_EQ(s.phases[0].steps[1].work, Distribution::exponential(3));
  EXPECT_EQ(s.horizon, 24.0);
  EXPECT_EQ(s.grid.size(), 25u);
  EXPECT_FALSE(s.budget.enabled);
  EXPECT_EQ(s.source, base.source);
  EXPECT_NE(base.levels[2].clout, 0.6);  // the original is untouched

  // A key the file leaves to its default may be set; overrides chain.
  const Scenario minimal = Scenario::from_yaml(kMinimal);
  const Scenario chained = minimal.with_values({{"sponsor_levels.vp.approval", "0.25"}})
                               .with_values({{"phases.0.steps.0.work", "7"}});
  EXPECT_EQ(chained.levels[0].approval, 0.25);
  EXPECT_EQ(chained.phases[0].steps[0].work, Distribution::fixed(7));

  // A scenario built in code has no text; its canonical YAML is used.
  Scenario textless = minimal;
  textless.yaml_text.clear();
  EXPECT_EQ(textless.with_values({{"horizon", "6"}}).horizon, 6.0);
}

// with_values reads the tree it emits its text from rather than parsing that text again:
// the scenario must be the one the text gives (what a file records and loads back).
TEST(ScenarioWithValues, IsTheScenarioOfItsOwnText) {
  const Scenario base = Scenario::load(kBaselinePath);
  const std::vector<std::vector<std::pair<std::string, std::string>>> cases = {
      {{"sponsor_levels.vp.approval", "0.123456789012345678"},
       {"succession.adoption", "0.5"},
       {"patience.threshold.median", "12.000000000000002"},
       {"silos.it.break_prob", "3e-1"}},
      {{"phases.0.steps.1.work", "{dist: pert, min: 1, mode: 2.5, max: 9}"},
       {"sponsor", "{vp: 0.25, director: 0.75}"}},
      {{"name", "'12:00 plan: \"quoted\"'"}, {"description", "\"line one\\nline two\""}},
      {{"phases.1.value", "&v 2.5"}, {"budget", "none"}, {"horizon", "36"}},
  };
  for (const auto& values : cases) {
    const Scenario s = base.with_values(values);
    const Scenario reread = Scenario::from_yaml(s.yaml_text, s.source);
    EXPECT_EQ(s.to_yaml(), reread.to_yaml()) << values.front().first;
    EXPECT_EQ(s.name, reread.name);
    EXPECT_EQ(s.description, reread.description);
    // Without its text (a fit's points): the same scenario, the same changes, no text.
    const Scenario textless = base.with_values(values, Scenario::Text::Omitted);
    EXPECT_EQ(textless.to_yaml(), s.to_yaml()) << values.front().first;
    EXPECT_EQ(textless.label(), s.label());
    EXPECT_EQ(textless.original_text, s.original_text);
    EXPECT_TRUE(textless.yaml_text.empty());
  }
  EXPECT_EQ(base.with_values(cases[2]).name, "12:00 plan: \"quoted\"");
}

// with_values keeps the last base scenario's parsed tree: threads alternating between two
// bases must each get the scenario a serial call gives.
TEST(ScenarioWithValues, SameFromSeveralThreads) {
  const Scenario bases[2] = {Scenario::load(kBaselinePath), Scenario::from_yaml(kMinimal)};
  const auto values = [](int i) {
    return std::vector<std::pair<std::string, std::string>>{
        {"sponsor_levels.vp.approval", std::to_string(0.3 + 0.01 * i)}, {"horizon", "48"}};
  };
  constexpr int kCalls = 40;
  std::vector<std::string> serial;
  for (int i = 0; i < kCalls; ++i) serial.push_back(bases[i % 2].with_values(values(i)).to_yaml());
  std::vector<std::string> threaded(kCalls);
  std::vector<std::thread> workers;
  for (int w = 0; w < 4; ++w)
    workers.emplace_back([&, w] {
      for (int i = w; i < kCalls; i += 4)
        threaded[i] = bases[i % 2].with_values(values(i)).to_yaml();
    });
  for (auto& t : workers) t.join();
  EXPECT_EQ(threaded, serial);
}

// The error for one override; it must be the same whether the new scenario's text is
// emitted or not.
ScenarioError override_error(const Scenario& s, const std::string& path, const std::string& value) {
  std::string omitted;
  try {
    s.with_values({{path, value}}, Scenario::Text::Omitted);
  } catch (const ScenarioError& e) {
    omitted = e.what();
  }
  try {
    s.with_values({{path, value}});
  } catch (const ScenarioError& e) {
    EXPECT_EQ(omitted, e.what()) << path << " = " << value;
    return e;
  }
  ADD_FAILURE() << "expected a ScenarioError for " << path << " = " << value;
  return ScenarioError("", -1, -1, "", "");
}

TEST(ScenarioWithValues, ErrorsNameTheOverridePath) {
  const Scenario base = Scenario::load(kBaselinePath);

  ScenarioError e = override_error(base, "sponsor_levels.vp.clot", "0.6");
  EXPECT_EQ(e.file(), "<override>");
  EXPECT_EQ(e.line(), 0);
  EXPECT_EQ(e.key(), "sponsor_levels.vp.clot");
  EXPECT_NE(e.message().find("did you mean 'clout'?"), std::string::npos) << e.what();

  e = override_error(base, "sponsor_levels.cfo.clout", "0.6");
  EXPECT_EQ(e.file(), "<override>");
  EXPECT_EQ(e.key(), "sponsor_levels.cfo.clout");
  EXPECT_NE(e.message().find("'sponsor_levels' has no key 'cfo'"), std::string::npos) << e.what();

  e = override_error(base, "phases.7.value", "2");
  EXPECT_EQ(e.key(), "phases.7.value");
  EXPECT_NE(e.message().find("'phases' has 3 entries; there is no index 7"), std::string::npos)
      << e.what();

  e = override_error(base, "horizon.step", "2");
  EXPECT_NE(e.message().find("'horizon' is a single value"), std::string::npos) << e.what();

  e = override_error(base, "sponsor_levels.vp.clout", "1.5");
  EXPECT_EQ(e.file(), "<override>");
  EXPECT_EQ(e.key(), "sponsor_levels.vp.clout");
  EXPECT_NE(e.message().find("must be a probability in [0, 1], got 1.5"), std::string::npos)
      << e.what();

  // The error is deeper than the override path: the path is still named, the detail kept.
  e = override_error(base, "phases.0.steps.0.work", "{dist: pert, min: 3, mode: 2, max: 4}");
  EXPECT_EQ(e.key(), "phases.0.steps.0.work");
  EXPECT_NE(e.message().find("at 'phases.0.steps.0.work.mode'"), std::string::npos) << e.what();

  e = override_error(base, "horizon", "[1, 2");
  EXPECT_EQ(e.key(), "horizon");
  EXPECT_NE(e.message().find("invalid YAML value"), std::string::npos) << e.what();

  e = override_error(base, "phases..value", "1");
  EXPECT_EQ(e.key(), "phases..value");

  // YAML would read "pilot #2" as "pilot": refused with the quoting that keeps it.
  e = override_error(base, "name", "pilot #2");
  EXPECT_EQ(e.key(), "name");
  EXPECT_NE(e.message().find("has a YAML comment"), std::string::npos) << e.what();
  EXPECT_NE(e.message().find("e.g. \"pilot #2\""), std::string::npos) << e.what();
  EXPECT_EQ(base.with_values({{"name", "\"pilot #2\""}}).name, "pilot #2");
  EXPECT_EQ(base.with_values({{"name", "pilot#2"}}).name, "pilot#2");  // no blank: no comment
}

// A block the file leaves to its defaults (rules 15-17 in a file written before them) is set
// by path like any other key: it is taken from the defaults, then the value set in it.
TEST(ScenarioWithValues, BlocksLeftToTheirDefaultsAreSetByPath) {
  const Scenario base = Scenario::load(kBaselinePath);
  ASSERT_EQ(base.yaml_text.find("deferral"), std::string::npos);
  ASSERT_EQ(base.yaml_text.find("reengage"), std::string::npos);
  const Scenario by_path =
      base.with_values({{"deferral.prob", "0.3"}, {"customers.reengage.prob", "0.4"}});
  const Scenario whole =
      base.with_values({{"deferral", "{prob: 0.3}"}, {"customers.reengage", "{prob: 0.4}"}});
  EXPECT_EQ(by_path.deferral.prob, 0.3);
  EXPECT_EQ(by_path.customers.reengage.prob, 0.4);
  EXPECT_EQ(by_path.to_yaml(), whole.to_yaml());
  // What the key was before is its default.
  ASSERT_EQ(by_path.changes.size(), 2u);
  EXPECT_EQ(by_path.changes[0].was, "0");

  // Under a block an earlier value of the same call replaced, the file's old values do not
  // come back as "defaults": what the new block leaves out is not there.
  try {
    base.with_values({{"customers", "{trust_gain: 0.1}"}, {"customers.follow_up.median", "3"}});
    ADD_FAILURE() << "expected a ScenarioError";
  } catch (const ScenarioError& e) {
    EXPECT_NE(e.message().find("'customers' has no key 'follow_up'"), std::string::npos)
        << e.what();
  }
  // A misspelt block is suggested from every key the scenario can take, not only its own.
  ScenarioError e = override_error(base, "deferal.prob", "0.3");
  EXPECT_NE(e.message().find("did you mean 'deferral'?"), std::string::npos) << e.what();
  // A default list is empty: its entries cannot be set one by one.
  e = override_error(base, "escalation.ladder.0.clout", "0.3");
  EXPECT_NE(e.message().find("'escalation.ladder' is an empty list; set the whole list"),
            std::string::npos)
      << e.what();
  // A user-named entry (a sponsor level) is never made up from a path.
  e = override_error(base, "sponsor_levels.cfo.clout", "0.6");
  EXPECT_NE(e.message().find("'sponsor_levels' has no key 'cfo'"), std::string::npos) << e.what();
}

// ---- bad input: one test per class -------------------------------------------------------

TEST(ScenarioErrors, UnknownKeySuggestsNearMiss) {
  EXPECT_SCENARIO_ERROR(minimal_with_line(2, "  vp: {tenure: 42, clot: 0.5}"), 2, 20,
                        "sponsor_levels.vp.clot", "unknown key 'clot'; did you mean 'clout'?");
  EXPECT_SCENARIO_ERROR(kMinimal + "horizn: 24\n", 11, 1, "horizn", "did you mean 'horizon'?");
  EXPECT_SCENARIO_ERROR(kMinimal + "patience: {treshold: 12}\n", 11, 12, "patience.treshold",
                        "did you mean 'threshold'?");
  EXPECT_SCENARIO_ERROR(minimal_with_line(5, "  marketing: {brake_prob: 0.1}"), 5, 15,
                        "silos.marketing.brake_prob", "did you mean 'break_prob'?");
  EXPECT_SCENARIO_ERROR(
      minimal_with_line(10, "      - {silo: it, work: {dist: lognormal, median: 2, sigmaa: 1}}"),
      10, 55, "phases.0.steps.1.work.sigmaa", "did you mean 'sigma'?");
  EXPECT_SCENARIO_ERROR(
      minimal_with_line(10, "      - {silo: it, work: {dist: lognormall, median: 2, sigma: 1}}"),
      10, 33, "phases.0.steps.1.work.dist",
      "unknown distribution 'lognormall'; did you mean 'lognormal'?");
}

// A portfolio file given where a scenario belongs, and the other way round: the error says
// which file it is and which command reads it, not "unknown key 'roster'".
TEST(ScenarioErrors, PortfolioAndScenarioFilesNameEachOther) {
  const std::string portfolio = PROGSURV_SOURCE_DIR "/scenarios/portfolios/ten-years.yaml";
  try {
    Scenario::load(portfolio);
    ADD_FAILURE() << "expected a ScenarioError";
  } catch (const ScenarioError& e) {
    EXPECT_EQ(e.key(), "programmes");
    EXPECT_GT(e.line(), 0);
    EXPECT_NE(e.message().find("this is a portfolio file"), std::string::npos) << e.what();
    EXPECT_NE(e.message().find("'progsurv portfolio'"), std::string::npos) << e.what();
  }
  try {
    progsurv::Portfolio::load(kBaselinePath);
    ADD_FAILURE() << "expected a ScenarioError";
  } catch (const ScenarioError& e) {
    EXPECT_NE(e.message().find("this is a scenario file"), std::string::npos) << e.what();
    EXPECT_NE(e.message().find("'progsurv run'"), std::string::npos) << e.what();
  }
  // A remedies, sweep or fit file where a scenario belongs: said what it is, at its key.
  const std::pair<const char*, const char*> others[] = {
      {"/tests/data/remedies/baseline-remedies.yaml", "this is a remedies file"},
      {"/scenarios/sweeps/baseline-oat.yaml", "this is a sweep or fit file"},
      {"/scenarios/fits/baseline-4.yaml", "this is a sweep or fit file"}};
  for (const auto& [file, words] : others) {
    try {
      Scenario::load(std::string(PROGSURV_SOURCE_DIR) + file);
      ADD_FAILURE() << file << ": expected a ScenarioError";
    } catch (const ScenarioError& e) {
      EXPECT_GT(e.line(), 0) << e.what();
      EXPECT_NE(e.message().find(words), std::string::npos) << e.what();
    }
  }
}

TEST(ScenarioErrors, UnknownKeyListsAllowedKeys) {
  EXPECT_SCENARIO_ERROR(kMinimal + "colour: blue\n", 11, 1, "colour",
                        "unknown key 'colour'; expected one of: name, description, horizon");
  EXPECT_SCENARIO_ERROR(minimal_with_line(6, "  it: {zebra: 1}"), 6, 8, "silos.it.zebra",
                        "expected one of: pickup, break_prob");
}

TEST(ScenarioErrors, MissingRequiredKey) {
  EXPECT_SCENARIO_ERROR(minimal_with_line(2, "  vp: {clout: 0.5}"), 2, 7,
                        "sponsor_levels.vp.tenure", "missing required key 'tenure'");
  EXPECT_SCENARIO_ERROR("sponsor_levels: {vp: {tenure: 4}}\nsponsor: vp\nsilos: {a: {}}\n", 1, 1,
                        "phases", "missing required key 'phases'");
  EXPECT_SCENARIO_ERROR(minimal_with_line(10, "      - {silo: it}"), 10, 9, "phases.0.steps.1.work",
                        "missing required key 'work'");
  EXPECT_SCENARIO_ERROR(minimal_with_line(10, "      - {silo: it, work: {mean: 3}}"), 10, 26,
                        "phases.0.steps.1.work.dist", "missing required key 'dist'");
  EXPECT_SCENARIO_ERROR(kMinimal + "handoffs:\n  - {to: it}\n", 12, 5, "handoffs.0.from",
                        "missing required key 'from'");
  EXPECT_SCENARIO_ERROR(kMinimal + "patience: {model: reviews}\n", 11, 11, "patience.threshold",
                        "missing required key 'threshold'");
  EXPECT_SCENARIO_ERROR(kMinimal + "patience: {model: hazard}\n", 11, 11, "patience.rate",
                        "missing required key 'rate'");
}

TEST(ScenarioErrors, WrongType) {
  EXPECT_SCENARIO_ERROR(kMinimal + "horizon: soon\n", 11, 10, "horizon",
                        "expected a number (months), got 'soon'");
  EXPECT_SCENARIO_ERROR(minimal_with_line(2, "  vp: {tenure: 42, clout: [1, 2]}"), 2, 27,
                        "sponsor_levels.vp.clout", "expected a probability");
  EXPECT_SCENARIO_ERROR(minimal_with_line(8, "  - engage: maybe\n    steps:"), 8, 13,
                        "phases.0.engage", "expected true or false, got 'maybe'");
  EXPECT_SCENARIO_ERROR(kMinimal + "escalation: {max_attempts: 1.5}\n", 11, 28,
                        "escalation.max_attempts", "expected a whole number (count), got 1.5");
  EXPECT_SCENARIO_ERROR(
      "sponsor_levels: {vp: {tenure: 4}}\nsponsor: vp\nsilos: {a: {}}\nphases: {a: 1}\n", 4, 9,
      "phases", "expected a list of phases, got a map");
  EXPECT_SCENARIO_ERROR(minimal_with_line(2, "  vp:"), 2, 3, "sponsor_levels.vp",
                        "expected a sponsor level (a map with tenure, clout, ...), got nothing");
  EXPECT_SCENARIO_ERROR(minimal_with_line(10, "      - {silo: it, work: soon}"), 10, 26,
                        "phases.0.steps.1.work",
                        "expected a distribution: a number of months, 'never', or a map");
  EXPECT_SCENARIO_ERROR(minimal_with_line(10, "      - {silo: it, work: exponential}"), 10, 26,
                        "phases.0.steps.1.work", "'exponential' needs parameters");
  EXPECT_SCENARIO_ERROR(kMinimal + "initial_sponsor: fesh\n", 11, 18, "initial_sponsor",
                        "unknown value 'fesh'; did you mean 'fresh'?");
  EXPECT_SCENARIO_ERROR(kMinimal + "patience: {model: hazrd, rate: 1}\n", 11, 19, "patience.model",
                        "did you mean 'hazard'?");
  EXPECT_SCENARIO_ERROR(kMinimal + "customers: {follow_up_window: .inf}\n", 11, 31,
                        "customers.follow_up_window", "numbers must be finite");
  EXPECT_SCENARIO_ERROR("", 0, 0, "", "the scenario is empty");
  EXPECT_SCENARIO_ERROR("just text\n", 1, 1, "", "expected a scenario");
}

TEST(ScenarioErrors, ProbabilityOutOfRange) {
  EXPECT_SCENARIO_ERROR(minimal_with_line(2, "  vp: {tenure: 42, clout: 1.5}"), 2, 27,
                        "sponsor_levels.vp.clout", "must be a probability in [0, 1], got 1.5");
  EXPECT_SCENARIO_ERROR(minimal_with_line(5, "  marketing: {break_prob: -0.1}"), 5, 27,
                        "silos.marketing.break_prob", "must be a probability in [0, 1], got -0.1");
  EXPECT_SCENARIO_ERROR(kMinimal + "budget: {squeeze_prob: 2}\n", 11, 24, "budget.squeeze_prob",
                        "got 2");
}

TEST(ScenarioErrors, DurationsMustBePositive) {
  EXPECT_SCENARIO_ERROR(
      minimal_with_line(10, "      - {silo: it, work: {dist: exponential, mean: 0}}"), 10, 52,
      "phases.0.steps.1.work.mean", "must be positive (months), got 0");
  EXPECT_SCENARIO_ERROR(
      minimal_with_line(10, "      - {silo: it, work: {dist: lognormal, median: 2, sigma: 0}}"), 10,
      62, "phases.0.steps.1.work.sigma", "must be positive");
  EXPECT_SCENARIO_ERROR(
      minimal_with_line(10, "      - {silo: it, work: {dist: weibull, shape: -1, scale: 2}}"), 10,
      49, "phases.0.steps.1.work.shape", "must be positive");
  EXPECT_SCENARIO_ERROR(minimal_with_line(10, "      - {silo: it, work: -1}"), 10, 26,
                        "phases.0.steps.1.work", "must be >= 0 (months), got -1");
  EXPECT_SCENARIO_ERROR(kMinimal + "horizon: 0\n", 11, 10, "horizon",
                        "must be positive (months), got 0");
  EXPECT_SCENARIO_ERROR(kMinimal + "grid: {step: 0}\n", 11, 14, "grid.step",
                        "must be positive (months)");
  EXPECT_SCENARIO_ERROR(kMinimal + "patience: {threshold: 3, review_every: -3}\n", 11, 40,
                        "patience.review_every", "must be positive (months), got -3");
  EXPECT_SCENARIO_ERROR(minimal_with_line(2, "  vp: {tenure: 0}"), 2, 16,
                        "sponsor_levels.vp.tenure", "tenure must be positive");
  EXPECT_SCENARIO_ERROR(minimal_with_line(2, "  vp: {tenure: 42, patience_multiplier: 0}"), 2, 41,
                        "sponsor_levels.vp.patience_multiplier", "must be positive");
}

TEST(ScenarioErrors, RangeDistributionsNeedMinModeMax) {
  EXPECT_SCENARIO_ERROR(
      minimal_with_line(10, "      - {silo: it, work: {dist: pert, min: 3, mode: 2, max: 5}}"), 10,
      53, "phases.0.steps.1.work.mode", "mode (2) is below min (3)");
  EXPECT_SCENARIO_ERROR(
      minimal_with_line(10,
                        "      - {silo: it, work: {dist: triangular, min: 1, mode: 6, max: 5}}"),
      10, 59, "phases.0.steps.1.work.mode", "mode (6) is above max (5)");
  EXPECT_SCENARIO_ERROR(
      minimal_with_line(10, "      - {silo: it, work: {dist: pert, min: 2, mode: 2, max: 2}}"), 10,
      61, "phases.0.steps.1.work.max", "max (2) must be greater than min (2)");
  EXPECT_SCENARIO_ERROR(
      minimal_with_line(10, "      - {silo: it, work: {dist: uniform, min: 3, max: 1}}"), 10, 55,
      "phases.0.steps.1.work.max", "max (1) must be greater than min (3)");
}

TEST(ScenarioErrors, DistributionParameterSets) {
  EXPECT_SCENARIO_ERROR(
      minimal_with_line(10, "      - {silo: it, work: {dist: lognormal, median: 2, mean: 3}}"), 10,
      26, "phases.0.steps.1.work",
      "lognormal takes (median, sigma) or (mu, sigma) or (mean, sd); got (median, mean)");
  EXPECT_SCENARIO_ERROR(
      minimal_with_line(10, "      - {silo: it, work: {dist: lognormal, median: 2}}"), 10, 26,
      "phases.0.steps.1.work", "got (median); missing sigma");
  EXPECT_SCENARIO_ERROR(
      minimal_with_line(10, "      - {silo: it, work: {dist: exponential, mean: 2, median: 3}}"),
      10, 55, "phases.0.steps.1.work.median", "unknown parameter 'median' for exponential");
  EXPECT_SCENARIO_ERROR(
      minimal_with_line(10, "      - {silo: it, work: {dist: empirical, values: []}}"), 10, 52,
      "phases.0.steps.1.work.values", "expected a non-empty list");
  EXPECT_SCENARIO_ERROR(
      minimal_with_line(
          10, "      - {silo: it, work: {dist: empirical, values: [1, 2], weights: [1]}}"),
      10, 69, "phases.0.steps.1.work.weights", "has 1 weights for 2 values");
  EXPECT_SCENARIO_ERROR(
      minimal_with_line(10, "      - {silo: it, work: {dist: empirical, values: [1, -2]}}"), 10, 56,
      "phases.0.steps.1.work.values.1", "must be >= 0");
}

TEST(ScenarioErrors, EmptyPhasesAndSteps) {
  EXPECT_SCENARIO_ERROR(
      "sponsor_levels: {vp: {tenure: 4}}\nsponsor: vp\nsilos: {a: {}}\nphases: []\n", 4, 9,
      "phases", "the programme needs at least one phase");
  EXPECT_SCENARIO_ERROR(minimal_with_line(8, "  - steps: []\n  - steps:"), 8, 12, "phases.0.steps",
                        "a phase needs at least one step");
  EXPECT_SCENARIO_ERROR(minimal_with_line(8, "  - name: idle\n  - steps:"), 8, 5, "phases.0.steps",
                        "missing required key 'steps'");
  EXPECT_SCENARIO_ERROR("sponsor_levels: {}\n", 1, 17, "sponsor_levels",
                        "define at least one sponsor level");
}

TEST(ScenarioErrors, UndefinedSiloOrLevel) {
  EXPECT_SCENARIO_ERROR(kMinimal + "  - steps:\n      - {silo: marketting, work: 1}\n", 12, 16,
                        "phases.1.steps.0.silo",
                        "unknown silo 'marketting'; did you mean 'marketing'?");
  EXPECT_SCENARIO_ERROR(minimal_with_line(3, "sponsor: {vp: 1, cfo: 2}"), 3, 18, "sponsor.cfo",
                        "unknown sponsor level 'cfo'");
  EXPECT_SCENARIO_ERROR(minimal_with_line(3, "sponsor: pv"), 3, 10, "sponsor",
                        "unknown sponsor level 'pv'; did you mean 'vp'?");
  EXPECT_SCENARIO_ERROR(kMinimal + "succession: {successor_level: {vp: 1, director: 1}}\n", 11, 39,
                        "succession.successor_level.director", "unknown sponsor level 'director'");
  EXPECT_SCENARIO_ERROR(kMinimal + "handoffs:\n  - {from: marketing, to: sales}\n", 12, 27,
                        "handoffs.0.to", "unknown silo 'sales'");
}

// A key that takes a word as well as a number, a level or a map says so when it gets neither.
TEST(ScenarioErrors, TheWordsAKeyTakesAreNamed) {
  EXPECT_SCENARIO_ERROR(minimal_with_line(2, "  vp: {tenure: forever}"), 2, 16,
                        "sponsor_levels.vp.tenure",
                        "expected a distribution: a number of months, 'never', or a map");
  EXPECT_SCENARIO_ERROR(kMinimal + "succession: {successor_level: 3}\n", 11, 31,
                        "succession.successor_level",
                        "unknown sponsor level '3'; expected one of: same, vp");
  EXPECT_SCENARIO_ERROR(kMinimal + "succession: {successor_level: sme}\n", 11, 31,
                        "succession.successor_level", "did you mean 'same'?");
  EXPECT_SCENARIO_ERROR(kMinimal + "succession: {successor_level: [vp]}\n", 11, 31,
                        "succession.successor_level",
                        "expected 'same', a sponsor level name or a map level: weight");
  EXPECT_SCENARIO_ERROR(kMinimal + "patience: never\n", 11, 11, "patience", "or 'none'");
  EXPECT_SCENARIO_ERROR(kMinimal + "budget: 12\n", 11, 9, "budget", "or 'none'");
}

TEST(ScenarioErrors, HandoffOverrides) {
  EXPECT_SCENARIO_ERROR(kMinimal + "handoffs:\n  - {from: it, to: it}\n", 12, 20, "handoffs.0.to",
                        "between two different silos");
  EXPECT_SCENARIO_ERROR(kMinimal +
                            "handoffs:\n  - {from: it, to: marketing}\n"
                            "  - {from: it, to: marketing, break_prob: 1}\n",
                        13, 5, "handoffs.1", "duplicate handoff override it -> marketing");
}

TEST(ScenarioErrors, DuplicateKeysAndOtherStructure) {
  EXPECT_SCENARIO_ERROR(minimal_with_line(2, "  vp: {tenure: 42, tenure: 3}"), 2, 20,
                        "sponsor_levels.vp.tenure", "duplicate key 'tenure'");
  EXPECT_SCENARIO_ERROR(minimal_with_line(3, "sponsor: {vp: 0}"), 3, 10, "sponsor",
                        "positive, finite sum");
  EXPECT_SCENARIO_ERROR(kMinimal + "horizon: 12\ngrid: [0, 6, 13]\n", 12, 14, "grid.2",
                        "beyond the horizon");
  EXPECT_SCENARIO_ERROR(kMinimal + "grid: [0, 6, 6]\n", 11, 14, "grid.2", "strictly ascending");
  EXPECT_SCENARIO_ERROR(minimal_with_line(6, "  i.t: {}"), 6, 3, "silos.i.t",
                        "may not contain '.'");
  EXPECT_SCENARIO_ERROR(kMinimal + "  - name: phase1\n    steps: [{silo: it, work: 1}]\n", 11, 11,
                        "phases.1.name", "duplicate phase name 'phase1'");
}

TEST(ScenarioErrors, InvalidYamlSyntax) {
  // yaml-cpp reports where it noticed: the unclosed '[' is found at the next ':'.
  EXPECT_SCENARIO_ERROR("horizon: 12\nphases: [1, 2\nsilos: {}\n", 3, 6, "",
                        "invalid YAML: end of sequence flow not found");
  EXPECT_SCENARIO_ERROR("horizon: 12\n  silos: 3\n", 2, 8, "", "invalid YAML");
  // A tab that the parser reports as another error is named: the line and what to do.
  EXPECT_SCENARIO_ERROR("levels:\n  vp:\n    tenure: {a: 1}\n\tclout: 0.3\n    approval: 1\n", 4, 2,
                        "",
                        "invalid YAML: end of map not found (line 4 is indented with a tab: YAML "
                        "indents with spaces only)");
}

TEST(ScenarioErrors, UnreadableFile) {
  const std::string missing = PROGSURV_SOURCE_DIR "/scenarios/no-such-file.yaml";
  try {
    Scenario::load(missing);
    FAIL() << "no error for a missing file";
  } catch (const ScenarioError& e) {
    EXPECT_EQ(e.file(), missing);
    EXPECT_EQ(e.line(), 0);
    EXPECT_EQ(e.column(), 0);
    EXPECT_EQ(e.key(), "");
    EXPECT_EQ(e.message(), "cannot read file: No such file or directory");
    EXPECT_EQ(std::string(e.what()), missing + ": cannot read file: No such file or directory");
  }
  const std::string directory = PROGSURV_SOURCE_DIR "/scenarios";
  try {
    Scenario::load(directory);
    FAIL() << "no error for a directory";
  } catch (const ScenarioError& e) {
    EXPECT_EQ(e.file(), directory);
    EXPECT_EQ(e.line(), 0);
    EXPECT_EQ(e.message(), "cannot read file: Is a directory");
  }
}

TEST(ScenarioErrors, MessageFormat) {
  const ScenarioError e = parse_error(minimal_with_line(2, "  vp: {tenure: 42, clot: 0.5}"));
  EXPECT_EQ(std::string(e.what()),
            "bad.yaml:2:20: 'sponsor_levels.vp.clot': unknown key 'clot'; did you mean "
            "'clout'?");
}

}  // namespace
}  // namespace progsurv
