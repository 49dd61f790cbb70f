// The `progsurv` command: parses the command line and dispatches to a subcommand.
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <iostream>

#include "cli/cli.hpp"
#include "progsurv/baseline_yaml.hpp"
#include "progsurv/engine/cancel.hpp"
#include "progsurv/engine/run.hpp"
#include "progsurv/io/version.hpp"
#include "progsurv/scenario/error.hpp"

namespace progsurv::cli {

std::vector<std::pair<int, Registrar>>& registry() {
  static std::vector<std::pair<int, Registrar>> r;
  return r;
}

Registration::Registration(int order, Registrar registrar) {
  registry().emplace_back(order, std::move(registrar));
}

namespace {
std::function<int()>& action_slot() {
  static std::function<int()> a;
  return a;
}
}  // namespace

void set_action(std::function<int()> action) { action_slot() = std::move(action); }

namespace {
// The first signal asks every loop, down to the replication's event loop, to stop
// (cancel.hpp); a second one ends the process at once.
extern "C" void on_stop_signal(int) {
  if (stop_requested()) ::_exit(kExitInterrupted);
  request_stop();
}
}  // namespace

StopSignals::StopSignals() {
  clear_stop();
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
}

StopSignals::~StopSignals() {
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
}

bool StopSignals::raised() { return stop_requested(); }

ProgressBar::ProgressBar(std::string label)
    : label_(std::move(label)), enabled_(isatty(STDERR_FILENO) == 1) {}

ProgressBar::~ProgressBar() {
  if (enabled_ && last_permille_ >= 0) std::fputs("\r\033[K", stderr);
}

bool ProgressBar::operator()(std::int64_t done, std::int64_t total) {
  if (!enabled_ || total <= 0) return true;
  const int permille = static_cast<int>(1000 * done / total);
  if (permille == last_permille_) return true;
  last_permille_ = permille;
  const int width = 30, filled = permille * width / 1000;
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.resize(width, '.');
  std::fprintf(stderr, "\r%s [%s] %5.1f%%  %lld", label_.c_str(), bar.c_str(), permille / 10.0,
               static_cast<long long>(done));
  std::fflush(stderr);
  return true;
}

Scenario load_scenario_or_baseline(const std::string& path) {
  if (path.empty()) return Scenario::from_yaml(kBaselineYaml, "scenarios/baseline.yaml (embedded)");
  return Scenario::load(path);
}

}  // namespace progsurv::cli

int main(int argc, char** argv) {
  using namespace progsurv;
  CLI::App app{"progsurv: Monte Carlo survival of customer programmes (MODEL.md)"};
  app.set_version_flag("--version",
                       std::string("progsurv ") + version_string() + " (" + build_string() + ")");
  app.require_subcommand(1);
  auto& reg = cli::registry();
  std::stable_sort(reg.begin(), reg.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [order, registrar] : reg) registrar(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int status = app.exit(e);
    return status == 0 ? 0 : cli::kExitBadInput;
  }
  try {
    return cli::action_slot()();
  } catch (const ScenarioError& e) {
    std::cerr << "progsurv: error: " << e.what() << "\n";
    return cli::kExitBadInput;
  } catch (const FileFormatError& e) {
    std::cerr << "progsurv: error: " << e.what() << "\n";
    return cli::kExitBadInput;
  } catch (const CLI::ValidationError& e) {
    std::cerr << "progsurv: error: " << e.what() << "\n";
    return cli::kExitBadInput;
  } catch (const UsageError& e) {
    std::cerr << "progsurv: error: " << e.what() << "\n";
    return cli::kExitBadInput;
  } catch (const Cancelled&) {
    std::cerr << "progsurv: interrupted\n";
    return cli::kExitInterrupted;
  } catch (const std::exception& e) {
    std::cerr << "progsurv: failed: " << e.what() << "\n";
    return cli::kExitFailure;
  }
}
