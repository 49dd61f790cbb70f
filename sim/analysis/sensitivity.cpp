#include "progsurv/analysis/sensitivity.hpp"

#include <algorithm>
#include <boost/random/sobol.hpp>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "progsurv/model/rng.hpp"

namespace progsurv::sensitivity {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Sums over a set of base rows j (with multiplicity) from which the indices follow.
struct Sums {
  double n = 0, sum = 0, sumsq = 0;  // over f(A) and f(B) pooled, less `shift`
  std::vector<double> total, first;  // Σ (A − AB_i)², Σ (B − AB_i)²
  double shift;                      // a typical output: keeps sumsq free of cancellation
  Sums(int k, double shift_by)
      : total(static_cast<std::size_t>(k), 0.0), first(total), shift(shift_by) {}

  void add(const std::vector<double>& y, std::int64_t n_base, int k, std::int64_t j) {
    const double a = y[static_cast<std::size_t>(saltelli_row(n_base, 0, j))];
    const double b = y[static_cast<std::size_t>(saltelli_row(n_base, 1, j))];
    n += 2;
    sum += (a - shift) + (b - shift);
    sumsq += (a - shift) * (a - shift) + (b - shift) * (b - shift);
    for (int i = 0; i < k; ++i) {
      const double ab = y[static_cast<std::size_t>(saltelli_row(n_base, 2 + i, j))];
      total[static_cast<std::size_t>(i)] += (a - ab) * (a - ab);
      first[static_cast<std::size_t>(i)] += (b - ab) * (b - ab);
    }
  }
  double mean() const { return shift + sum / n; }
  // Unbiased pooled variance.
  double variance() const {
    const double m = sum / n;
    return n > 1 ? std::max(0.0, (sumsq - n * m * m) / (n - 1)) : kNaN;
  }
  // `n` counts A and B rows, two per base row, so dividing by it is Jansen's 1/(2n).
  double s_first(int i) const {
    const double v = variance();
    return v > 0 ? (v - first[static_cast<std::size_t>(i)] / n) / v : kNaN;
  }
  double s_total(int i) const {
    const double v = variance();
    return v > 0 ? total[static_cast<std::size_t>(i)] / n / v : kNaN;
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

Estimate interval(double estimate, std::vector<double> replicates, double confidence) {
  if (std::isnan(estimate)) return {kNaN, kNaN, kNaN};
  replicates.erase(std::remove_if(replicates.begin(), replicates.end(),
                                  [](double x) { return !std::isfinite(x); }),
                   replicates.end());
  std::sort(replicates.begin(), replicates.end());
  const double alpha = 1.0 - confidence;
  return {estimate, percentile(replicates, alpha / 2), percentile(replicates, 1 - alpha / 2)};
}

}  // namespace

std::vector<std::vector<double>> saltelli_sample(std::int64_t n, int k) {
  if (n < 1 || k < 1) throw std::invalid_argument("saltelli_sample: need n >= 1 and k >= 1");
  // Boost's tables stop at 3667 dimensions (2k of them are needed).
  if (2 * k > 3667) throw std::invalid_argument("saltelli_sample: at most 1833 factors");
  boost::random::sobol qrng(static_cast<unsigned>(2 * k));
  // The engine returns 64-bit integers spanning [min, max]; scale to [0, 1).
  const double scale = 1.0 / (static_cast<double>(qrng.max()) + 1.0);
  std::vector<std::vector<double>> a(static_cast<std::size_t>(n)), b(a.size());
  // The sequence's first points, the origin and (0.5, ..., 0.5), have equal halves: their
  // rows of A and B coincide, carry no information and push every first-order index up by
  // about (2/n)(1 - S1). As SALib does (skip_values), the first 2^m >= n points are skipped;
  // the block [2^m, 2^m + n) fills every dyadic stratum exactly for n a power of two, as the
  // first n points did. Boost starts at point 1, so 2^m - 1 points are discarded.
  std::uint64_t skip = 2;
  while (skip < static_cast<std::uint64_t>(n)) skip *= 2;
  qrng.discard((skip - 1) * static_cast<std::uint64_t>(2 * k));
  for (std::int64_t j = 0; j < n; ++j) {
    auto& ra = a[static_cast<std::size_t>(j)];
    auto& rb = b[static_cast<std::size_t>(j)];
    ra.assign(static_cast<std::size_t>(k), 0.0);
    rb.assign(static_cast<std::size_t>(k), 0.0);
    for (int d = 0; d < k; ++d)
      ra[static_cast<std::size_t>(d)] = static_cast<double>(qrng()) * scale;
    for (int d = 0; d < k; ++d)
      rb[static_cast<std::size_t>(d)] = static_cast<double>(qrng()) * scale;
  }
  std::vector<std::vector<double>> rows;
  rows.reserve(static_cast<std::size_t>(n * (k + 2)));
  for (const auto& r : a) rows.push_back(r);
  for (const auto& r : b) rows.push_back(r);
  for (int i = 0; i < k; ++i) {
    for (std::int64_t j = 0; j < n; ++j) {
      std::vector<double> r = a[static_cast<std::size_t>(j)];
      r[static_cast<std::size_t>(i)] = b[static_cast<std::size_t>(j)][static_cast<std::size_t>(i)];
      rows.push_back(std::move(r));
    }
  }
  return rows;
}

SobolIndices sobol_indices(const std::vector<double>& y, std::int64_t n, int k, int bootstrap,
                           std::uint64_t seed, double confidence) {
  if (n < 1 || k < 1) throw std::invalid_argument("sobol_indices: need n >= 1 and k >= 1");
  if (y.size() != static_cast<std::size_t>(n * (k + 2)))
    throw std::invalid_argument("sobol_indices: expected n*(k+2) = " + std::to_string(n * (k + 2)) +
                                " outputs, got " + std::to_string(y.size()));
  if (bootstrap < 0) throw std::invalid_argument("sobol_indices: bootstrap must be >= 0");
  if (!(confidence > 0.0 && confidence < 1.0))
    throw std::invalid_argument("sobol_indices: confidence must be in (0, 1)");

  SobolIndices out;
  out.bootstrap = bootstrap;
  out.confidence = confidence;
  const std::size_t kk = static_cast<std::size_t>(k);
  if (std::any_of(y.begin(), y.end(), [](double v) { return std::isnan(v); })) {
    out.mean = out.variance = kNaN;
    out.first.assign(kk, {kNaN, kNaN, kNaN});
    out.total = out.first;
    return out;
  }

  Sums all(k, y.front());
  for (std::int64_t j = 0; j < n; ++j) all.add(y, n, k, j);
  out.mean = all.mean();
  out.variance = all.variance();

  std::vector<std::vector<double>> boot_first(kk), boot_total(kk);
  for (auto& v : boot_first) v.reserve(static_cast<std::size_t>(bootstrap));
  for (auto& v : boot_total) v.reserve(static_cast<std::size_t>(bootstrap));
  // Its own stream, keyed apart from any replication's, so the resamples never depend on
  // what the model drew.
  Rng rng(seed, 0x5a17e111b007ULL, Mechanism::Analysis);
  for (int b = 0; b < bootstrap; ++b) {
    Sums s(k, y.front());
    for (std::int64_t j = 0; j < n; ++j) {
      // Lemire's multiply-shift: an unbiased-enough index in [0, n) for n far below 2^64.
      const auto pick = static_cast<std::int64_t>(
          (static_cast<unsigned __int128>(rng()) * static_cast<unsigned __int128>(n)) >> 64);
      s.add(y, n, k, pick);
    }
    for (int i = 0; i < k; ++i) {
      boot_first[static_cast<std::size_t>(i)].push_back(s.s_first(i));
      boot_total[static_cast<std::size_t>(i)].push_back(s.s_total(i));
    }
  }
  for (int i = 0; i < k; ++i) {
    out.first.push_back(
        interval(all.s_first(i), std::move(boot_first[static_cast<std::size_t>(i)]), confidence));
    out.total.push_back(
        interval(all.s_total(i), std::move(boot_total[static_cast<std::size_t>(i)]), confidence));
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
