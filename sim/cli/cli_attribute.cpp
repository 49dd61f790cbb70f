// `progsurv attribute`: what each obstacle costs, by switching mechanisms off in turn.
#include <csignal>
#include <iostream>
#include <memory>

#include "cli/cli.hpp"
#include "progsurv/analysis/attribution.hpp"
#include "progsurv/engine/run.hpp"

namespace progsurv::cli {
namespace {

struct AttributeArgs {
  std::string scenario, output;
  std::int64_t replications = 100000;
  std::uint64_t seed = 1;
  int threads = 0;
  bool quiet = false;
  bool force = false;
  std::vector<std::string> sets, mechanisms;
  std::string shapley = "auto";
};

int do_attribute(const AttributeArgs& a) {
  const Scenario scenario = apply_sets(load_scenario_or_baseline(a.scenario), a.sets);
  if (!a.output.empty()) check_output(a.output, {a.scenario}, a.force);
  AttributionOptions opt;
  opt.seed = a.seed;
  opt.replications = a.replications;
  opt.threads = a.threads;
  for (const std::string& name : a.mechanisms) {
    try {
      opt.mechanisms.push_back(knockout_from_string(name));
    } catch (const std::invalid_argument& e) {
      throw CLI::ValidationError("--mechanisms", e.what());
    }
  }
  opt.shapley = a.shapley == "exact"          ? ShapleyMethod::Exact
                : a.shapley == "permutations" ? ShapleyMethod::Permutations
                : a.shapley == "none"         ? ShapleyMethod::None
                                              : ShapleyMethod::Auto;
  ProgressBar bar("attributing " + scenario.name);
  const StopSignals stop_signals;
  opt.progress = [&](std::int64_t done, std::int64_t total) {
    if (StopSignals::raised()) return false;
    return a.quiet ? true : bar(done, total);
  };
  const AttributionResult result = attribute(scenario, opt);
  bar.finish();
  std::cout << format_attribution(result);
  if (!a.output.empty()) {
    write_attribution(a.output, result);
    std::cout << "written: " << a.output << "\n";
  }
  return 0;
}

const Registration reg_attribute(60, [](CLI::App& app) {
  auto args = std::make_shared<AttributeArgs>();
  auto* sub = app.add_subcommand(
      "attribute",
      "Switch each mechanism off (common random numbers) and report what it costs, with a "
      "Shapley decomposition that sums to switching all of them off");
  sub->add_option("scenario", args->scenario,
                  "Scenario YAML file (default: the embedded scenarios/baseline.yaml)");
  add_count_option(
      sub, "-n,--replications", args->replications,
      "Replications (each run once per knock-out and per subset the Shapley method evaluates)", 2,
      kMaxReplications);
  add_seed_option(sub, args->seed);
  add_threads_option(sub, args->threads, "Worker threads (0 = all cores)");
  add_force_flag(sub, args->force);
  sub->add_option("-o,--output", args->output, "Also write the table to this HDF5 file");
  add_set_option(sub, args->sets);
  sub->add_option(
         "--mechanisms", args->mechanisms,
         "Only these knock-outs, comma-separated (default: all): " +
             [] {
               std::string names;
               for (const KnockoutSpec& spec : knockout_table())
                 names += (names.empty() ? "" : ", ") + std::string(spec.name);
               return names;
             }())
      ->delimiter(',');
  sub->add_option("--shapley", args->shapley,
                  "Shapley decomposition: exact (every subset of the knock-outs, 2^k runs per "
                  "replication), permutations (one random order per replication), none, or "
                  "auto (exact while replications x 2^k <= 2e7)")
      ->check(CLI::IsMember({"auto", "exact", "permutations", "none"}))
      ->capture_default_str();
  sub->add_flag("-q,--quiet", args->quiet, "No progress bar");
  sub->callback([args] { set_action([args] { return do_attribute(*args); }); });
});

}  // namespace
}  // namespace progsurv::cli
