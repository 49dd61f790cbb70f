// The exact solver's state space: from the start, every state of one programme and its timed
// transitions, each followed through the instantaneous branchings it leads to (docs/model.md,
// One replication, rules 1-15; docs/validation.md, Exact solver).
#include "analysis/exact_chain.hpp"

#include "progsurv/scenario/error.hpp"

namespace progsurv::exact_detail {

Builder::Builder(const Scenario& s)
    : s_(s),
      phase_count_(static_cast<int>(s.phases.size())),
      seats_(1 + static_cast<int>(s.co_sponsors.size())) {
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
  for (const auto& rung : s.escalation.ladder) {
    Stages d;
    classify(rung.delay, d, why);
    rung_.push_back(d);
  }
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

double Builder::effective_clout(const Seat& seat) const {
  double clout = s_.levels[static_cast<std::size_t>(seat.level)].clout;
  if (!seat.engaged) clout *= s_.disengaged.clout;
  return clout;
}

int Builder::acting(const Key& k) const {
  int best = -1;
  double best_clout = 0.0;
  for (int i = 0; i < seats_; ++i) {
    const Seat& seat = k.seat[static_cast<std::size_t>(i)];
    if (seat.status != kFilled) continue;
    const double c = effective_clout(seat);
    if (best < 0 || c > best_clout) {
      best = i;
      best_clout = c;
    }
  }
  return best;
}

int Builder::state(const Key& k) {
  const auto [it, inserted] = index_.emplace(k, static_cast<int>(keys_.size()));
  if (inserted) keys_.push_back(k);
  return it->second;
}

const Stages& Builder::duration(const Key& k) const {
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
      return static_cast<std::size_t>(k.rung) < rung_.size()
                 ? rung_[static_cast<std::size_t>(k.rung)]
                 : escalation_;
  }
}

Branches Builder::initial() {
  Branches b;
  const LevelMix& mix = s_.sponsor;
  for (std::size_t i = 0; i < mix.level.size(); ++i) {
    const double p = mix.prob[i];
    if (!(p > 0.0)) continue;
    // The initial sponsor is in post from t = 0, engaged, while the proposal is scoped;
    // the co-sponsors take their seats when it starts.
    Key k;
    Seat& lead = k.seat[0];
    lead.level = mix.level[i];
    lead.status = kFilled;
    k.act = kScoping;
    const Stages& t = tenure_[static_cast<std::size_t>(lead.level)];
    if (t.kind == Stages::Kind::Timed && s_.initial_sponsor == InitialSponsor::Residual) {
      // The equilibrium residual of Erlang-k is an equal mixture of Erlang-1..k: the
      // sponsor is in each of the k stages with the same probability.
      for (int u = 0; u < t.k; ++u) {
        lead.stage = static_cast<std::int16_t>(u);
        enter(k, p / t.k, b);
      }
    } else {
      enter(k, p, b);
    }
  }
  return b;
}

void Builder::build() {
  init_ = initial();
  for (std::size_t x = 0; x < keys_.size(); ++x) {
    if (keys_.size() > kMaxStates)
      throw ScenarioError(s_.source, 0, 0, "",
                          "the exact solver's chain has more than " + std::to_string(kMaxStates) +
                              " states; use a Monte Carlo run");
    const Key k = keys_[x];
    const int xi = static_cast<int>(x);
    // Progress clocks run while some seat is filled (rule 14).
    const int a = acting(k);
    if (a >= 0) {
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
        // A resource wait runs `resources` times more slowly while the acting sponsor is
        // disengaged.
        const double slow = k.act == kResources && !k.seat[static_cast<std::size_t>(a)].engaged
                                ? s_.disengaged.resources
                                : 1.0;
        transitions_.push_back({xi, d.rate / slow, std::move(b)});
      }
    }
    // Each seat's own clocks, lower seat first; while scoping only the lead's seat exists.
    for (int i = 0; i < seats_; ++i) {
      const Seat& seat = k.seat[static_cast<std::size_t>(i)];
      if (seat.status == kFilled) {
        const Stages& l = lapse_[static_cast<std::size_t>(seat.level)];
        if (seat.engaged && l.kind == Stages::Kind::Timed) {
          Branches b;
          Key n = k;
          n.seat[static_cast<std::size_t>(i)].engaged = 0;
          // A lapse while scoping is counted only if the proposal is approved (see
          // complete()): the means are over started programmes.
          if (k.act != kScoping) b.counts[kDisengagements] += 1.0;
          b.add(state(n), 1.0);
          transitions_.push_back({xi, l.rate, std::move(b)});
        }
        const Stages& t = tenure_[static_cast<std::size_t>(seat.level)];
        if (t.kind == Stages::Kind::Timed) {
          Branches b;
          if (seat.stage + 1 < t.k) {
            Key n = k;
            ++n.seat[static_cast<std::size_t>(i)].stage;
            b.add(state(n), 1.0);
          } else {
            seat_exit(k, i, 1.0, b);
          }
          transitions_.push_back({xi, t.rate, std::move(b)});
        }
      } else if (seat.status == kVacant && vacancy_.kind == Stages::Kind::Timed) {
        Branches b;
        if (seat.stage + 1 < vacancy_.k) {
          Key n = k;
          ++n.seat[static_cast<std::size_t>(i)].stage;
          b.add(state(n), 1.0);
        } else {
          vacancy_end(k, i, 1.0, b);
        }
        transitions_.push_back({xi, vacancy_.rate, std::move(b)});
      }
    }
  }
}

