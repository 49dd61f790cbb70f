// Rules 14 and 17 in portfolio mode (docs/model.md, Portfolio mode: co-sponsor seats on posts,
// re-engagement on the organisation's trust): a post's exit vacates every lead and seat it
// holds, a seat with no free post is lost at once, co-sponsors mean fewer sponsor_exit endings,
// and re-engagement raises the organisation's trust, also after the late programme has ended,
// and speeds later recruitment.
//
// PROGSURV_TEST_SCALE (default 1) scales the organisations of the statistical tests.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "progsurv/portfolio/organisation.hpp"
#include "progsurv/portfolio/portfolio_run.hpp"
#include "scenario_builder.hpp"

#ifndef PROGSURV_SOURCE_DIR
#define PROGSURV_SOURCE_DIR "."
#endif

namespace progsurv {
namespace {

std::int64_t scaled(std::int64_t n) {
  const char* s = std::getenv("PROGSURV_TEST_SCALE");
  const double k = s ? std::atof(s) : 1.0;
  return std::max<std::int64_t>(1000, static_cast<std::int64_t>(static_cast<double>(n) * k));
}

using testing::make_portfolio;  // the one in scenario_builder.hpp

// Two levels: a director (level 0) whose tenure is fixed at `director` months and a vp
// (level 1) with `vp`; one step of fixed work `work`; vacancies of 1 month, adoption 0.
Scenario two_levels(double director, double vp, double work, int lead_level,
                    std::vector<int> co_sponsors) {
  Scenario s = testing::simple_scenario();
  s.levels[0].name = "director";
  s.levels[0].clout = 0.3;
  s.levels[0].tenure = Distribution::fixed(director);
  SponsorLevel v = s.levels[0];
  v.name = "vp";
  v.clout = 0.6;
  v.tenure = vp > 0.0 ? Distribution::fixed(vp) : Distribution::never();
  s.levels.push_back(v);
  s.sponsor.level = {lead_level};
  s.sponsor.prob = {1.0};
  s.succession.vacancy = Distribution::fixed(1.0);
  s.succession.adoption = 0.0;
  s.phases[0].steps[0].work = Distribution::fixed(work);
  s.co_sponsors = std::move(co_sponsors);
  s.horizon = 100.0;
  s.grid = {0.0, 50.0, 100.0};
  s.finalize();
  return s;
}

// The lead's post empties at 5 and its successor declines at 6; the vp seat stays filled,
// so the programme runs on (its clocks never freeze) and completes at 20.
TEST(PortfolioSeats, ProgrammeSurvivesItsLeadsExitWhileASeatIsFilled) {
  const Scenario alone = two_levels(5.0, 0.0, 20.0, 0, {});
  const Scenario seated = two_levels(5.0, 0.0, 20.0, 0, {1});
  const auto a = simulate_organisation(make_portfolio({alone}, {1, 1}, {{0.0, 0}}), 3, 0);
  const auto b = simulate_organisation(make_portfolio({seated}, {1, 1}, {{0.0, 0}}), 3, 0);
  ASSERT_EQ(a.programmes.size(), 1u);
  EXPECT_EQ(a.programmes[0].outcome, Outcome::Ended);
  EXPECT_EQ(a.programmes[0].cause, Cause::SponsorExit);
  EXPECT_DOUBLE_EQ(a.programmes[0].end_time, 6.0);
  ASSERT_EQ(b.programmes.size(), 1u);
  EXPECT_EQ(b.programmes[0].outcome, Outcome::Completed);
  EXPECT_DOUBLE_EQ(b.programmes[0].end_time, 20.0);
  EXPECT_EQ(b.programmes[0].sponsor_changes, 1);
  EXPECT_DOUBLE_EQ(b.programmes[0].time[static_cast<std::size_t>(TimeBucket::Vacant)], 0.0);
  ASSERT_EQ(b.exits.size(), 1u);  // the director's exit orphaned it but did not lose it
  EXPECT_EQ(b.exits[0].level, 0);
  EXPECT_EQ(b.exits[0].orphaned, 1);
  EXPECT_EQ(b.exits[0].lost, 0);
}

// The vp post holds programme A's seat and programme B's lead: its exit at 8 vacates both
// at once (orphaned 2), and its successor's refusal at 9 loses both (lost 2); A, whose lead
// seat was already lost, ends by sponsor_exit then.
TEST(PortfolioSeats, APostsExitVacatesEveryLeadAndSeatItHolds) {
  const Scenario a = two_levels(5.0, 8.0, 20.0, 0, {1});
  const Scenario b = two_levels(5.0, 8.0, 20.0, 1, {});
  const auto r = simulate_organisation(make_portfolio({a, b}, {1, 1}, {{0.0, 0}, {0.0, 1}}), 3, 0);
  ASSERT_EQ(r.programmes.size(), 2u);
  for (const auto& lp : r.programmes) {
    EXPECT_EQ(lp.outcome, Outcome::Ended);
    EXPECT_EQ(lp.cause, Cause::SponsorExit);
    EXPECT_DOUBLE_EQ(lp.end_time, 9.0);
  }
  EXPECT_EQ(r.programmes[0].sponsor_changes, 2);
  ASSERT_EQ(r.exits.size(), 2u);
  EXPECT_EQ(r.exits[0].level, 0);
  EXPECT_EQ(r.exits[0].orphaned, 1);
  EXPECT_EQ(r.exits[0].lost, 0);
  EXPECT_EQ(r.exits[1].level, 1);
  EXPECT_EQ(r.exits[1].orphaned, 2);
  EXPECT_EQ(r.exits[1].lost, 2);
}

// A vp-led programme asks for a vp co-sponsor, but the only vp post is its lead's: the seat
// is lost at once and the programme is exactly the one without co-sponsors.
TEST(PortfolioSeats, ASeatWithNoFreePostIsLostAtOnce) {
  const Scenario alone = two_levels(5.0, 8.0, 20.0, 1, {});
  const Scenario seated = two_levels(5.0, 8.0, 20.0, 1, {1});
  const auto a = simulate_organisation(make_portfolio({alone}, {1, 1}, {{0.0, 0}}), 3, 0);
  const auto b = simulate_organisation(make_portfolio({seated}, {1, 1}, {{0.0, 0}}), 3, 0);
  EXPECT_EQ(b.programmes[0].cause, Cause::SponsorExit);
  EXPECT_DOUBLE_EQ(b.programmes[0].end_time, 9.0);
  EXPECT_EQ(a.programmes[0].outcome, b.programmes[0].outcome);
  EXPECT_EQ(a.programmes[0].end_time, b.programmes[0].end_time);
  EXPECT_EQ(a.programmes[0].time, b.programmes[0].time);
  ASSERT_EQ(b.exits.size(), 1u);
  EXPECT_EQ(b.exits[0].lost, 1);
  // With a second vp post the seat is taken: both posts empty at 8, and the programme ends
  // when the second successor declines, lost by the second exit.
  const auto c = simulate_organisation(make_portfolio({seated}, {1, 2}, {{0.0, 0}}), 3, 0);
  EXPECT_EQ(c.programmes[0].cause, Cause::SponsorExit);
  EXPECT_EQ(c.programmes[0].sponsor_changes, 2);
  ASSERT_EQ(c.exits.size(), 2u);
  EXPECT_EQ(c.exits[0].orphaned + c.exits[1].orphaned, 2);
  EXPECT_EQ(c.exits[0].lost, 0);
  EXPECT_EQ(c.exits[1].lost, 1);
}

// Random tenures on a shared roster: a co-sponsor on the vp level means fewer programmes
// end by sponsor_exit, beyond 4 standard errors, whether posts are shared or each seat has a
// post of its own.
TEST(PortfolioSeats, CoSponsorsMeanFewerSponsorExitEndings) {
  auto make = [](std::vector<int> co) {
    Scenario s = testing::simple_scenario(2, 1);
    s.levels[0].name = "director";
    s.levels[0].clout = 0.3;
    s.levels[0].tenure = Distribution::exponential(20.0);
    SponsorLevel v = s.levels[0];
    v.name = "vp";
    v.clout = 0.6;
    v.tenure = Distribution::exponential(30.0);
    s.levels.push_back(v);
    s.initial_sponsor = InitialSponsor::Residual;
    s.succession.vacancy = Distribution::exponential(3.0);
    s.succession.adoption = 0.4;
    for (auto& st : s.phases[0].steps) st.work = Distribution::exponential(12.0);
    s.co_sponsors = std::move(co);
    s.horizon = 200.0;
    s.grid = {0.0, 100.0, 200.0};
    s.finalize();
    return s;
  };
  const std::vector<PlannedLaunch> launches = {{0.0, 0}, {10.0, 0}, {20.0, 0}, {30.0, 0}};
  const Portfolio plain = make_portfolio({make({})}, {3, 2}, launches);
  const Portfolio seated = make_portfolio({make({1})}, {3, 2}, launches);
  Sharing own;
  own.posts = false;
  const std::int64_t n = scaled(3000);
  std::int64_t k_plain = 0, k_seated = 0, k_own = 0, started_plain = 0, started_seated = 0,
               started_own = 0;
  const auto count = [](const OrganisationRecord& r, std::int64_t& k, std::int64_t& started) {
    for (const auto& lp : r.programmes) {
      if (lp.outcome == Outcome::NotStarted) continue;
      ++started;
      k += lp.cause == Cause::SponsorExit;
    }
  };
  for (std::int64_t i = 0; i < n; ++i) {
    count(simulate_organisation(plain, 11, static_cast<std::uint64_t>(i)), k_plain, started_plain);
    count(simulate_organisation(seated, 11, static_cast<std::uint64_t>(i)), k_seated,
          started_seated);
    count(simulate_organisation(seated, 11, static_cast<std::uint64_t>(i), own), k_own,
          started_own);
  }
  const auto share = [](std::int64_t k, std::int64_t m) {
    return static_cast<double>(k) / static_cast<double>(m);
  };
  const auto se = [&](std::int64_t k1, std::int64_t m1, std::int64_t k2, std::int64_t m2) {
    const double p1 = share(k1, m1), p2 = share(k2, m2);
    return std::sqrt(p1 * (1 - p1) / m1 + p2 * (1 - p2) / m2);
  };
  const double p_plain = share(k_plain, started_plain);
  EXPECT_LT(share(k_seated, started_seated),
            p_plain - 4.0 * se(k_plain, started_plain, k_seated, started_seated))
      << p_plain << " vs " << share(k_seated, started_seated);
  EXPECT_LT(share(k_own, started_own),
            p_plain - 4.0 * se(k_plain, started_plain, k_own, started_own))
      << p_plain << " vs " << share(k_own, started_own);
}

// One engage phase whose customers give their time at the start and whose follow-up (fixed
// 5 months) is always late against a window of 2; trust_loss halves the trust.
Scenario let_down(double work) {
  Scenario s = testing::simple_scenario();
  s.phases[0].engage = true;
  s.phases[0].steps[0].work = Distribution::fixed(work);
  s.customers.follow_up = Distribution::fixed(5.0);
  s.customers.follow_up_window = 2.0;
  s.customers.trust_loss = 0.5;
  s.customers.reengage.prob = 1.0;
  s.customers.reengage.delay = Distribution::fixed(10.0);
  s.customers.reengage.recovery = 0.8;
  s.horizon = 100.0;
  s.grid = {0.0, 10.0, 20.0, 100.0};
  s.finalize();
  return s;
}

// Rule 17 in portfolio mode: the programme completes at 3, its follow-up is delivered late at
// 5 (trust 0.5), and the organisation goes back to the customers at 15 (trust 0.9), long after
// the programme ended. A programme that ends without completing, its follow-up still owed,
// counts it late at its end and the re-engagement follows just the same. One due after the
// horizon does not apply.
TEST(PortfolioReengagement, RaisesTrustAfterTheLateProgrammeHasEnded) {
  const auto r = simulate_organisation(make_portfolio({let_down(3.0)}, {1}, {{0.0, 0}}), 5, 0);
  EXPECT_EQ(r.programmes[0].outcome, Outcome::Completed);
  EXPECT_DOUBLE_EQ(r.programmes[0].end_time, 3.0);
  EXPECT_EQ(r.reengagements, 1);
  ASSERT_EQ(r.trust.size(), 4u);
  EXPECT_DOUBLE_EQ(r.trust[1], 0.5);
  EXPECT_DOUBLE_EQ(r.trust[2], 0.9);

  Scenario cut = let_down(50.0);
  cut.levels[0].tenure = Distribution::fixed(4.0);
  cut.succession.adoption = 0.0;
  cut.finalize();
  const auto e = simulate_organisation(make_portfolio({cut}, {1}, {{0.0, 0}}), 5, 0);
  EXPECT_EQ(e.programmes[0].cause, Cause::SponsorExit);
  EXPECT_DOUBLE_EQ(e.programmes[0].end_time, 4.0);  // no vacancy: the successor declines at once
  EXPECT_EQ(e.reengagements, 1);
  EXPECT_DOUBLE_EQ(e.trust[1], 0.5);
  EXPECT_DOUBLE_EQ(e.trust[2], 0.9);

  Scenario late = let_down(3.0);
  late.customers.reengage.delay = Distribution::fixed(200.0);
  late.finalize();
  const auto h = simulate_organisation(make_portfolio({late}, {1}, {{0.0, 0}}), 5, 0);
  EXPECT_EQ(h.reengagements, 0);
  EXPECT_DOUBLE_EQ(h.trust[3], 0.5);

  // With prob 0 nothing is drawn: the organisation is bitwise the one without the key.
  Scenario off = let_down(3.0);
  off.customers.reengage = {};
  off.finalize();
  Scenario zero = let_down(3.0);
  zero.customers.reengage.prob = 0.0;
  zero.finalize();
  const auto a = simulate_organisation(make_portfolio({off}, {1}, {{0.0, 0}}), 5, 0);
  const auto b = simulate_organisation(make_portfolio({zero}, {1}, {{0.0, 0}}), 5, 0);
  EXPECT_EQ(a.trust, b.trust);
  EXPECT_EQ(b.reengagements, 0);
}

// Programmes that let their customers down slow the next ones' recruitment through the
// organisation's trust; going back to the customers raises the trust and speeds later
// recruitment, beyond 4 standard errors (paired on common random numbers), and leaves the
// first programme, recruited before anything was late, bitwise unchanged.
TEST(PortfolioReengagement, RaisesTrustAndSpeedsLaterRecruitment) {
  Scenario s = testing::simple_scenario(3, 3);
  for (auto& step : s.phases[0].steps) step.work = Distribution::fixed(3.0);
  s.phases[0].engage = true;
  s.customers.recruitment = Distribution::fixed(2.0);
  s.customers.trust_effect = 3.0;
  s.customers.follow_up = Distribution::exponential(6.0);
  s.customers.follow_up_window = 2.0;
  s.customers.trust_loss = 0.5;
  s.horizon = 200.0;
  s.grid = {0.0, 100.0, 200.0};
  s.finalize();
  Scenario back = s;
  back.customers.reengage.prob = 0.7;
  back.customers.reengage.delay = Distribution::exponential(12.0);
  back.customers.reengage.recovery = 0.6;
  back.finalize();
  std::vector<PlannedLaunch> launches;
  for (int i = 0; i < 4; ++i) launches.push_back({50.0 * i, 0});
  const Portfolio without = make_portfolio({s}, {1}, launches);
  const Portfolio with = make_portfolio({back}, {1}, launches);
  const std::int64_t n = scaled(2000);
  const auto recruiting = static_cast<std::size_t>(TimeBucket::Recruiting);
  double sum_d = 0.0, sum_d2 = 0.0, sum_t = 0.0, sum_t2 = 0.0;
  std::int64_t reengagements = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    const auto a = simulate_organisation(without, 13, static_cast<std::uint64_t>(i));
    const auto b = simulate_organisation(with, 13, static_cast<std::uint64_t>(i));
    EXPECT_EQ(a.programmes[0].time[recruiting], b.programmes[0].time[recruiting]);
    double d = 0.0;
    for (std::size_t k = 1; k < 4; ++k)
      d += a.programmes[k].time[recruiting] - b.programmes[k].time[recruiting];
    sum_d += d;
    sum_d2 += d * d;
    const double dt = b.trust[1] - a.trust[1];  // trust at month 100
    sum_t += dt;
    sum_t2 += dt * dt;
    reengagements += b.reengagements;
    EXPECT_EQ(a.reengagements, 0);
  }
  const auto nd = static_cast<double>(n);
  const auto mean_se = [nd](double sum, double sum2) {
    const double m = sum / nd;
    return std::pair{m, std::sqrt(std::max(0.0, sum2 / nd - m * m) / nd)};
  };
  const auto [recruit_gain, recruit_se] = mean_se(sum_d, sum_d2);
  const auto [trust_gain, trust_se] = mean_se(sum_t, sum_t2);
  EXPECT_GT(reengagements, 0);
  EXPECT_GT(trust_gain, 4.0 * trust_se) << trust_gain << " +- " << trust_se;
  EXPECT_GT(recruit_gain, 4.0 * recruit_se) << recruit_gain << " +- " << recruit_se;
}

// Rules 15 and 16 need nothing of the organisation but its calendar and budget: each
// programme climbs the organisation's ladder and defers under the organisation's squeezes.
TEST(PortfolioRules15And16, LadderAndDeferralWorkPerProgramme) {
  // A certain squeeze at 12 that never cuts, while 30 months of work run: the phase defers
  // half of itself, so the 18 months left become 9 and half the value is banked.
  Scenario d = testing::simple_scenario();
  d.phases[0].steps[0].work = Distribution::fixed(30.0);
  d.phases[0].deferrable = 0.5;
  d.deferral.prob = 1.0;
  d.budget.enabled = true;
  d.budget.every = 12.0;
  d.budget.squeeze_prob = 1.0;
  d.budget.cut_prob = 0.0;
  d.horizon = 100.0;
  d.grid = {0.0, 100.0};
  d.finalize();
  const auto r = simulate_organisation(make_portfolio({d}, {2}, {{0.0, 0}, {0.0, 0}}), 3, 0);
  for (const auto& lp : r.programmes) {
    EXPECT_EQ(lp.outcome, Outcome::Completed);
    EXPECT_DOUBLE_EQ(lp.end_time, 21.0);
    EXPECT_DOUBLE_EQ(lp.value, 0.5);
  }
  // A certain break at the handoff between two one-month steps (pickup 1): one rung of
  // clout 1 and delay 2 resolves it, so the programme completes at 1 + 1 + 2 + 1 = 5.
  Scenario l = testing::simple_scenario(2, 2);
  for (auto& st : l.phases[0].steps) st.work = Distribution::fixed(1.0);
  for (auto& silo : l.silos) {
    silo.pickup = Distribution::fixed(1.0);
    silo.break_prob = 1.0;
  }
  l.escalation.ladder.push_back({Distribution::fixed(2.0), 1.0, 0.0});
  l.horizon = 100.0;
  l.grid = {0.0, 100.0};
  l.finalize();
  const auto e = simulate_organisation(make_portfolio({l}, {1}, {{0.0, 0}}), 3, 0);
  EXPECT_EQ(e.programmes[0].outcome, Outcome::Completed);
  EXPECT_DOUBLE_EQ(e.programmes[0].end_time, 5.0);
}

// A template's co-sponsor levels are re-pointed by name at the organisation's levels (here
// the template lists its levels in another order).
TEST(PortfolioSeats, CoSponsorLevelsAreRepointedByName) {
  const auto dir = std::filesystem::temp_directory_path() / "progsurv-h18p-seats";
  std::filesystem::create_directories(dir);
  const auto path = dir / "org.yaml";
  std::ofstream(path) << "name: seats\nhorizon: 60\nroster: {vp: 2, director: 2}\n"
                         "programmes:\n  lead: "
                      << PROGSURV_SOURCE_DIR
                      << "/scenarios/baseline.yaml\n"
                         "  seated:\n"
                         "    sponsor_levels: {director: {tenure: never}, vp: {tenure: never}}\n"
                         "    sponsor: {director: 1}\n"
                         "    co_sponsors: [vp]\n"
                         "    silos: {marketing: {}}\n"
                         "    phases: [{name: a, steps: [{silo: marketing, work: 1}]}]\n"
                         "launches: [{at: 0, programme: seated}]\n";
  const Portfolio p = Portfolio::load(path.string());
  std::filesystem::remove_all(dir);
  ASSERT_EQ(p.templates.size(), 2u);
  ASSERT_EQ(p.templates[1].co_sponsors.size(), 1u);
  EXPECT_EQ(p.templates[1].co_sponsors[0], p.templates[1].level_index("vp"));
  EXPECT_EQ(p.templates[1].levels[static_cast<std::size_t>(p.templates[1].co_sponsors[0])].name,
            "vp");
}

// The shipped example: a VP co-sponsor on every going-back programme, and an organisation
// that goes back to its customers ends with higher trust than one that never does (paired on
// common random numbers, beyond 4 standard errors).
TEST(PortfolioReengagement, GoingBackExampleRaisesTrust) {
  const Portfolio p =
      Portfolio::load(std::string(PROGSURV_SOURCE_DIR) + "/scenarios/portfolios/going-back.yaml");
  ASSERT_EQ(p.templates.size(), 2u);
  const Scenario& t = p.templates[1];
  ASSERT_EQ(t.co_sponsors.size(), 1u);
  EXPECT_EQ(t.levels[static_cast<std::size_t>(t.co_sponsors[0])].name, "vp");
  EXPECT_GT(t.customers.reengage.prob, 0.0);
  const Portfolio never = p.with_values({{"programmes.going-back.customers.reengage.prob", "0"}});
  const std::int64_t n = scaled(1000);
  double sum = 0.0, sum2 = 0.0;
  for (std::int64_t i = 0; i < n; ++i) {
    const auto a = simulate_organisation(p, 17, static_cast<std::uint64_t>(i));
    const auto b = simulate_organisation(never, 17, static_cast<std::uint64_t>(i));
    EXPECT_EQ(b.reengagements, 0);
    const double d = a.trust.back() - b.trust.back();
    sum += d;
    sum2 += d * d;
  }
  const double m = sum / static_cast<double>(n);
  const double se =
      std::sqrt(std::max(0.0, sum2 / static_cast<double>(n) - m * m) / static_cast<double>(n));
  EXPECT_GT(m, 4.0 * se) << m << " +- " << se;
}

}  // namespace
}  // namespace progsurv
