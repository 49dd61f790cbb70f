// Randomness keyed to each decision (docs/model.md, Randomness and reproducibility): a change to
// one decision leaves every other decision's draws bitwise unchanged, so common random numbers hold
// across any change of one parameter.
#include <gtest/gtest.h>

#include <map>
#include <tuple>

#include "progsurv/engine/replication.hpp"
#include "progsurv/scenario/scenario.hpp"

using namespace progsurv;

namespace {

const Scenario& baseline() {
  static const Scenario s = Scenario::load(PROGSURV_SOURCE_DIR "/scenarios/baseline.yaml");
  return s;
}

using Key = std::pair<int, std::uint64_t>;  // mechanism, place
struct Draws {
  std::map<Key, std::vector<double>> by_decision;
};

Draws trace(const Scenario& s, std::uint64_t rep, ReplicationRecord* rec = nullptr) {
  std::vector<DrawTrace> t;
  const ReplicationRecord r = simulate_replication(s, 2026, rep, &t);
  if (rec) *rec = r;
  Draws d;
  for (const auto& e : t) d.by_decision[{static_cast<int>(e.mechanism), e.place}].push_back(e.u);
  return d;
}

// Every decision both runs took drew the same uniforms; returns how many were compared.
int expect_same_shared_draws(const Draws& a, const Draws& b) {
  int shared = 0;
  for (const auto& [key, u] : a.by_decision) {
    const auto it = b.by_decision.find(key);
    if (it == b.by_decision.end()) continue;
    EXPECT_EQ(u, it->second) << "mechanism " << key.first << " place " << key.second;
    ++shared;
  }
  return shared;
}

bool same_record(const ReplicationRecord& a, const ReplicationRecord& b) {
  return a.outcome == b.outcome && a.cause == b.cause && a.end_time == b.end_time &&
         a.phases_delivered == b.phases_delivered && a.value == b.value && a.time == b.time &&
         a.sponsor_changes == b.sponsor_changes && a.handoffs == b.handoffs &&
         a.breaks == b.breaks && a.escalations == b.escalations &&
         a.disengagements == b.disengagements && a.customer_trust == b.customer_trust;
}

TEST(Keying, AddingAStepToPhaseOneLeavesEveryOtherDecisionAlone) {
  Scenario more = baseline();
  // A third step in phase 1, owned by sales like the step before it (no new handoff).
  more.phases[0].steps.push_back(
      {more.phases[0].steps.back().silo, Distribution::exponential(2.0)});
  more.finalize();
  int shared = 0, later_work = 0, untouched = 0;
  for (std::uint64_t r = 0; r < 2000; ++r) {
    ReplicationRecord ra, rb;
    const Draws a = trace(baseline(), r, &ra), b = trace(more, r, &rb);
    shared += expect_same_shared_draws(a, b);
    // Later phases' work decisions keep their names, hence their draws.
    for (const auto& [key, u] : a.by_decision)
      if (key.first == static_cast<int>(Mechanism::Work) && (key.second >> 26) >= 1 &&
          b.by_decision.count(key))
        ++later_work;
    // A replication that never reaches the added step is the same replication, bit for bit.
    if (!b.by_decision.count({static_cast<int>(Mechanism::Work), Place::at(0, 2).bits})) {
      EXPECT_TRUE(same_record(ra, rb)) << "replication " << r;
      ++untouched;
    }
  }
  EXPECT_GT(shared, 10000);
  EXPECT_GT(later_work, 500);
  EXPECT_GT(untouched, 500);
}

TEST(Keying, ChangingOneStepsWorkLeavesEveryOtherDrawAlone) {
  Scenario slower = baseline();
  slower.phases[0].steps[0].work = Distribution::pert(2.0, 5.0, 8.0);  // mode 4 -> 5
  slower.finalize();
  const Key first_step{static_cast<int>(Mechanism::Work), Place::at(0, 0).bits};
  int shared = 0, drawn = 0, moved = 0;
  for (std::uint64_t r = 0; r < 2000; ++r) {
    ReplicationRecord ra, rb;
    const Draws a = trace(baseline(), r, &ra), b = trace(slower, r, &rb);
    shared += expect_same_shared_draws(a, b);
    if (!a.by_decision.count(first_step)) {
      EXPECT_TRUE(same_record(ra, rb)) << "replication " << r;
      continue;
    }
    // A replication that draws the changed decision: everything before it is the same, so
    // the slower run draws it too, with the same uniform; its value moved, monotonically.
    ++drawn;
    ASSERT_TRUE(b.by_decision.count(first_step)) << "replication " << r;
    const double u = a.by_decision.at(first_step).front();
    EXPECT_EQ(b.by_decision.at(first_step).front(), u) << "replication " << r;
    EXPECT_LT(baseline().phases[0].steps[0].work.quantile(u),
              slower.phases[0].steps[0].work.quantile(u));
    // Its other draws, wherever both runs reach them, are unchanged (checked above); only
    // their timing moved, so some records differ.
    moved += !same_record(ra, rb);
  }
  EXPECT_GT(shared, 10000);
  EXPECT_GT(drawn, 500);
  EXPECT_GT(moved, 100);
}

TEST(Keying, DecisionsDependOnTheirNameOnly) {
  Rng a(1, 2, Mechanism::Work, Place::at(0, 1)), b(1, 2, Mechanism::Work, Place::at(0, 1));
  EXPECT_EQ(a.uniform(), b.uniform());
  const double base = Rng(1, 2, Mechanism::Work, Place::at(0, 1)).uniform();
  EXPECT_NE(base, Rng(1, 2, Mechanism::Work, Place::at(0, 2)).uniform());
  EXPECT_NE(base, Rng(1, 2, Mechanism::Work, Place::at(1, 1)).uniform());
  EXPECT_NE(base, Rng(1, 2, Mechanism::Handoff, Place::at(0, 1)).uniform());
  EXPECT_NE(base, Rng(1, 3, Mechanism::Work, Place::at(0, 1)).uniform());
  EXPECT_NE(base, Rng(2, 2, Mechanism::Work, Place::at(0, 1)).uniform());
  EXPECT_NE(base, Rng(1, 2, Mechanism::Work, Place::at(0, 1), 1).uniform());
  EXPECT_NE(base, Rng(1, 2 + (std::uint64_t{1} << 32), Mechanism::Work, Place::at(0, 1)).uniform());
}

}  // namespace
