// Kim & Nelson (2001) elimination with dominance, and the Batur & Kim (2010) feasibility
// check; the statements and constants are in selection.hpp.
#include "progsurv/analysis/selection.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>
#include <unordered_set>
#include <utility>

#include <boost/math/distributions/normal.hpp>

#include "progsurv/engine/cancel.hpp"

namespace progsurv {

const char* to_string(Feasibility f) {
  switch (f) {
    case Feasibility::NotChecked:
      return "not_checked";
    case Feasibility::Undecided:
      return "undecided";
    case Feasibility::Feasible:
      return "feasible";
    case Feasibility::Infeasible:
      return "infeasible";
  }
  return "?";
}

const char* to_string(Termination t) {
  switch (t) {
    case Termination::Converged:
      return "converged";
    case Termination::Capped:
      return "capped";
    case Termination::Fixed:
      return "fixed";
  }
  return "?";
}

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

[[noreturn]] void bad(const std::string& what) {
  throw std::invalid_argument("select_systems: " + what);
}

void check_arguments(const std::vector<double>& costs, const Observer& observe,
                     const SelectionOptions& o) {
  if (costs.empty()) bad("no systems: costs is empty (system 0, doing nothing, is required)");
  for (std::size_t s = 0; s < costs.size(); ++s) {
    if (!std::isfinite(costs[s]) || costs[s] < 0.0)
      bad("cost of system " + std::to_string(s) + " is " + std::to_string(costs[s]) +
          "; expected a finite number >= 0");
  }
  if (costs[0] != 0.0)
    bad("system 0 is the reference (doing nothing) and must cost 0, not " +
        std::to_string(costs[0]));
  if (!observe) bad("no observer");
  if (!(o.alpha > 0.0 && o.alpha < 1.0))
    bad("alpha is " + std::to_string(o.alpha) + "; expected a number in (0, 1)");
  if (!(o.delta > 0.0) || !std::isfinite(o.delta))
    bad("delta (the indifference zone) is " + std::to_string(o.delta) +
        "; expected a finite number > 0");
  if (!(o.epsilon >= 0.0) || !std::isfinite(o.epsilon))
    bad("epsilon (the feasibility tolerance) is " + std::to_string(o.epsilon) +
        "; expected a finite number > 0, or 0 for delta");
  if (!(o.feasibility_alpha >= 0.0 && o.feasibility_alpha < 1.0))
    bad("feasibility_alpha is " + std::to_string(o.feasibility_alpha) +
        "; expected a number in (0, 1), or 0 for alpha");
  if (o.n0 < 10)
    bad("n0 (first-stage observations) is " + std::to_string(o.n0) + "; expected >= 10");
  if (o.max_observations < o.n0)
    bad("max_observations is " + std::to_string(o.max_observations) + "; expected >= n0 (" +
        std::to_string(o.n0) + ")");
  if (!(o.stage_growth >= 0.0) || !std::isfinite(o.stage_growth))
    bad("stage_growth is " + std::to_string(o.stage_growth) + "; expected a number >= 0");
  if (o.min_stage_step < 1)
    bad("min_stage_step is " + std::to_string(o.min_stage_step) + "; expected >= 1");
  if (o.budget && (!std::isfinite(*o.budget) || *o.budget < 0.0))
    bad("budget is " + std::to_string(*o.budget) + "; expected a finite number >= 0");
  if (o.target) {
    if (!std::isfinite(o.target->bound)) bad("the target's bound is not a finite number");
    if (o.target->at_least != o.maximise)
      bad(std::string("a target \"") + (o.target->at_least ? ">=" : "<=") +
          " bound\" needs the metric " + (o.target->at_least ? "maximised" : "minimised") +
          ": the frontier metric is the target's");
  }
}

// KN's eta for error share `beta` per comparison: the c = 1 root of
// (1/2) (1 + 2 eta)^(-(n0-1)/2) = beta, i.e. eta = ((2 beta)^(-2/(n0-1)) - 1) / 2.
double eta_for(double beta, std::int64_t n0) {
  return 0.5 * (std::pow(2.0 * beta, -2.0 / static_cast<double>(n0 - 1)) - 1.0);
}

double sample_variance(const double* x, std::int64_t n) {
  double mean = 0.0;
  for (std::int64_t j = 0; j < n; ++j) mean += x[j];
  mean /= static_cast<double>(n);
  double ss = 0.0;
  for (std::int64_t j = 0; j < n; ++j) ss += (x[j] - mean) * (x[j] - mean);
  return ss / static_cast<double>(n - 1);
}

// h^2 S_il^2 / delta^2 for every pair of the k taking-part systems (the stage at which
// W_il reaches 0), from their centred first-stage observations. Kept packed (a < b) while
// that fits in kMaxTable pairs (4,096 systems take 8.4M, 67 MB); beyond, recomputed from
// the centred observations when asked (n0 operations a pair), so memory stays linear in k.
class PairTable {
 public:
  static constexpr std::size_t kMaxTable = std::size_t{1} << 25;

