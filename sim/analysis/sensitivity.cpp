#include "progsurv/analysis/sensitivity.hpp"

#include <algorithm>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <boost/random/sobol.hpp>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "progsurv/model/rng.hpp"

namespace progsurv::sensitivity {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::size_t at(int i) { return static_cast<std::size_t>(i); }

// Sums over a set of base rows j (with multiplicity) from which every estimator's indices
// follow. Outputs are shifted by a typical value so that sums of squares and products stay
// free of cancellation.
struct Sums {
  int k;
  bool second_order;
  double shift;
  double n = 0;                                      // base rows
  double pooled = 0, pooled_sq = 0;                  // Σ and Σ² over f(A) and f(B) together
  double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;  // f(A), f(B): sums, squares, Σ a·b
  // Per factor: Σ (a − ab)², Σ (b − ab)², Σ b (ab − a), Σ ab, Σ ab², Σ a·ab, Σ b·ab.
  std::vector<double> total_sq, first_sq, first_prod, s_ab, ss_ab, c_a_ab, c_b_ab;
  // Per factor: Σ ba, Σ ba²; per pair (i < j): Σ (ba_i − ab_j)², Σ ba_i·ab_j.
  std::vector<double> s_ba, ss_ba, pair_sq, pair_prod;

  Sums(int factors, bool second, double shift_by)
      : k(factors),
        second_order(second),
        shift(shift_by),
        total_sq(at(factors), 0.0),
        first_sq(total_sq),
        first_prod(total_sq),
        s_ab(total_sq),
        ss_ab(total_sq),
        c_a_ab(total_sq),
        c_b_ab(total_sq) {
    if (second_order) {
      s_ba = ss_ba = total_sq;
      pair_sq.assign(at(factors * (factors - 1) / 2), 0.0);
      pair_prod = pair_sq;
    }
  }

  void add(const std::vector<double>& y, std::int64_t n_base, std::int64_t j) {
    // Differences from the outputs as they are, products from the shifted ones.
    const auto raw = [&](int block) {
      return y[static_cast<std::size_t>(saltelli_row(n_base, block, j))];
    };
    const double ya = raw(0), yb = raw(1);
    const double a = ya - shift, b = yb - shift;
    n += 1;
    pooled += a + b;
    pooled_sq += a * a + b * b;
    sa += a;
    sb += b;
    saa += a * a;
    sbb += b * b;
    sab += a * b;
    for (int i = 0; i < k; ++i) {
      const double yab = raw(2 + i), ab = yab - shift;
      total_sq[at(i)] += (ya - yab) * (ya - yab);
      first_sq[at(i)] += (yb - yab) * (yb - yab);
      first_prod[at(i)] += b * (ab - a);
      s_ab[at(i)] += ab;
      ss_ab[at(i)] += ab * ab;
      c_a_ab[at(i)] += a * ab;
      c_b_ab[at(i)] += b * ab;
    }
    if (!second_order) return;
    for (int i = 0; i < k; ++i) {
      const double yba = raw(2 + k + i), ba = yba - shift;
      s_ba[at(i)] += ba;
      ss_ba[at(i)] += ba * ba;
      for (int l = i + 1; l < k; ++l) {
        const double yab = raw(2 + l);
        const std::size_t p = pair_index(i, l, k);
        pair_sq[p] += (yba - yab) * (yba - yab);
        pair_prod[p] += ba * (yab - shift);
      }
    }
  }

