#pragma once
// Remedies (docs/remedies.md): what an organisation can buy to make a programme survive, read
// from a remedies file (docs/remedies-format.md), combined into bundles (one choice per
// remedy), and searched for the efficient frontier and the cheapest bundle meeting a target
// with a ranking-and-selection procedure under common random numbers.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "progsurv/analysis/attribution.hpp"
#include "progsurv/analysis/goal.hpp"
#include "progsurv/analysis/selection.hpp"
#include "progsurv/engine/summary.hpp"
#include "progsurv/portfolio/portfolio.hpp"
#include "progsurv/scenario/error.hpp"
#include "progsurv/scenario/lint.hpp"
#include "progsurv/scenario/scenario.hpp"

namespace progsurv {

// Size caps of a remedies file: beyond them it is refused with a message naming the cap.
inline constexpr int kMaxRemedies = 64;        // remedies in a file (bundles are bit sets)
inline constexpr int kMaxRemedyOptions = 32;   // options of one remedy
inline constexpr int kMaxRemedyChoices = 512;  // options of every remedy together
inline constexpr std::size_t kMaxRemediesFileBytes = std::size_t{1} << 20;
// Bundles evaluated exhaustively unless told otherwise (--max-bundles; never less).
inline constexpr std::int64_t kDefaultMaxBundles = 4096;

// One way of taking a remedy: a remedy with `cost` and `set` has one, unnamed; a remedy with
// `options` has one per option.
struct RemedyChoice {
  std::string name;         // the option's name; empty for a remedy without options
  std::string description;  // the option's own, optional; empty for a remedy without options
  double cost = 0.0;
  // --set paths and their values as text, applied together with Scenario::with_values (or
  // Portfolio::with_values, for remedies of a portfolio).
  std::vector<std::pair<std::string, std::string>> set;
};

struct Remedy {
  std::string name, description;
  bool has_options = false;
  std::vector<RemedyChoice> options;
  std::vector<int> excludes;  // remedies never in one bundle with this one (made symmetric)
};

struct RemedySet {
  std::string source;  // file path, for messages
  std::string text;    // the file's text, kept in result files
  std::string unit;    // the one cost unit, e.g. "EUR k"
  std::vector<Remedy> remedies;
  // Remedies that read but may not do what their author means, for the command to print:
  // one that leaves the scenario unchanged, or a list it sets that drops the scenario's own
  // items (remedies of a scenario; none for a portfolio). Lines are the remedies file's.
  std::vector<ScenarioWarning> warnings;

  bool excludes(int a, int b) const;

