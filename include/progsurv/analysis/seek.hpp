#pragma once
// Goal seeking on one numeric lever (`progsurv seek`, docs/seek.md): the smallest (or
// largest) value of a scenario key that reaches a target, with an interval. Every lever
// value is run with the same seed and replications (common random numbers), so the
// estimated response f_n(x) is smooth in x and differences between values are paired. A
// coarse scan checks reach and monotonicity; bisection then brackets where f_n, and its
// upper and lower 95% bounds, cross the target.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "progsurv/analysis/goal.hpp"
#include "progsurv/scenario/scenario.hpp"

namespace progsurv {

struct SeekOptions {
  std::string lever;  // key path, as --set takes it: "patience.grace"
  // The range searched; when unset, the key's documented range (probabilities: [0, 1]).
  bool has_range = false;
  double low = 0.0, high = 0.0;
  bool largest = false;     // the largest value reaching the target (default: the smallest)
  bool log_scale = false;   // scan and bisect in log x (low must be > 0)
  int scan_points = 9;      // coarse scan, ends included (>= 3)
  double tolerance = 0.01;  // bisection stops when the bracket is this fraction of the range
  std::uint64_t seed = 1;
  std::int64_t replications = 20000;  // per lever value
  int threads = 0;                    // 0 = all hardware threads; results do not depend on it
  // Called between batches with (done, planned); return false to stop (throws Cancelled).
  std::function<bool(std::int64_t, std::int64_t)> progress;
};

enum class SeekVerdict {
  Found,        // a value, with an interval
  AlreadyMet,   // met where the search starts (the range's low end, high with --largest)
  OutOfReach,   // not met anywhere in the range, even by the optimistic 95% bound at its best
  NotMonotone,  // consecutive scan points significantly against the overall direction
  Undecided,    // the crossing interval spans the whole range: more replications needed
};
const char* to_string(SeekVerdict v);  // found, already_met, out_of_reach, ...
SeekVerdict seek_verdict_from_string(const std::string& text);  // std::invalid_argument

// One evaluated lever value: raw sums of the goal's per-replication value over replications
// 0..n-1, and of its paired difference from the base scenario (and, for scan points after
// the first, from the previous scan point). Any interval can be recomputed from them.
struct SeekPoint {
  double x = 0.0;
  std::string stage;  // "base", "scan", "bisect"
  std::int64_t n = 0;
  double sum = 0.0, sumsq = 0.0;
  double base_dsum = 0.0, base_dsumsq = 0.0;
  double prev_dsum = 0.0, prev_dsumsq = 0.0;  // scan points after the first only

  double mean() const;
  double se() const;     // of the mean; NaN when n < 2
  double lower() const;  // mean -/+ 1.96 se
  double upper() const;
};

struct SeekResult {
  Scenario scenario;  // the base, without the lever set
  std::string lever;
  double base_value = 0.0;  // the lever's value in the scenario
  double low = 0.0, high = 0.0;
  bool range_given = false;  // --range, else the key's documented range
  bool largest = false, log_scale = false;
  bool integer = false;  // the key takes whole numbers only: values are rounded
  double tolerance = 0.0;
  Target target;
  std::uint64_t seed = 0;
  std::int64_t n = 0;
  SeekVerdict verdict = SeekVerdict::Undecided;
  // Found: the first evaluated value (in search order) whose estimate meets the target, the
  // one before it within tolerance missing it. NaN otherwise.
  double value = 0.0;
  // Where the optimistic and the pessimistic 95% bounds of f meet the target, ascending;
  // an end at the range's end means the crossing may lie beyond it (see *_open).
  double interval_low = 0.0, interval_high = 0.0;
  bool interval_low_open = false, interval_high_open = false;
  std::vector<SeekPoint> points;  // in evaluation order; points[0] is the base

  std::int64_t replications_spent() const;
  // Scan points in increasing x.
  std::vector<const SeekPoint*> scan() const;
  // Pairs of consecutive scan points (indices into scan()) whose paired 95% difference
  // excludes 0 against the overall direction (scan end minus scan start).
  std::vector<int> against_direction() const;
};

// Throws OptionError (option() names the SeekOptions field: "lever", "range", "log_scale",
// "scan_points", "tolerance", "replications", "threads"), UsageError (a goal the scenario
// lacks) or ScenarioError (naming the key) for bad input before any replication; Cancelled
// when stopped. Deterministic for any thread count.
SeekResult seek(const Scenario& scenario, const Target& target, const SeekOptions& options);

// The sentence, the scan table and the replications spent, as `progsurv seek` prints them.
std::string format_seek(const SeekResult& result);

// HDF5 filetype progsurv-seek (docs/hdf5-seek-format.md), written atomically.
void write_seek(const std::string& path, const SeekResult& result);
// FileFormatError for a foreign, newer or damaged file.
SeekResult read_seek(const std::string& path);

}  // namespace progsurv
