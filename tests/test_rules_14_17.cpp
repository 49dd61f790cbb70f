// Rules 14-17 (docs/model.md): co-sponsors, the escalation ladder, scope deferral and
// customer re-engagement. Their YAML keys and bad input; `validate` warnings; the reductions
// to today's engine; closed forms; directions.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "command.hpp"
#include "progsurv/analysis/attribution.hpp"
#include "progsurv/engine/replication.hpp"
#include "progsurv/engine/run.hpp"
#include "progsurv/engine/summary.hpp"
#include "progsurv/io/result_file.hpp"
#include "progsurv/scenario/lint.hpp"
#include "progsurv/scenario/scenario.hpp"
#include "scenario_builder.hpp"

namespace fs = std::filesystem;
using namespace progsurv;

namespace {

// Two levels, two silos, one phase of two steps; tests append keys (line 12 onwards).
const std::string kBase =
    "sponsor_levels:\n"                       // 1
    "  director: {tenure: 30, clout: 0.3}\n"  // 2
    "  vp: {tenure: 42, clout: 0.6}\n"        // 3
    "sponsor: director\n"                     // 4
    "silos:\n"                                // 5
    "  marketing: {break_prob: 0.1}\n"        // 6
    "  it: {}\n"                              // 7
    "phases:\n"                               // 8
    "  - engage: true\n"                      // 9
    "    steps:\n"                            // 10
    "      - {silo: marketing, work: 1}\n"    // 11
    "      - {silo: it, work: 2}\n";          // 12

using progsurv::testing::parse_error;

void expect_error(const std::string& yaml, int line, int column, const std::string& key,
                  const std::string& fragment) {
  const ScenarioError e = parse_error(yaml);
  SCOPED_TRACE(std::string("error: ") + e.what() + "\nfor:\n" + yaml);
  EXPECT_EQ(e.line(), line);
  EXPECT_EQ(e.column(), column);
  EXPECT_EQ(e.key(), key);
  EXPECT_NE(e.message().find(fragment), std::string::npos) << "message lacks: " << fragment;
}

const std::string kAll = kBase +
                         "co_sponsors: [vp, director]\n"
                         "escalation:\n"
                         "  max_attempts: 3\n"
                         "  ladder:\n"
                         "    - {delay: {dist: exponential, mean: 0.5}, clout: 0.2, go_up: 0.7}\n"
                         "    - {delay: 1, clout: 0.4, go_up: 0.5}\n"
                         "deferral: {prob: 0.3}\n"
                         "customers:\n"
                         "  follow_up: 2\n"
                         "  trust_loss: 0.2\n"
                         "  reengage: {prob: 0.5, delay: {dist: exponential, mean: 12}, "
                         "recovery: 0.6}\n";

TEST(Rules14To17Parse, KeysAreReadAndRoundTrip) {
  std::string yaml = kAll;
  yaml.replace(yaml.find("  - engage: true\n"), 17, "  - engage: true\n    deferrable: 0.4\n");
  const Scenario s = Scenario::from_yaml(yaml, "all.yaml");
  ASSERT_EQ(s.co_sponsors.size(), 2u);
  EXPECT_EQ(s.levels[static_cast<std::size_t>(s.co_sponsors[0])].name, "vp");
  EXPECT_EQ(s.levels[static_cast<std::size_t>(s.co_sponsors[1])].name, "director");
  ASSERT_EQ(s.escalation.ladder.size(), 2u);
  EXPECT_EQ(s.escalation.ladder[0].clout, 0.2);
  EXPECT_EQ(s.escalation.ladder[0].go_up, 0.7);
  EXPECT_EQ(s.escalation.ladder[0].delay.mean(), 0.5);
  EXPECT_EQ(s.escalation.ladder[1].delay.mean(), 1.0);
  EXPECT_EQ(s.deferral.prob, 0.3);
  EXPECT_EQ(s.phases[0].deferrable, 0.4);
  EXPECT_EQ(s.customers.reengage.prob, 0.5);
  EXPECT_EQ(s.customers.reengage.delay.mean(), 12.0);
  EXPECT_EQ(s.customers.reengage.recovery, 0.6);

  const std::string text = s.to_yaml();
  const Scenario again = Scenario::from_yaml(text, "again");
  EXPECT_EQ(again.to_yaml(), text);
  EXPECT_EQ(again.co_sponsors, s.co_sponsors);
  EXPECT_EQ(again.escalation.ladder.size(), 2u);
  EXPECT_EQ(again.phases[0].deferrable, 0.4);
  EXPECT_EQ(again.customers.reengage.recovery, 0.6);
}

TEST(Rules14To17Parse, DefaultsAreInertAndWritten) {
  const Scenario s = Scenario::from_yaml(kBase);
  EXPECT_TRUE(s.co_sponsors.empty());
  EXPECT_TRUE(s.escalation.ladder.empty());
  EXPECT_EQ(s.deferral.prob, 0.0);
  EXPECT_EQ(s.phases[0].deferrable, 0.0);
  EXPECT_EQ(s.customers.reengage.prob, 0.0);
  const std::string text = s.to_yaml();
  for (const char* key : {"co_sponsors: []", "ladder: []", "deferral: {prob: 0}", "deferrable: 0",
                          "reengage: {prob: 0"})
    EXPECT_NE(text.find(key), std::string::npos) << key << "\n" << text;
}

TEST(Rules14To17Parse, WithValuesReachesEveryNewKey) {
  std::string yaml = kAll;
  yaml.replace(yaml.find("  - engage: true\n"), 17, "  - engage: true\n    deferrable: 0.4\n");
  const Scenario s = Scenario::from_yaml(yaml, "all.yaml");
  const Scenario t = s.with_values({{"co_sponsors.1", "vp"},
                                    {"escalation.ladder.1.go_up", "0.25"},
                                    {"deferral.prob", "0.9"},
                                    {"phases.0.deferrable", "0.1"},
                                    {"customers.reengage.recovery", "0.2"}});
  EXPECT_EQ(t.levels[static_cast<std::size_t>(t.co_sponsors[1])].name, "vp");
  EXPECT_EQ(t.escalation.ladder[1].go_up, 0.25);
  EXPECT_EQ(t.deferral.prob, 0.9);
  EXPECT_EQ(t.phases[0].deferrable, 0.1);
  EXPECT_EQ(t.customers.reengage.recovery, 0.2);
  try {
    s.with_values({{"escalation.ladder.0.go_up", "1.5"}});
    ADD_FAILURE() << "go_up 1.5 accepted";
  } catch (const ScenarioError& e) {
    EXPECT_EQ(e.key(), "escalation.ladder.0.go_up");
  }
}

TEST(Rules14To17Parse, BadInputNamesFileLineColumnAndKey) {
  expect_error(kBase + "co_sponsors: [vp, cxo]\n", 13, 19, "co_sponsors.1",
               "unknown sponsor level 'cxo'");
  expect_error(kBase + "co_sponsors: vp\n", 13, 14, "co_sponsors", "expected a list");
  expect_error(kBase + "escalation:\n  ladder:\n    - {clout: 0.2, go_up: 1.2}\n", 15, 27,
               "escalation.ladder.0.go_up", "must be a probability in [0, 1], got 1.2");
  expect_error(kBase + "escalation:\n  ladder:\n    - {clout: 0.2, up: 0.5}\n", 15, 20,
               "escalation.ladder.0.up", "go_up");
  std::string deferrable = kBase;
  deferrable.replace(deferrable.find("  - engage: true\n"), 17,
                     "  - engage: true\n    deferrable: 1\n");
  expect_error(deferrable, 10, 17, "phases.0.deferrable", "must be a share in [0, 1)");
  deferrable.replace(deferrable.find("deferrable: 1"), 13, "deferrable: -0.2");
  expect_error(deferrable, 10, 17, "phases.0.deferrable", "must be a probability");
  expect_error(kBase + "customers:\n  reengage: {prob: 0.5, recovery: nan}\n", 14, 35,
               "customers.reengage.recovery", "numbers must be finite");
  expect_error(kBase + "deferral: {prob: 1.5}\n", 13, 18, "deferral.prob", "got 1.5");

  std::string ladder = kBase + "escalation:\n  ladder:\n";
  for (int i = 0; i < 10000; ++i) ladder += "    - {clout: 0.1, go_up: 0.5}\n";
  expect_error(ladder, 15, 5, "escalation.ladder", "a ladder of 10000 rungs; at most 16");
}

// The command line: the same bad inputs exit 2 with file:line:column and write nothing.
TEST(Rules14To17Parse, CommandExitsTwoAndWritesNothing) {
  const fs::path dir = fs::temp_directory_path() / ("progsurv-r1417-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::map<std::string, std::string> bad = {
      {"level.yaml", kBase + "co_sponsors: [vp, cxo]\n"},
      {"go_up.yaml", kBase + "escalation:\n  ladder:\n    - {clout: 0.2, go_up: 1.2}\n"},
      {"nan.yaml", kBase + "customers:\n  reengage: {prob: 0.5, recovery: nan}\n"},
  };
  const std::map<std::string, std::string> where = {
      {"level.yaml", ":13:19:"}, {"go_up.yaml", ":15:27:"}, {"nan.yaml", ":14:35:"}};
  for (const auto& [name, text] : bad) {
    const fs::path p = dir / name;
    std::ofstream(p) << text;
    const fs::path out = dir / (name + ".h5");
    const auto r = progsurv_test::progsurv("run " + p.string() + " -n 100 -q -o " + out.string());
    EXPECT_EQ(r.status, 2) << r.out;
    EXPECT_NE(r.out.find(p.string() + where.at(name)), std::string::npos) << r.out;
    EXPECT_FALSE(fs::exists(out)) << name;
  }
  fs::remove_all(dir);
}

TEST(Rules14To17Lint, WarnsWhenANewKeyCanHaveNoEffect) {
  std::string yaml =
      "sponsor_levels:\n"
      "  vp: {tenure: 42, clout: 0.6}\n"
      "sponsor: vp\n"
      "silos: {a: {break_prob: 0.2}, b: {}}\n"
      "phases:\n"
      "  - deferrable: 0.3\n"
      "    steps: [{silo: a, work: 1}, {silo: b, work: 1}]\n"
      "escalation:\n"
      "  max_attempts: 0\n"
      "  ladder: [{clout: 0.2, go_up: 0.5}]\n"
      "customers:\n"
      "  reengage: {prob: 0.5, recovery: 0.5}\n";
  auto warnings = lint(Scenario::from_yaml(yaml, "lint.yaml"));
  std::map<std::string, int> line;
  for (const auto& w : warnings) line[w.key] = w.line;
  EXPECT_EQ(line.size(), 3u);
  EXPECT_EQ(line["phases.0.deferrable"], 6);
  EXPECT_EQ(line["escalation.ladder"], 10);
  EXPECT_EQ(line["customers.reengage"], 12);

  // With the keys able to act, nothing is said; a co-sponsor level counts as drawable.
  yaml =
      "sponsor_levels:\n"
      "  vp: {tenure: 42, clout: 0.6}\n"
      "  ceo: {tenure: 80, clout: 0.9}\n"
      "sponsor: vp\n"
      "co_sponsors: [ceo]\n"
      "silos: {a: {break_prob: 0.2}, b: {}}\n"
      "phases:\n"
      "  - deferrable: 0.3\n"
      "    engage: true\n"
      "    steps: [{silo: a, work: 1}, {silo: b, work: 1}]\n"
      "escalation: {max_attempts: 2, ladder: [{clout: 0.2, go_up: 0.5}]}\n"
      "deferral: {prob: 0.5}\n"
      "budget: {every: 12, squeeze_prob: 0.3, cut_prob: 0.5}\n"
      "customers:\n"
      "  reengage: {prob: 0.5, recovery: 0.5}\n";
  warnings = lint(Scenario::from_yaml(yaml, "lint.yaml"));
  for (const auto& w : warnings) ADD_FAILURE() << w.key << ": " << w.message;

  // Deferral with no pressure event to act at: no squeezes, and reviews that never find the
  // programme overdue (no threshold); then reviews that always cut an overdue one.
  const std::string no_budget = "budget: {every: 12, squeeze_prob: 0.3, cut_prob: 0.5}\n";
  yaml.erase(yaml.find(no_budget), no_budget.size());
  for (const std::string& patience :
       {std::string(), std::string("patience: {threshold: 6, cancel_prob: 1}\n")}) {
    warnings = lint(Scenario::from_yaml(yaml + patience, "lint.yaml"));
    ASSERT_EQ(warnings.size(), 1u) << patience;
    EXPECT_EQ(warnings[0].key, "deferral.prob");
    EXPECT_NE(warnings[0].message.find("no pressure events"), std::string::npos);
  }
  EXPECT_TRUE(
      lint(Scenario::from_yaml(yaml + "patience: {threshold: 6, cancel_prob: 0.5}\n")).empty());

  // Deferral with nothing deferrable.
  yaml =
      "sponsor_levels: {vp: {tenure: 42}}\nsponsor: vp\nsilos: {a: {}}\n"
      "phases: [{steps: [{silo: a, work: 1}]}]\ndeferral: {prob: 0.5}\n";
  warnings = lint(Scenario::from_yaml(yaml, "lint.yaml"));
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0].key, "deferral.prob");
  EXPECT_EQ(warnings[0].line, 5);
}

