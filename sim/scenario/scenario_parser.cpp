// Scenario YAML in (with located, key-path error messages) and out (canonical, every
// default filled in). docs/scenario-format.md documents the format this implements.
// Just over 800 lines on purpose: most of it is one class (ScenarioReader) whose readers
// share its source and located-error state, and the writer beside it must mirror those
// readers key for key. `--set` (Scenario::with_values) is in scenario_values.cpp.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cfloat>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <sstream>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "progsurv/scenario/scenario.hpp"
#include "progsurv/scenario/workload.hpp"
#include "scenario/distribution_yaml.hpp"
#include "scenario/scenario_reader.hpp"
#include "scenario/text_file.hpp"

namespace progsurv {

using yaml_detail::distribution_to_yaml;
using yaml_detail::Field;
using yaml_detail::format_double;
using yaml_detail::join;
using yaml_detail::join_path;
using yaml_detail::load_yaml;
using yaml_detail::MapReader;
using yaml_detail::read_distribution;
using yaml_detail::Reader;
using yaml_detail::suggest;
using yaml_detail::throw_at_mark;

namespace {

// Longest level, silo, phase or scenario name accepted, in bytes.
constexpr std::size_t kMaxNameBytes = 200;

// Co-sponsor seats and ladder rungs: a steering committee or a management chain longer than
// these is a typo (and each seat is an entity of its own for randomness, docs/model.md).
constexpr std::size_t kMaxCoSponsors = 32;
constexpr std::size_t kMaxLadderRungs = 16;

// Steps of all phases together. Counted before each phase is read, so YAML aliases that
// repeat a list (10^4 phases of 10^4 steps from a few KB) are refused before allocating.
constexpr std::size_t kMaxSteps = 100000;

// A finer grid than this is a typo (step: 0.0001), not a wish for 600k curve points.
constexpr double kMaxGridPoints = 1e6;

// Points 0, S, 2S, ... up to H, with H itself as the last point. Multiples within a
// relative 1e-9 of H are taken to be H, so step 0.1 over H = 0.3 does not end 0.3, 0.3.
std::vector<double> step_grid(double step, double horizon) {
  std::vector<double> grid;
  const double tolerance = 1e-9 * horizon;
  for (std::size_t k = 0;; ++k) {
    const double t = static_cast<double>(k) * step;
    if (t > horizon - tolerance) break;
    grid.push_back(t);
  }
  grid.push_back(horizon);
  return grid;
}

// Normalises weights to probabilities. Weights that already sum to 1 up to rounding are
// kept as they are, so normalising twice (to_yaml then from_yaml) changes nothing.
std::vector<double> normalise(std::vector<double> weights) {
  double total = 0.0;
  for (double w : weights) total += w;
  if (std::fabs(total - 1.0) > 4.0 * static_cast<double>(weights.size()) * DBL_EPSILON)
    for (double& w : weights) w /= total;
  return weights;
}

bool is_plain_name(const std::string& s) {
  if (s.empty()) return false;
  if (!(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-')) return false;
  std::string lower = s;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  // Words YAML would read as booleans or null.
  static const char* const kReserved[] = {"true", "false", "yes", "no",  "on",
                                          "off",  "y",     "n",   "null"};
  for (const char* word : kReserved)
    if (lower == word) return false;
  return true;
}

// A YAML scalar that reads back as exactly `s`: plain when safe, double-quoted otherwise.
std::string yaml_string(const std::string& s) {
  if (is_plain_name(s)) return s;
  std::string out = "\"";
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char escape[8];
          std::snprintf(escape, sizeof escape, "\\x%02x", c);
          out += escape;
        } else {
          out += ch;  // UTF-8 passes through unchanged
        }
    }
  }
  return out + "\"";
}

class ScenarioReader {
 public:
  explicit ScenarioReader(const std::string& source) : r_(source) {}

