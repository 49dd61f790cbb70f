#pragma once
// Small scenarios built in code, so engine tests do not depend on the YAML parser.
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "progsurv/portfolio/portfolio.hpp"
#include "progsurv/scenario/scenario.hpp"

namespace progsurv::testing {

// One level, `silos` silos, one phase whose steps alternate between silos, nothing that
// can kill the programme unless a test switches it on.
inline Scenario simple_scenario(int steps = 1, int silos = 1) {
  Scenario s;
  s.name = "test";
  s.horizon = 1000.0;
  for (int i = 0; i <= 100; ++i) s.grid.push_back(10.0 * i);
  SponsorLevel lv;
  lv.name = "vp";
  lv.tenure = Distribution::never();
  lv.clout = 0.5;
  s.levels.push_back(lv);
  s.sponsor.level = {0};
  s.sponsor.prob = {1.0};
  s.initial_sponsor = InitialSponsor::Fresh;
  for (int i = 0; i < silos; ++i) {
    Silo silo;
    silo.name = "silo" + std::to_string(i);
    s.silos.push_back(silo);
  }
  Phase ph;
  ph.name = "only";
  for (int i = 0; i < steps; ++i) ph.steps.push_back({i % silos, Distribution::exponential(1.0)});
  s.phases.push_back(ph);
  s.patience.model = PatienceModel::None;
  s.finalize();
  return s;
}

// the closed form of docs/model.md: one exponential step of rate a against an exponential sponsor
// exit of rate b, adoption 0, no vacancy, so P(completed) = a / (a + b).
inline Scenario closed_form_scenario(double a, double b) {
  Scenario s = simple_scenario();
  s.phases[0].steps[0].work = Distribution::exponential(1.0 / a);
  s.levels[0].tenure = Distribution::exponential(1.0 / b);
  s.initial_sponsor = InitialSponsor::Residual;
  s.succession.adoption = 0.0;
  s.finalize();
  return s;
}

// A portfolio of `templates` (which must share levels and silos) on `roster`, with
// planned launches; grid and horizon from the first template.
inline Portfolio make_portfolio(std::vector<Scenario> templates, std::vector<int> roster,
                                std::vector<PlannedLaunch> launches) {
  Portfolio p;
  p.name = "test";
  p.horizon = templates.front().horizon;
  p.grid = templates.front().grid;
  for (std::size_t i = 0; i < templates.size(); ++i) {
    p.template_names.push_back("t" + std::to_string(i));
    p.template_sources.push_back("inline");
  }
  for (const auto& l : templates.front().levels) p.level_names.push_back(l.name);
  p.templates = std::move(templates);
  p.roster = std::move(roster);
  p.launches = std::move(launches);
  return p;
}

// The Wilson score interval computed independently of the engine's wilson(): its bounds are
// the two roots in pi of (p - pi)^2 = z^2 pi (1 - pi) / n, a quadratic solved here in its
// textbook form (the engine uses the centre +- half-width form).
// The same for a share p seen with an effective sample size nn (not necessarily whole).
inline std::pair<double, double> wilson_roots_at(double p, double nn, double z) {
  const double z2n = z * z / nn;
  const double a = 1.0 + z2n, b = -(2.0 * p + z2n), c = p * p;
  const double root = std::sqrt(b * b - 4.0 * a * c);
  return {(-b - root) / (2.0 * a), (-b + root) / (2.0 * a)};
}
inline std::pair<double, double> wilson_roots(std::int64_t k, std::int64_t n, double z) {
  const double nn = static_cast<double>(n);
  return wilson_roots_at(static_cast<double>(k) / nn, nn, z);
}

// The error parsing `yaml` (named bad.yaml) raises; a test failure when it parses.
inline ScenarioError parse_error(const std::string& yaml) {
  try {
    Scenario::from_yaml(yaml, "bad.yaml");
  } catch (const ScenarioError& e) {
    return e;
  }
  ADD_FAILURE() << "expected a ScenarioError for:\n" << yaml;
  return ScenarioError("", -1, -1, "", "");
}

}  // namespace progsurv::testing
