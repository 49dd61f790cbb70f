#pragma once
// One statistic of a portfolio run (one replication = one organisation over the horizon) and
// the one grammar of its names: a portfolio sweep's metrics (docs/sweep-format.md) and the goals
// of a portfolio's remedies search (docs/remedies.md) are these statistics, named alike. A goal
// names one in text ("rank_completed_1"); a sweep file gives the stem as a YAML key and the
// argument as its value ({rank_completed: 1}), read by the sweep with file, line and column.
// Each side evaluates on its own data: a sweep on a PortfolioTally (with standard errors), a
// goal on one organisation's record (numerator and denominator).
#include <string>
#include <vector>

#include "progsurv/engine/outcome.hpp"

namespace progsurv {

struct PortfolioStatistic {
  enum class Kind {
    Launched,        // programmes launched per organisation
    Count,           // programmes per organisation ending in `outcome` (by `cause` unless None)
    Share,           // of all programmes launched, the share ending in `outcome` (by `cause`)
    Value,           // value banked per organisation
    RankEnd,         // P(the k-th programme launched ends in `outcome` | it was launched)
    RankReached,     // P(an organisation launches a k-th programme)
    LevelAt,         // cynicism (or customer trust) at t or at the horizon, mean over organisations
    OrphanedPerExit  // programmes orphaned per sponsor exit that orphaned any
  };
  // What a name's stem takes after it: nothing, a cause, a rank k, months t, a cause and k.
  enum class Arg { None, Cause, Rank, Months, CauseRank };

  Kind kind = Kind::Count;
  Outcome outcome = Outcome::Completed;  // Count, Share, RankEnd
  Cause cause = Cause::None;  // Count, Share, RankEnd of Outcome::Ended: None = any cause
  int rank = 1;               // RankEnd, RankReached: 1 = the first launched
  bool trust = false;         // LevelAt: customer trust rather than cynicism
  bool at_horizon = false;    // LevelAt: at the horizon rather than at t
  double t = 0.0;             // LevelAt: months

  // "rank_completed", "mean_ended_by", "share_completed", "mean_cynicism_at", ...
  std::string stem() const;
  Arg arg() const;
  // Canonical, the stem and its argument: "rank_ended_by_patience_2", "mean_cynicism_at_60".
  std::string name() const;
  // For people: "P(programme #2 completed), of organisations that launched one".
  std::string description() const;
  // Shares (shown as percentages): of organisations, or of programmes launched.
  bool is_share() const {
    return kind == Kind::RankEnd || kind == Kind::RankReached || kind == Kind::Share;
  }
  // Ratios whose denominator varies by organisation (programmes launched, those that launched
  // a k-th programme, sponsor exits that orphaned any).
  bool ratio() const {
    return kind == Kind::RankEnd || kind == Kind::OrphanedPerExit || kind == Kind::Share;
  }
  // Whether a programme ending in category `c` is one this statistic counts (Count, Share,
  // RankEnd): its outcome, and its cause unless the statistic takes any.
  bool counts(EndCategory c) const {
    if (outcome == Outcome::Ended && cause == Cause::None)
      return c != EndCategory::Completed && c != EndCategory::NotStarted &&
             c != EndCategory::Running;
    return c == end_category(outcome, cause);
  }
  // The time a LevelAt statistic reads, on a run of `horizon` months.
  double level_time(double horizon) const { return at_horizon ? horizon : t; }

  // Every stem, once, in the order names are listed to users; the cause, rank or time of a
  // stem that takes one is a placeholder, replaced by the argument.
  static const std::vector<PortfolioStatistic>& stems();
  // The stems with their argument's pattern: "mean_completed", "rank_completed_<k>", ...
  static std::vector<std::string> names();
  // Reads a name ("mean_" may be left out, "value" is total_value) into `out`; false when
  // `text` names no portfolio statistic. UsageError "<what> '<text>': ..." when it names a
  // stem with an argument that is not one (an unknown cause, k < 1, months < 0).
  static bool parse(const std::string& text, const std::string& what, PortfolioStatistic& out);
};

}  // namespace progsurv
