// One organisation over its horizon (docs/model.md, Portfolio mode): posts with tenures, vacancies
// and attention; launches; a shared review calendar and budget; cynicism and customer trust. Each
// live programme is an ordinary Programme (engine/programme.hpp) reading the SponsorState of its
// post, so both modes run one programme engine.
#include "progsurv/portfolio/organisation.hpp"

#include <algorithm>
#include <cmath>
#include <deque>
#include <memory>
#include <numeric>
#include <optional>

#include "engine/sponsor_places.hpp"
#include "progsurv/engine/cancel.hpp"
#include "progsurv/engine/programme.hpp"
#include "progsurv/model/philox_lanes.hpp"

namespace progsurv {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Places of the organisation's and the launch's own decisions.
constexpr std::uint64_t kInterval = 0, kTemplate = 1;  // Mechanism::Launch, per renewal i
constexpr Place kPostChoice = Place::of(0);            // Mechanism::Roster, per programme
// Rule 14 in portfolio mode: co-sponsor seat k's post is chosen by programme j's own draw
// (Mechanism::Roster, kind 1, k), so a later launch or another programme's seats leave it
// unchanged; its adoptions are kind kAdoption numbered (k << 16 | exit), seat 0 (the lead)
// keeping the lead's numbering.
constexpr Place seat_choice(std::size_t k) { return Place::of(1, k); }
constexpr Place seat_adoption(std::size_t k, int exits) {
  const auto n = static_cast<std::uint64_t>(exits);
  return Place::of(places::kAdoption, k == 0 ? n : (k << 16) | (n & 0xFFFF));
}

// One clock of every active post (its next exit or vacancy end, or its next lapse): a binary
// heap of post indices ordered by (time, index), so the earliest is read at once and a tie goes
// to the lower post number, as a look at every post in post order would give it. Moving one
// post's clock costs O(log active posts): the cost of an event does not grow with the roster.
// An idle post is out of the heap (it would only sit at +inf).
class PostClock {
 public:
  void add() {  // a new post, out of the heap
    at_.push_back(std::numeric_limits<double>::infinity());
    pos_.push_back(kOut);
  }
  void enter(int post, double at) {
    const auto p = static_cast<std::size_t>(post);
    at_[p] = at;
    pos_[p] = heap_.size();
    heap_.push_back(post);
    up(heap_.size() - 1);
  }
  void leave(int post) {
    const auto p = static_cast<std::size_t>(post);
    const std::size_t k = pos_[p];
    pos_[p] = kOut;
    const int last = heap_.back();
    heap_.pop_back();
    if (k == heap_.size()) return;
    place(k, last);  // the last leaf takes the hole, and moves up or down from there
    if (k > 0 && earlier(last, heap_[(k - 1) / 2])) {
      up(k);
    } else {
      down(k);
    }
  }
  void clear() {
    at_.clear();
    pos_.clear();
    heap_.clear();
  }
  void reserve(std::size_t posts) {
    at_.reserve(posts);
    pos_.reserve(posts);
    heap_.reserve(posts);
  }
  double at(int post) const { return at_[static_cast<std::size_t>(post)]; }
  void set(int post, double at) {
    const auto p = static_cast<std::size_t>(post);
    const double before = at_[p];
    at_[p] = at;
    if (at < before) {
      up(pos_[p]);
    } else {
      down(pos_[p]);
    }
  }
  double earliest() const { return heap_.empty() ? kInf : at_[static_cast<std::size_t>(heap_[0])]; }
  int first() const { return heap_[0]; }  // the post whose clock is earliest

