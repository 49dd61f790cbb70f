// The `progsurv` command: parses the command line and dispatches to a subcommand.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <iostream>

#include "cli/cli.hpp"
#include "progsurv/analysis/sweep.hpp"  // mpi_launch
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
volatile sig_atomic_t g_stop_signals = 0;
extern "C" void on_stop_signal(int) {
  if (g_stop_signals != 0) ::_exit(kExitInterrupted);
  g_stop_signals = 1;
  request_stop();
}
}  // namespace

StopSignals::StopSignals() {
  g_stop_signals = 0;
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
}

StopSignals::~StopSignals() {
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
}

bool StopSignals::raised() { return stop_requested(); }

namespace {
double steady_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
}  // namespace

// The clock starts with the bar: the work it reports begins right after.
ProgressBar::ProgressBar(std::string label)
    : label_(printable(label)), enabled_(isatty(STDERR_FILENO) == 1), start_(steady_seconds()) {}

ProgressBar::~ProgressBar() { finish(); }

RunProgress::RunProgress(std::string label, bool quiet) : bar_(std::move(label)), quiet_(quiet) {}

std::function<bool(std::int64_t, std::int64_t)> RunProgress::callback() {
  return [this](std::int64_t done, std::int64_t total) {
    if (StopSignals::raised()) return false;
    return quiet_ ? true : bar_(done, total);
  };
}

void ProgressBar::finish() {
  if (enabled_ && last_permille_ >= 0) {
    std::fputs("\r\033[K", stderr);
    std::fflush(stderr);
  }
  last_permille_ = -1;
}

bool ProgressBar::operator()(std::int64_t done, std::int64_t total) {
  if (!enabled_ || total <= 0) return true;
  const double now = steady_seconds();
  const int permille = static_cast<int>(1000 * done / total);
  if (permille == last_permille_) return true;
  last_permille_ = permille;
  const int width = 24, filled = permille * width / 1000;
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.resize(width, '.');
  const double elapsed = now - start_;
  const double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0.0;
  char eta[32] = "--:--";
  if (rate > 0 && done < total) {
    const auto left = static_cast<long long>(static_cast<double>(total - done) / rate + 0.5);
    std::snprintf(eta, sizeof eta, "%lld:%02lld", left / 60, left % 60);
  } else if (done >= total) {
    std::snprintf(eta, sizeof eta, "0:00");
  }
  char speed[32];
  if (rate >= 1e6)
    std::snprintf(speed, sizeof speed, "%.1fM/s", rate / 1e6);
  else if (rate >= 1e3)
    std::snprintf(speed, sizeof speed, "%.1fk/s", rate / 1e3);
  else
    std::snprintf(speed, sizeof speed, "%.0f/s", rate);
  // \033[K clears what a longer previous line left behind.
  std::fprintf(stderr, "\r%s [%s] %5.1f%% %lld/%lld  %s  left %s\033[K", label_.c_str(),
               bar.c_str(), permille / 10.0, static_cast<long long>(done),
               static_cast<long long>(total), speed, eta);
  std::fflush(stderr);
  return true;
}

void warn_mpi_launch(const CLI::App& app) {
  const MpiLaunch launch = mpi_launch();
  // A launcher that does not say how many it started (PMIx outside Slurm) may have started
  // several: warned about as well.
  if (!launch.launched || launch.size == 1 || launch.rank != 0) return;
  const auto chosen = app.get_subcommands();
  const std::string name = chosen.empty() ? "" : chosen.front()->get_name();
#ifdef PROGSURV_HAVE_MPI
  if (name == "sweep" || name == "remedies") return;
#endif
  if (name == "fit") return;  // its Python shares the work through mpi4py
  // Not refused: a script may run one command per rank on purpose (its own seed and output).
  std::cerr << "progsurv: warning: progsurv " << name << " does not share its work between MPI "
            << "processes" << (name == "sweep" || name == "remedies" ? " in this build" : "")
            << ": each of the "
            << (launch.size > 0 ? std::to_string(launch.size) + " " : std::string())
            << "processes the launcher started runs all of it (to use the cores of one machine, "
               "run it without mpirun: --threads)\n";
}

Scenario load_scenario_or_baseline(const std::string& path) {
  if (path.empty()) return Scenario::from_yaml(kBaselineYaml, "scenarios/baseline.yaml (embedded)");
  return Scenario::load(path);
}

}  // namespace progsurv::cli

int main(int argc, char** argv) {
  using namespace progsurv;
  CLI::App app{"progsurv: Monte Carlo survival of customer programmes (docs/model.md)"};
  app.set_version_flag("--version",
                       std::string("progsurv ") + version_string() + " (" + build_string() + ")");
  app.require_subcommand(1);
  cli::escape_control_characters(std::cout);
  cli::escape_control_characters(std::cerr);
  auto& reg = cli::registry();
  std::stable_sort(reg.begin(), reg.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [order, registrar] : reg) registrar(app);
  // CLI11 says only "A subcommand is required" for `progsurv frobnicate`: name the word.
  if (argc > 1 && argv[1][0] != '-') {
    std::string names;
    bool known = false;
    const auto& commands =
        static_cast<const CLI::App&>(app).get_subcommands([](const CLI::App*) { return true; });
    for (const CLI::App* sub : commands) {
      names += (names.empty() ? "" : ", ") + sub->get_name();
      known = known || sub->check_name(argv[1]);
    }
    if (!known) {
      std::cerr << "progsurv: error: unknown command '" << argv[1]
                << "'; the commands are: " << names << " (progsurv --help)\n";
      return cli::kExitBadInput;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    // An option checked while the line is read says what is wrong as every other error does;
    // a line of the wrong shape (an unknown option, a missing argument) also says where the
    // command's options are listed.
    std::string help;
    if (dynamic_cast<const CLI::ValidationError*>(&e) == nullptr) {
      help = " (progsurv";
      for (const CLI::App* sub : app.get_subcommands()) help += " " + sub->get_name();
      help += " --help)";
    }
    std::cerr << "progsurv: error: " << e.what() << help << "\n";
    return cli::kExitBadInput;
  }
  cli::warn_mpi_launch(app);
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
