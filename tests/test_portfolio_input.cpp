// Bad portfolio files (docs/portfolio-format.md): every class of mistake is a ScenarioError
// that names the file, the line, the column and the key path, with a message that says
// what was expected. Plus what the organisation takes from its templates and what stays
// theirs.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "progsurv/portfolio/portfolio.hpp"
#include "temp_folder.hpp"

namespace fs = std::filesystem;
using namespace progsurv;

namespace {

// A small template: two levels, two silos, one phase of two steps, patience reviews.
const char* kTemplate = R"(name: tmpl
horizon: 60
sponsor_levels:
  vp: {tenure: {dist: exponential, mean: 40}, clout: 0.6}
  director: {tenure: {dist: exponential, mean: 30}, clout: 0.3}
sponsor: {vp: 0.5, director: 0.5}
succession: {vacancy: 4, adoption: 0.7}
silos:
  marketing: {break_prob: 0.1}
  sales: {break_prob: 0.2}
phases:
  - name: one
    engage: true
    steps:
      - {silo: marketing, work: 3}
      - {silo: sales, work: 2}
patience: {threshold: 12, review_every: 4, grace: 6}
scoping: 1.5
customers: {follow_up: 2, trust_loss: 0.2}
)";

// Its levels and silos in the other order, sponsored by directors only.
const char* kReversed = R"(name: reversed
sponsor_levels:
  director: {tenure: 30}
  vp: {tenure: 40}
sponsor: director
silos:
  sales: {}
  marketing: {}
phases:
  - steps:
      - {silo: sales, work: 1}
      - {silo: marketing, work: 1}
)";

// A valid portfolio; the tests below break it one way at a time. Line numbers matter.
const char* kGood = R"(name: org
horizon: 120
roster: {vp: 2, director: 3}
programmes:
  core: tmpl.yaml
launches:
  - {at: 0, programme: core}
)";

class PortfolioInput : public progsurv_test::TempFolderTest {
 protected:
  void SetUp() override {
    TempFolderTest::SetUp();
    write("tmpl.yaml", kTemplate);
    write("reversed.yaml", kReversed);
  }

  Portfolio load(const std::string& text) const { return Portfolio::load(write("org.yaml", text)); }

  ScenarioError error_of(const std::string& text) const {
    try {
      load(text);
    } catch (const ScenarioError& e) {
      return e;
    }
    ADD_FAILURE() << "expected a ScenarioError for:\n" << text;
    return ScenarioError("", -1, -1, "", "");
  }

  // The error names `file` (the portfolio file unless given), line, column, key path, and
  // its message contains `fragment`.
  void expect_error(const std::string& text, int line, int column, const std::string& key,
                    const std::string& fragment, const std::string& file = "org.yaml") const {
    const ScenarioError e = error_of(text);
    SCOPED_TRACE(std::string("error: ") + e.what() + "\nfor:\n" + text);
    EXPECT_EQ(e.file(), (dir_ / file).string());
    EXPECT_EQ(e.line(), line);
    EXPECT_EQ(e.column(), column);
    EXPECT_EQ(e.key(), key);
    EXPECT_NE(e.message().find(fragment), std::string::npos) << "message lacks: " << fragment;
    // The printed form carries all of it, as the command shows it.
    if (line > 0) {
      EXPECT_NE(std::string(e.what()).find(":" + std::to_string(line) + ":"), std::string::npos);
    }
  }
};

TEST_F(PortfolioInput, GoodFileLoads) {
  const Portfolio p = load(kGood);
  EXPECT_EQ(p.name, "org");
  EXPECT_EQ(p.horizon, 120.0);
  ASSERT_EQ(p.level_names, (std::vector<std::string>{"vp", "director"}));
  EXPECT_EQ(p.roster, (std::vector<int>{2, 3}));
  EXPECT_EQ(p.post_count(), 5);
  ASSERT_EQ(p.templates.size(), 1u);
  EXPECT_EQ(p.template_sources[0], (dir_ / "tmpl.yaml").lexically_normal().string());
  ASSERT_EQ(p.launches.size(), 1u);
  EXPECT_FALSE(p.renewal.enabled);
  EXPECT_EQ(p.max_live, 0);
  EXPECT_EQ(p.initial_trust, 1.0);
  EXPECT_EQ(p.cynicism.rise, 0.0);
  // Grid: a point every month over the portfolio's horizon, not the template's 60.
  EXPECT_EQ(p.grid.size(), 121u);
  EXPECT_EQ(p.templates[0].horizon, 120.0);
}