// ---- the engine ---------------------------------------------------------------------------

using progsurv::testing::simple_scenario;

bool same_record(const ReplicationRecord& a, const ReplicationRecord& b) {
  return a.outcome == b.outcome && a.cause == b.cause && a.end_time == b.end_time &&
         a.phases_delivered == b.phases_delivered && a.value == b.value && a.time == b.time &&
         a.sponsor_changes == b.sponsor_changes && a.handoffs == b.handoffs &&
         a.breaks == b.breaks && a.escalations == b.escalations && a.rungs == b.rungs &&
         a.disengagements == b.disengagements && a.customer_trust == b.customer_trust &&
         a.deferrals == b.deferrals && a.deferred_value == b.deferred_value &&
         a.reengagements == b.reengagements;
}

const Scenario& shipped(const std::string& name) {
  static std::map<std::string, Scenario> cache;
  auto it = cache.find(name);
  if (it == cache.end())
    it = cache.emplace(name, Scenario::load(PROGSURV_SOURCE_DIR "/scenarios/" + name + ".yaml"))
             .first;
  return it->second;
}

// Rules 16 and 17 with one half of their settings at 0 are the engine without them, bitwise:
// a deferrable share with deferral.prob 0, deferral.prob with nothing deferrable, a recovery
// with reengage.prob 0.
TEST(Rules14To17Reduction, InertSettingsLeaveEveryRecordBitwiseUnchanged) {
  for (const char* name : {"baseline", "csuite-anchor", "director-vacuum", "visible-metrics"}) {
    SCOPED_TRACE(name);
    const Scenario& plain = shipped(name);
    Scenario a = plain;
    for (Phase& phase : a.phases) phase.deferrable = 0.5;
    a.customers.reengage.recovery = 0.7;
    a.customers.reengage.delay = Distribution::exponential(3.0);
    a.finalize();
    Scenario b = plain;
    b.deferral.prob = 0.8;
    b.finalize();
    for (std::uint64_t r = 0; r < 3000; ++r) {
      const ReplicationRecord base = simulate_replication(plain, 11, r);
      ASSERT_TRUE(same_record(base, simulate_replication(a, 11, r))) << "replication " << r;
      ASSERT_TRUE(same_record(base, simulate_replication(b, 11, r))) << "replication " << r;
      EXPECT_EQ(base.deferrals, 0);
      EXPECT_EQ(base.reengagements, 0);
      // With an empty ladder every trial is the sponsor's: one per attempt that got there.
      EXPECT_LE(base.rungs, base.escalations);
      EXPECT_GE(base.rungs, base.escalations - 1);
    }
  }
}

