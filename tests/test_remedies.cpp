// Remedies (issue 17): the remedies file's errors, bundles and exclusions.
#include <gtest/gtest.h>

#include <string>

#include "command.hpp"
#include "progsurv/analysis/remedies.hpp"
#include "progsurv/scenario/scenario.hpp"

using namespace progsurv;

namespace {

std::string data(const std::string& name) {
  return std::string(PROGSURV_SOURCE_DIR) + "/tests/data/remedies/" + name;
}

const Scenario& closed_form() {
  static const Scenario s = Scenario::load(data("closed-form.yaml"));
  return s;
}

RemedySet parse(const std::string& yaml) {
  return RemedySet::from_yaml(yaml, "r.yaml", closed_form());
}

// The error a remedies text raises (a test failure when it parses).
ScenarioError remedies_error(const std::string& yaml) {
  try {
    (void)parse(yaml);
  } catch (const ScenarioError& e) {
    return e;
  }
  ADD_FAILURE() << "parsed without error:\n" << yaml;
  return ScenarioError("", 0, 0, "", "");
}

const char* const kTwo = R"(unit: EUR k
remedies:
  - name: longer_tenure
    description: longer in post
    options:
      - {name: twice, cost: 10, set: {sponsor_levels.vp.tenure.mean: 20}}
      - {name: four_times, cost: 30, set: {sponsor_levels.vp.tenure.mean: 40}}
  - name: faster_work
    description: faster
    cost: 15
    set: {phases.0.steps.0.work: {dist: exponential, mean: 5}}
)";

TEST(RemediesFile, ReadsRemediesOptionsAndSettings) {
  const RemedySet set = parse(kTwo);
  EXPECT_EQ(set.unit, "EUR k");
  ASSERT_EQ(set.remedies.size(), 2u);
  EXPECT_TRUE(set.remedies[0].has_options);
  ASSERT_EQ(set.remedies[0].options.size(), 2u);
  EXPECT_EQ(set.remedies[0].options[1].name, "four_times");
  EXPECT_EQ(set.remedies[0].options[1].cost, 30.0);
  EXPECT_FALSE(set.remedies[1].has_options);
  ASSERT_EQ(set.remedies[1].options.size(), 1u);
  ASSERT_EQ(set.remedies[1].options[0].set.size(), 1u);
  EXPECT_EQ(set.remedies[1].options[0].set[0].first, "phases.0.steps.0.work");
  // A map value becomes the flow text --set takes.
  EXPECT_EQ(set.remedies[1].options[0].set[0].second, "{dist: exponential, mean: 5}");
}

TEST(RemediesFile, BundlesTakeOneChoicePerRemedy) {
  const RemedySet set = parse(kTwo);
  EXPECT_EQ(bundle_product(set), 6u);
  EXPECT_EQ(count_bundles(set, 100), 6u);
  EXPECT_EQ(count_bundles(set, 4), 5u);  // "more than 4"
  const std::vector<Bundle> b = enumerate_bundles(set);
  ASSERT_EQ(b.size(), 6u);
  EXPECT_EQ(b[0].label, "nothing");
  EXPECT_EQ(b[0].cost, 0.0);
  EXPECT_EQ(b[1].label, "faster_work");
  EXPECT_EQ(b[2].label, "longer_tenure=twice");
  EXPECT_EQ(b[3].label, "longer_tenure=twice + faster_work");
  EXPECT_EQ(b[3].cost, 25.0);
  EXPECT_EQ(b[5].label, "longer_tenure=four_times + faster_work");
  EXPECT_EQ(b[5].cost, 45.0);
  // The bundle's scenario has every setting applied.
  const Scenario s = bundle_scenario(closed_form(), set, b[5]);
  EXPECT_DOUBLE_EQ(s.levels[0].tenure.mean(), 40.0);
  EXPECT_DOUBLE_EQ(s.phases[0].steps[0].work.mean(), 5.0);
  EXPECT_DOUBLE_EQ(bundle_scenario(closed_form(), set, b[0]).levels[0].tenure.mean(), 10.0);
}

TEST(RemediesFile, ExclusionsAreSymmetricAndRespected) {
  const RemedySet set = parse(R"(unit: months
remedies:
  - {name: a, description: x, cost: 1, set: {sponsor_levels.vp.tenure.mean: 20}, excludes: [b]}
  - {name: b, description: y, cost: 2, set: {sponsor_levels.vp.tenure.mean: 30}}
  - {name: c, description: z, cost: 4, set: {sponsor_levels.vp.clout: 0.9}}
)");
  EXPECT_TRUE(set.excludes(0, 1));
  EXPECT_TRUE(set.excludes(1, 0));
  EXPECT_FALSE(set.excludes(0, 2));
  EXPECT_EQ(bundle_product(set), 8u);
  const std::vector<Bundle> b = enumerate_bundles(set);
  ASSERT_EQ(b.size(), 6u);  // 8 less {a, b} and {a, b, c}
  EXPECT_EQ(count_bundles(set, 1000), 6u);
  for (const Bundle& x : b) EXPECT_FALSE(x.choice[0] >= 0 && x.choice[1] >= 0) << x.label;
}

