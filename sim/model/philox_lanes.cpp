#include "progsurv/model/philox_lanes.hpp"

#include <immintrin.h>

#include <algorithm>
#include <atomic>

#include <Random123/philox.h>

namespace progsurv {
namespace {

using Lanes = PhiloxLanes;
constexpr std::size_t kLanes = Lanes::kLanes;
// Philox4x32's multipliers and key schedule (Random123's PHILOX_M4x32_* and PHILOX_W32_*).
constexpr std::uint32_t kMul0 = 0xD2511F53u, kMul1 = 0xCD9E8D57u;
constexpr std::uint32_t kBump0 = 0x9E3779B9u, kBump1 = 0xBB67AE85u;

// Each 32-bit word sits in the low half of a 64-bit lane, so that the 32x32->64 products
// are one vpmuludq per 4 lanes with nothing to shuffle (GCC does not find this from a
// 32-bit lane loop: docs/performance.md, part F). All kV registers of a word go through a
// round together, so their dependent chains overlap.
// kV registers: the first 4 * kV lanes.
template <std::size_t kV>
__attribute__((target("avx2"))) void lanes_avx2(Lanes& lanes, std::uint64_t seed,
                                                std::uint32_t rep) {
  static_assert(kV >= 1 && 4 * kV <= kLanes);
  __m256i a[kV], b[kV], c[kV], d[kV];
  for (std::size_t v = 0; v < kV; ++v) {
    a[v] = _mm256_setzero_si256();
    b[v] = _mm256_set1_epi64x(rep);
    c[v] = _mm256_cvtepu32_epi64(
        _mm_load_si128(reinterpret_cast<const __m128i*>(lanes.name_lo + 4 * v)));
    d[v] = _mm256_cvtepu32_epi64(
        _mm_load_si128(reinterpret_cast<const __m128i*>(lanes.name_hi + 4 * v)));
  }
  const __m256i m0 = _mm256_set1_epi64x(kMul0), m1 = _mm256_set1_epi64x(kMul1);
  const __m256i low = _mm256_set1_epi64x(0xFFFFFFFFu);
  auto k0 = static_cast<std::uint32_t>(seed), k1 = static_cast<std::uint32_t>(seed >> 32);
  for (int r = 0; r < 10; ++r) {
    const __m256i key0 = _mm256_set1_epi64x(k0), key1 = _mm256_set1_epi64x(k1);
    for (std::size_t v = 0; v < kV; ++v) {
      const __m256i p0 = _mm256_mul_epu32(a[v], m0), p1 = _mm256_mul_epu32(c[v], m1);
      a[v] = _mm256_xor_si256(_mm256_xor_si256(_mm256_srli_epi64(p1, 32), b[v]), key0);
      b[v] = _mm256_and_si256(p1, low);
      c[v] = _mm256_xor_si256(_mm256_xor_si256(_mm256_srli_epi64(p0, 32), d[v]), key1);
      d[v] = _mm256_and_si256(p0, low);
    }
    k0 += kBump0;
    k1 += kBump1;
  }
  // Back to 32-bit words: the low halves of the 64-bit lanes.
  const __m256i pack = _mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7);
  const __m256i* const words[4] = {a, b, c, d};
  for (std::size_t w = 0; w < 4; ++w)
    for (std::size_t v = 0; v < kV; ++v)
      _mm_store_si128(reinterpret_cast<__m128i*>(lanes.block[w] + 4 * v),
                      _mm256_castsi256_si128(_mm256_permutevar8x32_epi32(words[w][v], pack)));
}

// As many registers as the lanes in use need: a batch of 5 to 8 decisions pays for two.
__attribute__((target("avx2"))) void avx2_lanes(Lanes& lanes, std::uint64_t seed, std::uint32_t rep,
                                                std::size_t used) {
  static_assert(kLanes == 16);
  switch ((used + 3) / 4) {
    case 0:
      return;
    case 1:
      return lanes_avx2<1>(lanes, seed, rep);
    case 2:
      return lanes_avx2<2>(lanes, seed, rep);
    case 3:
      return lanes_avx2<3>(lanes, seed, rep);
    default:
      return lanes_avx2<4>(lanes, seed, rep);
  }
}

using Kernel = void (*)(Lanes&, std::uint64_t, std::uint32_t, std::size_t);

}  // namespace

bool cpu_has_avx2() {
  __builtin_cpu_init();  // safe to call early, e.g. from another file's static initialiser
  return __builtin_cpu_supports("avx2");
}

void philox_lanes_scalar(PhiloxLanes& lanes, std::uint64_t seed, std::uint32_t replication_lo,
                         std::size_t used) {
  const r123::Philox4x32 philox;
  const r123::Philox4x32::key_type key = {
      {static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)}};
  for (std::size_t i = 0; i < std::min(used, kLanes); ++i) {
    const r123::Philox4x32::ctr_type ctr = {
        {0, replication_lo, lanes.name_lo[i], lanes.name_hi[i]}};
    const auto b = philox(ctr, key);
    for (std::size_t w = 0; w < 4; ++w) lanes.block[w][i] = b[w];
  }
}

void philox_lanes_avx2(PhiloxLanes& lanes, std::uint64_t seed, std::uint32_t replication_lo,
                       std::size_t used) {
  avx2_lanes(lanes, seed, replication_lo, used);
}

namespace {
Kernel best_kernel() { return cpu_has_avx2() ? avx2_lanes : philox_lanes_scalar; }
// Chosen once, at the first call (the CPU does not change under a running program); atomic
// only so that the tests' switch is not a data race with threads that read it.
std::atomic<Kernel>& kernel() {
  static std::atomic<Kernel> chosen{best_kernel()};
  return chosen;
}
}  // namespace

void philox_lanes_force_scalar(bool scalar) {
  kernel().store(scalar ? philox_lanes_scalar : best_kernel(), std::memory_order_relaxed);
}

void philox_lanes(PhiloxLanes& lanes, std::uint64_t seed, std::uint32_t replication_lo,
                  std::size_t used) {
  kernel().load(std::memory_order_relaxed)(lanes, seed, replication_lo, used);
}

}  // namespace progsurv
