#pragma once
// Organisation-level attribution (docs/model.md, Portfolio mode; method in
// docs/portfolio-attribution.md): what each thing an organisation's programmes share costs.
// Organisation i of a portfolio is run with full sharing and with each sharing switched off
// (Sharing in portfolio/organisation.hpp), all with the same (seed, i). Launch times and
// templates are organisation-level draws, so the k-th programme exists in every variant and
// the per-organisation differences are exactly paired (common random numbers).
//
// Sign: "what X costs" = the outcome with X switched off minus the outcome with full sharing.
// A positive cost in completed programmes means sharing X loses completions; a negative one
// means the sharing helps.
#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "progsurv/analysis/attribution.hpp"
#include "progsurv/portfolio/organisation.hpp"
#include "progsurv/portfolio/portfolio.hpp"

namespace progsurv {

// The variants compared with full sharing: one sharing off at a time, then all four off.
enum class SharingKnockout : int { Cynicism = 0, Trust, Posts, Budget, All, Count };
inline constexpr int kSharingKnockoutCount = static_cast<int>(SharingKnockout::Count);
// The sharings themselves: the knock-outs before All.
inline constexpr int kSharingCount = static_cast<int>(SharingKnockout::All);
const char* to_string(SharingKnockout k);  // "cynicism", "trust", "posts", "budget", "all"
const char* describe(SharingKnockout k);   // "cynicism carried over", for people
// Full sharing with k switched off (All: every sharing off).
Sharing sharing_without(SharingKnockout k);

// Per-organisation statistics: its programmes completed, ended (any cause), not started and
// running at the horizon (these four sum to its launches, which every variant shares), and
// its total value.
enum class OrganisationStat : int { Completed = 0, Ended, NotStarted, Running, Value, Count };
inline constexpr int kOrganisationStatCount = static_cast<int>(OrganisationStat::Count);
const char* to_string(OrganisationStat s);  // "completed", "ended", ..., "value"

// PairedSums and paired_delta (attribution.hpp) hold and read every pair of runs below.

struct PortfolioAttributionOptions {
  std::uint64_t seed = 1;
  std::int64_t organisations = 20000;
  int threads = 0;  // 0 = all hardware threads; results do not depend on it
  // Exact Shapley decomposition: every one of the 16 subsets of the four sharings switched
  // off, for every organisation (16 runs each instead of 6).
  bool shapley = true;
  // Called at batch ends with (done, planned); return false to stop (throws Cancelled).
  std::function<bool(std::int64_t, std::int64_t)> progress;
};

struct PortfolioAttribution {
  Portfolio portfolio;
  std::uint64_t seed = 0;
  std::int64_t n = 0;  // organisations
  // [knock-out][statistic], n pairs each.
  std::array<std::array<PairedSums, kOrganisationStatCount>, kSharingKnockoutCount> per_org{};
  // [knock-out][k]: whether the k-th programme launched (k = 0 the first) completed, over the
  // organisations that launched a k-th programme (the same organisations in every variant).
  std::array<std::vector<PairedSums>, kSharingKnockoutCount> per_rank;
  // Each sharing's Shapley part of switching all four off: its marginal cost averaged over
  // every order of switching them off (exact, over all 16 subsets). Sums of phi_i (in `d`,
  // `variant`) and phi_i^2 (in `d2`); `base` unused. The four parts of an organisation sum to
  // its all-four difference, so their means sum to the cost of all four. Empty unless
  // `shapley`.
  bool shapley = false;
  std::array<std::array<PairedSums, kOrganisationStatCount>, kSharingCount> shapley_org{};
  std::array<std::vector<PairedSums>, kSharingCount> shapley_rank;

  std::size_t ranks() const { return per_rank[0].size(); }
  // Organisations that launched a k-th programme.
  std::int64_t rank_launched(std::size_t k) const { return per_rank[0].at(k).n; }
  // What switching k off changes, per organisation; and for the k-th programme, as a
  // difference of probabilities (multiply by 100 for percentage points).
  PairedDelta cost(SharingKnockout k, OrganisationStat s) const;
  PairedDelta rank_cost(SharingKnockout k, std::size_t rank) const;
  // Shapley parts (k one of the four sharings; delta and se only); NaN without `shapley`.
  PairedDelta shapley_cost(SharingKnockout k, OrganisationStat s) const;
  PairedDelta rank_shapley_cost(SharingKnockout k, std::size_t rank) const;
};

// Deterministic: the same sums, bit for bit, for any thread count (fixed chunks of
// kOrganisationChunk organisations merged in chunk order). Throws UsageError for options out
// of range, Cancelled when stopped, and std::logic_error if a variant launched a different
// number of programmes than full sharing (launches must not depend on sharing).
PortfolioAttribution attribute_portfolio(const Portfolio& portfolio,
                                         const PortfolioAttributionOptions& options);

// The text printed by `progsurv attribute` for a portfolio and by `progsurv summary`.
std::string format_portfolio_attribution(const PortfolioAttribution& result);

// HDF5 file with filetype "progsurv-portfolio-attribution" (docs/portfolio-attribution.md),
// built in memory and renamed into place.
void write_portfolio_attribution(const std::string& path, const PortfolioAttribution& result);
// Reads it back (FileFormatError for a missing, foreign, newer or damaged file). The portfolio
// has its name, description, source, horizon and source text, but no parsed templates.
PortfolioAttribution read_portfolio_attribution(const std::string& path);

}  // namespace progsurv
