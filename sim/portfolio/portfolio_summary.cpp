#include "progsurv/portfolio/portfolio_summary.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>

#include "progsurv/scenario/text_columns.hpp"

namespace progsurv {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Quantile q of a histogram over 0, 1, 2, ... (or over bins of `width`): the smallest bin
// holding the q-th share, reported at the bin's lower edge (exact for counts).
double step_quantile(const std::vector<std::int64_t>& hist, double width, double total, double q) {
  const double target = q * total;
  double seen = 0.0;
  for (std::size_t i = 0; i < hist.size(); ++i) {
    seen += static_cast<double>(hist[i]);
    if (hist[i] > 0 && seen >= target) return static_cast<double>(i) * width;
  }
  return kNaN;
}

// The share of each end category among `launched` programmes, from their row of counts
// (kEndCategoryCount of them), with Wilson intervals: ranks (one programme of a rank per
// organisation), and templates of a tally without the organisations' spread.
std::array<Estimate, kEndCategoryCount> category_shares(const std::vector<std::int64_t>& counts,
                                                        std::size_t row, std::int64_t launched) {
  std::array<Estimate, kEndCategoryCount> shares;
  for (std::size_t c = 0; c < kEndCategoryCount; ++c)
    shares[c] = wilson(counts[row * kEndCategoryCount + c], launched);
  return shares;
}

std::string pct(double p) {
  char b[32];
  std::snprintf(b, sizeof b, "%.1f%%", 100.0 * p);
  return b;
}
std::string interval_pct(const Estimate& e) {
  char b[64];
  std::snprintf(b, sizeof b, "%5.1f%% [%.1f, %.1f]", 100.0 * e.estimate, 100.0 * e.lower,
                100.0 * e.upper);
  return b;
}
std::string interval_num(const Estimate& e) {
  char b[64];
  // One organisation has no spread to give an interval from.
  if (std::isnan(e.lower) || std::isnan(e.upper))
    std::snprintf(b, sizeof b, "%6.2f [n/a]", e.estimate);
  else
    std::snprintf(b, sizeof b, "%6.2f [%.2f, %.2f]", e.estimate, e.lower, e.upper);
  return b;
}
// The cause of end most frequent among a row of shares, or -1 when none ended.
int main_cause(const std::array<Estimate, kEndCategoryCount>& shares) {
  int best = -1;
  for (int c = 0; c < kCauseCount; ++c) {
    const double share = shares[static_cast<std::size_t>(c) + 1].estimate;
    if (share > 0.0 && (best < 0 || share > shares[static_cast<std::size_t>(best) + 1].estimate))
      best = c;
  }
  return best;
}
std::string ordinal(std::size_t k) {
  const std::size_t n = k + 1;
  const char* suffix = "th";
  if (n % 100 < 11 || n % 100 > 13) {
    if (n % 10 == 1) suffix = "st";
    if (n % 10 == 2) suffix = "nd";
    if (n % 10 == 3) suffix = "rd";
  }
  return std::to_string(n) + suffix;
}
std::string years(double months) {
  char b[64];
  if (std::fmod(months, 12.0) == 0.0) {
    std::snprintf(b, sizeof b, "%g years", months / 12.0);
  } else {
    std::snprintf(b, sizeof b, "%g months", months);
  }
  return b;
}

}  // namespace

Estimate mean_estimate(const Moments& m, std::int64_t n) {
  if (n <= 0) return {kNaN, kNaN, kNaN};
  const double nn = static_cast<double>(n);
  const double mean = m.sum / nn;
  if (n < 2) return {mean, kNaN, kNaN};
  const double var = std::max(0.0, (m.sumsq - nn * mean * mean) / (nn - 1.0));
  const double half = kZ95 * std::sqrt(var / nn);
  return {mean, mean - half, mean + half};
}

