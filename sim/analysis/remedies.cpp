// The remedies search: bundles observed in batches under common random numbers, the
// ranking-and-selection procedure of selection.cpp on them, confirmation intervals against
// doing nothing, and the Shapley shares of the bundle the answer names. The file reader is
// remedy_file.cpp, the HDF5 file remedies_file.cpp.
#include <algorithm>
#include <boost/math/distributions/students_t.hpp>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <sstream>

#include "progsurv/analysis/remedies.hpp"
#include "progsurv/engine/cancel.hpp"
#include "progsurv/engine/parallel.hpp"
#include "progsurv/engine/replication.hpp"
#include "progsurv/engine/run.hpp"
#include "progsurv/portfolio/organisation.hpp"
#include "progsurv/scenario/error.hpp"
#include "progsurv/scenario/text_columns.hpp"

#ifdef PROGSURV_HAVE_MPI
#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>
#endif

namespace progsurv {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The 97.5% quantile of Student's t with n - 1 degrees of freedom: batch counts can be small.
double t975(std::int64_t n) {
  if (n < 2) return kNaN;
  return boost::math::quantile(boost::math::students_t(static_cast<double>(n - 1)), 0.975);
}

Estimate mean_interval(std::int64_t n, double sum, double sum2) {
  if (n == 0) return {kNaN, kNaN, kNaN};
  const double m = sum / static_cast<double>(n);
  if (n < 2) return {m, kNaN, kNaN};
  const double nn = static_cast<double>(n);
  const double var = std::max(0.0, (sum2 - nn * m * m) / (nn - 1.0));
  const double half = t975(n) * std::sqrt(var / nn);
  return {m, m - half, m + half};
}

// Polls the stop request and the caller's progress; under MPI every rank takes part so
// that all of them stop at the same block.
bool keep_going(const RemediesOptions& o, std::int64_t done, std::int64_t planned) {
  int stop = stop_requested() || (o.progress && !o.progress(done, planned)) ? 1 : 0;
#ifdef PROGSURV_HAVE_MPI
  if (o.mpi_size > 1) {
    int any = 0;
    MPI_Allreduce(&stop, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    stop = any;
  }
#endif
  return stop == 0;
}

}  // namespace

void resolve_goal(const GoalRequest& q, RemediesOptions& opt) {
  if (!q.target.empty()) {
    try {
      opt.target = Target::parse(q.target, q.portfolio);
    } catch (const UsageError& e) {
      throw GoalRequestError("target", e.what());
    }
    opt.metric = opt.target->goal;
    if (!q.metric.empty() && Goal::parse(q.metric, q.portfolio).name != opt.metric.name)
      throw GoalRequestError("metric", "the search ranks by the target's metric (" +
                                           opt.metric.name + "); leave the metric out");
    // A better bundle of no greater cost then meets the bound whenever a worse one does.
    opt.maximise = opt.target->at_least;
    if ((q.direction == GoalDirection::Minimise && opt.maximise) ||
        (q.direction == GoalDirection::Maximise && !opt.maximise))
      throw GoalRequestError("direction", "contradicts the target " + opt.target->describe() +
                                              ", which says which way is better");
  } else {
    try {
      opt.metric = Goal::parse(
          q.metric.empty() ? (q.portfolio ? "mean_completed" : "p_completed") : q.metric,
          q.portfolio);
    } catch (const UsageError& e) {
      throw GoalRequestError("metric", e.what());
    }
    const Direction natural = opt.metric.natural_direction();
    if (q.direction != GoalDirection::Auto) {
      opt.maximise = q.direction == GoalDirection::Maximise;
    } else if (natural == Direction::None) {
      // The front end says how to give one.
      throw GoalRequestError("direction", opt.metric.name + " has no natural direction");
    } else {
      opt.maximise = natural == Direction::Higher;
    }
  }
  if (q.delta) {
    if (!(*q.delta > 0.0) || !std::isfinite(*q.delta))
      throw GoalRequestError("delta", "must be a positive number");
    opt.delta = *q.delta;
  } else if (opt.metric.is_probability()) {
    opt.delta = 0.01;  // one percentage point
  } else {
    // A portfolio's "completed" is a count per organisation, which a user may have meant as a
    // share: say so, and name the share.
    std::string hint;
    const PortfolioStatistic& st = opt.metric.statistic;
    if (q.portfolio && st.kind == PortfolioStatistic::Kind::Count) {
      PortfolioStatistic share = st;
      share.kind = PortfolioStatistic::Kind::Share;
      hint = "; on a portfolio '" + opt.metric.name.substr(5) + "' is " + opt.metric.name + ", " +
             opt.metric.description + "; for the share of programmes launched, use " +
             share.name() + " (a share needs none)";
    }
    throw GoalRequestError("delta", "is needed for " + opt.metric.name +
                                        ": the smallest difference worth telling apart, in its "
                                        "units (e.g. 0.1)" +
                                        hint);
  }
}

std::int64_t default_batch(const Goal& metric) { return metric.is_probability() ? 50 : 250; }

Estimate bundle_value(const BundleSums& s) { return mean_interval(s.n, s.x, s.x2); }
Estimate bundle_gain(const BundleSums& s) { return mean_interval(s.n, s.d, s.d2); }

namespace {

// What a search observes: the variants (one per bundle met) of a scenario or of a portfolio.
// One of the two lists is used.
struct Variants {
  const std::vector<Scenario>* scenarios = nullptr;
  const std::vector<Portfolio>* portfolios = nullptr;
};

// The goal over replications [lo, hi) of variant v: the mean of the per-replication values
// (a scenario's, in replication order, as it always was), or for a portfolio the ratio of the
// organisations' summed numerators to their summed denominators (NaN when none counts).
double variant_statistic(const Variants& variants, std::size_t v, const Goal& goal,
                         std::uint64_t seed, std::int64_t lo, std::int64_t hi) {
  if (variants.scenarios) {
    const Scenario& sc = (*variants.scenarios)[v];
    double sum = 0.0;
    for (std::int64_t r = lo; r < hi; ++r)
      sum += goal.value(simulate_replication(sc, seed, static_cast<std::uint64_t>(r)));
    return sum / static_cast<double>(hi - lo);
  }
  const Portfolio& p = (*variants.portfolios)[v];
  double num = 0.0, den = 0.0;
  OrganisationWorkspace workspace;  // one allocation for the batch, not one per organisation
  for (std::int64_t r = lo; r < hi; ++r) {
    const auto [n, d] =
        goal.value(simulate_organisation(p, seed, static_cast<std::uint64_t>(r), {}, workspace), p);
    num += n;
    den += d;
  }
  return den > 0 ? num / den : kNaN;
}

[[noreturn]] void no_denominator(const Goal& goal, std::int64_t batch) {
  throw UsageError("goal " + goal.name + ": a batch of " + std::to_string(batch) +
                   " organisations had none to measure it on (" + goal.description +
                   "); raise --batch or choose a smaller rank");
}

void observe_variants(const Variants& variants, const RemediesOptions& options,
                      const std::vector<int>& systems, std::int64_t first, std::int64_t count,
                      std::vector<double>& out) {
  const std::int64_t pairs = static_cast<std::int64_t>(systems.size()) * count;
  out.assign(static_cast<std::size_t>(pairs), 0.0);
  const std::int64_t B = options.batch;
  const Goal& goal = options.metric;
  // This rank's share of the (system, batch) pairs, contiguous; the others' arrive below.
  const std::int64_t size = std::max(1, options.mpi_size), rank = options.mpi_rank;
  const std::int64_t begin = pairs * rank / size, end = pairs * (rank + 1) / size;
  const int threads = resolve_threads(options.threads);
  // A slice of a few pairs per thread between polls: Ctrl-C is seen within one slice.
  const std::int64_t slice = 2 * static_cast<std::int64_t>(threads);
  std::int64_t most = 0;  // the largest share of any rank, so every rank polls alike
  for (std::int64_t r = 0; r < size; ++r)
    most = std::max(most, pairs * (r + 1) / size - pairs * r / size);
  for (std::int64_t s0 = 0; s0 < most; s0 += slice) {
    const std::int64_t lo = begin + s0, hi = std::min(end, begin + s0 + slice);
    if (lo < hi)
      parallel_for(hi - lo, threads, [&](std::int64_t k) {
        const std::int64_t p = lo + k;
        const auto v = static_cast<std::size_t>(systems[static_cast<std::size_t>(p / count)]);
        const std::int64_t batch = first + p % count;
        out[static_cast<std::size_t>(p)] =
            variant_statistic(variants, v, goal, options.seed, batch * B, (batch + 1) * B);
      });
    if (!keep_going(options, -1, -1)) throw Cancelled();
  }
#ifdef PROGSURV_HAVE_MPI
  if (size > 1) {
    std::vector<int> counts(static_cast<std::size_t>(size)), displs(static_cast<std::size_t>(size));
    for (std::int64_t r = 0; r < size; ++r) {
      displs[static_cast<std::size_t>(r)] = static_cast<int>(pairs * r / size);
      counts[static_cast<std::size_t>(r)] =
          static_cast<int>(pairs * (r + 1) / size - pairs * r / size);
    }
    std::vector<double> mine(out.begin() + begin, out.begin() + end);
    MPI_Allgatherv(mine.data(), static_cast<int>(mine.size()), MPI_DOUBLE, out.data(),
                   counts.data(), displs.data(), MPI_DOUBLE, MPI_COMM_WORLD);
  }
#endif
  // Checked after the gather, so that every rank stops alike.
  for (double x : out)
    if (std::isnan(x)) no_denominator(goal, B);
}

}  // namespace

void observe_bundles(const std::vector<Scenario>& scenarios, const RemediesOptions& options,
                     const std::vector<int>& systems, std::int64_t first, std::int64_t count,
                     std::vector<double>& out) {
  observe_variants(Variants{&scenarios, nullptr}, options, systems, first, count, out);
}

namespace {

// Every bundle the search has met, with its scenario and the observations computed so far:
// an observation is a deterministic function of (bundle, batch), so each is computed once,
// whichever selection asks for it, and every selection sees the same values.
struct BundlePool {
  // `base` or `portfolio` (the other null): what the bundles are applied to.
  BundlePool(const Scenario* base, const Portfolio* portfolio, const RemedySet& set,
             const RemediesOptions& options)
      : base(base), portfolio(portfolio), set(set), options(options) {
    observing = options;
    observing.progress = [this](std::int64_t, std::int64_t) {
      return !this->options.progress ||
             this->options.progress(computed * this->options.batch, planned());
    };
  }
  const Scenario* base;
  const Portfolio* portfolio;
  const RemedySet& set;
  const RemediesOptions& options;
  RemediesOptions observing;
  std::vector<Bundle> bundles;
  std::vector<Scenario> scenarios;
  std::vector<Portfolio> portfolios;
  Variants variants() const {
    return portfolio ? Variants{nullptr, &portfolios} : Variants{&scenarios, nullptr};
  }
  std::vector<std::vector<double>> cache;
  std::map<std::vector<int>, int> index;
  std::int64_t computed = 0;  // observations computed

