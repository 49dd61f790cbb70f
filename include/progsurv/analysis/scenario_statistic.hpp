#pragma once
// One statistic of a scenario run (one replication = one proposed programme) and the one
// grammar of its names: a scenario sweep's metrics (docs/sweep-format.md) and the goals of a
// search (`progsurv remedies`, `progsurv seek`; docs/remedies.md) are these statistics, named
// alike. A goal names one in text ("p_completed_by_36"); a sweep file gives the stem as a YAML
// key and the argument as its value ({p_completed_by: 36}), read by the sweep with file, line
// and column. Each side evaluates on its own data: a sweep on a Tally (with standard errors),
// a goal per replication record.
//
// Not every statistic is on both sides. A search's goal must be the mean over proposed
// programmes of one number per replication (per_replication()), so that two variants run with
// the same seed give paired differences: a completion quantile, a share among ended programmes
// and a mean over started programmes are not, and are sweep metrics only. months_<bucket> is
// read from replication records a sweep does not keep, and is a goal only (in_sweep()).
//
// One name is not unique: the sweep's {mean: value} (over started programmes) is named
// mean_value like the value banked per proposed programme, which that name parses as; sweep
// files already written keep it, so it stays.
#include <string>
#include <vector>

#include "progsurv/engine/outcome.hpp"
#include "progsurv/engine/tally.hpp"  // Quantity

namespace progsurv {

struct ScenarioStatistic {
  enum class Kind {
    Outcome,             // p_<outcome>: share of proposed programmes with that outcome
    Cause,               // p_<cause>: share ended by that cause by the horizon
    CompletedBy,         // p_completed_by_<t>: share completed within t months
    EndedBy,             // p_ended_by_<cause|any>_<t>: share ended (by a cause) within t months
    Value,               // mean_value: value banked per proposed programme
    Months,              // months_<bucket>: months in a time bucket per proposed programme
    CompletionQuantile,  // completion_quantile_<q>: the unconditional completion-time quantile
    CauseShare,          // cause_share_<cause>: share of a cause among ended programmes
    MeanStarted          // mean_<quantity>: mean of a quantity over started programmes
  };
  // What a name's stem takes after it: nothing, months t, a cause (or any) and t, a level q,
  // a cause, a quantity.
  enum class Arg { None, Months, CauseMonths, Level, Cause, Quantity };

  Kind kind = Kind::Outcome;
  Outcome outcome = Outcome::Completed;  // Outcome
  Cause cause = Cause::None;             // Cause, CauseShare; EndedBy (None = any cause)
  double t = 0.0;                        // CompletedBy, EndedBy: months
  double q = 0.5;                        // CompletionQuantile: the level, in (0, 1)
  TimeBucket bucket = TimeBucket::Vacant;
  Quantity quantity = Quantity::EndTime;  // MeanStarted

  // "p_completed", "p_patience", "p_completed_by", "months_vacant", "cause_share", "mean".
  std::string stem() const;
  Arg arg() const;
  // Canonical, the stem and its argument: "p_ended_by_any_24", "completion_quantile_0.5".
  std::string name() const;
  // For people: "P(completed within 36 months), of proposed".
  std::string description() const;
  // Shares (shown as percentages).
  bool is_share() const;
  // The mean over proposed programmes of one number per replication: a search's goal.
  bool per_replication() const {
    return kind != Kind::CompletionQuantile && kind != Kind::CauseShare &&
           kind != Kind::MeanStarted;
  }
  // Recorded by a sweep (from its tally).
  bool in_sweep() const { return kind != Kind::Months; }
  // Why a goal cannot be this statistic, or why a sweep cannot record it ("" when it can),
  // a sentence to follow the name.
  std::string not_a_goal() const;
  std::string not_in_sweep() const;
  // The time the run's grid must hold (CompletedBy, EndedBy), or a negative number.
  double grid_time() const { return kind == Kind::CompletedBy || kind == Kind::EndedBy ? t : -1.0; }

  // Every stem, once, in the order names are listed to users; the argument of a stem that
  // takes one is a placeholder, replaced by it.
  static const std::vector<ScenarioStatistic>& stems();
  // The stems' names with their argument's pattern ("p_completed_by_<months>"): of the goals
  // when `goals`, else of every statistic.
  static std::vector<std::string> names(bool goals);
  // Reads a name into `out`; false when `text` names no scenario statistic. A plain name may
  // leave out its "p_" or "mean_" ("completed", "value"), and either may stand for the other
  // ("mean_completed"). UsageError "<what> '<text>': ..." when it names a stem with an argument
  // that is not one (an unknown cause, months < 0, a level outside (0, 1)).
  static bool parse(const std::string& text, const std::string& what, ScenarioStatistic& out);
};

}  // namespace progsurv