  Scenario read(const YAML::Node& root) {
    if (!root.IsDefined() || root.IsNull())
      r_.fail(YAML::Mark::null_mark(), "",
              "the scenario is empty; it needs at least sponsor_levels, sponsor, silos and "
              "phases");
    MapReader top(r_, Field{root, root.Mark(), ""},
                  "a scenario (a map with keys such as horizon, sponsor_levels, silos, phases)");
    // A portfolio file where a scenario belongs: say what it is rather than "unknown key".
    if (const auto* e = top.find("programmes"))
      r_.fail(e->key_mark, "programmes",
              "this is a portfolio file (an organisation's programmes), not a scenario: run it "
              "with 'progsurv portfolio' (attribute, remedies, sweep and report take it too), "
              "or give one of the scenario files under its programmes");
    // So are the other inputs a scenario is mistaken for: each by the key only it has.
    if (const auto* e = top.find("remedies"))
      r_.fail(e->key_mark, "remedies",
              "this is a remedies file (remedies with their costs), not a scenario: give it "
              "after the scenario, 'progsurv remedies SCENARIO.yaml REMEDIES.yaml'");
    if (const auto* e = top.find("parameters"))
      r_.fail(e->key_mark, "parameters",
              "this is a sweep or fit file (parameters to vary or to fit), not a scenario: run "
              "it with 'progsurv sweep' or 'progsurv fit'");
    top.allow({"name", "description", "horizon", "grid", "sponsor_levels", "sponsor",
               "initial_sponsor", "succession", "silos", "handoffs", "escalation", "phases",
               "patience", "budget", "customers", "scoping", "disengaged", "co_sponsors",
               "deferral"});

    Scenario s;
    if (const auto* e = top.find("name")) {
      s.name = r_.string(e->value, "a name (text)");
      check_length(e->value.mark, e->value.path, s.name, "the scenario name");
    }
    if (const auto* e = top.find("description"))
      s.description = r_.string(e->value, "a description (text)");
    if (const auto* e = top.find("horizon")) s.horizon = r_.months_positive(e->value);
    s.grid = read_grid(top.find("grid"), s.horizon);

    read_levels(top.required("sponsor_levels"), s);
    s.sponsor = read_mix(top.required("sponsor"), s);
    if (const auto* e = top.find("initial_sponsor"))
      s.initial_sponsor = r_.choice(e->value, {"residual", "fresh"}) == "fresh"
                              ? InitialSponsor::Fresh
                              : InitialSponsor::Residual;
    if (const auto* e = top.find("succession")) s.succession = read_succession(e->value, s);
    if (const auto* e = top.find("scoping")) s.scoping = read_distribution(r_, e->value);
    if (const auto* e = top.find("disengaged")) s.disengaged = read_disengaged(e->value);
    if (const auto* e = top.find("co_sponsors")) s.co_sponsors = read_co_sponsors(e->value, s);

    read_silos(top.required("silos"), s);
    if (const auto* e = top.find("handoffs")) read_handoffs(e->value, s);
    if (const auto* e = top.find("escalation")) s.escalation = read_escalation(e->value);

    read_phases(top.required("phases"), s);
    s.patience.model = PatienceModel::None;  // no patience section: nobody cuts for patience
    if (const auto* e = top.find("patience")) s.patience = read_patience(e->value);
    if (const auto* e = top.find("budget")) s.budget = read_budget(e->value);
    if (const auto* e = top.find("customers")) s.customers = read_customers(e->value);
    if (const auto* e = top.find("deferral")) s.deferral = read_deferral(e->value);
    return s;
  }

  // Portfolio mode: the organisation-level blocks present in a portfolio file's top-level
  // map replace those of `s` (the lead template). Keys that are absent leave s as it is.
  void read_organisation(const MapReader& top, Scenario& s) {
    if (const auto* e = top.find("horizon")) s.horizon = r_.months_positive(e->value);
    if (top.has("horizon") || top.has("grid")) s.grid = read_grid(top.find("grid"), s.horizon);
    if (const auto* e = top.find("sponsor_levels")) {
      // Co-sponsor seats name levels: they follow the organisation's levels by name.
      std::vector<std::string> seat_levels;
      for (int level : s.co_sponsors)
        seat_levels.push_back(s.levels[static_cast<std::size_t>(level)].name);
      s.levels.clear();
      read_levels(e->value, s);
      for (std::size_t i = 0; i < seat_levels.size(); ++i) {
        s.co_sponsors[i] = s.level_index(seat_levels[i]);
        if (s.co_sponsors[i] < 0)
          r_.fail(e->value, "the programme's co-sponsor level '" + seat_levels[i] +
                                "' is not among the organisation's sponsor levels");
      }
    }
    if (const auto* e = top.find("initial_sponsor"))
      s.initial_sponsor = r_.choice(e->value, {"residual", "fresh"}) == "fresh"
                              ? InitialSponsor::Fresh
                              : InitialSponsor::Residual;
    if (const auto* e = top.find("succession")) {
      MapReader map(r_, e->value, "a map (vacancy, adoption)");
      if (const auto* level = map.find("successor_level"))
        r_.fail(level->value,
                "in a portfolio a post keeps its level: its successor is always of the same "
                "level, so successor_level cannot be given");
      s.succession = read_succession(e->value, s);
    }
    if (const auto* e = top.find("disengaged")) s.disengaged = read_disengaged(e->value);
    if (const auto* e = top.find("silos")) {
      s.silos.clear();
      s.overrides.clear();  // handoff overrides name silos: they come with the silos
      read_silos(e->value, s);
    }
    if (const auto* e = top.find("handoffs")) {
      s.overrides.clear();
      read_handoffs(e->value, s);
    }
    if (const auto* e = top.find("escalation")) s.escalation = read_escalation(e->value);
    if (const auto* e = top.find("budget")) s.budget = read_budget(e->value);
    if (const auto* e = top.find("review_every"))
      s.patience.review_every = r_.months_positive(e->value);
  }

 private:
  Field child(const Field& parent, std::size_t index, const YAML::Node& node) const {
    return Field{node, node.IsNull() ? parent.mark : node.Mark(),
                 join_path(parent.path, std::to_string(index))};
  }

  // A list field; `what` describes the items for the type error.
  void expect_list(const Field& field, const std::string& what) const {
    if (!field.node.IsSequence())
      r_.fail(field,
              "expected a list of " + what + ", got " + yaml_detail::describe_node(field.node));
  }

