// Every sampler is one uniform through an inverse CDF (docs/model.md, Randomness and
// reproducibility). These tests draw 10^6 variates of each distribution and of its equilibrium
// residual life and compare them with the exact CDF (Boost.Math): Kolmogorov–Smirnov distance below
// the 0.1% critical value, and mean within 5 standard errors. The numerical inverses (UNU.RAN PINV)
// print their measured u-error, which must be below 1e-10.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "progsurv/model/distribution.hpp"
#include "progsurv/model/inverse_cdf.hpp"
#include "progsurv/model/rng.hpp"

using progsurv::Distribution;
using progsurv::InverseCdf;
using progsurv::Mechanism;
using progsurv::Place;
using progsurv::Rng;

namespace {

// 10^6 draws; PROGSURV_TEST_SCALE (the sanitizer run sets 0.2) scales them down.
int draws() {
  const char* s = std::getenv("PROGSURV_TEST_SCALE");
  const double scale = s && *s ? std::atof(s) : 1.0;
  return std::max(100000, static_cast<int>(1e6 * std::min(1.0, scale)));
}
const int kDraws = draws();
// KS critical value at alpha = 0.001: 1.949 / sqrt(n).
const double kKsCritical = 1.949 / std::sqrt(static_cast<double>(kDraws));

struct Case {
  std::string name;
  Distribution dist;
};

std::vector<Case> cases() {
  return {{"exponential", Distribution::exponential(3.0)},
          {"weibull_shape07", Distribution::weibull(0.7, 10.0)},
          {"weibull_shape1", Distribution::weibull(1.0, 10.0)},
          {"weibull_shape25", Distribution::weibull(2.5, 10.0)},
          {"gamma_shape05", Distribution::gamma(0.5, 2.0)},
          {"gamma_shape3", Distribution::gamma(3.0, 1.5)},
          {"lognormal", Distribution::lognormal(4.0, 0.5)},
          {"lognormal_wide", Distribution::lognormal(2.0, 1.2)},
          {"pert", Distribution::pert(2.0, 4.0, 8.0)},
          {"pert_skewed", Distribution::pert(0.0, 0.5, 10.0, 6.0)},
          {"triangular", Distribution::triangular(1.0, 2.0, 6.0)},
          {"uniform", Distribution::uniform(2.0, 5.0)},
          {"uniform_from_0", Distribution::uniform(0.0, 5.0)}};
}

// The largest |empirical CDF - cdf| over the sorted sample.
double ks_distance(std::vector<double> x, const std::function<double(double)>& cdf) {
  std::sort(x.begin(), x.end());
  const double n = static_cast<double>(x.size());
  double d = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double f = cdf(x[i]);
    d = std::max({d, static_cast<double>(i + 1) / n - f, f - static_cast<double>(i) / n});
  }
  return d;
}

std::vector<double> draw(const std::function<double(double)>& inverse, std::uint64_t seed) {
  std::vector<double> x(kDraws);
  Rng rng(seed, 0, Mechanism::Analysis, Place::of(0));
  for (auto& v : x) v = inverse(rng.uniform());
  return x;
}

void expect_mean(const std::vector<double>& x, double mean, const std::string& what) {
  double s = 0, s2 = 0;
  for (double v : x) {
    s += v;
    s2 += v * v;
  }
  const double n = static_cast<double>(x.size());
  const double m = s / n, se = std::sqrt(std::max(0.0, s2 / n - m * m) / n);
  EXPECT_NEAR(m, mean, 5.0 * se + 1e-12) << what;
}

class Inversion : public ::testing::TestWithParam<int> {};

TEST_P(Inversion, DrawsFollowTheExactCdf) {
  const Case c = cases()[static_cast<std::size_t>(GetParam())];
  const Distribution& d = c.dist;
  const auto x = draw([&](double u) { return d.quantile(u); }, 11);
  const double ks = ks_distance(x, [&](double v) { return d.cdf(v); });
  EXPECT_LT(ks, kKsCritical) << c.name;
  expect_mean(x, d.mean(), c.name);
}

TEST_P(Inversion, ResidualLifeFollowsItsExactCdf) {
  Case c = cases()[static_cast<std::size_t>(GetParam())];
  Distribution& d = c.dist;
  d.prepare_residual();
  const auto x = draw([&](double u) { return d.residual_quantile(u); }, 12);
  const double ks = ks_distance(x, [&](double v) { return d.residual_cdf(v); });
  EXPECT_LT(ks, kKsCritical) << c.name << " residual";
  // The equilibrium residual life has mean E[X^2] / (2 E[X]).
  const double m = d.mean();
  expect_mean(x, (d.variance() + m * m) / (2.0 * m), c.name + " residual");
}

