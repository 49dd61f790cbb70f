#pragma once
// The event logic of one programme (docs/model.md, One replication, rules 4-13), apart from who
// sponsors it. A Programme reads its sponsor through a SponsorState it does not own: in a single-
// programme run the replication's own sponsor (replication.cpp), in portfolio mode a post
// shared with other programmes. The driver that owns the sponsor tells the programme when
// the post empties or fills and when attention lapses; the programme tells the driver when
// it shows a visible result.
#include <algorithm>
#include <array>
#include <boost/container/small_vector.hpp>
#include <cassert>
#include <cstdint>
#include <limits>
#include <vector>

#include "progsurv/engine/cynicism.hpp"
#include "progsurv/engine/replication.hpp"
#include "progsurv/model/philox_lanes.hpp"
#include "progsurv/model/rng.hpp"
#include "progsurv/scenario/scenario.hpp"

namespace progsurv {

// Who is in the post that sponsors a programme, as the programme sees it.
struct SponsorState {
  int level = -1;
  bool vacant = false;
  bool engaged = true;  // rule 12: attention; a vacancy ends it, a successor arrives engaged
};

// The decisions of the programme (entity 0) that a single-programme replication almost always
// draws, each with a fixed slot: when the replication starts their first Philox blocks are
// computed together (first_blocks), and each call site that draws one names its slot, so its
// first two draws take no Philox (docs/performance.md, issue 21). Chosen by how often the
// baseline's replications draw them (at least ~half: the five first ones always).
enum class Slot : std::uint8_t {
  Proposal,  // Sponsor: initial level, approval
  Tenure,    // Sponsor: the first sponsor's tenure
  Lapse,     // Attention: the first sponsor's first lapse
  Scoping,   // Scoping
  Squeeze1,  // Budget: the squeeze draws of cycles 1 to 4
  Squeeze4 = Squeeze1 + 3,
  Threshold,   // Patience: the review threshold
  Resources0,  // phase 0: resource wait, recruitment, follow-up, gate
  Recruitment0,
  FollowUp0,
  Gate0,
  Work00,  // phase 0, steps 0 and 1: work, and the handoff between them
  Work01,
  Handoff01,
  Count,
  None = 0xFF
};
static_assert(static_cast<std::size_t>(Slot::Count) <= PhiloxLanes::kLanes);

// Computes the slots' first blocks of replication `replication` under `seed`.
void first_blocks(PhiloxLanes& lanes, std::uint64_t seed, std::uint64_t replication);

// Where a decision's first block was computed before it is drawn: a slot of the replication's
// first batch (a Slot converts to one), or a lane of a later batch (PhaseBlocks). None: the
// decision's stream computes it.
struct FirstBlock {
  static constexpr std::uint8_t kNone = 0xFF;
  FirstBlock(Slot slot = Slot::None) : lane(static_cast<std::uint8_t>(slot)) {}  // NOLINT
  FirstBlock(const PhiloxLanes* batch, std::uint8_t i) : lanes(batch), lane(i) {}
  const PhiloxLanes* lanes = nullptr;  // null: the first batch (Decisions knows it)
  std::uint8_t lane;
};

// Which lane of a batch holds each decision of one phase (kNone: none).
struct PhaseLanes {
  static constexpr std::size_t kSteps = 8;  // 1 + 8 works + 7 handoffs fill 16 lanes at most
  static constexpr std::uint8_t kNone = FirstBlock::kNone;
  std::uint8_t resources, recruitment, follow_up, gate;
  std::uint8_t work[kSteps], handoff[kSteps];  // handoff[j]: into step j
};

// The first blocks of a later phase's decisions (phase >= 1), computed together when the phase
// starts (phase_first_blocks; docs/performance.md, issue 21 part I): its resource wait,
// recruitment and follow-up (a phase that engages customers), gate (not the last phase), each
// step's work and each handoff between silos, as many as fit in the lanes.
struct PhaseBlocks {
  PhiloxLanes lanes;
  PhaseLanes layout;
};

// Computes phase `phase`'s first blocks (phase >= 1) of replication `replication` under `seed`
// for scenario `s`; returns how many lanes it named (bench_rng counts them).
std::size_t phase_first_blocks(PhaseBlocks& b, const Scenario& s, std::size_t phase,
                               std::uint64_t seed, std::uint64_t replication);

// Names and traces the random decisions of one entity (a programme, a post) of one
// replication: every draw is Rng(seed, replication, mechanism, place, entity). A call site
// may name where its decision's first block was computed: with first blocks set (a
// single-programme replication's programme) the stream starts from that block, otherwise it
// is ignored.
class Decisions {
 public:
  // `first`: the slots' blocks (filled by first_blocks for this seed and replication before
  // the first draw; entity 0 only), which must outlive every copy of these Decisions.
  Decisions(std::uint64_t seed, std::uint64_t replication, std::uint32_t entity = 0,
            std::vector<DrawTrace>* trace = nullptr, const PhiloxLanes* first = nullptr)
      : seed_(seed), replication_(replication), entity_(entity), trace_(trace), first_(first) {}
  std::uint64_t seed() const { return seed_; }
  std::uint64_t replication() const { return replication_; }
  std::uint32_t entity() const { return entity_; }
  Rng stream(Mechanism m, Place place, FirstBlock at = {}) const {
    const PhiloxLanes* lanes = at.lanes ? at.lanes : first_;
    if (first_ && at.lane != FirstBlock::kNone) {
      const std::size_t i = at.lane;
      // The call site and the batch must name the decision alike.
      assert(entity_ == 0 &&
             lanes->name_lo[i] == static_cast<std::uint32_t>(Rng::name(replication_, m, place)) &&
             lanes->name_hi[i] ==
                 static_cast<std::uint32_t>(Rng::name(replication_, m, place) >> 32));
      return Rng(seed_, replication_, m, place, entity_, Rng::lane_block(*lanes, i));
    }
    return Rng(seed_, replication_, m, place, entity_);
  }
  double uniform(Mechanism m, Place place, FirstBlock at = {}) const {
    const double u = stream(m, place, at).uniform();
    if (trace_) trace_->push_back({m, place.bits, u, entity_});
    return u;
  }
  // Two uniforms of one decision (e.g. a handoff's pickup, then its break): draws 0 and 1.
  std::pair<double, double> uniform_pair(Mechanism m, Place place, FirstBlock at = {}) const {
    const auto u = uniforms<2>(m, place, at);
    return {u[0], u[1]};
  }
  // The first N uniforms of one decision: draws 0 to N - 1.
  template <std::size_t N>
  std::array<double, N> uniforms(Mechanism m, Place place, FirstBlock at = {}) const {
    Rng r = stream(m, place, at);
    std::array<double, N> u;
    for (double& x : u) x = r.uniform();
    if (trace_)
      for (double x : u) trace_->push_back({m, place.bits, x, entity_});
    return u;
  }

