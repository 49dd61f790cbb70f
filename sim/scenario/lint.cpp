// Warnings about scenario inputs that cannot have any effect.
#include "progsurv/scenario/lint.hpp"

#include <yaml-cpp/yaml.h>

#include <map>
#include <set>
#include <utility>

namespace progsurv {

namespace {

// The line of `path` (keys or list indices) in `root`, or 0 when the text lacks it.
int line_of(const YAML::Node& root, const std::vector<std::string>& path) {
  if (!root) return 0;
  YAML::Node node;
  node.reset(root);
  int line = 0;
  for (const std::string& key : path) {
    if (!node.IsMap() && !node.IsSequence()) return line;
    YAML::Node next;
    if (node.IsSequence()) {
      if (key.empty() || key.find_first_not_of("0123456789") != std::string::npos) return line;
      const auto i = static_cast<std::size_t>(std::stoul(key));
      if (i >= node.size()) return line;
      next = node[i];
    } else {
      // Keys keep their own mark: the line of the key, not of its value.
      bool found = false;
      for (const auto& kv : node) {
        if (kv.first.as<std::string>() == key) {
          line = kv.first.Mark().line + 1;
          next = kv.second;
          found = true;
          break;
        }
      }
      if (!found) return line;
    }
    if (node.IsSequence()) line = next.Mark().line + 1;
    node.reset(next);  // `node = next` would overwrite the node in the tree, not rebind
  }
  return line;
}

// Warnings shown per top-level key; the rest are counted in one "... and N more" line, so
// 20,000 unused silos give a few lines (and a few line look-ups, each a scan of the map).
constexpr std::size_t kMaxWarningsPerKey = 5;

}  // namespace

std::vector<ScenarioWarning> lint(const Scenario& s) {
  YAML::Node root;
  try {
    if (!s.yaml_text.empty()) root = YAML::Load(s.yaml_text);
  } catch (const YAML::Exception&) {
    root = YAML::Node();  // lines unknown; the warnings still hold
  }
  std::vector<ScenarioWarning> out;
  std::map<std::string, std::size_t> per_key;  // warnings seen under each top-level key
  const auto warn = [&](std::vector<std::string> path, std::string message) {
    if (++per_key[path.front()] > kMaxWarningsPerKey) return;
    std::string key;
    for (const auto& p : path) key += (key.empty() ? "" : ".") + p;
    out.push_back({line_of(root, path), key, std::move(message)});
  };

  // Handoffs happen between consecutive steps of a phase owned by different silos.
  std::set<std::pair<int, int>> handed;
  std::vector<char> used(s.silos.size(), 0);
  for (const Phase& phase : s.phases) {
    for (std::size_t i = 0; i < phase.steps.size(); ++i) {
      used[static_cast<std::size_t>(phase.steps[i].silo)] = 1;
      if (i > 0 && phase.steps[i - 1].silo != phase.steps[i].silo)
        handed.emplace(phase.steps[i - 1].silo, phase.steps[i].silo);
    }
  }
  for (std::size_t i = 0; i < s.overrides.size(); ++i) {
    const HandoffOverride& o = s.overrides[i];
    if (!handed.count({o.from, o.to}))
      warn({"handoffs", std::to_string(i)},
           "handoff override " + s.silos[static_cast<std::size_t>(o.from)].name + " -> " +
               s.silos[static_cast<std::size_t>(o.to)].name +
               " has no effect: no phase has a step in " +
               s.silos[static_cast<std::size_t>(o.from)].name + " followed by one in " +
               s.silos[static_cast<std::size_t>(o.to)].name);
  }
  for (std::size_t i = 0; i < s.silos.size(); ++i)
    if (!used[i])
      warn({"silos", s.silos[i].name},
           "silo '" + s.silos[i].name + "' has no effect: no step of any phase uses it");

  bool lapses = false;  // does any sponsor's attention ever lapse (rule 12)?
  for (const SponsorLevel& level : s.levels)
    lapses = lapses || level.attention_lapse.kind() != DistKind::Never;

  const YAML::Node& const_root = root;
  const YAML::Node patience =
      const_root && const_root.IsMap() ? const_root["patience"] : YAML::Node();
  if (patience && patience.IsMap()) {
    const char* model = s.patience.model == PatienceModel::Reviews  ? "reviews"
                        : s.patience.model == PatienceModel::Hazard ? "hazard"
                                                                    : "none";
    for (const auto& kv : patience) {
      const std::string key = kv.first.as<std::string>();
      if (key == "model") continue;
      // `visible` also decides what re-engages a sponsor whose attention lapses (rule 12).
      const bool attention_reads = key == "visible" && lapses;
      if (!attention_reads && !patience_model_reads(s.patience.model, key))
        warn({"patience", key}, "patience." + key + " has no effect with patience model " + model);
    }
  }

  // Rules 12 and 13: factors that only act through a lapse of attention, and recruitment
  // keys that only act in an engage phase or with a recruitment time.
  const YAML::Node& top = root;
  const bool has = top && top.IsMap();
  // Factors of 1 only state the defaults (the canonical form writes them): no warning.
  if (has && top["disengaged"] && !lapses && !s.disengaged.inert())
    warn({"disengaged"},
         "disengaged has no effect: no sponsor level has an attention_lapse, so sponsors never "
         "disengage");
  // The other way round: attention that lapses into a state that changes nothing.
  if (lapses && s.disengaged.inert())
    for (const SponsorLevel& level : s.levels)
      if (level.attention_lapse.kind() != DistKind::Never) {
        warn({"sponsor_levels", level.name, "attention_lapse"},
             "sponsor_levels." + level.name +
                 ".attention_lapse has no effect: every disengaged factor is 1, so a "
                 "disengaged sponsor lends as much as an engaged one (give disengaged its "
                 "factors)");
        break;
      }
  bool engage = false;
  for (const Phase& phase : s.phases) engage = engage || phase.engage;
  const YAML::Node customers = has ? top["customers"] : YAML::Node();
  if (customers && customers.IsMap()) {
    const bool recruits =
        !(s.customers.recruitment.kind() == DistKind::Fixed && s.customers.recruitment.a() == 0.0);
    if (customers["recruitment"] && recruits && !engage)
      warn({"customers", "recruitment"},
           "customers.recruitment has no effect: no phase is flagged engage");
    if (customers["trust_effect"] && s.customers.trust_effect > 0.0 && (!recruits || !engage))
      warn({"customers", "trust_effect"},
           "customers.trust_effect has no effect: recruitment takes no time" +
               std::string(engage ? "" : " (and no phase is flagged engage)"));
    if (customers["reengage"] && s.customers.reengage.prob > 0.0 && !engage)
      warn({"customers", "reengage"},
           "customers.reengage has no effect: no phase is flagged engage, so no follow-up is "
           "ever late");
  }

  // Rules 15 and 16: a ladder nobody climbs, scope that never slips, or slips from nowhere.
  if (!s.escalation.ladder.empty() && s.escalation.max_attempts == 0)
    warn({"escalation", "ladder"},
         "escalation.ladder has no effect: max_attempts is 0, so a break ends the programme "
         "before anyone escalates");
  bool deferrable = false;
  for (std::size_t i = 0; i < s.phases.size(); ++i) {
    if (!(s.phases[i].deferrable > 0.0)) continue;
    deferrable = true;
    if (!(s.deferral.prob > 0.0))
      warn({"phases", std::to_string(i), "deferrable"},
           "phases." + std::to_string(i) +
               ".deferrable has no effect: deferral.prob is 0, so no phase ever defers scope");
  }
  if (s.deferral.prob > 0.0 && !deferrable)
    warn({"deferral", "prob"},
         "deferral.prob has no effect: no phase has a deferrable share above 0");
  else if (s.deferral.prob > 0.0 && !s.has_pressure_events())
    warn({"deferral", "prob"},
         "deferral.prob has no effect: the scenario has no pressure events (no review can find "
         "the programme overdue and spare it, and there are no budget squeezes)");

  // A level can be drawn by the initial mix or, when successors are drawn from a mix, by
  // that mix (a successor at the "same" level only repeats a level already drawn).
  std::vector<char> drawable(s.levels.size(), 0);
  for (std::size_t i = 0; i < s.sponsor.level.size(); ++i)
    if (s.sponsor.prob[i] > 0) drawable[static_cast<std::size_t>(s.sponsor.level[i])] = 1;
  if (!s.succession.successor_same)
    for (std::size_t i = 0; i < s.succession.successor.level.size(); ++i)
      if (s.succession.successor.prob[i] > 0)
        drawable[static_cast<std::size_t>(s.succession.successor.level[i])] = 1;
  for (int level : s.co_sponsors) drawable[static_cast<std::size_t>(level)] = 1;  // rule 14
  for (std::size_t i = 0; i < s.levels.size(); ++i)
    if (!drawable[i])
      warn({"sponsor_levels", s.levels[i].name},
           "sponsor level '" + s.levels[i].name +
               "' has no effect: neither the sponsor mix, the successor mix nor a co-sponsor "
               "seat can draw it");
  for (const auto& [top, count] : per_key)
    if (count > kMaxWarningsPerKey)
      out.push_back({line_of(root, {top}), top,
                     "... and " + std::to_string(count - kMaxWarningsPerKey) +
                         " more warnings like these under '" + top + "'"});
  return out;
}

}  // namespace progsurv