// Starts the activity in k (its first stage), or completes it at once when it takes no
// time.
void Builder::enter(Key k, double w, Branches& b) {
  k.stage = 0;
  if (duration(k).kind == Stages::Kind::Instant) {
    complete(k, w, b);
  } else {
    b.add(state(k), w);
  }
}

void Builder::start_phase(Key k, double w, Branches& b) {
  k.step = 0;
  k.act = kResources;
  // Drawn under the acting sponsor's level now (some seat is filled: an activity just ended).
  k.act_level = k.seat[static_cast<std::size_t>(acting(k))].level;
  k.attempt = 0;
  k.rung = 0;
  enter(k, w, b);
}

void Builder::start_work(Key k, double w, Branches& b) {
  k.act = kWork;
  k.act_level = -1;
  k.attempt = 0;
  k.rung = 0;
  enter(k, w, b);
}

// An attempt starts at the ladder's first rung (at the sponsor when the ladder is empty).
void Builder::start_escalation(Key k, int attempt, double w, Branches& b) {
  b.counts[kEscalations] += w;
  k.act = kEscalation;
  k.act_level = -1;
  k.attempt = attempt;
  k.rung = 0;
  enter(k, w, b);
}

void Builder::attempt_failed(const Key& k, double w, Branches& b) {
  if (k.attempt < s_.escalation.max_attempts) {
    start_escalation(k, k.attempt + 1, w, b);
  } else {
    b.add(absorbing(EndCategory::HandoffFailure, k.phase), w);
  }
}

// Rule 14: at the start each co-sponsor takes a seat of its level, a sponsor already in post
// (remaining tenure by the initial_sponsor rule), engaged (the first lapse is a full draw).
void Builder::seat_co_sponsors(Key k, int seat, double w, Branches& b) {
  if (seat >= seats_) {
    start_phase(k, w, b);
    return;
  }
  Seat& s = k.seat[static_cast<std::size_t>(seat)];
  s.level = s_.co_sponsors[static_cast<std::size_t>(seat - 1)];
  s.status = kFilled;
  s.engaged = 1;
  s.stage = 0;
  const Stages& t = tenure_[static_cast<std::size_t>(s.level)];
  if (t.kind == Stages::Kind::Timed && s_.initial_sponsor == InitialSponsor::Residual) {
    for (int u = 0; u < t.k; ++u) {
      s.stage = static_cast<std::int16_t>(u);
      seat_co_sponsors(k, seat + 1, w / t.k, b);
    }
  } else {
    seat_co_sponsors(k, seat + 1, w, b);
  }
}