// Rule 14 and randomness: a co-sponsor's seat is an entity of its own, so adding one leaves
// every draw of the lead and of the programme as it was (entity 0), and the seat's own draws
// use the lead's places under entity 1.
TEST(Rules14To17Keying, ACoSponsorDrawsAsItsOwnEntity) {
  Scenario more = shipped("baseline");
  more.co_sponsors = {more.level_index("ceo")};
  more.finalize();
  int seat_draws = 0, shared = 0;
  for (std::uint64_t r = 0; r < 300; ++r) {
    std::vector<DrawTrace> a, b;
    simulate_replication(shipped("baseline"), 2026, r, &a);
    simulate_replication(more, 2026, r, &b);
    std::map<std::tuple<std::uint32_t, int, std::uint64_t>, std::vector<double>> first, second;
    for (const auto& e : a)
      first[{e.entity, static_cast<int>(e.mechanism), e.place}].push_back(e.u);
    for (const auto& e : b) {
      second[{e.entity, static_cast<int>(e.mechanism), e.place}].push_back(e.u);
      if (e.entity == 1) {
        ++seat_draws;
        EXPECT_TRUE(e.mechanism == Mechanism::Sponsor || e.mechanism == Mechanism::Succession ||
                    e.mechanism == Mechanism::Attention);
      }
    }
    for (const auto& [key, u] : first) {
      EXPECT_EQ(std::get<0>(key), 0u);
      const auto it = second.find(key);
      if (it == second.end()) continue;
      EXPECT_EQ(u, it->second);
      ++shared;
    }
  }
  EXPECT_GT(seat_draws, 100);
  EXPECT_GT(shared, 1000);
}

