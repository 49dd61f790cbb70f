#include "progsurv/engine/run.hpp"

#include "progsurv/engine/memory_budget.hpp"
#include "progsurv/scenario/workload.hpp"

#include <algorithm>
#include <cmath>
#include <condition_variable>
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
  try {
    for (int i = 0; i < count; ++i) pool.emplace_back(body);
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
    throw UsageError("precision must be a finite number in [0, 0.5] (0 = fixed count)");
  if (o.precision > 0.0 && !count_ok(o.max_replications))
    throw UsageError("max_replications must be between 1 and " + std::to_string(kMaxReplications) +
                     ", got " + std::to_string(o.max_replications));
}

// The tally (and, when asked for, the records) of one chunk of replications.
struct ChunkResult {
  Tally tally;
  std::vector<ReplicationRecord> records;
};

// Worker threads live for the whole run and take chunks in index order from a shared
// counter, running ahead of the merge by at most `window` chunks (bounded memory). The
// calling thread merges finished chunks strictly in chunk order, so every floating-point
// sum is added in the same order whatever the thread count. Batch ends (checkpoints,
// progress, the precision test) are positions in that order, not synchronisation points,
// so no worker waits for a batch to drain.
class ChunkPipeline {
 public:
  ChunkPipeline(const Scenario& scenario, const RunOptions& options, std::int64_t planned,
                int threads, bool keep)
      : scenario_(scenario),
        seed_(options.seed),
        planned_(planned),
        chunks_((planned + kChunkSize - 1) / kChunkSize),
        window_(std::max<std::int64_t>(4 * threads, kChunksPerBatch)),
        keep_(keep) {
    start_threads(
        workers_, threads, [this] { work(); }, [this] { halt(); });
  }

  ~ChunkPipeline() {
    halt();
    for (auto& w : workers_) w.join();
  }

  std::int64_t chunk_count() const { return chunks_; }

  // The result of chunk c, waiting for it; chunks must be taken in order 0, 1, 2, ...
  ChunkResult take(std::int64_t c) {
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [&] { return failure_ || ready_.count(c) > 0; });
    if (failure_) std::rethrow_exception(failure_);
    ChunkResult r = std::move(ready_[c]);
    ready_.erase(c);
    merged_ = c + 1;
    lock.unlock();
    more_work_.notify_all();
    return r;
  }

 private:
  void halt() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    more_work_.notify_all();
  }

  void work() {
    for (;;) {
      std::int64_t c;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        more_work_.wait(lock, [&] { return stop_ || failure_ || next_ < merged_ + window_; });
        if (stop_ || failure_ || next_ >= chunks_) return;
        c = next_++;
      }
      try {
        throw_if_stopped();
        ChunkResult r{Tally(scenario_), {}};
        const std::int64_t begin = c * kChunkSize;
        const std::int64_t end = std::min(planned_, begin + kChunkSize);
        if (keep_) r.records.reserve(static_cast<std::size_t>(end - begin));
        for (std::int64_t i = begin; i < end; ++i) {
          const ReplicationRecord rec =
              simulate_replication(scenario_, seed_, static_cast<std::uint64_t>(i));
          r.tally.add(rec);
          if (keep_) r.records.push_back(rec);
        }
        std::lock_guard<std::mutex> lock(mutex_);
        ready_.emplace(c, std::move(r));
      } catch (...) {
        std::lock_guard<std::mutex> lock(mutex_);
        if (!failure_) failure_ = std::current_exception();
      }
      done_.notify_one();
    }
  }

  const Scenario& scenario_;
  const std::uint64_t seed_;
  const std::int64_t planned_, chunks_, window_;
  const bool keep_;
  std::mutex mutex_;
  std::condition_variable more_work_, done_;
  std::map<std::int64_t, ChunkResult> ready_;
  std::int64_t next_ = 0, merged_ = 0;
  bool stop_ = false;
  std::exception_ptr failure_;
  std::vector<std::thread> workers_;
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

  ChunkPipeline pipeline(scenario, options, planned, threads, options.keep_replications);
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

}  // namespace progsurv