// The current activity of k ends (some seat filled): docs/model.md, One replication, rules 5,
// 6 and 15.
void Builder::complete(Key k, double w, Branches& b) {
  const auto& steps = phase(k).steps;
  // A visible result re-engages every seat (and redraws the lapse of every filled one,
  // which an exponential lapse does by itself).
  auto visible = [&] {
    for (int i = 0; i < seats_; ++i) k.seat[static_cast<std::size_t>(i)].engaged = 1;
  };
  switch (k.act) {
    case kScoping: {
      // Rule 11: approval at the end of scoping, under the lead's attention then.
      double approval = s_.levels[static_cast<std::size_t>(k.seat[0].level)].approval;
      if (!k.seat[0].engaged) approval *= s_.disengaged.approval;
      if (approval < 1.0) b.add(absorbing(EndCategory::NotStarted, 0), w * (1.0 - approval));
      if (!(approval > 0.0)) return;
      // The lapse during scoping of a programme that starts is now counted.
      if (!k.seat[0].engaged) b.counts[kDisengagements] += w * approval;
      seat_co_sponsors(k, 1, w * approval, b);
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
        // A step completion is a visible result when steps are visible.
        if (s_.patience.visible == Visible::Steps) visible();
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
        visible();  // a delivered phase is a visible result
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
      b.counts[kRungs] += w;  // the trial is drawn when its delay ends
      const auto& ladder = s_.escalation.ladder;
      if (static_cast<std::size_t>(k.rung) < ladder.size()) {
        // Rule 15: the rung resolves the break with its own clout; otherwise it passes the
        // attempt one rung higher with go_up, else the attempt fails.
        const EscalationRung& rung = ladder[static_cast<std::size_t>(k.rung)];
        if (rung.clout > 0.0) start_work(k, w * rung.clout, b);
        const double failed = w * (1.0 - rung.clout);
        if (!(failed > 0.0)) return;
        if (rung.go_up > 0.0) {
          Key up = k;
          ++up.rung;
          enter(up, failed * rung.go_up, b);
        }
        if (rung.go_up < 1.0) attempt_failed(k, failed * (1.0 - rung.go_up), b);
        return;
      }
      // At the sponsor: success uses the clout of whoever is acting when the delay ends,
      // as attentive as they are then.
      const double clout = effective_clout(k.seat[static_cast<std::size_t>(acting(k))]);
      if (clout > 0.0) start_work(k, w * clout, b);
      if (clout < 1.0) attempt_failed(k, w * (1.0 - clout), b);
      return;
    }
  }
}

void Builder::seat_exit(Key k, int seat, double w, Branches& b) {
  // Rule 11: an exit while scoping (only the lead is seated) kills the proposal; it is not a
  // sponsor change.
  if (k.act == kScoping) {
    b.add(absorbing(EndCategory::NotStarted, 0), w);
    return;
  }
  b.counts[kSponsorChanges] += w;
  Seat& s = k.seat[static_cast<std::size_t>(seat)];
  s.status = kVacant;
  s.engaged = 1;  // the vacancy ends the sponsor's attention
  s.stage = 0;
  if (vacancy_.kind == Stages::Kind::Instant) {
    vacancy_end(k, seat, w, b);
  } else {
    b.add(state(k), w);
  }
}

void Builder::vacancy_end(Key k, int seat, double w, Branches& b) {
  const Succession& su = s_.succession;
  Seat& s = k.seat[static_cast<std::size_t>(seat)];
  if (su.adoption < 1.0) {
    // Not adopted: the seat is lost; the programme ends when no seat is left (rule 14).
    Key lost = k;
    lost.seat[static_cast<std::size_t>(seat)] = Seat{0, 0, kLost, 1};
    bool any = false;
    for (int i = 0; i < seats_; ++i)
      any = any || lost.seat[static_cast<std::size_t>(i)].status != kLost;
    if (any) {
      b.add(state(lost), w * (1.0 - su.adoption));
    } else {
      b.add(absorbing(EndCategory::SponsorExit, k.phase), w * (1.0 - su.adoption));
    }
  }
  if (!(su.adoption > 0.0)) return;
  s.status = kFilled;
  s.stage = 0;  // a successor serves a full tenure
  // A co-sponsor's successor is of the seat's level; the lead's follows successor_level.
  if (seat > 0 || su.successor_same) {
    b.add(state(k), w * su.adoption);
    return;
  }
  for (std::size_t i = 0; i < su.successor.level.size(); ++i) {
    const double p = su.successor.prob[i];
    if (!(p > 0.0)) continue;
    s.level = su.successor.level[i];
    b.add(state(k), w * su.adoption * p);
  }
}

}  // namespace progsurv::exact_detail
