#include "progsurv/engine/replication.hpp"

#include <algorithm>
#include <boost/container/small_vector.hpp>
#include <cmath>

namespace progsurv {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

enum class Activity { Resources, Work, Pickup, Escalation };

// The index k of the first review at or after t (strictly after t with `after`), as the
// engine places reviews: at k * r exactly, whatever the rounding of t / r.
double first_review(double t, double r, bool after) {
  const double q = t / r;
  if (!(q < 9e15)) return q;  // beyond exact integers: callers treat it as never
  double k = std::max(0.0, std::ceil(q) - 1.0);
  while (after ? k * r <= t : k * r < t) k += 1.0;
  return k;
}

// Places of the decisions that are not tied to a phase or step (MODEL.md §5).
constexpr Place kInitialLevel = Place::of(0), kApproval = Place::of(1);
constexpr Place tenure_place(int sponsor_number) {
  return Place::of(2, static_cast<std::uint64_t>(sponsor_number));
}
constexpr Place kThreshold = Place::of(0), kHazard = Place::of(1);
constexpr std::uint64_t kReviewCut = 2;
constexpr std::uint64_t kSqueeze = 0, kBudgetCut = 1;
constexpr std::uint64_t kVacancy = 0, kAdoption = 1, kSuccessorLevel = 2;

struct FollowUp {
  double start;  // calendar time the engage phase started
  double due;    // progress-clock time the follow-up is delivered
};

// The state of one programme as it moves through events. Two clocks: calendar time `t_`
// and the progress clock `p_`, which stops while the sponsor post is vacant.
class ReplicationRun {
 public:
  ReplicationRun(const Scenario& s, std::uint64_t seed, std::uint64_t replication)
      : s_(s), seed_(seed), replication_(replication) {}

  ReplicationRecord run();

 private:
  // The stream of one decision, named by its mechanism and place (MODEL.md §5).
  Rng draw(Mechanism m, Place place) const { return Rng(seed_, replication_, m, place); }
  double uniform(Mechanism m, Place place) const { return draw(m, place).uniform(); }

  const SponsorLevel& sponsor() const { return s_.levels[static_cast<std::size_t>(level_)]; }
  const Phase& phase() const { return s_.phases[static_cast<std::size_t>(phase_)]; }
  double multiplier() const {
    return vacant_ ? s_.patience.vacancy_multiplier : sponsor().patience_multiplier;
  }

  void advance(double to);
  void start_phase();
  void start_work();
  void on_activity_done();
  void on_follow_up();
  void on_patience();
  void on_budget();
  void on_sponsor_event();
  void schedule_review();
  void schedule_squeeze();
  void end(Outcome outcome, Cause cause);
  void judge_follow_up(double delivered_at, double start);
  // Attempt a of the escalation of the handoff into (phase, step): its delay and trial.
  Place escalation_place(int which) const {
    return Place::at(static_cast<std::uint64_t>(phase_), static_cast<std::uint64_t>(step_),
                     2 * static_cast<std::uint64_t>(attempts_) + static_cast<std::uint64_t>(which));
  }
  double escalation_delay() const {
    return s_.escalation.delay.quantile(uniform(Mechanism::Escalation, escalation_place(0)));
  }

  const Scenario& s_;
  const std::uint64_t seed_, replication_;
  int sponsor_number_ = 0;  // 0 = the initial sponsor, n = the n-th successor

