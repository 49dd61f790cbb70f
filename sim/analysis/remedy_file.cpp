// Remedies files (docs/remedies-format.md): reading with located errors, every setting checked
// against the scenario, and the bundles they combine into.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <functional>
#include <limits>
#include <set>
#include <type_traits>

#include "progsurv/analysis/remedies.hpp"
#include "scenario/distribution_yaml.hpp"
#include "scenario/scenario_reader.hpp"
#include "scenario/text_file.hpp"

namespace progsurv {

using yaml_detail::Field;
using yaml_detail::flow_text;
using yaml_detail::format_double;
using yaml_detail::join_path;
using yaml_detail::load_yaml;
using yaml_detail::MapReader;
using yaml_detail::Reader;
using yaml_detail::suggest;
using yaml_detail::throw_at_mark;

namespace {

bool valid_name(const std::string& name) {
  return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

// One path sets the other's value, or a part of it ("patience" and "patience.grace").
bool paths_overlap(const std::string& a, const std::string& b) {
  const auto under = [](const std::string& outer, const std::string& inner) {
    return inner == outer ||
           (inner.size() > outer.size() && inner.compare(0, outer.size(), outer) == 0 &&
            inner[outer.size()] == '.');
  };
  return under(a, b) || under(b, a);
}

// Where each `set` entry was written, for errors found after reading.
struct SetPlace {
  YAML::Mark set_mark;  // the `set` key
  std::string set_path;
  std::vector<YAML::Mark> entry_marks;  // per (path, value) pair
};

class RemediesReader {
 public:
  // `apply` applies settings to the base (a scenario's or a portfolio's with_values), which
  // `base` names in messages ("scenario baseline", "portfolio ten-years"), and returns what a
  // user should be warned about (remedy_notes).
  using Apply = std::function<std::vector<std::string>(
      const std::vector<std::pair<std::string, std::string>>&)>;
  RemediesReader(const std::string& source, Apply apply, std::string base)
      : r_(source), apply_(std::move(apply)), base_(std::move(base)) {}

  RemedySet read(const YAML::Node& root) {
    if (!root.IsDefined() || root.IsNull())
      r_.fail(YAML::Mark::null_mark(), "",
              "the remedies file is empty; it needs unit and remedies");
    MapReader top(r_, Field{root, root.Mark(), ""},
                  "a remedies file (a map with keys unit and remedies)");
    // A scenario or portfolio given in the remedies file's place: say so, not "unknown key".
    for (const char* key : {"phases", "sponsor_levels", "programmes"})
      if (const auto* e = top.find(key))
        r_.fail(e->key_mark, key,
                std::string("this is a ") +
                    (std::string(key) == "programmes" ? "portfolio" : "scenario") +
                    " file, not a remedies file: 'progsurv remedies' takes the " +
                    (std::string(key) == "programmes" ? "portfolio" : "scenario") +
                    " first and the remedies file (unit, remedies) second");
    top.allow({"unit", "description", "remedies"});
    RemedySet set;
    set.source = r_.source();
    const Field unit = top.required("unit");
    set.unit = r_.string(unit, "the cost unit (text such as \"EUR k\" or \"executive months\")");
    if (set.unit.empty() || set.unit.size() > 64)
      r_.fail(unit, "expected the cost unit as 1 to 64 characters, e.g. \"EUR k\"");
    const Field list = top.required("remedies");
    if (!list.node.IsSequence())
      r_.fail(list, "expected a list of remedies, got " + yaml_detail::describe_node(list.node));
    if (list.node.size() == 0)
      r_.fail(list, "the list of remedies is empty; give at least one remedy");
    if (list.node.size() > static_cast<std::size_t>(kMaxRemedies))
      r_.fail(list, "has " + std::to_string(list.node.size()) + " remedies; at most " +
                        std::to_string(kMaxRemedies) + " are allowed in one file");
    std::vector<std::vector<Field>> excludes;  // per remedy, the names it excludes
    std::vector<Field> name_fields;
    int choices = 0;
    for (std::size_t i = 0; i < list.node.size(); ++i) {
      const YAML::Node item = list.node[i];
      const Field field{item, item.Mark(), join_path(list.path, std::to_string(i))};
      Remedy remedy;
      excludes.emplace_back();
      name_fields.push_back(read_remedy(field, remedy, excludes.back(), set.remedies));
      choices += static_cast<int>(remedy.options.size());
      if (choices > kMaxRemedyChoices)
        r_.fail(field, "the remedies have more than " + std::to_string(kMaxRemedyChoices) +
                           " options together; split the file");
      set.remedies.push_back(std::move(remedy));
    }
    resolve_excludes(set, excludes);
    check_overlaps(set);
    set.warnings = std::move(warnings_);
    return set;
  }

 private:
  Field read_remedy(const Field& field, Remedy& remedy, std::vector<Field>& excludes,
                    const std::vector<Remedy>& before) {
    MapReader map(r_, field, "a remedy (a map with name, description, cost and set, or options)");
    map.allow({"name", "description", "cost", "set", "options", "excludes"});
    const Field name = map.required("name");
    remedy.name = checked_name(name, "a remedy name");
    for (const Remedy& other : before)
      if (other.name == remedy.name)
        r_.fail(name, "remedy '" + remedy.name + "' is named twice; names must be unique");
    remedy.description = r_.string(map.required("description"), "a description (text)");
    const auto* cost = map.find("cost");
    const auto* set = map.find("set");
    const auto* options = map.find("options");
    if (options && (cost || set))
      r_.fail((cost ? cost : set)->key_mark, (cost ? cost : set)->value.path,
              "a remedy has either cost and set, or options (each with its own cost and set), "
              "not both");
    places_.emplace_back();
    if (options) {
      remedy.has_options = true;
      read_options(options->value, remedy);
    } else {
      if (!cost || !set)
        map.missing(cost ? "set" : "cost",
                    "a remedy has cost and set (what it costs, what it changes), or options");
      RemedyChoice choice;
      choice.cost = read_cost(cost->value);
      places_.back().push_back(read_set(*set, choice));
      check_choice(remedy, choice, places_.back().back());
      remedy.options.push_back(std::move(choice));
    }
    if (const auto* e = map.find("excludes")) {
      const YAML::Node n = e->value.node;
      if (n.IsScalar()) {
        excludes.push_back(e->value);
      } else if (n.IsSequence()) {
        for (std::size_t j = 0; j < n.size(); ++j)
          excludes.push_back(Field{n[j], n[j].Mark(), join_path(e->value.path, std::to_string(j))});
      } else {
        r_.fail(e->value, "expected a list of remedy names, got " + yaml_detail::describe_node(n));
      }
    }
    return name;
  }

  void read_options(const Field& field, Remedy& remedy) {
    if (!field.node.IsSequence())
      r_.fail(field, "expected a list of options, got " + yaml_detail::describe_node(field.node));
    if (field.node.size() == 0)
      r_.fail(field, "the list of options is empty; give at least one option");
    if (field.node.size() > static_cast<std::size_t>(kMaxRemedyOptions))
      r_.fail(field, "has " + std::to_string(field.node.size()) + " options; at most " +
                         std::to_string(kMaxRemedyOptions) + " are allowed");
    for (std::size_t j = 0; j < field.node.size(); ++j) {
      const YAML::Node item = field.node[j];
      const Field f{item, item.Mark(), join_path(field.path, std::to_string(j))};
      MapReader map(r_, f, "an option (a map with name, cost and set)");
      map.allow({"name", "description", "cost", "set"});
      RemedyChoice choice;
      const Field name = map.required("name");
      choice.name = checked_name(name, "an option name");
      for (const RemedyChoice& other : remedy.options)
        if (other.name == choice.name)
          r_.fail(name, "option '" + choice.name + "' of remedy '" + remedy.name +
                            "' is named twice; names must be unique");
      if (const auto* d = map.find("description"))
        choice.description = r_.string(d->value, "a description (text)");
      choice.cost = read_cost(map.required("cost"));
      const auto* set = map.find("set");
      if (!set) map.missing("set", "what the option changes, as --set paths and values");
      places_.back().push_back(read_set(*set, choice));
      check_choice(remedy, choice, places_.back().back());
      remedy.options.push_back(std::move(choice));
    }
  }

  std::string checked_name(const Field& field, const std::string& what) {
    const std::string name = r_.string(field, what + " (text)");
    if (!valid_name(name))
      r_.fail(field, "'" + name + "' is not a valid name: use 1 to 64 of a-z, 0-9, _ and -");
    return name;
  }

  double read_cost(const Field& field) {
    return r_.nonnegative(field, "a cost in the file's unit");
  }

  SetPlace read_set(const MapReader::Entry& entry, RemedyChoice& choice) {
    MapReader map(r_, entry.value,
                  "a map of --set paths and values, e.g. {patience.review_every: 3}");
    if (map.entries().empty())
      r_.fail(entry.key_mark, entry.value.path, "sets nothing; give at least one path and value");
    SetPlace place{entry.key_mark, entry.value.path, {}};
    for (const auto& e : map.entries()) {
      if (e.value.node.IsNull())
        r_.fail(e.value, "has no value; write the value the remedy gives '" + e.key + "'");
      choice.set.emplace_back(e.key, flow_text(e.value.node));
      place.entry_marks.push_back(e.key_mark);
    }
    return place;
  }

  // The setting applied to the scenario alone: an unknown path or a wrong value is
  // reported here, at the remedies file's key, with the scenario's message after it.
  void check_choice(const Remedy& remedy, const RemedyChoice& choice, const SetPlace& place) {
    try {
      for (const std::string& note : apply_(choice.set))
        warnings_.push_back({static_cast<int>(place.set_mark.line) + 1, place.set_path,
                             "remedy " + remedy.name +
                                 (choice.name.empty() ? "" : "=" + choice.name) + " " + note});
    } catch (const ScenarioError& e) {
      YAML::Mark mark = place.set_mark;
      std::string path = place.set_path;
      for (std::size_t k = 0; k < choice.set.size(); ++k)
        if (choice.set[k].first == e.key()) {
          mark = place.entry_marks[k];
          path = join_path(place.set_path, e.key());
        }
      const std::string what =
          "remedy " + remedy.name + (choice.name.empty() ? "" : "=" + choice.name);
      r_.fail(mark, path,
              what + " cannot be applied to " + base_ + ": " +
                  (e.key().empty() || path != place.set_path ? "" : "'" + e.key() + "': ") +
                  e.message());
    }
  }

  void resolve_excludes(RemedySet& set, const std::vector<std::vector<Field>>& excludes) {
    std::vector<std::string> names;
    for (const Remedy& r : set.remedies) names.push_back(r.name);
    for (std::size_t i = 0; i < excludes.size(); ++i)
      for (const Field& f : excludes[i]) {
        const std::string name = r_.string(f, "a remedy name");
        const auto it = std::find(names.begin(), names.end(), name);
        if (it == names.end())
          r_.fail(f, "excludes '" + name + "', which is not a remedy of this file; " +
                         suggest(name, names));
        const auto j = static_cast<std::size_t>(it - names.begin());
        if (j == i) r_.fail(f, "remedy '" + name + "' cannot exclude itself");
        for (const auto& [a, b] : {std::pair{i, j}, std::pair{j, i}}) {
          auto& x = set.remedies[a].excludes;
          if (std::find(x.begin(), x.end(), static_cast<int>(b)) == x.end())
            x.push_back(static_cast<int>(b));
        }
      }
    for (Remedy& r : set.remedies) std::sort(r.excludes.begin(), r.excludes.end());
  }

  // Two remedies that may be taken together must not set one path: which value would win
  // would depend on the order of the file.
  void check_overlaps(const RemedySet& set) {
    const auto n = set.remedies.size();
    for (std::size_t b = 0; b < n; ++b)
      for (std::size_t a = 0; a < b; ++a) {
        if (set.excludes(static_cast<int>(a), static_cast<int>(b))) continue;
        const Remedy& ra = set.remedies[a];
        const Remedy& rb = set.remedies[b];
        for (std::size_t ob = 0; ob < rb.options.size(); ++ob)
          for (std::size_t kb = 0; kb < rb.options[ob].set.size(); ++kb)
            for (const RemedyChoice& oa : ra.options)
              for (const auto& [path, value] : oa.set) {
                const std::string& other = rb.options[ob].set[kb].first;
                if (!paths_overlap(path, other)) continue;
                const SetPlace& place = places_[b][ob];
                r_.fail(place.entry_marks[kb], join_path(place.set_path, other),
                        "remedies " + ra.name + " and " + rb.name + " both set '" +
                            (path.size() <= other.size() ? path : other) +
                            "'; make them exclude each other (excludes: [" + ra.name +
                            "]) or merge them into one remedy with options");
              }
      }
  }

  Reader r_;
  Apply apply_;
  std::string base_;
  std::vector<ScenarioWarning> warnings_;
  std::vector<std::vector<SetPlace>> places_;  // per remedy, per option
};

// A list of scalars as its items' texts; empty for anything else (or an empty list).
std::vector<std::string> scalar_items(const std::string& flow) {
  std::vector<std::string> items;
  if (flow.empty()) return items;
  try {
    const YAML::Node n = YAML::Load(flow);
    if (!n.IsSequence()) return items;
    for (const YAML::Node& item : n) {
      if (!item.IsScalar()) return {};
      items.push_back(item.Scalar());
    }
  } catch (const YAML::Exception&) {
    return {};
  }
  return items;
}

// What a remedy does to the scenario it was read for that its author may not mean: nothing
// at all (it sets what the scenario already has, so it can only cost), or a list that loses
// items the scenario gives (a remedy's value replaces the scenario's; co_sponsors: [c_suite]
// on a scenario with [vp] swaps the VP for the C-suite rather than adding one). `canonical`:
// the base's to_yaml(), and `tree` that text parsed.
std::vector<std::string> remedy_notes(const Scenario& base, const std::string& canonical,
                                      const YAML::Node& tree,
                                      const std::vector<std::pair<std::string, std::string>>& set,
                                      const Scenario& changed) {
  if (changed.to_yaml() == canonical)
    return {"leaves " + base.name +
            " unchanged (it already has these values), so it can gain "
            "nothing"};
  std::vector<std::string> notes;
  for (const auto& [path, value] : set) {
    const YAML::Node node = find_yaml_path(tree, path);
    if (!node.IsDefined() || !node.IsSequence()) continue;
    const std::vector<std::string> was = scalar_items(YAML::Dump(node));
    const std::vector<std::string> now = scalar_items(value);
    if (was.empty() || now.empty()) continue;  // an emptied list is meant
    std::vector<std::string> lost, both = was;
    for (const std::string& item : was)
      if (std::find(now.begin(), now.end(), item) == now.end()) lost.push_back(item);
    for (const std::string& item : now)
      if (std::find(both.begin(), both.end(), item) == both.end()) both.push_back(item);
    if (lost.empty()) continue;
    notes.push_back("replaces " + path + " [" + yaml_detail::join(was, ", ") + "] with [" +
                    yaml_detail::join(now, ", ") + "], dropping " + yaml_detail::join(lost, ", ") +
                    " (a remedy's list replaces the scenario's); to add to it, write [" +
                    yaml_detail::join(both, ", ") + "]");
  }
  return notes;
}

// Visits the bundles in the order of enumerate_bundles; stops when visit returns false.
bool visit_bundles(const RemedySet& set, std::vector<int>& choice, std::size_t i,
                   const std::function<bool(const std::vector<int>&)>& visit) {
  if (i == set.remedies.size()) return visit(choice);
  choice[i] = -1;
  if (!visit_bundles(set, choice, i + 1, visit)) return false;
  for (int e : set.remedies[i].excludes)
    if (e < static_cast<int>(i) && choice[static_cast<std::size_t>(e)] >= 0) return true;
  const auto options = static_cast<int>(set.remedies[i].options.size());
  for (int o = 0; o < options; ++o) {
    choice[i] = o;
    if (!visit_bundles(set, choice, i + 1, visit)) return false;
  }
  choice[i] = -1;
  return true;
}

}  // namespace

bool RemedySet::excludes(int a, int b) const {
  const auto& x = remedies.at(static_cast<std::size_t>(a)).excludes;
  return std::binary_search(x.begin(), x.end(), b);
}

namespace {

RemedySet read_remedy_set(const std::string& text, const std::string& source,
                          const RemediesReader::Apply& apply, const std::string& base) {
  if (text.size() > kMaxRemediesFileBytes)
    throw ScenarioError(source, 0, 0, "",
                        "the remedies file has " + std::to_string(text.size()) +
                            " bytes; at most " + std::to_string(kMaxRemediesFileBytes) +
                            " are allowed");
  const YAML::Node root = load_yaml(text, source);
  try {
    RemedySet set = RemediesReader(source, apply, base).read(root);
    set.text = text;
    return set;
  } catch (const YAML::Exception& e) {
    throw_at_mark(source, e);
  }
}

}  // namespace

RemedySet RemedySet::from_yaml(const std::string& text, const std::string& source,
                               const Scenario& base) {
  std::string canonical;  // the base's, made and parsed once when the first remedy needs it
  YAML::Node tree;
  return read_remedy_set(
      text, source,
      [&](const auto& set) {
        if (canonical.empty()) {
          canonical = base.to_yaml();
          tree = YAML::Load(canonical);
        }
        return remedy_notes(base, canonical, tree, set, base.with_values(set));
      },
      "scenario " + base.name);
}

RemedySet RemedySet::from_yaml(const std::string& text, const std::string& source,
                               const Portfolio& base) {
  return read_remedy_set(
      text, source,
      [&](const auto& set) {
        (void)base.with_values(set);
        return std::vector<std::string>{};
      },
      "portfolio " + base.name);
}

RemedySet RemedySet::load(const std::string& path, const Scenario& base) {
  return from_yaml(read_text_file(path), path, base);
}

RemedySet RemedySet::load(const std::string& path, const Portfolio& base) {
  return from_yaml(read_text_file(path), path, base);
}

int Bundle::remedies_taken() const {
  return static_cast<int>(
      std::count_if(choice.begin(), choice.end(), [](int c) { return c >= 0; }));
}

bool Bundle::contains(const Bundle& other) const {
  for (std::size_t r = 0; r < other.choice.size(); ++r)
    if (other.choice[r] >= 0 && (r >= choice.size() || choice[r] != other.choice[r])) return false;
  return true;
}

Bundle make_bundle(const RemedySet& set, std::vector<int> choice) {
  Bundle b;
  b.choice = std::move(choice);
  for (std::size_t i = 0; i < b.choice.size(); ++i) {
    const int c = b.choice[i];
    if (c < 0) continue;
    const Remedy& r = set.remedies.at(i);
    const RemedyChoice& o = r.options.at(static_cast<std::size_t>(c));
    b.cost += o.cost;
    b.label += (b.label.empty() ? "" : " + ") + r.name + (o.name.empty() ? "" : "=" + o.name);
  }
  if (b.label.empty()) b.label = "nothing";
  return b;
}

std::uint64_t bundle_product(const RemedySet& set) {
  std::uint64_t p = 1;
  for (const Remedy& r : set.remedies) {
    const std::uint64_t f = 1 + r.options.size();
    if (p > std::numeric_limits<std::uint64_t>::max() / f)
      return std::numeric_limits<std::uint64_t>::max();
    p *= f;
  }
  return p;
}

std::uint64_t count_bundles(const RemedySet& set, std::uint64_t cap) {
  std::uint64_t n = 0;
  std::vector<int> choice(set.remedies.size(), -1);
  visit_bundles(set, choice, 0, [&](const std::vector<int>&) { return ++n <= cap; });
  return n;
}

std::vector<Bundle> enumerate_bundles(const RemedySet& set) {
  std::vector<Bundle> out;
  std::vector<int> choice(set.remedies.size(), -1);
  visit_bundles(set, choice, 0, [&](const std::vector<int>& c) {
    out.push_back(make_bundle(set, c));
    return true;
  });
  return out;
}

std::vector<std::pair<std::string, std::string>> bundle_settings(const RemedySet& set,
                                                                 const Bundle& bundle) {
  std::vector<std::pair<std::string, std::string>> out;
  for (std::size_t i = 0; i < bundle.choice.size(); ++i)
    if (bundle.choice[i] >= 0)
      for (const auto& kv :
           set.remedies.at(i).options.at(static_cast<std::size_t>(bundle.choice[i])).set)
        out.push_back(kv);
  return out;
}

namespace {

template <class Base>
Base apply_bundle(const Base& base, const RemedySet& set, const Bundle& bundle, const char* what) {
  const auto settings = bundle_settings(set, bundle);
  if (settings.empty()) return base;
  try {
    if constexpr (std::is_same_v<Base, Scenario>)
      return base.with_values(settings, Scenario::Text::Omitted);
    else
      return base.with_values(settings);
  } catch (const ScenarioError& e) {
    throw ScenarioError(set.source, 0, 0, e.key(),
                        "the bundle " + bundle.label + " cannot be applied to the " + what +
                            ", though each of its remedies can alone: " + e.message() +
                            "; make these remedies exclude each other");
  }
}

}  // namespace

Scenario bundle_scenario(const Scenario& base, const RemedySet& set, const Bundle& bundle) {
  return apply_bundle(base, set, bundle, "scenario");
}

Portfolio bundle_portfolio(const Portfolio& base, const RemedySet& set, const Bundle& bundle) {
  return apply_bundle(base, set, bundle, "portfolio");
}

}  // namespace progsurv
