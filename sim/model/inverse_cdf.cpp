#include "progsurv/model/inverse_cdf.hpp"

#include <unuran.h>

#include <algorithm>
#include <boost/math/distributions/beta.hpp>
#include <boost/math/distributions/gamma.hpp>
#include <boost/math/distributions/lognormal.hpp>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/triangular.hpp>
#include <boost/math/distributions/weibull.hpp>
#include <boost/math/special_functions/gamma.hpp>
#include <boost/math/tools/roots.hpp>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>

namespace progsurv {
namespace {

using Family = InverseCdf::Family;
namespace bm = boost::math;

// The survival function 1 - F(x) of the underlying distribution of a residual family.
double survival(Family family, const double* p, double x) {
  if (x <= 0.0) return 1.0;
  if (!(x < std::numeric_limits<double>::infinity())) return 0.0;
  switch (family) {
    case Family::ResidualWeibull:
      return std::exp(-std::pow(x, p[0]));
    case Family::ResidualGamma:
      return bm::gamma_q(p[0], x);
    case Family::ResidualLognormal:
      return bm::cdf(bm::complement(bm::lognormal_distribution<double>(0.0, p[0]), x));
    case Family::ResidualPert: {
      const double lo = p[0], hi = p[1];
      if (x <= lo) return 1.0;
      if (x >= hi) return 0.0;
      return bm::ibetac(p[2], p[3], (x - lo) / (hi - lo));
    }
    case Family::ResidualTriangular: {
      if (x <= p[0]) return 1.0;
      if (x >= p[2]) return 0.0;
      return bm::cdf(bm::complement(bm::triangular_distribution<double>(p[0], p[1], p[2]), x));
    }
    default:
      return 0.0;
  }
}

double underlying_mean(Family family, const std::vector<double>& p) {
  switch (family) {
    case Family::ResidualWeibull:
      return std::tgamma(1.0 + 1.0 / p[0]);
    case Family::ResidualGamma:
      return p[0];
    case Family::ResidualLognormal:
      return std::exp(0.5 * p[0] * p[0]);
    case Family::ResidualPert:
      return p[0] + (p[1] - p[0]) * p[2] / (p[2] + p[3]);
    case Family::ResidualTriangular:
      return (p[0] + p[1] + p[2]) / 3.0;
    default:
      return 1.0;
  }
}

// UNU.RAN calls this with the parameters stored in the distribution object (at most
// five): [family, p0, p1, p2, p3]. The density is (1 - F(x)) / E[X].
double residual_pdf(double x, const UNUR_DISTR* distr) {
  const double* params = nullptr;
  const int n = unur_distr_cont_get_pdfparams(distr, &params);
  const auto family = static_cast<Family>(static_cast<int>(params[0]));
  const std::vector<double> p(params + 1, params + n);
  return survival(family, p.data(), x) / underlying_mean(family, p);
}

bool is_residual(Family f) {
  return static_cast<int>(f) >= static_cast<int>(Family::ResidualWeibull);
}

// Upper end of the support (+inf when unbounded).
double support_max(Family family, const std::vector<double>& p) {
  switch (family) {
    case Family::Beta:
      return 1.0;
    case Family::ResidualPert:
      return p[1];
    case Family::ResidualTriangular:
      return p[2];
    default:
      return std::numeric_limits<double>::infinity();
  }
}

// The exact CDF of a family under a Boost.Math policy: cdf() uses the default one (double
// arguments promoted to long double inside); u_error() one that stays in double.
template <class Policy>
double exact_cdf(Family family, const std::vector<double>& p, double mean, double x,
                 const Policy& pol) {
  switch (family) {
    case Family::StandardNormal:
      return bm::cdf(bm::normal_distribution<double, Policy>(), x);
    case Family::Gamma:
      return x <= 0 ? 0.0 : bm::gamma_p(p[0], x, pol);
    case Family::Beta:
      return x <= 0 ? 0.0 : x >= 1 ? 1.0 : bm::ibeta(p[0], p[1], x, pol);
    default:
      break;
  }
  if (x <= 0.0) return 0.0;
  if (!(x < std::numeric_limits<double>::infinity())) return 1.0;
  // Residual lives: F_e(x) = (1/m) * integral_0^x (1 - F(t)) dt, in closed form where the
  // partial expectation has one (x S(x) + integral_0^x t f(t) dt).
  switch (family) {
    case Family::ResidualWeibull:
      return bm::gamma_p(1.0 / p[0], std::pow(x, p[0]), pol);
    case Family::ResidualGamma:
      return x * bm::gamma_q(p[0], x, pol) / p[0] + bm::gamma_p(p[0] + 1.0, x, pol);
    case Family::ResidualLognormal: {
      const double s = p[0];
      const double sx =
          bm::cdf(bm::complement(bm::lognormal_distribution<double, Policy>(0.0, s), x));
      const double pe =
          bm::cdf(bm::normal_distribution<double, Policy>(), (std::log(x) - s * s) / s);
      return std::min(1.0, x * sx / mean + pe);
    }
    case Family::ResidualPert: {
      const double lo = p[0], hi = p[1], a = p[2], b = p[3];
      if (x <= lo) return x / mean;
      if (x >= hi) return 1.0;
      const double z = (x - lo) / (hi - lo);
      const double integral = lo + (x - lo) * bm::ibetac(a, b, z, pol) +
                              (hi - lo) * a / (a + b) * bm::ibeta(a + 1.0, b, z, pol);
      return std::min(1.0, integral / mean);
    }
    case Family::ResidualTriangular: {
      // The survival function is piecewise quadratic, so its integral is piecewise cubic.
      const double lo = p[0], mode = p[1], hi = p[2];
      if (x >= hi) return 1.0;
      double integral = std::min(x, lo);
      const double w = hi - lo;
      if (x > lo) {
        const double y = std::min(x, mode) - lo;
        integral += mode > lo ? y - y * y * y / (3.0 * w * (mode - lo)) : 0.0;
      }
      if (x > mode) {
        const double left = hi - mode, right = hi - x;
        integral += (left * left * left - right * right * right) / (3.0 * w * left);
      }
      return std::min(1.0, integral / mean);
    }
    default:
      return 0.0;
  }
}

std::once_flag unuran_quiet;

// Where UNU.RAN keeps a PINV table. The generator object is private to the library; these
// mirror its layout as of UNU.RAN 1.10 (src/methods/x_gen_struct.h, pinv_struct.h, built
// without --enable-check-struct, as distributions ship it) as far as read_table() reads it.
// read_table() trusts them only after checking them against the public API (method,
// distribution, number of intervals) and the library's own evaluation; a library whose
// layout differs keeps being called, with the same numbers.
struct UnuranGenHead {
  void* datap;  // the method's data: a PinvData
  void* sample;
  void* urng;
  void* urng_aux;
  const void* distr;
  int distr_is_privatecopy;
  unsigned method, variant, set, status;
  char* genid;
  void* gen_aux;
  void** gen_aux_list;
  int n_gen_aux_list;
  std::size_t s_datap;  // sizeof the method's data
};
struct PinvInterval {
  double* ui;   // the Newton form's nodes (order of them) ...
  double* zi;   // ... and coefficients
  double xi;    // left end
  double cdfi;  // CDF at the left end
};
struct PinvData {
  int order;
  int* guide;
  int guide_size;
  double Umax;
  double u_resolution;
  int smooth;
  double bleft, bright;
  PinvInterval* iv;  // n_ivs + 1 of them (the last holds only cdfi = Umax)
  int n_ivs, max_ivs;
  double bleft_par, bright_par, dleft, dright;
  int sleft, sright;
  double area;
  void* aCDF;
};

}  // namespace

void InverseCdf::read_table() {
  const auto* head = reinterpret_cast<const UnuranGenHead*>(gen_);
  if (unur_get_method(gen_) != UNUR_METH_PINV || head->method != UNUR_METH_PINV ||
      head->distr != unur_get_distr(gen_) || head->s_datap != sizeof(PinvData) || !head->datap)
    return;
  const auto* t = static_cast<const PinvData*>(head->datap);
  const int n = unur_pinv_get_n_intervals(gen_);
  if (t->order != kOrder || t->n_ivs != n || n <= 0 || t->guide_size <= 0 || !t->guide || !t->iv ||
      t->u_resolution != kUResolution || !(t->Umax == t->iv[n].cdfi))
    return;
  if (unur_distr_cont_get_domain(unur_get_distr(gen_), &lo_, &hi_) != UNUR_SUCCESS) return;
  const auto* iv = t->iv;
  // The walk below relies on the CDF values not decreasing (UNU.RAN's are increasing).
  for (int i = 0; i < n; ++i)
    if (!(iv[i].cdfi <= iv[i + 1].cdfi)) return;
  std::vector<Node> nodes(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    Node& node = nodes[static_cast<std::size_t>(i)];
    node.cdf_right = iv[i + 1].cdfi;
    node.cdf_left = iv[i].cdfi;
    node.x = iv[i].xi;
    for (int k = 0; k < kOrder - 1; ++k) node.u[k] = iv[i].ui[k];
    for (int k = 0; k < kOrder; ++k) node.z[k] = iv[i].zi[k];
  }
  for (int j = 0; j < t->guide_size; ++j)
    if (t->guide[j] < 0 || t->guide[j] >= n) return;
  // The library's search: from g = guide[(int)(u * size)], the first i >= g with
  // cdf[i+1] >= un (un = u * Umax). With the CDF not decreasing that is max(g, F(un)), F(un)
  // the first i >= 0 with cdf[i+1] >= un (every i in [g, F) fails the test, and F passes
  // it and so does every later i). Our guide has size << s entries; since multiplying by 2^s
  // is exact, (int)(u * (size << s)) >> s == (int)(u * size), so all u of our bucket j share
  // the library's g = guide[j >> s], and un is smallest at the bucket's smallest u, u_j
  // (rounding keeps u -> u * Umax monotone). Our entry max(g, F(u_j * Umax)) is then <= the
  // library's interval max(g, F(un)) and at least g, so the walk from it ends on that same
  // interval; with 8 times the library's entries it is at most a step or so away. UNU.RAN
  // indexes its table with (int)(u * size), which is size itself at the one u = 1 - 2^-54 that
  // rounds up: the library then reads past its table. Our table has one entry more for that
  // bucket, the last interval's, which is where that u belongs.
  const int coarse = t->guide_size;
  const int fine = coarse << kGuideShift;
  const double fine_size = static_cast<double>(fine);
  auto bucket = [&](double u) { return static_cast<long long>(u * fine_size); };
  guide_.assign(static_cast<std::size_t>(fine) + 1, n - 1);
  int f = 0;  // F is monotone in un: carry it over from bucket to bucket
  for (int j = 0; j < fine; ++j) {
    // The smallest double u >= 0 in bucket j, from j / fine within a few ulps.
    double uj = j / fine_size;
    while (uj > 0.0 && bucket(std::nextafter(uj, 0.0)) >= j) uj = std::nextafter(uj, 0.0);
    while (bucket(uj) < j) uj = std::nextafter(uj, 1.0);
    const double un = uj * t->Umax;
    while (f < n - 1 && iv[f + 1].cdfi < un) ++f;
    guide_[static_cast<std::size_t>(j)] = std::max(t->guide[j >> kGuideShift], f);
  }
  guide_size_ = fine_size;
  umax_ = t->Umax;
  node_ = std::move(nodes);
  // The copy is used only if it gives the library's numbers, bit for bit: at every interval's
  // ends and middle (and the neighbouring doubles), every boundary of both guide tables, a
  // stratified grid and both tails.
  // (Not at 1 - 2^-54, where the library reads past its guide table: see above.)
  const double top = std::nextafter(1.0, 0.0);
  auto same = [&](double u) {
    if (!(u > 0.0 && u < top)) return true;
    const double mine = pinv(u), theirs = unur_pinv_eval_approxinvcdf(gen_, u);
    return std::memcmp(&mine, &theirs, sizeof mine) == 0;
  };
  auto around = [&](double u) {
    return same(u) && same(std::nextafter(u, 0.0)) && same(std::nextafter(u, 1.0));
  };
  bool ok = true;
  for (int i = 0; ok && i < n; ++i)
    ok = around(iv[i].cdfi / umax_) && around(0.5 * (iv[i].cdfi + iv[i + 1].cdfi) / umax_);
  // (Our finer boundaries at themselves only: three library calls at each would double the
  // check's cost, and the interval they pick is proved above and tested.)
  for (int g = 1; ok && g < fine; ++g)
    ok = (g & ((1 << kGuideShift) - 1)) == 0 ? around(g / fine_size) : same(g / fine_size);
  constexpr int kGrid = 4096;
  for (int i = 0; ok && i < kGrid; ++i) ok = same((i + 0.5) / kGrid);
  for (double tail = 0x1.0p-54; ok && tail < 0.5; tail *= 2.0)
    ok = around(tail) && around(1.0 - tail);
  if (!ok) {
    guide_.clear();
    node_.clear();
  }
}

// UNU.RAN's search in _unur_pinv_eval_approxinvcdf, on its own tables.
int InverseCdf::library_interval(double u) const {
  const auto* t = static_cast<const PinvData*>(reinterpret_cast<const UnuranGenHead*>(gen_)->datap);
  int i = t->guide[static_cast<int>(u * t->guide_size)];
  const double un = u * t->Umax;
  while (t->iv[i + 1].cdfi < un) ++i;
  return i;
}

std::vector<double> InverseCdf::search_edges() const {
  const auto* t = static_cast<const PinvData*>(reinterpret_cast<const UnuranGenHead*>(gen_)->datap);
  std::vector<double> u;
  for (const Node& n : node_) u.push_back(n.cdf_left / umax_);
  for (int j = 1; j < t->guide_size; ++j) u.push_back(j / static_cast<double>(t->guide_size));
  for (int j = 1; j < static_cast<int>(guide_size_); ++j) u.push_back(j / guide_size_);
  return u;
}

InverseCdf::InverseCdf(Family family, std::vector<double> params)
    : family_(family), params_(std::move(params)) {
  std::call_once(unuran_quiet, [] {
    // Failures are reported by a null generator and handled below; no log to stderr.
    unur_set_default_debug(UNUR_DEBUG_OFF);
    unur_set_error_handler_off();
  });
  if (is_residual(family_)) mean_ = underlying_mean(family_, params_);

  UNUR_DISTR* distr = nullptr;
  switch (family_) {
    case Family::StandardNormal:
      distr = unur_distr_normal(nullptr, 0);
      break;
    case Family::Gamma:
      distr = unur_distr_gamma(params_.data(), 1);
      break;
    case Family::Beta:
      distr = unur_distr_beta(params_.data(), 2);
      break;
    default: {
      distr = unur_distr_cont_new();
      double p[5] = {static_cast<double>(static_cast<int>(family_)), 0, 0, 0, 0};
      for (std::size_t i = 0; i < params_.size() && i < 4; ++i) p[1 + i] = params_[i];
      unur_distr_cont_set_pdf(distr, residual_pdf);
      unur_distr_cont_set_pdfparams(distr, p, 1 + static_cast<int>(params_.size()));
      unur_distr_cont_set_domain(distr, 0.0, support_max(family_, params_));
      unur_distr_cont_set_mode(distr, 0.0);
      unur_distr_cont_set_center(distr, 0.5 * mean_);
      break;
    }
  }
  if (distr) {
    UNUR_PAR* par = unur_pinv_new(distr);
    unur_pinv_set_u_resolution(par, kUResolution);
    unur_pinv_set_order(par, 5);
    // Gamma shapes below 1 have a pole at 0: interpolate the CDF there instead of
    // integrating the density.
    if (family_ == Family::Gamma && params_[0] < 1.0) unur_pinv_set_usecdf(par);
    if (family_ == Family::Beta && (params_[0] < 1.0 || params_[1] < 1.0))
      unur_pinv_set_usecdf(par);
    gen_ = unur_init(par);  // frees par
    unur_distr_free(distr);
    // A table coarser than promised is not kept: the exact fallback is used instead.
    if (gen_ && u_error(2000) > 1e-10) {
      unur_free(gen_);
      gen_ = nullptr;
    }
    if (gen_) read_table();
  }
}

InverseCdf::~InverseCdf() {
  if (gen_) unur_free(gen_);
}

std::shared_ptr<const InverseCdf> InverseCdf::get(Family family, std::vector<double> params) {
  static std::mutex mutex;
  static std::map<std::pair<int, std::vector<double>>, std::weak_ptr<const InverseCdf>> cache;
  std::lock_guard<std::mutex> lock(mutex);
  auto key = std::make_pair(static_cast<int>(family), params);
  auto it = cache.find(key);
  if (it != cache.end()) {
    if (auto alive = it->second.lock()) return alive;
  }
  std::shared_ptr<const InverseCdf> made(new InverseCdf(family, std::move(params)));
  cache[key] = made;
  // Drop entries nobody holds any more, so a long sweep does not accumulate tables.
  for (auto e = cache.begin(); e != cache.end();)
    e = e->second.expired() ? cache.erase(e) : std::next(e);
  return made;
}

double InverseCdf::outside_table(double u) const {
  if (gen_) return unur_pinv_eval_approxinvcdf(gen_, u);
  return fallback_quantile(u);
}

double InverseCdf::library_quantile(double u) const {
  return gen_ ? unur_pinv_eval_approxinvcdf(gen_, u) : fallback_quantile(u);
}

// Measured against the exact CDF (Boost.Math) at stratified points across (0, 1) and in
// both tails, rather than by UNU.RAN's own estimate, which needs a CDF the residual-life
// families do not give it.
double InverseCdf::u_error(int sample_size) const {
  if (!gen_) return 0.0;
  // The exact CDF in double precision: accurate to a few 1e-16, far inside the 1e-10 this
  // checks, and several times cheaper than the default long double (table set-up is mostly
  // this check, and fits and sweeps build tables for every parameter point).
  const bm::policies::policy<bm::policies::promote_double<false>> in_double;
  double worst = 0.0;
  auto check = [&](double u) {
    const double x = (*this)(u);
    worst = std::max(worst, std::abs(exact_cdf(family_, params_, mean_, x, in_double) - u));
  };
  for (int i = 0; i < sample_size; ++i) check((i + 0.5) / sample_size);
  for (double tail = 1e-3; tail > 1e-12; tail /= 10.0) {
    check(tail);
    check(1.0 - tail);
  }
  return worst;
}

double InverseCdf::cdf(double x) const {
  return exact_cdf(family_, params_, mean_, x, bm::policies::policy<>());
}

double InverseCdf::fallback_quantile(double u) const {
  const auto& p = params_;
  switch (family_) {
    case Family::StandardNormal:
      return bm::quantile(bm::normal_distribution<double>(), u);
    case Family::Gamma:
      return bm::gamma_p_inv(p[0], u);
    case Family::Beta:
      return bm::ibeta_inv(p[0], p[1], u);
    case Family::ResidualWeibull:
      return std::pow(bm::gamma_p_inv(1.0 / p[0], u), 1.0 / p[0]);
    default:
      break;
  }
  // Bracket and solve F_e(x) = u (F_e is continuous and increasing on its support).
  double hi = std::isfinite(support_max(family_, p)) ? support_max(family_, p) : mean_;
  while (!std::isfinite(support_max(family_, p)) && cdf(hi) < u) hi *= 2.0;
  std::uintmax_t iterations = 200;
  const auto r =
      bm::tools::toms748_solve([&](double x) { return cdf(x) - u; }, 0.0, hi, -u, cdf(hi) - u,
                               bm::tools::eps_tolerance<double>(50), iterations);
  return 0.5 * (r.first + r.second);
}

}  // namespace progsurv
