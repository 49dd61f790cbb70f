#include "progsurv/scenario/scenario.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace progsurv {

int LevelMix::pick(double u) const {
  const int i = categorical_pick(prob, u);
  return i < 0 ? -1 : level[static_cast<std::size_t>(i)];
}

bool patience_model_reads(PatienceModel model, const std::string& key) {
  switch (model) {
    case PatienceModel::Reviews:
      return key != "rate";
    case PatienceModel::Hazard:
      return key == "rate" || key == "grace" || key == "vacancy_multiplier";
    case PatienceModel::None:
      return false;
  }
  return false;
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
  std::vector<std::pair<std::uint64_t, std::uint32_t>> keyed;
  keyed.reserve(overrides.size());
  receives_override.assign(n, 0);
  for (std::size_t i = 0; i < overrides.size(); ++i) {
    const HandoffOverride& o = overrides[i];
    if (o.from < 0 || o.to < 0 || static_cast<std::size_t>(o.from) >= n ||
        static_cast<std::size_t>(o.to) >= n)
      throw std::invalid_argument("handoff override " + std::to_string(o.from) + " -> " +
                                  std::to_string(o.to) + " names a silo index outside [0, " +
                                  std::to_string(n) + ")");
    keyed.emplace_back(pair_key(o.from, o.to), static_cast<std::uint32_t>(i));
    receives_override[static_cast<std::size_t>(o.to)] = 1;
  }
  // A later override of the same pair wins, as it did in the dense table.
  std::stable_sort(keyed.begin(), keyed.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  pair_keys.clear();
  pair_override.clear();
  for (const auto& [key, index] : keyed) {
    if (!pair_keys.empty() && pair_keys.back() == key) {
      pair_override.back() = index;
      continue;
    }
    pair_keys.push_back(key);
    pair_override.push_back(index);
  }
}

}  // namespace progsurv
