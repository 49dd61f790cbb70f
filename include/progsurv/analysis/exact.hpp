#pragma once
// The exact solver for the Markov subset of the model (docs/model.md, Exact solver,
// docs/validation.md).
//
// When every duration that can occur is exponential (or Erlang-k, or a fixed 0 that is
// instantaneous, or `never`), patience is a constant hazard (or off) and there is no
// budget cycle, one programme is a continuous-time Markov chain. Its occupancy
// p(t) = p(0) exp(Q t) gives every curve of a run exactly, with no sampling error.
// Rules 11-13 are in the chain: scoping (no grace after a scoped start), an exponential
// attention lapse with the engaged flag in the state, and recruitment with
// customers.trust_effect 0. So are co-sponsor seats (rule 14: each seat filled, engaged,
// vacant or lost) and the escalation ladder's rungs (rule 15); scope deferral (rule 16) is
// refused, and re-engagement (rule 17), which changes only trust, is accepted unless trust
// can change recruitment.
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "progsurv/engine/run.hpp"
#include "progsurv/scenario/error.hpp"
#include "progsurv/scenario/scenario.hpp"

namespace progsurv {

// A scenario outside the Markov subset. A ScenarioError (so the CLI exits with status 2)
// whose message lists every entry that makes it non-Markovian; entries() has them one by
// one, e.g. "phases.0.steps.1.work: pert is not exponential".
class NotMarkovianError : public ScenarioError {
 public:
  NotMarkovianError(const std::string& file, std::vector<std::string> entries);
  const std::vector<std::string>& entries() const { return entries_; }

 private:
  std::vector<std::string> entries_;
};

// The entries of `scenario` that the chain cannot represent; empty when it is in the
// subset. Only mechanisms that can actually occur are checked (a level nobody can hold,
// a handoff no step makes, an escalation no break can trigger are ignored).
std::vector<std::string> markov_violations(const Scenario& scenario);

struct ExactOptions {
  enum class Method {
    Auto,            // dense when the chain has at most dense_limit states, else uniformization
    Dense,           // Eigen's matrix exponential exp(Q dt) per distinct step (Padé)
    Uniformization,  // sparse p P^k sums, truncated with the error bound below
  };
  Method method = Method::Auto;
  std::size_t dense_limit = 100;
  // Uniformization: Poisson mass left out per sub-step. The l1 error of every occupancy
  // vector is at most this times the number of sub-steps (ExactInfo::error_bound).
  double truncation = 1e-13;
  // Completion-time quantiles are refined by bisection to this many months.
  double quantile_tolerance = 1e-7;
};

// How a solve went: the chain's size and a bound on the numerical error.
struct ExactInfo {
  std::size_t transient_states = 0;
  std::size_t absorbing_states = 0;
  std::size_t transitions = 0;  // non-zero off-diagonal entries of Q
  std::string method;           // "dense" or "uniformization"
  // Bound on the l1 error of any occupancy vector from truncating Poisson sums (0 for
  // dense, whose Padé approximant is accurate to rounding).
  double error_bound = 0.0;
};

// The chain of one scenario, built once; occupancies at any times. One call at a time per
// model (it caches matrix exponentials and the last error bound); solve_exact() builds
// its own, so concurrent solves of separate models are fine.
class ExactModel {
 public:
  // Throws NotMarkovianError when the scenario is outside the subset.
  explicit ExactModel(const Scenario& scenario, const ExactOptions& options = {});
  ~ExactModel();
  ExactModel(ExactModel&&) noexcept;
  ExactModel& operator=(ExactModel&&) noexcept;
  ExactModel(const ExactModel&) = delete;
  ExactModel& operator=(const ExactModel&) = delete;

  // Curves at ascending `times` (>= 0): cumulative incidence "by t" of each EndCategory
  // (running = still in progress at t), indexed [category][time]; sums to 1 at every t.
  std::vector<std::vector<double>> curves(const std::vector<double>& times) const;

  // The probability of each (terminal category, phases delivered) at time t, laid out as
  // Tally::phases_by_category: [k * (phases + 1) + d]; programmes still running at t
  // count under EndCategory::Running with the phases delivered so far. With `scoping`, it
  // is set to the probability of still scoping at t (rule 11; part of running with 0 phases).
  std::vector<double> phases_by_category(double t, double* scoping = nullptr) const;
  // The same at ascending `times` (>= 0) in one walk of the chain, each step from the time
  // before: [time index][k * (phases + 1) + d], and the scoping probabilities in *scoping.
  std::vector<std::vector<double>> phases_by_category(const std::vector<double>& times,
                                                      std::vector<double>* scoping) const;

  // The full result on the scenario's grid: Summary curves (lower = upper = estimate),
  // outcome and cause shares, value distribution, completion-time quantiles and the means
  // over started programmes of end time, time decomposition and counts, disengagements
  // included (customer trust is not part of the chain: NaN). n = 0 and an empty tally of the right
  // shapes.
  RunResult solve() const;

  const ExactInfo& info() const { return info_; }

 private:
  struct Chain;
  std::unique_ptr<Chain> chain_;
  Scenario scenario_;
  ExactOptions options_;
  mutable ExactInfo info_;
};

// ExactModel(scenario, options).solve(): what `progsurv exact` and progsurv.exact() run.
RunResult solve_exact(const Scenario& scenario, const ExactOptions& options = {});

}  // namespace progsurv
