#pragma once
// What a search aims at (`progsurv remedies`, `progsurv seek`): a Goal is a statistic that
// is the mean over proposed programmes of one number per replication (1 if completed, the
// value banked, the months spent waiting for resources, ...), so that replication r of two
// variants run with the same seed gives a paired difference (common random numbers). A
// Target is a Goal with a bound, read from text such as "completed>=0.25".
//
// On a scenario (one replication = one proposed programme) the goals are the scenario
// statistics that are means per replication, by the names a scenario sweep's metrics have
// (ScenarioStatistic; docs/remedies.md lists them for users):
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
// The sweep's other statistics (a completion quantile, cause shares among ended programmes,
// means over started programmes) are refused as goals, saying why.
//
// On a portfolio (one replication = one organisation over the horizon) the goals are the
// portfolio sweep's metrics, by the same names (PortfolioStatistic, docs/sweep-format.md):
// mean_<launched|completed|ended|not_started|running|total_value> and mean_ended_by_<cause> per
// organisation, mean_cynicism and mean_trust at the horizon (mean_cynicism_at_<t>,
// mean_trust_at_<t>), rank_<completed|ended|not_started|running>_<k> and
// rank_ended_by_<cause>_<k> (of the k-th programme launched, among organisations that launched
// one), rank_reached_<k> and orphaned_per_exit. "mean_" may be left out. The last two kinds of
// share are ratios, so a search observes them as ratios of batch sums (Goal::ratio()).
#include <string>
#include <utility>
#include <vector>

#include "progsurv/analysis/portfolio_statistic.hpp"
#include "progsurv/analysis/scenario_statistic.hpp"
#include "progsurv/engine/outcome.hpp"
#include "progsurv/engine/replication.hpp"
#include "progsurv/portfolio/organisation.hpp"
#include "progsurv/portfolio/portfolio.hpp"
#include "progsurv/scenario/scenario.hpp"

namespace progsurv {

// Which way is better, when the statistic has a natural one.
enum class Direction { Higher, Lower, None };

struct Goal {
  bool portfolio = false;        // a goal of a portfolio (`statistic`), else of a scenario
  ScenarioStatistic scenario;    // of a scenario: a per_replication() one
  PortfolioStatistic statistic;  // of a portfolio
  std::string name;              // canonical: "p_completed_by_36"
  std::string description;       // for people: "P(completed within 36 months)"

  // The per-replication number whose mean over replications is the statistic.
  double value(const ReplicationRecord& r) const;
  // Of a portfolio goal: one organisation's numerator and denominator; the statistic is
  // sum(numerators) / sum(denominators) over organisations (the denominator is 1 unless
  // ratio()). `p` is the portfolio the organisation ran (its grid and horizon).
  std::pair<double, double> value(const OrganisationRecord& r, const Portfolio& p) const;
  // True for the shares among organisations that launched a k-th programme and for
  // orphaned_per_exit, whose denominators vary by organisation.
  bool ratio() const { return portfolio && statistic.ratio(); }
  // Makes sure p's grid holds the time a LevelAt goal reads (the grid only says when the
  // record is sampled: no draw changes).
  void prepare(Portfolio& p) const;
  // Higher for completion and value; Lower for causes, endings, not starting and months;
  // None for p_running (a search must then be told which way).
  Direction natural_direction() const;
  // True for shares (shown as percentages), false for value and months.
  bool is_probability() const { return portfolio ? statistic.is_share() : scenario.is_share(); }
  // Throws UsageError when the goal cannot be measured on `scenario` (t beyond its horizon)
  // or on `portfolio` (t beyond its horizon, a k-th programme it never launches), or is a
  // goal of the other kind of input.
  void check(const Scenario& scenario) const;
  void check(const Portfolio& portfolio) const;

  // Reads a name as listed above (of a portfolio's when `portfolio`); UsageError naming the
  // text and listing the names.
  static Goal parse(const std::string& text, bool portfolio = false);
  // Every plain name and the patterns with an argument, for messages and --help.
  static std::vector<std::string> names(bool portfolio = false);
};

struct Target {
  Goal goal;
  bool at_least = true;  // ">="; false: "<=" (strict > and < are refused)
  double bound = 0.0;
  std::string text;  // as the user wrote it

  bool met_by(double statistic) const { return at_least ? statistic >= bound : statistic <= bound; }
  // "completed >= 25%", "mean_value >= 0.4": canonical, for tables and files.
  std::string describe() const;

  // "completed>=0.25", "p_sponsor_exit <= 10%", "completion_p50<=48". UsageError naming the
  // text: no operator, `=` or a strict `>` or `<`, an unknown name, a bound that is not a
  // finite number, a share bound outside [0, 1], a quantile outside (0, 1).
  // A portfolio's goals when `portfolio` (no completion quantile there).
  static Target parse(const std::string& text, bool portfolio = false);
  // A target as a seek or remedies file keeps it (as the user wrote it). Files written before
  // strict comparisons were refused may hold a strict > or <, which their run read as >= or
  // <=: it is read so again.
  static Target parse_stored(const std::string& text, bool portfolio = false);
};

}  // namespace progsurv
