// `progsurv remedies`: the cheapest bundle of remedies that makes a programme meet a target,
// and the efficient frontier of cost against the metric (docs/remedies.md).
#include <algorithm>
#include <iostream>
#include <memory>

#include "cli/cli.hpp"
#include "progsurv/analysis/remedies.hpp"
#include "progsurv/analysis/sweep.hpp"
#include "progsurv/engine/run.hpp"
#include "progsurv/io/version.hpp"
#include "progsurv/io/yaml_kind.hpp"

namespace progsurv::cli {
namespace {

struct RemediesArgs : LongRunArgs {
  std::string scenario, remedies, output, target, metric, search = "auto";
  std::vector<std::string> sets;
  bool force = false, minimise = false, maximise = false;
  double budget = -1.0, delta = 0.0, alpha = 0.05;
  std::int64_t batch = RemediesOptions{}.batch, max_bundles = kDefaultMaxBundles;
  const CLI::Option* budget_option = nullptr;
  const CLI::Option* delta_option = nullptr;
};

// The goal, its direction and the indifference zone from the options (remedies.hpp).
void resolve_goal(const RemediesArgs& a, bool portfolio, RemediesOptions& opt) {
  if (a.minimise && a.maximise)
    throw CLI::ValidationError("--minimise", "give --minimise or --maximise, not both");
  GoalRequest q;
  q.target = a.target;
  q.metric = a.metric;
  q.portfolio = portfolio;
  q.direction = a.maximise   ? GoalDirection::Maximise
                : a.minimise ? GoalDirection::Minimise
                             : GoalDirection::Auto;
  if (a.delta_option->count() > 0) q.delta = a.delta;
  try {
    resolve_goal(q, opt);
  } catch (const GoalRequestError& e) {
    const std::string& o = e.option();
    if (o == "direction" && q.direction == GoalDirection::Auto)
      throw CLI::ValidationError("--metric",
                                 std::string(e.what()) + "; add --maximise or --minimise");
    throw CLI::ValidationError(
        o == "direction" ? (a.minimise ? "--minimise" : "--maximise") : "--" + o, e.what());
  }
}

// The search on `base`, a scenario or a portfolio (as `sweep`, `report` and `attribute` tell
// them apart: yaml_kind); `inputs` are the files an output must not overwrite.
template <class Base>
int search_and_write(const RemediesArgs& a, const MpiSession& mpi, const Base& base, bool portfolio,
                     const std::vector<std::string>& inputs) {
  RemediesOptions opt;
  resolve_goal(a, portfolio, opt);
  const RemedySet remedies = RemedySet::load(a.remedies, base);
  if (mpi.rank() == 0) print_warnings(remedies.warnings, a.remedies);
  const std::string output =
      a.output.empty() ? default_output(base.name, "-remedies.h5", base.changes) : a.output;
  check_output(output, inputs, a.force, kRemediesFiletype);
  opt.seed = a.seed;
  opt.threads = a.threads;
  opt.batch = a.batch;
  opt.max_replications = a.replications;
  opt.alpha = a.alpha;
  if (a.budget_option->count() > 0) opt.budget = a.budget;
  opt.max_bundles = a.max_bundles;
  opt.search = a.search == "exhaustive"  ? RemedySearch::Exhaustive
               : a.search == "heuristic" ? RemedySearch::Heuristic
                                         : RemedySearch::Auto;
  if (opt.search == RemedySearch::Auto && mpi.rank() == 0) {
    const auto limit = static_cast<std::uint64_t>(a.max_bundles);
    if (count_bundles(remedies, limit) > limit)
      std::cerr << "progsurv: notice: the remedies make more than " << limit
                << " bundles (--max-bundles): searching them heuristically (greedy and local "
                   "search), which is not exhaustive; --search exhaustive refuses instead\n";
  }
  opt.mpi_rank = mpi.rank();
  opt.mpi_size = mpi.size();
  RunProgress progress("remedies for " + base.name, a.quiet || mpi.rank() != 0);
  opt.progress = progress.callback();
  const RemediesResult result = [&] {
    try {
      return search_remedies(base, remedies, opt);
    } catch (const OptionError& e) {
      // The library names RemediesOptions fields; the command names its own flags.
      std::string flag = "--" + e.option();
      std::replace(flag.begin(), flag.end(), '_', '-');
      throw CLI::ValidationError(flag, e.what());
    }
  }();
  progress.finish();
  if (mpi.rank() != 0) return 0;
  std::cout << format_remedies(result);
  write_remedies(output, result);
  print_written(output);
  return 0;
}

int run_remedies(const RemediesArgs& a, const MpiSession& mpi) {
  if (!a.scenario.empty() && yaml_kind(a.scenario) == YamlKind::Portfolio) {
    // Templates inline: the file written keeps the whole portfolio and stands alone.
    const Portfolio loaded = Portfolio::load(a.scenario);
    Portfolio portfolio = loaded.with_templates_inline();
    if (!a.sets.empty()) portfolio = portfolio.with_values(parse_sets(a.sets));
    std::vector<std::string> inputs{a.scenario, a.remedies};
    for (const auto& source : loaded.template_sources) inputs.push_back(source);
    return search_and_write(a, mpi, portfolio, true, inputs);
  }
  const Scenario scenario = apply_sets(load_scenario_or_baseline(a.scenario), a.sets);
  return search_and_write(a, mpi, scenario, false, {a.scenario, a.remedies});
}

const Registration reg_remedies(65, [](CLI::App& app) {
  auto args = std::make_shared<RemediesArgs>();
  args->replications = 1000000;
  auto* sub = app.add_subcommand(
      "remedies",
      "Search bundles of remedies (a remedies file) for the cheapest that meets a target and "
      "the efficient frontier of cost against a metric, under common random numbers with a "
      "ranking-and-selection procedure (docs/remedies.md)");
  sub->add_option("scenario", args->scenario,
                  "Scenario YAML file, or a portfolio YAML file (docs/portfolio-format.md): its "
                  "remedies then set portfolio paths and the metrics are the portfolio's")
      ->required();
  sub->add_option("remedies", args->remedies, "Remedies YAML file (docs/remedies-format.md)")
      ->required();
  add_long_run_options(sub, *args, "-n,--max-replications",
                       "Cap on the replications per bundle (a multiple of --batch is used)", 1);
  sub->add_option("--target", args->target,
                  "What a bundle must reach, e.g. completed>=0.25, p_sponsor_exit<=10%, "
                  "completion_p50<=48 (docs/remedies.md lists the metrics)");
  args->budget_option =
      add_number_option(sub, "--budget", args->budget,
                        "Only bundles costing at most this (the file's unit)", 0.0, 1e300);
  sub->add_option("--metric", args->metric,
                  "What the frontier ranks by (default: the target's metric, else p_completed; "
                  "on a portfolio mean_completed)");
  sub->add_flag("--minimise", args->minimise, "Smaller values of the metric are better");
  sub->add_flag("--maximise", args->maximise, "Larger values of the metric are better");
  args->delta_option = add_number_option(
      sub, "--delta", args->delta,
      "Indifference zone: the smallest difference worth telling apart, in the metric's units "
      "(default 0.01, one percentage point, for shares; required for other metrics)",
      1e-12, 1e300);
  add_number_option(sub, "--alpha", args->alpha,
                    "Error probability of the selection (default 0.05)", 1e-6, 0.5);
  add_count_option(sub, "--batch", args->batch,
                   "Replications per observation (each observation is a batch mean); default "
                   "50 for shares, 250 for values and months",
                   1, kMaxReplications)
      ->default_str("50 or 250");
  add_count_option(sub, "--max-bundles", args->max_bundles,
                   "Most bundles searched exhaustively (at least 4096)", kDefaultMaxBundles,
                   std::int64_t{1} << 30);
  sub->add_option("--search", args->search,
                  "How bundles are searched: exhaustive (every bundle; refused beyond "
                  "--max-bundles), heuristic (greedy and local search, not exhaustive), or auto "
                  "(exhaustive up to --max-bundles, heuristic beyond, with a notice)")
      ->check(CLI::IsMember({"auto", "exhaustive", "heuristic"}))
      ->capture_default_str();
  sub->add_option("-o,--output", args->output,
                  "Output HDF5 file (default: <scenario or portfolio name>-remedies.h5)");
  add_force_flag(sub, args->force);
  add_set_option(sub, args->sets, SetTarget::Either);
  sub->footer(
      "Under mpirun each rank observes a share of every block and rank 0 writes the same\n"
      "file a single process would: mpirun -n 2 progsurv remedies s.yaml r.yaml");
  sub->callback([args] {
    set_action([args] {
      MpiSession mpi;
      return run_on_ranks(mpi, [&] { return run_remedies(*args, mpi); });
    });
  });
});

}  // namespace
}  // namespace progsurv::cli
