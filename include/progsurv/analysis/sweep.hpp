#pragma once
// Batch parameter sweeps (docs/sweep-format.md, docs/sweeps.md): a base scenario or a base
// portfolio, parameters varied by key path, a design (grid, one-at-a-time, Latin hypercube,
// Sobol'/Saltelli) and the metrics to record at every point. Every point runs with the same seed,
// so replication r of every point draws from the same streams (common random numbers): differences
// between points are differences of the parameters, not of the luck of the draw.
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "progsurv/analysis/portfolio_statistic.hpp"
#include "progsurv/analysis/scenario_statistic.hpp"
#include "progsurv/analysis/sensitivity.hpp"
#include "progsurv/engine/outcome.hpp"
#include "progsurv/engine/tally.hpp"
#include "progsurv/portfolio/portfolio.hpp"
#include "progsurv/scenario/lint.hpp"
#include "progsurv/scenario/scenario.hpp"

namespace progsurv {

enum class SweepDesign { Grid, Oat, Lhs, Sobol, Morris };
const char* to_string(SweepDesign d);  // "grid", "oat", "lhs", "sobol", "morris"

struct SweepParameter {
  // Key path into the scenario ("sponsor_levels.vp.clout") or the portfolio ("cynicism.rise").
  std::string key;
  std::string label;  // for people (tornado bars, tables); empty: the key path
  const std::string& name() const { return label.empty() ? key : label; }  // what tables show
  // Either a numeric range [low, high] (log: spaced/sampled evenly in log space)...
  bool range = false;
  double low = 0.0, high = 0.0;
  bool log = false;
  int levels = 0;  // grid only: evenly spaced levels from low to high inclusive
  // ...or a list of values, each YAML flow text (a number, a word, or e.g. "{model: none}").
  std::vector<std::string> values;
  // The base's value at `key` ("" when it has none); NaN when not a number.
  std::string base_text;
  double base_value = std::numeric_limits<double>::quiet_NaN();

  // The value text at design coordinate u in [0, 1) (lhs and sobol designs).
  std::string at(double u) const;
};

// A metric is a statistic of the sweep's base kind, named by its grammar: a scenario sweep's
// metrics are ScenarioStatistics (the goals of a scenario's search among them), a portfolio
// sweep's are PortfolioStatistics.
enum class MetricKind {
  Scenario,  // `scenario`: one replication = one programme (shares, quantiles, means)
  Portfolio  // `statistic`: one replication = one organisation over the horizon
};

struct SweepMetric {
  MetricKind kind = MetricKind::Scenario;
  std::string name;              // column name: the statistic's name(), "p_completed_by_24", ...
  ScenarioStatistic scenario;    // Scenario
  PortfolioStatistic statistic;  // Portfolio
};

// What a sweep's points run: a scenario (run(), one replication = one programme) or a
// portfolio (run_portfolio(), one replication = one organisation).
enum class SweepBaseKind { Scenario, Portfolio };
const char* to_string(SweepBaseKind k);  // "scenario", "portfolio"

// A point whose values the scenario or portfolio refuses (a count given 10.09): seen only
// by the rank (and thread) that runs the point, unlike the file's own errors.
class SweepPointError : public ScenarioError {
 public:
  using ScenarioError::ScenarioError;
};

struct Sweep {
  std::string name = "sweep";
  std::string source;  // file path or "<string>"
  // What the file asks for that works, but not as well as its author may think (a sobol
  // design's base_samples not a power of two): the command prints them, Python warns.
  std::vector<ScenarioWarning> warnings;
  SweepBaseKind base_kind = SweepBaseKind::Scenario;
  Scenario base;        // scenario sweeps
  Portfolio portfolio;  // portfolio sweeps: every programme template inline
  // The files the base was read from (a portfolio's template files too): never outputs.
  std::vector<std::string> input_files;
  std::vector<SweepParameter> parameters;
  SweepDesign design = SweepDesign::Grid;
  std::int64_t samples = 0;       // lhs: points; sobol: base samples N; morris: trajectories r
  std::uint64_t design_seed = 1;  // lhs permutations, sobol and morris bootstrap resamples,
                                  // morris trajectories
  int bootstrap = 1000;           // sobol, morris: bootstrap resamples for the intervals
  bool second_order = false;      // sobol: also the BA_i blocks and second-order indices
  // sobol: each repeat's design gets its own random digital shift keyed by (design_seed, the
  // repeat's engine seed)
  // (saltelli_sample's `shift`), so repeats are independent randomised designs; always on with
  // repeat > 1, where the combined interval needs independent estimates.
  bool shift = false;
  sensitivity::SobolEstimator estimator = sensitivity::SobolEstimator::Jansen;  // sobol
  int morris_levels = 4;   // morris: grid levels of [0, 1] (even)
  std::uint64_t seed = 1;  // the engine's seed, the same at every point
  // sobol, morris: the design is run with engine seeds seed, seed + 1, .., seed + repeat − 1
  // and the analysis combined over them (docs/sweeps.md); point r·P + i is design point i
  // under seed + r, P = design_point_count().
  int repeat = 1;
  std::int64_t replications = 10000;
  // > 0: per point, run until the 95% half-width of P(completed) (portfolio sweeps: of the mean
  // programmes completed per organisation) is at most this.
  double precision = 0.0;
  std::int64_t max_replications = 1000000;
  std::vector<SweepMetric> metrics;
  bool curves = false;  // also keep each point's P(completed by t) and S(t) curves

