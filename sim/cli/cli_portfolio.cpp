// `progsurv portfolio`: an organisation's programmes over years (docs/model.md, Portfolio mode).
#include <iostream>

#include "cli/cli.hpp"
#include "progsurv/io/portfolio_file.hpp"
#include "progsurv/io/version.hpp"
#include "progsurv/portfolio/portfolio_lint.hpp"
#include "progsurv/portfolio/portfolio_summary.hpp"

namespace progsurv::cli {
namespace {

struct PortfolioArgs : LongRunArgs {
  PortfolioArgs() { replications = 20000; }  // organisations
  std::string portfolio, output;
  double precision = 0.0;
  std::int64_t max_organisations = kDefaultMaxOrganisations;
  bool force = false;
  std::vector<std::string> sets;
};

int do_portfolio(const PortfolioArgs& a) {
  const Portfolio loaded = Portfolio::load(a.portfolio);
  Portfolio portfolio = loaded;
  if (!a.sets.empty()) portfolio = portfolio.with_values(parse_sets(a.sets));
  const std::string output =
      a.output.empty() ? default_output(portfolio.name, ".h5", portfolio.changes) : a.output;
  // The template files as loaded: --set may have written one inline.
  std::vector<std::string> inputs{a.portfolio};
  for (const auto& source : loaded.template_sources) inputs.push_back(source);
  check_output(output, inputs, a.force, kPortfolioFiletype);
  print_warnings(lint(portfolio), a.portfolio);  // as validate does: the run goes on
  RunOptions opt;
  opt.seed = a.seed;
  opt.replications = a.replications;
  opt.precision = a.precision;
  opt.max_replications = a.max_organisations;
  opt.threads = a.threads;
  RunProgress progress("running " + portfolio.name, a.quiet);
  opt.progress = progress.callback();
  const PortfolioResult result = run_portfolio(portfolio, opt);
  progress.finish();
  write_portfolio_result(output, result);
  std::cout << format_portfolio_summary(result);
  print_written(output);
  return 0;
}

const Registration reg_portfolio(15, [](CLI::App& app) {
  auto args = std::make_shared<PortfolioArgs>();
  auto* sub = app.add_subcommand(
      "portfolio", "Run an organisation's programmes over years (a portfolio file) and write HDF5");
  sub->add_option("portfolio", args->portfolio, "Portfolio YAML file")->required();
  sub->add_option("-o,--output", args->output,
                  "Output HDF5 file (default: <name>.h5 in the working folder, the name made "
                  "file-safe, with any --set changes after it)");
  add_long_run_options(sub, *args, "-n,--organisations", "Organisations (replications) to run", 1);
  auto* precision = add_number_option(
      sub, "--precision", args->precision,
      "Run batches until the 95% half-width of the mean programmes completed per organisation "
      "<= X",
      kMinPrecision, kMaxPortfolioPrecision);
  args->replications_option->excludes(precision);
  // A cap alone would be ignored (the run does -n), so it is refused, as progsurv.portfolio does.
  add_count_option(sub, "--max-organisations", args->max_organisations, "Cap for --precision runs",
                   1, kMaxReplications)
      ->needs(precision);
  add_force_flag(sub, args->force);
  add_set_option(sub, args->sets, SetTarget::Portfolio);
  sub->callback([args] { set_action([args] { return do_portfolio(*args); }); });
});

}  // namespace
}  // namespace progsurv::cli
