#pragma once
// Remedies (docs/remedies.md): what an organisation can buy to make a programme survive, read
// from a remedies file (docs/remedies-format.md), combined into bundles (one choice per
// remedy), and searched for the efficient frontier and the cheapest bundle meeting a target
// with a ranking-and-selection procedure under common random numbers.
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "progsurv/scenario/scenario.hpp"

namespace progsurv {

// Size caps of a remedies file: beyond them it is refused with a message naming the cap.
inline constexpr int kMaxRemedies = 64;        // remedies in a file (bundles are bit sets)
inline constexpr int kMaxRemedyOptions = 32;   // options of one remedy
inline constexpr int kMaxRemedyChoices = 512;  // options of every remedy together
inline constexpr std::size_t kMaxRemediesFileBytes = std::size_t{1} << 20;
// Bundles evaluated exhaustively unless told otherwise (--max-bundles; never less).
inline constexpr std::int64_t kDefaultMaxBundles = 4096;

// One way of taking a remedy: a remedy with `cost` and `set` has one, unnamed; a remedy with
// `options` has one per option.
struct RemedyChoice {
  std::string name;  // the option's name; empty for a remedy without options
  double cost = 0.0;
  // --set paths and their values as text, applied together with Scenario::with_values.
  std::vector<std::pair<std::string, std::string>> set;
};

struct Remedy {
  std::string name, description;
  bool has_options = false;
  std::vector<RemedyChoice> options;
  std::vector<int> excludes;  // remedies never in one bundle with this one (made symmetric)
};

struct RemedySet {
  std::string source;  // file path, for messages
  std::string text;    // the file's text, kept in result files
  std::string unit;    // the one cost unit, e.g. "EUR k"
  std::vector<Remedy> remedies;

  bool excludes(int a, int b) const;

  // Reads a remedies file, checking every remedy and option against `base` by applying it
  // with Scenario::with_values. ScenarioError at file:line:column and key for everything
  // docs/remedies-format.md lists as an error.
  static RemedySet from_yaml(const std::string& text, const std::string& source,
                             const Scenario& base);
  static RemedySet load(const std::string& path, const Scenario& base);
};

// A combination of remedies: one choice per remedy (not taken, or one of its options).
struct Bundle {
  std::vector<int> choice;  // per remedy: -1 not taken, else the index into its options
  double cost = 0.0;        // the sum of the chosen options' costs, in remedy order
  std::string label;        // "nothing", "co_sponsor + review_cadence=quarterly"
  int remedies_taken() const;
};

// The bundle of these choices (cost and label filled in).
Bundle make_bundle(const RemedySet& set, std::vector<int> choice);
// How many bundles respect the exclusions, counted up to `cap`: cap + 1 means "more than
// cap". Never enumerates more than cap + 1 of them, so it is cheap for any file.
std::uint64_t count_bundles(const RemedySet& set, std::uint64_t cap);
// An upper bound: the product over remedies of (1 + options), saturating at UINT64_MAX.
std::uint64_t bundle_product(const RemedySet& set);
// Every bundle respecting the exclusions; bundle 0 takes nothing (cost 0). Order: the choice
// vectors in lexicographic order with "not taken" first, the first remedy varying slowest.
std::vector<Bundle> enumerate_bundles(const RemedySet& set);
// The --set pairs of every chosen option, in remedy order.
std::vector<std::pair<std::string, std::string>> bundle_settings(const RemedySet& set,
                                                                 const Bundle& bundle);
// base.with_values(bundle_settings); ScenarioError naming the bundle when the settings,
// each valid alone, are not valid together.
Scenario bundle_scenario(const Scenario& base, const RemedySet& set, const Bundle& bundle);

}  // namespace progsurv
