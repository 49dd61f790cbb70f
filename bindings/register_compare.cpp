// progsurv._core.compare: paired comparison under common random numbers
// (bindings/progsurv/compare.py builds the DataFrame).
#include <pybind11/functional.h>
#include <pybind11/stl.h>

#include <optional>

#include "progsurv/analysis/compare.hpp"
#include "progsurv/engine/run.hpp"
#include "progsurv/io/version.hpp"
#include "python_progress.hpp"
#include "register.hpp"

namespace progsurv::python {

namespace {

// The comparison as a dict of columns (progsurv/compare.py builds the DataFrame), with each
// scenario's own result (its tally summarised) for curves and plots.
py::dict comparison_dict(const CompareResult& r) {
  py::dict d;
  d["seed"] = r.seed;
  d["replications"] = r.n;
  d["bootstrap"] = r.bootstrap;
  d["table"] = format_comparison(r);
  std::vector<std::string> names;
  for (const auto& s : r.scenarios) names.push_back(s.label());
  d["names"] = names;
  d["labels"] = r.labels;
  py::list stats;
  const double nan = std::nan("");
  for (const ComparedStat& s : r.stats) {
    py::dict row;
    row["statistic"] = s.name;
    row["description"] = s.description;
    row["value"] = s.value;
    std::vector<double> diff, lower, upper, se, gain, started, sdiff, slower, supper, sse;
    for (std::size_t i = 0; i < s.diff.size(); ++i) {
      diff.push_back(s.diff[i].delta.estimate);
      lower.push_back(s.diff[i].delta.lower);
      upper.push_back(s.diff[i].delta.upper);
      se.push_back(s.diff[i].se);
      gain.push_back(i == 0 ? nan : s.gain(i));
      const bool has = s.has_started();
      started.push_back(has ? s.started_value[i] : nan);
      sdiff.push_back(has ? s.started_diff[i].delta.estimate : nan);
      slower.push_back(has ? s.started_diff[i].delta.lower : nan);
      supper.push_back(has ? s.started_diff[i].delta.upper : nan);
      sse.push_back(has ? s.started_diff[i].se : nan);
    }
    row["diff"] = diff;
    row["lower"] = lower;
    row["upper"] = upper;
    row["se"] = se;
    row["independent_se"] = s.independent_se;
    row["gain"] = gain;
    row["started"] = started;
    row["diff_started"] = sdiff;
    row["lower_started"] = slower;
    row["upper_started"] = supper;
    row["se_started"] = sse;
    stats.append(row);
  }
  d["stats"] = stats;
  py::list results;
  for (std::size_t i = 0; i < r.scenarios.size(); ++i) {
    RunResult run;
    run.scenario = r.scenarios[i];
    run.seed = r.seed;
    run.tally = r.tallies[i];
    run.summary = summarize(run.tally, run.scenario);
    results.append(py::cast(std::move(run)));
  }
  d["results"] = results;
  return d;
}

}  // namespace

void register_compare(py::module_& m) {
  m.def(
      "compare",
      [](const std::vector<Scenario>& scenarios, const std::vector<std::string>& labels,
         std::int64_t replications, std::uint64_t seed, int threads, int bootstrap,
         const py::object& progress, const std::optional<std::string>& output) {
        CompareOptions opt;
        opt.replications = replications;
        opt.seed = seed;
        opt.threads = threads;
        opt.bootstrap = bootstrap;
        const CompareResult r =
            run_without_gil(opt, progress, [&] { return compare(scenarios, labels, opt); });
        if (output) write_comparison(*output, r);
        return comparison_dict(r);
      },
      py::arg("scenarios"), py::arg("labels"), py::arg("replications") = 100000,
      py::arg("seed") = 1, py::arg("threads") = 0, py::arg("bootstrap") = 200,
      py::arg("progress") = py::none(), py::arg("output") = py::none(),
      "Paired comparison without the GIL (use progsurv.compare); a dict of columns. With "
      "`output`, also writes the comparison file.");
  m.def(
      "read_comparison",
      [](const std::string& path) { return comparison_dict(read_comparison(path)); },
      py::arg("path"), "A comparison file as compare() returns it (use progsurv.load).");
  m.attr("comparison_filetype") = kComparisonFiletype;
  m.attr("comparison_format_version") =
      py::make_tuple(kComparisonFormatVersionMajor, kComparisonFormatVersionMinor);
}

}  // namespace progsurv::python
