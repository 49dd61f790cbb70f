// Scenario::with_values (`--set key.path=value`): a dotted key path set in the scenario's
// YAML tree, which is then parsed again, with errors that name the override rather than a
// line of the re-emitted text. The scenario reader is in scenario_parser.cpp.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "progsurv/scenario/scenario.hpp"
#include "scenario/distribution_yaml.hpp"
#include "scenario/scenario_reader.hpp"

namespace progsurv {

using yaml_detail::check_yaml_text;
using yaml_detail::join_path;
using yaml_detail::load_yaml;
using yaml_detail::suggest;

namespace {

const char* const kOverrideSource = "<override>";

const char* node_kind(const YAML::Node& node) {
  if (node.IsMap()) return "a map";
  if (node.IsSequence()) return "a list";
  if (node.IsNull()) return "empty";
  return "a single value";
}

[[noreturn]] void override_error(const std::string& path, const std::string& message) {
  throw ScenarioError(kOverrideSource, 0, 0, path, message);
}

YAML::Node unshared_copy(const YAML::Node& node);

// The child `part` of `node` (a map's key or a list's index), or an invalid node.
YAML::Node child(const YAML::Node& node, const std::string& part) {
  if (node.IsMap()) {
    for (auto it = node.begin(); it != node.end(); ++it)
      if (it->first.IsScalar() && it->first.Scalar() == part) return it->second;
  } else if (node.IsSequence()) {
    const bool digits =
        !part.empty() && part.size() <= 9 && std::all_of(part.begin(), part.end(), [](char c) {
          return std::isdigit(static_cast<unsigned char>(c));
        });
    if (digits && std::stoul(part) < node.size()) return node[std::stoul(part)];
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

// Sets `path` in `root` to `value`. Every component but the last must exist, in `root` or
// in `defaults` (the same scenario with every default written out: a block the file leaves
// out, such as deferral, is copied in from there); the last may be new in a map (the
// re-parse decides whether that key is allowed there).
void set_path(YAML::Node root, const std::string& path, const YAML::Node& value,
              const YAML::Node& defaults, const std::string& root_name) {
  const std::vector<std::string> parts = split_key_path(path);
  if (parts.empty() ||
      std::any_of(parts.begin(), parts.end(), [](const std::string& p) { return p.empty(); }))
    override_error(path, "not a key path; write keys separated by dots, e.g. phases.0.value");
  YAML::Node node;
  node.reset(root);  // reset() rebinds; operator= would overwrite the node's contents
  YAML::Node fallback;
  fallback.reset(defaults);
  std::string walked;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const std::string& part = parts[i];
    const bool last = i + 1 == parts.size();
    const std::string where = walked.empty() ? root_name : "'" + walked + "'";
    YAML::Node next;
    const YAML::Node fallback_next = child(fallback, part);
    if (node.IsMap()) {
      bool found = false;
      std::vector<std::string> keys;
      for (auto it = node.begin(); it != node.end(); ++it) {
        keys.push_back(it->first.Scalar());
        if (!found && it->first.IsScalar() && it->first.Scalar() == part) {
          next.reset(it->second);
          found = true;
        }
      }
      if (!found) {
        if (last) {
          node[part] = value;
          return;
        }
        if (!fallback_next.IsDefined() || fallback_next.IsNull()) {
          if (fallback.IsMap())
            for (auto it = fallback.begin(); it != fallback.end(); ++it)
              if (std::find(keys.begin(), keys.end(), it->first.Scalar()) == keys.end())
                keys.push_back(it->first.Scalar());
          override_error(path, where + " has no key '" + part + "'" +
                                   (keys.empty() ? std::string() : "; " + suggest(part, keys)));
        }
        node[part] = unshared_copy(fallback_next);
        next.reset(node[part]);
      }
      if (last) {
        next = value;  // assigns through to the node inside the tree
        return;
      }
    } else if (node.IsSequence()) {
      const bool digits = std::all_of(part.begin(), part.end(), [](char c) {
        return std::isdigit(static_cast<unsigned char>(c));
      });
      if (!digits || part.size() > 9)
        override_error(path,
                       where + " is a list; '" + part + "' is not an index (" +
                           (node.size() == 0 ? std::string("the list is empty")
                                             : "use 0 to " + std::to_string(node.size() - 1)) +
                           ")");
      const std::size_t index = std::stoul(part);
      if (node.size() == 0)
        override_error(
            path, where + " is an empty list; set the whole list instead (" + walked + "=[...])");
      if (index >= node.size())
        override_error(path, where + " has " + std::to_string(node.size()) +
                                 " entries; there is no index " + part);
      if (last) {
        node[index] = value;
        return;
      }
      next.reset(node[index]);
    } else {
      override_error(path, where + " is " + node_kind(node) + ", so it has no '" + part + "'");
    }
    walked = join_path(walked, part);
    node.reset(next);
    fallback.reset(fallback_next);
  }
}

// A copy of `node` in which nothing is shared: YAML anchors and aliases (`b: *a`) make
// two keys one node in yaml-cpp, and an override of one would silently change the other.
YAML::Node unshared_copy(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      YAML::Node out(YAML::NodeType::Map);
      for (auto it = node.begin(); it != node.end(); ++it)
        out.force_insert(unshared_copy(it->first), unshared_copy(it->second));
      out.SetStyle(node.Style());
      return out;
    }
    case YAML::NodeType::Sequence: {
      YAML::Node out(YAML::NodeType::Sequence);
      for (const auto& item : node) out.push_back(unshared_copy(item));
      out.SetStyle(node.Style());
      return out;
    }
    case YAML::NodeType::Scalar: {
      YAML::Node out(node.Scalar());
      out.SetTag(node.Tag());
      return out;
    }
    default:
      return YAML::Node(node.Type());
  }
}

// An unshared copy of the tree of `text`, which is a scenario's own text or its canonical
// YAML (one YAML document, read before). The trees of the last two texts asked for are kept:
// a fit, a sweep or a remedies search sets values in the same base scenario at every point,
// and reads the base's canonical YAML too when a value is one its file leaves to the default;
// parsing either again was most of what with_values cost. The cached trees are only read
// under the lock, and the copy shares nothing with them, so callers on several threads are
// safe.
YAML::Node unshared_tree_of(const std::string& text, const std::string& source) {
  struct Entry {
    std::string text;
    YAML::Node tree;
  };
  static std::mutex mutex;
  static std::array<std::unique_ptr<Entry>, 2> cache;  // the most recent first
  const std::lock_guard<std::mutex> lock(mutex);
  if (cache[1] && cache[1]->text == text) std::swap(cache[0], cache[1]);
  if (!cache[0] || cache[0]->text != text) {
    auto entry = std::make_unique<Entry>();
    entry->text = text;
    entry->tree.reset(load_yaml(text, source, true));  // reset() rebinds; = would write through
    cache[1] = std::move(cache[0]);
    cache[0] = std::move(entry);
  }
  return unshared_copy(cache[0]->tree);
}

// Does the error at `error_key` come from the override at `path`?
bool path_related(const std::string& path, const std::string& error_key) {
  auto under = [](const std::string& outer, const std::string& inner) {
    return inner == outer ||
           (inner.size() > outer.size() && inner.compare(0, outer.size(), outer) == 0 &&
            inner[outer.size()] == '.');
  };
  return under(path, error_key) || (!error_key.empty() && under(error_key, path));
}

}  // namespace

