#pragma once
// The groups of a run file (docs/hdf5-format.md) that other files embed as they are: a
// comparison file holds one /scenario and one /tally per compared scenario.
#include <string>

#include "io/h5.hpp"
#include "progsurv/engine/tally.hpp"
#include "progsurv/scenario/scenario.hpp"

namespace progsurv::run_file {

// The group "scenario" under `parent`, as in a run file (name, source, label, yaml,
// source_yaml, changes).
void write_scenario(h5::Group& parent, const Scenario& s);
// The group "tally" under `parent`, as in a run file; std::invalid_argument for a tally
// whose counts are inconsistent.
void write_tally(h5::Group& parent, const Tally& t);
// Read back, at the current run format; h5::Error names what is missing, FileFormatError
// (naming `path`) what is inconsistent.
Scenario read_scenario(const h5::Group& parent, const std::string& path);
Tally read_tally(const h5::Group& parent, const std::string& path);

}  // namespace progsurv::run_file
