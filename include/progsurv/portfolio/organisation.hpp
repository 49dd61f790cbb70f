#pragma once
// One portfolio replication: one organisation from t = 0 to its horizon (docs/model.md, Portfolio
// mode, in docs/model.md), every live programme driven by the same programme engine as a single-
// programme run (engine/programme.hpp), sponsored from a shared roster of posts.
#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "progsurv/engine/outcome.hpp"
#include "progsurv/portfolio/portfolio.hpp"

namespace progsurv {

// What is shared, for organisation-level attribution: each switch turns one sharing off
// and leaves every other draw unchanged (common random numbers).
struct Sharing {
  bool cynicism = true;  // false: cynicism stays at its initial level (no rise, no relief)
  bool trust = true;     // false: each programme has its own customer trust, from initial
  bool posts = true;     // false: every programme gets a post of its own at launch
  bool budget = true;    // false: each programme draws its own squeezes, as if alone
  bool operator==(const Sharing& o) const {
    return cynicism == o.cynicism && trust == o.trust && posts == o.posts && budget == o.budget;
  }
};

// The fate of the j-th programme an organisation launched.
struct LaunchedProgramme {
  int programme = 0;  // template index
  int level = -1;     // sponsor level drawn for it
  int post = -1;      // the post that sponsors it; -1 when none was filled (not started)
  double launched_at = 0.0;
  Outcome outcome = Outcome::NotStarted;
  Cause cause = Cause::None;
  double end_time = 0.0;  // calendar months; the horizon when running
  int phases_delivered = 0;
  double value = 0.0;
  int sponsor_changes = 0;
  int disengagements = 0;
  std::array<double, kTimeBucketCount> time{};  // months from launch to end, by TimeBucket
  bool capped = false;                          // refused by max_live
};

// One sponsor exit and what it did to the programmes the post sponsored.
struct SponsorExit {
  int level = 0;
  int orphaned =
      0;         // programmes live with their lead or a seat (rule 14) on the post when it emptied
  int lost = 0;  // of those, ended by it: proposals that died, programmes whose last seat was lost
};

struct OrganisationRecord {
  std::vector<LaunchedProgramme> programmes;  // launch order
  // On the portfolio's grid: programmes live (scoping or running), cynicism C(t), trust T(t).
  std::vector<int> live;
  std::vector<double> cynicism, trust;
  std::vector<SponsorExit> exits;            // exits of posts that sponsored a live programme
  std::vector<std::int64_t> exits_by_level;  // every exit, sponsoring or not
  std::int64_t events = 0;
  std::int64_t reengagements = 0;  // re-engagements with customers that took effect (rule 17)
};

// The containers of one organisation's run (posts, live programmes, queues, lists), kept
// between the organisations one worker simulates so that their room is allocated once, not
// per organisation. Each run starts by emptying them: a record never depends on what the
// workspace simulated before. Not shared between threads.
class OrganisationWorkspace {
 public:
  OrganisationWorkspace();
  ~OrganisationWorkspace();
  OrganisationWorkspace(const OrganisationWorkspace&) = delete;
  OrganisationWorkspace& operator=(const OrganisationWorkspace&) = delete;
  struct Parts;  // organisation.cpp

 private:
  friend OrganisationRecord simulate_organisation(const Portfolio&, std::uint64_t, std::uint64_t,
                                                  const Sharing&, OrganisationWorkspace&);
  std::unique_ptr<Parts> parts_;
};

// Organisation `organisation` of `portfolio` with `seed`: the same arguments give the same
// record on any thread or process, with any workspace.
OrganisationRecord simulate_organisation(const Portfolio& portfolio, std::uint64_t seed,
                                         std::uint64_t organisation, const Sharing& sharing,
                                         OrganisationWorkspace& workspace);
// The same with a workspace of its own (one organisation alone).
OrganisationRecord simulate_organisation(const Portfolio& portfolio, std::uint64_t seed,
                                         std::uint64_t organisation, const Sharing& sharing = {});

}  // namespace progsurv
