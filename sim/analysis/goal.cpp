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

namespace progsurv {

namespace {

using yaml_detail::parse_finite;

using yaml_detail::format_double;

constexpr Cause kCauses[] = {Cause::SponsorExit, Cause::Patience, Cause::HandoffFailure,
                             Cause::BudgetCut, Cause::PhaseGate};
constexpr Outcome kOutcomes[] = {Outcome::Completed, Outcome::Ended, Outcome::NotStarted,
                                 Outcome::Running};

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

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

// Months after `prefix` in `name` ("p_completed_by_36" -> 36); UsageError when not a number.
double months_after(const std::string& name, std::size_t at, const std::string& text) {
  double t = 0.0;
  if (!parse_finite(name.substr(at), t) || t < 0)
    throw UsageError("goal '" + text + "': expected months >= 0 after '" + name.substr(0, at) +
                     "', e.g. p_completed_by_36");
  return t;
}

const char* percent_word(bool at_least) { return at_least ? " >= " : " <= "; }

}  // namespace

double Goal::value(const ReplicationRecord& r) const {
  switch (kind) {
    case Kind::Outcome:
      return r.outcome == outcome ? 1.0 : 0.0;
    case Kind::Cause:
      return r.outcome == Outcome::Ended && r.cause == cause ? 1.0 : 0.0;
    case Kind::CompletedBy:
      return r.outcome == Outcome::Completed && r.end_time <= t ? 1.0 : 0.0;
    case Kind::EndedBy:
      return r.outcome == Outcome::Ended && r.end_time <= t &&
                     (cause == Cause::None || r.cause == cause)
                 ? 1.0
                 : 0.0;
    case Kind::Value:
      return r.value;
    case Kind::Months:
      return r.time[static_cast<std::size_t>(bucket)];
    default:  // a portfolio's goal is measured on organisations
      throw std::logic_error("goal: " + name + " is not a scenario goal");
  }
}

Direction Goal::natural_direction() const {
  switch (kind) {
    case Kind::Outcome:
      if (outcome == Outcome::Completed) return Direction::Higher;
      if (outcome == Outcome::Running) return Direction::None;
      return Direction::Lower;
    case Kind::CompletedBy:
    case Kind::Value:
      return Direction::Higher;
    case Kind::Cause:
    case Kind::EndedBy:
    case Kind::Months:
      return Direction::Lower;
    case Kind::Portfolio:
      switch (statistic.kind) {
        case PortfolioStatistic::Kind::Value:
          return Direction::Higher;
        case PortfolioStatistic::Kind::Count:
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
  }
  return Direction::None;
}

void Goal::check(const Scenario& scenario) const {
  if (portfolio)
    throw UsageError("goal '" + name + "' is a portfolio's; a scenario's goals are " +
                     known_names(false));
  if ((kind == Kind::CompletedBy || kind == Kind::EndedBy) && t > scenario.horizon)
    throw UsageError("goal '" + name + "': " + format_double(t) +
                     " months is beyond the scenario's horizon (" +
                     format_double(scenario.horizon) + " months)");
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
  std::vector<std::string> n;
  if (portfolio) return PortfolioStatistic::names();
  for (Outcome o : kOutcomes) n.push_back(std::string("p_") + to_string(o));
  for (Cause c : kCauses) n.push_back(std::string("p_") + to_string(c));
  n.push_back("p_completed_by_<months>");
  n.push_back("p_ended_by_<cause|any>_<months>");
  n.push_back("mean_value");
  for (TimeBucket b : kTimeBucketOrder) n.push_back(std::string("months_") + to_string(b));
  return n;
}

namespace {

Goal parse_scenario_goal(const std::string& raw) {
  using Kind = Goal::Kind;
  const std::string text = trim(raw);
  std::string name = text;
  if (starts_with(name, "mean_")) name = name.substr(5);
  if (starts_with(name, "p_")) name = name.substr(2);
  Goal g;
  if (name == "value") {
    g.kind = Kind::Value;
    g.name = "mean_value";
    g.description = "mean value banked per proposed programme";
    return g;
  }
  for (Outcome o : kOutcomes)
    if (name == to_string(o)) {
      g.kind = Kind::Outcome;
      g.outcome = o;
      g.name = std::string("p_") + to_string(o);
      g.description = std::string("P(") + to_string(o) + "), of proposed";
      return g;
    }
  for (Cause c : kCauses)
    if (name == to_string(c)) {
      g.kind = Kind::Cause;
      g.cause = c;
      g.name = std::string("p_") + to_string(c);
      g.description = std::string("P(ended by ") + to_string(c) + "), of proposed";
      return g;
    }
  if (starts_with(name, "completed_by_")) {
    g.kind = Kind::CompletedBy;
    g.t = months_after(name, 13, text);
    g.name = "p_completed_by_" + format_double(g.t);
    g.description = "P(completed within " + format_double(g.t) + " months), of proposed";
    return g;
  }
  if (starts_with(name, "ended_by_")) {
    const std::string rest = name.substr(9);
    g.kind = Kind::EndedBy;
    std::string cause_name;
    if (starts_with(rest, "any_")) {
      g.cause = Cause::None;
      cause_name = "any";
    } else {
      for (Cause c : kCauses)
        if (starts_with(rest, std::string(to_string(c)) + "_")) {
          g.cause = c;
          cause_name = to_string(c);
        }
      if (cause_name.empty())
        throw UsageError("goal '" + text +
                         "': expected p_ended_by_<cause|any>_<months>, the cause one of "
                         "sponsor_exit, patience, handoff_failure, budget_cut, phase_gate, any");
    }
    g.t = months_after(name, 9 + cause_name.size() + 1, text);
    g.name = "p_ended_by_" + cause_name + "_" + format_double(g.t);
    g.description = "P(ended" + (cause_name == "any" ? std::string() : " by " + cause_name) +
                    " within " + format_double(g.t) + " months), of proposed";
    return g;
  }
  if (starts_with(text, "months_")) {
    const std::string bucket = text.substr(7);
    for (TimeBucket b : kTimeBucketOrder)
      if (bucket == to_string(b)) {
        g.kind = Kind::Months;
        g.bucket = b;
        g.name = text;
        g.description = "mean months " + bucket + " per proposed programme";
        return g;
      }
  }
  unknown(text, false);
}

// The portfolio goals: the portfolio sweep's metrics, by their names.
Goal parse_portfolio_goal(const std::string& text) {
  Goal g;
  if (PortfolioStatistic::parse(text, "goal", g.statistic)) {
    g.kind = Goal::Kind::Portfolio;
    g.portfolio = true;
    g.name = g.statistic.name();
    g.description = g.statistic.description();
    return g;
  }
  // A scenario's name is worth saying so: the user may have meant the other kind of input.
  std::string scenario_name;
  try {
    scenario_name = parse_scenario_goal(text).name;
  } catch (const UsageError&) {
  }
  if (!scenario_name.empty())
    throw UsageError("goal '" + text + "' is a scenario's (" + scenario_name +
                     "); a portfolio's goals are " + known_names(true));
  unknown(text, true);
}

}  // namespace

Goal Goal::parse(const std::string& raw, bool portfolio) {
  return portfolio ? parse_portfolio_goal(trim(raw)) : parse_scenario_goal(raw);
}

std::pair<double, double> Goal::value(const OrganisationRecord& r, const Portfolio& p) const {
  using PKind = PortfolioStatistic::Kind;
  if (kind != Kind::Portfolio) throw std::logic_error("goal: " + name + " is not a portfolio goal");
  const PortfolioStatistic& s = statistic;
  const auto counts = [&](const LaunchedProgramme& l) {
    return l.outcome == s.outcome &&
           (s.outcome != Outcome::Ended || s.cause == Cause::None || l.cause == s.cause);
  };
  switch (s.kind) {
    case PKind::Launched:
      return {static_cast<double>(r.programmes.size()), 1.0};
    case PKind::Count:
      return {static_cast<double>(std::count_if(r.programmes.begin(), r.programmes.end(), counts)),
              1.0};
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
  if (kind != Kind::Portfolio || statistic.kind != PortfolioStatistic::Kind::LevelAt) return;
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

Target Target::parse(const std::string& raw, bool portfolio) {
  const std::string text = trim(raw);
  std::size_t at = text.find_first_of("<>=");
  if (at == std::string::npos)
    throw UsageError("target '" + text +
                     "': expected <goal> >= <bound> or <goal> <= <bound>, e.g. completed>=0.25");
  Target t;
  t.text = text;
  std::size_t op_len = 1;
  if (text[at] == '>' || text[at] == '<') {
    t.at_least = text[at] == '>';
    if (at + 1 < text.size() && text[at + 1] == '=') op_len = 2;
  } else {
    throw UsageError("target '" + text +
                     "': expected >= or <= (an exact value cannot be a "
                     "target), e.g. completed>=0.25");
  }
  const std::string lhs = trim(text.substr(0, at));
  std::string rhs = trim(text.substr(at + op_len));
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
