// Portfolio YAML in, with the same located, key-path errors as scenarios.
// docs/portfolio-format.md documents the format this implements.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "progsurv/portfolio/portfolio.hpp"
#include "progsurv/scenario/workload.hpp"
#include "scenario/distribution_yaml.hpp"
#include "scenario/scenario_reader.hpp"
#include "scenario/text_file.hpp"

namespace progsurv {

using yaml_detail::Field;
using yaml_detail::format_double;
using yaml_detail::join_path;
using yaml_detail::load_yaml;
using yaml_detail::MapReader;
using yaml_detail::read_distribution;
using yaml_detail::Reader;
using yaml_detail::suggest;

namespace {

// A template read from its own file or inline, before the organisation's parts go in.
struct TemplateSpec {
  std::string name;
  Field field;  // where it is named in the portfolio file
  Scenario scenario;
};

class PortfolioReader {
 public:
  PortfolioReader(std::string source, std::string directory)
      : r_(source), source_(std::move(source)), directory_(std::move(directory)) {}

  Portfolio read(const YAML::Node& root) {
    if (!root.IsDefined() || root.IsNull())
      r_.fail(YAML::Mark::null_mark(), "",
              "the portfolio is empty; it needs at least horizon, roster, programmes and "
              "launches or renewal");
    MapReader top(r_, Field{root, root.Mark(), ""},
                  "a portfolio (a map with keys such as horizon, roster, programmes, launches)");
    // A scenario file where a portfolio belongs: say what it is rather than "unknown key".
    if (!top.find("programmes"))
      for (const char* key : {"phases", "sponsor"})
        if (const auto* e = top.find(key))
          r_.fail(e->key_mark, key,
                  "this is a scenario file (one programme), not a portfolio: run it with "
                  "'progsurv run', or name it under 'programmes:' in a portfolio file "
                  "(portfolio-format.md)");
    top.allow({"name",          "description",     "horizon",      "grid",    "sponsor_levels",
               "roster",        "initial_sponsor", "succession",   "silos",   "handoffs",
               "escalation",    "disengaged",      "review_every", "budget",  "cynicism",
               "customers",     "programmes",      "launches",     "renewal", "max_live",
               "compare_within"});
    Portfolio p;
    if (const auto* e = top.find("name")) p.name = r_.string(e->value, "a name (text)");
    if (const auto* e = top.find("description"))
      p.description = r_.string(e->value, "a description (text)");
    top.required("horizon");

    std::vector<TemplateSpec> specs = read_templates(top.required("programmes"));
    // The organisation: the lead (first) template's organisation-level parts, replaced by
    // every such block the portfolio file gives.
    Scenario org = specs.front().scenario;
    read_organisation_blocks(top, source_, org);
    p.horizon = org.horizon;
    p.grid = org.grid;
    p.roster = read_roster(top.required("roster"), org);
    for (const auto& level : org.levels) p.level_names.push_back(level.name);
    if (const auto* e = top.find("cynicism")) p.cynicism = read_cynicism(e->value);
    if (const auto* e = top.find("customers")) {
      MapReader map(r_, e->value, "a map (initial_trust)");
      map.allow({"initial_trust"});
      if (const auto* t = map.find("initial_trust")) p.initial_trust = r_.probability(t->value);
    }
    for (auto& spec : specs) {
      p.template_names.push_back(spec.name);
      p.template_sources.push_back(spec.scenario.source);
      p.templates.push_back(adopt(spec, org));
    }
    if (const auto* e = top.find("launches")) p.launches = read_launches(e->value, p);
    if (const auto* e = top.find("renewal")) p.renewal = read_renewal(e->value, p);
    if (p.launches.empty() && !p.renewal.enabled)
      r_.fail(top.field(),
              "the organisation launches nothing: give launches (a list of "
              "{at, programme}) or renewal ({every, mix})");
    p.compare_within = 0.5 * p.horizon;
    if (const auto* e = top.find("compare_within")) {
      p.compare_within = r_.months_positive(e->value);
      if (p.compare_within > p.horizon)
        r_.fail(e->value, "compare_within (" + format_double(p.compare_within) +
                              " months) is longer than the horizon (" + format_double(p.horizon) +
                              " months)");
    }
    if (const auto* e = top.find("max_live")) {
      p.max_live = r_.count(e->value);
      if (p.max_live == 0)
        r_.fail(e->value, "max_live must be at least 1 (leave it out for no cap)");
    }
    return p;
  }

