// The record reader and the record likelihood: errors that point at the row, the
// simulated likelihood against the exact one on a Markov scenario and against a closed
// form, and common random numbers across parameter values.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <sstream>

#include "progsurv/analysis/exact.hpp"
#include "progsurv/analysis/likelihood.hpp"
#include "progsurv/engine/replication.hpp"
#include "progsurv/io/record.hpp"
#include "scenario_builder.hpp"

namespace progsurv {
namespace {

// PROGSURV_TEST_SCALE (as in test_exact.cpp) scales the replications of the statistical
// tests; their tolerances are in standard errors, so they hold at any scale.
std::int64_t scaled(std::int64_t n) {
  const char* s = std::getenv("PROGSURV_TEST_SCALE");
  const double scale = s && *s && std::atof(s) > 0 ? std::atof(s) : 1.0;
  return std::max<std::int64_t>(2048, static_cast<std::int64_t>(static_cast<double>(n) * scale));
}

const char* kHeader = "sponsor_level,outcome,cause,month,phases_delivered\n";

Scenario markov() { return Scenario::load(PROGSURV_SOURCE_DIR "/scenarios/exact/markov.yaml"); }

// The error of parsing `text` (or of resolving it against the Markov scenario).
ScenarioError record_error(const std::string& text, bool resolve = false) {
  try {
    const ProgrammeRecord r = parse_record(text, "past.csv");
    if (resolve) RecordLikelihood(markov(), r);
  } catch (const ScenarioError& e) {
    return e;
  }
  ADD_FAILURE() << "no error for:\n" << text;
  return ScenarioError("", 0, 0, "", "");
}

TEST(Record, ParsesEveryOutcomeWithUnknownFields) {
  const ProgrammeRecord r = parse_record(std::string("# a comment\n") + kHeader +
                                             "vp,completed,,10.5,2\n"
                                             ",ended,,7,\n"
                                             "vp,ended,patience,12,1\n"
                                             "vp,not_started,,,0\n"
                                             "\n"
                                             "\"vp\",running,,4,\n",
                                         "past.csv");
  ASSERT_EQ(r.programmes.size(), 5u);
  EXPECT_EQ(r.programmes[0].line, 3);
  EXPECT_EQ(r.programmes[0].outcome, RecordOutcome::Completed);
  EXPECT_EQ(r.programmes[0].phases, 2);
  EXPECT_EQ(r.programmes[1].sponsor_level, "");
  EXPECT_EQ(r.programmes[1].cause, -1);
  EXPECT_EQ(r.programmes[1].phases, -1);
  EXPECT_EQ(r.programmes[2].cause, static_cast<int>(Cause::Patience));
  EXPECT_EQ(r.programmes[3].outcome, RecordOutcome::NotStarted);
  EXPECT_EQ(r.programmes[4].line, 8);
  EXPECT_EQ(r.programmes[4].sponsor_level, "vp");
  EXPECT_DOUBLE_EQ(r.programmes[4].month, 4.0);
}

TEST(Record, ExcelByteOrderMarkAndOldLineEndsAreRead) {
  // Excel's "CSV UTF-8" (a BOM before the header), Windows CRLF and old-Mac CR line ends.
  for (const std::string& text :
       {std::string("\xEF\xBB\xBFsponsor_level,outcome,month\nvp,ended,3\nvp,running,5\n"),
        std::string("sponsor_level,outcome,month\r\nvp,ended,3\r\nvp,running,5\r\n"),
        std::string("sponsor_level,outcome,month\rvp,ended,3\rvp,running,5"),
        std::string("\xEF\xBB\xBFsponsor_level,outcome,month\r\rvp,ended,3\r\nvp,running,5")}) {
    const ProgrammeRecord r = parse_record(text, "past.csv");
    ASSERT_EQ(r.programmes.size(), 2u);
    EXPECT_EQ(r.programmes[0].sponsor_level, "vp");
    EXPECT_EQ(r.programmes[1].outcome, RecordOutcome::Running);
    EXPECT_DOUBLE_EQ(r.programmes[1].month, 5.0);
  }
  // Line numbers count CR line ends as lines: the bad row is named where an editor shows it.
  const ScenarioError e = record_error("sponsor_level,outcome,month\r\rvp,finished,3\r");
  EXPECT_EQ(e.line(), 3);
}

TEST(Record, RowsTheScenarioCannotProduceAreRefusedByName) {
  // markov.yaml: two phases, no budget cycle, patience as a hazard from S + grace 6.
  const auto refused = [](const std::string& row, int column, const std::string& part,
                          const std::vector<std::string>& fitted = {}) {
    LikelihoodOptions o;
    o.fitted = fitted;
    try {
      RecordLikelihood(markov(), parse_record(std::string(kHeader) + row + "\n", "past.csv"), o);
      ADD_FAILURE() << "accepted: " << row;
    } catch (const ScenarioError& e) {
      EXPECT_EQ(e.line(), 2) << e.what();
      EXPECT_EQ(e.column(), column) << e.what();
      EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
    }
  };
  refused("vp,ended,,5,2", 13, "delivering the last phase completes it");
  refused("vp,ended,patience,20,2", 22, "delivering the last phase completes it");
  refused("vp,ended,phase_gate,5,0", 23, "phase_gate with 0 phases delivered cannot happen");
  refused("vp,ended,budget_cut,5,1", 10, "the budget is disabled in scenario");
  refused("vp,ended,patience,4,0", 19, "no patience cut comes before the grace period (6 months");
  // Fitting the grace period makes an early patience cut possible; the rows that can happen
  // (and the same cut after the grace period) are accepted.
  LikelihoodOptions grace;
  grace.fitted = {"patience.grace"};
  EXPECT_NO_THROW(RecordLikelihood(
      markov(), parse_record(std::string(kHeader) + "vp,ended,patience,4,0\n"), grace));
  EXPECT_NO_THROW(RecordLikelihood(
      markov(), parse_record(std::string(kHeader) + "vp,ended,patience,7,0\n"
                                                    "vp,ended,phase_gate,9,1\n"
                                                    "vp,ended,,9,1\n"
                                                    "vp,ended,handoff_failure,3,0\n")));
  // One silo: no handoff, so no handoff failure.
  try {
    RecordLikelihood(progsurv::testing::simple_scenario(2, 1),
                     parse_record(std::string(kHeader) + "vp,ended,handoff_failure,3,0\n"));
    ADD_FAILURE() << "a handoff failure without a handoff was accepted";
  } catch (const ScenarioError& e) {
    EXPECT_NE(std::string(e.what()).find("needs a handoff between silos"), std::string::npos);
  }
}

TEST(Record, OptionalColumnsMayBeLeftOut) {
  const ProgrammeRecord r = parse_record("id,outcome,month\n1,ended,3\n2,running,5\n");
  ASSERT_EQ(r.programmes.size(), 2u);
  EXPECT_EQ(r.programmes[0].cause, -1);
}

TEST(Record, BadRowsNameLineColumnAndExpectation) {
  ScenarioError e = record_error(std::string(kHeader) + "vp,completed,,3,2\nvp,finished,,3,2\n");
  EXPECT_EQ(e.file(), "past.csv");
  EXPECT_EQ(e.line(), 3);
  EXPECT_EQ(e.column(), 4);
  EXPECT_EQ(e.key(), "outcome");
  EXPECT_NE(e.message().find("completed"), std::string::npos) << e.what();

  e = record_error(std::string(kHeader) + "vp,ended,,soon,1\n");
  EXPECT_EQ(e.line(), 2);
  EXPECT_EQ(e.column(), 11);
  EXPECT_EQ(e.key(), "month");

  e = record_error(std::string(kHeader) + "vp,completed,patience,3,2\n");
  EXPECT_EQ(e.key(), "cause");
  e = record_error(std::string(kHeader) + "vp,ended,patiense,3,2\n");
  EXPECT_NE(e.message().find("did you mean 'patience'"), std::string::npos) << e.what();
  e = record_error(std::string(kHeader) + "vp,ended,,3\n");
  EXPECT_EQ(e.line(), 2);
  EXPECT_NE(e.message().find("expected 5"), std::string::npos) << e.what();
  e = record_error(std::string(kHeader) + "vp,ended,,-1,1\n");
  EXPECT_EQ(e.key(), "month");
  e = record_error(std::string(kHeader) + "vp,running,,,\n");
  EXPECT_EQ(e.key(), "month");
  e = record_error(std::string(kHeader) + "vp,ended,,3,1.5\n");
  EXPECT_EQ(e.key(), "phases_delivered");
  e = record_error("sponsor_level,outcome,cuase,month\n");
  EXPECT_EQ(e.line(), 1);
  EXPECT_EQ(e.column(), 23);
  EXPECT_NE(e.message().find("did you mean 'cause'"), std::string::npos) << e.what();
  e = record_error("sponsor_level,outcome,cause\n");
  EXPECT_EQ(e.key(), "month");
  e = record_error(std::string(kHeader));
  EXPECT_NE(e.message().find("no programmes"), std::string::npos);
}

// Caps checked when a record is read (docs/robustness.md); before, any size was parsed.
TEST(Record, SizeAndRowsAreCapped) {
  std::string rows = kHeader;
  for (std::size_t i = 0; i < kMaxRecordRows; ++i) rows += "vp,ended,,3,1\n";
  EXPECT_EQ(parse_record(rows, "past.csv").programmes.size(), kMaxRecordRows);
  rows += "vp,ended,,3,1\n";
  ScenarioError e = record_error(rows);
  EXPECT_EQ(e.file(), "past.csv");
  EXPECT_EQ(e.line(), static_cast<int>(kMaxRecordRows) + 2);
  EXPECT_NE(e.message().find("at most 100000 rows"), std::string::npos) << e.what();

  std::string big = std::string(kHeader) + "vp,ended,,3,1\n";
  big += std::string(kMaxRecordBytes - big.size() + 1, '#');  // a long comment line
  e = record_error(big);
  EXPECT_EQ(e.file(), "past.csv");
  EXPECT_NE(e.message().find("a record may be at most 8 MiB and 100000 programmes"),
            std::string::npos)
      << e.what();
}

TEST(Record, RowsTheScenarioCannotProduceAreErrorsAtTheRow) {
  ScenarioError e = record_error(std::string(kHeader) + "vp,ended,,3,1\ncfo,ended,,3,1\n", true);
  EXPECT_EQ(e.line(), 3);
  EXPECT_EQ(e.column(), 1);
  EXPECT_EQ(e.key(), "sponsor_level");
  e = record_error(std::string(kHeader) + "vp,ended,,3,3\n", true);
  EXPECT_EQ(e.key(), "phases_delivered");
  e = record_error(std::string(kHeader) + "vp,completed,,3,1\n", true);
  EXPECT_EQ(e.key(), "phases_delivered");
  e = record_error(std::string(kHeader) + "vp,ended,,37,1\n", true);
  EXPECT_EQ(e.key(), "month");
  EXPECT_NE(e.message().find("horizon"), std::string::npos);
}

// A record drawn from the scenario itself, censored at random ages as a real one is.
std::string synthetic_record(const Scenario& s, int n, std::uint64_t seed) {
  std::ostringstream out;
  out << kHeader;
  for (int i = 0; i < n; ++i) {
    const ReplicationRecord r = simulate_replication(s, seed, static_cast<std::uint64_t>(i));
    const double age = s.horizon * ((i * 7919) % 1000 + 0.5) / 1000.0;
    const std::string level = (i % 3 == 0) ? "" : s.levels[r.initial_level].name;
    if (r.outcome == Outcome::NotStarted) {
      out << level << ",not_started,,,0\n";
    } else if (r.outcome == Outcome::Running || r.end_time > age) {
      out << level << ",running,," << age << ",\n";
    } else if (r.outcome == Outcome::Completed) {
      out << level << ",completed,," << r.end_time << "," << r.phases_delivered << "\n";
    } else {
      const std::string cause = (i % 4 == 0) ? "" : to_string(r.cause);
      const std::string phases = (i % 5 == 0) ? "" : std::to_string(r.phases_delivered);
      out << level << ",ended," << cause << "," << r.end_time << "," << phases << "\n";
    }
  }
  return out.str();
}

// The Markov scenario with a timed scoping (exponential, mean 2 months): proposals die
// while scoped and can be recorded as still scoping. The exact solver refuses a grace
// period after a scoped start, so patience runs from the start.
Scenario scoped_markov() {
  return markov().with_values(
      {{"scoping", "{dist: exponential, mean: 2}"}, {"patience.grace", "0"}});
}

// A record drawn from `s` with every kind of row the format has: proposals still scoping at
// their age, not_started rows with the month the proposal died (some blank), running rows
// with the phases delivered so far (some blank), and ended and completed rows.
std::string staged_record(const Scenario& s, int n, std::uint64_t seed) {
  std::ostringstream out;
  out << kHeader;
  ReplicationTimeline tl;
  for (int i = 0; i < n; ++i) {
    const ReplicationRecord r =
        simulate_replication(s, seed, static_cast<std::uint64_t>(i), nullptr, &tl);
    const double age = s.horizon * ((i * 7919) % 1000 + 0.5) / 1000.0;
    const std::string level = (i % 3 == 0) ? "" : s.levels[r.initial_level].name;
    const bool dead = r.outcome == Outcome::NotStarted && r.end_time <= age;
    if (tl.approved_at > age && !dead) {
      out << level << ",scoping,," << age << ",\n";
    } else if (dead) {
      out << level << ",not_started,," << (i % 2 ? std::to_string(r.end_time) : "") << ",0\n";
    } else if (r.outcome == Outcome::Running || r.end_time > age) {
      const auto so_far = std::upper_bound(tl.delivered_at.begin(), tl.delivered_at.end(), age) -
                          tl.delivered_at.begin();
      out << level << ",running,," << age << "," << (i % 4 == 0 ? "" : std::to_string(so_far))
          << "\n";
    } else if (r.outcome == Outcome::Completed) {
      out << level << ",completed,," << r.end_time << "," << r.phases_delivered << "\n";
    } else {
      out << level << ",ended," << to_string(r.cause) << "," << r.end_time << ","
          << r.phases_delivered << "\n";
    }
  }
  return out.str();
}

TEST(Record, DatesGiveMonthsFromTheProposal) {
  // Whole calendar months, then the days left over as a share of the month that follows.
  EXPECT_DOUBLE_EQ(months_between("2024-01-15", "2024-03-01"), 1.0 + 15.0 / 29.0);  // leap Feb
  EXPECT_DOUBLE_EQ(months_between("2023-01-15", "2023-03-01"), 1.0 + 14.0 / 28.0);
  EXPECT_DOUBLE_EQ(months_between("2024-01-31", "2024-02-29"), 1.0);  // month-end clamps
  EXPECT_DOUBLE_EQ(months_between("2023-01-31", "2023-03-31"), 2.0);
  EXPECT_DOUBLE_EQ(months_between("2022-06-10", "2024-06-10"), 24.0);
  EXPECT_DOUBLE_EQ(months_between("2024-03-10", "2024-03-10"), 0.0);
  EXPECT_DOUBLE_EQ(months_between("2024-03-10", "2024-03-20"), 10.0 / 31.0);
  EXPECT_THROW(months_between("2024-03-10", "2024-03-09"), std::invalid_argument);
  EXPECT_THROW(months_between("2024-02-30", "2024-03-09"), std::invalid_argument);

  const ProgrammeRecord r = parse_record(
      "outcome,cause,proposed_on,ended_on,month,phases_delivered,as_of\n"
      "completed,,2023-01-01,2024-05-01,,2,\n"
      "ended,patience,2023-01-01,2023-07-16,6,1,\n"  // 6.48 from the dates: 6 agrees
      "not_started,,2023-05-01,2023-06-01,,,\n"
      "not_started,,,,,,\n"
      "running,,2023-10-01,,,1,\n"            // aged by the record date below
      "running,,2023-10-01,,,1,2024-01-01\n"  // its own as_of
      "scoping,,2024-05-16,,,,\n"
      "ended,,,,7.25,1,\n",  // months alone, as before
      "past.csv", "2024-06-01");
  ASSERT_EQ(r.programmes.size(), 8u);
  EXPECT_DOUBLE_EQ(r.programmes[0].month, 16.0);
  EXPECT_EQ(r.programmes[0].month_from, RecordColumn::EndedOn);
  EXPECT_DOUBLE_EQ(r.programmes[1].month, 6.0 + 15.0 / 31.0);
  EXPECT_EQ(r.programmes[2].outcome, RecordOutcome::NotStarted);
  EXPECT_DOUBLE_EQ(r.programmes[2].month, 1.0);
  EXPECT_DOUBLE_EQ(r.programmes[3].month, -1.0);  // when it died: unknown
  EXPECT_DOUBLE_EQ(r.programmes[4].month, 8.0);
  EXPECT_EQ(r.programmes[4].phases, 1);
  EXPECT_DOUBLE_EQ(r.programmes[5].month, 3.0);
  EXPECT_EQ(r.programmes[6].outcome, RecordOutcome::Scoping);
  EXPECT_DOUBLE_EQ(r.programmes[6].month, 16.0 / 31.0);
  EXPECT_DOUBLE_EQ(r.programmes[7].month, 7.25);
  EXPECT_EQ(r.programmes[7].month_from, RecordColumn::Month);
}

TEST(Record, BadDatesNameLineColumnAndWhy) {
  const std::string header = "outcome,proposed_on,ended_on,month,phases_delivered,as_of\n";
  const auto bad = [&](const std::string& row, int column, const std::string& key,
                       const std::string& part, const std::string& as_of = "") {
    try {
      parse_record(header + row + "\n", "past.csv", as_of);
      ADD_FAILURE() << "accepted: " << row;
    } catch (const ScenarioError& e) {
      EXPECT_EQ(e.file(), "past.csv");
      EXPECT_EQ(e.line(), 2) << e.what();
      EXPECT_EQ(e.column(), column) << e.what();
      EXPECT_EQ(e.key(), key) << e.what();
      EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
    }
  };
  bad("ended,2024-02-30,2024-05-01,,1,", 7, "proposed_on", "not a date; expected YYYY-MM-DD");
  bad("ended,2024-01-01,1/5/2024,,1,", 18, "ended_on", "not a date");
  bad("ended,2024-03-01,2024-02-01,,1,", 18, "ended_on", "is before proposed_on");
  bad("ended,,2024-02-01,,1,", 8, "ended_on", "needs proposed_on");
  bad("running,2024-01-01,2024-02-01,,1,", 20, "ended_on", "has not ended");
  bad("running,2024-01-01,,,1,", 9, "proposed_on", "needs the date the record was taken");
  bad("ended,2024-01-01,2024-04-01,5,1,", 29, "month", "disagrees with the dates");
  bad("running,2024-01-01,,2,1,", 21, "month", "is 5.00 months", "2024-06-01");
  bad("ended,2024-01-01,2024-07-01,,1,2024-06-01", 18, "ended_on", "after as_of 2024-06-01");
  bad("running,2024-07-01,,,1,", 9, "proposed_on", "after as_of 2024-06-01", "2024-06-01");
  bad("running,2024-07-01,,,1,2024-06-01", 24, "as_of", "a proposal made after it was taken");
  bad("scoping,2024-01-01,,,1,", 22, "phases_delivered", "has delivered no phases", "2024-06-01");
  bad("completed,,,,2,", 13, "month", "or the dates proposed_on and ended_on");
  try {
    parse_record(header + "ended,,,3,1,\n", "past.csv", "June 2024");
    ADD_FAILURE() << "a bad record date was accepted";
  } catch (const ScenarioError& e) {
    EXPECT_EQ(e.key(), "as_of");
  }
  const ScenarioError e = record_error("outcome,cause\nended,\n");
  EXPECT_EQ(e.key(), "month");
  EXPECT_NE(e.message().find("no 'proposed_on' column"), std::string::npos) << e.what();
}

TEST(Record, DeathMonthsScopingAndRunningPhasesTheScenarioCannotProduceAreRefused) {
  // markov.yaml has no scoping (a fixed 0): a proposal is decided at once, so it cannot
  // die later or be still scoping; a running programme with both phases has completed.
  const auto refused = [](const std::string& row, const std::string& key, const std::string& part) {
    try {
      RecordLikelihood(markov(), parse_record(std::string(kHeader) + row + "\n", "past.csv"));
      ADD_FAILURE() << "accepted: " << row;
    } catch (const ScenarioError& e) {
      EXPECT_EQ(e.line(), 2) << e.what();
      EXPECT_EQ(e.key(), key) << e.what();
      EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
    }
  };
  refused("vp,not_started,,3,0", "month", "so none dies at month 3");
  refused("vp,scoping,,3,", "outcome", "no proposal is still scoping at month 3");
  refused("vp,running,,3,2", "phases_delivered", "delivering the last phase completes it");
  EXPECT_NO_THROW(RecordLikelihood(
      markov(), parse_record(std::string(kHeader) + "vp,not_started,,0,0\nvp,running,,3,1\n")));
  LikelihoodOptions fitted;
  fitted.fitted = {"scoping"};
  EXPECT_NO_THROW(RecordLikelihood(
      markov(), parse_record(std::string(kHeader) + "vp,not_started,,3,0\nvp,scoping,,3,\n"),
      fitted));
  EXPECT_NO_THROW(RecordLikelihood(
      scoped_markov(),
      parse_record(std::string(kHeader) + "vp,not_started,,3,0\nvp,scoping,,3,\n")));
}

TEST(Likelihood, StillScopingHasItsClosedForm) {
  // Scoping S ~ Exp(mean 2) and the sponsor's tenure ~ Exp(mean 20) run together; the
  // proposal is still being scoped at a when neither has ended: exp(-a (1/2 + 1/20)).
  const Scenario s = scoped_markov();
  const ProgrammeRecord record =
      parse_record(std::string(kHeader) + "vp,scoping,,0.5,\nvp,scoping,,2,\n,scoping,,3.5,\n");
  LikelihoodOptions o;
  o.replications = scaled(32768);
  const RecordLikelihood lik(s, record, o);
  const LikelihoodEstimate ex = lik.exact(s), sim = lik.simulated(s);
  const double ages[] = {0.5, 2.0, 3.5};
  for (std::size_t i = 0; i < 3; ++i) {
    const double closed = std::exp(-ages[i] * (1.0 / 2.0 + 1.0 / 20.0));
    EXPECT_NEAR(ex.probability[i], closed, 1e-9) << ages[i];
    EXPECT_NEAR(sim.probability[i], closed, 4.5 * sim.probability_se[i] + 1.0 / o.replications)
        << ages[i];
  }
}

TEST(Likelihood, DeathMonthsScopingAndPhasesSoFarAgreeWithExact) {
  const Scenario s = scoped_markov();
  const ProgrammeRecord record = parse_record(staged_record(s, 200, 17));
  int scoping = 0, dated_deaths = 0, phased = 0;
  for (const ObservedProgramme& p : record.programmes) {
    scoping += p.outcome == RecordOutcome::Scoping;
    dated_deaths += p.outcome == RecordOutcome::NotStarted && p.month >= 0;
    phased += p.outcome == RecordOutcome::Running && p.phases >= 0;
  }
  ASSERT_GT(scoping, 3);
  ASSERT_GT(dated_deaths, 3);
  ASSERT_GT(phased, 10);
  LikelihoodOptions o;
  o.replications = scaled(65536);
  o.threads = 2;
  const RecordLikelihood lik(s, record, o);
  for (const Scenario& at : {s, s.with_values({{"scoping", "{dist: exponential, mean: 4}"},
                                               {"succession.adoption", "0.2"}})}) {
    const LikelihoodEstimate sim = lik.simulated(at), ex = lik.exact(at);
    for (std::size_t i = 0; i < sim.probability.size(); ++i)
      EXPECT_NEAR(sim.probability[i], ex.probability[i],
                  4.5 * sim.probability_se[i] + 1.0 / o.replications)
          << "row " << record.programmes[i].line;
    EXPECT_NEAR(sim.log_likelihood, ex.log_likelihood, 4.5 * sim.standard_error + 0.05);
  }
  // The phases so far are information: running at an age with k phases is less likely than
  // running at it at all, and the shares by k sum to running.
  const ProgrammeRecord split =
      parse_record(std::string(kHeader) + "vp,running,,8,\nvp,running,,8,0\nvp,running,,8,1\n");
  const LikelihoodEstimate e = RecordLikelihood(s, split, o).exact(s);
  EXPECT_GT(e.probability[1], 0.01);
  EXPECT_GT(e.probability[2], 0.01);
  EXPECT_NEAR(e.probability[1] + e.probability[2], e.probability[0], 1e-12);
}

TEST(Likelihood, SimulatedAgreesWithExactOnMarkovScenario) {
  const Scenario s = markov();
  const ProgrammeRecord record = parse_record(synthetic_record(s, 150, 99));
  LikelihoodOptions o;
  o.replications = scaled(65536);
  o.threads = 2;
  const RecordLikelihood lik(s, record, o);
  // Two parameter values, so agreement is not a property of one point only.
  for (const Scenario& at :
       {s, s.with_values({{"patience.rate", "0.05"}, {"succession.adoption", "0.2"}})}) {
    const LikelihoodEstimate sim = lik.simulated(at);
    const LikelihoodEstimate ex = lik.exact(at);
    ASSERT_EQ(sim.probability.size(), record.programmes.size());
    for (std::size_t i = 0; i < sim.probability.size(); ++i) {
      // 4.5 standard errors, plus the smoothing's half count.
      EXPECT_NEAR(sim.probability[i], ex.probability[i],
                  4.5 * sim.probability_se[i] + 1.0 / o.replications)
          << "row " << record.programmes[i].line;
    }
    EXPECT_GT(sim.standard_error, 0.0);
    EXPECT_NEAR(sim.log_likelihood, ex.log_likelihood, 4.5 * sim.standard_error + 0.05);
  }
}

TEST(Likelihood, ApprovalOnlyRecordGivesTheBinomialLikelihood) {
  // Started programmes observed at age 0 are running for certain, so the record's
  // likelihood is a^k (1 - a)^(n - k) in the approval a.
  std::string text = kHeader;
  for (int i = 0; i < 12; ++i) text += "vp,running,,0,\n";
  for (int i = 0; i < 8; ++i) text += "vp,not_started,,,\n";
  const ProgrammeRecord record = parse_record(text);
  LikelihoodOptions o;
  o.replications = scaled(32768);
  const RecordLikelihood lik(markov(), record, o);
  EXPECT_EQ(lik.patterns(), 2u);
  for (double a : {0.3, 0.6, 0.9}) {
    const Scenario s = markov().with_values({{"sponsor_levels.vp.approval", std::to_string(a)}});
    const double closed = 12 * std::log(a) + 8 * std::log(1 - a);
    EXPECT_NEAR(lik.exact(s).log_likelihood, closed, 1e-9);
    const LikelihoodEstimate sim = lik.simulated(s);
    EXPECT_NEAR(sim.log_likelihood, closed, 4.5 * sim.standard_error + 1e-3) << a;
  }
}

TEST(Likelihood, CommonRandomNumbersAcrossValuesAndThreads) {
  const Scenario s = markov();
  const ProgrammeRecord record = parse_record(synthetic_record(s, 60, 5));
  LikelihoodOptions one, two;
  one.replications = two.replications = 8192;
  one.threads = 1;
  two.threads = 2;
  const RecordLikelihood a(s, record, one), b(s, record, two);
  EXPECT_EQ(a.simulated(s).log_likelihood, b.simulated(s).log_likelihood);
  // A small step in a parameter moves the estimate by a small amount: the same
  // replications are re-run, not fresh ones (fresh ones would move it by ~its error).
  const LikelihoodEstimate base = a.simulated(s);
  const LikelihoodEstimate near = a.simulated(s.with_values({{"patience.rate", "0.0201"}}));
  EXPECT_LT(std::abs(near.log_likelihood - base.log_likelihood), 0.2 * base.standard_error);
  LikelihoodOptions other = one;
  other.seed = 2;
  EXPECT_NE(RecordLikelihood(s, record, other).simulated(s).log_likelihood, base.log_likelihood);
}

TEST(Likelihood, PointsSideBySideAreEachPointsOwnLikelihood) {
  // log_likelihoods() runs several points' with_values and chunks on the threads together;
  // each point's value must be bitwise the one simulated() (exact()) gives alone, at any
  // thread count, and a point the scenario refuses gets -infinity without spoiling the rest.
  // 5,000 replications: the last chunk is a partial one.
  const Scenario s = markov();
  const ProgrammeRecord record = parse_record(synthetic_record(s, 60, 5));
  const std::vector<RecordLikelihood::PointValues> points = {
      {{"patience.rate", "0.02"}, {"succession.adoption", "0.5"}},
      {{"patience.rate", "0.05"}, {"succession.adoption", "0.2"}},
      {{"patience.rate", "0.01"}, {"succession.adoption", "1.5"}},  // a probability above 1
      {{"patience.rate", "0.03"}, {"succession.adoption", "0.9"}},
      {{"patience.rate", "0.002"}, {"succession.adoption", "0.35"}}};
  std::vector<double> one_thread;
  for (int threads : {1, 2, 3}) {
    LikelihoodOptions o;
    o.replications = 5000;
    o.threads = threads;
    const RecordLikelihood lik(s, record, o);
    const std::vector<double> sim = lik.log_likelihoods(s, points);
    const std::vector<double> ex = lik.log_likelihoods(s, points, RecordLikelihood::Method::Exact);
    ASSERT_EQ(sim.size(), points.size());
    ASSERT_EQ(ex.size(), points.size());
    for (std::size_t i = 0; i < points.size(); ++i) {
      if (i == 2) {
        EXPECT_THROW(s.with_values(points[i]), ScenarioError);
        EXPECT_EQ(sim[i], -std::numeric_limits<double>::infinity());
        EXPECT_EQ(ex[i], -std::numeric_limits<double>::infinity());
        continue;
      }
      const Scenario at = s.with_values(points[i]);
      EXPECT_EQ(sim[i], lik.simulated(at).log_likelihood) << "point " << i << ", " << threads;
      EXPECT_EQ(ex[i], lik.exact(at).log_likelihood) << "point " << i << ", " << threads;
      EXPECT_TRUE(std::isfinite(sim[i]));
    }
    // The points differ (a test that compared one point with itself would pass anyway).
    EXPECT_NE(sim[0], sim[1]);
    if (threads == 1) one_thread = sim;
    EXPECT_EQ(sim, one_thread) << threads << " threads";
    EXPECT_TRUE(lik.log_likelihoods(s, {}).empty());
  }
  // Refused values are -infinity; any other error is the caller's.
  LikelihoodOptions o;
  o.replications = 2048;
  const RecordLikelihood lik(s, record, o);
  EXPECT_THROW(lik.log_likelihoods(s, {{{"horizon", "48"}}}), std::invalid_argument);
}

TEST(Likelihood, RunningAtTheHorizonIsStillRunning) {
  // markov.yaml's horizon is 36 months: a programme observed running at 36 has not ended
  // by then, which the replications still running at the horizon are. A slow last phase
  // makes that common.
  const Scenario slow =
      markov().with_values({{"phases.1.steps.0.work", "{dist: exponential, mean: 40}"}});
  const ProgrammeRecord record = parse_record(std::string(kHeader) + "vp,running,,36,\n");
  LikelihoodOptions o;
  o.replications = scaled(16384);
  const RecordLikelihood lik(slow, record, o);
  const LikelihoodEstimate sim = lik.simulated(slow), ex = lik.exact(slow);
  EXPECT_GT(ex.probability[0], 0.02);
  EXPECT_NEAR(sim.probability[0], ex.probability[0], 4.5 * sim.probability_se[0] + 1e-4);
}

// The exact likelihood walks each chain once through the bin edges and censoring ages, by
// uniformization, where it solved every time from zero (dense exponentials). The occupancy
// at every time agrees to 1e-12 with the single-time solve, under either method, across the
// grace period (markov: the patience hazard starts at 6) and with timed scoping.
TEST(Likelihood, ExactOneWalkMatchesSolvingEachTimeFromZero) {
  const std::vector<double> times = {0.0,   0.5,  2.9,  3.0,  5.999, 6.0,
                                     6.001, 7.25, 12.0, 20.5, 35.9,  36.0};
  ExactOptions uniformization;
  uniformization.method = ExactOptions::Method::Uniformization;
  for (const Scenario& s : {markov(), scoped_markov()}) {
    const ExactModel dense(s);  // Auto: dense for a chain this small
    ASSERT_EQ(dense.info().method, "dense");
    const ExactModel sparse(s, uniformization);
    for (const ExactModel* walked : {&dense, &sparse}) {
      std::vector<double> scoping;
      const std::vector<std::vector<double>> at = walked->phases_by_category(times, &scoping);
      ASSERT_EQ(at.size(), times.size());
      for (std::size_t i = 0; i < times.size(); ++i) {
        double alone_scoping = -1;
        const std::vector<double> alone = dense.phases_by_category(times[i], &alone_scoping);
        ASSERT_EQ(at[i].size(), alone.size());
        for (std::size_t j = 0; j < alone.size(); ++j)
          EXPECT_NEAR(at[i][j], alone[j], 1e-12)
              << s.name << " " << walked->info().method << " t=" << times[i] << " j=" << j;
        EXPECT_NEAR(scoping[i], alone_scoping, 1e-12) << s.name << " t=" << times[i];
      }
    }
    std::vector<double> scoping;
    EXPECT_THROW(dense.phases_by_category(std::vector<double>{3.0, 1.0}, &scoping),
                 std::invalid_argument);
  }
}

TEST(Likelihood, NeverZeroForAnObservationNoReplicationReproduced) {
  // A completion in the first bin is (nearly) impossible with the Markov scenario's
  // durations; the smoothed estimate is small but finite.
  const ProgrammeRecord record = parse_record(std::string(kHeader) + "vp,completed,,0.01,2\n");
  LikelihoodOptions o;
  o.replications = 2048;
  o.bin_months = 0.05;
  const LikelihoodEstimate e = RecordLikelihood(markov(), record, o).simulated(markov());
  EXPECT_TRUE(std::isfinite(e.log_likelihood));
  EXPECT_GT(e.probability[0], 0.0);
  EXPECT_LE(e.probability[0], 1.0 / o.replications);
}

TEST(Likelihood, ScenarioOfAnotherShapeIsRejected) {
  const ProgrammeRecord record = parse_record(std::string(kHeader) + "vp,ended,,3,1\n");
  const RecordLikelihood lik(markov(), record);
  EXPECT_THROW(lik.simulated(markov().with_values({{"horizon", "48"}})), std::invalid_argument);
}

}  // namespace
}  // namespace progsurv
