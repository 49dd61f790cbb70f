#include "progsurv/engine/run.hpp"

#include "engine/chunk_pipeline.hpp"
#include "progsurv/engine/memory_budget.hpp"
#include "progsurv/scenario/workload.hpp"

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <exception>
#include <map>
#include <mutex>
#include <system_error>
#include <thread>

namespace progsurv {

void Records::resize(std::size_t n) {
  outcome.resize(n);
  cause.resize(n);
  end_time.resize(n);
  value.resize(n);
  customer_trust.resize(n);
  phases_delivered.resize(n);
  sponsor_changes.resize(n);
  handoffs.resize(n);
  breaks.resize(n);
  escalations.resize(n);
  disengagements.resize(n);
  initial_level.resize(n);
  rungs.resize(n);
  deferrals.resize(n);
  deferred_value.resize(n);
  reengagements.resize(n);
  for (auto& t : time) t.resize(n);
}

void Records::set(std::size_t i, const ReplicationRecord& r) {
  outcome[i] = static_cast<std::int8_t>(r.outcome);
  cause[i] = static_cast<std::int8_t>(r.cause);
  end_time[i] = r.end_time;
  value[i] = r.value;
  customer_trust[i] = r.customer_trust;
  phases_delivered[i] = r.phases_delivered;
  sponsor_changes[i] = r.sponsor_changes;
  handoffs[i] = r.handoffs;
  breaks[i] = r.breaks;
  escalations[i] = r.escalations;
  disengagements[i] = r.disengagements;
  initial_level[i] = r.initial_level;
  rungs[i] = r.rungs;
  deferrals[i] = r.deferrals;
  deferred_value[i] = r.deferred_value;
  reengagements[i] = r.reengagements;
  for (std::size_t b = 0; b < time.size(); ++b) time[b][i] = r.time[b];
}

int resolve_threads(int requested) {
  if (requested < 0 || requested > kMaxThreads)
    throw UsageError("threads must be between 0 (all cores) and " + std::to_string(kMaxThreads) +
                     ", got " + std::to_string(requested));
  if (requested > 0) return requested;
  const unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : static_cast<int>(hw);
}

void start_threads(std::vector<std::thread>& pool, int count, const std::function<void()>& body,
                   const std::function<void()>& stop) {
  pool.reserve(static_cast<std::size_t>(count));
  // The workers do this thread's piece of work: a stop meant for it stops them too.
  const std::uint64_t scope = StopScopeShare::current();
  try {
    for (int i = 0; i < count; ++i)
      pool.emplace_back([scope, body] {
        const StopScopeShare share(scope);
        body();
      });
  } catch (const std::system_error& e) {
    // A joinable std::thread destroyed would std::terminate: stop and join first.
    const std::size_t started = pool.size();
    stop();
    for (auto& t : pool) t.join();
    pool.clear();
    throw std::runtime_error("cannot start " + std::to_string(count) + " threads (the system " +
                             "refused after " + std::to_string(started) + ": " + e.what() +
                             "); use fewer --threads");
  }
}

namespace {

void check_options(const RunOptions& o) {
  const auto count_ok = [](std::int64_t n) { return n >= 1 && n <= kMaxReplications; };
  if (!count_ok(o.replications))
    throw UsageError("replications must be between 1 and " + std::to_string(kMaxReplications) +
                     ", got " + std::to_string(o.replications));
  if (!(std::isfinite(o.precision) && o.precision >= 0.0 && o.precision <= 0.5))
    throw UsageError(
        "precision must be a finite number in [0, 0.5] (0 = a fixed count of replications)");
  if (o.precision > 0.0 && !count_ok(o.max_replications))
    throw UsageError("max_replications must be between 1 and " + std::to_string(kMaxReplications) +
                     ", got " + std::to_string(o.max_replications));
}

// The tally (and, when asked for, the records) of one chunk of replications.
struct ChunkResult {
  Tally tally;
  std::vector<ReplicationRecord> records;
};

}  // namespace

RunResult run(const Scenario& scenario, const RunOptions& options) {
  RunResult result;
  result.scenario = scenario;
  result.seed = options.seed;
  result.precision = options.precision;
  check_options(options);
  check_workload(scenario);
  const int threads = resolve_threads(options.threads);
  check_memory(estimate_run_memory(scenario, options, threads), "this run");
  result.tally = Tally(scenario);
  const bool adaptive = options.precision > 0.0;
  const std::int64_t planned = adaptive ? options.max_replications : options.replications;
  if (options.keep_replications) result.records.emplace();

  const bool keep = options.keep_replications;
  ChunkPipeline<ChunkResult> pipeline(planned, threads, [&](std::int64_t begin, std::int64_t end) {
    ChunkResult r{Tally(scenario), {}};
    if (keep) r.records.reserve(static_cast<std::size_t>(end - begin));
    for (std::int64_t i = begin; i < end; ++i) {
      const ReplicationRecord rec =
          simulate_replication(scenario, options.seed, static_cast<std::uint64_t>(i));
      r.tally.add(rec);
      if (keep) r.records.push_back(rec);
    }
    return r;
  });
  for (std::int64_t c = 0; c < pipeline.chunk_count(); ++c) {
    ChunkResult chunk = pipeline.take(c);
    result.tally.merge(chunk.tally);
    if (result.records) {
      Records& rec = *result.records;
      const std::size_t first = rec.size();
      rec.resize(first + chunk.records.size());
      for (std::size_t i = 0; i < chunk.records.size(); ++i) rec.set(first + i, chunk.records[i]);
    }
    const bool batch_end = (c + 1) % kChunksPerBatch == 0 || c + 1 == pipeline.chunk_count();
    if (!batch_end) continue;
    result.tally.record_checkpoint();
    if (options.progress && !options.progress(result.tally.n, planned)) throw Cancelled();
    throw_if_stopped();
    if (adaptive) {
      const Estimate e = wilson(result.tally.count(EndCategory::Completed), result.tally.n);
      if (0.5 * (e.upper - e.lower) <= options.precision) break;
    }
  }
  result.summary = summarize(result.tally, scenario);
  return result;
}

std::string format_run_summary(const RunResult& r, const std::string& title) {
  std::string text = format_summary(r.summary, title);
  if (r.precision > 0.0 && !r.exact) {
    // A precision run stops at its target or at its cap: say which. A run that stopped short
    // of its target stopped at the cap, so n is the cap.
    const Estimate& p = r.summary.completed();
    const double half = (p.upper - p.lower) / 2;
    const bool met = half <= r.precision;
    char line[300];
    std::snprintf(line, sizeof line,
                  "precision target: 95%% half-width of P(completed) <= %.4g: %s (half-width "
                  "%.4g after %lld replications%s)\n",
                  r.precision, met ? "met" : "NOT met", half, static_cast<long long>(r.summary.n),
                  met ? "" : ", the cap");
    text += line;
  }
  return text;
}

}  // namespace progsurv