 private:
  std::vector<TemplateSpec> read_templates(const Field& field) {
    MapReader map(r_, field,
                  "a map of programme templates (name: a scenario file, or an inline scenario)");
    if (map.entries().empty())
      r_.fail(field, "define at least one programme, e.g. core: ../baseline.yaml");
    std::vector<TemplateSpec> out;
    for (const auto& entry : map.entries()) {
      TemplateSpec spec;
      spec.name = entry.key;
      spec.field = entry.value;
      if (entry.key.find('.') != std::string::npos)
        r_.fail(entry.key_mark, entry.value.path,
                "programme name '" + entry.key + "' may not contain '.' (it separates key paths)");
      if (entry.value.node.IsScalar()) {
        std::string path = entry.value.node.Scalar();
        if (path.empty()) r_.fail(entry.value, "expected a scenario file path, got nothing");
        const std::filesystem::path fs(path);
        if (fs.is_relative() && !directory_.empty()) path = (directory_ / fs).lexically_normal();
        std::string text;
        try {
          text = read_text_file(path);
        } catch (const std::exception& e) {
          r_.fail(entry.value, "cannot read programme template '" + path + "': " + e.what());
        }
        // An error at a key stays located in the template; one about the file as a whole
        // (not a scenario at all: the path may name the wrong file) names the portfolio line.
        try {
          spec.scenario = Scenario::from_yaml(text, path);
        } catch (const ScenarioError& e) {
          if (!e.key().empty()) throw;
          r_.fail(entry.value,
                  "programme template '" + path + "' is not a valid scenario: " + e.what());
        }
      } else if (entry.value.node.IsMap()) {
        YAML::Emitter emitter;
        emitter << entry.value.node;
        // Inline: read from the portfolio's own tree, so an error at a key carries the key's
        // line in the portfolio file. One without a position (a check of the whole scenario)
        // names its key's line if the template writes the key, else the template's line.
        // The emitted text is only the template's own record.
        try {
          spec.scenario = scenario_from_tree(entry.value.node, emitter.c_str(), source_);
        } catch (const ScenarioError& e) {
          int line = e.line(), column = e.column();
          if (line <= 0) {
            const YAML::Node at =
                e.key().empty() ? YAML::Node() : find_yaml_path(entry.value.node, e.key());
            const YAML::Mark mark = at.IsDefined() ? at.Mark() : entry.value.mark;
            line = mark.line + 1;
            column = mark.column + 1;
          }
          throw ScenarioError(source_, line, column, join_path(entry.value.path, e.key()),
                              e.message());
        }
        spec.scenario.source = source_ + " (programme " + entry.key + ")";
      } else {
        r_.fail(entry.value, "expected a scenario file path or an inline scenario (a map), got " +
                                 yaml_detail::describe_node(entry.value.node));
      }
      out.push_back(std::move(spec));
    }
    return out;
  }

