// progsurv._core.Target: a goal with a bound ("completed>=0.25"), as seek and remedies take
// it (include/progsurv/analysis/goal.hpp).
#include <pybind11/stl.h>

#include "progsurv/analysis/goal.hpp"
#include "register.hpp"

namespace progsurv::python {

void register_goal(py::module_& m) {
  py::class_<Target>(m, "Target", R"doc(
A target: a goal (the mean over proposed programmes of one number per replication) with a
bound, read from text such as "completed>=0.25", "p_sponsor_exit<=10%" or
"completion_p50<=48". Target.parse raises ValueError naming the text and the known names.)doc")
      .def_static("parse", &Target::parse, py::arg("text"), py::arg("portfolio") = false,
                  "Read a target from its text (of a portfolio's metrics when `portfolio`).")
      .def_property_readonly(
          "text", [](const Target& t) { return t.text; }, "As the user wrote it.")
      .def_property_readonly(
          "metric", [](const Target& t) { return t.goal.name; },
          "The goal's canonical name, e.g. p_completed.")
      .def_property_readonly(
          "metric_description", [](const Target& t) { return t.goal.description; },
          "The goal for people, e.g. P(completed).")
      .def_property_readonly(
          "is_probability", [](const Target& t) { return t.goal.is_probability(); },
          "True for shares (shown as percentages).")
      .def_property_readonly(
          "at_least", [](const Target& t) { return t.at_least; }, "True for >=, False for <=.")
      .def_property_readonly("bound", [](const Target& t) { return t.bound; })
      .def("met_by", &Target::met_by, py::arg("statistic"),
           "Whether a value of the statistic meets the bound.")
      .def("describe", &Target::describe, "Canonical text: 'p_completed >= 25%'.")
      .def("__repr__", [](const Target& t) { return "<progsurv.Target " + t.describe() + ">"; });
}

}  // namespace progsurv::python
