#pragma once
// What a YAML input describes, for commands that take either a scenario or a portfolio.
#include <string>

namespace progsurv {

enum class YamlKind { Scenario, Portfolio };

// Portfolio when the file's top level is a map with both `roster` and `programmes` (keys no
// scenario has); Scenario otherwise, including a file that cannot be read or parsed, so that
// the scenario reader reports what is wrong with it.
YamlKind yaml_kind(const std::string& path);

}  // namespace progsurv
