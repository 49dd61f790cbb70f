#pragma once
// Memory a command will need, estimated before anything is allocated, against a limit
// (docs/robustness.md): beyond it the command is refused with the figure (UsageError).
#include <cstdint>
#include <string>

#include "progsurv/scenario/error.hpp"

namespace progsurv {

struct Scenario;
struct RunOptions;

// The limit: PROGSURV_MEMORY_LIMIT_MB when set, otherwise 3/4 of the smaller of the
// physical memory and the address-space limit (ulimit -v).
std::uint64_t memory_limit_bytes();

// "1.5 GB", "320 MB": for messages.
std::string format_bytes(double bytes);

// Throws UsageError "<what> needs about X, more than the limit Y (...)" when bytes > limit.
void check_memory(double bytes, const std::string& what);

// Bytes one Tally of this scenario holds.
double tally_bytes(const Scenario& scenario);

// What run() will hold at its peak with these options (tallies in flight, summary, and
// the per-replication records when kept).
double estimate_run_memory(const Scenario& scenario, const RunOptions& options, int threads);

}  // namespace progsurv
