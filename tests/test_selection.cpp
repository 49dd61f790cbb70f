// Ranking and selection (selection.hpp): KN elimination with dominance, feasibility against
// a bound, the answer, budget, equal allocation, bad arguments and cancelling, on synthetic
// systems of known means (synthetic_systems.hpp).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>
#include <string>

#include "progsurv/analysis/selection.hpp"
#include "progsurv/engine/cancel.hpp"
#include "synthetic_systems.hpp"

namespace progsurv {
namespace {

using testing::BernoulliSystems;
using testing::NormalSystems;

// The frontier read from true means: for each distinct cost, the best system of cost <= it
// when it is strictly better than every cheaper frontier point (maximising).
std::vector<int> true_frontier(const std::vector<double>& cost, const std::vector<double>& mean) {
  std::vector<int> order(cost.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return cost[a] < cost[b]; });
  std::vector<int> frontier;
  for (std::size_t g = 0; g < order.size();) {
    std::size_t end = g;
    int top = order[g];
    while (end < order.size() && cost[order[end]] == cost[order[g]]) {
      if (mean[order[end]] > mean[top]) top = order[end];
      ++end;
    }
    if (frontier.empty() || mean[top] > mean[frontier.back()]) frontier.push_back(top);
    g = end;
  }
  return frontier;
}

// Lower limit for an estimated PCS over `runs` seeds: the claimed 1 - alpha less three
// standard deviations of the estimate (Monte Carlo slack; KN is conservative, so the
// measured PCS is usually well above 1 - alpha).
double pcs_floor(double alpha, int runs) {
  return 1.0 - alpha - 3.0 * std::sqrt(alpha * (1.0 - alpha) / runs);
}

// Slippage configuration: 10 systems of cost 0..9, system 6 better by exactly delta, the
// others equal. The prefix {cost <= 9} has best 6, delta better than every other system,
// so KN claims P(6 is reported best) >= 1 - alpha.
TEST(Selection, SlippagePcsNormalWithCommonRandomNumbers) {
  const int k = 10, runs = 400;
  const double delta = 0.5, alpha = 0.05;
  std::vector<double> cost(k);
  for (int i = 0; i < k; ++i) cost[i] = i;
  int correct = 0;
  std::int64_t spent = 0;
  for (int seed = 1; seed <= runs; ++seed) {
    NormalSystems sys;
    sys.mean.assign(k, 0.0);
    sys.mean[6] = delta;
    sys.sd.assign(k, 1.0);
    sys.rho = 0.3;
    sys.seed = static_cast<std::uint64_t>(seed);
    SelectionOptions o;
    o.alpha = alpha;
    o.delta = delta;
    o.max_observations = 100000;  // never reached: the procedure converges first
    const SelectionResult r = select_systems(cost, sys.observer(), o);
    ASSERT_EQ(r.termination, Termination::Converged) << "seed " << seed;
    spent += r.total_observations;
    if (r.best == 6 && !r.systems[6].eliminated) ++correct;
  }
  const double pcs = static_cast<double>(correct) / runs;
  EXPECT_GE(pcs, pcs_floor(alpha, runs)) << correct << " of " << runs;
  // Sanity: the procedure did sample (more than the first stage on average).
  EXPECT_GT(static_cast<double>(spent) / runs, 20.0 * k);
}

// How often KN picks the best of k independent Bernoulli systems (share p, the best at
// index `best` higher by delta), observed as batch means of `batch` replications, over
// `runs` seeds; every search must converge.
int slippage_correct_bernoulli(int k, int runs, double p, int best, double delta, double alpha,
                               int batch) {
  std::vector<double> cost(k);
  for (int i = 0; i < k; ++i) cost[i] = 10.0 * i;
  int correct = 0;
  for (int seed = 1; seed <= runs; ++seed) {
    BernoulliSystems sys;
    sys.p.assign(k, p);
    sys.p[best] = p + delta;
    sys.batch = batch;
    sys.common = false;
    sys.seed = static_cast<std::uint64_t>(seed);
    SelectionOptions o;
    o.alpha = alpha;
    o.delta = delta;
    o.max_observations = 100000;
    const SelectionResult r = select_systems(cost, sys.observer(), o);
    EXPECT_EQ(r.termination, Termination::Converged) << "seed " << seed;
    if (r.best == best && !r.systems[static_cast<std::size_t>(best)].eliminated) ++correct;
  }
  return correct;
}

// The same with independent Bernoulli batch means (100 replications a batch), as
// proportions such as P(completed) come from the engine.
TEST(Selection, SlippagePcsBernoulliBatchMeans) {
  const int runs = 200;
  const int correct = slippage_correct_bernoulli(8, runs, 0.30, 3, 0.04, 0.05, 100);
  EXPECT_GE(static_cast<double>(correct) / runs, pcs_floor(0.05, runs))
      << correct << " of " << runs;
}

// The remedies' default for shares is batches of 50 (default_batch, remedies.hpp): the
// claimed PCS must hold there too, for a rare share (2.5 events a batch, far from normal)
// without the help of common random numbers.
TEST(Selection, SlippagePcsRareShareBatchesOf50) {
  const int runs = 400;
  const int correct = slippage_correct_bernoulli(8, runs, 0.05, 5, 0.02, 0.05, 50);
  EXPECT_GE(static_cast<double>(correct) / runs, pcs_floor(0.05, runs))
      << correct << " of " << runs;
}

// Systems with a frontier whose neighbours are at least delta apart: the best of every cost
// prefix is found, and every elimination was by a system of no greater cost.
TEST(Selection, FrontierBestOfEachCost) {
  const std::vector<double> cost = {0, 10, 10, 20, 30, 30, 40, 50};
  const std::vector<double> mean = {0.10, 0.20, 0.15, 0.18, 0.30, 0.40, 0.35, 0.50};
  const std::vector<int> expected = true_frontier(cost, mean);
  ASSERT_EQ(expected, (std::vector<int>{0, 1, 5, 7}));
  int exact = 0;
  const int runs = 20;
  for (int seed = 1; seed <= runs; ++seed) {
    NormalSystems sys;
    sys.mean = mean;
    sys.sd.assign(cost.size(), 0.05);
    sys.rho = 0.5;
    sys.seed = static_cast<std::uint64_t>(seed);
    SelectionOptions o;
    o.delta = 0.02;
    o.max_observations = 100000;
    const SelectionResult r = select_systems(cost, sys.observer(), o);
    EXPECT_EQ(r.termination, Termination::Converged);
    if (r.frontier == expected) ++exact;
    EXPECT_EQ(r.best, 7);
    for (std::size_t s = 0; s < cost.size(); ++s) {
      const SystemSelection& x = r.systems[s];
      if (!x.eliminated) continue;
      ASSERT_GE(x.eliminated_by, 0);
      EXPECT_LE(cost[x.eliminated_by], cost[s]) << "system " << s << " seed " << seed;
      EXPECT_GT(x.eliminated_at, 0);
      EXPECT_EQ(static_cast<std::int64_t>(x.observations.size()), x.eliminated_at);
    }
    // The cheapest system cannot be eliminated (nothing is cheaper or as cheap).
    EXPECT_FALSE(r.systems[0].eliminated);
    // Converged: the survivors are exactly the frontier.
    std::vector<int> survivors;
    for (std::size_t s = 0; s < cost.size(); ++s)
      if (!r.systems[s].eliminated) survivors.push_back(static_cast<int>(s));
    EXPECT_EQ(survivors, r.frontier);
  }
  EXPECT_GE(exact, runs - 1) << exact << " of " << runs;
}

// A better system that costs more is never knocked out by a cheaper, worse one: the
// dominance rule, seen on a two-system frontier where elimination without it would drop
// the expensive system at once.
TEST(Selection, ExpensiveBetterSystemIsNotEliminatedByCheaperOne) {
  NormalSystems sys;
  sys.mean = {0.0, 1.0, 0.9};
  sys.sd = {0.1, 0.1, 0.1};
  sys.seed = 7;
  SelectionOptions o;
  o.delta = 0.05;
  const SelectionResult r = select_systems({0, 100, 5}, sys.observer(), o);
  EXPECT_FALSE(r.systems[1].eliminated);
  EXPECT_FALSE(r.systems[2].eliminated);
  EXPECT_EQ(r.frontier, (std::vector<int>{0, 2, 1}));
  // The pairs are settled as soon as the dearer system is clearly better (gaps of 2 delta
  // and more), long before W reaches 0 (at about h^2 S^2 / delta^2 = 56 observations).
  EXPECT_EQ(r.termination, Termination::Converged);
  for (const auto& s : r.systems) EXPECT_LT(s.observations.size(), 40u);
  // Minimising the same numbers: the cheapest is best, the others are knocked out by it.
  o.maximise = false;
  const SelectionResult m = select_systems({0, 100, 5}, sys.observer(), o);
  EXPECT_TRUE(m.systems[1].eliminated);
  EXPECT_TRUE(m.systems[2].eliminated);
  EXPECT_EQ(m.systems[1].eliminated_by, 0);
  EXPECT_EQ(m.frontier, (std::vector<int>{0}));
  EXPECT_EQ(m.best, 0);
}

// A dearer system better by less than delta is inside the indifference zone: not on the
// frontier (the cheaper one stands for both); better by more than delta, it is.
TEST(Selection, FrontierSkipsGainsInsideTheIndifferenceZone) {
  NormalSystems sys;
  sys.mean = {0.0, 1.0, 1.02, 1.2};
  sys.sd = {0.05, 0.05, 0.05, 0.05};
  sys.rho = 0.8;
  sys.seed = 11;
  SelectionOptions o;
  o.delta = 0.1;
  const SelectionResult r = select_systems({0, 10, 20, 30}, sys.observer(), o);
  EXPECT_EQ(r.frontier, (std::vector<int>{0, 1, 3}));
  EXPECT_EQ(r.best, 3);
  // With a smaller indifference zone the 0.02 gain is worth telling apart.
  o.delta = 0.01;
  const SelectionResult fine = select_systems({0, 10, 20, 30}, sys.observer(), o);
  EXPECT_EQ(fine.frontier, (std::vector<int>{0, 1, 2, 3}));
}

// The frontier's threshold is delta / 2, the middle of the indifference zone: a gain of
// 0.3 delta is hidden, one of 0.7 delta shown (a threshold of delta hid true gains just
// above delta about half the time, issue 17). Estimates here are within 0.002 of the truth.
TEST(Selection, FrontierThresholdIsHalfTheIndifferenceZone) {
  NormalSystems sys;
  sys.mean = {0.0, 1.0, 1.03, 1.07, 1.2};
  sys.sd.assign(5, 0.01);
  sys.rho = 0.8;
  sys.seed = 5;
  SelectionOptions o;
  o.delta = 0.1;
  const SelectionResult r = select_systems({0, 10, 20, 30, 40}, sys.observer(), o);
  EXPECT_EQ(r.frontier, (std::vector<int>{0, 1, 3, 4}));
}

// Normal systems (sd 0.05, correlation 0.5) against the target ">= 0.25", epsilon and delta
// 0.02. By default six systems of cost 0..50: 0 and 1 fall short, 2 and 3 (0.30, 0.32) meet
// it, 4 and 5 meet it easily.
const std::vector<double> kFeasibilityCost = {0, 10, 20, 30, 40, 50};
const std::vector<double> kFeasibilityMean = {0.10, 0.18, 0.30, 0.32, 0.40, 0.45};
SelectionResult select_feasible(int seed, SelectionOptions o = {},
                                const std::vector<double>& cost = kFeasibilityCost,
                                const std::vector<double>& mean = kFeasibilityMean) {
  NormalSystems sys;
  sys.mean = mean;
  sys.sd.assign(cost.size(), 0.05);
  sys.rho = 0.5;
  sys.seed = static_cast<std::uint64_t>(seed);
  o.delta = 0.02;
  o.epsilon = 0.02;
  o.target = SelectionTarget{0.25, true};
  o.max_observations = 100000;
  return select_systems(cost, sys.observer(), o);
}

// Feasibility against ">= 0.25": every system at least 0.05 from the bound (epsilon 0.02)
// is classified right; the chosen one is the cheapest feasible, the runner-up the next.
TEST(Selection, FeasibilityChosenAndRunnerUp) {
  for (int seed = 1; seed <= 10; ++seed) {
    const SelectionResult r = select_feasible(seed);
    ASSERT_EQ(r.termination, Termination::Converged);
    EXPECT_EQ(r.systems[0].feasibility, Feasibility::Infeasible) << "seed " << seed;
    EXPECT_EQ(r.systems[1].feasibility, Feasibility::Infeasible) << "seed " << seed;
    EXPECT_EQ(r.systems[2].feasibility, Feasibility::Feasible) << "seed " << seed;
    EXPECT_EQ(r.systems[3].feasibility, Feasibility::Feasible) << "seed " << seed;
    // Two cheaper systems are feasible: 4 and 5 need no decision, and none is wrong.
    EXPECT_NE(r.systems[4].feasibility, Feasibility::Infeasible);
    EXPECT_NE(r.systems[5].feasibility, Feasibility::Infeasible);
    EXPECT_EQ(r.chosen, 2);
    EXPECT_EQ(r.runner_up, 3);
    EXPECT_GT(r.systems[2].p_meets, 0.95);
    EXPECT_GT(r.systems[3].p_meets, 0.95);
    EXPECT_LT(r.systems[0].p_meets, 0.05);
    EXPECT_GT(r.systems[2].decided_at, 0);
    EXPECT_GT(r.feasibility_h2, 0.0);
  }
}

// A system that extends the chosen one (the chosen remedies and more) is no alternative to
// it: the runner-up is the next that does not, and it is decided although two cheaper
// systems are feasible.
TEST(Selection, RunnerUpDoesNotExtendTheChosen) {
  for (int seed = 1; seed <= 10; ++seed) {
    SelectionOptions o;
    o.extends = [](int a, int b) { return a == 3 && b == 2; };
    const SelectionResult r = select_feasible(seed, o);
    ASSERT_EQ(r.termination, Termination::Converged);
    EXPECT_EQ(r.chosen, 2) << "seed " << seed;
    EXPECT_EQ(r.runner_up, 4) << "seed " << seed;
    EXPECT_EQ(r.systems[4].feasibility, Feasibility::Feasible) << "seed " << seed;
    // Whether 5 is decided depends on when 2 is (it is checked until 2 and 4 are feasible
    // and nothing as cheap as 2 is undecided); it is never wrong.
    EXPECT_NE(r.systems[5].feasibility, Feasibility::Infeasible) << "seed " << seed;
  }
}

// The chosen system decided late (just above the bound), after two dearer ones that extend
// it: they may not stop the check of the alternative that is the runner-up.
TEST(Selection, RunnerUpIsDecidedWhenTheChosenIsDecidedLast) {
  const std::vector<double> cost = {0, 10, 20, 30, 40};
  const std::vector<double> mean = {0.10, 0.275, 0.45, 0.50, 0.55};
  for (int seed = 1; seed <= 10; ++seed) {
    SelectionOptions o;
    o.extends = [](int a, int b) { return (a == 2 || a == 3) && b == 1; };
    const SelectionResult r = select_feasible(seed, o, cost, mean);
    EXPECT_EQ(r.chosen, 1) << "seed " << seed;
    EXPECT_EQ(r.runner_up, 4) << "seed " << seed;
    EXPECT_EQ(r.systems[4].feasibility, Feasibility::Feasible) << "seed " << seed;
  }
}

// "<=" with a metric to minimise (a share of programmes ended by a cause).
TEST(Selection, FeasibilityAtMostWhenMinimising) {
  const std::vector<double> cost = {0, 10, 20, 30};
  NormalSystems sys;
  sys.mean = {0.30, 0.20, 0.07, 0.04};
  sys.sd.assign(4, 0.04);
  sys.seed = 3;
  SelectionOptions o;
  o.delta = 0.01;
  o.maximise = false;
  o.target = SelectionTarget{0.10, false};
  const SelectionResult r = select_systems(cost, sys.observer(), o);
  EXPECT_EQ(r.systems[0].feasibility, Feasibility::Infeasible);
  EXPECT_EQ(r.systems[1].feasibility, Feasibility::Infeasible);
  EXPECT_EQ(r.chosen, 2);
  EXPECT_EQ(r.runner_up, 3);
  EXPECT_EQ(r.frontier, (std::vector<int>{0, 1, 2, 3}));
  EXPECT_GT(r.systems[2].p_meets, 0.95);
}

// No system meets the bound: nothing is chosen, and the ones decided are infeasible.
TEST(Selection, TargetOutOfReach) {
  NormalSystems sys;
  sys.mean = {0.1, 0.2, 0.3};
  sys.sd.assign(3, 0.05);
  SelectionOptions o;
  o.delta = 0.02;
  o.target = SelectionTarget{0.6, true};
  const SelectionResult r = select_systems({0, 1, 2}, sys.observer(), o);
  EXPECT_EQ(r.chosen, -1);
  EXPECT_EQ(r.runner_up, -1);
  for (const auto& s : r.systems) EXPECT_EQ(s.feasibility, Feasibility::Infeasible);
}

// A budget keeps the systems above it out: never observed, never on the frontier, and the
// best is the best within the budget; with a target, the answer is within the budget too.
TEST(Selection, BudgetRestricts) {
  const std::vector<double> cost = {0, 10, 20, 30, 40, 50};
  NormalSystems sys;
  sys.mean = {0.10, 0.18, 0.30, 0.32, 0.40, 0.45};
  sys.sd.assign(cost.size(), 0.05);
  sys.seed = 11;
  SelectionOptions o;
  o.delta = 0.02;
  o.budget = 35.0;
  const SelectionResult r = select_systems(cost, sys.observer(), o);
  EXPECT_EQ(r.k, 4);
  EXPECT_EQ(r.best, 3);
  EXPECT_FALSE(r.systems[4].takes_part);
  EXPECT_TRUE(r.systems[4].observations.empty());
  EXPECT_TRUE(r.systems[5].observations.empty());
  EXPECT_TRUE(std::isnan(r.systems[5].mean));
  for (int s : r.frontier) EXPECT_LE(cost[s], 35.0);
  // The same without a budget finds the more expensive best.
  o.budget.reset();
  EXPECT_EQ(select_systems(cost, sys.observer(), o).best, 5);
  // With a target only met above the budget, nothing is chosen.
  o.budget = 15.0;
  o.target = SelectionTarget{0.25, true};
  const SelectionResult t = select_systems(cost, sys.observer(), o);
  EXPECT_EQ(t.chosen, -1);
  EXPECT_EQ(t.best, 1);
}

// Equal allocation spends k * cap; the sequential procedure, on a 64-bundle frontier with a
// cap it never reaches (its longest-sampled system took 120 observations), far fewer:
// 2897 against 25600 measured, a ratio of 8.8, asserted with margin.
TEST(Selection, EqualAllocationSpendsFarMore) {
  const testing::Bundles b = testing::make_bundles({10, 20, 5, 40, 15, 25},
                                                   {0.04, 0.06, 0.01, 0.12, 0.03, 0.05}, 0.10, 0.5);
  NormalSystems sys;
  sys.mean = b.mean;
  sys.sd.assign(b.mean.size(), 0.05);
  sys.rho = 0.5;
  sys.seed = 5;
  SelectionOptions o;
  o.delta = 0.02;
  o.max_observations = 400;
  o.target = SelectionTarget{0.25, true};
  const SelectionResult seq = select_systems(b.cost, sys.observer(), o);
  EXPECT_EQ(seq.termination, Termination::Converged);
  o.equal_allocation = true;
  const SelectionResult eq = select_systems(b.cost, sys.observer(), o);
  EXPECT_EQ(eq.termination, Termination::Fixed);
  EXPECT_EQ(eq.total_observations, 64 * 400);
  for (const auto& s : eq.systems) {
    EXPECT_EQ(s.observations.size(), 400u);
    EXPECT_FALSE(s.eliminated);
  }
  const double ratio =
      static_cast<double>(eq.total_observations) / static_cast<double>(seq.total_observations);
  EXPECT_GT(ratio, 6.0) << "sequential " << seq.total_observations;
  // Both answer the question the same way here.
  EXPECT_EQ(seq.chosen, eq.chosen);
}

// Blocks: the first asks every system for 0..n0-1, later ones continue each system where it
// stopped; observations are kept in order; the stage count stays small; two runs agree.
TEST(Selection, BlocksAreContiguousAndTheRunIsDeterministic) {
  const testing::Bundles b =
      testing::make_bundles({10, 20, 5, 40, 15}, {0.04, 0.06, 0.01, 0.12, 0.03}, 0.10, 0.5);
  NormalSystems sys;
  sys.mean = b.mean;
  sys.sd.assign(b.mean.size(), 0.05);
  sys.rho = 0.5;
  std::map<int, std::int64_t> next;
  std::vector<std::vector<double>> seen(b.mean.size());
  bool contiguous = true, first_block_ok = true;
  int calls = 0;
  const Observer inner = sys.observer();
  const Observer wrapped = [&](const std::vector<int>& systems, std::int64_t first,
                               std::int64_t count, std::vector<double>& out) {
    if (calls++ == 0) first_block_ok = first == 0 && count == 20 && systems.size() == b.mean.size();
    ASSERT_EQ(out.size(), systems.size() * static_cast<std::size_t>(count));
    for (int s : systems) {
      if (next[s] != first) contiguous = false;
      next[s] = first + count;
    }
    inner(systems, first, count, out);
    for (std::size_t i = 0; i < systems.size(); ++i)
      for (std::int64_t j = 0; j < count; ++j) seen[systems[i]].push_back(out[i * count + j]);
  };
  SelectionOptions o;
  o.delta = 0.005;
  o.max_observations = 20000;
  const SelectionResult r = select_systems(b.cost, wrapped, o);
  EXPECT_TRUE(first_block_ok);
  EXPECT_TRUE(contiguous);
  EXPECT_EQ(r.stages, calls);
  EXPECT_LT(calls, 250);
  std::int64_t total = 0;
  for (std::size_t s = 0; s < b.mean.size(); ++s) {
    EXPECT_EQ(r.systems[s].observations, seen[s]);
    total += static_cast<std::int64_t>(seen[s].size());
  }
  EXPECT_EQ(r.total_observations, total);
  const SelectionResult again = select_systems(b.cost, sys.observer(), o);
  EXPECT_EQ(again.frontier, r.frontier);
  EXPECT_EQ(again.total_observations, r.total_observations);
  for (std::size_t s = 0; s < b.mean.size(); ++s)
    EXPECT_EQ(again.systems[s].observations, r.systems[s].observations);
}

// The parameters reported are KN's: eta from alpha, k and n0.
TEST(Selection, ParametersReported) {
  NormalSystems sys;
  sys.mean = {0, 0, 0, 0, 0};
  sys.sd.assign(5, 1.0);
  SelectionOptions o;
  o.delta = 0.1;
  o.max_observations = 40;
  o.target = SelectionTarget{0.0, true};
  const SelectionResult r = select_systems({0, 1, 2, 3, 4}, sys.observer(), o);
  EXPECT_EQ(r.k, 5);
  const double eta = 0.5 * (std::pow(2 * 0.05 / 4, -2.0 / 19) - 1);
  EXPECT_DOUBLE_EQ(r.eta, eta);
  EXPECT_DOUBLE_EQ(r.h2, 2 * eta * 19);
  const double eta_f = 0.5 * (std::pow(2 * 0.05 / 5, -2.0 / 19) - 1);
  EXPECT_DOUBLE_EQ(r.feasibility_eta, eta_f);
  EXPECT_DOUBLE_EQ(r.options.epsilon, 0.1);
  EXPECT_DOUBLE_EQ(r.options.feasibility_alpha, 0.05);
  // Five equal systems and a cap of 40: the regions cannot all close.
  EXPECT_EQ(r.termination, Termination::Capped);
  for (const auto& s : r.systems) EXPECT_LE(s.observations.size(), 40u);
}

// Beyond 8,192 systems the pair variances are recomputed from the first stage when needed
// instead of being tabled (memory linear in k): the answer is still found.
TEST(Selection, ManySystemsWithoutAPairTable) {
  const int k = 8200;  // 33.6M pairs, over the table's limit of 2^25
  std::vector<double> cost(k);
  NormalSystems sys;
  sys.mean.resize(k);
  sys.sd.assign(k, 0.01);
  for (int s = 0; s < k; ++s) {
    cost[s] = s;
    sys.mean[s] = -0.01 * s;  // dearer and worse: eliminated by system 0
  }
  sys.mean[5000] = 0.5;
  SelectionOptions o;
  o.delta = 0.01;
  const SelectionResult r = select_systems(cost, sys.observer(), o);
  EXPECT_EQ(r.termination, Termination::Converged);
  EXPECT_EQ(r.frontier, (std::vector<int>{0, 5000}));
  int survivors = 0;
  for (int s = 1; s < k; ++s) survivors += r.systems[s].eliminated ? 0 : 1;
  EXPECT_EQ(survivors, 1);  // system 5000 alone
}

void expect_invalid(const std::vector<double>& cost, const SelectionOptions& o,
                    const std::string& needle) {
  NormalSystems sys;
  sys.mean.assign(std::max<std::size_t>(cost.size(), 1), 0.0);
  sys.sd.assign(sys.mean.size(), 1.0);
  try {
    select_systems(cost, sys.observer(), o);
    ADD_FAILURE() << "no exception for " << needle;
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(Selection, BadArgumentsThrow) {
  SelectionOptions ok;
  ok.delta = 0.1;
  const std::vector<double> cost = {0, 1, 2};
  SelectionOptions o = ok;
  o.delta = 0.0;
  expect_invalid(cost, o, "delta");
  o.delta = -1.0;
  expect_invalid(cost, o, "delta");
  o = ok;
  o.alpha = 0.0;
  expect_invalid(cost, o, "alpha");
  o.alpha = 1.0;
  expect_invalid(cost, o, "alpha");
  o = ok;
  o.n0 = 9;
  expect_invalid(cost, o, "n0");
  o = ok;
  o.max_observations = 15;
  expect_invalid(cost, o, "max_observations");
  expect_invalid({0, -1, 2}, ok, "cost of system 1");
  expect_invalid({0, std::nan(""), 2}, ok, "cost of system 1");
  expect_invalid({3, 1, 2}, ok, "system 0");
  expect_invalid({}, ok, "no systems");
  o = ok;
  o.budget = -5.0;
  expect_invalid(cost, o, "budget");
  o = ok;
  o.target = SelectionTarget{0.5, false};  // "<=" while maximising
  expect_invalid(cost, o, "target");
  o = ok;
  o.target = SelectionTarget{std::nan(""), true};
  expect_invalid(cost, o, "bound");
  EXPECT_THROW(select_systems(cost, Observer(), ok), std::invalid_argument);
}

TEST(Selection, ObserverErrorsAreReported) {
  SelectionOptions o;
  o.delta = 0.1;
  const Observer nan_observer = [](const std::vector<int>&, std::int64_t, std::int64_t,
                                   std::vector<double>& out) {
    std::fill(out.begin(), out.end(), std::nan(""));
  };
  EXPECT_THROW(select_systems({0, 1}, nan_observer, o), std::runtime_error);
  const Observer shrinking = [](const std::vector<int>&, std::int64_t, std::int64_t,
                                std::vector<double>& out) { out.resize(1, 0.0); };
  EXPECT_THROW(select_systems({0, 1}, shrinking, o), std::runtime_error);
}

TEST(Selection, CancelStops) {
  NormalSystems sys;
  sys.mean = {0, 0, 0};
  sys.sd.assign(3, 1.0);
  SelectionOptions o;
  o.delta = 0.01;  // far from converging in 3 blocks
  o.max_observations = 100000;
  int calls = 0;
  std::int64_t last_done = 0, planned = 0;
  o.progress = [&](std::int64_t done, std::int64_t plan) {
    EXPECT_GT(done, last_done);
    last_done = done;
    planned = plan;
    return ++calls < 3;
  };
  EXPECT_THROW(select_systems({0, 1, 2}, sys.observer(), o), Cancelled);
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(planned, 3 * 100000);
  EXPECT_EQ(sys.calls, 3);
}

}  // namespace
}  // namespace progsurv
