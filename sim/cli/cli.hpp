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

 private:
  std::string label_;
  bool enabled_;
  int last_permille_ = -1;
};

}  // namespace progsurv::cli

#include "progsurv/scenario/scenario.hpp"

namespace progsurv::cli {
// Loads a scenario, or the embedded baseline when `path` is empty.
Scenario load_scenario_or_baseline(const std::string& path);
// Fails early (exit 2) when the directory of an output file does not exist.
void check_output_path(const std::string& path);
}  // namespace progsurv::cli
