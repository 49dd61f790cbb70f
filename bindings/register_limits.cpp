// The memory limit of progsurv/engine/memory_budget.hpp, for the Python-side checks (fit
// settings): one limit and one message, whichever side estimates; and the ranges of the
// command's counts and precision targets.
#include "progsurv/engine/memory_budget.hpp"
#include "progsurv/engine/run.hpp"
#include "progsurv/portfolio/portfolio_run.hpp"
#include "register.hpp"

namespace progsurv::python {

void register_limits(py::module_& m) {
  m.def("memory_limit", &memory_limit_bytes,
        "The memory limit in bytes: PROGSURV_MEMORY_LIMIT_MB, else 3/4 of the smaller of "
        "physical memory and ulimit -v.");
  m.def("check_memory", &check_memory, py::arg("bytes"), py::arg("what"),
        "Raise ValueError '<what> needs about X, more than the Y allowed' when `bytes` "
        "exceeds memory_limit().");
  // The ranges the command's options take, so Python refuses what the command refuses.
  m.attr("max_threads") = kMaxThreads;
  m.attr("max_replications") = kMaxReplications;
  m.attr("precision_range") = py::make_tuple(kMinPrecision, kMaxPrecision);
  m.attr("portfolio_precision_range") = py::make_tuple(kMinPrecision, kMaxPortfolioPrecision);
}

}  // namespace progsurv::python
