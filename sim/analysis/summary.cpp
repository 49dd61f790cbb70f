#include "progsurv/analysis/summary.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>

namespace progsurv {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kZ95 = 1.959963984540054;

}  // namespace

double histogram_quantile(const std::vector<std::int64_t>& hist, double width, double total,
                          double q) {
  const double target = q * total;
  double before = 0.0;
  for (std::size_t i = 0; i < hist.size(); ++i) {
    const double here = static_cast<double>(hist[i]);
    if (here > 0 && before + here >= target) {
      const double frac = std::clamp((target - before) / here, 0.0, 1.0);
      return (static_cast<double>(i) + frac) * width;
    }
    before += here;
  }
  return kNaN;
}

Estimate wilson(std::int64_t k, std::int64_t n, double z) {
  if (n <= 0) return {kNaN, kNaN, kNaN};
  const double nn = static_cast<double>(n);
  const double p = static_cast<double>(k) / nn;
  const double z2 = z * z;
  const double denom = 1.0 + z2 / nn;
  const double centre = (p + z2 / (2.0 * nn)) / denom;
  const double half = z * std::sqrt(p * (1.0 - p) / nn + z2 / (4.0 * nn * nn)) / denom;
  // At k = 0 or k = n the bound equals p in exact arithmetic; rounding must not put the
  // interval on the wrong side of the estimate.
  return {p, std::min(p, std::max(0.0, centre - half)), std::max(p, std::min(1.0, centre + half))};
}

std::array<std::vector<double>, 4> completion_quantile_intervals(const Summary& s) {
  const bool have = s.completion_quantile_lower.size() == s.completion_quantile.size();
  if (!have) {
    return {s.completion_quantile, s.completion_quantile, s.completion_quantile_given,
            s.completion_quantile_given};
  }
  return {s.completion_quantile_lower, s.completion_quantile_upper,
          s.completion_quantile_given_lower, s.completion_quantile_given_upper};
}

