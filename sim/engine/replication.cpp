#include "progsurv/engine/replication.hpp"

#include "progsurv/engine/cancel.hpp"

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
  Rng& stream(Mechanism m) {
    const auto i = static_cast<unsigned>(m);
    if (!(seeded_ & (1u << i))) {
      rng_[i].reseed(seed_, replication_, m);
      seeded_ |= 1u << i;
    }
    return rng_[i];
  }

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

  const Scenario& s_;
  const std::uint64_t seed_, replication_;
  Rng rng_[static_cast<int>(Mechanism::Count)];
  unsigned seeded_ = 0;

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
  Rng& sp = stream(Mechanism::Sponsor);
  level_ = s_.sponsor.sample(sp);
  rec_.initial_level = level_;
  if (!sp.bernoulli(sponsor().approval)) {
    rec_.outcome = Outcome::NotStarted;
    return rec_;
  }
  const double tenure = s_.initial_sponsor == InitialSponsor::Residual
                            ? sponsor().tenure.sample_residual(sp)
                            : sponsor().tenure.sample(sp);
  sponsor_event_ = tenure;

  const Patience& pat = s_.patience;
  if (pat.model == PatienceModel::Reviews) {
    theta_ = pat.threshold.sample(stream(Mechanism::Patience));
  } else if (pat.model == PatienceModel::Hazard && pat.rate > 0.0) {
    hazard_left_ = -std::log(stream(Mechanism::Patience).uniform());
  }
  schedule_squeeze();
  start_phase();

  const double horizon = s_.horizon;
  std::uint32_t events = 0;  // a stop request is polled every 4096 events (cancel.hpp)
  while (!done_) {
    if ((++events & 4095u) == 0) throw_if_stopped();
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
  activity_due_ = p_ + sponsor().resource_delay.sample(stream(Mechanism::Resources));
}

void ReplicationRun::start_work() {
  activity_ = Activity::Work;
  const Step& st = phase().steps[static_cast<std::size_t>(step_)];
  activity_due_ = p_ + st.work.sample(stream(Mechanism::Work));
}

void ReplicationRun::on_activity_done() {
  switch (activity_) {
    case Activity::Resources:
      if (phase().engage) {
        const double f = s_.customers.follow_up.sample(stream(Mechanism::Customers));
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
          activity_due_ = p_ + s_.pickup(from, to).sample(stream(Mechanism::Handoff));
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
      if (!stream(Mechanism::Gate).bernoulli(phase().continue_prob)) {
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
      if (!stream(Mechanism::Handoff).bernoulli(s_.break_prob(from, to))) {
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
      activity_due_ = p_ + s_.escalation.delay.sample(stream(Mechanism::Escalation));
      return;
    }
    case Activity::Escalation: {
      Rng& esc = stream(Mechanism::Escalation);
      if (esc.bernoulli(sponsor().clout)) {
        start_work();
      } else if (attempts_ < s_.escalation.max_attempts) {
        ++attempts_;
        ++rec_.escalations;
        activity_due_ = p_ + s_.escalation.delay.sample(esc);
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
  const bool cut = pat.cancel_prob >= 1.0 || stream(Mechanism::Patience).bernoulli(pat.cancel_prob);
  if (cut) {
    end(Outcome::Ended, Cause::Patience);
    return;
  }
  review_k_ = static_cast<std::int64_t>(std::llround(next_review_ / pat.review_every)) + 1;
}

// Squeezes are an organisation-level event: the number of cycles to the next one is
// geometric, so one draw covers all the quiet years in between.
void ReplicationRun::schedule_squeeze() {
  const Budget& b = s_.budget;
  if (!b.enabled || b.squeeze_prob <= 0.0) {
    next_squeeze_ = kInf;
    return;
  }
  std::int64_t gap = 1;
  if (b.squeeze_prob < 1.0) {
    const double u = stream(Mechanism::Budget).uniform();
    const double g = std::floor(std::log(u) / std::log1p(-b.squeeze_prob));
    if (g > 1e9) {
      next_squeeze_ = kInf;
      return;
    }
    gap += static_cast<std::int64_t>(g);
  }
  budget_k_ += gap;
  next_squeeze_ = static_cast<double>(budget_k_) * b.every;
}

void ReplicationRun::on_budget() {
  const double clout = vacant_ ? 0.0 : sponsor().clout;
  if (stream(Mechanism::Budget).bernoulli(s_.budget.cut_prob * (1.0 - clout))) {
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
    sponsor_event_ = t_ + su.vacancy.sample(stream(Mechanism::Succession));
    return;
  }
  Rng& rs = stream(Mechanism::Succession);
  if (!rs.bernoulli(su.adoption)) {
    end(Outcome::Ended, Cause::SponsorExit);
    return;
  }
  level_ = su.successor_same ? previous_level_ : su.successor.sample(rs);
  vacant_ = false;
  sponsor_event_ = t_ + sponsor().tenure.sample(stream(Mechanism::Sponsor));
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
