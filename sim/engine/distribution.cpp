#include "progsurv/engine/distribution.hpp"

#include <algorithm>
#include <boost/random/exponential_distribution.hpp>
#include <boost/random/normal_distribution.hpp>
#include <boost/random/triangle_distribution.hpp>
#include <boost/random/weibull_distribution.hpp>
#include <cmath>
#include <numeric>
#include <sstream>
#include <stdexcept>

namespace progsurv {

// Marsaglia & Tsang (2000): one normal and one uniform per try, accepted > 95% of the time.
// Boost 1.74's gamma_distribution uses a tangent-based rejection that costs several times
// more, and PERT needs two gamma draws per sample, so this is on the hot path.
void Distribution::GammaShape::set(double k) {
  shape = k;
  const double a = k < 1.0 ? k + 1.0 : k;
  d = a - 1.0 / 3.0;
  c = 1.0 / std::sqrt(9.0 * d);
}

double Distribution::GammaShape::sample(Rng& rng) const {
  boost::random::normal_distribution<double> normal(0.0, 1.0);
  double g;
  for (;;) {
    const double x = normal(rng);
    double v = 1.0 + c * x;
    if (v <= 0.0) continue;
    v = v * v * v;
    const double u = rng.uniform();
    const double x2 = x * x;
    if (u < 1.0 - 0.0331 * x2 * x2 || std::log(u) < 0.5 * x2 + d * (1.0 - v + std::log(v))) {
      g = d * v;
      break;
    }
  }
  // Shape below 1: Gamma(k) = Gamma(k + 1) * U^(1/k).
  if (shape < 1.0) g *= std::pow(rng.uniform(), 1.0 / shape);
  return g;
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
  d.gamma1_.set(shape);
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
  d.gamma1_.set(d.alpha_);
  d.gamma2_.set(d.beta_);
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
  cumulative_.resize(weights_.size());
  std::partial_sum(weights_.begin(), weights_.end(), cumulative_.begin());
  const double total = cumulative_.back();
  for (auto& c : cumulative_) c /= total;
  cumulative_.back() = 1.0;
}

bool Distribution::is_erlang() const {
  return kind_ == DistKind::Gamma && a_ >= 1.0 && std::floor(a_) == a_;
}

double Distribution::sample(Rng& rng) const {
  switch (kind_) {
    case DistKind::Fixed:
      return a_;
    case DistKind::Exponential:
      return a_ * boost::random::exponential_distribution<double>(1.0)(rng);
    case DistKind::Lognormal:
      return std::exp(mu_ + b_ * boost::random::normal_distribution<double>(0.0, 1.0)(rng));
    case DistKind::Weibull:
      return boost::random::weibull_distribution<double>(a_, b_)(rng);
    case DistKind::Gamma:
      return b_ * gamma1_.sample(rng);
    case DistKind::Triangular:
      return boost::random::triangle_distribution<double>(a_, b_, c_)(rng);
    case DistKind::Pert: {
      if (c_ <= a_) return a_;
      // Beta(alpha, beta) as X / (X + Y) with X, Y independent gammas.
      const double x = gamma1_.sample(rng), y = gamma2_.sample(rng);
      return a_ + (c_ - a_) * (x / (x + y));
    }
    case DistKind::Uniform:
      return a_ + (b_ - a_) * rng.uniform();
    case DistKind::Empirical: {
      const double u = rng.uniform();
      const auto it = std::lower_bound(cumulative_.begin(), cumulative_.end(), u);
      return values_[static_cast<std::size_t>(it - cumulative_.begin())];
    }
    case DistKind::Never:
      return std::numeric_limits<double>::infinity();
  }
  return 0.0;
}

namespace {
double gamma_draw(double shape, Rng& rng) {
  Distribution::GammaShape g;
  g.set(shape);
  return g.sample(rng);
}
}  // namespace

// A draw with density x f(x) / E[X]. Closed forms where the family is closed under length
// biasing; rejection (accept with probability x / max) for bounded supports.
double Distribution::sample_length_biased(Rng& rng) const {
  switch (kind_) {
    case DistKind::Exponential:
      return a_ * gamma_draw(2.0, rng);
    case DistKind::Gamma:
      return b_ * gamma_draw(a_ + 1.0, rng);
    case DistKind::Lognormal:
      return std::exp(mu_ + b_ * b_ +
                      b_ * boost::random::normal_distribution<double>(0.0, 1.0)(rng));
    case DistKind::Weibull:
      // (X / scale)^k is Exp(1); length biasing turns it into Gamma(1 + 1/k).
      return b_ * std::pow(gamma_draw(1.0 + 1.0 / a_, rng), 1.0 / a_);
    case DistKind::Fixed:
    case DistKind::Never:
      return sample(rng);
    case DistKind::Triangular:
    case DistKind::Pert:
    case DistKind::Uniform:
    case DistKind::Empirical: {
      const double top = max_value();
      if (top <= 0.0) return 0.0;
      for (;;) {
        const double x = sample(rng);
        if (rng.uniform() * top <= x) return x;
      }
    }
  }
  return 0.0;
}

double Distribution::sample_residual(Rng& rng) const {
  if (kind_ == DistKind::Never) return std::numeric_limits<double>::infinity();
  // Memoryless: the residual life of an exponential is the same exponential.
  if (kind_ == DistKind::Exponential) return sample(rng);
  const double u = rng.uniform();
  return u * sample_length_biased(rng);
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
