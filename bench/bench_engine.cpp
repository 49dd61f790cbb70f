// Replications per second on scenarios/baseline.yaml, records off.
// Run: build/release/bench/progsurv_bench --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>

#include "progsurv/engine/run.hpp"

namespace {

const progsurv::Scenario& baseline() {
  static const progsurv::Scenario s =
      progsurv::Scenario::load(PROGSURV_SOURCE_DIR "/scenarios/baseline.yaml");
  return s;
}

// One replication at a time on one core: the per-core throughput.
void BM_Replication(benchmark::State& state) {
  const auto& s = baseline();
  progsurv::Tally tally(s);
  std::uint64_t r = 0;
  for (auto _ : state) tally.add(progsurv::simulate_replication(s, 42, r++));
  benchmark::DoNotOptimize(tally.n);
  state.counters["replications_per_second"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Replication);

// The whole run() path (chunks, merges, summary) with a given number of threads.
void BM_Run(benchmark::State& state) {
  const auto& s = baseline();
  progsurv::RunOptions opt;
  opt.replications = 1 << 18;
  opt.threads = static_cast<int>(state.range(0));
  for (auto _ : state) {
    auto result = progsurv::run(s, opt);
    benchmark::DoNotOptimize(result.tally.n);
  }
  state.counters["replications_per_second"] = benchmark::Counter(
      static_cast<double>(state.iterations() * opt.replications), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Run)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
