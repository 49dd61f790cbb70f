#pragma once
// Small scenarios built in code, so engine tests do not depend on the YAML parser.
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

}  // namespace progsurv::testing
