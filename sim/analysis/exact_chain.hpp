#pragma once
// The exact solver's chain, shared by its three files: exact_subset.cpp (which scenarios are
// Markovian), exact_chain.cpp (the state space and its timed transitions) and exact.cpp (the
// generator, its exponential and the results). See docs/validation.md for the state space.
#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "progsurv/engine/tally.hpp"
#include "progsurv/scenario/scenario.hpp"

namespace progsurv::exact_detail {

// Erlang stages above this would blow up the chain for little gain; such a scenario is
// refused (a Monte Carlo run handles it).
constexpr int kMaxStages = 100;
constexpr std::size_t kMaxStates = 2000000;
// The lead's seat and up to seven co-sponsors (rule 14). Each seat multiplies the states by
// its own count (docs/validation.md), so more would exceed kMaxStates long before.
constexpr int kMaxSeats = 8;

std::string number(double x);

// A duration as the chain holds it: instantaneous, k exponential stages of one rate, or
// an event that never happens.
struct Stages {
  enum class Kind { Instant, Timed, Never };
  Kind kind = Kind::Instant;
  int k = 1;
  double rate = 0.0;
};

// The stages of `d`, or false with the reason it has none.
bool classify(const Distribution& d, Stages& out, std::string& why);

enum Act : std::int32_t {
  kResources = 0,
  kWork = 1,
  kPickup = 2,
  kEscalation = 3,  // a rung's delay (rule 15), or the sponsor's above the last rung
  kScoping = 4,     // rule 11: before approval
  kRecruiting = 5,  // rule 13: an engage phase's customers, after its resource wait
};

// Counts kept as rewards (expected increments per transition).
enum CountIndex {
  kSponsorChanges = 0,
  kHandoffs,
  kBreaks,
  kEscalations,
  kDisengagements,
  kRungs,  // trials drawn: a rung's or the sponsor's (rule 15)
  kCountKinds
};
constexpr std::array<Quantity, kCountKinds> kCountQuantity = {
    Quantity::SponsorChanges, Quantity::Handoffs,       Quantity::Breaks,
    Quantity::Escalations,    Quantity::Disengagements, Quantity::Rungs};
// Reward columns: the time buckets (occupancy), the counts (rates), then the occupancy of
// not_started, which takes the scoping months of proposals that die out of the means.
constexpr int kNotStartedColumn = kTimeBucketCount + kCountKinds;
constexpr int kRewardColumns = kNotStartedColumn + 1;

// One sponsor seat (rule 14; seat 0 is the lead). Absent: a co-sponsor's seat before the
// programme starts (and the slots beyond the scenario's seats). stage is the tenure stage
// while filled, the vacancy stage while vacant; engaged is the attention of rule 12 (a seat
// that is not filled holds 1: its successor arrives engaged).
enum SeatStatus : std::int8_t { kFilled = 0, kVacant = 1, kLost = 2, kAbsent = 3 };
struct Seat {
  std::int32_t level = 0;
  std::int16_t stage = 0;
  std::int8_t status = kAbsent;
  std::int8_t engaged = 1;
  auto tie() const { return std::tie(level, stage, status, engaged); }
  bool operator<(const Seat& o) const { return tie() < o.tie(); }
};

// A transient state. act_level is the level the resource wait was drawn under (it keeps
// its rate when the acting sponsor changes); -1 for other activities. rung is the ladder
// position of an escalation attempt (rule 15; the ladder's size = at the sponsor), 0 for
// other activities.
struct Key {
  std::int32_t phase = 0, step = 0, act = kResources, act_level = -1, stage = 0, attempt = 0,
               rung = 0;
  std::array<Seat, kMaxSeats> seat{};
  auto tie() const { return std::tie(phase, step, act, act_level, stage, attempt, rung, seat); }
  bool operator<(const Key& o) const { return tie() < o.tie(); }
};

// Where one timed transition (or the start) leads after its instantaneous branchings:
// targets with probabilities and the expected count increments on the way.
// Target >= 0: transient state; < 0: absorbing state -(target + 1).
struct Branches {
  std::vector<std::pair<int, double>> to;
  std::array<double, kCountKinds> counts{};
  void add(int target, double w) {
    for (auto& e : to)
      if (e.first == target) {
        e.second += w;
        return;
      }
    to.emplace_back(target, w);
  }
};

struct Transition {
  int from;
  double rate;
  Branches branches;
};

// Builds the chain of a scenario in the Markov subset (markov_violations() empty):
// breadth-first from the start, every state and its timed transitions.
class Builder {
 public:
  explicit Builder(const Scenario& s);

  void build();  // throws ScenarioError beyond kMaxStates

  const std::vector<Key>& keys() const { return keys_; }
  const std::vector<Transition>& transitions() const { return transitions_; }
  const Branches& init() const { return init_; }

  int absorbing_count() const { return kEndCategoryCount * (phase_count_ + 1); }
  static int absorbing_index(EndCategory c, int delivered, int phase_count) {
    return static_cast<int>(c) * (phase_count + 1) + delivered;
  }

  // The acting sponsor of k (rule 14): the filled seat of highest effective clout, ties to
  // the lower seat; -1 while no seat is filled (progress clocks frozen).
  int acting(const Key& k) const;
  // Clout of a filled seat, times disengaged.clout while it is disengaged.
  double effective_clout(const Seat& seat) const;

 private:
  int absorbing(EndCategory c, int delivered) const {
    return -(absorbing_index(c, delivered, phase_count_) + 1);
  }
  int state(const Key& k);
  const Phase& phase(const Key& k) const { return s_.phases[static_cast<std::size_t>(k.phase)]; }
  int silo(const Key& k, int step) const {
    return phase(k).steps[static_cast<std::size_t>(step)].silo;
  }
  const Stages& duration(const Key& k) const;
  Branches initial();
  void enter(Key k, double w, Branches& b);
  void start_phase(Key k, double w, Branches& b);
  void start_work(Key k, double w, Branches& b);
  void start_escalation(Key k, int attempt, double w, Branches& b);
  void attempt_failed(const Key& k, double w, Branches& b);
  void seat_co_sponsors(Key k, int seat, double w, Branches& b);
  void complete(Key k, double w, Branches& b);
  void seat_exit(Key k, int seat, double w, Branches& b);
  void vacancy_end(Key k, int seat, double w, Branches& b);

  const Scenario& s_;
  const int phase_count_;
  const int seats_;  // the lead's and one per co-sponsor
  std::vector<Stages> tenure_, resource_, lapse_;
  Stages vacancy_, escalation_, scoping_, recruitment_;
  std::vector<Stages> rung_;                        // the ladder's delays
  std::vector<std::vector<Stages>> work_, pickup_;  // pickup_[i][j]: handoff into step j

  std::map<Key, int> index_;
  std::vector<Key> keys_;
  std::vector<Transition> transitions_;
  Branches init_;
};

}  // namespace progsurv::exact_detail
