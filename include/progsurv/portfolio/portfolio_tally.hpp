#pragma once
// Raw counts and sums over organisations (docs/model.md, portfolio outputs). Every statistic of a
// portfolio summary is derived from these, and they are written to the portfolio file as
// they are (docs/hdf5-portfolio-format.md), so any interval can be recomputed.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "progsurv/engine/outcome.hpp"
#include "progsurv/engine/summary.hpp"  // ClusteredCounts
#include "progsurv/engine/tally.hpp"
#include "progsurv/portfolio/organisation.hpp"
#include "progsurv/portfolio/portfolio.hpp"

namespace progsurv {

class PortfolioTally {
 public:
  PortfolioTally() = default;
  explicit PortfolioTally(const Portfolio& portfolio);

  void add(const OrganisationRecord& record);
  // Floating sums depend on order: callers merge chunk tallies in chunk order.
  void merge(const PortfolioTally& other);
  void record_checkpoint();  // appends (n, programmes completed so far) to the table

  std::size_t grid_size() const { return grid.size(); }
  std::size_t ranks() const { return rank_launched.size(); }
  std::int64_t rank_count(std::size_t k, EndCategory c) const {
    return rank_category[k * kEndCategoryCount + static_cast<std::size_t>(c)];
  }
  std::int64_t rank_within_count(std::size_t k, EndCategory c) const {
    return rank_within_category[k * kEndCategoryCount + static_cast<std::size_t>(c)];
  }

  std::int64_t n = 0;  // organisations
  double horizon = 0.0;
  std::vector<double> grid;
  int level_count = 0;
  // The portfolio's programme templates, in its order (the index of template_launched).
  std::vector<std::string> template_names;

  // Per launch rank k (0 = the first programme launched): organisations that launched a
  // k-th programme, its end categories, and its value.
  std::vector<std::int64_t> rank_launched;  // [K]
  std::vector<std::int64_t> rank_category;  // [K x kEndCategoryCount]
  std::vector<Moments> rank_value;          // [K]
  // The same within `within` months of each programme's launch, over the k-th programmes
  // launched by horizon - within: its category by launch + within (running if later).
  double within = 0.0;
  std::vector<std::int64_t> rank_within_launched;  // [K]
  std::vector<std::int64_t> rank_within_category;  // [K x kEndCategoryCount]
  // Per template: programmes launched and their end categories.
  std::vector<std::int64_t> template_launched;  // [T]
  std::vector<std::int64_t> template_category;  // [T x kEndCategoryCount]
  // The programmes of one organisation share its sponsors, so a share of programmes is a
  // ratio over organisations and its interval needs their spread (format 1.3; a tally read
  // from an older file has none: `clustered` is false and these are empty). Per template:
  // sums over organisations of (its launches)^2, (its programmes in category c)^2 and their
  // product; over all templates, the product of category c's count and the launches, and of
  // all endings' and the launches (the squares are per_org_*'s sumsq).
  bool clustered = true;
  std::vector<std::int64_t> template_launched_sq;     // [T]
  std::vector<std::int64_t> template_category_sq;     // [T x kEndCategoryCount]
  std::vector<std::int64_t> template_category_cross;  // [T x kEndCategoryCount]
  std::array<std::int64_t, kEndCategoryCount> per_org_category_cross{};
  std::int64_t per_org_ended_cross = 0;
  // Per template (format 1.3): the value its programmes banked, and the sums over
  // organisations of (an organisation's value from it)^2 and of that value times its
  // launches of it.
  std::vector<double> template_value, template_value_sq, template_value_cross;  // [T]
  // Template t's share in category c, as a ratio over organisations (ClusteredCounts).
  ClusteredCounts template_share_counts(std::size_t t, EndCategory c) const;
  // Template t's value per programme launched, as a ratio over organisations.
  ClusteredCounts template_value_counts(std::size_t t) const;

  // Per organisation: sums over organisations of its programmes in each end category, of
  // its launches and its total value; and the distribution of each count (histogram over
  // 0, 1, 2, ... programmes).
  std::array<Moments, kEndCategoryCount> per_org_category{};
  Moments per_org_launched, per_org_value, per_org_ended;
  // count_hist[c][m]: organisations with m programmes in category group c, where c is
  // kLaunched, kCompleted, kEnded (any cause), kNotStarted or kRunning.
  enum CountGroup { kLaunched = 0, kCompleted, kEnded, kNotStarted, kRunning, kGroups };
  std::array<std::vector<std::int64_t>, kGroups> count_hist;
  // Total value per organisation in bins of value_bin_width (bin b: [b w, (b+1) w)).
  double value_bin_width = 1.0;
  std::vector<std::int64_t> value_hist;

  // On the grid: sums over organisations of programmes live; ends of programmes by
  // category, binned like Tally::end_bins ([kEndCategoryCount x (G + 1)]); moments and
  // histograms (kLevelBins bins on [0, 1], the last holding exactly 1) of cynicism and trust.
  std::vector<std::int64_t> live_sum;  // [G]
  std::vector<std::int64_t> end_bins;  // [8 x (G + 1)]
  std::vector<Moments> cynicism, trust;
  std::vector<std::int64_t> cynicism_hist, trust_hist;  // [G x kLevelBins]
  static constexpr int kLevelBins = 1001;

  // Sponsor exits per level: all of them; those that orphaned at least one programme; the
  // programmes they orphaned and lost. orphaned_hist[m]: exits that orphaned m programmes.
  std::vector<std::int64_t> exits, sponsoring_exits, orphaned, lost;  // [L]
  std::vector<std::int64_t> orphaned_hist;
  std::int64_t events = 0;

  std::vector<std::int64_t> checkpoint_n, checkpoint_completed;

 private:
  // Scratch for add(): one organisation's programmes by template, launched then by category
  // ([T x (1 + kEndCategoryCount)]); kept to spare an allocation per organisation.
  std::vector<std::int64_t> org_by_template_;
  std::vector<double> org_value_by_template_;  // [T]
};

}  // namespace progsurv
