#pragma once
// Raw counts and sums over replications. Every statistic in Summary is derived from these,
// and they are written to the output file as they are, so any interval can be recomputed.
#include <array>
#include <cstdint>
#include <vector>

#include "progsurv/engine/outcome.hpp"
#include "progsurv/engine/replication.hpp"
#include "progsurv/scenario/scenario.hpp"

namespace progsurv {

// The bin of time t on a sorted grid: the index of the first grid point at or after t ("ended
// by t" is inclusive of t), std::lower_bound's answer, grid.size() past the last point. Found
// from where t would fall on an evenly spaced grid (a scenario's grid usually is) and walked
// to that exact answer, which holds for any sorted grid: a binary search over random times
// mispredicts about half its branches.
std::size_t grid_bin(const std::vector<double>& grid, double t);

struct Moments {
  double sum = 0.0;
  double sumsq = 0.0;
  void add(double x) {
    sum += x;
    sumsq += x * x;
  }
  void merge(const Moments& o) {
    sum += o.sum;
    sumsq += o.sumsq;
  }
};

// Per-replication quantities whose sums are kept (over started programmes).
enum class Quantity : int {
  EndTime = 0,
  Vacant,
  Resources,
  Working,
  Pickup,
  Escalating,
  SponsorChanges,
  Handoffs,
  Breaks,
  Escalations,
  CustomerTrust,
  Value,
  Scoping,  // format version 2 onwards
  Recruiting,
  Disengagements,
  Rungs,  // format version 2.1 onwards (rules 15-17)
  Deferrals,
  DeferredValue,
  Reengagements,
  Deferring,  // 1 for a programme that deferred some scope: its mean is the share that did
  Count
};
inline constexpr int kQuantityCount = static_cast<int>(Quantity::Count);
const char* to_string(Quantity q);
Quantity quantity_of(TimeBucket b);  // the moment kept for a time bucket

class Tally {
 public:
  Tally() = default;
  explicit Tally(const Scenario& scenario);

  void add(const ReplicationRecord& record);
  // Floating sums depend on order: callers merge chunk tallies in chunk order.
  void merge(const Tally& other);
  void record_checkpoint();  // appends (n, completed) to the convergence table

  std::size_t grid_size() const { return grid.size(); }
  std::size_t bin_count() const { return grid.size() + 1; }
  std::int64_t count(EndCategory k) const { return category_count[static_cast<int>(k)]; }
  std::int64_t started() const { return n - count(EndCategory::NotStarted); }

  std::int64_t n = 0;
  std::vector<double> grid;
  std::array<std::int64_t, kEndCategoryCount> category_count{};
  // end_bins[k * bin_count() + b]: replications of category k whose end_time t satisfies
  // grid[b-1] < t <= grid[b] (b = 0: t <= grid[0]; b = grid_size(): t > grid.back()).
  std::vector<std::int64_t> end_bins;
  // Completion times on [0, horizon] in equal bins, for quantiles.
  double horizon = 0.0;
  std::vector<std::int64_t> completion_hist;
  // phases_by_category[k * (phase_count + 1) + d]: category k with d phases delivered.
  int phase_count = 0;
  std::vector<std::int64_t> phases_by_category;
  std::array<Moments, kQuantityCount> moments{};  // over started programmes
  // Convergence table: after each batch, replications so far and completions among them.
  std::vector<std::int64_t> checkpoint_n, checkpoint_completed;

  static constexpr int kCompletionBins = 2048;
};

}  // namespace progsurv
