// Goals and targets of the searches (remedies, seek): names, per-replication values, the
// completion-quantile reading and bad input.
#include "progsurv/analysis/goal.hpp"

#include <gtest/gtest.h>

#include "progsurv/scenario/error.hpp"
#include "scenario_builder.hpp"

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
  fails_with("finished>=0.25", "unknown goal 'finished'");
  fails_with("completed>=lots", "is not a finite number");
  fails_with("completed>=nan", "is not a finite number");
  fails_with("completed>=1.5", "its bound must be in [0, 1]");
  fails_with("mean_value>=40%", "is not a share");
  fails_with("completion_p150<=40", "must be in (0, 1)");
  fails_with("p_completed_by_x>=0.1", "expected months >= 0");
  fails_with("p_ended_by_sponsor_24>=0.1", "p_ended_by_<cause|any>_<months>");
}

TEST(Goal, CheckRefusesTimesBeyondTheHorizon) {
  Scenario s = progsurv::testing::simple_scenario(1, 1);
  s.horizon = 60;
  EXPECT_NO_THROW(Goal::parse("p_completed_by_60").check(s));
  EXPECT_THROW(Goal::parse("p_completed_by_61").check(s), UsageError);
}