namespace {
// The node at `path` in `root`, or an invalid node when a component is missing.
YAML::Node find_path(const YAML::Node& root, const std::vector<std::string>& parts) {
  YAML::Node node;
  node.reset(root);
  for (const std::string& part : parts) {
    const YAML::Node next = child(node, part);
    if (!next.IsDefined()) return next;
    node.reset(next);
  }
  return node;
}
}  // namespace

// Splits "phases.0.steps.1.work" into its components.
std::vector<std::string> split_key_path(const std::string& path) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in(path);
  while (std::getline(in, part, '.')) parts.push_back(part);
  if (!path.empty() && path.back() == '.') parts.emplace_back();
  return parts;
}

std::string join_key_path(const std::vector<std::string>& parts, std::size_t first) {
  std::string out;
  for (std::size_t i = first; i < parts.size(); ++i) out += (out.empty() ? "" : ".") + parts[i];
  return out;
}

bool under_any(const std::string& path, const std::vector<std::string>& outer) {
  return std::any_of(outer.begin(), outer.end(), [&](const std::string& o) {
    return path == o || path.rfind(o + ".", 0) == 0;
  });
}

void set_yaml_path(YAML::Node root, const std::string& path, const YAML::Node& value,
                   const YAML::Node& defaults, const std::string& root_name) {
  set_path(root, path, value, defaults, root_name);
}
YAML::Node unshared_yaml_copy(const YAML::Node& node) { return unshared_copy(node); }

YAML::Node override_value(const std::string& path, const std::string& text) {
  YAML::Node value;
  try {
    value = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    override_error(path, "invalid YAML value '" + text + "': " + e.msg);
  }
  // A '#' after a blank starts a YAML comment: a text value would silently lose its tail.
  if (value.IsScalar() && text.find('#') != std::string::npos &&
      value.Scalar().find('#') == std::string::npos)
    override_error(path, "the value '" + text +
                             "' has a YAML comment (' #'), which would be dropped; quote the "
                             "text to keep it, e.g. \"" +
                             text + "\"");
  return value;
}

