#pragma once
// A fast numerical inverse CDF for the distributions without a closed-form quantile
// (gamma, beta for PERT, the normal behind the lognormal, and the equilibrium residual
// lives of tenure distributions). Built once per distinct shape with UNU.RAN's PINV
// (polynomial interpolation of the inverse CDF) at a u-resolution of 1e-12, and shared:
// every Distribution with the same standardised shape holds the same table.
#include <memory>
#include <vector>

struct unur_gen;  // UNU.RAN's generator object (global namespace, from unuran.h)

namespace progsurv {

class InverseCdf {
 public:
  // Standardised families; the caller applies location and scale.
  enum class Family : int {
    StandardNormal = 0,  // no parameters
    Gamma = 1,           // shape (scale 1)
    Beta = 2,            // alpha, beta on [0, 1]
    // Equilibrium residual life, density (1 - F(x)) / E[X] on [0, sup X]:
    ResidualWeibull = 3,    // shape (scale 1)
    ResidualGamma = 4,      // shape (scale 1)
    ResidualLognormal = 5,  // sigma (median 1)
    ResidualPert = 6,       // min, max, alpha, beta
    ResidualTriangular = 7  // min, mode, max
  };

  // The shared inverse for a family and its parameters, built on first use (thread-safe).
  static std::shared_ptr<const InverseCdf> get(Family family, std::vector<double> params);

  // The quantile at u in (0, 1). PINV where it could be built; otherwise Boost.Math's
  // exact (slower) quantile of the same distribution.
  double operator()(double u) const;

  // The largest |u - F(F^-1(u))| over stratified u and both tails, measured against the
  // exact CDF; 0 for the Boost.Math fallback (exact up to its own tolerance).
  double u_error(int sample_size = 100000) const;
  bool uses_pinv() const { return gen_ != nullptr; }

  // The exact CDF of the same (standardised) distribution, by Boost.Math: used by the
  // fallback and by tests.
  double cdf(double x) const;

  ~InverseCdf();
  InverseCdf(const InverseCdf&) = delete;
  InverseCdf& operator=(const InverseCdf&) = delete;

  static constexpr double kUResolution = 1e-12;

 private:
  InverseCdf(Family family, std::vector<double> params);
  double fallback_quantile(double u) const;

  Family family_;
  std::vector<double> params_;
  ::unur_gen* gen_ = nullptr;
  double mean_ = 1.0;  // residual families: E[X] of the underlying distribution
};

}  // namespace progsurv