  std::int64_t planned() const {
    return static_cast<std::int64_t>(bundles.size()) * (options.max_replications / options.batch) *
           options.batch;
  }
  int add(const std::vector<int>& choice) {
    const auto it = index.find(choice);
    if (it != index.end()) return it->second;
    // Making a bundle's scenario is YAML work (a few milliseconds), and a search may first
    // make thousands: Ctrl-C is seen here too, not only between observations.
    throw_if_stopped();
    Bundle b = make_bundle(set, choice);
    if (portfolio) {
      portfolios.push_back(bundle_portfolio(*portfolio, set, b));
      options.metric.prepare(portfolios.back());
    } else {
      scenarios.push_back(bundle_scenario(*base, set, b));
    }
    bundles.push_back(std::move(b));
    cache.emplace_back();
    const int i = static_cast<int>(bundles.size()) - 1;
    index.emplace(choice, i);
    return i;
  }
  std::vector<double> costs(const std::vector<int>& members) const {
    std::vector<double> c;
    for (int m : members) c.push_back(bundles[static_cast<std::size_t>(m)].cost);
    return c;
  }
  // The observer of a selection over `members` (pool indices; the first is the reference).
  Observer observer(const std::vector<int>& members) {
    return [this, members](const std::vector<int>& systems, std::int64_t first, std::int64_t count,
                           std::vector<double>& out) {
      const std::int64_t end = first + count;
      out.resize(systems.size() * static_cast<std::size_t>(count));
      // Systems lacking observations, grouped by how many they have, computed together.
      std::map<std::int64_t, std::vector<int>> lacking;
      for (int s : systems) {
        const int m = members[static_cast<std::size_t>(s)];
        const auto have = static_cast<std::int64_t>(cache[static_cast<std::size_t>(m)].size());
        if (have < end) lacking[have].push_back(m);
      }
      for (const auto& [have, group] : lacking) {
        std::vector<double> fresh;
        observe_variants(variants(), observing, group, have, end - have, fresh);
        for (std::size_t g = 0; g < group.size(); ++g) {
          auto& c = cache[static_cast<std::size_t>(group[g])];
          c.insert(c.end(), fresh.begin() + static_cast<std::ptrdiff_t>(g) * (end - have),
                   fresh.begin() + static_cast<std::ptrdiff_t>(g + 1) * (end - have));
        }
        computed += static_cast<std::int64_t>(group.size()) * (end - have);
      }
      for (std::size_t i = 0; i < systems.size(); ++i) {
        const auto& c =
            cache[static_cast<std::size_t>(members[static_cast<std::size_t>(systems[i])])];
        std::copy(c.begin() + first, c.begin() + end,
                  out.begin() + static_cast<std::ptrdiff_t>(i) * count);
      }
    };
  }
  SelectionResult select(const std::vector<int>& members, const SelectionOptions& so) {
    try {
      return select_systems(costs(members), observer(members), so);
    } catch (const std::invalid_argument& e) {
      throw UsageError(e.what());
    }
  }
};

// The bundles one choice away from `choice` (a remedy switched off, on, or to another
// option), within the budget and respecting exclusions.
std::vector<std::vector<int>> neighbours(const RemedySet& set, const std::vector<int>& choice,
                                         const std::optional<double>& budget, bool only_add) {
  std::vector<std::vector<int>> out;
  for (std::size_t i = 0; i < choice.size(); ++i) {
    const int options = static_cast<int>(set.remedies[i].options.size());
    for (int c = -1; c < options; ++c) {
      if (c == choice[i] || (only_add && (choice[i] >= 0 || c < 0))) continue;
      bool excluded = false;
      if (c >= 0)
        for (int e : set.remedies[i].excludes)
          excluded = excluded || choice[static_cast<std::size_t>(e)] >= 0;
      if (excluded) continue;
      std::vector<int> next = choice;
      next[i] = c;
      if (budget && make_bundle(set, next).cost > *budget) continue;
      out.push_back(std::move(next));
    }
  }
  return out;
}

// The heuristic beyond --max-bundles (docs/remedies.md): greedy, then local search, each step
// judged by the same selection procedure on the bundles it compares. Not exhaustive.
void heuristic_pool(BundlePool& pool, const SelectionOptions& so, std::uint64_t limit) {
  const RemedySet& set = pool.set;
  const double sign = so.maximise ? 1.0 : -1.0;
  const std::size_t cap = static_cast<std::size_t>(limit);
  SelectionOptions ranking = so;  // the steps rank; feasibility is judged at the end
  ranking.target.reset();
  ranking.budget.reset();
  std::vector<int> current(set.remedies.size(), -1);
  int at = pool.add(current);
  // Greedy: add the remedy (or option) with the best gain per unit of cost.
  for (std::size_t step = 0; step < set.remedies.size() && pool.bundles.size() < cap; ++step) {
    std::vector<int> members{0};
    if (at != 0) members.push_back(at);
    for (const auto& next : neighbours(set, current, so.budget, true)) {
      if (pool.bundles.size() >= cap) break;
      members.push_back(pool.add(next));
    }
    if (members.size() <= (at == 0 ? 1u : 2u)) break;
    const SelectionResult sel = pool.select(members, ranking);
    const double base = sel.systems[at == 0 ? 0 : 1].mean;
    const double base_cost = pool.bundles[static_cast<std::size_t>(at)].cost;
    int best = -1;
    double best_ratio = 0.0;
    for (std::size_t i = at == 0 ? 1 : 2; i < members.size(); ++i) {
      const double gain = sign * (sel.systems[i].mean - base);
      if (!(gain > 0)) continue;
      const double extra = pool.bundles[static_cast<std::size_t>(members[i])].cost - base_cost;
      const double ratio = extra > 0 ? gain / extra : std::numeric_limits<double>::infinity();
      if (best < 0 || ratio > best_ratio) best = static_cast<int>(i), best_ratio = ratio;
    }
    if (best < 0) break;
    at = members[static_cast<std::size_t>(best)];
    current = pool.bundles[static_cast<std::size_t>(at)].choice;
  }
  // Local search: change one choice of each frontier bundle at a time, until no new bundle
  // joins the frontier.
  for (int round = 0; round < 8 && pool.bundles.size() < cap; ++round) {
    std::vector<int> members(pool.bundles.size());
    for (std::size_t i = 0; i < members.size(); ++i) members[i] = static_cast<int>(i);
    const SelectionResult sel = pool.select(members, so);
    const std::size_t before = pool.bundles.size();
    for (int f : sel.frontier)
      for (const auto& next :
           neighbours(set, pool.bundles[static_cast<std::size_t>(f)].choice, so.budget, false))
        if (pool.bundles.size() < cap) pool.add(next);
    if (pool.bundles.size() == before) break;
    members.resize(pool.bundles.size());
    for (std::size_t i = 0; i < members.size(); ++i) members[i] = static_cast<int>(i);
    const SelectionResult after = pool.select(members, so);
    bool joined = false;
    for (int f : after.frontier) joined = joined || static_cast<std::size_t>(f) >= before;
    if (after.chosen >= 0 && static_cast<std::size_t>(after.chosen) >= before) joined = true;
    if (!joined) break;
  }
}

}  // namespace

namespace {

// The search on `scenario` or on `portfolio` (the other null).
RemediesResult search(const Scenario* scenario, const Portfolio* portfolio,
                      const RemedySet& remedies, const RemediesOptions& in) {
  RemediesOptions options = in;
  if (options.metric.name.empty())
    options.metric = Goal::parse(portfolio ? "mean_completed" : "p_completed", portfolio);
  if (options.target) options.metric = options.target->goal;
  const Goal& goal = options.metric;
  if (portfolio)
    goal.check(*portfolio);
  else
    goal.check(*scenario);
  // Named by option, for each front end to spell (--max-replications, max_replications=).
  if (!(options.delta > 0) || !std::isfinite(options.delta))
    throw OptionError("delta",
                      "the indifference zone must be a number > 0, in the units of " + goal.name);
  if (options.batch == 0) options.batch = default_batch(goal);
  if (options.batch < 1) throw OptionError("batch", "the batch size must be at least 1");
  const std::int64_t cap = options.max_replications / options.batch;
  if (cap < options.n0)
    throw OptionError("max_replications",
                      std::to_string(options.max_replications) + " allows " + std::to_string(cap) +
                          " batches of " + std::to_string(options.batch) +
                          " per bundle; the search needs at least " + std::to_string(options.n0) +
                          " (the first stage): raise it to " +
                          std::to_string(options.n0 * options.batch) + " or more");
  if (options.max_bundles < kDefaultMaxBundles) options.max_bundles = kDefaultMaxBundles;
  const auto limit = static_cast<std::uint64_t>(options.max_bundles);
  const std::uint64_t most = std::max<std::uint64_t>(limit, kMaxCountedBundles);
  const std::uint64_t counted = count_bundles(remedies, most);
  const std::string count_text =
      counted > most ? "more than " + std::to_string(most) : std::to_string(counted);
  bool heuristic = options.search == RemedySearch::Heuristic;
  if (options.search == RemedySearch::Auto) heuristic = counted > limit;
  if (!heuristic && counted > limit)
    throw UsageError("the remedies combine into " + count_text +
                     " bundles, more than --max-bundles " + std::to_string(limit) +
                     " evaluated exhaustively; raise --max-bundles, use --search heuristic "
                     "(not exhaustive), or make remedies exclude each other");

  RemediesResult result;
  if (portfolio)
    result.portfolio = *portfolio;
  else
    result.scenario = *scenario;
  result.remedies = remedies;
  result.seed = options.seed;
  result.batch = options.batch;
  result.n0 = options.n0;
  result.max_observations = cap;
  result.alpha = options.alpha;
  result.delta = options.delta;
  result.metric = goal.name;
  result.maximise = options.maximise;
  result.target = options.target;
  result.budget = options.budget;
  result.space = counted;
  result.search = heuristic ? "heuristic" : "exhaustive";

  SelectionOptions so;
  so.alpha = options.alpha;
  so.delta = options.delta;
  so.epsilon = options.epsilon;
  so.n0 = options.n0;
  so.max_observations = cap;
  so.maximise = options.maximise;
  if (options.target) so.target = SelectionTarget{options.target->bound, options.target->at_least};
  so.budget = options.budget;
  so.equal_allocation = options.equal_allocation;

  BundlePool pool(scenario, portfolio, remedies, options);
  if (heuristic) {
    heuristic_pool(pool, so, limit);
  } else {
    for (const Bundle& b : enumerate_bundles(remedies)) pool.add(b.choice);
  }
  const std::vector<Bundle>& bundles = pool.bundles;
  std::vector<int> all(bundles.size());
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = static_cast<int>(i);
  // The runner-up is another way to the target, not the answer with remedies added (when
  // doing nothing is the answer, every bundle is another way).
  so.extends = [&bundles](int a, int b) {
    const Bundle& base = bundles[static_cast<std::size_t>(b)];
    return a != b && base.remedies_taken() > 0 &&
           bundles[static_cast<std::size_t>(a)].contains(base);
  };
  const SelectionResult sel = pool.select(all, so);
  result.epsilon = sel.options.epsilon;
  result.h2 = sel.h2;
  result.termination = sel.termination;
  result.frontier = sel.frontier;
  result.best = sel.best;
  result.chosen = sel.chosen;
  result.runner_up = sel.runner_up;
  result.equal_replications = static_cast<std::int64_t>(sel.k) * cap * options.batch;

  // The reference is observed as long as any bundle, so every bundle's observations pair
  // with its own (a confirmation over the same batches).
  std::vector<double> ref = sel.systems[0].observations;
  std::int64_t longest = 0;
  for (const auto& s : sel.systems)
    longest = std::max(longest, static_cast<std::int64_t>(s.observations.size()));
  if (static_cast<std::int64_t>(ref.size()) < longest) {
    const auto have = static_cast<std::int64_t>(ref.size());
    std::vector<double> more;
    pool.observer(all)({0}, have, longest - have, more);
    ref.insert(ref.end(), more.begin(), more.end());
  }
  result.replications = pool.computed * options.batch;
  for (std::size_t s = 0; s < bundles.size(); ++s) {
    const SystemSelection& ss = sel.systems[s];
    BundleResult br;
    br.bundle = bundles[s];
    br.takes_part = ss.takes_part;
    br.eliminated_by = ss.eliminated_by;
    br.feasibility = ss.feasibility;
    br.p_meets = options.target ? ss.p_meets : kNaN;
    const std::vector<double>& x = s == 0 ? ref : ss.observations;
    for (std::size_t j = 0; j < x.size(); ++j) {
      const double d = x[j] - ref[j];
      ++br.sums.n;
      br.sums.x += x[j];
      br.sums.x2 += x[j] * x[j];
      br.sums.d += d;
      br.sums.d2 += d * d;
    }
    result.bundles.push_back(br);
  }

  // Shapley shares of the gain of the bundle the answer names: each remedy's marginal effect
  // averaged over every order of applying them, exact over the 2^m sub-bundles, per
  // replication (CRN).
  const int of = answer_bundle(result);
  if (of > 0) {
    const Bundle& chosen = bundles[static_cast<std::size_t>(of)];
    std::vector<int> taken;
    for (std::size_t i = 0; i < chosen.choice.size(); ++i)
      if (chosen.choice[i] >= 0) taken.push_back(static_cast<int>(i));
    const int m = static_cast<int>(taken.size());
    if (m <= kMaxShapleyRemedies) {
      result.shapley_of = of;
      const auto subsets = static_cast<std::size_t>(1) << m;
      std::vector<Scenario> sub_scenarios(portfolio ? 0 : subsets);
      std::vector<Portfolio> sub_portfolios(portfolio ? subsets : 0);
      const Variants sub =
          portfolio ? Variants{nullptr, &sub_portfolios} : Variants{&sub_scenarios, nullptr};
      for (std::size_t mask = 0; mask < subsets; ++mask) {
        std::vector<int> choice(chosen.choice.size(), -1);
        for (int j = 0; j < m; ++j)
          if (mask & (std::size_t{1} << j)) {
            const auto r = static_cast<std::size_t>(taken[static_cast<std::size_t>(j)]);
            choice[r] = chosen.choice[r];
          }
        if (portfolio) {
          sub_portfolios[mask] =
              bundle_portfolio(*portfolio, remedies, make_bundle(remedies, choice));
          goal.prepare(sub_portfolios[mask]);
        } else {
          sub_scenarios[mask] = bundle_scenario(*scenario, remedies, make_bundle(remedies, choice));
        }
      }
      // Shares are averaged per replication (organisation), or per batch for a ratio goal,
      // whose value is only defined over many organisations.
      const std::int64_t unit = goal.ratio() ? options.batch : 1;
      const std::int64_t own = result.bundles[static_cast<std::size_t>(of)].sums.n * options.batch;
      const auto affordable =
          static_cast<std::int64_t>(kShapleyBudget / static_cast<double>(subsets));
      std::int64_t reps =
          std::min(own, std::max(options.batch, affordable / options.batch * options.batch));
      reps = std::max<std::int64_t>(reps, 2 * unit);
      result.shapley_replications = reps;
      const std::int64_t units = reps / unit;
      const std::vector<double> weight = shapley_weights(m);
      using V = std::array<double, 1>;
      struct Part {
        std::vector<PairedSums> share;
        PairedSums total;
      };
      const int threads = resolve_threads(options.threads);
      std::vector<PairedSums> share(static_cast<std::size_t>(m));
      PairedSums total;
      const std::int64_t chunks = (units + kChunkSize - 1) / kChunkSize;
      const std::int64_t per_poll = std::max<std::int64_t>(1, 2 * threads);
      for (std::int64_t c0 = 0; c0 < chunks; c0 += per_poll) {
        const std::int64_t n = std::min(per_poll, chunks - c0);
        std::vector<Part> parts(static_cast<std::size_t>(n),
                                Part{std::vector<PairedSums>(static_cast<std::size_t>(m)), {}});
        parallel_for(n, threads, [&](std::int64_t k) {
          Part& part = parts[static_cast<std::size_t>(k)];
          const std::int64_t lo = (c0 + k) * kChunkSize, hi = std::min(units, lo + kChunkSize);
          std::vector<V> f(subsets);
          for (std::int64_t u = lo; u < hi; ++u) {
            for (std::size_t mask = 0; mask < subsets; ++mask) {
              f[mask][0] =
                  variant_statistic(sub, mask, goal, options.seed, u * unit, (u + 1) * unit);
              if (std::isnan(f[mask][0])) no_denominator(goal, unit);
            }
            part.total.add(f[0][0], f[subsets - 1][0]);
            exact_shapley_parts(m, weight, f, [&](int j, const V& phi) {
              part.share[static_cast<std::size_t>(j)].add(0.0, phi[0]);
            });
          }
        });
        for (const Part& part : parts) {
          for (int j = 0; j < m; ++j)
            share[static_cast<std::size_t>(j)].merge(part.share[static_cast<std::size_t>(j)]);
          total.merge(part.total);
        }
        if (!keep_going(options, pool.computed * options.batch, pool.planned())) throw Cancelled();
      }
      for (int j = 0; j < m; ++j) {
        const auto r = static_cast<std::size_t>(taken[static_cast<std::size_t>(j)]);
        const Remedy& remedy = remedies.remedies[r];
        const std::string& option = remedy.options[static_cast<std::size_t>(chosen.choice[r])].name;
        RemedyShare rs;
        rs.remedy = static_cast<int>(r);
        rs.label = remedy.name + (option.empty() ? "" : "=" + option);
        rs.share = paired_delta(share[static_cast<std::size_t>(j)]);
        rs.share.base = rs.share.knocked_out = kNaN;
        result.shapley.push_back(rs);
      }
      result.shapley_total = paired_delta(total);
    }
  }
  return result;
}

}  // namespace

int answer_bundle(const RemediesResult& r) {
  if (!r.target) return r.best;
  if (r.chosen >= 0) return r.chosen;
  // The frontier's point estimates, not the best survivor: the best may sit within half the
  // indifference zone of a cheaper frontier bundle, which the answer names instead. The
  // cheapest (the frontier ascends in cost) whose estimate reaches the target, else the one
  // that comes nearest: not the one that overshoots it most, the dearest.
  int closest = -1;
  double gap = std::numeric_limits<double>::infinity();
  for (int s : r.frontier) {
    const double v = bundle_value(r.bundles[static_cast<std::size_t>(s)].sums).estimate;
    const double g = r.target->at_least ? r.target->bound - v : v - r.target->bound;
    if (g <= 0.0) return s;
    if (g < gap) gap = g, closest = s;
  }
  return closest;
}

RemediesResult search_remedies(const Scenario& scenario, const RemedySet& remedies,
                               const RemediesOptions& options) {
  return search(&scenario, nullptr, remedies, options);
}

RemediesResult search_remedies(const Portfolio& portfolio, const RemedySet& remedies,
                               const RemediesOptions& options) {
  return search(nullptr, &portfolio, remedies, options);
}

// --- The text ------------------------------------------------------------------------------

namespace {

struct Formatter {
  bool share;
  // Not a share: 4 significant digits of the estimate, and its interval to the same decimals
  // (so 0.5202 [0.5000, 0.5404], not [0.5, 0.5404]).
  static int decimals(double v) {
    if (!std::isfinite(v) || v == 0.0) return 4;
    return std::clamp(3 - static_cast<int>(std::floor(std::log10(std::fabs(v)))), 0, 10);
  }
  static std::string fixed(double v, int places, bool sign) {
    char b[64];
    std::snprintf(b, sizeof b, sign ? "%+.*f" : "%.*f", places, v);
    return b;
  }
  std::string value(double v) const {
    return share ? fixed(100 * v, 1, false) + "%" : fixed(v, decimals(v), false);
  }
  std::string change(double v) const {
    return share ? fixed(100 * v, 1, true) : fixed(v, decimals(v), true);
  }
  // A setting as given (the indifference zone): no padding zeros.
  std::string bare(double v) const {
    char b[48];
    std::snprintf(b, sizeof b, share ? "%.1f" : "%.4g", share ? 100 * v : v);
    return b;
  }
  std::string with_interval(const Estimate& e) const {
    if (share)
      return value(e.estimate) + " [" + fixed(100 * e.lower, 1, false) + ", " +
             fixed(100 * e.upper, 1, false) + "]";
    const int d = decimals(e.estimate);
    return fixed(e.estimate, d, false) + " [" + fixed(e.lower, d, false) + ", " +
           fixed(e.upper, d, false) + "]";
  }
  std::string change_interval(const Estimate& e) const {
    const int d = share ? 1 : decimals(e.estimate);
    const double k = share ? 100 : 1;
    return fixed(k * e.estimate, d, true) + " [" + fixed(k * e.lower, d, true) + ", " +
           fixed(k * e.upper, d, true) + "]";
  }
  // Which way v moved from `was`, in words that say nothing of which way is better.
  std::string moved_from(double v, double was) const {
    const char* way = v > was ? "up from " : v < was ? "down from " : "unchanged from ";
    return way + value(was);
  }
};

std::string cost_text(double c) {
  char b[48];
  std::snprintf(b, sizeof b, "%g", c);
  return b;
}

std::string count_text(std::int64_t n) {
  std::string s = std::to_string(n);
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3)
    s.insert(static_cast<std::size_t>(i), ",");
  return s;
}

}  // namespace

