#include "progsurv/scenario/scenario.hpp"

#include <stdexcept>
#include <string>

namespace progsurv {

int LevelMix::pick(double u) const {
  if (level.empty()) return -1;
  double cumulative = 0.0;
  int last_possible = level.front();
  for (std::size_t i = 0; i < level.size(); ++i) {
    if (prob[i] <= 0.0) continue;
    cumulative += prob[i];
    last_possible = level[i];
    if (u < cumulative) return level[i];
  }
  // Rounding can leave the probabilities summing to a hair under 1; u beyond it belongs
  // to the last level that can be drawn at all.
  return last_possible;
}

int Scenario::level_index(const std::string& level_name) const {
  for (std::size_t i = 0; i < levels.size(); ++i)
    if (levels[i].name == level_name) return static_cast<int>(i);
  return -1;
}

int Scenario::silo_index(const std::string& silo_name) const {
  for (std::size_t i = 0; i < silos.size(); ++i)
    if (silos[i].name == silo_name) return static_cast<int>(i);
  return -1;
}

void Scenario::finalize() {
  // Residual-life tables are built here, once, not on a worker thread mid-run.
  for (SponsorLevel& level : levels) level.tenure.prepare_residual();
  const std::size_t n = silos.size();
  pair_pickup.assign(n * n, Distribution::fixed(0.0));
  pair_break.assign(n * n, 0.0);
  // Without an override, a handoff behaves like the receiving silo.
  for (std::size_t from = 0; from < n; ++from) {
    for (std::size_t to = 0; to < n; ++to) {
      pair_pickup[from * n + to] = silos[to].pickup;
      pair_break[from * n + to] = silos[to].break_prob;
    }
  }
  for (const HandoffOverride& o : overrides) {
    if (o.from < 0 || o.to < 0 || static_cast<std::size_t>(o.from) >= n ||
        static_cast<std::size_t>(o.to) >= n)
      throw std::invalid_argument("handoff override " + std::to_string(o.from) + " -> " +
                                  std::to_string(o.to) + " names a silo index outside [0, " +
                                  std::to_string(n) + ")");
    const std::size_t cell = static_cast<std::size_t>(o.from) * n + static_cast<std::size_t>(o.to);
    pair_pickup[cell] = o.pickup;
    pair_break[cell] = o.break_prob;
  }
}

}  // namespace progsurv
