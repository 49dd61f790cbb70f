// Goals and targets of the searches (remedies, seek): names, per-replication values, the
// completion-quantile reading and bad input.
#include "progsurv/analysis/goal.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "command.hpp"
#include "progsurv/scenario/error.hpp"
#include "scenario_builder.hpp"
#include "temp_folder.hpp"

using namespace progsurv;

namespace {

ReplicationRecord ended(Cause c, double t) {
  ReplicationRecord r;
  r.outcome = Outcome::Ended;
  r.cause = c;
  r.end_time = t;
  return r;
}

ReplicationRecord completed(double t, double value) {
  ReplicationRecord r;
  r.outcome = Outcome::Completed;
  r.end_time = t;
  r.value = value;
  return r;
}

}  // namespace

TEST(Goal, NamesAndAliasesReadTheSameStatistic) {
  EXPECT_EQ(Goal::parse("completed").name, "p_completed");
  EXPECT_EQ(Goal::parse("p_completed").name, "p_completed");
  EXPECT_EQ(Goal::parse("value").name, "mean_value");
  EXPECT_EQ(Goal::parse(" mean_value ").name, "mean_value");
  EXPECT_EQ(Goal::parse("sponsor_exit").name, "p_sponsor_exit");
  EXPECT_EQ(Goal::parse("p_completed_by_36").name, "p_completed_by_36");
  EXPECT_EQ(Goal::parse("p_ended_by_any_24").name, "p_ended_by_any_24");
  EXPECT_EQ(Goal::parse("ended_by_patience_12.5").name, "p_ended_by_patience_12.5");
  EXPECT_EQ(Goal::parse("months_resources").name, "months_resources");
}

TEST(Goal, PerReplicationValues) {
  const ReplicationRecord c = completed(30, 0.75);
  const ReplicationRecord e = ended(Cause::Patience, 20);
  EXPECT_EQ(Goal::parse("completed").value(c), 1.0);
  EXPECT_EQ(Goal::parse("completed").value(e), 0.0);
  EXPECT_EQ(Goal::parse("ended").value(e), 1.0);
  EXPECT_EQ(Goal::parse("patience").value(e), 1.0);
  EXPECT_EQ(Goal::parse("sponsor_exit").value(e), 0.0);
  EXPECT_EQ(Goal::parse("p_completed_by_30").value(c), 1.0);
  EXPECT_EQ(Goal::parse("p_completed_by_29.9").value(c), 0.0);
  EXPECT_EQ(Goal::parse("p_ended_by_any_20").value(e), 1.0);
  EXPECT_EQ(Goal::parse("p_ended_by_patience_19").value(e), 0.0);
  EXPECT_EQ(Goal::parse("p_ended_by_budget_cut_40").value(e), 0.0);
  EXPECT_EQ(Goal::parse("mean_value").value(c), 0.75);
  ReplicationRecord w = e;
  w.time[static_cast<std::size_t>(TimeBucket::Resources)] = 4.5;
  EXPECT_EQ(Goal::parse("months_resources").value(w), 4.5);
}

TEST(Goal, NaturalDirections) {
  EXPECT_EQ(Goal::parse("completed").natural_direction(), Direction::Higher);
  EXPECT_EQ(Goal::parse("value").natural_direction(), Direction::Higher);
  EXPECT_EQ(Goal::parse("sponsor_exit").natural_direction(), Direction::Lower);
  EXPECT_EQ(Goal::parse("not_started").natural_direction(), Direction::Lower);
  EXPECT_EQ(Goal::parse("months_vacant").natural_direction(), Direction::Lower);
  EXPECT_EQ(Goal::parse("running").natural_direction(), Direction::None);
}

