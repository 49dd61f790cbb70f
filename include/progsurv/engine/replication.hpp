#pragma once
// One Monte Carlo replication: one programme from proposal to its end or the horizon.
#include <array>
#include <cstdint>
#include <limits>
#include <vector>

#include "progsurv/engine/outcome.hpp"
#include "progsurv/scenario/scenario.hpp"

namespace progsurv {

struct ReplicationRecord {
  Outcome outcome = Outcome::NotStarted;
  Cause cause = Cause::None;
  double end_time = 0.0;  // months; the horizon for running programmes
  int phases_delivered = 0;
  double value = 0.0;
  int sponsor_changes = 0;
  int handoffs = 0;
  int breaks = 0;
  int escalations = 0;
  int disengagements = 0;       // lapses of sponsor attention (rule 12), scoping included
  int rungs = 0;                // escalation trials made, a rung's or the sponsor's (rule 15)
  int deferrals = 0;            // phases that deferred scope (rule 16)
  double deferred_value = 0.0;  // value removed by deferral, never delivered
  int reengagements = 0;        // re-engagements with customers that took effect (rule 17)
  std::array<double, kTimeBucketCount> time{};  // indexed by TimeBucket
  double customer_trust = 1.0;
  int initial_level = -1;
};

// One random decision as the engine took it: its name and its uniform (tests compare
// these traces to show that a change to one decision leaves the others' draws alone).
struct DrawTrace {
  Mechanism mechanism;
  std::uint64_t place;
  double u;
  std::uint32_t entity = 0;  // a co-sponsor seat's decisions are entity k (rule 14)
};

// When a replication was approved and delivered each phase: where a programme stood at a
// given age, which the record likelihood needs for proposals still scoping and running
// programmes' phases so far (docs/fitting.md). Filled only on request.
struct ReplicationTimeline {
  double approved_at = std::numeric_limits<double>::infinity();  // +inf: never started
  std::vector<double> delivered_at;  // calendar months of the phase deliveries, in order
};

// Runs replication `replication` of `scenario` with `seed`. Pure: the same arguments give
// the same record on any thread. With `trace`, every decision's uniforms are appended; with
// `timeline`, it is overwritten with the replication's approval and delivery times.
ReplicationRecord simulate_replication(const Scenario& scenario, std::uint64_t seed,
                                       std::uint64_t replication,
                                       std::vector<DrawTrace>* trace = nullptr,
                                       ReplicationTimeline* timeline = nullptr);

}  // namespace progsurv
