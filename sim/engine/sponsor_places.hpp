#pragma once
// Places of the sponsor's and the budget's decisions (docs/model.md, Randomness and
// reproducibility), shared by the single- programme driver (replication.cpp) and the organisation
// (portfolio/organisation.cpp), so a programme and a post name their decisions the same way in both
// modes.
#include <cstdint>

#include "progsurv/model/rng.hpp"

namespace progsurv::places {

// The proposal: sponsor level, then approval (Mechanism::Sponsor).
inline constexpr Place kProposal = Place::of(0);
// The n-th sponsor's tenure (Mechanism::Sponsor).
constexpr Place tenure(int sponsor_number) {
  return Place::of(2, static_cast<std::uint64_t>(sponsor_number));
}
// Kinds of Mechanism::Succession decisions, numbered by sponsor (or exit) n.
inline constexpr std::uint64_t kVacancy = 0, kAdoption = 1, kSuccessorLevel = 2;
// Kinds of Mechanism::Budget decisions, numbered by budget cycle k.
inline constexpr std::uint64_t kSqueeze = 0, kBudgetCut = 1;
// The j-th lapse of the n-th sponsor's attention (Mechanism::Attention).
constexpr Place lapse(int sponsor_number, int j) {
  return Place{((static_cast<std::uint64_t>(sponsor_number) & 0xFFFF) << 20) |
               (static_cast<std::uint64_t>(j) & 0xFFFFF)};
}

}  // namespace progsurv::places
