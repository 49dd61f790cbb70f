#pragma once
// The bridge between the engine's progress callback (called between batches, on the
// engine's thread) and Python: a Python progress function, Ctrl-C, and the exception that
// stopped the work, re-raised once the engine has wound down.
#include <Python.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <utility>

#include "interrupt.hpp"
#include "progsurv/engine/cancel.hpp"
#include "register.hpp"

namespace progsurv::python {

// Calls `progress` and checks for Ctrl-C with the GIL held; a stop request or a Python
// exception is remembered and turned into a stop of the C++ work.
class PythonProgress {
 public:
  explicit PythonProgress(py::object progress) : progress_(std::move(progress)) {}

  bool operator()(std::int64_t done, std::int64_t planned) {
    if (stop_) return false;
    py::gil_scoped_acquire gil;
    if (PyErr_CheckSignals() != 0) {
      pending_.emplace();
      stop_ = true;
      return false;
    }
    if (progress_.is_none()) return true;
    try {
      const py::object go_on = progress_(done, planned);
      if (!(go_on.is_none() || PyObject_IsTrue(go_on.ptr()) == 1)) stop_ = true;
    } catch (py::error_already_set& e) {
      pending_.emplace(std::move(e));
      stop_ = true;
    }
    return !stop_;
  }
  bool keep_going() const { return !stop_; }
  // After a Cancelled from the engine: re-raise what stopped it, if Python did.
  void rethrow_pending() {
    if (pending_) {
      pending_->restore();
      pending_.reset();
      throw py::error_already_set();
    }
  }

 private:
  py::object progress_;
  std::atomic<bool> stop_{false};
  std::optional<py::error_already_set> pending_;
};

// Runs `work()` without the GIL, with `options.progress` calling the Python `progress`
// (None for none) between batches; Ctrl-C stops it with KeyboardInterrupt, an exception in
// `progress` is re-raised, and `progress` returning False stops it (Cancelled).
template <class Options, class Work>
auto run_without_gil(Options& options, const py::object& progress, Work&& work) {
  PythonProgress bridge(progress);
  options.progress = std::ref(bridge);
  // A callback's exception is re-raised; one that returned False leaves the Cancelled.
  return interruptible(std::forward<Work>(work), [&] { bridge.rethrow_pending(); });
}

}  // namespace progsurv::python