  PairTable() = default;
  PairTable(std::vector<double> centred, std::size_t k, std::size_t n0, double scale)
      : k_(k), n0_(n0), scale_(scale), centred_(std::move(centred)) {
    const std::size_t pairs = k < 2 ? 0 : k * (k - 1) / 2;
    if (pairs > kMaxTable) return;
    table_.resize(pairs);
    settled_.resize(pairs, 0);
    for (std::size_t a = 0; a < k; ++a)
      for (std::size_t b = a + 1; b < k; ++b) table_[index(a, b)] = compute(a, b);
  }

  double at(std::size_t a, std::size_t b) const {
    if (a > b) std::swap(a, b);
    return table_.empty() ? compute(a, b) : table_[index(a, b)];
  }

  // A pair left its continuation region on the side of the dearer system, which the
  // cheaper one may not eliminate: it is resolved, both stay.
  bool settled(std::size_t a, std::size_t b) const {
    if (a > b) std::swap(a, b);
    return table_.empty() ? settled_set_.count(a * k_ + b) != 0 : settled_[index(a, b)] != 0;
  }
  void settle(std::size_t a, std::size_t b) {
    if (a > b) std::swap(a, b);
    if (table_.empty())
      settled_set_.insert(a * k_ + b);
    else
      settled_[index(a, b)] = 1;
  }

 private:
  std::size_t index(std::size_t a, std::size_t b) const {
    return a * (2 * k_ - a - 1) / 2 + (b - a - 1);
  }
  double compute(std::size_t a, std::size_t b) const {
    const double* x = &centred_[a * n0_];
    const double* y = &centred_[b * n0_];
    double ss = 0.0;
    for (std::size_t j = 0; j < n0_; ++j) ss += (x[j] - y[j]) * (x[j] - y[j]);
    return scale_ * ss / static_cast<double>(n0_ - 1);
  }

