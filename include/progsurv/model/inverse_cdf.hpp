#pragma once
// A fast numerical inverse CDF for the distributions without a closed-form quantile
// (gamma, beta for PERT, the normal behind the lognormal, and the equilibrium residual
// lives of tenure distributions). Built once per distinct shape with UNU.RAN's PINV
// (polynomial interpolation of the inverse CDF) at a u-resolution of 1e-12, and shared:
// every Distribution with the same standardised shape holds the same table. Draws do not
// call the library: the table is read out once and evaluated by the inline code below, with
// UNU.RAN's own arithmetic, so every quantile is bitwise the library's (checked at set-up).
#include <cstddef>
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
  // For tests, with the inline table (evaluates_inline()) and u in (0, 1) (not 1 - 2^-54,
  // where the library reads past its guide table): the interval the inline search picks for
  // u, the one UNU.RAN's search picks (its own guide table and walk over its own table), and
  // the u where a search could change course: every interval's left end (its CDF over the
  // table's total, rounded) and every boundary of both guide tables.
  int interval(double u) const { return static_cast<int>(find(u) - node_.data()); }
  int library_interval(double u) const;
  std::vector<double> search_edges() const;

  // The exact CDF of the same (standardised) distribution, by Boost.Math: used by the
  // fallback and by tests.
  double cdf(double x) const;

  ~InverseCdf();
  InverseCdf(const InverseCdf&) = delete;
  InverseCdf& operator=(const InverseCdf&) = delete;

  static constexpr double kUResolution = 1e-12;
  static constexpr int kOrder = 5;  // of the interpolating polynomials

 private:
  // One interval of the table with everything a draw reads from it: the CDF at its right end
  // (the search's test) and left end, its left end x, and the Newton form of the inverse on
  // it, x + q (z0 + (q - u0) (z1 + (q - u1) (...))) in q = u - (the CDF at x). 96 bytes at a
  // 32-byte boundary: a draw touches two cache lines of the table, not the four or five of
  // separate arrays.
  struct alignas(32) Node {
    double cdf_right;
    double cdf_left;
    double x;
    double u[kOrder - 1];
    double z[kOrder];
  };
  // The guide is 2^kGuideShift times finer than UNU.RAN's (a power of 2: see read_table).
  static constexpr int kGuideShift = 3;

  InverseCdf(Family family, std::vector<double> params);
  double fallback_quantile(double u) const;
  double outside_table(double u) const;  // no inline table, or u outside (0, 1)
  void read_table();

  // UNU.RAN's _unur_pinv_eval_approxinvcdf and its domain clamp, operation for operation (no
  // fused multiply-add: the library does none, and the build turns contraction off). The
  // search starts from a finer guide table than the library's but ends on the same interval
  // (read_table proves it), usually without a step.
  const Node* find(double u) const {
    const double un = u * umax_;
    const Node* n = node_.data() + guide_[static_cast<std::size_t>(u * guide_size_)];
    while (n->cdf_right < un) ++n;
    return n;
  }
  double pinv(double u) const {
    const Node* n = find(u);
    double un = u * umax_ - n->cdf_left;
    double chi = n->z[kOrder - 1];
    for (int k = kOrder - 2; k >= 0; --k) chi = chi * (un - n->u[k]) + n->z[k];
    double x = n->x + chi * un;
    if (x < lo_) x = lo_;
    if (x > hi_) x = hi_;
    return x;
  }

  Family family_;
  std::vector<double> params_;
  ::unur_gen* gen_ = nullptr;
  double mean_ = 1.0;  // residual families: E[X] of the underlying distribution

  // The table read out of gen_ (read_table): the guide table (our own, finer than UNU.RAN's,
  // with one entry more, see there), the intervals, and the distribution's domain.
  std::vector<int> guide_;
  std::vector<Node> node_;
  double guide_size_ = 0.0, umax_ = 0.0, lo_ = 0.0, hi_ = 0.0;
};

}  // namespace progsurv