TEST(Target, ReadsBoundsAndPercentages) {
  const Target t = Target::parse("completed>=0.25");
  EXPECT_EQ(t.goal.name, "p_completed");
  EXPECT_TRUE(t.at_least);
  EXPECT_DOUBLE_EQ(t.bound, 0.25);
  EXPECT_EQ(t.describe(), "p_completed >= 25%");
  EXPECT_EQ(Target::parse("completed>=0.14").describe(), "p_completed >= 14%");
  const Target p = Target::parse("p_sponsor_exit <= 10%");
  EXPECT_FALSE(p.at_least);
  EXPECT_DOUBLE_EQ(p.bound, 0.10);
  EXPECT_TRUE(p.met_by(0.09));
  EXPECT_FALSE(p.met_by(0.11));
  EXPECT_EQ(Target::parse("mean_value>=0.4").describe(), "mean_value >= 0.4");
}

TEST(Target, CompletionQuantileBecomesAShareCompletedBy) {
  // The median completion time is at most 48 months exactly when half complete within 48.
  const Target t = Target::parse("completion_p50<=48");
  EXPECT_EQ(t.goal.name, "p_completed_by_48");
  EXPECT_TRUE(t.at_least);
  EXPECT_DOUBLE_EQ(t.bound, 0.5);
  const Target q = Target::parse("completion_quantile_0.2>=30");
  EXPECT_EQ(q.goal.name, "p_completed_by_30");
  EXPECT_FALSE(q.at_least);
  EXPECT_DOUBLE_EQ(q.bound, 0.2);
}

TEST(Target, BadInputIsNamed) {
  const auto fails_with = [](const std::string& text, const std::string& part) {
    try {
      Target::parse(text);
      ADD_FAILURE() << text << " was accepted";
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
    }
  };
  fails_with("completed", "expected <goal> >= <bound>");
  fails_with("completed=0.25", "expected >= or <=");
  // Strict comparisons are refused, not read as >= and <=; the message gives the fix.
  fails_with("completed>0.14", "expected >= or <=, not a strict >");
  fails_with("completed > 0.14", "e.g. completed>=0.14");
  fails_with("p_sponsor_exit<10%", "e.g. p_sponsor_exit<=10%");
  fails_with("completion_p50<48", "not a strict <");
  fails_with("mean_completed>3", "not a strict >");
  // Where adding "=" would not give a target, the message gives the example instead.
  fails_with("completed>>0.14", "e.g. completed>=0.25");
  fails_with("completed>0.14x", "e.g. completed>=0.25");
  fails_with("finished>=0.25", "unknown goal 'finished'");
  fails_with("completed>=lots", "is not a finite number");
  fails_with("completed>=nan", "is not a finite number");
  fails_with("completed>=1.5", "its bound must be in [0, 1]");
  fails_with("mean_value>=40%", "is not a share");
  fails_with("completion_p150<=40", "must be in (0, 1)");
  fails_with("p_completed_by_x>=0.1", "expected months >= 0");
  fails_with("p_ended_by_sponsor_24>=0.1", "p_ended_by_<cause|any>_<months>");
}

// A file written before strict comparisons were refused keeps the target as typed; its run
// read > as >=, and so does the file's reader (the text stays as the file holds it).
TEST(Target, StoredStrictComparisonReadsAsItsRunDid) {
  const Target t = Target::parse_stored("completed>0.14");
  EXPECT_EQ(t.goal.name, Target::parse("completed>=0.14").goal.name);
  EXPECT_TRUE(t.at_least);
  EXPECT_DOUBLE_EQ(t.bound, 0.14);
  EXPECT_EQ(t.text, "completed>0.14");
  const Target q = Target::parse_stored("completion_p50<48");
  EXPECT_EQ(q.goal.name, "p_completed_by_48");
  EXPECT_TRUE(q.at_least);
  EXPECT_DOUBLE_EQ(Target::parse_stored("completed>=0.2").bound, 0.2);
  EXPECT_THROW(Target::parse_stored("completed=0.2"), UsageError);
}

class TargetCli : public progsurv_test::TempFolderTest {};