  std::size_t k_ = 0, n0_ = 0;
  double scale_ = 0.0;
  std::vector<double> centred_;
  std::vector<double> table_;
  std::vector<char> settled_;                    // with the table
  std::unordered_set<std::size_t> settled_set_;  // without
};

class Procedure {
 public:
  Procedure(const std::vector<double>& costs, const Observer& observe,
            const SelectionOptions& options)
      : costs_(costs), observe_(observe), o_(options) {
    result_.systems.resize(costs.size());
    for (std::size_t s = 0; s < costs.size(); ++s) {
      SystemSelection& sys = result_.systems[s];
      sys.cost = costs[s];
      sys.takes_part = !o_.budget || costs[s] <= *o_.budget;
      sys.mean = sys.sd = sys.se = sys.p_meets = kNaN;
      if (sys.takes_part) part_.push_back(static_cast<int>(s));
    }
    // Ascending cost, ties by index: a system can only be eliminated by one before it or
    // of equal cost.
    std::stable_sort(part_.begin(), part_.end(),
                     [&](int a, int b) { return costs_[a] < costs_[b]; });
    k_ = part_.size();
    if (o_.epsilon == 0.0) o_.epsilon = o_.delta;
    if (o_.feasibility_alpha == 0.0) o_.feasibility_alpha = o_.alpha;
    o_.progress = nullptr;
    result_.options = o_;
    result_.k = static_cast<int>(k_);
    if (k_ >= 2) {
      result_.eta = eta_for(o_.alpha / static_cast<double>(k_ - 1), o_.n0);
      result_.h2 = 2.0 * result_.eta * static_cast<double>(o_.n0 - 1);
    }
    if (o_.target) {
      result_.feasibility_eta = eta_for(o_.feasibility_alpha / static_cast<double>(k_), o_.n0);
      result_.feasibility_h2 = 2.0 * result_.feasibility_eta * static_cast<double>(o_.n0 - 1);
    }
    sign_ = o_.maximise ? 1.0 : -1.0;
    sum_.assign(k_, 0.0);
    alive_.assign(k_, true);
    sampling_.assign(k_, true);
    if (o_.target && !o_.equal_allocation)
      for (int s : part_) result_.systems[s].feasibility = Feasibility::Undecided;
  }

  SelectionResult run(const std::function<bool(std::int64_t, std::int64_t)>& progress) {
    progress_ = progress;
    planned_ = static_cast<std::int64_t>(k_) * o_.max_observations;
    std::int64_t r = o_.n0;
    observe_block(0, r);
    if (o_.equal_allocation) {
      while (r < o_.max_observations) {
        const std::int64_t next = next_stage(r);
        observe_block(r, next - r);
        r = next;
      }
      result_.termination = Termination::Fixed;
    } else {
      first_stage_tables();
      std::int64_t previous = 0;
      bool open = check_stage(previous, r);
      while (open && r < o_.max_observations) {
        const std::int64_t next = next_stage(r);
        observe_block(r, next - r);
        previous = r;
        r = next;
        open = check_stage(previous, r);
      }
      result_.termination = open ? Termination::Capped : Termination::Converged;
    }
    finish();
    return std::move(result_);
  }

 private:
  std::int64_t next_stage(std::int64_t r) const {
    const auto grown =
        static_cast<std::int64_t>(std::ceil(static_cast<double>(r) * o_.stage_growth));
    return std::min(o_.max_observations, r + std::max(o_.min_stage_step, grown));
  }

  // Observations first..first+count-1 of every system still sampled.
  void observe_block(std::int64_t first, std::int64_t count) {
    std::vector<int> systems;
    std::vector<std::size_t> positions;
    for (std::size_t p = 0; p < k_; ++p) {
      if (sampling_[p]) {
        systems.push_back(part_[p]);
        positions.push_back(p);
      }
    }
    const std::size_t size = systems.size() * static_cast<std::size_t>(count);
    std::vector<double> out(size, kNaN);
    observe_(systems, first, count, out);
    ++result_.stages;
    if (out.size() != size)
      throw std::runtime_error("select_systems: the observer resized its output from " +
                               std::to_string(size) + " to " + std::to_string(out.size()));
    for (std::size_t i = 0; i < systems.size(); ++i) {
      std::vector<double>& obs = result_.systems[systems[i]].observations;
      for (std::int64_t j = 0; j < count; ++j) {
        const double y = out[i * static_cast<std::size_t>(count) + static_cast<std::size_t>(j)];
        if (!std::isfinite(y))
          throw std::runtime_error("select_systems: observation " + std::to_string(first + j) +
                                   " of system " + std::to_string(systems[i]) +
                                   " is not a finite number");
        obs.push_back(y);
        sum_[positions[i]] += sign_ * y;
      }
    }
    result_.total_observations += static_cast<std::int64_t>(size);
    if (progress_ && !progress_(result_.total_observations, planned_)) throw Cancelled();
  }

