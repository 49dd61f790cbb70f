#pragma once
// What a search aims at (`progsurv remedies`, `progsurv seek`): a Goal is a statistic that
// is the mean over proposed programmes of one number per replication (1 if completed, the
// value banked, the months spent waiting for resources, ...), so that replication r of two
// variants run with the same seed gives a paired difference (common random numbers). A
// Target is a Goal with a bound, read from text such as "completed>=0.25".
//
// Names (docs/remedies.md lists them for users; they match the sweep metrics' columns):
//   p_completed, p_ended, p_not_started, p_running    share of proposed programmes
//   p_<cause>                                          ended by a cause by the horizon
//   p_completed_by_<t>                                 completed within t months
//   p_ended_by_<cause|any>_<t>                         ended (by a cause) within t months
//   mean_value                                         value banked per proposed programme
//   months_<bucket>                                    months per proposed programme in a time
//                                                      bucket (scoping, vacant, resources, ...)
// "p_" and "mean_" may be left out ("completed", "value"). A target bound may be written as a
// percentage ("completed>=25%"). Targets may also bound a completion quantile,
// "completion_p50<=48" (or completion_quantile_0.5<=48): the unconditional q-quantile of the
// completion time is at most t exactly when P(completed by t) >= q, so it is read as the
// target "p_completed_by_48>=0.5" (and ">=" as "<=": at least t when P(completed by t) <= q).
#include <string>
#include <vector>

#include "progsurv/engine/outcome.hpp"
#include "progsurv/engine/replication.hpp"
#include "progsurv/scenario/scenario.hpp"

namespace progsurv {

// Which way is better, when the statistic has a natural one.
enum class Direction { Higher, Lower, None };

struct Goal {
  enum class Kind { Outcome, Cause, CompletedBy, EndedBy, Value, Months };
  Kind kind = Kind::Outcome;
  Outcome outcome = Outcome::Completed;    // Kind::Outcome
  Cause cause = Cause::None;               // Kind::Cause; Kind::EndedBy (None = any cause)
  double t = 0.0;                          // months: CompletedBy, EndedBy
  TimeBucket bucket = TimeBucket::Vacant;  // Kind::Months
  std::string name;                        // canonical: "p_completed_by_36"
  std::string description;                 // for people: "P(completed within 36 months)"

  // The per-replication number whose mean over replications is the statistic.
  double value(const ReplicationRecord& r) const;
  // Higher for completion and value; Lower for causes, endings, not starting and months;
  // None for p_running (a search must then be told which way).
  Direction natural_direction() const;
  // True for shares (shown as percentages), false for value and months.
  bool is_probability() const { return kind != Kind::Value && kind != Kind::Months; }
  // Throws UsageError when the goal cannot be measured on `scenario` (t beyond its horizon).
  void check(const Scenario& scenario) const;

  // Reads a name as listed above; UsageError naming the text and listing the names.
  static Goal parse(const std::string& text);
  // Every plain name and the patterns with an argument, for messages and --help.
  static std::vector<std::string> names();
};

struct Target {
  Goal goal;
  bool at_least = true;  // ">=" (">" reads the same); false: "<=" ("<")
  double bound = 0.0;
  std::string text;  // as the user wrote it

  bool met_by(double statistic) const { return at_least ? statistic >= bound : statistic <= bound; }
  // "completed >= 25%", "mean_value >= 0.4": canonical, for tables and files.
  std::string describe() const;

  // "completed>=0.25", "p_sponsor_exit <= 10%", "completion_p50<=48". UsageError naming the
  // text: no operator, an unknown name, a bound that is not a finite number, a share bound
  // outside [0, 1], a quantile outside (0, 1).
  static Target parse(const std::string& text);
};

}  // namespace progsurv
