// How much of a replication's time is drawing its random numbers (docs/performance.md).
//
// This program compiles the engine's replication, distribution and scenario sources a
// second time with the Rng trace hooks (PROGSURV_RNG_TRACE in rng.hpp), and the linker
// wraps the engine's calls to the inverse CDFs (--wrap, see bench/CMakeLists.txt). One
// traced pass records, for each of kRecorded replications of the scenario, every decision
// stream it opens, every uniform it draws and every inverse CDF it evaluates, in order.
// Then:
//   BM_Replication   runs those replications (tracing off);
//   BM_UniformsOnly  replays exactly their uniforms and nothing else: the same decision
//                    streams opened, the same uniforms drawn (checked bitwise first); as
//                    the engine, each replication computes its slots' first blocks together
//                    (first_blocks) and each later phase's when the phase starts
//                    (phase_first_blocks), and the streams opened from a batch start from
//                    their block;
//   BM_DrawsOnly     replays the uniforms and the inverse CDFs they go through: every
//                    variate the replications drew, bitwise;
//   BM_InversesOnly  the inverse CDFs alone, each at the uniform it was evaluated at;
//   BM_BlocksIdeal   the Philox blocks the replications' draws need, in the fewest 16-lane
//                    batches, as if every name were known when the replication starts:
//                    with BM_InversesOnly, a floor under any engine that gives these
//                    variates bitwise one replication at a time (docs/performance.md);
//   BM_ReplicationThreads  replications on 1 and 2 threads sharing nothing: the machine's
//                    ceiling for thread scaling, to compare with BM_Run in progsurv_bench.
// Run: build/release/bench/progsurv_bench_rng [--benchmark_repetitions=5]
// Scenario: scenarios/baseline.yaml, or the file named by PROGSURV_BENCH_SCENARIO; 16,384
// replications recorded, or PROGSURV_BENCH_REPLICATIONS.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "progsurv/engine/programme.hpp"
#include "progsurv/engine/replication.hpp"
#include "progsurv/engine/tally.hpp"

namespace progsurv {
bool rng_trace_enabled = false;
}

using progsurv::Distribution;
using progsurv::Rng;

namespace {

constexpr std::uint64_t kSeed = 42;
// How many replications are recorded: 16,384, or PROGSURV_BENCH_REPLICATIONS. The replays read
// their recording (about 5 kB per baseline replication) from memory; with fewer, it stays in
// the caches, as the engine's own state does (docs/performance.md, part Q).
std::uint64_t recorded_count() {
  const char* v = std::getenv("PROGSURV_BENCH_REPLICATIONS");
  const long long n = v && *v ? std::atoll(v) : 16384;
  if (n < 1) throw std::runtime_error("PROGSURV_BENCH_REPLICATIONS must be a positive count");
  return static_cast<std::uint64_t>(n);
}
const std::uint64_t kRecorded = recorded_count();

static_assert(std::is_trivially_copyable_v<Rng>, "the bench copies decision streams bytewise");

enum class OpKind : std::uint8_t { Open, Uniform, Quantile, Residual, Block, Batch };

struct Op {
  OpKind kind = OpKind::Uniform;
  std::uint16_t stream = 0;    // which of the replication's decision streams (Batch: phase)
  const void* what = nullptr;  // the Distribution
  // Open: the stream as it was opened (bytes: an Rng member would trace its own opening).
  alignas(Rng) unsigned char opened[sizeof(Rng)] = {};
  double value = 0.0;  // the variate drawn, for the bitwise check
  double u = 0.0;      // Quantile, Residual: the uniform it was evaluated at
};

// Recording state: the ops of the replication being traced and its stream objects.
std::vector<Op>* g_ops = nullptr;
std::vector<const Rng*> g_streams;

std::uint16_t stream_index(const Rng* rng) {
  for (std::size_t i = g_streams.size(); i-- > 0;)
    if (g_streams[i] == rng) return static_cast<std::uint16_t>(i);
  throw std::runtime_error("a draw from a stream that was never opened");
}

}  // namespace

