// progsurv._core.Result (the engine's RunResult) and progsurv._core.run().
//
// Arrays are zero-copy, read-only views into the Result, with the Result as their .base:
//  - vectors of doubles/integers are 1-D arrays;
//  - vectors of Estimate{estimate, lower, upper} (curves, survival, shares) are (n, 3)
//    arrays with columns estimate, lower, upper and strides (sizeof(Estimate), 8): the
//    memory of the C++ vector itself, no per-field copies.
// The Python class progsurv.Result (bindings/progsurv/_result.py) derives from this one
// and builds DataFrames and plots on top of these arrays.
#include <Python.h>
#include <pybind11/functional.h>
#include <pybind11/stl.h>

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "interrupt.hpp"
#include "progsurv/engine/outcome.hpp"
#include "progsurv/engine/run.hpp"
#include "progsurv/engine/summary.hpp"
#include "progsurv/engine/tally.hpp"
#include "python_progress.hpp"
#include "register.hpp"

namespace progsurv::python {
namespace {

constexpr py::ssize_t kEstimateStride = sizeof(Estimate);
static_assert(sizeof(Estimate) == 3 * sizeof(double), "Estimate must be three packed doubles");

const RunResult& result_of(const py::object& self) { return self.cast<const RunResult&>(); }

// An (n, 3) view of estimates: columns estimate, lower, upper.
py::array estimate_view(const py::object& owner, const Estimate* data, std::size_t n) {
  return readonly_view<double>(owner, data ? &data->estimate : nullptr,
                               {static_cast<py::ssize_t>(n), 3},
                               {kEstimateStride, static_cast<py::ssize_t>(sizeof(double))});
}
py::array estimate_view(const py::object& owner, const std::vector<Estimate>& v) {
  return estimate_view(owner, v.data(), v.size());
}
template <std::size_t N>
py::array estimate_view(const py::object& owner, const std::array<Estimate, N>& v) {
  return estimate_view(owner, v.data(), N);
}
py::tuple estimate_tuple(const Estimate& e) { return py::make_tuple(e.estimate, e.lower, e.upper); }

// A row-major (rows, cols) view of a flat vector.
template <class T>
py::array matrix_view(const py::object& owner, const std::vector<T>& v, std::size_t rows) {
  const std::size_t cols = rows == 0 ? 0 : v.size() / rows;
  if (rows * cols != v.size()) throw std::logic_error("matrix_view: size is not rows * cols");
  return readonly_view<T>(
      owner, v.data(), {static_cast<py::ssize_t>(rows), static_cast<py::ssize_t>(cols)},
      {static_cast<py::ssize_t>(cols * sizeof(T)), static_cast<py::ssize_t>(sizeof(T))});
}

int category_index(const py::object& category) {
  if (py::isinstance<py::str>(category)) {
    const std::string name = category.cast<std::string>();
    for (int k = 0; k < kEndCategoryCount; ++k) {
      if (name == to_string(static_cast<EndCategory>(k))) return k;
    }
    throw py::key_error("unknown end category '" + name + "'");
  }
  const int k = category.cast<int>();
  if (k < 0 || k >= kEndCategoryCount) throw py::index_error("end category index out of range");
  return k;
}

std::vector<std::string> record_names() {
  std::vector<std::string> names = {
      "outcome",     "cause",           "end_time",       "phases_delivered",
      "value",       "sponsor_changes", "handoffs",       "breaks",
      "escalations", "disengagements",  "customer_trust", "initial_level",
      "rungs",       "deferrals",       "deferred_value", "reengagements"};
  for (int b = 0; b < kTimeBucketCount; ++b) {
    names.push_back(std::string("time_") + to_string(static_cast<TimeBucket>(b)));
  }
  return names;
}

py::array record_column(const py::object& self, const std::string& name) {
  const RunResult& r = result_of(self);
  if (!r.records) {
    throw py::value_error(
        "this result has no per-replication records; run with "
        "keep_replications=True");
  }
  const Records& rec = *r.records;
  if (name == "outcome") return readonly_view(self, rec.outcome);
  if (name == "cause") return readonly_view(self, rec.cause);
  if (name == "end_time") return readonly_view(self, rec.end_time);
  if (name == "phases_delivered") return readonly_view(self, rec.phases_delivered);
  if (name == "value") return readonly_view(self, rec.value);
  if (name == "sponsor_changes") return readonly_view(self, rec.sponsor_changes);
  if (name == "handoffs") return readonly_view(self, rec.handoffs);
  if (name == "breaks") return readonly_view(self, rec.breaks);
  if (name == "escalations") return readonly_view(self, rec.escalations);
  if (name == "disengagements") return readonly_view(self, rec.disengagements);
  if (name == "customer_trust") return readonly_view(self, rec.customer_trust);
  if (name == "initial_level") return readonly_view(self, rec.initial_level);
  if (name == "rungs") return readonly_view(self, rec.rungs);
  if (name == "deferrals") return readonly_view(self, rec.deferrals);
  if (name == "deferred_value") return readonly_view(self, rec.deferred_value);
  if (name == "reengagements") return readonly_view(self, rec.reengagements);
  for (int b = 0; b < kTimeBucketCount; ++b) {
    if (name == std::string("time_") + to_string(static_cast<TimeBucket>(b))) {
      return readonly_view(self, rec.time[static_cast<std::size_t>(b)]);
    }
  }
  throw py::key_error("no record column '" + name + "'");
}

// Runs the engine without the GIL. Between batches (every kBatchSize replications) the
// progress callback takes the GIL, lets Python handle pending signals (Ctrl-C raises
// KeyboardInterrupt there) and calls the user's callback; either stops the run, and the
// Python exception that stopped it is raised here once the engine has wound down.
RunResult run_engine(const Scenario& scenario, RunOptions options, const py::object& progress) {
  return run_without_gil(options, progress, [&] { return run(scenario, options); });
}

std::vector<std::string> names(int count, const char* (*name)(int)) {
  std::vector<std::string> v;
  for (int i = 0; i < count; ++i) v.emplace_back(name(i));
  return v;
}

}  // namespace

void register_run(py::module_& m) {
  // progsurv.run's cap when max_replications is not given, the engine's own default.
  m.attr("default_max_replications") = RunOptions{}.max_replications;
  m.attr("category_names") =
      names(kEndCategoryCount, [](int k) { return to_string(static_cast<EndCategory>(k)); });
  m.attr("outcome_names") =
      names(kOutcomeCount, [](int o) { return to_string(static_cast<Outcome>(o)); });
  m.attr("cause_names") =
      names(kCauseCount, [](int c) { return to_string(static_cast<Cause>(c)); });
  m.attr("quantity_names") =
      names(kQuantityCount, [](int q) { return to_string(static_cast<Quantity>(q)); });
  m.attr("time_bucket_names") =
      names(kTimeBucketCount, [](int b) { return to_string(static_cast<TimeBucket>(b)); });
  m.attr("record_names") = record_names();
  m.attr("batch_size") = kBatchSize;
  m.attr("confidence") = kConfidence;
  m.attr("z95") = kZ95;
  m.attr("interval_method") = kIntervalMethod;
  m.attr("mean_interval_method") = kMeanIntervalMethod;

  py::class_<RunResult> cls(m, "Result", R"doc(
The raw result of a run or of a file: counts (tally_*), derived statistics and optional
per-replication records. Use progsurv.Result, which adds DataFrames and plots.

Arrays are read-only views into this object (their .base is it): vectors of estimates are
(n, 3) arrays with columns estimate, lower, upper (95% Wilson intervals).
)doc");
  cls.def(py::init([](RunResult& other) { return std::make_unique<RunResult>(std::move(other)); }),
          py::arg("other"),
          "Take over the contents of `other` (left empty) without copying. For subclasses: "
          "`other` must have no arrays outstanding.");

  // Scalars and the scenario.
  cls.def_property_readonly(
         "scenario", [](const RunResult& r) { return r.scenario; },
         "A copy of the scenario that was run.")
      .def_property_readonly("seed", [](const RunResult& r) { return r.seed; })
      .def_property_readonly(
          "precision", [](const RunResult& r) { return r.precision; },
          "The target half-width of a precision run; 0 for a fixed count.")
      .def_property_readonly(
          "exact", [](const RunResult& r) { return r.exact; },
          "True when the curves come from the exact solver.")
      .def_property_readonly(
          "n", [](const RunResult& r) { return r.summary.n; }, "Replications run.")
      .def_property_readonly("n_started", [](const RunResult& r) { return r.summary.n_started; })
      .def_property_readonly("has_records",
                             [](const RunResult& r) { return r.records.has_value(); })
      .def(
          "format_summary",
          [](const RunResult& r, const std::string& title) { return format_run_summary(r, title); },
          py::arg("title"), "The summary table printed by the command line.");

  // Summary: curves on the grid.
  cls.def_property_readonly(
         "grid",
         [](const py::object& self) { return readonly_view(self, result_of(self).summary.grid); })
      .def(
          "curve",
          [](const py::object& self, const py::object& category) {
            const RunResult& r = result_of(self);
            return estimate_view(
                self, r.summary.curve[static_cast<std::size_t>(category_index(category))]);
          },
          py::arg("category"),
          "(grid, 3) view of P(category by t) (or at t for running): estimate, lower, upper. "
          "`category` is a name of category_names or its index.")
      .def(
          "curve_count",
          [](const py::object& self, const py::object& category) {
            const RunResult& r = result_of(self);
            return readonly_view(
                self, r.summary.curve_count[static_cast<std::size_t>(category_index(category))]);
          },
          py::arg("category"), "Replications counted in curve(category) at each grid time.")
      .def_property_readonly(
          "survival_curve",
          [](const py::object& self) {
            return estimate_view(self, result_of(self).summary.survival);
          },
          "(grid, 3) view of S(t) = P(not ended by t) among started programmes.");

  // Summary: shares, quantiles, value, means.
  cls.def_property_readonly(
         "outcome_share",
         [](const py::object& self) {
           return estimate_view(self, result_of(self).summary.outcome_share);
         },
         "(4, 3) by outcome_names, among all replications.")
      .def_property_readonly(
          "outcome_share_started",
          [](const py::object& self) {
            return estimate_view(self, result_of(self).summary.outcome_share_started);
          },
          "(4, 3) by outcome_names, among started programmes.")
      .def_property_readonly(
          "cause_share",
          [](const py::object& self) {
            return estimate_view(self, result_of(self).summary.cause_share);
          },
          "(5, 3) by cause_names, among ended programmes.")
      .def_property_readonly("quantile_levels",
                             [](const py::object& self) {
                               return readonly_view(self, result_of(self).summary.quantile_levels);
                             })
      .def_property_readonly(
          "completion_quantile",
          [](const py::object& self) {
            return readonly_view(self, result_of(self).summary.completion_quantile);
          },
          "Completion-time quantiles over all replications (NaN = not reached).")
      .def_property_readonly(
          "completion_quantile_given",
          [](const py::object& self) {
            return readonly_view(self, result_of(self).summary.completion_quantile_given);
          },
          "Completion-time quantiles among completed programmes.")
      .def_property_readonly(
          "completion_quantile_interval",
          [](const py::object& self) {
            const Summary& s = result_of(self).summary;
            return py::make_tuple(s.completion_quantile_lower, s.completion_quantile_upper,
                                  s.completion_quantile_given_lower,
                                  s.completion_quantile_given_upper);
          },
          "95% intervals of the completion-time quantiles: (lower, upper, lower among "
          "completed, upper among completed); empty lists for exact results.")
      .def_property_readonly(
          "value_levels",
          [](const py::object& self) {
            return readonly_view(self, result_of(self).summary.value_levels);
          },
          "Value banked with d = 0..P phases delivered.")
      .def_property_readonly(
          "value_prob",
          [](const py::object& self) {
            return readonly_view(self, result_of(self).summary.value_prob);
          },
          "P(d phases delivered), d = 0..P.")
      .def_property_readonly("value_quantile",
                             [](const py::object& self) {
                               return readonly_view(self, result_of(self).summary.value_quantile);
                             })
      .def_property_readonly(
          "value_mean", [](const RunResult& r) { return estimate_tuple(r.summary.value_mean); },
          "(mean, lower, upper) over all replications.")
      .def_property_readonly("value_se", [](const RunResult& r) { return r.summary.value_se; })
      .def_property_readonly(
          "delivered",
          [](const RunResult& r) {
            const Summary& s = r.summary;
            py::dict d;
            d["none"] = estimate_tuple(s.delivered_none);
            d["partial"] = estimate_tuple(s.delivered_partial);
            d["all"] = estimate_tuple(s.delivered_all);
            return d;
          },
          "Started programmes that delivered no, some, all phases: "
          "{name: (estimate, lower, upper)}.")
      .def_property_readonly(
          "mean",
          [](const py::object& self) { return readonly_view(self, result_of(self).summary.mean); },
          "Means over started programmes, by quantity_names.")
      .def_property_readonly(
          "se",
          [](const py::object& self) { return readonly_view(self, result_of(self).summary.se); },
          "Standard errors of `mean`.")
      .def_property_readonly("convergence_n",
                             [](const py::object& self) {
                               return readonly_view(self, result_of(self).summary.convergence_n);
                             })
      .def_property_readonly("convergence_p",
                             [](const py::object& self) {
                               return readonly_view(self, result_of(self).summary.convergence_p);
                             })
      .def_property_readonly("convergence_se",
                             [](const py::object& self) {
                               return readonly_view(self, result_of(self).summary.convergence_se);
                             })
      .def_property_readonly("convergence_half_width", [](const py::object& self) {
        return readonly_view(self, result_of(self).summary.convergence_half_width);
      });

  // The raw tally, as written to /tally.
  cls.def_property_readonly(
         "tally_grid",
         [](const py::object& self) { return readonly_view(self, result_of(self).tally.grid); })
      .def_property_readonly("tally_category_count",
                             [](const py::object& self) {
                               return readonly_view(self, result_of(self).tally.category_count);
                             })
      .def_property_readonly(
          "tally_end_bins",
          [](const py::object& self) {
            const Tally& t = result_of(self).tally;
            return matrix_view(self, t.end_bins, kEndCategoryCount);
          },
          "(8, grid + 1): replications of category k ending in bin b.")
      .def_property_readonly("tally_horizon", [](const RunResult& r) { return r.tally.horizon; })
      .def_property_readonly(
          "tally_completion_hist",
          [](const py::object& self) {
            return readonly_view(self, result_of(self).tally.completion_hist);
          },
          "Completion times in equal bins over [0, horizon].")
      .def_property_readonly("tally_phase_count",
                             [](const RunResult& r) { return r.tally.phase_count; })
      .def_property_readonly(
          "tally_phases_by_category",
          [](const py::object& self) {
            const Tally& t = result_of(self).tally;
            return matrix_view(self, t.phases_by_category, kEndCategoryCount);
          },
          "(8, phases + 1): category k with d phases delivered.")
      .def_property_readonly(
          "tally_moments",
          [](const py::object& self) {
            const auto& mo = result_of(self).tally.moments;
            static_assert(sizeof(Moments) == 2 * sizeof(double), "packed");
            return readonly_view<double>(self, &mo[0].sum, {static_cast<py::ssize_t>(mo.size()), 2},
                                         {static_cast<py::ssize_t>(sizeof(Moments)),
                                          static_cast<py::ssize_t>(sizeof(double))});
          },
          "(quantities, 2): sum and sum of squares over started programmes.")
      .def_property_readonly("tally_checkpoint_n",
                             [](const py::object& self) {
                               return readonly_view(self, result_of(self).tally.checkpoint_n);
                             })
      .def_property_readonly("tally_checkpoint_completed", [](const py::object& self) {
        return readonly_view(self, result_of(self).tally.checkpoint_completed);
      });

  // Per-replication records (keep_replications).
  cls.def("record", &record_column, py::arg("name"),
          "One column of the per-replication records, by record_names (outcome and cause "
          "are codes into outcome_names and cause_names, -1 = none; initial_level indexes "
          "the scenario's sponsor levels, -1 = none).");

  m.def(
      "run",
      [](const Scenario& scenario, std::int64_t replications, std::uint64_t seed, int threads,
         double precision, std::int64_t max_replications, bool keep_replications,
         const py::object& progress) {
        RunOptions options;
        options.seed = seed;
        options.replications = replications;
        options.threads = threads;
        options.precision = precision;
        options.max_replications = max_replications;
        options.keep_replications = keep_replications;
        return run_engine(scenario, std::move(options), progress);
      },
      py::arg("scenario"), py::arg("replications"), py::arg("seed"), py::arg("threads"),
      py::arg("precision"), py::arg("max_replications"), py::arg("keep_replications"),
      py::arg("progress") = py::none(), R"doc(
Run the engine without the GIL (use progsurv.run). `progress(done, planned)` is called
between batches; returning False stops the run with KeyboardInterrupt, as does Ctrl-C.
)doc");
}

}  // namespace progsurv::python
