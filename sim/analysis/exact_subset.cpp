// Which scenarios the exact solver handles (docs/model.md, Exact solver): markov_violations()
// lists every entry that makes one non-Markovian, and classify() turns each duration into the
// stages the chain holds.
#include <algorithm>
#include <cmath>
#include <sstream>

#include "analysis/exact_chain.hpp"
#include "progsurv/analysis/exact.hpp"

namespace progsurv {

namespace exact_detail {

std::string number(double x) {
  std::ostringstream os;
  os.precision(10);
  os << x;
  return os.str();
}

bool classify(const Distribution& d, Stages& out, std::string& why) {
  out = Stages{};
  auto timed = [&](int k, double scale) {
    if (!(scale > 0.0)) {
      out.kind = Stages::Kind::Instant;
    } else if (std::isinf(scale)) {
      out.kind = Stages::Kind::Never;
    } else {
      out.kind = Stages::Kind::Timed;
      out.k = k;
      out.rate = 1.0 / scale;
    }
    return true;
  };
  switch (d.kind()) {
    case DistKind::Never:
      out.kind = Stages::Kind::Never;
      return true;
    case DistKind::Fixed:
      if (d.a() == 0.0) return true;  // instantaneous
      why = "fixed " + number(d.a()) +
            " is not exponential (only fixed 0, an instantaneous step, is allowed)";
      return false;
    case DistKind::Exponential:
      return timed(1, d.a());
    case DistKind::Weibull:
      // Weibull with shape 1 is the exponential with mean = scale.
      if (d.a() == 1.0) return timed(1, d.b());
      why = "weibull with shape " + number(d.a()) + " is not exponential (shape 1 is)";
      return false;
    case DistKind::Gamma:
      if (d.is_erlang()) {
        if (d.a() > kMaxStages) {
          why = "gamma with shape " + number(d.a()) + " has more Erlang stages than the " +
                std::to_string(kMaxStages) + " the exact solver expands";
          return false;
        }
        return timed(static_cast<int>(d.a()), d.b());
      }
      why = "gamma with shape " + number(d.a()) + " is not Erlang (an integer shape is)";
      return false;
    default:
      why = std::string(to_string(d.kind())) + " is not exponential";
      return false;
  }
}

}  // namespace exact_detail

using exact_detail::classify;
using exact_detail::kMaxSeats;
using exact_detail::Stages;

namespace {

std::string violations_message(const std::vector<std::string>& entries) {
  std::string m =
      "outside the Markov subset the exact solver handles ('Exact solver' in docs/model.md: "
      "exponential or Erlang durations, patience model: hazard, no budget cycle):";
  for (const auto& e : entries) m += "\n  - " + e;
  return m;
}

// Which levels can hold a seat: proposers that can get approval, the lead's successors when
// the lead can leave and be succeeded from the mix, and the co-sponsors' levels (rule 14;
// their successors keep the seat's level) once a programme can start.
std::vector<bool> reachable_levels(const Scenario& s) {
  std::vector<bool> reach(s.levels.size(), false);
  auto valid = [&](int l) { return l >= 0 && static_cast<std::size_t>(l) < s.levels.size(); };
  for (std::size_t i = 0; i < s.sponsor.level.size() && i < s.sponsor.prob.size(); ++i) {
    const int l = s.sponsor.level[i];
    if (valid(l) && s.sponsor.prob[i] > 0.0 && s.levels[static_cast<std::size_t>(l)].approval > 0.0)
      reach[static_cast<std::size_t>(l)] = true;
  }
  bool exits = false;
  for (std::size_t l = 0; l < s.levels.size(); ++l)
    if (reach[l] && s.levels[l].tenure.kind() != DistKind::Never) exits = true;
  if (exits && !s.succession.successor_same && s.succession.adoption > 0.0) {
    const LevelMix& mix = s.succession.successor;
    for (std::size_t i = 0; i < mix.level.size() && i < mix.prob.size(); ++i)
      if (valid(mix.level[i]) && mix.prob[i] > 0.0)
        reach[static_cast<std::size_t>(mix.level[i])] = true;
  }
  if (std::find(reach.begin(), reach.end(), true) != reach.end())
    for (const int l : s.co_sponsors)
      if (valid(l)) reach[static_cast<std::size_t>(l)] = true;
  return reach;
}

// The key path of the pickup a from→to handoff uses: its override, or the receiving silo.
std::string pickup_key(const Scenario& s, int from, int to) {
  for (std::size_t i = 0; i < s.overrides.size(); ++i)
    if (s.overrides[i].from == from && s.overrides[i].to == to)
      return "handoffs." + std::to_string(i) + ".pickup";
  return "silos." + s.silos[static_cast<std::size_t>(to)].name + ".pickup";
}

}  // namespace

NotMarkovianError::NotMarkovianError(const std::string& file, std::vector<std::string> entries)
    : ScenarioError(file, 0, 0, "", violations_message(entries)), entries_(std::move(entries)) {}

std::vector<std::string> markov_violations(const Scenario& s) {
  std::vector<std::string> out;
  auto add = [&](const std::string& e) {
    if (std::find(out.begin(), out.end(), e) == out.end()) out.push_back(e);
  };
  auto check = [&](const std::string& key, const Distribution& d, bool instant_ok = true) {
    Stages st;
    std::string why;
    if (!classify(d, st, why)) {
      add(key + ": " + why);
    } else if (!instant_ok && st.kind == Stages::Kind::Instant) {
      add(key + ": a tenure of 0 months would make sponsors leave in an endless loop");
    }
  };

  // Shape problems the chain cannot even be built around (the parser refuses them too).
  if (s.levels.empty()) add("sponsor_levels: no sponsor level");
  if (s.phases.empty()) add("phases: no phase");
  for (std::size_t i = 0; i < s.phases.size(); ++i)
    if (s.phases[i].steps.empty()) add("phases." + std::to_string(i) + ".steps: no step");
  if (!s.finalized()) add("silos: the handoff tables are not built (call Scenario::finalize())");
  for (std::size_t i = 0; i < s.co_sponsors.size(); ++i)
    if (s.co_sponsors[i] < 0 || static_cast<std::size_t>(s.co_sponsors[i]) >= s.levels.size())
      add("co_sponsors." + std::to_string(i) + ": no such sponsor level");
  if (!out.empty()) return out;
  // Rule 14: every seat's state is in the chain and multiplies its states.
  if (s.co_sponsors.size() + 1 > static_cast<std::size_t>(kMaxSeats))
    add("co_sponsors: " + std::to_string(s.co_sponsors.size()) +
        " co-sponsors; the exact solver's chain holds at most " + std::to_string(kMaxSeats - 1) +
        " (each seat multiplies its states)");

  const std::vector<bool> reach = reachable_levels(s);
  bool exits = false;
  for (std::size_t l = 0; l < s.levels.size(); ++l) {
    if (!reach[l]) continue;
    const std::string base = "sponsor_levels." + s.levels[l].name + ".";
    check(base + "tenure", s.levels[l].tenure, false);
    check(base + "resource_delay", s.levels[l].resource_delay);
    if (s.levels[l].tenure.kind() != DistKind::Never) exits = true;
  }
  if (exits) check("succession.vacancy", s.succession.vacancy);

  bool escalations = false;
  for (std::size_t i = 0; i < s.phases.size(); ++i) {
    const auto& steps = s.phases[i].steps;
    for (std::size_t j = 0; j < steps.size(); ++j) {
      const std::string key = "phases." + std::to_string(i) + ".steps." + std::to_string(j);
      if (steps[j].silo < 0 || static_cast<std::size_t>(steps[j].silo) >= s.silos.size()) {
        add(key + ".silo: no such silo");
        continue;
      }
      check(key + ".work", steps[j].work);
      if (j == 0) continue;
      const int from = steps[j - 1].silo, to = steps[j].silo;
      if (from == to || from < 0 || static_cast<std::size_t>(from) >= s.silos.size()) continue;
      check(pickup_key(s, from, to), s.pickup(from, to));
      if (s.break_prob(from, to) > 0.0 && s.escalation.max_attempts > 0) escalations = true;
    }
  }
  // Rule 15: an attempt climbs the ladder's rungs while each fails and goes up; the
  // sponsor's delay is checked only when an attempt can get past the last rung.
  bool climbs = escalations;
  const auto& ladder = s.escalation.ladder;
  for (std::size_t i = 0; i < ladder.size() && climbs; ++i) {
    check("escalation.ladder." + std::to_string(i) + ".delay", ladder[i].delay);
    climbs = ladder[i].clout < 1.0 && ladder[i].go_up > 0.0;
  }
  if (climbs) check("escalation.delay", s.escalation.delay);

  const Patience& pat = s.patience;
  if (pat.model == PatienceModel::Reviews && pat.threshold.kind() != DistKind::Never &&
      pat.cancel_prob > 0.0)
    add("patience.model: reviews (use model: hazard)");
  if (s.budget.enabled && s.budget.squeeze_prob > 0.0 && s.budget.cut_prob > 0.0)
    add("budget: squeeze cycles are not Markovian (use budget: none or squeeze_prob: 0)");
  // Rule 11: scoping is an activity of the chain; the hazard's grace would count from a
  // random start, which the chain cannot time.
  Stages scoping;
  std::string why;
  if (!classify(s.scoping, scoping, why)) add("scoping: " + why);
  if (scoping.kind == Stages::Kind::Timed && pat.model == PatienceModel::Hazard && pat.rate > 0.0 &&
      pat.grace > 0.0)
    add("patience.grace: a grace counted from the start of a scoped programme (a random "
        "time) is not Markovian (use grace: 0 or scoping: 0)");
  // Rule 12: the engaged flag is in the state, so the lapse must be memoryless (it is
  // redrawn at every visible result).
  for (std::size_t l = 0; l < s.levels.size(); ++l) {
    if (!reach[l]) continue;
    Stages lapse;
    const std::string key = "sponsor_levels." + s.levels[l].name + ".attention_lapse";
    const Distribution& lapse_dist = s.levels[l].attention_lapse;
    if (!classify(lapse_dist, lapse, why)) {
      // The parser refuses a fixed-0 lapse, so the generic "only fixed 0 is allowed" is wrong.
      add(key + ": " +
          (lapse_dist.kind() == DistKind::Fixed
               ? "fixed " + exact_detail::number(lapse_dist.a()) +
                     " is not exponential (use an exponential lapse or never)"
               : why));
    } else if (lapse.kind == Stages::Kind::Instant) {
      add(key + ": a lapse of 0 months is not exponential (use an exponential or never)");
    } else if (lapse.kind == Stages::Kind::Timed && lapse.k > 1) {
      add(key +
          ": an Erlang lapse restarts at every visible result; only an exponential "
          "lapse is in the chain");
    }
  }
  // Rule 13: recruitment is an activity; its length may not depend on customer trust,
  // which the chain does not carry.
  bool engage = false;
  for (const auto& ph : s.phases) engage = engage || ph.engage;
  if (engage) {
    Stages recruit;
    if (!classify(s.customers.recruitment, recruit, why)) {
      add("customers.recruitment: " + why);
    } else if (recruit.kind == Stages::Kind::Timed && s.customers.trust_effect != 0.0) {
      add("customers.trust_effect: recruitment that depends on customer trust is not "
          "Markovian (trust is not in the chain; use trust_effect: 0)");
      // Rule 17 changes only trust: outside the chain, and harmless unless recruitment
      // reads trust.
      const Customers::Reengage& re = s.customers.reengage;
      if (re.prob > 0.0 && re.recovery > 0.0)
        add("customers.reengage: re-engagement raises customer trust, which recruitment "
            "with trust_effect other than 0 reads (trust is not in the chain; use "
            "trust_effect: 0 or reengage.prob: 0)");
    }
  }
  // Rule 16: a phase defers at pressure events (overdue-but-spared reviews, survived
  // squeezes), which need the review or budget calendar the chain has not. Without any
  // pressure event deferral cannot act, and the chain is exact with it.
  if (s.deferral.prob > 0.0 && s.has_pressure_events() &&
      std::any_of(s.phases.begin(), s.phases.end(),
                  [](const Phase& ph) { return ph.deferrable > 0.0; }))
    add("deferral.prob: scope deferral happens at reviews and budget squeezes, which are not "
        "Markovian (use deferral.prob: 0)");
  return out;
}

}  // namespace progsurv
