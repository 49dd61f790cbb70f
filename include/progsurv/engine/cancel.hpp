#pragma once
// A process-wide stop request: the command's SIGINT/SIGTERM handler and Python's Ctrl-C
// make it; run(), sweeps and the replication loop itself poll it, so any command stops
// within about a second whatever a replication is doing.
#include <cstdint>
#include <stdexcept>

namespace progsurv {

struct Cancelled : std::runtime_error {
  Cancelled() : std::runtime_error("run cancelled") {}
};

// Async-signal-safe (a lock-free atomic increment): stops every piece of engine work running
// now (every open StopScope), and none started later.
void request_stop() noexcept;
// Whether a stop was requested since this thread's piece of work began (its StopScope, or
// the one whose worker it is: start_threads passes it on). On a thread outside any scope: since
// the last time no scope was open.
bool stop_requested() noexcept;
// Throws Cancelled when a stop was requested.
inline void throw_if_stopped() {
  if (stop_requested()) throw Cancelled();
}

// One piece of engine work started by a command or a Python call, for as long as it runs on
// this thread. A Ctrl-C stops the work running when it came and never work begun after it,
// whatever else still runs (another Python thread winding down) or ran before.
class StopScope {
 public:
  StopScope() noexcept;
  ~StopScope();
  StopScope(const StopScope&) = delete;
  StopScope& operator=(const StopScope&) = delete;

 private:
  std::uint64_t outer_;  // this thread's scope before this one
};

// A worker thread's share of the scope that started it (start_threads makes one).
class StopScopeShare {
 public:
  explicit StopScopeShare(std::uint64_t since) noexcept;
  ~StopScopeShare();
  StopScopeShare(const StopScopeShare&) = delete;
  StopScopeShare& operator=(const StopScopeShare&) = delete;
  // What to pass a worker started from this thread.
  static std::uint64_t current() noexcept;

 private:
  std::uint64_t outer_;
};

}  // namespace progsurv