  // The pair table and h_f^2 S_i^2 per system, from the first n0 observations.
  void first_stage_tables() {
    const std::int64_t n0 = o_.n0;
    if (k_ >= 2) {
      std::vector<double> centred(k_ * static_cast<std::size_t>(n0));
      for (std::size_t p = 0; p < k_; ++p) {
        const std::vector<double>& obs = result_.systems[part_[p]].observations;
        double mean = 0.0;
        for (std::int64_t j = 0; j < n0; ++j) mean += obs[j];
        mean /= static_cast<double>(n0);
        for (std::int64_t j = 0; j < n0; ++j) centred[p * n0 + j] = obs[j] - mean;
      }
      pairs_ = PairTable(std::move(centred), k_, static_cast<std::size_t>(n0),
                         result_.h2 / (o_.delta * o_.delta));
    }
    if (o_.target) {
      feas_scale_.resize(k_);
      for (std::size_t p = 0; p < k_; ++p)
        feas_scale_[p] = result_.feasibility_h2 *
                         sample_variance(result_.systems[part_[p]].observations.data(), n0);
    }
  }

  // The checks at stage r (the previous checked stage was `previous`, 0 before the first):
  // eliminations among the systems sampled up to r, then feasibility; decides which systems
  // are sampled further. Returns whether any is.
  bool check_stage(std::int64_t previous, std::int64_t r) {
    const double rr = static_cast<double>(r);
    std::vector<std::size_t> active;
    for (std::size_t p = 0; p < k_; ++p)
      if (sampling_[p]) active.push_back(p);

    // Elimination against the set alive at the start of the stage (KN's I_old). `active`
    // is in ascending cost, so the possible eliminators of active[a] are active[0..a) and
    // the later ones of the same cost.
    // A pair whose dearer system is better by more than W is resolved too (KN's exit on
    // that side; the cheaper one is not eliminated).
    std::vector<std::pair<std::size_t, std::size_t>> eliminations;  // (victim, by)
    std::vector<std::pair<std::size_t, std::size_t>> settled;
    for (std::size_t a = 0; a < active.size(); ++a) {
      const std::size_t i = active[a];
      const double cost_i = costs_[part_[i]];
      double best_excess = 0.0;
      std::size_t by = k_;
      for (std::size_t b = 0; b < active.size(); ++b) {
        const std::size_t l = active[b];
        if (l == i) continue;
        if (costs_[part_[l]] > cost_i) break;
        const double n_il = pairs_.at(i, l);
        if (n_il <= static_cast<double>(previous) && previous > 0) continue;  // resolved
        if (pairs_.settled(i, l)) continue;
        const double w = std::max(0.0, o_.delta / (2.0 * rr) * (n_il - rr));
        const double diff = (sum_[l] - sum_[i]) / rr;
        if (diff - w > best_excess) {
          best_excess = diff - w;
          by = l;
        } else if (-diff > w && costs_[part_[l]] < cost_i) {
          settled.emplace_back(i, l);
        }
      }
      if (by != k_) eliminations.emplace_back(i, by);
    }
    for (const auto& [i, l] : settled) pairs_.settle(i, l);
    for (const auto& [victim, by] : eliminations) {
      alive_[victim] = false;
      sampling_[victim] = false;
      SystemSelection& sys = result_.systems[part_[victim]];
      sys.eliminated = true;
      sys.eliminated_by = part_[by];
      sys.eliminated_at = r;
    }

    if (o_.target) {
      // Only survivors can be chosen: eliminated systems declared feasible earlier no longer
      // count.
      update_stop();
      feasibility_checks(active, r);
    }

    // Sampled further: a survivor with an open pair (W_il still > 0 after this stage, not
    // settled) with another survivor, or an undecided feasibility check still needed.
    bool any = false;
    std::vector<char> open(k_, 0);
    for (std::size_t a = 0; a < active.size(); ++a) {
      const std::size_t i = active[a];
      if (!alive_[i]) continue;
      for (std::size_t b = a + 1; b < active.size(); ++b) {
        const std::size_t l = active[b];
        if (alive_[l] && pairs_.at(i, l) > rr && !pairs_.settled(i, l)) open[i] = open[l] = 1;
      }
    }
    for (const std::size_t i : active) {
      if (!alive_[i]) continue;
      bool needed = open[i] != 0;
      if (o_.target && result_.systems[part_[i]].feasibility == Feasibility::Undecided &&
          !two_cheaper_feasible(costs_[part_[i]]))
        needed = true;
      sampling_[i] = needed;
      any = any || needed;
    }
    return any;
  }

