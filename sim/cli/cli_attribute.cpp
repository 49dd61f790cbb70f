// `progsurv attribute`: what each obstacle costs, by switching mechanisms off in turn; for a
// portfolio file, what each sharing of the organisation costs.
#include <csignal>
#include <iostream>
#include <memory>

#include "cli/cli.hpp"
#include "progsurv/analysis/attribution.hpp"
#include "progsurv/analysis/portfolio_attribution.hpp"
#include "progsurv/engine/run.hpp"
#include "progsurv/io/version.hpp"
#include "progsurv/io/yaml_kind.hpp"

namespace progsurv::cli {
namespace {

struct AttributeArgs : LongRunArgs {
  std::string scenario, output;
  bool force = false;
  std::vector<std::string> sets, mechanisms;
  std::string shapley = "auto";
  // Whether --mechanisms was given (a portfolio refuses it; -n has its own default there).
  const CLI::Option* mechanisms_option = nullptr;
};

// A portfolio's attribution switches off each sharing of the organisation; the scenario
// options that choose knock-outs do not apply.
int do_attribute_portfolio(const AttributeArgs& a) {
  if (a.mechanisms_option->count() > 0)
    throw CLI::ValidationError(
        "--mechanisms", "applies to scenarios only; " + a.scenario +
                            " is a portfolio, whose attribution switches off cynicism, trust, "
                            "posts and budget, one at a time and all four together");
  if (a.shapley == "permutations")
    throw CLI::ValidationError("--shapley",
                               "a portfolio's four sharings are decomposed exactly (16 subsets); "
                               "use exact (the default) or none");
  const Portfolio loaded = Portfolio::load(a.scenario);
  Portfolio portfolio = loaded;
  if (!a.sets.empty()) portfolio = portfolio.with_values(parse_sets(a.sets));
  if (!a.output.empty()) {
    // The template files as loaded: --set may have written one inline.
    std::vector<std::string> inputs{a.scenario};
    for (const auto& source : loaded.template_sources) inputs.push_back(source);
    check_output(a.output, inputs, a.force, kPortfolioAttributionFiletype);
  }
  PortfolioAttributionOptions opt;
  opt.seed = a.seed;
  // Six organisation runs per organisation: a smaller default than a scenario's.
  opt.organisations = a.replications_option->count() > 0 ? a.replications : 20000;
  opt.threads = a.threads;
  opt.shapley = a.shapley != "none";
  RunProgress progress("attributing " + portfolio.name, a.quiet);
  opt.progress = progress.callback();
  const PortfolioAttribution result = attribute_portfolio(portfolio, opt);
  progress.finish();
  std::cout << format_portfolio_attribution(result);
  if (!a.output.empty()) {
    write_portfolio_attribution(a.output, result);
    print_written(a.output);
  }
  return 0;
}

int do_attribute(const AttributeArgs& a) {
  if (!a.scenario.empty() && yaml_kind(a.scenario) == YamlKind::Portfolio)
    return do_attribute_portfolio(a);
  const Scenario scenario = apply_sets(load_scenario_or_baseline(a.scenario), a.sets);
  if (!a.output.empty()) check_output(a.output, {a.scenario}, a.force, kAttributionFiletype);
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
  RunProgress progress("attributing " + scenario.name, a.quiet);
  opt.progress = progress.callback();
  const AttributionResult result = attribute(scenario, opt);
  progress.finish();
  std::cout << format_attribution(result);
  if (!a.output.empty()) {
    write_attribution(a.output, result);
    print_written(a.output);
  }
  return 0;
}

const Registration reg_attribute(60, [](CLI::App& app) {
  auto args = std::make_shared<AttributeArgs>();
  auto* sub = app.add_subcommand(
      "attribute",
      "Switch each mechanism off (common random numbers) and report what it costs, with a "
      "Shapley decomposition that sums to switching all of them off; for a portfolio file, "
      "what each sharing (cynicism, trust, posts, budget) costs the organisation");
  sub->add_option("scenario", args->scenario,
                  "Scenario or portfolio YAML file (default: the embedded "
                  "scenarios/baseline.yaml); a file with `roster` and `programmes` is a portfolio");
  add_long_run_options(
      sub, *args, "-n,--replications",
      "Replications (each run once per knock-out and per subset the Shapley method evaluates); "
      "for a portfolio, organisations (default 20000, each run 16 times, 6 with --shapley none)",
      2);
  add_force_flag(sub, args->force);
  sub->add_option("-o,--output", args->output, "Also write the table to this HDF5 file");
  add_set_option(sub, args->sets, SetTarget::Either);
  args->mechanisms_option =
      sub->add_option(
             "--mechanisms", args->mechanisms,
             "Only these knock-outs, comma-separated (default: every one that changes the "
             "scenario, so not resource_delay without resource delays, nor ladder without a "
             "ladder): " +
                 [] {
                   std::string names;
                   for (const KnockoutSpec& spec : knockout_table())
                     names += (names.empty() ? "" : ", ") + std::string(spec.name);
                   return names;
                 }())
          ->delimiter(',');
  sub->add_option(
         "--shapley", args->shapley,
         "Shapley decomposition: exact (every subset of the knock-outs, 2^k runs per "
         "replication), permutations (one random order per replication), none, or "
         "auto (exact while replications x 2^k <= 2e7); a portfolio takes exact (auto) or none")
      ->check(CLI::IsMember({"auto", "exact", "permutations", "none"}))
      ->capture_default_str();
  sub->callback([args] { set_action([args] { return do_attribute(*args); }); });
});

}  // namespace
}  // namespace progsurv::cli
