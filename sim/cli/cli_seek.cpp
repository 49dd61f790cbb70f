// `progsurv seek`: the smallest (or largest) value of one lever that reaches a target
// (docs/seek.md).
#include <iostream>
#include <memory>

#include "cli/cli.hpp"
#include "progsurv/analysis/seek.hpp"
#include "progsurv/engine/run.hpp"
#include "progsurv/io/version.hpp"

namespace progsurv::cli {
namespace {

struct SeekArgs : LongRunArgs {
  std::string scenario, output, lever, target, range;
  std::vector<std::string> sets;
  bool force = false, largest = false, smallest = false, log_scale = false;
  double tolerance = 0.01;
  std::int64_t scan = 9;
};

int do_seek(const SeekArgs& a) {
  const Scenario scenario = apply_sets(load_scenario_or_baseline(a.scenario), a.sets);
  Target target;
  try {
    target = Target::parse(a.target);
  } catch (const UsageError& e) {
    throw CLI::ValidationError("--target", e.what());
  }
  SeekOptions opt;
  opt.lever = a.lever;
  if (!a.range.empty()) {
    // LOW:HIGH; the colon after the first character, so "-1:2" reads as -1 and 2.
    const auto colon = a.range.find(':', 1);
    if (colon == std::string::npos)
      throw CLI::ValidationError("--range", "expected LOW:HIGH, got '" + a.range + "'");
    opt.has_range = true;
    opt.low = parse_number("--range", a.range.substr(0, colon), -1e300, 1e300);
    opt.high = parse_number("--range", a.range.substr(colon + 1), -1e300, 1e300);
  }
  opt.largest = a.largest;
  opt.log_scale = a.log_scale;
  opt.tolerance = a.tolerance;
  opt.scan_points = static_cast<int>(a.scan);
  opt.seed = a.seed;
  opt.replications = a.replications;
  opt.threads = a.threads;
  if (!a.output.empty()) check_output(a.output, {a.scenario}, a.force, kSeekFiletype);
  RunProgress progress("seeking " + a.lever, a.quiet);
  opt.progress = progress.callback();
  SeekResult result;
  try {
    result = seek(scenario, target, opt);
  } catch (const OptionError& e) {
    // The library names SeekOptions fields; the command names its own flags.
    const std::string& o = e.option();
    throw CLI::ValidationError(o == "replications"  ? "-n"
                               : o == "scan_points" ? "--scan"
                               : o == "log_scale"   ? "--log"
                                                    : "--" + o,
                               e.what());
  }
  progress.finish();
  std::cout << format_seek(result);
  if (!a.output.empty()) {
    write_seek(a.output, result);
    print_written(a.output);
  }
  return 0;
}

const Registration reg_seek(57, [](CLI::App& app) {
  auto args = std::make_shared<SeekArgs>();
  args->replications = 20000;
  auto* sub = app.add_subcommand(
      "seek",
      "The smallest (or largest) value of one numeric lever that reaches a target, with an "
      "interval, by common random numbers and bisection; says so plainly when the target is "
      "out of reach or the response is not monotone (docs/seek.md)");
  sub->add_option("scenario", args->scenario,
                  "Scenario YAML file (default: the embedded scenarios/baseline.yaml)");
  sub->add_option("--lever", args->lever,
                  "The key path moved, as --set takes it, e.g. patience.grace, "
                  "sponsor_levels.vp.clout, deferral.prob")
      ->required();
  sub->add_option("--target", args->target,
                  "The target, e.g. completed>=0.25, p_sponsor_exit<=10%, completion_p50<=48")
      ->required();
  sub->add_option("--range", args->range,
                  "LOW:HIGH searched (default: the key's documented range; probabilities 0:1)");
  auto* smallest = sub->add_flag("--smallest", args->smallest,
                                 "The smallest value reaching the target (the default)");
  auto* largest =
      sub->add_flag("--largest", args->largest, "The largest value reaching the target");
  smallest->excludes(largest);
  sub->add_flag("--log", args->log_scale, "Scan and bisect in log scale (LOW must be > 0)");
  add_number_option(sub, "--tolerance", args->tolerance,
                    "Bisection stops at this fraction of the range (default 0.01)", 1e-6, 0.5);
  add_count_option(sub, "--scan", args->scan, "Points of the coarse scan, ends included", 3, 1000);
  add_long_run_options(sub, *args, "-n,--replications",
                       "Replications per lever value (all values share them)", 2);
  add_force_flag(sub, args->force);
  sub->add_option("-o,--output", args->output, "Also write the result to this HDF5 file");
  add_set_option(sub, args->sets);
  sub->callback([args] { set_action([args] { return do_seek(*args); }); });
});

}  // namespace
}  // namespace progsurv::cli