  // The template with the organisation's parts written in. Its sponsor mix and its steps'
  // silos are re-pointed by name at the organisation's levels and silos.
  Scenario adopt(const TemplateSpec& spec, const Scenario& org) const {
    const Scenario& t = spec.scenario;
    Scenario s = t;
    s.horizon = org.horizon;
    s.grid = org.grid;
    s.levels = org.levels;
    s.initial_sponsor = org.initial_sponsor;
    s.succession = org.succession;
    s.succession.successor_same = true;
    s.succession.successor = LevelMix{};
    s.disengaged = org.disengaged;
    s.silos = org.silos;
    s.overrides = org.overrides;
    s.escalation = org.escalation;
    s.budget = org.budget;
    s.patience.review_every = org.patience.review_every;
    std::vector<std::string> level_names, silo_names;
    for (const auto& l : org.levels) level_names.push_back(l.name);
    for (const auto& x : org.silos) silo_names.push_back(x.name);
    for (std::size_t i = 0; i < t.sponsor.level.size(); ++i) {
      const std::string& name = t.levels[static_cast<std::size_t>(t.sponsor.level[i])].name;
      const int index = org.level_index(name);
      if (index < 0)
        r_.fail(spec.field, "programme '" + spec.name + "' is sponsored at level '" + name +
                                "', which the organisation does not have; " +
                                suggest(name, level_names));
      s.sponsor.level[i] = index;
    }
    // Rule 14: co-sponsor seats are re-pointed by level name too.
    for (auto& level : s.co_sponsors) {
      const std::string& name = t.levels[static_cast<std::size_t>(level)].name;
      const int index = org.level_index(name);
      if (index < 0)
        r_.fail(spec.field, "programme '" + spec.name + "' has a co-sponsor at level '" + name +
                                "', which the organisation does not have; " +
                                suggest(name, level_names));
      level = index;
    }
    for (auto& phase : s.phases)
      for (auto& step : phase.steps) {
        const std::string& name = t.silos[static_cast<std::size_t>(step.silo)].name;
        const int index = org.silo_index(name);
        if (index < 0)
          r_.fail(spec.field, "programme '" + spec.name + "' has a step in silo '" + name +
                                  "', which the organisation does not have; " +
                                  suggest(name, silo_names));
        step.silo = index;
      }
    s.yaml_text.clear();  // its text no longer says what it is; to_yaml() does
    s.finalize();
    check_workload(s);
    return s;
  }

  std::vector<int> read_roster(const Field& field, const Scenario& org) const {
    MapReader map(r_, field, "a map level: posts (e.g. {ceo: 1, vp: 8})");
    std::vector<int> roster(org.levels.size(), 0);
    std::vector<std::string> names;
    for (const auto& l : org.levels) names.push_back(l.name);
    long total = 0;
    for (const auto& entry : map.entries()) {
      const int index = org.level_index(entry.key);
      if (index < 0)
        r_.fail(entry.key_mark, entry.value.path,
                "unknown sponsor level '" + entry.key + "'; " + suggest(entry.key, names));
      const int posts = r_.count(entry.value);
      if (posts >= kMaxPostsPerLevel)
        r_.fail(entry.value, "at most " + std::to_string(kMaxPostsPerLevel - 1) +
                                 " posts per level are supported, got " + std::to_string(posts));
      if (posts > 0 && index >= kMaxRosterLevels)
        r_.fail(entry.key_mark, entry.value.path,
                "posts are supported on the first " + std::to_string(kMaxRosterLevels) +
                    " sponsor levels only; '" + entry.key + "' is level " +
                    std::to_string(index + 1));
      roster[static_cast<std::size_t>(index)] = posts;
      total += posts;
    }
    if (total == 0) r_.fail(field, "the roster needs at least one post");
    return roster;
  }

  CynicismSettings read_cynicism(const Field& field) const {
    MapReader map(r_, field, "a map (initial, rise, relief, half_life, effect)");
    map.allow({"initial", "rise", "relief", "half_life", "effect"});
    CynicismSettings c;
    if (const auto* e = map.find("initial")) c.initial = r_.probability(e->value);
    if (const auto* e = map.find("rise")) c.rise = r_.probability(e->value);
    if (const auto* e = map.find("relief")) c.relief = r_.probability(e->value);
    if (const auto* e = map.find("half_life")) c.half_life = r_.months_positive_or_never(e->value);
    if (const auto* e = map.find("effect")) {
      MapReader effect(r_, e->value, "a map (break, pickup, approval)");
      effect.allow({"break", "pickup", "approval"});
      if (const auto* x = effect.find("break")) c.effect_break = r_.probability(x->value);
      if (const auto* x = effect.find("pickup"))
        c.effect_pickup = r_.nonnegative(x->value, "factor");
      if (const auto* x = effect.find("approval")) c.effect_approval = r_.probability(x->value);
    }
    return c;
  }

