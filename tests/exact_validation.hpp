#pragma once
// The Monte Carlo engine against the exact solver (docs/validation.md, "Statistical
// validation"): Wilson interval coverage of every curve cell, a chi-square fit of the final
// (category, phases delivered) counts and the z of every mean. Shared by test_exact.cpp and
// test_exact_seats_ladder.cpp.
//
// PROGSURV_TEST_SCALE (default 1) scales the replications of the statistical tests, so
// sanitizer builds can run them smaller; the checks adapt to the number of replications.
#include <algorithm>
#include <boost/math/distributions/binomial.hpp>
#include <boost/math/distributions/chi_squared.hpp>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <string>
#include <vector>

#include "progsurv/analysis/exact.hpp"
#include "progsurv/engine/run.hpp"
#include "progsurv/engine/summary.hpp"

namespace progsurv::testing {

inline double test_scale() {
  const char* s = std::getenv("PROGSURV_TEST_SCALE");
  if (!s || !*s) return 1.0;
  const double v = std::atof(s);
  return v > 0.0 ? v : 1.0;
}

inline std::int64_t scaled(std::int64_t n) {
  return std::max<std::int64_t>(500,
                                static_cast<std::int64_t>(static_cast<double>(n) * test_scale()));
}

// P(the Wilson 95% interval for Binomial(n, p) covers p), summed exactly: its actual
// coverage is not exactly 95% and oscillates with n p.
inline double wilson_coverage(double p, std::int64_t n) {
  // lower(k) and upper(k) increase with k: the covering k form an interval [k1, k2].
  std::int64_t lo = 0, hi = n;
  while (lo < hi) {  // k1 = first k with upper(k) >= p
    const std::int64_t mid = (lo + hi) / 2;
    if (wilson(mid, n).upper >= p)
      hi = mid;
    else
      lo = mid + 1;
  }
  const std::int64_t k1 = lo;
  lo = 0;
  hi = n;
  while (lo < hi) {  // k2 = last k with lower(k) <= p
    const std::int64_t mid = (lo + hi + 1) / 2;
    if (wilson(mid, n).lower <= p)
      lo = mid;
    else
      hi = mid - 1;
  }
  const std::int64_t k2 = lo;
  if (k2 < k1) return 0.0;
  const boost::math::binomial_distribution<double> b(static_cast<double>(n), p);
  return boost::math::cdf(b, static_cast<double>(k2)) -
         (k1 > 0 ? boost::math::cdf(b, static_cast<double>(k1 - 1)) : 0.0);
}

// Chi-square goodness of fit of observed counts against expected probabilities; cells
// expected below 5 are pooled. Returns the p-value (1 when fewer than two cells remain).
inline double chi_square_p(const std::vector<std::int64_t>& observed,
                           const std::vector<double>& prob, std::int64_t n) {
  std::vector<double> o, e;
  double pooled_o = 0, pooled_e = 0;
  for (std::size_t i = 0; i < observed.size(); ++i) {
    const double expected = prob[i] * static_cast<double>(n);
    if (expected < 5.0) {
      pooled_o += static_cast<double>(observed[i]);
      pooled_e += expected;
    } else {
      o.push_back(static_cast<double>(observed[i]));
      e.push_back(expected);
    }
  }
  if (pooled_e >= 5.0) {
    o.push_back(pooled_o);
    e.push_back(pooled_e);
  } else if (!e.empty()) {
    o.back() += pooled_o;
    e.back() += pooled_e;
  }
  if (e.size() < 2) return 1.0;
  double x2 = 0;
  for (std::size_t i = 0; i < o.size(); ++i) x2 += (o[i] - e[i]) * (o[i] - e[i]) / e[i];
  const boost::math::chi_squared_distribution<double> chi(static_cast<double>(e.size() - 1));
  return boost::math::cdf(boost::math::complement(chi, x2));
}

struct Validation {
  // Coverage over cells (run, category, grid point) with n p >= 5 and n (1-p) >= 5.
  std::int64_t cells = 0, covered = 0;
  double expected_covered = 0;  // sum of the exact Wilson coverage of each cell
  double var_independent = 0, var_worst = 0, var_clusters = 0;
  int clusters = 0;
  std::vector<double> gof_p;  // one per run
  double fisher_p = 1.0;
  double worst_mean_z = 0.0;
  std::string worst_mean;