  // The canonical YAML of everything above with the base inline: a sweep file in
  // its own right, stored in the output. The fingerprint (16 hex digits of FNV-1a 64 over
  // the progsurv version and this text) tells whether a partial file belongs to this sweep.
  std::string resolved;
  std::string fingerprint;

  // The design, one entry per point: coordinates in [0, 1)^k (lhs, sobol; empty otherwise)
  // and the value text of each parameter ("" = left at the base scenario's value).
  std::vector<std::vector<double>> unit;
  std::vector<std::vector<std::string>> point_values;
  // oat: the points of parameter i are oat_first[i] .. oat_first[i] + oat_count[i] - 1
  // (low then high for a range, the listed values otherwise); point 0 is the base.
  std::vector<std::int64_t> oat_first, oat_count;

  std::size_t point_count() const { return point_values.size(); }
  std::size_t design_point_count() const {
    return point_values.size() / static_cast<std::size_t>(repeat);
  }
  // The engine's seed of point i.
  std::uint64_t point_seed(std::size_t i) const {
    return seed + static_cast<std::uint64_t>(i / design_point_count());
  }
  // The digital-shift key of repeat `rep`'s sobol design (never 0); 0 without `shift`.
  std::uint64_t shift_key(int rep) const;
  bool is_portfolio() const { return base_kind == SweepBaseKind::Portfolio; }
  // The base scenario with point i's values applied (scenario sweeps).
  Scenario point_scenario(std::size_t i) const;
  // The base portfolio with point i's values applied, its grid made run_grid() (portfolio
  // sweeps).
  Portfolio point_portfolio(std::size_t i) const;
  // The grid every point's run uses: the base grid plus each metric's time t.
  std::vector<double> run_grid(const Scenario& point) const;
  std::vector<double> run_grid(const Portfolio& point) const;

