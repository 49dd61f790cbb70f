// Telling a portfolio file from a scenario file by its top-level keys.
#include "progsurv/io/yaml_kind.hpp"

#include <yaml-cpp/yaml.h>

#include "scenario/text_file.hpp"

namespace progsurv {

YamlKind yaml_kind(const std::string& path) {
  try {
    const YAML::Node root = YAML::Load(read_text_file(path));
    if (root.IsMap() && root["roster"] && root["programmes"]) return YamlKind::Portfolio;
  } catch (const std::exception&) {
    // Unreadable or not YAML: the scenario reader names the file, line and problem.
  }
  return YamlKind::Scenario;
}

}  // namespace progsurv
