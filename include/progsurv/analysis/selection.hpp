#pragma once
// Ranking and selection among k simulated "systems" (remedy bundles) that each have a cost:
// the statistics behind `progsurv remedies` (issue 17; for users: docs/remedies-search.md).
// Pure statistics: it knows nothing of scenarios.
//
// INTERFACE (the contract callers code against)
// Input
//   costs[s] >= 0, finite, one per system; system 0 is the reference ("do nothing") and
//     costs[0] == 0. Systems of cost > options.budget take no part (never observed).
//   observe(systems, first, count, out): out arrives sized systems.size() * count; the
//     observer fills out[i * count + j] with observation first + j of system systems[i].
//     An observation is a batch mean (the goal's per-replication value averaged over
//     replications [j*B, (j+1)*B), the same replications for every system: common random
//     numbers, so observations of different systems at the same j are paired). It must be
//     deterministic. Blocks: the first asks every taking-part system for observations
//     0..n0-1 at once; the later ones ask the systems still sampled (all at the same count)
//     for the next stage, whose size grows geometrically: r -> r + max(min_stage_step,
//     ceil(r * stage_growth)), capped at max_observations. A caller may parallelise over
//     systems and observations within a block. With the defaults (the count grows 5% a
//     stage) a run makes at most 74 calls up to a cap of 1000 observations, 121 up to 10^4,
//     168 up to 10^5.
//   options: see SelectionOptions. Bad arguments throw std::invalid_argument naming the
//     option and what was expected; a progress callback returning false throws Cancelled.
// Output (SelectionResult)
//   per system: every observation taken (a prefix 0..n-1 of the batches), mean, standard
//     deviation and standard error, whether and by which system it was eliminated and at how
//     many observations, its feasibility decision with a target, and P(it meets the bound);
//   the frontier: system indices in ascending cost, for each distinct cost the best
//     surviving system of that cost, kept when its mean beats every cheaper frontier point
//     by at least delta / 2 (the middle of the indifference zone: gains of 0 and of delta
//     are told apart by the side of delta / 2 their estimates fall on); the chosen system is
//     always on it;
//   best: the best surviving system (within the budget when there is one);
//   with a target: chosen = the cheapest surviving system declared feasible (ties by the
//     better mean, then the lower index), runner_up = the next one in that order that does
//     not extend the chosen one (options.extends: a remedy bundle that is the chosen one with
//     more remedies added is no alternative to it);
//   termination (converged: every continuation region closed; capped: some system hit
//     max_observations with a pair or a feasibility check still open; fixed: equal
//     allocation), the total observations, the stages (observer calls) and the parameters
//     used (k, eta, h^2, epsilon, the feasibility eta and h^2) for the caller's file.
//   The result is a deterministic function of the costs, the options and the observations.
//
// GUARANTEE (observations normal and, per system, i.i.d. across j; batch means make the
// normality approximately true; common random numbers are allowed)
// * Frontier: fully sequential elimination of Kim & Nelson (2001), "A fully sequential
//   procedure for indifference-zone selection in simulation", ACM TOMACS 11(3):251-273,
//   with dominance: system i is eliminated by l only when cost_l <= cost_i and, at stage r
//   (r observations of both), mean_l(r) - mean_i(r) > W_il(r) (in the "better" direction),
//     W_il(r) = max(0, (delta / (2r)) * (h^2 S_il^2 / delta^2 - r)),
//   S_il^2 the sample variance of the first n0 paired differences, h^2 = 2 eta (n0 - 1),
//     eta = ((2 alpha / (k - 1))^(-2/(n0 - 1)) - 1) / 2,
//   with k the number of systems taking part (within the budget): one Bonferroni share
//   alpha/(k-1) per competitor, as in KN. A pair is checked at every stage until its
//   difference leaves KN's region |mean_l(r) - mean_i(r)| <= W_il(r), at the latest when
//   W_il = 0 (r >= h^2 S_il^2 / delta^2); it is then resolved: on the cheaper system's side
//   the dearer one is eliminated, on the dearer system's side the dearer one is better and
//   both stay (the cheaper one is not eliminated by a dearer one). Checking only at the
//   stages of the schedule (not at every r) keeps KN valid: the wrong-side exit probability
//   of a discretely observed Brownian motion is no more than the continuous one's (as in
//   KN's proof, after Jennison, Johnstone & Turnbull 1982), and dropping resolved pairs
//   only removes chances of a wrong elimination.
//   Guarantee: for each cost c, let b be the best system of the prefix {cost <= c}; if b is
//   at least delta better than every other system of the prefix, then with probability
//   >= 1 - alpha b is not eliminated and no pair the procedure resolved ranks another
//   system of the prefix above b. When it converges every pair of survivors is resolved, so
//   b is then ranked above every other survivor of the prefix; the frontier, read from the
//   final means, shows b at c (or a cheaper system within delta of it) unless a mean moved
//   past b's after their pair was resolved, or b's final mean is less than delta / 2 above
//   that of the cheaper frontier point before it (an error of more than delta / 2 in the
//   estimate of a gain of at least delta).
//   The statement holds for each prefix separately (not jointly over all c).
// * Feasibility (with a target "metric >= bound" or "<= bound"): the one-constraint case
//   (c = 1) of procedure F_B of Batur & Kim (2010), "Finding feasible systems in the
//   presence of constraints on multiple performance measures", ACM TOMACS 20(3), article
//   13, also the feasibility phase of Andradottir & Kim (2010), Naval Research Logistics
//   57(5):403-421. With D(r) = sum_{j<r} (Y_j - bound) (sign flipped for "<="), system i is
//   declared feasible when D(r) >= R(r), infeasible when D(r) <= -R(r),
//     R(r) = max(0, h_f^2 S_i^2 / (2 epsilon) - epsilon r / 2),
//   S_i^2 the variance of its first n0 observations, h_f^2 = 2 eta_f (n0 - 1),
//     eta_f = ((2 beta)^(-2/(n0 - 1)) - 1) / 2,  beta = feasibility_alpha / k
//   (Bonferroni over the k systems that may be decided, as F_B prescribes for dependent,
//   e.g. CRN, systems). Guarantee: with probability >= 1 - feasibility_alpha every decided
//   system whose true mean is at least epsilon inside the bound is declared feasible and
//   every one at least epsilon outside is declared infeasible. Survivors are checked
//   alongside the elimination; a system stops being checked once two cheaper survivors are
//   declared feasible, the dearer of them not extending the cheaper, and (with extends) no
//   survivor as cheap as the cheaper is still undecided (it cannot be the chosen or the
//   runner-up; it is not restarted if one of them is eliminated later), or when it is
//   eliminated.
//   When the procedure converges, with probability >= 1 - alpha - feasibility_alpha the
//   chosen system is at worst epsilon short of the bound and costs no more than the cheapest
//   system epsilon inside it, when that system is delta better than every other system of
//   its cost prefix (Bonferroni over the two guarantees).
//   With a target the frontier metric is the target's: ">=" needs maximise, "<=" minimise
//   (a better system of no greater cost then meets the bound whenever a worse one does).
// * P(meets the bound) is a normal approximation, Phi((mean - bound) / se) (mirrored for
//   "<="), se = sd / sqrt(n) of the system's own observations; no guarantee attached.
// * Equal allocation (the benchmark's comparison) observes every taking-part system up to
//   max_observations, eliminates nothing and decides feasibility by the sign of
//   mean - bound at the end: a fixed-sample procedure without the guarantees above.
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