  // Level and silo names are path components in with_values ("sponsor_levels.vp.clout").
  void check_name(const MapReader::Entry& entry, const std::string& what) const {
    check_length(entry.key_mark, entry.value.path, entry.key, what + " name");
    if (entry.key.find('.') != std::string::npos)
      r_.fail(entry.key_mark, entry.value.path,
              what + " name '" + entry.key + "' may not contain '.' (it separates key paths)");
  }

  // Names become keys and labels in the output; a long one is a mistake, and YAML keys
  // beyond 1024 characters need a syntax few readers expect.
  void check_length(const YAML::Mark& mark, const std::string& path, const std::string& name,
                    const std::string& what) const {
    if (name.size() > kMaxNameBytes)
      r_.fail(mark, path,
              what + " is " + std::to_string(name.size()) + " bytes long; at most " +
                  std::to_string(kMaxNameBytes) + " are allowed");
  }

  std::vector<double> read_grid(const MapReader::Entry* entry, double horizon) const {
    if (!entry) {
      if (horizon > kMaxGridPoints)
        r_.fail(YAML::Mark::null_mark(), "grid",
                "the default grid (a point every month) over a horizon of " +
                    format_double(horizon) + " months would have more than " +
                    format_double(kMaxGridPoints) + " points; give grid: {step: ...}");
      return step_grid(1.0, horizon);
    }
    const Field& field = entry->value;
    if (field.node.IsMap()) {
      MapReader map(r_, field, "a grid");
      map.allow({"step"});
      const Field step_field = map.required("step");
      const double step = r_.months_positive(step_field);
      if (horizon / step > kMaxGridPoints)
        r_.fail(step_field, "step " + format_double(step) + " over a horizon of " +
                                format_double(horizon) + " months gives more than " +
                                format_double(kMaxGridPoints) + " grid points");
      return step_grid(step, horizon);
    }
    if (!field.node.IsSequence())
      r_.fail(field, "expected {step: S} or a list of times (months), got " +
                         yaml_detail::describe_node(field.node));
    if (field.node.size() == 0) r_.fail(field, "the grid list is empty; give at least one time");
    std::vector<double> grid;
    for (std::size_t i = 0; i < field.node.size(); ++i) {
      const Field item = child(field, i, field.node[i]);
      const double t = r_.months_nonnegative(item);
      if (t > horizon)
        r_.fail(item, "grid time " + format_double(t) + " is beyond the horizon (" +
                          format_double(horizon) + " months)");
      if (!grid.empty() && !(t > grid.back()))
        r_.fail(item, "grid times must be strictly ascending: " + format_double(t) + " follows " +
                          format_double(grid.back()));
      grid.push_back(t);
    }
    return grid;
  }

  void read_levels(const Field& field, Scenario& s) const {
    MapReader map(r_, field, "a map of sponsor levels (name: {tenure: ..., clout: ...})");
    if (map.entries().empty())
      r_.fail(field, "define at least one sponsor level, e.g. vp: {tenure: 42}");
    for (const auto& entry : map.entries()) {
      check_name(entry, "sponsor level");
      MapReader level_map(r_, entry.value, "a sponsor level (a map with tenure, clout, ...)");
      level_map.allow({"tenure", "clout", "approval", "patience_multiplier", "resource_delay",
                       "attention_lapse"});
      SponsorLevel level;
      level.name = entry.key;
      const Field tenure = level_map.required("tenure");
      level.tenure = read_distribution(r_, tenure);
      check_tenure_positive(tenure, level.tenure);
      if (const auto* e = level_map.find("clout")) level.clout = r_.probability(e->value);
      if (const auto* e = level_map.find("approval")) level.approval = r_.probability(e->value);
      if (const auto* e = level_map.find("patience_multiplier"))
        level.patience_multiplier = r_.positive(e->value, "multiplier");
      if (const auto* e = level_map.find("resource_delay"))
        level.resource_delay = read_distribution(r_, e->value);
      if (const auto* e = level_map.find("attention_lapse")) {
        level.attention_lapse = read_distribution(r_, e->value);
        check_lapse_positive(e->value, level.attention_lapse);
      }
      s.levels.push_back(std::move(level));
    }
  }

  // A lapse of 0 would disengage the sponsor at every visible result, at once, forever.
  void check_lapse_positive(const Field& field, const Distribution& lapse) const {
    if (lapse.kind() != DistKind::Never && !(lapse.mean() > 0.0))
      r_.fail(field, "attention_lapse must have a positive mean (months), or be 'never'");
  }

  // Rule 12: what a disengaged sponsor still lends.
  Disengaged read_disengaged(const Field& field) const {
    MapReader map(r_, field, "a map (clout, patience, resources, approval)");
    map.allow({"clout", "patience", "resources", "approval"});
    Disengaged out;
    if (const auto* e = map.find("clout")) out.clout = r_.probability(e->value);
    if (const auto* e = map.find("approval")) out.approval = r_.probability(e->value);
    if (const auto* e = map.find("patience")) out.patience = r_.positive(e->value, "factor");
    if (const auto* e = map.find("resources")) {
      out.resources = r_.positive(e->value, "factor");
      if (out.resources < 1.0)
        r_.fail(e->value,
                "expected a factor >= 1 (a disengaged sponsor gets resources more "
                "slowly, never faster), got " +
                    format_double(out.resources));
    }
    return out;
  }