// Rules 12 and 14, in order: a delivery re-engages every seat, then the next phase's resource
// wait is drawn under whoever acts now. Deterministic: the co-sponsor (clout 0.6, resource
// wait 0.5) lapses 0.1 months after each start of attention, leaving the lead (clout 0.3 >
// 0.6 * 0.4, wait 3) acting; the delivery re-engages the co-sponsor, so phase 2 waits 0.5.
TEST(Rules14To17Order, NextResourceWaitIsTheReengagedCoSponsorsLevel) {
  Scenario s = simple_scenario();
  s.phases[0].steps[0].work = Distribution::fixed(2.0);
  s.phases.push_back(s.phases[0]);
  s.levels[0].clout = 0.3;
  s.levels[0].resource_delay = Distribution::fixed(3.0);
  SponsorLevel cs = s.levels[0];
  cs.name = "cs";
  cs.clout = 0.6;
  cs.resource_delay = Distribution::fixed(0.5);
  cs.attention_lapse = Distribution::fixed(0.1);
  s.levels.push_back(cs);
  s.disengaged.clout = 0.4;
  s.co_sponsors = {1};
  s.finalize();
  const ReplicationRecord r = simulate_replication(s, 2026, 0, nullptr);
  EXPECT_EQ(r.outcome, Outcome::Completed);
  // Phase 1 waits 0.5 (the lapse leaves the remaining wait as it was), phase 2 waits 0.5.
  EXPECT_DOUBLE_EQ(r.time[static_cast<int>(TimeBucket::Resources)], 1.0);
  EXPECT_EQ(r.disengagements, 2);
  EXPECT_DOUBLE_EQ(r.end_time, 5.0);
}

