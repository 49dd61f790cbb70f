// The exact solver: the generator of one programme's continuous-time Markov chain (docs/model.md,
// Exact solver), its occupancy p(t) = p(0) exp(Q t) and the results of a run from it. Which
// scenarios are in the subset is exact_subset.cpp; the state space is exact_chain.cpp. See
// docs/validation.md for the state space and the error bounds.
#include "progsurv/analysis/exact.hpp"

#include <Eigen/Dense>
#include <Eigen/Sparse>
#include <algorithm>
#include <cmath>
#include <limits>
#include <unsupported/Eigen/MatrixFunctions>

#include "analysis/exact_chain.hpp"
#include "progsurv/engine/memory_budget.hpp"

namespace progsurv {

namespace {

using namespace exact_detail;  // the chain's types, private to the solver

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// Uniformization sub-steps keep Λ·δ at most this, so e^{-Λδ} never underflows and the
// Poisson weights follow from a plain recurrence.
constexpr double kMaxPoissonMean = 30.0;
// The dense method exponentiates an (N+m)x(N+m) matrix: N^2 memory and N^3 time. Beyond this
// many states it would take hours even where memory allows; uniformization is sparse.
constexpr std::size_t kMaxDenseStates = 2000;
// Matrices of that size Eigen's Pade exponential and the step cache hold at once (estimate).
constexpr double kDenseMatrixCopies = 10.0;

using SparseQ = Eigen::SparseMatrix<double, Eigen::ColMajor>;
using Row = Eigen::RowVectorXd;

}  // namespace

// The chain in matrix form. States 0..n-1 are transient, n..N-1 absorbing.
struct ExactModel::Chain {
  std::size_t n = 0, absorbing = 0, total = 0;
  int phase_count = 0;
  SparseQ q_before, q_after;  // generator before `grace` and from it on (with the hazard)
  double lambda_before = 0.0, lambda_after = 0.0;
  bool hazard = false;
  double grace = 0.0;
  Eigen::MatrixXd reward;  // total × kRewardColumns
  Row p0;
  std::array<double, kCountKinds> initial_counts{};
  std::vector<int> phase_of;     // transient state → phase index (= phases delivered)
  std::vector<bool> in_scoping;  // transient state → before approval (rule 11)
  // Transient states scoping under a disengaged sponsor: their lapse counts if running at H.
  std::vector<bool> scoping_state;
  bool scoped = false;  // some scoping takes time: proposals can die after t = 0

  // Dense exp([[QΔ, RΔ], [0, 0]]) per (Δ, generator), reused across equal grid steps.
  struct DenseStep {
    double dt;
    bool after;
    Eigen::MatrixXd transition, integral;  // exp(QΔ) and ∫_0^Δ exp(Qs) ds R
  };
  mutable std::vector<DenseStep> dense_cache;

  // P(category k by t) from the occupancy at t: running is the transient mass. Clamped to
  // [0, 1] against rounding (a dense exponential may leave -1e-17 in an empty state).
  double category(const Row& p, int k) const {
    const auto nn = static_cast<Eigen::Index>(n);
    const int per = phase_count + 1;
    const double x = k == static_cast<int>(EndCategory::Running)
                         ? p.head(nn).sum()
                         : p.segment(nn + k * per, per).sum();
    return std::clamp(x, 0.0, 1.0);
  }

  const SparseQ& generator(bool after) const { return after ? q_after : q_before; }
  double lambda(bool after) const { return after ? lambda_after : lambda_before; }

  const DenseStep& dense_step(double dt, bool after) const {
    for (const auto& d : dense_cache)
      if (d.after == after && std::abs(d.dt - dt) <= 1e-14 * std::max(1.0, dt)) return d;
    const Eigen::Index N = static_cast<Eigen::Index>(total);
    const Eigen::Index m = kRewardColumns;
    Eigen::MatrixXd a = Eigen::MatrixXd::Zero(N + m, N + m);
    a.topLeftCorner(N, N) = Eigen::MatrixXd(generator(after)) * dt;
    a.topRightCorner(N, m) = reward * dt;
    const Eigen::MatrixXd e = a.exp();
    dense_cache.push_back({dt, after, e.topLeftCorner(N, N), e.topRightCorner(N, m)});
    return dense_cache.back();
  }

