#include "progsurv/engine/summary.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>

namespace progsurv {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

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
  return wilson_at(static_cast<double>(k) / static_cast<double>(n), static_cast<double>(n), z);
}

Estimate wilson_at(double p, double nn, double z) {
  if (!(nn > 0.0)) return {kNaN, kNaN, kNaN};
  const double z2 = z * z;
  const double denom = 1.0 + z2 / nn;
  const double centre = (p + z2 / (2.0 * nn)) / denom;
  const double half = z * std::sqrt(p * (1.0 - p) / nn + z2 / (4.0 * nn * nn)) / denom;
  // At k = 0 or k = n the bound equals p in exact arithmetic; rounding must not put the
  // interval on the wrong side of the estimate.
  return {p, std::min(p, std::max(0.0, centre - half)), std::max(p, std::min(1.0, centre + half))};
}

double clustered_ratio_se(const ClusteredCounts& c) {
  if (c.clusters < 2 || !(c.y > 0.0)) return kNaN;
  const double n = static_cast<double>(c.clusters);
  const double r = c.x / c.y;
  // sum (x_i - R y_i)^2, expanded (for counts the sums are whole numbers, exact while small).
  const double ss = std::max(0.0, c.xx - 2.0 * r * c.xy + r * r * c.yy);
  return std::sqrt(n * ss / (n - 1.0)) / c.y;
}

Estimate clustered_mean(const ClusteredCounts& c, double z) {
  if (!(c.y > 0.0)) return {kNaN, kNaN, kNaN};
  const double r = c.x / c.y, half = z * clustered_ratio_se(c);
  return {r, r - half, r + half};
}

Estimate clustered_share(const ClusteredCounts& c, double z) {
  if (!(c.y > 0.0)) return {kNaN, kNaN, kNaN};
  const double r = c.x / c.y;
  const double se = clustered_ratio_se(c);
  double size = c.y;
  if (r > 0.0 && r < 1.0 && se > 0.0) size = std::min(c.y, r * (1.0 - r) / (se * se));
  return wilson_at(r, size, z);
}

