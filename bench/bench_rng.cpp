// How much of a replication's time is drawing its random numbers (docs/performance.md).
//
// This program compiles the engine's replication, distribution and scenario sources a
// second time with the Rng trace hooks (PROGSURV_RNG_TRACE in rng.hpp), and the linker
// wraps the engine's calls to the samplers (--wrap, see bench/CMakeLists.txt). One traced
// pass records, for each of kRecorded replications of the scenario, every stream it seeds
// and every variate or bare uniform it draws, in order. Then:
//   BM_Replication  runs those replications (tracing off);
//   BM_DrawsOnly    replays exactly their draws and nothing else: the same streams seeded
//                   the same way, the same samplers called in the same order, giving the
//                   same values (checked bitwise before timing);
//   BM_RawWords     draws only as many raw 64-bit xoshiro256++ words as they consumed;
//   BM_ReplicationThreads  replications on 1 and 2 threads sharing nothing: the machine's
//                   ceiling for thread scaling, to compare with BM_Run in progsurv_bench.
// Run: build/release/bench/progsurv_bench_rng [--benchmark_repetitions=5]
// Scenario: scenarios/baseline.yaml, or the file named by PROGSURV_BENCH_SCENARIO.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "progsurv/engine/replication.hpp"
#include "progsurv/engine/tally.hpp"

namespace progsurv {
bool rng_trace_enabled = false;
}

using progsurv::Distribution;
using progsurv::LevelMix;
using progsurv::Mechanism;
using progsurv::Rng;

namespace {

constexpr std::uint64_t kSeed = 42;
constexpr std::uint64_t kRecorded = 16384;
constexpr std::size_t kMaxStreams = 32;

static_assert(std::is_trivially_copyable_v<Rng>, "the bench copies stream states bytewise");

enum class OpKind : std::uint8_t { Reseed, Sample, Residual, Mix, Word };

struct Op {
  OpKind kind = OpKind::Word;
  std::uint8_t mechanism = 0;               // Reseed
  std::uint16_t stream = 0;                 // which of the replication's Rng objects
  const void* what = nullptr;               // the Distribution or LevelMix sampled
  std::uint64_t seed = 0, replication = 0;  // Reseed
  double value = 0.0;                       // the variate drawn, for the bitwise check
};

// Recording state: the ops of the replication being traced and its stream objects.
std::vector<Op>* g_ops = nullptr;
std::vector<const Rng*> g_streams;
int g_depth = 0;  // > 0 inside a sampler: its raw draws belong to the variate

std::uint16_t stream_index(const Rng* rng) {
  for (std::size_t i = 0; i < g_streams.size(); ++i)
    if (g_streams[i] == rng) return static_cast<std::uint16_t>(i);
  if (g_streams.size() == kMaxStreams) throw std::runtime_error("too many streams");
  g_streams.push_back(rng);
  return static_cast<std::uint16_t>(g_streams.size() - 1);
}

}  // namespace

void progsurv::rng_trace_reseed(const Rng* rng, std::uint64_t seed, std::uint64_t replication,
                                Mechanism mechanism) {
  if (!g_ops || g_depth > 0) return;
  Op op;
  op.kind = OpKind::Reseed;
  op.mechanism = static_cast<std::uint8_t>(mechanism);
  op.stream = stream_index(rng);
  op.seed = seed;
  op.replication = replication;
  g_ops->push_back(op);
}

void progsurv::rng_trace_draw(const Rng* rng) {
  if (!g_ops || g_depth > 0) return;
  Op op;
  op.kind = OpKind::Word;
  op.stream = stream_index(rng);
  g_ops->push_back(op);
}

// The linker sends the engine's calls to the samplers here (--wrap); __real_* are the
// samplers themselves. Member functions take `this` first in the Itanium ABI.
extern "C" {
double __real__ZNK8progsurv12Distribution6sampleERNS_3RngE(const Distribution*, Rng&);
double __real__ZNK8progsurv12Distribution15sample_residualERNS_3RngE(const Distribution*, Rng&);
int __real__ZNK8progsurv8LevelMix6sampleERNS_3RngE(const LevelMix*, Rng&);
}

