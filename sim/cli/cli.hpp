#pragma once
// Subcommands of the `progsurv` command register themselves here, one cli_*.cpp each.
#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

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

// While alive, Ctrl-C (and SIGTERM) only raise a flag that the running command polls
// between batches, so it can stop cleanly; the default handlers come back afterwards.
class StopSignals {
 public:
  StopSignals();
  ~StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;
  static bool raised();
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

}  // namespace progsurv::cli

#include "progsurv/scenario/scenario.hpp"

namespace progsurv::cli {
// Loads a scenario, or the embedded baseline when `path` is empty.
Scenario load_scenario_or_baseline(const std::string& path);
// Fails early (exit 2) when the directory of an output file does not exist.
void check_output_path(const std::string& path);
}  // namespace progsurv::cli

namespace progsurv::cli {
// --set key.path=value (repeatable): scenario overrides, for the subcommands that take one.
void add_set_option(CLI::App* sub, std::vector<std::string>& sets);
// The scenario with the --set overrides applied (ScenarioError naming the key when wrong).
Scenario apply_sets(const Scenario& scenario, const std::vector<std::string>& sets);
// Runs `python3 -m <module> args...` with the package progsurv this binary was built with
// (python_module.cpp); returns its exit status.
int run_python_module(const std::string& module, const std::vector<std::string>& args);
}  // namespace progsurv::cli