Summary summarize(const Tally& t, const Scenario& scenario) {
  Summary s;
  s.n = t.n;
  s.n_started = t.started();
  s.grid = t.grid;
  const std::size_t g_count = t.grid_size();
  const std::size_t bins = t.bin_count();

  // Cumulative incidence: counts of each terminal category with end_time <= grid[g].
  for (int k = 0; k < kEndCategoryCount; ++k) {
    auto& c = s.curve_count[static_cast<std::size_t>(k)];
    c.assign(g_count, 0);
    if (k == static_cast<int>(EndCategory::Running)) continue;
    std::int64_t running_sum = 0;
    for (std::size_t g = 0; g < g_count; ++g) {
      running_sum += t.end_bins[static_cast<std::size_t>(k) * bins + g];
      c[g] = running_sum;
    }
  }
  // Running at t is what is left, so the curves sum to n at every grid point exactly.
  auto& running = s.curve_count[static_cast<std::size_t>(EndCategory::Running)];
  for (std::size_t g = 0; g < g_count; ++g) {
    std::int64_t other = 0;
    for (int k = 0; k < kEndCategoryCount; ++k)
      if (k != static_cast<int>(EndCategory::Running))
        other += s.curve_count[static_cast<std::size_t>(k)][g];
    running[g] = t.n - other;
  }
  for (int k = 0; k < kEndCategoryCount; ++k) {
    auto& e = s.curve[static_cast<std::size_t>(k)];
    e.resize(g_count);
    for (std::size_t g = 0; g < g_count; ++g)
      e[g] = wilson(s.curve_count[static_cast<std::size_t>(k)][g], t.n);
  }
  // Survival among started programmes: not yet ended by t (completed ones survive).
  s.survival.resize(g_count);
  for (std::size_t g = 0; g < g_count; ++g) {
    std::int64_t ended = 0;
    for (int k = static_cast<int>(EndCategory::SponsorExit);
         k <= static_cast<int>(EndCategory::PhaseGate); ++k)
      ended += s.curve_count[static_cast<std::size_t>(k)][g];
    s.survival[g] = wilson(s.n_started - ended, s.n_started);
  }

  const std::int64_t completed = t.count(EndCategory::Completed);
  const std::int64_t not_started = t.count(EndCategory::NotStarted);
  const std::int64_t running_end = t.count(EndCategory::Running);
  const std::int64_t ended = t.n - completed - not_started - running_end;
  const std::int64_t by_outcome[kOutcomeCount] = {completed, ended, not_started, running_end};
  for (int o = 0; o < kOutcomeCount; ++o) {
    s.outcome_share[static_cast<std::size_t>(o)] = wilson(by_outcome[o], t.n);
    s.outcome_share_started[static_cast<std::size_t>(o)] =
        o == static_cast<int>(Outcome::NotStarted) ? Estimate{0, 0, 0}
                                                   : wilson(by_outcome[o], s.n_started);
  }
  for (int c = 0; c < kCauseCount; ++c)
    s.cause_share[static_cast<std::size_t>(c)] =
        wilson(t.category_count[static_cast<std::size_t>(c + 1)], ended);

  s.quantile_levels = {0.1, 0.5, 0.8, 0.9};
  const double width = t.horizon / Tally::kCompletionBins;
  // The time by which `count` of `total` programmes have completed (NaN: never).
  auto time_of = [&](std::int64_t count, std::int64_t total) {
    if (count <= 0) return 0.0;
    return histogram_quantile(t.completion_hist, width, static_cast<double>(total),
                              static_cast<double>(count) / static_cast<double>(total));
  };
  // The fewest completions k of `total` whose Wilson bound (upper or lower) reaches q.
  auto first_count = [&](double q, std::int64_t total, bool upper) {
    std::int64_t lo = 0, hi = total + 1;
    while (lo < hi) {
      const std::int64_t mid = lo + (hi - lo) / 2;
      const Estimate e = wilson(mid, total);
      if ((upper ? e.upper : e.lower) >= q) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    return lo;  // total + 1: never
  };
  auto interval = [&](double q, std::int64_t total, std::vector<double>& lower,
                      std::vector<double>& upper) {
    if (total <= 0) {
      lower.push_back(kNaN);
      upper.push_back(kNaN);
      return;
    }
    const std::int64_t k_lo = first_count(q, total, true), k_hi = first_count(q, total, false);
    lower.push_back(k_lo > total ? kNaN : time_of(k_lo, total));
    upper.push_back(k_hi > total ? kNaN : time_of(k_hi, total));
  };
  for (double q : s.quantile_levels) {
    s.completion_quantile.push_back(
        histogram_quantile(t.completion_hist, width, static_cast<double>(t.n), q));
    s.completion_quantile_given.push_back(
        completed > 0
            ? histogram_quantile(t.completion_hist, width, static_cast<double>(completed), q)
            : kNaN);
    interval(q, t.n, s.completion_quantile_lower, s.completion_quantile_upper);
    interval(q, completed, s.completion_quantile_given_lower, s.completion_quantile_given_upper);
  }

  // Value is fixed by the number of phases delivered, so its distribution is exact.
  const int p_count = t.phase_count;
  s.value_levels.assign(static_cast<std::size_t>(p_count + 1), 0.0);
  for (int d = 1; d <= p_count; ++d)
    s.value_levels[static_cast<std::size_t>(d)] =
        s.value_levels[static_cast<std::size_t>(d - 1)] +
        (static_cast<std::size_t>(d - 1) < scenario.phases.size()
             ? scenario.phases[static_cast<std::size_t>(d - 1)].value
             : 0.0);
  std::vector<std::int64_t> by_d(static_cast<std::size_t>(p_count + 1), 0);
  std::vector<std::int64_t> by_d_started(static_cast<std::size_t>(p_count + 1), 0);
  for (int k = 0; k < kEndCategoryCount; ++k)
    for (int d = 0; d <= p_count; ++d) {
      const auto v = t.phases_by_category[static_cast<std::size_t>(k * (p_count + 1) + d)];
      by_d[static_cast<std::size_t>(d)] += v;
      if (k != static_cast<int>(EndCategory::NotStarted))
        by_d_started[static_cast<std::size_t>(d)] += v;
    }
  s.value_prob.assign(by_d.size(), 0.0);
  double mean = 0.0, second = 0.0;
  for (std::size_t d = 0; d < by_d.size(); ++d) {
    s.value_prob[d] = t.n > 0 ? static_cast<double>(by_d[d]) / static_cast<double>(t.n) : kNaN;
    mean += s.value_prob[d] * s.value_levels[d];
    second += s.value_prob[d] * s.value_levels[d] * s.value_levels[d];
  }
  const double nn = static_cast<double>(t.n);
  const double var = t.n > 1 ? std::max(0.0, second - mean * mean) * nn / (nn - 1.0) : kNaN;
  s.value_se = t.n > 0 ? std::sqrt(var / nn) : kNaN;
  s.value_mean = {mean, mean - kZ95 * s.value_se, mean + kZ95 * s.value_se};
  for (double q : s.quantile_levels) {
    double cum = 0.0, v = kNaN;
    for (std::size_t d = 0; d < by_d.size(); ++d) {
      cum += s.value_prob[d];
      if (cum >= q - 1e-12) {
        v = s.value_levels[d];
        break;
      }
    }
    s.value_quantile.push_back(v);
  }
  s.delivered_none = wilson(by_d_started[0], s.n_started);
  s.delivered_all = wilson(by_d_started[static_cast<std::size_t>(p_count)], s.n_started);
  std::int64_t partial = 0;
  for (int d = 1; d < p_count; ++d) partial += by_d_started[static_cast<std::size_t>(d)];
  s.delivered_partial = wilson(partial, s.n_started);

  const double ns = static_cast<double>(s.n_started);
  for (int q = 0; q < kQuantityCount; ++q) {
    const Moments& m = t.moments[static_cast<std::size_t>(q)];
    if (s.n_started == 0) {
      s.mean[static_cast<std::size_t>(q)] = kNaN;
      s.se[static_cast<std::size_t>(q)] = kNaN;
      continue;
    }
    const double mu = m.sum / ns;
    const double v =
        s.n_started > 1 ? std::max(0.0, m.sumsq / ns - mu * mu) * ns / (ns - 1.0) : 0.0;
    s.mean[static_cast<std::size_t>(q)] = mu;
    s.se[static_cast<std::size_t>(q)] = std::sqrt(v / ns);
  }

  for (std::size_t i = 0; i < t.checkpoint_n.size(); ++i) {
    const auto n_i = t.checkpoint_n[i];
    const Estimate e = wilson(t.checkpoint_completed[i], n_i);
    s.convergence_n.push_back(n_i);
    s.convergence_p.push_back(e.estimate);
    s.convergence_se.push_back(
        n_i > 0 ? std::sqrt(e.estimate * (1.0 - e.estimate) / static_cast<double>(n_i)) : kNaN);
    s.convergence_half_width.push_back(0.5 * (e.upper - e.lower));
  }
  return s;
}

namespace {

std::string pct(double x) {
  if (std::isnan(x)) return "n/a";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", 100.0 * x);
  return buf;
}

std::string interval(const Estimate& e) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%7s  [%s, %s]", pct(e.estimate).c_str(), pct(e.lower).c_str(),
                pct(e.upper).c_str());
  return buf;
}

