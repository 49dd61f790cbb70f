#pragma once
// Private to the parsers: the part of the scenario reader that a portfolio file shares.
#include <string>

#include "progsurv/scenario/scenario.hpp"
#include "scenario/distribution_yaml.hpp"

namespace progsurv {

// Reads the organisation-level blocks a portfolio file may give (horizon, grid,
// sponsor_levels, initial_sponsor, succession, disengaged, silos, handoffs, escalation,
// budget, review_every) from its top-level map into `s`, replacing what s had. Errors name
// `source` and the position in the portfolio file. Giving silos drops s's handoff
// overrides (they name silos); give handoffs again beside them.
void read_organisation_blocks(const yaml_detail::MapReader& top, const std::string& source,
                              Scenario& s);

// Scenario::with_values's tools: set a dotted key path in a tree (ScenarioError from
// "<override>" when the path does not lead anywhere in it or in `defaults`, the tree with
// every default written out, from which a block the tree leaves out is copied in), and copy
// a tree with no aliases.
void set_yaml_path(YAML::Node root, const std::string& path, const YAML::Node& value,
                   const YAML::Node& defaults = YAML::Node(YAML::NodeType::Undefined),
                   const std::string& root_name = "the scenario");
YAML::Node unshared_yaml_copy(const YAML::Node& node);
// The value `text` given for key path `path` (--set, with_values), parsed as YAML; ScenarioError
// from "<override>" when it is not YAML, or when YAML would drop part of it as a comment
// ("pilot #2" is "pilot"): the fix is to quote it.
YAML::Node override_value(const std::string& path, const std::string& text);
// "phases.0.steps.1.work" as its components (a trailing '.' gives an empty last one), and
// components [first, end) joined again.
std::vector<std::string> split_key_path(const std::string& path);
std::string join_key_path(const std::vector<std::string>& parts, std::size_t first = 0);
// Whether key path `path` is one of `outer` or lies under one of them.
bool under_any(const std::string& path, const std::vector<std::string>& outer);
// The node at a dotted key path, or an invalid node when a component is missing.
YAML::Node find_yaml_path(const YAML::Node& root, const std::string& path);
// Records in `changes` that `path` was set to `text`, `before` being what was there (an
// invalid or null node: nothing); a path set again keeps what it first was.
void note_change(std::vector<ValueChange>& changes, const std::string& path,
                 const std::string& text, const YAML::Node& before);
// Scenario::from_yaml after load_yaml: the scenario read from `root`, which is `text` parsed
// (with_values passes the tree it emitted `text` from, rather than parse it again).
Scenario scenario_from_tree(const YAML::Node& root, const std::string& text,
                            const std::string& source);

}  // namespace progsurv