TEST_P(Inversion, NumericalInversesAreWithinTheirUResolution) {
  Case c = cases()[static_cast<std::size_t>(GetParam())];
  c.dist.prepare_residual();
  const double e = c.dist.inverse_u_error();
  std::printf("  u-error of the inverses of %-16s %.3g\n", c.name.c_str(), e);
  EXPECT_LT(e, 1e-10) << c.name;
}

TEST_P(Inversion, QuantileIsMonotoneInU) {
  Case c = cases()[static_cast<std::size_t>(GetParam())];
  c.dist.prepare_residual();
  double prev = -1.0, prev_r = -1.0;
  for (int i = 1; i < 20000; ++i) {
    const double u = i / 20000.0;
    const double x = c.dist.quantile(u), r = c.dist.residual_quantile(u);
    EXPECT_GE(x, prev) << c.name << " at u = " << u;
    EXPECT_GE(r, prev_r) << c.name << " residual at u = " << u;
    prev = x;
    prev_r = r;
  }
}

// Names only: building the cases (and their inverse tables) at test discovery would cost
// every test process of the suite.
const char* const kNames[] = {"exponential",     "weibull_shape07", "weibull_shape1",
                              "weibull_shape25", "gamma_shape05",   "gamma_shape3",
                              "lognormal",       "lognormal_wide",  "pert",
                              "pert_skewed",     "triangular",      "uniform",
                              "uniform_from_0"};
INSTANTIATE_TEST_SUITE_P(Samplers, Inversion, ::testing::Range(0, 13),
                         [](const ::testing::TestParamInfo<int>& info) {
                           return std::string(kNames[info.param]);
                         });

// Draws evaluate the PINV tables with the engine's own inline code (inverse_cdf.hpp); it must
// give UNU.RAN's numbers bit for bit, or every result file would change. 10^6 uniforms as the
// engine draws them, plus stratified points, both tails down to the smallest uniform, and
// the ends and outside of (0, 1). Not u = 1 - 2^-54: there the library reads past its guide
// table (inverse_cdf.cpp, read_table).
TEST(Inversion, InlineTablesGiveTheLibrarysNumbersBitwise) {
  using F = InverseCdf::Family;
  const std::vector<std::pair<F, std::vector<double>>> tables = {
      {F::StandardNormal, {}},
      {F::Gamma, {0.5}},
      {F::Gamma, {3.0}},
      {F::Beta, {2.0, 3.0}},  // PERT(2, 4, 8)
      {F::Beta, {1.3, 6.7}},  // PERT(0, 0.5, 10, 6)
      {F::Beta, {0.6, 0.8}},  // a CDF-interpolated table
      {F::ResidualWeibull, {2.5}},
      {F::ResidualGamma, {3.0}},
      {F::ResidualLognormal, {0.5}},
      {F::ResidualPert, {2.0, 8.0, 2.0, 3.0}},
      {F::ResidualTriangular, {1.0, 2.0, 6.0}}};
  std::vector<double> u;
  Rng rng(3, 0, Mechanism::Analysis, Place::of(0));
  for (int i = 0; i < kDraws; ++i) u.push_back(rng.uniform());
  for (int i = 0; i < 10000; ++i) u.push_back((i + 0.5) / 10000.0);
  for (double tail = 0x1.0p-54; tail < 0.5; tail *= 2.0) {
    for (double v : {tail, 1.0 - tail}) {
      u.push_back(v);
      u.push_back(std::nextafter(v, 0.0));
      u.push_back(std::nextafter(v, 1.0));
    }
  }
  const double top = std::nextafter(1.0, 0.0);
  for (double v : {0.0, 1.0, -0.5, 1.5, std::nan("")}) u.push_back(v);
  for (const auto& [family, params] : tables) {
    const auto inverse = InverseCdf::get(family, params);
    ASSERT_TRUE(inverse->uses_pinv()) << static_cast<int>(family);
    EXPECT_TRUE(inverse->evaluates_inline()) << static_cast<int>(family);
    std::size_t differ = 0;
    for (double v : u) {
      if (v == top) continue;
      const double mine = (*inverse)(v), theirs = inverse->library_quantile(v);
      differ += std::memcmp(&mine, &theirs, sizeof mine) != 0;
    }
    EXPECT_EQ(differ, 0u) << "family " << static_cast<int>(family) << " over " << u.size()
                          << " u's";
    // At 1 - 2^-54 the inline table gives its last interval's value: at least the quantile
    // just below, and finite where the support is bounded.
    EXPECT_GE((*inverse)(top), (*inverse)(std::nextafter(top, 0.0)));
  }
}

