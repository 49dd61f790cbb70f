#include "progsurv/engine/replication.hpp"

#include <algorithm>
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
// the sponsor it has to itself, with that sponsor's tenure, succession and attention, and
// the programme's own budget calendar.
class ReplicationRun {
 public:
  ReplicationRun(const Scenario& s, std::uint64_t seed, std::uint64_t replication,
                 std::vector<DrawTrace>* trace)
      : s_(s),
        d_(seed, replication, 0, trace),
        prog_(s, d_, sponsor_, rec_, &rec_.customer_trust) {}

  ReplicationRecord run();

 private:
  const SponsorLevel& level() const { return s_.levels[static_cast<std::size_t>(sponsor_.level)]; }
  double lapse() {
    const Distribution& L = level().attention_lapse;
    if (L.kind() == DistKind::Never) return kInf;
    return t_ +
           L.quantile(d_.uniform(Mechanism::Attention, lapse_place(sponsor_number_, lapses_++)));
  }
  void schedule_squeeze();
  void on_sponsor_event();
  void on_visible_result();

  const Scenario& s_;
  Decisions d_;
  SponsorState sponsor_;
  ReplicationRecord rec_;
  Programme prog_;

  double t_ = 0.0;
  double sponsor_event_ = kInf;  // next exit (in post) or end of vacancy
  double lapse_due_ = kInf;      // when the sponsor in post disengages (rule 12)
  int sponsor_number_ = 0, lapses_ = 0, previous_level_ = -1;
  std::int64_t budget_k_ = 0;
  double next_squeeze_ = kInf;
};

ReplicationRecord ReplicationRun::run() {
  const auto [u_level, u_approval] = d_.uniform_pair(Mechanism::Sponsor, kProposal);
  sponsor_.level = s_.sponsor.pick(u_level);
  rec_.initial_level = sponsor_.level;
  // The initial sponsor is in post from t = 0 (rules 2 and 11): their remaining tenure and
  // their attention run while the proposal is scoped.
  const Distribution& tenure = level().tenure;
  if (tenure.kind() != DistKind::Never) {
    const double u = d_.uniform(Mechanism::Sponsor, tenure_place(0));
    sponsor_event_ = s_.initial_sponsor == InitialSponsor::Residual ? tenure.residual_quantile(u)
                                                                    : tenure.quantile(u);
  }
  lapse_due_ = lapse();
  prog_.begin_scoping(u_approval);
  schedule_squeeze();

  const double horizon = s_.horizon;
  std::uint32_t events = 0;  // a stop request is polled every 4096 events (cancel.hpp)
  while (!prog_.done()) {
    if ((++events & 4095u) == 0) throw_if_stopped();
    const double t_progress = prog_.next_progress();
    const double t_patience = prog_.next_patience();
    const double t_next =
        std::min({t_progress, t_patience, next_squeeze_, sponsor_event_, lapse_due_});
    if (t_next > horizon) {
      prog_.end_at_horizon(horizon);
      break;
    }
    // Ties: progress events, then patience, then budget, then sponsor events (exit or end
    // of vacancy, then a lapse of attention).
    prog_.advance(t_next);
    t_ = t_next;
    if (t_progress == t_next) {
      if (prog_.on_progress()) on_visible_result();
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
      on_sponsor_event();
    } else {
      sponsor_.engaged = false;
      ++rec_.disengagements;
      lapse_due_ = kInf;
      prog_.on_disengage();
    }
  }
  return rec_;
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
        d_.uniform(Mechanism::Budget, Place::of(kSqueeze, static_cast<std::uint64_t>(budget_k_))) <
            b.squeeze_prob) {
      next_squeeze_ = at;
      return;
    }
  }
}

// Rule 12: a visible result re-engages the sponsor at once and restarts their attention.
void ReplicationRun::on_visible_result() {
  if (!sponsor_.engaged) {
    sponsor_.engaged = true;
    prog_.on_reengage();
  }
  lapse_due_ = lapse();
}

void ReplicationRun::on_sponsor_event() {
  const Succession& su = s_.succession;
  if (!sponsor_.vacant) {
    // An exit while the proposal is scoped kills it (rule 11); it is not a sponsor change.
    if (prog_.scoping()) {
      prog_.end_proposal();
      return;
    }
    prog_.on_exit();
    sponsor_.vacant = true;
    sponsor_.engaged = true;  // the vacancy ends the sponsor's attention, lapsed or not
    lapse_due_ = kInf;
    previous_level_ = sponsor_.level;
    ++sponsor_number_;  // the post's next incumbent, whose vacancy starts now
    sponsor_event_ = t_ + su.vacancy.quantile(d_.uniform(
                              Mechanism::Succession,
                              Place::of(kVacancy, static_cast<std::uint64_t>(sponsor_number_))));
    return;
  }
  const auto n = static_cast<std::uint64_t>(sponsor_number_);
  const bool adopted = d_.uniform(Mechanism::Succession, Place::of(kAdoption, n)) < su.adoption;
  if (!adopted) {
    sponsor_.vacant = false;
    prog_.on_vacancy_end(false);
    return;
  }
  sponsor_.level =
      su.successor_same
          ? previous_level_
          : su.successor.pick(d_.uniform(Mechanism::Succession, Place::of(kSuccessorLevel, n)));
  sponsor_.vacant = false;
  sponsor_.engaged = true;
  const Distribution& tenure = level().tenure;
  sponsor_event_ =
      tenure.kind() == DistKind::Never
          ? kInf
          : t_ + tenure.quantile(d_.uniform(Mechanism::Sponsor, tenure_place(sponsor_number_)));
  lapses_ = 0;
  lapse_due_ = lapse();
  prog_.on_vacancy_end(true);
}

}  // namespace

ReplicationRecord simulate_replication(const Scenario& scenario, std::uint64_t seed,
                                       std::uint64_t replication, std::vector<DrawTrace>* trace) {
  return ReplicationRun(scenario, seed, replication, trace).run();
}

}  // namespace progsurv