 private:
  bool earlier(int a, int b) const {
    const double ta = at_[static_cast<std::size_t>(a)], tb = at_[static_cast<std::size_t>(b)];
    return ta < tb || (ta == tb && a < b);
  }
  void place(std::size_t k, int post) {
    heap_[k] = post;
    pos_[static_cast<std::size_t>(post)] = k;
  }
  void up(std::size_t k) {
    const int post = heap_[k];
    while (k > 0) {
      const std::size_t parent = (k - 1) / 2;
      if (!earlier(post, heap_[parent])) break;
      place(k, heap_[parent]);
      k = parent;
    }
    place(k, post);
  }
  void down(std::size_t k) {
    const int post = heap_[k];
    const std::size_t n = heap_.size();
    for (;;) {
      std::size_t child = 2 * k + 1;
      if (child >= n) break;
      if (child + 1 < n && earlier(heap_[child + 1], heap_[child])) ++child;
      if (!earlier(heap_[child], post)) break;
      place(k, heap_[child]);
      k = child;
    }
    place(k, post);
  }
  static constexpr std::size_t kOut = std::numeric_limits<std::size_t>::max();
  std::vector<double> at_;        // by post index
  std::vector<std::size_t> pos_;  // by post index: where it is in heap_, or kOut
  std::vector<int> heap_;
};

// One incumbent of a post, besides when it arrives and leaves (Post::timeline): when its
// attention first lapses. None of these depends on the programmes the post sponsors, so a
// post's incumbents within the horizon are all drawn when it is seated
// (OrganisationRun::seat_new_posts); only the lapses that a visible result restarts (rule 12)
// are drawn as they come.
struct Tenancy {
  double lapse = kInf;
  // The events a post idle since its first incumbent was seated has played by this one's
  // arrival, the arrival included (0 for the first): lets catch_up count whole tenancies.
  int events_to_start = 0;
};

struct Post {
  int index = 0;
  int level = 0;
  SponsorState state;
  Decisions d;
  int incumbent = 0;               // the post's n-th sponsor
  int base = 0;                    // numbers a co-sponsor's post of its own apart from the lead's
  int lapses = 0;                  // of the incumbent: its first is drawn with its tenancy
  std::vector<Tenancy> tenancies;  // by incumbent
  // Its incumbents' arrivals and exits in time order: incumbent k arrives at edge 2k and leaves
  // at edge 2k + 1 (the last edge is past the horizon). The post is filled between an even edge
  // and the next one. edges_seen: how many edges have passed as of the last time an idle post
  // was read (OrganisationRun::edges_by).
  std::vector<double> timeline;
  int edges_seen = 0;
  double arrival(int k) const { return timeline[2 * static_cast<std::size_t>(k)]; }
  double exit(int k) const { return timeline[2 * static_cast<std::size_t>(k) + 1]; }
  // Its clocks: the incumbent's exit or the vacancy's end, and the incumbent's next lapse. The
  // organisation's queues hold them only while the post is active (see OrganisationRun::lazy_).
  double next_event = kInf, next_lapse = kInf;
  bool active = true;
  std::vector<int> programmes;  // live programmes it sponsors (lives_ indices), launch order
  Post(int i, int l, const Decisions& dec) : index(i), level(l), d(dec) { state.level = l; }
  // As constructed, keeping the room of its list (a workspace's post reused).
  void reset(int i, int l, const Decisions& dec) {
    index = i;
    level = l;
    state = SponsorState{};
    state.level = l;
    d = dec;
    incumbent = base = lapses = edges_seen = 0;
    next_event = next_lapse = kInf;
    active = true;
    programmes.clear();
    tenancies.clear();
    timeline.clear();
  }
  int number() const { return base + incumbent; }  // names the incumbent's draws
};

// The decisions every incumbent of a post draws, sponsoring or not: its tenure, its first
// attention lapse and (from the second incumbent) the vacancy before it. Their names are known
// ahead, so the first Philox blocks of many posts' draws are computed side by side
// (PhiloxLanes) and each draw starts its stream from its block: the same bits as computing the
// block alone (docs/performance.md, Portfolio mode, parts J and O).
enum class PostDraw { Tenure, Lapse, Vacancy };
// The name of incumbent n's decision `what`, as the draws one at a time named it.
std::pair<Mechanism, Place> post_decision(PostDraw what, int n) {
  switch (what) {
    case PostDraw::Tenure:
      return {Mechanism::Sponsor, places::tenure(n)};
    case PostDraw::Lapse:
      return {Mechanism::Attention, places::lapse(n, 0)};
    default:
      return {Mechanism::Succession, Place::of(places::kVacancy, static_cast<std::uint64_t>(n))};
  }
}

// Rule 14: a sponsor seat of a co-sponsored programme, on a post (seat 0: the lead's).
struct Seat {
  Post* post = nullptr;  // null for a seat lost at once (no free post at the start)
  bool lost = false;
  int exits = 0;        // exits of the seat's post while it held the seat (numbers adoptions)
  int exit_index = -1;  // the sponsor exit that vacated it, while vacant
};

struct Live {
  int self = 0;  // its index in OrganisationRun::lives_ (launch order, like j)
  int j;
  const Scenario* tmpl;
  Decisions d;
  ReplicationRecord rec;
  double own_trust;
  Post* post;
  std::optional<Programme> prog;  // in place: no allocation per launch
  int exit_index = -1;            // the sponsor exit that orphaned it, while vacant
  // Rule 14: with co-sponsors the programme reads `acting` (the acting sponsor over its seats)
  // instead of its post's state; seats is empty for a programme without co-sponsors.
  std::vector<Seat> seats;
  SponsorState acting;
  std::size_t acting_seat = 0;
  std::vector<LateFollowUp> late;  // late judgements not yet drawn for re-engagement
  void* owner = nullptr;  // the OrganisationRun, for the programme's hooks (a deque: stable)
  // Its programme's next times as the event loop last read them, valid until the
  // organisation calls into the programme or changes the sponsor it reads (stale): reading
  // them again then gives the same bits, so only the programmes an event touched are read.
  double next_progress = kInf, next_patience = kInf;
  bool stale = true;
  Live(int j_, const Scenario* t, const Decisions& dec) : j(j_), tmpl(t), d(dec) {}
  // As constructed, keeping the room of its lists (a workspace's Live reused).
  void reset(int j_, const Scenario* t, const Decisions& dec) {
    prog.reset();
    self = 0;
    j = j_;
    tmpl = t;
    d = dec;
    rec = ReplicationRecord{};
    own_trust = 0.0;
    post = nullptr;
    exit_index = -1;
    seats.clear();
    acting = SponsorState{};
    acting_seat = 0;
    late.clear();
    owner = nullptr;
    next_progress = next_patience = kInf;
    stale = true;
  }
};

struct Deferred {
  double at, start;
  int owner;
  const Scenario* tmpl;
  double* trust;
  int phase;
  const Decisions* d;  // the owner's, for a re-engagement (rule 17)
};

// Rule 17: a re-engagement with customers still to come, on the trust it will raise.
struct Reengagement {
  double at;
  int owner;  // launch order: ties at an instant go by it
  double recovery;
  double* trust;
};

}  // namespace

// What an organisation's run allocates, kept by a worker between organisations (the
// OrganisationWorkspace). Posts and Lives live in deques that are never emptied, so their
// addresses stay put and a reused one keeps the room of its own lists; `*_used` counts the
// ones the current organisation has.
struct OrganisationWorkspace::Parts {
  std::deque<Post> post_pool;
  std::size_t posts_used = 0;
  std::deque<Live> live_pool;
  std::size_t lives_used = 0;
  std::vector<Post*> posts;                  // by post index
  std::vector<std::vector<Post*>> by_level;  // each level's posts, in post order
  std::vector<Post*> seating;                // posts whose tenancies are being drawn
  PhiloxLanes lanes;                         // their draws' first blocks
  PostClock event, lapse_due;
  std::vector<Live*> by_self;
  std::vector<Live*> live;
  std::vector<PendingFollowUp> owed;
  std::vector<Deferred> deferred;
  std::vector<Reengagement> reengagements;