  // `base_dir` resolves a base scenario or portfolio given as a relative path.
  static Sweep from_yaml(const std::string& text, const std::string& source = "<string>",
                         const std::string& base_dir = ".");
  static Sweep load(const std::string& path);
  // With the command line's overrides (`progsurv sweep -n/--seed/--set`) applied before the
  // sweep is resolved, so the resolved text, the fingerprint and the file record them.
  struct Overrides {
    std::int64_t replications = 0;  // > 0: replications per point (replaces precision)
    bool has_seed = false;
    std::uint64_t seed = 1;
    // key.path = value on the base scenario (or portfolio), as `progsurv run --set`.
    std::vector<std::pair<std::string, std::string>> sets;
    int repeat = 0;             // > 0: engine seeds to repeat the analysis over
    bool second_order = false;  // sobol design: also second-order indices
    bool shift = false;         // sobol design: a randomly shifted design (Sweep::shift)
  };
  static Sweep from_yaml(const std::string& text, const std::string& source,
                         const std::string& base_dir, const Overrides& overrides);
  static Sweep load(const std::string& path, const Overrides& overrides);
};

// One finished point: estimates and standard errors in Sweep::metrics order.
struct PointResult {
  std::int64_t index = -1;
  std::int64_t replications = 0;
  std::vector<double> estimate, se;
  // Portfolio sweeps: what each estimate is a share or mean over (organisations, those that
  // launched a k-th programme, sponsor exits), so any interval can be recomputed.
  std::vector<std::int64_t> count;
  std::vector<double> completed, survival;  // on the run grid, when Sweep::curves
};

// Runs one point single-threaded (run() or run_portfolio() with the sweep's seed). `keep_going` is
// polled between batches; false -> Cancelled.
PointResult run_point(const Sweep& sweep, std::size_t index,
                      const std::function<bool()>& keep_going = {});

struct SweepOptions {
  // Threads per process; points are spread over them, each point's run() single-threaded
  // (results do not depend on it). 0 = the cores of this machine divided among the MPI ranks
  // that share it.
  int threads = 0;
  // HDF5 output. While it runs, finished points are appended to "<output>.partial" (one
  // checksummed record each, fsync'ed); the final file is written at the end by temp file +
  // rename and the journal removed. Empty: no file and no journal.
  std::string output;
  bool resume = false;  // continue from "<output>.partial"
  // How the caller spells `resume`, named where a journal is refused without it ("--resume"
  // in the command, "resume=True" from Python): the refusal crosses MPI ranks as text.
  std::string resume_spelling = "--resume";
  std::function<void(std::int64_t done, std::int64_t total)> progress;  // rank 0 only
  std::function<bool()> keep_going;  // polled often; false stops the sweep (Cancelled)
};

struct SweepResult {
  Sweep sweep;
  std::vector<PointResult> points;  // in point order
  // sobol design, per metric (Sweep::metrics order): the indices (combined over the repeats),
  // the simulation noise against the variance (mean se² over the A and B points / V), and the
  // indices against the base samples (averaged over the repeats).
  std::vector<sensitivity::SobolIndices> sobol;
  std::vector<double> noise_ratio;
  std::vector<sensitivity::SobolConvergence> convergence;
  // morris design, per metric: the elementary-effect statistics (combined over the repeats).
  std::vector<sensitivity::MorrisIndices> morris;
  // oat design: [metric][parameter] metric at the parameter's low and high end, and at base.
  std::vector<double> tornado_base;
  std::vector<std::vector<double>> tornado_low, tornado_high;
  std::int64_t resumed_points = 0;  // points taken from a journal rather than run
  bool resumed_from_file = false;   // ...from the finished output file instead (no journal left)
  bool rank0 = true;                // false on MPI ranks other than 0 (no result there)
};

// Runs the sweep. Under MPI (launched by mpirun and mpi_init() called) points are spread over
// the ranks round-robin by index and gathered to rank 0, which alone keeps the journal and
// writes the file — the same file a single process writes.
SweepResult run_sweep(const Sweep& sweep, const SweepOptions& options);

// Derives the sensitivity tables from the points.
void analyse(SweepResult& result);

// The HDF5 file with filetype "progsurv-sweep" (docs/hdf5-sweep-format.md). read_sweep
// reads format 1.0 (scenario sweeps) and 1.1 (either base).
void write_sweep(const std::string& path, const SweepResult& result);
SweepResult read_sweep(const std::string& path);

// The table printed by `progsurv sweep`.
std::string format_sweep(const SweepResult& result);

// What the summary of a sobol sweep warns of for metric m (the page says the same):
// simulation noise that may be much of the indices (a noise ratio above 1%, or above half the
// smallest total index), and the first index whose whole interval lies outside [0, 1], where
// no index can be (too few base samples).
struct SobolWarnings {
  bool noisy = false;
  int impossible_parameter = -1;  // -1: none
  bool impossible_total = false;  // the total index ST, else the first-order S1
};
SobolWarnings sobol_warnings(const SweepResult& result, std::size_t metric);

// MPI, for `progsurv sweep` under mpirun (no-ops without MPI support or outside mpirun).
// What a launcher told this process in its environment (Open MPI's OMPI_COMM_WORLD_*,
// MPICH/Hydra's PMI_*, or PMIx's PMIX_RANK with Slurm's task count): whether it started this
// process, its rank, and how many it started (0: not said).
struct MpiLaunch {
  bool launched = false;
  long rank = 0;
  long size = 0;
};
MpiLaunch mpi_launch();
// The MPI ranks whose `value` differs from rank 0's, in rank order (a collective: every rank
// calls it; empty outside MPI).
std::vector<int> mpi_ranks_differing(const std::string& value);
class MpiSession {
 public:
  MpiSession();   // MPI_Init_thread (funneled) when launched by mpirun
  ~MpiSession();  // MPI_Finalize
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;
  int rank() const { return rank_; }
  int size() const { return size_; }
  [[noreturn]] void abort(int status) const;  // MPI_Abort, or std::exit without MPI

 private:
  int rank_ = 0, size_ = 1;
  bool active_ = false;
};

}  // namespace progsurv
