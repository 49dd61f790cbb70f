#pragma once
// Inputs that parse but cannot have any effect, for `progsurv validate` to warn about.
#include <string>
#include <vector>

#include "progsurv/scenario/scenario.hpp"

namespace progsurv {

struct ScenarioWarning {
  int line = 0;     // 1-based line of the key in the scenario text; 0 when unknown
  std::string key;  // key path, e.g. "handoffs.0" or "patience.review_every"
  std::string message;
};

// Warnings for: a handoff override between silos that never hand over within a phase,
// patience keys the chosen model does not use, a silo no step uses, a sponsor level no
// mix can draw, disengaged factors other than 1 when no attention ever lapses (and an
// attention_lapse when every disengaged factor is 1), recruitment keys
// that cannot act, a deferrable phase that never defers (or deferral with nothing deferrable or no
// pressure event to act at), a
// ladder with max_attempts 0, re-engagement with no engage phase. Lines come from the scenario's
// own text (yaml_text).
std::vector<ScenarioWarning> lint(const Scenario& scenario);

}  // namespace progsurv
