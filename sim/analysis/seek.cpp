// Goal seeking on one lever (docs/seek.md): a scan, a monotonicity check, and bisection on
// the estimate and on its 95% bounds, all under common random numbers.
#include "progsurv/analysis/seek.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "progsurv/engine/cancel.hpp"
#include "progsurv/engine/memory_budget.hpp"
#include "progsurv/engine/parallel.hpp"
#include "progsurv/engine/replication.hpp"
#include "progsurv/engine/run.hpp"
#include "progsurv/scenario/error.hpp"
#include "scenario/distribution_yaml.hpp"

namespace progsurv {

namespace {

using yaml_detail::parse_finite;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Keys documented as probabilities (docs/scenario-format.md): their range is [0, 1].
constexpr const char* kProbabilityKeys[] = {
    "approval",    "clout",        "adoption", "break_prob", "continue_prob",
    "cancel_prob", "squeeze_prob", "cut_prob", "trust_gain", "trust_loss",
    "go_up",       "prob",         "recovery"};

std::string exact_text(double x) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", x);
  return buf;
}

std::string short_text(double x) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.4g", x);
  return buf;
}

double variance(double s, double ss, double n) {
  if (n < 2) return kNaN;
  const double mean = s / n;
  return std::max(0.0, (ss - n * mean * mean) / (n - 1.0));
}

std::string last_component(const std::string& path) {
  const auto dot = path.rfind('.');
  return dot == std::string::npos ? path : path.substr(dot + 1);
}

// Which bound of f a crossing is sought for.
enum class Which { Estimate, Optimistic, Pessimistic };

// h >= 0 exactly when `which` bound of the point meets the target.
double margin(const SeekPoint& p, const Target& t, Which which) {
  const bool up = (which == Which::Optimistic) == t.at_least;
  const double stat = which == Which::Estimate ? p.mean() : up ? p.upper() : p.lower();
  return t.at_least ? stat - t.bound : t.bound - stat;
}

// Runs lever values under common random numbers: replication r of every value uses the
// (seed, r) streams. Chunks are summed in replication order and merged in chunk order, so
// the sums are the same for any thread count (the pattern of compare.cpp).
class Evaluator {
 public:
  // `levered`: the scenario whose text the lever values are set in.
  Evaluator(const Scenario& base, const Scenario& levered, const Target& target,
            const SeekOptions& o, std::int64_t planned)
      : base_(base),
        levered_(levered),
        goal_(target.goal),
        o_(o),
        planned_(planned),
        threads_(resolve_threads(o.threads)) {}

  // The base scenario: its per-replication values are kept for the paired differences.
  SeekPoint run_base(double x) {
    check_memory(static_cast<double>(o_.replications) * sizeof(double),
                 "keeping the base's value for each of " + std::to_string(o_.replications) +
                     " replications");
    base_values_.assign(static_cast<std::size_t>(o_.replications), 0.0);
    return run({base_}, {x}, "base", false, true).front();
  }

  // Lever values `xs`, in this order; `chain`: also sums of differences from the previous.
  std::vector<SeekPoint> run_values(const std::vector<double>& xs, const std::string& stage,
                                    bool chain) {
    std::vector<Scenario> scenarios;
    for (double x : xs) scenarios.push_back(levered_.with_values({{o_.lever, exact_text(x)}}));
    return run(scenarios, xs, stage, chain, false);
  }

 private:
  struct Sums {
    std::int64_t n = 0;
    std::vector<double> s, ss, bd, bd2, pd, pd2;
    explicit Sums(std::size_t m) : s(m), ss(m), bd(m), bd2(m), pd(m), pd2(m) {}
  };

