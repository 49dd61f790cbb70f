// `progsurv compare`: paired comparison of scenarios or levers under common random numbers.
#include <iostream>
#include <memory>

#include "cli/cli.hpp"
#include "progsurv/analysis/compare.hpp"
#include "progsurv/engine/run.hpp"
#include "progsurv/io/version.hpp"

namespace progsurv::cli {
namespace {

struct CompareArgs : LongRunArgs {
  std::vector<std::string> scenarios, sets, levers;
  std::string output;
  bool force = false;
};

// "key=value;key=value" -> a variant of `base`.
Scenario lever_of(const Scenario& base, const std::string& text) {
  std::vector<std::string> sets;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto end = text.find(';', start);
    const std::string part =
        text.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (part.find('=') == std::string::npos || part.front() == '=')
      throw CLI::ValidationError("--lever",
                                 "expected key.path=value[;key.path=value], got '" + text + "'");
    // The same key twice would silently keep only the last value.
    const std::string key = part.substr(0, part.find('='));
    for (const std::string& earlier : sets)
      if (earlier.substr(0, earlier.find('=')) == key)
        throw CLI::ValidationError("--lever", "'" + key + "' is set twice in '" + text +
                                                  "'; give each key once per lever");
    sets.push_back(part);
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return apply_sets(base, sets);
}

int do_compare(const CompareArgs& a) {
  std::vector<Scenario> scenarios;
  std::vector<std::string> labels;
  for (const std::string& path : a.scenarios) {
    scenarios.push_back(apply_sets(Scenario::load(path), a.sets));
    labels.push_back(path);
  }
  if (scenarios.empty()) {
    scenarios.push_back(apply_sets(load_scenario_or_baseline(""), a.sets));
    labels.push_back("baseline (embedded)");
  }
  for (const std::string& lever : a.levers) {
    scenarios.push_back(lever_of(scenarios.front(), lever));
    labels.push_back(lever);
  }
  if (scenarios.size() < 2)
    throw CLI::ValidationError("compare", "needs two scenario files, or one and a --lever");
  if (!a.output.empty()) check_output(a.output, a.scenarios, a.force, kComparisonFiletype);
  CompareOptions opt;
  opt.seed = a.seed;
  opt.replications = a.replications;
  opt.threads = a.threads;
  RunProgress progress("comparing", a.quiet);
  opt.progress = progress.callback();
  const CompareResult result = compare(scenarios, labels, opt);
  progress.finish();
  std::cout << format_comparison(result);
  if (!a.output.empty()) {
    write_comparison(a.output, result);
    print_written(a.output);
  }
  return 0;
}

const Registration reg_compare(55, [](CLI::App& app) {
  auto args = std::make_shared<CompareArgs>();
  auto* sub = app.add_subcommand(
      "compare",
      "Compare scenarios (or levers: --lever variants of the first) with common random "
      "numbers: paired differences and their intervals");
  sub->add_option("scenarios", args->scenarios,
                  "Scenario YAML files; the first is the reference (default: the embedded "
                  "baseline)");
  sub->add_option("--lever", args->levers,
                  "A variant of the first scenario, key.path=value[;key.path=value] "
                  "(repeatable), e.g. --lever patience.threshold.median=36");
  add_set_option(sub, args->sets);
  sub->add_option("-o,--output", args->output,
                  "Also write the comparison to this HDF5 file (docs/hdf5-comparison-format.md; "
                  "`progsurv report` makes it a brief)");
  add_force_flag(sub, args->force);
  // The memory the replications need is checked by compare() itself.
  add_long_run_options(sub, *args, "-n,--replications", "Replications of each scenario", 2);
  sub->callback([args] { set_action([args] { return do_compare(*args); }); });
});

}  // namespace
}  // namespace progsurv::cli