// The organisation's blocks replace the lead template's in every template; the template
// keeps its phases, sponsor mix, scoping, patience (but review_every) and customers.
TEST_F(PortfolioInput, OrganisationBlocksReplaceTheTemplatesOwn) {
  const Portfolio p = load(R"(horizon: 96
grid: {step: 12}
roster: {vp: 1, director: 1}
succession: {vacancy: 2, adoption: 0.4}
budget: {every: 12, squeeze_prob: 0.3, cut_prob: 0.5}
review_every: 6
escalation: {delay: 1, max_attempts: 3}
programmes:
  core: tmpl.yaml
  rev: reversed.yaml
launches:
  - {at: 10, programme: rev}
  - {at: 0, programme: core}
  - {at: 10, programme: core}
)");
  ASSERT_EQ(p.templates.size(), 2u);
  for (const Scenario& t : p.templates) {
    EXPECT_EQ(t.horizon, 96.0);
    EXPECT_EQ(t.grid.size(), 9u);
    EXPECT_EQ(t.succession.adoption, 0.4);
    EXPECT_EQ(t.succession.vacancy.quantile(0.5), 2.0);
    EXPECT_TRUE(t.succession.successor_same);
    EXPECT_TRUE(t.budget.enabled);
    EXPECT_EQ(t.budget.squeeze_prob, 0.3);
    EXPECT_EQ(t.patience.review_every, 6.0);
    EXPECT_EQ(t.escalation.max_attempts, 3);
    // The lead template's levels and silos, in its order.
    ASSERT_EQ(t.levels.size(), 2u);
    EXPECT_EQ(t.levels[0].name, "vp");
    EXPECT_EQ(t.levels[0].clout, 0.6);
    EXPECT_EQ(t.silos[0].name, "marketing");
    EXPECT_EQ(t.silos[1].break_prob, 0.2);
  }
  // The template's own parts stay.
  const Scenario& core = p.templates[0];
  EXPECT_EQ(core.patience.grace, 6.0);
  EXPECT_EQ(core.patience.threshold.quantile(0.5), 12.0);
  EXPECT_EQ(core.scoping.quantile(0.5), 1.5);
  EXPECT_EQ(core.customers.trust_loss, 0.2);
  EXPECT_TRUE(core.phases[0].engage);
  const Scenario& rev = p.templates[1];
  EXPECT_EQ(rev.patience.model, PatienceModel::None);
  EXPECT_EQ(rev.scoping.quantile(0.5), 0.0);
  // Re-pointed by name: the reversed template's director and its sales-then-marketing steps.
  ASSERT_EQ(rev.sponsor.level.size(), 1u);
  EXPECT_EQ(rev.sponsor.level[0], 1);
  EXPECT_EQ(rev.phases[0].steps[0].silo, 1);
  EXPECT_EQ(rev.phases[0].steps[1].silo, 0);
  // Launch order is time order, ties in file order.
  ASSERT_EQ(p.launches.size(), 3u);
  EXPECT_EQ(p.launches[0].programme, 0);
  EXPECT_EQ(p.launches[1].programme, 1);
  EXPECT_EQ(p.launches[1].at, 10.0);
  EXPECT_EQ(p.launches[2].programme, 0);
}

TEST_F(PortfolioInput, WithoutOrganisationBlocksTheLeadTemplatesApply) {
  const Portfolio p = load(kGood);
  const Scenario& t = p.templates[0];
  EXPECT_EQ(t.succession.adoption, 0.7);
  EXPECT_EQ(t.succession.vacancy.quantile(0.5), 4.0);
  EXPECT_EQ(t.patience.review_every, 4.0);
  EXPECT_FALSE(t.budget.enabled);
}

