#pragma once
// Counter-based randomness keyed to each decision (docs/model.md, Randomness and reproducibility):
// every random decision of a replication draws from its own stream, named by (seed, replication,
// mechanism, entity, place). Philox4x32-10 (Random123) turns that name and a draw counter
// into random words with no seeding state, so a decision's draws depend on its name alone:
// a sampler that takes one more uniform, or a step added elsewhere, cannot shift them.
#include <Random123/philox.h>

#include <cstddef>
#include <cstdint>
#include <limits>

#include "progsurv/model/philox_lanes.hpp"

namespace progsurv {

// The mechanism a decision belongs to (the top bits of its name). Switching one
// mechanism off leaves the draws of all others unchanged.
enum class Mechanism : std::uint32_t {
  Sponsor = 0,        // initial level, approval, tenure of each sponsor
  Succession = 1,     // vacancy length, adoption, successor level
  Resources = 2,      // resource delay before each phase
  Work = 3,           // step work durations
  Handoff = 4,        // pickup delays and breaks
  Escalation = 5,     // escalation delays and outcomes
  Patience = 6,       // threshold, review cuts, hazard
  Budget = 7,         // squeeze cycles and cuts
  Gate = 8,           // phase gates
  Customers = 9,      // follow-up delays
  Scoping = 10,       // scoping time before approval
  Attention = 11,     // sponsor attention lapses
  Recruitment = 12,   // customer recruitment time
  Launch = 13,        // portfolio: launch times and templates
  Roster = 14,        // portfolio: which post sponsors a proposal
  Analysis = 15,      // draws of analyses (bootstrap, designs), not of the model
  Ladder = 16,        // escalation ladder rungs: delay, trial, go_up (rule 15)
  Deferral = 17,      // scope deferral at pressure events (rule 16)
  Reengagement = 18,  // going back to customers after a late follow-up (rule 17)
  Count = 19
};

// Where a decision sits inside its mechanism: up to 36 bits, built by the helpers below.
// Fields wider than their share wrap (limits: 1024 phases, 1024 steps per phase, 65536
// escalation attempts, 2^32 sponsors or cycles; the scenario parser refuses more phases or
// steps, and the event budget refuses more attempts or cycles).
struct Place {
  std::uint64_t bits = 0;
  static constexpr std::uint64_t kMask = (std::uint64_t{1} << 36) - 1;
  // A step-level decision: phase i, step j, attempt or draw k.
  static constexpr Place at(std::uint64_t phase, std::uint64_t step = 0, std::uint64_t k = 0) {
    return Place{((phase & 0x3FF) << 26) | ((step & 0x3FF) << 16) | (k & 0xFFFF)};
  }
  // The n-th decision of a kind (the n-th sponsor's tenure, the k-th review's cut, ...):
  // kind in 4 bits, n in 32.
  static constexpr Place of(std::uint64_t kind, std::uint64_t n = 0) {
    return Place{((kind & 0xF) << 32) | (n & 0xFFFFFFFFULL)};
  }
};

#ifdef PROGSURV_RNG_TRACE
// Bench-only instrumentation, compiled in by bench/bench_rng.cpp alone (never in the
// library): every decision stream opened, every uniform drawn, every block a stream computes
// one at a time, and every later phase's batch of first blocks (engine/programme.hpp).
class Rng;
extern bool rng_trace_enabled;
void rng_trace_open(const Rng* rng);
void rng_trace_draw(const Rng* rng);
void rng_trace_block(const Rng* rng);
void rng_trace_batch(std::size_t phase);
#endif

// The draws of one decision. The Philox key is the run's seed; the 128-bit counter holds
// the draw index, the replication and the decision's name (mechanism, entity, place).
// It satisfies Boost.Random's UniformRandomNumberGenerator concept.
class Rng {
 public:
  using result_type = std::uint64_t;
  using Philox = r123::Philox4x32;

