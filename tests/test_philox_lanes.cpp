// A replication's first Philox blocks computed together (docs/performance.md, issue 21): the
// AVX2 path and the one-block-at-a-time path give Random123's blocks bit for bit, and every
// draw the engine takes from a precomputed block is the draw its decision's own stream gives.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <tuple>
#include <vector>

#include "progsurv/engine/replication.hpp"
#include "progsurv/model/philox_lanes.hpp"
#include "progsurv/model/rng.hpp"
#include "progsurv/scenario/scenario.hpp"

using namespace progsurv;

namespace {

constexpr std::size_t kLanes = PhiloxLanes::kLanes;

PhiloxLanes random_names(std::mt19937_64& gen) {
  PhiloxLanes lanes{};
  for (std::size_t i = 0; i < kLanes; ++i) {
    const std::uint64_t name = gen();
    lanes.name_lo[i] = static_cast<std::uint32_t>(name);
    lanes.name_hi[i] = static_cast<std::uint32_t>(name >> 32);
  }
  return lanes;
}

void expect_random123(const PhiloxLanes& lanes, std::uint64_t seed, std::uint32_t rep) {
  const r123::Philox4x32::key_type key = {
      {static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)}};
  for (std::size_t i = 0; i < kLanes; ++i) {
    const auto b = r123::Philox4x32()({{0, rep, lanes.name_lo[i], lanes.name_hi[i]}}, key);
    for (std::size_t w = 0; w < 4; ++w) ASSERT_EQ(lanes.block[w][i], b[w]) << "lane " << i;
  }
}

TEST(PhiloxLanes, ScalarPathIsRandom123) {
  std::mt19937_64 gen(21);
  for (int n = 0; n < 1000; ++n) {
    PhiloxLanes lanes = random_names(gen);
    const std::uint64_t seed = gen();
    const auto rep = static_cast<std::uint32_t>(gen());
    philox_lanes_scalar(lanes, seed, rep);
    expect_random123(lanes, seed, rep);
  }
}

TEST(PhiloxLanes, Avx2PathGivesTheScalarPathsBlocks) {
  if (!cpu_has_avx2()) GTEST_SKIP() << "no AVX2 on this CPU: the engine uses the scalar path";
  std::mt19937_64 gen(2026);
  for (int n = 0; n < 100000; ++n) {
    PhiloxLanes a = random_names(gen);
    // Edge words as well as random ones: all bits set, none set.
    if (n % 3 == 1) a.name_hi[n % kLanes] = 0xFFFFFFFFu;
    if (n % 3 == 2) a.name_lo[n % kLanes] = 0;
    PhiloxLanes b = a;
    const std::uint64_t seed = n % 5 == 0 ? ~std::uint64_t{0} : gen();
    const auto rep = static_cast<std::uint32_t>(n % 7 == 0 ? 0xFFFFFFFFu : gen());
    philox_lanes_avx2(a, seed, rep);
    philox_lanes_scalar(b, seed, rep);
    for (std::size_t w = 0; w < 4; ++w)
      for (std::size_t i = 0; i < kLanes; ++i)
        ASSERT_EQ(a.block[w][i], b.block[w][i]) << "word " << w << " lane " << i << " round " << n;
  }
}

TEST(PhiloxLanes, DispatchedPathIsRandom123) {
  std::mt19937_64 gen(7);
  PhiloxLanes lanes = random_names(gen);
  philox_lanes(lanes, 42, 99);
  expect_random123(lanes, 42, 99);
}

