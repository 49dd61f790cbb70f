#pragma once
// Paired comparison of scenarios under common random numbers: replication r of every
// scenario uses the same (seed, r) streams, so the per-replication differences are paired
// and their intervals much narrower than those of independent runs (the gain is reported).
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "progsurv/analysis/attribution.hpp"
#include "progsurv/engine/tally.hpp"
#include "progsurv/scenario/scenario.hpp"

namespace progsurv {

struct CompareOptions {
  std::uint64_t seed = 1;
  std::int64_t replications = 100000;
  int threads = 0;      // 0 = all hardware threads; results do not depend on it
  int bootstrap = 200;  // paired bootstrap resamples for the completion-time quantiles
  // Called between batches with (done, planned); return false to stop (throws Cancelled).
  std::function<bool(std::int64_t, std::int64_t)> progress;
};

// One compared statistic: its value under every scenario and, for scenarios 1.., the paired
// difference from scenario 0 with its 95% interval; `independent_se` is the standard error
// the same difference would have from two independent runs of this size.
struct ComparedStat {
  std::string name;         // p_completed, p_<cause>, p_not_started, mean_value, completion_p50...
  std::string description;  // for people, with its denominator
  std::vector<double> value;           // per scenario
  std::vector<PairedDelta> diff;       // per scenario; [0] unused
  std::vector<double> independent_se;  // per scenario; [0] unused
  // (independent_se / paired se)^2: how many times the replications independent runs
  // would need for the same interval.
  double gain(std::size_t i) const;
  // The same share among started programmes (p_completed and p_<cause>; empty for the
  // others): per scenario, and its paired difference from scenario 0 (delta method over
  // the joint end categories) with the SE independent runs would give.
  std::vector<double> started_value;
  std::vector<PairedDelta> started_diff;
  std::vector<double> started_independent_se;
  bool has_started() const { return !started_value.empty(); }
};

// The raw paired counts and sums the shares and means of a comparison derive from
// (docs/hdf5-comparison-format.md). Statistic k of scenario i is at [i * stat_count + k].
struct ComparisonSums {
  static constexpr int kStatCount = kCauseCount + 3;  // completed, causes, not started, value
  static std::vector<std::string> stat_names();       // p_completed, p_<cause>, ..., mean_value
  explicit ComparisonSums(std::size_t scenarios = 0);
  void merge(const ComparisonSums& o);
  std::size_t scenario_count() const { return sum.size() / kStatCount; }

  std::int64_t n = 0;
  std::vector<double> sum, sumsq;    // of the statistic
  std::vector<double> dsum, dsumsq;  // of its difference from scenario 0 (row 0: zeros)
  // joint[(i * kEndCategoryCount + a) * kEndCategoryCount + b]: replications that end in
  // category a under scenario 0 and in b under scenario i (EndCategory order).
  std::vector<std::int64_t> joint;
};

struct CompareResult {
  std::vector<Scenario> scenarios;
  std::vector<std::string> labels;  // as given (file names or lever texts)
  std::uint64_t seed = 0;
  std::int64_t n = 0;
  int bootstrap = 0;
  std::vector<ComparedStat> stats;
  // What they derive from: the paired sums, and each scenario's tally, the one its own run
  // with this seed and n gives (its curves, quantiles and at-risk counts).
  ComparisonSums sums;
  std::vector<Tally> tallies;
};

// Deterministic: the same for any thread count.
CompareResult compare(const std::vector<Scenario>& scenarios,
                      const std::vector<std::string>& labels, const CompareOptions& options);

// The shares and means of a comparison (every statistic but the completion-time quantiles,
// whose paired bootstrap needs the replications) from its raw sums.
std::vector<ComparedStat> paired_statistics(const ComparisonSums& sums);

// The table printed by `progsurv compare`.
std::string format_comparison(const CompareResult& result);

// The comparison file (filetype progsurv-comparison, docs/hdf5-comparison-format.md),
// written atomically. read_comparison re-derives the shares and means from the raw sums
// and takes the quantile rows as stored; FileFormatError for a foreign or damaged file.
void write_comparison(const std::string& path, const CompareResult& result);
CompareResult read_comparison(const std::string& path);

}  // namespace progsurv