  int template_index(const Field& field, const Portfolio& p) const {
    const std::string name = r_.string(field, "a programme name");
    for (std::size_t i = 0; i < p.template_names.size(); ++i)
      if (p.template_names[i] == name) return static_cast<int>(i);
    r_.fail(field, "unknown programme '" + name + "'; " + suggest(name, p.template_names));
  }

  std::vector<PlannedLaunch> read_launches(const Field& field, const Portfolio& p) const {
    if (!field.node.IsSequence())
      r_.fail(field, "expected a list of launches ({at: months, programme: name}), got " +
                         yaml_detail::describe_node(field.node));
    std::vector<PlannedLaunch> out;
    for (std::size_t i = 0; i < field.node.size(); ++i) {
      const YAML::Node node = field.node[i];
      const Field item{node, node.IsNull() ? field.mark : node.Mark(),
                       join_path(field.path, std::to_string(i))};
      MapReader map(r_, item, "a launch (a map with at, programme)");
      map.allow({"at", "programme"});
      PlannedLaunch l;
      const Field at = map.required("at");
      l.at = r_.months_nonnegative(at);
      if (l.at > p.horizon)
        r_.fail(at, "launch time " + format_double(l.at) + " is beyond the horizon (" +
                        format_double(p.horizon) + " months)");
      l.programme = template_index(map.required("programme"), p);
      out.push_back(l);
      if (out.size() > kMaxLaunches)
        r_.fail(item, "more than " + std::to_string(kMaxLaunches) + " launches");
    }
    // Launch order is time order; launches at the same time keep the file's order.
    std::stable_sort(out.begin(), out.end(),
                     [](const PlannedLaunch& a, const PlannedLaunch& b) { return a.at < b.at; });
    return out;
  }

  Renewal read_renewal(const Field& field, const Portfolio& p) const {
    MapReader map(r_, field, "a map (every, mix)");
    map.allow({"every", "mix"});
    Renewal out;
    out.enabled = true;
    const Field every = map.required("every");
    out.every = read_distribution(r_, every);
    if (out.every.kind() == DistKind::Never)
      r_.fail(every,
              "a renewal process needs a finite time between launches (leave renewal out "
              "for none)");
    if (!(out.every.mean() > 0.0))
      r_.fail(every, "the time between launches must have a positive mean (months)");
    // The run stops at kMaxLaunches launches; a mean that expects more than that over the
    // horizon (mean: 1e-300) could only end in that error, so it is refused here.
    const double expected = static_cast<double>(p.launches.size()) + p.horizon / out.every.mean();
    if (!(expected <= kMaxLaunches))
      r_.fail(every, "a mean time between launches of " + format_double(out.every.mean()) +
                         " months expects about " + format_double(expected) +
                         " launches over the horizon (" + format_double(p.horizon) +
                         " months, with the planned ones); an organisation launches at most " +
                         std::to_string(kMaxLaunches));
    const Field mix = map.required("mix");
    if (mix.node.IsScalar()) {
      out.programme.push_back(template_index(mix, p));
      out.prob.push_back(1.0);
      return out;
    }
    MapReader weights(r_, mix, "a programme name or a map programme: weight");
    double total = 0.0;
    for (const auto& entry : weights.entries()) {
      const Field name{YAML::Node(entry.key), entry.key_mark, entry.value.path};
      out.programme.push_back(template_index(name, p));
      const double w = r_.nonnegative(entry.value, "weight");
      out.prob.push_back(w);
      total += w;
    }
    if (!(total > 0.0) || !std::isfinite(total))
      r_.fail(mix, "the weights must have a positive, finite sum");
    for (double& w : out.prob) w /= total;
    return out;
  }

