// The statistics of a portfolio run and their names, for the sweep's metrics and the goals.
#include "progsurv/analysis/portfolio_statistic.hpp"

#include <cmath>
#include <string>

#include "progsurv/portfolio/portfolio.hpp"  // kMaxLaunches
#include "progsurv/scenario/error.hpp"
#include "scenario/distribution_yaml.hpp"  // format_double, parse_finite

#include <boost/algorithm/string/predicate.hpp>

namespace progsurv {

namespace {

using boost::algorithm::starts_with;

using yaml_detail::format_double;
using yaml_detail::parse_finite;

using Kind = PortfolioStatistic::Kind;
using Arg = PortfolioStatistic::Arg;

// A name without its optional "mean_".
std::string bare(const std::string& name) {
  return starts_with(name, "mean_") ? name.substr(5) : name;
}

// The outcome word of a Count or RankEnd: "completed", "ended_by" (of a cause), ...
std::string end_word(const PortfolioStatistic& s) {
  if (s.outcome == Outcome::Ended && s.cause != Cause::None) return "ended_by";
  return to_string(s.outcome);
}

PortfolioStatistic make(Kind kind, Outcome o = Outcome::Completed, Cause c = Cause::None) {
  PortfolioStatistic s;
  s.kind = kind;
  s.outcome = o;
  s.cause = c;
  return s;
}

PortfolioStatistic level(bool trust, bool at_horizon) {
  PortfolioStatistic s = make(Kind::LevelAt);
  s.trust = trust;
  s.at_horizon = at_horizon;
  return s;
}

// What names() shows after a stem, by Arg.
const char* pattern(Arg a) {
  static const char* const kPatterns[] = {"", "_<cause>", "_<k>", "_<months>", "_<cause>_<k>"};
  return kPatterns[static_cast<int>(a)];
}

// k at the start of `text`; UsageError when not a whole number from 1 to kMaxLaunches.
int read_rank(const std::string& text, const std::string& before, const std::string& error) {
  double k = 0.0;
  if (!parse_finite(text, k) || k < 1 || k != std::floor(k) || k > kMaxLaunches)
    throw UsageError(error + "expected the rank of a programme launched (1 = the first, at most " +
                     std::to_string(kMaxLaunches) + ") after '" + before +
                     "', e.g. rank_completed_1");
  return static_cast<int>(k);
}

}  // namespace

std::string PortfolioStatistic::stem() const {
  switch (kind) {
    case Kind::Launched:
      return "mean_launched";
    case Kind::Count:
      return "mean_" + end_word(*this);
    case Kind::Share:
      return "share_" + end_word(*this);
    case Kind::Value:
      return "mean_total_value";
    case Kind::RankEnd:
      return "rank_" + end_word(*this);
    case Kind::RankReached:
      return "rank_reached";
    case Kind::LevelAt:
      return std::string(trust ? "mean_trust" : "mean_cynicism") + (at_horizon ? "" : "_at");
    case Kind::OrphanedPerExit:
      return "orphaned_per_exit";
  }
  return "?";
}

PortfolioStatistic::Arg PortfolioStatistic::arg() const {
  const bool by_cause = outcome == Outcome::Ended && cause != Cause::None;
  switch (kind) {
    case Kind::Count:
    case Kind::Share:
      return by_cause ? Arg::Cause : Arg::None;
    case Kind::RankEnd:
      return by_cause ? Arg::CauseRank : Arg::Rank;
    case Kind::RankReached:
      return Arg::Rank;
    case Kind::LevelAt:
      return at_horizon ? Arg::None : Arg::Months;
    default:
      return Arg::None;
  }
}

std::string PortfolioStatistic::name() const {
  std::string n = stem();
  switch (arg()) {
    case Arg::None:
      break;
    case Arg::Cause:
      n += std::string("_") + to_string(cause);
      break;
    case Arg::Rank:
      n += "_" + std::to_string(rank);
      break;
    case Arg::Months:
      n += "_" + format_double(t);
      break;
    case Arg::CauseRank:
      n += std::string("_") + to_string(cause) + "_" + std::to_string(rank);
      break;
  }
  return n;
}

std::string PortfolioStatistic::description() const {
  const std::string k = std::to_string(rank);
  switch (kind) {
    case Kind::Launched:
      return "programmes launched per organisation";
    case Kind::Count:
      if (arg() == Arg::Cause)
        return std::string("programmes ended by ") + to_string(cause) + " per organisation";
      return std::string("programmes ") +
             (outcome == Outcome::NotStarted ? "never started" : to_string(outcome)) +
             " per organisation";
    case Kind::Share:
      if (arg() == Arg::Cause)
        return std::string("share of programmes launched that ended by ") + to_string(cause);
      return std::string("share of programmes launched that ") +
             (outcome == Outcome::NotStarted ? "never started"
              : outcome == Outcome::Running  ? "were still running"
                                             : to_string(outcome));
    case Kind::Value:
      return "value banked per organisation";
    case Kind::RankEnd:
      return "P(programme #" + k + " " +
             (arg() == Arg::CauseRank ? std::string("ended_by_") + to_string(cause)
                                      : std::string(to_string(outcome))) +
             "), of organisations that launched one";
    case Kind::RankReached:
      return "P(an organisation launches a programme #" + k + ")";
    case Kind::LevelAt:
      return std::string(trust ? "customer trust" : "cynicism") +
             (at_horizon ? " at the horizon" : " at month " + format_double(t)) +
             ", mean over organisations";
    case Kind::OrphanedPerExit:
      return "programmes orphaned per sponsor exit that orphaned any";
  }
  return "?";
}

const std::vector<PortfolioStatistic>& PortfolioStatistic::stems() {
  static const std::vector<PortfolioStatistic> all = [] {
    std::vector<PortfolioStatistic> v;
    v.push_back(make(Kind::Launched));
    for (Outcome o : {Outcome::Completed, Outcome::Ended, Outcome::NotStarted, Outcome::Running})
      v.push_back(make(Kind::Count, o));
    v.push_back(make(Kind::Value));
    v.push_back(make(Kind::Count, Outcome::Ended, Cause::SponsorExit));
    for (Outcome o : {Outcome::Completed, Outcome::Ended, Outcome::NotStarted, Outcome::Running})
      v.push_back(make(Kind::Share, o));
    v.push_back(make(Kind::Share, Outcome::Ended, Cause::SponsorExit));
    for (bool at_horizon : {true, false})
      for (bool trust : {false, true}) v.push_back(level(trust, at_horizon));
    v.push_back(make(Kind::RankEnd, Outcome::Completed));
    v.push_back(make(Kind::RankEnd, Outcome::Ended));
    v.push_back(make(Kind::RankEnd, Outcome::Ended, Cause::SponsorExit));
    v.push_back(make(Kind::RankEnd, Outcome::NotStarted));
    v.push_back(make(Kind::RankEnd, Outcome::Running));
    v.push_back(make(Kind::RankReached));
    v.push_back(make(Kind::OrphanedPerExit));
    return v;
  }();
  return all;
}

std::vector<std::string> PortfolioStatistic::names() {
  std::vector<std::string> n;
  for (const PortfolioStatistic& s : stems()) n.push_back(s.stem() + pattern(s.arg()));
  return n;
}

bool PortfolioStatistic::parse(const std::string& text, const std::string& what,
                               PortfolioStatistic& out) {
  std::string name = bare(text);
  if (name == "value") name = "total_value";  // "mean_value", as a scenario's goal says it
  // The longest stem that fits: "rank_ended_by_patience_1" is rank_ended_by's, not rank_ended's.
  const PortfolioStatistic* best = nullptr;
  std::string best_stem;
  for (const PortfolioStatistic& s : stems()) {
    const std::string stem = bare(s.stem());
    const bool fits = s.arg() == Arg::None ? name == stem : starts_with(name, stem + "_");
    if (fits && stem.size() > best_stem.size()) best = &s, best_stem = stem;
  }
  if (best == nullptr) return false;
  // "mean_" is optional on a mean's name only: "mean_share_completed" is no statistic.
  if (starts_with(text, "mean_") && !starts_with(best->stem(), "mean_"))
    throw UsageError(what + " '" + text + "': '" + best->stem() +
                     "' is not a mean per organisation; write '" + text.substr(5) + "'");
  out = *best;
  const std::string rest =
      best->arg() == Arg::None ? std::string() : name.substr(best_stem.size() + 1);
  const std::string error = what + " '" + text + "': ";
  switch (best->arg()) {
    case Arg::None:
      break;
    case Arg::Cause:
    case Arg::CauseRank: {
      const bool with_rank = best->arg() == Arg::CauseRank;
      out.cause = Cause::None;
      for (Cause c : kCauses)
        if (with_rank ? starts_with(rest, std::string(to_string(c)) + "_") : rest == to_string(c))
          out.cause = c;
      if (out.cause == Cause::None)
        throw UsageError(error + "expected " + best->stem() + pattern(best->arg()) +
                         ", the cause one of sponsor_exit, patience, handoff_failure, "
                         "budget_cut, phase_gate");
      if (with_rank) {
        const std::size_t at = best_stem.size() + 1 + std::string(to_string(out.cause)).size() + 1;
        out.rank = read_rank(name.substr(at), name.substr(0, at), error);
      }
      break;
    }
    case Arg::Rank:
      out.rank = read_rank(rest, name.substr(0, best_stem.size() + 1), error);
      break;
    case Arg::Months:
      if (!parse_finite(rest, out.t) || out.t < 0)
        throw UsageError(error + "expected months >= 0 after '" +
                         name.substr(0, best_stem.size() + 1) + "', e.g. " + best->stem() + "_36");
      break;
  }
  return true;
}

}  // namespace progsurv
