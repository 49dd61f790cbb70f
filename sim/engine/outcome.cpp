#include "progsurv/engine/outcome.hpp"

namespace progsurv {

const char* to_string(Outcome o) {
  switch (o) {
    case Outcome::Completed:
      return "completed";
    case Outcome::Ended:
      return "ended";
    case Outcome::NotStarted:
      return "not_started";
    case Outcome::Running:
      return "running";
  }
  return "?";
}

const char* to_string(Cause c) {
  switch (c) {
    case Cause::None:
      return "none";
    case Cause::SponsorExit:
      return "sponsor_exit";
    case Cause::Patience:
      return "patience";
    case Cause::HandoffFailure:
      return "handoff_failure";
    case Cause::BudgetCut:
      return "budget_cut";
    case Cause::PhaseGate:
      return "phase_gate";
  }
  return "?";
}

const char* to_string(EndCategory k) {
  switch (k) {
    case EndCategory::Completed:
      return "completed";
    case EndCategory::SponsorExit:
      return "sponsor_exit";
    case EndCategory::Patience:
      return "patience";
    case EndCategory::HandoffFailure:
      return "handoff_failure";
    case EndCategory::BudgetCut:
      return "budget_cut";
    case EndCategory::PhaseGate:
      return "phase_gate";
    case EndCategory::NotStarted:
      return "not_started";
    case EndCategory::Running:
      return "running";
  }
  return "?";
}

const char* to_string(TimeBucket b) {
  switch (b) {
    case TimeBucket::Vacant:
      return "vacant";
    case TimeBucket::Resources:
      return "resources";
    case TimeBucket::Working:
      return "working";
    case TimeBucket::Pickup:
      return "pickup";
    case TimeBucket::Escalating:
      return "escalating";
    case TimeBucket::Scoping:
      return "scoping";
    case TimeBucket::Recruiting:
      return "recruiting";
  }
  return "?";
}

}  // namespace progsurv