// An Rng given its first block draws what the same decision's own stream draws, past the
// first block too.
TEST(PhiloxLanes, RngFromFirstBlockDrawsAsItsOwnStream) {
  std::mt19937_64 gen(5);
  for (int n = 0; n < 1000; ++n) {
    const std::uint64_t seed = gen(), rep = gen();
    const auto m = static_cast<Mechanism>(gen() % static_cast<std::uint64_t>(Mechanism::Count));
    const Place place{gen() & Place::kMask};
    const auto entity = static_cast<std::uint32_t>(gen() & 0xFFF);
    const std::uint64_t name = Rng::name(rep, m, place, entity);
    PhiloxLanes lanes{};
    lanes.name_lo[3] = static_cast<std::uint32_t>(name);
    lanes.name_hi[3] = static_cast<std::uint32_t>(name >> 32);
    philox_lanes(lanes, seed, static_cast<std::uint32_t>(rep));
    Rng mine(seed, rep, m, place, entity,
             {{lanes.block[0][3], lanes.block[1][3], lanes.block[2][3], lanes.block[3][3]}});
    Rng own(seed, rep, m, place, entity);
    for (int k = 0; k < 5; ++k) ASSERT_EQ(mine(), own()) << "draw " << k;
  }
}

// The engine on the scalar path (a CPU without AVX2) gives the same replications as on the
// CPU's own path: every record field, bitwise, over baseline replications.
TEST(PhiloxLanes, EngineGivesTheSameReplicationsOnBothPaths) {
  if (!cpu_has_avx2()) GTEST_SKIP() << "no AVX2 on this CPU: the engine has one path only";
  const Scenario s = Scenario::load(PROGSURV_SOURCE_DIR "/scenarios/baseline.yaml");
  std::vector<ReplicationRecord> best;
  for (std::uint64_t rep = 0; rep < 20000; ++rep) best.push_back(simulate_replication(s, 11, rep));
  philox_lanes_force_scalar(true);
  std::vector<ReplicationRecord> scalar;
  for (std::uint64_t rep = 0; rep < 20000; ++rep)
    scalar.push_back(simulate_replication(s, 11, rep));
  philox_lanes_force_scalar(false);
  int started = 0;
  for (std::size_t i = 0; i < best.size(); ++i) {
    const ReplicationRecord &a = best[i], &b = scalar[i];
    ASSERT_TRUE(a.outcome == b.outcome && a.cause == b.cause && a.end_time == b.end_time &&
                a.phases_delivered == b.phases_delivered && a.value == b.value &&
                a.time == b.time && a.sponsor_changes == b.sponsor_changes &&
                a.handoffs == b.handoffs && a.breaks == b.breaks &&
                a.escalations == b.escalations && a.disengagements == b.disengagements &&
                a.customer_trust == b.customer_trust && a.initial_level == b.initial_level)
        << "replication " << i;
    started += a.outcome != Outcome::NotStarted;
  }
  EXPECT_GT(started, 10000);  // the phase slots were drawn, not only the proposal's
}

// Every uniform a replication draws, from a precomputed block or not, is one of the first
// draws of its decision's own stream, and the first a decision draws is its draw 0: a slot
// or a phase batch's lane that named another decision than its call site would fail this.
// Replications past 2^32 put bits in the name (Rng's counter word 3). Returns how many draws
// were checked.
std::size_t expect_own_draws(const Scenario& s, std::size_t replications) {
  const std::uint64_t seed = 2026;
  std::vector<std::uint64_t> reps;
  for (std::uint64_t r = 0; r < replications; ++r) reps.push_back(r);
  for (std::uint64_t r = 0; r < 200; ++r) reps.push_back((std::uint64_t{1} << 32) * 5 + r);
  std::size_t checked = 0;
  std::vector<DrawTrace> trace;
  for (const std::uint64_t rep : reps) {
    trace.clear();
    simulate_replication(s, seed, rep, &trace);
    std::map<std::tuple<int, std::uint64_t, std::uint32_t>, int> seen;
    for (const DrawTrace& d : trace) {
      Rng own(seed, rep, d.mechanism, Place{d.place}, d.entity);
      const int first = seen[{static_cast<int>(d.mechanism), d.place, d.entity}]++;
      bool found = false;
      for (int k = 0; k < 4 && !found; ++k) {
        found = own.uniform() == d.u;
        if (first == 0) break;  // a decision's first draw is its draw 0
      }
      EXPECT_TRUE(found) << "replication " << rep << " mechanism " << static_cast<int>(d.mechanism)
                         << " place " << d.place;
      if (!found) return checked;
      ++checked;
    }
  }
  return checked;
}

