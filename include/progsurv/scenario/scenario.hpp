#pragma once
// The resolved scenario: every mechanism of docs/model.md §2–3 with names turned into indices
// and every default filled in. Parsing lives in scenario_parser.cpp.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "progsurv/model/distribution.hpp"
#include "progsurv/scenario/error.hpp"

namespace progsurv {

inline constexpr double kInfinity = std::numeric_limits<double>::infinity();

struct SponsorLevel {
  std::string name;
  Distribution tenure;               // months in post
  double clout = 0.5;                // P(one escalation succeeds); protects against budget cuts
  double approval = 1.0;             // P(programme approved when proposed at this level)
  double patience_multiplier = 1.0;  // scales the patience threshold (or divides the hazard)
  Distribution resource_delay = Distribution::fixed(0.0);  // wait before each phase
  // Sponsor attention (rule 12): calendar months from arrival or the last visible result
  // until the sponsor disengages while still in post.
  Distribution attention_lapse = Distribution::never();
};

// What a disengaged sponsor (rule 12) still lends: factors on clout, patience, approval
// and on the time a resource wait takes. 1 everywhere means disengagement changes nothing.
struct Disengaged {
  double clout = 1.0;      // in [0, 1]
  double patience = 1.0;   // > 0
  double resources = 1.0;  // >= 1: a resource wait progresses this many times more slowly
  double approval = 1.0;   // in [0, 1]
  bool inert() const {
    return clout == 1.0 && patience == 1.0 && resources == 1.0 && approval == 1.0;
  }
};

struct Silo {
  std::string name;
  Distribution pickup = Distribution::fixed(0.0);  // wait until the receiver starts
  double break_prob = 0.0;                         // P(the handoff breaks)
};

// A from→to pair that replaces both pickup and break_prob of the receiving silo.
struct HandoffOverride {
  int from = -1;
  int to = -1;
  Distribution pickup;
  double break_prob = 0.0;
};

struct Step {
  int silo = -1;
  Distribution work;
};

struct Phase {
  std::string name;
  double value = 1.0;          // banked when the phase is delivered
  double continue_prob = 1.0;  // gate: P(next phase funded); unused for the last phase
  bool engage = false;         // customers give their time at the phase start
  // Scope deferral (rule 16): the share of the phase's remaining work and value pushed into
  // a "Phase 2" that never happens when it defers; in [0, 1).
  double deferrable = 0.0;
  std::vector<Step> steps;
};

// A categorical distribution over sponsor levels (indices into Scenario::levels).
struct LevelMix {
  std::vector<int> level;
  std::vector<double> prob;  // normalised to sum to 1
  int sample(Rng& rng) const { return pick(rng.uniform()); }
  int pick(double u) const;  // the level whose cumulative share first exceeds u
};

enum class InitialSponsor { Residual, Fresh };

struct Succession {
  Distribution vacancy = Distribution::fixed(0.0);  // months the post stays empty
  double adoption = 1.0;                            // P(successor adopts the programme)
  bool successor_same = true;                       // successor at the same level...
  LevelMix successor;                               // ...or drawn from this mix
};

// One rung of the escalation ladder (rule 15) between the programme leader and the sponsor.
struct EscalationRung {
  Distribution delay = Distribution::fixed(0.0);  // progress clock
  double clout = 0.0;                             // P(the rung resolves the break itself)
  double go_up = 0.0;                             // P(a failed rung passes it one rung higher)
};

struct Escalation {
  Distribution delay = Distribution::fixed(0.0);
  int max_attempts = 1;                // all attempts; 0 = a break ends the programme at once
  std::vector<EscalationRung> ladder;  // empty: the leader goes straight to the sponsor
};

// Scope deferral under pressure (rule 16).
struct Deferral {
  double prob = 0.0;  // P(a phase in work defers at a pressure event)
};

// A value set by key path after the scenario was read (Scenario::with_values: `--set`, a
// lever), kept so every output can say what differs from the file.
struct ValueChange {
  std::string path;   // "sponsor", "patience.threshold.median"
  std::string value;  // as given
  std::string was;    // the value before, as flow YAML; "" when the key was not there
};
// `name`, with the changes as a variant label: "baseline [sponsor=director]".
std::string variant_label(const std::string& name, const std::vector<ValueChange>& changes);

enum class PatienceModel { Reviews, Hazard, None };
enum class Visible { Phases, Steps };

struct Patience {
  PatienceModel model = PatienceModel::Reviews;
  double review_every = 3.0;                       // months between reviews
  Distribution threshold = Distribution::never();  // θ: tolerated months without a result
  Visible visible = Visible::Phases;
  double vacancy_multiplier = 1.0;  // multiplier while the post is vacant
  double cancel_prob = 1.0;         // P(overdue programme is cut at a review)
  double grace = 0.0;               // no cut before this many months
  double rate = 0.0;                // hazard model: cuts per month (÷ m)
};

// Whether `model` reads the patience key `key` (docs/scenario-format.md): reviews read every key
// but rate; hazard reads rate, grace and vacancy_multiplier; none reads none. `visible` also
// says what re-engages a sponsor whose attention lapses (rule 12), whatever the model.
// lint() warns about the keys a model does not read; to_yaml() leaves them out at their defaults.
bool patience_model_reads(PatienceModel model, const std::string& key);

struct Budget {
  bool enabled = false;
  double every = 12.0;        // months between budget cycles
  double squeeze_prob = 0.0;  // P(a cycle is a squeeze)
  double cut_prob = 0.0;      // P(cut | squeeze) = cut_prob * (1 - clout)
};

struct Customers {
  Distribution follow_up = Distribution::fixed(0.0);
  double follow_up_window = 3.0;
  double trust_gain = 0.0;
  double trust_loss = 0.0;
  // Customer access (rule 13): recruiting an engage phase's customers takes this long
  // (progress clock), times 1 + trust_effect * (1 - trust).
  Distribution recruitment = Distribution::fixed(0.0);
  double trust_effect = 0.0;
  // Customer re-engagement (rule 17): going back to customers whose follow-up was late.
  struct Reengage {
    double prob = 0.0;                              // P(go back) per late follow-up
    Distribution delay = Distribution::fixed(0.0);  // calendar months until then
    double recovery = 0.0;                          // T <- T + recovery * (1 - T)
  } reengage;
};

struct Scenario {
  std::string name = "scenario";
  std::string description;
  std::string source;  // where it came from (file path or "<string>")