TEST_F(PortfolioInput, UnknownKeySuggestsTheNearest) {
  expect_error(std::string(kGood) + "max_lives: 3\n", 8, 1, "max_lives",
               "did you mean 'max_live'?");
  expect_error(R"(horizon: 120
roster: {vp: 2}
programmes: {core: tmpl.yaml}
renewal: {evry: 9, mix: core}
)",
               4, 11, "renewal.evry", "did you mean 'every'?");
  expect_error(R"(horizon: 120
roster: {vp: 2}
programmes: {core: tmpl.yaml}
launches: [{at: 0, programme: core}]
cynicism: {rise: 0.1, efect: {break: 0.2}}
)",
               5, 23, "cynicism.efect", "did you mean 'effect'?");
  // The portfolio's customers block holds the organisation's trust only.
  expect_error(R"(horizon: 120
roster: {vp: 2}
programmes: {core: tmpl.yaml}
launches: [{at: 0, programme: core}]
customers: {initial_trust: 0.8, trust_loss: 0.1}
)",
               5, 33, "customers.trust_loss", "unknown key 'trust_loss'");
}

TEST_F(PortfolioInput, RequiredKeys) {
  expect_error(R"(roster: {vp: 2}
programmes: {core: tmpl.yaml}
launches: [{at: 0, programme: core}]
)",
               1, 1, "horizon", "missing required key 'horizon'");
  expect_error(R"(horizon: 120
programmes: {core: tmpl.yaml}
launches: [{at: 0, programme: core}]
)",
               1, 1, "roster", "missing required key 'roster'");
  expect_error(R"(horizon: 120
roster: {vp: 2}
launches: [{at: 0, programme: core}]
)",
               1, 1, "programmes", "missing required key 'programmes'");
  expect_error(R"(horizon: 120
roster: {vp: 2}
programmes: {}
)",
               3, 13, "programmes", "define at least one programme");
  expect_error(R"(horizon: 120
roster: {vp: 2}
programmes: {core: tmpl.yaml}
)",
               1, 1, "", "launches nothing");
  expect_error("", 0, 0, "", "the portfolio is empty");
}

TEST_F(PortfolioInput, Roster) {
  expect_error(R"(horizon: 120
roster: {vp: 2, cfo: 1}
programmes: {core: tmpl.yaml}
launches: [{at: 0, programme: core}]
)",
               2, 17, "roster.cfo", "unknown sponsor level 'cfo'");
  expect_error(R"(horizon: 120
roster: {vp: 2, directr: 1}
programmes: {core: tmpl.yaml}
launches: [{at: 0, programme: core}]
)",
               2, 17, "roster.directr", "did you mean 'director'?");
  expect_error(R"(horizon: 120
roster: {vp: 0, director: 0}
programmes: {core: tmpl.yaml}
launches: [{at: 0, programme: core}]
)",
               2, 9, "roster", "at least one post");
  expect_error(R"(horizon: 120
roster: {vp: -1}
programmes: {core: tmpl.yaml}
launches: [{at: 0, programme: core}]
)",
               2, 14, "roster.vp", "must be >= 0");
  expect_error(R"(horizon: 120
roster: {vp: 1.5}
programmes: {core: tmpl.yaml}
launches: [{at: 0, programme: core}]
)",
               2, 14, "roster.vp", "whole number");
  expect_error(R"(horizon: 120
roster: {vp: 128, director: 48}
programmes: {core: tmpl.yaml}
launches: [{at: 0, programme: core}]
)",
               2, 14, "roster.vp", "at most 127 posts per level");
  expect_error(R"(horizon: 120
roster: [vp, director]
programmes: {core: tmpl.yaml}
launches: [{at: 0, programme: core}]
)",
               2, 9, "roster", "a map level: posts");
}