Scenario Scenario::with_values(const std::vector<std::pair<std::string, std::string>>& values,
                               Text text_kind) const {
  // A scenario built in code has no text; its canonical YAML serves instead.
  const std::string base = yaml_text.empty() ? to_yaml() : yaml_text;
  // Either is one YAML document (from_yaml refused anything else).
  YAML::Node root = unshared_tree_of(base, source);
  if (!root.IsMap()) override_error("", "the scenario text is not a map; nothing to override");

  // What each key held before, for the record of changes: from the text, else (a key left
  // to its default) from the canonical YAML, parsed only when needed.
  std::vector<ValueChange> changed = changes;
  YAML::Node canonical;  // a default Node is a defined null: `parsed` says whether it is loaded
  bool parsed = false;
  std::vector<std::string> set_before;
  for (const auto& [path, text] : values) {
    const YAML::Node value = override_value(path, text);
    // Under a block an earlier value of this call replaced, the file's defaults are not the
    // block's: what that value left out stays out (an error below), as before defaults.
    const bool under_earlier = under_any(path, set_before);
    set_before.push_back(path);
    YAML::Node before = find_yaml_path(root, path);
    if (!before.IsDefined() || before.IsNull()) {
      if (!parsed) {
        canonical.reset(unshared_tree_of(to_yaml(), source));
        parsed = true;
      }
      before = find_yaml_path(canonical, path);
    }
    note_change(changed, path, text, before);
    set_path(root, path, value, under_earlier ? YAML::Node(YAML::NodeType::Undefined) : canonical,
             "the scenario");
  }

  // The emitted text is the new scenario's own (what files record of it); the tree it came
  // from is read as it is, rather than parsed again from that text. Without a text, the
  // values are the only new text and are checked alone: the same tree, the same scenario.
  std::string emitted;
  try {
    if (text_kind == Text::Emitted) {
      YAML::Emitter emitter;
      emitter << root;
      emitted = emitter.c_str();
      check_yaml_text(emitted, source);
    } else {
      for (const auto& [path, text] : values) check_yaml_text(text, source);
    }
    Scenario out = scenario_from_tree(root, emitted, source);
    out.original_text = original_text.empty() ? yaml_text : original_text;
    out.changes = std::move(changed);
    return out;
  } catch (const ScenarioError& e) {
    // Line numbers of the re-emitted text mean nothing to the user; the override does.
    const std::string* culprit = nullptr;
    for (const auto& [path, text] : values)
      if (path_related(path, e.key()) && (!culprit || path.size() > culprit->size()))
        culprit = &path;
    if (culprit) {
      const std::string detail =
          e.key() == *culprit || e.key().empty() ? "" : "at '" + e.key() + "': ";
      throw ScenarioError(kOverrideSource, 0, 0, *culprit, detail + e.message());
    }
    std::string list;
    for (const auto& [path, text] : values) list += (list.empty() ? "" : ", ") + path;
    throw ScenarioError(kOverrideSource, 0, 0, e.key(),
                        e.message() + " (after applying overrides to " + list + ")");
  }
}

YAML::Node find_yaml_path(const YAML::Node& root, const std::string& path) {
  return find_path(root, split_key_path(path));
}

void note_change(std::vector<ValueChange>& changes, const std::string& path,
                 const std::string& text, const YAML::Node& before) {
  const auto earlier = std::find_if(changes.begin(), changes.end(),
                                    [&path](const ValueChange& c) { return c.path == path; });
  if (earlier != changes.end()) {
    earlier->value = text;  // changed again: it still "was" what the file said
    return;
  }
  changes.push_back(
      {path, text, before.IsDefined() && !before.IsNull() ? yaml_detail::flow_text(before) : ""});
}

std::string variant_label(const std::string& name, const std::vector<ValueChange>& changes) {
  if (changes.empty()) return name;
  std::string text = name + " [";
  for (std::size_t i = 0; i < changes.size(); ++i)
    text += (i ? ", " : "") + changes[i].path + "=" + changes[i].value;
  return text + "]";
}

std::string Scenario::label() const { return variant_label(name, changes); }

std::string Scenario::value_text(const std::string& path) const {
  const std::vector<std::string> parts = split_key_path(path);
  if (parts.empty() ||
      std::any_of(parts.begin(), parts.end(), [](const std::string& p) { return p.empty(); }))
    override_error(path, "not a key path; write keys separated by dots, e.g. phases.0.value");
  YAML::Node node;
  if (!yaml_text.empty()) node = find_path(load_yaml(yaml_text, source), parts);
  // Keys left to their defaults are in the canonical text (those that can act).
  if (!node.IsDefined() || node.IsNull()) node = find_path(load_yaml(to_yaml(), source), parts);
  if (!node.IsDefined() || node.IsNull()) {
    // Setting it names what is wrong best (a misspelt key, with the keys that exist).
    (void)with_values({{path, "0"}});
    override_error(path,
                   "the scenario has no such key, or none that can act (progsurv validate "
                   "prints every key that can)");
  }
  if (!node.IsScalar())
    override_error(path, std::string("holds ") + node_kind(node) + ", not a single value");
  return node.Scalar();
}

}  // namespace progsurv
