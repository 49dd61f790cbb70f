#include "progsurv/engine/programme.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>

#include "engine/sponsor_places.hpp"

namespace progsurv {
namespace {

// Places of the decisions that are not tied to a phase or step (docs/model.md, Randomness and
// reproducibility).
constexpr Place kThreshold = Place::of(0), kHazard = Place::of(1), kScoping = Place::of(0);
constexpr std::uint64_t kReviewCut = 2;

// Rule 15: a rung's trial in attempt a of the handoff at (phase, step). Attempts wrap at 4096
// and rungs are at most 16 (the parser's limit).
constexpr Place rung_place(int phase, int step, int attempt, std::size_t rung) {
  return Place::at(static_cast<std::uint64_t>(phase), static_cast<std::uint64_t>(step),
                   (static_cast<std::uint64_t>(attempt) & 0xFFF) << 4 | (rung & 0xF));
}

// std::ceil and std::floor for |x| < 2^62, exactly (up to the sign of a zero), inline: the
// portable x86-64 build has no rounding instruction and calls libm for them, and the review
// is recomputed at most events that change the sponsor or show a result.
double ceil_of(double x) {
  const double f = static_cast<double>(static_cast<std::int64_t>(x));  // x rounded towards 0
  return f < x ? f + 1.0 : f;
}
double floor_of(double x) {
  const double f = static_cast<double>(static_cast<std::int64_t>(x));
  return f > x ? f - 1.0 : f;
}
// std::llround (halves away from zero) for |x| < 2^62: x minus its integer part is exact.
std::int64_t round_of(double x) {
  const auto i = static_cast<std::int64_t>(x);
  const double frac = x - static_cast<double>(i);
  return frac >= 0.5 ? i + 1 : frac <= -0.5 ? i - 1 : i;
}

// The index k of the first review at or after t (strictly after t with `after`), as the
// engine places reviews: at k * r exactly, whatever the rounding of t / r.
double first_review(double t, double r, bool after) {
  const double q = t / r;
  if (!(q < 9e15)) return q;  // beyond exact integers: callers treat it as never
  double k = std::max(0.0, ceil_of(q) - 1.0);
  while (after ? k * r <= t : k * r < t) k += 1.0;
  return k;
}

// The name of each Slot's decision (replication < 2^32; first_blocks adds the higher bits).
struct SlotName {
  Mechanism mechanism;
  Place place;
};
constexpr std::array<SlotName, static_cast<std::size_t>(Slot::Count)> kSlotNames = {{
    {Mechanism::Sponsor, places::kProposal},
    {Mechanism::Sponsor, places::tenure(0)},
    {Mechanism::Attention, places::lapse(0, 0)},
    {Mechanism::Scoping, kScoping},
    {Mechanism::Budget, Place::of(places::kSqueeze, 1)},
    {Mechanism::Budget, Place::of(places::kSqueeze, 2)},
    {Mechanism::Budget, Place::of(places::kSqueeze, 3)},
    {Mechanism::Budget, Place::of(places::kSqueeze, 4)},
    {Mechanism::Patience, kThreshold},
    {Mechanism::Resources, Place::at(0)},
    {Mechanism::Recruitment, Place::at(0)},
    {Mechanism::Customers, Place::at(0)},
    {Mechanism::Gate, Place::at(0)},
    {Mechanism::Work, Place::at(0, 0)},
    {Mechanism::Work, Place::at(0, 1)},
    {Mechanism::Handoff, Place::at(0, 1)},
}};

// The lanes' names for replications below 2^32, set once.
constexpr PhiloxLanes slot_lanes() {
  PhiloxLanes lanes{};
  for (std::size_t i = 0; i < kSlotNames.size(); ++i) {
    const std::uint64_t name = Rng::name(0, kSlotNames[i].mechanism, kSlotNames[i].place);
    lanes.name_lo[i] = static_cast<std::uint32_t>(name);
    lanes.name_hi[i] = static_cast<std::uint32_t>(name >> 32);
  }
  return lanes;
}
constexpr PhiloxLanes kSlotLanes = slot_lanes();

constexpr std::uint8_t lane(Slot slot) { return static_cast<std::uint8_t>(slot); }
constexpr std::uint8_t kNoLane = PhaseLanes::kNone;
// Phase 0's decisions are slots of the first batch; a phase without a batch (portfolio mode)
// has none.
constexpr PhaseLanes kPhase0Lanes = {
    lane(Slot::Resources0),
    lane(Slot::Recruitment0),
    lane(Slot::FollowUp0),
    lane(Slot::Gate0),
    {lane(Slot::Work00), lane(Slot::Work01), kNoLane, kNoLane, kNoLane, kNoLane, kNoLane, kNoLane},
    {kNoLane, lane(Slot::Handoff01), kNoLane, kNoLane, kNoLane, kNoLane, kNoLane, kNoLane}};
constexpr PhaseLanes kNoLanes = {
    kNoLane,
    kNoLane,
    kNoLane,
    kNoLane,
    {kNoLane, kNoLane, kNoLane, kNoLane, kNoLane, kNoLane, kNoLane, kNoLane},
    {kNoLane, kNoLane, kNoLane, kNoLane, kNoLane, kNoLane, kNoLane, kNoLane}};
static_assert(PhaseLanes::kSteps == 8);

}  // namespace

void first_blocks(PhiloxLanes& lanes, std::uint64_t seed, std::uint64_t replication) {
  // Only the replication's bits above 32 (at name bit 36, in word 3) differ between
  // replications' names; the low 32 go to counter word 1.
  const auto high =
      static_cast<std::uint32_t>(Rng::name(replication, Mechanism::Sponsor, {}) >> 32);
  std::copy(std::begin(kSlotLanes.name_lo), std::end(kSlotLanes.name_lo), lanes.name_lo);
  for (std::size_t i = 0; i < PhiloxLanes::kLanes; ++i)
    lanes.name_hi[i] = kSlotLanes.name_hi[i] | high;
  philox_lanes(lanes, seed, static_cast<std::uint32_t>(replication));
}

std::size_t phase_first_blocks(PhaseBlocks& b, const Scenario& s, std::size_t phase,
                               std::uint64_t seed, std::uint64_t replication) {
  const Phase& ph = s.phases[phase];
  PhaseLanes& at = b.layout;
  // The names differ from `base` only in the mechanism and the step (disjoint bits).
  const std::uint64_t base = Rng::name(replication, Mechanism::Sponsor, Place::at(phase));
  std::uint8_t n = 0;
  const auto add = [&](Mechanism m, std::size_t step = 0) -> std::uint8_t {
    if (n == PhiloxLanes::kLanes) return PhaseLanes::kNone;
    const std::uint64_t name =
        base | Rng::name(0, m, Place::at(0, static_cast<std::uint64_t>(step)));
    b.lanes.name_lo[n] = static_cast<std::uint32_t>(name);
    b.lanes.name_hi[n] = static_cast<std::uint32_t>(name >> 32);
    return n++;
  };
  at.resources = add(Mechanism::Resources);
  at.recruitment = at.follow_up = at.gate = PhaseLanes::kNone;
  if (ph.engage) {
    at.recruitment = add(Mechanism::Recruitment);
    at.follow_up = add(Mechanism::Customers);
  }
  if (phase + 1 < s.phases.size()) at.gate = add(Mechanism::Gate);
  for (std::size_t j = 0; j < PhaseLanes::kSteps; ++j) {
    at.work[j] = at.handoff[j] = PhaseLanes::kNone;
    if (j >= ph.steps.size()) continue;
    // A handoff is drawn only between different silos (the same silo goes on working).
    if (j > 0 && ph.steps[j - 1].silo != ph.steps[j].silo)
      at.handoff[j] = add(Mechanism::Handoff, j);
    at.work[j] = add(Mechanism::Work, j);
  }
#ifdef PROGSURV_RNG_TRACE
  if (rng_trace_enabled) rng_trace_batch(phase);
#endif
  philox_lanes(b.lanes, seed, static_cast<std::uint32_t>(replication), n);
  return n;
}

Programme::Programme(const Scenario& s, const Decisions& d, const SponsorState& sponsor,
                     ReplicationRecord& rec, double* trust, double start)
    : s_(s),
      d_(d),
      sponsor_(sponsor),
      rec_(rec),
      trust_(trust),
      layout_(&kPhase0Lanes),
      t_(start),
      started_at_(start) {}

// A draw whose value does not depend on u (fixed, never) takes no uniform: decisions are
// keyed by place, so skipping one shifts nothing else.
static double value_of(const Distribution& dist, const Decisions& d, Mechanism m, Place place,
                       FirstBlock at = {}) {
  if (dist.kind() == DistKind::Fixed || dist.kind() == DistKind::Never) return dist.quantile(0.5);
  return dist.quantile(d.uniform(m, place, at));
}

double Programme::begin_scoping(double u_approval) {
  u_approval_ = u_approval;
  activity_ = Activity::Scoping;
  activity_due_ = p_ + value_of(s_.scoping, d_, Mechanism::Scoping, kScoping, Slot::Scoping);
  return t_ + (activity_due_ - p_);
}

void Programme::advance_hazard(double to) {
  const Patience& pat = s_.patience;
  const double from = std::max(t_, started_at_ + pat.grace);
  if (to > from) hazard_left_ -= (to - from) * pat.rate / multiplier();
}

void Programme::start() {
  started_ = true;
  review_stale_ = true;
  started_at_ = t_;
  last_visible_ = t_;
  const Patience& pat = s_.patience;
  // Rule 14: the co-sponsors take their seats now, before anything is drawn under a level.
  if (start_hook_) start_hook_(start_context_);
  if (pat.model == PatienceModel::Reviews) {
    theta_ = value_of(pat.threshold, d_, Mechanism::Patience, kThreshold, Slot::Threshold);
    // Reviews before the start do not touch the programme; one at exactly S does.
    const double k = first_review(t_, pat.review_every, false);
    review_k_ = k < 9e15 ? static_cast<std::int64_t>(k) : std::int64_t{1} << 53;
    // No review before the grace period ends is overdue (0: no grace; every k is >= 0).
    if (pat.grace > 0.0) {
      const double grace_end = started_at_ + pat.grace;
      const double r = pat.review_every;
      review_k_grace_ = static_cast<std::int64_t>(std::ceil(grace_end / r));
      while (static_cast<double>(review_k_grace_) * r < grace_end) ++review_k_grace_;
    }
  } else if (pat.model == PatienceModel::Hazard && pat.rate > 0.0) {
    hazard_left_ = -std::log(d_.uniform(Mechanism::Patience, kHazard));
  }
  start_phase();
}

void Programme::start_phase() {
  step_ = 0;
  pressure_k_ = 0;
  deferred_phase_ = false;
  activity_ = Activity::Resources;
  if (phase_ > 0) {
    if (later_) {
      phase_first_blocks(*later_, s_, static_cast<std::size_t>(phase_), d_.seed(),
                         d_.replication());
      phase_lanes_ = &later_->lanes;
      layout_ = &later_->layout;
    } else {
      layout_ = &kNoLanes;
    }
  }
  double wait = value_of(level().resource_delay, d_, Mechanism::Resources, Place::at(phase_),
                         in_phase(layout_->resources));
  slowed_ = !sponsor_.engaged && s_.disengaged.resources != 1.0;
  if (slowed_) wait *= s_.disengaged.resources;
  activity_due_ = p_ + wait;
}

void Programme::start_work() {
  activity_ = Activity::Work;
  const Step& st = phase().steps[static_cast<std::size_t>(step_)];
  double work = value_of(st.work, d_, Mechanism::Work, here(), step_work());
  // Rule 16: a step of a deferred phase that had not started is drawn as usual, then scaled.
  if (deferred_phase_) work *= 1.0 - phase().deferrable;
  activity_due_ = p_ + work;
}

// Rule 13: the customers give their time when recruitment ends; the follow-up is drawn then.
void Programme::give_customers_time() {
  const double f = value_of(s_.customers.follow_up, d_, Mechanism::Customers, Place::at(phase_),
                            in_phase(layout_->follow_up));
  follow_ups_.push_back({t_, p_ + f, phase_});
}

bool Programme::on_progress() {
  // The activity goes first when a follow-up falls due at the same instant.
  std::size_t follow = follow_ups_.size();
  double first = activity_due_;
  for (std::size_t i = 0; i < follow_ups_.size(); ++i) {
    if (follow_ups_[i].due < first) {
      first = follow_ups_[i].due;
      follow = i;
    }
  }
  if (follow < follow_ups_.size()) {
    p_ = follow_ups_[follow].due;
    const FollowUp f = follow_ups_[follow];
    follow_ups_.erase(follow_ups_.begin() + static_cast<std::ptrdiff_t>(follow));
    judge_follow_up(s_.customers, trust_, t_, f.start);
    if (!(t_ - f.start <= s_.customers.follow_up_window)) late_follow_up(f);
    return false;
  }
  p_ = activity_due_;
  switch (activity_) {
    case Activity::Scoping: {
      // Rule 11: approval at S, under a disengaged sponsor's reluctance if they lapsed.
      double approval = level().approval;
      if (!sponsor_.engaged) approval *= s_.disengaged.approval;
      if (cynicism_) approval *= cynicism_->approval_factor(t_);
      if (u_approval_ < approval) {
        start();
      } else {
        end(Outcome::NotStarted, Cause::None);
      }
      return false;
    }
    case Activity::Resources:
      slowed_ = false;
      if (phase().engage) {
        const Customers& c = s_.customers;
        double a = value_of(c.recruitment, d_, Mechanism::Recruitment, Place::at(phase_),
                            in_phase(layout_->recruitment));
        if (a > 0.0) a *= 1.0 + c.trust_effect * (1.0 - *trust_);
        if (a > 0.0) {
          activity_ = Activity::Recruiting;
          activity_due_ = p_ + a;
          return false;
        }
        give_customers_time();
      }
      start_work();
      return false;
    case Activity::Recruiting:
      give_customers_time();
      start_work();
      return false;
    case Activity::Work: {
      const auto& steps = phase().steps;
      const bool step_visible = s_.patience.visible == Visible::Steps;
      if (step_visible) {
        last_visible_ = t_;
        review_stale_ = true;
        if (visible_hook_) visible_hook_(visible_context_);
      }
      if (static_cast<std::size_t>(step_) + 1 < steps.size()) {
        const int from = steps[static_cast<std::size_t>(step_)].silo;
        ++step_;
        const int to = steps[static_cast<std::size_t>(step_)].silo;
        if (from == to) {
          start_work();
        } else {
          ++rec_.handoffs;
          activity_ = Activity::Pickup;
          // The pickup wait and the break of this handoff: draws 0 and 1 of its decision.
          const auto [u_pickup, u_break] =
              d_.uniform_pair(Mechanism::Handoff, here(), step_handoff());
          double pickup = s_.pickup(from, to).quantile(u_pickup);
          if (cynicism_) pickup *= cynicism_->pickup_factor(t_);
          activity_due_ = p_ + pickup;
          u_pending_ = u_break;
        }
        return step_visible;
      }
      // Phase delivered: bank its value; it is a visible result; then the gate.
      ++rec_.phases_delivered;
      if (delivered_at_) delivered_at_->push_back(t_);
      // Rule 16: a deferred phase banks what was left of its value.
      rec_.value += deferred_phase_ ? phase().value * (1.0 - phase().deferrable) : phase().value;
      last_visible_ = t_;
      review_stale_ = true;
      if (visible_hook_) visible_hook_(visible_context_);
      if (static_cast<std::size_t>(phase_) + 1 == s_.phases.size()) {
        end(Outcome::Completed, Cause::None);
        return true;
      }
      if (!(d_.uniform(Mechanism::Gate, Place::at(phase_), in_phase(layout_->gate)) <
            phase().continue_prob)) {
        end(Outcome::Ended, Cause::PhaseGate);
        return true;
      }
      ++phase_;
      start_phase();
      return true;
    }
    case Activity::Pickup: {
      const auto& steps = phase().steps;
      const int from = steps[static_cast<std::size_t>(step_) - 1].silo;
      const int to = steps[static_cast<std::size_t>(step_)].silo;
      double p_break = s_.break_prob(from, to);
      if (cynicism_) p_break = cynicism_->break_prob(p_break, t_);
      if (!(u_pending_ < p_break)) {
        start_work();
        return false;
      }
      ++rec_.breaks;
      if (s_.escalation.max_attempts == 0) {
        end(Outcome::Ended, Cause::HandoffFailure);
        return false;
      }
      attempts_ = 0;
      start_attempt();
      return false;
    }
    case Activity::Escalation: {
      // A trial ends the current rung's (or the sponsor's) delay.
      ++rec_.rungs;
      const auto& ladder = s_.escalation.ladder;
      if (rung_ < ladder.size()) {
        // Rule 15: the rung resolves the break itself, passes it one rung up, or gives up.
        const EscalationRung& rung = ladder[rung_];
        if (u_pending_ < rung.clout) {
          start_work();
        } else if (u_go_up_ < rung.go_up) {
          ++rung_;
          escalate_to_rung();
        } else {
          fail_attempt();
        }
        return false;
      }
      // The sponsor's trial uses the clout of whoever is acting now.
      if (u_pending_ < clout()) {
        start_work();
      } else {
        fail_attempt();
      }
      return false;
    }
  }
  return false;
}

// An escalation attempt starts at the ladder's first rung (at the sponsor when it has none).
void Programme::start_attempt() {
  ++attempts_;
  ++rec_.escalations;
  activity_ = Activity::Escalation;
  rung_ = 0;
  escalate_to_rung();
}

// The attempt reaches rung_ (or, above the last rung, the sponsor): its delay starts.
void Programme::escalate_to_rung() {
  const auto& ladder = s_.escalation.ladder;
  if (rung_ < ladder.size()) {
    const auto u = d_.uniforms<3>(Mechanism::Ladder, rung_place(phase_, step_, attempts_, rung_));
    activity_due_ = p_ + ladder[rung_].delay.quantile(u[0]);
    u_pending_ = u[1];
    u_go_up_ = u[2];
    return;
  }
  // The sponsor's delay and trial: draws 0 and 1 of the attempt's decision.
  const auto [u_delay, u_trial] =
      d_.uniform_pair(Mechanism::Escalation, here(static_cast<std::uint64_t>(attempts_)));
  activity_due_ = p_ + s_.escalation.delay.quantile(u_delay);
  u_pending_ = u_trial;
}

void Programme::fail_attempt() {
  if (attempts_ >= s_.escalation.max_attempts) {
    end(Outcome::Ended, Cause::HandoffFailure);
    return;
  }
  start_attempt();
}

// Rule 16: working, waiting for a pickup or escalating, with a seat filled.
bool Programme::in_work() const {
  return started_ && !done_ && !sponsor_.vacant &&
         (activity_ == Activity::Work || activity_ == Activity::Pickup ||
          activity_ == Activity::Escalation);
}

// Rule 16: a pressure event (an overdue review that spared the programme, a squeeze that
// did not cut it). The draw is keyed by (phase, its k-th pressure event).
void Programme::on_pressure() {
  const double share = phase().deferrable;
  if (!(s_.deferral.prob > 0.0) || !(share > 0.0)) return;
  ++pressure_k_;
  if (deferred_phase_ || !in_work()) return;
  if (!(d_.uniform(Mechanism::Deferral, Place::at(static_cast<std::uint64_t>(phase_), 0,
                                                  pressure_k_)) < s_.deferral.prob))
    return;
  deferred_phase_ = true;
  ++rec_.deferrals;
  rec_.deferred_value += phase().value * share;
  // The running step's remaining work shrinks; pickups and escalations are not shortened.
  if (activity_ == Activity::Work) activity_due_ = p_ + (activity_due_ - p_) * (1.0 - share);
}

// Rule 17: a follow-up judged late while the programme runs may send the organisation back
// to its customers: the decision, then the delay (calendar).
void Programme::late_follow_up(const FollowUp& f) {
  const Customers::Reengage& re = s_.customers.reengage;
  if (!(re.prob > 0.0)) return;
  if (late_) {
    late_->push_back({t_, f.phase});
    return;
  }
  const auto [u_go, u_delay] =
      d_.uniform_pair(Mechanism::Reengagement, Place::at(static_cast<std::uint64_t>(f.phase)));
  if (!(u_go < re.prob)) return;
  reengage_at_.push_back(t_ + re.delay.quantile(u_delay));
  next_reengage_ = std::min(next_reengage_, reengage_at_.back());
}

void Programme::on_reengagement() {
  reengage_at_.erase(std::min_element(reengage_at_.begin(), reengage_at_.end()));
  next_reengage_ =
      reengage_at_.empty() ? kInf : *std::min_element(reengage_at_.begin(), reengage_at_.end());
  *trust_ += s_.customers.reengage.recovery * (1.0 - *trust_);
  ++rec_.reengagements;
}

void Programme::judge_follow_up(const Customers& c, double* trust, double delivered_at,
                                double start) {
  if (delivered_at - start <= c.follow_up_window) {
    *trust = std::min(1.0, *trust + c.trust_gain);
  } else {
    *trust *= 1.0 - c.trust_loss;
  }
}

// The first review at which the programme would be overdue, given what is known now
// (next_patience() when the cached review is stale or there is none).
double Programme::patience_due() {
  const Patience& pat = s_.patience;
  if (done_) return kInf;
  if (!started_) {  // no review before the start, which marks the review stale
    review_stale_ = false;
    return next_review_ = kInf;
  }
  if (pat.model == PatienceModel::Hazard) {
    if (hazard_left_ == kInf) return kInf;
    return std::max(t_, started_at_ + pat.grace) + hazard_left_ * multiplier() / pat.rate;
  }
  if (!review_stale_) return next_review_;
  review_stale_ = false;
  if (pat.model != PatienceModel::Reviews || theta_ == kInf) return next_review_ = kInf;
  const double r = pat.review_every;
  const double tolerated = theta_ * multiplier();
  // Reviews before now have passed: one skipped while the programme was not overdue must
  // not fire late when the multiplier drops at a sponsor exit.
  const double k_now = first_review(t_, r, false);
  if (k_now >= 9e15) return next_review_ = kInf;
  std::int64_t k = std::max({review_k_, static_cast<std::int64_t>(k_now), review_k_grace_});
  const double limit = (last_visible_ + tolerated) / r;
  if (limit >= 9e15) return next_review_ = kInf;
  k = std::max(k, static_cast<std::int64_t>(floor_of(limit)));
  // Overdue is strict: g > θ·m.
  while (static_cast<double>(k) * r - last_visible_ <= tolerated) ++k;
  return next_review_ = static_cast<double>(k) * r;
}

void Programme::on_patience() {
  const Patience& pat = s_.patience;
  if (pat.model == PatienceModel::Hazard) {
    end(Outcome::Ended, Cause::Patience);
    return;
  }
  const auto k = static_cast<std::uint64_t>(round_of(next_review_ / pat.review_every));
  const bool cut = pat.cancel_prob >= 1.0 ||
                   d_.uniform(Mechanism::Patience, Place::of(kReviewCut, k)) < pat.cancel_prob;
  if (cut) {
    end(Outcome::Ended, Cause::Patience);
    return;
  }
  review_k_ = static_cast<std::int64_t>(k) + 1;
  review_stale_ = true;
  on_pressure();  // overdue but spared
}

void Programme::on_squeeze(double u_cut) {
  if (u_cut < s_.budget.cut_prob * (1.0 - clout())) {
    end(Outcome::Ended, Cause::BudgetCut);
    return;
  }
  on_pressure();  // squeezed but not cut
}

// A review at this instant came first (tie order), under the old multiplier: it must not
// be considered again under the new one.
std::int64_t Programme::after_now(double t, const Patience& pat, std::int64_t review_k) {
  if (pat.model != PatienceModel::Reviews) return review_k;
  const double k_next = first_review(t, pat.review_every, true);
  return k_next < 9e15 ? std::max(review_k, static_cast<std::int64_t>(k_next)) : review_k;
}

void Programme::on_exit() {
  review_k_ = after_now(t_, s_.patience, review_k_);
  review_stale_ = true;
  ++rec_.sponsor_changes;
  if (slowed_) {
    activity_due_ = p_ + (activity_due_ - p_) / s_.disengaged.resources;
    slowed_ = false;
  }
}

void Programme::on_vacancy_end(bool adopted) {
  review_k_ = after_now(t_, s_.patience, review_k_);
  review_stale_ = true;
  if (!adopted) end(Outcome::Ended, Cause::SponsorExit);
}

void Programme::on_acting_change() {
  review_k_ = after_now(t_, s_.patience, review_k_);
  review_stale_ = true;
  // A running resource wait keeps its remaining time; its pace follows the acting sponsor's
  // engagement (rule 12).
  const double f = s_.disengaged.resources;
  const bool slow = activity_ == Activity::Resources && started_ && !sponsor_.vacant &&
                    !sponsor_.engaged && f != 1.0;
  if (slow && !slowed_) {
    activity_due_ = p_ + (activity_due_ - p_) * f;
    slowed_ = true;
  } else if (!slow && slowed_) {
    activity_due_ = p_ + (activity_due_ - p_) / f;
    slowed_ = false;
  }
}

void Programme::on_disengage() {
  review_k_ = after_now(t_, s_.patience, review_k_);
  review_stale_ = true;
  if (activity_ == Activity::Resources && started_ && !slowed_ && s_.disengaged.resources != 1.0) {
    activity_due_ = p_ + (activity_due_ - p_) * s_.disengaged.resources;
    slowed_ = true;
  }
}

void Programme::on_reengage() {
  review_stale_ = true;
  if (slowed_) {
    activity_due_ = p_ + (activity_due_ - p_) / s_.disengaged.resources;
    slowed_ = false;
  }
}

void Programme::end_proposal() { end(Outcome::NotStarted, Cause::None); }

void Programme::end_at_horizon(double horizon) {
  advance(horizon);
  for (const auto& f : follow_ups_) {
    // At the horizon only follow-ups whose window has already passed count as late.
    if (horizon - f.start > s_.customers.follow_up_window) *trust_ *= 1.0 - s_.customers.trust_loss;
  }
  follow_ups_.clear();
  done_ = true;
  rec_.outcome = Outcome::Running;
  rec_.end_time = horizon;
}

void Programme::end(Outcome outcome, Cause cause) {
  done_ = true;
  rec_.outcome = outcome;
  rec_.cause = cause;
  rec_.end_time = t_;
  if (outcome == Outcome::Completed) {
    // Pending follow-ups are still delivered after their remaining delay.
    std::sort(follow_ups_.begin(), follow_ups_.end(),
              [](const FollowUp& a, const FollowUp& b) { return a.due < b.due; });
    for (const auto& f : follow_ups_) {
      if (deferred_) {
        deferred_->push_back({t_ + (f.due - p_), f.start, f.phase});
      } else {
        judge_follow_up(s_.customers, trust_, t_ + (f.due - p_), f.start);
      }
    }
  } else {
    for (std::size_t i = 0; i < follow_ups_.size(); ++i) *trust_ *= 1.0 - s_.customers.trust_loss;
    // Portfolio mode: these late judgements can still send the organisation back (rule 17).
    if (late_)
      for (const auto& f : follow_ups_) late_follow_up(f);
  }
  follow_ups_.clear();
}

}  // namespace progsurv