  // Empty, as a new workspace (the lists of each level emptied, not dropped: an empty list
  // reads as a level without posts).
  void clear() {
    posts_used = lives_used = 0;
    posts.clear();
    for (auto& level : by_level) level.clear();
    event.clear();
    lapse_due.clear();
    by_self.clear();
    live.clear();
    owed.clear();
    deferred.clear();
    reengagements.clear();
  }
  Post& new_post(int i, int level, const Decisions& d) {
    if (posts_used == post_pool.size()) {
      post_pool.emplace_back(i, level, d);
    } else {
      post_pool[posts_used].reset(i, level, d);
    }
    return post_pool[posts_used++];
  }
  Live& new_live(int j, const Scenario* tmpl, const Decisions& d) {
    if (lives_used == live_pool.size()) {
      live_pool.emplace_back(j, tmpl, d);
    } else {
      live_pool[lives_used].reset(j, tmpl, d);
    }
    return live_pool[lives_used++];
  }
};

OrganisationWorkspace::OrganisationWorkspace() : parts_(std::make_unique<Parts>()) {}
OrganisationWorkspace::~OrganisationWorkspace() = default;

namespace {

class OrganisationRun {
 public:
  OrganisationRun(const Portfolio& p, std::uint64_t seed, std::uint64_t org, const Sharing& sh,
                  OrganisationWorkspace::Parts& ws)
      : p_(p),
        seed_(seed),
        org_(org),
        sh_(sh),
        d_(seed, org, kOrganisationEntity),
        frozen_(frozen_settings(p.cynicism)),
        cynicism_(sh.cynicism ? p.cynicism : frozen_),
        trust_(p.initial_trust),
        org_scenario_(p.templates.front()),
        lazy_(sh.posts && std::none_of(p.templates.begin(), p.templates.end(),
                                       [](const Scenario& s) { return !s.co_sponsors.empty(); })),
        ws_(ws) {
    ws_.clear();
  }

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
  // The name of incumbent `number`'s draw `what` of `post`, into lane i of the posts' batch.
  void name_lane(std::size_t i, const Post& post, PostDraw what, int number) {
    const auto [m, place] = post_decision(what, number);
    const std::uint64_t name = Rng::name(org_, m, place, post.d.entity());
    ws_.lanes.name_lo[i] = static_cast<std::uint32_t>(name);
    ws_.lanes.name_hi[i] = static_cast<std::uint32_t>(name >> 32);
  }
  // The first uniform of lane i's draw, once the batch is computed.
  double lane_uniform(std::size_t i) const {
    return Rng::first_uniform(Rng::lane_block(ws_.lanes, i));
  }
  // Posts [first, end) take their first incumbent now: every tenancy of each within the
  // horizon is drawn, and its clocks are set.
  void seat_new_posts(std::size_t first);
  // The next lapse that a visible result restarts (rule 12), drawn as it comes: numbered on
  // from the tenancy's first (Post::lapses), even on a vacant post, as it always was.
  double relapse(Post& post, double at) {
    const Distribution& L = level_of(post).attention_lapse;
    if (L.kind() == DistKind::Never) return kInf;
    const int j = post.lapses++;
    return at + L.quantile(post.d.uniform(Mechanism::Attention, places::lapse(post.number(), j)));
  }
  void set_event(Post& post, double at) {
    post.next_event = at;
    if (post.active) event_.set(post.index, at);
  }
  void set_lapse(Post& post, double at) {
    post.next_lapse = at;
    if (post.active) lapse_due_.set(post.index, at);
  }
  // The clocks of the incumbent's tenancy, as it takes the post.
  void take_post(Post& post) {
    set_event(post, post.exit(post.incumbent));
    post.lapses = 1;
    set_lapse(post, post.tenancies[static_cast<std::size_t>(post.incumbent)].lapse);
  }
  Post& add_post(int level, const Decisions& d, int base = 0) {
    Post& post = ws_.new_post(static_cast<int>(posts_.size()), level, d);
    posts_.push_back(&post);
    post.base = base;
    post.active = !lazy_;
    if (static_cast<std::size_t>(level) >= by_level_.size())
      by_level_.resize(static_cast<std::size_t>(level) + 1);
    by_level_[static_cast<std::size_t>(level)].push_back(&post);
    event_.add();
    lapse_due_.add();
    if (post.active) {
      event_.enter(post.index, kInf);
      lapse_due_.enter(post.index, kInf);
    }
    return post;
  }
  double next_launch() const {
    const double planned =
        next_planned_ < p_.launches.size() ? p_.launches[next_planned_].at : kInf;
    return std::min(planned, next_renewal_);
  }
  void schedule_squeeze();
  // Grid points strictly before `before` see the state as it is now (events at a grid time
  // are processed before that point is recorded: "by t" includes t).
  void record_grid(double before) {
    if (grid_next_ < p_.grid.size() && p_.grid[grid_next_] < before) record_grid_points(before);
  }
  void record_grid_points(double before);
  void launch();
  void advance_post(const Post& post);  // the clocks of its programmes, before it changes
  void on_post_event(Post& post);
  void on_lapse(Post& post);
  // A post's own changes at t_ (or at an idle post's catch-up), with or without programmes.
  void vacate(Post& post);
  void fill(Post& post);
  // Lazy posts.
  void catch_up(Post& post, double t);
  bool end_tenancy(Post& post, double t);
  static bool filled_at(Post& post, double t);
  static int edges_by(Post& post, double t);
  void activate(Post& post);
  void idle_if_unused(Post& post);
  void on_visible_result(Live& live);
  void on_squeeze();
  bool settle(Live& live);  // a programme the last event touched: did it end?
  void finish(Live& live);
  void deliver(std::size_t i);
  // Rule 14.
  bool update_acting(Live& live);
  static Seat& seat_on(Live& live, const Post& post);
  void seat_co_sponsors(Live& live);
  void reengage_post(Post& post, const Live* self = nullptr);
  // Rule 17.
  void schedule_reengagement(const Decisions& d, const Scenario& s, double at, int phase,
                             double* trust, int owner);
  void on_reengagement();