// A Weibull of shape 1 skips pow in its quantile (distribution.cpp); the draw must be the
// general formula's bit for bit: 10^6 engine uniforms, both tails, and every power of two
// (where a pow within half an ulp could still round down) as the argument of pow.
TEST(Inversion, WeibullShapeOneSkipsPowBitwise) {
  const double scale = 85.0 / std::tgamma(2.0);
  const Distribution d = Distribution::weibull(1.0, scale);
  volatile double shape = 1.0;  // keeps the compiler from folding pow(x, 1)
  const auto general = [&](double u) { return scale * std::pow(-std::log(1.0 - u), 1.0 / shape); };
  std::vector<double> u;
  Rng rng(4, 0, Mechanism::Analysis, Place::of(0));
  for (int i = 0; i < kDraws; ++i) u.push_back(rng.uniform());
  for (double tail = 0x1.0p-53; tail < 0.5; tail *= 2.0) {
    u.push_back(tail);
    u.push_back(1.0 - tail);
  }
  std::size_t differ = 0;
  for (double v : u) {
    const double mine = d.quantile(v), theirs = general(v);
    differ += std::memcmp(&mine, &theirs, sizeof mine) != 0;
  }
  EXPECT_EQ(differ, 0u) << "over " << u.size() << " u's";
  std::size_t powers = 0;
  for (int e = -1074; e < 1024; ++e) {
    for (double x : {std::ldexp(1.0, e), std::nextafter(std::ldexp(1.0, e), 0.0)}) {
      const double y = std::pow(x, 1.0 / shape);
      powers += std::memcmp(&x, &y, sizeof x) != 0;
    }
  }
  EXPECT_EQ(powers, 0u);
}

TEST(Inversion, EmpiricalDrawsAndResidualMatchTheirMasses) {
  const Distribution d = Distribution::empirical({6.0, 1.0, 3.0, 3.0}, {1.0, 2.0, 1.0, 1.0});
  const auto x = draw([&](double u) { return d.quantile(u); }, 13);
  const double n = static_cast<double>(x.size());
  const double p1 = std::count(x.begin(), x.end(), 1.0) / n,
               p3 = std::count(x.begin(), x.end(), 3.0) / n;
  EXPECT_NEAR(p1, 0.4, 0.002);
  EXPECT_NEAR(p3, 0.4, 0.002);
  const auto r = draw([&](double u) { return d.residual_quantile(u); }, 14);
  EXPECT_LT(ks_distance(r, [&](double v) { return d.residual_cdf(v); }), kKsCritical);
  const double m = d.mean();
  expect_mean(r, (d.variance() + m * m) / (2.0 * m), "empirical residual");
}

TEST(Inversion, FixedResidualIsUniform) {
  const Distribution d = Distribution::fixed(5.0);
  const auto r = draw([&](double u) { return d.residual_quantile(u); }, 15);
  EXPECT_LT(ks_distance(r, [&](double v) { return d.residual_cdf(v); }), kKsCritical);
}

}  // namespace

// The inline search starts from a guide table 8 times finer than UNU.RAN's (inverse_cdf.cpp,
// read_table); it must end on the library's interval for every u, or a quantile could differ
// where two intervals' polynomials meet. Checked at, and one and two doubles either side of,
// every interval's left end and every boundary of both guide tables, and at 10^6 uniforms.
TEST(Inversion, FineGuideTablePicksTheLibrarysInterval) {
  using F = InverseCdf::Family;
  const std::vector<std::pair<F, std::vector<double>>> tables = {
      {F::StandardNormal, {}},      {F::Gamma, {0.5}},
      {F::Beta, {2.0, 3.0}},        {F::Beta, {0.6, 0.8}},
      {F::ResidualWeibull, {2.5}},  {F::ResidualPert, {2.0, 8.0, 2.0, 3.0}},
      {F::ResidualLognormal, {0.5}}};
  const double top = std::nextafter(1.0, 0.0);
  Rng rng(5, 0, Mechanism::Analysis, Place::of(0));
  std::vector<double> uniforms;
  for (int i = 0; i < kDraws; ++i) uniforms.push_back(rng.uniform());
  for (const auto& [family, params] : tables) {
    const auto inverse = InverseCdf::get(family, params);
    ASSERT_TRUE(inverse->evaluates_inline()) << static_cast<int>(family);
    std::vector<double> u = uniforms;
    const std::vector<double> edges = inverse->search_edges();
    for (double v : edges) {
      double below = v, above = v;
      u.push_back(v);
      for (int k = 0; k < 2; ++k) {
        below = std::nextafter(below, 0.0);
        above = std::nextafter(above, 1.0);
        u.push_back(below);
        u.push_back(above);
      }
    }
    std::size_t checked = 0, differ = 0, first_differ = 0;
    for (double v : u) {
      if (!(v > 0.0 && v < top)) continue;
      ++checked;
      if (inverse->interval(v) != inverse->library_interval(v) && differ++ == 0)
        first_differ = checked;
    }
    EXPECT_EQ(differ, 0u) << "family " << static_cast<int>(family) << ", first at u #"
                          << first_differ << " of " << checked;
    EXPECT_GT(checked, uniforms.size() + 4 * edges.size());
  }
}
