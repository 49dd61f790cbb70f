#pragma once
// Statistics derived from a Tally: curves with intervals, quantiles, shares, means.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "progsurv/engine/outcome.hpp"
#include "progsurv/engine/tally.hpp"

namespace progsurv {

inline constexpr double kConfidence = 0.95;
// The normal quantile of kConfidence's two-sided intervals: every 95% interval uses it.
inline constexpr double kZ95 = 1.959963984540054;
// Wilson score interval for binomial proportions: good coverage near 0 and 1.
inline constexpr const char* kIntervalMethod = "wilson";
inline constexpr const char* kMeanIntervalMethod = "normal";  // mean ± 1.96 SE
inline constexpr const char* kQuantileIntervalMethod = "order-statistics-normal-rank";
// A share of items that come in clusters (ratio estimator, delta-method variance): Wilson at
// the effective sample size (clustered_share).
inline constexpr const char* kClusteredIntervalMethod = "wilson-effective-size";

struct Estimate {
  double estimate = 0.0, lower = 0.0, upper = 0.0;
};

// Wilson 95% interval for k successes out of n (NaNs when n = 0).
Estimate wilson(std::int64_t k, std::int64_t n, double z = kZ95);
// The same for a share p seen with an effective sample size n, not necessarily whole.
Estimate wilson_at(double p, double n, double z = kZ95);

// A ratio over items that come in clusters, such as the programmes of one organisation (which
// share its sponsors and its cynicism): R = sum x / sum y over the clusters, where cluster i
// has y_i items of which x_i count (a share), or whose values sum to x_i (a mean per item).
// The sums over clusters of x, y, x^2, xy and y^2 are what its spread needs.
struct ClusteredCounts {
  std::int64_t clusters = 0;
  double x = 0.0, y = 0.0, xx = 0.0, xy = 0.0, yy = 0.0;
};
// The ratio estimator's delta-method standard error, sqrt(n s^2) / sum y with
// s^2 = sum (x_i - R y_i)^2 / (n - 1); NaN with fewer than two clusters or no items.
double clustered_ratio_se(const ClusteredCounts& c);
// R with a Wilson interval at the effective sample size R(1 - R) / SE^2, at most sum y (the
// interval of independent items); sum y when R is 0 or 1, where the spread says nothing.
Estimate clustered_share(const ClusteredCounts& c, double z = kZ95);
// R (a mean per item) with the normal interval R +- z SE; NaN bounds without an SE.
Estimate clustered_mean(const ClusteredCounts& c, double z = kZ95);

// Quantile q of a histogram of equal bins of `width` starting at 0, with `total` as the
// denominator: NaN when the histogram holds less than q * total. Linear within a bin.
double histogram_quantile(const std::vector<std::int64_t>& hist, double width, double total,
                          double q);

struct Summary {
  std::int64_t n = 0, n_started = 0;
  std::vector<double> grid;

  // curve[k][g] over all replications: completed, causes and not_started are "by t"
  // (cumulative incidence; a proposal dies at the end of scoping or at its sponsor's exit
  // during scoping), running is "at t" (scoping proposals included). Sums to 1 at every g.
  std::array<std::vector<std::int64_t>, kEndCategoryCount> curve_count;
  std::array<std::vector<Estimate>, kEndCategoryCount> curve;
  // S(t) = P(not ended by t) among started programmes (completed programmes survive).
  std::vector<Estimate> survival;

  std::array<Estimate, kOutcomeCount> outcome_share;  // among all replications
  std::array<Estimate, kOutcomeCount> outcome_share_started;
  std::array<Estimate, kCauseCount> cause_share;  // among ended programmes

  // Completion-time quantiles (months), NaN where "not reached".
  std::vector<double> quantile_levels;            // 0.1, 0.5, 0.8, 0.9
  std::vector<double> completion_quantile;        // unconditional, over all replications
  std::vector<double> completion_quantile_given;  // among completed programmes
  // Their 95% distribution-free intervals (order statistics at ranks n q ± 1.96 √(n q (1-q)));
  // NaN where that rank is not reached. Empty for exact results (no sampling error).
  std::vector<double> completion_quantile_lower, completion_quantile_upper;
  std::vector<double> completion_quantile_given_lower, completion_quantile_given_upper;

  // Value: phases delivered d = 0..P, the value banked with d phases, its probability.
  std::vector<double> value_levels;
  std::vector<double> value_prob;
  // Started programmes that delivered nothing / part / all of the phases.
  Estimate delivered_none, delivered_partial, delivered_all;
  Estimate value_mean;  // over all replications
  double value_se = 0.0;
  std::vector<double> value_quantile;  // at quantile_levels

  // Which of rules 15-17 the scenario uses (the summary text speaks of those alone).
  bool uses_ladder = false, uses_deferral = false, uses_reengagement = false;

  // Means over started programmes, indexed by Quantity, with standard errors.
  std::array<double, kQuantityCount> mean{};
  std::array<double, kQuantityCount> se{};

  // Convergence: P(completed) and its 95% half-width after each checkpoint.
  std::vector<std::int64_t> convergence_n;
  std::vector<double> convergence_p, convergence_se, convergence_half_width;

  const Estimate& completed() const { return outcome_share[static_cast<int>(Outcome::Completed)]; }
};

Summary summarize(const Tally& tally, const Scenario& scenario);
// Sets the summary's uses_* from the scenario: which of rules 15-17 it can act on, so the
// text says what they did (summarize does it; an exact result's summary needs it too).
void mark_rules_used(Summary& summary, const Scenario& scenario);

// The plain table printed at the end of a run.
std::string format_summary(const Summary& summary, const std::string& title);

}  // namespace progsurv
