// progsurv._core.seek: goal seeking on one lever (include/progsurv/analysis/seek.hpp) without
// the GIL, its result read-only, and the seek file's reader and writer. The Python package
// (bindings/progsurv/_seek.py) derives the DataFrames from the raw sums of each point.
#include <pybind11/functional.h>
#include <pybind11/stl.h>

#include <memory>
#include <optional>
#include <string>

#include "progsurv/analysis/seek.hpp"
#include "progsurv/io/version.hpp"
#include "python_progress.hpp"
#include "register.hpp"

namespace progsurv::python {

void register_seek(py::module_& m) {
  m.attr("seek_filetype") = kSeekFiletype;
  m.attr("seek_format_version") = py::make_tuple(kSeekFormatVersionMajor, kSeekFormatVersionMinor);

  py::class_<SeekPoint>(m, "SeekPoint", R"doc(
One evaluated lever value: raw sums over its replications 0..n-1 of the goal's value y, of
y - y_base and (scan points after the first) of y - y_previous_scan_point.)doc")
      .def_readonly("x", &SeekPoint::x)
      .def_readonly("stage", &SeekPoint::stage, "'base', 'scan' or 'bisect'.")
      .def_readonly("n", &SeekPoint::n)
      .def_readonly("sum", &SeekPoint::sum)
      .def_readonly("sumsq", &SeekPoint::sumsq)
      .def_readonly("base_dsum", &SeekPoint::base_dsum)
      .def_readonly("base_dsumsq", &SeekPoint::base_dsumsq)
      .def_readonly("prev_dsum", &SeekPoint::prev_dsum)
      .def_readonly("prev_dsumsq", &SeekPoint::prev_dsumsq)
      .def("mean", &SeekPoint::mean)
      .def("se", &SeekPoint::se)
      .def("lower", &SeekPoint::lower)
      .def("upper", &SeekPoint::upper);

  py::class_<SeekResult> cls(m, "SeekResult", R"doc(
The raw result of a seek (or of a seek file). Use progsurv.SeekResult, which adds the
sentence, DataFrames and a plot.)doc");
  cls.def(
         py::init([](SeekResult& other) { return std::make_unique<SeekResult>(std::move(other)); }),
         py::arg("other"), "Take over the contents of `other` (left empty) without copying.")
      .def_property_readonly(
          "scenario", [](const SeekResult& r) { return r.scenario; },
          "A copy of the base scenario (without the lever set).")
      .def_readonly("lever", &SeekResult::lever)
      .def_readonly("base_value", &SeekResult::base_value)
      .def_readonly("low", &SeekResult::low)
      .def_readonly("high", &SeekResult::high)
      .def_readonly("range_given", &SeekResult::range_given)
      .def_readonly("largest", &SeekResult::largest)
      .def_readonly("log_scale", &SeekResult::log_scale)
      .def_readonly("integer", &SeekResult::integer)
      .def_readonly("tolerance", &SeekResult::tolerance)
      .def_property_readonly("target", [](const SeekResult& r) { return r.target; })
      .def_readonly("seed", &SeekResult::seed)
      .def_readonly("n", &SeekResult::n, "Replications per lever value.")
      .def_property_readonly(
          "verdict_name", [](const SeekResult& r) { return std::string(to_string(r.verdict)); },
          "found, already_met, out_of_reach, not_monotone or undecided.")
      .def_readonly("value_found", &SeekResult::value, "The answer (NaN unless found).")
      .def_readonly("interval_low", &SeekResult::interval_low)
      .def_readonly("interval_high", &SeekResult::interval_high)
      .def_readonly("interval_low_open", &SeekResult::interval_low_open)
      .def_readonly("interval_high_open", &SeekResult::interval_high_open)
      .def_property_readonly(
          "point_sums", [](const SeekResult& r) { return r.points; },
          "Every evaluated value's raw sums (SeekPoint), in evaluation order; [0] is the base.")
      .def("replications_spent", &SeekResult::replications_spent)
      .def("against_direction", &SeekResult::against_direction,
           "Pairs of consecutive scan points significantly against the overall direction.")
      .def("text", &format_seek, "The text `progsurv seek` prints.");

  m.def(
      "seek",
      [](const Scenario& scenario, const std::string& lever, const std::string& target,
         std::optional<std::pair<double, double>> range, bool largest, bool log_scale,
         int scan_points, double tolerance, std::int64_t replications, std::uint64_t seed,
         int threads, const py::object& progress) {
        const Target parsed = Target::parse(target);
        SeekOptions opt;
        opt.lever = lever;
        if (range) {
          opt.has_range = true;
          opt.low = range->first;
          opt.high = range->second;
        }
        opt.largest = largest;
        opt.log_scale = log_scale;
        opt.scan_points = scan_points;
        opt.tolerance = tolerance;
        opt.replications = replications;
        opt.seed = seed;
        opt.threads = threads;
        try {
          return run_without_gil(opt, progress, [&] { return seek(scenario, parsed, opt); });
        } catch (const OptionError& e) {
          // Its options are named as progsurv.seek takes them: range=, not --range.
          raise_option_error(e, e.option() == "log_scale" ? "log_scale=True" : "");
        }
      },
      py::arg("scenario"), py::arg("lever"), py::arg("target"), py::arg("range") = py::none(),
      py::arg("largest") = false, py::arg("log_scale") = false, py::arg("scan_points") = 9,
      py::arg("tolerance") = 0.01, py::arg("replications") = 20000, py::arg("seed") = 1,
      py::arg("threads") = 0, py::arg("progress") = py::none(),
      "Goal seeking without the GIL (use progsurv.seek).");
  m.def(
      "read_seek", [](const std::string& path) { return read_seek(path); }, py::arg("path"),
      "Read a file written by `progsurv seek -o` (FileFormatError for a foreign one).");
  m.def("write_seek", &write_seek, py::arg("path"), py::arg("result"),
        "Write the file `progsurv seek -o` writes (docs/hdf5-seek-format.md).");
}

}  // namespace progsurv::python