TEST_F(PortfolioInput, Launches) {
  expect_error(R"(horizon: 120
roster: {vp: 2}
programmes: {core: tmpl.yaml}
launches:
  - {at: 0, programme: core}
  - {at: 12, programme: cor}
)",
               6, 25, "launches.1.programme", "unknown programme 'cor'; did you mean 'core'?");
  expect_error(R"(horizon: 120
roster: {vp: 2}
programmes: {core: tmpl.yaml}
launches:
  - {at: 130, programme: core}
)",
               5, 10, "launches.0.at", "beyond the horizon");
  expect_error(R"(horizon: 120
roster: {vp: 2}
programmes: {core: tmpl.yaml}
launches:
  - {at: -1, programme: core}
)",
               5, 10, "launches.0.at", "-1");
  expect_error(R"(horizon: 120
roster: {vp: 2}
programmes: {core: tmpl.yaml}
launches:
  - {at: 3}
)",
               5, 5, "launches.0.programme", "missing required key 'programme'");
  expect_error(R"(horizon: 120
roster: {vp: 2}
programmes: {core: tmpl.yaml}
launches: {at: 3, programme: core}
)",
               4, 11, "launches", "expected a list of launches");
  // 2049 launches: one more than an organisation's streams can name.
  std::string many = "horizon: 120\nroster: {vp: 2}\nprogrammes: {core: tmpl.yaml}\nlaunches:\n";
  for (int i = 0; i < 2049; ++i) many += "  - {at: 1, programme: core}\n";
  expect_error(many, 4 + 2049, 5, "launches.2048", "more than 2048 launches");
}

TEST_F(PortfolioInput, Renewal) {
  expect_error(R"(horizon: 120
roster: {vp: 2}
programmes: {core: tmpl.yaml}
renewal: {every: 9, mix: cor}
)",
               4, 26, "renewal.mix", "unknown programme 'cor'; did you mean 'core'?");
  expect_error(R"(horizon: 120
roster: {vp: 2}
programmes: {core: tmpl.yaml}
renewal: {every: 9, mix: {core: 1, other: 2}}
)",
               4, 36, "renewal.mix.other", "unknown programme 'other'");
  expect_error(R"(horizon: 120
roster: {vp: 2}
programmes: {core: tmpl.yaml}
renewal: {every: never, mix: core}
)",
               4, 18, "renewal.every", "finite time between launches");
  expect_error(R"(horizon: 120
roster: {vp: 2}
programmes: {core: tmpl.yaml}
renewal: {every: 0, mix: core}
)",
               4, 18, "renewal.every", "positive mean");
  expect_error(R"(horizon: 120
roster: {vp: 2}
programmes: {core: tmpl.yaml}
renewal: {every: 9, mix: {core: 0}}
)",
               4, 26, "renewal.mix", "positive, finite sum");
  expect_error(R"(horizon: 120
roster: {vp: 2}
programmes: {core: tmpl.yaml}
renewal: {mix: core}
)",
               4, 10, "renewal.every", "missing required key 'every'");
}

TEST_F(PortfolioInput, Templates) {
  expect_error(R"(horizon: 120
roster: {vp: 2}
programmes:
  core: nothere.yaml
launches: [{at: 0, programme: core}]
)",
               4, 9, "programmes.core", "cannot read programme template");
  // A broken template file is reported in that file, at its own line.
  write("broken.yaml", std::string(kTemplate) + "budget: {every: -3}\n");
  expect_error(R"(horizon: 120
roster: {vp: 2}
programmes:
  core: broken.yaml
launches: [{at: 0, programme: core}]
)",
               20, 17, "budget.every", "must be positive", "broken.yaml");
  // The organisation's own levels (given here) lack the template's director.
  expect_error(R"(horizon: 120
sponsor_levels:
  vp: {tenure: 40}
  c_suite: {tenure: 60}
roster: {vp: 2, c_suite: 1}
programmes:
  core: tmpl.yaml
launches: [{at: 0, programme: core}]
)",
               7, 9, "programmes.core", "sponsored at level 'director'");
  // The organisation's silos lack the template's sales.
  expect_error(R"(horizon: 120
roster: {vp: 2}
silos: {marketing: {}, sale: {}}
programmes:
  core: tmpl.yaml
launches: [{at: 0, programme: core}]
)",
               5, 9, "programmes.core", "step in silo 'sales'");
  expect_error(R"(horizon: 120
roster: {vp: 2}
programmes:
  core.v2: tmpl.yaml
launches: [{at: 0, programme: core.v2}]
)",
               4, 3, "programmes.core.v2", "may not contain '.'");
  expect_error(R"(horizon: 120
roster: {vp: 2}
programmes:
  core: [tmpl.yaml]
launches: [{at: 0, programme: core}]
)",
               4, 9, "programmes.core", "a scenario file path or an inline scenario");
}

