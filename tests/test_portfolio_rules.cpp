// One behavioural test (or more) per paragraph of docs/model.md, Portfolio mode: posts and their
// first incumbents, launches, the shared sponsor (exits orphan every programme of the post,
// attention belongs to the incumbent), the shared calendar and budget, cynicism and customer
// trust. Fixed durations make them deterministic; the expected records are worked out in the
// comments. docs/validation.md maps the paragraphs to these tests.
#include <gtest/gtest.h>

#include <cmath>

#include "progsurv/engine/run.hpp"
#include "progsurv/portfolio/organisation.hpp"
#include "progsurv/portfolio/portfolio_run.hpp"
#include "progsurv/portfolio/portfolio_summary.hpp"
#include "scenario_builder.hpp"

using namespace progsurv;
using progsurv::testing::make_portfolio;
using progsurv::testing::simple_scenario;

namespace {

// One phase of `steps` fixed steps (silos alternating), one level "vp" whose incumbents
// never leave, nothing that can end a programme but its completion; horizon 30.
Scenario fixed_template(double work = 5.0, int steps = 1, int silos = 1) {
  Scenario s = simple_scenario(steps, silos);
  for (auto& st : s.phases[0].steps) st.work = Distribution::fixed(work);
  s.horizon = 30.0;
  s.grid = {0.0, 10.0, 20.0, 30.0};
  s.finalize();
  return s;
}

OrganisationRecord org(const Portfolio& p, std::uint64_t o = 0) {
  return simulate_organisation(p, 1, o);
}

RunOptions options(std::int64_t n) {
  RunOptions o;
  o.replications = n;
  o.seed = 3;
  o.threads = 2;
  return o;
}

// ---- posts: the first incumbent's remaining tenure --------------------------------------

// The organisation draws each post's first remaining tenure itself (organisation.cpp): as in
// single mode, a fixed tenure of 10 leaves a residual uniform on [0, 10] and a Weibull of shape
// 2 a residual with CDF erf(x / 10), so one programme of 5 months at t = 0, adoption 0,
// completes with 0.5 and 1 - erf(0.5) = 0.4795 (a full tenure: 1 and 0.7788; the standard
// error at n = 4000 is 0.008).
TEST(PortfolioRulePosts, FirstIncumbentDrawsTheResidualLife) {
  const int n = 4000;
  const std::pair<Distribution, double> cases[] = {
      {Distribution::fixed(10.0), 0.5}, {Distribution::weibull(2.0, 10.0), 1.0 - std::erf(0.5)}};
  for (const auto& [tenure, want] : cases) {
    Scenario s = fixed_template(5.0);
    s.levels[0].tenure = tenure;
    s.initial_sponsor = InitialSponsor::Residual;
    s.succession.adoption = 0.0;
    s.finalize();
    const Portfolio p = make_portfolio({s}, {1}, {{0.0, 0}});
    int completed = 0;
    for (int i = 0; i < n; ++i) {
      const auto r = org(p, static_cast<std::uint64_t>(i));
      completed += r.programmes[0].outcome == Outcome::Completed;
    }
    EXPECT_NEAR(completed / static_cast<double>(n), want, 4 * std::sqrt(want * (1 - want) / n));
  }
}

// ---- shared sponsor: an exit orphans every programme of the post ------------------------

// One post, tenure 10 (fresh), vacancy 2. Three programmes of 20 months at t = 0 and one
// launched at 9 that scopes for 5: the exit at 10 orphans all four; the proposal dies at
// once, the others enter the vacancy (one sponsor change each) and, not adopted, end at 12.
Portfolio orphan_portfolio(double adoption) {
  Scenario s = fixed_template(20.0);
  s.levels[0].tenure = Distribution::fixed(10.0);
  s.initial_sponsor = InitialSponsor::Fresh;
  s.succession.vacancy = Distribution::fixed(2.0);
  s.succession.adoption = adoption;
  s.finalize();
  Scenario scoped = s;
  scoped.scoping = Distribution::fixed(5.0);
  scoped.finalize();
  return make_portfolio({s, scoped}, {1}, {{0.0, 0}, {0.0, 0}, {0.0, 0}, {9.0, 1}});
}

TEST(PortfolioRuleSharedSponsor, AnExitOrphansEveryProgrammeOfThePost) {
  const auto r = org(orphan_portfolio(0.0));
  ASSERT_EQ(r.exits.size(), 1u);
  EXPECT_EQ(r.exits[0].orphaned, 4);
  EXPECT_EQ(r.exits[0].lost, 4);
  EXPECT_EQ(r.exits_by_level[0], 2);  // 10 and 22 (the second sponsors nothing)
  for (int j = 0; j < 3; ++j) {
    EXPECT_EQ(r.programmes[j].cause, Cause::SponsorExit) << j;
    EXPECT_EQ(r.programmes[j].end_time, 12.0) << j;
    EXPECT_EQ(r.programmes[j].sponsor_changes, 1) << j;
    EXPECT_EQ(r.programmes[j].time[static_cast<int>(TimeBucket::Vacant)], 2.0) << j;
  }
  EXPECT_EQ(r.programmes[3].outcome, Outcome::NotStarted);
  EXPECT_EQ(r.programmes[3].end_time, 10.0);
  EXPECT_EQ(r.programmes[3].sponsor_changes, 0);
  // The summary counts four programmes orphaned (and lost) per sponsoring exit.
  const PortfolioSummary sum = summarize(run_portfolio(orphan_portfolio(0.0), options(2000)).tally);
  EXPECT_EQ(sum.orphaned_per_exit, 4.0);
  EXPECT_EQ(sum.lost_per_exit, 4.0);
}

// Adopted: every orphaned programme's clock froze for the vacancy (10-12), so each ends its 20
// months of work at 22; lost counts only the proposal.
TEST(PortfolioRuleSharedSponsor, EveryOrphanFreezesAndDrawsItsOwnAdoption) {
  const auto r = org(orphan_portfolio(1.0));
  ASSERT_EQ(r.exits.size(), 1u);
  EXPECT_EQ(r.exits[0].orphaned, 4);
  EXPECT_EQ(r.exits[0].lost, 1);
  for (int j = 0; j < 3; ++j) {
    EXPECT_EQ(r.programmes[j].outcome, Outcome::Completed) << j;
    EXPECT_EQ(r.programmes[j].end_time, 22.0) << j;
    EXPECT_EQ(r.programmes[j].sponsor_changes, 1) << j;
  }
}

// Attention belongs to the incumbent. Programme 0: work 0-1, pickup 1-2 breaks, escalation
// 2-6; the incumbent (clout 1, disengaged 0) lapses at 1.5. Programme 1, on the same post,
// completes its 5 months at 5: a visible result that re-engages the incumbent for both. The
// escalation is judged at 6 with clout 1 and succeeds (done at 7). Alone, programme 0 fails at
// 6; judged with the clout at its start (disengaged, 0) it would fail too.
TEST(PortfolioRuleSharedSponsor, AnotherProgrammesResultReengagesTheIncumbent) {
  Scenario a = fixed_template(1.0, 2, 2);
  for (auto& silo : a.silos) {
    silo.pickup = Distribution::fixed(1.0);
    silo.break_prob = 1.0;
  }
  a.escalation.delay = Distribution::fixed(4.0);
  a.escalation.max_attempts = 1;
  a.levels[0].clout = 1.0;
  a.levels[0].attention_lapse = Distribution::fixed(1.5);
  a.disengaged.clout = 0.0;
  a.finalize();
  Scenario b = a;
  b.phases[0].steps = {{0, Distribution::fixed(5.0)}};
  b.finalize();
  auto r = org(make_portfolio({a, b}, {1}, {{0.0, 0}, {0.0, 1}}));
  EXPECT_EQ(r.programmes[1].end_time, 5.0);
  EXPECT_EQ(r.programmes[0].outcome, Outcome::Completed);
  EXPECT_EQ(r.programmes[0].end_time, 7.0);
  // Both lapsed at 1.5; programme 0 lapses again at 6.5 (a new lapse drawn at 5).
  EXPECT_EQ(r.programmes[0].disengagements, 2);
  EXPECT_EQ(r.programmes[1].disengagements, 1);
  r = org(make_portfolio({a, b}, {1}, {{0.0, 0}}));
  EXPECT_EQ(r.programmes[0].cause, Cause::HandoffFailure);
  EXPECT_EQ(r.programmes[0].end_time, 6.0);
}

// ---- shared calendar and budget ----------------------------------------------------------

// Reviews at 3, 6, 9 on the organisation's calendar; a programme launched at 2 (theta 3) has
// g = 1 at 3 and 4 at 6: cut at 6 (a calendar from its launch would cut at 8).
TEST(PortfolioRuleCalendar, ReviewsFromTimeZeroGapsFromTheOwnStart) {
  Scenario s = fixed_template(20.0);
  s.patience.model = PatienceModel::Reviews;
  s.patience.threshold = Distribution::fixed(3.0);
  s.patience.review_every = 3.0;
  s.finalize();
  const auto r = org(make_portfolio({s}, {1}, {{2.0, 0}}));
  EXPECT_EQ(r.programmes[0].cause, Cause::Patience);
  EXPECT_EQ(r.programmes[0].end_time, 6.0);
}

// A squeeze every 6 months that always cuts an unprotected programme: clout 1 protects both
// programmes, clout 0 cuts both at 6; a programme still scoping at 6 is not touched.
TEST(PortfolioRuleCalendar, SqueezesCutByTheSponsorsClout) {
  Scenario s = fixed_template(20.0);
  s.budget = {true, 6.0, 1.0, 1.0};
  s.levels[0].clout = 1.0;
  s.finalize();
  Scenario scoped = s;
  scoped.scoping = Distribution::fixed(7.0);
  scoped.finalize();
  const std::vector<PlannedLaunch> launches = {{0.0, 0}, {0.0, 0}, {0.0, 1}};
  auto r = org(make_portfolio({s, scoped}, {1}, launches));
  for (int j = 0; j < 2; ++j) EXPECT_EQ(r.programmes[j].outcome, Outcome::Completed) << j;
  s.levels[0].clout = 0.0;
  s.finalize();
  scoped.levels[0].clout = 0.0;
  scoped.finalize();
  r = org(make_portfolio({s, scoped}, {1}, launches));
  for (int j = 0; j < 2; ++j) {
    EXPECT_EQ(r.programmes[j].cause, Cause::BudgetCut) << j;
    EXPECT_EQ(r.programmes[j].end_time, 6.0) << j;
  }
  EXPECT_EQ(r.programmes[2].cause, Cause::BudgetCut);
  EXPECT_EQ(r.programmes[2].end_time, 12.0);
}

// ---- cynicism ----------------------------------------------------------------------------

// C(0) = 0.5, rise 0.5, relief 0.5, no decay; one programme over by 5; C on the grid at 10.
double cynicism_after(const Scenario& s) {
  Portfolio p = make_portfolio({s}, {1}, {{0.0, 0}});
  p.cynicism.initial = 0.5;
  p.cynicism.rise = 0.5;
  p.cynicism.relief = 0.5;
  const auto r = org(p);
  EXPECT_EQ(r.cynicism[0], 0.5);
  return r.cynicism[1];
}

TEST(PortfolioRuleCynicism, CompletionRelievesEndingRaisesNotStartedLeaves) {
  const Scenario completes = fixed_template(5.0);
  EXPECT_EQ(cynicism_after(completes), 0.25);  // 0.5 * (1 - 0.5)
  Scenario gated = fixed_template(5.0);
  gated.phases.push_back(gated.phases[0]);
  gated.phases[0].continue_prob = 0.0;
  gated.finalize();
  EXPECT_EQ(cynicism_after(gated), 0.75);  // 0.5 + 0.5 * (1 - 0.5)
  Scenario refused = fixed_template(5.0);
  refused.levels[0].approval = 0.0;
  refused.finalize();
  EXPECT_EQ(cynicism_after(refused), 0.5);
}

// ---- customer trust ----------------------------------------------------------------------

// A programme completes at 1 owing a follow-up due at 3 (window 1: late). The organisation
// judges it at 3: T on the grid is 1 at 2 and 0.5 at 4, not 0.5 from the completion on.
TEST(PortfolioRuleTrust, OwedFollowUpIsJudgedAtItsOwnTime) {
  Scenario s = fixed_template(1.0);
  s.phases[0].engage = true;
  s.customers.follow_up = Distribution::fixed(3.0);
  s.customers.follow_up_window = 1.0;
  s.customers.trust_loss = 0.5;
  s.horizon = 10.0;
  s.grid = {0.0, 2.0, 4.0, 10.0};
  s.finalize();
  const auto r = org(make_portfolio({s}, {1}, {{0.0, 0}}));
  EXPECT_EQ(r.programmes[0].outcome, Outcome::Completed);
  ASSERT_EQ(r.trust.size(), 4u);
  EXPECT_EQ(r.trust[1], 1.0);
  EXPECT_EQ(r.trust[2], 0.5);
}

// ---- launches ----------------------------------------------------------------------------

TEST(PortfolioRuleLaunches, CapAndNoFilledPostRefuseAtOnce) {
  const Scenario s = fixed_template(5.0);
  Portfolio capped = make_portfolio({s}, {1}, {{0.0, 0}, {0.0, 0}, {5.0, 0}});
  capped.max_live = 1;
  auto r = org(capped);
  EXPECT_EQ(r.programmes[0].outcome, Outcome::Completed);
  EXPECT_TRUE(r.programmes[1].capped);
  EXPECT_EQ(r.programmes[1].outcome, Outcome::NotStarted);
  // The first ended at 5 (progress comes before launches at the same instant): room again.
  EXPECT_EQ(r.programmes[2].outcome, Outcome::Completed);
  EXPECT_EQ(r.programmes[2].end_time, 10.0);
  r = org(make_portfolio({s}, {0}, {{0.0, 0}}));
  EXPECT_EQ(r.programmes[0].outcome, Outcome::NotStarted);
  EXPECT_EQ(r.programmes[0].post, -1);
}

// A post keeps its own clocks whether or not it sponsors anything (organisation.cpp plays an
// idle post's events only when a launch needs its level, and at the horizon). One post, tenure
// 10 (fresh), vacancy 2, attention lapse 4. Programme 0 (0-5) sees the lapse at 4; its
// completion at 5 re-engages the incumbent (next lapse 9). The post then sponsors nothing:
// lapse 9, exit 10, successor 12 (lapses 16, exit 22), successor 24 (lapse 28). A launch at
// the exit's instant finds the post vacant, one at the successor's instant finds it filled and
// sees the lapse at 28. Each of those 8 is an event of the organisation, as are the 3
// launches and programme 0's own events (counted alone, on a post whose incumbent never
// leaves); programme 2 scopes past the horizon.
TEST(PortfolioRuleLaunches, PostsThatSponsorNothingKeepTheirClocks) {
  Scenario s = fixed_template(5.0);
  s.levels[0].tenure = Distribution::fixed(10.0);
  s.levels[0].attention_lapse = Distribution::fixed(4.0);
  s.initial_sponsor = InitialSponsor::Fresh;
  s.succession.vacancy = Distribution::fixed(2.0);
  s.finalize();
  Scenario scoped = s;
  scoped.scoping = Distribution::fixed(10.0);
  scoped.finalize();
  const auto r = org(make_portfolio({s, scoped}, {1}, {{0.0, 0}, {10.0, 0}, {24.0, 1}}));
  EXPECT_EQ(r.programmes[0].outcome, Outcome::Completed);
  EXPECT_EQ(r.programmes[0].end_time, 5.0);
  EXPECT_EQ(r.programmes[0].disengagements, 1);
  EXPECT_EQ(r.programmes[1].outcome, Outcome::NotStarted);
  EXPECT_EQ(r.programmes[1].post, -1);
  EXPECT_EQ(r.programmes[2].post, 0);
  EXPECT_EQ(r.programmes[2].disengagements, 1);
  EXPECT_EQ(r.programmes[2].sponsor_changes, 0);
  EXPECT_EQ(r.exits_by_level[0], 2);
  EXPECT_TRUE(r.exits.empty());  // no exit found a live programme

  Scenario alone = fixed_template(5.0);
  alone.levels[0].attention_lapse = Distribution::fixed(4.0);
  alone.finalize();
  const auto one = org(make_portfolio({alone}, {1}, {{0.0, 0}}));
  EXPECT_EQ(one.programmes[0].end_time, 5.0);
  // Alone, its launch and the lapses at 4 and 9 are events besides the programme's own.
  EXPECT_EQ(r.events, 8 + 3 + (one.events - 3));
}

}  // namespace
