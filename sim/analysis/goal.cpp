// Goals and targets of the searches (remedies, seek): names, per-replication values, parsing.
#include "progsurv/analysis/goal.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "progsurv/scenario/error.hpp"
#include "scenario/distribution_yaml.hpp"  // format_double

#include <boost/algorithm/string/predicate.hpp>

namespace progsurv {

namespace {

using boost::algorithm::starts_with;

using yaml_detail::parse_finite;

using yaml_detail::format_double;

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

std::string known_names(bool portfolio) {
  std::string s;
  for (const std::string& n : Goal::names(portfolio)) s += (s.empty() ? "" : ", ") + n;
  return s;
}

[[noreturn]] void unknown(const std::string& text, bool portfolio) {
  throw UsageError("unknown " + std::string(portfolio ? "portfolio " : "") + "goal '" + text +
                   "': expected one of " + known_names(portfolio));
}

const char* percent_word(bool at_least) { return at_least ? " >= " : " <= "; }

}  // namespace

double Goal::value(const ReplicationRecord& r) const {
  using Kind = ScenarioStatistic::Kind;
  if (portfolio)  // a portfolio's goal is measured on organisations
    throw std::logic_error("goal: " + name + " is not a scenario goal");
  const ScenarioStatistic& s = scenario;
  switch (s.kind) {
    case Kind::Outcome:
      return r.outcome == s.outcome ? 1.0 : 0.0;
    case Kind::Cause:
      return r.outcome == Outcome::Ended && r.cause == s.cause ? 1.0 : 0.0;
    case Kind::CompletedBy:
      return r.outcome == Outcome::Completed && r.end_time <= s.t ? 1.0 : 0.0;
    case Kind::EndedBy:
      return r.outcome == Outcome::Ended && r.end_time <= s.t &&
                     (s.cause == Cause::None || r.cause == s.cause)
                 ? 1.0
                 : 0.0;
    case Kind::Value:
      return r.value;
    case Kind::Months:
      return r.time[static_cast<std::size_t>(s.bucket)];
    default:  // parse() admits per_replication() statistics only
      throw std::logic_error("goal: " + name + " is not a mean per replication");
  }
}

Direction Goal::natural_direction() const {
  using Kind = ScenarioStatistic::Kind;
  if (!portfolio) {
    switch (scenario.kind) {
      case Kind::Outcome:
        if (scenario.outcome == Outcome::Completed) return Direction::Higher;
        if (scenario.outcome == Outcome::Running) return Direction::None;
        return Direction::Lower;
      case Kind::CompletedBy:
      case Kind::Value:
        return Direction::Higher;
      case Kind::Cause:
      case Kind::EndedBy:
      case Kind::Months:
        return Direction::Lower;
      default:
        return Direction::None;
    }
  }
  switch (statistic.kind) {
    case PortfolioStatistic::Kind::Value:
      return Direction::Higher;
    case PortfolioStatistic::Kind::Count:
    case PortfolioStatistic::Kind::Share:
    case PortfolioStatistic::Kind::RankEnd:
      if (statistic.outcome == Outcome::Completed) return Direction::Higher;
      if (statistic.outcome == Outcome::Running) return Direction::None;
      return Direction::Lower;
    case PortfolioStatistic::Kind::LevelAt:
      return statistic.trust ? Direction::Higher : Direction::Lower;
    case PortfolioStatistic::Kind::OrphanedPerExit:
      return Direction::Lower;
    case PortfolioStatistic::Kind::Launched:
    case PortfolioStatistic::Kind::RankReached:
      return Direction::None;
  }
  return Direction::None;
}

void Goal::check(const Scenario& run) const {
  if (portfolio)
    throw UsageError("goal '" + name + "' is a portfolio's; a scenario's goals are " +
                     known_names(false));
  if (scenario.grid_time() > run.horizon)
    throw UsageError("goal '" + name + "': " + format_double(scenario.t) +
                     " months is beyond the scenario's horizon (" + format_double(run.horizon) +
                     " months)");
}

void Goal::check(const Portfolio& p) const {
  if (!portfolio)
    throw UsageError("goal '" + name + "' is a scenario's; a portfolio's goals are " +
                     known_names(true));
  using PKind = PortfolioStatistic::Kind;
  const PortfolioStatistic& s = statistic;
  if (s.kind == PKind::LevelAt && !s.at_horizon && s.t > p.horizon)
    throw UsageError("goal '" + name + "': " + format_double(s.t) +
                     " months is beyond the portfolio's horizon (" + format_double(p.horizon) +
                     " months)");
  const int most = p.planned_launches();
  if ((s.kind == PKind::RankEnd || s.kind == PKind::RankReached) && most >= 0 && s.rank > most)
    throw UsageError("goal '" + name + "': the portfolio launches at most " + std::to_string(most) +
                     " programmes (it has no renewal process)");
}

std::vector<std::string> Goal::names(bool portfolio) {
  return portfolio ? PortfolioStatistic::names() : ScenarioStatistic::names(true);
}

namespace {

// The scenario goals: the scenario sweep's metrics that are means per replication, by their
// names, and months_<bucket>.
Goal parse_scenario_goal(const std::string& text) {
  Goal g;
  if (!ScenarioStatistic::parse(text, "goal", g.scenario)) unknown(text, false);
  if (!g.scenario.per_replication())
    throw UsageError("goal '" + text + "': " + g.scenario.not_a_goal());
  g.name = g.scenario.name();
  g.description = g.scenario.description();
  return g;
}

// The portfolio goals: the portfolio sweep's metrics, by their names.
Goal parse_portfolio_goal(const std::string& text) {
  Goal g;
  if (PortfolioStatistic::parse(text, "goal", g.statistic)) {
    g.portfolio = true;
    g.name = g.statistic.name();
    g.description = g.statistic.description();
    return g;
  }
  // A scenario's name is worth saying so: the user may have meant the other kind of input.
  std::string scenario_name;
  try {
    ScenarioStatistic st;
    if (ScenarioStatistic::parse(text, "goal", st)) scenario_name = st.name();
  } catch (const UsageError&) {
  }
  if (!scenario_name.empty())
    throw UsageError("goal '" + text + "' is a scenario's (" + scenario_name +
                     "); a portfolio's goals are " + known_names(true));
  unknown(text, true);
}

}  // namespace

Goal Goal::parse(const std::string& raw, bool portfolio) {
  const std::string text = trim(raw);
  return portfolio ? parse_portfolio_goal(text) : parse_scenario_goal(text);
}

std::pair<double, double> Goal::value(const OrganisationRecord& r, const Portfolio& p) const {
  using PKind = PortfolioStatistic::Kind;
  if (!portfolio) throw std::logic_error("goal: " + name + " is not a portfolio goal");
  const PortfolioStatistic& s = statistic;
  const auto counts = [&](const LaunchedProgramme& l) {
    return s.counts(end_category(l.outcome, l.cause));
  };
  switch (s.kind) {
    case PKind::Launched:
      return {static_cast<double>(r.programmes.size()), 1.0};
    case PKind::Count:
      return {static_cast<double>(std::count_if(r.programmes.begin(), r.programmes.end(), counts)),
              1.0};
    case PKind::Share:  // over the programmes it launched: a ratio of batch sums
      return {static_cast<double>(std::count_if(r.programmes.begin(), r.programmes.end(), counts)),
              static_cast<double>(r.programmes.size())};
    case PKind::Value: {
      double v = 0.0;
      for (const LaunchedProgramme& l : r.programmes) v += l.value;
      return {v, 1.0};
    }
    case PKind::RankEnd: {
      const auto k = static_cast<std::size_t>(s.rank - 1);
      if (k >= r.programmes.size()) return {0.0, 0.0};
      return {counts(r.programmes[k]) ? 1.0 : 0.0, 1.0};
    }
    case PKind::RankReached:
      return {static_cast<std::size_t>(s.rank) <= r.programmes.size() ? 1.0 : 0.0, 1.0};
    case PKind::LevelAt: {
      const double at = s.level_time(p.horizon);
      const auto it = std::find(p.grid.begin(), p.grid.end(), at);
      if (it == p.grid.end()) throw std::logic_error("goal: level time missing from the grid");
      const auto g = static_cast<std::size_t>(it - p.grid.begin());
      return {s.trust ? r.trust.at(g) : r.cynicism.at(g), 1.0};
    }
    case PKind::OrphanedPerExit: {
      double orphaned = 0.0, exits = 0.0;
      for (const SponsorExit& e : r.exits)
        if (e.orphaned > 0) orphaned += e.orphaned, exits += 1.0;
      return {orphaned, exits};
    }
  }
  throw std::logic_error("goal: " + name + " is not a portfolio goal");
}

void Goal::prepare(Portfolio& p) const {
  if (!portfolio || statistic.kind != PortfolioStatistic::Kind::LevelAt) return;
  const double at = statistic.level_time(p.horizon);
  if (std::find(p.grid.begin(), p.grid.end(), at) != p.grid.end()) return;
  p.grid.insert(std::upper_bound(p.grid.begin(), p.grid.end(), at), at);
}

std::string Target::describe() const {
  // Ten significant digits: 0.14 * 100 is 14.000000000000002 in binary.
  char percent[32];
  std::snprintf(percent, sizeof percent, "%.10g%%", bound * 100.0);
  const std::string b = goal.is_probability() ? std::string(percent) : format_double(bound);
  return goal.name + percent_word(at_least) + b;
}

Target Target::parse_stored(const std::string& raw, bool portfolio) {
  std::string text = raw;
  const std::size_t at = text.find_first_of("<>");
  if (at != std::string::npos && (at + 1 >= text.size() || text[at + 1] != '='))
    text.insert(at + 1, "=");
  Target t = parse(text, portfolio);
  t.text = raw;  // as the file keeps it
  return t;
}

Target Target::parse(const std::string& raw, bool portfolio) {
  const std::string text = trim(raw);
  std::size_t at = text.find_first_of("<>=");
  if (at == std::string::npos)
    throw UsageError("target '" + text +
                     "': expected <goal> >= <bound> or <goal> <= <bound>, e.g. completed>=0.25");
  Target t;
  t.text = text;
  if (text[at] == '=')
    throw UsageError("target '" + text +
                     "': expected >= or <= (an exact value cannot be a "
                     "target), e.g. completed>=0.25");
  t.at_least = text[at] == '>';
  // A bound is judged on an estimate and its interval, which cannot tell "above" from "at
  // least"; and a quantile bound turns into a share bound only for >= and <=.
  if (at + 1 >= text.size() || text[at + 1] != '=') {
    // The target with "=" added, when that would read ("completed>0.14"); otherwise the
    // example ("completed>>0.14" does not become "completed>=>0.14").
    std::string bound = trim(text.substr(at + 1));
    if (!bound.empty() && bound.back() == '%') bound = trim(bound.substr(0, bound.size() - 1));
    double number = 0.0;
    const std::string fixed = parse_finite(bound, number) ? trim(text.substr(0, at)) + text[at] +
                                                                "=" + trim(text.substr(at + 1))
                                                          : std::string("completed>=0.25");
    throw UsageError("target '" + text + "': expected >= or <=, not a strict " + text[at] +
                     " (a target is met or missed on an estimate with its interval, where " +
                     text[at] + " and " + text[at] + "= cannot be told apart), e.g. " + fixed);
  }
  const std::string lhs = trim(text.substr(0, at));
  std::string rhs = trim(text.substr(at + 2));
  bool percent = false;
  if (!rhs.empty() && rhs.back() == '%') {
    percent = true;
    rhs = trim(rhs.substr(0, rhs.size() - 1));
  }
  double bound = 0.0;
  if (!parse_finite(rhs, bound))
    throw UsageError("target '" + text + "': the bound '" + rhs + "' is not a finite number");
  if (percent) bound /= 100.0;

  // A completion quantile bound: Q_q <= t  <=>  P(completed by t) >= q.
  double q = -1.0;
  if (starts_with(lhs, "completion_p")) {
    double pct = 0.0;
    if (!parse_finite(lhs.substr(12), pct))
      throw UsageError("target '" + text +
                       "': expected completion_p<percent>, e.g. completion_p50<=48");
    q = pct / 100.0;
  } else if (starts_with(lhs, "completion_quantile_")) {
    if (!parse_finite(lhs.substr(20), q))
      throw UsageError("target '" + text +
                       "': expected completion_quantile_<q>, e.g. completion_quantile_0.5<=48");
  }
  if (q != -1.0) {
    if (portfolio)
      throw UsageError("target '" + text +
                       "': a completion quantile is a scenario's goal; a portfolio's goals are " +
                       known_names(true));
    if (!(q > 0 && q < 1))
      throw UsageError("target '" + text + "': the quantile level must be in (0, 1)");
    if (percent || bound < 0)
      throw UsageError("target '" + text + "': a completion quantile is bounded in months >= 0");
    t.goal = Goal::parse("p_completed_by_" + format_double(bound));
    t.bound = q;
    t.at_least = !t.at_least;  // Q_q <= t is F(t) >= q
    return t;
  }
  t.goal = Goal::parse(lhs, portfolio);
  t.bound = bound;
  if (t.goal.is_probability() && !(bound >= 0 && bound <= 1))
    throw UsageError("target '" + text + "': " + t.goal.name +
                     " is a share; its bound must be in [0, 1] (or 0% to 100%)");
  if (!t.goal.is_probability() && percent)
    throw UsageError("target '" + text + "': " + t.goal.name + " is not a share; give a number");
  return t;
}

}  // namespace progsurv