std::string format_remedies(const RemediesResult& r) {
  const Goal goal = r.goal();
  const Formatter f{goal.is_probability()};
  const std::string unit = r.remedies.unit;
  std::ostringstream os;
  std::size_t taking = 0;
  for (const auto& b : r.bundles) taking += b.takes_part ? 1 : 0;
  const std::string space =
      r.space > kMaxCountedBundles
          ? "more than " + count_text(static_cast<std::int64_t>(kMaxCountedBundles))
          : count_text(static_cast<std::int64_t>(r.space));
  // A portfolio's replication is one organisation over the horizon.
  const char* replications = r.is_portfolio() ? "organisations" : "replications";
  os << "progsurv remedies: " << (r.is_portfolio() ? "portfolio " : "") << r.label() << " with "
     << r.remedies.remedies.size() << " remedies (";
  if (r.search == "heuristic")
    os << "heuristic search: " << r.bundles.size() << " of " << space
       << " bundles evaluated, by greedy and local search; NOT exhaustive, a cheaper or better "
          "bundle may have been missed";
  else
    os << r.bundles.size() << " bundles, searched exhaustively";
  os << (taking < r.bundles.size() ? ", " + std::to_string(taking) + " within the budget" : "")
     << "); seed " << r.seed << ", batches of " << r.batch << " " << replications
     << ", common random numbers\n";
  os << "metric: " << goal.name << " (" << goal.description << "), "
     << (r.maximise ? "higher" : "lower") << " is better; indifference zone " << f.bare(r.delta)
     << (goal.is_probability() ? " pp" : "");
  if (r.target) os << "; target " << r.target->describe();
  if (r.budget) os << "; budget " << cost_text(*r.budget) << " " << unit;
  os << "\n\n";

  const BundleResult& nothing = r.bundles.front();
  const Estimate base = bundle_value(nothing.sums);
  os << "efficient frontier: the best bundle for each cost (95% intervals; change paired "
        "against doing nothing over the same batches)\n";
  char line[600];
  int width = 20;  // the longest label of the table, within reason
  for (int s : r.frontier)
    width = std::max(
        width, static_cast<int>(text_columns(r.bundles[static_cast<std::size_t>(s)].bundle.label)));
  for (const RemedyShare& s : r.shapley)
    width = std::max(width, static_cast<int>(text_columns(s.label)));
  width = std::min(width, 100);
  // The value and change columns are as wide as their longest entry (a value or change near
  // 0.06 has five decimals), so the batches stay in one column.
  std::vector<std::string> values, changes;
  int value_width = std::max(24, static_cast<int>(goal.name.size())), change_width = 26;
  for (int s : r.frontier) {
    const BundleResult& b = r.bundles[static_cast<std::size_t>(s)];
    values.push_back(f.with_interval(bundle_value(b.sums)));
    changes.push_back(s == 0 ? "" : f.change_interval(bundle_gain(b.sums)));
    value_width = std::max(value_width, static_cast<int>(values.back().size()));
    change_width = std::max(change_width, static_cast<int>(changes.back().size()));
  }
  std::snprintf(line, sizeof line, "  %10s  %-*s %-*s %-*s %s\n", ("cost " + unit).c_str(), width,
                "bundle", value_width, goal.name.c_str(), change_width,
                f.share ? "change (pp)" : "change", "batches");
  os << line;
  // Labels are streamed, not formatted into `line`: a bundle of many remedies has a label
  // longer than any buffer, and its numbers must not be cut off.
  const auto padded = [](const std::string& text, int w) {
    return pad_columns(text, static_cast<std::size_t>(w));
  };
  for (std::size_t i = 0; i < r.frontier.size(); ++i) {
    const int s = r.frontier[i];
    const BundleResult& b = r.bundles[static_cast<std::size_t>(s)];
    std::snprintf(line, sizeof line, "  %10s  ", cost_text(b.bundle.cost).c_str());
    os << line << padded(b.bundle.label, width) << " " << padded(values[i], value_width) << " "
       << padded(changes[i], change_width) << " " << b.sums.n
       << (s == r.chosen      ? "  <- chosen"
           : s == r.runner_up ? "  <- runner-up"
                              : "")
       << "\n";
  }
  // What pairing bought: per frontier bundle, the variance of its change had the bundle and
  // the reference been run on independent replications, over the paired one's, from the raw
  // sums (variances of the batch means: x, x2 of each; d, d2 of the differences).
  std::vector<double> gains;
  const auto batch_variance = [](std::int64_t n, double sum, double sum2) {
    if (n < 2) return kNaN;
    const double nn = static_cast<double>(n), m = sum / nn;
    return std::max(0.0, (sum2 - nn * m * m) / (nn - 1.0));
  };
  const double ref_var = batch_variance(nothing.sums.n, nothing.sums.x, nothing.sums.x2);
  for (int s : r.frontier) {
    if (s == 0) continue;
    const BundleSums& b = r.bundles[static_cast<std::size_t>(s)].sums;
    const double paired = batch_variance(b.n, b.d, b.d2);
    const double independent = batch_variance(b.n, b.x, b.x2) + ref_var;
    if (paired > 0 && std::isfinite(independent)) gains.push_back(independent / paired);
  }
  if (!gains.empty()) {
    std::sort(gains.begin(), gains.end());
    const double median = gains.size() % 2
                              ? gains[gains.size() / 2]
                              : 0.5 * (gains[gains.size() / 2 - 1] + gains[gains.size() / 2]);
    char g[256];  // %.3g keeps any ratio short
    std::snprintf(g, sizeof g,
                  "pairing: the changes' variances are %.3gx smaller (median; %.3gx to %.3gx) "
                  "than two independent runs of the same size would give\n",
                  median, gains.front(), gains.back());
    os << g;
  }
  os << "\n";

  const auto describe_bundle = [&](int s) {
    const BundleResult& b = r.bundles[static_cast<std::size_t>(s)];
    return b.bundle.label + ", cost " + cost_text(b.bundle.cost) + " " + unit + ": " +
           f.with_interval(bundle_value(b.sums)) + ", " +
           f.moved_from(bundle_value(b.sums).estimate, base.estimate);
  };
  const int named = answer_bundle(r);
  if (r.target) {
    if (r.chosen >= 0) {
      const BundleResult& c = r.bundles[static_cast<std::size_t>(r.chosen)];
      char p[32];
      std::snprintf(p, sizeof p, "%.2f", c.p_meets);
      os << "answer: the cheapest way to reach " << r.target->describe()
         << (r.is_portfolio() ? " (" + goal.description + ")" : "") << " is "
         << describe_bundle(r.chosen) << "; it meets the target with probability " << p << ".\n";
      if (r.runner_up >= 0) {
        std::snprintf(p, sizeof p, "%.2f",
                      r.bundles[static_cast<std::size_t>(r.runner_up)].p_meets);
        os << "runner-up: " << describe_bundle(r.runner_up)
           << "; it meets the target with probability " << p << ".\n";
      } else {
        // The other bundles declared to meet it, if any, all extend the answer.
        int extension = -1;
        for (std::size_t s = 0; s < r.bundles.size(); ++s) {
          const BundleResult& b = r.bundles[s];
          if (static_cast<int>(s) != r.chosen && b.takes_part && b.eliminated_by < 0 &&
              b.feasibility == Feasibility::Feasible &&
              (extension < 0 ||
               b.bundle.cost < r.bundles[static_cast<std::size_t>(extension)].bundle.cost))
            extension = static_cast<int>(s);
        }
        if (extension >= 0)
          os << "runner-up: none; every other bundle declared to meet the target adds remedies "
                "to "
             << c.bundle.label << ", the cheapest " << describe_bundle(extension) << ".\n";
        else
          os << "runner-up: none; no other bundle was declared to meet the target.\n";
      }
    } else {
      // At the cap, surviving bundles still undecided may meet the target: the search did not
      // find that none does, it ran out of replications before it could tell.
      int open = 0;
      for (const BundleResult& b : r.bundles)
        open += b.takes_part && b.eliminated_by < 0 && b.feasibility == Feasibility::Undecided;
      const std::string target =
          r.target->describe() + (r.is_portfolio() ? " (" + goal.description + ")" : "");
      if (r.termination == Termination::Capped && open > 0) {
        os << "answer: undecided: the search stopped at the cap of "
           << count_text(r.max_observations * r.batch) << " replications per bundle before it "
           << "could tell whether " << (open == 1 ? "a bundle" : std::to_string(open) + " bundles")
           << (r.budget ? " within the budget" : "") << (open == 1 ? " reaches " : " reach ")
           << target << "; raise --max-replications or --delta.";
      } else {
        os << "answer: no bundle" << (r.budget ? " within the budget" : "")
           << " was found to reach " << target << ".";
      }
      if (named >= 0) {
        const double v = bundle_value(r.bundles[static_cast<std::size_t>(named)].sums).estimate;
        const bool reaches = r.target->at_least ? v >= r.target->bound : v <= r.target->bound;
        os << (reaches ? " The cheapest whose estimate reaches it, not yet declared to, is "
                       : " The closest is ")
           << describe_bundle(named) << ".";
      }
      os << "\n";
    }
  } else if (r.best >= 0) {
    os << "best" << (r.budget ? " within the budget" : "")
       << (r.is_portfolio() ? " for " + goal.description : "") << ": " << describe_bundle(r.best)
       << ".\n";
  }

  if (r.shapley_of > 0 && !r.shapley.empty()) {
    const BundleResult& b = r.bundles[static_cast<std::size_t>(r.shapley_of)];
    os << "\nwhat each remedy of " << b.bundle.label
       << " contributes to its gain (Shapley: each remedy's effect averaged over every order of "
          "adding them; exact over "
       << (std::size_t{1} << r.shapley.size()) << " sub-bundles, "
       << count_text(r.shapley_replications) << " " << replications
       << ", paired; the shares sum to the gain " << f.change_interval(r.shapley_total.delta)
       << ")\n";
    for (const RemedyShare& s : r.shapley)
      os << "  " << padded(s.label, width) << " " << f.change_interval(s.share.delta)
         << (f.share ? " pp" : "") << "\n";
  } else if (r.shapley_of < 0 && named > 0) {
    os << "\nShapley shares: not computed (the bundle takes more than " << kMaxShapleyRemedies
       << " remedies)\n";
  }

  os << "\nreplications: " << count_text(r.replications) << " spent; equal allocation (every "
     << "bundle to the cap of " << count_text(r.max_observations * r.batch) << ") would spend "
     << count_text(r.equal_replications);
  if (r.replications > 0) {
    char x[32];
    std::snprintf(x, sizeof x, " (%.1fx)",
                  static_cast<double>(r.equal_replications) / static_cast<double>(r.replications));
    os << x;
  }
  os << "\nprocedure: Kim-Nelson elimination by dominance"
     << (r.target ? " and Batur-Kim feasibility" : "") << ", alpha " << r.alpha << "; ";
  switch (r.termination) {
    case Termination::Converged:
      os << "converged (no comparison could change the answer any more)\n";
      break;
    case Termination::Capped:
      os << "stopped at the cap of " << count_text(r.max_observations * r.batch)
         << " replications per bundle with comparisons still open: the guarantee does not hold; "
            "raise --max-replications or --delta\n";
      break;
    case Termination::Fixed:
      os << "equal allocation (no elimination)\n";
      break;
  }
  return os.str();
}

}  // namespace progsurv