  // Advances p by dt under one generator; adds ∫ p R over the step to *integral.
  // Returns the bound on the l1 error added (uniformization truncation).
  double step(Row& p, double dt, bool after, bool dense, double truncation,
              Eigen::RowVectorXd* integral) const {
    if (!(dt > 0.0)) return 0.0;
    if (dense) {
      const DenseStep& d = dense_step(dt, after);
      if (integral) *integral += p * d.integral;
      p = p * d.transition;
      return 0.0;
    }
    const double lam = lambda(after);
    if (!(lam > 0.0)) {
      if (integral) *integral += p * reward * dt;
      return 0.0;
    }
    const SparseQ& q = generator(after);
    const int substeps = static_cast<int>(std::ceil(lam * dt / kMaxPoissonMean));
    const double delta = dt / substeps;
    const double x = lam * delta;
    double bound = 0.0;
    Row v(p.size()), next(p.size()), occupancy(p.size());
    for (int s = 0; s < substeps; ++s) {
      // p(δ) = Σ_k Poisson(k; x) p P^k with P = I + Q/Λ, and
      // ∫_0^δ p = (1/Λ) Σ_k P(N > k) p P^k, N ~ Poisson(x).
      v = p;
      double weight = std::exp(-x), cumulative = weight;
      Row out = weight * v;
      occupancy = (1.0 - cumulative) / lam * v;
      for (int k = 0;; ++k) {
        const double tail = 1.0 - cumulative;
        // The cap only matters for a truncation below rounding (cumulative never gets
        // that close to 1): the mass left out is still counted in the bound.
        if ((k >= x && tail <= truncation) || k > x + 40.0 * std::sqrt(x) + 100.0) {
          bound += std::max(tail, 0.0);
          break;
        }
        next = v * q;
        v += next / lam;
        weight *= x / (k + 1);
        cumulative += weight;
        out += weight * v;
        if (integral) occupancy += std::max(1.0 - cumulative, 0.0) / lam * v;
      }
      if (integral) *integral += occupancy * reward;
      p = out;
    }
    return bound;
  }

  // Walks the occupancy through ascending times, calling visit(i, p) at times[i]; the
  // generator switches at `grace` when the hazard is on. Adds ∫ p R to *integral and
  // returns the error bound of the walk.
  template <class Visit>
  double walk(const std::vector<double>& times, bool dense, double truncation, Visit visit,
              Eigen::RowVectorXd* integral) const {
    Row p = p0;
    double t = 0.0, bound = 0.0;
    for (std::size_t i = 0; i < times.size(); ++i) {
      bound += advance(p, t, times[i], dense, truncation, integral);
      t = std::max(t, times[i]);
      visit(i, p);
    }
    return bound;
  }

