#pragma once
// A fast numerical inverse CDF for the distributions without a closed-form quantile
// (gamma, beta for PERT, the normal behind the lognormal, and the equilibrium residual
// lives of tenure distributions). Built once per distinct shape with UNU.RAN's PINV
// (polynomial interpolation of the inverse CDF) at a u-resolution of 1e-12, and shared:
// every Distribution with the same standardised shape holds the same table. Draws do not
// call the library: the table is read out once and evaluated by the inline code below, with
// UNU.RAN's own arithmetic, so every quantile is bitwise the library's (checked at set-up).
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
  double operator()(double u) const {
    if (!node_.empty() && u > 0.0 && u < 1.0) return pinv(u);
    return outside_table(u);
  }

  // The largest |u - F(F^-1(u))| over stratified u and both tails, measured against the
  // exact CDF; 0 for the Boost.Math fallback (exact up to its own tolerance).
  double u_error(int sample_size = 100000) const;
  bool uses_pinv() const { return gen_ != nullptr; }
  // Whether draws evaluate the table inline (false: through UNU.RAN's call, which gives the
  // same numbers; only if the installed library's table could not be read and verified).
  bool evaluates_inline() const { return !node_.empty(); }
  // UNU.RAN's own evaluation of the table (tests compare it with operator()).
  double library_quantile(double u) const;

  // The exact CDF of the same (standardised) distribution, by Boost.Math: used by the
  // fallback and by tests.
  double cdf(double x) const;

  ~InverseCdf();
  InverseCdf(const InverseCdf&) = delete;
  InverseCdf& operator=(const InverseCdf&) = delete;

  static constexpr double kUResolution = 1e-12;
  static constexpr int kOrder = 5;  // of the interpolating polynomials

 private:
  // One interval of the table: its left end x and the Newton form of the inverse on it,
  // x + q (z0 + (q - u0) (z1 + (q - u1) (...))) in q = u - (the CDF at x).
  struct Node {
    double x;
    double u[kOrder - 1];
    double z[kOrder];
  };

  InverseCdf(Family family, std::vector<double> params);
  double fallback_quantile(double u) const;
  double outside_table(double u) const;  // no inline table, or u outside (0, 1)
  void read_table();

  // UNU.RAN's _unur_pinv_eval_approxinvcdf and its domain clamp, operation for operation (no
  // fused multiply-add: the library does none, and the build turns contraction off).
  double pinv(double u) const {
    double un = u * umax_;
    int i = guide_[static_cast<int>(u * guide_size_)];
    while (cdf_[static_cast<std::size_t>(i) + 1] < un) ++i;
    un -= cdf_[static_cast<std::size_t>(i)];
    const Node& n = node_[static_cast<std::size_t>(i)];
    double chi = n.z[kOrder - 1];
    for (int k = kOrder - 2; k >= 0; --k) chi = chi * (un - n.u[k]) + n.z[k];
    double x = n.x + chi * un;
    if (x < lo_) x = lo_;
    if (x > hi_) x = hi_;
    return x;
  }

  Family family_;
  std::vector<double> params_;
  ::unur_gen* gen_ = nullptr;
  double mean_ = 1.0;  // residual families: E[X] of the underlying distribution

  // The table read out of gen_ (read_table): the guide table (one entry more than UNU.RAN's,
  // see there), the CDF at each interval's left end (one more: the right end of the last),
  // the intervals, and the distribution's domain.
  std::vector<int> guide_;
  std::vector<double> cdf_;
  std::vector<Node> node_;
  double guide_size_ = 0.0, umax_ = 0.0, lo_ = 0.0, hi_ = 0.0;
};

}  // namespace progsurv