 private:
  std::uint64_t seed_, replication_;
  std::uint32_t entity_;
  std::vector<DrawTrace>* trace_;
  const PhiloxLanes* first_;
};

// A follow-up still owed when its programme completed (portfolio mode): delivered at
// `delivered_at` (calendar) and judged then, so the organisation's trust changes at that
// moment rather than at the completion.
struct PendingFollowUp {
  double delivered_at;
  double start;
  int phase = 0;  // the engage phase it belongs to (keys a re-engagement, rule 17)
};

// A follow-up judged late at calendar time `at` (portfolio mode, rule 17): the organisation
// draws the re-engagement with the programme's keys, so it can fall after the programme ends.
struct LateFollowUp {
  double at;
  int phase;
};

class Programme {
 public:
  static constexpr double kInf = std::numeric_limits<double>::infinity();

  // `trust` is the customer trust the programme reads and updates (rules 9 and 13): its own
  // record's in a single-programme run, the organisation's in portfolio mode. `start` is
  // the calendar time of the proposal.
  Programme(const Scenario& s, const Decisions& d, const SponsorState& sponsor,
            ReplicationRecord& rec, double* trust, double start = 0.0);

  // Portfolio mode (docs/model.md, Portfolio mode): the organisation's cynicism, read by the break,
  // pickup and approval draws; and a sink for the follow-ups still owed at completion, which the
  // organisation delivers at their own time. Neither is set in a single-programme run.
  void set_cynicism(const Cynicism* cynicism) { cynicism_ = cynicism; }
  void defer_follow_ups(std::vector<PendingFollowUp>* sink) { deferred_ = sink; }
  // A single-programme replication (its Decisions have first blocks): each later phase's first
  // blocks are computed into `later` when the phase starts (issue 21 part I).
  void batch_phases(PhaseBlocks* later) { later_ = later; }
  // Portfolio mode (rule 17): every late judgement, while running or at a non-completing end,
  // goes to `sink` instead of being drawn here (only when customers.reengage.prob > 0).
  void report_late(std::vector<LateFollowUp>* sink) { late_ = sink; }
  // Rule 9 on `trust`: a follow-up delivered at `delivered_at`, given at `start`.
  static void judge_follow_up(const Customers& c, double* trust, double delivered_at, double start);