  // A tenure of 0 would make the sponsor leave at once, over and over; its mean also
  // divides the residual-life density.
  void check_tenure_positive(const Field& field, const Distribution& tenure) const {
    bool zero = false;
    if (tenure.kind() == DistKind::Fixed) zero = tenure.a() == 0.0;
    if (tenure.kind() == DistKind::Empirical) {
      zero = true;
      for (std::size_t i = 0; i < tenure.values().size(); ++i)
        if (tenure.values()[i] > 0 && tenure.weights()[i] > 0) zero = false;
    }
    if (zero)
      r_.fail(field,
              "tenure must be positive: a sponsor cannot leave the moment they arrive "
              "(use 'never' for a sponsor who never leaves)");
  }

  // A level name, or a map level -> weight (>= 0, not all 0), normalised.
  // `word`: a word the key also takes (successor_level's `same`, read by the caller), which
  // the errors then name too.
  LevelMix read_mix(const Field& field, const Scenario& s, const std::string& word = "") const {
    std::vector<std::string> names;
    for (const auto& level : s.levels) names.push_back(level.name);
    LevelMix mix;
    if (field.node.IsScalar()) {
      const std::string name = field.node.Scalar();
      const int index = s.level_index(name);
      std::vector<std::string> words = names;
      if (!word.empty()) words.insert(words.begin(), word);
      if (index < 0)
        r_.fail(field, "unknown sponsor level '" + name + "'; " + suggest(name, words));
      mix.level.push_back(index);
      mix.prob.push_back(1.0);
      return mix;
    }
    if (!field.node.IsMap())
      r_.fail(field, "expected " + (word.empty() ? "" : "'" + word + "', ") +
                         "a sponsor level name or a map level: weight, got " +
                         yaml_detail::describe_node(field.node));
    MapReader map(r_, field, "a map level: weight");
    if (map.entries().empty()) r_.fail(field, "give at least one level: weight");
    std::vector<double> weights;
    double total = 0.0;
    for (const auto& entry : map.entries()) {
      const int index = s.level_index(entry.key);
      if (index < 0)
        r_.fail(entry.key_mark, entry.value.path,
                "unknown sponsor level '" + entry.key + "'; " + suggest(entry.key, names));
      const double w = r_.nonnegative(entry.value, "weight");
      mix.level.push_back(index);
      weights.push_back(w);
      total += w;
    }
    if (!(total > 0) || !std::isfinite(total))
      r_.fail(field, "the weights must have a positive, finite sum");
    mix.prob = normalise(std::move(weights));
    return mix;
  }

  Succession read_succession(const Field& field, const Scenario& s) const {
    MapReader map(r_, field, "a map (vacancy, adoption, successor_level)");
    map.allow({"vacancy", "adoption", "successor_level"});
    Succession out;
    if (const auto* e = map.find("vacancy")) out.vacancy = read_distribution(r_, e->value);
    if (const auto* e = map.find("adoption")) out.adoption = r_.probability(e->value);
    if (const auto* e = map.find("successor_level")) {
      if (e->value.node.IsScalar() && e->value.node.Scalar() == "same") {
        out.successor_same = true;
      } else {
        out.successor_same = false;
        out.successor = read_mix(e->value, s, "same");
      }
    }
    return out;
  }

  // Rule 14: a list of level names, one seat each.
  std::vector<int> read_co_sponsors(const Field& field, const Scenario& s) const {
    expect_list(field, "sponsor level names (one per co-sponsor seat)");
    if (field.node.size() > kMaxCoSponsors)
      r_.fail(field, "a programme with " + std::to_string(field.node.size()) +
                         " co-sponsors; at most " + std::to_string(kMaxCoSponsors) +
                         " are allowed (each seat is a sponsor of its own)");
    std::vector<std::string> names;
    for (const auto& level : s.levels) names.push_back(level.name);
    std::vector<int> out;
    for (std::size_t i = 0; i < field.node.size(); ++i) {
      const Field item = child(field, i, field.node[i]);
      const std::string name = r_.string(item, "a sponsor level name");
      const int index = s.level_index(name);
      if (index < 0) r_.fail(item, "unknown sponsor level '" + name + "'; " + suggest(name, names));
      out.push_back(index);
    }
    return out;
  }

  void read_silos(const Field& field, Scenario& s) const {
    MapReader map(r_, field, "a map of silos (name: {pickup: ..., break_prob: ...})");
    if (map.entries().empty())
      r_.fail(field, "define at least one silo, e.g. marketing: {break_prob: 0.1}");
    for (const auto& entry : map.entries()) {
      check_name(entry, "silo");
      Silo silo;
      silo.name = entry.key;
      // `it:` with nothing after it is a silo with every default.
      if (!entry.value.node.IsNull()) {
        MapReader silo_map(r_, entry.value, "a silo (a map with pickup, break_prob)");
        silo_map.allow({"pickup", "break_prob"});
        if (const auto* e = silo_map.find("pickup")) silo.pickup = read_distribution(r_, e->value);
        if (const auto* e = silo_map.find("break_prob")) silo.break_prob = r_.probability(e->value);
      }
      s.silos.push_back(std::move(silo));
    }
  }