  const Portfolio& p_;
  const std::uint64_t seed_, org_;
  const Sharing sh_;
  Decisions d_;
  CynicismSettings frozen_;
  Cynicism cynicism_;
  double trust_;
  const Scenario& org_scenario_;  // the organisation's parts, shared by every template
  // Posts are lazy: a post that sponsors no live programme is out of the event queues (it
  // is idle) and its own exits, vacancies and lapses are played, by catch_up(), only when a
  // launch chooses it and at the horizon (a launch reads the others' vacancies off their
  // tenancies, filled_at). Its draws are keyed by post
  // and incumbent, and nothing else reads an idle post (the grid, cynicism, trust and the
  // sponsoring exits come from programmes; every exit and every event are counted in
  // catch_up), so the results are those of playing every post's events in order. Not with
  // co-sponsors: a seat is chosen during another event at the same instant, where the
  // order between posts' events at that instant would matter; nor with posts of their own.
  const bool lazy_;

  OrganisationWorkspace::Parts& ws_;  // the containers below, reused between organisations
  double t_ = 0.0;
  std::vector<Post*>& posts_ = ws_.posts;                     // by post index
  std::vector<std::vector<Post*>>& by_level_ = ws_.by_level;  // each level's, in post order
  PostClock& event_ = ws_.event;          // each post's incumbent's exit, or the end of its vacancy
  PostClock& lapse_due_ = ws_.lapse_due;  // when each post's incumbent disengages (rule 12)
  std::vector<Live*>& by_self_ = ws_.by_self;  // every programme started, by Live::self
  std::vector<Live*>& live_ = ws_.live;        // the live programmes, in launch order
  std::vector<PendingFollowUp>& owed_ = ws_.owed;
  std::vector<Deferred>& deferred_ = ws_.deferred;
  std::vector<Reengagement>& reengagements_ = ws_.reengagements;
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
  // Every grid point is recorded (the last ones at the horizon): written in place.
  out_.live.resize(g);
  out_.cynicism.resize(g);
  out_.trust.resize(g);
  out_.exits_by_level.assign(org_scenario_.levels.size(), 0);
  // Room for twice the launches to expect (the parser bounds them by kMaxLaunches), so the
  // lists of launches rarely grow while an organisation runs.
  const double expected = static_cast<double>(p_.launches.size()) +
                          (p_.renewal.enabled ? p_.horizon / p_.renewal.every.mean() : 0.0);
  const auto launches =
      static_cast<std::size_t>(std::min(2.0 * expected + 1.0, double{kMaxLaunches}));
  out_.programmes.reserve(launches);
  by_self_.reserve(launches);
  if (sh_.posts) {
    const auto posts =
        static_cast<std::size_t>(std::accumulate(p_.roster.begin(), p_.roster.end(), 0));
    event_.reserve(posts);
    lapse_due_.reserve(posts);
    by_level_.resize(p_.roster.size());
    for (std::size_t l = 0; l < p_.roster.size(); ++l) {
      by_level_[l].reserve(static_cast<std::size_t>(p_.roster[l]));
      for (int k = 0; k < p_.roster[l]; ++k) {
        add_post(static_cast<int>(l), Decisions(seed_, org_, post_entity(static_cast<int>(l), k)));
      }
    }
    seat_new_posts(0);
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
    double t_progress = kInf, t_patience = kInf;
    // One pass over the live programmes, in launch order. Only those the last event touched
    // (Live::stale) can have ended or judged a follow-up late: they are settled, and the
    // ones still live have their next times read again; the others' are as last read. The
    // times are taken before the clocks move: recomputing them after advance() could round
    // differently.
    std::size_t kept = 0;
    for (std::size_t k = 0; k < live_.size(); ++k) {
      Live& l = *live_[k];
      if (l.stale) {
        if (settle(l)) continue;
        l.next_progress = l.prog->next_progress();
        l.next_patience = l.prog->next_patience();
        l.stale = false;
      }
      live_[kept++] = &l;
      t_progress = std::min(t_progress, l.next_progress);
      t_patience = std::min(t_patience, l.next_patience);
    }
    live_.resize(kept);
    for (const auto& d : deferred_) t_progress = std::min(t_progress, d.at);
    double t_reengage = kInf;
    for (const auto& r : reengagements_) t_reengage = std::min(t_reengage, r.at);
    const double t_sponsor = event_.earliest(), t_lapse = lapse_due_.earliest();
    const double t_launch = next_launch();
    const double t_next =
        std::min({t_progress, t_patience, next_squeeze_, t_sponsor, t_lapse, t_reengage, t_launch});
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
      for (Live* l : live_)
        if (l->next_progress == t_) {
          first = l;
          break;
        }
      if (first && (owner < 0 || first->j < owner)) {
        first->stale = true;
        first->prog->advance(t_);
        // A co-sponsored programme's visible result was handled by its hook already.
        if (first->prog->on_progress() && first->seats.empty()) on_visible_result(*first);
      } else {
        deliver(deferred_index);
      }
    } else if (t_patience == t_next) {
      for (Live* l : live_)
        if (l->next_patience == t_) {
          l->stale = true;
          Programme& prog = *l->prog;
          prog.advance(t_);
          prog.on_patience();
          break;
        }
    } else if (next_squeeze_ == t_next) {
      on_squeeze();
      schedule_squeeze();
    } else if (t_sponsor == t_next) {
      on_post_event(*posts_[static_cast<std::size_t>(event_.first())]);
    } else if (t_lapse == t_next) {
      on_lapse(*posts_[static_cast<std::size_t>(lapse_due_.first())]);
    } else if (t_reengage == t_next) {
      on_reengagement();  // after every other event at this instant, before launches
    } else {
      launch();
    }
  }