TEST(PhiloxLanes, EngineDrawsAreTheirDecisionsOwnDraws) {
  const Scenario s = Scenario::load(PROGSURV_SOURCE_DIR "/scenarios/baseline.yaml");
  EXPECT_GT(expect_own_draws(s, 3000), 3200u * 10);
}

// A later phase whose decisions do not all fit in its batch: 11 steps (more than the 8 a
// layout holds), consecutive steps in one silo (no handoff between them), so the lanes run
// out mid-phase and the rest are drawn one block at a time. Both paths give the same
// replications, and every draw is its decision's own.
TEST(PhiloxLanes, LongLaterPhaseOverflowsItsBatchAndDrawsTheSame) {
  Scenario s = Scenario::load(PROGSURV_SOURCE_DIR "/scenarios/baseline.yaml");
  auto& steps = s.phases[1].steps;
  const int silos[] = {0, 1, 1, 2, 3, 3, 4, 0, 2, 2, 1};
  steps.clear();
  for (const int silo : silos) steps.push_back({silo, Distribution::exponential(0.2)});
  s.finalize();
  EXPECT_GT(expect_own_draws(s, 3000), 3200u * 10);
  // Steps past the layout's 8 were reached and drawn.
  std::vector<DrawTrace> trace;
  int late_steps = 0;
  for (std::uint64_t rep = 0; rep < 3000; ++rep) {
    trace.clear();
    simulate_replication(s, 5, rep, &trace);
    for (const DrawTrace& d : trace)
      late_steps +=
          d.mechanism == Mechanism::Work && (d.place >> 26) == 1 && ((d.place >> 16) & 0x3FF) >= 8;
  }
  EXPECT_GT(late_steps, 100);
  if (!cpu_has_avx2()) return;
  std::vector<ReplicationRecord> best;
  for (std::uint64_t rep = 0; rep < 5000; ++rep) best.push_back(simulate_replication(s, 3, rep));
  philox_lanes_force_scalar(true);
  for (std::uint64_t rep = 0; rep < 5000; ++rep) {
    const ReplicationRecord a = best[rep], b = simulate_replication(s, 3, rep);
    if (!(a.outcome == b.outcome && a.end_time == b.end_time && a.time == b.time &&
          a.handoffs == b.handoffs && a.breaks == b.breaks && a.value == b.value)) {
      philox_lanes_force_scalar(false);
      FAIL() << "replication " << rep;
    }
  }
  philox_lanes_force_scalar(false);
}

// The kernels compute the lanes in use: 1 to 16 of them, whole registers on the AVX2 path,
// each as Random123 gives it.
TEST(PhiloxLanes, PartialBatchesAreRandom123) {
  std::mt19937_64 gen(99);
  for (std::size_t used = 0; used <= kLanes; ++used) {
    for (int n = 0; n < 200; ++n) {
      PhiloxLanes a = random_names(gen);
      PhiloxLanes b = a;
      const std::uint64_t seed = gen();
      const auto rep = static_cast<std::uint32_t>(gen());
      philox_lanes_scalar(a, seed, rep, used);
      if (cpu_has_avx2()) philox_lanes_avx2(b, seed, rep, used);
      const r123::Philox4x32::key_type key = {
          {static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)}};
      for (std::size_t i = 0; i < used; ++i) {
        const auto want = r123::Philox4x32()({{0, rep, a.name_lo[i], a.name_hi[i]}}, key);
        for (std::size_t w = 0; w < 4; ++w) {
          ASSERT_EQ(a.block[w][i], want[w]) << "scalar, used " << used << " lane " << i;
          if (cpu_has_avx2()) {
            ASSERT_EQ(b.block[w][i], want[w]) << "AVX2, used " << used << " lane " << i;
          }
        }
      }
    }
  }
}

}  // namespace
