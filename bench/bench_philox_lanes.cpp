// What computing the first Philox4x32-10 blocks of many decisions together could save
// (docs/performance.md, issue 21): N blocks for one replication (the same key and
// replication, N decision names), computed
//   BM_PhiloxScalar        one block at a time, as Rng does (Random123's Philox4x32);
//   BM_PhiloxLanes32       in a lane loop over 32-bit words that GCC vectorises (how the
//                          batch tried before was written);
//   BM_PhiloxLanesMulEven  with each word in a 64-bit lane, so that the 32x32->64 product
//                          is one vpmuludq per 4 lanes and nothing is shuffled (AVX2,
//                          skipped where the CPU has none);
//   BM_PhiloxLanesMulEven512  the same with 8 lanes to an AVX-512 register (vpmuludq on zmm;
//                          skipped without AVX-512F), whether a 512-bit kernel would pay
//                          (Zen 4 executes a 512-bit operation as two 256-bit halves).
// Each variant is checked bitwise against Random123 before it is timed; the time per
// benchmark iteration covers the N blocks, copying the names in and the blocks out.
// Run: build/release/bench/progsurv_bench_philox_lanes [--benchmark_repetitions=5]
#include <benchmark/benchmark.h>
#include <immintrin.h>

#include <Random123/philox.h>
#include <cstdint>
#include <cstring>
#include <vector>

namespace {

using u32 = std::uint32_t;
using u64 = std::uint64_t;
constexpr u32 kMul0 = 0xD2511F53u, kMul1 = 0xCD9E8D57u;    // Philox4x32's multipliers
constexpr u32 kBump0 = 0x9E3779B9u, kBump1 = 0xBB67AE85u;  // and its key schedule
constexpr int kMaxLanes = 32;

// The counter words that differ between decisions (the name), and the blocks out.
struct Blocks {
  alignas(64) u32 w0[kMaxLanes], w1[kMaxLanes], w2[kMaxLanes], w3[kMaxLanes];
};

void names(int n, u32* c2, u32* c3) {
  for (int i = 0; i < n; ++i) {
    c2[i] = static_cast<u32>(i * 0x10001u + 7u);
    c3[i] = (static_cast<u32>(i % 19) << 26) | static_cast<u32>(i);
  }
}

__attribute__((noinline)) void scalar(int n, const u32* c2, const u32* c3, u32 rep, u32 k0, u32 k1,
                                      Blocks& out) {
  const r123::Philox4x32 philox;
  const r123::Philox4x32::key_type key = {{k0, k1}};
  for (int i = 0; i < n; ++i) {
    const r123::Philox4x32::ctr_type ctr = {{0, rep, c2[i], c3[i]}};
    const auto b = philox(ctr, key);
    out.w0[i] = b[0];
    out.w1[i] = b[1];
    out.w2[i] = b[2];
    out.w3[i] = b[3];
  }
}

template <int N>
__attribute__((noinline)) void lanes32(const u32* c2, const u32* c3, u32 rep, u32 k0, u32 k1,
                                       Blocks& out) {
  u32 a[N], b[N], c[N], d[N];
  for (int i = 0; i < N; ++i) {
    a[i] = 0;
    b[i] = rep;
    c[i] = c2[i];
    d[i] = c3[i];
  }
  for (int r = 0; r < 10; ++r) {
    for (int i = 0; i < N; ++i) {
      const u64 p0 = u64{kMul0} * a[i], p1 = u64{kMul1} * c[i];
      const u32 na = static_cast<u32>(p1 >> 32) ^ b[i] ^ k0;
      const u32 nc = static_cast<u32>(p0 >> 32) ^ d[i] ^ k1;
      b[i] = static_cast<u32>(p1);
      d[i] = static_cast<u32>(p0);
      a[i] = na;
      c[i] = nc;
    }
    k0 += kBump0;
    k1 += kBump1;
  }
  std::memcpy(out.w0, a, sizeof a);
  std::memcpy(out.w1, b, sizeof b);
  std::memcpy(out.w2, c, sizeof c);
  std::memcpy(out.w3, d, sizeof d);
}

// N a multiple of 4: N / 4 independent vectors per word, interleaved, so the rounds'
// dependent chains overlap as the scalar blocks' do in the out-of-order core.
template <int N>
__attribute__((noinline, target("avx2"))) void lanes_mul_even(const u32* c2, const u32* c3, u32 rep,
                                                              u32 k0, u32 k1, Blocks& out) {
  constexpr int V = N / 4;
  __m256i A[V], B[V], C[V], D[V];
  for (int v = 0; v < V; ++v) {
    A[v] = _mm256_setzero_si256();
    B[v] = _mm256_set1_epi64x(rep);
    C[v] = _mm256_cvtepu32_epi64(_mm_loadu_si128(reinterpret_cast<const __m128i*>(c2 + 4 * v)));
    D[v] = _mm256_cvtepu32_epi64(_mm_loadu_si128(reinterpret_cast<const __m128i*>(c3 + 4 * v)));
  }
  const __m256i m0 = _mm256_set1_epi64x(kMul0), m1 = _mm256_set1_epi64x(kMul1);
  const __m256i low = _mm256_set1_epi64x(0xFFFFFFFFu);
  for (int r = 0; r < 10; ++r) {
    const __m256i key0 = _mm256_set1_epi64x(k0), key1 = _mm256_set1_epi64x(k1);
    for (int v = 0; v < V; ++v) {
      const __m256i p0 = _mm256_mul_epu32(A[v], m0), p1 = _mm256_mul_epu32(C[v], m1);
      A[v] = _mm256_xor_si256(_mm256_xor_si256(_mm256_srli_epi64(p1, 32), B[v]), key0);
      B[v] = _mm256_and_si256(p1, low);
      C[v] = _mm256_xor_si256(_mm256_xor_si256(_mm256_srli_epi64(p0, 32), D[v]), key1);
      D[v] = _mm256_and_si256(p0, low);
    }
    k0 += kBump0;
    k1 += kBump1;
  }
  // Back to 32-bit words: the low halves of the 64-bit lanes.
  const __m256i pack = _mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7);
  __m256i* const words[4] = {A, B, C, D};
  u32* const to[4] = {out.w0, out.w1, out.w2, out.w3};
  for (int w = 0; w < 4; ++w)
    for (int v = 0; v < V; ++v)
      _mm_storeu_si128(reinterpret_cast<__m128i*>(to[w] + 4 * v),
                       _mm256_castsi256_si128(_mm256_permutevar8x32_epi32(words[w][v], pack)));
}

