#pragma once
// Committed reference outputs (tests/reference/*.tally.txt): "key = value" lines of raw
// tallies for a fixed seed. With PROGSURV_UPDATE_REFERENCE=1 the file is rewritten (say so
// in the commit); otherwise every key must match, floating sums to their last few bits.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>

namespace progsurv_test {

// Keys starting with "sum" hold floating sums; every other value must match exactly.
inline void expect_matches_reference(const std::string& ref_path,
                                     const std::map<std::string, std::string>& lines,
                                     const std::string& name = "") {
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
      EXPECT_EQ(v, ref.at(k)) << name << ": " << k;
    }
  }
}

}  // namespace progsurv_test