  // Rule 11: the proposal is scoped for S, then approval is drawn. Returns the calendar
  // time of the approval decision.
  double begin_scoping(double u_approval);

  bool done() const { return done_; }
  bool scoping() const { return activity_ == Activity::Scoping; }
  bool started() const { return started_; }
  double started_at() const { return started_at_; }  // S, once started()
  // Appends the calendar time of each phase delivery to `sink` (nullptr: none kept).
  void record_deliveries(std::vector<double>* sink) { delivered_at_ = sink; }

  // The next events this programme schedules itself (calendar times, kInf for none). Both are
  // read before every event, so they are inline here and the review is cached.
  // next_progress: resource arrival, recruitment, step, pickup, escalation, follow-up, end of
  // scoping; kInf while the post is vacant.
  double next_progress() const {
    if (done_ || sponsor_.vacant) return kInf;
    double due = activity_due_;
    for (const auto& f : follow_ups_) due = std::min(due, f.due);
    return t_ + (due - p_);
  }
  // The review that will cut (or the hazard cut). The review only changes with a visible
  // result, a review or a change of sponsor or attention; each of those marks it stale.
  double next_patience() {
    if (!review_stale_ && !done_) return next_review_;
    return patience_due();
  }

  // Moves both clocks to calendar time t, attributing the months to a time bucket.
  void advance(double t) {
    const double dt = t - t_;
    if (dt <= 0.0) return;
    if (hazard_left_ < kInf) advance_hazard(t);  // only the hazard model sets hazard_left_
    // The bucket of the running activity (vacant: none runs, the progress clock stops).
    const TimeBucket bucket =
        sponsor_.vacant ? TimeBucket::Vacant : kBucketOf[static_cast<std::size_t>(activity_)];
    if (!sponsor_.vacant) p_ += dt;
    rec_.time[static_cast<std::size_t>(bucket)] += dt;
    t_ = t;
  }
  // Processes the progress event due now. Returns true when it was a visible result (already
  // passed to the visible-result hook, when one is set).
  bool on_progress();
  void on_patience();
  // A budget squeeze: the programme is cut when u_cut (its draw for that cycle) falls under
  // cut_prob * (1 - clout).
  void on_squeeze(double u_cut);

  // The sponsor's post empties (exit) or fills (end of vacancy, adopted or not).
  void on_exit();
  void on_vacancy_end(bool adopted);
  // Co-sponsors (rule 14): the acting sponsor changed (another seat, a seat's engagement, or
  // every seat emptied or one filled) without the programme's own sponsor count changing.
  void on_acting_change();
  // Driver hooks, each a plain function and its context: a replication pays nothing for a
  // hook it does not set. The start hook is called once when the programme starts, before its
  // first resource wait is drawn: the driver fills the co-sponsor seats then, so the wait is
  // drawn under the acting sponsor. The visible-result hook is called at each visible result
  // before anything after it is drawn (rules 12 and 14: a delivery re-engages the seats, then
  // the gate, then the next phase's resource wait under whoever is acting now).
  using Hook = void (*)(void* context);
  void on_start(Hook hook, void* context) {
    start_hook_ = hook;
    start_context_ = context;
  }
  void on_visible(Hook hook, void* context) {
    visible_hook_ = hook;
    visible_context_ = context;
  }

  // Rule 17: the calendar time of the next re-engagement with customers (kInf for none);
  // processed after every other event at the same instant.
  double next_reengagement() const { return next_reengage_; }
  void on_reengagement();
  // The sponsor's attention lapses (rule 12), or a visible result re-engages them.
  void on_disengage();
  void on_reengage();

  void end_proposal();  // the sponsor left while scoping: not started, now
  void end_at_horizon(double horizon);

 private:
  enum class Activity { Scoping, Resources, Recruiting, Work, Pickup, Escalation };
  static constexpr std::array<TimeBucket, 6> kBucketOf = {
      TimeBucket::Scoping, TimeBucket::Resources, TimeBucket::Recruiting,
      TimeBucket::Working, TimeBucket::Pickup,    TimeBucket::Escalating};
  struct FollowUp {
    double start;  // calendar time the customers gave their time
    double due;    // progress-clock time the follow-up is delivered
    int phase;     // the engage phase it belongs to (keys its re-engagement draw)
  };