// The same with 8 lanes to a 512-bit register (N a multiple of 8). GCC 12's own AVX-512
// headers trip -Wuninitialized (GCC bug 105593, _mm512_undefined_epi32): silenced here only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
template <int N>
__attribute__((noinline, target("avx512f"))) void lanes_mul_even512(const u32* c2, const u32* c3,
                                                                    u32 rep, u32 k0, u32 k1,
                                                                    Blocks& out) {
  constexpr int V = N / 8;
  __m512i A[V], B[V], C[V], D[V];
  for (int v = 0; v < V; ++v) {
    A[v] = _mm512_setzero_si512();
    B[v] = _mm512_set1_epi64(rep);
    C[v] = _mm512_cvtepu32_epi64(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(c2 + 8 * v)));
    D[v] = _mm512_cvtepu32_epi64(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(c3 + 8 * v)));
  }
  const __m512i m0 = _mm512_set1_epi64(kMul0), m1 = _mm512_set1_epi64(kMul1);
  const __m512i low = _mm512_set1_epi64(0xFFFFFFFFu);
  for (int r = 0; r < 10; ++r) {
    const __m512i key0 = _mm512_set1_epi64(k0), key1 = _mm512_set1_epi64(k1);
    for (int v = 0; v < V; ++v) {
      const __m512i p0 = _mm512_mul_epu32(A[v], m0), p1 = _mm512_mul_epu32(C[v], m1);
      A[v] = _mm512_xor_si512(_mm512_xor_si512(_mm512_srli_epi64(p1, 32), B[v]), key0);
      B[v] = _mm512_and_si512(p1, low);
      C[v] = _mm512_xor_si512(_mm512_xor_si512(_mm512_srli_epi64(p0, 32), D[v]), key1);
      D[v] = _mm512_and_si512(p0, low);
    }
    k0 += kBump0;
    k1 += kBump1;
  }
  // Back to 32-bit words: vpmovqd keeps the low halves.
  __m512i* const words[4] = {A, B, C, D};
  u32* const to[4] = {out.w0, out.w1, out.w2, out.w3};
  for (int w = 0; w < 4; ++w)
    for (int v = 0; v < V; ++v)
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(to[w] + 8 * v),
                          _mm512_cvtepi64_epi32(words[w][v]));
}
#pragma GCC diagnostic pop

