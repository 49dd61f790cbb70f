#pragma once
// Knock-out attribution: what each obstacle costs. Every mechanism is switched off in turn
// and the scenario re-run with common random numbers; replication r of the base and of each
// knock-out use the same (seed, r) streams, so the per-replication differences are paired
// and their intervals far tighter than those of two independent runs.
//
// Single knock-outs do not add up to the effect of switching everything off (obstacles
// overlap: a programme saved from a sponsor exit may still die at a gate). The Shapley
// decomposition does: each mechanism's part is its marginal effect averaged over every
// order of switching the mechanisms off, and the parts sum to all-off minus base.
#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "progsurv/engine/outcome.hpp"
#include "progsurv/engine/summary.hpp"
#include "progsurv/scenario/scenario.hpp"

namespace progsurv {

// One row per mechanism of the model; knockout_table() says how each is switched off.
// A new mechanism needs a member here and a row in the table (attribution.cpp).
enum class Knockout : int {
  SponsorExit = 0,  // every level's tenure = never
  Vacancy,          // a vacated post is refilled at once
  Approval,         // every level approves
  ResourceDelay,    // every level's resource_delay fixed 0
  PickupDelay,      // every pickup (silo and handoff override) fixed 0
  HandoffBreaks,    // every break_prob 0, handoff overrides included
  EscalationDelay,  // escalation delay fixed 0
  Patience,         // patience.model none
  Budget,           // budget disabled
  Gates,            // every continue_prob 1
  Scoping,          // scoping 0: approval at once (rule 11)
  Attention,        // every attention_lapse never: sponsors stay engaged (rule 12)
  Recruitment,      // recruitment 0: customers at hand (rule 13)
  Ladder,           // escalation ladder empty: a direct line to the sponsor (rule 15)
  Deferral,         // deferral.prob 0: scope protected, nothing slips to "Phase 2" (rule 16)
  Count
};
inline constexpr int kKnockoutCount = static_cast<int>(Knockout::Count);

struct KnockoutSpec {
  Knockout id;
  const char* name;         // "sponsor_exit", as in files and --mechanisms
  const char* description;  // "no sponsor exits", for people
  void (*apply)(Scenario&);
};
// Indexed by Knockout.
const std::array<KnockoutSpec, kKnockoutCount>& knockout_table();
const char* to_string(Knockout k);
const char* describe(Knockout k);
// The knock-out called `name` (as to_string); throws std::invalid_argument listing the names.
Knockout knockout_from_string(const std::string& name);

// The scenario with one mechanism (or several) switched off (finalized).
Scenario knock_out(const Scenario& scenario, Knockout k);
// The knock-outs an attribution takes by default: every mechanism whose knock-out changes
// the scenario (one that leaves its canonical form as it is cannot cost anything, and each
// one doubles the Shapley subsets), and the ladder and deferral (rules 15 and 16) only when
// the scenario uses them.
std::vector<Knockout> default_knockouts(const Scenario& scenario);
Scenario knock_out(const Scenario& scenario, const std::vector<Knockout>& ks);

// The statistics whose changes are attributed, per proposed programme (every replication
// counts; one that never starts has no months): P(completed), mean value banked, and the
// mean months spent in each time bucket.
enum class AttributedStat : int { PCompleted = 0, MeanValue = 1, FirstBucket = 2 };
inline constexpr int kAttributedStatCount = 2 + kTimeBucketCount;
std::string attributed_stat_name(int stat);  // p_completed, mean_value, months_<bucket>

enum class ShapleyMethod {
  Auto,          // exact when 2^k runs per replication fit exact_budget, else permutations
  Exact,         // every subset of the k knock-outs in every replication
  Permutations,  // one random order per replication (k + 1 runs)
  None,
};
const char* to_string(ShapleyMethod m);

struct AttributionOptions {
  std::uint64_t seed = 1;
  std::int64_t replications = 100000;
  int threads = 0;                   // 0 = all hardware threads; results do not depend on it
  std::vector<Knockout> mechanisms;  // empty = default_knockouts(scenario), in Knockout order
  ShapleyMethod shapley = ShapleyMethod::Auto;
  // Auto picks exact while replications * 2^k <= this many replications.
  std::int64_t exact_budget = 20000000;
  // Called between batches with (done, planned); return false to stop (throws Cancelled).
  std::function<bool(std::int64_t, std::int64_t)> progress;
};

// Paired change of one statistic: knocked-out minus base, mean of the per-replication
// differences with a normal 95% interval (± 1.96 SE of that mean).
struct PairedDelta {
  double base = 0.0, knocked_out = 0.0;  // the statistic under each scenario
  Estimate delta;
  double se = 0.0;
};

// Raw sums over n pairs (b_i under the base, v_i with something switched off): sum b, sum v,
// and sum and sum of squares of d_i = v_i - b_i. The one accumulator of paired differences
// (scenario and portfolio attribution); portfolio files keep them as they are, so any
// interval can be recomputed. add(0, x) accumulates the moments of x alone.
struct PairedSums {
  std::int64_t n = 0;
  double base = 0.0, variant = 0.0, d = 0.0, d2 = 0.0;
  void add(double b, double v) {
    const double x = v - b;
    ++n;
    base += b;
    variant += v;
    d += x;
    d2 += x * x;
  }
  void merge(const PairedSums& o) {
    n += o.n;
    base += o.base;
    variant += o.variant;
    d += o.d;
    d2 += o.d2;
  }
};

// Means of b and v, and the mean difference with a paired normal 95% interval (± 1.96 SE of
// the mean of d_i). NaNs when n = 0; SE NaN when n = 1.
PairedDelta paired_delta(const PairedSums& s);

// The exact Shapley core, shared by knock-out attribution (bit j of a subset mask = mechanism
// j switched off) and remedies (bit j = remedy j applied). The weight of a subset of size s
// not containing a player, among k players: s!(k-s-1)!/k! (indexed by s; one entry when k = 0).
std::vector<double> shapley_weights(int k);
int subset_size(unsigned mask);  // the number of bits set
// Each player's part, phi_j = sum over subsets S without j of weight[|S|] (f[S+j] - f[S]),
// from the values f[mask] of all 2^k subsets (V: an array of statistics, summed component
// by component in subset order, so the parts are the same whoever calls). part(j, phi_j).
template <class V, class Part>
void exact_shapley_parts(int k, const std::vector<double>& weight, const std::vector<V>& f,
                         Part&& part) {
  const auto subsets = static_cast<unsigned>(f.size());
  V phi{};
  for (int j = 0; j < k; ++j) {
    const unsigned bit = 1u << j;
    phi.fill(0.0);
    for (unsigned mask = 0; mask < subsets; ++mask) {
      if (mask & bit) continue;
      const double w = weight[static_cast<std::size_t>(subset_size(mask))];
      for (std::size_t i = 0; i < phi.size(); ++i) phi[i] += w * (f[mask | bit][i] - f[mask][i]);
    }
    part(j, phi);
  }
}

struct AttributionRow {
  Knockout knockout = Knockout::SponsorExit;
  // Indexed by AttributedStat (then time buckets): this mechanism alone switched off.
  std::array<PairedDelta, kAttributedStatCount> effect{};
  // Its Shapley part (delta only; base and knocked_out unused). Empty intervals when the
  // decomposition was not run.
  std::array<PairedDelta, kAttributedStatCount> shapley{};
  const PairedDelta& p_completed() const { return effect[0]; }
  const PairedDelta& mean_value() const { return effect[1]; }
};

struct AttributionResult {
  Scenario scenario;
  std::uint64_t seed = 0;
  std::int64_t n = 0;
  Estimate p_completed;              // base, Wilson interval
  Estimate mean_value;               // base, normal interval
  std::vector<AttributionRow> rows;  // in the order of the options' mechanisms
  // Every mechanism of `rows` switched off at once, minus the base.
  std::array<PairedDelta, kAttributedStatCount> all_off{};
  ShapleyMethod shapley = ShapleyMethod::None;  // Exact or Permutations once run
};

// Deterministic: the same for any thread count (chunk sums merged in chunk order).
AttributionResult attribute(const Scenario& scenario, const AttributionOptions& options);

// One statistic of every row as columns, in row order, for tables and files.
struct DeltaColumns {
  std::vector<double> knocked_out, delta, lower, upper, se;
};
DeltaColumns delta_columns(const AttributionResult& result, int stat, bool shapley = false);

// The table printed by `progsurv attribute`.
std::string format_attribution(const AttributionResult& result);

// HDF5 file with filetype "progsurv-attribution" (docs/hdf5-sweep-format.md); temp file +
// rename.
void write_attribution(const std::string& path, const AttributionResult& result);
// Reads it back (FileFormatError for a foreign, newer or truncated file).
AttributionResult read_attribution(const std::string& path);

}  // namespace progsurv