// An inline template's mistakes point into the portfolio file, at the line of the key (as
// they would in the template's own file), with the key path inside the portfolio.
TEST_F(PortfolioInput, InlineTemplateErrorsPointIntoThePortfolio) {
  const std::string inline_good = R"(horizon: 120
roster: {vp: 2}
programmes:
  small:
    sponsor_levels: {vp: {tenure: 40}}
    sponsor: vp
    silos: {ops: {}}
    phases:
      - steps: [{silo: ops, work: 2}]
launches: [{at: 0, programme: small}]
)";
  const Portfolio p = load(inline_good);
  EXPECT_EQ(p.template_sources[0], (dir_ / "org.yaml").string() + " (programme small)");
  std::string bad = inline_good;
  bad.replace(bad.find("work: 2"), 7, "work: {dist: gama, mean: 2}");
  expect_error(bad, 9, 42, "programmes.small.phases.0.steps.0.work.dist", "did you mean 'gamma'?");
  bad = inline_good;
  bad.replace(bad.find("sponsor: vp"), 11, "sponsr: vp");
  expect_error(bad, 6, 5, "programmes.small.sponsr", "did you mean 'sponsor'?");
  bad = inline_good;
  bad.replace(bad.find("silos: {ops: {}}"), 16, "silos: {ops: {break_prob: 2}}");
  expect_error(bad, 7, 31, "programmes.small.silos.ops.break_prob", "[0, 1]");
  // A check of the whole scenario has no position of its own: its key's line.
  bad = inline_good;
  bad.replace(bad.find("silos: {ops: {}}"), 16,
              "silos: {ops: {break_prob: 0.5}}\n    escalation: {max_attempts: 100000000}");
  expect_error(bad, 8, 32, "programmes.small.escalation.max_attempts", "would never finish");
}

TEST_F(PortfolioInput, SuccessorLevelIsRefused) {
  expect_error(R"(horizon: 120
roster: {vp: 2}
succession: {vacancy: 3, successor_level: same}
programmes: {core: tmpl.yaml}
launches: [{at: 0, programme: core}]
)",
               3, 43, "succession.successor_level", "a post keeps its level");
  expect_error(R"(horizon: 120
roster: {vp: 2}
succession: {adoption: 1.2}
programmes: {core: tmpl.yaml}
launches: [{at: 0, programme: core}]
)",
               3, 24, "succession.adoption", "probability");
}

TEST_F(PortfolioInput, CynicismOutOfRange) {
  const std::string head = R"(horizon: 120
roster: {vp: 2}
programmes: {core: tmpl.yaml}
launches: [{at: 0, programme: core}]
)";
  expect_error(head + "cynicism: {rise: 1.5}\n", 5, 18, "cynicism.rise", "probability in [0, 1]");
  expect_error(head + "cynicism: {initial: -0.1}\n", 5, 21, "cynicism.initial",
               "probability in [0, 1]");
  expect_error(head + "cynicism: {relief: 2}\n", 5, 20, "cynicism.relief", "probability");
  // half_life also takes `never`, and every message about it says so.
  expect_error(head + "cynicism: {half_life: 0}\n", 5, 23, "cynicism.half_life",
               "must be positive (months) or 'never', got 0");
  expect_error(head + "cynicism: {half_life: forever}\n", 5, 23, "cynicism.half_life",
               "expected a number (months) or 'never', got 'forever'");
  expect_error(head + "cynicism: {effect: {break: 1.2}}\n", 5, 28, "cynicism.effect.break",
               "probability");
  expect_error(head + "cynicism: {effect: {pickup: -1}}\n", 5, 29, "cynicism.effect.pickup",
               ">= 0");
  expect_error(head + "cynicism: {effect: {approval: 2}}\n", 5, 31, "cynicism.effect.approval",
               "probability");
  expect_error(head + "customers: {initial_trust: 1.5}\n", 5, 28, "customers.initial_trust",
               "probability");
  // half_life never is the default spelled out.
  EXPECT_FALSE(std::isfinite(load(head + "cynicism: {half_life: never}\n").cynicism.half_life));
}

