#pragma once
// Private to the scenario parser: reading typed, located values out of a yaml-cpp tree
// with errors that name file:line:column and the key path, and the YAML form of a
// Distribution (every accepted parameterisation in, the canonical one out).
#include <yaml-cpp/yaml.h>

#include <string>
#include <unordered_map>
#include <vector>

#include "progsurv/model/distribution.hpp"
#include "progsurv/scenario/error.hpp"

namespace progsurv::yaml_detail {

// A node together with where to point at it. A null value (`key:` with nothing after
// it) carries no useful mark of its own, so it borrows the mark of its key.
struct Field {
  YAML::Node node;
  YAML::Mark mark;
  std::string path;  // "phases.1.steps.0.silo"; empty for the document root
};

std::string join_path(const std::string& parent, const std::string& child);
// The items with `separator` between them ("a, b, c").
std::string join(const std::vector<std::string>& items, const std::string& separator);

// Optimal-string-alignment distance (Levenshtein plus adjacent transposition), so the
// common typos "clot" and "cluot" are both one edit from "clout".
int edit_distance(const std::string& a, const std::string& b);
// "did you mean 'clout'?" for a near miss, otherwise "expected one of: a, b, c".
std::string suggest(const std::string& word, const std::vector<std::string>& candidates);

// Shortest text that strtod/from_chars turns back into exactly `value`.
std::string format_double(double value);
// The whole of `text` as a finite number: false for empty text, trailing characters, an
// overflow, inf or nan (and `out` untouched).
bool parse_finite(const std::string& text, double& out);

// A yaml-cpp exception as a ScenarioError at its mark in `source` (0:0 when it has none),
// its message after `prefix`.
[[noreturn]] void throw_at_mark(const std::string& source, const YAML::Exception& e,
                                const std::string& prefix = "");
// YAML text longer than this is refused (the same bound as input files).
inline constexpr std::size_t kMaxYamlBytes = std::size_t{16} << 20;
// Throws ScenarioError at the offending line and column for a NUL byte or invalid UTF-8
// (either would be stored in names and break readers of the output), for an HDF5 file's
// bytes (saying so), or for text longer than kMaxYamlBytes.
void check_yaml_text(const std::string& text, const std::string& source);
// check_yaml_text, then YAML::Load whose syntax errors are ScenarioErrors ("invalid YAML:
// ..."); more than one document ('---') is an error rather than silently the first. Counting
// the documents is a second parse: `one_document` skips it for text known to hold one (a
// scenario's own text, already loaded so; or text a YAML::Emitter wrote from one node).
YAML::Node load_yaml(const std::string& text, const std::string& source, bool one_document = false);

// A value as the text `--set` takes: a scalar as written, a list or map in flow form
// ("[vp, director]", "{median: 4, sigma: 0.5}").
std::string flow_text(const YAML::Node& node);

// How a node looks to a user: "the string 'abc'", "a map", "a list", "nothing".
std::string describe_node(const YAML::Node& node);

// Error reporting and scalar readers bound to one source name.
class Reader {
 public:
  explicit Reader(std::string source) : source_(std::move(source)) {}
  const std::string& source() const { return source_; }

  [[noreturn]] void fail(const YAML::Mark& mark, const std::string& path,
                         const std::string& message) const;
  [[noreturn]] void fail(const Field& field, const std::string& message) const {
    fail(field.mark, field.path, message);
  }

  // Any finite number. `expected` says what was wanted, e.g. "a number (months)".
  double number(const Field& field, const std::string& expected) const;
  double months_positive(const Field& field) const;                       // > 0
  double months_nonnegative(const Field& field) const;                    // >= 0
  double probability(const Field& field) const;                           // in [0, 1]
  double positive(const Field& field, const std::string& what) const;     // > 0
  double nonnegative(const Field& field, const std::string& what) const;  // >= 0
  int count(const Field& field) const;                                    // whole number >= 0
  // > 0, or `never` (+infinity); every message names both.
  double months_positive_or_never(const Field& field) const;
  bool boolean(const Field& field) const;
  std::string string(const Field& field, const std::string& what) const;
  // One of `choices`; a near miss gets "did you mean".
  std::string choice(const Field& field, const std::vector<std::string>& choices) const;

 private:
  std::string source_;
};

// A YAML map read with its keys checked: every key a scalar, no duplicates, and (for
// closed maps) every key one of `allowed`. Entries keep file order.
class MapReader {
 public:
  struct Entry {
    std::string key;
    YAML::Mark key_mark;
    Field value;
  };

  // `what` names the map in a type error, e.g. "a map of sponsor levels".
  MapReader(const Reader& reader, const Field& field, const std::string& what);
  // Rejects keys outside `allowed` (unknown-key error with a suggestion).
  MapReader& allow(const std::vector<std::string>& allowed);

  const Field& field() const { return field_; }
  const std::vector<Entry>& entries() const { return entries_; }
  bool has(const std::string& key) const { return find(key) != nullptr; }
  // The entry for `key`, or nullptr when the map does not have it.
  const Entry* find(const std::string& key) const;
  // The value of `key`, or an error "missing required key" at this map.
  Field required(const std::string& key) const;
  // Builds the error for a missing key; `hint` is appended when non-empty.
  [[noreturn]] void missing(const std::string& key, const std::string& hint = "") const;

 private:
  const Reader& reader_;
  Field field_;
  std::vector<Entry> entries_;
  std::unordered_map<std::string, std::size_t> index_;  // key -> entry, for large maps
};

// A duration distribution: a plain number (fixed months), "never", or a map with `dist:`
// and one of that family's parameterisations. Canonical parameters are checked to be
// finite and in range.
Distribution read_distribution(const Reader& reader, const Field& field);

// The canonical flow form, e.g. "{dist: lognormal, median: 4, sigma: 0.5}" or "never";
// reading it back gives an identical Distribution.
std::string distribution_to_yaml(const Distribution& dist);

}  // namespace progsurv::yaml_detail
