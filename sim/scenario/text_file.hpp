#pragma once
// Reading a whole input file (scenario, sweep) with the same error as a parse error.
#include <cstddef>
#include <string>

namespace progsurv {

// Scenario and sweep files larger than this are refused unread (docs/robustness.md).
inline constexpr std::size_t kMaxInputFileBytes = std::size_t{16} << 20;

// The bytes of `path`; throws ScenarioError(path, 0, 0, "", "cannot read file: <reason>")
// when it cannot be read, is a device (such as /dev/zero or a terminal), a folder or a
// socket, or is larger than kMaxInputFileBytes. `-` is standard input; it and a FIFO with a
// writer (/dev/stdin from a pipe) are read to their end once and the text kept, so a second
// read of the same path in the process gives the same text; a FIFO with nothing written
// to it is refused at once.
std::string read_text_file(const std::string& path);

}  // namespace progsurv