  // The grid up to the horizon sees programmes still live as live. Then the horizon:
  // they are running; follow-ups owed later count late only when their window has passed.
  record_grid(kInf);
  if (lazy_)
    for (Post* post : posts_) catch_up(*post, horizon);
  t_ = horizon;
  for (Live* i : live_) {
    Live& l = *i;
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

void OrganisationRun::record_grid_points(double before) {
  const auto live = static_cast<int>(live_.size());
  for (; grid_next_ < p_.grid.size() && p_.grid[grid_next_] < before; ++grid_next_) {
    out_.live[grid_next_] = live;
    out_.cynicism[grid_next_] = cynicism_.at(p_.grid[grid_next_]);
    out_.trust[grid_next_] = trust_;
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
  for (Live* i : live_) {
    Live& l = *i;
    l.stale = true;
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
    static const std::vector<Post*> kNone;
    const auto& level = static_cast<std::size_t>(lp.level) < by_level_.size()
                            ? by_level_[static_cast<std::size_t>(lp.level)]
                            : kNone;
    // Launches come after posts' events at an instant: "at t_" includes them.
    int filled = 0;
    for (Post* q : level) filled += filled_at(*q, t_);
    if (filled == 0) {
      out_.programmes.push_back(lp);
      return;
    }
    const double u = dj.uniform(Mechanism::Roster, kPostChoice);
    int pick = std::min(filled - 1, static_cast<int>(u * filled));
    for (Post* q : level)
      if (filled_at(*q, t_) && pick-- == 0) {
        post = q;
        break;
      }
    catch_up(*post, t_);
    activate(*post);
  } else {
    // A post of its own, whose incumbent is already in post: drawn from the programme's
    // own streams, so it is the programme's post whatever else is launched.
    post = &add_post(lp.level, dj);
    seat_new_posts(static_cast<std::size_t>(post->index));
  }
  lp.post = post->index;
  out_.programmes.push_back(lp);

  const int self = static_cast<int>(by_self_.size());
  Live& live = ws_.new_live(static_cast<int>(j), &tmpl, dj);
  live.self = self;
  by_self_.push_back(&live);
  live.post = post;
  live.own_trust = p_.initial_trust;
  double* trust = sh_.trust ? &trust_ : &live.own_trust;
  const SponsorState* sponsor = &post->state;
  if (!tmpl.co_sponsors.empty()) {
    // Rule 14: the lead alone until the start, when the co-sponsors take their seats.
    live.seats.push_back(Seat{post});
    update_acting(live);
    sponsor = &live.acting;
  }
  live.prog.emplace(tmpl, live.d, *sponsor, live.rec, trust, t_);
  if (p_.cynicism.has_effect()) live.prog->set_cynicism(&cynicism_);
  live.prog->defer_follow_ups(&owed_);
  if (tmpl.customers.reengage.prob > 0.0) live.prog->report_late(&live.late);
  if (!tmpl.co_sponsors.empty()) {
    // Plain hooks (programme.hpp): the seats are filled at the start, and a visible result
    // re-engages them before anything after it is drawn (the next resource wait under
    // whoever is acting then), as in a single run.
    live.owner = this;
    live.prog->on_start(
        [](void* l) {
          Live& x = *static_cast<Live*>(l);
          static_cast<OrganisationRun*>(x.owner)->seat_co_sponsors(x);
        },
        &live);
    live.prog->on_visible(
        [](void* l) {
          Live& x = *static_cast<Live*>(l);
          static_cast<OrganisationRun*>(x.owner)->on_visible_result(x);
        },
        &live);
  }
  live.prog->begin_scoping(u_approval);
  post->programmes.push_back(self);
  live_.push_back(&live);
}

Seat& OrganisationRun::seat_on(Live& live, const Post& post) {
  for (Seat& seat : live.seats)
    if (seat.post == &post && !seat.lost) return seat;
  throw std::logic_error("a post lists a programme with no seat on it");
}

void OrganisationRun::advance_post(const Post& post) {
  for (int j : post.programmes) {
    Live& l = *by_self_[static_cast<std::size_t>(j)];
    l.stale = true;  // it is told of the post's change next
    if (!l.prog->done()) l.prog->advance(t_);
  }
}

// Rule 12 for a shared post: a visible result of any of its programmes re-engages the
// incumbent for all of them and restarts their attention.
void OrganisationRun::on_visible_result(Live& live) {
  live.stale = true;
  if (live.seats.empty()) {
    Post& post = *live.post;
    if (!post.state.engaged) reengage_post(post);
    set_lapse(post, relapse(post, t_));
    return;
  }
  // Rule 14: the result re-engages every seat's incumbent and restarts the attention of every
  // filled seat.
  bool reengaged = false;
  for (Seat& seat : live.seats) {
    if (seat.lost || seat.post->state.vacant) continue;
    if (!seat.post->state.engaged) {
      reengage_post(*seat.post, &live);
      reengaged = true;
    }
    set_lapse(*seat.post, relapse(*seat.post, t_));
  }
  update_acting(live);
  if (reengaged) live.prog->on_reengage();
}

// The incumbent of `post` re-engages (rule 12) for every programme the post sponsors. A co-
// sponsored programme sees it through its acting sponsor; the programme whose result it was
// is told by on_visible_result.
void OrganisationRun::reengage_post(Post& post, const Live* self) {
  advance_post(post);
  post.state.engaged = true;
  for (int j : post.programmes) {
    Live& other = *by_self_[static_cast<std::size_t>(j)];
    if (other.prog->done()) continue;
    if (other.seats.empty()) {
      other.prog->on_reengage();
    } else if (&other != self) {
      if (update_acting(other)) other.prog->on_acting_change();
    }
  }
}

// Rule 14: the acting sponsor of a co-sponsored programme is its filled seat with the highest
// effective clout (ties to the lower seat). Returns whether what the programme sees changed.
bool OrganisationRun::update_acting(Live& live) {
  const Scenario& s = *live.tmpl;
  live.stale = true;  // the sponsor it reads may change
  const SponsorState before = live.acting;
  const std::size_t acting_before = live.acting_seat;
  double best = -1.0;
  for (std::size_t k = 0; k < live.seats.size(); ++k) {
    const Seat& seat = live.seats[k];
    if (seat.lost || seat.post->state.vacant) continue;
    const SponsorState& in_post = seat.post->state;
    const double c = s.levels[static_cast<std::size_t>(in_post.level)].clout *
                     (in_post.engaged ? 1.0 : s.disengaged.clout);
    if (c > best) {
      best = c;
      live.acting_seat = k;
    }
  }
  live.acting.vacant = best < 0.0;
  if (live.acting.vacant) {
    live.acting.engaged = true;  // the level stays the last acting sponsor's
  } else {
    live.acting.level = live.seats[live.acting_seat].post->state.level;
    live.acting.engaged = live.seats[live.acting_seat].post->state.engaged;
  }
  return live.acting.vacant != before.vacant || live.acting.level != before.level ||
         live.acting.engaged != before.engaged || live.acting_seat != acting_before;
}

// Rule 14 at the start S: seat k goes to a filled post of its level that holds neither the
// lead nor another seat of this programme, with equal weights, drawn from the programme's own
// stream; with no such post the seat is lost at once. Without shared posts, each seat gets a
// post of its own, numbered apart from the lead's.
void OrganisationRun::seat_co_sponsors(Live& live) {
  const Scenario& s = *live.tmpl;
  for (std::size_t i = 0; i < s.co_sponsors.size(); ++i) {
    const std::size_t k = i + 1;
    const int level = s.co_sponsors[i];
    Seat seat;
    if (sh_.posts) {
      const auto free = [&](const Post& q) {
        if (q.level != level || q.state.vacant) return false;
        for (const Seat& other : live.seats)
          if (other.post == &q) return false;
        return true;
      };
      int candidates = 0;
      for (const Post* q : posts_) candidates += free(*q);
      if (candidates > 0) {
        const double u = live.d.uniform(Mechanism::Roster, seat_choice(k));
        int pick = std::min(candidates - 1, static_cast<int>(u * candidates));
        for (Post* q : posts_)
          if (free(*q) && pick-- == 0) {
            seat.post = q;
            break;
          }
      }
    } else {
      seat.post = &add_post(level, live.d, static_cast<int>(k) << 10);
      seat_new_posts(static_cast<std::size_t>(seat.post->index));
    }
    if (seat.post) {
      seat.post->programmes.push_back(live.self);
    } else {
      seat.lost = true;
    }
    live.seats.push_back(seat);
  }
  update_acting(live);
}

void OrganisationRun::on_lapse(Post& post) {
  advance_post(post);
  post.state.engaged = false;
  set_lapse(post, kInf);
  for (int j : post.programmes) {
    Live& l = *by_self_[static_cast<std::size_t>(j)];
    if (l.prog->done()) continue;
    ++l.rec.disengagements;
    if (l.seats.empty()) {
      l.prog->on_disengage();
    } else if (update_acting(l)) {
      l.prog->on_acting_change();
    }
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
      Live& l = *by_self_[static_cast<std::size_t>(j)];
      if (l.prog->done()) continue;
      ++ex.orphaned;
      if (l.prog->scoping()) {
        l.prog->end_proposal();  // rule 11: the proposal dies with its sponsor's exit
        ++ex.lost;
      } else if (l.seats.empty()) {
        l.prog->on_exit();
        l.exit_index = exit_index;
      } else {
        // Rule 14: the exit vacates the programme's seat on this post.
        Seat& seat = seat_on(l, post);
        ++seat.exits;
        seat.exit_index = exit_index;
        ++l.rec.sponsor_changes;
      }
    }
    if (ex.orphaned > 0) out_.exits.push_back(ex);
    vacate(post);
    for (int j : post.programmes) {
      Live& l = *by_self_[static_cast<std::size_t>(j)];
      if (!l.prog->done() && !l.seats.empty() && update_acting(l)) l.prog->on_acting_change();
    }
    return;
  }
  // The vacancy ends: a successor of the same level takes the post with a full tenure, and
  // each orphaned programme draws its own adoption.
  fill(post);
  std::vector<int> released;  // co-sponsored programmes whose seat here was lost
  for (int j : post.programmes) {
    Live& l = *by_self_[static_cast<std::size_t>(j)];
    if (l.prog->done()) continue;
    if (!l.seats.empty()) {
      // Rule 14: the seat's own adoption; a seat not adopted is lost, and with every seat
      // lost the programme ends (sponsor_exit) by the exit that vacated this one.
      Seat& seat = seat_on(l, post);
      const auto k = static_cast<std::size_t>(&seat - l.seats.data());
      const bool adopted =
          l.d.uniform(Mechanism::Succession, seat_adoption(k, seat.exits)) < su.adoption;
      const int exit_index = seat.exit_index;
      seat.exit_index = -1;
      if (adopted) {
        if (update_acting(l)) l.prog->on_acting_change();
        continue;
      }
      seat.lost = true;
      released.push_back(j);
      if (std::all_of(l.seats.begin(), l.seats.end(), [](const Seat& x) { return x.lost; })) {
        l.prog->on_vacancy_end(false);
        if (exit_index >= 0) ++out_.exits[static_cast<std::size_t>(exit_index)].lost;
      }
      continue;
    }
    const auto n = static_cast<std::uint64_t>(l.rec.sponsor_changes);
    const bool adopted =
        l.d.uniform(Mechanism::Succession, Place::of(places::kAdoption, n)) < su.adoption;
    l.prog->on_vacancy_end(adopted);
    if (!adopted && l.exit_index >= 0) ++out_.exits[static_cast<std::size_t>(l.exit_index)].lost;
    l.exit_index = -1;
  }
  for (int j : released)
    post.programmes.erase(std::remove(post.programmes.begin(), post.programmes.end(), j),
                          post.programmes.end());
}

// The incumbent leaves (exit counted by the caller) and the post waits for the next one.
void OrganisationRun::vacate(Post& post) {
  post.state.vacant = true;
  post.state.engaged = true;
  set_lapse(post, kInf);
  ++post.incumbent;
  set_event(post, post.arrival(post.incumbent));
}

// A successor takes the post with a full tenure and a full attention lapse.
void OrganisationRun::fill(Post& post) {
  post.state.vacant = false;
  post.state.engaged = true;
  take_post(post);
}

void OrganisationRun::seat_new_posts(std::size_t first) {
  const double horizon = p_.horizon;
  std::vector<Post*>& seating = ws_.seating;
  seating.clear();
  for (std::size_t i = first; i < posts_.size(); ++i) {
    Post& post = *posts_[i];
    post.tenancies.assign(1, Tenancy{});
    post.timeline.assign(1, t_);
    seating.push_back(&post);
  }
  // A step per incumbent n: the tenure and first lapse of each post's n-th, then the vacancy
  // after those who leave within the horizon; a post whose next incumbent arrives within the
  // horizon goes on. These are the draws the events up to the horizon read. (A level that
  // never sees its sponsors leave or lapse still names its lanes: they are computed, unread.)
  constexpr std::size_t kLanes = PhiloxLanes::kLanes;
  const auto replication_lo = static_cast<std::uint32_t>(org_);
  const bool residual = org_scenario_.initial_sponsor == InitialSponsor::Residual;
  const Distribution& vacancy = org_scenario_.succession.vacancy;
  for (std::size_t n = 0; !seating.empty(); ++n) {
    throw_if_stopped();
    const int number = static_cast<int>(n);
    // Tenures in even lanes, first lapses in odd ones: 8 posts a batch.
    for (std::size_t from = 0; from < seating.size(); from += kLanes / 2) {
      const std::size_t count = std::min(kLanes / 2, seating.size() - from);
      for (std::size_t i = 0; i < count; ++i) {
        const Post& post = *seating[from + i];
        name_lane(2 * i, post, PostDraw::Tenure, post.base + number);
        name_lane(2 * i + 1, post, PostDraw::Lapse, post.base + number);
      }
      philox_lanes(ws_.lanes, seed_, replication_lo, 2 * count);
      for (std::size_t i = 0; i < count; ++i) {
        Post& post = *seating[from + i];
        const double start = post.timeline.back();
        const SponsorLevel& level = level_of(post);
        double exit = kInf;
        if (level.tenure.kind() != DistKind::Never) {
          const double u = lane_uniform(2 * i);
          exit = start + (residual && n == 0 ? level.tenure.residual_quantile(u)
                                             : level.tenure.quantile(u));
        }
        if (level.attention_lapse.kind() != DistKind::Never)
          post.tenancies[n].lapse = start + level.attention_lapse.quantile(lane_uniform(2 * i + 1));
        post.timeline.push_back(exit);
      }
    }
    std::size_t leaving = 0;
    for (Post* post : seating)
      if (post->timeline.back() <= horizon) seating[leaving++] = post;
    seating.resize(leaving);
    for (std::size_t from = 0; from < seating.size(); from += kLanes) {
      const std::size_t count = std::min(kLanes, seating.size() - from);
      for (std::size_t i = 0; i < count; ++i) {
        const Post& post = *seating[from + i];
        name_lane(i, post, PostDraw::Vacancy, post.base + number + 1);
      }
      philox_lanes(ws_.lanes, seed_, replication_lo, count);
      for (std::size_t i = 0; i < count; ++i) {
        Post& post = *seating[from + i];
        const Tenancy& last = post.tenancies[n];
        const double exit = post.timeline.back();
        // Its first lapse (if before its exit), its exit and the next one's arrival.
        const int events = last.events_to_start + (last.lapse < exit ? 3 : 2);
        post.tenancies.push_back(Tenancy{kInf, events});
        post.timeline.push_back(exit + vacancy.quantile(lane_uniform(i)));
      }
    }
    std::size_t kept = 0;
    for (Post* post : seating)
      if (post->timeline.back() <= horizon) seating[kept++] = post;
    seating.resize(kept);
  }
  for (std::size_t i = first; i < posts_.size(); ++i) take_post(*posts_[i]);
}

// An idle post's own events up to and including t, in the order the event loop would play
// them: at one instant its exit or vacancy's end before its lapse (an exit clears the lapse).
// Each is an event of the organisation, and each exit is counted. The tenancies between its
// next arrival and the last one by t are counted whole (Tenancy::events_to_start).
void OrganisationRun::catch_up(Post& post, double t) {
  if (post.active) return;
  if (!post.state.vacant && !end_tenancy(post, t)) return;
  // Vacant, waiting for incumbent k; a lapse drawn while it was active and vacant may fall first.
  const int k = post.incumbent;
  if (post.next_lapse < post.arrival(k) && post.next_lapse <= t) {
    ++out_.events;
    post.state.engaged = false;
    set_lapse(post, kInf);
  }
  if (!(post.arrival(k) <= t)) return;
  const int j = (edges_by(post, t) - 1) / 2;  // the last incumbent to arrive by t
  const auto& ten = post.tenancies;
  out_.events += 1 + ten[static_cast<std::size_t>(j)].events_to_start -
                 ten[static_cast<std::size_t>(k)].events_to_start;
  out_.exits_by_level[static_cast<std::size_t>(post.level)] += j - k;
  post.incumbent = j;
  fill(post);
  end_tenancy(post, t);
}

// The idle post's incumbent up to t: its lapse, if it falls before its exit, and its exit.
// Returns whether it left.
bool OrganisationRun::end_tenancy(Post& post, double t) {
  const double exit = post.next_event;
  if (post.next_lapse < exit && post.next_lapse <= t) {
    ++out_.events;
    post.state.engaged = false;
    set_lapse(post, kInf);
  }
  if (!(exit <= t)) return false;
  ++out_.events;
  ++out_.exits_by_level[static_cast<std::size_t>(post.level)];
  vacate(post);
  return true;
}

// How many of an idle post's edges fall at or before t: from the edge last seen, or the next
// one its played events have not passed. Between two launches a post sees no edge pass, one or
// two, rarely more: two steps without a branch, then a loop that seldom turns. (The last edge
// is past the horizon: e stops there.)
int OrganisationRun::edges_by(Post& post, double t) {
  const double* edge = post.timeline.data();
  int e = std::max(post.edges_seen, 2 * post.incumbent + 1 - (post.state.vacant ? 1 : 0));
  e += edge[e] <= t;
  e += edge[e] <= t;
  while (edge[e] <= t) ++e;
  post.edges_seen = e;
  return e;
}

// Whether the post is filled after its events up to and including t. An active post is up to
// date; an idle one is read off its timeline without playing its events (catch_up plays them,
// and counts them, when it is chosen or at the horizon).
bool OrganisationRun::filled_at(Post& post, double t) {
  if (post.active) return !post.state.vacant;
  return (edges_by(post, t) & 1) != 0;  // the next edge is an exit
}

// A post that sponsors a programme again: its clocks go back into the event queues.
void OrganisationRun::activate(Post& post) {
  if (post.active) return;
  post.active = true;
  event_.enter(post.index, post.next_event);
  lapse_due_.enter(post.index, post.next_lapse);
}

void OrganisationRun::idle_if_unused(Post& post) {
  if (!lazy_ || !post.active || !post.programmes.empty()) return;
  event_.leave(post.index);
  lapse_due_.leave(post.index);
  post.active = false;
}

// A follow-up owed by a completed programme is delivered now and judged (rule 9).
void OrganisationRun::deliver(std::size_t i) {
  const Deferred d = deferred_[i];
  deferred_.erase(deferred_.begin() + static_cast<std::ptrdiff_t>(i));
  Programme::judge_follow_up(d.tmpl->customers, d.trust, t_, d.start);
  // Rule 17: a late judgement after the programme ended can still send the organisation back.
  if (!(t_ - d.start <= d.tmpl->customers.follow_up_window))
    schedule_reengagement(*d.d, *d.tmpl, t_, d.phase, d.trust, d.owner);
}

// Rule 17: the decision and the delay, drawn with the programme's own keys (as in a single
// run); the recovery applies whenever it falls at or before the horizon.
void OrganisationRun::schedule_reengagement(const Decisions& d, const Scenario& s, double at,
                                            int phase, double* trust, int owner) {
  const Customers::Reengage& re = s.customers.reengage;
  if (!(re.prob > 0.0)) return;
  const auto [u_go, u_delay] =
      d.uniform_pair(Mechanism::Reengagement, Place::at(static_cast<std::uint64_t>(phase)));
  if (u_go < re.prob)
    reengagements_.push_back({at + re.delay.quantile(u_delay), owner, re.recovery, trust});
}

void OrganisationRun::on_reengagement() {
  std::size_t first = reengagements_.size();
  for (std::size_t k = 0; k < reengagements_.size(); ++k)
    if (reengagements_[k].at == t_ &&
        (first == reengagements_.size() || reengagements_[k].owner < reengagements_[first].owner))
      first = k;
  const Reengagement r = reengagements_[first];
  reengagements_.erase(reengagements_.begin() + static_cast<std::ptrdiff_t>(first));
  *r.trust += r.recovery * (1.0 - *r.trust);
  ++out_.reengagements;
}

// After an event, each programme it touched, in launch order: its late judgements go to the
// organisation (rule 17); if it ended, cynicism takes the news, the post lets it go, and its
// follow-ups still owed become the organisation's to deliver. Returns whether it ended.
bool OrganisationRun::settle(Live& l) {
  double* trust = sh_.trust ? &trust_ : &l.own_trust;
  for (const LateFollowUp& f : l.late)
    schedule_reengagement(l.d, *l.tmpl, f.at, f.phase, trust, l.j);
  l.late.clear();
  if (!l.prog->done()) return false;
  if (l.rec.outcome == Outcome::Completed) {
    cynicism_.on_completion(t_);
  } else if (l.rec.outcome == Outcome::Ended) {
    cynicism_.on_failure(t_);
  }
  for (const auto& f : owed_)
    deferred_.push_back({f.delivered_at, f.start, l.j, l.tmpl, trust, f.phase, &l.d});
  owed_.clear();
  finish(l);
  return true;
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
  const auto release = [&](Post& post) {
    auto& mine = post.programmes;
    mine.erase(std::remove(mine.begin(), mine.end(), l.self), mine.end());
    // A post of its own has no more use once its programme is over.
    if (!sh_.posts) {
      set_event(post, kInf);
      set_lapse(post, kInf);
    }
    idle_if_unused(post);
  };
  release(*l.post);
  for (std::size_t k = 1; k < l.seats.size(); ++k)
    if (l.seats[k].post) release(*l.seats[k].post);
  l.prog.reset();
}

}  // namespace

OrganisationRecord simulate_organisation(const Portfolio& portfolio, std::uint64_t seed,
                                         std::uint64_t organisation, const Sharing& sharing,
                                         OrganisationWorkspace& workspace) {
  return OrganisationRun(portfolio, seed, organisation, sharing, *workspace.parts_).run();
}

OrganisationRecord simulate_organisation(const Portfolio& portfolio, std::uint64_t seed,
                                         std::uint64_t organisation, const Sharing& sharing) {
  OrganisationWorkspace workspace;
  return simulate_organisation(portfolio, seed, organisation, sharing, workspace);
}

}  // namespace progsurv
