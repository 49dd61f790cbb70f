#include "progsurv/engine/replication.hpp"

#include <algorithm>
#include <boost/container/small_vector.hpp>
#include <cmath>

#include "engine/sponsor_places.hpp"
#include "progsurv/engine/cancel.hpp"
#include "progsurv/engine/programme.hpp"

namespace progsurv {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

using places::kAdoption;
using places::kBudgetCut;
using places::kProposal;
using places::kSqueeze;
using places::kSuccessorLevel;
using places::kVacancy;
constexpr Place tenure_place(int n) { return places::tenure(n); }
constexpr Place lapse_place(int n, int j) { return places::lapse(n, j); }

// A single-programme replication: the programme (its event logic lives in Programme) and
// its sponsor seats (rule 14: seat 0 is the lead, one more per co-sponsor), each with its
// tenure, succession and attention, and the programme's own budget calendar. The programme
// reads the acting sponsor through sponsor_.
class ReplicationRun {
 public:
  ReplicationRun(const Scenario& s, std::uint64_t seed, std::uint64_t replication,
                 std::vector<DrawTrace>* trace)
      : s_(s),
        d_(seed, replication, 0, trace, &first_),
        prog_(s, d_, sponsor_, rec_, &rec_.customer_trust),
        seed_(seed),
        replication_(replication),
        trace_(trace) {
    prog_.batch_phases(&later_);
  }

  ReplicationRecord run();
  void record_deliveries(std::vector<double>* sink) { prog_.record_deliveries(sink); }
  double approved_at() const { return prog_.started() ? prog_.started_at() : kInf; }

 private:
  // One sponsor seat. Seat k's decisions are those of entity k (seat 0: the lead's, entity 0,
  // the keys of rules 1-13), numbered by the seat's own sponsor number.
  struct Seat {
    Decisions d;
    int level = -1;
    bool vacant = false, lost = false, engaged = true;
    double event = kInf;      // next exit (in post) or end of vacancy
    double lapse_due = kInf;  // when the sponsor in post disengages (rule 12)
    int number = 0, lapses = 0, previous_level = -1;
    bool filled() const { return !vacant && !lost; }
  };

  const SponsorLevel& level_of(const Seat& seat) const {
    return s_.levels[static_cast<std::size_t>(seat.level)];
  }
  double lapse(Seat& seat) {
    const Distribution& L = level_of(seat).attention_lapse;
    if (L.kind() == DistKind::Never) return kInf;
    // The lead's first lapse has a slot (co-sponsors' Decisions have no first blocks).
    const Slot slot = seat.number == 0 && seat.lapses == 0 ? Slot::Lapse : Slot::None;
    return t_ + L.quantile(seat.d.uniform(Mechanism::Attention,
                                          lapse_place(seat.number, seat.lapses++), slot));
  }
  void schedule_squeeze();
  void seat_co_sponsors();
  void refresh_next();
  bool update_acting();
  void on_sponsor_event(std::size_t k);
  void on_lapse(std::size_t k);
  void on_visible_result();

  const Scenario& s_;
  PhiloxLanes first_;  // the slots' first blocks (Slot), computed when run() starts
  PhaseBlocks later_;  // the current phase's (phase >= 1), computed when it starts
  Decisions d_;
  SponsorState sponsor_;
  ReplicationRecord rec_;
  Programme prog_;
  std::uint64_t seed_, replication_;
  std::vector<DrawTrace>* trace_;

