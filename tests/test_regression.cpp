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
  if (const char* update = std::getenv("PROGSURV_UPDATE_REFERENCE"); update && *update == '1') {
    std::ofstream out(ref_path);
    for (const auto& [k, v] : lines) out << k << " = " << v << "\n";
    GTEST_SKIP() << "reference rewritten: " << ref_path;
  }
  std::ifstream in(ref_path);
  ASSERT_TRUE(in) << "missing reference " << ref_path;
  std::map<std::string, std::string> ref;
  for (std::string line; std::getline(in, line);) {
    const auto eq = line.find(" = ");
    if (eq != std::string::npos) ref[line.substr(0, eq)] = line.substr(eq + 3);
  }
  ASSERT_EQ(ref.size(), lines.size());
  for (const auto& [k, v] : lines) {
    ASSERT_TRUE(ref.count(k)) << k;
    if (k.rfind("sum", 0) == 0) {
      // Floating sums: equal to the last few bits (another optimisation level may round
      // differently), far tighter than any behavioural change.
      const double a = std::strtod(v.c_str(), nullptr), b = std::strtod(ref[k].c_str(), nullptr);
      EXPECT_NEAR(a, b, 1e-12 * (1.0 + std::fabs(b))) << name << ": " << k;
    } else {
      EXPECT_EQ(v, ref[k]) << name << ": " << k;
    }
  }
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
