#pragma once
// The first Philox4x32-10 blocks of several decisions of one replication, computed together
// (docs/performance.md, issue 21). Inside a replication each decision's first block is one
// dependent chain of 10 multiply-xor rounds that the event logic waits for; computed side by
// side, 4 blocks to an AVX2 register with one vpmuludq per 4 products, they cost a third.
// Integer arithmetic only: both paths give the blocks Random123 gives, bit for bit.
#include <cstddef>
#include <cstdint>

namespace progsurv {

// The decisions' names in (counter words 2 and 3, as Rng builds them), their first blocks
// (counter word 0 = 0) out, word k of lane i in block[k][i]. The kernels compute the first
// `used` lanes (the AVX2 one up to the next multiple of 4); blocks past them are not read. Left
// uninitialised unless value-initialised (PhiloxLanes{}): a replication fills it before it reads
// it, and pays nothing to zero it.
struct PhiloxLanes {
  static constexpr std::size_t kLanes = 16;  // a multiple of 4 (lanes per AVX2 register)
  alignas(32) std::uint32_t name_lo[kLanes];
  alignas(32) std::uint32_t name_hi[kLanes];
  alignas(32) std::uint32_t block[4][kLanes];
};

// The blocks of the first `used` lanes under key `seed` for counter word 1 = `replication_lo`,
// on the best path this CPU has: AVX2 where __builtin_cpu_supports says so, else one block at
// a time.
void philox_lanes(PhiloxLanes& lanes, std::uint64_t seed, std::uint32_t replication_lo,
                  std::size_t used = PhiloxLanes::kLanes);

// The two paths, for the test that holds them to each other. philox_lanes_avx2 may only be
// called when cpu_has_avx2().
bool cpu_has_avx2();
void philox_lanes_scalar(PhiloxLanes& lanes, std::uint64_t seed, std::uint32_t replication_lo,
                         std::size_t used = PhiloxLanes::kLanes);
void philox_lanes_avx2(PhiloxLanes& lanes, std::uint64_t seed, std::uint32_t replication_lo,
                       std::size_t used = PhiloxLanes::kLanes);
// Tests only: philox_lanes takes the scalar path (true) or the CPU's best again (false), so a
// test can run the engine on both. Not to be called while replications run.
void philox_lanes_force_scalar(bool scalar);

}  // namespace progsurv