void mark_rules_used(Summary& s, const Scenario& scenario) {
  s.uses_deferral = false;
  if (scenario.deferral.prob > 0.0)
    for (const Phase& phase : scenario.phases)
      s.uses_deferral = s.uses_deferral || phase.deferrable > 0.0;
  s.uses_ladder = !scenario.escalation.ladder.empty();
  s.uses_reengagement = scenario.customers.reengage.prob > 0.0;
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
  // The q-quantile of `total` observations and the order statistics at ranks
  // n q ± z √(n q (1 - q)): a distribution-free 95% interval for it.
  const auto quantile_with_interval = [&](double total, double q, std::vector<double>& est,
                                          std::vector<double>& lower, std::vector<double>& upper) {
    if (!(total > 0)) {
      est.push_back(kNaN);
      lower.push_back(kNaN);
      upper.push_back(kNaN);
      return;
    }
    const double half = kZ95 * std::sqrt(total * q * (1.0 - q));
    const double lo = std::max(0.0, total * q - half) / total;
    const double hi = std::min(total, total * q + half) / total;
    est.push_back(histogram_quantile(t.completion_hist, width, total, q));
    lower.push_back(histogram_quantile(t.completion_hist, width, total, lo));
    upper.push_back(histogram_quantile(t.completion_hist, width, total, hi));
  };
  for (double q : s.quantile_levels) {
    quantile_with_interval(static_cast<double>(t.n), q, s.completion_quantile,
                           s.completion_quantile_lower, s.completion_quantile_upper);
    quantile_with_interval(static_cast<double>(completed), q, s.completion_quantile_given,
                           s.completion_quantile_given_lower, s.completion_quantile_given_upper);
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
  // Rule 16: deferral banks phases at a reduced value, so the value is no longer fixed by
  // the phases delivered: its mean and SE come from the replications' own values (the
  // distribution above stays that of the phases delivered, at their full values).
  mark_rules_used(s, scenario);
  if (s.uses_deferral && t.n > 0) {
    const Moments& m = t.moments[static_cast<std::size_t>(Quantity::Value)];
    const double mu = m.sum / nn;  // not-started programmes bank nothing
    const double v = t.n > 1 ? std::max(0.0, m.sumsq / nn - mu * mu) * nn / (nn - 1.0) : kNaN;
    s.value_se = std::sqrt(v / nn);
    s.value_mean = {mu, mu - kZ95 * s.value_se, mu + kZ95 * s.value_se};
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
        s.n_started > 1 ? std::max(0.0, m.sumsq / ns - mu * mu) * ns / (ns - 1.0) : kNaN;
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

std::string months(double x) {
  if (std::isnan(x)) return "not reached";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f months", x);
  return buf;
}

}  // namespace

std::string format_summary(const Summary& s, const std::string& title) {
  std::ostringstream os;
  char line[200];
  // Exact results have no sampling error: print the value alone, never an interval.
  const bool exact = s.n == 0;
  const auto share = [&](const Estimate& e) { return exact ? pct(e.estimate) : interval(e); };
  os << title << "\n";
  const double horizon = s.grid.empty() ? 0.0 : s.grid.back();
  if (!exact) {
    std::snprintf(line, sizeof line,
                  "%lld programmes proposed (replications), %lld started; horizon %g months\n",
                  static_cast<long long>(s.n), static_cast<long long>(s.n_started), horizon);
    os << line << "\n";
    os << "outcome by the horizon  share of proposed [95% interval, Wilson]  of started\n";
  } else {
    // "exact solution" starts the line cli_exact.cpp replaces with the chain's size.
    std::snprintf(line, sizeof line,
                  "exact solution (Markov chain, no replications, no sampling error); horizon "
                  "%g months\n",
                  horizon);
    os << line << "\n";
    os << "outcome by the horizon  share of proposed                         of started\n";
  }
  for (int o = 0; o < kOutcomeCount; ++o) {
    const auto i = static_cast<std::size_t>(o);
    const bool counts_started = static_cast<Outcome>(o) != Outcome::NotStarted;
    std::snprintf(line, sizeof line, "  %-20s %-41s %s\n", to_string(static_cast<Outcome>(o)),
                  share(s.outcome_share[i]).c_str(),
                  counts_started ? pct(s.outcome_share_started[i].estimate).c_str() : "");
    os << line;
  }
  os << "\ncause of end           share of ended programmes\n";
  for (int c = 0; c < kCauseCount; ++c) {
    std::snprintf(line, sizeof line, "  %-20s %s\n", to_string(static_cast<Cause>(c)),
                  share(s.cause_share[static_cast<std::size_t>(c)]).c_str());
    os << line;
  }
  os << "\ndelivery               share of started programmes\n";
  std::snprintf(line, sizeof line, "  %-20s %s\n", "nothing", share(s.delivered_none).c_str());
  os << line;
  std::snprintf(line, sizeof line, "  %-20s %s\n", "part of the phases",
                share(s.delivered_partial).c_str());
  os << line;
  std::snprintf(line, sizeof line, "  %-20s %s\n", "all phases", share(s.delivered_all).c_str());
  os << line;
  os << "\ncompletion time        of proposed programmes         among completed\n";
  const bool quantile_intervals =
      s.completion_quantile_lower.size() == s.quantile_levels.size() &&
      s.completion_quantile_given_lower.size() == s.quantile_levels.size();
  const auto with_interval = [&](double x, double lo, double hi) {
    if (std::isnan(x) || !quantile_intervals) return months(x);
    char buf[80];
    if (std::isnan(hi))
      std::snprintf(buf, sizeof buf, "%.1f months [%.1f, -]", x, lo);
    else
      std::snprintf(buf, sizeof buf, "%.1f months [%.1f, %.1f]", x, lo, hi);
    return std::string(buf);
  };
  for (std::size_t i = 0; i < s.quantile_levels.size(); ++i) {
    const double q = s.quantile_levels[i];
    if (q != 0.5 && q != 0.8) continue;
    const std::string all =
        quantile_intervals ? with_interval(s.completion_quantile[i], s.completion_quantile_lower[i],
                                           s.completion_quantile_upper[i])
                           : months(s.completion_quantile[i]);
    const std::string given =
        quantile_intervals
            ? with_interval(s.completion_quantile_given[i], s.completion_quantile_given_lower[i],
                            s.completion_quantile_given_upper[i])
            : months(s.completion_quantile_given[i]);
    std::snprintf(line, sizeof line, "  P%-19.0f %-30s %s\n", 100.0 * q, all.c_str(),
                  given.c_str());
    os << line;
  }
  if (exact) {
    std::snprintf(line, sizeof line, "\nmean value per proposed programme: %.3f\n",
                  s.value_mean.estimate);
  } else if (std::isnan(s.value_se)) {  // one replication has no spread
    std::snprintf(line, sizeof line, "\nmean value per proposed programme: %.3f  (SE n/a)\n",
                  s.value_mean.estimate);
  } else {
    std::snprintf(line, sizeof line, "\nmean value per proposed programme: %.3f  (SE %.3f)\n",
                  s.value_mean.estimate, s.value_se);
  }
  os << line;
  // Means per started programme: none when nothing started (a tiny run, or approval 0).
  if (!exact && s.n_started == 0) {
    os << "mean months per started programme: n/a (no programme started)\n";
    return os.str();
  }
  os << "mean months per started programme:";
  for (TimeBucket b : kTimeBucketOrder) {
    std::snprintf(line, sizeof line, " %s %.1f", to_string(b),
                  s.mean[static_cast<std::size_t>(quantity_of(b))]);
    os << line;
  }
  os << "\n";
  // Rules 15-17 in words, for the scenarios that use them. A mean the exact solver cannot
  // give (customer trust, outside its chain) is n/a.
  const auto mean = [&](Quantity q, double scale = 1.0, int places = 2) {
    const double v = s.mean[static_cast<std::size_t>(q)];
    if (!std::isfinite(v)) return std::string("n/a");
    char b[32];
    std::snprintf(b, sizeof b, "%.*f", places, scale * v);
    return std::string(b);
  };
  if (s.uses_ladder)
    os << "escalation ladder: " << mean(Quantity::Escalations) << " escalation attempts and "
       << mean(Quantity::Rungs) << " trials (rungs and sponsor) per started programme\n";
  if (s.uses_deferral)
    os << mean(Quantity::Deferring, 100.0, 0) << "% of started programmes deferred scope; "
       << mean(Quantity::DeferredValue) << " of value per started programme deferred and never "
       << "delivered\n";
  if (s.uses_reengagement)
    os << mean(Quantity::Reengagements) << " re-engagements with customers per started "
       << "programme; mean customer trust at the end " << mean(Quantity::CustomerTrust) << "\n";
  return os.str();
}

}  // namespace progsurv