void progsurv::rng_trace_open(const Rng* rng) {
  if (!g_ops) return;
  g_streams.push_back(rng);
  Op op;
  op.kind = OpKind::Open;
  op.stream = static_cast<std::uint16_t>(g_streams.size() - 1);
  std::memcpy(op.opened, static_cast<const void*>(rng), sizeof(Rng));
  g_ops->push_back(op);
}

void progsurv::rng_trace_draw(const Rng* rng) {
  if (!g_ops) return;
  Op op;
  op.kind = OpKind::Uniform;
  op.stream = stream_index(rng);
  g_ops->push_back(op);
}

// A block computed one at a time (a dependent Philox chain), counted only.
void progsurv::rng_trace_block(const Rng* rng) {
  if (!g_ops) return;
  Op op;
  op.kind = OpKind::Block;
  op.stream = stream_index(rng);
  g_ops->push_back(op);
}

// A later phase's batch of first blocks: the replay computes it again.
void progsurv::rng_trace_batch(std::size_t phase) {
  if (!g_ops) return;
  Op op;
  op.kind = OpKind::Batch;
  op.stream = static_cast<std::uint16_t>(phase);
  g_ops->push_back(op);
}

// The linker sends the engine's calls to the inverse CDFs here (--wrap); __real_* are the
// functions themselves. Member functions take `this` first in the Itanium ABI.
extern "C" {
double __real__ZNK8progsurv12Distribution8quantileEd(const Distribution*, double);
double __real__ZNK8progsurv12Distribution17residual_quantileEd(const Distribution*, double);

double __wrap__ZNK8progsurv12Distribution8quantileEd(const Distribution* d, double u) {
  const double x = __real__ZNK8progsurv12Distribution8quantileEd(d, u);
  if (g_ops) {
    Op op;
    op.kind = OpKind::Quantile;
    op.what = d;
    op.value = x;
    op.u = u;
    g_ops->push_back(op);
  }
  return x;
}
double __wrap__ZNK8progsurv12Distribution17residual_quantileEd(const Distribution* d, double u) {
  const double x = __real__ZNK8progsurv12Distribution17residual_quantileEd(d, u);
  if (g_ops) {
    Op op;
    op.kind = OpKind::Residual;
    op.what = d;
    op.value = x;
    op.u = u;
    g_ops->push_back(op);
  }
  return x;
}
}

