#pragma once
// Subcommands of the `progsurv` command register themselves here, one cli_*.cpp each.
#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

#include "progsurv/engine/cancel.hpp"

namespace progsurv::cli {

// Exit statuses: 2 = the user's input is wrong (file, option, scenario); 1 = a failure
// while running; 130 = interrupted.
inline constexpr int kExitBadInput = 2;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitInterrupted = 130;

using Registrar = std::function<void(CLI::App&)>;
// Subcommands are added in order of `order` so --help lists them sensibly.
struct Registration {
  Registration(int order, Registrar registrar);
};
std::vector<std::pair<int, Registrar>>& registry();

// The action chosen by the parsed subcommand; returns the exit status.
void set_action(std::function<int()> action);

// Rank 0 warns on stderr when mpirun started several processes for a command that does not
// share its work between them (each runs all of it).
void warn_mpi_launch(const CLI::App& app);

// While alive, Ctrl-C (and SIGTERM) only raise a flag that the running command polls
// between batches, so it can stop cleanly; the default handlers come back afterwards.
class StopSignals {
 public:
  StopSignals();
  ~StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;
  static bool raised();

 private:
  StopScope scope_;  // forgets a stop requested before the command started
};

// Progress bar on stderr, drawn only when stderr is a terminal.
class ProgressBar {
 public:
  explicit ProgressBar(std::string label);
  ~ProgressBar();
  bool operator()(std::int64_t done, std::int64_t total);
  // Clears the bar's line; call before printing what follows it (the destructor does too).
  void finish();

 private:
  std::string label_;
  bool enabled_;
  int last_permille_ = -1;
  double start_;  // steady-clock seconds when the bar was made
};

// What every long Monte Carlo command (run, portfolio, attribute, compare) does while it
// works: a progress bar (none with -q) and Ctrl-C turned into a clean stop between batches.
class RunProgress {
 public:
  RunProgress(std::string label, bool quiet);
  // For the options' `progress` member: false (stop) once Ctrl-C or SIGTERM arrived.
  std::function<bool(std::int64_t, std::int64_t)> callback();
  void finish() { bar_.finish(); }

 private:
  ProgressBar bar_;
  StopSignals stop_signals_;
  bool quiet_;
};

}  // namespace progsurv::cli

#include "progsurv/scenario/lint.hpp"
#include "progsurv/scenario/scenario.hpp"

namespace progsurv::cli {
// Loads a scenario, or the embedded baseline when `path` is empty.
Scenario load_scenario_or_baseline(const std::string& path);

// Shared option parsers (cli_options.cpp). Each throws CLI::ValidationError naming the
// option: whole numbers must be written out ("1e5" is refused with a hint), seeds are
// 0..2^64-1 without wrapping, numbers must be finite and in [min, max].
std::int64_t parse_count(const std::string& option, const std::string& text, std::int64_t min,
                         std::int64_t max);
std::uint64_t parse_seed(const std::string& option, const std::string& text);
double parse_number(const std::string& option, const std::string& text, double min, double max);
CLI::Option* add_count_option(CLI::App* sub, const std::string& names, std::int64_t& target,
                              const std::string& help, std::int64_t min, std::int64_t max);
CLI::Option* add_seed_option(CLI::App* sub, std::uint64_t& seed);
CLI::Option* add_threads_option(CLI::App* sub, int& threads, const std::string& help);
CLI::Option* add_number_option(CLI::App* sub, const std::string& names, double& target,
                               const std::string& help, double min, double max);
CLI::Option* add_force_flag(CLI::App* sub, bool& force);

// The options every long Monte Carlo command shares: -n (named and explained per command),
// --seed, --threads and -q.
struct LongRunArgs {
  std::int64_t replications = 100000;
  std::uint64_t seed = 1;
  int threads = 0;
  bool quiet = false;
  CLI::Option* replications_option = nullptr;  // whether -n was given; --precision excludes it
  CLI::Option* seed_option = nullptr;          // whether --seed was given
};
void add_long_run_options(CLI::App* sub, LongRunArgs& a, const std::string& n_names,
                          const std::string& n_help, std::int64_t n_min,
                          const std::string& threads_help = "Worker threads (0 = all cores)");

// Before any work: throws OutputPathError (exit 2) when `path` cannot receive the output
// (progsurv/io/output_file.hpp): missing or unwritable folder, a device, FIFO or folder at
// that name, one of `inputs`, a write-protected file without `force`, a name too long.
// `filetype` is what the command writes: an existing file of another kind (or no progsurv
// file) is refused without `force`. It also notes whether a file is there, for print_written.
void check_output(const std::string& path, const std::vector<std::string>& inputs, bool force,
                  const std::string& filetype);
// The default output name for a scenario or sweep name: a plain file in the working folder.
// A variant's --set changes are part of it ("baseline-sponsor_director.h5"), so running a
// variant does not replace the plain scenario's file.
std::string default_output(const std::string& name, const std::string& suffix,
                           const std::vector<ValueChange>& changes = {});
// "written: <path>", saying so when it replaced a file that was there at check_output.
void print_written(const std::string& path);
}  // namespace progsurv::cli

namespace progsurv {
class MpiSession;
}
namespace progsurv::cli {
// Runs `command` in every process of an MPI job (or alone); a failure on any rank takes
// the whole job down with the exit status main() would give, printed once when every rank
// shares it (cli_sweep.cpp).
int run_on_ranks(const MpiSession& mpi, const std::function<int()>& command);
}  // namespace progsurv::cli

namespace progsurv::cli {
// Lint warnings on stderr, one line each: "<path>:<line>: warning: <message> (<key>)", the
// line left out when unknown.
void print_warnings(const std::vector<ScenarioWarning>& warnings, const std::string& path);

// What a subcommand's --set applies to, for its help's examples.
enum class SetTarget { Scenario, Portfolio, Either };
// --set key.path=value (repeatable): overrides, for the subcommands that take them.
void add_set_option(CLI::App* sub, std::vector<std::string>& sets,
                    SetTarget target = SetTarget::Scenario);
// The scenario with the --set overrides applied (ScenarioError naming the key when wrong).
Scenario apply_sets(const Scenario& scenario, const std::vector<std::string>& sets);
// The key.path=value texts of --set as (path, value) pairs.
std::vector<std::pair<std::string, std::string>> parse_sets(const std::vector<std::string>& sets);
// Runs `python3 -m <module> args...` with the package progsurv this binary was built with
// (python_module.cpp), forwarding SIGINT/SIGTERM to it; returns its exit status.
int run_python_module(const std::string& module, const std::vector<std::string>& args);
// Makes `stream` print control characters (other than newline and tab) as \xNN, so text
// from files cannot drive the terminal (terminal_text.cpp); main() does it for cout/cerr.
void escape_control_characters(std::ostream& stream);
// `text` with every control character, newline and tab included, as \xNN (one-line labels).
std::string printable(const std::string& text);
}  // namespace progsurv::cli
