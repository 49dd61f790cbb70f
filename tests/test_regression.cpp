// Regression against committed reference outputs: the raw tallies of each shipped scenario
// for a fixed seed. A change in the engine's behaviour shows up here as a diff; when the
// change is intended, regenerate with PROGSURV_UPDATE_REFERENCE=1 and say so in the commit.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "progsurv/engine/run.hpp"
#include "reference_file.hpp"

using namespace progsurv;

namespace {

constexpr std::int64_t kReplications = 20000;
constexpr std::uint64_t kSeed = 2026;

std::map<std::string, std::string> tally_lines(const Tally& t) {
  std::map<std::string, std::string> out;
  auto fmt = [](double x) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.17g", x);
    return std::string(buf);
  };
  out["n"] = std::to_string(t.n);
  for (int k = 0; k < kEndCategoryCount; ++k)
    out[std::string("count.") + to_string(static_cast<EndCategory>(k))] =
        std::to_string(t.category_count[static_cast<std::size_t>(k)]);
  std::string bins;
  for (auto b : t.end_bins) bins += std::to_string(b) + " ";
  out["end_bins"] = bins;
  std::string phases;
  for (auto b : t.phases_by_category) phases += std::to_string(b) + " ";
  out["phases_by_category"] = phases;
  for (int q = 0; q < kQuantityCount; ++q) {
    out[std::string("sum.") + to_string(static_cast<Quantity>(q))] =
        fmt(t.moments[static_cast<std::size_t>(q)].sum);
    out[std::string("sumsq.") + to_string(static_cast<Quantity>(q))] =
        fmt(t.moments[static_cast<std::size_t>(q)].sumsq);
  }
  return out;
}

class Regression : public ::testing::TestWithParam<const char*> {};

TEST_P(Regression, TallyMatchesCommittedReference) {
  const std::string name = GetParam();
  const Scenario s =
      Scenario::load(std::string(PROGSURV_SOURCE_DIR) + "/scenarios/" + name + ".yaml");
  RunOptions opt;
  opt.replications = kReplications;
  opt.seed = kSeed;
  opt.threads = 2;
  const auto lines = tally_lines(run(s, opt).tally);
  const std::string ref_path =
      std::string(PROGSURV_SOURCE_DIR) + "/tests/reference/" + name + ".tally.txt";
  progsurv_test::expect_matches_reference(ref_path, lines, name);
}

INSTANTIATE_TEST_SUITE_P(Scenarios, Regression,
                         ::testing::Values("baseline", "csuite-anchor", "director-vacuum",
                                           "visible-metrics"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (auto& c : n)
                             if (c == '-') c = '_';
                           return n;
                         });

}  // namespace
