// grid_bin, and Tally::add through it, put each end time in the bin std::lower_bound names
// (the first grid point at or after it) whatever the grid: it guesses from an evenly spaced
// grid and walks to the answer. PortfolioTally::add bins its programmes' ends with it too.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "progsurv/engine/tally.hpp"

using namespace progsurv;

namespace {

// The bin Tally::add counted one ended replication at `t` in.
std::size_t bin_of(const Scenario& s, double t) {
  Tally tally(s);
  ReplicationRecord r;
  r.outcome = Outcome::Ended;
  r.cause = Cause::Patience;
  r.end_time = t;
  tally.add(r);
  const auto k = static_cast<std::size_t>(end_category(r.outcome, r.cause));
  std::size_t found = tally.bin_count();
  for (std::size_t b = 0; b < tally.bin_count(); ++b) {
    if (tally.end_bins[k * tally.bin_count() + b] == 1) {
      EXPECT_EQ(found, tally.bin_count()) << "two bins counted for t = " << t;
      found = b;
    }
  }
  return found;
}

TEST(Tally, EndBinIsLowerBoundOnAnyGrid) {
  std::vector<std::vector<double>> grids = {{},
                                            {10.0},
                                            {1.0, 2.0, 5.0, 12.0, 24.0, 60.0},
                                            {0.0, 0.0, 3.0, 3.0, 3.0, 9.0},
                                            {},
                                            {0.0, 1e-300},
                                            {0.5, 59.5}};
  for (int i = 0; i <= 60; ++i) grids[0].push_back(i);        // {step: 1}
  for (int i = 0; i <= 85; ++i) grids[4].push_back(0.7 * i);  // steps that do not add up
  grids.emplace_back();  // crowded at the start: an even spacing's guess falls short
  for (int i = 1; i <= 40; ++i) grids.back().push_back(60.0 * std::pow(0.025 * i, 3.0));
  grids.emplace_back();  // crowded at the end: the guess overshoots
  for (int i = 0; i <= 40; ++i)
    grids.back().push_back(60.0 * (1.0 - std::pow(1.0 - 0.025 * i, 3.0)));
  std::mt19937_64 gen(7);
  std::uniform_real_distribution<double> uniform(-5.0, 70.0);
  for (const auto& grid : grids) {
    Scenario s;
    s.grid = grid;
    std::vector<double> ts = {0.0, -0.0, 60.0, 1e300, -1e300, std::nan("")};
    for (double g : grid) {
      ts.push_back(g);
      ts.push_back(std::nextafter(g, -INFINITY));
      ts.push_back(std::nextafter(g, INFINITY));
    }
    for (int i = 0; i < 2000; ++i) ts.push_back(uniform(gen));
    for (double t : ts) {
      const auto expected =
          static_cast<std::size_t>(std::lower_bound(grid.begin(), grid.end(), t) - grid.begin());
      ASSERT_EQ(grid_bin(grid, t), expected) << "t = " << t << ", grid of " << grid.size();
      ASSERT_EQ(bin_of(s, t), expected) << "t = " << t << ", grid of " << grid.size();
    }
  }
}

}  // namespace