PortfolioSummary summarize(const PortfolioTally& t) {
  PortfolioSummary s;
  s.n = t.n;
  s.grid = t.grid;
  const double n = static_cast<double>(t.n);
  s.rank_launched = t.rank_launched;
  for (std::size_t k = 0; k < t.ranks(); ++k) {
    s.rank_share.push_back(category_shares(t.rank_category, k, t.rank_launched[k]));
    s.rank_value.push_back(mean_estimate(t.rank_value[k], t.rank_launched[k]));
    s.rank_reached.push_back(wilson(t.rank_launched[k], t.n));
    s.rank_within_share.push_back(
        category_shares(t.rank_within_category, k, t.rank_within_launched[k]));
    s.rank_within_reached.push_back(wilson(t.rank_within_launched[k], t.n));
  }
  s.within = t.within;
  s.rank_within_launched = t.rank_within_launched;
  s.template_names = t.template_names;
  s.template_launched = t.template_launched;
  s.template_interval_method = t.clustered ? kClusteredIntervalMethod : kIntervalMethod;
  for (std::size_t j = 0; j < t.template_launched.size(); ++j) {
    s.template_launched_per_org.push_back(static_cast<double>(t.template_launched[j]) / n);
    s.template_value.push_back(t.clustered ? clustered_mean(t.template_value_counts(j))
                                           : Estimate{kNaN, kNaN, kNaN});
    if (!t.clustered) {
      s.template_share.push_back(category_shares(t.template_category, j, t.template_launched[j]));
      continue;
    }
    std::array<Estimate, kEndCategoryCount> row;
    for (std::size_t c = 0; c < kEndCategoryCount; ++c)
      row[c] = clustered_share(t.template_share_counts(j, static_cast<EndCategory>(c)));
    s.template_share.push_back(row);
  }
  s.launched = mean_estimate(t.per_org_launched, t.n);
  s.ended = mean_estimate(t.per_org_ended, t.n);
  s.value = mean_estimate(t.per_org_value, t.n);
  for (std::size_t c = 0; c < kEndCategoryCount; ++c)
    s.per_category[c] = mean_estimate(t.per_org_category[c], t.n);
  for (std::size_t i = 0; i < kPortfolioQuantiles.size(); ++i) {
    s.completed_quantiles[i] =
        step_quantile(t.count_hist[PortfolioTally::kCompleted], 1.0, n, kPortfolioQuantiles[i]);
    s.value_quantiles[i] =
        step_quantile(t.value_hist, t.value_bin_width, n, kPortfolioQuantiles[i]);
  }

  const std::size_t g = t.grid_size();
  s.live_mean.resize(g);
  s.cynicism_mean.resize(g);
  s.trust_mean.resize(g);
  for (auto& q : s.cynicism_quantiles) q.resize(g);
  for (auto& q : s.trust_quantiles) q.resize(g);
  for (auto& c : s.cumulative) c.resize(g);
  const double level_width = 1.0 / (PortfolioTally::kLevelBins - 1);
  for (std::size_t i = 0; i < g; ++i) {
    s.live_mean[i] = static_cast<double>(t.live_sum[i]) / n;
    s.cynicism_mean[i] = t.cynicism[i].sum / n;
    s.trust_mean[i] = t.trust[i].sum / n;
    const auto row = [&](const std::vector<std::int64_t>& h) {
      return std::vector<std::int64_t>(
          h.begin() + static_cast<std::ptrdiff_t>(i * PortfolioTally::kLevelBins),
          h.begin() + static_cast<std::ptrdiff_t>((i + 1) * PortfolioTally::kLevelBins));
    };
    const auto c_row = row(t.cynicism_hist), t_row = row(t.trust_hist);
    for (std::size_t q = 0; q < kPortfolioQuantiles.size(); ++q) {
      s.cynicism_quantiles[q][i] = step_quantile(c_row, level_width, n, kPortfolioQuantiles[q]);
      s.trust_quantiles[q][i] = step_quantile(t_row, level_width, n, kPortfolioQuantiles[q]);
    }
  }
  for (std::size_t c = 0; c < kEndCategoryCount; ++c) {
    std::int64_t running = 0;
    for (std::size_t i = 0; i < g; ++i) {
      running += t.end_bins[c * (g + 1) + i];
      s.cumulative[c][i] = static_cast<double>(running) / n;
    }
  }

  std::int64_t all_exits = 0, sponsoring_exits = 0, orphaned = 0, lost = 0;
  for (std::size_t l = 0; l < t.exits.size(); ++l) {
    all_exits += t.exits[l];
    sponsoring_exits += t.sponsoring_exits[l];
    orphaned += t.orphaned[l];
    lost += t.lost[l];
    const double e = static_cast<double>(t.sponsoring_exits[l]);
    s.orphaned_per_exit_by_level.push_back(e > 0 ? static_cast<double>(t.orphaned[l]) / e : kNaN);
    s.lost_per_exit_by_level.push_back(e > 0 ? static_cast<double>(t.lost[l]) / e : kNaN);
  }
  s.exits_per_org = {static_cast<double>(all_exits) / n, kNaN, kNaN};
  s.sponsoring_exits_per_org = {static_cast<double>(sponsoring_exits) / n, kNaN, kNaN};
  s.orphaned_per_exit = sponsoring_exits > 0
                            ? static_cast<double>(orphaned) / static_cast<double>(sponsoring_exits)
                            : kNaN;
  s.lost_per_exit = sponsoring_exits > 0
                        ? static_cast<double>(lost) / static_cast<double>(sponsoring_exits)
                        : kNaN;
  return s;
}

