#pragma once
// Every on-disk format version lives here, so readers and writers agree.
namespace progsurv {

// File written by `progsurv run` / `progsurv exact` / Result.to_hdf5.
inline constexpr const char* kRunFiletype = "progsurv-run";
// File written by `progsurv sweep`.
inline constexpr const char* kSweepFiletype = "progsurv-sweep";
// File written by `progsurv attribute`.
inline constexpr const char* kAttributionFiletype = "progsurv-attribution";
// File written by `progsurv portfolio` (docs/hdf5-portfolio-format.md), with its own version.
inline constexpr const char* kPortfolioFiletype = "progsurv-portfolio";
inline constexpr int kPortfolioFormatVersionMajor = 1;
// 1.1 added /portfolio@label and /portfolio/changes; 1.2 the derived group /templates; 1.3
// the organisations' spread of their programmes by template (/tally/template_*_sq, *_cross).
inline constexpr int kPortfolioFormatVersionMinor = 3;
// File written by `progsurv attribute` for a portfolio (docs/portfolio-attribution.md).
inline constexpr const char* kPortfolioAttributionFiletype = "progsurv-portfolio-attribution";
inline constexpr int kPortfolioAttributionFormatVersionMajor = 1;
inline constexpr int kPortfolioAttributionFormatVersionMinor = 1;  // 1.1: label, changes
// File written by `progsurv fit` / progsurv.fit() (docs/hdf5-fit-format.md). Its own
// version: the fit file is written by the Python package, not by sim/io.
inline constexpr const char* kFitFiletype = "progsurv-fit";
inline constexpr int kFitFormatVersionMajor = 1;
inline constexpr int kFitFormatVersionMinor = 1;

// Major changes break readers; minor ones only add groups or attributes.
// Attribution files: 1.1 added the scenario's label and changes (--set).
inline constexpr int kFormatVersionMajor = 1;
inline constexpr int kFormatVersionMinor = 1;
// Sweep files: 1.1 added portfolio bases (root attribute `base_kind`, /base_portfolio,
// /metrics/count); 1.2 the morris design, second-order indices, repeats over engine seeds
// (root attribute `repeat`), the noise ratio and the convergence table; 1.3 randomly shifted
// designs (/sobol@shift; repeats of a sobol design are shifted, with a t interval over them);
// 1.4 /base_changes (what --set changed in the base).
// Readers still accept 1.0, which is always a scenario sweep.
inline constexpr int kSweepFormatVersionMajor = 1;
inline constexpr int kSweepFormatVersionMinor = 4;
// Run files (run, exact): version 2 added the scoping and recruiting time buckets, the
// disengagements count and completion-time quantile intervals; 2.1 the rungs, deferrals,
// deferred_value and reengagements of rules 15-17; 2.2 the scenario's label and changes
// (--set). Readers still accept 1 and 2.0.
inline constexpr int kRunFormatVersionMajor = 2;
inline constexpr int kRunFormatVersionMinor = 2;
inline constexpr int kRunFormatOldestMajor = 1;

// File written by `progsurv remedies` (docs/hdf5-remedies-format.md), with its own version;
// 1.1 added the scenario's label and changes (--set); 1.2 searches on a portfolio; 1.3 each
// option's description (/remedies/option_description).
inline constexpr const char* kRemediesFiletype = "progsurv-remedies";
inline constexpr int kRemediesFormatVersionMajor = 1;
inline constexpr int kRemediesFormatVersionMinor = 3;

const char* version_string();  // "0.1.0"
// Compiler, build type, system and math library: "GNU 12.2.0, Release, Linux x86_64; glibc
// 2.36, log/exp/pow 1a2b3c4d" (every file's build_info attribute, `progsurv --version`).
const char* build_string();
// The C library the draws and tables call for log, exp and pow, and a hash of their results
// at inputs where implementations round differently (glibc's FMA and non-FMA versions on
// x86-64 differ at each). Machines whose strings differ can write different files for the
// same seed and scenario (docs/model.md, Randomness and reproducibility); equal strings are
// evidence, not proof, of the same bits.
const char* math_library_string();

// File written by `progsurv compare -o` (docs/hdf5-comparison-format.md), with its own
// version.
inline constexpr const char* kComparisonFiletype = "progsurv-comparison";
inline constexpr int kComparisonFormatVersionMajor = 1;
inline constexpr int kComparisonFormatVersionMinor = 0;

// File written by `progsurv seek` (docs/hdf5-seek-format.md), with its own version; 1.1
// added the scenario's label and changes (--set).
inline constexpr const char* kSeekFiletype = "progsurv-seek";
inline constexpr int kSeekFormatVersionMajor = 1;
inline constexpr int kSeekFormatVersionMinor = 1;

}  // namespace progsurv
