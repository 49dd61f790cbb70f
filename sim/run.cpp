#include "progsurv/run.hpp"

#include <algorithm>
#include <thread>

#include "progsurv/parallel.hpp"

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
  initial_level.resize(n);
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
  initial_level[i] = r.initial_level;
  for (std::size_t b = 0; b < time.size(); ++b) time[b][i] = r.time[b];
}

int resolve_threads(int requested) {
  if (requested > 0) return requested;
  const unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : static_cast<int>(hw);
}

namespace {

// Runs replications [first, first + count) as fixed-size chunks on `threads` workers.
// Chunk tallies are merged into `total` in chunk order, whatever thread ran them.
void run_batch(const Scenario& scenario, std::uint64_t seed, std::int64_t first, std::int64_t count,
               int threads, Tally& total, Records* records) {
  const std::int64_t chunks = (count + kChunkSize - 1) / kChunkSize;
  std::vector<Tally> partial(static_cast<std::size_t>(chunks), Tally(scenario));
  parallel_for(chunks, threads, [&](std::int64_t c) {
    const std::int64_t begin = first + c * kChunkSize;
    const std::int64_t end = std::min(first + count, begin + kChunkSize);
    Tally& tally = partial[static_cast<std::size_t>(c)];
    for (std::int64_t r = begin; r < end; ++r) {
      const ReplicationRecord rec =
          simulate_replication(scenario, seed, static_cast<std::uint64_t>(r));
      tally.add(rec);
      if (records) records->set(static_cast<std::size_t>(r), rec);
    }
  });
  for (const Tally& t : partial) total.merge(t);
}

}  // namespace

RunResult run(const Scenario& scenario, const RunOptions& options) {
  RunResult result;
  result.scenario = scenario;
  result.seed = options.seed;
  result.precision = options.precision;
  result.tally = Tally(scenario);
  const int threads = resolve_threads(options.threads);
  const bool adaptive = options.precision > 0.0;
  const std::int64_t planned = adaptive ? options.max_replications : options.replications;
  if (options.keep_replications) result.records.emplace();

  for (std::int64_t first = 0; first < planned; first += kBatchSize) {
    const std::int64_t count = std::min(kBatchSize, planned - first);
    Records* records = nullptr;
    if (result.records) {
      result.records->resize(static_cast<std::size_t>(first + count));
      records = &*result.records;
    }
    run_batch(scenario, options.seed, first, count, threads, result.tally, records);
    result.tally.record_checkpoint();
    if (options.progress && !options.progress(first + count, planned)) throw Cancelled();
    if (adaptive) {
      const Estimate e = wilson(result.tally.count(EndCategory::Completed), result.tally.n);
      if (0.5 * (e.upper - e.lower) <= options.precision) break;
    }
  }
  result.summary = summarize(result.tally, scenario);
  return result;
}

}  // namespace progsurv
