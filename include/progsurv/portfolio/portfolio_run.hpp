#pragma once
// Running many organisations in parallel, reproducibly (docs/model.md, Portfolio mode): the same
// output, bit for bit, for any number of threads, as run() does for single programmes.
#include <cstdint>

#include "progsurv/engine/run.hpp"
#include "progsurv/portfolio/organisation.hpp"
#include "progsurv/portfolio/portfolio.hpp"
#include "progsurv/portfolio/portfolio_tally.hpp"

namespace progsurv {

// Organisations per chunk: a chunk's tally is merged in chunk order. Fixed, so the output
// does not depend on the thread count; a batch is kChunksPerBatch chunks.
inline constexpr std::int64_t kOrganisationChunk = 1024;
// The cap of a precision run's organisations when none is given (the command's and Python's).
inline constexpr std::int64_t kDefaultMaxOrganisations = 1000000;
// The highest precision target (a 95% half-width of programmes completed per organisation)
// the command and Python accept; the lowest is kMinPrecision.
inline constexpr double kMaxPortfolioPrecision = 1e6;

struct PortfolioResult {
  Portfolio portfolio;
  std::uint64_t seed = 0;
  double precision = 0.0;
  Sharing sharing;
  PortfolioTally tally;
};

// The 95% half-width of the mean programmes completed per organisation: what a precision run
// stops on (infinite below two organisations).
double completed_half_width(const PortfolioTally& tally);

// options.replications counts organisations. With options.precision > 0, batches run until
// the 95% half-width of the mean number of programmes completed per organisation is at
// most `precision` (or max_replications). Throws UsageError for options out of range and
// Cancelled when stopped.
PortfolioResult run_portfolio(const Portfolio& portfolio, const RunOptions& options,
                              const Sharing& sharing = {});

}  // namespace progsurv
