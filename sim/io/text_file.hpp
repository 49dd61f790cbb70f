#pragma once
// Reading a whole input file (scenario, sweep) with the same error as a parse error.
#include <string>

namespace progsurv {

// The bytes of `path`; throws ScenarioError(path, 0, 0, "", "cannot read file: <reason>").
std::string read_text_file(const std::string& path);

}  // namespace progsurv
