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

}  // namespace