std::string months_short(double x) {
  if (std::isnan(x)) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", x);
  return buf;
}

std::string months(double x) {
  if (std::isnan(x)) return "not reached";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f months", x);
  return buf;
}

}  // namespace

std::string format_summary(const Summary& s, const std::string& title) {
  std::ostringstream os;
  char line[160];
  os << title << "\n";
  if (s.n > 0) {
    std::snprintf(line, sizeof line, "replications: %lld (started: %lld)\n",
                  static_cast<long long>(s.n), static_cast<long long>(s.n_started));
    os << line << "\n";
  } else {
    // Exact-solver results have no replications; their intervals collapse to the value.
    os << "exact solution (Markov chain, no replications)\n\n";
  }
  os << "outcome              share   [95% interval]   (Wilson)\n";
  for (int o = 0; o < kOutcomeCount; ++o) {
    std::snprintf(line, sizeof line, "  %-16s %s\n", to_string(static_cast<Outcome>(o)),
                  interval(s.outcome_share[static_cast<std::size_t>(o)]).c_str());
    os << line;
  }
  os << "\ncause of end         share of ended programmes\n";
  for (int c = 0; c < kCauseCount; ++c) {
    std::snprintf(line, sizeof line, "  %-16s %s\n", to_string(static_cast<Cause>(c)),
                  interval(s.cause_share[static_cast<std::size_t>(c)]).c_str());
    os << line;
  }
  os << "\ndelivery among started programmes\n";
  std::snprintf(line, sizeof line, "  %-16s %s\n", "nothing", interval(s.delivered_none).c_str());
  os << line;
  std::snprintf(line, sizeof line, "  %-16s %s\n", "partial",
                interval(s.delivered_partial).c_str());
  os << line;
  std::snprintf(line, sizeof line, "  %-16s %s\n", "all phases", interval(s.delivered_all).c_str());
  os << line;
  os << "\ncompletion time      all programmes [95%]          among completed [95%]\n";
  const auto ci = completion_quantile_intervals(s);
  auto with_interval = [&](double x, double lo, double hi) {
    if (std::isnan(x)) return std::string("not reached");
    return months(x) + " [" + months_short(lo) + ", " + months_short(hi) + "]";
  };
  for (std::size_t i = 0; i < s.quantile_levels.size(); ++i) {
    const double q = s.quantile_levels[i];
    std::snprintf(line, sizeof line, "  P%-15.0f %-29s %s\n", 100.0 * q,
                  with_interval(s.completion_quantile[i], ci[0][i], ci[1][i]).c_str(),
                  with_interval(s.completion_quantile_given[i], ci[2][i], ci[3][i]).c_str());
    os << line;
  }
  std::snprintf(line, sizeof line, "\nmean value: %.3f  (SE %.3f)\n", s.value_mean.estimate,
                s.value_se);
  os << line;
  os << "mean months per started programme:";
  for (TimeBucket b : kTimeBucketOrder) {
    std::snprintf(line, sizeof line, " %s %.1f", to_string(b),
                  s.mean[static_cast<std::size_t>(quantity_of(b))]);
    os << line;
  }
  os << "\n";
  return os.str();
}

}  // namespace progsurv
