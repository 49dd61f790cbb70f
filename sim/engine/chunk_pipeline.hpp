#pragma once
// Private: the reproducible parallel loop behind run() and run_portfolio(). Replications
// (or organisations) are grouped in fixed chunks; `simulate(begin, end)` turns one chunk
// into its result on some worker thread, and take(c) hands results back strictly in chunk
// order, so whatever the caller merges is merged in the same order for any thread count.
#include <algorithm>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "progsurv/engine/cancel.hpp"
#include "progsurv/engine/run.hpp"

namespace progsurv {

// Worker threads live for the whole run and take chunks in index order from a shared
// counter, running ahead of the merge by at most `window` chunks (bounded memory). Batch
// ends (checkpoints, progress, the precision test) are positions in the merge order, not
// synchronisation points, so no worker waits for a batch to drain.
template <class Result>
class ChunkPipeline {
 public:
  using Simulate = std::function<Result(std::int64_t begin, std::int64_t end)>;

  ChunkPipeline(std::int64_t planned, int threads, Simulate simulate,
                std::int64_t chunk_size = kChunkSize)
      : simulate_(std::move(simulate)),
        planned_(planned),
        chunk_size_(chunk_size),
        chunks_((planned + chunk_size - 1) / chunk_size),
        window_(std::max<std::int64_t>(4 * threads, kChunksPerBatch)) {
    start_threads(
        workers_, threads, [this] { work(); }, [this] { halt(); });
  }

  ~ChunkPipeline() {
    halt();
    for (auto& w : workers_) w.join();
  }

  std::int64_t chunk_count() const { return chunks_; }

  // The result of chunk c, waiting for it; chunks must be taken in order 0, 1, 2, ...
  Result take(std::int64_t c) {
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [&] { return failure_ || ready_.count(c) > 0; });
    if (failure_) std::rethrow_exception(failure_);
    Result r = std::move(ready_.at(c));
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
        const std::int64_t begin = c * chunk_size_;
        Result r = simulate_(begin, std::min(planned_, begin + chunk_size_));
        std::lock_guard<std::mutex> lock(mutex_);
        ready_.emplace(c, std::move(r));
      } catch (...) {
        std::lock_guard<std::mutex> lock(mutex_);
        if (!failure_) failure_ = std::current_exception();
      }
      done_.notify_one();
    }
  }

  const Simulate simulate_;
  const std::int64_t planned_, chunk_size_, chunks_, window_;
  std::mutex mutex_;
  std::condition_variable more_work_, done_;
  std::map<std::int64_t, Result> ready_;
  std::int64_t next_ = 0, merged_ = 0;
  bool stop_ = false;
  std::exception_ptr failure_;
  std::vector<std::thread> workers_;
};

}  // namespace progsurv
