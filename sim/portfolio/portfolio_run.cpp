#include "progsurv/portfolio/portfolio_run.hpp"

#include <cmath>

#include "engine/chunk_pipeline.hpp"

namespace progsurv {
namespace {

void check_options(const RunOptions& o) {
  const auto count_ok = [](std::int64_t n) { return n >= 1 && n <= kMaxReplications; };
  if (!count_ok(o.replications))
    throw UsageError("organisations must be between 1 and " + std::to_string(kMaxReplications) +
                     ", got " + std::to_string(o.replications));
  if (!(std::isfinite(o.precision) && o.precision >= 0.0))
    throw UsageError("precision must be a finite number >= 0 (0 = fixed count)");
  if (o.precision > 0.0 && !count_ok(o.max_replications))
    throw UsageError("max_replications must be between 1 and " + std::to_string(kMaxReplications) +
                     ", got " + std::to_string(o.max_replications));
}

}  // namespace

double completed_half_width(const PortfolioTally& t) {
  if (t.n < 2) return std::numeric_limits<double>::infinity();
  const double n = static_cast<double>(t.n);
  const Moments& m = t.per_org_category[0];
  const double mean = m.sum / n;
  const double var = std::max(0.0, (m.sumsq - n * mean * mean) / (n - 1.0));
  return kZ95 * std::sqrt(var / n);
}

PortfolioResult run_portfolio(const Portfolio& portfolio, const RunOptions& options,
                              const Sharing& sharing) {
  check_options(options);
  PortfolioResult result;
  result.portfolio = portfolio;
  result.seed = options.seed;
  result.precision = options.precision;
  result.sharing = sharing;
  result.tally = PortfolioTally(portfolio);
  const int threads = resolve_threads(options.threads);
  const bool adaptive = options.precision > 0.0;
  const std::int64_t planned = adaptive ? options.max_replications : options.replications;

  const Portfolio& p = result.portfolio;
  ChunkPipeline<PortfolioTally> pipeline(
      planned, threads,
      [&](std::int64_t begin, std::int64_t end) {
        PortfolioTally t(p);
        OrganisationWorkspace workspace;  // the chunk's organisations reuse its room
        for (std::int64_t i = begin; i < end; ++i)
          t.add(simulate_organisation(p, options.seed, static_cast<std::uint64_t>(i), sharing,
                                      workspace));
        return t;
      },
      kOrganisationChunk);
  for (std::int64_t c = 0; c < pipeline.chunk_count(); ++c) {
    result.tally.merge(pipeline.take(c));
    const bool batch_end = (c + 1) % kChunksPerBatch == 0 || c + 1 == pipeline.chunk_count();
    if (!batch_end) continue;
    result.tally.record_checkpoint();
    if (options.progress && !options.progress(result.tally.n, planned)) throw Cancelled();
    throw_if_stopped();
    if (adaptive && completed_half_width(result.tally) <= options.precision) break;
  }
  return result;
}

}  // namespace progsurv
