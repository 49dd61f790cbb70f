// Sobol indices on test functions with known indices, without the engine.
#include <gtest/gtest.h>

#include <cmath>

#include "progsurv/analysis/sensitivity.hpp"

namespace {

using progsurv::sensitivity::saltelli_sample;
using progsurv::sensitivity::sobol_indices;

constexpr double kPi = 3.14159265358979323846;

// Ishigami & Homma (1990) with a = 7, b = 0.1 on [-pi, pi]^3.
double ishigami(const std::vector<double>& u) {
  const double x1 = -kPi + 2 * kPi * u[0], x2 = -kPi + 2 * kPi * u[1], x3 = -kPi + 2 * kPi * u[2];
  return std::sin(x1) + 7.0 * std::sin(x2) * std::sin(x2) + 0.1 * std::pow(x3, 4) * std::sin(x1);
}

std::vector<double> evaluate(const std::vector<std::vector<double>>& rows,
                             double (*f)(const std::vector<double>&)) {
  std::vector<double> y;
  for (const auto& r : rows) y.push_back(f(r));
  return y;
}

// No row of A equals its row of B: the leading points of the sequence, whose halves are
// equal (the origin, then all 0.5), are skipped (they biased every first-order index up).
TEST(Saltelli, NoDegenerateRows) {
  for (const std::int64_t n : {1, 2, 3, 16, 256, 1000}) {
    const int k = 3;
    const auto rows = saltelli_sample(n, k);
    for (std::int64_t j = 0; j < n; ++j)
      EXPECT_NE(rows[static_cast<std::size_t>(j)], rows[static_cast<std::size_t>(n + j)])
          << "n " << n << " row " << j;
  }
}

// An additive function has first-order indices summing to exactly 1; at N = 256 the
// estimates sum to 1.0027 (with the degenerate leading rows they summed to 1.0070).
TEST(Saltelli, AdditiveFirstOrderSumsToOne) {
  const std::int64_t n = 256;
  const auto y = evaluate(saltelli_sample(n, 3), [](const std::vector<double>& x) {
    return x[0] + 2.0 * x[1] + 3.0 * x[2];
  });
  const auto idx = sobol_indices(y, n, 3, 200, 7);
  double sum = 0.0;
  for (const auto& s1 : idx.first) sum += s1.estimate;
  EXPECT_NEAR(sum, 1.0, 0.005);
}

TEST(Saltelli, RowsFollowTheABiLayout) {
  const std::int64_t n = 64;
  const int k = 4;
  const auto rows = saltelli_sample(n, k);
  ASSERT_EQ(rows.size(), static_cast<std::size_t>(n * (k + 2)));
  for (const auto& r : rows) {
    ASSERT_EQ(r.size(), static_cast<std::size_t>(k));
    for (double u : r) {
      EXPECT_GE(u, 0.0);
      EXPECT_LT(u, 1.0);
    }
  }
  for (int i = 0; i < k; ++i) {
    for (std::int64_t j = 0; j < n; ++j) {
      const auto& a = rows[static_cast<std::size_t>(j)];
      const auto& b = rows[static_cast<std::size_t>(n + j)];
      const auto& ab = rows[static_cast<std::size_t>((2 + i) * n + j)];
      for (int d = 0; d < k; ++d)
        EXPECT_EQ(ab[static_cast<std::size_t>(d)],
                  d == i ? b[static_cast<std::size_t>(d)] : a[static_cast<std::size_t>(d)]);
    }
  }
  // Stratification of a Sobol' sequence: each half of [0, 1) holds half of the 64 points.
  for (int d = 0; d < 2 * k; ++d) {
    int below = 0;
    for (std::int64_t j = 0; j < n; ++j) {
      const auto& r = rows[static_cast<std::size_t>(d < k ? j : n + j)];
      below += r[static_cast<std::size_t>(d % k)] < 0.5;
    }
    EXPECT_EQ(below, n / 2) << "dimension " << d;
  }
}

TEST(SobolIndices, IshigamiMatchesAnalyticValues) {
  const std::int64_t n = 1 << 14;
  const auto y = evaluate(saltelli_sample(n, 3), ishigami);
  const auto idx = sobol_indices(y, n, 3, 200, 7);
  const double s1[] = {0.3139, 0.4424, 0.0};
  const double st[] = {0.5576, 0.4424, 0.2437};
  for (int i = 0; i < 3; ++i) {
    EXPECT_NEAR(idx.first[static_cast<std::size_t>(i)].estimate, s1[i], 0.01) << "S1 of x" << i + 1;
    EXPECT_NEAR(idx.total[static_cast<std::size_t>(i)].estimate, st[i], 0.01) << "ST of x" << i + 1;
  }
  // Var = a^2/8 + b pi^4/5 + b^2 pi^8/18 + 1/2.
  const double var = 49.0 / 8 + 0.1 * std::pow(kPi, 4) / 5 + 0.01 * std::pow(kPi, 8) / 18 + 0.5;
  EXPECT_NEAR(idx.variance, var, 0.02 * var);
  EXPECT_NEAR(idx.mean, 3.5, 0.05);
}

TEST(SobolIndices, BootstrapIntervalsCoverTheTruthAndShrinkWithN) {
  const double s1[] = {0.3139, 0.4424, 0.0};
  const double st[] = {0.5576, 0.4424, 0.2437};
  double width_small = 0, width_large = 0;
  for (std::int64_t n : {std::int64_t{1} << 10, std::int64_t{1} << 14}) {
    const auto idx = sobol_indices(evaluate(saltelli_sample(n, 3), ishigami), n, 3, 500, 3);
    double width = 0;
    for (int i = 0; i < 3; ++i) {
      const auto& f = idx.first[static_cast<std::size_t>(i)];
      const auto& t = idx.total[static_cast<std::size_t>(i)];
      EXPECT_LE(f.lower, f.estimate);
      EXPECT_GE(f.upper, f.estimate);
      // The intervals are 95% ones; a slack of a third of their width keeps this test from
      // failing by chance while still failing for an estimator that is off.
      const double fs = (f.upper - f.lower) / 3, ts = (t.upper - t.lower) / 3;
      EXPECT_LE(f.lower - fs, s1[i]) << "S1 of x" << i + 1;
      EXPECT_GE(f.upper + fs, s1[i]) << "S1 of x" << i + 1;
      EXPECT_LE(t.lower - ts, st[i]) << "ST of x" << i + 1;
      EXPECT_GE(t.upper + ts, st[i]) << "ST of x" << i + 1;
      width += (f.upper - f.lower) + (t.upper - t.lower);
    }
    (n < 4096 ? width_small : width_large) = width;
  }
  EXPECT_LT(width_large, width_small / 2);
}

TEST(SobolIndices, AdditiveModelHasEqualFirstAndTotal) {
  // Y = X1 + 2 X2 + 0 X3 with uniform X: variances 1/12, 4/12, 0 -> S = 0.2, 0.8, 0.
  const std::int64_t n = 1 << 12;
  const auto rows = saltelli_sample(n, 3);
  std::vector<double> y;
  for (const auto& r : rows) y.push_back(r[0] + 2 * r[1] + 1000.0);  // offset: no cancellation
  const auto idx = sobol_indices(y, n, 3, 100, 1);
  const double s[] = {0.2, 0.8, 0.0};
  for (int i = 0; i < 3; ++i) {
    EXPECT_NEAR(idx.first[static_cast<std::size_t>(i)].estimate, s[i], 0.01);
    EXPECT_NEAR(idx.total[static_cast<std::size_t>(i)].estimate, s[i], 0.01);
  }
  // x3 has no effect: AB_3 reproduces A exactly, so its total index is exactly 0.
  EXPECT_EQ(idx.total[2].estimate, 0.0);
  EXPECT_EQ(idx.total[2].upper, 0.0);
}

TEST(SobolIndices, ReproducibleAndDegenerateCases) {
  const std::int64_t n = 256;
  const auto y = evaluate(saltelli_sample(n, 3), ishigami);
  const auto a = sobol_indices(y, n, 3, 100, 11), b = sobol_indices(y, n, 3, 100, 11);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(a.first[static_cast<std::size_t>(i)].lower,
              b.first[static_cast<std::size_t>(i)].lower);
    EXPECT_EQ(a.total[static_cast<std::size_t>(i)].upper,
              b.total[static_cast<std::size_t>(i)].upper);
  }
  // A constant output has nothing to apportion.
  const auto flat = sobol_indices(std::vector<double>(static_cast<std::size_t>(n * 5), 0.25), n, 3);
  EXPECT_TRUE(std::isnan(flat.first[0].estimate));
  EXPECT_EQ(flat.variance, 0.0);
  // A NaN output (e.g. a quantile that is "not reached" at some point) poisons only its metric.
  auto with_nan = y;
  with_nan[5] = std::nan("");
  EXPECT_TRUE(std::isnan(sobol_indices(with_nan, n, 3).total[1].estimate));
  EXPECT_THROW(sobol_indices(std::vector<double>(10, 1.0), n, 3), std::invalid_argument);
  EXPECT_THROW(saltelli_sample(0, 3), std::invalid_argument);
}

TEST(Tornado, OrdersBarsBySwing) {
  const auto bars =
      progsurv::sensitivity::tornado({0.5, 0.1, 0.4, std::nan("")}, {0.6, 0.9, 0.1, 0.3});
  ASSERT_EQ(bars.size(), 4u);
  EXPECT_EQ(bars[0].factor, 1);
  EXPECT_NEAR(bars[0].swing, 0.8, 1e-12);
  EXPECT_EQ(bars[1].factor, 2);
  EXPECT_EQ(bars[2].factor, 0);
  EXPECT_EQ(bars[3].factor, 3);  // NaN last
}

}  // namespace