  int read_silo_name(const Field& field, const Scenario& s) const {
    const std::string name = r_.string(field, "a silo name");
    // Steps and handoffs name silos over and over: look them up by hash, not by scan.
    if (silo_lookup_.size() != s.silos.size()) {
      silo_lookup_.clear();
      for (std::size_t i = 0; i < s.silos.size(); ++i)
        silo_lookup_.emplace(s.silos[i].name, static_cast<int>(i));
    }
    const auto found = silo_lookup_.find(name);
    const int index = found == silo_lookup_.end() ? -1 : found->second;
    if (index < 0) {
      std::vector<std::string> names;
      for (const auto& silo : s.silos) names.push_back(silo.name);
      r_.fail(field, "unknown silo '" + name + "'; " + suggest(name, names));
    }
    return index;
  }

  void read_handoffs(const Field& field, Scenario& s) const {
    expect_list(field, "handoff overrides ({from: a, to: b, pickup: ..., break_prob: ...})");
    std::vector<std::string> seen_at;
    std::map<std::pair<int, int>, std::size_t> seen;  // (from, to) -> override index
    for (std::size_t i = 0; i < field.node.size(); ++i) {
      const Field item = child(field, i, field.node[i]);
      MapReader map(r_, item, "a handoff override (a map with from, to, pickup, break_prob)");
      map.allow({"from", "to", "pickup", "break_prob"});
      HandoffOverride o;
      o.from = read_silo_name(map.required("from"), s);
      const Field to = map.required("to");
      o.to = read_silo_name(to, s);
      if (o.to == o.from)
        r_.fail(to, "a handoff goes between two different silos; from and to are both '" +
                        s.silos[o.to].name + "'");
      const auto [first, fresh] = seen.emplace(std::make_pair(o.from, o.to), i);
      if (!fresh)
        r_.fail(item, "duplicate handoff override " + s.silos[o.from].name + " -> " +
                          s.silos[o.to].name + " (first given at " + seen_at[first->second] + ")");
      const Silo& receiver = s.silos[o.to];
      o.pickup = receiver.pickup;
      o.break_prob = receiver.break_prob;
      if (const auto* e = map.find("pickup")) o.pickup = read_distribution(r_, e->value);
      if (const auto* e = map.find("break_prob")) o.break_prob = r_.probability(e->value);
      s.overrides.push_back(std::move(o));
      seen_at.push_back(item.path);
    }
  }

  Escalation read_escalation(const Field& field) const {
    MapReader map(r_, field, "a map (delay, max_attempts, ladder)");
    map.allow({"delay", "max_attempts", "ladder"});
    Escalation out;
    if (const auto* e = map.find("delay")) out.delay = read_distribution(r_, e->value);
    if (const auto* e = map.find("max_attempts")) out.max_attempts = r_.count(e->value);
    if (const auto* e = map.find("ladder")) out.ladder = read_ladder(e->value);
    return out;
  }

  // Rule 15: the rungs between the programme leader and the sponsor, lowest first.
  std::vector<EscalationRung> read_ladder(const Field& field) const {
    expect_list(field, "rungs ({delay: duration, clout: p, go_up: p})");
    if (field.node.size() > kMaxLadderRungs)
      r_.fail(field, "a ladder of " + std::to_string(field.node.size()) + " rungs; at most " +
                         std::to_string(kMaxLadderRungs) +
                         " are allowed (each rung is a manager between the leader and the "
                         "sponsor)");
    std::vector<EscalationRung> out;
    for (std::size_t i = 0; i < field.node.size(); ++i) {
      const Field item = child(field, i, field.node[i]);
      MapReader map(r_, item, "a rung (a map with delay, clout, go_up)");
      map.allow({"delay", "clout", "go_up"});
      EscalationRung rung;
      if (const auto* e = map.find("delay")) rung.delay = read_distribution(r_, e->value);
      if (const auto* e = map.find("clout")) rung.clout = r_.probability(e->value);
      if (const auto* e = map.find("go_up")) rung.go_up = r_.probability(e->value);
      out.push_back(std::move(rung));
    }
    return out;
  }

  // Rule 16.
  Deferral read_deferral(const Field& field) const {
    MapReader map(r_, field, "a map (prob)");
    map.allow({"prob"});
    Deferral out;
    if (const auto* e = map.find("prob")) out.prob = r_.probability(e->value);
    return out;
  }

