#pragma once
// The versioned HDF5 layout of a run (docs/hdf5-format.md).
#include <string>
#include <vector>

#include "progsurv/engine/run.hpp"

namespace progsurv {

// Writes to "<path>.tmp-<pid>" and renames it into place, so a crash never leaves a half
// file and an existing file is only replaced by a complete one. Throws std::invalid_argument
// for an inconsistent result (before touching the disk) and std::runtime_error when the file
// cannot be written; the temp file is removed either way.
void write_result(const std::string& path, const RunResult& result);

// Checks filetype and format version first; throws FileFormatError for a missing, foreign,
// newer or truncated file, or one with a missing or misshapen dataset. The summary is
// re-derived from the raw tally (an exact result has none: its stored summary is read). A
// stored scenario that no longer parses throws ScenarioError at "<path>:/scenario/yaml".
RunResult read_result(const std::string& path);

// The rows of /time_decomposition (the buckets in kTimeBucketOrder) and of /counts, in the
// file's order, which the summary and Python's frames follow too.
std::vector<Quantity> time_quantities();
std::vector<Quantity> count_quantities();

}  // namespace progsurv