TEST(RemediesFile, ManyRemediesAreCountedWithoutEnumeratingThemAll) {
  std::string yaml = "unit: u\nremedies:\n";
  for (int i = 0; i < 40; ++i)
    yaml += "  - {name: r" + std::to_string(i) +
            ", description: d, cost: 1, set: {sponsor_levels.vp.clout: 0.6}" +
            (i > 0 ? ", excludes: [r0]" : "") + "}\n";
  // r0 to r39 all set clout: r1..r39 exclude r0 but not each other, so this is refused.
  const ScenarioError e = remedies_error(yaml);
  EXPECT_NE(e.message().find("both set 'sponsor_levels.vp.clout'"), std::string::npos) << e.what();
  std::string ok = "unit: u\nremedies:\n";
  for (int i = 0; i < 40; ++i)
    ok += "  - {name: r" + std::to_string(i) + ", description: d, cost: " + std::to_string(i) +
          ", set: {phases.0.value: " + std::to_string(i + 1) + "}" +
          (i > 0 ? ", excludes: [" : "") +
          [&] {
            std::string names;
            for (int j = 0; j < i; ++j) names += (j ? ", r" : "r") + std::to_string(j);
            return names;
          }() +
          (i > 0 ? "]" : "") + "}\n";
  const RemedySet set = parse(ok);
  EXPECT_EQ(count_bundles(set, 4096), 41u);  // nothing, or exactly one of the 40
  std::string free = "unit: u\nremedies:\n";
  for (int i = 0; i < 40; ++i)
    free += "  - {name: r" + std::to_string(i) +
            ", description: d, cost: 1, set: {phases.0.value: " + std::to_string(i + 1) + "}}\n";
  // The same path without exclusions is refused; give each remedy its own path instead.
  EXPECT_NE(remedies_error(free).message().find("exclude each other"), std::string::npos);
}

TEST(RemediesFile, ProductOfOptionsSaturatesInsteadOfOverflowing) {
  std::string yaml = "unit: u\nremedies:\n";
  // 40 remedies of 4 options on 40 different keys: 5^40 bundles, beyond 2^64.
  const std::vector<std::string> keys = {"sponsor_levels.vp.clout", "sponsor_levels.vp.approval",
                                         "phases.0.value", "succession.adoption",
                                         "patience.review_every"};
  for (int i = 0; i < 5; ++i) {
    yaml += "  - name: r" + std::to_string(i) + "\n    description: d\n    options:\n";
    for (int o = 0; o < 31; ++o)
      yaml += "      - {name: o" + std::to_string(o) + ", cost: 1, set: {" + keys[i] + ": " +
              (i == 4 ? std::to_string(o + 1) : "0." + std::to_string(o % 9 + 1)) + "}}\n";
  }
  const RemedySet set = parse(yaml);
  EXPECT_EQ(bundle_product(set), 32u * 32 * 32 * 32 * 32);
  EXPECT_EQ(count_bundles(set, 4096), 4097u);
}

struct BadCase {
  const char* what;
  std::string yaml;
  int line, column;
  std::string key, message;
};