  // Reads a remedies file, checking every remedy and option against `base` by applying it
  // with Scenario::with_values. ScenarioError at file:line:column and key for everything
  // docs/remedies-format.md lists as an error.
  static RemedySet from_yaml(const std::string& text, const std::string& source,
                             const Scenario& base);
  static RemedySet load(const std::string& path, const Scenario& base);
  // The same for remedies of a portfolio: paths are Portfolio::with_values paths.
  static RemedySet from_yaml(const std::string& text, const std::string& source,
                             const Portfolio& base);
  static RemedySet load(const std::string& path, const Portfolio& base);
};

// A combination of remedies: one choice per remedy (not taken, or one of its options).
struct Bundle {
  std::vector<int> choice;  // per remedy: -1 not taken, else the index into its options
  double cost = 0.0;        // the sum of the chosen options' costs, in remedy order
  std::string label;        // "nothing", "co_sponsor + review_cadence=quarterly"
  int remedies_taken() const;
  // Every remedy `other` takes, this bundle takes with the same option (maybe more besides).
  bool contains(const Bundle& other) const;
};

// The bundle of these choices (cost and label filled in).
Bundle make_bundle(const RemedySet& set, std::vector<int> choice);
// How many bundles respect the exclusions, counted up to `cap`: cap + 1 means "more than
// cap". Never enumerates more than cap + 1 of them, so it is cheap for any file.
std::uint64_t count_bundles(const RemedySet& set, std::uint64_t cap);
// An upper bound: the product over remedies of (1 + options), saturating at UINT64_MAX.
std::uint64_t bundle_product(const RemedySet& set);
// Every bundle respecting the exclusions; bundle 0 takes nothing (cost 0). Order: the choice
// vectors in lexicographic order with "not taken" first, the first remedy varying slowest.
std::vector<Bundle> enumerate_bundles(const RemedySet& set);
// The --set pairs of every chosen option, in remedy order.
std::vector<std::pair<std::string, std::string>> bundle_settings(const RemedySet& set,
                                                                 const Bundle& bundle);
// base.with_values(bundle_settings); ScenarioError naming the bundle when the settings,
// each valid alone, are not valid together. A bundle's scenario is only simulated, so it is
// built without a text of its own (Scenario::Text::Omitted): emitting 3,072 bundles' YAML
// was half a search's CPU.
Scenario bundle_scenario(const Scenario& base, const RemedySet& set, const Bundle& bundle);
Portfolio bundle_portfolio(const Portfolio& base, const RemedySet& set, const Bundle& bundle);

// --- The search (remedies.cpp) ---------------------------------------------------------

// Shapley shares are exact over the 2^m sub-bundles of the chosen bundle's m remedies, with at
// most this many remedies and this many replications times 2^m.
inline constexpr int kMaxShapleyRemedies = 16;
inline constexpr double kShapleyBudget = 2e7;

// How bundles are searched: every one (exhaustive), or beyond --max-bundles greedy plus local
// search (heuristic, not exhaustive); auto = exhaustive up to max_bundles, heuristic beyond.
enum class RemedySearch { Auto, Exhaustive, Heuristic };
// Bundles are counted up to this many (or max_bundles, if larger) before a search.
inline constexpr std::uint64_t kMaxCountedBundles = 1000000;

struct RemediesOptions {
  std::uint64_t seed = 1;
  int threads = 0;         // 0 = all cores; results do not depend on it
  std::int64_t batch = 0;  // replications per observation (a batch mean); 0: default_batch
  std::int64_t max_replications = 1000000;  // cap per bundle; a multiple of batch is used
  std::int64_t n0 = 20;                     // first-stage observations per bundle
  double alpha = 0.05;
  double delta = 0.0;    // indifference zone in the metric's units; > 0
  double epsilon = 0.0;  // feasibility tolerance; 0 = delta
  Goal metric;           // what the frontier ranks by (the target's goal when there is one)
  bool maximise = true;
  std::optional<Target> target;
  std::optional<double> budget;
  std::int64_t max_bundles = kDefaultMaxBundles;  // exhaustive up to this many
  // Beyond max_bundles, Exhaustive is refused (UsageError); the heuristic evaluates at most
  // max_bundles bundles.
  RemedySearch search = RemedySearch::Auto;
  bool equal_allocation = false;  // every bundle to the cap, nothing eliminated (benchmarks)
  // MPI: this process's rank among size; each observes a share of every block.
  int mpi_rank = 0, mpi_size = 1;
  // Polled between blocks of observations with (replications done, planned upper bound);
  // false stops the search (throws Cancelled) before anything is written.
  std::function<bool(std::int64_t, std::int64_t)> progress;
};

// Replications per observation when none is given: 50 for shares, 250 for values and months.
// The first stage (n0 observations of every bundle) is most of a search's cost, and under
// common random numbers a share's batch means of 50 keep the measured probability of correct
// selection above 1 - alpha (docs/remedies-search.md); values and months can be skewed, so
// their batches stay longer.
std::int64_t default_batch(const Goal& metric);

// What a user asks the search to rank by, as the command's and the binding's options give it.
enum class GoalDirection { Auto, Maximise, Minimise };
struct GoalRequest {
  std::string target;                             // "" = none
  std::string metric;                             // "" = the target's metric, else p_completed
  GoalDirection direction = GoalDirection::Auto;  // Auto = the target's or the metric's own
  std::optional<double> delta;                    // none = 0.01 for shares, else required
  bool portfolio = false;  // the goals of a portfolio (default mean_completed)
};

// A GoalRequest that cannot be honoured; option() is "target", "metric", "direction" or
// "delta", for the front end to name in its own spelling (--delta, delta=).
class GoalRequestError : public OptionError {
 public:
  using OptionError::OptionError;
};

// Fills options.target, metric, maximise and delta from the request. The command and the
// binding both call it, so the same arguments give the same search.
void resolve_goal(const GoalRequest& request, RemediesOptions& options);

// Observation j of bundle s is the mean of the metric's per-replication value over
// replications [j * batch, (j + 1) * batch) of its scenario, the same replications (seed,
// r) for every bundle: common random numbers. Each is computed by one worker in replication
// order, so the values are the same for any thread count or MPI ranks. Fills
// out[i * count + j] with observation first + j of systems[i].
void observe_bundles(const std::vector<Scenario>& scenarios, const RemediesOptions& options,
                     const std::vector<int>& systems, std::int64_t first, std::int64_t count,
                     std::vector<double>& out);

// Raw sums of one bundle's observations x_j (j < n) and of its differences from the
// reference's observations over the same batches, d_j = x_j - ref_j; every statistic the
// output shows is derived from them.
struct BundleSums {
  std::int64_t n = 0;
  double x = 0.0, x2 = 0.0, d = 0.0, d2 = 0.0;
};
// The mean of x with a Student-t 95% interval (NaN bounds below 2 observations).
Estimate bundle_value(const BundleSums& s);
// The mean of d: the paired change against doing nothing, with its 95% interval.
Estimate bundle_gain(const BundleSums& s);

struct BundleResult {
  Bundle bundle;
  bool takes_part = true;  // within the budget
  BundleSums sums;
  int eliminated_by = -1;
  Feasibility feasibility = Feasibility::NotChecked;
  double p_meets = 0.0;  // NaN without a target
};

// One remedy's Shapley share of the gain of the answer's bundle (it minus nothing).
struct RemedyShare {
  int remedy = -1;
  std::string label;  // "review_cadence=quarterly"
  PairedDelta share;  // delta only
};

struct RemediesResult {
  Scenario scenario;                   // a search on a scenario
  std::optional<Portfolio> portfolio;  // a search on a portfolio (scenario then unused)
  bool is_portfolio() const { return portfolio.has_value(); }
  std::string label() const { return portfolio ? portfolio->label() : scenario.label(); }
  RemedySet remedies;
  std::uint64_t seed = 1;
  std::int64_t batch = 1000, n0 = 20, max_observations = 0;
  double alpha = 0.05, delta = 0.0, epsilon = 0.0, h2 = 0.0;
  std::string metric;  // the goal's canonical name
  bool maximise = true;
  std::optional<Target> target;
  std::optional<double> budget;
  std::string search = "exhaustive";  // or "heuristic" (not exhaustive)
  std::uint64_t space = 0;  // bundles the remedies make; more than kMaxCountedBundles: that + 1
  Termination termination = Termination::Converged;
  std::vector<BundleResult> bundles;  // bundle 0 = nothing
  std::vector<int> frontier;          // ascending cost
  int best = -1, chosen = -1, runner_up = -1;
  std::int64_t replications = 0;        // spent by the search (observations computed x batch)
  std::int64_t equal_replications = 0;  // every taking-part bundle to the cap
  // Shapley shares of `shapley_of` (answer_bundle), over shapley_replications; empty when it
  // takes no remedy or more than kMaxShapleyRemedies.
  int shapley_of = -1;
  std::int64_t shapley_replications = 0;
  std::vector<RemedyShare> shapley;
  PairedDelta shapley_total;  // the bundle minus nothing over the same replications

