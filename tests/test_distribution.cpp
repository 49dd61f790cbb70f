// Each distribution's sample mean and variance agree with the closed form within sampling
// error, and residual-life draws have mean E[T^2] / (2 E[T]).
#include <gtest/gtest.h>

#include <cmath>

#include "progsurv/model/distribution.hpp"

using progsurv::Distribution;
using progsurv::Mechanism;
using progsurv::Rng;

namespace {

struct Sample {
  double mean, var, n;
};

template <class F>
Sample draw(F f, int n) {
  double s = 0, ss = 0;
  for (int i = 0; i < n; ++i) {
    const double x = f();
    s += x;
    ss += x * x;
  }
  const double m = s / n;
  return {m, (ss / n - m * m) * n / (n - 1.0), static_cast<double>(n)};
}

// |mean - mu| within 5 standard errors; variance within 5 SE of the sample variance
// (SE from the fourth moment, bounded here by a generous factor).
void expect_moments(const Distribution& d, const char* name) {
  Rng rng(7, 0, Mechanism::Work);
  const int n = 400000;
  const Sample s = draw([&] { return d.sample(rng); }, n);
  const double se_mean = std::sqrt(d.variance() / n);
  EXPECT_NEAR(s.mean, d.mean(), 5 * se_mean + 1e-12) << name;
  EXPECT_NEAR(s.var, d.variance(), 0.03 * d.variance() + 1e-12) << name;
}

TEST(Distribution, MomentsMatchClosedForm) {
  expect_moments(Distribution::fixed(3.0), "fixed");
  expect_moments(Distribution::exponential(2.5), "exponential");
  expect_moments(Distribution::lognormal(3.0, 0.5), "lognormal");
  expect_moments(Distribution::weibull(1.7, 4.0), "weibull");
  expect_moments(Distribution::weibull(0.8, 4.0), "weibull shape<1");
  expect_moments(Distribution::gamma(2.5, 1.5), "gamma");
  expect_moments(Distribution::triangular(1.0, 2.0, 6.0), "triangular");
  expect_moments(Distribution::pert(1.0, 3.0, 10.0), "pert");
  expect_moments(Distribution::uniform(2.0, 5.0), "uniform");
  expect_moments(Distribution::empirical({1.0, 2.0, 7.0}, {0.5, 0.3, 0.2}), "empirical");
}

TEST(Distribution, NeverIsInfinite) {
  Rng rng(1, 0, Mechanism::Sponsor);
  EXPECT_TRUE(std::isinf(Distribution::never().sample(rng)));
  EXPECT_TRUE(std::isinf(Distribution::never().sample_residual(rng)));
}

// The equilibrium residual life has mean E[T^2] / (2 E[T]) = (var + mean^2) / (2 mean).
void expect_residual_mean(const Distribution& d, const char* name) {
  Rng rng(11, 3, Mechanism::Sponsor);
  const int n = 400000;
  const Sample s = draw([&] { return d.sample_residual(rng); }, n);
  const double m = d.mean(), v = d.variance();
  const double expected = (v + m * m) / (2 * m);
  EXPECT_NEAR(s.mean, expected, 5 * std::sqrt(s.var / n)) << name;
}

TEST(Distribution, ResidualLifeMean) {
  expect_residual_mean(Distribution::exponential(40.0), "exponential");
  expect_residual_mean(Distribution::weibull(2.0, 30.0), "weibull");
  expect_residual_mean(Distribution::weibull(0.7, 30.0), "weibull shape<1");
  expect_residual_mean(Distribution::gamma(3.0, 10.0), "gamma");
  expect_residual_mean(Distribution::lognormal(28.0, 0.8), "lognormal");
  expect_residual_mean(Distribution::uniform(10.0, 50.0), "uniform");
  expect_residual_mean(Distribution::triangular(6.0, 12.0, 48.0), "triangular");
  expect_residual_mean(Distribution::pert(6.0, 24.0, 96.0), "pert");
  expect_residual_mean(Distribution::empirical({12.0, 24.0, 60.0}), "empirical");
}

TEST(Distribution, ResidualLifeOfFixedIsUniform) {
  // Residual life of a fixed T is uniform on [0, T]: mean T/2, variance T^2/12.
  Rng rng(5, 0, Mechanism::Sponsor);
  const Sample s = draw([&] { return Distribution::fixed(24.0).sample_residual(rng); }, 200000);
  EXPECT_NEAR(s.mean, 12.0, 0.1);
  EXPECT_NEAR(s.var, 48.0, 1.0);
}

TEST(Rng, StreamsDependOnSeedReplicationAndMechanism) {
  Rng a(1, 2, Mechanism::Work), b(1, 2, Mechanism::Work), c(1, 3, Mechanism::Work),
      d(1, 2, Mechanism::Handoff), e(2, 2, Mechanism::Work);
  const auto x = a();
  EXPECT_EQ(x, b());
  EXPECT_NE(x, c());
  EXPECT_NE(x, d());
  EXPECT_NE(x, e());
  for (int i = 0; i < 1000; ++i) {
    const double u = a.uniform();
    ASSERT_GT(u, 0.0);
    ASSERT_LT(u, 1.0);
  }
}

}  // namespace