  // Advances p from calendar time `from` to `to`, splitting the step at `grace`.
  double advance(Row& p, double from, double to, bool dense, double truncation,
                 Eigen::RowVectorXd* integral) const {
    double bound = 0.0;
    if (hazard && from < grace && grace < to) {
      bound += step(p, grace - from, false, dense, truncation, integral);
      from = grace;
    }
    return bound + step(p, to - from, hazard && from >= grace, dense, truncation, integral);
  }
};

ExactModel::ExactModel(const Scenario& scenario, const ExactOptions& options)
    : scenario_(scenario), options_(options) {
  const std::vector<std::string> problems = markov_violations(scenario);
  if (!problems.empty()) throw NotMarkovianError(scenario.source, problems);

  Builder builder(scenario);
  builder.build();
  const auto& keys = builder.keys();

  chain_ = std::make_unique<Chain>();
  Chain& c = *chain_;
  c.n = keys.size();
  c.absorbing = static_cast<std::size_t>(builder.absorbing_count());
  c.total = c.n + c.absorbing;
  c.phase_count = static_cast<int>(scenario.phases.size());
  const auto n = static_cast<int>(c.n);
  auto column = [n](int target) { return target >= 0 ? target : n + (-target - 1); };

  c.p0 = Row::Zero(static_cast<Eigen::Index>(c.total));
  for (const auto& [target, w] : builder.init().to) c.p0[column(target)] += w;
  c.initial_counts = builder.init().counts;

  c.reward = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(c.total), kRewardColumns);
  c.phase_of.resize(c.n);
  std::vector<Eigen::Triplet<double>> triplets;
  std::vector<double> diagonal(c.total, 0.0);
  for (std::size_t x = 0; x < c.n; ++x) {
    const Key& k = keys[x];
    c.phase_of[x] = k.phase;
    // Time is vacant only while no seat is filled (rule 14).
    TimeBucket bucket = TimeBucket::Vacant;
    if (builder.acting(k) >= 0) {
      switch (k.act) {
        case kResources:
          bucket = TimeBucket::Resources;
          break;
        case kWork:
          bucket = TimeBucket::Working;
          break;
        case kPickup:
          bucket = TimeBucket::Pickup;
          break;
        case kScoping:
          bucket = TimeBucket::Scoping;
          break;
        case kRecruiting:
          bucket = TimeBucket::Recruiting;
          break;
        default:
          bucket = TimeBucket::Escalating;
      }
    }
    c.reward(static_cast<Eigen::Index>(x), static_cast<int>(bucket)) = 1.0;
    c.scoping_state.push_back(k.act == kScoping && !k.seat[0].engaged);
    c.in_scoping.push_back(k.act == kScoping);
  }
  // Only needed when proposals can die after t = 0; left out otherwise so that a chain with
  // nothing but absorbing states keeps an exact identity exponential.
  c.scoped = std::any_of(keys.begin(), keys.end(), [](const Key& k) { return k.act == kScoping; });
  if (c.scoped)
    for (int d = 0; d <= c.phase_count; ++d)
      c.reward(n + Builder::absorbing_index(EndCategory::NotStarted, d, c.phase_count),
               kNotStartedColumn) = 1.0;
  for (const Transition& t : builder.transitions()) {
    for (const auto& [target, w] : t.branches.to) {
      const int col = column(target);
      if (col == t.from) continue;  // e.g. an instant vacancy whose successor is the same
      triplets.emplace_back(t.from, col, t.rate * w);
      diagonal[static_cast<std::size_t>(t.from)] -= t.rate * w;
    }
    for (int q = 0; q < kCountKinds; ++q)
      c.reward(t.from, kTimeBucketCount + q) +=
          t.rate * t.branches.counts[static_cast<std::size_t>(q)];
  }
  const Patience& pat = scenario.patience;
  c.hazard = pat.model == PatienceModel::Hazard && pat.rate > 0.0;
  c.grace = pat.grace;

  auto assemble = [&](bool with_hazard, SparseQ& q, double& lambda) {
    std::vector<Eigen::Triplet<double>> all = triplets;
    std::vector<double> diag = diagonal;
    if (with_hazard) {
      for (std::size_t x = 0; x < c.n; ++x) {
        const Key& k = keys[x];
        if (k.act == kScoping) continue;  // patience runs from the start
        // The acting sponsor's multiplier, as attentive as they are; no seat filled: vacancy.
        const int a = builder.acting(k);
        double m = pat.vacancy_multiplier;
        if (a >= 0) {
          const Seat& seat = k.seat[static_cast<std::size_t>(a)];
          m = scenario.levels[static_cast<std::size_t>(seat.level)].patience_multiplier;
          if (!seat.engaged) m *= scenario.disengaged.patience;
        }
        const double h = pat.rate / m;
        const int col = n + Builder::absorbing_index(EndCategory::Patience, k.phase, c.phase_count);
        all.emplace_back(static_cast<int>(x), col, h);
        diag[x] -= h;
      }
    }
    lambda = 0.0;
    for (std::size_t x = 0; x < c.total; ++x) {
      if (diag[x] != 0.0) all.emplace_back(static_cast<int>(x), static_cast<int>(x), diag[x]);
      lambda = std::max(lambda, -diag[x]);
    }
    q.resize(static_cast<Eigen::Index>(c.total), static_cast<Eigen::Index>(c.total));
    q.setFromTriplets(all.begin(), all.end());
    q.makeCompressed();
  };
  assemble(false, c.q_before, c.lambda_before);
  if (c.hazard) {
    assemble(true, c.q_after, c.lambda_after);
  } else {
    c.q_after = c.q_before;
    c.lambda_after = c.lambda_before;
  }

  info_.transient_states = c.n;
  info_.absorbing_states = c.absorbing;
  const SparseQ& widest = c.q_after;
  info_.transitions = static_cast<std::size_t>(widest.nonZeros());
  for (std::size_t x = 0; x < c.total; ++x)
    if (widest.coeff(static_cast<Eigen::Index>(x), static_cast<Eigen::Index>(x)) != 0.0)
      --info_.transitions;
  const bool dense = options_.method == ExactOptions::Method::Dense ||
                     (options_.method == ExactOptions::Method::Auto &&
                      c.total + kRewardColumns <= options_.dense_limit);
  if (dense) {
    const std::size_t n = c.total + kRewardColumns;
    if (n > kMaxDenseStates)
      throw UsageError("the dense exact method handles at most " + std::to_string(kMaxDenseStates) +
                       " states; this chain has " + std::to_string(c.total) +
                       " (use --method uniformization)");
    check_memory(
        kDenseMatrixCopies * static_cast<double>(n) * static_cast<double>(n) * sizeof(double),
        "the dense exact method on " + std::to_string(c.total) + " states");
  }
  info_.method = dense ? "dense" : "uniformization";
}

