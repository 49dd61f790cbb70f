// `progsurv exact`: the exact solver for the Markov subset (docs/model.md, Exact solver). Writes
// the same curves in the same layout as `run`, flagged method="exact".
#include <cstdio>
#include <iostream>
#include <sstream>

#include "cli/cli.hpp"
#include "progsurv/analysis/exact.hpp"
#include "progsurv/io/result_file.hpp"
#include "progsurv/io/version.hpp"

namespace progsurv::cli {
namespace {

struct ExactArgs {
  std::string scenario, output, method = "auto";
  bool force = false;
  std::vector<std::string> sets;
};

// format_summary's header says only that the result is exact; add the chain's size.
std::string exact_summary(const RunResult& r, const ExactInfo& info, const std::string& title) {
  std::istringstream in(format_summary(r.summary, title));
  std::ostringstream out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("exact solution", 0) == 0) {
      const auto semicolon = line.find(';');
      const std::string horizon = semicolon == std::string::npos ? "" : line.substr(semicolon);
      char buf[200];
      std::snprintf(buf, sizeof buf,
                    "exact: Markov chain of %zu transient states, %zu transitions (%s, "
                    "error bound %.1e)",
                    info.transient_states, info.transitions, info.method.c_str(), info.error_bound);
      line = buf + horizon;
    }
    out << line << "\n";
  }
  return out.str();
}

int do_exact(const ExactArgs& a) {
  const Scenario scenario = apply_sets(load_scenario_or_baseline(a.scenario), a.sets);
  const std::string output =
      a.output.empty() ? default_output(scenario.name, "-exact.h5", scenario.changes) : a.output;
  check_output(output, {a.scenario}, a.force, kRunFiletype);
  ExactOptions options;
  options.method = a.method == "dense"            ? ExactOptions::Method::Dense
                   : a.method == "uniformization" ? ExactOptions::Method::Uniformization
                                                  : ExactOptions::Method::Auto;
  const ExactModel model(scenario, options);
  const RunResult result = model.solve();
  write_result(output, result);
  std::cout << exact_summary(result, model.info(), "progsurv: " + scenario.label() + " (exact)");
  print_written(output);
  return 0;
}

const Registration reg_exact(40, [](CLI::App& app) {
  auto args = std::make_shared<ExactArgs>();
  auto* sub = app.add_subcommand(
      "exact", "Solve a Markov-subset scenario exactly (no sampling) and write HDF5");
  sub->add_option("scenario", args->scenario,
                  "Scenario YAML file: exponential/Erlang durations, patience model hazard, "
                  "no budget cycle")
      ->required();
  sub->add_option("-o,--output", args->output, "Output HDF5 file (default: <name>-exact.h5)");
  add_force_flag(sub, args->force);
  sub->add_option("--method", args->method,
                  "Matrix exponential: dense (Eigen, small chains), uniformization (sparse) "
                  "or auto")
      ->check(CLI::IsMember({"auto", "dense", "uniformization"}))
      ->capture_default_str();
  add_set_option(sub, args->sets);
  sub->callback([args] { set_action([args] { return do_exact(*args); }); });
});

}  // namespace
}  // namespace progsurv::cli
