// Sweeps, Sobol indices and knock-out attribution for Python (bindings/progsurv/sweep.py).
//
// The results are small (points × metrics), so arrays here are copies, not views.
#include <Python.h>
#include <pybind11/functional.h>
#include <pybind11/stl.h>

#include <atomic>
#include <optional>
#include <string>
#include <vector>

#include "interrupt.hpp"
#include "progsurv/analysis/attribution.hpp"
#include "progsurv/analysis/sensitivity.hpp"
#include "progsurv/analysis/sweep.hpp"
#include "progsurv/engine/run.hpp"
#include "progsurv/io/version.hpp"
#include "python_progress.hpp"
#include "register.hpp"

namespace progsurv::python {
namespace {

py::array_t<double> matrix(std::size_t rows, std::size_t cols,
                           const std::function<double(std::size_t, std::size_t)>& at) {
  py::array_t<double> a({static_cast<py::ssize_t>(rows), static_cast<py::ssize_t>(cols)});
  auto m = a.mutable_unchecked<2>();
  for (std::size_t i = 0; i < rows; ++i)
    for (std::size_t j = 0; j < cols; ++j)
      m(static_cast<py::ssize_t>(i), static_cast<py::ssize_t>(j)) = at(i, j);
  return a;
}

SweepResult run_sweep_py(const Sweep& sweep, int threads, const std::string& output, bool resume,
                         const py::object& progress) {
  PythonProgress watch(progress);
  SweepOptions opt;
  opt.threads = threads;
  opt.output = output;
  opt.resume = resume;
  opt.resume_spelling = "resume=True";
  // Called on this (the calling) thread as points finish; workers only read the flag.
  opt.progress = [&](std::int64_t done, std::int64_t total) { watch(done, total); };
  opt.keep_going = [&] { return watch.keep_going(); };
  return interruptible([&] { return run_sweep(sweep, opt); }, [&] { watch.rethrow_pending(); });
}

// The columns of an attribution result (computed or read from a file) as a dict.
py::dict attribution_dict(const AttributionResult& r) {
  py::dict d;
  d["scenario"] = r.scenario.label();  // with what --set changed
  d["seed"] = r.seed;
  d["replications"] = r.n;
  d["horizon"] = r.scenario.horizon;
  d["shapley_method"] = to_string(r.shapley);
  d["p_completed_base"] =
      py::make_tuple(r.p_completed.estimate, r.p_completed.lower, r.p_completed.upper);
  d["mean_value_base"] =
      py::make_tuple(r.mean_value.estimate, r.mean_value.lower, r.mean_value.upper);
  d["table"] = format_attribution(r);
  std::vector<std::string> mechanism, description, statistics;
  for (const auto& row : r.rows) {
    mechanism.emplace_back(to_string(row.knockout));
    description.emplace_back(describe(row.knockout));
  }
  d["mechanism"] = mechanism;
  d["description"] = description;
  // Per statistic: <stat>, <stat>_delta, _lower, _upper, _se (this mechanism alone off),
  // <stat>_shapley, _shapley_lower, _shapley_upper, _shapley_se, and the all-off row.
  py::dict all_off;
  for (int i = 0; i < kAttributedStatCount; ++i) {
    const std::string n = attributed_stat_name(i);
    statistics.push_back(n);
    const DeltaColumns c = delta_columns(r, i);
    d[py::str(n)] = c.knocked_out;
    d[py::str(n + "_delta")] = c.delta;
    d[py::str(n + "_lower")] = c.lower;
    d[py::str(n + "_upper")] = c.upper;
    d[py::str(n + "_se")] = c.se;
    const DeltaColumns s = delta_columns(r, i, true);
    d[py::str(n + "_shapley")] = s.delta;
    d[py::str(n + "_shapley_lower")] = s.lower;
    d[py::str(n + "_shapley_upper")] = s.upper;
    d[py::str(n + "_shapley_se")] = s.se;
    const PairedDelta& a = r.all_off[static_cast<std::size_t>(i)];
    all_off[py::str(n)] =
        py::make_tuple(a.base, a.knocked_out, a.delta.estimate, a.delta.lower, a.delta.upper, a.se);
  }
  d["statistics"] = statistics;
  d["all_off"] = all_off;
  return d;
}

py::dict attribute_py(const Scenario& scenario, std::int64_t replications, std::uint64_t seed,
                      int threads, const std::string& output, const py::object& progress,
                      const std::vector<std::string>& mechanisms, const std::string& shapley) {
  PythonProgress watch(progress);
  AttributionOptions opt;
  opt.replications = replications;
  opt.seed = seed;
  opt.threads = threads;
  for (const auto& name : mechanisms) opt.mechanisms.push_back(knockout_from_string(name));
  if (shapley == "exact") {
    opt.shapley = ShapleyMethod::Exact;
  } else if (shapley == "permutations") {
    opt.shapley = ShapleyMethod::Permutations;
  } else if (shapley == "none") {
    opt.shapley = ShapleyMethod::None;
  } else if (shapley != "auto") {
    throw py::value_error("shapley must be 'auto', 'exact', 'permutations' or 'none', not '" +
                          shapley + "'");
  }
  opt.progress = [&](std::int64_t done, std::int64_t planned) { return watch(done, planned); };
  const AttributionResult r = interruptible(
      [&] {
        AttributionResult a = attribute(scenario, opt);
        if (!output.empty()) write_attribution(output, a);
        return a;
      },
      [&] { watch.rethrow_pending(); });
  return attribution_dict(r);
}

}  // namespace

void register_sweep(py::module_& m) {
  m.attr("sweep_filetype") = kSweepFiletype;
  m.attr("attribution_filetype") = kAttributionFiletype;

  py::class_<Sweep>(m, "Sweep", R"doc(
A parsed sweep file (docs/sweep-format.md): base scenario or portfolio, parameters, design,
metrics.
Use progsurv.sweep() to run one.)doc")
      .def_static(
          "load", [](const std::string& path) { return Sweep::load(path); }, py::arg("path"),
          "Parse a sweep YAML file.")
      .def_static("from_yaml",
                  py::overload_cast<const std::string&, const std::string&, const std::string&>(
                      &Sweep::from_yaml),
                  py::arg("text"), py::arg("source") = "<string>", py::arg("base_dir") = ".",
                  "Parse sweep YAML text; a relative base path is taken from base_dir.")
      .def_property_readonly("name", [](const Sweep& s) { return s.name; })
      .def_property_readonly("design",
                             [](const Sweep& s) { return std::string(to_string(s.design)); })
      .def_property_readonly("point_count", &Sweep::point_count)
      .def_property_readonly("seed", [](const Sweep& s) { return s.seed; })
      .def_property_readonly("replications", [](const Sweep& s) { return s.replications; })
      .def_property_readonly("precision", [](const Sweep& s) { return s.precision; })
      .def_property_readonly("fingerprint", [](const Sweep& s) { return s.fingerprint; })
      .def_property_readonly(
          "source", [](const Sweep& s) { return s.source; },
          "The sweep file's path, or '<string>' / '<dict>' for text.")
      .def_property_readonly(
          "input_files", [](const Sweep& s) { return s.input_files; },
          "The files the base was read from (a portfolio's template files too).")
      .def_property_readonly(
          "warnings", [](const Sweep& s) { return warning_lines(s.warnings, s.source); },
          "What the file asks for that works less well than its author may think (a sobol "
          "design's base_samples not a power of two), as 'file:line: message (key)'. "
          "progsurv.sweep() issues each as a UserWarning.")
      .def_property_readonly(
          "resolved", [](const Sweep& s) { return s.resolved; },
          "The canonical YAML of the sweep with its base scenario inline.")
      .def_property_readonly("base", [](const Sweep& s) { return s.base; })
      .def_property_readonly(
          "base_kind", [](const Sweep& s) { return std::string(to_string(s.base_kind)); },
          "'scenario' or 'portfolio': what each point runs.")
      .def_property_readonly(
          "portfolio_yaml",
          [](const Sweep& s) { return s.is_portfolio() ? s.portfolio.yaml_text : std::string(); },
          "Portfolio sweeps: the base portfolio's YAML, every programme template inline.")
      .def_property_readonly(
          "parameter_labels",
          [](const Sweep& s) {
            std::vector<std::string> k;
            for (const auto& p : s.parameters) k.push_back(p.name());
            return k;
          },
          "Each parameter's label: key `label:` of the sweep file, or its key path.")
      .def_property_readonly("parameter_keys",
                             [](const Sweep& s) {
                               std::vector<std::string> k;
                               for (const auto& p : s.parameters) k.push_back(p.key);
                               return k;
                             })
      .def_property_readonly("parameter_base",
                             [](const Sweep& s) {
                               std::vector<std::string> k;
                               for (const auto& p : s.parameters) k.push_back(p.base_text);
                               return k;
                             })
      .def_property_readonly("metric_names",
                             [](const Sweep& s) {
                               std::vector<std::string> k;
                               for (const auto& q : s.metrics) k.push_back(q.name);
                               return k;
                             })
      .def_property_readonly(
          "point_values",
          [](const Sweep& s) {
            // Effective values: a parameter left at base shows the base value.
            std::vector<std::vector<std::string>> v = s.point_values;
            for (auto& row : v)
              for (std::size_t j = 0; j < row.size(); ++j)
                if (row[j].empty()) row[j] = s.parameters[j].base_text;
            return v;
          },
          "The value text of every parameter at every point (points × parameters).")
      .def_property_readonly("unit",
                             [](const Sweep& s) {
                               const std::size_t k = s.parameters.size();
                               return matrix(s.unit.size(), k, [&](std::size_t i, std::size_t j) {
                                 return s.unit[i][j];
                               });
                             })
      .def_property_readonly(
          "oat_first", [](const Sweep& s) { return s.oat_first; },
          "oat: the first point of each parameter (point 0 is the base).")
      .def_property_readonly(
          "oat_count", [](const Sweep& s) { return s.oat_count; },
          "oat: the number of points of each parameter.")
      .def("point_scenario", &Sweep::point_scenario, py::arg("index"),
           "The base scenario with point `index`'s values applied.");

  py::class_<SweepResult>(m, "SweepResult")
      .def_property_readonly("sweep", [](const SweepResult& r) { return r.sweep; })
      .def_property_readonly("resumed_points",
                             [](const SweepResult& r) { return r.resumed_points; })
      .def_property_readonly("resumed_from_file",
                             [](const SweepResult& r) { return r.resumed_from_file; })
      .def_property_readonly(
          "estimate",
          [](const SweepResult& r) {
            return matrix(r.points.size(), r.sweep.metrics.size(),
                          [&](std::size_t i, std::size_t j) { return r.points[i].estimate[j]; });
          })
      .def_property_readonly("se",
                             [](const SweepResult& r) {
                               return matrix(
                                   r.points.size(), r.sweep.metrics.size(),
                                   [&](std::size_t i, std::size_t j) { return r.points[i].se[j]; });
                             })
      .def_property_readonly(
          "count",
          [](const SweepResult& r) {
            const std::size_t m = r.sweep.is_portfolio() ? r.sweep.metrics.size() : 0;
            return matrix(r.points.size(), m, [&](std::size_t i, std::size_t j) {
              return static_cast<double>(r.points[i].count[j]);
            });
          },
          "Portfolio sweeps: what each estimate is over (organisations, those that launched a "
          "k-th programme, sponsor exits); points x metrics. Empty for scenario sweeps.")
      .def_property_readonly("replications",
                             [](const SweepResult& r) {
                               std::vector<std::int64_t> v;
                               for (const auto& p : r.points) v.push_back(p.replications);
                               return v;
                             })
      .def_property_readonly("curve_grid",
                             [](const SweepResult& r) {
                               return r.sweep.curves ? r.sweep.run_grid(r.sweep.base)
                                                     : std::vector<double>{};
                             })
      .def(
          "curves",
          [](const SweepResult& r, const std::string& which) {
            if (which != "completed" && which != "survival")
              throw py::value_error("curves: 'completed' or 'survival', not '" + which + "'");
            const std::size_t g = r.points.empty() ? 0 : r.points[0].completed.size();
            return matrix(r.points.size(), g, [&](std::size_t i, std::size_t j) {
              return which == "completed" ? r.points[i].completed[j] : r.points[i].survival[j];
            });
          },
          py::arg("which"), "Per-point curves on curve_grid (sweeps with curves: true).")
      .def(
          "sobol",
          [](const SweepResult& r, const std::string& field) {
            const std::size_t k = r.sweep.parameters.size();
            const bool pairs = field.rfind("second", 0) == 0;
            const std::size_t cols = pairs ? k * (k - 1) / 2 : k;
            if (pairs && !r.sweep.second_order)
              throw py::value_error("this sweep has no second-order indices (second_order: true)");
            if (field.find("seed_sd") != std::string::npos && r.sweep.repeat < 2)
              throw py::value_error("seed_sd fields need repeat > 1");
            return matrix(r.sobol.size(), cols, [&](std::size_t m, std::size_t i) {
              const auto& x = r.sobol[m];
              if (field == "first") return x.first[i].estimate;
              if (field == "first_lower") return x.first[i].lower;
              if (field == "first_upper") return x.first[i].upper;
              if (field == "first_se") return x.first_se[i];
              if (field == "first_seed_sd") return x.first_seed_sd[i];
              if (field == "total") return x.total[i].estimate;
              if (field == "total_lower") return x.total[i].lower;
              if (field == "total_upper") return x.total[i].upper;
              if (field == "total_se") return x.total_se[i];
              if (field == "total_seed_sd") return x.total_seed_sd[i];
              if (field == "second") return x.second[i].estimate;
              if (field == "second_lower") return x.second[i].lower;
              if (field == "second_upper") return x.second[i].upper;
              if (field == "second_se") return x.second_se[i];
              if (field == "second_seed_sd") return x.second_seed_sd[i];
              throw py::value_error("unknown Sobol field '" + field + "'");
            });
          },
          py::arg("field"),
          "Sobol indices (metrics × parameters, or metrics × pairs for second*): first, total, "
          "second and their _lower/_upper bounds, _se and (repeat > 1) _seed_sd.")
      .def_property_readonly(
          "noise_ratio", [](const SweepResult& r) { return r.noise_ratio; },
          "Sobol design: per metric, the mean squared standard error of the A and B points over "
          "the metric's variance.")
      .def(
          "sobol_warnings",
          [](const SweepResult& r, std::size_t metric) {
            if (metric >= r.sobol.size()) throw py::index_error("no sobol indices for that metric");
            const SobolWarnings w = sobol_warnings(r, metric);
            py::dict d;
            d["noisy"] = w.noisy;
            d["impossible_parameter"] = w.impossible_parameter;
            d["impossible_index"] = w.impossible_total ? "total" : "first";
            return d;
          },
          py::arg("metric"),
          "What the summary warns of for this metric of a sobol sweep: 'noisy' (simulation "
          "noise may be much of the indices) and 'impossible_parameter' (the first parameter "
          "with an index whose whole interval lies outside [0, 1], -1 if none; "
          "'impossible_index' says which index: 'first' or 'total').")
      .def_property_readonly(
          "sobol_estimator",
          [](const SweepResult& r) {
            return std::string(sensitivity::to_string(r.sweep.estimator));
          },
          "Sobol design: the estimator, 'jansen', 'martinez' or 'saltelli'.")
      .def_property_readonly(
          "repeat", [](const SweepResult& r) { return r.sweep.repeat; },
          "Engine seeds the design ran under (sobol and morris designs; 1 otherwise).")
      .def_property_readonly(
          "shift", [](const SweepResult& r) { return r.sweep.shift; },
          "Sobol design: whether each repeat's design is randomly shifted (shift: true; always "
          "with repeat > 1).")
      .def_property_readonly(
          "second_order", [](const SweepResult& r) { return r.sweep.second_order; },
          "Sobol design: whether second-order indices were computed.")
      .def(
          "convergence",
          [](const SweepResult& r, std::size_t m) {
            if (m >= r.convergence.size())
              throw py::index_error("no convergence table for that metric");
            const auto& c = r.convergence[m];
            const std::size_t k = r.sweep.parameters.size();
            py::dict d;
            d["base_samples"] = c.base_samples;
            d["first"] = matrix(c.base_samples.size(), k,
                                [&](std::size_t a, std::size_t b) { return c.first[a][b]; });
            d["total"] = matrix(c.base_samples.size(), k,
                                [&](std::size_t a, std::size_t b) { return c.total[a][b]; });
            return d;
          },
          py::arg("metric"), "Indices of metric m against the base samples (sobol design).")
      .def(
          "morris",
          [](const SweepResult& r, const std::string& field) {
            const std::size_t k = r.sweep.parameters.size();
            return matrix(r.morris.size(), k, [&](std::size_t m, std::size_t i) {
              const auto& x = r.morris[m];
              if (field == "mu") return x.mu[i];
              if (field == "mu_star") return x.mu_star[i];
              if (field == "sigma") return x.sigma[i];
              if (field == "mu_star_conf") return x.mu_star_conf[i];
              throw py::value_error("unknown Morris field '" + field + "'");
            });
          },
          py::arg("field"),
          "Morris statistics (metrics × parameters): mu, mu_star, sigma, mu_star_conf.")
      .def_property_readonly("tornado_base", [](const SweepResult& r) { return r.tornado_base; })
      .def_property_readonly("tornado_low", [](const SweepResult& r) { return r.tornado_low; })
      .def_property_readonly("tornado_high", [](const SweepResult& r) { return r.tornado_high; })
      .def("table", &format_sweep, "The table `progsurv sweep` prints.");

  m.def("run_sweep", &run_sweep_py, py::arg("sweep"), py::arg("threads") = 0,
        py::arg("output") = "", py::arg("resume") = false, py::arg("progress") = py::none(),
        "Run a sweep without the GIL (use progsurv.sweep).");
  m.def("read_sweep", &read_sweep, py::arg("path"), "Read a file written by `progsurv sweep`.");
  m.def("attribute", &attribute_py, py::arg("scenario"), py::arg("replications") = 100000,
        py::arg("seed") = 1, py::arg("threads") = 0, py::arg("output") = "",
        py::arg("progress") = py::none(), py::arg("mechanisms") = std::vector<std::string>{},
        py::arg("shapley") = "auto",
        "Knock-out attribution without the GIL (use progsurv.attribute); a dict of columns.");
  m.def(
      "read_attribution",
      [](const std::string& path) { return attribution_dict(read_attribution(path)); },
      py::arg("path"), "Read a file written by `progsurv attribute`; a dict of columns.");
  m.attr("knockout_names") = [] {
    std::vector<std::string> v;
    for (const KnockoutSpec& spec : knockout_table()) v.emplace_back(spec.name);
    return v;
  }();

  m.def(
      "saltelli_sample",
      [](std::int64_t n, int k, bool second_order, std::uint64_t shift) {
        const auto rows = sensitivity::saltelli_sample(n, k, second_order, shift);
        return matrix(rows.size(), static_cast<std::size_t>(k),
                      [&](std::size_t i, std::size_t j) { return rows[i][j]; });
      },
      py::arg("n"), py::arg("k"), py::arg("second_order") = false, py::arg("shift") = 0,
      "Saltelli design in [0, 1): rows A (n), B (n), then AB_i for i = 1..k (n each) and, with "
      "second_order, BA_i; shift != 0 applies a random digital shift. Returns an (n blocks, k) "
      "float array.");
  m.def(
      "sobol_indices",
      [](const std::vector<double>& y, std::int64_t n, int k, int bootstrap, std::uint64_t seed,
         double confidence, const std::string& estimator, bool second_order) {
        sensitivity::SobolEstimator e;
        if (!sensitivity::parse_estimator(estimator, e))
          throw py::value_error("estimator: 'jansen', 'martinez' or 'saltelli', not '" + estimator +
                                "'");
        const auto x =
            sensitivity::sobol_indices(y, n, k, bootstrap, seed, confidence, e, second_order);
        py::dict d;
        const auto col = [&](const std::vector<Estimate>& v, int which) {
          std::vector<double> out;
          for (const auto& e : v)
            out.push_back(which == 0 ? e.estimate : which == 1 ? e.lower : e.upper);
          return out;
        };
        d["first"] = col(x.first, 0);
        d["first_lower"] = col(x.first, 1);
        d["first_upper"] = col(x.first, 2);
        d["first_se"] = x.first_se;
        d["total"] = col(x.total, 0);
        d["total_lower"] = col(x.total, 1);
        d["total_upper"] = col(x.total, 2);
        d["total_se"] = x.total_se;
        d["second"] = col(x.second, 0);
        d["second_lower"] = col(x.second, 1);
        d["second_upper"] = col(x.second, 2);
        d["second_se"] = x.second_se;
        d["mean"] = x.mean;
        d["variance"] = x.variance;
        return d;
      },
      py::arg("y"), py::arg("n"), py::arg("k"), py::arg("bootstrap") = 1000, py::arg("seed") = 1,
      py::arg("confidence") = 0.95, py::arg("estimator") = "jansen",
      py::arg("second_order") = false,
      "First-order, total (and second-order) Sobol indices of outputs y in saltelli_sample's row "
      "order.");
  m.def(
      "morris_sample",
      [](std::int64_t r, int k, int levels, std::uint64_t seed) {
        const auto rows = sensitivity::morris_sample(r, k, levels, seed);
        return matrix(rows.size(), static_cast<std::size_t>(k),
                      [&](std::size_t i, std::size_t j) { return rows[i][j]; });
      },
      py::arg("r"), py::arg("k"), py::arg("levels") = 4, py::arg("seed") = 1,
      "Morris trajectories in [0, 1]: r (k + 1) rows.");
  m.def(
      "morris_effects",
      [](const std::vector<std::vector<double>>& rows, const std::vector<double>& y, std::int64_t r,
         int k, int bootstrap, std::uint64_t seed, double confidence) {
        const auto x = sensitivity::morris_effects(rows, y, r, k, bootstrap, seed, confidence);
        py::dict d;
        d["mu"] = x.mu;
        d["mu_star"] = x.mu_star;
        d["sigma"] = x.sigma;
        d["mu_star_conf"] = x.mu_star_conf;
        return d;
      },
      py::arg("rows"), py::arg("y"), py::arg("r"), py::arg("k"), py::arg("bootstrap") = 1000,
      py::arg("seed") = 1, py::arg("confidence") = 0.95,
      "Morris statistics of outputs y on morris_sample's rows.");
}

}  // namespace progsurv::python
