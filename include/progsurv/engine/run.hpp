#pragma once
// Running many replications in parallel, reproducibly.
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "progsurv/engine/cancel.hpp"
#include "progsurv/engine/replication.hpp"
#include "progsurv/engine/summary.hpp"
#include "progsurv/engine/tally.hpp"
#include "progsurv/scenario/scenario.hpp"

namespace progsurv {

// Bounds every entry point enforces (UsageError beyond them): more threads than this is a
// typo, and more replications than 2^40 would take years.
inline constexpr int kMaxThreads = 1024;
inline constexpr std::int64_t kMaxReplications = std::int64_t{1} << 40;
// The range of a run's precision target (a 95% half-width of P(completed)) that the command
// and Python accept; 0 in RunOptions means a fixed count.
inline constexpr double kMinPrecision = 1e-6;
inline constexpr double kMaxPrecision = 0.5;

struct RunOptions {
  std::uint64_t seed = 1;
  std::int64_t replications = 100000;  // used when precision == 0
  double precision = 0.0;  // > 0: run batches until the 95% half-width of P(completed) <= it
  std::int64_t max_replications = 10000000;  // cap for precision mode
  int threads = 0;                           // 0 = all hardware threads
  bool keep_replications = false;
  // Called between batches with (done, planned); return false to stop (throws Cancelled).
  std::function<bool(std::int64_t, std::int64_t)> progress;
};

// Replications are grouped in fixed chunks and batches that do not depend on the thread
// count; chunk tallies are merged in chunk order, so output is identical for any threads.
inline constexpr std::int64_t kChunkSize = 1024;
inline constexpr std::int64_t kChunksPerBatch = 16;
inline constexpr std::int64_t kBatchSize = kChunkSize * kChunksPerBatch;

// Per-replication records as columns (only with keep_replications).
struct Records {
  std::vector<std::int8_t> outcome, cause;
  std::vector<double> end_time, value, customer_trust, deferred_value;
  std::vector<std::int32_t> phases_delivered, sponsor_changes, handoffs, breaks, escalations,
      disengagements, initial_level, rungs, deferrals, reengagements;
  std::array<std::vector<double>, kTimeBucketCount> time;
  std::size_t size() const { return outcome.size(); }
  void resize(std::size_t n);
  void set(std::size_t i, const ReplicationRecord& r);
};

struct RunResult {
  Scenario scenario;
  std::uint64_t seed = 0;
  double precision = 0.0;
  bool exact = false;  // curves from the exact solver rather than Monte Carlo
  Tally tally;
  Summary summary;
  std::optional<Records> records;
};

// Throws UsageError for options out of range (replications or max_replications outside
// [1, kMaxReplications], precision not finite or outside [0, 0.5], threads outside
// [0, kMaxThreads]) or a run whose memory estimate exceeds the limit (memory_budget.hpp),
// and Cancelled when stopped (progress returned false, or cancel.hpp's stop request).
RunResult run(const Scenario& scenario, const RunOptions& options);

// The summary table (format_summary) and, for a precision run, whether its target half-width
// was reached ("precision target: ... NOT met (... after 20000 replications, the cap)"): what
// `progsurv run`, `progsurv summary FILE` and Python's Result.summary() print.
std::string format_run_summary(const RunResult& result, const std::string& title);

// `requested` threads, or the hardware's when 0; UsageError outside [0, kMaxThreads].
int resolve_threads(int requested);

// Starts `count` threads running `body`; when the system refuses one, the started ones are
// stopped by `stop` and joined, and std::runtime_error says how many could be started.
void start_threads(std::vector<std::thread>& pool, int count, const std::function<void()>& body,
                   const std::function<void()>& stop);

}  // namespace progsurv