  std::vector<SeekPoint> run(const std::vector<Scenario>& scenarios, const std::vector<double>& xs,
                             const std::string& stage, bool chain, bool fill_base) {
    const std::size_t m = scenarios.size();
    const std::int64_t n = o_.replications;
    Sums total(m);
    for (std::int64_t first = 0; first < n; first += kBatchSize) {
      const std::int64_t count = std::min(kBatchSize, n - first);
      const std::int64_t chunks = (count + kChunkSize - 1) / kChunkSize;
      std::vector<Sums> partial(static_cast<std::size_t>(chunks), Sums(m));
      parallel_for(chunks, threads_, [&](std::int64_t c) {
        Sums& s = partial[static_cast<std::size_t>(c)];
        const std::int64_t begin = first + c * kChunkSize;
        const std::int64_t end = std::min(first + count, begin + kChunkSize);
        for (std::int64_t r = begin; r < end; ++r) {
          ++s.n;
          double prev = 0.0;
          for (std::size_t i = 0; i < m; ++i) {
            const double v = goal_.value(
                simulate_replication(scenarios[i], o_.seed, static_cast<std::uint64_t>(r)));
            if (fill_base) base_values_[static_cast<std::size_t>(r)] = v;
            const double d = v - base_values_[static_cast<std::size_t>(r)];
            s.s[i] += v;
            s.ss[i] += v * v;
            s.bd[i] += d;
            s.bd2[i] += d * d;
            if (chain && i > 0) {
              s.pd[i] += v - prev;
              s.pd2[i] += (v - prev) * (v - prev);
            }
            prev = v;
          }
        }
      });
      for (const Sums& s : partial) {
        total.n += s.n;
        for (std::size_t i = 0; i < m; ++i) {
          total.s[i] += s.s[i];
          total.ss[i] += s.ss[i];
          total.bd[i] += s.bd[i];
          total.bd2[i] += s.bd2[i];
          total.pd[i] += s.pd[i];
          total.pd2[i] += s.pd2[i];
        }
      }
      done_ += count * static_cast<std::int64_t>(m);
      planned_ = std::max(planned_, done_);
      if (o_.progress && !o_.progress(done_, planned_)) throw Cancelled();
    }
    std::vector<SeekPoint> points(m);
    for (std::size_t i = 0; i < m; ++i) {
      SeekPoint& p = points[i];
      p.x = xs[i];
      p.stage = stage;
      p.n = total.n;
      p.sum = total.s[i];
      p.sumsq = total.ss[i];
      p.base_dsum = total.bd[i];
      p.base_dsumsq = total.bd2[i];
      p.prev_dsum = chain && i > 0 ? total.pd[i] : kNaN;
      p.prev_dsumsq = chain && i > 0 ? total.pd2[i] : kNaN;
    }
    return points;
  }

  const Scenario& base_;
  const Scenario& levered_;
  const Goal& goal_;
  const SeekOptions& o_;
  std::int64_t planned_, done_ = 0;
  int threads_;
  std::vector<double> base_values_;
};

// The mean paired difference and its 95% half-width from raw sums.
struct Diff {
  double mean = kNaN, half = kNaN;
};
Diff diff_of(double s, double ss, std::int64_t n, double z = kZ95) {
  const double nn = static_cast<double>(n);
  if (n < 1 || std::isnan(s)) return {};
  return {s / nn, z * std::sqrt(variance(s, ss, nn) / nn)};
}

// The normal quantile z with P(|Z| > z) = alpha (bisection on erfc; z in [0, 40]).
double two_sided_z(double alpha) {
  double lo = 0.0, hi = 40.0;
  for (int i = 0; i < 200; ++i) {
    const double mid = (lo + hi) / 2;
    (std::erfc(mid / std::sqrt(2.0)) > alpha ? lo : hi) = mid;
  }
  return (lo + hi) / 2;
}

// The monotonicity check tests every pair of consecutive scan points: Bonferroni over the
// pairs keeps the chance of a false "not monotone" at 5% in all.
double monotone_z(std::size_t scan_points) {
  return two_sided_z(0.05 / static_cast<double>(std::max<std::size_t>(1, scan_points - 1)));
}

}  // namespace

const char* to_string(SeekVerdict v) {
  switch (v) {
    case SeekVerdict::Found:
      return "found";
    case SeekVerdict::AlreadyMet:
      return "already_met";
    case SeekVerdict::OutOfReach:
      return "out_of_reach";
    case SeekVerdict::NotMonotone:
      return "not_monotone";
    case SeekVerdict::Undecided:
      return "undecided";
  }
  return "?";
}

SeekVerdict seek_verdict_from_string(const std::string& text) {
  for (SeekVerdict v : {SeekVerdict::Found, SeekVerdict::AlreadyMet, SeekVerdict::OutOfReach,
                        SeekVerdict::NotMonotone, SeekVerdict::Undecided})
    if (text == to_string(v)) return v;
  throw std::invalid_argument("unknown seek verdict '" + text + "'");
}