std::string format_portfolio_summary(const PortfolioResult& r) {
  const PortfolioTally& t = r.tally;
  const PortfolioSummary s = summarize(t);
  const Portfolio& p = r.portfolio;
  std::ostringstream os;
  char line[256];
  os << "portfolio '" << p.label() << "': " << s.n
     << (s.n == 1 ? " organisation (replication), horizon "
                  : " organisations (replications), horizon ")
     << years(p.horizon) << ", " << p.post_count() << " sponsor posts\n";
  if (r.precision > 0.0) {
    // A precision run stops at its cap too: say whether the target was reached.
    const double half = completed_half_width(t);
    std::snprintf(line, sizeof line,
                  "precision target: 95%% half-width of the programmes completed per "
                  "organisation <= %.4g: %s (half-width %.4g after %lld organisations%s)\n",
                  r.precision, half <= r.precision ? "met" : "NOT met", half,
                  static_cast<long long>(t.n), half <= r.precision ? "" : ", the cap");
    os << line;
  }
  os << "\n";

  const auto at = [&](EndCategory c) { return s.per_category[static_cast<std::size_t>(c)]; };
  std::snprintf(line, sizeof line,
                "Of the %.1f programmes this organisation launches in %s, %.1f complete, %.1f end "
                "early, %.1f never start and %.1f are still running at the horizon.\n",
                s.launched.estimate, years(p.horizon).c_str(), at(EndCategory::Completed).estimate,
                s.ended.estimate, at(EndCategory::NotStarted).estimate,
                at(EndCategory::Running).estimate);
  os << line;
  // The odds by launch rank, compared over the same months from each launch (later
  // programmes would otherwise be judged on less time), for ranks most organisations reach.
  std::size_t last = 0;
  for (std::size_t k = 0; k < s.rank_within_reached.size(); ++k)
    if (s.rank_within_reached[k].estimate >= 0.5) last = k;
  if (!s.rank_within_share.empty() && s.rank_within_launched_any()) {
    const auto completed = [&](std::size_t k) {
      return s.rank_within_share[k][static_cast<std::size_t>(EndCategory::Completed)].estimate;
    };
    const std::string within = years(s.within);
    if (last > 0) {
      const std::size_t mid = last / 2;
      std::snprintf(line, sizeof line,
                    "Within %s of its launch, the %s programme completes with probability %s, "
                    "the %s %s and the %s %s.\n",
                    within.c_str(), ordinal(0).c_str(), pct(completed(0)).c_str(),
                    ordinal(mid).c_str(), pct(completed(mid)).c_str(), ordinal(last).c_str(),
                    pct(completed(last)).c_str());
    } else {
      std::snprintf(line, sizeof line,
                    "Within %s of its launch, the first programme completes with probability %s.\n",
                    within.c_str(), pct(completed(0)).c_str());
    }
    os << line;
  }
  // With more than one template, which completes most and least often (among those
  // launched at all): launch ranks mix templates and the totals above hide this.
  const std::size_t templates = s.template_names.size();
  const auto template_completed = [&](std::size_t j) {
    return s.template_share[j][static_cast<std::size_t>(EndCategory::Completed)].estimate;
  };
  if (templates > 1) {
    std::size_t best = templates, worst = templates;
    for (std::size_t j = 0; j < templates; ++j) {
      if (s.template_launched[j] == 0) continue;
      if (best == templates || template_completed(j) > template_completed(best)) best = j;
      if (worst == templates || template_completed(j) < template_completed(worst)) worst = j;
    }
    if (best != templates && template_completed(best) > template_completed(worst)) {
      // Named as best and worst only when their intervals do not overlap.
      const Estimate& b = s.template_share[best][static_cast<std::size_t>(EndCategory::Completed)];
      const Estimate& w = s.template_share[worst][static_cast<std::size_t>(EndCategory::Completed)];
      if (b.lower > w.upper) {
        os << "By programme, " << s.template_names[best] << " completes most often ("
           << pct(template_completed(best)) << " of those launched) and " << s.template_names[worst]
           << " least often (" << pct(template_completed(worst)) << ").\n";
      } else {
        os << "By programme, no template completes distinguishably more often than another ("
           << pct(template_completed(worst)) << " to " << pct(template_completed(best))
           << " of those launched, 95% intervals overlapping).\n";
      }
    }
  }

  os << "\nper organisation          mean [95% interval]        P10    P50    P90\n";
  if (t.n < 2) os << "  (an interval needs at least 2 organisations)\n";
  const auto row = [&](const char* label, const Estimate& e, const double* q) {
    if (q) {
      std::snprintf(line, sizeof line, "  %-22s %-26s %5.1f  %5.1f  %5.1f\n", label,
                    interval_num(e).c_str(), q[0], q[1], q[2]);
    } else {
      std::snprintf(line, sizeof line, "  %-22s %s\n", label, interval_num(e).c_str());
    }
    os << line;
  };
  row("programmes launched", s.launched, nullptr);
  row("completed", at(EndCategory::Completed), s.completed_quantiles.data());
  row("ended early", s.ended, nullptr);
  for (int c = 0; c < kCauseCount; ++c) {
    const std::string label = std::string("  by ") + to_string(static_cast<Cause>(c));
    row(label.c_str(), s.per_category[static_cast<std::size_t>(c) + 1], nullptr);
  }
  row("never started", at(EndCategory::NotStarted), nullptr);
  row("running at horizon", at(EndCategory::Running), nullptr);
  row("total value", s.value, s.value_quantiles.data());

  // By programme template (with one template this would repeat the lines above): the
  // programmes launched from it, in all and per organisation, and how they ended.
  if (templates > 1) {
    std::size_t width = 9;  // "programme"
    for (const auto& name : s.template_names) width = std::max(width, text_columns(name));
    std::snprintf(line, sizeof line,
                  "\n%-*s  launched  per org  completed [95%% interval]   ended    not started  "
                  "running  mean value  ended most by\n",
                  static_cast<int>(width) + 2, "programme");
    os << line;
    for (std::size_t j = 0; j < templates; ++j) {
      const auto& sh = s.template_share[j];
      // The name padded apart: a long one must not be cut by the line buffer.
      os << "  " << pad_columns(s.template_names[j], width);
      if (s.template_launched[j] == 0) {
        os << "         0     0.00  -\n";
        continue;
      }
      double ended = 0.0;
      for (int c = 1; c <= kCauseCount; ++c) ended += sh[static_cast<std::size_t>(c)].estimate;
      const int cause = main_cause(sh);
      const std::string most = cause < 0
                                   ? std::string("-")
                                   : std::string(to_string(static_cast<Cause>(cause))) + " " +
                                         pct(sh[static_cast<std::size_t>(cause) + 1].estimate);
      // A file before format 1.3 has no value by template.
      const double value = s.template_value[j].estimate;
      char value_text[32] = "         -";
      if (!std::isnan(value)) std::snprintf(value_text, sizeof value_text, "%10.2f", value);
      std::snprintf(line, sizeof line, " %9lld  %7.2f  %-26s %6s   %6s      %6s   %s  %s\n",
                    static_cast<long long>(s.template_launched[j]), s.template_launched_per_org[j],
                    interval_pct(sh[static_cast<std::size_t>(EndCategory::Completed)]).c_str(),
                    pct(ended).c_str(),
                    pct(sh[static_cast<std::size_t>(EndCategory::NotStarted)].estimate).c_str(),
                    pct(sh[static_cast<std::size_t>(EndCategory::Running)].estimate).c_str(),
                    value_text, most.c_str());
      os << line;
    }
  }

  std::snprintf(line, sizeof line,
                "\nlaunch rank  launched in  completed [95%% interval]   ended    not started  "
                "running  mean value  completed within %s\n",
                years(s.within).c_str());
  os << line;
  for (std::size_t k = 0; k < s.rank_launched.size(); ++k) {
    if (s.rank_reached[k].estimate < 0.05) break;
    const auto& sh = s.rank_share[k];
    double ended = 0.0;
    for (int c = 1; c <= kCauseCount; ++c) ended += sh[static_cast<std::size_t>(c)].estimate;
    const Estimate& within =
        s.rank_within_share[k][static_cast<std::size_t>(EndCategory::Completed)];
    const std::string within_text =
        s.rank_within_launched_count(k) > 0 ? interval_pct(within) : std::string("-");
    std::snprintf(line, sizeof line, "  %-10s %7s    %-26s %6s   %6s      %6s   %6.2f      %s\n",
                  ordinal(k).c_str(), pct(s.rank_reached[k].estimate).c_str(),
                  interval_pct(sh[static_cast<std::size_t>(EndCategory::Completed)]).c_str(),
                  pct(ended).c_str(),
                  pct(sh[static_cast<std::size_t>(EndCategory::NotStarted)].estimate).c_str(),
                  pct(sh[static_cast<std::size_t>(EndCategory::Running)].estimate).c_str(),
                  s.rank_value[k].estimate, within_text.c_str());
    os << line;
  }
  os << "  (completed within " << years(s.within)
     << ": of the programmes of that rank launched early enough to be followed that long; at "
        "late ranks they are few, so it can exceed 'completed')\n";
  if (templates > 1)
    os << "  (a launch rank counts programmes of any template: each template's own odds are in "
          "the table by programme)\n";

  if (!s.grid.empty()) {
    const std::size_t g = s.grid.size() - 1;
    os << "\nat the horizon             mean    P10    P50    P90\n";
    std::snprintf(line, sizeof line, "  %-22s %6.3f  %5.3f  %5.3f  %5.3f\n", "cynicism",
                  s.cynicism_mean[g], s.cynicism_quantiles[0][g], s.cynicism_quantiles[1][g],
                  s.cynicism_quantiles[2][g]);
    os << line;
    std::snprintf(line, sizeof line, "  %-22s %6.3f  %5.3f  %5.3f  %5.3f\n", "customer trust",
                  s.trust_mean[g], s.trust_quantiles[0][g], s.trust_quantiles[1][g],
                  s.trust_quantiles[2][g]);
    os << line;
    std::snprintf(line, sizeof line, "  %-22s %6.2f\n", "programmes live", s.live_mean[g]);
    os << line;
  }
  std::snprintf(line, sizeof line,
                "\nsponsor exits: %.1f per organisation, %.1f of them sponsoring a live programme",
                s.exits_per_org.estimate, s.sponsoring_exits_per_org.estimate);
  os << line;
  // Per such exit: undefined when no exit left a live programme behind.
  if (std::isnan(s.orphaned_per_exit)) {
    os << ".\n";
  } else {
    std::snprintf(line, sizeof line, "; each of those orphans %.2f programmes and loses %.2f.\n",
                  s.orphaned_per_exit, s.lost_per_exit);
    os << line;
  }
  return os.str();
}

}  // namespace progsurv
