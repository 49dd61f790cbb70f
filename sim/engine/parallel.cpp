#include "progsurv/engine/parallel.hpp"

#include "progsurv/engine/run.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace progsurv {

void parallel_for(std::int64_t count, int threads, const std::function<void(std::int64_t)>& body) {
  std::atomic<std::int64_t> next{0};
  std::exception_ptr failure;
  std::mutex failure_mutex;
  auto worker = [&] {
    try {
      for (std::int64_t c = next++; c < count; c = next++) {
        throw_if_stopped();
        body(c);
      }
    } catch (...) {
      std::lock_guard<std::mutex> lock(failure_mutex);
      if (!failure) failure = std::current_exception();
      next = count;
    }
  };
  const int n_workers = static_cast<int>(std::min<std::int64_t>(threads, count));
  if (n_workers <= 1) {
    worker();
  } else {
    std::vector<std::thread> pool;
    start_threads(pool, n_workers, worker, [&] { next = count; });
    for (auto& th : pool) th.join();
  }
  if (failure) std::rethrow_exception(failure);
}

}  // namespace progsurv
