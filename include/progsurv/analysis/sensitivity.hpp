#pragma once
// Variance-based (Sobol) sensitivity indices and one-at-a-time tornado data.
//
// Everything here is a pure function of a design and a matrix of model outputs, so it can be
// checked on analytic test functions (Ishigami) without the engine; sweeps feed it the
// per-point metrics of the Monte Carlo runs.
#include <cstdint>
#include <string>
#include <vector>

#include "progsurv/engine/summary.hpp"

namespace progsurv::sensitivity {

// Saltelli's sampling scheme for k factors and n base samples: the rows of the two
// independent n×k matrices A and B, followed by the k matrices AB_i (A with column i taken
// from B), so n·(k + 2) rows in all, each row k coordinates in [0, 1). A and B are the two
// halves of the first n points of a 2k-dimensional Sobol' low-discrepancy sequence
// (boost::random::sobol, origin included); use n a power of two for the best balance.
std::vector<std::vector<double>> saltelli_sample(std::int64_t n, int k);

// Position of row j of block b in saltelli_sample's output: b = 0 is A, 1 is B, 2 + i is AB_i.
inline std::int64_t saltelli_row(std::int64_t n, int block, std::int64_t j) {
  return block * n + j;
}

struct SobolIndices {
  // First-order S_i and total-effect ST_i, with percentile bootstrap intervals.
  std::vector<Estimate> first, total;
  double mean = 0.0;
  double variance = 0.0;  // of the output over A and B together
  int bootstrap = 0;
  double confidence = 0.95;
};

// Jansen's estimators (Saltelli et al. 2010, table 2) from outputs y in saltelli_sample's
// row order (y.size() == n·(k + 2)):
//   V     = variance of f(A) and f(B) pooled,
//   ST_i  = (1/2n) Σ_j (f(A)_j − f(AB_i)_j)² / V,
//   S_i   = (V − (1/2n) Σ_j (f(B)_j − f(AB_i)_j)²) / V.
// Intervals: `bootstrap` resamples of the n base rows with replacement (a fixed stream from
// `seed`, so results are reproducible), percentile method at `confidence`. A NaN output
// makes every index of that output NaN; zero variance gives NaN indices too (nothing to
// apportion).
SobolIndices sobol_indices(const std::vector<double>& y, std::int64_t n, int k,
                           int bootstrap = 1000, std::uint64_t seed = 1, double confidence = 0.95);

// One-at-a-time sensitivity around a base point: for each factor the output at its low and
// high value with the others at base. Bars are ordered by swing |high − low|, largest first,
// as a tornado chart draws them.
struct TornadoBar {
  int factor = -1;
  double low = 0.0, high = 0.0;  // output at the factor's low and high value
  double swing = 0.0;            // |high − low|
};
// NaN swings sort last.
std::vector<TornadoBar> tornado(const std::vector<double>& low, const std::vector<double>& high);

}  // namespace progsurv::sensitivity
