// `progsurv validate` warnings: inputs that parse but cannot have any effect.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <map>
#include <set>

#include "progsurv/scenario/lint.hpp"

namespace {

const char* kScenario = R"(name: lint
horizon: 24
sponsor_levels:
  vp: {tenure: {dist: exponential, mean: 30}}
  ceo: {tenure: {dist: exponential, mean: 80}}
sponsor: vp
silos:
  a: {pickup: {dist: exponential, mean: 1}}
  b: {pickup: {dist: exponential, mean: 1}}
  c: {}
handoffs:
  - {from: b, to: a, pickup: {dist: exponential, mean: 2}}
  - {from: a, to: b, pickup: {dist: exponential, mean: 2}}
phases:
  - name: one
    steps:
      - {silo: a, work: {dist: exponential, mean: 2}}
      - {silo: b, work: {dist: exponential, mean: 2}}
patience:
  model: hazard
  rate: 0.02
  grace: 2
  review_every: 3
)";

TEST(Lint, WarnsAboutEachInputWithoutEffectAtItsLine) {
  const auto s = progsurv::Scenario::from_yaml(kScenario, "lint.yaml");
  const auto w = progsurv::lint(s);
  std::map<std::string, int> line;
  for (const auto& x : w) line[x.key] = x.line;
  EXPECT_EQ(line.size(), 4u);
  EXPECT_EQ(line.at("handoffs.0"), 12);  // b -> a never happens; a -> b does
  EXPECT_EQ(line.count("handoffs.1"), 0u);
  EXPECT_EQ(line.at("silos.c"), 10);
  EXPECT_EQ(line.at("patience.review_every"), 23);  // grace applies to the hazard model
  EXPECT_EQ(line.at("sponsor_levels.ceo"), 5);
}

TEST(Lint, ASuccessorMixCanDrawALevelAndThenItCounts) {
  std::string text = kScenario;
  text += "succession: {successor_level: {ceo: 1}}\n";
  for (const auto& x : progsurv::lint(progsurv::Scenario::from_yaml(text)))
    EXPECT_NE(x.key, "sponsor_levels.ceo");
}

// Rules 12 and 13: keys that act only through a lapse of attention or a recruitment time.
TEST(Lint, AttentionAndRecruitmentKeysWithoutEffect) {
  const std::string base = R"(name: lint2
sponsor_levels:
  vp: {tenure: 30}
sponsor: vp
silos: {a: {}}
phases:
  - steps: [{silo: a, work: 1}]
patience: {model: hazard, rate: 0.01, visible: steps}
disengaged: {clout: 0.5}
customers: {trust_effect: 2}
)";
  std::map<std::string, std::string> got;
  for (const auto& w : progsurv::lint(progsurv::Scenario::from_yaml(base))) got[w.key] = w.message;
  EXPECT_TRUE(got.count("disengaged"));
  EXPECT_TRUE(got.count("customers.trust_effect"));
  EXPECT_TRUE(got.count("patience.visible"));  // hazard model, and nobody lapses
  // With lapses, visible decides re-engagement and disengaged acts: no warning for either.
  std::string lapsing = base;
  lapsing.replace(lapsing.find("vp: {tenure: 30}"), 16, "vp: {tenure: 30, attention_lapse: 6}");
  got.clear();
  for (const auto& w : progsurv::lint(progsurv::Scenario::from_yaml(lapsing)))
    got[w.key] = w.message;
  EXPECT_FALSE(got.count("disengaged"));
  EXPECT_FALSE(got.count("patience.visible"));
  EXPECT_FALSE(got.count("sponsor_levels.vp.attention_lapse"));
  EXPECT_TRUE(got.count("customers.trust_effect"));
  // A lapse into a disengagement that lends as much as engagement changes nothing.
  std::string inert = lapsing;
  inert.replace(inert.find("disengaged: {clout: 0.5}"), 24, "disengaged: {clout: 1}");
  got.clear();
  for (const auto& w : progsurv::lint(progsurv::Scenario::from_yaml(inert))) got[w.key] = w.message;
  ASSERT_TRUE(got.count("sponsor_levels.vp.attention_lapse"));
  EXPECT_NE(got["sponsor_levels.vp.attention_lapse"].find("every disengaged factor is 1"),
            std::string::npos);
}