  double horizon = 60.0;     // H, months
  std::vector<double> grid;  // time grid for curves, ascending, 0..H

  std::vector<SponsorLevel> levels;
  LevelMix sponsor;  // initial sponsor level mix
  InitialSponsor initial_sponsor = InitialSponsor::Residual;
  Succession succession;
  // Co-sponsors (rule 14): one seat per entry, each of this level, held from the start.
  std::vector<int> co_sponsors;

  std::vector<Silo> silos;
  std::vector<HandoffOverride> overrides;
  Escalation escalation;

  // Scoping before approval (rule 11): calendar months before the approval decision.
  Distribution scoping = Distribution::fixed(0.0);
  Disengaged disengaged;

  std::vector<Phase> phases;
  Patience patience;
  Budget budget;
  Customers customers;
  Deferral deferral;

  // Derived by finalize(): the overrides sorted by (from, to) for lookup. Sparse, so 20,000
  // silos cost nothing more than their overrides (a dense from x to table would be 4.7 GB).
  std::vector<std::uint64_t> pair_keys;         // from << 32 | to, ascending
  std::vector<std::uint32_t> pair_override;     // index into overrides, for each key
  std::vector<std::uint8_t> receives_override;  // per silo: is it the `to` of an override?

  int level_index(const std::string& name) const;  // -1 when unknown
  int silo_index(const std::string& name) const;
  // Builds the derived tables; call after any edit of the fields above.
  void finalize();
  bool finalized() const { return receives_override.size() == silos.size(); }
  // Whether rule 16's pressure events can happen: a review that may find the programme
  // overdue and spare it, or a budget squeeze (one that does not cut is a pressure event).
  // Without them scope deferral cannot act.
  bool has_pressure_events() const {
    const bool reviews = patience.model == PatienceModel::Reviews &&
                         patience.threshold.kind() != DistKind::Never && patience.cancel_prob < 1.0;
    return reviews || (budget.enabled && budget.squeeze_prob > 0.0);
  }
  // The override of the handoff from -> to, or nullptr when it behaves like silo `to`.
  const HandoffOverride* handoff_override(int from, int to) const {
    if (!receives_override[static_cast<std::size_t>(to)]) return nullptr;
    const std::uint64_t key = pair_key(from, to);
    const auto it = std::lower_bound(pair_keys.begin(), pair_keys.end(), key);
    if (it == pair_keys.end() || *it != key) return nullptr;
    return &overrides[pair_override[static_cast<std::size_t>(it - pair_keys.begin())]];
  }
  const Distribution& pickup(int from, int to) const {
    const HandoffOverride* o = handoff_override(from, to);
    return o ? o->pickup : silos[static_cast<std::size_t>(to)].pickup;
  }
  double break_prob(int from, int to) const {
    const HandoffOverride* o = handoff_override(from, to);
    return o ? o->break_prob : silos[static_cast<std::size_t>(to)].break_prob;
  }
  static std::uint64_t pair_key(int from, int to) {
    return static_cast<std::uint64_t>(static_cast<std::uint32_t>(from)) << 32 |
           static_cast<std::uint32_t>(to);
  }

  // Parse YAML text. `source` names the file in error messages.
  static Scenario from_yaml(const std::string& text, const std::string& source = "<string>");
  static Scenario load(const std::string& path);
  // The scenario with every default filled in, in canonical parameters; parses back to
  // an identical Scenario. A patience key the model does not read (patience_model_reads) is
  // left out while at its default, so the text raises no lint warning its own file did not.
  std::string to_yaml() const;
  // Overrides by key path ("patience.threshold.median", "phases.0.value",
  // "sponsor_levels.vp.clout"); values are YAML scalars or flow text. An unknown path
  // throws ScenarioError naming it. `text`: Omitted leaves the new scenario without a text of
  // its own (yaml_text empty) for one that is only simulated, never written or changed again
  // (a fit's likelihood at a parameter point): emitting the text was over half of the call.
  enum class Text { Emitted, Omitted };
  Scenario with_values(const std::vector<std::pair<std::string, std::string>>& values,
                       Text text = Text::Emitted) const;
  // The single value at a key path (as with_values takes it), as text: from the scenario's
  // text, or from its canonical YAML when the text leaves the key to its default. Throws
  // ScenarioError naming the path when there is no such key or it holds a map or a list.
  std::string value_text(const std::string& path) const;

  std::string yaml_text;  // the text it was parsed from (for with_values)
  // Set by with_values: the text as first read, comments included (with_values re-emits
  // yaml_text without them; the report takes each value's note from here), and every
  // value changed since, in order, one entry per key path.
  std::string original_text;
  std::vector<ValueChange> changes;
  // The name, with the changes as a variant label: "baseline [sponsor=director]".
  std::string label() const;
};

}  // namespace progsurv
