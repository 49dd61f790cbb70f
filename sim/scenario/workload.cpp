#include "progsurv/scenario/workload.hpp"

#include <cmath>
#include <cstdio>

namespace progsurv {

namespace {

std::string short_number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

// Events over the horizon from something that recurs every `period` months on average.
double recurrences(double horizon, double period) {
  if (!(period > 0.0)) return kInfinity;
  if (std::isinf(period)) return 0.0;
  return horizon / period;
}

}  // namespace

Workload estimate_workload(const Scenario& s) {
  Workload w;
  const double h = s.horizon;
  const auto consider = [&](double events, const std::string& key, const std::string& reason) {
    if (events > w.events || std::isnan(events)) {
      w.events = events;
      w.key = key;
      w.reason = reason;
    }
  };

  std::size_t steps = 0;
  for (const auto& phase : s.phases) steps += phase.steps.size();
  const double base = 4.0 * static_cast<double>(steps) + 2.0 * static_cast<double>(s.phases.size());
  consider(base, "phases", "the steps of every phase");

  const double vacancy = s.succession.vacancy.mean();
  for (const auto& level : s.levels) {
    const double cycle = level.tenure.mean() + (std::isfinite(vacancy) ? vacancy : 0.0);
    consider(2.0 * recurrences(h, cycle), "sponsor_levels." + level.name + ".tenure",
             "sponsor changes (mean tenure " + short_number(level.tenure.mean()) + " months)");
  }
  if (s.patience.model == PatienceModel::Reviews)
    consider(recurrences(h, s.patience.review_every), "patience.review_every",
             "patience reviews every " + short_number(s.patience.review_every) + " months");
  if (s.budget.enabled)
    consider(recurrences(h, s.budget.every), "budget.every",
             "budget cycles every " + short_number(s.budget.every) + " months");

  bool breaks = false;
  for (const auto& silo : s.silos) breaks = breaks || silo.break_prob > 0.0;
  for (const auto& o : s.overrides) breaks = breaks || o.break_prob > 0.0;
  if (breaks)
    consider(static_cast<double>(s.escalation.max_attempts) * static_cast<double>(steps) *
                 static_cast<double>(s.escalation.ladder.size() + 1),
             "escalation.max_attempts",
             "up to " + std::to_string(s.escalation.max_attempts) +
                 " escalation attempts (each up to " +
                 std::to_string(s.escalation.ladder.size() + 1) + " trials) for each of " +
                 std::to_string(steps) + " handoffs");
  return w;
}

void check_workload(const Scenario& s) {
  const Workload w = estimate_workload(s);
  if (!(w.events <= kMaxEventsPerReplication))
    throw ScenarioError(s.source.empty() ? "<scenario>" : s.source, 0, 0, w.key,
                        "one replication would take about " + short_number(w.events) + " events (" +
                            w.reason + " over a horizon of " + short_number(s.horizon) +
                            " months); at most " + short_number(kMaxEventsPerReplication) +
                            " are allowed, so this scenario would never finish");
}

}  // namespace progsurv
