#pragma once
// A process-wide stop request: the command's SIGINT/SIGTERM handler and Python's Ctrl-C
// set it; run(), sweeps and the replication loop itself poll it, so any command stops
// within about a second whatever a replication is doing.
#include <stdexcept>

namespace progsurv {

struct Cancelled : std::runtime_error {
  Cancelled() : std::runtime_error("run cancelled") {}
};

// Async-signal-safe (a lock-free atomic store).
void request_stop() noexcept;
bool stop_requested() noexcept;
// Throws Cancelled when a stop was requested.
inline void throw_if_stopped() {
  if (stop_requested()) throw Cancelled();
}

// One piece of engine work started by a command or a Python call, for as long as it runs.
// The first scope to open when none is open forgets a stop requested while no work ran
// (a Ctrl-C after the previous call ended must not stop the next one); a scope opened while
// another is open (a second Python thread, or a call nested in a callback) keeps a stop
// meant for that work.
class StopScope {
 public:
  StopScope() noexcept;
  ~StopScope();
  StopScope(const StopScope&) = delete;
  StopScope& operator=(const StopScope&) = delete;
};

}  // namespace progsurv
