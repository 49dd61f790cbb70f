#pragma once
// Statistics derived from a PortfolioTally (docs/model.md, portfolio outputs), with 95% intervals:
// Wilson for proportions, mean ± 1.96 SE for means per organisation.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "progsurv/engine/summary.hpp"
#include "progsurv/portfolio/portfolio_run.hpp"
#include "progsurv/portfolio/portfolio_tally.hpp"

namespace progsurv {

// Mean of a per-organisation quantity with its normal 95% interval.
Estimate mean_estimate(const Moments& m, std::int64_t n);

struct PortfolioSummary {
  std::int64_t n = 0;
  std::vector<double> grid;

  // Per launch rank k, among organisations that launched a k-th programme: the share in
  // each end category (completed, five causes, not_started, running at H), and its mean value.
  std::vector<std::int64_t> rank_launched;
  std::vector<std::array<Estimate, kEndCategoryCount>> rank_share;
  std::vector<Estimate> rank_value;
  // P(the organisation launched a k-th programme).
  std::vector<Estimate> rank_reached;
  // Within `within` months of launch, among k-th programmes launched by H - within: the
  // share in each end category by then, and P(a k-th programme launched by H - within).
  double within = 0.0;
  std::vector<std::array<Estimate, kEndCategoryCount>> rank_within_share;
  std::vector<Estimate> rank_within_reached;
  std::vector<std::int64_t> rank_within_launched;
  std::int64_t rank_within_launched_count(std::size_t k) const { return rank_within_launched[k]; }
  bool rank_within_launched_any() const {
    return !rank_within_launched.empty() && rank_within_launched[0] > 0;
  }

  // Per programme template t (the portfolio's templates, in its order): its name, the
  // programmes launched from it in all organisations and per organisation, and the share of
  // those programmes in each end category (NaN when none was launched). An organisation's
  // programmes share its sponsors, so the shares' intervals are of a ratio over
  // organisations (kClusteredIntervalMethod); from a tally without the organisations'
  // spread (a file before format 1.3) they treat programmes as independent (kIntervalMethod).
  std::vector<std::string> template_names;
  std::vector<std::int64_t> template_launched;
  std::vector<double> template_launched_per_org;
  std::vector<std::array<Estimate, kEndCategoryCount>> template_share;
  std::string template_interval_method;
  // The value banked per programme launched from t, with the normal interval of that ratio
  // over organisations (NaN from a file before format 1.3, and for a template never launched).
  std::vector<Estimate> template_value;

  // Per organisation: mean programmes launched, in each end category, ended (any cause),
  // and total value; P10/P50/P90 of programmes completed and of total value.
  Estimate launched, ended, value;
  std::array<Estimate, kEndCategoryCount> per_category;
  std::array<double, 3> completed_quantiles{}, value_quantiles{};

  // On the grid: mean programmes live; mean cumulative programmes per organisation ended in
  // each category by t; mean and P10/P50/P90 of cynicism and trust.
  std::vector<double> live_mean;
  std::array<std::vector<double>, kEndCategoryCount> cumulative;
  std::vector<double> cynicism_mean, trust_mean;
  std::array<std::vector<double>, 3> cynicism_quantiles, trust_quantiles;

  // Sponsor exits: per organisation, all and sponsoring ones; per sponsoring exit, the mean
  // programmes orphaned and lost.
  Estimate exits_per_org, sponsoring_exits_per_org;
  double orphaned_per_exit = 0.0, lost_per_exit = 0.0;
  std::vector<double> orphaned_per_exit_by_level, lost_per_exit_by_level;
};

inline constexpr std::array<double, 3> kPortfolioQuantiles = {0.1, 0.5, 0.9};

PortfolioSummary summarize(const PortfolioTally& tally);

// The text a manager reads: what the organisation launches over its horizon, how much of it
// completes, what kills the rest, how each programme template fares (with more than one),
// how the odds fall with launch rank, cynicism and trust.
std::string format_portfolio_summary(const PortfolioResult& result);

}  // namespace progsurv
