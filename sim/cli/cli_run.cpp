// `progsurv run`, `progsurv validate` and `progsurv summary`.
#include <cmath>
#include <csignal>
#include <iostream>

#include "cli/cli.hpp"
#include "progsurv/analysis/attribution.hpp"
#include "progsurv/analysis/compare.hpp"
#include "progsurv/analysis/portfolio_attribution.hpp"
#include "progsurv/analysis/remedies.hpp"
#include "progsurv/analysis/seek.hpp"
#include "progsurv/analysis/sweep.hpp"
#include "progsurv/engine/run.hpp"
#include "progsurv/io/file_type.hpp"
#include "progsurv/io/portfolio_file.hpp"
#include "progsurv/io/result_file.hpp"
#include "progsurv/io/version.hpp"
#include "progsurv/portfolio/portfolio_lint.hpp"
#include "progsurv/portfolio/portfolio_summary.hpp"
#include "progsurv/scenario/lint.hpp"
// validate on a portfolio file: telling the two kinds of YAML apart, and printing a
// portfolio's resolved parts.
#include "scenario/distribution_yaml.hpp"
#include "scenario/text_file.hpp"

namespace progsurv::cli {
namespace {

struct RunArgs : LongRunArgs {
  std::string scenario, output;
  double precision = 0.0;
  std::int64_t max_replications = 10000000;
  bool keep = false;
  bool force = false;
  std::vector<std::string> sets;
};

int do_run(const RunArgs& a) {
  const Scenario scenario = apply_sets(load_scenario_or_baseline(a.scenario), a.sets);
  const std::string output =
      a.output.empty() ? default_output(scenario.name, ".h5", scenario.changes) : a.output;
  check_output(output, {a.scenario}, a.force, kRunFiletype);
  RunOptions opt;
  opt.seed = a.seed;
  opt.replications = a.replications;
  opt.precision = a.precision;
  opt.max_replications = a.max_replications;
  opt.threads = a.threads;
  opt.keep_replications = a.keep;
  RunProgress progress("running " + scenario.name, a.quiet);
  opt.progress = progress.callback();
  const RunResult result = run(scenario, opt);
  progress.finish();
  write_result(output, result);
  std::cout << format_run_summary(
      result, "progsurv: " + scenario.label() + " (seed " + std::to_string(a.seed) + ")");
  print_written(output);
  return 0;
}

const Registration reg_run(10, [](CLI::App& app) {
  auto args = std::make_shared<RunArgs>();
  auto* sub = app.add_subcommand("run", "Run replications of a scenario and write HDF5");
  sub->add_option("scenario", args->scenario,
                  "Scenario YAML file (default: the embedded scenarios/baseline.yaml)");
  sub->add_option("-o,--output", args->output,
                  "Output HDF5 file (default: <name>.h5 in the working folder, the name made "
                  "file-safe, with any --set changes after it)");
  add_long_run_options(sub, *args, "-n,--replications", "Replications to run", 1);
  auto* precision = add_number_option(sub, "--precision", args->precision,
                                      "Run batches until the 95% half-width of P(completed) <= X",
                                      kMinPrecision, kMaxPrecision);
  args->replications_option->excludes(precision);
  // A cap alone would be ignored (the run does -n), so it is refused, as progsurv.run does.
  add_count_option(sub, "--max-replications", args->max_replications, "Cap for --precision runs", 1,
                   kMaxReplications)
      ->needs(precision);
  add_force_flag(sub, args->force);
  sub->add_flag("--keep-replications", args->keep, "Also write one record per replication");
  add_set_option(sub, args->sets);
  sub->callback([args] { set_action([args] { return do_run(*args); }); });
});

// ---- `progsurv validate` on a portfolio file (docs/portfolio-format.md) ----

// A portfolio file is a YAML map with a top-level `roster` or `programmes` key (a scenario
// has neither). YAML that does not parse is reported by the scenario reader, located.
bool is_portfolio_file(const std::string& path) {
  const std::string text = read_text_file(path);
  YAML::Node root;
  try {
    root = yaml_detail::load_yaml(text, path);
  } catch (const ScenarioError&) {
    return false;
  }
  if (!root.IsMap()) return false;
  const YAML::Node& map = root;
  return static_cast<bool>(map["roster"]) || static_cast<bool>(map["programmes"]);
}

std::string quoted(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c == '\n' ? ' ' : c;
  }
  return out + "\"";
}

// Every part of the resolved portfolio, as YAML: what the organisation took from its lead
// template or from the file, each template's source, and what launches programmes.
void print_portfolio(const Portfolio& p, std::ostream& os) {
  const auto num = yaml_detail::format_double;
  const auto dist = yaml_detail::distribution_to_yaml;
  const Scenario& org = p.templates.front();
  os << "# the resolved portfolio, for reading: it does not read back as a portfolio file (the\n"
        "# templates are summarised). The organisation's parts come from the first template ('"
     << p.template_names.front() << "') unless the file gives them\n";
  os << "name: " << quoted(p.name) << "\n";
  if (!p.description.empty()) os << "description: " << quoted(p.description) << "\n";
  os << "horizon: " << num(p.horizon) << "\n";
  os << "grid: {points: " << p.grid.size();
  if (!p.grid.empty()) os << ", first: " << num(p.grid.front()) << ", last: " << num(p.grid.back());
  os << "}\n";
  os << "roster:  # " << p.post_count() << " posts\n";
  for (std::size_t l = 0; l < p.level_names.size(); ++l) {
    const SponsorLevel& level = org.levels[l];
    os << "  " << p.level_names[l] << ": {posts: " << p.roster[l]
       << ", tenure: " << dist(level.tenure) << ", clout: " << num(level.clout)
       << ", approval: " << num(level.approval)
       << ", patience_multiplier: " << num(level.patience_multiplier)
       << ", resource_delay: " << dist(level.resource_delay)
       << ", attention_lapse: " << dist(level.attention_lapse) << "}\n";
  }
  os << "initial_sponsor: " << (org.initial_sponsor == InitialSponsor::Fresh ? "fresh" : "residual")
     << "\n";
  os << "succession: {vacancy: " << dist(org.succession.vacancy)
     << ", adoption: " << num(org.succession.adoption) << ", successor_level: same}\n";
  os << "disengaged: {clout: " << num(org.disengaged.clout)
     << ", patience: " << num(org.disengaged.patience)
     << ", resources: " << num(org.disengaged.resources)
     << ", approval: " << num(org.disengaged.approval) << "}\n";
  os << "silos:\n";
  for (const Silo& silo : org.silos)
    os << "  " << silo.name << ": {pickup: " << dist(silo.pickup)
       << ", break_prob: " << num(silo.break_prob) << "}\n";
  if (org.overrides.empty()) {
    os << "handoffs: []\n";
  } else {
    os << "handoffs:\n";
    for (const HandoffOverride& o : org.overrides)
      os << "  - {from: " << org.silos[static_cast<std::size_t>(o.from)].name
         << ", to: " << org.silos[static_cast<std::size_t>(o.to)].name
         << ", pickup: " << dist(o.pickup) << ", break_prob: " << num(o.break_prob) << "}\n";
  }
  os << "escalation: {delay: " << dist(org.escalation.delay)
     << ", max_attempts: " << org.escalation.max_attempts << "}\n";
  os << "review_every: " << num(org.patience.review_every) << "\n";
  if (org.budget.enabled) {
    os << "budget: {every: " << num(org.budget.every)
       << ", squeeze_prob: " << num(org.budget.squeeze_prob)
       << ", cut_prob: " << num(org.budget.cut_prob) << "}\n";
  } else {
    os << "budget: none\n";
  }
  const CynicismSettings& c = p.cynicism;
  os << "cynicism: {initial: " << num(c.initial) << ", rise: " << num(c.rise)
     << ", relief: " << num(c.relief)
     << ", half_life: " << (std::isfinite(c.half_life) ? num(c.half_life) : "never")
     << ", effect: {break: " << num(c.effect_break) << ", pickup: " << num(c.effect_pickup)
     << ", approval: " << num(c.effect_approval) << "}}\n";
  os << "customers: {initial_trust: " << num(p.initial_trust) << "}\n";
  os << "programmes:\n";
  for (std::size_t i = 0; i < p.templates.size(); ++i) {
    const Scenario& t = p.templates[i];
    os << "  " << p.template_names[i] << ":\n";
    os << "    source: " << quoted(p.template_sources[i]) << "\n";
    os << "    sponsor: {";
    for (std::size_t k = 0; k < t.sponsor.level.size(); ++k)
      os << (k ? ", " : "") << p.level_names[static_cast<std::size_t>(t.sponsor.level[k])] << ": "
         << num(t.sponsor.prob[k]);
    os << "}\n";
    std::size_t steps = 0;
    for (const Phase& phase : t.phases) steps += phase.steps.size();
    os << "    phases: " << t.phases.size() << "  # " << steps << " steps\n";
    os << "    scoping: " << dist(t.scoping) << "\n";
  }
  if (p.launches.empty()) {
    os << "launches: []\n";
  } else {
    os << "launches:\n";
    for (const PlannedLaunch& l : p.launches)
      os << "  - {at: " << num(l.at)
         << ", programme: " << p.template_names[static_cast<std::size_t>(l.programme)] << "}\n";
  }
  if (p.renewal.enabled) {
    os << "renewal: {every: " << dist(p.renewal.every) << ", mix: {";
    for (std::size_t k = 0; k < p.renewal.programme.size(); ++k)
      os << (k ? ", " : "") << p.template_names[static_cast<std::size_t>(p.renewal.programme[k])]
         << ": " << num(p.renewal.prob[k]);
    os << "}}\n";
  } else {
    os << "renewal: none\n";
  }
  os << "max_live: " << (p.max_live > 0 ? std::to_string(p.max_live) : "none") << "\n";
}

int validate_portfolio(const std::string& path) {
  const Portfolio p = Portfolio::load(path);
  print_portfolio(p, std::cout);
  print_warnings(lint(p), path);
  return 0;
}

// ---- end of `validate` on a portfolio file ----

const Registration reg_validate(20, [](CLI::App& app) {
  auto path = std::make_shared<std::string>();
  auto* sub = app.add_subcommand(
      "validate",
      "Check a scenario (or a portfolio file) and print it with every default filled in; "
      "warn (stderr) about inputs that cannot have any effect");
  sub->add_option("scenario", *path,
                  "Scenario YAML file, or a portfolio file (top-level roster or programmes)")
      ->required();
  sub->callback([path] {
    set_action([path] {
      if (is_portfolio_file(*path)) return validate_portfolio(*path);
      const Scenario scenario = Scenario::load(*path);
      std::cout << scenario.to_yaml();
      // Inputs that cannot matter are not errors (exit 0), but worth a line on stderr.
      print_warnings(lint(scenario), *path);
      return 0;
    });
  });
});

const Registration reg_summary(30, [](CLI::App& app) {
  auto path = std::make_shared<std::string>();
  auto* sub = app.add_subcommand("summary",
                                 "Print the summary of a progsurv HDF5 file (run, exact, "
                                 "portfolio, sweep, attribution, comparison, seek, remedies or "
                                 "fit)");
  sub->add_option("file", *path, "HDF5 file written by progsurv or its Python API")->required();
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
      if (type == kSeekFiletype) {
        std::cout << format_seek(read_seek(*path));
        return 0;
      }
      if (type == kRemediesFiletype) {
        std::cout << format_remedies(read_remedies(*path));
        return 0;
      }
      if (type == kComparisonFiletype) {
        std::cout << format_comparison(read_comparison(*path));
        return 0;
      }
      if (type == kPortfolioFiletype) {
        std::cout << format_portfolio_summary(read_portfolio_result(*path));
        return 0;
      }
      // Fit files are written (and summarised) by the Python half of `progsurv fit`.
      if (type == kFitFiletype)
        return run_python_module("progsurv._fit_command", {"--summary", *path});
      const RunResult r = read_result(*path);  // names the filetype when it is foreign
      std::cout << format_run_summary(
          r, "progsurv: " + r.scenario.label() + " (" + *path +
                 (r.exact ? ", exact" : ", seed " + std::to_string(r.seed)) + ")");
      return 0;
    });
  });
});

}  // namespace
}  // namespace progsurv::cli
