// One organisation over its horizon (docs/model.md, Portfolio mode): posts with tenures, vacancies
// and attention; launches; a shared review calendar and budget; cynicism and customer trust. Each
// live programme is an ordinary Programme (engine/programme.hpp) reading the SponsorState of its
// post, so both modes run one programme engine.
#include "progsurv/portfolio/organisation.hpp"

#include <algorithm>
#include <cmath>
#include <deque>
#include <memory>

#include "engine/sponsor_places.hpp"
#include "progsurv/engine/cancel.hpp"
#include "progsurv/engine/programme.hpp"

namespace progsurv {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Places of the organisation's and the launch's own decisions.
constexpr std::uint64_t kInterval = 0, kTemplate = 1;  // Mechanism::Launch, per renewal i
constexpr Place kPostChoice = Place::of(0);            // Mechanism::Roster, per programme

struct Post {
  int index = 0;
  int level = 0;
  SponsorState state;
  Decisions d;
  double event = kInf;      // the incumbent's exit, or the end of the vacancy
  double lapse_due = kInf;  // when the incumbent disengages (rule 12)
  int incumbent = 0;        // the post's n-th sponsor
  int lapses = 0;
  std::vector<int> programmes;  // live programmes it sponsors (lives_ indices), launch order
  Post(int i, int l, const Decisions& dec) : index(i), level(l), d(dec) { state.level = l; }
};

struct Live {
  int self = 0;  // its index in OrganisationRun::lives_ (launch order, like j)
  int j;
  const Scenario* tmpl;
  Decisions d;
  ReplicationRecord rec;
  double own_trust;
  Post* post;
  std::unique_ptr<Programme> prog;
  int exit_index = -1;  // the sponsor exit that orphaned it, while vacant
  Live(int j_, const Scenario* t, const Decisions& dec) : j(j_), tmpl(t), d(dec) {}
};

struct Deferred {
  double at, start;
  int owner;
  const Scenario* tmpl;
  double* trust;
};

class OrganisationRun {
 public:
  OrganisationRun(const Portfolio& p, std::uint64_t seed, std::uint64_t org, const Sharing& sh)
      : p_(p),
        seed_(seed),
        org_(org),
        sh_(sh),
        d_(seed, org, kOrganisationEntity),
        frozen_(frozen_settings(p.cynicism)),
        cynicism_(sh.cynicism ? p.cynicism : frozen_),
        trust_(p.initial_trust),
        org_scenario_(p.templates.front()) {}

  OrganisationRecord run();

 private:
  static CynicismSettings frozen_settings(CynicismSettings c) {
    c.rise = 0.0;
    c.relief = 0.0;
    return c;
  }
  const SponsorLevel& level_of(const Post& post) const {
    return org_scenario_.levels[static_cast<std::size_t>(post.level)];
  }
  double lapse(Post& post) {
    const Distribution& L = level_of(post).attention_lapse;
    if (L.kind() == DistKind::Never) return kInf;
    return t_ + L.quantile(post.d.uniform(Mechanism::Attention,
                                          places::lapse(post.incumbent, post.lapses++)));
  }
  // The incumbent in post at t = 0 (or at launch for a post of its own): residual or fresh
  // tenure by the initial_sponsor rule, and a full attention lapse.
  void seat_first(Post& post) {
    const Distribution& tenure = level_of(post).tenure;
    if (tenure.kind() != DistKind::Never) {
      const double u = post.d.uniform(Mechanism::Sponsor, places::tenure(0));
      post.event = t_ + (org_scenario_.initial_sponsor == InitialSponsor::Residual
                             ? tenure.residual_quantile(u)
                             : tenure.quantile(u));
    }
    post.lapse_due = lapse(post);
  }
  double next_launch() const {
    const double planned =
        next_planned_ < p_.launches.size() ? p_.launches[next_planned_].at : kInf;
    return std::min(planned, next_renewal_);
  }
  void schedule_squeeze();
  void record_grid(double before);
  void launch();
  void advance_post(const Post& post);  // the clocks of its programmes, before it changes
  void on_post_event(Post& post);
  void on_lapse(Post& post);
  void on_visible_result(Live& live);
  void on_squeeze();
  void settle();  // programmes that ended at this event: cynicism, posts, records
  void finish(Live& live);
  void deliver(std::size_t i);

