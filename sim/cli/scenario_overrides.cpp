// --set key.path=value: scenario overrides on the command line (Scenario::with_values).
#include <iostream>
#include <utility>

#include "cli/cli.hpp"

namespace progsurv::cli {

void add_set_option(CLI::App* sub, std::vector<std::string>& sets, SetTarget target) {
  const char* help =
      target == SetTarget::Scenario
          ? "Override a scenario value by key path, e.g. --set patience.threshold.median=30 "
            "or --set sponsor_levels.vp.clout=0.6 (repeatable)"
      : target == SetTarget::Portfolio
          ? "Override a portfolio value by key path, e.g. --set roster.vp=10 or --set "
            "programmes.NAME.patience.grace=6 for a template's (repeatable)"
          : "Override a value by key path, e.g. --set patience.threshold.median=30 for a "
            "scenario, --set roster.vp=10 or --set programmes.NAME.patience.grace=6 for a "
            "portfolio (repeatable)";
  sub->add_option("--set", sets, help)
      ->take_all()
      ->allow_extra_args(false)
      ->check([](const std::string& text) {
        const auto eq = text.find('=');
        if (eq == std::string::npos || eq == 0)
          return "expected key.path=value, got '" + text + "'";
        return std::string();
      });
}

std::vector<std::pair<std::string, std::string>> parse_sets(const std::vector<std::string>& sets) {
  std::vector<std::pair<std::string, std::string>> values;
  for (const std::string& text : sets) {
    const auto eq = text.find('=');
    values.emplace_back(text.substr(0, eq), text.substr(eq + 1));
  }
  return values;
}

void print_warnings(const std::vector<ScenarioWarning>& warnings, const std::string& path) {
  for (const ScenarioWarning& w : warnings) {
    std::cerr << path;
    if (w.line > 0) std::cerr << ":" << w.line;
    std::cerr << ": warning: " << w.message << " (" << w.key << ")\n";
  }
}

Scenario apply_sets(const Scenario& scenario, const std::vector<std::string>& sets) {
  if (sets.empty()) return scenario;
  return scenario.with_values(parse_sets(sets));
}

}  // namespace progsurv::cli