// Closed form (rule 14): two seats with exponential tenures (rates b1, b2), adoption 0, no
// other way to end: P(sponsor_exit by t) = (1 - e^{-b1 t}) (1 - e^{-b2 t}).
TEST(Rules14To17ClosedForm, TwoSeatsEndWhenBothAreLost) {
  Scenario s = simple_scenario();
  s.phases[0].steps[0].work = Distribution::fixed(5000.0);  // never done within the horizon
  SponsorLevel second = s.levels[0];
  second.name = "ceo";
  s.levels[0].tenure = Distribution::exponential(10.0);  // mean 10: b1 = 0.1
  second.tenure = Distribution::exponential(25.0);       // b2 = 0.04
  s.levels.push_back(second);
  s.co_sponsors = {1};
  s.initial_sponsor = InitialSponsor::Residual;
  s.succession.adoption = 0.0;
  s.finalize();
  constexpr int n = 40000;
  const std::vector<double> times = {5.0, 15.0, 30.0, 60.0};
  std::vector<int> by(times.size(), 0);
  int changes = 0;
  for (int r = 0; r < n; ++r) {
    const ReplicationRecord rec = simulate_replication(s, 3, static_cast<std::uint64_t>(r));
    if (rec.outcome == Outcome::Ended) {
      ASSERT_EQ(rec.cause, Cause::SponsorExit);
      EXPECT_EQ(rec.sponsor_changes, 2);
      for (std::size_t i = 0; i < times.size(); ++i) by[i] += rec.end_time <= times[i];
    }
    changes += rec.sponsor_changes;
  }
  for (std::size_t i = 0; i < times.size(); ++i) {
    const double t = times[i];
    const double p = (1.0 - std::exp(-0.1 * t)) * (1.0 - std::exp(-0.04 * t));
    const double se = std::sqrt(p * (1.0 - p) / n);
    EXPECT_NEAR(static_cast<double>(by[i]) / n, p, 4.0 * se) << "t = " << t;
  }
  EXPECT_GT(changes, n);  // every seat's exit counts
}

