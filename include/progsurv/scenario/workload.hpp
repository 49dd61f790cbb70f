#pragma once
// How much work one replication of a scenario is, estimated from its parameters before
// anything runs: a sponsor tenure of 1e-9 months over 60 months would take 6e10 events and
// never finish, so such scenarios are refused up front (docs/robustness.md).
#include <string>

#include "progsurv/scenario/scenario.hpp"

namespace progsurv {

// Replications expected to need more events than this are refused.
inline constexpr double kMaxEventsPerReplication = 1e6;

struct Workload {
  double events = 0.0;  // rough expected events per replication (an upper-side estimate)
  std::string key;      // the key path of the largest contribution
  std::string reason;   // what that contribution is, in words
};

// Sponsor cycles (horizon / (mean tenure + mean vacancy) of the shortest-lived level),
// reviews (horizon / review_every), budget cycles (horizon / every), escalation attempts
// (max_attempts per handoff that can break) and the steps themselves.
Workload estimate_workload(const Scenario& scenario);

// Throws ScenarioError (file = scenario.source, key = Workload::key) when the estimate
// exceeds kMaxEventsPerReplication.
void check_workload(const Scenario& scenario);

}  // namespace progsurv