double SeekPoint::mean() const { return n > 0 ? sum / static_cast<double>(n) : kNaN; }
double SeekPoint::se() const {
  const double nn = static_cast<double>(n);
  return std::sqrt(variance(sum, sumsq, nn) / nn);
}
double SeekPoint::lower() const { return mean() - kZ95 * se(); }
double SeekPoint::upper() const { return mean() + kZ95 * se(); }

std::int64_t SeekResult::replications_spent() const {
  std::int64_t total = 0;
  for (const SeekPoint& p : points) total += p.n;
  return total;
}

std::vector<const SeekPoint*> SeekResult::scan() const {
  std::vector<const SeekPoint*> s;
  for (const SeekPoint& p : points)
    if (p.stage == "scan") s.push_back(&p);
  return s;  // evaluated in increasing x
}

std::vector<int> SeekResult::against_direction() const {
  const auto s = scan();
  std::vector<int> out;
  if (s.size() < 2) return out;
  const double overall = s.back()->mean() - s.front()->mean();
  const int sign = overall > 0 ? 1 : overall < 0 ? -1 : 0;
  for (std::size_t i = 1; i < s.size(); ++i) {
    const Diff d = diff_of(s[i]->prev_dsum, s[i]->prev_dsumsq, s[i]->n, monotone_z(s.size()));
    if (!(d.half >= 0)) continue;
    const bool up = d.mean - d.half > 0, down = d.mean + d.half < 0;
    if ((sign >= 0 && down) || (sign <= 0 && up)) out.push_back(static_cast<int>(i) - 1);
  }
  return out;
}

