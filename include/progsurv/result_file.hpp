#pragma once
// The versioned HDF5 layout of a run (docs/hdf5-format.md).
#include <string>

#include "progsurv/run.hpp"

namespace progsurv {

// Writes to "<path>.tmp-<pid>" and renames it into place, so a crash never leaves a half
// file and an existing file is only replaced by a complete one.
void write_result(const std::string& path, const RunResult& result);

// Checks filetype and format version first; throws FileFormatError for a foreign, newer or
// truncated file. The summary is re-derived from the raw tally.
RunResult read_result(const std::string& path);

}  // namespace progsurv