  Reader r_;
  std::string source_;
  std::filesystem::path directory_;
};

}  // namespace

Portfolio Portfolio::from_yaml(const std::string& text, const std::string& source) {
  const YAML::Node root = load_yaml(text, source);
  std::string directory;
  if (source != "<string>") directory = std::filesystem::path(source).parent_path().string();
  Portfolio p;
  try {
    p = PortfolioReader(source, directory).read(root);
  } catch (const YAML::Exception& e) {
    yaml_detail::throw_at_mark(source, e);
  }
  p.source = source;
  p.yaml_text = text;
  return p;
}

Portfolio Portfolio::load(const std::string& path) { return from_yaml(read_text_file(path), path); }

namespace {

// Writes template `i` of `p`, given as a file, inline into `root`: the template as its file
// reads (the organisation's parts are written in on parsing). False when it is inline already.
bool write_template_inline(const Portfolio& p, std::size_t i, YAML::Node& root) {
  YAML::Node programmes = root["programmes"];
  if (!programmes[p.template_names[i]].IsScalar()) return false;
  programmes[p.template_names[i]] = YAML::Load(read_text_file(p.template_sources[i]));
  return true;
}

// Refuses an override the portfolio would ignore or cannot reach, naming the path that acts:
// a template's organisation block (a template other than the lead, or the lead's where the
// portfolio file gives the block; the run would carry the change in its label and be
// bitwise the run without it), and a key inside an organisation block the file does not give.
void refuse_ignored_key(const Portfolio& p, const YAML::Node& root, const std::string& path) {
  const std::vector<std::string> parts = split_key_path(path);
  if (parts.empty()) return;
  const std::string& lead = p.template_names.front();
  const auto written = [&](const std::string& block) {
    return root.IsMap() && root[block].IsDefined();
  };
  const auto refuse = [&](const std::string& why) {
    throw ScenarioError("<override>", 0, 0, path,
                        "the portfolio ignores this key (portfolio-format.md, 'The "
                        "organisation and its templates'): " +
                            why);
  };
  if (parts.size() > 1 && Portfolio::is_organisation_block(parts[0]) && !written(parts[0])) {
    const std::string in_lead = parts[0] == "review_every" ? "patience.review_every" : path;
    throw ScenarioError("<override>", 0, 0, path,
                        "the portfolio file gives no '" + parts[0] +
                            "' block: the organisation takes it from its lead template, so set "
                            "'programmes." +
                            lead + "." + in_lead + "' (or write a " + parts[0] +
                            " block in the portfolio file)");
  }
  if (parts.size() < 3 || parts[0] != "programmes") return;
  const std::string& name = parts[1];
  // An unknown template: the override itself says so, with the names there are.
  if (std::find(p.template_names.begin(), p.template_names.end(), name) == p.template_names.end())
    return;
  std::string part = parts[2];
  if (part == "patience" && parts.size() >= 4 && parts[3] == "review_every") part = "review_every";
  const std::string own = part == "review_every" ? "review_every" : join_key_path(parts, 2);
  if (part == "horizon" || part == "grid")
    refuse("the portfolio's " + part + " applies to every programme; set '" + own + "'");
  if (part == "succession" && parts.size() >= 4 && parts[3] == "successor_level")
    refuse("within a portfolio a post's successor is always of its own level");
  if (!Portfolio::is_organisation_block(part)) return;
  if (part == "handoffs" && written("silos") && !written("handoffs"))
    refuse(
        "the portfolio's own 'silos' drops every template's handoff overrides (they name "
        "silos); write a handoffs block beside the portfolio's silos and set 'handoffs'");
  if (written(part))
    refuse("the portfolio's own '" + part + "' replaces every programme's; set '" + own + "'");
  if (name != lead)
    refuse("programme " + name + "'s " + part +
           " is replaced by the organisation's, which comes from the lead template; set "
           "'programmes." +
           lead + "." + join_key_path(parts, 2) + "'");
}

}  // namespace

const std::vector<std::string>& Portfolio::organisation_blocks() {
  static const std::vector<std::string> blocks = {
      "sponsor_levels", "initial_sponsor", "succession", "disengaged",  "silos",
      "handoffs",       "escalation",      "budget",     "review_every"};
  return blocks;
}

bool Portfolio::is_organisation_block(const std::string& key) {
  const auto& b = organisation_blocks();
  return std::find(b.begin(), b.end(), key) != b.end();
}

Portfolio Portfolio::with_values(
    const std::vector<std::pair<std::string, std::string>>& values) const {
  YAML::Node root = unshared_yaml_copy(load_yaml(yaml_text, source));
  // A key inside a template given as a file (programmes.NAME.<scenario path>) is set in the
  // template written inline, so every command's --set and every remedy reach it alike.
  // A block a template leaves to its defaults (deferral.prob) is taken from its canonical
  // text, as Scenario::with_values does.
  YAML::Node defaults(YAML::NodeType::Map);
  for (const auto& value : values) {
    const std::string& path = value.first;
    const std::string prefix = "programmes.";
    if (path.rfind(prefix, 0) != 0) continue;
    const std::size_t dot = path.find('.', prefix.size());
    if (dot == std::string::npos) continue;  // the whole template: a path or a map replaces it
    const std::string name = path.substr(prefix.size(), dot - prefix.size());
    for (std::size_t i = 0; i < template_names.size(); ++i)
      if (template_names[i] == name) {
        write_template_inline(*this, i, root);
        defaults["programmes"][name] = YAML::Load(templates[i].to_yaml());
      }
  }
  std::vector<ValueChange> changed = changes;
  std::vector<std::string> set_before;
  for (const auto& [path, text] : values) {
    refuse_ignored_key(*this, root, path);
    // Under a block an earlier value replaced, the template's defaults are not the block's.
    const bool under_earlier = under_any(path, set_before);
    set_before.push_back(path);
    const YAML::Node value = override_value(path, text);
    note_change(changed, path, text, find_yaml_path(root, path));
    set_yaml_path(root, path, value,
                  under_earlier ? YAML::Node(YAML::NodeType::Undefined) : defaults,
                  "the portfolio");
  }
  YAML::Emitter emitter;
  emitter << root;
  // Relative template paths still resolve against the portfolio file's directory.
  try {
    Portfolio out = from_yaml(emitter.c_str(), source);
    out.changes = std::move(changed);
    return out;
  } catch (const ScenarioError& e) {
    // Line numbers of the re-emitted text mean nothing to the user; the override does.
    for (const auto& [path, text] : values)
      if (e.key() == path || e.key().rfind(path + ".", 0) == 0 || path.rfind(e.key() + ".", 0) == 0)
        throw ScenarioError("<override>", 0, 0, path, e.message());
    std::string paths;
    for (const auto& [path, text] : values) paths += (paths.empty() ? "" : ", ") + path;
    throw ScenarioError("<override>", 0, 0, e.key(),
                        e.message() + " (after applying overrides to " + paths + ")");
  }
}

Portfolio Portfolio::with_templates_inline() const {
  YAML::Node root = unshared_yaml_copy(load_yaml(yaml_text, source));
  bool any = false;
  for (std::size_t i = 0; i < template_names.size(); ++i)
    any = write_template_inline(*this, i, root) || any;
  if (!any) return *this;
  YAML::Emitter emitter;
  emitter << root;
  Portfolio out = from_yaml(emitter.c_str(), source);
  out.changes = changes;
  return out;
}

int Renewal::pick(double u) const {
  return programme[static_cast<std::size_t>(categorical_pick(prob, u))];
}

int Portfolio::post_count() const {
  int n = 0;
  for (int r : roster) n += r;
  return n;
}

}  // namespace progsurv
