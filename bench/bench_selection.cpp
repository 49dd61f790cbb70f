// Ranking and selection (select_systems, selection.hpp) on a synthetic frontier of 4096
// bundles of 12 remedies: observations spent by the sequential procedure against equal
// allocation, and how often each answers right, over seeds (one seed per iteration).
// Two answers are scored:
//   pcs_answer    "the cheapest bundle with mean >= bound": right when the chosen bundle's
//                 true mean is >= bound - epsilon and it costs no more than the cheapest
//                 bundle whose true mean is >= bound + epsilon (the indifference-zone
//                 reading of the question);
//   pcs_frontier  the frontier: for every budget 25, 50, ..., 400, the reported best bundle
//                 within it is within delta of the true best within it.
// The first argument is the batch size B: a batch mean of B replications of a share near
// 0.3 has sd sqrt(0.21 / B) (0.0145 for B = 1000). The second, for equal allocation, is the
// replications per bundle (cap = replications / B). Counters: observations (batch means)
// and replications per run, averaged over the seeds. The smallest equal allocation whose
// PCS matches the sequential procedure's gives the replications saved at equal PCS
// (docs/remedies-search.md).
// Run: build/release/bench/progsurv_bench_selection --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "synthetic_systems.hpp"

namespace {

using progsurv::SelectionOptions;
using progsurv::SelectionResult;
using progsurv::SelectionTarget;

constexpr double kBound = 0.30;
constexpr double kDelta = 0.005;  // half a percentage point
constexpr int kSeeds = 20;

// Batch means of a share near 0.3, correlated 0.6 across bundles by common random numbers;
// 12 remedies with overlapping gains.
const progsurv::testing::Bundles& frontier() {
  static const progsurv::testing::Bundles b = progsurv::testing::make_bundles(
      {40, 25, 10, 60, 15, 30, 20, 50, 5, 35, 45, 12},
      {0.040, 0.030, 0.010, 0.080, 0.015, 0.035, 0.020, 0.060, 0.005, 0.025, 0.045, 0.012}, 0.094,
      0.8);
  return b;
}

double cheapest_cost_at_least(double level) {
  const auto& b = frontier();
  double c = std::numeric_limits<double>::infinity();
  for (std::size_t s = 0; s < b.mean.size(); ++s)
    if (b.mean[s] >= level) c = std::min(c, b.cost[s]);
  return c;
}

double best_mean_within(double budget) {
  const auto& b = frontier();
  double m = -std::numeric_limits<double>::infinity();
  for (std::size_t s = 0; s < b.mean.size(); ++s)
    if (b.cost[s] <= budget) m = std::max(m, b.mean[s]);
  return m;
}

bool frontier_correct(const SelectionResult& r) {
  const auto& b = frontier();
  for (double budget = 25; budget <= 400; budget += 25) {
    int reported = -1;
    for (const int s : r.frontier)
      if (b.cost[static_cast<std::size_t>(s)] <= budget) reported = s;
    if (reported < 0 ||
        b.mean[static_cast<std::size_t>(reported)] < best_mean_within(budget) - kDelta)
      return false;
  }
  return true;
}

bool answer_correct(const SelectionResult& r) {
  if (r.chosen < 0) return false;
  const auto& b = frontier();
  const auto s = static_cast<std::size_t>(r.chosen);
  return b.mean[s] >= kBound - kDelta && b.cost[s] <= cheapest_cost_at_least(kBound + kDelta);
}

void run(benchmark::State& state, bool equal_allocation, std::int64_t cap) {
  const std::int64_t batch = state.range(0);
  const double sd = std::sqrt(0.21 / static_cast<double>(batch));
  const auto& b = frontier();
  progsurv::testing::NormalSystems sys;
  sys.mean = b.mean;
  sys.sd.assign(b.mean.size(), sd);
  sys.rho = 0.6;
  SelectionOptions o;
  o.delta = kDelta;
  o.target = SelectionTarget{kBound, true};
  o.max_observations = cap;
  o.equal_allocation = equal_allocation;
  std::int64_t observations = 0, stages = 0, right = 0, frontier_right = 0, runs = 0, capped = 0;
  for (auto _ : state) {
    sys.seed = static_cast<std::uint64_t>(++runs);
    const SelectionResult r = progsurv::select_systems(b.cost, sys.observer(), o);
    observations += r.total_observations;
    stages += r.stages;
    right += answer_correct(r) ? 1 : 0;
    frontier_right += frontier_correct(r) ? 1 : 0;
    capped += r.termination == progsurv::Termination::Capped ? 1 : 0;
  }
  const auto n = static_cast<double>(runs);
  state.counters["systems"] = static_cast<double>(b.cost.size());
  state.counters["observations"] = static_cast<double>(observations) / n;
  state.counters["replications"] = static_cast<double>(observations * batch) / n;
  state.counters["stages"] = static_cast<double>(stages) / n;
  state.counters["pcs_answer"] = static_cast<double>(right) / n;
  state.counters["pcs_frontier"] = static_cast<double>(frontier_right) / n;
  state.counters["capped"] = static_cast<double>(capped) / n;
}

void BM_Sequential(benchmark::State& state) { run(state, false, 100000); }
void BM_EqualAllocation(benchmark::State& state) {
  run(state, true, state.range(1) / state.range(0));
}

BENCHMARK(BM_Sequential)
    ->ArgsProduct({{1000, 250, 100, 50}})
    ->Iterations(kSeeds)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_EqualAllocation)
    ->ArgsProduct({{1000, 250, 100}, {25000, 50000, 100000, 200000, 400000}})
    ->Iterations(kSeeds)
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