SeekResult seek(const Scenario& scenario, const Target& target, const SeekOptions& o) {
  if (o.replications < 2 || o.replications > kMaxReplications)
    throw OptionError("replications",
                      "seek needs at least 2 replications per lever value (and at most 2^40), "
                      "got " +
                          std::to_string(o.replications));
  if (o.scan_points < 3 || o.scan_points > 1000)
    throw OptionError("scan_points",
                      "between 3 and 1000 scan points, got " + std::to_string(o.scan_points));
  // From 1e-6, the bound of the command's --tolerance: Python and the command accept the same.
  if (!(o.tolerance >= 1e-6 && o.tolerance <= 0.5))
    throw OptionError("tolerance",
                      "a fraction of the range in [1e-06, 0.5], got " + short_text(o.tolerance));
  if (o.threads < 0 || o.threads > kMaxThreads)
    throw OptionError("threads", "between 0 and " + std::to_string(kMaxThreads) + ", got " +
                                     std::to_string(o.threads));
  target.goal.check(scenario);

  SeekResult r;
  r.scenario = scenario;
  r.lever = o.lever;
  r.target = target;
  r.seed = o.seed;
  r.n = o.replications;
  r.largest = o.largest;
  r.log_scale = o.log_scale;
  r.tolerance = o.tolerance;
  r.value = r.interval_low = r.interval_high = kNaN;

  // The lever: a key holding a number (ScenarioError naming it when there is no such key).
  std::string base_text;
  try {
    base_text = scenario.value_text(o.lever);
  } catch (const ScenarioError& e) {
    throw OptionError("lever", o.lever + ": " + e.message());
  }
  if (!parse_finite(base_text, r.base_value))
    throw OptionError("lever",
                      o.lever + ": the scenario's value is '" + base_text +
                          "', not a number; seek moves one numeric key (a probability, a factor, "
                          "months, a count)");
  // A key the scenario's text leaves to its default (deferral.prob with no deferral block)
  // is set in the canonical text, which has every key.
  Scenario levered = scenario;
  try {
    (void)scenario.with_values({{o.lever, base_text}});
  } catch (const ScenarioError&) {
    levered = Scenario::from_yaml(scenario.to_yaml(), scenario.source);
    (void)levered.with_values({{o.lever, base_text}});  // names the key if still wrong
  }
  if (o.has_range) {
    r.low = o.low;
    r.high = o.high;
    r.range_given = true;
    if (!(r.low < r.high))
      throw OptionError("range",
                        "low " + short_text(r.low) + " must be below high " + short_text(r.high));
  } else {
    const std::string key = last_component(o.lever);
    if (std::find(std::begin(kProbabilityKeys), std::end(kProbabilityKeys), key) ==
        std::end(kProbabilityKeys))
      throw OptionError("range", o.lever +
                                     " has no documented range (only probabilities do: [0, 1]); "
                                     "give one");
    r.low = 0.0;
    r.high = 1.0;
  }
  if (o.log_scale && !(r.low > 0))
    throw OptionError("log_scale", "the range must be above 0, got low " + short_text(r.low));
  // The key's own domain: both ends must make a valid scenario.
  for (double x : {r.low, r.high}) {
    try {
      (void)levered.with_values({{o.lever, exact_text(x)}});
    } catch (const ScenarioError& e) {
      throw OptionError("range", short_text(r.low) + " to " + short_text(r.high) + ": " + o.lever +
                                     " = " + short_text(x) +
                                     " is outside the key's domain: " + e.message());
    }
  }
  // Keys that take whole numbers (a count): values are rounded.
  if (std::floor(r.low) == r.low && std::floor(r.high) == r.high && r.high - r.low >= 1) {
    try {
      (void)levered.with_values({{o.lever, exact_text(r.low + 0.5)}});
    } catch (const ScenarioError&) {
      r.integer = true;
    }
  }

  const auto u_of = [&](double x) { return o.log_scale ? std::log(x) : x; };
  const auto x_of = [&](double u) {
    double x = o.log_scale ? std::exp(u) : u;
    if (r.integer) x = std::round(x);
    return std::min(r.high, std::max(r.low, x));
  };
  const double span = u_of(r.high) - u_of(r.low);
  const double tol = std::max(o.tolerance * span, r.integer ? 1.0 : 0.0);

  const int steps = static_cast<int>(
      std::ceil(std::log2(std::max(2.0, 1.0 / ((o.scan_points - 1) * o.tolerance)))));
  Evaluator eval(scenario, levered, target, o, o.replications * (2 + o.scan_points + 3 * steps));
  r.points.push_back(eval.run_base(r.base_value));

  std::vector<double> xs;
  for (int i = 0; i < o.scan_points; ++i) {
    const double x =
        i == o.scan_points - 1 ? r.high : x_of(u_of(r.low) + span * i / (o.scan_points - 1));
    if (xs.empty() || x > xs.back()) xs.push_back(x);
  }
  for (const SeekPoint& p : eval.run_values(xs, "scan", true)) r.points.push_back(p);

  if (!r.against_direction().empty()) {
    r.verdict = SeekVerdict::NotMonotone;
    return r;
  }

  // Evaluated lever values in search order: from the start of the search outwards.
  const auto ordered = [&] {
    std::vector<const SeekPoint*> v;
    for (std::size_t i = 1; i < r.points.size(); ++i) v.push_back(&r.points[i]);
    std::sort(v.begin(), v.end(), [&](const SeekPoint* a, const SeekPoint* b) {
      return o.largest ? a->x > b->x : a->x < b->x;
    });
    return v;
  };
  // The first value in search order whose `which` bound meets the target, bisecting until
  // the value before it is within tolerance. -1: none in the range; 0: at the start.
  struct Crossing {
    int at = -1;
    double x = kNaN;
    double before = kNaN;  // the value before it in search order, which misses
  };
  const auto crossing = [&](Which which) {
    for (;;) {
      const auto v = ordered();
      std::size_t i = 0;
      while (i < v.size() && margin(*v[i], target, which) < 0) ++i;
      if (i == v.size()) return Crossing{};
      if (i == 0) return Crossing{0, v[0]->x};
      const double ua = u_of(v[i - 1]->x), ub = u_of(v[i]->x);
      const double mid = x_of((ua + ub) / 2);
      if (std::fabs(ub - ua) <= tol || mid == v[i - 1]->x || mid == v[i]->x)
        return Crossing{static_cast<int>(i), v[i]->x, v[i - 1]->x};
      r.points.push_back(eval.run_values({mid}, "bisect", false).front());
    }
  };

  const Crossing est = crossing(Which::Estimate);
  if (est.at == 0) {
    r.verdict = SeekVerdict::AlreadyMet;
    r.value = est.x;
    return r;
  }
  if (est.at < 0) {
    // Monotone: the best is at one end; is it within sampling error of the bound?
    const auto v = ordered();
    const SeekPoint* best = v.front();
    for (const SeekPoint* p : v)
      if (margin(*p, target, Which::Estimate) > margin(*best, target, Which::Estimate)) best = p;
    r.verdict = margin(*best, target, Which::Optimistic) >= 0 ? SeekVerdict::Undecided
                                                              : SeekVerdict::OutOfReach;
    return r;
  }
  r.value = est.x;
  const Crossing near = crossing(Which::Optimistic);
  const Crossing far = crossing(Which::Pessimistic);
  const double start = o.largest ? r.high : r.low, end = o.largest ? r.low : r.high;
  // Each end taken outwards: the optimistic crossing lies after the last value it misses,
  // the pessimistic one at or before the first value it meets.
  const double near_x = near.at <= 0 ? near.at < 0 ? r.value : start : near.before;
  const double far_x = far.at < 0 ? end : far.x;
  const bool near_open = near.at == 0, far_open = far.at < 0;
  r.interval_low = o.largest ? far_x : near_x;
  r.interval_high = o.largest ? near_x : far_x;
  r.interval_low_open = o.largest ? far_open : near_open;
  r.interval_high_open = o.largest ? near_open : far_open;
  r.verdict = near_open && far_open ? SeekVerdict::Undecided : SeekVerdict::Found;
  return r;
}