  const Portfolio& p_;
  const std::uint64_t seed_, org_;
  const Sharing sh_;
  Decisions d_;
  CynicismSettings frozen_;
  Cynicism cynicism_;
  double trust_;
  const Scenario& org_scenario_;  // the organisation's parts, shared by every template

  double t_ = 0.0;
  std::deque<Post> posts_;
  std::deque<Live> lives_;
  std::vector<int> live_;  // lives_ indices of the live programmes, in launch order
  std::vector<double> next_progress_, next_patience_;  // of live_[k], before this event
  std::vector<PendingFollowUp> owed_;
  std::vector<Deferred> deferred_;
  std::size_t next_planned_ = 0;
  std::uint64_t renewals_ = 0;
  double next_renewal_ = kInf;
  std::int64_t budget_k_ = 0;
  double next_squeeze_ = kInf;
  std::size_t grid_next_ = 0;
  OrganisationRecord out_;
};

OrganisationRecord OrganisationRun::run() {
  const std::size_t g = p_.grid.size();
  out_.live.reserve(g);
  out_.cynicism.reserve(g);
  out_.trust.reserve(g);
  out_.exits_by_level.assign(org_scenario_.levels.size(), 0);
  if (sh_.posts) {
    for (std::size_t l = 0; l < p_.roster.size(); ++l)
      for (int k = 0; k < p_.roster[l]; ++k) {
        const int i = static_cast<int>(posts_.size());
        posts_.emplace_back(i, static_cast<int>(l),
                            Decisions(seed_, org_, post_entity(static_cast<int>(l), k)));
        seat_first(posts_.back());
      }
  }
  if (p_.renewal.enabled)
    next_renewal_ =
        p_.renewal.every.quantile(d_.uniform(Mechanism::Launch, Place::of(kInterval, 0)));
  schedule_squeeze();

  const double horizon = p_.horizon;
  std::uint32_t events = 0;
  for (;;) {
    if ((++events & 4095u) == 0) throw_if_stopped();
    // The earliest event of each kind; ties go by kind (progress, patience, budget,
    // sponsor, launch) and, within a kind, by launch order or post number.
    double t_progress = kInf, t_patience = kInf, t_sponsor = kInf, t_lapse = kInf;
    // Each programme's next times, taken before the clocks move: recomputing them after
    // advance() could round differently.
    next_progress_.resize(live_.size());
    next_patience_.resize(live_.size());
    for (std::size_t k = 0; k < live_.size(); ++k) {
      Live& l = lives_[static_cast<std::size_t>(live_[k])];
      next_progress_[k] = l.prog->next_progress();
      next_patience_[k] = l.prog->next_patience();
      t_progress = std::min(t_progress, next_progress_[k]);
      t_patience = std::min(t_patience, next_patience_[k]);
    }
    for (const auto& d : deferred_) t_progress = std::min(t_progress, d.at);
    for (const auto& post : posts_) {
      t_sponsor = std::min(t_sponsor, post.event);
      t_lapse = std::min(t_lapse, post.lapse_due);
    }
    const double t_launch = next_launch();
    const double t_next =
        std::min({t_progress, t_patience, next_squeeze_, t_sponsor, t_lapse, t_launch});
    if (t_next > horizon) break;
    record_grid(t_next);
    // Programmes' clocks move only when an event touches them (their own, their post's, a
    // squeeze), so an event of an unrelated post cannot change their sums by rounding.
    t_ = t_next;
    ++out_.events;

    if (t_progress == t_next) {
      // The first programme in launch order with a progress event now; a follow-up owed
      // by a completed programme counts as its owner's progress event.
      int owner = -1;
      std::size_t deferred_index = deferred_.size();
      for (std::size_t k = 0; k < deferred_.size(); ++k)
        if (deferred_[k].at == t_ && (owner < 0 || deferred_[k].owner < owner)) {
          owner = deferred_[k].owner;
          deferred_index = k;
        }
      Live* first = nullptr;
      for (std::size_t k = 0; k < live_.size(); ++k)
        if (next_progress_[k] == t_) {
          first = &lives_[static_cast<std::size_t>(live_[k])];
          break;
        }
      if (first && (owner < 0 || first->j < owner)) {
        first->prog->advance(t_);
        if (first->prog->on_progress()) on_visible_result(*first);
      } else {
        deliver(deferred_index);
      }
    } else if (t_patience == t_next) {
      for (std::size_t k = 0; k < live_.size(); ++k)
        if (next_patience_[k] == t_) {
          Programme& prog = *lives_[static_cast<std::size_t>(live_[k])].prog;
          prog.advance(t_);
          prog.on_patience();
          break;
        }
    } else if (next_squeeze_ == t_next) {
      on_squeeze();
      schedule_squeeze();
    } else if (t_sponsor == t_next) {
      for (auto& post : posts_)
        if (post.event == t_) {
          on_post_event(post);
          break;
        }
    } else if (t_lapse == t_next) {
      for (auto& post : posts_)
        if (post.lapse_due == t_) {
          on_lapse(post);
          break;
        }
    } else {
      launch();
    }
    settle();
  }

  // The grid up to the horizon sees programmes still live as live. Then the horizon:
  // they are running; follow-ups owed later count late only when their window has passed.
  record_grid(kInf);
  t_ = horizon;
  for (int i : live_) {
    Live& l = lives_[static_cast<std::size_t>(i)];
    l.prog->end_at_horizon(horizon);
    finish(l);
  }
  live_.clear();
  for (const auto& d : deferred_)
    if (horizon - d.start > d.tmpl->customers.follow_up_window)
      *d.trust *= 1.0 - d.tmpl->customers.trust_loss;
  deferred_.clear();
  return std::move(out_);
}

// Grid points strictly before `before` see the state as it is now (events at a grid time
// are processed before that point is recorded: "by t" includes t).
void OrganisationRun::record_grid(double before) {
  while (grid_next_ < p_.grid.size() && p_.grid[grid_next_] < before) {
    const double g = p_.grid[grid_next_++];
    out_.live.push_back(static_cast<int>(live_.size()));
    out_.cynicism.push_back(cynicism_.at(g));
    out_.trust.push_back(trust_);
  }
}

void OrganisationRun::schedule_squeeze() {
  const Budget& b = org_scenario_.budget;
  next_squeeze_ = kInf;
  if (!b.enabled) return;
  if (!sh_.budget) {
    // Every cycle is an event: each programme decides its own squeeze, as if alone.
    if (b.squeeze_prob <= 0.0) return;
    ++budget_k_;
    const double at = static_cast<double>(budget_k_) * b.every;
    if (at <= p_.horizon) next_squeeze_ = at;
    return;
  }
  if (b.squeeze_prob <= 0.0) return;
  for (;;) {
    ++budget_k_;
    const double at = static_cast<double>(budget_k_) * b.every;
    if (at > p_.horizon) return;
    if (b.squeeze_prob >= 1.0 ||
        d_.uniform(Mechanism::Budget,
                   Place::of(places::kSqueeze, static_cast<std::uint64_t>(budget_k_))) <
            b.squeeze_prob) {
      next_squeeze_ = at;
      return;
    }
  }
}

// One organisation-wide squeeze: each started programme draws its own cut (by its own
// sponsor's clout). Without a shared budget each also draws whether this cycle squeezes it.
void OrganisationRun::on_squeeze() {
  const Budget& b = org_scenario_.budget;
  const auto k = static_cast<std::uint64_t>(budget_k_);
  for (int i : live_) {
    Live& l = lives_[static_cast<std::size_t>(i)];
    l.prog->advance(t_);
    if (!l.prog->started() || l.prog->done()) continue;
    if (!sh_.budget && b.squeeze_prob < 1.0 &&
        !(l.d.uniform(Mechanism::Budget, Place::of(places::kSqueeze, k)) < b.squeeze_prob))
      continue;
    l.prog->on_squeeze(l.d.uniform(Mechanism::Budget, Place::of(places::kBudgetCut, k)));
  }
}

void OrganisationRun::launch() {
  int tmpl_index;
  if (next_planned_ < p_.launches.size() && p_.launches[next_planned_].at == t_) {
    tmpl_index = p_.launches[next_planned_++].programme;
  } else {
    tmpl_index = p_.renewal.pick(d_.uniform(Mechanism::Launch, Place::of(kTemplate, renewals_)));
    ++renewals_;
    next_renewal_ = t_ + p_.renewal.every.quantile(
                             d_.uniform(Mechanism::Launch, Place::of(kInterval, renewals_)));
  }
  const std::size_t j = out_.programmes.size();
  if (j >= kMaxLaunches)
    throw UsageError("an organisation launched more than " + std::to_string(kMaxLaunches) +
                     " programmes within the horizon; lengthen the renewal interval or "
                     "shorten the horizon");
  const Scenario& tmpl = p_.templates[static_cast<std::size_t>(tmpl_index)];
  const Decisions dj(seed_, org_, static_cast<std::uint32_t>(j));
  LaunchedProgramme lp;
  lp.programme = tmpl_index;
  lp.launched_at = t_;
  lp.end_time = t_;
  const auto [u_level, u_approval] = dj.uniform_pair(Mechanism::Sponsor, places::kProposal);
  lp.level = tmpl.sponsor.pick(u_level);
  if (p_.max_live > 0 && live_.size() >= static_cast<std::size_t>(p_.max_live)) {
    lp.capped = true;
    out_.programmes.push_back(lp);
    return;
  }
  Post* post = nullptr;
  if (sh_.posts) {
    // One filled post of the drawn level, with equal weights.
    int filled = 0;
    for (const auto& q : posts_) filled += q.level == lp.level && !q.state.vacant;
    if (filled == 0) {
      out_.programmes.push_back(lp);
      return;
    }
    const double u = dj.uniform(Mechanism::Roster, kPostChoice);
    int pick = std::min(filled - 1, static_cast<int>(u * filled));
    for (auto& q : posts_)
      if (q.level == lp.level && !q.state.vacant && pick-- == 0) {
        post = &q;
        break;
      }
  } else {
    // A post of its own, whose incumbent is already in post: drawn from the programme's
    // own streams, so it is the programme's post whatever else is launched.
    posts_.emplace_back(static_cast<int>(posts_.size()), lp.level, dj);
    post = &posts_.back();
    seat_first(*post);
  }
  lp.post = post->index;
  out_.programmes.push_back(lp);

  const int self = static_cast<int>(lives_.size());
  lives_.emplace_back(static_cast<int>(j), &tmpl, dj);
  Live& live = lives_.back();
  live.self = self;
  live.post = post;
  live.own_trust = p_.initial_trust;
  double* trust = sh_.trust ? &trust_ : &live.own_trust;
  live.prog = std::make_unique<Programme>(tmpl, live.d, post->state, live.rec, trust, t_);
  if (p_.cynicism.has_effect()) live.prog->set_cynicism(&cynicism_);
  live.prog->defer_follow_ups(&owed_);
  live.prog->begin_scoping(u_approval);
  post->programmes.push_back(self);
  live_.push_back(self);
}

void OrganisationRun::advance_post(const Post& post) {
  for (int j : post.programmes) {
    Live& l = lives_[static_cast<std::size_t>(j)];
    if (!l.prog->done()) l.prog->advance(t_);
  }
}

// Rule 12 for a shared post: a visible result of any of its programmes re-engages the
// incumbent for all of them and restarts their attention.
void OrganisationRun::on_visible_result(Live& live) {
  Post& post = *live.post;
  if (!post.state.engaged) {
    advance_post(post);
    post.state.engaged = true;
    for (int j : post.programmes) {
      Live& other = lives_[static_cast<std::size_t>(j)];
      if (!other.prog->done()) other.prog->on_reengage();
    }
  }
  post.lapse_due = lapse(post);
}

void OrganisationRun::on_lapse(Post& post) {
  advance_post(post);
  post.state.engaged = false;
  post.lapse_due = kInf;
  for (int j : post.programmes) {
    Live& l = lives_[static_cast<std::size_t>(j)];
    if (l.prog->done()) continue;
    ++l.rec.disengagements;
    l.prog->on_disengage();
  }
}

void OrganisationRun::on_post_event(Post& post) {
  const Succession& su = org_scenario_.succession;
  advance_post(post);
  if (!post.state.vacant) {
    // The incumbent leaves: every programme of the post is orphaned at once.
    ++out_.exits_by_level[static_cast<std::size_t>(post.level)];
    SponsorExit ex;
    ex.level = post.level;
    const int exit_index = static_cast<int>(out_.exits.size());
    for (int j : post.programmes) {
      Live& l = lives_[static_cast<std::size_t>(j)];
      if (l.prog->done()) continue;
      ++ex.orphaned;
      if (l.prog->scoping()) {
        l.prog->end_proposal();  // rule 11: the proposal dies with its sponsor's exit
        ++ex.lost;
      } else {
        l.prog->on_exit();
        l.exit_index = exit_index;
      }
    }
    if (ex.orphaned > 0) out_.exits.push_back(ex);
    post.state.vacant = true;
    post.state.engaged = true;
    post.lapse_due = kInf;
    ++post.incumbent;
    post.event = t_ + su.vacancy.quantile(post.d.uniform(
                          Mechanism::Succession,
                          Place::of(places::kVacancy, static_cast<std::uint64_t>(post.incumbent))));
    return;
  }
  // The vacancy ends: a successor of the same level takes the post with a full tenure, and
  // each orphaned programme draws its own adoption.
  post.state.vacant = false;
  post.state.engaged = true;
  const Distribution& tenure = level_of(post).tenure;
  post.event = tenure.kind() == DistKind::Never
                   ? kInf
                   : t_ + tenure.quantile(
                              post.d.uniform(Mechanism::Sponsor, places::tenure(post.incumbent)));
  post.lapses = 0;
  post.lapse_due = lapse(post);
  for (int j : post.programmes) {
    Live& l = lives_[static_cast<std::size_t>(j)];
    if (l.prog->done()) continue;
    const auto n = static_cast<std::uint64_t>(l.rec.sponsor_changes);
    const bool adopted =
        l.d.uniform(Mechanism::Succession, Place::of(places::kAdoption, n)) < su.adoption;
    l.prog->on_vacancy_end(adopted);
    if (!adopted && l.exit_index >= 0) ++out_.exits[static_cast<std::size_t>(l.exit_index)].lost;
    l.exit_index = -1;
  }
}

// A follow-up owed by a completed programme is delivered now and judged (rule 9).
void OrganisationRun::deliver(std::size_t i) {
  const Deferred d = deferred_[i];
  deferred_.erase(deferred_.begin() + static_cast<std::ptrdiff_t>(i));
  Programme::judge_follow_up(d.tmpl->customers, d.trust, t_, d.start);
}

// Programmes that ended at this event, in launch order: cynicism takes the news, the post
// lets them go, and their follow-ups still owed become the organisation's to deliver.
void OrganisationRun::settle() {
  std::size_t kept = 0;
  for (std::size_t k = 0; k < live_.size(); ++k) {
    Live& l = lives_[static_cast<std::size_t>(live_[k])];
    if (!l.prog->done()) {
      live_[kept++] = live_[k];
      continue;
    }
    if (l.rec.outcome == Outcome::Completed) {
      cynicism_.on_completion(t_);
    } else if (l.rec.outcome == Outcome::Ended) {
      cynicism_.on_failure(t_);
    }
    for (const auto& f : owed_)
      deferred_.push_back(
          {f.delivered_at, f.start, l.j, l.tmpl, sh_.trust ? &trust_ : &l.own_trust});
    owed_.clear();
    finish(l);
  }
  live_.resize(kept);
}

void OrganisationRun::finish(Live& l) {
  LaunchedProgramme& lp = out_.programmes[static_cast<std::size_t>(l.j)];
  lp.outcome = l.rec.outcome;
  lp.cause = l.rec.cause;
  lp.end_time = l.rec.end_time;
  lp.phases_delivered = l.rec.phases_delivered;
  lp.value = l.rec.value;
  lp.sponsor_changes = l.rec.sponsor_changes;
  lp.disengagements = l.rec.disengagements;
  lp.time = l.rec.time;
  auto& mine = l.post->programmes;
  mine.erase(std::remove(mine.begin(), mine.end(), l.self), mine.end());
  // A post of its own has no more use once its programme is over.
  if (!sh_.posts) {
    l.post->event = kInf;
    l.post->lapse_due = kInf;
  }
  l.prog.reset();
}

}  // namespace

OrganisationRecord simulate_organisation(const Portfolio& portfolio, std::uint64_t seed,
                                         std::uint64_t organisation, const Sharing& sharing) {
  return OrganisationRun(portfolio, seed, organisation, sharing).run();
}

}  // namespace progsurv