  void read_phases(const Field& field, Scenario& s) const {
    expect_list(field, "phases");
    if (field.node.size() == 0) r_.fail(field, "the programme needs at least one phase");
    std::size_t total_steps = 0;
    for (std::size_t i = 0; i < field.node.size(); ++i) {
      const Field item = child(field, i, field.node[i]);
      MapReader map(r_, item, "a phase (a map with name, value, continue_prob, engage, steps)");
      map.allow({"name", "value", "continue_prob", "engage", "deferrable", "steps"});
      Phase phase;
      phase.name = "phase" + std::to_string(i + 1);
      if (const auto* e = map.find("name")) {
        phase.name = r_.string(e->value, "a phase name");
        check_length(e->value.mark, e->value.path, phase.name, "a phase name");
      }
      for (std::size_t j = 0; j < s.phases.size(); ++j)
        if (s.phases[j].name == phase.name)
          r_.fail(
              map.has("name") ? map.find("name")->value : item,
              "duplicate phase name '" + phase.name + "' (also phases." + std::to_string(j) + ")");
      if (const auto* e = map.find("value")) phase.value = r_.nonnegative(e->value, "value");
      if (const auto* e = map.find("continue_prob")) phase.continue_prob = r_.probability(e->value);
      if (const auto* e = map.find("engage")) phase.engage = r_.boolean(e->value);
      if (const auto* e = map.find("deferrable")) {
        phase.deferrable = r_.probability(e->value);
        // Deferring the whole phase would deliver nothing yet still count it delivered.
        if (!(phase.deferrable < 1.0))
          r_.fail(e->value,
                  "must be a share in [0, 1) (the part of the phase that can slip "
                  "into a \"Phase 2\"), got " +
                      format_double(phase.deferrable));
      }
      const Field steps = map.required("steps");
      expect_list(steps, "steps ({silo: name, work: duration})");
      if (steps.node.size() == 0)
        r_.fail(steps, "a phase needs at least one step ({silo: name, work: duration})");
      total_steps += steps.node.size();
      if (total_steps > kMaxSteps)
        r_.fail(steps, "the phases hold more than " + std::to_string(kMaxSteps) +
                           " steps in all (YAML aliases may repeat a list); at most " +
                           std::to_string(kMaxSteps) + " are allowed");
      for (std::size_t k = 0; k < steps.node.size(); ++k) {
        const Field step_field = child(steps, k, steps.node[k]);
        MapReader step_map(r_, step_field, "a step (a map with silo, work)");
        step_map.allow({"silo", "work"});
        Step step;
        step.silo = read_silo_name(step_map.required("silo"), s);
        step.work = read_distribution(r_, step_map.required("work"));
        phase.steps.push_back(std::move(step));
      }
      s.phases.push_back(std::move(phase));
    }
  }

  Patience read_patience(const Field& field) const {
    Patience out;
    if (field.node.IsScalar() && field.node.Scalar() == "none") {
      out.model = PatienceModel::None;
      return out;
    }
    MapReader map(r_, field, "a map (model, review_every, threshold, ...) or 'none'");
    map.allow({"model", "review_every", "threshold", "visible", "vacancy_multiplier", "cancel_prob",
               "grace", "rate"});
    std::string model = "reviews";
    if (const auto* e = map.find("model"))
      model = r_.choice(e->value, {"reviews", "hazard", "none"});
    out.model = model == "hazard" ? PatienceModel::Hazard
                : model == "none" ? PatienceModel::None
                                  : PatienceModel::Reviews;
    if (const auto* e = map.find("review_every")) out.review_every = r_.months_positive(e->value);
    if (const auto* e = map.find("threshold")) {
      out.threshold = read_distribution(r_, e->value);
    } else if (out.model == PatienceModel::Reviews) {
      map.missing("threshold",
                  "model reviews needs the tolerated months without a visible result, e.g. "
                  "threshold: {dist: lognormal, median: 12, sigma: 0.4}");
    }
    if (const auto* e = map.find("visible"))
      out.visible =
          r_.choice(e->value, {"phases", "steps"}) == "steps" ? Visible::Steps : Visible::Phases;
    if (const auto* e = map.find("vacancy_multiplier"))
      out.vacancy_multiplier = r_.positive(e->value, "multiplier");
    if (const auto* e = map.find("cancel_prob")) out.cancel_prob = r_.probability(e->value);
    if (const auto* e = map.find("grace")) out.grace = r_.months_nonnegative(e->value);
    if (const auto* e = map.find("rate")) {
      out.rate = r_.nonnegative(e->value, "cuts per month");
    } else if (out.model == PatienceModel::Hazard) {
      map.missing("rate", "model hazard needs a cut rate per month, e.g. rate: 0.05");
    }
    // Unused settings are dropped so that to_yaml's `{model: none}` reads back identical;
    // `visible` is kept: it also says what re-engages a sponsor (rule 12).
    if (out.model == PatienceModel::None) {
      const Visible visible = out.visible;
      out = Patience{};
      out.model = PatienceModel::None;
      out.visible = visible;
    }
    return out;
  }

