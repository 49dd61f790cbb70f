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
// Forgets an earlier request; call before starting a new command.
void clear_stop() noexcept;
// Throws Cancelled when a stop was requested.
inline void throw_if_stopped() {
  if (stop_requested()) throw Cancelled();
}

}  // namespace progsurv