namespace {

std::string stat_text(const Target& t, double v) {
  char buf[40];
  if (std::isnan(v)) return "n/a";
  if (t.goal.is_probability())
    std::snprintf(buf, sizeof buf, "%.1f%%", 100 * v);
  else
    std::snprintf(buf, sizeof buf, "%.3f", v);
  return buf;
}

std::string interval_text(const Target& t, const SeekPoint& p) {
  return stat_text(t, p.mean()) + " [" + stat_text(t, p.lower()) + ", " + stat_text(t, p.upper()) +
         "]";
}

// The target for people: "p_completed >= 14%" (Target::describe keeps every digit of the
// bound, 14.000000000000002% for 0.14).
std::string target_text(const Target& t) {
  char b[40];
  std::snprintf(b, sizeof b, "%.6g%s", t.goal.is_probability() ? 100 * t.bound : t.bound,
                t.goal.is_probability() ? "%" : "");
  return t.goal.name + (t.at_least ? " >= " : " <= ") + b;
}

const SeekPoint* point_at(const SeekResult& r, double x) {
  for (std::size_t i = 1; i < r.points.size(); ++i)
    if (r.points[i].x == x) return &r.points[i];
  return nullptr;
}

}  // namespace

std::string format_seek(const SeekResult& r) {
  std::ostringstream os;
  const Target& t = r.target;
  const std::string target = target_text(t);
  const SeekPoint& base = r.points.front();
  const std::string range = "[" + short_text(r.low) + ", " + short_text(r.high) + "]";
  const std::string at_base =
      stat_text(t, base.mean()) + " at the base value " + short_text(r.base_value);
  os << "progsurv seek: " << r.scenario.label() << ", lever " << r.lever << " over " << range
     << (r.range_given ? "" : " (its documented range)") << (r.log_scale ? ", log scale" : "")
     << (r.integer ? ", whole numbers" : "") << ", target " << target << ", "
     << (r.largest ? "largest" : "smallest") << " value\n\n";
  switch (r.verdict) {
    case SeekVerdict::Found: {
      const SeekPoint* p = point_at(r, r.value);
      os << r.lever << " of " << (r.largest ? "at most " : "at least ") << short_text(r.value)
         << " [" << (r.interval_low_open ? "<=" : "") << short_text(r.interval_low) << ", "
         << (r.interval_high_open ? ">=" : "") << short_text(r.interval_high) << "] reaches "
         << target << " (" << (p ? stat_text(t, p->mean()) : "n/a") << " there vs " << at_base
         << ")\n";
      if (r.interval_low_open || r.interval_high_open)
        os << "The interval reaches the end of the range (<= or >=): the crossing may lie "
              "beyond it.\n";
      break;
    }
    case SeekVerdict::AlreadyMet: {
      const SeekPoint* p = point_at(r, r.value);
      os << target << " is already met at " << r.lever << " = " << short_text(r.value)
         << ", where the search starts (the range's " << (r.largest ? "high" : "low")
         << " end): " << (p ? interval_text(t, *p) : "n/a") << " there, " << at_base << "\n";
      if (p && margin(*p, t, Which::Pessimistic) < 0)
        os << "(the 95% interval there includes the bound: more replications may tell)\n";
      break;
    }
    case SeekVerdict::OutOfReach:
    case SeekVerdict::Undecided: {
      const auto s = r.scan();
      const SeekPoint* best = nullptr;
      for (const SeekPoint* p : s)
        if (!best || margin(*p, t, Which::Estimate) > margin(*best, t, Which::Estimate)) best = p;
      if (r.verdict == SeekVerdict::OutOfReach) {
        os << target << " is out of reach for " << r.lever << " in " << range << ": the best is "
           << (best ? interval_text(t, *best) : "n/a") << " at "
           << (best ? short_text(best->x) : "") << " (" << at_base << ")\n";
      } else if (std::isnan(r.value)) {
        os << "Undecided at n = " << r.n << ": the best in " << range << ", "
           << (best ? interval_text(t, *best) : "n/a") << " at "
           << (best ? short_text(best->x) : "") << ", is within sampling error of " << target
           << "; run more replications (-n)\n";
      } else {
        os << "Undecided at n = " << r.n << ": " << target << " is crossed near " << r.lever
           << " = " << short_text(r.value) << ", but the 95% interval of the crossing spans the "
           << "whole range " << range << "; run more replications (-n)\n";
      }
      break;
    }
    case SeekVerdict::NotMonotone: {
      const auto s = r.scan();
      const double overall = s.back()->mean() - s.front()->mean();
      os << "The response of " << t.goal.name << " to " << r.lever << " is not monotone over "
         << range
         << "; no value is returned (narrow --range to a stretch where it moves one way):\n";
      for (int i : r.against_direction()) {
        const SeekPoint* b = s[static_cast<std::size_t>(i) + 1];
        const Diff d = diff_of(b->prev_dsum, b->prev_dsumsq, b->n, monotone_z(s.size()));
        const double k = t.goal.is_probability() ? 100.0 : 1.0;
        char line[200];
        std::snprintf(line, sizeof line,
                      "  from %s to %s it %s by %+.3g%s [%+.3g, %+.3g], against the overall %s\n",
                      short_text(s[static_cast<std::size_t>(i)]->x).c_str(),
                      short_text(b->x).c_str(), d.mean > 0 ? "rises" : "falls", k * d.mean,
                      k == 100.0 ? " pp" : "", k * (d.mean - d.half), k * (d.mean + d.half),
                      overall > 0   ? "rise"
                      : overall < 0 ? "fall"
                                    : "flat ends");
        os << line;
      }
      os << "(paired differences of consecutive scan points; simultaneous 95% intervals, "
            "Bonferroni over the "
         << s.size() - 1 << " pairs)\n";
      break;
    }
  }

  char head[240];
  std::snprintf(head, sizeof head, "\n  %-12s %-26s %-30s %-7s%s\n", "value",
                (t.goal.name + " [95%]").c_str(), "minus base, paired [95%]", "stage", "target");
  os << head;
  std::vector<const SeekPoint*> rows;
  for (std::size_t i = 1; i < r.points.size(); ++i) rows.push_back(&r.points[i]);
  std::stable_sort(rows.begin(), rows.end(),
                   [](const SeekPoint* a, const SeekPoint* b) { return a->x < b->x; });
  const double k = t.goal.is_probability() ? 100.0 : 1.0;
  for (const SeekPoint* p : rows) {
    const Diff d = diff_of(p->base_dsum, p->base_dsumsq, p->n);
    char line[240];
    char delta[120];
    std::snprintf(delta, sizeof delta,
                  k == 100.0 ? "%+.2f [%+.2f, %+.2f] pp" : "%+.3f [%+.3f, %+.3f]", k * d.mean,
                  k * (d.mean - d.half), k * (d.mean + d.half));
    std::snprintf(line, sizeof line, "  %-12s %-26s %-30s %-7s%s\n", short_text(p->x).c_str(),
                  interval_text(t, *p).c_str(), delta, p->stage.c_str(),
                  t.met_by(p->mean()) ? "meets" : "");
    os << line;
  }
  os << "  base " << short_text(r.base_value) << ": " << interval_text(t, base) << "\n\n";
  os << "replications: " << r.n << " per lever value, " << r.points.size()
     << " values (the base included), " << r.replications_spent() << " in all; seed " << r.seed
     << ", common random numbers (replication r of every value uses the same streams)\n";
  if (r.verdict == SeekVerdict::Found ||
      (r.verdict == SeekVerdict::Undecided && !std::isnan(r.value)))
    os << "interval: the lever values where the optimistic and the pessimistic 95% bounds of "
       << t.goal.name
       << " meet the target (inversion of pointwise intervals under common "
          "random numbers; assumes the response is monotone over the bracket), bisected to "
       << short_text(r.tolerance * 100) << "% of the range\n";
  return os.str();
}

}  // namespace progsurv
