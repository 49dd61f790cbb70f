// Paired comparison of scenarios under common random numbers.
#include "progsurv/analysis/compare.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "progsurv/engine/memory_budget.hpp"
#include "progsurv/engine/parallel.hpp"
#include "progsurv/engine/replication.hpp"
#include "progsurv/engine/run.hpp"

namespace progsurv {

namespace {

constexpr double kZ95 = 1.959963984540054;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// Completion-time quantiles compared (among completed programmes).
constexpr double kQuantiles[] = {0.5, 0.8};

// Per-replication statistics whose means are compared: P(completed), P(ended by each
// cause), P(not started), value. Indices into a row of doubles.
constexpr int kCompletedStat = 0;
constexpr int kFirstCauseStat = 1;
constexpr int kNotStartedStat = kFirstCauseStat + kCauseCount;
constexpr int kValueStat = kNotStartedStat + 1;
constexpr int kMeanStatCount = kValueStat + 1;

void stats_of(const ReplicationRecord& r, double* out) {
  std::fill(out, out + kMeanStatCount, 0.0);
  out[kCompletedStat] = r.outcome == Outcome::Completed;
  if (r.outcome == Outcome::Ended) out[kFirstCauseStat + static_cast<int>(r.cause)] = 1.0;
  out[kNotStartedStat] = r.outcome == Outcome::NotStarted;
  out[kValueStat] = r.value;
}

// Per block: for each scenario sums of x and x^2, and for each scenario i >= 1 sums of the
// paired difference d = x_i - x_0 and d^2.
struct Sums {
  std::int64_t n = 0;
  std::vector<double> sum, sumsq, dsum, dsumsq;  // [scenario * kMeanStatCount + stat]
  explicit Sums(std::size_t scenarios = 0)
      : sum(scenarios * kMeanStatCount), sumsq(sum.size()), dsum(sum.size()), dsumsq(sum.size()) {}
  void merge(const Sums& o) {
    n += o.n;
    for (std::size_t i = 0; i < sum.size(); ++i) {
      sum[i] += o.sum[i];
      sumsq[i] += o.sumsq[i];
      dsum[i] += o.dsum[i];
      dsumsq[i] += o.dsumsq[i];
    }
  }
};

double variance(double s, double ss, double n) {
  if (n < 2) return kNaN;
  const double mean = s / n;
  return std::max(0.0, (ss - n * mean * mean) / (n - 1.0));
}

// The q-quantile (type 7) of the completed programmes' times among `index`.
double quantile_of(const std::vector<double>& times, const std::vector<std::int64_t>& index,
                   double q, std::vector<double>& scratch) {
  scratch.clear();
  for (std::int64_t i : index) {
    const double t = times[static_cast<std::size_t>(i)];
    if (!std::isnan(t)) scratch.push_back(t);
  }
  if (scratch.empty()) return kNaN;
  const double h = q * static_cast<double>(scratch.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(h));
  std::nth_element(scratch.begin(), scratch.begin() + static_cast<std::ptrdiff_t>(lo),
                   scratch.end());
  const double a = scratch[lo];
  if (lo + 1 >= scratch.size()) return a;
  const double b =
      *std::min_element(scratch.begin() + static_cast<std::ptrdiff_t>(lo) + 1, scratch.end());
  return a + (h - static_cast<double>(lo)) * (b - a);
}

struct SplitMix {
  std::uint64_t state;
  std::uint64_t operator()() {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
};

double sd(const std::vector<double>& x) {
  double s = 0, ss = 0, n = 0;
  for (double v : x)
    if (!std::isnan(v)) {
      s += v;
      ss += v * v;
      n += 1;
    }
  return std::sqrt(variance(s, ss, n));
}

}  // namespace

double ComparedStat::gain(std::size_t i) const {
  const double paired = diff.at(i).se;
  if (!(paired > 0)) return kNaN;
  const double r = independent_se.at(i) / paired;
  return r * r;
}

CompareResult compare(const std::vector<Scenario>& scenarios,
                      const std::vector<std::string>& labels, const CompareOptions& options) {
  if (scenarios.size() < 2) throw std::invalid_argument("compare needs at least two scenarios");
  if (labels.size() != scenarios.size())
    throw std::invalid_argument("compare: one label per scenario");
  if (options.replications < 2)
    throw std::invalid_argument("compare needs at least 2 replications");
  const std::size_t S = scenarios.size();
  const std::int64_t planned = options.replications;
  const int threads = resolve_threads(options.threads);
  // The completion times below, and a resample of them at a time in the bootstrap.
  check_memory(2.0 * static_cast<double>(S) * static_cast<double>(planned) * sizeof(double),
               "comparing " + std::to_string(S) + " scenarios with " + std::to_string(planned) +
                   " replications each");
  // Completion time of every replication under every scenario (NaN: not completed), for
  // the paired bootstrap of the quantiles.
  std::vector<std::vector<double>> times(S, std::vector<double>(static_cast<std::size_t>(planned)));
  Sums total(S);
  for (std::int64_t first = 0; first < planned; first += kBatchSize) {
    const std::int64_t count = std::min(kBatchSize, planned - first);
    const std::int64_t chunks = (count + kChunkSize - 1) / kChunkSize;
    std::vector<Sums> partial(static_cast<std::size_t>(chunks), Sums(S));
    parallel_for(chunks, threads, [&](std::int64_t c) {
      Sums& s = partial[static_cast<std::size_t>(c)];
      const std::int64_t begin = first + c * kChunkSize;
      const std::int64_t end = std::min(first + count, begin + kChunkSize);
      std::vector<double> x(S * kMeanStatCount);
      for (std::int64_t r = begin; r < end; ++r) {
        ++s.n;
        for (std::size_t i = 0; i < S; ++i) {
          const ReplicationRecord rec =
              simulate_replication(scenarios[i], options.seed, static_cast<std::uint64_t>(r));
          stats_of(rec, &x[i * kMeanStatCount]);
          times[i][static_cast<std::size_t>(r)] =
              rec.outcome == Outcome::Completed ? rec.end_time : kNaN;
        }
        for (std::size_t k = 0; k < x.size(); ++k) {
          s.sum[k] += x[k];
          s.sumsq[k] += x[k] * x[k];
          const double d = x[k] - x[k % kMeanStatCount];
          s.dsum[k] += d;
          s.dsumsq[k] += d * d;
        }
      }
    });
    for (const Sums& s : partial) total.merge(s);
    if (options.progress && !options.progress(first + count, planned)) throw Cancelled();
  }

  CompareResult result;
  result.scenarios = scenarios;
  result.labels = labels;
  result.seed = options.seed;
  result.n = total.n;
  result.bootstrap = options.bootstrap;
  const double nn = static_cast<double>(total.n);
  for (int stat = 0; stat < kMeanStatCount; ++stat) {
    ComparedStat cs;
    if (stat == kCompletedStat) {
      cs.name = "p_completed";
      cs.description = "P(completed by the horizon), of proposed";
    } else if (stat < kNotStartedStat) {
      const char* cause = to_string(static_cast<Cause>(stat - kFirstCauseStat));
      cs.name = std::string("p_") + cause;
      cs.description = std::string("P(ended by ") + cause + "), of proposed";
    } else if (stat == kNotStartedStat) {
      cs.name = "p_not_started";
      cs.description = "P(never started), of proposed";
    } else {
      cs.name = "mean_value";
      cs.description = "mean value banked per proposed programme";
    }
    for (std::size_t i = 0; i < S; ++i) {
      const std::size_t k = i * kMeanStatCount + static_cast<std::size_t>(stat);
      const auto k0 = static_cast<std::size_t>(stat);
      cs.value.push_back(total.sum[k] / nn);
      PairedDelta d;
      d.base = total.sum[k0] / nn;
      d.knocked_out = total.sum[k] / nn;
      const double mean = total.dsum[k] / nn;
      d.se = std::sqrt(variance(total.dsum[k], total.dsumsq[k], nn) / nn);
      d.delta = {mean, mean - kZ95 * d.se, mean + kZ95 * d.se};
      cs.diff.push_back(d);
      cs.independent_se.push_back(std::sqrt((variance(total.sum[k], total.sumsq[k], nn) +
                                             variance(total.sum[k0], total.sumsq[k0], nn)) /
                                            nn));
    }
    result.stats.push_back(cs);
  }

  // Completion-time quantiles among completed programmes: point estimates from all
  // replications; intervals from a paired bootstrap (one resample of replication indices
  // shared by every scenario), and the independent SE from separate resamples.
  std::vector<std::int64_t> all(static_cast<std::size_t>(total.n));
  for (std::int64_t r = 0; r < total.n; ++r) all[static_cast<std::size_t>(r)] = r;
  std::vector<double> scratch;
  const int B = std::max(options.bootstrap, 2);
  for (double q : kQuantiles) {
    ComparedStat cs;
    char name[32];
    std::snprintf(name, sizeof name, "completion_p%.0f", 100 * q);
    cs.name = name;
    std::snprintf(name, sizeof name, "P%.0f", 100 * q);
    cs.description = std::string(name) + " of completion time (months), among completed";
    for (std::size_t i = 0; i < S; ++i) cs.value.push_back(quantile_of(times[i], all, q, scratch));
    SplitMix rng{options.seed ^ 0xC0FFEE1234567ULL ^ static_cast<std::uint64_t>(q * 1000)};
    std::vector<std::int64_t> index(all.size()), other(all.size());
    std::vector<std::vector<double>> paired(S), independent(S);
    for (int b = 0; b < B; ++b) {
      for (auto& v : index) v = static_cast<std::int64_t>(rng() % all.size());
      for (auto& v : other) v = static_cast<std::int64_t>(rng() % all.size());
      const double base = quantile_of(times[0], index, q, scratch);
      for (std::size_t i = 1; i < S; ++i) {
        paired[i].push_back(quantile_of(times[i], index, q, scratch) - base);
        // Independent runs: scenario i resampled apart from scenario 0.
        independent[i].push_back(quantile_of(times[i], other, q, scratch) - base);
      }
    }
    for (std::size_t i = 0; i < S; ++i) {
      PairedDelta d;
      d.base = cs.value[0];
      d.knocked_out = cs.value[i];
      const double est = cs.value[i] - cs.value[0];
      if (i == 0 || std::isnan(est)) {
        d.delta = {i == 0 ? 0.0 : kNaN, kNaN, kNaN};
        d.se = kNaN;
        cs.diff.push_back(d);
        cs.independent_se.push_back(kNaN);
        continue;
      }
      // Percentile interval of the paired bootstrap differences.
      std::vector<double> v;
      for (double x : paired[i])
        if (!std::isnan(x)) v.push_back(x);
      std::sort(v.begin(), v.end());
      const auto at = [&](double p) {
        if (v.empty()) return kNaN;
        const double h = p * static_cast<double>(v.size() - 1);
        const auto lo = static_cast<std::size_t>(std::floor(h));
        const std::size_t hi = std::min(lo + 1, v.size() - 1);
        return v[lo] + (h - static_cast<double>(lo)) * (v[hi] - v[lo]);
      };
      d.delta = {est, at(0.025), at(0.975)};
      d.se = sd(paired[i]);
      cs.diff.push_back(d);
      cs.independent_se.push_back(sd(independent[i]));
    }
    result.stats.push_back(cs);
  }
  return result;
}

std::string format_comparison(const CompareResult& r) {
  std::ostringstream os;
  char line[400];
  std::snprintf(line, sizeof line,
                "progsurv compare: %zu scenarios, seed %llu, %lld replications each, common "
                "random numbers (replication r of every scenario uses the same streams)\n",
                r.scenarios.size(), static_cast<unsigned long long>(r.seed),
                static_cast<long long>(r.n));
  os << line;
  for (std::size_t i = 0; i < r.scenarios.size(); ++i) {
    std::snprintf(line, sizeof line, "  [%zu] %s: %s (horizon %g months)%s\n", i,
                  r.labels[i].c_str(), r.scenarios[i].name.c_str(), r.scenarios[i].horizon,
                  i == 0 ? "  <- reference" : "");
    os << line;
  }
  for (std::size_t i = 1; i < r.scenarios.size(); ++i) {
    std::snprintf(line, sizeof line,
                  "\n[%zu] minus [0]: paired differences, 95%% intervals (normal; bootstrap "
                  "percentile, %d resamples, for quantiles)\n",
                  i, r.bootstrap);
    os << line;
    std::snprintf(line, sizeof line, "  %-52s %10s %10s  %-28s %s\n", "statistic", "[0]", "this",
                  "difference [95%]", "gain vs independent runs");
    os << line;
    for (const ComparedStat& s : r.stats) {
      const bool pct = s.name.rfind("p_", 0) == 0;
      const double k = pct ? 100.0 : 1.0;
      const char* unit = pct ? " pp" : "";
      const PairedDelta& d = s.diff[i];
      char a[40], b[40], diff[120], gain[40];
      const auto fmt = [&](char* out, std::size_t size, double x) {
        if (std::isnan(x))
          std::snprintf(out, size, "n/a");
        else if (pct)
          std::snprintf(out, size, "%.1f%%", k * x);
        else
          std::snprintf(out, size, "%.3f", x);
      };
      fmt(a, sizeof a, s.value[0]);
      fmt(b, sizeof b, s.value[i]);
      if (std::isnan(d.delta.estimate))
        std::snprintf(diff, sizeof diff, "n/a");
      else
        std::snprintf(diff, sizeof diff, pct ? "%+.2f%s [%+.2f, %+.2f]" : "%+.3f%s [%+.3f, %+.3f]",
                      k * d.delta.estimate, unit, k * d.delta.lower, k * d.delta.upper);
      const double g = s.gain(i);
      if (std::isnan(g))
        std::snprintf(gain, sizeof gain, "-");
      else
        std::snprintf(gain, sizeof gain, "x%.1f", g);
      std::snprintf(line, sizeof line, "  %-52s %10s %10s  %-28s %s\n", s.description.c_str(), a, b,
                    diff, gain);
      os << line;
    }
  }
  os << "\ngain: (SE of independent runs / paired SE)^2, the factor of replications two "
        "independent runs would need for intervals as narrow.\n";
  return os.str();
}

}  // namespace progsurv