  double t_ = 0.0;
  boost::container::small_vector<Seat, 1> seats_;
  std::size_t acting_ = 0;       // the acting seat, when one is filled
  double sponsor_event_ = kInf;  // the earliest seat event
  double lapse_due_ = kInf;      // the earliest lapse
  std::int64_t budget_k_ = 0;
  double next_squeeze_ = kInf;
};

ReplicationRecord ReplicationRun::run() {
  first_blocks(first_, seed_, replication_);
  const auto [u_level, u_approval] = d_.uniform_pair(Mechanism::Sponsor, kProposal, Slot::Proposal);
  seats_.push_back(Seat{d_});
  Seat& lead = seats_[0];
  lead.level = s_.sponsor.pick(u_level);
  sponsor_.level = lead.level;
  rec_.initial_level = lead.level;
  // The initial sponsor is in post from t = 0 (rules 2 and 11): their remaining tenure and
  // their attention run while the proposal is scoped.
  const Distribution& tenure = level_of(lead).tenure;
  if (tenure.kind() != DistKind::Never) {
    const double u = d_.uniform(Mechanism::Sponsor, tenure_place(0), Slot::Tenure);
    lead.event = s_.initial_sponsor == InitialSponsor::Residual ? tenure.residual_quantile(u)
                                                                : tenure.quantile(u);
  }
  lead.lapse_due = lapse(lead);
  refresh_next();
  if (!s_.co_sponsors.empty()) {
    prog_.on_start([](void* run) { static_cast<ReplicationRun*>(run)->seat_co_sponsors(); }, this);
    // With co-sponsors the re-engagement can change the acting sponsor, whose level the next
    // phase's resource wait is drawn under: the programme calls back before drawing it.
    prog_.on_visible([](void* run) { static_cast<ReplicationRun*>(run)->on_visible_result(); },
                     this);
  }
  prog_.begin_scoping(u_approval);
  schedule_squeeze();

  const double horizon = s_.horizon;
  std::uint32_t events = 0;  // a stop request is polled every 4096 events (cancel.hpp)
  while (!prog_.done()) {
    if ((++events & 4095u) == 0) throw_if_stopped();
    const double t_progress = prog_.next_progress();
    const double t_patience = prog_.next_patience();
    const double t_reengage = prog_.next_reengagement();
    const double t_next =
        std::min({t_progress, t_patience, next_squeeze_, sponsor_event_, lapse_due_, t_reengage});
    if (t_next > horizon) {
      prog_.end_at_horizon(horizon);
      break;
    }
    // Ties: progress events, then patience, then budget, then sponsor events (every seat's
    // exit or end of vacancy, lower seat first, then lapses of attention), then a
    // re-engagement with customers (rule 17).
    prog_.advance(t_next);
    t_ = t_next;
    if (t_progress == t_next) {
      // The lead alone: handled after the event (the lead's level cannot change with it).
      if (prog_.on_progress() && s_.co_sponsors.empty()) on_visible_result();
    } else if (t_patience == t_next) {
      prog_.on_patience();
    } else if (next_squeeze_ == t_next) {
      // A squeeze before the start (while scoping) does not touch the programme.
      if (prog_.started()) {
        const auto k = static_cast<std::uint64_t>(budget_k_);
        prog_.on_squeeze(d_.uniform(Mechanism::Budget, Place::of(kBudgetCut, k)));
      }
      schedule_squeeze();
    } else if (sponsor_event_ == t_next) {
      std::size_t k = 0;
      while (seats_[k].event != t_next) ++k;
      on_sponsor_event(k);
    } else if (lapse_due_ == t_next) {
      std::size_t k = 0;
      while (seats_[k].lapse_due != t_next) ++k;
      on_lapse(k);
    } else {
      prog_.on_reengagement();
    }
  }
  return rec_;
}

void ReplicationRun::refresh_next() {
  if (seats_.size() == 1) {  // the lead alone: the common case, kept cheap
    sponsor_event_ = seats_[0].event;
    lapse_due_ = seats_[0].lapse_due;
    return;
  }
  sponsor_event_ = lapse_due_ = kInf;
  for (const Seat& seat : seats_) {
    sponsor_event_ = std::min(sponsor_event_, seat.event);
    lapse_due_ = std::min(lapse_due_, seat.lapse_due);
  }
}

// Rule 14: the acting sponsor is the filled seat with the highest effective clout (ties to
// the lower seat); with none filled the programme's clocks freeze. Returns whether what the
// programme sees changed.
bool ReplicationRun::update_acting() {
  const SponsorState before = sponsor_;
  const std::size_t acting_before = acting_;
  bool filled = false;
  if (seats_.size() == 1) {  // the lead alone
    filled = seats_[0].filled();
    acting_ = 0;
  } else {
    double best = -1.0;
    for (std::size_t k = 0; k < seats_.size(); ++k) {
      const Seat& seat = seats_[k];
      if (!seat.filled()) continue;
      const double c = level_of(seat).clout * (seat.engaged ? 1.0 : s_.disengaged.clout);
      if (c > best) {
        best = c;
        acting_ = k;
        filled = true;
      }
    }
  }
  sponsor_.vacant = !filled;
  if (sponsor_.vacant) {
    sponsor_.engaged = true;  // a vacancy ends attention; the level stays the last one's
  } else {
    sponsor_.level = seats_[acting_].level;
    sponsor_.engaged = seats_[acting_].engaged;
  }
  return sponsor_.vacant != before.vacant || sponsor_.level != before.level ||
         sponsor_.engaged != before.engaged || acting_ != acting_before;
}

// Rule 14: at the start S each co-sponsor takes a seat: a sponsor of the seat's level already
// in post (remaining tenure by the initial_sponsor rule) whose attention starts now.
void ReplicationRun::seat_co_sponsors() {
  for (std::size_t i = 0; i < s_.co_sponsors.size(); ++i) {
    Seat seat{Decisions(seed_, replication_, static_cast<std::uint32_t>(i + 1), trace_)};
    seat.level = s_.co_sponsors[i];
    const Distribution& tenure = level_of(seat).tenure;
    if (tenure.kind() != DistKind::Never) {
      const double u = seat.d.uniform(Mechanism::Sponsor, tenure_place(0));
      seat.event =
          t_ + (s_.initial_sponsor == InitialSponsor::Residual ? tenure.residual_quantile(u)
                                                               : tenure.quantile(u));
    }
    seats_.push_back(std::move(seat));
    seats_.back().lapse_due = lapse(seats_.back());
  }
  refresh_next();
  update_acting();
}

// Squeezes are decided once per budget cycle k (its own draw), so the next squeeze is the
// first cycle whose draw falls under squeeze_prob.
void ReplicationRun::schedule_squeeze() {
  const Budget& b = s_.budget;
  next_squeeze_ = kInf;
  if (!b.enabled || b.squeeze_prob <= 0.0) return;
  for (;;) {
    ++budget_k_;
    const double at = static_cast<double>(budget_k_) * b.every;
    if (at > s_.horizon) return;
    if (b.squeeze_prob >= 1.0 ||
        d_.uniform(Mechanism::Budget, Place::of(kSqueeze, static_cast<std::uint64_t>(budget_k_)),
                   budget_k_ <= 4
                       ? static_cast<Slot>(static_cast<int>(Slot::Squeeze1) + budget_k_ - 1)
                       : Slot::None) < b.squeeze_prob) {
      next_squeeze_ = at;
      return;
    }
  }
}

// Rules 12 and 14: a visible result re-engages every seat at once and restarts the attention
// of every filled seat.
void ReplicationRun::on_visible_result() {
  if (seats_.size() == 1) {  // the lead alone: rule 12 as it stands
    Seat& lead = seats_[0];
    if (!lead.engaged) {
      lead.engaged = sponsor_.engaged = true;
      prog_.on_reengage();
    }
    lapse_due_ = lead.lapse_due = lapse(lead);
    return;
  }
  bool reengaged = false;
  for (Seat& seat : seats_) {
    if (!seat.engaged) {
      seat.engaged = true;
      reengaged = true;
    }
    if (seat.filled()) seat.lapse_due = lapse(seat);
  }
  refresh_next();
  if (reengaged) {
    update_acting();
    prog_.on_reengage();
  }
}

void ReplicationRun::on_lapse(std::size_t k) {
  Seat& seat = seats_[k];
  seat.engaged = false;
  ++rec_.disengagements;
  seat.lapse_due = kInf;
  if (seats_.size() == 1) {  // the lead alone is the acting sponsor
    lapse_due_ = kInf;
    sponsor_.engaged = false;
    prog_.on_acting_change();
    return;
  }
  refresh_next();
  if (update_acting()) prog_.on_acting_change();
}

void ReplicationRun::on_sponsor_event(std::size_t k) {
  const Succession& su = s_.succession;
  Seat& seat = seats_[k];
  if (!seat.vacant) {
    // An exit while the proposal is scoped kills it (rule 11); it is not a sponsor change.
    if (prog_.scoping()) {
      prog_.end_proposal();
      return;
    }
    ++rec_.sponsor_changes;
    seat.vacant = true;
    seat.engaged = true;  // the vacancy ends the sponsor's attention, lapsed or not
    seat.lapse_due = kInf;
    seat.previous_level = seat.level;
    ++seat.number;  // the seat's next incumbent, whose vacancy starts now
    seat.event = t_ + su.vacancy.quantile(seat.d.uniform(
                          Mechanism::Succession,
                          Place::of(kVacancy, static_cast<std::uint64_t>(seat.number))));
    refresh_next();
    if (update_acting()) prog_.on_acting_change();
    return;
  }
  const auto n = static_cast<std::uint64_t>(seat.number);
  seat.vacant = false;
  seat.event = kInf;
  const bool adopted = seat.d.uniform(Mechanism::Succession, Place::of(kAdoption, n)) < su.adoption;
  if (!adopted) {
    // The seat is lost; the programme ends when every seat is (rule 14).
    seat.lost = true;
    refresh_next();
    if (std::all_of(seats_.begin(), seats_.end(), [](const Seat& x) { return x.lost; }))
      prog_.on_vacancy_end(false);
    return;
  }
  // A co-sponsor's successor is of the seat's level; the lead's follows successor_level.
  seat.level =
      su.successor_same || k > 0
          ? seat.previous_level
          : su.successor.pick(seat.d.uniform(Mechanism::Succession, Place::of(kSuccessorLevel, n)));
  seat.engaged = true;
  const Distribution& tenure = level_of(seat).tenure;
  seat.event =
      tenure.kind() == DistKind::Never
          ? kInf
          : t_ + tenure.quantile(seat.d.uniform(Mechanism::Sponsor, tenure_place(seat.number)));
  seat.lapses = 0;
  seat.lapse_due = lapse(seat);
  refresh_next();
  if (update_acting()) prog_.on_acting_change();
}

}  // namespace

ReplicationRecord simulate_replication(const Scenario& scenario, std::uint64_t seed,
                                       std::uint64_t replication, std::vector<DrawTrace>* trace,
                                       ReplicationTimeline* timeline) {
  ReplicationRun run(scenario, seed, replication, trace);
  if (!timeline) return run.run();
  timeline->delivered_at.clear();
  run.record_deliveries(&timeline->delivered_at);
  ReplicationRecord rec = run.run();
  timeline->approved_at = run.approved_at();
  return rec;
}

}  // namespace progsurv
