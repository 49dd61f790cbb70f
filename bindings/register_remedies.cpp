// progsurv._core.remedies: the search over bundles of remedies
// (include/progsurv/analysis/remedies.hpp) without the GIL, its result read-only, and the
// remedies file's reader and writer. The Python package (bindings/progsurv/_remedies.py)
// derives the DataFrames from each bundle's raw sums.
#include <pybind11/functional.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <cmath>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>

#include "progsurv/analysis/remedies.hpp"
#include "progsurv/io/version.hpp"
#include "progsurv/io/yaml_kind.hpp"
#include "python_progress.hpp"
#include "register.hpp"

namespace progsurv::python {
namespace {

py::tuple estimate_tuple(const Estimate& e) { return py::make_tuple(e.estimate, e.lower, e.upper); }

// The metric, its direction and the indifference zone as `progsurv remedies` resolves them
// (resolve_goal in remedies.hpp), named in Python's spelling.
void resolve_goal(const std::string& target, const std::string& metric,
                  const std::string& direction, std::optional<double> delta, bool portfolio,
                  RemediesOptions& opt) {
  GoalRequest q;
  q.target = target;
  q.metric = metric;
  q.portfolio = portfolio;
  if (direction == "maximise") {
    q.direction = GoalDirection::Maximise;
  } else if (direction == "minimise") {
    q.direction = GoalDirection::Minimise;
  } else if (direction != "auto") {
    throw py::value_error("direction must be 'auto', 'maximise' or 'minimise', not '" + direction +
                          "'");
  }
  q.delta = delta;
  try {
    progsurv::resolve_goal(q, opt);
  } catch (const GoalRequestError& e) {
    if (e.option() == "direction" && q.direction == GoalDirection::Auto)
      throw py::value_error(std::string(e.what()) + "; give direction='maximise' or 'minimise'");
    raise_option_error(e);
  }
}

RemedySearch search_from(const std::string& s) {
  if (s == "auto") return RemedySearch::Auto;
  if (s == "exhaustive") return RemedySearch::Exhaustive;
  if (s == "heuristic") return RemedySearch::Heuristic;
  throw py::value_error("search must be 'auto', 'exhaustive' or 'heuristic', not '" + s + "'");
}

}  // namespace

void register_remedies(py::module_& m) {
  m.attr("remedies_filetype") = kRemediesFiletype;
  m.attr("remedies_format_version") =
      py::make_tuple(kRemediesFormatVersionMajor, kRemediesFormatVersionMinor);
  m.attr("default_max_bundles") = kDefaultMaxBundles;

  py::class_<RemedySet>(m, "RemedySet", R"doc(
A parsed remedies file (docs/remedies-format.md): its cost unit and remedies, every setting
checked against the scenario it was read for.)doc")
      .def_static(
          "load",
          [](const std::filesystem::path& path, const Scenario& scenario) {
            return RemedySet::load(path.string(), scenario);
          },
          py::arg("path"), py::arg("scenario"),
          "Read a remedies file for `scenario` (ScenarioError at file:line:column).")
      .def_static(
          "load",
          [](const std::filesystem::path& path, const Portfolio& portfolio) {
            return RemedySet::load(path.string(), portfolio);
          },
          py::arg("path"), py::arg("portfolio"),
          "Read a remedies file for `portfolio` (its paths are the portfolio's).")
      .def_static("from_yaml",
                  py::overload_cast<const std::string&, const std::string&, const Scenario&>(
                      &RemedySet::from_yaml),
                  py::arg("text"), py::arg("source"), py::arg("scenario"),
                  "Read remedies YAML text for `scenario`.")
      .def_static("from_yaml",
                  py::overload_cast<const std::string&, const std::string&, const Portfolio&>(
                      &RemedySet::from_yaml),
                  py::arg("text"), py::arg("source"), py::arg("portfolio"),
                  "Read remedies YAML text for `portfolio`.")
      .def_readonly("source", &RemedySet::source)
      .def_readonly("text", &RemedySet::text, "The file's text, as read.")
      .def_readonly("unit", &RemedySet::unit)
      .def_property_readonly("names",
                             [](const RemedySet& s) {
                               std::vector<std::string> v;
                               for (const Remedy& r : s.remedies) v.push_back(r.name);
                               return v;
                             })
      .def_property_readonly("descriptions",
                             [](const RemedySet& s) {
                               std::vector<std::string> v;
                               for (const Remedy& r : s.remedies) v.push_back(r.description);
                               return v;
                             })
      .def_property_readonly(
          "warnings", [](const RemedySet& s) { return warning_lines(s.warnings, s.source); },
          "Remedies that may not do what their author means, as 'file:line: message (key)': one "
          "that leaves the scenario unchanged, or a list that drops the scenario's own items. "
          "progsurv.remedies() issues each as a UserWarning.")
      .def_property_readonly(
          "choices",
          [](const RemedySet& s) {
            py::list out;
            for (std::size_t i = 0; i < s.remedies.size(); ++i)
              for (const RemedyChoice& c : s.remedies[i].options)
                out.append(py::make_tuple(static_cast<int>(i), c.name, c.cost, c.set));
            return out;
          },
          "Every way of taking a remedy: (remedy index, option name ('' for a remedy without "
          "options), cost, [(path, value text), ...]).")
      .def_property_readonly(
          "choice_descriptions",
          [](const RemedySet& s) {
            std::vector<std::string> v;
            for (const Remedy& r : s.remedies)
              for (const RemedyChoice& c : r.options) v.push_back(c.description);
            return v;
          },
          "Each choice's own description, in the order of choices ('' for an option without one "
          "and for a remedy without options).")
      .def(
          "count_bundles",
          [](const RemedySet& s, std::uint64_t cap) { return count_bundles(s, cap); },
          py::arg("cap") = static_cast<std::uint64_t>(kDefaultMaxBundles),
          "Bundles that respect the exclusions, counted up to cap (cap + 1: more).");

  py::class_<BundleResult>(m, "BundleResult", R"doc(
One bundle of a remedies search: its choices and raw sums of its observations (batch means)
and of their paired differences from doing nothing.)doc")
      .def_property_readonly("label", [](const BundleResult& b) { return b.bundle.label; })
      .def_property_readonly("cost", [](const BundleResult& b) { return b.bundle.cost; })
      .def_property_readonly(
          "choice", [](const BundleResult& b) { return b.bundle.choice; },
          "Per remedy: -1 not taken, else the index of its option.")
      .def_readonly("takes_part", &BundleResult::takes_part, "Within the budget.")
      .def_property_readonly("n", [](const BundleResult& b) { return b.sums.n; })
      .def_property_readonly("sum", [](const BundleResult& b) { return b.sums.x; })
      .def_property_readonly("sum_squares", [](const BundleResult& b) { return b.sums.x2; })
      .def_property_readonly("diff_sum", [](const BundleResult& b) { return b.sums.d; })
      .def_property_readonly("diff_sum_squares", [](const BundleResult& b) { return b.sums.d2; })
      .def_readonly("eliminated_by", &BundleResult::eliminated_by)
      .def_property_readonly(
          "feasibility",
          [](const BundleResult& b) { return std::string(to_string(b.feasibility)); })
      .def_readonly("p_meets", &BundleResult::p_meets)
      .def_property_readonly(
          "value", [](const BundleResult& b) { return estimate_tuple(bundle_value(b.sums)); },
          "(mean, lower, upper) of the observations, Student-t 95% interval.")
      .def_property_readonly(
          "gain", [](const BundleResult& b) { return estimate_tuple(bundle_gain(b.sums)); },
          "(mean, lower, upper) of the paired change against doing nothing.");

  py::class_<RemedyShare>(m, "RemedyShare")
      .def_readonly("remedy", &RemedyShare::remedy)
      .def_readonly("label", &RemedyShare::label)
      .def_property_readonly("share", [](const RemedyShare& s) { return s.share.delta.estimate; })
      .def_property_readonly("lower", [](const RemedyShare& s) { return s.share.delta.lower; })
      .def_property_readonly("upper", [](const RemedyShare& s) { return s.share.delta.upper; })
      .def_property_readonly("se", [](const RemedyShare& s) { return s.share.se; });

  py::class_<RemediesResult> cls(m, "RemediesResult", R"doc(
The raw result of a remedies search (or of a remedies file). Use progsurv.RemediesResult,
which adds the sentence, DataFrames and the frontier plot.)doc");
  cls.def(py::init([](RemediesResult& other) {
            return std::make_unique<RemediesResult>(std::move(other));
          }),
          py::arg("other"), "Take over the contents of `other` (left empty) without copying.")
      .def_property_readonly("scenario", [](const RemediesResult& r) { return r.scenario; })
      .def_readonly("portfolio", &RemediesResult::portfolio,
                    "The portfolio searched, or None (a search on a scenario).")
      .def_property_readonly("is_portfolio", &RemediesResult::is_portfolio)
      .def_property_readonly("label", &RemediesResult::label,
                             "The scenario's or portfolio's name with the values set.")
      .def_property_readonly(
          "metric_is_share", [](const RemediesResult& r) { return r.goal().is_probability(); },
          "True when the metric is a share (shown as a percentage).")
      .def_property_readonly(
          "metric_description", [](const RemediesResult& r) { return r.goal().description; },
          "The metric in words: 'programmes completed per organisation'.")
      .def_property_readonly("remedy_set", [](const RemediesResult& r) { return r.remedies; })
      .def_readonly("seed", &RemediesResult::seed)
      .def_readonly("batch", &RemediesResult::batch)
      .def_readonly("n0", &RemediesResult::n0)
      .def_readonly("max_observations", &RemediesResult::max_observations)
      .def_readonly("alpha", &RemediesResult::alpha)
      .def_readonly("delta", &RemediesResult::delta)
      .def_readonly("epsilon", &RemediesResult::epsilon)
      .def_readonly("h2", &RemediesResult::h2)
      .def_readonly("metric", &RemediesResult::metric)
      .def_readonly("maximise", &RemediesResult::maximise)
      .def_readonly("target", &RemediesResult::target, "The Target, or None.")
      .def_readonly("budget", &RemediesResult::budget, "The budget, or None.")
      .def_readonly("search", &RemediesResult::search, "'exhaustive' or 'heuristic'.")
      .def_readonly("space", &RemediesResult::space,
                    "Bundles the remedies make (more than 1,000,000: that + 1).")
      .def_property_readonly(
          "termination",
          [](const RemediesResult& r) { return std::string(to_string(r.termination)); },
          "'converged', 'capped' or 'fixed' (equal allocation).")
      .def_readonly("bundle_results", &RemediesResult::bundles, "Every bundle; [0] is nothing.")
      .def_readonly("frontier_indices", &RemediesResult::frontier, "Ascending cost.")
      .def_readonly("best_index", &RemediesResult::best)
      .def_readonly("chosen_index", &RemediesResult::chosen, "-1: none")
      .def_readonly("runner_up_index", &RemediesResult::runner_up, "-1: none")
      .def_readonly("replications", &RemediesResult::replications,
                    "Spent by the search (observations x batch).")
      .def_readonly("equal_replications", &RemediesResult::equal_replications,
                    "What equal allocation (every bundle to the cap) would spend.")
      .def_readonly("shapley_of", &RemediesResult::shapley_of, "-1: none")
      .def_readonly("shapley_replications", &RemediesResult::shapley_replications)
      .def_readonly("shapley_shares", &RemediesResult::shapley)
      .def_property_readonly(
          "shapley_total",
          [](const RemediesResult& r) {
            const PairedDelta& t = r.shapley_total;
            return py::make_tuple(t.base, t.knocked_out, t.delta.estimate, t.delta.lower,
                                  t.delta.upper, t.se);
          },
          "(nothing, bundle, gain, lower, upper, se) over the Shapley replications.")
      .def("text", &format_remedies, "The text `progsurv remedies` prints.");

  // The same search on a scenario or on a portfolio, with the same keywords.
  const auto bind_search = [&m](auto tag, const char* first) {
    using Base = typename decltype(tag)::type;
    m.def(
        "remedies",
        [](const Base& base, const RemedySet& set, const std::string& target,
           std::optional<double> budget, const std::string& metric, const std::string& direction,
           std::optional<double> delta, double alpha, std::int64_t batch,
           std::int64_t max_replications, std::int64_t max_bundles, const std::string& search,
           std::uint64_t seed, int threads, const py::object& progress) {
          RemediesOptions opt;
          resolve_goal(target, metric, direction, delta, std::is_same_v<Base, Portfolio>, opt);
          opt.budget = budget;
          opt.alpha = alpha;
          opt.batch = batch;
          opt.max_replications = max_replications;
          opt.max_bundles = max_bundles;
          opt.search = search_from(search);
          opt.seed = seed;
          opt.threads = threads;
          try {
            return run_without_gil(opt, progress, [&] { return search_remedies(base, set, opt); });
          } catch (const OptionError& e) {
            raise_option_error(e, "");  // as progsurv.remedies takes it: max_replications=
          }
        },
        py::arg(first), py::arg("remedies"), py::arg("target") = "", py::arg("budget") = py::none(),
        py::arg("metric") = "", py::arg("direction") = "auto", py::arg("delta") = py::none(),
        py::arg("alpha") = 0.05, py::arg("batch") = RemediesOptions{}.batch,
        py::arg("max_replications") = RemediesOptions{}.max_replications,
        py::arg("max_bundles") = kDefaultMaxBundles, py::arg("search") = "auto",
        py::arg("seed") = 1, py::arg("threads") = 0, py::arg("progress") = py::none(),
        "Remedies search without the GIL (use progsurv.remedies).");
  };
  bind_search(std::common_type<Scenario>{}, "scenario");
  bind_search(std::common_type<Portfolio>{}, "portfolio");
  m.def(
      "is_portfolio_yaml",
      [](const std::string& path) { return yaml_kind(path) == YamlKind::Portfolio; },
      py::arg("path"),
      "True when the YAML file is a portfolio (top-level roster and programmes), as the "
      "commands tell a portfolio from a scenario.");
  m.def(
      "portfolio_for_remedies",
      [](const std::string& path) { return Portfolio::load(path).with_templates_inline(); },
      py::arg("path"),
      "A portfolio file with its templates inline, as `progsurv remedies` reads it.");
  // The command's defaults, so that Python's keywords default to the same values.
  // 0: the search takes the metric's default_batch (50 for shares, 250 otherwise).
  m.attr("remedies_default_batch") = RemediesOptions{}.batch;
  m.def(
      "read_remedies", [](const std::string& path) { return read_remedies(path); }, py::arg("path"),
      "Read a file written by `progsurv remedies -o` (FileFormatError for a foreign one).");
  m.def("write_remedies", &write_remedies, py::arg("path"), py::arg("result"),
        "Write the file `progsurv remedies -o` writes (docs/hdf5-remedies-format.md).");
}

}  // namespace progsurv::python