namespace {

template <class Real, class T>
auto traced(OpKind kind, const T* what, Rng& rng, Real real) {
  if (!g_ops || g_depth > 0) return real(what, rng);
  const std::size_t at = g_ops->size();
  Op op;
  op.kind = kind;
  op.stream = stream_index(&rng);
  op.what = what;
  g_ops->push_back(op);
  ++g_depth;
  const auto x = real(what, rng);
  --g_depth;
  (*g_ops)[at].value = static_cast<double>(x);
  return x;
}

}  // namespace

extern "C" {
double __wrap__ZNK8progsurv12Distribution6sampleERNS_3RngE(const Distribution* d, Rng& rng) {
  return traced(OpKind::Sample, d, rng, __real__ZNK8progsurv12Distribution6sampleERNS_3RngE);
}
double __wrap__ZNK8progsurv12Distribution15sample_residualERNS_3RngE(const Distribution* d,
                                                                     Rng& rng) {
  return traced(OpKind::Residual, d, rng,
                __real__ZNK8progsurv12Distribution15sample_residualERNS_3RngE);
}
int __wrap__ZNK8progsurv8LevelMix6sampleERNS_3RngE(const LevelMix* m, Rng& rng) {
  return traced(OpKind::Mix, m, rng, __real__ZNK8progsurv8LevelMix6sampleERNS_3RngE);
}
}