  double tolerance_sd() const {
    return std::sqrt(std::clamp(var_clusters, var_independent, var_worst));
  }
  double z() const { return (static_cast<double>(covered) - expected_covered) / tolerance_sd(); }
};

// Monte Carlo runs of `mc[i]` (several independent seeds each) against the exact solution
// of `exact[i]`.
inline Validation validate(const std::vector<Scenario>& exact, const std::vector<Scenario>& mc,
                           int seeds, std::int64_t n) {
  Validation v;
  std::vector<double> cluster_o, cluster_e;
  double fisher = 0;
  for (std::size_t i = 0; i < exact.size(); ++i) {
    const ExactModel model(exact[i]);
    const RunResult ex = model.solve();
    const std::vector<double> final_cells = model.phases_by_category(exact[i].horizon);
    Tally pooled(mc[i]);
    for (int seed = 1; seed <= seeds; ++seed) {
      RunOptions opt;
      opt.replications = n;
      opt.seed = static_cast<std::uint64_t>(1000 * i + seed);
      opt.threads = 2;
      const RunResult r = run(mc[i], opt);
      pooled.merge(r.tally);
      double o_c = 0, e_c = 0, sd_c = 0;
      for (int k = 0; k < kEndCategoryCount; ++k) {
        for (std::size_t g = 0; g < exact[i].grid.size(); ++g) {
          const double p = ex.summary.curve[static_cast<std::size_t>(k)][g].estimate;
          const double np = p * static_cast<double>(n);
          if (np < 5.0 || static_cast<double>(n) - np < 5.0) continue;
          const Estimate& e = r.summary.curve[static_cast<std::size_t>(k)][g];
          const double c = wilson_coverage(p, n);
          ++v.cells;
          const bool in = e.lower <= p && p <= e.upper;
          v.covered += in;
          o_c += in;
          e_c += c;
          sd_c += std::sqrt(c * (1 - c));
          v.var_independent += c * (1 - c);
        }
      }
      v.expected_covered += e_c;
      v.var_worst += sd_c * sd_c;
      cluster_o.push_back(o_c);
      cluster_e.push_back(e_c);
      const double p = chi_square_p(r.tally.phases_by_category, final_cells, r.tally.n);
      v.gof_p.push_back(p);
      fisher += -2.0 * std::log(std::max(p, 1e-300));
    }
    // Means over started programmes, pooled over the seeds: |z| of MC against exact.
    const Summary pooled_summary = summarize(pooled, mc[i]);
    for (int q = 0; q < kQuantityCount; ++q) {
      const double exact_mean = ex.summary.mean[static_cast<std::size_t>(q)];
      if (std::isnan(exact_mean)) continue;
      const double mean = pooled_summary.mean[static_cast<std::size_t>(q)];
      const double se = pooled_summary.se[static_cast<std::size_t>(q)];
      double z = 0;
      if (se > 0) {
        z = (mean - exact_mean) / se;
      } else if (std::abs(mean - exact_mean) > 1e-9 * (1 + std::abs(exact_mean))) {
        z = std::numeric_limits<double>::infinity();  // a constant that should not be
      }
      if (std::abs(z) > std::abs(v.worst_mean_z)) {
        v.worst_mean_z = z;
        v.worst_mean = exact[i].name + " " + to_string(static_cast<Quantity>(q));
      }
    }
  }
  v.clusters = static_cast<int>(cluster_o.size());
  // Cluster-robust variance: runs are independent; cells within a run are not.
  double ss = 0;
  for (std::size_t c = 0; c < cluster_o.size(); ++c)
    ss += (cluster_o[c] - cluster_e[c]) * (cluster_o[c] - cluster_e[c]);
  v.var_clusters = v.clusters > 1 ? ss * v.clusters / (v.clusters - 1) : v.var_worst;
  const boost::math::chi_squared_distribution<double> chi(2.0 *
                                                          static_cast<double>(v.gof_p.size()));
  v.fisher_p = boost::math::cdf(boost::math::complement(chi, fisher));
  return v;
}

}  // namespace progsurv::testing