// What `progsurv validate` warns about, without lines (they differ between the two texts).
std::set<std::string> warnings(const progsurv::Scenario& s) {
  std::set<std::string> out;
  for (const auto& w : progsurv::lint(s)) out.insert(w.key + ": " + w.message);
  return out;
}

// The warnings of the canonical form (`progsurv validate FILE > v.yaml`, then `validate v.yaml`)
// that the file itself did not raise, after checking the form reads back identical.
std::set<std::string> added_by_canonical_form(const progsurv::Scenario& s) {
  const std::string text = s.to_yaml();
  const auto again = progsurv::Scenario::from_yaml(text, "v.yaml");
  EXPECT_EQ(again.to_yaml(), text) << s.source;
  std::set<std::string> added;
  const std::set<std::string> before = warnings(s);
  for (const std::string& w : warnings(again))
    if (!before.count(w)) added.insert(w);
  return added;
}

TEST(Lint, TheCanonicalFormOfEveryCommittedScenarioAddsNoWarning) {
  namespace fs = std::filesystem;
  int scenarios = 0;
  for (const auto& e : fs::recursive_directory_iterator(PROGSURV_SOURCE_DIR "/scenarios")) {
    if (e.path().extension() != ".yaml") continue;
    // Sweeps, fits, remedies and portfolios live there too; a scenario has phases of its own.
    const YAML::Node root = YAML::LoadFile(e.path().string());
    if (!root.IsMap() || !root["phases"] || root["programmes"]) continue;
    ++scenarios;
    const auto s = progsurv::Scenario::load(e.path().string());
    EXPECT_EQ(added_by_canonical_form(s), std::set<std::string>{}) << e.path();
  }
  EXPECT_GE(scenarios, 12);  // the nine of scenarios/ and the three of scenarios/exact/
}

TEST(Lint, TheCanonicalFormUnderEachPatienceModelAddsNoWarning) {
  const std::string base = R"(name: models
sponsor_levels:
  vp: {tenure: 30, attention_lapse: LAPSE}
sponsor: vp
silos: {a: {}}
phases:
  - steps: [{silo: a, work: 1}, {silo: a, work: 2}]
)";
  const std::vector<std::string> blocks = {
      "",  // no patience block: nobody cuts
      "patience: none\n",
      "patience: {model: none}\n",
      "patience: {model: none, visible: steps, grace: 2}\n",
      "patience: {threshold: 12}\n",
      "patience: {model: reviews, threshold: 12, visible: steps, grace: 1, rate: 0}\n",
      "patience: {model: reviews, threshold: 12, rate: 0.05}\n",
      "patience: {model: hazard, rate: 0.02}\n",
      "patience: {model: hazard, rate: 0.02, visible: steps, vacancy_multiplier: 0.5}\n",
      "patience: {model: hazard, rate: 0.02, review_every: 6, threshold: 12, cancel_prob: 0.5}\n",
  };
  for (const std::string lapse : {"never", "6"}) {
    std::string text = base;
    text.replace(text.find("LAPSE"), 5, lapse);
    for (const std::string& block : blocks) {
      for (const std::string disengaged : {"", "disengaged: {clout: 0.5}\n"}) {
        const auto s = progsurv::Scenario::from_yaml(text + block + disengaged, "s.yaml");
        EXPECT_EQ(added_by_canonical_form(s), std::set<std::string>{})
            << "attention_lapse: " << lapse << "\n"
            << block << disengaged;
      }
    }
  }
}

// Rule 12 reads patience.visible whatever the model, so model none keeps it.
TEST(Lint, ModelNoneKeepsVisibleForAttention) {
  const auto s =
      progsurv::Scenario::from_yaml(R"(sponsor_levels: {vp: {tenure: 30, attention_lapse: 6}}
sponsor: vp
silos: {a: {}}
phases: [{steps: [{silo: a, work: 1}]}]
patience: {model: none, visible: steps, grace: 4}
disengaged: {clout: 0.5}
)");
  EXPECT_EQ(s.patience.visible, progsurv::Visible::Steps);
  EXPECT_EQ(s.patience.grace, 0.0);  // not read, not kept
  EXPECT_NE(s.to_yaml().find("patience: {model: none, visible: steps}\n"), std::string::npos)
      << s.to_yaml();
  EXPECT_EQ(warnings(s).size(), 1u);  // grace
}

}  // namespace
