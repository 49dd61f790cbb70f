// `progsurv run`, `progsurv validate` and `progsurv summary`.
#include <csignal>
#include <iostream>

#include "cli/cli.hpp"
#include "progsurv/analysis/attribution.hpp"
#include "progsurv/analysis/portfolio_attribution.hpp"
#include "progsurv/analysis/sweep.hpp"
#include "progsurv/engine/run.hpp"
#include "progsurv/io/file_type.hpp"
#include "progsurv/io/portfolio_file.hpp"
#include "progsurv/io/result_file.hpp"
#include "progsurv/io/version.hpp"
#include "progsurv/portfolio/portfolio_summary.hpp"
#include "progsurv/scenario/lint.hpp"

namespace progsurv::cli {
namespace {

struct RunArgs {
  std::string scenario, output;
  std::int64_t replications = 100000;
  double precision = 0.0;
  std::int64_t max_replications = 10000000;
  std::uint64_t seed = 1;
  int threads = 0;
  bool keep = false;
  bool quiet = false;
  bool force = false;
  std::vector<std::string> sets;
};

// With --precision: whether the target half-width was reached within the cap.
std::string precision_line(const RunResult& r, std::int64_t cap) {
  const Estimate& p = r.summary.completed();
  const double half = (p.upper - p.lower) / 2;
  char line[300];
  std::snprintf(line, sizeof line,
                "precision target: 95%% half-width of P(completed) <= %.4g: %s (half-width "
                "%.4g after %lld replications%s)\n",
                r.precision, half <= r.precision ? "met" : "NOT met", half,
                static_cast<long long>(r.summary.n),
                half <= r.precision ? "" : (", the cap " + std::to_string(cap)).c_str());
  return line;
}

int do_run(const RunArgs& a) {
  const Scenario scenario = apply_sets(load_scenario_or_baseline(a.scenario), a.sets);
  const std::string output = a.output.empty() ? default_output(scenario.name, ".h5") : a.output;
  check_output(output, {a.scenario}, a.force);
  RunOptions opt;
  opt.seed = a.seed;
  opt.replications = a.replications;
  opt.precision = a.precision;
  opt.max_replications = a.max_replications;
  opt.threads = a.threads;
  opt.keep_replications = a.keep;
  ProgressBar bar("running " + scenario.name);
  const StopSignals stop_signals;
  opt.progress = [&](std::int64_t done, std::int64_t total) {
    if (StopSignals::raised()) return false;
    return a.quiet ? true : bar(done, total);
  };
  const RunResult result = run(scenario, opt);
  bar.finish();
  write_result(output, result);
  std::cout << format_summary(
      result.summary, "progsurv: " + scenario.name + " (seed " + std::to_string(a.seed) + ")");
  if (a.precision > 0) std::cout << precision_line(result, a.max_replications);
  std::cout << "written: " << output << "\n";
  return 0;
}

const Registration reg_run(10, [](CLI::App& app) {
  auto args = std::make_shared<RunArgs>();
  auto* sub = app.add_subcommand("run", "Run replications of a scenario and write HDF5");
  sub->add_option("scenario", args->scenario,
                  "Scenario YAML file (default: the embedded scenarios/baseline.yaml)");
  sub->add_option("-o,--output", args->output,
                  "Output HDF5 file (default: <name>.h5 in the working folder, the name made "
                  "file-safe)");
  auto* n = add_count_option(sub, "-n,--replications", args->replications, "Replications to run", 1,
                             kMaxReplications);
  auto* p =
      add_number_option(sub, "--precision", args->precision,
                        "Run batches until the 95% half-width of P(completed) <= X", 1e-6, 0.5);
  n->excludes(p);
  add_count_option(sub, "--max-replications", args->max_replications, "Cap for --precision runs", 1,
                   kMaxReplications);
  add_seed_option(sub, args->seed);
  add_threads_option(sub, args->threads, "Worker threads (0 = all cores)");
  add_force_flag(sub, args->force);
  sub->add_flag("--keep-replications", args->keep, "Also write one record per replication");
  add_set_option(sub, args->sets);
  sub->add_flag("-q,--quiet", args->quiet, "No progress bar");
  sub->callback([args] { set_action([args] { return do_run(*args); }); });
});

const Registration reg_validate(20, [](CLI::App& app) {
  auto path = std::make_shared<std::string>();
  auto* sub = app.add_subcommand(
      "validate",
      "Check a scenario and print it with every default filled in; warn (stderr) about "
      "inputs that cannot have any effect");
  sub->add_option("scenario", *path, "Scenario YAML file")->required();
  sub->callback([path] {
    set_action([path] {
      const Scenario scenario = Scenario::load(*path);
      std::cout << scenario.to_yaml();
      // Inputs that cannot matter are not errors (exit 0), but worth a line on stderr.
      for (const ScenarioWarning& w : lint(scenario))
        std::cerr << *path << ":" << w.line << ": warning: " << w.message << " (" << w.key << ")\n";
      return 0;
    });
  });
});

const Registration reg_summary(30, [](CLI::App& app) {
  auto path = std::make_shared<std::string>();
  auto* sub = app.add_subcommand(
      "summary",
      "Print the summary of a progsurv HDF5 file (run, exact, portfolio, sweep or attribution)");
  sub->add_option("file", *path, "HDF5 file written by progsurv or its Python API")
      ->required()
      ->check(CLI::ExistingFile);
  sub->callback([path] {
    set_action([path] {
      const std::string type = file_type(*path);
      if (type == kSweepFiletype) {
        std::cout << format_sweep(read_sweep(*path));
        return 0;
      }
      if (type == kAttributionFiletype) {
        std::cout << format_attribution(read_attribution(*path));
        return 0;
      }
      if (type == kPortfolioAttributionFiletype) {
        std::cout << format_portfolio_attribution(read_portfolio_attribution(*path));
        return 0;
      }
      if (type == kPortfolioFiletype) {
        std::cout << format_portfolio_summary(read_portfolio_result(*path));
        return 0;
      }
      const RunResult r = read_result(*path);  // names the filetype when it is foreign
      std::cout << format_summary(
          r.summary, "progsurv: " + r.scenario.name + " (" + *path +
                         (r.exact ? ", exact" : ", seed " + std::to_string(r.seed)) + ")");
      return 0;
    });
  });
});

}  // namespace
}  // namespace progsurv::cli
