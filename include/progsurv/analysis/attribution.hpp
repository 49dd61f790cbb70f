#pragma once
// Knock-out attribution: what each obstacle costs. Every mechanism is switched off in turn
// and the scenario re-run with common random numbers; replication r of the base and of each
// knock-out use the same (seed, r) streams, so the per-replication differences are paired
// and their intervals far tighter than those of two independent runs.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "progsurv/analysis/summary.hpp"
#include "progsurv/scenario/scenario.hpp"

namespace progsurv {

enum class Knockout : int {
  SponsorExit = 0,  // every level's tenure = never
  HandoffBreaks,    // every break_prob 0, handoff overrides included
  Patience,         // patience.model none
  Budget,           // budget disabled
  Gates,            // every continue_prob 1
  ResourceDelay,    // every level's resource_delay fixed 0
  Count
};
inline constexpr int kKnockoutCount = static_cast<int>(Knockout::Count);
const char* to_string(Knockout k);  // "sponsor_exit", "handoff_breaks", ...
const char* describe(Knockout k);   // "no sponsor exits", ...

// The scenario with one mechanism switched off (finalized).
Scenario knock_out(const Scenario& scenario, Knockout k);

struct AttributionOptions {
  std::uint64_t seed = 1;
  std::int64_t replications = 100000;
  int threads = 0;  // 0 = all hardware threads; results do not depend on it
  // Called between batches with (done, planned); return false to stop (throws Cancelled).
  std::function<bool(std::int64_t, std::int64_t)> progress;
};

// Paired change of one statistic: knocked-out minus base, mean of the per-replication
// differences with a normal 95% interval (± 1.96 SE of that mean).
struct PairedDelta {
  double base = 0.0, knocked_out = 0.0;  // the statistic under each scenario
  Estimate delta;
  double se = 0.0;
};

struct AttributionRow {
  Knockout knockout = Knockout::SponsorExit;
  PairedDelta p_completed;  // P(completed), as a proportion (×100 for percentage points)
  PairedDelta mean_value;   // mean value banked per replication
};

struct AttributionResult {
  Scenario scenario;
  std::uint64_t seed = 0;
  std::int64_t n = 0;
  Estimate p_completed;              // base, Wilson interval
  Estimate mean_value;               // base, normal interval
  std::vector<AttributionRow> rows;  // in Knockout order
};

// Deterministic: the same for any thread count (chunk sums merged in chunk order).
AttributionResult attribute(const Scenario& scenario, const AttributionOptions& options);

// One statistic of every row as columns, in row order, for tables and files.
struct DeltaColumns {
  std::vector<double> knocked_out, delta, lower, upper, se;
};
DeltaColumns delta_columns(const AttributionResult& result, PairedDelta AttributionRow::*member);

// The table printed by `progsurv attribute`.
std::string format_attribution(const AttributionResult& result);

// HDF5 file with filetype "progsurv-attribution" (docs/sweeps.md); temp file + rename.
void write_attribution(const std::string& path, const AttributionResult& result);

}  // namespace progsurv