TEST_F(PortfolioInput, MaxLive) {
  expect_error(std::string(kGood) + "max_live: 0\n", 8, 11, "max_live", "at least 1");
  expect_error(std::string(kGood) + "max_live: -2\n", 8, 11, "max_live", "must be >= 0");
  EXPECT_EQ(load(std::string(kGood) + "max_live: 3\n").max_live, 3);
}

TEST_F(PortfolioInput, HorizonAndGrid) {
  expect_error(R"(horizon: 0
roster: {vp: 2}
programmes: {core: tmpl.yaml}
launches: [{at: 0, programme: core}]
)",
               1, 10, "horizon", "positive");
  expect_error(R"(horizon: 120
grid: [0, 60, 130]
roster: {vp: 2}
programmes: {core: tmpl.yaml}
launches: [{at: 0, programme: core}]
)",
               2, 15, "grid.2", "beyond the horizon");
}

// --set overrides reach the portfolio's own keys and keep template paths relative to the
// portfolio file; a path that leads nowhere names itself.
TEST_F(PortfolioInput, Overrides) {
  const Portfolio p = load(kGood);
  const Portfolio q = p.with_values({{"roster.vp", "5"}, {"horizon", "96"}});
  EXPECT_EQ(q.roster[0], 5);
  EXPECT_EQ(q.horizon, 96.0);
  EXPECT_EQ(q.templates[0].horizon, 96.0);
  // Every change is recorded with what it was, and names the variant; a key set again
  // keeps what the file said.
  EXPECT_TRUE(p.changes.empty());
  EXPECT_EQ(p.label(), "org");
  const Portfolio r = q.with_values({{"roster.vp", "6"}});
  ASSERT_EQ(r.changes.size(), 2u);
  EXPECT_EQ(r.changes[0].path, "roster.vp");
  EXPECT_EQ(r.changes[0].value, "6");
  EXPECT_EQ(r.changes[0].was, "2");
  EXPECT_EQ(r.changes[1].path, "horizon");
  EXPECT_EQ(r.changes[1].was, "120");
  EXPECT_EQ(r.label(), "org [roster.vp=6, horizon=96]");
  // The portfolio's own keys: every component but the last must exist in the file.
  try {
    p.with_values({{"cynicism.rise", "0.2"}});
    ADD_FAILURE() << "expected a ScenarioError";
  } catch (const ScenarioError& e) {
    EXPECT_EQ(e.file(), "<override>");
    EXPECT_EQ(e.key(), "cynicism.rise");
  }
  EXPECT_EQ(p.with_values({{"cynicism", "{rise: 0.2}"}}).cynicism.rise, 0.2);
  // An inline template's keys are reached through programmes.NAME.
  const Portfolio inline_p = load(R"(horizon: 120
roster: {vp: 2}
programmes:
  small:
    sponsor_levels: {vp: {tenure: 40}}
    sponsor: vp
    silos: {marketing: {}}
    phases:
      - {value: 1, steps: [{silo: marketing, work: 2}]}
launches: [{at: 0, programme: small}]
)");
  EXPECT_EQ(
      inline_p.with_values({{"programmes.small.phases.0.value", "3"}}).templates[0].phases[0].value,
      3.0);
  // So are those of a template in its own file: it is written inline, then changed; the file
  // is left as it is.
  const Portfolio f = p.with_values({{"programmes.core.patience.grace", "2"}});
  EXPECT_EQ(p.templates[0].patience.grace, 6.0);
  EXPECT_EQ(f.templates[0].patience.grace, 2.0);
  EXPECT_EQ(f.templates[0].patience.review_every, 4.0);  // the rest as the file has it
  ASSERT_EQ(f.changes.size(), 1u);
  EXPECT_EQ(f.changes[0].was, "6");
  EXPECT_EQ(f.template_sources[0], path("org.yaml") + " (programme core)");
  EXPECT_EQ(p.with_values({{"roster.vp", "3"}}).template_sources[0], path("tmpl.yaml"));
  EXPECT_EQ(load(kGood).templates[0].patience.grace, 6.0);
  // A path the portfolio would ignore is refused with the path that acts, not run under a
  // label that says it changed something.
  for (const auto& [bad, acts] : std::vector<std::pair<std::string, std::string>>{
           {"programmes.core.horizon", "set 'horizon'"},
           {"succession.adoption", "set 'programmes.core.succession.adoption'"},
           {"programmes.core.succession.successor_level", "always of its own level"}}) {
    try {
      p.with_values({{bad, "1"}});
      ADD_FAILURE() << "expected a ScenarioError for " << bad;
    } catch (const ScenarioError& e) {
      EXPECT_EQ(e.key(), bad);
      EXPECT_NE(e.message().find(acts), std::string::npos) << e.what();
    }
  }
  // With the portfolio's own silos the lead's handoff overrides are dropped: refused too.
  const Portfolio with_silos = load(std::string(kGood) + "silos: {marketing: {}, sales: {}}\n");
  try {
    with_silos.with_values({{"programmes.core.handoffs", "[{from: marketing, to: sales}]"}});
    ADD_FAILURE() << "expected a ScenarioError";
  } catch (const ScenarioError& e) {
    EXPECT_NE(e.message().find("write a handoffs block beside the portfolio's silos"),
              std::string::npos)
        << e.what();
  }
  // A block the template leaves to its defaults is taken from them, as for scenarios.
  EXPECT_EQ(p.with_values({{"programmes.core.deferral.prob", "0.3"}}).templates[0].deferral.prob,
            0.3);
  try {
    p.with_values({{"programmes.core.patience.grase", "2"}});
    ADD_FAILURE() << "expected a ScenarioError";
  } catch (const ScenarioError& e) {
    EXPECT_EQ(e.file(), "<override>");
    EXPECT_EQ(e.key(), "programmes.core.patience.grase");
    EXPECT_NE(e.message().find("did you mean 'grace'?"), std::string::npos) << e.what();
  }
  try {
    p.with_values({{"roster.vp", "-3"}});
    ADD_FAILURE() << "expected a ScenarioError";
  } catch (const ScenarioError& e) {
    EXPECT_EQ(e.key(), "roster.vp");
    EXPECT_NE(e.message().find(">= 0"), std::string::npos) << e.what();
  }
}

}  // namespace