using Kernel = void (*)(const u32*, const u32*, u32, u32, u32, Blocks&);

bool same(int n, const Blocks& x, const Blocks& y) {
  for (int i = 0; i < n; ++i)
    if (x.w0[i] != y.w0[i] || x.w1[i] != y.w1[i] || x.w2[i] != y.w2[i] || x.w3[i] != y.w3[i])
      return false;
  return true;
}

void run(benchmark::State& state, int n, Kernel kernel) {
  u32 c2[kMaxLanes], c3[kMaxLanes];
  names(n, c2, c3);
  Blocks mine{}, theirs{};
  for (u32 rep = 0; rep < 10000; ++rep) {
    const u32 k0 = rep * 2654435761u, k1 = ~rep;
    if (kernel) kernel(c2, c3, rep, k0, k1, mine);
    scalar(n, c2, c3, rep, k0, k1, theirs);
    if (kernel && !same(n, mine, theirs)) {
      state.SkipWithError("lanes differ from Random123");
      return;
    }
  }
  u32 rep = 0, sink = 0;
  for (auto _ : state) {
    if (kernel)
      kernel(c2, c3, rep, 42, 0, mine);
    else
      scalar(n, c2, c3, rep, 42, 0, mine);
    sink += mine.w0[rep % static_cast<u32>(n)];
    ++rep;
  }
  benchmark::DoNotOptimize(sink);
  state.counters["per_block"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * n,
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

template <int N>
void BM_PhiloxScalar(benchmark::State& state) {
  run(state, N, nullptr);
}
template <int N>
void BM_PhiloxLanes32(benchmark::State& state) {
  run(state, N, lanes32<N>);
}
template <int N>
void BM_PhiloxLanesMulEven(benchmark::State& state) {
  if (!__builtin_cpu_supports("avx2")) {
    state.SkipWithError("no AVX2 on this CPU");
    return;
  }
  run(state, N, lanes_mul_even<N>);
}

template <int N>
void BM_PhiloxLanesMulEven512(benchmark::State& state) {
  if (!__builtin_cpu_supports("avx512f")) {
    state.SkipWithError("no AVX-512F on this CPU");
    return;
  }
  run(state, N, lanes_mul_even512<N>);
}

BENCHMARK_TEMPLATE(BM_PhiloxScalar, 8);
BENCHMARK_TEMPLATE(BM_PhiloxScalar, 24);
BENCHMARK_TEMPLATE(BM_PhiloxLanes32, 8);
BENCHMARK_TEMPLATE(BM_PhiloxLanes32, 24);
BENCHMARK_TEMPLATE(BM_PhiloxLanesMulEven, 8);
BENCHMARK_TEMPLATE(BM_PhiloxLanesMulEven, 24);
BENCHMARK_TEMPLATE(BM_PhiloxLanesMulEven, 16);
BENCHMARK_TEMPLATE(BM_PhiloxLanesMulEven512, 8);
BENCHMARK_TEMPLATE(BM_PhiloxLanesMulEven512, 16);
BENCHMARK_TEMPLATE(BM_PhiloxLanesMulEven512, 24);

}  // namespace

BENCHMARK_MAIN();