  void feasibility_checks(const std::vector<std::size_t>& active, std::int64_t r) {
    const double rr = static_cast<double>(r);
    const double eps = o_.epsilon;
    const double bound = o_.target->bound;
    for (const std::size_t i : active) {
      SystemSelection& sys = result_.systems[part_[i]];
      if (!alive_[i] || sys.feasibility != Feasibility::Undecided) continue;
      if (two_cheaper_feasible(sys.cost)) continue;
      // sum_ holds sign * y with sign = +1 for ">=" (maximise) and -1 for "<=".
      const double d = sum_[i] - sign_ * bound * rr;
      const double rad = std::max(0.0, feas_scale_[i] / (2.0 * eps) - eps * rr / 2.0);
      if (d >= rad) {
        sys.feasibility = Feasibility::Feasible;
        sys.decided_at = r;
        update_stop();  // O(k), once per system over the whole run
      } else if (d <= -rad) {
        sys.feasibility = Feasibility::Infeasible;
        sys.decided_at = r;
      }
    }
  }

  // A system dearer than the cheapest feasible survivor and a second one that does not
  // extend it can be neither the chosen nor the runner-up, once (with extends) no survivor as
  // cheap as the first is still undecided (else the chosen may yet be a cheaper one, of which
  // both could be extensions): its feasibility need not be decided. A check stopped is not
  // restarted, even if one of the two is eliminated later.
  bool two_cheaper_feasible(double cost) const { return stop_above_ < cost; }
  void update_stop() {
    const double inf = std::numeric_limits<double>::infinity();
    stop_above_ = inf;
    std::size_t cheapest = k_;
    double cheapest_undecided = inf;
    for (std::size_t p = 0; p < k_; ++p) {
      if (!alive_[p]) continue;
      const Feasibility f = result_.systems[part_[p]].feasibility;
      const double cost = costs_[part_[p]];
      if (f == Feasibility::Undecided) cheapest_undecided = std::min(cheapest_undecided, cost);
      if (f == Feasibility::Feasible && (cheapest == k_ || cost < costs_[part_[cheapest]]))
        cheapest = p;
    }
    // Without extends any two cheaper feasible systems will do: whichever turns out the
    // chosen, another of them is a runner-up cheaper than this system.
    if (cheapest == k_ || (o_.extends && cheapest_undecided <= costs_[part_[cheapest]])) return;
    for (std::size_t p = 0; p < k_; ++p)
      if (p != cheapest && alive_[p] &&
          result_.systems[part_[p]].feasibility == Feasibility::Feasible &&
          !extends(part_[p], part_[cheapest]))
        stop_above_ = std::min(stop_above_, costs_[part_[p]]);
  }
  bool extends(int a, int b) const { return o_.extends && o_.extends(a, b); }