namespace {

struct Recording {
  progsurv::Scenario scenario;
  std::vector<Op> ops;
  std::vector<std::size_t> begin;  // ops of replication r: [begin[r], begin[r + 1])
  std::uint64_t streams = 0, uniforms = 0, variates = 0;
  // Philox blocks: computed one at a time (dependent chains), and lanes of batches (first
  // blocks: 16 per replication, plus the later phases').
  std::uint64_t scalar_blocks = 0, batch_lanes = 0;
};

// Replays the ops of one replication; returns the sum of what was drawn. kInverses also
// evaluates the inverse CDFs (each at the uniform it was evaluated at, which the replay
// has just drawn again). kCheck compares every variate with the recorded one.
template <bool kInverses, bool kCheck>
double replay(const Op* first, const Op* last, std::vector<Rng>& streams,
              const progsurv::Scenario& scenario, std::uint64_t rep, progsurv::PhaseBlocks& later) {
  double sink = 0.0;
  for (const Op* op = first; op != last; ++op) {
    double x = 0.0;
    switch (op->kind) {
      case OpKind::Block:
        continue;
      case OpKind::Batch:
        progsurv::phase_first_blocks(later, scenario, op->stream, kSeed, rep);
        benchmark::DoNotOptimize(later.lanes.block);
        continue;
      case OpKind::Open:
        std::memcpy(static_cast<void*>(&streams[op->stream]), op->opened, sizeof(Rng));
        continue;
      case OpKind::Uniform:
        x = streams[op->stream].uniform();
        break;
      case OpKind::Quantile:
        if (!kInverses) continue;
        x = __real__ZNK8progsurv12Distribution8quantileEd(
            static_cast<const Distribution*>(op->what), op->u);
        break;
      case OpKind::Residual:
        if (!kInverses) continue;
        x = __real__ZNK8progsurv12Distribution17residual_quantileEd(
            static_cast<const Distribution*>(op->what), op->u);
        break;
    }
    if constexpr (kCheck) {
      if (op->kind != OpKind::Uniform && std::memcmp(&x, &op->value, sizeof x) != 0)
        throw std::runtime_error("replayed draw differs from the replication's");
    }
    sink += x;
  }
  return sink;
}

// The batches of first blocks a replication computes: the first when it starts, then each
// later phase's (the streams opened from a batch were recorded with their block in them).
struct Batches {
  progsurv::PhiloxLanes first;
  progsurv::PhaseBlocks later;
};

// One replication's replay, with the batches of first blocks the engine computes.
template <bool kInverses, bool kCheck>
double replay_replication(const Recording& r, std::uint64_t rep, std::vector<Rng>& streams,
                          Batches& batches) {
  progsurv::first_blocks(batches.first, kSeed, rep);
  benchmark::DoNotOptimize(batches.first.block);
  return replay<kInverses, kCheck>(r.ops.data() + r.begin[rep], r.ops.data() + r.begin[rep + 1],
                                   streams, r.scenario, rep, batches.later);
}

const Recording& recording() {
  static const Recording rec = [] {
    Recording r;
    const char* path = std::getenv("PROGSURV_BENCH_SCENARIO");
    r.scenario = progsurv::Scenario::load(
        path && *path ? path : PROGSURV_SOURCE_DIR "/scenarios/baseline.yaml");
    std::vector<Op> ops;
    progsurv::rng_trace_enabled = true;
    std::size_t most_streams = 0;
    for (std::uint64_t rep = 0; rep < kRecorded; ++rep) {
      ops.clear();
      g_streams.clear();
      g_ops = &ops;
      progsurv::simulate_replication(r.scenario, kSeed, rep);
      g_ops = nullptr;
      most_streams = std::max(most_streams, g_streams.size());
      r.begin.push_back(r.ops.size());
      r.ops.insert(r.ops.end(), ops.begin(), ops.end());
    }
    progsurv::rng_trace_enabled = false;
    r.begin.push_back(r.ops.size());
    for (const Op& op : r.ops) {
      r.streams += op.kind == OpKind::Open;
      r.uniforms += op.kind == OpKind::Uniform;
      r.variates += op.kind == OpKind::Quantile || op.kind == OpKind::Residual;
      r.scalar_blocks += op.kind == OpKind::Block;
    }
    progsurv::PhaseBlocks later;
    r.batch_lanes = kRecorded * progsurv::PhiloxLanes::kLanes;
    for (std::uint64_t rep = 0; rep < kRecorded; ++rep)
      for (std::size_t i = r.begin[rep]; i < r.begin[rep + 1]; ++i)
        if (r.ops[i].kind == OpKind::Batch)
          r.batch_lanes +=
              progsurv::phase_first_blocks(later, r.scenario, r.ops[i].stream, kSeed, rep);
    // The replay draws exactly the replications' numbers: every variate bitwise.
    std::vector<Rng> streams(most_streams);
    Batches batches;
    for (std::uint64_t rep = 0; rep < kRecorded; ++rep)
      replay_replication<true, true>(r, rep, streams, batches);
    return r;
  }();
  return rec;
}

std::size_t most_streams(const Recording& r) {
  std::size_t most = 0;
  for (const Op& op : r.ops)
    if (op.kind == OpKind::Open) most = std::max(most, static_cast<std::size_t>(op.stream) + 1);
  return most;
}

void per_replication_counters(benchmark::State& state, const Recording& r) {
  const double n = static_cast<double>(kRecorded);
  state.counters["replications_per_second"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * n, benchmark::Counter::kIsRate);
  state.counters["streams"] = static_cast<double>(r.streams) / n;
  state.counters["uniforms"] = static_cast<double>(r.uniforms) / n;
  state.counters["variates"] = static_cast<double>(r.variates) / n;
  state.counters["scalar_blocks"] = static_cast<double>(r.scalar_blocks) / n;
  state.counters["batch_lanes"] = static_cast<double>(r.batch_lanes) / n;
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

// Exactly their uniforms: the decision streams opened and the uniforms drawn, nothing else.
void BM_UniformsOnly(benchmark::State& state) {
  const Recording& r = recording();
  std::vector<Rng> streams(most_streams(r));
  Batches batches;
  for (auto _ : state) {
    double sink = 0.0;
    for (std::uint64_t rep = 0; rep < kRecorded; ++rep)
      sink += replay_replication<false, false>(r, rep, streams, batches);
    benchmark::DoNotOptimize(sink);
  }
  per_replication_counters(state, r);
}
BENCHMARK(BM_UniformsOnly)->Unit(benchmark::kMillisecond);

// The uniforms and the inverse CDFs they go through: every variate, nothing else.
void BM_DrawsOnly(benchmark::State& state) {
  const Recording& r = recording();
  std::vector<Rng> streams(most_streams(r));
  Batches batches;
  for (auto _ : state) {
    double sink = 0.0;
    for (std::uint64_t rep = 0; rep < kRecorded; ++rep)
      sink += replay_replication<true, false>(r, rep, streams, batches);
    benchmark::DoNotOptimize(sink);
  }
  per_replication_counters(state, r);
}
BENCHMARK(BM_DrawsOnly)->Unit(benchmark::kMillisecond);

// The inverse CDFs alone, each at its recorded uniform: what a replication pays for its
// variates' arithmetic (glibc's log and exp, the PINV tables) whatever draws its uniforms.
void BM_InversesOnly(benchmark::State& state) {
  const Recording& r = recording();
  std::vector<Op> inverses;
  for (const Op& op : r.ops)
    if (op.kind == OpKind::Quantile || op.kind == OpKind::Residual) inverses.push_back(op);
  for (auto _ : state) {
    double sink = 0.0;
    for (const Op& op : inverses)
      sink += op.kind == OpKind::Quantile ? __real__ZNK8progsurv12Distribution8quantileEd(
                                                static_cast<const Distribution*>(op.what), op.u)
                                          : __real__ZNK8progsurv12Distribution17residual_quantileEd(
                                                static_cast<const Distribution*>(op.what), op.u);
    benchmark::DoNotOptimize(sink);
  }
  per_replication_counters(state, r);
}
BENCHMARK(BM_InversesOnly)->Unit(benchmark::kMillisecond);

// The blocks a replication's draws need (a block gives two 64-bit draws, so a stream that
// draws k of them needs ceil(k / 2); a stream opened and never drawn, none), in as few
// batches as hold them (16 lanes each, the last only as wide as it needs): the cheapest way
// this CPU computes that many Philox4x32-10 blocks, ignoring that an engine learns most
// names only as the replication unfolds.
void BM_BlocksIdeal(benchmark::State& state) {
  const Recording& r = recording();
  std::vector<std::size_t> blocks(kRecorded, 0);
  std::vector<std::size_t> draws;
  for (std::uint64_t rep = 0; rep < kRecorded; ++rep) {
    draws.clear();
    for (std::size_t i = r.begin[rep]; i < r.begin[rep + 1]; ++i) {
      const Op& op = r.ops[i];
      if (op.kind != OpKind::Uniform) continue;
      if (op.stream >= draws.size()) draws.resize(op.stream + std::size_t{1}, 0);
      ++draws[op.stream];
    }
    for (std::size_t k : draws) blocks[rep] += (k + 1) / 2;
  }
  progsurv::PhiloxLanes lanes;
  for (std::size_t i = 0; i < progsurv::PhiloxLanes::kLanes; ++i) {
    lanes.name_lo[i] = static_cast<std::uint32_t>(i);
    lanes.name_hi[i] = 0;
  }
  std::uint64_t computed = 0;
  for (auto _ : state) {
    for (std::uint64_t rep = 0; rep < kRecorded; ++rep)
      for (std::size_t left = blocks[rep]; left > 0;) {
        const std::size_t n = std::min(left, progsurv::PhiloxLanes::kLanes);
        progsurv::philox_lanes(lanes, kSeed, static_cast<std::uint32_t>(rep), n);
        benchmark::DoNotOptimize(lanes.block);
        left -= n;
        computed += n;
      }
  }
  per_replication_counters(state, r);
  state.counters["blocks"] =
      static_cast<double>(computed) / static_cast<double>(state.iterations() * kRecorded);
}
BENCHMARK(BM_BlocksIdeal)->Unit(benchmark::kMillisecond);

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
