#pragma once
// Synthetic systems with known means for the ranking-and-selection tests and benchmark
// (select_systems, selection.hpp): an Observer whose observation j of system s depends only
// on (seed, s, j), so every run is reproducible whatever order the blocks come in.
#include <boost/math/distributions/normal.hpp>

#include <cmath>
#include <cstdint>
#include <vector>

#include "progsurv/analysis/selection.hpp"
#include "progsurv/model/rng.hpp"

namespace progsurv::testing {

// Normal observations mean[s] + sd[s] * (sqrt(rho) Z_j + sqrt(1 - rho) Z_sj): Z_j is shared
// by every system at observation j (common random numbers, correlation rho between systems).
struct NormalSystems {
  std::vector<double> mean;
  std::vector<double> sd;
  double rho = 0.0;
  std::uint64_t seed = 1;
  std::int64_t calls = 0;

  static double z(std::uint64_t seed, std::uint64_t system, std::uint64_t j) {
    Rng rng(seed, j, Mechanism::Analysis, Place::of(1, system));
    return boost::math::quantile(boost::math::normal(), rng.uniform());
  }

  Observer observer() {
    return [this](const std::vector<int>& systems, std::int64_t first, std::int64_t count,
                  std::vector<double>& out) {
      ++calls;
      const double a = std::sqrt(rho), b = std::sqrt(1.0 - rho);
      for (std::int64_t j = 0; j < count; ++j) {
        const auto obs = static_cast<std::uint64_t>(first + j);
        // System index 2^32 - 1 names the shared stream.
        const double common = rho > 0.0 ? z(seed, 0xFFFFFFFFULL, obs) : 0.0;
        for (std::size_t i = 0; i < systems.size(); ++i) {
          const auto s = static_cast<std::size_t>(systems[i]);
          out[i * static_cast<std::size_t>(count) + static_cast<std::size_t>(j)] =
              mean[s] + sd[s] * (a * common + b * z(seed, s, obs));
        }
      }
    };
  }
};

// Batch means of Bernoulli(p[s]) outcomes, `batch` replications per observation. With
// `common`, replication r of every system uses the same uniform, so system s succeeds when
// u_r < p[s] (common random numbers as a simulation has them); otherwise each system draws
// its own.
struct BernoulliSystems {
  std::vector<double> p;
  std::int64_t batch = 100;
  std::uint64_t seed = 1;
  bool common = true;

  Observer observer() const {
    return [this](const std::vector<int>& systems, std::int64_t first, std::int64_t count,
                  std::vector<double>& out) {
      std::vector<double> u(static_cast<std::size_t>(batch));
      for (std::int64_t j = 0; j < count; ++j) {
        const auto obs = static_cast<std::uint64_t>(first + j);
        for (std::size_t i = 0; i < systems.size(); ++i) {
          if (i == 0 || !common) {
            Rng rng(seed, obs, Mechanism::Analysis,
                    Place::of(2, common ? 0 : static_cast<std::uint64_t>(systems[i]) + 1));
            for (double& x : u) x = rng.uniform();
          }
          const double ps = p[static_cast<std::size_t>(systems[i])];
          std::int64_t hits = 0;
          for (const double x : u) hits += x < ps ? 1 : 0;
          out[i * static_cast<std::size_t>(count) + static_cast<std::size_t>(j)] =
              static_cast<double>(hits) / static_cast<double>(batch);
        }
      }
    };
  }
};

// A frontier of 2^m bundles of m remedies: remedy q costs cost[q] and adds gain[q] to the
// mean, less `overlap` times the product of the gains of each pair taken together (remedies
// that fix the same obstacle overlap). Bundle b takes remedy q when bit q of b is set;
// bundle 0 is doing nothing (cost 0, mean base).
struct Bundles {
  std::vector<double> cost;  // per bundle
  std::vector<double> mean;  // per bundle
};

inline Bundles make_bundles(const std::vector<double>& remedy_cost,
                            const std::vector<double>& remedy_gain, double base, double overlap) {
  const std::size_t m = remedy_cost.size();
  Bundles b;
  for (std::size_t bundle = 0; bundle < (std::size_t{1} << m); ++bundle) {
    double c = 0.0, g = base, pair = 0.0;
    for (std::size_t q = 0; q < m; ++q) {
      if (!((bundle >> q) & 1U)) continue;
      c += remedy_cost[q];
      g += remedy_gain[q];
      for (std::size_t t = q + 1; t < m; ++t)
        if ((bundle >> t) & 1U) pair += remedy_gain[q] * remedy_gain[t];
    }
    b.cost.push_back(c);
    b.mean.push_back(g - overlap * pair);
  }
  return b;
}

}  // namespace progsurv::testing