ExactModel::~ExactModel() = default;
ExactModel::ExactModel(ExactModel&&) noexcept = default;
ExactModel& ExactModel::operator=(ExactModel&&) noexcept = default;

std::vector<std::vector<double>> ExactModel::curves(const std::vector<double>& times) const {
  for (std::size_t i = 0; i < times.size(); ++i)
    if (!(times[i] >= 0.0) || (i > 0 && times[i] < times[i - 1]))
      throw std::invalid_argument("exact curves need ascending times >= 0");
  const Chain& c = *chain_;
  std::vector<std::vector<double>> out(kEndCategoryCount, std::vector<double>(times.size(), 0.0));
  info_.error_bound = c.walk(
      times, info_.method == "dense", options_.truncation,
      [&](std::size_t i, const Row& p) {
        for (int k = 0; k < kEndCategoryCount; ++k)
          out[static_cast<std::size_t>(k)][i] = c.category(p, k);
      },
      nullptr);
  return out;
}

std::vector<double> ExactModel::phases_by_category(double t, double* scoping) const {
  if (!(t >= 0.0)) throw std::invalid_argument("exact occupancy needs a time >= 0");
  std::vector<double> at_t;
  std::vector<std::vector<double>> out = phases_by_category(std::vector<double>{t}, &at_t);
  if (scoping) *scoping = at_t[0];
  return std::move(out[0]);
}

std::vector<std::vector<double>> ExactModel::phases_by_category(
    const std::vector<double>& times, std::vector<double>* scoping) const {
  for (std::size_t i = 0; i < times.size(); ++i)
    if (!(times[i] >= 0.0) || (i > 0 && times[i] < times[i - 1]))
      throw std::invalid_argument("exact occupancy needs ascending times >= 0");
  const Chain& c = *chain_;
  const auto n = static_cast<Eigen::Index>(c.n);
  const int per = c.phase_count + 1;
  const std::size_t running = static_cast<std::size_t>(EndCategory::Running) * per;
  std::vector<std::vector<double>> out(times.size());
  if (scoping) scoping->assign(times.size(), 0.0);
  info_.error_bound = c.walk(
      times, info_.method == "dense", options_.truncation,
      [&](std::size_t i, const Row& p) {
        std::vector<double>& o = out[i];
        o.assign(static_cast<std::size_t>(kEndCategoryCount * per), 0.0);
        for (int j = 0; j < kEndCategoryCount * per; ++j) o[static_cast<std::size_t>(j)] = p[n + j];
        for (std::size_t x = 0; x < c.n; ++x)
          o[running + static_cast<std::size_t>(c.phase_of[x])] += p[static_cast<Eigen::Index>(x)];
        if (scoping) {
          double s = 0.0;
          for (std::size_t x = 0; x < c.n; ++x)
            if (c.in_scoping[x]) s += p[static_cast<Eigen::Index>(x)];
          (*scoping)[i] = std::clamp(s, 0.0, 1.0);
        }
      },
      nullptr);
  return out;
}