namespace progsurv {

// Fills out[i * count + j] with observation first + j of system systems[i] (out arrives
// sized systems.size() * count). Must be deterministic (the same values whatever the
// threads or ranks).
using Observer = std::function<void(const std::vector<int>& systems, std::int64_t first,
                                    std::int64_t count, std::vector<double>& out)>;

// A bound on the frontier metric: feasible means mean >= bound (at_least) or <= bound.
struct SelectionTarget {
  double bound = 0.0;
  bool at_least = true;
};

struct SelectionOptions {
  double alpha = 0.05;                   // 1 - PCS of the elimination, in (0, 1)
  double delta = 0.0;                    // indifference zone, metric units; required > 0
  double epsilon = 0.0;                  // feasibility tolerance, metric units; 0 = delta
  double feasibility_alpha = 0.0;        // error of the feasibility decisions; 0 = alpha
  std::int64_t n0 = 20;                  // first-stage observations per system, >= 10
  std::int64_t max_observations = 1000;  // cap per system, >= n0
  bool maximise = true;                  // false: smaller is better
  std::optional<SelectionTarget> target;
  std::optional<double> budget;   // systems of cost > budget take no part; >= 0
  bool equal_allocation = false;  // every system gets the cap, nothing eliminated
  // extends(a, b): system a is system b with more added (a bundle of remedies containing
  // another), so it is never b's runner-up. Empty: every system is an alternative to every
  // other.
  std::function<bool(int, int)> extends;
  double stage_growth = 0.05;       // a stage adds ceil(r * stage_growth) observations...
  std::int64_t min_stage_step = 1;  // ...and at least this many
  // Called after every block with (observations so far, planned upper bound = k * cap);
  // return false to stop (select_systems throws Cancelled).
  std::function<bool(std::int64_t, std::int64_t)> progress;
};

enum class Feasibility {
  NotChecked,  // no target, outside the budget, or never needed
  Undecided,   // inside the continuation region when its check stopped: the cap, its
               // elimination, or two cheaper survivors declared feasible
  Feasible,
  Infeasible
};
const char* to_string(Feasibility f);  // "not_checked", "undecided", "feasible", ...

struct SystemSelection {
  double cost = 0.0;
  bool takes_part = true;            // cost within the budget
  std::vector<double> observations;  // observations 0..n-1, in batch order
  double mean = 0.0;                 // NaN when not observed
  double sd = 0.0;                   // sample standard deviation of the observations
  double se = 0.0;                   // sd / sqrt(n)
  bool eliminated = false;
  int eliminated_by = -1;          // the cheaper-or-equal system that eliminated it
  std::int64_t eliminated_at = 0;  // observations per system at that stage
  Feasibility feasibility = Feasibility::NotChecked;
  std::int64_t decided_at = 0;  // observations when declared (in)feasible
  double p_meets = 0.0;         // P(meets the bound), normal approximation; NaN: none
};

enum class Termination { Converged, Capped, Fixed };
const char* to_string(Termination t);  // "converged", "capped", "fixed"

struct SelectionResult {
  std::vector<SystemSelection> systems;  // indexed like costs
  std::vector<int> frontier;             // ascending cost
  int best = -1;                         // best surviving system
  int chosen = -1;                       // with a target: cheapest declared feasible; -1: none
  int runner_up = -1;                    // the next one not extending it; -1: none
  Termination termination = Termination::Converged;
  std::int64_t total_observations = 0;
  std::int64_t stages = 0;  // observer calls
  // Parameters used (options with epsilon and feasibility_alpha resolved; no progress).
  SelectionOptions options;
  int k = 0;         // systems taking part
  double eta = 0.0;  // KN's eta (0 when k == 1)
  double h2 = 0.0;   // KN's h^2 = 2 eta (n0 - 1)
  double feasibility_eta = 0.0;
  double feasibility_h2 = 0.0;
};

// Runs the procedure described above. Throws std::invalid_argument for bad arguments,
// Cancelled when the progress callback returns false, std::runtime_error when the observer
// returns a non-finite observation or resizes `out`.
SelectionResult select_systems(const std::vector<double>& costs, const Observer& observe,
                               const SelectionOptions& options);

}  // namespace progsurv
