#pragma once
// Ctrl-C during engine work started from Python. Python's own SIGINT handler only sets a
// flag that the progress callback sees between batches; a replication that never reaches
// the next batch would ignore it. While an InterruptGuard lives (on the main thread), SIGINT
// also sets progsurv's stop request (progsurv/engine/cancel.hpp), which the engine polls
// down to its event loop, and Python's handler still runs, so KeyboardInterrupt follows.
#include <signal.h>

#include <utility>

#include "progsurv/engine/cancel.hpp"
#include "register.hpp"

namespace progsurv::python {

class InterruptGuard {
 public:
  // Call with the GIL held.
  InterruptGuard() {
    const py::object threading = py::module_::import("threading");
    if (!threading.attr("current_thread")().is(threading.attr("main_thread")())) return;
    // A process that chose SIGINT's default (an MPI fit worker: Ctrl-C ends it at once, and
    // mpirun the job) or to ignore it keeps that choice.
    struct sigaction now {};
    if (::sigaction(SIGINT, nullptr, &now) != 0 ||
        (!(now.sa_flags & SA_SIGINFO) && (now.sa_handler == SIG_DFL || now.sa_handler == SIG_IGN)))
      return;
    // An outer guard on this thread (a call nested in a callback) already has SIGINT: taking
    // it again would make on_interrupt its own previous handler.
    if (!(now.sa_flags & SA_SIGINFO) && now.sa_handler == &on_interrupt) return;
    struct sigaction ours {};
    ours.sa_handler = &on_interrupt;
    sigemptyset(&ours.sa_mask);
    installed_ = ::sigaction(SIGINT, &ours, &previous()) == 0;
  }
  ~InterruptGuard() {
    if (installed_) ::sigaction(SIGINT, &previous(), nullptr);
  }
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;

  // After a Cancelled with the GIL held: raise Python's KeyboardInterrupt when Ctrl-C
  // was the cause (and do nothing otherwise).
  static void raise_if_interrupted() {
    if (stop_requested() && PyErr_CheckSignals() != 0) throw py::error_already_set();
  }

 private:
  static struct sigaction& previous() {
    static struct sigaction handler {};
    return handler;
  }
  static void on_interrupt(int signal) {
    request_stop();
    const struct sigaction& before = previous();
    if (before.sa_handler != SIG_DFL && before.sa_handler != SIG_IGN &&
        !(before.sa_flags & SA_SIGINFO))
      before.sa_handler(signal);
  }
  StopScope scope_;  // open from before SIGINT is taken until after it is given back
  bool installed_ = false;
};

// The one way engine work runs from Python: without the GIL, under an InterruptGuard (so a
// stop requested while no engine work ran is forgotten and Ctrl-C stops this one with
// KeyboardInterrupt). `on_cancel` runs for a Cancelled that Ctrl-C did not cause (a progress
// callback's exception to re-raise) before it propagates.
template <class Work, class OnCancel>
auto interruptible(Work&& work, OnCancel&& on_cancel) {
  const InterruptGuard interrupt_guard;
  try {
    py::gil_scoped_release release;
    return work();
  } catch (const Cancelled&) {
    InterruptGuard::raise_if_interrupted();
    on_cancel();
    throw;
  }
}

template <class Work>
auto interruptible(Work&& work) {
  return interruptible(std::forward<Work>(work), [] {});
}

}  // namespace progsurv::python