  Budget read_budget(const Field& field) const {
    Budget out;
    if (field.node.IsScalar() && field.node.Scalar() == "none") return out;
    MapReader map(r_, field, "a map (every, squeeze_prob, cut_prob) or 'none'");
    map.allow({"every", "squeeze_prob", "cut_prob"});
    out.enabled = true;
    if (const auto* e = map.find("every")) out.every = r_.months_positive(e->value);
    if (const auto* e = map.find("squeeze_prob")) out.squeeze_prob = r_.probability(e->value);
    if (const auto* e = map.find("cut_prob")) out.cut_prob = r_.probability(e->value);
    return out;
  }

  Customers read_customers(const Field& field) const {
    MapReader map(r_, field,
                  "a map (follow_up, follow_up_window, trust_gain, trust_loss, recruitment, "
                  "trust_effect, reengage)");
    map.allow({"follow_up", "follow_up_window", "trust_gain", "trust_loss", "recruitment",
               "trust_effect", "reengage"});
    Customers out;
    if (const auto* e = map.find("follow_up")) out.follow_up = read_distribution(r_, e->value);
    if (const auto* e = map.find("follow_up_window"))
      out.follow_up_window = r_.months_nonnegative(e->value);
    if (const auto* e = map.find("trust_gain")) out.trust_gain = r_.probability(e->value);
    if (const auto* e = map.find("trust_loss")) out.trust_loss = r_.probability(e->value);
    if (const auto* e = map.find("recruitment")) out.recruitment = read_distribution(r_, e->value);
    if (const auto* e = map.find("trust_effect"))
      out.trust_effect = r_.nonnegative(e->value, "factor");
    if (const auto* e = map.find("reengage")) {
      // Rule 17: going back to customers whose follow-up was late.
      MapReader re(r_, e->value, "a map (prob, delay, recovery)");
      re.allow({"prob", "delay", "recovery"});
      if (const auto* f = re.find("prob")) out.reengage.prob = r_.probability(f->value);
      if (const auto* f = re.find("delay")) out.reengage.delay = read_distribution(r_, f->value);
      if (const auto* f = re.find("recovery")) out.reengage.recovery = r_.probability(f->value);
    }
    return out;
  }

  Reader r_;
  mutable std::unordered_map<std::string, int> silo_lookup_;
};

std::string mix_yaml(const LevelMix& mix, const Scenario& s) {
  std::vector<std::string> items;
  for (std::size_t i = 0; i < mix.level.size(); ++i)
    items.push_back(yaml_string(s.levels[static_cast<std::size_t>(mix.level[i])].name) + ": " +
                    format_double(mix.prob[i]));
  return "{" + join(items, ", ") + "}";
}

std::string grid_yaml(const std::vector<double>& grid, double horizon) {
  // A grid that a step reproduces exactly is written as that step.
  if (grid.size() >= 2 && grid[0] == 0.0 && grid[1] > 0.0 && step_grid(grid[1], horizon) == grid)
    return "{step: " + format_double(grid[1]) + "}";
  std::vector<std::string> times;
  for (double t : grid) times.push_back(format_double(t));
  return "[" + join(times, ", ") + "]";
}

}  // namespace

void read_organisation_blocks(const yaml_detail::MapReader& top, const std::string& source,
                              Scenario& s) {
  ScenarioReader(source).read_organisation(top, s);
}

Scenario Scenario::from_yaml(const std::string& text, const std::string& source) {
  return scenario_from_tree(load_yaml(text, source), text, source);
}

Scenario scenario_from_tree(const YAML::Node& root, const std::string& text,
                            const std::string& source) {
  Scenario s;
  try {
    s = ScenarioReader(source).read(root);
  } catch (const YAML::Exception& e) {
    // The reader checks types before converting, so this is a yaml-cpp surprise; it still
    // deserves a position rather than an unexplained crash.
    throw_at_mark(source, e);
  }
  s.source = source;
  s.yaml_text = text;
  s.finalize();
  check_workload(s);
  return s;
}

Scenario Scenario::load(const std::string& path) { return from_yaml(read_text_file(path), path); }