namespace {

// The draws of kRecorded replications, and the words each consumed.
struct Recording {
  progsurv::Scenario scenario;
  std::vector<Op> ops;
  std::vector<std::size_t> begin;  // ops of replication r: [begin[r], begin[r + 1])
  std::uint64_t words = 0, variates = 0, reseeds = 0, bare = 0;
};

// Counts the raw words one op consumed, by stepping a copy of the stream's state before it
// until it matches the state after (Rng is trivially copyable: its state is the object).
std::uint64_t words_used(const unsigned char* before, const Rng& after) {
  Rng probe = after;
  std::memcpy(static_cast<void*>(&probe), before, sizeof(Rng));
  for (std::uint64_t k = 0; k < 100000; ++k) {
    if (std::memcmp(&probe, &after, sizeof(Rng)) == 0) return k;
    probe();
  }
  throw std::runtime_error("could not count the words of a draw");
}

// Replays the ops of one replication on `streams`; returns the sum of what was drawn.
// kCheck compares every variate with the recorded one and counts the words used.
template <bool kCheck>
double replay(const Op* first, const Op* last, Rng* streams, std::uint64_t* words = nullptr) {
  double sink = 0.0;
  for (const Op* op = first; op != last; ++op) {
    Rng& rng = streams[op->stream];
    unsigned char before[sizeof(Rng)];  // the stream's state, copied only when checking
    if constexpr (kCheck) std::memcpy(before, &rng, sizeof(Rng));
    double x = 0.0;
    switch (op->kind) {
      case OpKind::Reseed:
        rng.reseed(op->seed, op->replication, static_cast<Mechanism>(op->mechanism));
        continue;
      case OpKind::Sample:
        x = __real__ZNK8progsurv12Distribution6sampleERNS_3RngE(
            static_cast<const Distribution*>(op->what), rng);
        break;
      case OpKind::Residual:
        x = __real__ZNK8progsurv12Distribution15sample_residualERNS_3RngE(
            static_cast<const Distribution*>(op->what), rng);
        break;
      case OpKind::Mix:
        x = __real__ZNK8progsurv8LevelMix6sampleERNS_3RngE(static_cast<const LevelMix*>(op->what),
                                                           rng);
        break;
      case OpKind::Word:
        x = rng.uniform();  // a bernoulli(p) is uniform() < p: the same one word
        break;
    }
    if constexpr (kCheck) {
      if (op->kind != OpKind::Word && std::memcmp(&x, &op->value, sizeof x) != 0)
        throw std::runtime_error("replayed draw differs from the replication's");
      *words += words_used(before, rng);
    }
    sink += x;
  }
  return sink;
}

const Recording& recording() {
  static const Recording rec = [] {
    Recording r;
    const char* path = std::getenv("PROGSURV_BENCH_SCENARIO");
    r.scenario = progsurv::Scenario::load(
        path && *path ? path : PROGSURV_SOURCE_DIR "/scenarios/baseline.yaml");
    std::vector<Op> ops;
    progsurv::rng_trace_enabled = true;
    for (std::uint64_t rep = 0; rep < kRecorded; ++rep) {
      ops.clear();
      g_streams.clear();
      g_ops = &ops;
      progsurv::simulate_replication(r.scenario, kSeed, rep);
      g_ops = nullptr;
      // A stream object is seeded when it is built and again when first used: only the
      // reseed before its first draw counts (and none for a stream never drawn from).
      std::vector<bool> drawn_after(g_streams.size(), false);
      std::vector<bool> keep(ops.size(), true);
      for (std::size_t i = ops.size(); i-- > 0;) {
        if (ops[i].kind == OpKind::Reseed) {
          keep[i] = drawn_after[ops[i].stream];
          drawn_after[ops[i].stream] = false;
        } else {
          drawn_after[ops[i].stream] = true;
        }
      }
      r.begin.push_back(r.ops.size());
      for (std::size_t i = 0; i < ops.size(); ++i)
        if (keep[i]) r.ops.push_back(ops[i]);
    }
    progsurv::rng_trace_enabled = false;
    r.begin.push_back(r.ops.size());
    for (const Op& op : r.ops) {
      r.reseeds += op.kind == OpKind::Reseed;
      r.bare += op.kind == OpKind::Word;
      r.variates += op.kind != OpKind::Reseed && op.kind != OpKind::Word;
    }
    // The replay draws exactly the replications' numbers: every variate bitwise.
    Rng streams[kMaxStreams];
    for (std::uint64_t rep = 0; rep < kRecorded; ++rep)
      replay<true>(r.ops.data() + r.begin[rep], r.ops.data() + r.begin[rep + 1], streams, &r.words);
    return r;
  }();
  return rec;
}

void per_replication_counters(benchmark::State& state, const Recording& r) {
  const double n = static_cast<double>(kRecorded);
  state.counters["replications_per_second"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * n, benchmark::Counter::kIsRate);
  state.counters["words"] = static_cast<double>(r.words) / n;
  state.counters["variates"] = static_cast<double>(r.variates) / n;
  state.counters["bare_uniforms"] = static_cast<double>(r.bare) / n;
  state.counters["streams"] = static_cast<double>(r.reseeds) / n;
}

// The recorded replications themselves, as the engine runs them (with a tally, as run()).
void BM_Replication(benchmark::State& state) {
  const Recording& r = recording();
  progsurv::Tally tally(r.scenario);
  for (auto _ : state) {
    for (std::uint64_t rep = 0; rep < kRecorded; ++rep)
      tally.add(progsurv::simulate_replication(r.scenario, kSeed, rep));
    benchmark::DoNotOptimize(tally.n);
  }
  per_replication_counters(state, r);
}
BENCHMARK(BM_Replication)->Unit(benchmark::kMillisecond);

// Exactly their random numbers: seeding, variates and bare uniforms, nothing else.
void BM_DrawsOnly(benchmark::State& state) {
  const Recording& r = recording();
  Rng streams[kMaxStreams];
  for (auto _ : state) {
    double sink = 0.0;
    for (std::uint64_t rep = 0; rep < kRecorded; ++rep)
      sink += replay<false>(r.ops.data() + r.begin[rep], r.ops.data() + r.begin[rep + 1], streams);
    benchmark::DoNotOptimize(sink);
  }
  per_replication_counters(state, r);
}
BENCHMARK(BM_DrawsOnly)->Unit(benchmark::kMillisecond);

// The raw generator alone: as many xoshiro256++ words as the replications consumed.
void BM_RawWords(benchmark::State& state) {
  const Recording& r = recording();
  Rng rng(kSeed, 0, Mechanism::Sponsor);
  for (auto _ : state) {
    std::uint64_t sink = 0;
    for (std::uint64_t i = 0; i < r.words; ++i) sink += rng();
    benchmark::DoNotOptimize(sink);
  }
  per_replication_counters(state, r);
}
BENCHMARK(BM_RawWords)->Unit(benchmark::kMillisecond);

// The machine's own ceiling for 1 → 2 threads on this work: each thread runs replications
// with nothing shared (no run(), no merge). BM_Run in progsurv_bench should scale like it.
void BM_ReplicationThreads(benchmark::State& state) {
  const Recording& r = recording();
  progsurv::Tally tally(r.scenario);
  std::uint64_t rep = static_cast<std::uint64_t>(state.thread_index()) << 32;
  for (auto _ : state) tally.add(progsurv::simulate_replication(r.scenario, kSeed, rep++));
  benchmark::DoNotOptimize(tally.n);
  state.counters["replications_per_second"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ReplicationThreads)->Threads(1)->Threads(2)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
