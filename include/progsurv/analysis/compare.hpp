#pragma once
// Paired comparison of scenarios under common random numbers: replication r of every
// scenario uses the same (seed, r) streams, so the per-replication differences are paired
// and their intervals much narrower than those of independent runs (the gain is reported).
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "progsurv/analysis/attribution.hpp"
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
};

struct CompareResult {
  std::vector<Scenario> scenarios;
  std::vector<std::string> labels;  // as given (file names or lever texts)
  std::uint64_t seed = 0;
  std::int64_t n = 0;
  int bootstrap = 0;
  std::vector<ComparedStat> stats;
};

// Deterministic: the same for any thread count.
CompareResult compare(const std::vector<Scenario>& scenarios,
                      const std::vector<std::string>& labels, const CompareOptions& options);

// The table printed by `progsurv compare`.
std::string format_comparison(const CompareResult& result);

}  // namespace progsurv
