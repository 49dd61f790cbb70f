#pragma once
// The pybind11 module progsurv._core is assembled from one register_*.cpp per bound
// concept. To bind a new one: write register_<concept>.cpp defining
// `void register_<concept>(pybind11::module_&)`, declare it here and add it to the list in
// module.cpp (order matters only where a function's signature names a type bound earlier).
//
// Conventions shared by every register_*.cpp:
//  - The engine's progsurv::RunResult is bound once, as _core.Result (register_run.cpp).
//    A binding that produces a RunResult (exact solver, file reader, ...) returns it by
//    value; pybind11 moves it into a new _core.Result, and the Python package wraps that
//    in progsurv.Result (which moves it once more, without copying any data).
//  - Arrays are views into the C++ object that owns the data: made with
//    readonly_view(owner, ...), their .base is the owner, which they keep alive.
//  - The GIL is released around long C++ work (py::gil_scoped_release).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <string>
#include <utility>
#include <vector>

#include "progsurv/scenario/error.hpp"
#include "progsurv/scenario/lint.hpp"
#include "progsurv/scenario/scenario.hpp"

namespace progsurv::python {

namespace py = pybind11;

void register_errors(py::module_& m);       // ScenarioError, FileFormatError, Cancelled
void register_scenario(py::module_& m);     // Scenario
void register_run(py::module_& m);          // Result (RunResult) and run()
void register_result_file(py::module_& m);  // write_result(), read_result()
void register_exact(py::module_& m);        // exact(), markov_violations()
void register_sweep(py::module_& m);        // Sweep, run_sweep(), attribute(), Sobol indices
void register_docs(py::module_& m);         // docstrings of attributes bound without one
void register_compare(py::module_& m);      // compare()
void register_likelihood(py::module_& m);   // read_record(), RecordLikelihood
void register_portfolio(py::module_& m);    // Portfolio, run_portfolio(), PortfolioResult
void register_output_file(py::module_& m);  // check_output_path(), replace_file(), replace_folder()
void register_limits(py::module_& m);       // memory_limit(), check_memory()
void register_goal(py::module_& m);         // Target
void register_seek(py::module_& m);         // seek(), SeekResult, read_seek(), write_seek()
void register_portfolio_attribution(py::module_& m);  // read_portfolio_attribution()
void register_remedies(py::module_& m);  // RemedySet, remedies(), RemediesResult, read/write

// Raises ValueError "<option>=: <message>" for an OptionError (error.hpp): the argument as
// a Python function takes it, where the command names its flag. `spelling` replaces
// "<option>=" when the keyword reads otherwise ("log_scale=True").
[[noreturn]] void raise_option_error(const OptionError& e, const std::string& spelling = "");

// Key paths and YAML texts for with_values() from a mapping {path: value} or an iterable of
// (path, value) pairs (register_scenario.cpp), shared by Scenario and Portfolio.
std::vector<std::pair<std::string, std::string>> key_value_overrides(const py::object& values);
// Warnings of a file as Python shows them: "file:line: message (key)" (RemedySet.warnings,
// Sweep.warnings), each issued as a UserWarning by the package.
std::vector<std::string> warning_lines(const std::vector<ScenarioWarning>& warnings,
                                       const std::string& source);
// Scenario.changes and Portfolio.changes: [(key path, value as given, what it was), ...].
py::list changes_list(const std::vector<ValueChange>& changes);

// A read-only NumPy array of `shape` over `data` (strides in bytes) whose base is `owner`:
// no copy is made and the owner lives at least as long as the array. Returns an empty
// array (still with `owner` as base) when `data` is null.
template <class T>
py::array readonly_view(py::handle owner, const T* data, std::vector<py::ssize_t> shape,
                        std::vector<py::ssize_t> strides) {
  static const T kEmpty{};
  py::array a(py::dtype::of<T>(), std::move(shape), std::move(strides),
              data != nullptr ? data : &kEmpty, owner);
  a.attr("setflags")(py::arg("write") = false);
  return a;
}

// A contiguous 1-D view of a vector (or array) owned by `owner`.
template <class Container>
py::array readonly_view(py::handle owner, const Container& values) {
  using T = typename Container::value_type;
  return readonly_view<T>(owner, values.data(), {static_cast<py::ssize_t>(values.size())},
                          {static_cast<py::ssize_t>(sizeof(T))});
}

}  // namespace progsurv::python
