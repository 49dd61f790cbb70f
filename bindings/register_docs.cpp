// Docstrings of the bound attributes that were registered without one, so help() of every
// class describes each attribute. Kept in one table so the register_*.cpp files stay
// about behaviour; an attribute that already has a docstring keeps it.
#include "register.hpp"

namespace progsurv::python {

namespace {

struct AttributeDoc {
  const char* cls;
  const char* name;
  const char* doc;
};

const AttributeDoc kDocs[] = {
    {"Result", "seed", "The random seed of the run (0 for an exact result)."},
    {"Result", "n_started", "Replications whose programme was approved and started."},
    {"Result", "has_records", "True when per-replication records were kept (keep_replications)."},
    {"Result", "grid", "The time grid of the curves, months (read-only array)."},
    {"Result", "quantile_levels", "The quantile levels of completion_quantile and value_quantile."},
    {"Result", "value_quantile", "Quantiles of the value banked, at quantile_levels."},
    {"Result", "value_se", "Standard error of value_mean's estimate."},
    {"Result", "convergence_n", "Replications done at each batch end (the convergence table)."},
    {"Result", "convergence_p", "P(completed) at each batch end."},
    {"Result", "convergence_se", "Standard error of convergence_p at each batch end."},
    {"Result", "convergence_half_width", "95% half-width of convergence_p at each batch end."},
    {"Result", "tally_grid", "The grid of the raw counts (as /tally/grid)."},
    {"Result", "tally_category_count", "Replications in each category, by category_names."},
    {"Result", "tally_horizon", "The horizon of the raw counts, months."},
    {"Result", "tally_phase_count", "The number of phases of the scenario counted."},
    {"Result", "tally_checkpoint_n", "Replications at each checkpoint (raw counts)."},
    {"Result", "tally_checkpoint_completed", "Completions among them at each checkpoint."},
    {"Scenario", "name", "The scenario's name (text)."},
    {"Scenario", "description", "The scenario's description (text, may be empty)."},
    {"Scenario", "phase_names", "Phase names, in order."},
    {"Scenario", "phase_values", "Value banked by each phase, in order."},
    {"Scenario", "silo_names", "Silo names, in the order of the file."},
    {"Sweep", "name", "The sweep's name."},
    {"Sweep", "design", "The design: 'grid', 'oat', 'lhs' or 'sobol'."},
    {"Sweep", "point_count", "The number of points (scenarios) the sweep runs."},
    {"Sweep", "seed", "The engine's seed, the same at every point."},
    {"Sweep", "replications",
     "Replications per point (when precision is 0); organisations in portfolio sweeps."},
    {"Sweep", "precision",
     "Per-point target 95% half-width of P(completed) (portfolio sweeps: of the mean "
     "programmes completed per organisation); 0 = fixed count."},
    {"Sweep", "fingerprint", "16 hex digits identifying the sweep (journal and file check)."},
    {"Sweep", "base", "The base scenario (a Scenario; a default one for portfolio sweeps)."},
    {"Sweep", "parameter_keys", "The key path of each parameter, in order."},
    {"Sweep", "parameter_base", "Each parameter's value in the base scenario (NaN when none)."},
    {"Sweep", "metric_names", "The name of each metric, in order."},
    {"Sweep", "unit", "lhs and sobol: each point's coordinates in [0, 1)^k (points x k)."},
    {"SweepResult", "sweep", "The Sweep that was run."},
    {"SweepResult", "resumed_points", "Points taken from a journal rather than run."},
    {"SweepResult", "resumed_from_file",
     "True when they came from the finished output file (no journal was left)."},
    {"SweepResult", "estimate", "Metric estimates, points x metrics."},
    {"SweepResult", "se", "Standard errors of estimate, points x metrics."},
    {"SweepResult", "replications", "Replications run at each point."},
    {"SweepResult", "curve_grid", "The grid of the point curves (empty without curves: true)."},
    {"SweepResult", "tornado_base", "oat: each metric at the base point."},
    {"SweepResult", "tornado_low", "oat: [metric][parameter] metric at the parameter's low end."},
    {"SweepResult", "tornado_high", "oat: [metric][parameter] metric at the parameter's high end."},
};

}  // namespace

void register_docs(py::module_& m) {
  for (const AttributeDoc& d : kDocs) {
    if (!py::hasattr(m, d.cls)) continue;
    const py::object cls = m.attr(d.cls);
    const py::dict members = cls.attr("__dict__");
    if (!members.contains(d.name)) continue;
    py::object attribute = members[d.name];
    const py::object current = attribute.attr("__doc__");
    if (current.is_none() || py::str(current).cast<std::string>().empty())
      attribute.attr("__doc__") = d.doc;
  }
}

}  // namespace progsurv::python
