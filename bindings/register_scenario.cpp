// progsurv.Scenario: load, parse, override by key path, print back as YAML.
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <cmath>
#include <filesystem>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "progsurv/scenario/scenario.hpp"
#include "register.hpp"

namespace progsurv::python {
namespace {

// The YAML text of one override value. Strings at the top level are YAML text as they are
// ("hazard", "{dist: exponential, mean: 3}"); numbers are written so they read back
// exactly (repr); mappings and sequences become flow collections whose strings are quoted.
std::string yaml_value(py::handle value, const std::string& path, bool nested) {
  // Imports are cached by Python; looking the names up per value keeps no Python object
  // alive past the interpreter's shutdown.
  const py::module_ numpy = py::module_::import("numpy");
  const py::module_ numbers = py::module_::import("numbers");
  const py::object json_dumps = py::module_::import("json").attr("dumps");
  const py::object abc_mapping = py::module_::import("collections.abc").attr("Mapping");
  if (py::isinstance<py::str>(value)) {
    return nested ? json_dumps(value).cast<std::string>() : value.cast<std::string>();
  }
  if (value.is_none()) return "null";
  if (PyBool_Check(value.ptr()) || py::isinstance(value, numpy.attr("bool_"))) {
    return PyObject_IsTrue(value.ptr()) ? "true" : "false";
  }
  if (py::isinstance(value, numpy.attr("ndarray"))) {
    return yaml_value(value.attr("tolist")(), path, nested);
  }
  if (py::isinstance(value, numbers.attr("Integral"))) {  // int and NumPy integers
    return py::str(value.attr("__index__")()).cast<std::string>();
  }
  if (py::isinstance(value, numbers.attr("Real"))) {  // float and NumPy floats
    const double x = value.cast<double>();
    if (std::isnan(x)) return ".nan";
    if (std::isinf(x)) return x > 0 ? ".inf" : "-.inf";
    return py::repr(py::float_(x)).cast<std::string>();
  }
  if (py::isinstance(value, abc_mapping)) {
    std::string text = "{";
    bool first = true;
    for (const auto item : value.attr("items")()) {
      const py::tuple kv = item.cast<py::tuple>();
      if (!first) text += ", ";
      first = false;
      text += json_dumps(py::str(kv[0])).cast<std::string>() + ": " + yaml_value(kv[1], path, true);
    }
    return text + "}";
  }
  if (py::isinstance<py::list>(value) || py::isinstance<py::tuple>(value)) {
    std::string text = "[";
    bool first = true;
    for (const auto item : value) {
      if (!first) text += ", ";
      first = false;
      text += yaml_value(item, path, true);
    }
    return text + "]";
  }
  throw py::type_error("with_values: '" + path + "': cannot write a value of type " +
                       py::str(py::type::of(value).attr("__name__")).cast<std::string>() +
                       " as YAML (use a number, a string of YAML text, a bool, None, a dict or "
                       "a list)");
}

// Key paths and YAML texts from a mapping {path: value} or an iterable of (path, value).
std::vector<std::pair<std::string, std::string>> override_pairs(const py::object& values) {
  const py::object abc_mapping = py::module_::import("collections.abc").attr("Mapping");
  const py::object items = py::isinstance(values, abc_mapping) ? values.attr("items")() : values;
  std::vector<std::pair<std::string, std::string>> pairs;
  for (const auto item : items) {
    const py::tuple kv = py::tuple(py::reinterpret_borrow<py::object>(item));
    if (kv.size() != 2) throw py::value_error("with_values: expected (key path, value) pairs");
    if (!py::isinstance<py::str>(kv[0])) {
      throw py::type_error(
          "with_values: key paths are strings such as "
          "'patience.threshold.median', not " +
          py::repr(kv[0]).cast<std::string>());
    }
    const std::string path = kv[0].cast<std::string>();
    pairs.emplace_back(path, yaml_value(kv[1], path, false));
  }
  return pairs;
}

// A distribution in its canonical parameters, as a dict that with_values accepts back:
// {"dist": "weibull", "shape": 1.0, "scale": 42.0}.
py::dict distribution_dict(const Distribution& d) {
  py::dict out;
  out["dist"] = to_string(d.kind());
  switch (d.kind()) {
    case DistKind::Never:
      break;
    case DistKind::Fixed:
      out["value"] = d.a();
      break;
    case DistKind::Exponential:
      out["mean"] = d.a();
      break;
    case DistKind::Lognormal:
      out["median"] = d.a();
      out["sigma"] = d.b();
      break;
    case DistKind::Weibull:
    case DistKind::Gamma:
      out["shape"] = d.a();
      out["scale"] = d.b();
      break;
    case DistKind::Triangular:
      out["min"] = d.a();
      out["mode"] = d.b();
      out["max"] = d.c();
      break;
    case DistKind::Pert:
      out["min"] = d.a();
      out["mode"] = d.b();
      out["max"] = d.c();
      out["lambda"] = d.d();
      break;
    case DistKind::Uniform:
      out["min"] = d.a();
      out["max"] = d.b();
      break;
    case DistKind::Empirical:
      out["values"] = d.values();
      out["weights"] = d.weights();
      break;
  }
  return out;
}

py::list level_dicts(const Scenario& s) {
  py::list levels;
  for (const SponsorLevel& l : s.levels) {
    py::dict d;
    d["name"] = l.name;
    d["tenure"] = distribution_dict(l.tenure);
    d["tenure_mean"] = l.tenure.mean();
    d["clout"] = l.clout;
    d["approval"] = l.approval;
    d["patience_multiplier"] = l.patience_multiplier;
    d["resource_delay"] = distribution_dict(l.resource_delay);
    levels.append(d);
  }
  return levels;
}

template <class T>
std::vector<std::string> names_of(const std::vector<T>& items) {
  std::vector<std::string> names;
  for (const T& item : items) names.push_back(item.name);
  return names;
}

}  // namespace

std::vector<std::string> warning_lines(const std::vector<ScenarioWarning>& warnings,
                                       const std::string& source) {
  std::vector<std::string> lines;
  for (const ScenarioWarning& w : warnings)
    // A dict's YAML is made by the package: its line numbers are not the user's.
    lines.push_back(source +
                    (w.line > 0 && source != "<dict>" ? ":" + std::to_string(w.line) : "") + ": " +
                    w.message + " (" + w.key + ")");
  return lines;
}

py::list changes_list(const std::vector<ValueChange>& changes) {
  py::list out;
  for (const ValueChange& c : changes) out.append(py::make_tuple(c.path, c.value, c.was));
  return out;
}

std::vector<std::pair<std::string, std::string>> key_value_overrides(const py::object& values) {
  return override_pairs(values);
}

void register_scenario(py::module_& m) {
  py::class_<Scenario>(m, "Scenario", R"doc(
A resolved scenario (docs/model.md, One replication): every mechanism with names turned into indices and
every default filled in. Immutable: with_values() returns a new scenario.

Make one with Scenario.load(path) or Scenario.from_yaml(text).
)doc")
      .def_static(
          "load", [](const std::filesystem::path& path) { return Scenario::load(path.string()); },
          py::arg("path"), "Read and check a scenario YAML file (raises ScenarioError).")
      .def_static("from_yaml", &Scenario::from_yaml, py::arg("text"),
                  py::arg("source") = "<string>",
                  "Parse scenario YAML text; `source` names it in error messages.")
      .def("to_yaml", &Scenario::to_yaml,
           "The scenario with every default filled in, in canonical parameters; "
           "Scenario.from_yaml(s.to_yaml()) is the same scenario.")
      .def(
          "with_values",
          [](const Scenario& s, const py::object& values) {
            auto pairs = override_pairs(values);
            return s.with_values(pairs);
          },
          py::arg("values"), R"doc(
A copy with values replaced by key path, e.g.
  scenario.with_values({"patience.threshold.median": 12, "phases.0.value": 2,
                        "sponsor_levels.vp.tenure": {"dist": "weibull", "shape": 1, "mean": 30}})
Numbers, bools and None become YAML scalars; a string is YAML text as it is ("hazard",
"{dist: exponential, mean: 3}"); dicts and lists become YAML flow collections. `values` is
a mapping or an iterable of (path, value) pairs, applied in order. An unknown path or an
invalid value raises ScenarioError naming the path.
)doc")
      .def_property_readonly("name", [](const Scenario& s) { return s.name; })
      .def_property_readonly(
          "label", &Scenario::label,
          "The name with the values changed since the file was read (with_values, --set) as "
          "a variant label: 'baseline [sponsor=director]'; the name when none was.")
      .def_property_readonly(
          "changes", [](const Scenario& s) { return changes_list(s.changes); },
          "The values changed since the file was read, in order: (key path, value as given, "
          "the value before as YAML text, '' when the file left it to its default or lacked "
          "it).")
      .def_property_readonly("description", [](const Scenario& s) { return s.description; })
      .def_property_readonly(
          "source", [](const Scenario& s) { return s.source; },
          "Where the scenario came from: a file path or '<string>'.")
      .def_property_readonly(
          "horizon", [](const Scenario& s) { return s.horizon; }, "H, months.")
      .def_property_readonly(
          "grid", [](const Scenario& s) { return s.grid; },
          "The time grid of the curves, months (a list).")
      .def_property_readonly(
          "level_names", [](const Scenario& s) { return names_of(s.levels); },
          "Sponsor level names, in the order of the file.")
      .def_property_readonly("levels", &level_dicts,
                             "Sponsor levels as dicts: name, tenure (a distribution dict such "
                             "as {'dist': 'weibull', 'shape': 1.0, 'scale': 42.0}, which "
                             "with_values accepts), tenure_mean, clout, approval, "
                             "patience_multiplier, resource_delay.")
      .def_property_readonly(
          "sponsor_mix",
          [](const Scenario& s) {
            py::dict mix;
            for (std::size_t i = 0; i < s.sponsor.level.size(); ++i) {
              const auto level = static_cast<std::size_t>(s.sponsor.level[i]);
              mix[py::str(s.levels.at(level).name)] = s.sponsor.prob[i];
            }
            return mix;
          },
          "The initial sponsor level mix {level: probability}.")
      .def_property_readonly(
          "patience_threshold",
          [](const Scenario& s) { return distribution_dict(s.patience.threshold); },
          "θ, tolerated months without a visible result (a distribution "
          "dict).")
      .def_property_readonly("silo_names", [](const Scenario& s) { return names_of(s.silos); })
      .def_property_readonly("phase_names", [](const Scenario& s) { return names_of(s.phases); })
      .def_property_readonly("phase_values",
                             [](const Scenario& s) {
                               std::vector<double> v;
                               for (const Phase& p : s.phases) v.push_back(p.value);
                               return v;
                             })
      .def_property_readonly(
          "yaml_text", [](const Scenario& s) { return s.yaml_text; },
          "The text the scenario was parsed from.")
      .def("__eq__",
           [](const Scenario& a, const Scenario& b) { return a.to_yaml() == b.to_yaml(); })
      .def("__repr__",
           [](const Scenario& s) {
             return "<progsurv.Scenario '" + s.name + "' from " + s.source + ": " +
                    std::to_string(s.levels.size()) + " sponsor levels, " +
                    std::to_string(s.silos.size()) + " silos, " + std::to_string(s.phases.size()) +
                    " phases, horizon " + py::repr(py::float_(s.horizon)).cast<std::string>() +
                    " months>";
           })
      .def(py::pickle(
          [](const Scenario& s) {
            std::vector<std::tuple<std::string, std::string, std::string>> changes;
            for (const ValueChange& c : s.changes) changes.emplace_back(c.path, c.value, c.was);
            return py::make_tuple(s.to_yaml(), s.source, changes, s.original_text);
          },
          [](const py::tuple& state) {
            if (state.size() != 2 && state.size() != 4)
              throw std::runtime_error("invalid Scenario pickle");
            Scenario s = Scenario::from_yaml(state[0].cast<std::string>());
            s.source = state[1].cast<std::string>();
            if (state.size() == 4) {  // the changes too, so a variant keeps its label
              for (const auto& [path, value, was] :
                   state[2].cast<std::vector<std::tuple<std::string, std::string, std::string>>>())
                s.changes.push_back({path, value, was});
              s.original_text = state[3].cast<std::string>();
            }
            return s;
          }));
  // Scenarios compare by content; they are not meant as dict keys.
  m.attr("Scenario").attr("__hash__") = py::none();
}

}  // namespace progsurv::python