// Both commands that take --target read it with Target::parse: exit 2, nothing written.
TEST_F(TargetCli, StrictComparisonsAreRefusedByEveryCommand) {
  const std::string data = std::string(PROGSURV_SOURCE_DIR) + "/tests/data/remedies/";
  for (const std::string& command :
       {"seek " + baseline() + " --lever patience.grace --range 0:24",
        "remedies " + data + "closed-form.yaml " + data + "closed-form-remedies.yaml"}) {
    const progsurv_test::Output r = progsurv_test::progsurv(
        command + " --target 'completed>0.14' -n 1000 -q -o " + path("o.h5"));
    EXPECT_EQ(r.status, 2) << command << "\n" << r.out;
    EXPECT_NE(r.out.find("progsurv: error: --target: target 'completed>0.14': expected >= or "
                         "<=, not a strict >"),
              std::string::npos)
        << command << "\n"
        << r.out;
    EXPECT_FALSE(std::filesystem::exists(path("o.h5"))) << command;
  }
}

TEST(Goal, CheckRefusesTimesBeyondTheHorizon) {
  Scenario s = progsurv::testing::simple_scenario(1, 1);
  s.horizon = 60;
  EXPECT_NO_THROW(Goal::parse("p_completed_by_60").check(s));
  EXPECT_THROW(Goal::parse("p_completed_by_61").check(s), UsageError);
}

// The sweep's statistics that are not means per replication are named as sweep metrics are,
// and refused as goals saying why (and what to use instead).
TEST(Goal, SweepOnlyStatisticsAreRefusedSayingWhy) {
  const auto fails_with = [](const std::string& text, const std::string& part) {
    try {
      Goal::parse(text);
      ADD_FAILURE() << text << " was accepted";
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
    }
  };
  fails_with("completion_quantile_0.5", "goal 'completion_quantile_0.5': a completion quantile");
  fails_with("completion_quantile_0.5", "completion_p50<=48");
  fails_with("cause_share_patience", "a share among ended programmes");
  fails_with("cause_share_patience", "p_patience (ended by patience, of proposed) is a goal");
  fails_with("mean_end_time", "a mean over started programmes");
  fails_with("mean_vacant", "months_vacant (per proposed programme) is a goal");
  // Arguments that are not one are named as before.
  fails_with("completion_quantile_1.5", "expected a level in (0, 1) after 'completion_quantile_'");
  fails_with("cause_share_patiense", "expected cause_share_<cause>");
  fails_with("p_completed_by_-3", "expected months >= 0 after 'p_completed_by_'");
  fails_with("completed_by_x", "expected months >= 0 after 'completed_by_'");
  fails_with("p_ended_by_any_x", "after 'p_ended_by_any_'");
  // "mean_" before a name that is no statistic is an unknown goal, listing the goals.
  fails_with("mean_launched", "unknown goal 'mean_launched': expected one of p_completed, ");
  fails_with("mean_launched", "months_escalating");
}

TEST(Goal, ScenarioNamesAreTheStatisticsNames) {
  for (const std::string text : {"p_not_started", "p_phase_gate", "p_completed_by_7.5",
                                 "p_ended_by_handoff_failure_12", "mean_value", "months_scoping"}) {
    ScenarioStatistic st;
    ASSERT_TRUE(ScenarioStatistic::parse(text, "goal", st)) << text;
    const Goal g = Goal::parse(text);
    EXPECT_EQ(g.name, text);
    EXPECT_EQ(g.name, st.name());
    EXPECT_EQ(g.description, st.description());
    EXPECT_FALSE(g.portfolio);
  }
  // The descriptions a search prints.
  EXPECT_EQ(Goal::parse("p_ended_by_any_24").description, "P(ended within 24 months), of proposed");
  EXPECT_EQ(Goal::parse("months_vacant").description, "mean months vacant per proposed programme");
  EXPECT_EQ(Goal::parse("sponsor_exit").description, "P(ended by sponsor_exit), of proposed");
}