  void finish() {
    for (const int s : part_) {
      SystemSelection& sys = result_.systems[s];
      const auto n = static_cast<std::int64_t>(sys.observations.size());
      sys.mean = std::accumulate(sys.observations.begin(), sys.observations.end(), 0.0) /
                 static_cast<double>(n);
      sys.sd = n >= 2 ? std::sqrt(sample_variance(sys.observations.data(), n)) : kNaN;
      sys.se = sys.sd / std::sqrt(static_cast<double>(n));
      if (o_.target) {
        const double gap = sign_ * (sys.mean - o_.target->bound);
        if (sys.se > 0.0)
          sys.p_meets = boost::math::cdf(boost::math::normal(), gap / sys.se);
        else if (n >= 2)
          sys.p_meets = gap > 0.0 ? 1.0 : gap < 0.0 ? 0.0 : 0.5;
        if (o_.equal_allocation)
          sys.feasibility = gap >= 0.0 ? Feasibility::Feasible : Feasibility::Infeasible;
      }
    }
    // Survivors in ascending cost (part_ order); "better" is sign * mean.
    std::vector<int> survivors;
    for (std::size_t p = 0; p < k_; ++p)
      if (alive_[p]) survivors.push_back(part_[p]);
    auto better = [&](int a, int b) {  // a strictly better than b
      return sign_ * result_.systems[a].mean > sign_ * result_.systems[b].mean;
    };
    for (const int sys : survivors)
      if (result_.best < 0 || better(sys, result_.best)) result_.best = sys;
    if (o_.target) {
      std::vector<int> feasible;
      for (const int s : survivors)
        if (result_.systems[s].feasibility == Feasibility::Feasible) feasible.push_back(s);
      std::stable_sort(feasible.begin(), feasible.end(), [&](int a, int b) {
        if (costs_[a] != costs_[b]) return costs_[a] < costs_[b];
        return better(a, b);
      });
      if (!feasible.empty()) result_.chosen = feasible[0];
      for (std::size_t f = 1; f < feasible.size() && result_.runner_up < 0; ++f)
        if (!extends(feasible[f], feasible[0])) result_.runner_up = feasible[f];
    }
    // The frontier: for each distinct cost the best survivor of that cost, kept when its
    // final mean beats every cheaper frontier point by at least delta / 2, the middle of the
    // indifference zone: a remedy that adds nothing shows only when its estimate errs by
    // delta / 2 upwards, a gain of delta or more hides only when it errs by delta / 2
    // downwards. (A threshold of delta hid true gains just above delta about half the time:
    // issue 17, docs/remedies-search.md.) The answer to a target is always on it.
    const auto shown = [&](int sys) { return sys == result_.chosen; };
    for (std::size_t g = 0; g < survivors.size();) {
      std::size_t end = g;
      int top = survivors[g];
      while (end < survivors.size() && costs_[survivors[end]] == costs_[survivors[g]]) {
        if (better(survivors[end], top)) top = survivors[end];
        ++end;
      }
      for (std::size_t i = g; i < end; ++i)
        if (shown(survivors[i]) && survivors[i] != top) result_.frontier.push_back(survivors[i]);
      if (result_.frontier.empty() || shown(top) ||
          sign_ * (result_.systems[top].mean - result_.systems[result_.frontier.back()].mean) >=
              0.5 * o_.delta)
        result_.frontier.push_back(top);
      g = end;
    }
  }

  const std::vector<double>& costs_;
  const Observer& observe_;
  SelectionOptions o_;
  std::function<bool(std::int64_t, std::int64_t)> progress_;
  std::int64_t planned_ = 0;
  SelectionResult result_;
  std::vector<int> part_;  // taking-part systems, ascending cost
  std::size_t k_ = 0;
  double sign_ = 1.0;
  std::vector<double> sum_;  // sign * sum of observations, per position in part_
  std::vector<bool> alive_;
  std::vector<bool> sampling_;
  PairTable pairs_;
  std::vector<double> feas_scale_;  // h_f^2 S_i^2 per position
  // The cost above which a system can be neither the chosen nor the runner-up
  // (two_cheaper_feasible, update_stop).
  double stop_above_ = std::numeric_limits<double>::infinity();
};

}  // namespace

SelectionResult select_systems(const std::vector<double>& costs, const Observer& observe,
                               const SelectionOptions& options) {
  check_arguments(costs, observe, options);
  Procedure procedure(costs, observe, options);
  return procedure.run(options.progress);
}

}  // namespace progsurv
