// `progsurv sweep`: a batch of scenarios or portfolios from a sweep file, on one machine or
// many (mpirun).
#include <chrono>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <memory>
#include <thread>

#include "cli/cli.hpp"
#include "progsurv/analysis/sweep.hpp"
#include "progsurv/engine/run.hpp"
#include "progsurv/io/version.hpp"

namespace progsurv::cli {
namespace {

// -n, --seed, --threads and -q as every long command has them; -n and --seed replace the
// sweep file's values only when given.
struct SweepArgs : LongRunArgs {
  std::string sweep, output;
  bool resume = false;
  bool force = false;
  std::vector<std::string> sets;
  std::int64_t repeat = 0;
  bool second_order = false;
  bool shift = false;
};

// The exit status main() would give this exception, for ranks that must abort instead.
int status_of(const std::exception_ptr& e, std::string& message, bool& shared) {
  shared = false;
  try {
    std::rethrow_exception(e);
  } catch (const SweepPointError& x) {
    message = std::string("error: ") + x.what();  // this rank's point: only it can say so
    return kExitBadInput;
  } catch (const ScenarioError& x) {
    message = std::string("error: ") + x.what();
    shared = true;  // every rank parses the same file and sees the same error
    return kExitBadInput;
  } catch (const FileFormatError& x) {
    message = std::string("error: ") + x.what();
    shared = true;
    return kExitBadInput;
  } catch (const UsageError& x) {
    message = std::string("error: ") + x.what();
    shared = true;
    return kExitBadInput;
  } catch (const CLI::ValidationError& x) {
    message = std::string("error: ") + x.what();
    shared = true;
    return kExitBadInput;
  } catch (const Cancelled&) {
    message = "interrupted";
    shared = true;
    return kExitInterrupted;
  } catch (const std::exception& x) {
    message = std::string("failed: ") + x.what();
    return kExitFailure;
  } catch (...) {
    message = "failed: unknown error";
    return kExitFailure;
  }
}

}  // namespace

int run_on_ranks(const MpiSession& mpi, const std::function<int()>& command) {
  if (mpi.size() <= 1) return command();
  try {
    // Ranks whose log/exp/pow round differently draw different variates for the same keys:
    // the file would then depend on which rank ran what (docs/model.md, Randomness and
    // reproducibility). A heterogeneous cluster can still be used, so warn, do not refuse.
    const std::vector<int> differ = mpi_ranks_differing(math_library_string());
    if (!differ.empty() && mpi.rank() == 0) {
      std::cerr << "progsurv: warning: the math library of MPI rank";
      if (differ.size() > 1) std::cerr << 's';
      for (std::size_t i = 0; i < differ.size(); ++i)
        std::cerr << (i == 0 ? " " : ", ") << differ[i];
      std::cerr << " rounds log, exp or pow differently from rank 0's (" << math_library_string()
                << "): the file may differ in its last digits from what one machine writes "
                   "(run every rank on one kind of CPU and C library for the same bits)\n";
    }
    return command();
  } catch (...) {
    // A rank that fails alone would leave the others waiting: take the whole job down.
    std::string message;
    bool shared = false;
    const int status = status_of(std::current_exception(), message, shared);
    if (mpi.rank() == 0) {
      std::cerr << "progsurv: " << message << std::endl;
    } else if (!shared) {
      std::cerr << "progsurv: rank " << mpi.rank() << ": " << message << std::endl;
    } else {
      // Rank 0 reports errors all ranks share; give it time to print before the abort.
      std::this_thread::sleep_for(std::chrono::seconds(2));
    }
    mpi.abort(status);
  }
}

namespace {

int run_sweep_command(const SweepArgs& a, const MpiSession& mpi) {
  const auto start = std::chrono::steady_clock::now();
  Sweep::Overrides overrides;
  if (a.replications_option->count() > 0) overrides.replications = a.replications;
  if (a.seed_option->count() > 0) {
    overrides.has_seed = true;
    overrides.seed = a.seed;
  }
  overrides.sets = parse_sets(a.sets);
  overrides.repeat = static_cast<int>(a.repeat);
  overrides.second_order = a.second_order;
  overrides.shift = a.shift;
  const Sweep sweep = Sweep::load(a.sweep, overrides);
  if (mpi.rank() == 0) print_warnings(sweep.warnings, a.sweep);
  const std::string output =
      a.output.empty()
          ? default_output(sweep.name, ".h5",
                           sweep.is_portfolio() ? sweep.portfolio.changes : sweep.base.changes)
          : a.output;
  std::vector<std::string> inputs = sweep.input_files;
  inputs.push_back(a.sweep);
  check_output(output, inputs, a.force, kSweepFiletype);
  SweepOptions opt;
  opt.output = output;
  opt.threads = a.threads;
  opt.resume = a.resume;
  ProgressBar bar("sweep " + sweep.name);
  const StopSignals stop_signals;
  opt.keep_going = [] { return !StopSignals::raised(); };
  if (!a.quiet && mpi.rank() == 0)
    opt.progress = [&](std::int64_t done, std::int64_t total) { bar(done, total); };
  const SweepResult result = run_sweep(sweep, opt);
  bar.finish();
  if (!result.rank0) return 0;
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << format_sweep(result);
  char line[160];
  std::snprintf(line, sizeof line, "\n%zu points in %.1f s", sweep.point_count(), seconds);
  std::cout << line;
  if (mpi.size() > 1) std::cout << " on " << mpi.size() << " MPI ranks";
  std::cout << "\n";
  print_written(output);
  return 0;
}

int do_sweep(const SweepArgs& a) {
  MpiSession mpi;
  return run_on_ranks(mpi, [&] { return run_sweep_command(a, mpi); });
}

const Registration reg_sweep(50, [](CLI::App& app) {
  auto args = std::make_shared<SweepArgs>();
  auto* sub = app.add_subcommand(
      "sweep", "Run a parameter sweep (grid, oat, lhs, sobol) and write one HDF5 table");
  sub->add_option("sweep", args->sweep, "Sweep YAML file (docs/sweep-format.md)")->required();
  sub->add_option("-o,--output", args->output, "Output HDF5 file (default: <name>.h5)");
  add_long_run_options(
      sub, *args, "-n,--replications",
      "Replications per point, instead of the sweep file's replications or precision", 1,
      "Worker threads per process (0 = the cores, shared among local MPI ranks)");
  args->replications_option->default_str("the sweep file's");
  args->seed_option->description("The engine's seed at every point, instead of the sweep file's");
  args->seed_option->default_str("the sweep file's");
  add_set_option(sub, args->sets, SetTarget::Either);
  add_count_option(sub, "--repeat", args->repeat,
                   "sobol and morris designs: run the design under R engine seeds (seed, seed + "
                   "1, ..; sobol: each on its own shifted design) and combine, so the "
                   "intervals include simulation noise",
                   1, 1000)
      ->default_str("the sweep file's repeat, 1");
  sub->add_flag(
      "--shift", args->shift,
      "sobol design: a random digital shift of the design keyed by the design and engine seeds "
      "(always on with --repeat > 1: each repeat its own shift)");
  sub->add_flag("--second-order", args->second_order,
                "sobol design: also second-order indices (adds the BA_i blocks: N (2k + 2) "
                "points)");
  add_force_flag(sub, args->force);
  sub->add_flag("--resume", args->resume, "Continue an interrupted sweep from <output>.partial");
  sub->footer(
      "Under mpirun the points are spread over the ranks and rank 0 writes the same file a\n"
      "single process would: mpirun -n 4 progsurv sweep s.yaml -o s.h5");
  sub->callback([args] { set_action([args] { return do_sweep(*args); }); });
});

}  // namespace
}  // namespace progsurv::cli