RunResult ExactModel::solve() const {
  const Scenario& s = scenario_;
  const Chain& c = *chain_;
  const bool dense = info_.method == "dense";
  const auto n = static_cast<Eigen::Index>(c.n);
  const int per = c.phase_count + 1;
  const double horizon = s.horizon;

  // Grid points beyond the horizon see the state at H: nothing happens after it.
  std::vector<double> times;
  for (double g : s.grid) times.push_back(std::min(std::max(g, 0.0), horizon));
  std::sort(times.begin(), times.end());  // a grid is ascending; this only guards the walk
  times.push_back(horizon);

  std::vector<double> completed_at(times.size());
  Row at_horizon;
  std::vector<std::array<double, kEndCategoryCount>> curve(times.size());
  Eigen::RowVectorXd integral = Eigen::RowVectorXd::Zero(kRewardColumns);
  double bound = c.walk(
      times, dense, options_.truncation,
      [&](std::size_t i, const Row& p) {
        for (int k = 0; k < kEndCategoryCount; ++k)
          curve[i][static_cast<std::size_t>(k)] = c.category(p, k);
        completed_at[i] = curve[i][static_cast<int>(EndCategory::Completed)];
        if (i + 1 == times.size()) at_horizon = p;
      },
      &integral);

  RunResult r;
  r.scenario = s;
  r.exact = true;
  r.tally = Tally(s);
  Summary& sum = r.summary;
  sum.grid = s.grid;
  const std::size_t g_count = s.grid.size();
  auto exact = [](double x) { return Estimate{x, x, x}; };

  const double not_started = curve.back()[static_cast<int>(EndCategory::NotStarted)];
  const double started = 1.0 - not_started;
  for (int k = 0; k < kEndCategoryCount; ++k) {
    auto& e = sum.curve[static_cast<std::size_t>(k)];
    e.resize(g_count);
    for (std::size_t g = 0; g < g_count; ++g) e[g] = exact(curve[g][static_cast<std::size_t>(k)]);
  }
  auto ended_at = [&](std::size_t i) {
    double e = 0.0;
    for (int k = static_cast<int>(EndCategory::SponsorExit);
         k <= static_cast<int>(EndCategory::PhaseGate); ++k)
      e += curve[i][static_cast<std::size_t>(k)];
    return e;
  };
  sum.survival.resize(g_count);
  for (std::size_t g = 0; g < g_count; ++g)
    sum.survival[g] = exact(started > 0.0 ? (started - ended_at(g)) / started : kNaN);

  const auto& last = curve.back();
  const double completed = last[static_cast<int>(EndCategory::Completed)];
  const double running = last[static_cast<int>(EndCategory::Running)];
  const double ended = ended_at(times.size() - 1);
  const double by_outcome[kOutcomeCount] = {completed, ended, not_started, running};
  for (int o = 0; o < kOutcomeCount; ++o) {
    sum.outcome_share[static_cast<std::size_t>(o)] = exact(by_outcome[o]);
    sum.outcome_share_started[static_cast<std::size_t>(o)] =
        o == static_cast<int>(Outcome::NotStarted)
            ? Estimate{0, 0, 0}
            : exact(started > 0.0 ? by_outcome[o] / started : kNaN);
  }
  for (int cause = 0; cause < kCauseCount; ++cause)
    sum.cause_share[static_cast<std::size_t>(cause)] =
        exact(ended > 0.0 ? last[static_cast<std::size_t>(cause + 1)] / ended : kNaN);

  // Value: phases delivered at H, from the absorbing states and the running phase.
  std::vector<double> by_d(static_cast<std::size_t>(per), 0.0);
  std::vector<double> by_d_started(static_cast<std::size_t>(per), 0.0);
  for (int k = 0; k < kEndCategoryCount; ++k)
    for (int d = 0; d < per; ++d) {
      const double v = at_horizon[n + k * per + d];
      by_d[static_cast<std::size_t>(d)] += v;
      if (k != static_cast<int>(EndCategory::NotStarted))
        by_d_started[static_cast<std::size_t>(d)] += v;
    }
  for (std::size_t x = 0; x < c.n; ++x) {
    by_d[static_cast<std::size_t>(c.phase_of[x])] += at_horizon[static_cast<Eigen::Index>(x)];
    by_d_started[static_cast<std::size_t>(c.phase_of[x])] +=
        at_horizon[static_cast<Eigen::Index>(x)];
  }
  sum.value_levels.assign(static_cast<std::size_t>(per), 0.0);
  for (int d = 1; d < per; ++d)
    sum.value_levels[static_cast<std::size_t>(d)] =
        sum.value_levels[static_cast<std::size_t>(d - 1)] +
        s.phases[static_cast<std::size_t>(d - 1)].value;
  sum.value_prob = by_d;
  double value_mean = 0.0;
  for (std::size_t d = 0; d < by_d.size(); ++d) value_mean += by_d[d] * sum.value_levels[d];
  sum.value_mean = exact(value_mean);
  sum.value_se = 0.0;
  mark_rules_used(sum, s);
  sum.quantile_levels = {0.1, 0.5, 0.8, 0.9};
  for (double q : sum.quantile_levels) {
    double cum = 0.0, v = kNaN;
    for (std::size_t d = 0; d < by_d.size(); ++d) {
      cum += by_d[d];
      if (cum >= q - 1e-12) {
        v = sum.value_levels[d];
        break;
      }
    }
    sum.value_quantile.push_back(v);
  }
  auto share_started = [&](double x) { return exact(started > 0.0 ? x / started : kNaN); };
  double partial = 0.0;
  for (int d = 1; d < per - 1; ++d) partial += by_d_started[static_cast<std::size_t>(d)];
  sum.delivered_none = share_started(by_d_started.front());
  sum.delivered_all = share_started(by_d_started.back());
  sum.delivered_partial = share_started(partial);

  // Means over started programmes: occupancy integrals and expected counts, divided by
  // P(started). Customer trust is not part of the chain.
  for (int q = 0; q < kQuantityCount; ++q) {
    sum.mean[static_cast<std::size_t>(q)] = kNaN;
    sum.se[static_cast<std::size_t>(q)] = kNaN;
  }
  if (started > 0.0) {
    auto set = [&](Quantity q, double total) {
      sum.mean[static_cast<std::size_t>(q)] = total / started;
      sum.se[static_cast<std::size_t>(q)] = 0.0;
    };
    // Proposals that die leave the means with the scoping months they spent: each one
    // killed at K <= H adds K to the scoping integral and H - K to the not_started one.
    Eigen::RowVectorXd totals = integral;
    if (c.scoped)
      totals[static_cast<int>(TimeBucket::Scoping)] +=
          integral[kNotStartedColumn] - horizon * not_started;
    // A lapse while scoping is counted at approval (a transition); one still scoping at H
    // is counted here.
    for (std::size_t x = 0; x < c.n; ++x)
      if (c.scoping_state[x])
        totals[kTimeBucketCount + kDisengagements] += at_horizon[static_cast<Eigen::Index>(x)];
    double end_time = 0.0;
    for (int b = 0; b < kTimeBucketCount; ++b) {
      set(quantity_of(static_cast<TimeBucket>(b)), totals[b]);
      end_time += totals[b];
    }
    set(Quantity::EndTime, end_time);
    for (int q = 0; q < kCountKinds; ++q)
      set(kCountQuantity[static_cast<std::size_t>(q)],
          c.initial_counts[static_cast<std::size_t>(q)] + totals[kTimeBucketCount + q]);
    set(Quantity::Value, value_mean);
    // Scope deferral is refused (rule 16), so nothing defers. Re-engagements follow late
    // follow-ups, which are not in the chain: unknown when they can happen.
    set(Quantity::Deferrals, 0.0);
    set(Quantity::DeferredValue, 0.0);
    set(Quantity::Deferring, 0.0);
    const bool engage =
        std::any_of(s.phases.begin(), s.phases.end(), [](const Phase& ph) { return ph.engage; });
    if (!engage || !(s.customers.reengage.prob > 0.0)) set(Quantity::Reengagements, 0.0);
  }

  // Completion-time quantiles: bracket on the evaluation times, then bisect. Bisection
  // steps are short and arbitrary, so they use uniformization whatever the method.
  auto quantile = [&](double target) {
    if (!(target > 0.0) || completed_at.back() < target) return kNaN;
    std::size_t hi = 0;
    while (completed_at[hi] < target) ++hi;
    if (hi == 0 && times[0] <= 0.0) return 0.0;
    double a = hi == 0 ? 0.0 : times[hi - 1], b = times[hi];
    Row pa = c.p0;
    if (hi > 0) {
      const std::vector<double> upto(times.begin(),
                                     times.begin() + static_cast<std::ptrdiff_t>(hi));
      bound += c.walk(
          upto, dense, options_.truncation, [&](std::size_t, const Row& p) { pa = p; }, nullptr);
    }
    const double tol = options_.quantile_tolerance;
    for (int it = 0; it < 200 && b - a > tol; ++it) {
      const double mid = 0.5 * (a + b);
      Row p = pa;
      bound += c.advance(p, a, mid, false, options_.truncation, nullptr);
      if (c.category(p, static_cast<int>(EndCategory::Completed)) >= target) {
        b = mid;
      } else {
        a = mid;
        pa = p;
      }
    }
    return b;
  };
  for (double q : sum.quantile_levels) {
    sum.completion_quantile.push_back(quantile(q));
    sum.completion_quantile_given.push_back(completed > 0.0 ? quantile(q * completed) : kNaN);
  }
  info_.error_bound = bound;
  return r;
}

RunResult solve_exact(const Scenario& scenario, const ExactOptions& options) {
  return ExactModel(scenario, options).solve();
}

}  // namespace progsurv
