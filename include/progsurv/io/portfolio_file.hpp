#pragma once
// The versioned HDF5 layout of a portfolio run (docs/hdf5-portfolio-format.md).
#include <string>

#include "progsurv/portfolio/portfolio_run.hpp"

namespace progsurv {

// Built in memory and renamed into place (io/output_file.hpp), so a crash never leaves a
// half file; throws std::runtime_error when the file cannot be written.
void write_portfolio_result(const std::string& path, const PortfolioResult& result);

// Checks filetype and format version first; throws FileFormatError for a missing, foreign,
// newer or damaged file (including counts that do not add up). The returned portfolio has
// its name, horizon, grid, levels, roster and template names, and its source text, but no
// parsed templates (their files may have changed since).
PortfolioResult read_portfolio_result(const std::string& path);

}  // namespace progsurv
