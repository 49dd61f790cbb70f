// progsurv._core.compare: paired comparison under common random numbers
// (bindings/progsurv/compare.py builds the DataFrame).
#include <pybind11/functional.h>
#include <pybind11/stl.h>

#include <optional>

#include "progsurv/analysis/compare.hpp"
#include "progsurv/engine/run.hpp"
#include "python_progress.hpp"
#include "register.hpp"

namespace progsurv::python {

void register_compare(py::module_& m) {
  m.def(
      "compare",
      [](const std::vector<Scenario>& scenarios, const std::vector<std::string>& labels,
         std::int64_t replications, std::uint64_t seed, int threads, int bootstrap,
         const py::object& progress) {
        CompareOptions opt;
        opt.replications = replications;
        opt.seed = seed;
        opt.threads = threads;
        opt.bootstrap = bootstrap;
        const CompareResult r =
            run_without_gil(opt, progress, [&] { return compare(scenarios, labels, opt); });
        py::dict d;
        d["seed"] = r.seed;
        d["replications"] = r.n;
        d["bootstrap"] = r.bootstrap;
        d["table"] = format_comparison(r);
        std::vector<std::string> names;
        for (const auto& s : r.scenarios) names.push_back(s.name);
        d["names"] = names;
        d["labels"] = r.labels;
        py::list stats;
        for (const ComparedStat& s : r.stats) {
          py::dict row;
          row["statistic"] = s.name;
          row["description"] = s.description;
          row["value"] = s.value;
          std::vector<double> diff, lower, upper, se, gain;
          for (std::size_t i = 0; i < s.diff.size(); ++i) {
            diff.push_back(s.diff[i].delta.estimate);
            lower.push_back(s.diff[i].delta.lower);
            upper.push_back(s.diff[i].delta.upper);
            se.push_back(s.diff[i].se);
            gain.push_back(i == 0 ? std::nan("") : s.gain(i));
          }
          row["diff"] = diff;
          row["lower"] = lower;
          row["upper"] = upper;
          row["se"] = se;
          row["independent_se"] = s.independent_se;
          row["gain"] = gain;
          stats.append(row);
        }
        d["stats"] = stats;
        return d;
      },
      py::arg("scenarios"), py::arg("labels"), py::arg("replications") = 100000,
      py::arg("seed") = 1, py::arg("threads") = 0, py::arg("bootstrap") = 200,
      py::arg("progress") = py::none(),
      "Paired comparison without the GIL (use progsurv.compare); a dict of columns.");
}

}  // namespace progsurv::python