// Closed form (rule 15): one rung of clout c1 and go_up g below a sponsor of clout c: an
// attempt succeeds with c1 + (1 - c1) g c, and makes 1 + (1 - c1) g trials.
TEST(Rules14To17ClosedForm, OneRungBelowTheSponsor) {
  Scenario s = simple_scenario(2, 2);
  s.phases[0].steps[0].work = Distribution::fixed(1.0);
  s.phases[0].steps[1].work = Distribution::fixed(1.0);
  s.silos[1].break_prob = 1.0;
  s.levels[0].clout = 0.6;  // c
  EscalationRung rung;
  rung.clout = 0.3;  // c1
  rung.go_up = 0.5;  // g
  rung.delay = Distribution::exponential(2.0);
  s.escalation.ladder = {rung};
  s.escalation.delay = Distribution::exponential(1.0);
  s.escalation.max_attempts = 1;
  s.finalize();
  constexpr int n = 40000;
  int completed = 0;
  double rungs = 0, escalating = 0;
  for (int r = 0; r < n; ++r) {
    const ReplicationRecord rec = simulate_replication(s, 5, static_cast<std::uint64_t>(r));
    if (rec.outcome == Outcome::Completed) {
      ++completed;
    } else {
      ASSERT_EQ(rec.cause, Cause::HandoffFailure);
    }
    EXPECT_EQ(rec.escalations, 1);
    rungs += rec.rungs;
    escalating += rec.time[static_cast<int>(TimeBucket::Escalating)];
  }
  const double p = 0.3 + 0.7 * 0.5 * 0.6;
  EXPECT_NEAR(static_cast<double>(completed) / n, p, 4.0 * std::sqrt(p * (1 - p) / n));
  const double up = 0.7 * 0.5;  // share of attempts that reach the sponsor
  EXPECT_NEAR(rungs / n, 1.0 + up, 4.0 * std::sqrt(up * (1 - up) / n));
  // Rung delay mean 2, then the sponsor's mean 1 for those that go up; SD bounded by ~3.
  EXPECT_NEAR(escalating / n, 2.0 + up * 1.0, 4.0 * 3.0 / std::sqrt(n));
}

// Closed form (rule 16): a single-phase, single-step programme whose only pressure is a
// certain, never-cutting squeeze at month 4, work 10, deferrable d, deferral.prob 1: value
// (1 - d) v, and the 6 months of work left shrink to 6 (1 - d).
TEST(Rules14To17ClosedForm, ACertainSqueezeDefersScopeAndShortensTheWork) {
  Scenario s = simple_scenario();
  s.phases[0].steps[0].work = Distribution::fixed(10.0);
  s.phases[0].value = 2.5;
  s.phases[0].deferrable = 0.4;
  s.deferral.prob = 1.0;
  s.budget.enabled = true;
  s.budget.every = 4.0;
  s.budget.squeeze_prob = 1.0;
  s.budget.cut_prob = 0.0;
  s.finalize();
  for (std::uint64_t r = 0; r < 50; ++r) {
    const ReplicationRecord rec = simulate_replication(s, 9, r);
    ASSERT_EQ(rec.outcome, Outcome::Completed);
    EXPECT_DOUBLE_EQ(rec.value, (1 - 0.4) * 2.5);
    EXPECT_DOUBLE_EQ(rec.deferred_value, 0.4 * 2.5);
    EXPECT_EQ(rec.deferrals, 1);
    EXPECT_DOUBLE_EQ(rec.end_time, 4.0 + 6.0 * (1 - 0.4));
    EXPECT_DOUBLE_EQ(rec.time[static_cast<int>(TimeBucket::Working)], rec.end_time);
  }
}

// Paired (common random numbers) difference of a per-replication quantity: mean and SE.
struct Paired {
  double mean = 0, se = 0;
};
template <class F>
Paired paired(const Scenario& a, const Scenario& b, int n, F f) {
  double sum = 0, sumsq = 0;
  for (int r = 0; r < n; ++r) {
    const auto ra = simulate_replication(a, 13, static_cast<std::uint64_t>(r));
    const auto rb = simulate_replication(b, 13, static_cast<std::uint64_t>(r));
    const double d = f(rb) - f(ra);
    sum += d;
    sumsq += d * d;
  }
  Paired p;
  p.mean = sum / n;
  p.se = std::sqrt(std::max(0.0, sumsq / n - p.mean * p.mean) / (n - 1));
  return p;
}

// Directions, each beyond 4 SE of the paired difference.
TEST(Rules14To17Directions, MoreCoSponsorsMeanFewerSponsorExits) {
  const Scenario& base = shipped("baseline");
  Scenario more = base;
  more.co_sponsors = {more.level_index("vp"), more.level_index("c_suite")};
  more.finalize();
  const auto d = paired(base, more, 20000, [](const ReplicationRecord& r) {
    return r.cause == Cause::SponsorExit ? 1.0 : 0.0;
  });
  EXPECT_LT(d.mean, -4.0 * d.se) << d.mean << " se " << d.se;
}

