#pragma once
// The likelihood of an organisation's record of past programmes under a scenario
// (docs/fitting.md). Each programme contributes the model probability of what was
// observed: its sponsor level (when given), outcome and cause (summed over causes when the
// cause is unknown), phases delivered (when given) and the bin of its end month (for a
// not_started row, of the month its proposal died, when given); for a running programme the
// probability that at its age it was approved, not ended and had delivered the phases it
// had (right-censored), and for a proposal still scoping that it was neither approved nor
// dead by its age.
//
// simulated() estimates these probabilities from a table kept over replications
// (sponsor level x end category x phases delivered x end-time bin, plus, at each censoring
// age, running by phases delivered so far and still scoping). Every call uses the same seed and
// replication numbers, so two parameter values are compared on common random numbers. exact()
// computes them from the CTMC on the Markov subset, which is the check of the simulated one.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "progsurv/analysis/exact.hpp"
#include "progsurv/io/record.hpp"
#include "progsurv/scenario/scenario.hpp"

namespace progsurv {

struct LikelihoodOptions {
  std::int64_t replications = 16384;
  std::uint64_t seed = 1;
  int threads = 0;          // 0 = every core
  double bin_months = 3.0;  // width of the end-month bins, from month 0
  // Key paths that vary (a fit's parameters): a row is refused as impossible under the base
  // scenario only by values not under any of them (docs/record-format.md, "Rows that cannot
  // happen").
  std::vector<std::string> fitted;
};

struct LikelihoodEstimate {
  double log_likelihood = 0.0;
  // Monte Carlo standard error of log_likelihood (batch means over chunks of replications
  // of its linearisation); 0 for the exact likelihood.
  double standard_error = 0.0;
  // Per programme of the record, in record order: the probability of what was observed,
  // and its Monte Carlo standard error (0 for exact).
  std::vector<double> probability;
  std::vector<double> probability_se;
};

class RecordLikelihood {
 public:
  // Resolves the record against `base` (sponsor level names, number of phases, horizon);
  // throws ScenarioError naming the record's file, line and column for a row the scenario
  // cannot produce (unknown level, more phases than it has, a month past its horizon, an
  // ended programme with every phase delivered, a phase gate before any phase, a budget cut
  // without a budget cycle, a patience cut without patience or before its grace period, a
  // handoff failure without a handoff that can break, a running programme with every phase
  // delivered, a proposal dying or still scoping past a fixed scoping time).
  RecordLikelihood(const Scenario& base, const ProgrammeRecord& record,
                   const LikelihoodOptions& options = {});

  // `scenario` must have the base's levels, phases and horizon (parameter values differ).
  // Each probability is smoothed as (n + 1/2) / (R + 1) so an observation no replication
  // reproduced gets a small probability instead of zero (docs/fitting.md).
  LikelihoodEstimate simulated(const Scenario& scenario) const;
  // Throws NotMarkovianError outside the Markov subset.
  LikelihoodEstimate exact(const Scenario& scenario, const ExactOptions& options = {}) const;

  // The values of one parameter point, by key path, as Scenario::with_values takes them.
  using PointValues = std::vector<std::pair<std::string, std::string>>;
  enum class Method { Simulated, Exact };
  // The log-likelihood at several parameter points in one call (a fit's half-ensemble of
  // walkers): point i's scenario is base.with_values(points[i]), and its log-likelihood is
  // bitwise the one simulated() (exact()) gives for that scenario alone. The points'
  // with_values, and the chunks of replications of every point, share the worker threads,
  // so no serial work sits between one point's replications and the next. A point whose
  // values the scenario refuses (a ScenarioError from with_values, or exact()'s
  // NotMarkovianError) gets -infinity: nothing can be observed under a scenario that cannot
  // be. Any other error is thrown.
  std::vector<double> log_likelihoods(const Scenario& base, const std::vector<PointValues>& points,
                                      Method method = Method::Simulated) const;

  const LikelihoodOptions& options() const { return options_; }
  std::size_t programmes() const { return of_programme_.size(); }
  // Distinct observations (rows that are equal for the likelihood are evaluated once).
  std::size_t patterns() const { return patterns_.size(); }
  int bins() const { return bins_; }

 private:
  struct Pattern {
    int level = -1;           // initial sponsor level; -1 = any
    unsigned categories = 0;  // bit k set: EndCategory k is allowed
    int phases = -1;          // -1 = any
    int bin = -1;             // end-month bin; -1 = any (not_started, censored)
    int censor = -1;          // index into ages_ for a running or scoping row, else -1
    bool scoping = false;     // censored in scoping: not approved, not dead at the age
    double multiplicity = 0;  // rows of the record with this observation
    bool operator==(const Pattern& o) const {
      return level == o.level && categories == o.categories && phases == o.phases && bin == o.bin &&
             censor == o.censor && scoping == o.scoping;
    }
  };

  void check_shape(const Scenario& scenario) const;
  std::size_t table_size() const;
  std::int64_t chunks() const;
  int worker_threads() const;
  // The table of chunk c's replications under `scenario` (the same whichever thread runs it).
  std::vector<std::int64_t> chunk_table(const Scenario& scenario, std::int64_t c) const;
  // The estimate from every chunk's table, in chunk order.
  LikelihoodEstimate simulated_estimate(const std::vector<std::vector<std::int64_t>>& tables) const;
  // Replications of each pattern in a table laid out as the accumulator fills it.
  std::vector<double> pattern_counts(const std::vector<std::int64_t>& table) const;

  LikelihoodOptions options_;
  int levels_ = 0, phases_ = 0, bins_ = 0;
  double horizon_ = 0.0;
  std::vector<double> ages_;  // distinct censoring ages, ascending
  std::vector<Pattern> patterns_;
  std::vector<std::size_t> of_programme_;  // pattern of each row of the record
};

}  // namespace progsurv