namespace {

// A template other than the lead has no organisation blocks of its own: overriding one ran
// the same organisations under a label that said the key had changed.
TEST(PortfolioWithValues, OrganisationBlocksOfAnotherTemplateAreRefused) {
  const Portfolio p =
      Portfolio::load(PROGSURV_SOURCE_DIR "/scenarios/portfolios/planned-launches.yaml");
  ASSERT_EQ(p.template_names.front(), "research");
  const std::string path = "programmes.anchored.sponsor_levels.c_suite.tenure.mean";
  try {
    p.with_values({{path, "1"}});
    ADD_FAILURE() << "expected a ScenarioError";
  } catch (const ScenarioError& e) {
    EXPECT_EQ(e.key(), path);
    EXPECT_NE(e.message().find("set 'programmes.research.sponsor_levels.c_suite.tenure.mean'"),
              std::string::npos)
        << e.what();
  }
  // The lead's does act: every template runs on the organisation's levels.
  const Portfolio q =
      p.with_values({{"programmes.research.sponsor_levels.c_suite.tenure.mean", "1"}});
  for (const Scenario& t : q.templates)
    EXPECT_EQ(t.levels[static_cast<std::size_t>(t.level_index("c_suite"))].tenure.mean(), 1.0);
}

// The worked example of docs/portfolio-format.md loads as the page describes it.
TEST_F(PortfolioInput, WorkedExampleOfTheFormatPage) {
  const std::string page = [] {
    std::ifstream in(PROGSURV_SOURCE_DIR "/docs/portfolio-format.md");
    std::ostringstream os;
    os << in.rdbuf();
    return os.str();
  }();
  const std::size_t section = page.find("## A worked example");
  ASSERT_NE(section, std::string::npos);
  const std::size_t begin = page.find("```yaml\n", section);
  ASSERT_NE(begin, std::string::npos);
  const std::size_t end = page.find("```\n", begin + 8);
  ASSERT_NE(end, std::string::npos);
  // Laid out as in the repository: the portfolio one folder below its lead template.
  fs::create_directories(dir_ / "portfolios");
  fs::copy_file(PROGSURV_SOURCE_DIR "/scenarios/baseline.yaml", dir_ / "baseline.yaml");
  const Portfolio p =
      Portfolio::load(write("portfolios/mixed.yaml", page.substr(begin + 8, end - begin - 8)));
  EXPECT_EQ(p.name, "mixed");
  EXPECT_EQ(p.post_count(), 20);
  ASSERT_EQ(p.template_names, (std::vector<std::string>{"cx", "pilot"}));
  const Scenario& cx = p.templates[0];
  const Scenario& pilot = p.templates[1];
  EXPECT_EQ(pilot.levels.size(), 4u);  // the baseline's levels
  EXPECT_EQ(pilot.levels[2].clout, cx.levels[2].clout);
  EXPECT_EQ(pilot.succession.adoption, 0.4);
  EXPECT_EQ(cx.succession.adoption, 0.4);
  EXPECT_EQ(pilot.overrides.size(), cx.overrides.size());
  EXPECT_EQ(pilot.budget.squeeze_prob, 0.25);
  EXPECT_EQ(pilot.patience.threshold.quantile(0.5), 9.0);
  EXPECT_EQ(pilot.scoping.quantile(0.5), 0.0);
  EXPECT_GT(cx.scoping.quantile(0.5), 0.0);
  EXPECT_EQ(p.launches.size(), 3u);
  EXPECT_EQ(p.launches[1].programme, 1);
  EXPECT_TRUE(p.renewal.enabled);
  EXPECT_NEAR(p.renewal.prob[0], 2.0 / 3.0, 1e-15);
  EXPECT_EQ(p.max_live, 5);
  EXPECT_EQ(p.cynicism.half_life, 24.0);
  EXPECT_EQ(p.initial_trust, 0.9);
}

}  // namespace