TEST(Rules14To17Directions, HigherGoUpMeansFewerHandoffFailures) {
  Scenario low = shipped("baseline");
  EscalationRung rung;
  rung.delay = Distribution::exponential(1.0);
  rung.clout = 0.2;
  rung.go_up = 0.2;
  low.escalation.ladder = {rung, rung};
  low.finalize();
  Scenario high = low;
  for (auto& r : high.escalation.ladder) r.go_up = 0.9;
  high.finalize();
  const auto d = paired(low, high, 20000, [](const ReplicationRecord& r) {
    return r.cause == Cause::HandoffFailure ? 1.0 : 0.0;
  });
  EXPECT_LT(d.mean, -4.0 * d.se) << d.mean << " se " << d.se;
}

TEST(Rules14To17Directions, DeferralMeansFewerPatienceCutsAndLessValue) {
  Scenario base = shipped("baseline");
  base.patience.cancel_prob = 0.5;  // overdue reviews sometimes spare: pressure events
  base.finalize();
  Scenario defer = base;
  for (Phase& phase : defer.phases) phase.deferrable = 0.5;
  defer.deferral.prob = 0.8;
  defer.finalize();
  const auto cuts = paired(base, defer, 20000, [](const ReplicationRecord& r) {
    return r.cause == Cause::Patience ? 1.0 : 0.0;
  });
  EXPECT_LT(cuts.mean, -4.0 * cuts.se) << cuts.mean << " se " << cuts.se;
  const auto value = paired(base, defer, 20000, [](const ReplicationRecord& r) { return r.value; });
  EXPECT_LT(value.mean, -4.0 * value.se) << value.mean << " se " << value.se;
}

TEST(Rules14To17Directions, ReengagementRaisesTrust) {
  Scenario base = shipped("baseline");
  base.customers.trust_loss = 0.3;
  base.finalize();
  Scenario back = base;
  back.customers.reengage.prob = 0.8;
  back.customers.reengage.delay = Distribution::exponential(2.0);
  back.customers.reengage.recovery = 0.5;
  back.finalize();
  const auto d =
      paired(base, back, 20000, [](const ReplicationRecord& r) { return r.customer_trust; });
  EXPECT_GT(d.mean, 4.0 * d.se) << d.mean << " se " << d.se;
  int reengaged = 0;
  for (std::uint64_t r = 0; r < 2000; ++r)
    reengaged += simulate_replication(back, 13, r).reengagements;
  EXPECT_GT(reengaged, 0);
}

// ---- attribution and the shipped scenarios ----------------------------------------------------

TEST(Rules14To17Attribution, KnockOutsForTheLadderAndDeferral) {
  const Scenario& phase_two = shipped("phase-two");
  const Scenario none = knock_out(phase_two, Knockout::Deferral);
  EXPECT_EQ(none.deferral.prob, 0.0);
  EXPECT_EQ(none.phases[1].deferrable, phase_two.phases[1].deferrable);
  EXPECT_STREQ(describe(Knockout::Deferral), "no deferral");
  EXPECT_STREQ(describe(Knockout::Ladder), "direct line to the sponsor");
  Scenario ladder = shipped("baseline");
  ladder.escalation.ladder.resize(2);
  ladder.finalize();
  EXPECT_TRUE(knock_out(ladder, Knockout::Ladder).escalation.ladder.empty());
  const auto has = [](const std::vector<Knockout>& ks, Knockout k) {
    return std::find(ks.begin(), ks.end(), k) != ks.end();
  };
  // By default only the mechanisms a scenario uses: the baseline keeps its thirteen.
  EXPECT_FALSE(has(default_knockouts(shipped("baseline")), Knockout::Ladder));
  EXPECT_FALSE(has(default_knockouts(shipped("baseline")), Knockout::Deferral));
  EXPECT_EQ(default_knockouts(shipped("baseline")).size(),
            static_cast<std::size_t>(kKnockoutCount) - 2);
  EXPECT_TRUE(has(default_knockouts(phase_two), Knockout::Deferral));
  EXPECT_TRUE(has(default_knockouts(ladder), Knockout::Ladder));
  // Deferral costs value: its knock-out's paired effect on the mean value is positive.
  AttributionOptions opt;
  opt.seed = 3;
  opt.replications = 20000;
  opt.mechanisms = {Knockout::Deferral, Knockout::Patience};
  const auto a = attribute(phase_two, opt);
  const auto& effect = a.rows[0].mean_value();
  EXPECT_GT(effect.delta.estimate, 4.0 * effect.se) << effect.delta.estimate << " se " << effect.se;
}

