#pragma once
#include <array>
#include <cstdint>

namespace progsurv {

enum class Outcome : std::int8_t { Completed = 0, Ended = 1, NotStarted = 2, Running = 3 };
inline constexpr int kOutcomeCount = 4;

enum class Cause : std::int8_t {
  None = -1,  // not ended
  SponsorExit = 0,
  Patience = 1,
  HandoffFailure = 2,
  BudgetCut = 3,
  PhaseGate = 4
};
inline constexpr int kCauseCount = 5;

// Every outcome and every cause, in their numbering order (the names statistics are read by).
inline constexpr std::array<Outcome, kOutcomeCount> kOutcomes = {
    Outcome::Completed, Outcome::Ended, Outcome::NotStarted, Outcome::Running};
inline constexpr std::array<Cause, kCauseCount> kCauses = {
    Cause::SponsorExit, Cause::Patience, Cause::HandoffFailure, Cause::BudgetCut, Cause::PhaseGate};

// The terminal category of a replication: completed, one of the five causes, not_started
// or running (censored at the horizon). Curves and tallies are indexed by it.
enum class EndCategory : int {
  Completed = 0,
  SponsorExit = 1,
  Patience = 2,
  HandoffFailure = 3,
  BudgetCut = 4,
  PhaseGate = 5,
  NotStarted = 6,
  Running = 7
};
inline constexpr int kEndCategoryCount = 8;

const char* to_string(Outcome o);
const char* to_string(Cause c);
const char* to_string(EndCategory k);

inline EndCategory end_category(Outcome o, Cause c) {
  switch (o) {
    case Outcome::Completed:
      return EndCategory::Completed;
    case Outcome::NotStarted:
      return EndCategory::NotStarted;
    case Outcome::Running:
      return EndCategory::Running;
    case Outcome::Ended:
      break;
  }
  return static_cast<EndCategory>(static_cast<int>(c) + 1);
}

// Where the months of one replication went; the seven sum to end_time. Scoping and
// Recruiting came with format version 2 and are numbered after the original five; the
// model's reading order (scoping, vacant, resources, recruiting, working, pickup,
// escalating) is kTimeBucketOrder.
enum class TimeBucket : int {
  Vacant = 0,
  Resources = 1,
  Working = 2,
  Pickup = 3,
  Escalating = 4,
  Scoping = 5,
  Recruiting = 6
};
inline constexpr int kTimeBucketCount = 7;
inline constexpr std::array<TimeBucket, kTimeBucketCount> kTimeBucketOrder = {
    TimeBucket::Scoping, TimeBucket::Vacant, TimeBucket::Resources, TimeBucket::Recruiting,
    TimeBucket::Working, TimeBucket::Pickup, TimeBucket::Escalating};
const char* to_string(TimeBucket b);

}  // namespace progsurv