TEST_F(PortfolioInput, CompareWithin) {
  EXPECT_EQ(load(kGood).compare_within, 60.0);  // half the horizon by default
  expect_error(R"(horizon: 120
roster: {vp: 1}
programmes: {core: tmpl.yaml}
launches: [{at: 0, programme: core}]
compare_within: 121
)",
               5, 17, "compare_within", "longer than the horizon");
  expect_error(R"(horizon: 120
roster: {vp: 1}
programmes: {core: tmpl.yaml}
launches: [{at: 0, programme: core}]
compare_within: 0
)",
               5, 17, "compare_within", "");
}

// Renewal shares the scenario's categorical pick: weights that round to a hair under 1 leave
// u beyond their sum to the last template that can be drawn, never to a zero-weight last one.
TEST(RenewalPick, ZeroWeightLastTemplateIsNeverPicked) {
  Renewal r;
  r.enabled = true;
  r.programme = {3, 5, 7};
  r.prob = {0.3, 0.7 - 1e-12, 0.0};
  EXPECT_EQ(r.pick(0.0), 3);
  EXPECT_EQ(r.pick(0.5), 5);
  EXPECT_EQ(r.pick(0.7 - 1e-13), 5);  // beyond the rounded sum
  EXPECT_EQ(r.pick(std::nextafter(1.0, 0.0)), 5);
  for (int i = 0; i < 1000; ++i) EXPECT_NE(r.pick(i / 1000.0), 7);
}

TEST(RenewalPick, ZeroWeightMiddleTemplateIsNeverPicked) {
  Renewal r;
  r.programme = {0, 1, 2};
  r.prob = {0.5, 0.0, 0.5};
  EXPECT_EQ(r.pick(0.5), 2);
  EXPECT_EQ(r.pick(0.25), 0);
}
