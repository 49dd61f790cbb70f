// `progsurv validate` warnings: inputs that parse but cannot have any effect.
#include <gtest/gtest.h>

#include <map>

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
  EXPECT_TRUE(got.count("customers.trust_effect"));
}

}  // namespace