  ReplicationRecord rec_;
  bool done_ = false;
  double t_ = 0.0, p_ = 0.0;
  int level_ = -1, previous_level_ = -1;
  bool vacant_ = false;
  double sponsor_event_ = kInf;  // calendar: next exit (in post) or end of vacancy
  Activity activity_ = Activity::Resources;
  double activity_due_ = 0.0;  // progress clock
  int phase_ = 0, step_ = 0, attempts_ = 0;
  double last_visible_ = 0.0;
  double theta_ = kInf;
  std::int64_t review_k_ = 1;  // earliest review not yet processed
  double next_review_ = kInf;
  double hazard_left_ = kInf;  // remaining Exp(1) of integrated cut hazard
  std::int64_t budget_k_ = 0;
  double next_squeeze_ = kInf;
  boost::container::small_vector<FollowUp, 4> follow_ups_;
};

ReplicationRecord ReplicationRun::run() {
  Rng level_draw = draw(Mechanism::Sponsor, kInitialLevel);
  level_ = s_.sponsor.sample(level_draw);
  rec_.initial_level = level_;
  if (!(uniform(Mechanism::Sponsor, kApproval) < sponsor().approval)) {
    rec_.outcome = Outcome::NotStarted;
    return rec_;
  }
  const double u_tenure = uniform(Mechanism::Sponsor, tenure_place(0));
  const double tenure = s_.initial_sponsor == InitialSponsor::Residual
                            ? sponsor().tenure.residual_quantile(u_tenure)
                            : sponsor().tenure.quantile(u_tenure);
  sponsor_event_ = tenure;

  const Patience& pat = s_.patience;
  if (pat.model == PatienceModel::Reviews) {
    theta_ = pat.threshold.quantile(uniform(Mechanism::Patience, kThreshold));
  } else if (pat.model == PatienceModel::Hazard && pat.rate > 0.0) {
    hazard_left_ = -std::log(uniform(Mechanism::Patience, kHazard));
  }
  schedule_squeeze();
  start_phase();

  const double horizon = s_.horizon;
  while (!done_) {
    schedule_review();
    const double t_activity = vacant_ ? kInf : t_ + (activity_due_ - p_);
    double t_follow = kInf;
    std::size_t follow_index = 0;
    if (!vacant_) {
      for (std::size_t i = 0; i < follow_ups_.size(); ++i) {
        const double when = t_ + (follow_ups_[i].due - p_);
        if (when < t_follow) {
          t_follow = when;
          follow_index = i;
        }
      }
    }
    double t_patience = next_review_;
    if (pat.model == PatienceModel::Hazard && hazard_left_ < kInf) {
      t_patience = std::max(t_, pat.grace) + hazard_left_ * multiplier() / pat.rate;
    }
    const double t_next =
        std::min({t_activity, t_follow, t_patience, next_squeeze_, sponsor_event_});
    if (t_next > horizon) {
      advance(horizon);
      for (const auto& f : follow_ups_) {
        // At the horizon only follow-ups whose window has already passed count as late.
        if (horizon - f.start > s_.customers.follow_up_window)
          rec_.customer_trust *= 1.0 - s_.customers.trust_loss;
      }
      rec_.outcome = Outcome::Running;
      rec_.end_time = horizon;
      break;
    }
    // Ties: progress events, then patience, then budget, then sponsor events.
    advance(t_next);
    if (t_activity == t_next) {
      p_ = activity_due_;
      on_activity_done();
    } else if (t_follow == t_next) {
      p_ = follow_ups_[follow_index].due;
      const FollowUp f = follow_ups_[follow_index];
      follow_ups_.erase(follow_ups_.begin() + static_cast<std::ptrdiff_t>(follow_index));
      judge_follow_up(t_, f.start);
    } else if (t_patience == t_next) {
      on_patience();
    } else if (next_squeeze_ == t_next) {
      on_budget();
    } else {
      on_sponsor_event();
    }
  }
  return rec_;
}

void ReplicationRun::advance(double to) {
  const double dt = to - t_;
  if (dt <= 0.0) return;
  if (s_.patience.model == PatienceModel::Hazard && hazard_left_ < kInf) {
    const double from = std::max(t_, s_.patience.grace);
    if (to > from) hazard_left_ -= (to - from) * s_.patience.rate / multiplier();
  }
  TimeBucket bucket = TimeBucket::Vacant;
  if (!vacant_) {
    switch (activity_) {
      case Activity::Resources:
        bucket = TimeBucket::Resources;
        break;
      case Activity::Work:
        bucket = TimeBucket::Working;
        break;
      case Activity::Pickup:
        bucket = TimeBucket::Pickup;
        break;
      case Activity::Escalation:
        bucket = TimeBucket::Escalating;
        break;
    }
    p_ += dt;
  }
  rec_.time[static_cast<int>(bucket)] += dt;
  t_ = to;
}

void ReplicationRun::start_phase() {
  step_ = 0;
  activity_ = Activity::Resources;
  activity_due_ =
      p_ + sponsor().resource_delay.quantile(uniform(Mechanism::Resources, Place::at(phase_)));
}

void ReplicationRun::start_work() {
  activity_ = Activity::Work;
  const Step& st = phase().steps[static_cast<std::size_t>(step_)];
  activity_due_ = p_ + st.work.quantile(uniform(Mechanism::Work, Place::at(phase_, step_)));
}

void ReplicationRun::on_activity_done() {
  switch (activity_) {
    case Activity::Resources:
      if (phase().engage) {
        const double f =
            s_.customers.follow_up.quantile(uniform(Mechanism::Customers, Place::at(phase_)));
        follow_ups_.push_back({t_, p_ + f});
      }
      start_work();
      return;
    case Activity::Work: {
      const auto& steps = phase().steps;
      if (s_.patience.visible == Visible::Steps) last_visible_ = t_;
      if (static_cast<std::size_t>(step_) + 1 < steps.size()) {
        const int from = steps[static_cast<std::size_t>(step_)].silo;
        ++step_;
        const int to = steps[static_cast<std::size_t>(step_)].silo;
        if (from == to) {
          start_work();
        } else {
          ++rec_.handoffs;
          activity_ = Activity::Pickup;
          activity_due_ = p_ + s_.pickup(from, to).quantile(
                                   uniform(Mechanism::Handoff, Place::at(phase_, step_, 0)));
        }
        return;
      }
      // Phase delivered: bank its value; it is a visible result; then the gate.
      ++rec_.phases_delivered;
      rec_.value += phase().value;
      last_visible_ = t_;
      if (static_cast<std::size_t>(phase_) + 1 == s_.phases.size()) {
        end(Outcome::Completed, Cause::None);
        return;
      }
      if (!(uniform(Mechanism::Gate, Place::at(phase_)) < phase().continue_prob)) {
        end(Outcome::Ended, Cause::PhaseGate);
        return;
      }
      ++phase_;
      start_phase();
      return;
    }
    case Activity::Pickup: {
      const auto& steps = phase().steps;
      const int from = steps[static_cast<std::size_t>(step_) - 1].silo;
      const int to = steps[static_cast<std::size_t>(step_)].silo;
      if (!(uniform(Mechanism::Handoff, Place::at(phase_, step_, 1)) < s_.break_prob(from, to))) {
        start_work();
        return;
      }
      ++rec_.breaks;
      if (s_.escalation.max_attempts == 0) {
        end(Outcome::Ended, Cause::HandoffFailure);
        return;
      }
      attempts_ = 1;
      ++rec_.escalations;
      activity_ = Activity::Escalation;
      activity_due_ = p_ + escalation_delay();
      return;
    }
    case Activity::Escalation: {
      if (uniform(Mechanism::Escalation, escalation_place(1)) < sponsor().clout) {
        start_work();
      } else if (attempts_ < s_.escalation.max_attempts) {
        ++attempts_;
        ++rec_.escalations;
        activity_due_ = p_ + escalation_delay();
      } else {
        end(Outcome::Ended, Cause::HandoffFailure);
      }
      return;
    }
  }
}

void ReplicationRun::judge_follow_up(double delivered_at, double start) {
  const Customers& c = s_.customers;
  if (delivered_at - start <= c.follow_up_window) {
    rec_.customer_trust = std::min(1.0, rec_.customer_trust + c.trust_gain);
  } else {
    rec_.customer_trust *= 1.0 - c.trust_loss;
  }
}

// The first review at which the programme would be overdue, given what is known now.
// Recomputed before every event because visible results and the sponsor change it.
void ReplicationRun::schedule_review() {
  const Patience& pat = s_.patience;
  if (pat.model != PatienceModel::Reviews || theta_ == kInf) {
    next_review_ = kInf;
    return;
  }
  const double r = pat.review_every;
  const double tolerated = theta_ * multiplier();
  // Reviews before now have passed: one skipped while the programme was not overdue must
  // not fire late when the multiplier drops at a sponsor exit.
  const double k_now = first_review(t_, r, false);
  if (k_now >= 9e15) {
    next_review_ = kInf;
    return;
  }
  std::int64_t k = std::max(review_k_, static_cast<std::int64_t>(k_now));
  if (pat.grace > 0.0) {
    auto k_grace = static_cast<std::int64_t>(std::ceil(pat.grace / r));
    while (static_cast<double>(k_grace) * r < pat.grace) ++k_grace;
    k = std::max(k, k_grace);
  }
  const double limit = (last_visible_ + tolerated) / r;
  if (limit >= 9e15) {
    next_review_ = kInf;
    return;
  }
  k = std::max(k, static_cast<std::int64_t>(std::floor(limit)));
  // Overdue is strict: g > θ·m.
  while (static_cast<double>(k) * r - last_visible_ <= tolerated) ++k;
  next_review_ = static_cast<double>(k) * r;
}

void ReplicationRun::on_patience() {
  const Patience& pat = s_.patience;
  if (pat.model == PatienceModel::Hazard) {
    end(Outcome::Ended, Cause::Patience);
    return;
  }
  const auto k = static_cast<std::uint64_t>(std::llround(next_review_ / pat.review_every));
  const bool cut = pat.cancel_prob >= 1.0 ||
                   uniform(Mechanism::Patience, Place::of(kReviewCut, k)) < pat.cancel_prob;
  if (cut) {
    end(Outcome::Ended, Cause::Patience);
    return;
  }
  review_k_ = static_cast<std::int64_t>(std::llround(next_review_ / pat.review_every)) + 1;
}

// Squeezes are an organisation-level event decided once per budget cycle k (its own
// draw), so the next squeeze is the first cycle whose draw falls under squeeze_prob.
void ReplicationRun::schedule_squeeze() {
  const Budget& b = s_.budget;
  if (!b.enabled || b.squeeze_prob <= 0.0) {
    next_squeeze_ = kInf;
    return;
  }
  for (;;) {
    ++budget_k_;
    const double at = static_cast<double>(budget_k_) * b.every;
    if (at > s_.horizon) {
      next_squeeze_ = kInf;
      return;
    }
    if (b.squeeze_prob >= 1.0 ||
        uniform(Mechanism::Budget, Place::of(kSqueeze, static_cast<std::uint64_t>(budget_k_))) <
            b.squeeze_prob) {
      next_squeeze_ = at;
      return;
    }
  }
}

void ReplicationRun::on_budget() {
  const double clout = vacant_ ? 0.0 : sponsor().clout;
  if (uniform(Mechanism::Budget, Place::of(kBudgetCut, static_cast<std::uint64_t>(budget_k_))) <
      s_.budget.cut_prob * (1.0 - clout)) {
    end(Outcome::Ended, Cause::BudgetCut);
    return;
  }
  schedule_squeeze();
}

void ReplicationRun::on_sponsor_event() {
  const Succession& su = s_.succession;
  // A review at this instant came first (tie order), under the old multiplier.
  const double k_next = first_review(t_, s_.patience.review_every, true);
  if (s_.patience.model == PatienceModel::Reviews && k_next < 9e15)
    review_k_ = std::max(review_k_, static_cast<std::int64_t>(k_next));
  if (!vacant_) {
    ++rec_.sponsor_changes;
    vacant_ = true;
    previous_level_ = level_;
    ++sponsor_number_;  // the post's next incumbent, whose vacancy starts now
    sponsor_event_ = t_ + su.vacancy.quantile(
                              uniform(Mechanism::Succession, Place::of(kVacancy, sponsor_number_)));
    return;
  }
  if (!(uniform(Mechanism::Succession, Place::of(kAdoption, sponsor_number_)) < su.adoption)) {
    end(Outcome::Ended, Cause::SponsorExit);
    return;
  }
  if (!su.successor_same) {
    Rng level_draw = draw(Mechanism::Succession, Place::of(kSuccessorLevel, sponsor_number_));
    level_ = su.successor.sample(level_draw);
  } else {
    level_ = previous_level_;
  }
  vacant_ = false;
  sponsor_event_ =
      t_ + sponsor().tenure.quantile(uniform(Mechanism::Sponsor, tenure_place(sponsor_number_)));
}

void ReplicationRun::end(Outcome outcome, Cause cause) {
  done_ = true;
  rec_.outcome = outcome;
  rec_.cause = cause;
  rec_.end_time = t_;
  if (outcome == Outcome::Completed) {
    // Pending follow-ups are still delivered after their remaining delay.
    std::sort(follow_ups_.begin(), follow_ups_.end(),
              [](const FollowUp& a, const FollowUp& b) { return a.due < b.due; });
    for (const auto& f : follow_ups_) judge_follow_up(t_ + (f.due - p_), f.start);
  } else {
    for (std::size_t i = 0; i < follow_ups_.size(); ++i)
      rec_.customer_trust *= 1.0 - s_.customers.trust_loss;
  }
  follow_ups_.clear();
}

}  // namespace

ReplicationRecord simulate_replication(const Scenario& scenario, std::uint64_t seed,
                                       std::uint64_t replication) {
  return ReplicationRun(scenario, seed, replication).run();
}

}  // namespace progsurv
