// The exact solver: builds the continuous-time Markov chain of one programme (docs/model.md, Exact
// solver) and computes its occupancy p(t) = p(0) exp(Q t). See docs/validation.md for the state
// space and the error bounds.
#include "progsurv/analysis/exact.hpp"

#include <Eigen/Dense>
#include <Eigen/Sparse>
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <map>
#include <sstream>
#include <tuple>
#include <unsupported/Eigen/MatrixFunctions>

namespace progsurv {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// Erlang stages above this would blow up the chain for little gain; such a scenario is
// refused (a Monte Carlo run handles it).
constexpr int kMaxStages = 100;
constexpr std::size_t kMaxStates = 2000000;
// Uniformization sub-steps keep Λ·δ at most this, so e^{-Λδ} never underflows and the
// Poisson weights follow from a plain recurrence.
constexpr double kMaxPoissonMean = 30.0;

std::string number(double x) {
  std::ostringstream os;
  os.precision(10);
  os << x;
  return os.str();
}

std::string violations_message(const std::vector<std::string>& entries) {
  std::string m =
      "outside the Markov subset the exact solver handles ('Exact solver' in docs/model.md: "
      "exponential or Erlang durations, patience model: hazard, no budget cycle):";
  for (const auto& e : entries) m += "\n  - " + e;
  return m;
}

// A duration as the chain holds it: instantaneous, k exponential stages of one rate, or
// an event that never happens.
struct Stages {
  enum class Kind { Instant, Timed, Never };
  Kind kind = Kind::Instant;
  int k = 1;
  double rate = 0.0;
};

// The stages of `d`, or false with the reason it has none.
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

// Which levels can hold the post: proposers that can get approval, and successors when
// someone can leave and be succeeded from the mix.
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
  if (!out.empty()) return out;

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
  if (escalations) check("escalation.delay", s.escalation.delay);

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
    if (!classify(s.levels[l].attention_lapse, lapse, why)) {
      add(key + ": " + why);
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
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// The chain.

namespace {

enum Act : std::int32_t {
  kResources = 0,
  kWork = 1,
  kPickup = 2,
  kEscalation = 3,
  kScoping = 4,     // rule 11: before approval
  kRecruiting = 5,  // rule 13: an engage phase's customers, after its resource wait
};

// Counts kept as rewards (expected increments per transition).
enum CountIndex {
  kSponsorChanges = 0,
  kHandoffs,
  kBreaks,
  kEscalations,
  kDisengagements,
  kCountKinds
};
constexpr std::array<Quantity, kCountKinds> kCountQuantity = {
    Quantity::SponsorChanges, Quantity::Handoffs, Quantity::Breaks, Quantity::Escalations,
    Quantity::Disengagements};
// Reward columns: the time buckets (occupancy), the counts (rates), then the occupancy of
// not_started, which takes the scoping months of proposals that die out of the means.
constexpr int kNotStartedColumn = kTimeBucketCount + kCountKinds;
constexpr int kRewardColumns = kNotStartedColumn + 1;

// A transient state. act_level is the level the resource wait was drawn under (it keeps
// its rate when a successor of another level arrives); -1 for other activities. engaged is
// the sponsor's attention (rule 12); a vacancy holds 1 (its successor arrives engaged).
struct Key {
  std::int32_t phase = 0, step = 0, act = kResources, act_level = -1, stage = 0, attempt = 0,
               level = 0, vacant = 0, sp_stage = 0, engaged = 1;
  auto tie() const {
    return std::tie(phase, step, act, act_level, stage, attempt, level, vacant, sp_stage, engaged);
  }
  bool operator<(const Key& o) const { return tie() < o.tie(); }
};

// Where one timed transition (or the start) leads after its instantaneous branchings:
// targets with probabilities and the expected count increments on the way.
// Target >= 0: transient state; < 0: absorbing state -(target + 1).
struct Branches {
  std::vector<std::pair<int, double>> to;
  std::array<double, kCountKinds> counts{};
  void add(int target, double w) {
    for (auto& e : to)
      if (e.first == target) {
        e.second += w;
        return;
      }
    to.emplace_back(target, w);
  }
};

struct Transition {
  int from;
  double rate;
  Branches branches;
};

class Builder {
 public:
  explicit Builder(const Scenario& s) : s_(s), phase_count_(static_cast<int>(s.phases.size())) {
    std::string why;
    for (const auto& lv : s.levels) {
      Stages t, r;
      classify(lv.tenure, t, why);
      classify(lv.resource_delay, r, why);
      tenure_.push_back(t);
      resource_.push_back(r);
    }
    for (const auto& lv : s.levels) {
      Stages a;
      classify(lv.attention_lapse, a, why);
      lapse_.push_back(a);
    }
    classify(s.succession.vacancy, vacancy_, why);
    classify(s.escalation.delay, escalation_, why);
    classify(s.scoping, scoping_, why);
    classify(s.customers.recruitment, recruitment_, why);
    for (const auto& ph : s.phases) {
      std::vector<Stages> w(ph.steps.size()), p(ph.steps.size());
      for (std::size_t j = 0; j < ph.steps.size(); ++j) {
        classify(ph.steps[j].work, w[j], why);
        if (j > 0) classify(s.pickup(ph.steps[j - 1].silo, ph.steps[j].silo), p[j], why);
      }
      work_.push_back(std::move(w));
      pickup_.push_back(std::move(p));
    }
  }

  int absorbing_count() const { return kEndCategoryCount * (phase_count_ + 1); }
  static int absorbing_index(EndCategory c, int delivered, int phase_count) {
    return static_cast<int>(c) * (phase_count + 1) + delivered;
  }

  Branches initial() {
    Branches b;
    const LevelMix& mix = s_.sponsor;
    for (std::size_t i = 0; i < mix.level.size(); ++i) {
      const double p = mix.prob[i];
      if (!(p > 0.0)) continue;
      // The initial sponsor is in post from t = 0, engaged, while the proposal is scoped.
      Key k;
      k.level = mix.level[i];
      k.act = kScoping;
      const Stages& t = tenure_[static_cast<std::size_t>(k.level)];
      if (t.kind == Stages::Kind::Timed && s_.initial_sponsor == InitialSponsor::Residual) {
        // The equilibrium residual of Erlang-k is an equal mixture of Erlang-1..k: the
        // sponsor is in each of the k stages with the same probability.
        for (int u = 0; u < t.k; ++u) {
          k.sp_stage = u;
          enter(k, p / t.k, b);
        }
      } else {
        enter(k, p, b);
      }
    }
    return b;
  }

  // Breadth-first from the start: every state and its timed transitions.
  void build() {
    init_ = initial();
    for (std::size_t x = 0; x < keys_.size(); ++x) {
      if (keys_.size() > kMaxStates)
        throw ScenarioError(s_.source, 0, 0, "",
                            "the exact solver's chain has more than " + std::to_string(kMaxStates) +
                                " states; use a Monte Carlo run");
      const Key k = keys_[x];
      const int xi = static_cast<int>(x);
      if (!k.vacant) {
        const Stages& d = duration(k);
        if (d.kind == Stages::Kind::Timed) {
          Branches b;
          if (k.stage + 1 < d.k) {
            Key n = k;
            ++n.stage;
            b.add(state(n), 1.0);
          } else {
            complete(k, 1.0, b);
          }
          // A disengaged sponsor's resource wait runs `resources` times more slowly.
          const double slow = k.act == kResources && !k.engaged ? s_.disengaged.resources : 1.0;
          transitions_.push_back({xi, d.rate / slow, std::move(b)});
        }
        const Stages& a = lapse_[static_cast<std::size_t>(k.level)];
        if (k.engaged && a.kind == Stages::Kind::Timed) {
          Branches b;
          Key n = k;
          n.engaged = 0;
          // A lapse while scoping is counted only if the proposal is approved (see
          // complete()): the means are over started programmes.
          if (k.act != kScoping) b.counts[kDisengagements] += 1.0;
          b.add(state(n), 1.0);
          transitions_.push_back({xi, a.rate, std::move(b)});
        }
        const Stages& t = tenure_[static_cast<std::size_t>(k.level)];
        if (t.kind == Stages::Kind::Timed) {
          Branches b;
          if (k.sp_stage + 1 < t.k) {
            Key n = k;
            ++n.sp_stage;
            b.add(state(n), 1.0);
          } else {
            sponsor_exit(k, 1.0, b);
          }
          transitions_.push_back({xi, t.rate, std::move(b)});
        }
      } else if (vacancy_.kind == Stages::Kind::Timed) {
        Branches b;
        if (k.sp_stage + 1 < vacancy_.k) {
          Key n = k;
          ++n.sp_stage;
          b.add(state(n), 1.0);
        } else {
          vacancy_end(k, 1.0, b);
        }
        transitions_.push_back({xi, vacancy_.rate, std::move(b)});
      }
    }
  }

  const std::vector<Key>& keys() const { return keys_; }
  const std::vector<Transition>& transitions() const { return transitions_; }
  const Branches& init() const { return init_; }

 private:
  int absorbing(EndCategory c, int delivered) const {
    return -(absorbing_index(c, delivered, phase_count_) + 1);
  }
  int state(const Key& k) {
    const auto [it, inserted] = index_.emplace(k, static_cast<int>(keys_.size()));
    if (inserted) keys_.push_back(k);
    return it->second;
  }
  const Phase& phase(const Key& k) const { return s_.phases[static_cast<std::size_t>(k.phase)]; }
  int silo(const Key& k, int step) const {
    return phase(k).steps[static_cast<std::size_t>(step)].silo;
  }

  const Stages& duration(const Key& k) const {
    switch (k.act) {
      case kResources:
        return resource_[static_cast<std::size_t>(k.act_level)];
      case kWork:
        return work_[static_cast<std::size_t>(k.phase)][static_cast<std::size_t>(k.step)];
      case kPickup:
        return pickup_[static_cast<std::size_t>(k.phase)][static_cast<std::size_t>(k.step)];
      case kScoping:
        return scoping_;
      case kRecruiting:
        return recruitment_;
      default:
        return escalation_;
    }
  }

  // Starts the activity in k (its first stage), or completes it at once when it takes no
  // time.
  void enter(Key k, double w, Branches& b) {
    k.stage = 0;
    if (duration(k).kind == Stages::Kind::Instant) {
      complete(k, w, b);
    } else {
      b.add(state(k), w);
    }
  }
  void start_phase(Key k, double w, Branches& b) {
    k.step = 0;
    k.act = kResources;
    k.act_level = k.level;  // drawn under the level in post now
    k.attempt = 0;
    enter(k, w, b);
  }
  void start_work(Key k, double w, Branches& b) {
    k.act = kWork;
    k.act_level = -1;
    k.attempt = 0;
    enter(k, w, b);
  }
  void start_escalation(Key k, int attempt, double w, Branches& b) {
    b.counts[kEscalations] += w;
    k.act = kEscalation;
    k.act_level = -1;
    k.attempt = attempt;
    enter(k, w, b);
  }

  // The current activity of k ends (sponsor in post): docs/model.md, One replication, rules 5
  // and 6.
  void complete(Key k, double w, Branches& b) {
    const auto& steps = phase(k).steps;
    switch (k.act) {
      case kScoping: {
        // Rule 11: approval at the end of scoping, under the sponsor's attention then.
        double approval = s_.levels[static_cast<std::size_t>(k.level)].approval;
        if (!k.engaged) approval *= s_.disengaged.approval;
        if (approval < 1.0) b.add(absorbing(EndCategory::NotStarted, 0), w * (1.0 - approval));
        if (!(approval > 0.0)) return;
        // The lapse during scoping of a programme that starts is now counted.
        if (!k.engaged) b.counts[kDisengagements] += w * approval;
        start_phase(k, w * approval, b);
        return;
      }
      case kResources:
        if (phase(k).engage) {
          k.act = kRecruiting;
          k.act_level = -1;
          enter(k, w, b);
        } else {
          start_work(k, w, b);
        }
        return;
      case kRecruiting:
        start_work(k, w, b);
        return;
      case kWork: {
        if (static_cast<std::size_t>(k.step) + 1 < steps.size()) {
          // A step completion is a visible result when steps are visible: re-engages.
          if (s_.patience.visible == Visible::Steps) k.engaged = 1;
          const int from = silo(k, k.step);
          ++k.step;
          const int to = silo(k, k.step);
          if (from == to) {
            start_work(k, w, b);
          } else {
            b.counts[kHandoffs] += w;
            k.act = kPickup;
            k.act_level = -1;
            k.attempt = 0;
            enter(k, w, b);
          }
          return;
        }
        const int delivered = k.phase + 1;
        if (delivered == phase_count_) {
          b.add(absorbing(EndCategory::Completed, delivered), w);
          return;
        }
        const double go = phase(k).continue_prob;
        if (go < 1.0) b.add(absorbing(EndCategory::PhaseGate, delivered), w * (1.0 - go));
        if (go > 0.0) {
          k.engaged = 1;  // a delivered phase is a visible result
          ++k.phase;
          start_phase(k, w * go, b);
        }
        return;
      }
      case kPickup: {
        const double brk = s_.break_prob(silo(k, k.step - 1), silo(k, k.step));
        if (brk < 1.0) start_work(k, w * (1.0 - brk), b);
        if (brk > 0.0) {
          b.counts[kBreaks] += w * brk;
          if (s_.escalation.max_attempts == 0) {
            b.add(absorbing(EndCategory::HandoffFailure, k.phase), w * brk);
          } else {
            start_escalation(k, 1, w * brk, b);
          }
        }
        return;
      }
      default: {
        // Success uses the clout of whoever is in post when the delay ends, as attentive
        // as they are then.
        double clout = s_.levels[static_cast<std::size_t>(k.level)].clout;
        if (!k.engaged) clout *= s_.disengaged.clout;
        if (clout > 0.0) start_work(k, w * clout, b);
        if (clout < 1.0) {
          if (k.attempt < s_.escalation.max_attempts) {
            start_escalation(k, k.attempt + 1, w * (1.0 - clout), b);
          } else {
            b.add(absorbing(EndCategory::HandoffFailure, k.phase), w * (1.0 - clout));
          }
        }
        return;
      }
    }
  }

  void sponsor_exit(Key k, double w, Branches& b) {
    // Rule 11: an exit while scoping kills the proposal; it is not a sponsor change.
    if (k.act == kScoping) {
      b.add(absorbing(EndCategory::NotStarted, 0), w);
      return;
    }
    b.counts[kSponsorChanges] += w;
    k.vacant = 1;
    k.engaged = 1;  // the vacancy ends the sponsor's attention
    k.sp_stage = 0;
    if (vacancy_.kind == Stages::Kind::Instant) {
      vacancy_end(k, w, b);
    } else {
      b.add(state(k), w);
    }
  }

  void vacancy_end(Key k, double w, Branches& b) {
    const Succession& su = s_.succession;
    if (su.adoption < 1.0)
      b.add(absorbing(EndCategory::SponsorExit, k.phase), w * (1.0 - su.adoption));
    if (!(su.adoption > 0.0)) return;
    k.vacant = 0;
    k.sp_stage = 0;  // a successor serves a full tenure
    if (su.successor_same) {
      b.add(state(k), w * su.adoption);
      return;
    }
    for (std::size_t i = 0; i < su.successor.level.size(); ++i) {
      const double p = su.successor.prob[i];
      if (!(p > 0.0)) continue;
      k.level = su.successor.level[i];
      b.add(state(k), w * su.adoption * p);
    }
  }

  const Scenario& s_;
  const int phase_count_;
  std::vector<Stages> tenure_, resource_, lapse_;
  Stages vacancy_, escalation_, scoping_, recruitment_;
  std::vector<std::vector<Stages>> work_, pickup_;  // pickup_[i][j]: handoff into step j

  std::map<Key, int> index_;
  std::vector<Key> keys_;
  std::vector<Transition> transitions_;
  Branches init_;
};

using SparseQ = Eigen::SparseMatrix<double, Eigen::ColMajor>;
using Row = Eigen::RowVectorXd;

}  // namespace

// The chain in matrix form. States 0..n-1 are transient, n..N-1 absorbing.
struct ExactModel::Chain {
  std::size_t n = 0, absorbing = 0, total = 0;
  int phase_count = 0;
  SparseQ q_before, q_after;  // generator before `grace` and from it on (with the hazard)
  double lambda_before = 0.0, lambda_after = 0.0;
  bool hazard = false;
  double grace = 0.0;
  Eigen::MatrixXd reward;  // total × kRewardColumns
  Row p0;
  std::array<double, kCountKinds> initial_counts{};
  std::vector<int> phase_of;  // transient state → phase index (= phases delivered)
  // Transient states scoping under a disengaged sponsor: their lapse counts if running at H.
  std::vector<bool> scoping_state;
  bool scoped = false;  // some scoping takes time: proposals can die after t = 0

  // Dense exp([[QΔ, RΔ], [0, 0]]) per (Δ, generator), reused across equal grid steps.
  struct DenseStep {
    double dt;
    bool after;
    Eigen::MatrixXd transition, integral;  // exp(QΔ) and ∫_0^Δ exp(Qs) ds R
  };
  mutable std::vector<DenseStep> dense_cache;

  // P(category k by t) from the occupancy at t: running is the transient mass. Clamped to
  // [0, 1] against rounding (a dense exponential may leave -1e-17 in an empty state).
  double category(const Row& p, int k) const {
    const auto nn = static_cast<Eigen::Index>(n);
    const int per = phase_count + 1;
    const double x = k == static_cast<int>(EndCategory::Running)
                         ? p.head(nn).sum()
                         : p.segment(nn + k * per, per).sum();
    return std::clamp(x, 0.0, 1.0);
  }

  const SparseQ& generator(bool after) const { return after ? q_after : q_before; }
  double lambda(bool after) const { return after ? lambda_after : lambda_before; }

  const DenseStep& dense_step(double dt, bool after) const {
    for (const auto& d : dense_cache)
      if (d.after == after && std::abs(d.dt - dt) <= 1e-14 * std::max(1.0, dt)) return d;
    const Eigen::Index N = static_cast<Eigen::Index>(total);
    const Eigen::Index m = kRewardColumns;
    Eigen::MatrixXd a = Eigen::MatrixXd::Zero(N + m, N + m);
    a.topLeftCorner(N, N) = Eigen::MatrixXd(generator(after)) * dt;
    a.topRightCorner(N, m) = reward * dt;
    const Eigen::MatrixXd e = a.exp();
    dense_cache.push_back({dt, after, e.topLeftCorner(N, N), e.topRightCorner(N, m)});
    return dense_cache.back();
  }

  // Advances p by dt under one generator; adds ∫ p R over the step to *integral.
  // Returns the bound on the l1 error added (uniformization truncation).
  double step(Row& p, double dt, bool after, bool dense, double truncation,
              Eigen::RowVectorXd* integral) const {
    if (!(dt > 0.0)) return 0.0;
    if (dense) {
      const DenseStep& d = dense_step(dt, after);
      if (integral) *integral += p * d.integral;
      p = p * d.transition;
      return 0.0;
    }
    const double lam = lambda(after);
    if (!(lam > 0.0)) {
      if (integral) *integral += p * reward * dt;
      return 0.0;
    }
    const SparseQ& q = generator(after);
    const int substeps = static_cast<int>(std::ceil(lam * dt / kMaxPoissonMean));
    const double delta = dt / substeps;
    const double x = lam * delta;
    double bound = 0.0;
    Row v(p.size()), next(p.size()), occupancy(p.size());
    for (int s = 0; s < substeps; ++s) {
      // p(δ) = Σ_k Poisson(k; x) p P^k with P = I + Q/Λ, and
      // ∫_0^δ p = (1/Λ) Σ_k P(N > k) p P^k, N ~ Poisson(x).
      v = p;
      double weight = std::exp(-x), cumulative = weight;
      Row out = weight * v;
      occupancy = (1.0 - cumulative) / lam * v;
      for (int k = 0;; ++k) {
        const double tail = 1.0 - cumulative;
        // The cap only matters for a truncation below rounding (cumulative never gets
        // that close to 1): the mass left out is still counted in the bound.
        if ((k >= x && tail <= truncation) || k > x + 40.0 * std::sqrt(x) + 100.0) {
          bound += std::max(tail, 0.0);
          break;
        }
        next = v * q;
        v += next / lam;
        weight *= x / (k + 1);
        cumulative += weight;
        out += weight * v;
        if (integral) occupancy += std::max(1.0 - cumulative, 0.0) / lam * v;
      }
      if (integral) *integral += occupancy * reward;
      p = out;
    }
    return bound;
  }

  // Walks the occupancy through ascending times, calling visit(i, p) at times[i]; the
  // generator switches at `grace` when the hazard is on. Adds ∫ p R to *integral and
  // returns the error bound of the walk.
  template <class Visit>
  double walk(const std::vector<double>& times, bool dense, double truncation, Visit visit,
              Eigen::RowVectorXd* integral) const {
    Row p = p0;
    double t = 0.0, bound = 0.0;
    for (std::size_t i = 0; i < times.size(); ++i) {
      bound += advance(p, t, times[i], dense, truncation, integral);
      t = std::max(t, times[i]);
      visit(i, p);
    }
    return bound;
  }

  // Advances p from calendar time `from` to `to`, splitting the step at `grace`.
  double advance(Row& p, double from, double to, bool dense, double truncation,
                 Eigen::RowVectorXd* integral) const {
    double bound = 0.0;
    if (hazard && from < grace && grace < to) {
      bound += step(p, grace - from, false, dense, truncation, integral);
      from = grace;
    }
    return bound + step(p, to - from, hazard && from >= grace, dense, truncation, integral);
  }
};

ExactModel::ExactModel(const Scenario& scenario, const ExactOptions& options)
    : scenario_(scenario), options_(options) {
  const std::vector<std::string> problems = markov_violations(scenario);
  if (!problems.empty()) throw NotMarkovianError(scenario.source, problems);

  Builder builder(scenario);
  builder.build();
  const auto& keys = builder.keys();

  chain_ = std::make_unique<Chain>();
  Chain& c = *chain_;
  c.n = keys.size();
  c.absorbing = static_cast<std::size_t>(builder.absorbing_count());
  c.total = c.n + c.absorbing;
  c.phase_count = static_cast<int>(scenario.phases.size());
  const auto n = static_cast<int>(c.n);
  auto column = [n](int target) { return target >= 0 ? target : n + (-target - 1); };

  c.p0 = Row::Zero(static_cast<Eigen::Index>(c.total));
  for (const auto& [target, w] : builder.init().to) c.p0[column(target)] += w;
  c.initial_counts = builder.init().counts;

  c.reward = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(c.total), kRewardColumns);
  c.phase_of.resize(c.n);
  std::vector<Eigen::Triplet<double>> triplets;
  std::vector<double> diagonal(c.total, 0.0);
  for (std::size_t x = 0; x < c.n; ++x) {
    const Key& k = keys[x];
    c.phase_of[x] = k.phase;
    TimeBucket bucket = TimeBucket::Vacant;
    if (!k.vacant) {
      switch (k.act) {
        case kResources:
          bucket = TimeBucket::Resources;
          break;
        case kWork:
          bucket = TimeBucket::Working;
          break;
        case kPickup:
          bucket = TimeBucket::Pickup;
          break;
        case kScoping:
          bucket = TimeBucket::Scoping;
          break;
        case kRecruiting:
          bucket = TimeBucket::Recruiting;
          break;
        default:
          bucket = TimeBucket::Escalating;
      }
    }
    c.reward(static_cast<Eigen::Index>(x), static_cast<int>(bucket)) = 1.0;
    c.scoping_state.push_back(k.act == kScoping && !k.engaged);
  }
  // Only needed when proposals can die after t = 0; left out otherwise so that a chain with
  // nothing but absorbing states keeps an exact identity exponential.
  c.scoped = std::any_of(keys.begin(), keys.end(), [](const Key& k) { return k.act == kScoping; });
  if (c.scoped)
    for (int d = 0; d <= c.phase_count; ++d)
      c.reward(n + Builder::absorbing_index(EndCategory::NotStarted, d, c.phase_count),
               kNotStartedColumn) = 1.0;
  for (const Transition& t : builder.transitions()) {
    for (const auto& [target, w] : t.branches.to) {
      const int col = column(target);
      if (col == t.from) continue;  // e.g. an instant vacancy whose successor is the same
      triplets.emplace_back(t.from, col, t.rate * w);
      diagonal[static_cast<std::size_t>(t.from)] -= t.rate * w;
    }
    for (int q = 0; q < kCountKinds; ++q)
      c.reward(t.from, kTimeBucketCount + q) +=
          t.rate * t.branches.counts[static_cast<std::size_t>(q)];
  }
  const Patience& pat = scenario.patience;
  c.hazard = pat.model == PatienceModel::Hazard && pat.rate > 0.0;
  c.grace = pat.grace;

  auto assemble = [&](bool with_hazard, SparseQ& q, double& lambda) {
    std::vector<Eigen::Triplet<double>> all = triplets;
    std::vector<double> diag = diagonal;
    if (with_hazard) {
      for (std::size_t x = 0; x < c.n; ++x) {
        const Key& k = keys[x];
        if (k.act == kScoping) continue;  // patience runs from the start
        double m = k.vacant
                       ? pat.vacancy_multiplier
                       : scenario.levels[static_cast<std::size_t>(k.level)].patience_multiplier;
        if (!k.engaged) m *= scenario.disengaged.patience;
        const double h = pat.rate / m;
        const int col = n + Builder::absorbing_index(EndCategory::Patience, k.phase, c.phase_count);
        all.emplace_back(static_cast<int>(x), col, h);
        diag[x] -= h;
      }
    }
    lambda = 0.0;
    for (std::size_t x = 0; x < c.total; ++x) {
      if (diag[x] != 0.0) all.emplace_back(static_cast<int>(x), static_cast<int>(x), diag[x]);
      lambda = std::max(lambda, -diag[x]);
    }
    q.resize(static_cast<Eigen::Index>(c.total), static_cast<Eigen::Index>(c.total));
    q.setFromTriplets(all.begin(), all.end());
    q.makeCompressed();
  };
  assemble(false, c.q_before, c.lambda_before);
  if (c.hazard) {
    assemble(true, c.q_after, c.lambda_after);
  } else {
    c.q_after = c.q_before;
    c.lambda_after = c.lambda_before;
  }

  info_.transient_states = c.n;
  info_.absorbing_states = c.absorbing;
  const SparseQ& widest = c.q_after;
  info_.transitions = static_cast<std::size_t>(widest.nonZeros());
  for (std::size_t x = 0; x < c.total; ++x)
    if (widest.coeff(static_cast<Eigen::Index>(x), static_cast<Eigen::Index>(x)) != 0.0)
      --info_.transitions;
  const bool dense = options_.method == ExactOptions::Method::Dense ||
                     (options_.method == ExactOptions::Method::Auto &&
                      c.total + kRewardColumns <= options_.dense_limit);
  info_.method = dense ? "dense" : "uniformization";
}

ExactModel::~ExactModel() = default;
ExactModel::ExactModel(ExactModel&&) noexcept = default;
ExactModel& ExactModel::operator=(ExactModel&&) noexcept = default;

std::vector<std::vector<double>> ExactModel::curves(const std::vector<double>& times) const {
  for (std::size_t i = 0; i < times.size(); ++i)
    if (!(times[i] >= 0.0) || (i > 0 && times[i] < times[i - 1]))
      throw std::invalid_argument("exact curves need ascending times >= 0");
  const Chain& c = *chain_;
  std::vector<std::vector<double>> out(kEndCategoryCount, std::vector<double>(times.size(), 0.0));
  info_.error_bound = c.walk(
      times, info_.method == "dense", options_.truncation,
      [&](std::size_t i, const Row& p) {
        for (int k = 0; k < kEndCategoryCount; ++k)
          out[static_cast<std::size_t>(k)][i] = c.category(p, k);
      },
      nullptr);
  return out;
}

std::vector<double> ExactModel::phases_by_category(double t) const {
  if (!(t >= 0.0)) throw std::invalid_argument("exact occupancy needs a time >= 0");
  const Chain& c = *chain_;
  const auto n = static_cast<Eigen::Index>(c.n);
  const int per = c.phase_count + 1;
  std::vector<double> out(static_cast<std::size_t>(kEndCategoryCount * per), 0.0);
  info_.error_bound = c.walk(
      {t}, info_.method == "dense", options_.truncation,
      [&](std::size_t, const Row& p) {
        for (int i = 0; i < kEndCategoryCount * per; ++i)
          out[static_cast<std::size_t>(i)] = p[n + i];
        const std::size_t running = static_cast<std::size_t>(EndCategory::Running) * per;
        for (std::size_t x = 0; x < c.n; ++x)
          out[running + static_cast<std::size_t>(c.phase_of[x])] += p[static_cast<Eigen::Index>(x)];
      },
      nullptr);
  return out;
}

RunResult ExactModel::solve() const {
  const Scenario& s = scenario_;
  const Chain& c = *chain_;
  const bool dense = info_.method == "dense";
  const auto n = static_cast<Eigen::Index>(c.n);
  const int per = c.phase_count + 1;
  const double horizon = s.horizon;

  // Grid points beyond the horizon see the state at H: nothing happens after it.
  std::vector<double> times;
  for (double g : s.grid) times.push_back(std::min(std::max(g, 0.0), horizon));
  std::sort(times.begin(), times.end());  // a grid is ascending; this only guards the walk
  times.push_back(horizon);

  std::vector<double> completed_at(times.size());
  Row at_horizon;
  std::vector<std::array<double, kEndCategoryCount>> curve(times.size());
  Eigen::RowVectorXd integral = Eigen::RowVectorXd::Zero(kRewardColumns);
  double bound = c.walk(
      times, dense, options_.truncation,
      [&](std::size_t i, const Row& p) {
        for (int k = 0; k < kEndCategoryCount; ++k)
          curve[i][static_cast<std::size_t>(k)] = c.category(p, k);
        completed_at[i] = curve[i][static_cast<int>(EndCategory::Completed)];
        if (i + 1 == times.size()) at_horizon = p;
      },
      &integral);

  RunResult r;
  r.scenario = s;
  r.exact = true;
  r.tally = Tally(s);
  Summary& sum = r.summary;
  sum.grid = s.grid;
  const std::size_t g_count = s.grid.size();
  auto exact = [](double x) { return Estimate{x, x, x}; };

  const double not_started = curve.back()[static_cast<int>(EndCategory::NotStarted)];
  const double started = 1.0 - not_started;
  for (int k = 0; k < kEndCategoryCount; ++k) {
    auto& e = sum.curve[static_cast<std::size_t>(k)];
    e.resize(g_count);
    for (std::size_t g = 0; g < g_count; ++g) e[g] = exact(curve[g][static_cast<std::size_t>(k)]);
  }
  auto ended_at = [&](std::size_t i) {
    double e = 0.0;
    for (int k = static_cast<int>(EndCategory::SponsorExit);
         k <= static_cast<int>(EndCategory::PhaseGate); ++k)
      e += curve[i][static_cast<std::size_t>(k)];
    return e;
  };
  sum.survival.resize(g_count);
  for (std::size_t g = 0; g < g_count; ++g)
    sum.survival[g] = exact(started > 0.0 ? (started - ended_at(g)) / started : kNaN);

  const auto& last = curve.back();
  const double completed = last[static_cast<int>(EndCategory::Completed)];
  const double running = last[static_cast<int>(EndCategory::Running)];
  const double ended = ended_at(times.size() - 1);
  const double by_outcome[kOutcomeCount] = {completed, ended, not_started, running};
  for (int o = 0; o < kOutcomeCount; ++o) {
    sum.outcome_share[static_cast<std::size_t>(o)] = exact(by_outcome[o]);
    sum.outcome_share_started[static_cast<std::size_t>(o)] =
        o == static_cast<int>(Outcome::NotStarted)
            ? Estimate{0, 0, 0}
            : exact(started > 0.0 ? by_outcome[o] / started : kNaN);
  }
  for (int cause = 0; cause < kCauseCount; ++cause)
    sum.cause_share[static_cast<std::size_t>(cause)] =
        exact(ended > 0.0 ? last[static_cast<std::size_t>(cause + 1)] / ended : kNaN);

  // Value: phases delivered at H, from the absorbing states and the running phase.
  std::vector<double> by_d(static_cast<std::size_t>(per), 0.0);
  std::vector<double> by_d_started(static_cast<std::size_t>(per), 0.0);
  for (int k = 0; k < kEndCategoryCount; ++k)
    for (int d = 0; d < per; ++d) {
      const double v = at_horizon[n + k * per + d];
      by_d[static_cast<std::size_t>(d)] += v;
      if (k != static_cast<int>(EndCategory::NotStarted))
        by_d_started[static_cast<std::size_t>(d)] += v;
    }
  for (std::size_t x = 0; x < c.n; ++x) {
    by_d[static_cast<std::size_t>(c.phase_of[x])] += at_horizon[static_cast<Eigen::Index>(x)];
    by_d_started[static_cast<std::size_t>(c.phase_of[x])] +=
        at_horizon[static_cast<Eigen::Index>(x)];
  }
  sum.value_levels.assign(static_cast<std::size_t>(per), 0.0);
  for (int d = 1; d < per; ++d)
    sum.value_levels[static_cast<std::size_t>(d)] =
        sum.value_levels[static_cast<std::size_t>(d - 1)] +
        s.phases[static_cast<std::size_t>(d - 1)].value;
  sum.value_prob = by_d;
  double value_mean = 0.0;
  for (std::size_t d = 0; d < by_d.size(); ++d) value_mean += by_d[d] * sum.value_levels[d];
  sum.value_mean = exact(value_mean);
  sum.value_se = 0.0;
  sum.quantile_levels = {0.1, 0.5, 0.8, 0.9};
  for (double q : sum.quantile_levels) {
    double cum = 0.0, v = kNaN;
    for (std::size_t d = 0; d < by_d.size(); ++d) {
      cum += by_d[d];
      if (cum >= q - 1e-12) {
        v = sum.value_levels[d];
        break;
      }
    }
    sum.value_quantile.push_back(v);
  }
  auto share_started = [&](double x) { return exact(started > 0.0 ? x / started : kNaN); };
  double partial = 0.0;
  for (int d = 1; d < per - 1; ++d) partial += by_d_started[static_cast<std::size_t>(d)];
  sum.delivered_none = share_started(by_d_started.front());
  sum.delivered_all = share_started(by_d_started.back());
  sum.delivered_partial = share_started(partial);

  // Means over started programmes: occupancy integrals and expected counts, divided by
  // P(started). Customer trust is not part of the chain.
  for (int q = 0; q < kQuantityCount; ++q) {
    sum.mean[static_cast<std::size_t>(q)] = kNaN;
    sum.se[static_cast<std::size_t>(q)] = kNaN;
  }
  if (started > 0.0) {
    auto set = [&](Quantity q, double total) {
      sum.mean[static_cast<std::size_t>(q)] = total / started;
      sum.se[static_cast<std::size_t>(q)] = 0.0;
    };
    // Proposals that die leave the means with the scoping months they spent: each one
    // killed at K <= H adds K to the scoping integral and H - K to the not_started one.
    Eigen::RowVectorXd totals = integral;
    if (c.scoped)
      totals[static_cast<int>(TimeBucket::Scoping)] +=
          integral[kNotStartedColumn] - horizon * not_started;
    // A lapse while scoping is counted at approval (a transition); one still scoping at H
    // is counted here.
    for (std::size_t x = 0; x < c.n; ++x)
      if (c.scoping_state[x])
        totals[kTimeBucketCount + kDisengagements] += at_horizon[static_cast<Eigen::Index>(x)];
    double end_time = 0.0;
    for (int b = 0; b < kTimeBucketCount; ++b) {
      set(quantity_of(static_cast<TimeBucket>(b)), totals[b]);
      end_time += totals[b];
    }
    set(Quantity::EndTime, end_time);
    for (int q = 0; q < kCountKinds; ++q)
      set(kCountQuantity[static_cast<std::size_t>(q)],
          c.initial_counts[static_cast<std::size_t>(q)] + totals[kTimeBucketCount + q]);
    set(Quantity::Value, value_mean);
  }

  // Completion-time quantiles: bracket on the evaluation times, then bisect. Bisection
  // steps are short and arbitrary, so they use uniformization whatever the method.
  auto quantile = [&](double target) {
    if (!(target > 0.0) || completed_at.back() < target) return kNaN;
    std::size_t hi = 0;
    while (completed_at[hi] < target) ++hi;
    if (hi == 0 && times[0] <= 0.0) return 0.0;
    double a = hi == 0 ? 0.0 : times[hi - 1], b = times[hi];
    Row pa = c.p0;
    if (hi > 0) {
      const std::vector<double> upto(times.begin(),
                                     times.begin() + static_cast<std::ptrdiff_t>(hi));
      bound += c.walk(
          upto, dense, options_.truncation, [&](std::size_t, const Row& p) { pa = p; }, nullptr);
    }
    const double tol = options_.quantile_tolerance;
    for (int it = 0; it < 200 && b - a > tol; ++it) {
      const double mid = 0.5 * (a + b);
      Row p = pa;
      bound += c.advance(p, a, mid, false, options_.truncation, nullptr);
      if (c.category(p, static_cast<int>(EndCategory::Completed)) >= target) {
        b = mid;
      } else {
        a = mid;
        pa = p;
      }
    }
    return b;
  };
  for (double q : sum.quantile_levels) {
    sum.completion_quantile.push_back(quantile(q));
    sum.completion_quantile_given.push_back(completed > 0.0 ? quantile(q * completed) : kNaN);
  }
  info_.error_bound = bound;
  return r;
}

RunResult solve_exact(const Scenario& scenario, const ExactOptions& options) {
  return ExactModel(scenario, options).solve();
}

}  // namespace progsurv