  Goal goal() const { return Goal::parse(metric, is_portfolio()); }
};

// Checks the options against the file (UsageError: too many bundles, a goal the scenario
// cannot measure, no delta), then searches every bundle. Deterministic for any threads.
RemediesResult search_remedies(const Scenario& scenario, const RemedySet& remedies,
                               const RemediesOptions& options);
// The same on a portfolio: one replication is one organisation (simulate_organisation with
// the seed and the replication index, so bundles share common random numbers), the metric a
// portfolio goal (goal.hpp), its templates best inline (Portfolio::with_templates_inline) so
// that the result file stands alone.
RemediesResult search_remedies(const Portfolio& portfolio, const RemedySet& remedies,
                               const RemediesOptions& options);

// The bundle the answer names, and so the one the Shapley shares decompose: with a target the
// chosen bundle, or when none was declared to meet it the frontier bundle closest to the
// bound; without a target the best. -1: none. Derived from what the file keeps, so a file
// read back names the same bundle.
int answer_bundle(const RemediesResult& result);

// The text printed by `progsurv remedies` (and `progsurv summary` of its file).
std::string format_remedies(const RemediesResult& result);

// HDF5 file with filetype "progsurv-remedies" (docs/hdf5-remedies-format.md), written
// through the safe writer; read_remedies checks filetype and version first (FileFormatError).
void write_remedies(const std::string& path, const RemediesResult& result);
RemediesResult read_remedies(const std::string& path);

}  // namespace progsurv
