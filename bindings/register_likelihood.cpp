// progsurv._core.read_record(), parse_record() and RecordLikelihood: the likelihood of a
// record of past programmes that progsurv.fit() samples (docs/fitting.md).
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <algorithm>
#include <filesystem>
#include <stdexcept>

#include "interrupt.hpp"
#include "progsurv/analysis/likelihood.hpp"
#include "register.hpp"

namespace progsurv::python {

namespace {

py::dict estimate_dict(const LikelihoodEstimate& e) {
  py::dict d;
  d["log_likelihood"] = e.log_likelihood;
  d["standard_error"] = e.standard_error;
  d["probability"] =
      py::array_t<double>(static_cast<py::ssize_t>(e.probability.size()), e.probability.data());
  d["probability_se"] = py::array_t<double>(static_cast<py::ssize_t>(e.probability_se.size()),
                                            e.probability_se.data());
  return d;
}

py::dict record_dict(const ProgrammeRecord& r) {
  py::list level, outcome, cause, month, phases, line;
  for (const ObservedProgramme& p : r.programmes) {
    level.append(p.sponsor_level.empty() ? py::object(py::none()) : py::str(p.sponsor_level));
    outcome.append(to_string(p.outcome));
    cause.append(p.cause < 0 ? py::object(py::none())
                             : py::str(to_string(static_cast<Cause>(p.cause))));
    month.append(p.month < 0 ? py::object(py::none()) : py::float_(p.month));
    phases.append(p.phases < 0 ? py::object(py::none()) : py::int_(p.phases));
    line.append(p.line);
  }
  py::dict d;
  d["sponsor_level"] = level;
  d["outcome"] = outcome;
  d["cause"] = cause;
  d["month"] = month;
  d["phases_delivered"] = phases;
  d["line"] = line;
  return d;
}

}  // namespace

void register_likelihood(py::module_& m) {
  py::class_<ProgrammeRecord>(m, "ProgrammeRecord",
                              "A record of past programmes (docs/record-format.md).")
      .def_property_readonly("source", [](const ProgrammeRecord& r) { return r.source; })
      .def("__len__", [](const ProgrammeRecord& r) { return r.programmes.size(); })
      .def("columns", &record_dict,
           "The rows as columns (dict of lists; None where a field is unknown), with the "
           "line of each row in the file.")
      // Every field as read, so a fit's pool workers (docs/fitting.md, mpirun) rebuild the
      // same likelihood without the file.
      .def(py::pickle(
          [](const ProgrammeRecord& r) {
            py::list rows;
            for (const ObservedProgramme& p : r.programmes) {
              py::list columns;
              for (int c : p.column) columns.append(c);
              rows.append(py::make_tuple(p.line, p.sponsor_level, static_cast<int>(p.outcome),
                                         p.cause, p.month, p.phases, columns,
                                         static_cast<int>(p.month_from)));
            }
            return py::make_tuple(r.source, rows);
          },
          [](const py::tuple& state) {
            if (state.size() != 2) throw std::runtime_error("invalid ProgrammeRecord pickle");
            ProgrammeRecord r;
            r.source = state[0].cast<std::string>();
            for (const py::handle row : state[1].cast<py::list>()) {
              const auto t = row.cast<py::tuple>();
              if (t.size() != 8) throw std::runtime_error("invalid ProgrammeRecord pickle");
              ObservedProgramme p;
              p.line = t[0].cast<int>();
              p.sponsor_level = t[1].cast<std::string>();
              p.outcome = static_cast<RecordOutcome>(t[2].cast<int>());
              p.cause = t[3].cast<int>();
              p.month = t[4].cast<double>();
              p.phases = t[5].cast<int>();
              const auto columns = t[6].cast<std::vector<int>>();
              if (columns.size() != kRecordColumnCount)
                throw std::runtime_error("invalid ProgrammeRecord pickle");
              std::copy(columns.begin(), columns.end(), p.column);
              p.month_from = static_cast<RecordColumn>(t[7].cast<int>());
              r.programmes.push_back(std::move(p));
            }
            return r;
          }));
  m.def(
      "read_record",
      [](const std::filesystem::path& path, const std::string& as_of) {
        return read_record(path.string(), as_of);
      },
      py::arg("path"), py::arg("as_of") = "",
      "Read a record CSV; raises ScenarioError naming the file, line and column of a bad row. "
      "`as_of` (YYYY-MM-DD) is the date the record was taken, for dated rows without an as_of "
      "column.");
  m.def("parse_record", &parse_record, py::arg("text"), py::arg("source") = "<string>",
        py::arg("as_of") = "",
        "Parse record CSV text; `source` names it in error messages, `as_of` as in "
        "read_record().");

  py::class_<RecordLikelihood>(m, "RecordLikelihood", R"doc(
The likelihood of a record under scenarios that share one base scenario's sponsor levels,
phases and horizon. simulated() uses the same seed and replications on every call (common
random numbers); exact() solves the CTMC of a Markov-subset scenario.
)doc")
      .def(py::init([](const Scenario& base, const ProgrammeRecord& record,
                       std::int64_t replications, std::uint64_t seed, int threads,
                       double bin_months, std::vector<std::string> fitted) {
             LikelihoodOptions o;
             o.fitted = std::move(fitted);
             o.replications = replications;
             o.seed = seed;
             o.threads = threads;
             o.bin_months = bin_months;
             return RecordLikelihood(base, record, o);
           }),
           py::arg("base"), py::arg("record"), py::arg("replications") = 16384, py::arg("seed") = 1,
           py::arg("threads") = 0, py::arg("bin_months") = 3.0,
           py::arg("fitted") = std::vector<std::string>{})
      .def(
          "simulated",
          [](const RecordLikelihood& l, const Scenario& s) {
            return estimate_dict(interruptible([&] { return l.simulated(s); }));
          },
          py::arg("scenario"),
          "dict: log_likelihood, standard_error (Monte Carlo), probability and "
          "probability_se per row of the record.")
      .def(
          "simulated_log_likelihood",
          [](const RecordLikelihood& l, const Scenario& s) {
            return interruptible([&] { return l.simulated(s).log_likelihood; });
          },
          py::arg("scenario"))
      .def(
          "log_likelihoods",
          [](const RecordLikelihood& l, const Scenario& base, const std::vector<std::string>& names,
             const py::array_t<double, py::array::c_style | py::array::forcecast>& values,
             const std::string& method) {
            if (method != "simulated" && method != "exact")
              throw py::value_error("method: expected 'simulated' or 'exact', not '" + method +
                                    "'");
            if (values.ndim() != 2 || values.shape(1) != static_cast<py::ssize_t>(names.size()))
              throw py::value_error("values: expected one row per point, one column per name");
            // The key paths' texts exactly as Scenario.with_values([(name, float(x)), ...])
            // makes them, so each point's scenario is the one-point path's.
            std::vector<RecordLikelihood::PointValues> points;
            const auto v = values.unchecked<2>();
            for (py::ssize_t i = 0; i < v.shape(0); ++i) {
              py::list pairs;
              for (py::ssize_t j = 0; j < v.shape(1); ++j)
                pairs.append(py::make_tuple(names[static_cast<std::size_t>(j)], v(i, j)));
              points.push_back(key_value_overrides(pairs));
            }
            const std::vector<double> out = interruptible([&] {
              return l.log_likelihoods(base, points,
                                       method == "exact" ? RecordLikelihood::Method::Exact
                                                         : RecordLikelihood::Method::Simulated);
            });
            return py::array_t<double>(static_cast<py::ssize_t>(out.size()), out.data());
          },
          py::arg("base"), py::arg("names"), py::arg("values"), py::arg("method") = "simulated",
          "The log-likelihood at each row of `values` (a 2-D array, one column per key path of "
          "`names`), the rows side by side on the worker threads: row i's is the one "
          "simulated() (or exact()) gives for base.with_values(zip(names, values[i])); -inf "
          "where the scenario refuses the values (a ScenarioError). A numpy array.")
      .def(
          "exact",
          [](const RecordLikelihood& l, const Scenario& s) {
            return estimate_dict(interruptible([&] { return l.exact(s); }));
          },
          py::arg("scenario"),
          "As simulated(), exactly from the CTMC (raises ScenarioError outside the Markov "
          "subset).")
      .def_property_readonly("programmes", &RecordLikelihood::programmes)
      .def_property_readonly("patterns", &RecordLikelihood::patterns)
      .def_property_readonly("bins", &RecordLikelihood::bins)
      .def_property_readonly("replications",
                             [](const RecordLikelihood& l) { return l.options().replications; })
      .def_property_readonly("seed", [](const RecordLikelihood& l) { return l.options().seed; })
      .def_property_readonly("bin_months",
                             [](const RecordLikelihood& l) { return l.options().bin_months; });
}

}  // namespace progsurv::python