  Rng() : Rng(0, 0, Mechanism::Sponsor) {}
  // entity: 0 for the single programme; in portfolio mode the programme or post number.
  Rng(std::uint64_t seed, std::uint64_t replication, Mechanism mechanism, Place place = {},
      std::uint32_t entity = 0)
      : Rng(Untraced{}, seed, replication, mechanism, place, entity) {
#ifdef PROGSURV_RNG_TRACE
    if (rng_trace_enabled) rng_trace_open(this);
#endif
  }
  // The same decision given its first block (counter word 0 = 0), computed elsewhere with the
  // blocks of other decisions (PhiloxLanes): its first two draws take no Philox, the later
  // ones are computed here as usual.
  Rng(std::uint64_t seed, std::uint64_t replication, Mechanism mechanism, Place place,
      std::uint32_t entity, const Philox::ctr_type& first_block)
      : Rng(Untraced{}, seed, replication, mechanism, place, entity) {
    block_ = first_block;
    ctr_[0] = 1;
    used_ = 0;
#ifdef PROGSURV_RNG_TRACE
    // Traced as opened with its block: a replay starts from it (and computes the batch itself).
    if (rng_trace_enabled) rng_trace_open(this);
#endif
  }

  // A decision's name: counter words 2 (low half) and 3 (high half).
  static constexpr std::uint64_t name(std::uint64_t replication, Mechanism mechanism, Place place,
                                      std::uint32_t entity = 0) {
    return (static_cast<std::uint64_t>(mechanism) << 58) |
           ((static_cast<std::uint64_t>(entity) & 0xFFF) << 46) |
           (((replication >> 32) & 0x3FF) << 36) | (place.bits & Place::kMask);
  }

  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return std::numeric_limits<result_type>::max(); }

  // 64 random bits: half of a Philox block.
  result_type operator()() {
#ifdef PROGSURV_RNG_TRACE
    if (rng_trace_enabled) rng_trace_draw(this);
#endif
    if (used_ == 2) refill();
    const std::uint64_t w =
        (static_cast<std::uint64_t>(block_[2 * used_ + 1]) << 32) | block_[2 * used_];
    ++used_;
    return w;
  }

  // Uniform on (0, 1) with 53 random bits: never exactly 0 or 1, so every inverse CDF
  // and log(u) is finite.
  double uniform() { return to_uniform((*this)()); }
  // Lane i's block of a batch computed side by side: a decision's first block, for the
  // constructor above or first_uniform.
  static Philox::ctr_type lane_block(const PhiloxLanes& lanes, std::size_t i) {
    return {{lanes.block[0][i], lanes.block[1][i], lanes.block[2][i], lanes.block[3][i]}};
  }
  // The first uniform() of a decision whose first block is known (words 0 and 1 are read): for
  // draws that need no more than that one, without opening the decision.
  static double first_uniform(const Philox::ctr_type& first_block) {
    return to_uniform((static_cast<std::uint64_t>(first_block[1]) << 32) | first_block[0]);
  }
  bool bernoulli(double p) { return uniform() < p; }

 private:
  struct Untraced {};
  static double to_uniform(result_type bits) {
    return (static_cast<double>(bits >> 11) + 0.5) * 0x1.0p-53;
  }
  Rng(Untraced, std::uint64_t seed, std::uint64_t replication, Mechanism mechanism, Place place,
      std::uint32_t entity) {
    key_ = {{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)}};
    const std::uint64_t n = name(replication, mechanism, place, entity);
    ctr_ = {{0, static_cast<std::uint32_t>(replication), static_cast<std::uint32_t>(n),
             static_cast<std::uint32_t>(n >> 32)}};
  }

  void refill() {
#ifdef PROGSURV_RNG_TRACE
    if (rng_trace_enabled) rng_trace_block(this);
#endif
    block_ = Philox()(ctr_, key_);
    ++ctr_[0];
    used_ = 0;
  }

  Philox::key_type key_;
  Philox::ctr_type ctr_;
  Philox::ctr_type block_ = {{0, 0, 0, 0}};
  unsigned used_ = 2;  // halves of block_ already handed out
};

}  // namespace progsurv
