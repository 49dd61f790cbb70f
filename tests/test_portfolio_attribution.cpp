// Organisation-level attribution: pairs are exact (the same launches in every variant), a
// sharing with no effect costs exactly nothing, costs go the way the model says, sums add up,
// and results and files are the same for any thread count.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>

#include "command.hpp"
#include "progsurv/analysis/portfolio_attribution.hpp"
#include "progsurv/engine/cancel.hpp"
#include "progsurv/io/version.hpp"
#include "progsurv/io/yaml_kind.hpp"
#include "progsurv/portfolio/portfolio_run.hpp"
#include "progsurv/scenario/error.hpp"
#include "temp_folder.hpp"

namespace fs = std::filesystem;
using namespace progsurv;

namespace {

const std::string kBaseline = std::string(PROGSURV_SOURCE_DIR) + "/scenarios/baseline.yaml";
const std::string kTenYears =
    std::string(PROGSURV_SOURCE_DIR) + "/scenarios/portfolios/ten-years.yaml";

// An organisation on the baseline programme, launching about every `every` months, with the
// given roster and cynicism block.
Portfolio organisation(const std::string& roster, const std::string& cynicism, double every,
                       double horizon = 60.0) {
  const std::string yaml =
      "name: test-org\nhorizon: " + std::to_string(horizon) +
      "\ngrid: {step: 6}\nroster: " + roster + "\ncynicism: " + cynicism +
      "\nprogrammes: {baseline: " + kBaseline +
      "}\nrenewal: {every: {dist: exponential, mean: " + std::to_string(every) +
      "}, mix: baseline}\n";
  return Portfolio::from_yaml(yaml);
}

const std::string kRoster = "{ceo: 1, c_suite: 3, vp: 5, director: 6}";
const std::string kNoEffect =
    "{initial: 0.2, rise: 0.5, relief: 0.1, effect: {break: 0, pickup: 0, approval: 0}}";
const std::string kStrong =
    "{initial: 0.0, rise: 0.6, relief: 0.0, effect: {break: 0.9, pickup: 3, approval: 0.9}}";

PortfolioAttribution attribute(const Portfolio& p, std::int64_t n, int threads = 2,
                               std::uint64_t seed = 7) {
  PortfolioAttributionOptions o;
  o.organisations = n;
  o.threads = threads;
  o.seed = seed;
  return attribute_portfolio(p, o);
}

void expect_same_sums(const PairedSums& a, const PairedSums& b) {
  EXPECT_EQ(a.n, b.n);
  // Bitwise: the same floating sums, not merely close ones.
  EXPECT_EQ(a.base, b.base);
  EXPECT_EQ(a.variant, b.variant);
  EXPECT_EQ(a.d, b.d);
  EXPECT_EQ(a.d2, b.d2);
}

void expect_same(const PortfolioAttribution& a, const PortfolioAttribution& b) {
  ASSERT_EQ(a.n, b.n);
  ASSERT_EQ(a.ranks(), b.ranks());
  for (int v = 0; v < kSharingKnockoutCount; ++v) {
    for (int s = 0; s < kOrganisationStatCount; ++s)
      expect_same_sums(a.per_org[v][s], b.per_org[v][s]);
    for (std::size_t k = 0; k < a.ranks(); ++k)
      expect_same_sums(a.per_rank[v][k], b.per_rank[v][k]);
  }
  ASSERT_EQ(a.shapley, b.shapley);
  if (!a.shapley) return;
  for (int j = 0; j < kSharingCount; ++j) {
    for (int s = 0; s < kOrganisationStatCount; ++s)
      expect_same_sums(a.shapley_org[j][s], b.shapley_org[j][s]);
    ASSERT_EQ(a.shapley_rank[j].size(), a.ranks());
    ASSERT_EQ(b.shapley_rank[j].size(), b.ranks());
    for (std::size_t k = 0; k < a.ranks(); ++k)
      expect_same_sums(a.shapley_rank[j][k], b.shapley_rank[j][k]);
  }
}

TEST(PortfolioAttribution, EveryVariantLaunchesTheSameProgrammes) {
  const Portfolio p = organisation(kRoster, kStrong, 4.0);
  for (std::uint64_t org = 0; org < 40; ++org) {
    const OrganisationRecord base = simulate_organisation(p, 3, org);
    for (int v = 0; v < kSharingKnockoutCount; ++v) {
      const OrganisationRecord alt =
          simulate_organisation(p, 3, org, sharing_without(static_cast<SharingKnockout>(v)));
      ASSERT_EQ(alt.programmes.size(), base.programmes.size()) << "organisation " << org;
      for (std::size_t j = 0; j < base.programmes.size(); ++j) {
        EXPECT_EQ(alt.programmes[j].launched_at, base.programmes[j].launched_at);
        EXPECT_EQ(alt.programmes[j].programme, base.programmes[j].programme);
        EXPECT_EQ(alt.programmes[j].level, base.programmes[j].level);
      }
    }
  }
}

TEST(PortfolioAttribution, SharingSwitches) {
  EXPECT_EQ(sharing_without(SharingKnockout::Cynicism), (Sharing{false, true, true, true}));
  EXPECT_EQ(sharing_without(SharingKnockout::Trust), (Sharing{true, false, true, true}));
  EXPECT_EQ(sharing_without(SharingKnockout::Posts), (Sharing{true, true, false, true}));
  EXPECT_EQ(sharing_without(SharingKnockout::Budget), (Sharing{true, true, true, false}));
  EXPECT_EQ(sharing_without(SharingKnockout::All), (Sharing{false, false, false, false}));
  EXPECT_STREQ(to_string(SharingKnockout::Posts), "posts");
  EXPECT_STREQ(to_string(OrganisationStat::NotStarted), "not_started");
}

TEST(PortfolioAttribution, CynicismWithoutEffectCostsExactlyNothing) {
  const PortfolioAttribution r = attribute(organisation(kRoster, kNoEffect, 5.0), 600);
  const auto v = static_cast<std::size_t>(SharingKnockout::Cynicism);
  for (int s = 0; s < kOrganisationStatCount; ++s) {
    EXPECT_EQ(r.per_org[v][s].d, 0.0) << to_string(static_cast<OrganisationStat>(s));
    EXPECT_EQ(r.per_org[v][s].d2, 0.0);
    EXPECT_EQ(r.per_org[v][s].base, r.per_org[v][s].variant);
  }
  ASSERT_GT(r.ranks(), 3u);
  for (std::size_t k = 0; k < r.ranks(); ++k) {
    EXPECT_EQ(r.per_rank[v][k].d, 0.0);
    EXPECT_EQ(r.per_rank[v][k].d2, 0.0);
  }
  // Its Shapley part is exactly 0 too: every marginal difference it makes is 0.
  ASSERT_TRUE(r.shapley);
  for (int s = 0; s < kOrganisationStatCount; ++s) {
    EXPECT_EQ(r.shapley_org[v][s].d, 0.0);
    EXPECT_EQ(r.shapley_org[v][s].d2, 0.0);
  }
  for (std::size_t k = 0; k < r.ranks(); ++k) EXPECT_EQ(r.shapley_rank[v][k].d2, 0.0);
  const PairedDelta c = r.cost(SharingKnockout::Cynicism, OrganisationStat::Completed);
  EXPECT_EQ(c.delta.estimate, 0.0);
  EXPECT_EQ(c.delta.lower, 0.0);
  EXPECT_EQ(c.delta.upper, 0.0);
  // Something was at stake: the organisations completed programmes.
  EXPECT_GT(c.base, 0.1);
  EXPECT_NE(format_portfolio_attribution(r).find(
                "cynicism carried over costs nothing: every organisation ends exactly the same"),
            std::string::npos);
}

TEST(PortfolioAttribution, CynicismWithEffectCostsCompletions) {
  const PortfolioAttribution r = attribute(organisation(kRoster, kStrong, 5.0), 800);
  const PairedDelta c = r.cost(SharingKnockout::Cynicism, OrganisationStat::Completed);
  EXPECT_GT(c.delta.estimate, 0.0);
  EXPECT_GT(c.delta.lower, 0.0) << "cost " << c.delta.estimate << " [" << c.delta.lower << ", "
                                << c.delta.upper << "]";
  // Value follows completions.
  EXPECT_GT(r.cost(SharingKnockout::Cynicism, OrganisationStat::Value).delta.lower, 0.0);
}

// The text points at the launch rank where a sharing costs most, but not at an effect it
// would print as 0.0 pp, however narrow its interval (common random numbers make tiny
// effects exclude 0).
TEST(PortfolioAttribution, TheTextPointsAtNoRankForAnEffectOfZeroPoints) {
  PortfolioAttribution r = attribute(organisation(kRoster, kStrong, 5.0), 800);
  const auto v = static_cast<std::size_t>(SharingKnockout::Cynicism);
  ASSERT_GE(r.ranks(), 1u);
  const auto line = [&] {
    const std::string text = format_portfolio_attribution(r);
    const std::size_t at = text.find("cynicism carried over costs");
    return text.substr(at, text.find('\n', at) - at);
  };
  const auto set_first = [&](double mean) {
    for (PairedSums& s : r.per_rank[v]) s.d = s.d2 = 0.0;
    PairedSums& first = r.per_rank[v][0];
    const auto n = static_cast<double>(first.n);
    first.d = n * mean;
    first.d2 = n * mean * mean;  // every organisation the same: an interval of width 0
  };
  set_first(0.0001);  // 0.01 pp
  EXPECT_EQ(line().find("most at"), std::string::npos) << line();
  set_first(0.05);
  EXPECT_NE(line().find("most at the 1st programme"), std::string::npos) << line();
}

TEST(PortfolioAttribution, ALoneProgrammePaysNothingForSharing) {
  // One programme launched at t = 0: cynicism and trust change only when it ends or after
  // its follow-ups, so no draw of its own can see them (exactly 0). A post and a budget
  // shared with nobody are the programme's own in distribution (statistically 0).
  const std::string yaml =
      "name: lone\nhorizon: 60\nroster: {ceo: 1, c_suite: 1, vp: 1, director: 1}\ncynicism: " +
      kStrong + "\nprogrammes: {baseline: " + kBaseline +
      "}\nlaunches: [{at: 0, programme: baseline}]\n";
  const PortfolioAttribution r = attribute(Portfolio::from_yaml(yaml), 4000);
  ASSERT_EQ(r.ranks(), 1u);
  for (SharingKnockout k : {SharingKnockout::Cynicism, SharingKnockout::Trust})
    for (int s = 0; s < kOrganisationStatCount; ++s) {
      EXPECT_EQ(r.per_org[static_cast<int>(k)][s].d, 0.0) << to_string(k);
      EXPECT_EQ(r.per_org[static_cast<int>(k)][s].d2, 0.0) << to_string(k);
    }
  for (SharingKnockout k : {SharingKnockout::Posts, SharingKnockout::Budget}) {
    const PairedDelta c = r.cost(k, OrganisationStat::Completed);
    EXPECT_GT(c.se, 0.0) << to_string(k);  // the draws differ: the test can fail
    EXPECT_LT(std::fabs(c.delta.estimate), 4 * c.se)
        << to_string(k) << " " << c.delta.estimate << " SE " << c.se;
  }
}

TEST(PortfolioAttribution, FewSharedPostsCostCompletions) {
  // Many programmes on one post per level: a sponsor's exit orphans all of its programmes,
  // and a vacant post cannot take a proposal.
  const Portfolio p =
      organisation("{ceo: 1, c_suite: 1, vp: 1, director: 1}", kNoEffect, 2.0, 96.0);
  // The cost is about a tenth of a completion per organisation in about two: 6000
  // organisations put it some five standard errors from 0 (no Shapley runs needed here).
  PortfolioAttributionOptions o;
  o.organisations = 6000;
  o.threads = 2;
  o.seed = 7;
  o.shapley = false;
  const PortfolioAttribution r = attribute_portfolio(p, o);
  const PairedDelta c = r.cost(SharingKnockout::Posts, OrganisationStat::Completed);
  EXPECT_GT(c.delta.lower, 0.0) << "cost " << c.delta.estimate << " [" << c.delta.lower << ", "
                                << c.delta.upper << "]";
  EXPECT_GT(r.cost(SharingKnockout::Posts, OrganisationStat::Value).delta.lower, 0.0);
  // With a post of its own no proposal meets a vacant post.
  EXPECT_LT(r.cost(SharingKnockout::Posts, OrganisationStat::NotStarted).delta.upper, 0.0);
}

TEST(PortfolioAttribution, EachVariantIsThePortfolioRunWithThatSharingOff) {
  // The attribution's sums are those of `progsurv portfolio` runs with the same seed: the
  // base of full sharing, the variant of the run with that sharing switched off.
  const Portfolio p = organisation(kRoster, kStrong, 4.0);
  const PortfolioAttribution r = attribute(p, 200, 2, 11);
  RunOptions o;
  o.replications = 200;
  o.seed = 11;
  o.threads = 2;
  const PortfolioTally full = run_portfolio(p, o).tally;
  const auto completed = static_cast<std::size_t>(EndCategory::Completed);
  const auto not_started = static_cast<std::size_t>(EndCategory::NotStarted);
  for (int v = 0; v < kSharingKnockoutCount; ++v) {
    const auto k = static_cast<SharingKnockout>(v);
    const PortfolioTally off = run_portfolio(p, o, sharing_without(k)).tally;
    const auto& sums = r.per_org[v];
    EXPECT_EQ(sums[0].base, full.per_org_category[completed].sum) << to_string(k);
    EXPECT_EQ(sums[0].variant, off.per_org_category[completed].sum) << to_string(k);
    EXPECT_EQ(sums[2].variant, off.per_org_category[not_started].sum) << to_string(k);
    EXPECT_DOUBLE_EQ(sums[4].base, full.per_org_value.sum) << to_string(k);
    EXPECT_DOUBLE_EQ(sums[4].variant, off.per_org_value.sum) << to_string(k);
    ASSERT_EQ(off.ranks(), r.ranks());
    for (std::size_t j = 0; j < r.ranks(); ++j) {
      EXPECT_EQ(r.per_rank[v][j].n, off.rank_launched[j]);
      EXPECT_EQ(r.per_rank[v][j].variant,
                static_cast<double>(off.rank_count(j, EndCategory::Completed)));
    }
  }
}

TEST(PortfolioAttribution, ShapleyPartsAddUpToAllFour) {
  const Portfolio p = organisation("{ceo: 1, c_suite: 1, vp: 2, director: 2}", kStrong, 3.0);
  const PortfolioAttribution r = attribute(p, 300);
  ASSERT_TRUE(r.shapley);
  const auto all = static_cast<std::size_t>(SharingKnockout::All);
  for (int s = 0; s < kOrganisationStatCount; ++s) {
    // Per organisation the parts sum to its all-four difference, so the sums do too (up to
    // rounding of the weights 1/4 and 1/12).
    double parts = 0.0;
    for (int j = 0; j < kSharingCount; ++j) parts += r.shapley_org[j][s].d;
    EXPECT_NEAR(parts, r.per_org[all][s].d, 1e-9 * (1.0 + std::fabs(r.per_org[all][s].d)))
        << to_string(static_cast<OrganisationStat>(s));
  }
  for (std::size_t k = 0; k < r.ranks(); ++k) {
    double parts = 0.0;
    for (int j = 0; j < kSharingCount; ++j) {
      parts += r.shapley_rank[j][k].d;
      EXPECT_EQ(r.shapley_rank[j][k].n, r.rank_launched(k));
    }
    EXPECT_NEAR(parts, r.per_rank[all][k].d, 1e-9 * (1.0 + std::fabs(r.per_rank[all][k].d)));
  }
  // Something to decompose: all four together cost completions.
  EXPECT_GT(r.cost(SharingKnockout::All, OrganisationStat::Completed).delta.lower, 0.0);
  // The decomposition leaves the single costs as they are without it.
  PortfolioAttributionOptions o;
  o.organisations = 300;
  o.threads = 2;
  o.seed = 7;
  o.shapley = false;
  const PortfolioAttribution plain = attribute_portfolio(p, o);
  EXPECT_FALSE(plain.shapley);
  for (int v = 0; v < kSharingKnockoutCount; ++v)
    for (int s = 0; s < kOrganisationStatCount; ++s)
      expect_same_sums(plain.per_org[v][s], r.per_org[v][s]);
  EXPECT_TRUE(std::isnan(
      plain.shapley_cost(SharingKnockout::Posts, OrganisationStat::Completed).delta.estimate));
  EXPECT_EQ(format_portfolio_attribution(plain).find("Shapley"), std::string::npos);
  EXPECT_NE(format_portfolio_attribution(r).find("Shapley parts"), std::string::npos);
}

TEST(PortfolioAttribution, CountsAddUp) {
  const PortfolioAttribution r = attribute(organisation(kRoster, kStrong, 4.0), 300);
  for (int v = 0; v < kSharingKnockoutCount; ++v) {
    // Completed + ended + not started + running = launched, the same in every variant.
    double launched_change = 0.0;
    for (int s = 0; s < 4; ++s) launched_change += r.per_org[v][s].d;
    EXPECT_EQ(launched_change, 0.0);
    // The per-rank differences sum to the per-organisation one (integers: exact).
    double by_rank = 0.0, base_by_rank = 0.0;
    std::int64_t pairs = 0;
    for (std::size_t k = 0; k < r.ranks(); ++k) {
      by_rank += r.per_rank[v][k].d;
      base_by_rank += r.per_rank[v][k].base;
      pairs += r.per_rank[v][k].n;
      EXPECT_EQ(r.per_rank[v][k].n, r.rank_launched(k));
    }
    const auto c = static_cast<std::size_t>(OrganisationStat::Completed);
    EXPECT_EQ(by_rank, r.per_org[v][c].d);
    EXPECT_EQ(base_by_rank, r.per_org[v][c].base);
    double launched = 0.0;
    for (int s = 0; s < 4; ++s) launched += r.per_org[v][s].base;
    EXPECT_EQ(static_cast<double>(pairs), launched);
  }
  // Ranks are nested: an organisation with a k-th programme had a (k-1)-th.
  for (std::size_t k = 1; k < r.ranks(); ++k) EXPECT_LE(r.rank_launched(k), r.rank_launched(k - 1));
  EXPECT_EQ(r.rank_launched(0), r.n);  // launching about every 4 months, all launch in 60
}

TEST(PortfolioAttribution, PairedIntervalFromRawSums) {
  PairedSums s;
  s.add(1.0, 3.0);
  s.add(2.0, 2.0);
  s.add(0.0, 4.0);
  s.add(5.0, 5.0);  // differences 2, 0, 4, 0: mean 1.5, sample variance 11/3
  const PairedDelta d = paired_delta(s);
  EXPECT_DOUBLE_EQ(d.base, 2.0);
  EXPECT_DOUBLE_EQ(d.knocked_out, 3.5);
  EXPECT_DOUBLE_EQ(d.delta.estimate, 1.5);
  EXPECT_DOUBLE_EQ(d.se, std::sqrt(11.0 / 3.0 / 4.0));
  EXPECT_DOUBLE_EQ(d.delta.lower, 1.5 - 1.959963984540054 * d.se);
  EXPECT_TRUE(std::isnan(paired_delta(PairedSums{}).delta.estimate));
}

class PortfolioAttributionFiles : public progsurv_test::TempFolderTest {};

TEST_F(PortfolioAttributionFiles, SameResultsAndFilesForOneAndTwoThreads) {
  const Portfolio p = Portfolio::load(kTenYears);
  // Three chunks, the last one short, so two threads share the work.
  const std::int64_t n = 2 * kOrganisationChunk + 37;
  const PortfolioAttribution one = attribute(p, n, 1);
  const PortfolioAttribution two = attribute(p, n, 2);
  expect_same(one, two);
  EXPECT_EQ(format_portfolio_attribution(one), format_portfolio_attribution(two));
  write_portfolio_attribution(path("one.h5"), one);
  write_portfolio_attribution(path("two.h5"), two);
  const PortfolioAttribution a = read_portfolio_attribution(path("one.h5"));
  const PortfolioAttribution b = read_portfolio_attribution(path("two.h5"));
  expect_same(a, one);
  expect_same(a, b);
  EXPECT_EQ(a.seed, one.seed);
  EXPECT_EQ(a.portfolio.name, "ten-years");
  EXPECT_EQ(format_portfolio_attribution(a), format_portfolio_attribution(one));
  // Without the decomposition, the file says so and reads back without it.
  PortfolioAttributionOptions o;
  o.organisations = 100;
  o.shapley = false;
  write_portfolio_attribution(path("plain.h5"), attribute_portfolio(p, o));
  const PortfolioAttribution plain = read_portfolio_attribution(path("plain.h5"));
  EXPECT_FALSE(plain.shapley);
  EXPECT_EQ(plain.n, 100);
  // A different seed is a different run.
  const PortfolioAttribution other = attribute(p, n, 2, 8);
  EXPECT_NE(other.per_org[0][0].base, one.per_org[0][0].base);
}

TEST_F(PortfolioAttributionFiles, ForeignAndMissingFilesAreRefused) {
  EXPECT_THROW(read_portfolio_attribution(path("missing.h5")), FileFormatError);
  const std::string text = path("text.h5");
  std::FILE* f = std::fopen(text.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fputs("not hdf5\n", f);
  std::fclose(f);
  EXPECT_THROW(read_portfolio_attribution(text), FileFormatError);
}

TEST(PortfolioAttribution, BadOptionsAreRefused) {
  const Portfolio p = organisation(kRoster, kNoEffect, 5.0);
  PortfolioAttributionOptions o;
  o.organisations = 1;
  EXPECT_THROW(attribute_portfolio(p, o), UsageError);
  o.organisations = 0;
  EXPECT_THROW(attribute_portfolio(p, o), UsageError);
  o.organisations = 10;
  o.threads = -1;
  EXPECT_THROW(attribute_portfolio(p, o), UsageError);
}

TEST(PortfolioAttribution, ProgressCanStopIt) {
  PortfolioAttributionOptions o;
  o.organisations = 5000;
  o.threads = 1;
  std::int64_t calls = 0;
  o.progress = [&](std::int64_t done, std::int64_t total) {
    EXPECT_EQ(total, 5000);
    EXPECT_GT(done, 0);
    ++calls;
    return false;
  };
  EXPECT_THROW(attribute_portfolio(organisation(kRoster, kNoEffect, 5.0), o), Cancelled);
  EXPECT_EQ(calls, 1);
}

TEST(YamlKind, TellsPortfoliosFromScenarios) {
  EXPECT_EQ(yaml_kind(kTenYears), YamlKind::Portfolio);
  EXPECT_EQ(yaml_kind(kBaseline), YamlKind::Scenario);
  EXPECT_EQ(yaml_kind("/nonexistent/file.yaml"), YamlKind::Scenario);
}

// The command end to end.
using progsurv_test::progsurv;

TEST_F(PortfolioAttributionFiles, CommandAttributesAPortfolio) {
  const auto r = progsurv("attribute " + kTenYears + " -n 200 -q --threads 2 -o " + path("a.h5"));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("portfolio ten-years"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("completed programmes per organisation"), std::string::npos);
  EXPECT_NE(r.out.find("by launch rank"), std::string::npos);
  const PortfolioAttribution back = read_portfolio_attribution(path("a.h5"));
  EXPECT_EQ(back.n, 200);
  const auto s = progsurv("summary " + path("a.h5"));
  ASSERT_EQ(s.status, 0) << s.out;
  // The summary prints what the command printed, less the "written:" line.
  EXPECT_EQ(r.out.substr(0, r.out.find("written: ")), s.out);
}

TEST_F(PortfolioAttributionFiles, CommandRefusesScenarioOptionsForAPortfolio) {
  const std::string out = path("b.h5");
  for (const char* bad : {"--mechanisms budget", "--shapley permutations", "-n 1", "--threads -1",
                          "--set roster.ceo=x"}) {
    const auto r = progsurv("attribute " + kTenYears + " -q " + std::string(bad) + " -o " + out);
    EXPECT_EQ(r.status, 2) << bad << ": " << r.out;
    EXPECT_FALSE(fs::exists(out)) << bad;
  }
}

}  // namespace
