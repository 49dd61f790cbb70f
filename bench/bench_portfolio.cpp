// Organisations per second per core on scenarios/portfolios/ten-years.yaml, and the
// programme-replications per second that makes (organisations/s x launches per
// organisation; docs/performance.md), and the cost of one event as the roster grows.
// Run: build/release/bench/progsurv_bench_portfolio --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>

#include <string>
#include <utility>
#include <vector>

#include "progsurv/portfolio/organisation.hpp"
#include "progsurv/portfolio/portfolio_run.hpp"
#include "progsurv/portfolio/portfolio_tally.hpp"

namespace {

const progsurv::Portfolio& ten_years() {
  static const progsurv::Portfolio p =
      progsurv::Portfolio::load(PROGSURV_SOURCE_DIR "/scenarios/portfolios/ten-years.yaml");
  return p;
}

// One organisation at a time on one core, tallied as a run tallies it: the per-core rate.
void BM_Organisation(benchmark::State& state) {
  const auto& p = ten_years();
  progsurv::PortfolioTally tally(p);
  std::uint64_t org = 0;
  std::int64_t launched = 0;
  progsurv::OrganisationWorkspace workspace;  // as a run's worker keeps one
  for (auto _ : state) {
    const progsurv::OrganisationRecord r =
        progsurv::simulate_organisation(p, 42, org++, {}, workspace);
    launched += static_cast<std::int64_t>(r.programmes.size());
    tally.add(r);
  }
  benchmark::DoNotOptimize(tally.n);
  const auto n = static_cast<double>(state.iterations());
  state.counters["organisations_per_second"] = benchmark::Counter(n, benchmark::Counter::kIsRate);
  state.counters["programme_replications_per_second"] =
      benchmark::Counter(static_cast<double>(launched), benchmark::Counter::kIsRate);
  state.counters["launches_per_organisation"] = static_cast<double>(launched) / n;
}
BENCHMARK(BM_Organisation);

// The same organisation with n posts at every level (4 n posts; ten-years.yaml has 25): the
// time per event of the organisation's loop (time per event, CPU). Each post keeps its own
// tenures, vacancies and lapses, so a larger roster has more events; with an event queue the
// cost of each should grow with log(posts) at most, not with the posts, and the events of
// posts that sponsor nothing (most of them in a large roster) are played outside the loop.
void BM_OrganisationRoster(benchmark::State& state) {
  const auto n = std::to_string(state.range(0));
  std::vector<std::pair<std::string, std::string>> values;
  for (const auto& level : ten_years().level_names) values.emplace_back("roster." + level, n);
  const progsurv::Portfolio p = ten_years().with_values(values);
  std::uint64_t org = 0;
  std::int64_t events = 0;
  progsurv::OrganisationWorkspace workspace;
  for (auto _ : state) {
    const progsurv::OrganisationRecord r =
        progsurv::simulate_organisation(p, 42, org++, {}, workspace);
    events += r.events;
    benchmark::DoNotOptimize(r.programmes.size());
  }
  state.counters["posts"] = static_cast<double>(p.post_count());
  state.counters["events_per_organisation"] =
      static_cast<double>(events) / static_cast<double>(state.iterations());
  state.counters["seconds_per_event"] = benchmark::Counter(
      static_cast<double>(events), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_OrganisationRoster)->Arg(4)->Arg(16)->Arg(64);

// The whole run_portfolio() path (chunks, merges) with a given number of threads.
void BM_PortfolioRun(benchmark::State& state) {
  const auto& p = ten_years();
  progsurv::RunOptions opt;
  opt.replications = 1 << 13;
  opt.threads = static_cast<int>(state.range(0));
  double launched = 0.0;
  for (auto _ : state) {
    auto result = progsurv::run_portfolio(p, opt);
    launched += result.tally.per_org_launched.sum;
    benchmark::DoNotOptimize(result.tally.n);
  }
  state.counters["organisations_per_second"] = benchmark::Counter(
      static_cast<double>(state.iterations() * opt.replications), benchmark::Counter::kIsRate);
  state.counters["programme_replications_per_second"] =
      benchmark::Counter(launched, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_PortfolioRun)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
