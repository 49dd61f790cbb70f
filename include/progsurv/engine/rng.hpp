#pragma once
// Counter-based stream derivation: replication r of seed s draws mechanism m from a stream
// that depends on (s, r, m) only, never on the thread that runs it.
#include <cstdint>
#include <limits>

namespace progsurv {

// One independent stream per mechanism, so switching one mechanism off leaves the
// draws of all others unchanged (common random numbers across scenarios).
enum class Mechanism : std::uint32_t {
  Sponsor = 0,     // initial level, approval, tenure
  Succession = 1,  // vacancy length, adoption, successor level
  Resources = 2,   // resource delay before each phase
  Work = 3,        // step work durations
  Handoff = 4,     // pickup delays and breaks
  Escalation = 5,  // escalation delays and outcomes
  Patience = 6,    // threshold, review cuts, hazard
  Budget = 7,      // squeeze cycles and cuts
  Gate = 8,        // phase gates
  Customers = 9,   // follow-up delays
  Count = 10
};

#ifdef PROGSURV_RNG_TRACE
// Bench-only instrumentation, compiled in by bench/bench_rng.cpp alone (never in the
// library): with rng_trace_enabled set, every reseed and raw draw is reported, so the bench
// can replay exactly the random numbers a replication draws.
class Rng;
extern bool rng_trace_enabled;
void rng_trace_reseed(const Rng* rng, std::uint64_t seed, std::uint64_t replication,
                      Mechanism mechanism);
void rng_trace_draw(const Rng* rng);
#endif

inline constexpr std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// xoshiro256++ (Blackman & Vigna): small state, fast, passes BigCrush. It satisfies the
// UniformRandomNumberGenerator concept so Boost.Random's distributions can drive it.
class Rng {
 public:
  using result_type = std::uint64_t;

  Rng() : Rng(0, 0, Mechanism::Sponsor) {}
  Rng(std::uint64_t seed, std::uint64_t replication, Mechanism mechanism) {
    reseed(seed, replication, mechanism);
  }

  void reseed(std::uint64_t seed, std::uint64_t replication, Mechanism mechanism) {
    // Mix the three keys through splitmix64 so nearby (seed, r, m) give unrelated states.
    std::uint64_t k = seed;
    std::uint64_t h = splitmix64(k);
    k = h ^ (replication * 0xd1b54a32d192ed03ULL);
    h = splitmix64(k);
    k = h ^ ((static_cast<std::uint64_t>(mechanism) + 1) * 0xaef17502108ef2d9ULL);
    for (auto& w : s_) w = splitmix64(k);
#ifdef PROGSURV_RNG_TRACE
    if (rng_trace_enabled) rng_trace_reseed(this, seed, replication, mechanism);
#endif
  }

  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return std::numeric_limits<result_type>::max(); }

  result_type operator()() {
#ifdef PROGSURV_RNG_TRACE
    if (rng_trace_enabled) rng_trace_draw(this);
#endif
    const std::uint64_t result = rotl(s_[0] + s_[3], 23) + s_[0];
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  // Uniform on (0, 1): never exactly 0, so log(u) is finite.
  double uniform() { return (static_cast<double>((*this)() >> 11) + 0.5) * 0x1.0p-53; }
  bool bernoulli(double p) { return uniform() < p; }

 private:
  static constexpr std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4];
};

}  // namespace progsurv
