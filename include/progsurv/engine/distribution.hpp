#pragma once
// A non-negative duration distribution (months), stored in its canonical parameters.
// Scenario files may give other parameterisations (median/sigma, mean/sd, ...); the parser
// converts them to the canonical ones below and to_yaml() writes the canonical form.
#include <string>
#include <vector>

#include "progsurv/engine/rng.hpp"

namespace progsurv {

enum class DistKind {
  Fixed,        // a = value
  Exponential,  // a = mean
  Lognormal,    // a = median, b = sigma (of log)
  Weibull,      // a = shape k, b = scale lambda
  Gamma,        // a = shape k, b = scale theta
  Triangular,   // a = min, b = mode, c = max
  Pert,         // a = min, b = mode, c = max, d = lambda (4 = classic PERT)
  Uniform,      // a = min, b = max
  Empirical,    // values/weights: resampled with replacement
  Never         // +infinity: the event never happens (e.g. switched-off sponsor exits)
};

const char* to_string(DistKind kind);

class Distribution {
 public:
  Distribution() = default;
  static Distribution fixed(double value);
  static Distribution exponential(double mean);
  static Distribution lognormal(double mu, double sigma);
  static Distribution weibull(double shape, double scale);
  static Distribution gamma(double shape, double scale);
  static Distribution triangular(double min, double mode, double max);
  static Distribution pert(double min, double mode, double max, double lambda = 4.0);
  static Distribution uniform(double min, double max);
  static Distribution empirical(std::vector<double> values, std::vector<double> weights = {});
  static Distribution never();

  DistKind kind() const { return kind_; }
  double a() const { return a_; }
  double b() const { return b_; }
  double c() const { return c_; }
  double d() const { return d_; }
  const std::vector<double>& values() const { return values_; }
  const std::vector<double>& weights() const { return weights_; }

  double sample(Rng& rng) const;
  // Equilibrium residual life: density (1 - F(x)) / mean. Used for a sponsor already in
  // post at t = 0 (inspection paradox). Drawn as U * (length-biased draw).
  double sample_residual(Rng& rng) const;

  double mean() const;
  double variance() const;
  double max_value() const;  // upper end of the support (+inf when unbounded)
  bool is_exponential() const { return kind_ == DistKind::Exponential; }
  // Gamma with integer shape (Erlang-k); exact solver expands it into k stages.
  bool is_erlang() const;

  // Human/YAML description in canonical form, e.g. "{dist: lognormal, median: 3, sigma: 0.5}".
  std::string describe() const;

  bool operator==(const Distribution& o) const;

  // Gamma(k, 1) by Marsaglia–Tsang, with its constants computed once per shape.
  struct GammaShape {
    double shape = 1, d = 0, c = 0;
    void set(double k);
    double sample(Rng& rng) const;
  };

 private:
  void finalize_empirical();
  double sample_length_biased(Rng& rng) const;

  DistKind kind_ = DistKind::Fixed;
  double a_ = 0, b_ = 0, c_ = 0, d_ = 0;
  // PERT: Beta(alpha, beta) scaled to [min, max].
  double alpha_ = 0, beta_ = 0, mu_ = 0;  // PERT beta shapes; lognormal log-median
  GammaShape gamma1_, gamma2_;            // gamma: gamma1_; PERT: the two beta components
  std::vector<double> values_, weights_, cumulative_;
};

}  // namespace progsurv