TEST(RemediesFile, ErrorsNameLineColumnAndKey) {
  const std::vector<BadCase> cases = {
      {"unknown key",
       "unit: u\nremedies:\n  - {name: a, description: d, cost: 1, set: {phases.0.value: 2}, cots: "
       "3}\n",
       3, 66, "remedies.0.cots", "unknown key 'cots'"},
      {"missing unit",
       "remedies:\n  - {name: a, description: d, cost: 1, set: {phases.0.value: 2}}\n", 1, 1,
       "unit", "missing required key 'unit'"},
      {"missing remedies", "unit: u\n", 1, 1, "remedies", "missing required key 'remedies'"},
      {"empty list", "unit: u\nremedies: []\n", 2, 11, "remedies", "is empty"},
      {"repeated name",
       "unit: u\nremedies:\n  - {name: a, description: d, cost: 1, set: {phases.0.value: 2}}\n"
       "  - {name: a, description: d, cost: 1, set: {sponsor_levels.vp.clout: 0.9}}\n",
       4, 12, "remedies.1.name", "named twice"},
      {"bad name",
       "unit: u\nremedies:\n  - {name: Co Sponsor, description: d, cost: 1, set: {phases.0.value: "
       "2}}\n",
       3, 12, "remedies.0.name", "not a valid name"},
      {"negative cost",
       "unit: u\nremedies:\n  - {name: a, description: d, cost: -5, set: {phases.0.value: 2}}\n", 3,
       37, "remedies.0.cost", "must be >= 0"},
      {"cost not a number",
       "unit: u\nremedies:\n  - {name: a, description: d, cost: cheap, set: {phases.0.value: 2}}\n",
       3, 37, "remedies.0.cost", "expected a number"},
      {"cost not finite",
       "unit: u\nremedies:\n  - {name: a, description: d, cost: .inf, set: {phases.0.value: 2}}\n",
       3, 37, "remedies.0.cost", "finite"},
      {"unknown path",
       "unit: u\nremedies:\n  - name: a\n    description: d\n    cost: 1\n    set:\n      "
       "patience.review_evry: 3\n",
       7, 7, "remedies.0.set.patience.review_evry", "cannot be applied to scenario closed-form"},
      {"wrong value type",
       "unit: u\nremedies:\n  - name: a\n    description: d\n    cost: 1\n    set:\n      "
       "sponsor_levels.vp.clout: high\n",
       7, 7, "remedies.0.set.sponsor_levels.vp.clout", "cannot be applied"},
      {"unknown path in an option",
       "unit: u\nremedies:\n  - name: a\n    description: d\n    options:\n"
       "      - {name: x, cost: 1, set: {phases.0.value: 2}}\n"
       "      - {name: y, cost: 2, set: {phases.7.value: 2}}\n",
       7, 34, "remedies.0.options.1.set.phases.7.value", "a=y cannot be applied"},
      {"both cost and options",
       "unit: u\nremedies:\n  - name: a\n    description: d\n    cost: 1\n"
       "    options: [{name: x, cost: 1, set: {phases.0.value: 2}}]\n",
       5, 5, "remedies.0.cost", "either cost and set, or options"},
      {"neither", "unit: u\nremedies:\n  - {name: a, description: d}\n", 3, 5, "remedies.0.cost",
       "missing required key 'cost'"},
      {"cost without set", "unit: u\nremedies:\n  - {name: a, description: d, cost: 3}\n", 3, 5,
       "remedies.0.set", "missing required key 'set'"},
      {"excludes unknown",
       "unit: u\nremedies:\n  - {name: a, description: d, cost: 1, set: {phases.0.value: 2}, "
       "excludes: [bb]}\n",
       3, 77, "remedies.0.excludes.0", "excludes 'bb', which is not a remedy"},
      {"same path without exclusion",
       "unit: u\nremedies:\n  - {name: a, description: d, cost: 1, set: {phases.0.value: 2}}\n"
       "  - name: b\n    description: d\n    cost: 1\n    set:\n      phases.0: {name: x, value: "
       "3, steps: [{silo: a, work: 1}]}\n",
       8, 7, "remedies.1.set.phases.0", "remedies a and b both set 'phases.0'"},
      {"empty options", "unit: u\nremedies:\n  - {name: a, description: d, options: []}\n", 3, 40,
       "remedies.0.options", "is empty"},
  };
  for (const BadCase& c : cases) {
    SCOPED_TRACE(c.what);
    const ScenarioError e = remedies_error(c.yaml);
    EXPECT_EQ(e.file(), "r.yaml");
    EXPECT_EQ(e.line(), c.line) << e.what();
    EXPECT_EQ(e.column(), c.column) << e.what();
    EXPECT_EQ(e.key(), c.key) << e.what();
    EXPECT_NE(e.message().find(c.message), std::string::npos) << e.what();
  }
}

TEST(RemediesFile, ExclusionsAllowOnePath) {
  const RemedySet set = parse(
      "unit: u\nremedies:\n  - {name: a, description: d, cost: 1, set: {phases.0.value: 2}}\n"
      "  - {name: b, description: d, cost: 1, set: {phases.0.value: 3}, excludes: [a]}\n");
  EXPECT_EQ(enumerate_bundles(set).size(), 3u);
}

TEST(RemediesFile, SizeCapsAreNamed) {
  std::string yaml = "unit: u\nremedies:\n";
  for (int i = 0; i <= kMaxRemedies; ++i)
    yaml += "  - {name: r" + std::to_string(i) +
            ", description: d, cost: 1, set: {phases.0.value: 2}}\n";
  EXPECT_NE(remedies_error(yaml).message().find("at most 64"), std::string::npos);
  const std::string huge = "unit: u\n# " + std::string(kMaxRemediesFileBytes, 'x') + "\n";
  EXPECT_NE(remedies_error(huge).message().find("at most"), std::string::npos);
}

TEST(RemediesFile, TheTestDataFileReads) {
  const RemedySet set = RemedySet::load(data("closed-form-remedies.yaml"), closed_form());
  EXPECT_EQ(enumerate_bundles(set).size(), 6u);
  EXPECT_NE(set.text.find("faster_work"), std::string::npos);
}

}  // namespace
