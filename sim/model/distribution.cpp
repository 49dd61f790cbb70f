#include "progsurv/model/distribution.hpp"

#include <algorithm>
#include <atomic>
#include <boost/math/distributions/beta.hpp>
#include <boost/math/distributions/exponential.hpp>
#include <boost/math/distributions/gamma.hpp>
#include <boost/math/distributions/lognormal.hpp>
#include <boost/math/distributions/triangular.hpp>
#include <boost/math/distributions/weibull.hpp>
#include <cmath>
#include <numeric>
#include <sstream>
#include <stdexcept>

namespace progsurv {

int categorical_pick(const std::vector<double>& weight, double u) {
  if (weight.empty()) return -1;
  double cumulative = 0.0;
  int last_possible = 0;
  for (std::size_t i = 0; i < weight.size(); ++i) {
    if (weight[i] <= 0.0) continue;
    cumulative += weight[i];
    last_possible = static_cast<int>(i);
    if (u < cumulative) return last_possible;
  }
  return last_possible;
}

const char* to_string(DistKind kind) {
  switch (kind) {
    case DistKind::Fixed:
      return "fixed";
    case DistKind::Exponential:
      return "exponential";
    case DistKind::Lognormal:
      return "lognormal";
    case DistKind::Weibull:
      return "weibull";
    case DistKind::Gamma:
      return "gamma";
    case DistKind::Triangular:
      return "triangular";
    case DistKind::Pert:
      return "pert";
    case DistKind::Uniform:
      return "uniform";
    case DistKind::Empirical:
      return "empirical";
    case DistKind::Never:
      return "never";
  }
  return "?";
}

Distribution Distribution::fixed(double value) {
  Distribution d;
  d.kind_ = DistKind::Fixed;
  d.a_ = value;
  return d;
}
Distribution Distribution::exponential(double mean) {
  Distribution d;
  d.kind_ = DistKind::Exponential;
  d.a_ = mean;
  return d;
}
Distribution Distribution::lognormal(double median, double sigma) {
  Distribution d;
  d.kind_ = DistKind::Lognormal;
  d.a_ = median;
  d.b_ = sigma;
  d.mu_ = std::log(median);
  d.build_inverse();
  return d;
}
Distribution Distribution::weibull(double shape, double scale) {
  Distribution d;
  d.kind_ = DistKind::Weibull;
  d.a_ = shape;
  d.b_ = scale;
  return d;
}
Distribution Distribution::gamma(double shape, double scale) {
  Distribution d;
  d.kind_ = DistKind::Gamma;
  d.a_ = shape;
  d.b_ = scale;
  d.build_inverse();
  return d;
}
Distribution Distribution::triangular(double min, double mode, double max) {
  Distribution d;
  d.kind_ = DistKind::Triangular;
  d.a_ = min;
  d.b_ = mode;
  d.c_ = max;
  return d;
}
Distribution Distribution::pert(double min, double mode, double max, double lambda) {
  Distribution d;
  d.kind_ = DistKind::Pert;
  d.a_ = min;
  d.b_ = mode;
  d.c_ = max;
  d.d_ = lambda;
  const double range = max - min;
  d.alpha_ = range > 0 ? 1.0 + lambda * (mode - min) / range : 1.0;
  d.beta_ = range > 0 ? 1.0 + lambda * (max - mode) / range : 1.0;
  d.build_inverse();
  return d;
}
Distribution Distribution::uniform(double min, double max) {
  Distribution d;
  d.kind_ = DistKind::Uniform;
  d.a_ = min;
  d.b_ = max;
  return d;
}
Distribution Distribution::empirical(std::vector<double> values, std::vector<double> weights) {
  Distribution d;
  d.kind_ = DistKind::Empirical;
  d.values_ = std::move(values);
  d.weights_ = std::move(weights);
  d.finalize_empirical();
  return d;
}
Distribution Distribution::never() {
  Distribution d;
  d.kind_ = DistKind::Never;
  return d;
}

void Distribution::finalize_empirical() {
  if (values_.empty()) throw std::invalid_argument("empirical distribution needs values");
  if (weights_.empty()) weights_.assign(values_.size(), 1.0);
  if (weights_.size() != values_.size())
    throw std::invalid_argument("empirical weights and values differ in length");
  const double total = std::accumulate(weights_.begin(), weights_.end(), 0.0);
  // Sorted by value, equal values merged: the inverse CDF is then monotone in u.
  std::vector<std::pair<double, double>> pairs;
  for (std::size_t i = 0; i < values_.size(); ++i)
    pairs.emplace_back(values_[i], weights_[i] / total);
  std::sort(pairs.begin(), pairs.end());
  sorted_values_.clear();
  std::vector<double> mass;
  for (const auto& [v, w] : pairs) {
    if (!sorted_values_.empty() && sorted_values_.back() == v) {
      mass.back() += w;
    } else {
      sorted_values_.push_back(v);
      mass.push_back(w);
    }
  }
  sorted_cumulative_.resize(mass.size());
  std::partial_sum(mass.begin(), mass.end(), sorted_cumulative_.begin());
  sorted_cumulative_.back() = 1.0;
  sorted_survival_.resize(mass.size());
  survival_integral_.resize(mass.size());
  double integral = 0.0, from = 0.0, level = 1.0;
  for (std::size_t i = 0; i < mass.size(); ++i) {
    integral += (std::max(0.0, sorted_values_[i]) - from) * level;
    from = std::max(0.0, sorted_values_[i]);
    level = 1.0 - sorted_cumulative_[i];
    sorted_survival_[i] = level;
    survival_integral_[i] = integral;
  }
}

bool Distribution::is_erlang() const {
  return kind_ == DistKind::Gamma && a_ >= 1.0 && std::floor(a_) == a_;
}

void Distribution::build_inverse() {
  using F = InverseCdf::Family;
  switch (kind_) {
    case DistKind::Lognormal:
      inverse_ = InverseCdf::get(F::StandardNormal, {});
      break;
    case DistKind::Gamma:
      inverse_ = InverseCdf::get(F::Gamma, {a_});
      break;
    case DistKind::Pert:
      if (c_ > a_) inverse_ = InverseCdf::get(F::Beta, {alpha_, beta_});
      break;
    default:
      break;
  }
}

double Distribution::quantile(double u) const {
  switch (kind_) {
    case DistKind::Fixed:
      return a_;
    case DistKind::Exponential:
      return -a_ * std::log(1.0 - u);  // 1 - u is within an ulp; log is 3x faster than log1p
    case DistKind::Lognormal:
      return a_ * std::exp(b_ * (*inverse_)(u));
    case DistKind::Weibull:
      // Shape 1 (every tenure of the shipped scenarios) skips pow: glibc's pow is within an
      // ulp, so pow(x, 1) is x and the draw is bitwise the same (test_inversion checks it).
      if (a_ == 1.0) return b_ * -std::log(1.0 - u);
      return b_ * std::pow(-std::log(1.0 - u), 1.0 / a_);
    case DistKind::Gamma:
      return b_ * (*inverse_)(u);
    case DistKind::Triangular: {
      const double range = c_ - a_;
      if (range <= 0.0) return a_;
      const double left = (b_ - a_) / range;
      if (u < left) return a_ + std::sqrt(u * range * (b_ - a_));
      return c_ - std::sqrt((1.0 - u) * range * (c_ - b_));
    }
    case DistKind::Pert:
      if (c_ <= a_) return a_;
      return a_ + (c_ - a_) * (*inverse_)(u);
    case DistKind::Uniform:
      return a_ + (b_ - a_) * u;
    case DistKind::Empirical: {
      const auto it = std::upper_bound(sorted_cumulative_.begin(), sorted_cumulative_.end(), u);
      const auto i = std::min(static_cast<std::size_t>(it - sorted_cumulative_.begin()),
                              sorted_values_.size() - 1);
      return sorted_values_[i];
    }
    case DistKind::Never:
      return std::numeric_limits<double>::infinity();
  }
  return 0.0;
}

bool Distribution::residual_closed_form() const {
  switch (kind_) {
    case DistKind::Fixed:
    case DistKind::Exponential:
    case DistKind::Uniform:
    case DistKind::Empirical:
    case DistKind::Never:
      return true;
    case DistKind::Weibull:
      return a_ == 1.0;
    case DistKind::Triangular:
    case DistKind::Pert:
      return c_ <= a_;
    default:
      return false;
  }
}

void Distribution::prepare_residual() {
  if (!residual_closed_form()) residual_ = residual_inverse();
}

std::shared_ptr<const InverseCdf> Distribution::residual_inverse() const {
  if (auto ready = std::atomic_load(&residual_)) return ready;
  using F = InverseCdf::Family;
  std::shared_ptr<const InverseCdf> made;
  switch (kind_) {
    case DistKind::Weibull:
      made = InverseCdf::get(F::ResidualWeibull, {a_});
      break;
    case DistKind::Gamma:
      made = InverseCdf::get(F::ResidualGamma, {a_});
      break;
    case DistKind::Lognormal:
      made = InverseCdf::get(F::ResidualLognormal, {b_});
      break;
    case DistKind::Pert:
      made = InverseCdf::get(F::ResidualPert, {a_, c_, alpha_, beta_});
      break;
    case DistKind::Triangular:
      made = InverseCdf::get(F::ResidualTriangular, {a_, b_, c_});
      break;
    default:
      return nullptr;
  }
  std::atomic_store(&residual_, made);
  return made;
}

double Distribution::residual_quantile(double u) const {
  switch (kind_) {
    case DistKind::Never:
      return std::numeric_limits<double>::infinity();
    case DistKind::Exponential:
      return quantile(u);  // memoryless
    case DistKind::Fixed:
      return u * a_;
    case DistKind::Uniform: {
      // Density 1/m on [0, min], then falling linearly to 0 at max.
      const double m = 0.5 * (a_ + b_), w = b_ - a_;
      if (u * m <= a_ || w <= 0.0) return u * m;
      return b_ - std::sqrt(std::max(0.0, w * w - 2.0 * w * (u * m - a_)));
    }
    case DistKind::Empirical: {
      // The survival function is a step function, so the residual CDF is piecewise linear.
      const double target = u * survival_integral_.back();
      const auto it =
          std::lower_bound(survival_integral_.begin(), survival_integral_.end(), target);
      const auto i = static_cast<std::size_t>(it - survival_integral_.begin());
      const double from = i == 0 ? 0.0 : sorted_values_[i - 1];
      const double base = i == 0 ? 0.0 : survival_integral_[i - 1];
      const double level = i == 0 ? 1.0 : sorted_survival_[i - 1];
      return from + (target - base) / level;
    }
    case DistKind::Weibull:
      if (a_ == 1.0) return -b_ * std::log(1.0 - u);
      return b_ * (*residual_inverse())(u);
    case DistKind::Gamma:
      return b_ * (*residual_inverse())(u);
    case DistKind::Lognormal:
      return a_ * (*residual_inverse())(u);
    case DistKind::Pert:
    case DistKind::Triangular:
      if (c_ <= a_) return u * a_;
      return (*residual_inverse())(u);
  }
  return 0.0;
}

double Distribution::cdf(double x) const {
  namespace bm = boost::math;
  if (x < 0.0) return 0.0;
  switch (kind_) {
    case DistKind::Fixed:
      return x >= a_ ? 1.0 : 0.0;
    case DistKind::Exponential:
      return bm::cdf(bm::exponential_distribution<double>(1.0 / a_), x);
    case DistKind::Lognormal:
      return x <= 0.0 ? 0.0 : bm::cdf(bm::lognormal_distribution<double>(mu_, b_), x);
    case DistKind::Weibull:
      return bm::cdf(bm::weibull_distribution<double>(a_, b_), x);
    case DistKind::Gamma:
      return bm::cdf(bm::gamma_distribution<double>(a_, b_), x);
    case DistKind::Triangular:
      if (c_ <= a_) return x >= a_ ? 1.0 : 0.0;
      if (x <= a_) return 0.0;
      if (x >= c_) return 1.0;
      return bm::cdf(bm::triangular_distribution<double>(a_, b_, c_), x);
    case DistKind::Pert:
      if (c_ <= a_) return x >= a_ ? 1.0 : 0.0;
      if (x <= a_) return 0.0;
      if (x >= c_) return 1.0;
      return bm::cdf(bm::beta_distribution<double>(alpha_, beta_), (x - a_) / (c_ - a_));
    case DistKind::Uniform:
      if (b_ <= a_) return x >= a_ ? 1.0 : 0.0;
      return std::clamp((x - a_) / (b_ - a_), 0.0, 1.0);
    case DistKind::Empirical: {
      const auto it = std::upper_bound(sorted_values_.begin(), sorted_values_.end(), x);
      const auto i = static_cast<std::size_t>(it - sorted_values_.begin());
      return i == 0 ? 0.0 : sorted_cumulative_[i - 1];
    }
    case DistKind::Never:
      return 0.0;
  }
  return 0.0;
}

double Distribution::residual_cdf(double x) const {
  if (x <= 0.0) return 0.0;
  switch (kind_) {
    case DistKind::Never:
      return 0.0;
    case DistKind::Exponential:
      return cdf(x);
    case DistKind::Fixed:
      return std::min(1.0, x / a_);
    case DistKind::Uniform: {
      const double m = 0.5 * (a_ + b_);
      if (x <= a_) return x / m;
      if (x >= b_) return 1.0;
      const double w = b_ - a_;
      return (a_ + (w * w - (b_ - x) * (b_ - x)) / (2.0 * w)) / m;
    }
    case DistKind::Empirical: {
      double integral = 0.0, from = 0.0, level = 1.0;
      for (std::size_t i = 0; i < sorted_values_.size(); ++i) {
        if (x <= sorted_values_[i])
          return (integral + (x - from) * level) / survival_integral_.back();
        integral = survival_integral_[i];
        from = sorted_values_[i];
        level = sorted_survival_[i];
      }
      return 1.0;
    }
    case DistKind::Weibull:
      return residual_inverse() ? residual_inverse()->cdf(x / b_) : cdf(x);
    case DistKind::Gamma:
      return residual_inverse()->cdf(x / b_);
    case DistKind::Lognormal:
      return residual_inverse()->cdf(x / a_);
    case DistKind::Pert:
    case DistKind::Triangular:
      if (c_ <= a_) return std::min(1.0, x / a_);
      return residual_inverse()->cdf(x);
  }
  return 0.0;
}

double Distribution::inverse_u_error() const {
  double e = inverse_ ? inverse_->u_error() : 0.0;
  if (!residual_closed_form()) e = std::max(e, residual_inverse()->u_error());
  return e;
}

double Distribution::mean() const {
  switch (kind_) {
    case DistKind::Fixed:
      return a_;
    case DistKind::Exponential:
      return a_;
    case DistKind::Lognormal:
      return std::exp(mu_ + 0.5 * b_ * b_);
    case DistKind::Weibull:
      return b_ * std::tgamma(1.0 + 1.0 / a_);
    case DistKind::Gamma:
      return a_ * b_;
    case DistKind::Triangular:
      return (a_ + b_ + c_) / 3.0;
    case DistKind::Pert:
      return a_ + (c_ - a_) * alpha_ / (alpha_ + beta_);
    case DistKind::Uniform:
      return 0.5 * (a_ + b_);
    case DistKind::Empirical: {
      double m = 0, w = 0;
      for (std::size_t i = 0; i < values_.size(); ++i) {
        m += weights_[i] * values_[i];
        w += weights_[i];
      }
      return m / w;
    }
    case DistKind::Never:
      return std::numeric_limits<double>::infinity();
  }
  return 0.0;
}

double Distribution::variance() const {
  switch (kind_) {
    case DistKind::Fixed:
      return 0.0;
    case DistKind::Exponential:
      return a_ * a_;
    case DistKind::Lognormal:
      return (std::exp(b_ * b_) - 1.0) * std::exp(2.0 * mu_ + b_ * b_);
    case DistKind::Weibull: {
      const double g1 = std::tgamma(1.0 + 1.0 / a_), g2 = std::tgamma(1.0 + 2.0 / a_);
      return b_ * b_ * (g2 - g1 * g1);
    }
    case DistKind::Gamma:
      return a_ * b_ * b_;
    case DistKind::Triangular:
      return (a_ * a_ + b_ * b_ + c_ * c_ - a_ * b_ - a_ * c_ - b_ * c_) / 18.0;
    case DistKind::Pert: {
      const double s = alpha_ + beta_, r = c_ - a_;
      return r * r * alpha_ * beta_ / (s * s * (s + 1.0));
    }
    case DistKind::Uniform:
      return (b_ - a_) * (b_ - a_) / 12.0;
    case DistKind::Empirical: {
      const double m = mean();
      double v = 0, w = 0;
      for (std::size_t i = 0; i < values_.size(); ++i) {
        v += weights_[i] * (values_[i] - m) * (values_[i] - m);
        w += weights_[i];
      }
      return v / w;
    }
    case DistKind::Never:
      return std::numeric_limits<double>::infinity();
  }
  return 0.0;
}

double Distribution::max_value() const {
  switch (kind_) {
    case DistKind::Fixed:
      return a_;
    case DistKind::Triangular:
    case DistKind::Pert:
      return c_;
    case DistKind::Uniform:
      return b_;
    case DistKind::Empirical:
      return *std::max_element(values_.begin(), values_.end());
    default:
      return std::numeric_limits<double>::infinity();
  }
}

std::string Distribution::describe() const {
  std::ostringstream os;
  os.precision(17);
  switch (kind_) {
    case DistKind::Fixed:
      os << "{dist: fixed, value: " << a_ << "}";
      break;
    case DistKind::Exponential:
      os << "{dist: exponential, mean: " << a_ << "}";
      break;
    case DistKind::Lognormal:
      os << "{dist: lognormal, median: " << a_ << ", sigma: " << b_ << "}";
      break;
    case DistKind::Weibull:
      os << "{dist: weibull, shape: " << a_ << ", scale: " << b_ << "}";
      break;
    case DistKind::Gamma:
      os << "{dist: gamma, shape: " << a_ << ", scale: " << b_ << "}";
      break;
    case DistKind::Triangular:
      os << "{dist: triangular, min: " << a_ << ", mode: " << b_ << ", max: " << c_ << "}";
      break;
    case DistKind::Pert:
      os << "{dist: pert, min: " << a_ << ", mode: " << b_ << ", max: " << c_ << ", lambda: " << d_
         << "}";
      break;
    case DistKind::Uniform:
      os << "{dist: uniform, min: " << a_ << ", max: " << b_ << "}";
      break;
    case DistKind::Empirical: {
      os << "{dist: empirical, values: [";
      for (std::size_t i = 0; i < values_.size(); ++i) os << (i ? ", " : "") << values_[i];
      os << "], weights: [";
      for (std::size_t i = 0; i < weights_.size(); ++i) os << (i ? ", " : "") << weights_[i];
      os << "]}";
      break;
    }
    case DistKind::Never:
      os << "never";
      break;
  }
  return os.str();
}

bool Distribution::operator==(const Distribution& o) const {
  return kind_ == o.kind_ && a_ == o.a_ && b_ == o.b_ && c_ == o.c_ && d_ == o.d_ &&
         values_ == o.values_ && weights_ == o.weights_;
}

}  // namespace progsurv