std::string Scenario::to_yaml() const {
  const auto num = format_double;
  const auto dist = distribution_to_yaml;
  std::ostringstream out;
  out << "name: " << yaml_string(name) << "\n";
  out << "description: " << yaml_string(description) << "\n";
  out << "horizon: " << num(horizon) << "\n";
  out << "grid: " << grid_yaml(grid, horizon) << "\n";

  out << "sponsor_levels:\n";
  for (const auto& level : levels) {
    out << "  " << yaml_string(level.name) << ":\n";
    out << "    tenure: " << dist(level.tenure) << "\n";
    out << "    clout: " << num(level.clout) << "\n";
    out << "    approval: " << num(level.approval) << "\n";
    out << "    patience_multiplier: " << num(level.patience_multiplier) << "\n";
    out << "    resource_delay: " << dist(level.resource_delay) << "\n";
    out << "    attention_lapse: " << dist(level.attention_lapse) << "\n";
  }
  out << "sponsor: " << mix_yaml(sponsor, *this) << "\n";
  out << "initial_sponsor: " << (initial_sponsor == InitialSponsor::Fresh ? "fresh" : "residual")
      << "\n";
  out << "succession:\n";
  out << "  vacancy: " << dist(succession.vacancy) << "\n";
  out << "  adoption: " << num(succession.adoption) << "\n";
  out << "  successor_level: "
      << (succession.successor_same ? "same" : mix_yaml(succession.successor, *this)) << "\n";
  out << "scoping: " << dist(scoping) << "\n";
  out << "disengaged: {clout: " << num(disengaged.clout)
      << ", patience: " << num(disengaged.patience) << ", resources: " << num(disengaged.resources)
      << ", approval: " << num(disengaged.approval) << "}\n";
  {
    std::vector<std::string> seats;
    for (int level : co_sponsors)
      seats.push_back(yaml_string(levels[static_cast<std::size_t>(level)].name));
    out << "co_sponsors: [" << join(seats, ", ") << "]\n";
  }

  out << "silos:\n";
  for (const auto& silo : silos)
    out << "  " << yaml_string(silo.name) << ": {pickup: " << dist(silo.pickup)
        << ", break_prob: " << num(silo.break_prob) << "}\n";
  if (overrides.empty()) {
    out << "handoffs: []\n";
  } else {
    out << "handoffs:\n";
    for (const auto& o : overrides)
      out << "  - {from: " << yaml_string(silos[static_cast<std::size_t>(o.from)].name)
          << ", to: " << yaml_string(silos[static_cast<std::size_t>(o.to)].name)
          << ", pickup: " << dist(o.pickup) << ", break_prob: " << num(o.break_prob) << "}\n";
  }
  out << "escalation:\n";
  out << "  delay: " << dist(escalation.delay) << "\n";
  out << "  max_attempts: " << escalation.max_attempts << "\n";
  if (escalation.ladder.empty()) {
    out << "  ladder: []\n";
  } else {
    out << "  ladder:\n";
    for (const auto& rung : escalation.ladder)
      out << "    - {delay: " << dist(rung.delay) << ", clout: " << num(rung.clout)
          << ", go_up: " << num(rung.go_up) << "}\n";
  }

  out << "phases:\n";
  for (const auto& phase : phases) {
    out << "  - name: " << yaml_string(phase.name) << "\n";
    out << "    value: " << num(phase.value) << "\n";
    out << "    continue_prob: " << num(phase.continue_prob) << "\n";
    out << "    engage: " << (phase.engage ? "true" : "false") << "\n";
    out << "    deferrable: " << num(phase.deferrable) << "\n";
    out << "    steps:\n";
    for (const auto& step : phase.steps)
      out << "      - {silo: " << yaml_string(silos[static_cast<std::size_t>(step.silo)].name)
          << ", work: " << dist(step.work) << "}\n";
  }

  {
    // A key the model does not read is left out at its default, so the canonical text raises
    // no lint warning of its own; a value the file set is kept, so it reads back identical.
    const Patience unset;
    std::vector<std::string> keys;
    const auto key = [&](const std::string& name, bool is_default, const std::string& value) {
      if (patience_model_reads(patience.model, name) || !is_default)
        keys.push_back(name + ": " + value);
    };
    key("review_every", patience.review_every == unset.review_every, num(patience.review_every));
    key("threshold", patience.threshold.kind() == DistKind::Never, dist(patience.threshold));
    key("visible", patience.visible == unset.visible,
        patience.visible == Visible::Steps ? "steps" : "phases");
    key("vacancy_multiplier", patience.vacancy_multiplier == unset.vacancy_multiplier,
        num(patience.vacancy_multiplier));
    key("cancel_prob", patience.cancel_prob == unset.cancel_prob, num(patience.cancel_prob));
    key("grace", patience.grace == unset.grace, num(patience.grace));
    key("rate", patience.rate == unset.rate, num(patience.rate));
    if (patience.model == PatienceModel::None) {
      out << "patience: {model: none";
      for (const std::string& k : keys) out << ", " << k;
      out << "}\n";
    } else {
      out << "patience:\n";
      out << "  model: " << (patience.model == PatienceModel::Hazard ? "hazard" : "reviews")
          << "\n";
      for (const std::string& k : keys) out << "  " << k << "\n";
    }
  }
  if (!budget.enabled) {
    out << "budget: none\n";
  } else {
    out << "budget:\n";
    out << "  every: " << num(budget.every) << "\n";
    out << "  squeeze_prob: " << num(budget.squeeze_prob) << "\n";
    out << "  cut_prob: " << num(budget.cut_prob) << "\n";
  }
  out << "customers:\n";
  out << "  follow_up: " << dist(customers.follow_up) << "\n";
  out << "  follow_up_window: " << num(customers.follow_up_window) << "\n";
  out << "  trust_gain: " << num(customers.trust_gain) << "\n";
  out << "  trust_loss: " << num(customers.trust_loss) << "\n";
  out << "  recruitment: " << dist(customers.recruitment) << "\n";
  out << "  trust_effect: " << num(customers.trust_effect) << "\n";
  out << "  reengage: {prob: " << num(customers.reengage.prob)
      << ", delay: " << dist(customers.reengage.delay)
      << ", recovery: " << num(customers.reengage.recovery) << "}\n";
  out << "deferral: {prob: " << num(deferral.prob) << "}\n";
  return out.str();
}

}  // namespace progsurv