  double mean() const { return shift + pooled / (2 * n); }
  // Unbiased variance of f(A) and f(B) pooled.
  double variance() const {
    const double m = 2 * n;
    const double mu = pooled / m;
    return m > 1 ? std::max(0.0, (pooled_sq - m * mu * mu) / (m - 1)) : kNaN;
  }
  // Pearson correlation from sums over n rows.
  double corr(double sx, double sxx, double sy, double syy, double sxy) const {
    const double mx = sx / n, my = sy / n;
    const double vx = sxx / n - mx * mx, vy = syy / n - my * my;
    return vx > 0 && vy > 0 ? (sxy / n - mx * my) / std::sqrt(vx * vy) : kNaN;
  }
  double first(int i, SobolEstimator e) const {
    const double v = variance();
    if (!(v > 0)) return kNaN;
    switch (e) {
      case SobolEstimator::Jansen:
        return (v - first_sq[at(i)] / (2 * n)) / v;
      case SobolEstimator::Saltelli:
        return first_prod[at(i)] / n / v;
      case SobolEstimator::Martinez:
        return corr(sb, sbb, s_ab[at(i)], ss_ab[at(i)], c_b_ab[at(i)]);
    }
    return kNaN;
  }
  double total(int i, SobolEstimator e) const {
    const double v = variance();
    if (!(v > 0)) return kNaN;
    if (e == SobolEstimator::Martinez)
      return 1.0 - corr(sa, saa, s_ab[at(i)], ss_ab[at(i)], c_a_ab[at(i)]);
    return total_sq[at(i)] / (2 * n) / v;
  }
  // The closed index of the pair (i, l), i < l.
  double closed(int i, int l, SobolEstimator e) const {
    const double v = variance();
    if (!(v > 0)) return kNaN;
    const std::size_t p = pair_index(i, l, k);
    switch (e) {
      case SobolEstimator::Jansen:
        return (v - pair_sq[p] / (2 * n)) / v;
      case SobolEstimator::Saltelli:
        return (pair_prod[p] - sab) / n / v;
      case SobolEstimator::Martinez:
        return corr(s_ba[at(i)], ss_ba[at(i)], s_ab[at(l)], ss_ab[at(l)], pair_prod[p]);
    }
    return kNaN;
  }
  double second(int i, int l, SobolEstimator e) const {
    return closed(i, l, e) - first(i, e) - first(l, e);
  }
};

// Percentile of sorted finite values, linear interpolation between order statistics.
double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return kNaN;
  const double pos = p * static_cast<double>(sorted.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (pos - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

// Sample standard deviation of the finite values (NaN with fewer than two).
double finite_sd(const std::vector<double>& v) {
  double n = 0, sum = 0, sumsq = 0;
  for (double x : v)
    if (std::isfinite(x)) {
      n += 1;
      sum += x;
    }
  if (n < 2) return kNaN;
  const double m = sum / n;
  for (double x : v)
    if (std::isfinite(x)) sumsq += (x - m) * (x - m);
  return std::sqrt(sumsq / (n - 1));
}

// The percentile interval of `replicates` around `estimate`, and their standard deviation.
Estimate interval(double estimate, std::vector<double> replicates, double confidence, double& se) {
  se = std::isnan(estimate) ? kNaN : finite_sd(replicates);
  if (std::isnan(estimate)) return {kNaN, kNaN, kNaN};
  replicates.erase(std::remove_if(replicates.begin(), replicates.end(),
                                  [](double x) { return !std::isfinite(x); }),
                   replicates.end());
  std::sort(replicates.begin(), replicates.end());
  const double alpha = 1.0 - confidence;
  return {estimate, percentile(replicates, alpha / 2), percentile(replicates, 1 - alpha / 2)};
}

double normal_z(double confidence) {
  return boost::math::quantile(boost::math::normal(), 0.5 + confidence / 2);
}

// Lemire's multiply-shift: an index in [0, n) for n far below 2^64.
std::int64_t pick_below(Rng& rng, std::int64_t n) {
  return static_cast<std::int64_t>(
      (static_cast<unsigned __int128>(rng()) * static_cast<unsigned __int128>(n)) >> 64);
}

void check_design_size(const std::vector<double>& y, std::int64_t n, int k, bool second_order,
                       const char* who) {
  if (n < 1 || k < 1) throw std::invalid_argument(std::string(who) + ": need n >= 1 and k >= 1");
  const std::int64_t rows = n * saltelli_blocks(k, second_order);
  if (y.size() != static_cast<std::size_t>(rows))
    throw std::invalid_argument(std::string(who) + ": expected n*(" +
                                (second_order ? "2k+2" : "k+2") + ") = " + std::to_string(rows) +
                                " outputs, got " + std::to_string(y.size()));
}

}  // namespace

const char* to_string(SobolEstimator e) {
  switch (e) {
    case SobolEstimator::Jansen:
      return "jansen";
    case SobolEstimator::Martinez:
      return "martinez";
    case SobolEstimator::Saltelli:
      return "saltelli";
  }
  return "?";
}

bool parse_estimator(const std::string& text, SobolEstimator& out) {
  for (SobolEstimator e :
       {SobolEstimator::Jansen, SobolEstimator::Martinez, SobolEstimator::Saltelli})
    if (text == to_string(e)) {
      out = e;
      return true;
    }
  return false;
}

std::vector<std::vector<double>> saltelli_sample(std::int64_t n, int k, bool second_order,
                                                 std::uint64_t shift) {
  if (n < 1 || k < 1) throw std::invalid_argument("saltelli_sample: need n >= 1 and k >= 1");
  // Boost's tables stop at 3667 dimensions (2k of them are needed).
  if (2 * k > 3667) throw std::invalid_argument("saltelli_sample: at most 1833 factors");
  boost::random::sobol qrng(static_cast<unsigned>(2 * k));
  // The top 53 bits of the engine's 64-bit words, as a double in [0, 1): exact, and never
  // rounded up to 1 (for the unshifted sequence the low bits are zero anyway).
  const double scale = std::ldexp(1.0, -53);
  std::vector<std::uint64_t> xor_by(static_cast<std::size_t>(2 * k), 0);
  if (shift != 0) {
    Rng rng(shift, 0x5d1f7ULL, Mechanism::Analysis);
    for (auto& w : xor_by) w = rng();
  }
  std::vector<std::vector<double>> a(static_cast<std::size_t>(n)), b(a.size());
  // The sequence's first points, the origin and (0.5, ..., 0.5), have equal halves: their
  // rows of A and B coincide, carry no information and push every first-order index up by
  // about (2/n)(1 - S1). As SALib does (skip_values), the first 2^m >= n points are skipped;
  // the block [2^m, 2^m + n) fills every dyadic stratum exactly for n a power of two, as the
  // first n points did. Boost starts at point 1, so 2^m - 1 points are discarded.
  std::uint64_t skip = 2;
  while (skip < static_cast<std::uint64_t>(n)) skip *= 2;
  qrng.discard((skip - 1) * static_cast<std::uint64_t>(2 * k));
  const auto next = [&](int d) {
    return static_cast<double>((static_cast<std::uint64_t>(qrng()) ^ xor_by[at(d)]) >> 11) * scale;
  };
  for (std::int64_t j = 0; j < n; ++j) {
    auto& ra = a[static_cast<std::size_t>(j)];
    auto& rb = b[static_cast<std::size_t>(j)];
    ra.assign(at(k), 0.0);
    rb.assign(at(k), 0.0);
    for (int d = 0; d < k; ++d) ra[at(d)] = next(d);
    for (int d = 0; d < k; ++d) rb[at(d)] = next(k + d);
  }
  std::vector<std::vector<double>> rows;
  rows.reserve(static_cast<std::size_t>(n * saltelli_blocks(k, second_order)));
  for (const auto& r : a) rows.push_back(r);
  for (const auto& r : b) rows.push_back(r);
  const auto mixed = [&](const std::vector<std::vector<double>>& base,
                         const std::vector<std::vector<double>>& from) {
    for (int i = 0; i < k; ++i) {
      for (std::int64_t j = 0; j < n; ++j) {
        std::vector<double> r = base[static_cast<std::size_t>(j)];
        r[at(i)] = from[static_cast<std::size_t>(j)][at(i)];
        rows.push_back(std::move(r));
      }
    }
  };
  mixed(a, b);
  if (second_order) mixed(b, a);
  return rows;
}

SobolIndices sobol_indices(const std::vector<double>& y, std::int64_t n, int k, int bootstrap,
                           std::uint64_t seed, double confidence, SobolEstimator estimator,
                           bool second_order) {
  check_design_size(y, n, k, second_order, "sobol_indices");
  if (bootstrap < 0) throw std::invalid_argument("sobol_indices: bootstrap must be >= 0");
  if (!(confidence > 0.0 && confidence < 1.0))
    throw std::invalid_argument("sobol_indices: confidence must be in (0, 1)");

  SobolIndices out;
  out.bootstrap = bootstrap;
  out.confidence = confidence;
  out.estimator = estimator;
  const std::size_t kk = at(k), pairs = second_order ? at(k * (k - 1) / 2) : 0;
  if (std::any_of(y.begin(), y.end(), [](double v) { return std::isnan(v); })) {
    out.mean = out.variance = kNaN;
    out.first.assign(kk, {kNaN, kNaN, kNaN});
    out.total = out.first;
    out.first_se.assign(kk, kNaN);
    out.total_se = out.first_se;
    out.second.assign(pairs, {kNaN, kNaN, kNaN});
    out.second_se.assign(pairs, kNaN);
    return out;
  }

  Sums all(k, second_order, y.front());
  for (std::int64_t j = 0; j < n; ++j) all.add(y, n, j);
  out.mean = all.mean();
  out.variance = all.variance();

  std::vector<std::vector<double>> boot_first(kk), boot_total(kk), boot_second(pairs);
  // Its own stream, keyed apart from any replication's, so the resamples never depend on
  // what the model drew.
  Rng rng(seed, 0x5a17e111b007ULL, Mechanism::Analysis);
  for (int b = 0; b < bootstrap; ++b) {
    Sums s(k, second_order, y.front());
    for (std::int64_t j = 0; j < n; ++j) s.add(y, n, pick_below(rng, n));
    for (int i = 0; i < k; ++i) {
      boot_first[at(i)].push_back(s.first(i, estimator));
      boot_total[at(i)].push_back(s.total(i, estimator));
      for (int l = i + 1; l < k && second_order; ++l)
        boot_second[pair_index(i, l, k)].push_back(s.second(i, l, estimator));
    }
  }
  double se = 0;
  for (int i = 0; i < k; ++i) {
    out.first.push_back(
        interval(all.first(i, estimator), std::move(boot_first[at(i)]), confidence, se));
    out.first_se.push_back(se);
    out.total.push_back(
        interval(all.total(i, estimator), std::move(boot_total[at(i)]), confidence, se));
    out.total_se.push_back(se);
  }
  for (int i = 0; i < k && second_order; ++i)
    for (int l = i + 1; l < k; ++l) {
      const std::size_t p = pair_index(i, l, k);
      out.second.push_back(
          interval(all.second(i, l, estimator), std::move(boot_second[p]), confidence, se));
      out.second_se.push_back(se);
    }
  return out;
}

SobolIndices combine_repeats(const std::vector<SobolIndices>& runs) {
  if (runs.empty()) throw std::invalid_argument("combine_repeats: no runs");
  if (runs.size() == 1) return runs.front();
  SobolIndices out = runs.front();
  const double r = static_cast<double>(runs.size());
  // The runs are independent randomised designs, each under its own engine seed: their spread
  // holds the design's sampling error and the simulation noise alike, and the mean of R
  // independent estimates has Student's t interval (randomised quasi-Monte Carlo).
  const double t = boost::math::quantile(boost::math::students_t(r - 1), 0.5 + out.confidence / 2);
  out.repeats = static_cast<int>(runs.size());
  const auto combine = [&](auto estimates, std::vector<Estimate>& est, std::vector<double>& se,
                           std::vector<double>& seed_sd) {
    seed_sd.assign(est.size(), kNaN);
    for (std::size_t i = 0; i < est.size(); ++i) {
      double mean = 0;
      for (const auto& run : runs) mean += estimates(run)[i].estimate / r;
      double between = 0;
      for (const auto& run : runs) {
        const double d = estimates(run)[i].estimate - mean;
        between += d * d / (r - 1);
      }
      seed_sd[i] = std::sqrt(between);
      se[i] = std::sqrt(between / r);
      est[i] = {mean, mean - t * se[i], mean + t * se[i]};
    }
  };
  combine(
      [](const SobolIndices& s) -> const auto& { return s.first; }, out.first, out.first_se,
      out.first_seed_sd);
  combine(
      [](const SobolIndices& s) -> const auto& { return s.total; }, out.total, out.total_se,
      out.total_seed_sd);
  combine(
      [](const SobolIndices& s) -> const auto& { return s.second; }, out.second, out.second_se,
      out.second_seed_sd);
  double mean = 0, variance = 0;
  for (const auto& run : runs) {
    mean += run.mean / r;
    variance += run.variance / r;
  }
  out.mean = mean;
  out.variance = variance;
  return out;
}

SobolConvergence sobol_convergence(const std::vector<double>& y, std::int64_t n, int k,
                                   SobolEstimator estimator, bool second_order) {
  check_design_size(y, n, k, second_order, "sobol_convergence");
  SobolConvergence out;
  for (std::int64_t c = 16; c < n; c *= 2) out.base_samples.push_back(c);
  out.base_samples.push_back(n);
  const bool nan = std::any_of(y.begin(), y.end(), [](double v) { return std::isnan(v); });
  Sums s(k, false, y.front());
  std::int64_t used = 0;
  for (const std::int64_t c : out.base_samples) {
    // Rows are added once: the sums of the first c rows extend those of the first c / 2.
    for (; used < c; ++used) {
      // The rows sit in a design of n base samples; only A, B and AB_i are needed here.
      const auto value = [&](int block) {
        return y[static_cast<std::size_t>(saltelli_row(n, block, used))];
      };
      std::vector<double> row;
      for (int b = 0; b < k + 2; ++b) row.push_back(value(b));
      // Sums::add reads a design of one base sample: rows laid out block by block.
      s.add(row, 1, 0);
    }
    std::vector<double> first, total;
    for (int i = 0; i < k; ++i) {
      first.push_back(nan ? kNaN : s.first(i, estimator));
      total.push_back(nan ? kNaN : s.total(i, estimator));
    }
    out.first.push_back(std::move(first));
    out.total.push_back(std::move(total));
  }
  return out;
}

std::vector<std::vector<double>> morris_sample(std::int64_t r, int k, int levels,
                                               std::uint64_t seed) {
  if (r < 1 || k < 1) throw std::invalid_argument("morris_sample: need r >= 1 and k >= 1");
  if (levels < 2 || levels % 2 != 0)
    throw std::invalid_argument("morris_sample: levels must be even and >= 2");
  const double step = 1.0 / (levels - 1);
  const int jump = levels / 2;  // Δ = levels / (2 (levels − 1)) = jump grid steps
  Rng rng(seed, 0x3022157ULL, Mechanism::Analysis);
  std::vector<std::vector<double>> rows;
  rows.reserve(static_cast<std::size_t>(r * (k + 1)));
  std::vector<int> order(at(k));
  std::vector<int> start(at(k));
  std::vector<bool> up(at(k));
  for (std::int64_t t = 0; t < r; ++t) {
    // A start level from which both ends of the jump stay on the grid, a direction and an
    // order of the factors.
    for (int i = 0; i < k; ++i) {
      start[at(i)] = static_cast<int>(pick_below(rng, levels - jump));
      up[at(i)] = (rng() >> 63) != 0;
      order[at(i)] = i;
    }
    for (int i = k - 1; i > 0; --i)
      std::swap(order[at(i)], order[static_cast<std::size_t>(pick_below(rng, i + 1))]);
    std::vector<int> level(at(k));
    for (int i = 0; i < k; ++i) level[at(i)] = start[at(i)] + (up[at(i)] ? 0 : jump);
    const auto row = [&] {
      std::vector<double> u(at(k));
      for (int i = 0; i < k; ++i) u[at(i)] = level[at(i)] == levels - 1 ? 1.0 : level[at(i)] * step;
      return u;
    };
    rows.push_back(row());
    for (int i : order) {
      level[at(i)] += up[at(i)] ? jump : -jump;
      rows.push_back(row());
    }
  }
  return rows;
}

MorrisIndices morris_effects(const std::vector<std::vector<double>>& rows,
                             const std::vector<double>& y, std::int64_t r, int k, int bootstrap,
                             std::uint64_t seed, double confidence) {
  if (r < 1 || k < 1) throw std::invalid_argument("morris_effects: need r >= 1 and k >= 1");
  const auto expected = static_cast<std::size_t>(r * (k + 1));
  if (rows.size() != expected || y.size() != expected)
    throw std::invalid_argument("morris_effects: expected r*(k+1) = " + std::to_string(expected) +
                                " rows and outputs, got " + std::to_string(rows.size()) + " and " +
                                std::to_string(y.size()));
  if (bootstrap < 0) throw std::invalid_argument("morris_effects: bootstrap must be >= 0");
  if (!(confidence > 0.0 && confidence < 1.0))
    throw std::invalid_argument("morris_effects: confidence must be in (0, 1)");
  // ee[i][t]: the elementary effect of factor i on trajectory t.
  std::vector<std::vector<double>> ee(at(k),
                                      std::vector<double>(static_cast<std::size_t>(r), kNaN));
  for (std::int64_t t = 0; t < r; ++t) {
    for (int s = 0; s < k; ++s) {
      const auto p = static_cast<std::size_t>(t * (k + 1) + s);
      int moved = -1;
      for (int i = 0; i < k; ++i)
        if (rows[p][at(i)] != rows[p + 1][at(i)]) {
          if (moved >= 0)
            throw std::invalid_argument("morris_effects: rows " + std::to_string(p) + " and " +
                                        std::to_string(p + 1) + " differ in more than one factor");
          moved = i;
        }
      if (moved < 0)
        throw std::invalid_argument("morris_effects: rows " + std::to_string(p) + " and " +
                                    std::to_string(p + 1) + " are equal");
      ee[at(moved)][static_cast<std::size_t>(t)] =
          (y[p + 1] - y[p]) / (rows[p + 1][at(moved)] - rows[p][at(moved)]);
    }
  }
  MorrisIndices out;
  out.bootstrap = bootstrap;
  out.confidence = confidence;
  const double z = normal_z(confidence);
  const double rr = static_cast<double>(r);
  Rng rng(seed, 0x3022157b007ULL, Mechanism::Analysis);
  for (int i = 0; i < k; ++i) {
    const auto& e = ee[at(i)];
    double mu = 0, mu_star = 0;
    for (double x : e) {
      mu += x / rr;
      mu_star += std::fabs(x) / rr;
    }
    double var = 0;
    for (double x : e) var += (x - mu) * (x - mu);
    out.mu.push_back(mu);
    out.mu_star.push_back(mu_star);
    out.sigma.push_back(r > 1 ? std::sqrt(var / (rr - 1)) : kNaN);
    std::vector<double> boot;
    for (int b = 0; b < bootstrap; ++b) {
      double m = 0;
      for (std::int64_t t = 0; t < r; ++t)
        m += std::fabs(e[static_cast<std::size_t>(pick_below(rng, r))]) / rr;
      boot.push_back(m);
    }
    out.mu_star_conf.push_back(std::isnan(mu_star) ? kNaN : z * finite_sd(boot));
  }
  return out;
}

std::vector<TornadoBar> tornado(const std::vector<double>& low, const std::vector<double>& high) {
  if (low.size() != high.size())
    throw std::invalid_argument("tornado: low and high differ in length");
  std::vector<TornadoBar> bars;
  for (std::size_t i = 0; i < low.size(); ++i)
    bars.push_back({static_cast<int>(i), low[i], high[i], std::fabs(high[i] - low[i])});
  std::stable_sort(bars.begin(), bars.end(), [](const TornadoBar& a, const TornadoBar& b) {
    if (std::isnan(a.swing)) return false;
    if (std::isnan(b.swing)) return true;
    return a.swing > b.swing;
  });
  return bars;
}

}  // namespace progsurv::sensitivity
