#pragma once
// Variance-based (Sobol) sensitivity indices, Morris elementary effects and one-at-a-time
// tornado data.
//
// Everything here is a pure function of a design and a matrix of model outputs, so it can be
// checked on analytic test functions (Ishigami, Sobol's G) without the engine; sweeps feed it
// the per-point metrics of the Monte Carlo runs.
#include <cstdint>
#include <string>
#include <vector>

#include "progsurv/engine/summary.hpp"

namespace progsurv::sensitivity {

// Saltelli's sampling scheme for k factors and n base samples: the rows of the two
// independent n×k matrices A and B, followed by the k matrices AB_i (A with column i taken
// from B) and, with `second_order`, the k matrices BA_i (B with column i taken from A;
// Saltelli 2002), so n·(k + 2) or n·(2k + 2) rows, each row k coordinates in [0, 1). A and B
// are the two halves of points 2^m .. 2^m + n − 1 of a 2k-dimensional Sobol' low-discrepancy
// sequence (boost::random::sobol; 2^m the smallest power of two >= n, at least 2); use n a
// power of two for the best balance. `shift` != 0 applies a random digital shift keyed by it
// (each coordinate's bits XORed with a random word per dimension): a randomised design that
// keeps the stratification, for studies that repeat the analysis over designs.
std::vector<std::vector<double>> saltelli_sample(std::int64_t n, int k, bool second_order = false,
                                                 std::uint64_t shift = 0);

// Blocks of saltelli_sample's output: A, B, AB_1..AB_k and, with second order, BA_1..BA_k.
inline int saltelli_blocks(int k, bool second_order) { return second_order ? 2 * k + 2 : k + 2; }
// Position of row j of block b in saltelli_sample's output: b = 0 is A, 1 is B, 2 + i is AB_i,
// 2 + k + i is BA_i.
inline std::int64_t saltelli_row(std::int64_t n, int block, std::int64_t j) {
  return block * n + j;
}

// The estimators of first-order and total indices (Saltelli et al. 2010, table 2; Martinez
// 2011), each with its own second-order form.
enum class SobolEstimator { Jansen, Martinez, Saltelli };
const char* to_string(SobolEstimator e);  // "jansen", "martinez", "saltelli"
// false when `text` names no estimator.
bool parse_estimator(const std::string& text, SobolEstimator& out);

// Position of the pair (i, j), i < j, among k factors: (0,1), (0,2), .., (0,k−1), (1,2), ..
inline std::size_t pair_index(int i, int j, int k) {
  return static_cast<std::size_t>(i * k - i * (i + 1) / 2 + (j - i - 1));
}

struct SobolIndices {
  // First-order S_i and total-effect ST_i with their intervals, and the standard error of each
  // (the bootstrap standard deviation; with repeats, the combined one below).
  std::vector<Estimate> first, total;
  std::vector<double> first_se, total_se;
  // Second-order S_ij for the pairs i < j in pair_index order (empty without second order).
  std::vector<Estimate> second;
  std::vector<double> second_se;
  // With repeats over engine seeds: the standard deviation of each index across the seeds
  // (empty with one seed).
  std::vector<double> first_seed_sd, total_seed_sd, second_seed_sd;
  double mean = 0.0;
  double variance = 0.0;  // of the output over A and B together
  SobolEstimator estimator = SobolEstimator::Jansen;
  int bootstrap = 0;
  double confidence = 0.95;
  int repeats = 1;
};

// The indices from outputs y in saltelli_sample's row order (y.size() == n · blocks), with V
// the variance of f(A) and f(B) pooled:
//   jansen    ST_i = (1/2n) Σ_j (f(A)_j − f(AB_i)_j)² / V,
//             S_i  = (V − (1/2n) Σ_j (f(B)_j − f(AB_i)_j)²) / V,
//             S^c_ij = (V − (1/2n) Σ_j (f(BA_i)_j − f(AB_j)_j)²) / V;
//   saltelli  S_i  = (1/n) Σ_j f(B)_j (f(AB_i)_j − f(A)_j) / V, ST_i as jansen,
//             S^c_ij = (1/n) Σ_j (f(BA_i)_j f(AB_j)_j − f(A)_j f(B)_j) / V (Saltelli 2002);
//   martinez  S_i = corr(f(B), f(AB_i)), ST_i = 1 − corr(f(A), f(AB_i)),
//             S^c_ij = corr(f(BA_i), f(AB_j));
// and the second-order index S_ij = S^c_ij − S_i − S_j (BA_i and AB_j share exactly the
// coordinates i and j). Outputs are centred on their first value before the products.
// Intervals: `bootstrap` resamples of the n base rows with replacement (a fixed stream from
// `seed`, so results are reproducible), percentile method at `confidence`; the standard errors
// are the resamples' standard deviation. A NaN output makes every index of that output NaN;
// zero variance gives NaN indices too (nothing to apportion).
SobolIndices sobol_indices(const std::vector<double>& y, std::int64_t n, int k,
                           int bootstrap = 1000, std::uint64_t seed = 1, double confidence = 0.95,
                           SobolEstimator estimator = SobolEstimator::Jansen,
                           bool second_order = false);

// The analysis repeated over R independent randomised designs (saltelli_sample with distinct
// shifts), each under its own engine seed, combined as randomised quasi-Monte Carlo: each index
// is the mean of the R estimates, its standard error s/√R (s the standard deviation of the R
// estimates, kept as *_seed_sd), and its interval the mean ± t_{R−1}·s/√R at the runs'
// confidence. The estimates must be independent: one design run under R seeds is not (its
// sampling error is common to all). One run is returned as it is.
SobolIndices combine_repeats(const std::vector<SobolIndices>& runs);

// Indices against the number of base samples: the estimates from the first n_c base rows for
// n_c = 16, 32, .. (powers of two below n) and n itself; the rows of a Sobol' design's leading
// power-of-two blocks are balanced on their own.
struct SobolConvergence {
  std::vector<std::int64_t> base_samples;
  std::vector<std::vector<double>> first, total;  // [c][factor]
};
SobolConvergence sobol_convergence(const std::vector<double>& y, std::int64_t n, int k,
                                   SobolEstimator estimator = SobolEstimator::Jansen,
                                   bool second_order = false);

// Morris's elementary-effects design (Morris 1991): r trajectories of k + 1 points on a grid
// of `levels` (even) levels of [0, 1]; each trajectory starts at a random grid point and moves
// one factor at a time, in random order and direction, by Δ = levels / (2 (levels − 1)).
// Rows: trajectory t is rows t(k + 1) .. t(k + 1) + k. Random choices from `seed`.
std::vector<std::vector<double>> morris_sample(std::int64_t r, int k, int levels = 4,
                                               std::uint64_t seed = 1);

struct MorrisIndices {
  // Per factor, over its r elementary effects EE = Δy / Δu (u the design coordinate): the mean
  // mu, the mean of |EE| mu_star, the standard deviation sigma (n − 1), and the bootstrap
  // half-width of mu_star at `confidence` (z · the resamples' standard deviation, as SALib).
  std::vector<double> mu, mu_star, sigma, mu_star_conf;
  int bootstrap = 0;
  double confidence = 0.95;
};
// Effects from outputs y in the row order of `rows` (morris_sample's); a NaN output makes the
// effects of its factor NaN.
MorrisIndices morris_effects(const std::vector<std::vector<double>>& rows,
                             const std::vector<double>& y, std::int64_t r, int k,
                             int bootstrap = 1000, std::uint64_t seed = 1,
                             double confidence = 0.95);

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