  const SponsorLevel& level() const { return s_.levels[static_cast<std::size_t>(sponsor_.level)]; }
  const Phase& phase() const { return s_.phases[static_cast<std::size_t>(phase_)]; }
  double multiplier() const {
    if (sponsor_.vacant) return s_.patience.vacancy_multiplier;
    const double m = level().patience_multiplier;
    return sponsor_.engaged ? m : m * s_.disengaged.patience;
  }
  double clout() const {
    if (sponsor_.vacant) return 0.0;
    return sponsor_.engaged ? level().clout : level().clout * s_.disengaged.clout;
  }
  double patience_due();
  void advance_hazard(double t);
  void start();
  void start_phase();
  void start_work();
  void give_customers_time();
  void start_attempt();
  void escalate_to_rung();
  void fail_attempt();
  void on_pressure();
  bool in_work() const;
  void late_follow_up(const FollowUp& f);
  void end(Outcome outcome, Cause cause);
  static std::int64_t after_now(double t, const Patience& pat, std::int64_t review_k);
  // Where the current phase's decisions have their first blocks (phase 0's: slots of the
  // first batch; a later phase's: its own batch): `lane` of layout_, or the current step's.
  FirstBlock in_phase(std::uint8_t lane) const { return {phase_lanes_, lane}; }
  FirstBlock step_work() const {
    const auto j = static_cast<std::size_t>(step_);
    return in_phase(j < PhaseLanes::kSteps ? layout_->work[j] : PhaseLanes::kNone);
  }
  FirstBlock step_handoff() const {
    const auto j = static_cast<std::size_t>(step_);
    return in_phase(j < PhaseLanes::kSteps ? layout_->handoff[j] : PhaseLanes::kNone);
  }
  Place here(std::uint64_t k = 0) const {
    return Place::at(static_cast<std::uint64_t>(phase_), static_cast<std::uint64_t>(step_), k);
  }

  const Scenario& s_;
  Decisions d_;
  const SponsorState& sponsor_;
  ReplicationRecord& rec_;
  double* trust_;
  const Cynicism* cynicism_ = nullptr;
  std::vector<PendingFollowUp>* deferred_ = nullptr;
  std::vector<LateFollowUp>* late_ = nullptr;
  std::vector<double>* delivered_at_ = nullptr;
  PhaseBlocks* later_ = nullptr;
  const PhiloxLanes* phase_lanes_ = nullptr;  // the current phase's batch (null: the first)
  const PhaseLanes* layout_;                  // and its layout (set when a phase starts)

  bool done_ = false, started_ = false;
  double t_ = 0.0, p_ = 0.0;  // calendar and progress clocks
  double started_at_ = 0.0;   // S: the approval time
  double u_approval_ = 0.0;
  Activity activity_ = Activity::Scoping;
  double activity_due_ = 0.0;  // progress clock
  bool slowed_ = false;        // a resource wait under a disengaged sponsor (rule 12)
  int phase_ = 0, step_ = 0, attempts_ = 0;
  double u_pending_ = 0.0;  // the break or trial uniform of the current handoff/attempt
  double last_visible_ = 0.0;
  double theta_ = kInf;
  std::int64_t review_k_ = 1;        // earliest review not yet processed
  std::int64_t review_k_grace_ = 0;  // the first review after the grace period (from start())
  double next_review_ = kInf;
  bool review_stale_ = true;   // next_review_ must be recomputed (its inputs changed)
  double hazard_left_ = kInf;  // remaining Exp(1) of integrated cut hazard
  boost::container::small_vector<FollowUp, 4> follow_ups_;
  Hook start_hook_ = nullptr;
  void* start_context_ = nullptr;
  Hook visible_hook_ = nullptr;
  void* visible_context_ = nullptr;
  // Rule 15: the rung the current attempt is at (the ladder's size: the sponsor).
  std::size_t rung_ = 0;
  double u_go_up_ = 0.0;
  // Rule 16: pressure events while the current phase was current; has it deferred?
  std::uint64_t pressure_k_ = 0;
  bool deferred_phase_ = false;
  // Rule 17: calendar times of the re-engagements still to come.
  boost::container::small_vector<double, 2> reengage_at_;
  double next_reengage_ = kInf;  // the earliest of reengage_at_, read before every event
};

}  // namespace progsurv
