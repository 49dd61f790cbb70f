#pragma once
// A non-negative duration distribution (months), stored in its canonical parameters.
// Scenario files may give other parameterisations (median/sigma, mean/sd, ...); the parser
// converts them to the canonical ones below and to_yaml() writes the canonical form.
#include <memory>
#include <string>
#include <vector>

#include "progsurv/model/inverse_cdf.hpp"
#include "progsurv/model/rng.hpp"

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

// The index of the category whose cumulative weight first exceeds u (u uniform in [0, 1),
// weights normalised to sum to 1). A zero-weight category is never returned: rounding can
// leave the weights summing to a hair under 1, and u beyond the sum belongs to the last
// category that can be drawn at all. -1 when there are no categories.
int categorical_pick(const std::vector<double>& weight, double u);

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

  // Every draw is one uniform through the inverse CDF (closed forms for fixed,
  // exponential, Weibull, uniform, triangular and empirical; a PINV table for gamma, PERT
  // and lognormal), so a draw moves monotonically with the distribution's parameters.
  double sample(Rng& rng) const { return quantile(rng.uniform()); }
  double quantile(double u) const;
  // Equilibrium residual life: density (1 - F(x)) / mean. Used for a sponsor already in
  // post at t = 0 (inspection paradox). Inverse CDF too: closed forms for exponential,
  // Weibull of shape 1, fixed, uniform and empirical; a PINV table otherwise.
  double sample_residual(Rng& rng) const { return residual_quantile(rng.uniform()); }
  double residual_quantile(double u) const;
  // Builds the residual-life table now (Scenario::finalize does this for every tenure), so
  // that sampling never builds it on a worker thread.
  void prepare_residual();

  // Exact CDFs (Boost.Math), for tests and for checking the inverses.
  double cdf(double x) const;
  double residual_cdf(double x) const;
  // The measured u-error of the numerical inverses this distribution uses (0 when every
  // inverse it uses is a closed form).
  double inverse_u_error() const;

  double mean() const;
  double variance() const;
  double max_value() const;  // upper end of the support (+inf when unbounded)
  bool is_exponential() const { return kind_ == DistKind::Exponential; }
  // Gamma with integer shape (Erlang-k); exact solver expands it into k stages.
  bool is_erlang() const;

  // Human/YAML description in canonical form, e.g. "{dist: lognormal, median: 3, sigma: 0.5}".
  std::string describe() const;

  bool operator==(const Distribution& o) const;

 private:
  void finalize_empirical();
  void build_inverse();
  std::shared_ptr<const InverseCdf> residual_inverse() const;
  bool residual_closed_form() const;

  DistKind kind_ = DistKind::Fixed;
  double a_ = 0, b_ = 0, c_ = 0, d_ = 0;
  // PERT: Beta(alpha, beta) scaled to [min, max].
  double alpha_ = 0, beta_ = 0, mu_ = 0;                // PERT beta shapes; lognormal log-median
  std::shared_ptr<const InverseCdf> inverse_;           // gamma, PERT (beta), lognormal (normal)
  mutable std::shared_ptr<const InverseCdf> residual_;  // see prepare_residual()
  std::vector<double> values_, weights_;
  // Empirical, sorted by value: distinct values, P(X > value) after each, and the
  // integral of the survival function up to each (for the residual-life inverse).
  std::vector<double> sorted_values_, sorted_cumulative_, sorted_survival_, survival_integral_;
};

}  // namespace progsurv