TEST(Rules14To17Scenarios, SteeringCommitteeAndPhaseTwoMoveAsExpected) {
  const Scenario& committee = shipped("steering-committee");
  ASSERT_EQ(committee.co_sponsors.size(), 2u);
  // validate says nothing against the new keys of either scenario.
  for (const Scenario* s : {&committee, &shipped("phase-two")})
    for (const auto& w : lint(*s))
      EXPECT_TRUE(w.key.find("deferr") == std::string::npos &&
                  w.key.find("co_sponsors") == std::string::npos)
          << w.key << ": " << w.message;
  Scenario alone = committee;
  alone.co_sponsors.clear();
  alone.finalize();
  const auto exits = paired(alone, committee, 20000, [](const ReplicationRecord& r) {
    return r.cause == Cause::SponsorExit ? 1.0 : 0.0;
  });
  EXPECT_LT(exits.mean, -4.0 * exits.se);
  const Scenario& phase_two = shipped("phase-two");
  int deferred = 0;
  for (std::uint64_t r = 0; r < 5000; ++r)
    deferred += simulate_replication(phase_two, 1, r).deferrals;
  EXPECT_GT(deferred, 100);
}

// ---- the run file ----------------------------------------------------------------------------

// A version-2.0 file (committed as tests/data/v2.0-baseline.h5 before rules 15-17) still
// reads: its new columns and means read as zero.
TEST(Rules14To17File, Version20FileStillReads) {
  const RunResult r = read_result(PROGSURV_SOURCE_DIR "/tests/data/v2.0-baseline.h5");
  EXPECT_EQ(r.tally.n, 500);
  EXPECT_GT(r.tally.moments[static_cast<int>(Quantity::Disengagements)].sum, 0.0);
  for (Quantity q : {Quantity::Rungs, Quantity::Deferrals, Quantity::DeferredValue,
                     Quantity::Reengagements, Quantity::Deferring})
    EXPECT_EQ(r.tally.moments[static_cast<std::size_t>(q)].sum, 0.0) << to_string(q);
  ASSERT_TRUE(r.records);
  EXPECT_EQ(r.records->rungs.size(), 500u);
  EXPECT_EQ(r.records->deferred_value.size(), 500u);
}

TEST(Rules14To17File, NewColumnsRoundTrip) {
  Scenario s = shipped("baseline");
  for (Phase& phase : s.phases) phase.deferrable = 0.3;
  s.deferral.prob = 0.5;
  s.customers.trust_loss = 0.3;
  s.customers.reengage.prob = 0.8;
  s.customers.reengage.recovery = 0.5;
  s.finalize();
  RunOptions opt;
  opt.replications = 3000;
  opt.seed = 4;
  opt.threads = 1;
  opt.keep_replications = true;
  const RunResult result = run(s, opt);
  const fs::path path =
      fs::temp_directory_path() / ("progsurv-r1417-" + std::to_string(::getpid()) + ".h5");
  write_result(path.string(), result);
  const RunResult back = read_result(path.string());
  fs::remove(path);
  ASSERT_TRUE(back.records);
  EXPECT_EQ(back.records->deferrals, result.records->deferrals);
  EXPECT_EQ(back.records->deferred_value, result.records->deferred_value);
  EXPECT_EQ(back.records->reengagements, result.records->reengagements);
  EXPECT_EQ(back.records->rungs, result.records->rungs);
  const auto mean = [&](Quantity q) { return back.summary.mean[static_cast<std::size_t>(q)]; };
  EXPECT_GT(mean(Quantity::Deferring), 0.0);
  EXPECT_GT(mean(Quantity::DeferredValue), 0.0);
  EXPECT_GT(mean(Quantity::Reengagements), 0.0);
  // The value mean comes from the replications' own (reduced) values.
  double total = 0;
  for (double v : back.records->value) total += v;
  EXPECT_NEAR(back.summary.value_mean.estimate, total / 3000.0, 1e-9);
  const std::string text = format_summary(back.summary, "t");
  EXPECT_NE(text.find("of started programmes deferred scope;"), std::string::npos) << text;
  EXPECT_NE(text.find("of value per started programme deferred and never delivered"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("re-engagements with customers"), std::string::npos) << text;
  // The baseline says nothing of mechanisms it does not use.
  const std::string plain = format_summary(run(shipped("baseline"), opt).summary, "t");
  EXPECT_EQ(plain.find("deferred scope"), std::string::npos);
  EXPECT_EQ(plain.find("escalation ladder"), std::string::npos);
}

}  // namespace
