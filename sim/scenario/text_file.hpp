#pragma once
// Reading a whole input file (scenario, sweep) with the same error as a parse error.
#include <cstddef>
#include <string>

namespace progsurv {

// Scenario and sweep files larger than this are refused unread (docs/robustness.md).
inline constexpr std::size_t kMaxInputFileBytes = std::size_t{16} << 20;

// The bytes of `path`; throws ScenarioError(path, 0, 0, "", "cannot read file: <reason>")
// when it cannot be read, is not a regular file (a FIFO, a device such as /dev/zero, a
// folder), or is larger than kMaxInputFileBytes.
std::string read_text_file(const std::string& path);

}  // namespace progsurv
