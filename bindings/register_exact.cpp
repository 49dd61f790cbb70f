// progsurv._core.exact(): the exact solver for the Markov subset (docs/validation.md).
#include <pybind11/stl.h>

#include "progsurv/analysis/exact.hpp"
#include "register.hpp"

namespace progsurv::python {

void register_exact(py::module_& m) {
  m.def(
      "markov_violations", [](const Scenario& s) { return markov_violations(s); },
      py::arg("scenario"),
      "The entries of a scenario that keep it out of the Markov subset (empty when it is in).");
  m.def(
      "exact",
      [](const Scenario& s, const std::string& method) {
        ExactOptions opt;
        if (method == "dense") {
          opt.method = ExactOptions::Method::Dense;
        } else if (method == "uniformization") {
          opt.method = ExactOptions::Method::Uniformization;
        } else if (method != "auto") {
          throw py::value_error("method must be 'auto', 'dense' or 'uniformization', not '" +
                                method + "'");
        }
        return solve_exact(s, opt);
      },
      py::arg("scenario"), py::arg("method") = "auto", py::call_guard<py::gil_scoped_release>(),
      "Exact curves p(t) = p(0) exp(Qt) of a Markov-subset scenario, as a Result flagged "
      "exact. Raises ScenarioError listing what makes a scenario non-Markovian.");
}

}  // namespace progsurv::python
