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
static_assert(kMeanStatCount == ComparisonSums::kStatCount, "one statistic list");

void stats_of(const ReplicationRecord& r, double* out) {
  std::fill(out, out + kMeanStatCount, 0.0);
  out[kCompletedStat] = r.outcome == Outcome::Completed;
  if (r.outcome == Outcome::Ended) out[kFirstCauseStat + static_cast<int>(r.cause)] = 1.0;
  out[kNotStartedStat] = r.outcome == Outcome::NotStarted;
  out[kValueStat] = r.value;
}

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

ComparisonSums::ComparisonSums(std::size_t scenarios)
    : sum(scenarios * kStatCount),
      sumsq(sum.size()),
      dsum(sum.size()),
      dsumsq(sum.size()),
      joint(scenarios * kEndCategoryCount * kEndCategoryCount) {}

std::vector<std::string> ComparisonSums::stat_names() {
  std::vector<std::string> names{"p_completed"};
  for (int c = 0; c < kCauseCount; ++c)
    names.push_back(std::string("p_") + to_string(static_cast<Cause>(c)));
  names.push_back("p_not_started");
  names.push_back("mean_value");
  return names;
}

void ComparisonSums::merge(const ComparisonSums& o) {
  n += o.n;
  for (std::size_t i = 0; i < sum.size(); ++i) {
    sum[i] += o.sum[i];
    sumsq[i] += o.sumsq[i];
    dsum[i] += o.dsum[i];
    dsumsq[i] += o.dsumsq[i];
  }
  for (std::size_t i = 0; i < joint.size(); ++i) joint[i] += o.joint[i];
}

namespace {

// The share of category k among started programmes under scenario i of the pair (0, i), and
// its paired difference from scenario 0: the delta method on the ratio estimators, with the
// per-replication linearisations z = (x - R s) / mean(s) summed over the joint counts.
void started_shares(const ComparisonSums& sums, int k, ComparedStat& cs) {
  constexpr int K = kEndCategoryCount;
  const int not_started = static_cast<int>(EndCategory::NotStarted);
  const std::size_t S = sums.scenario_count();
  const double n = static_cast<double>(sums.n);
  const auto cell = [&](std::size_t i, int a, int b) {
    return static_cast<double>(
        sums.joint[(i * K + static_cast<std::size_t>(a)) * K + static_cast<std::size_t>(b)]);
  };
  // Marginals: scenario 0 from the rows of any pair, scenario i from the columns of its own.
  const auto share = [&](std::size_t i, bool of_reference, double& started) {
    double hits = 0;
    started = 0;
    for (int a = 0; a < K; ++a)
      for (int b = 0; b < K; ++b) {
        const int c = of_reference ? a : b;
        const double count = cell(i, a, b);
        if (c != not_started) started += count;
        if (c == k) hits += count;
      }
    return started > 0 ? hits / started : kNaN;
  };
  double started0 = 0;
  const double r0 = share(0, true, started0);
  for (std::size_t i = 0; i < S; ++i) {
    double started_i = 0;
    const double ri = share(i, false, started_i);
    cs.started_value.push_back(ri);
    PairedDelta d;
    d.base = r0;
    d.knocked_out = ri;
    const double est = ri - r0;
    double var = 0;
    if (i > 0 && started0 > 0 && started_i > 0 && n > 1) {
      const double m0 = started0 / n, mi = started_i / n;
      for (int a = 0; a < K; ++a)
        for (int b = 0; b < K; ++b) {
          const double z0 = ((a == k) - r0 * (a != not_started)) / m0;
          const double zi = ((b == k) - ri * (b != not_started)) / mi;
          var += cell(i, a, b) * (zi - z0) * (zi - z0);
        }
      var /= n - 1;
    }
    d.se = i == 0 ? 0.0 : (started0 > 0 && started_i > 0 ? std::sqrt(var / n) : kNaN);
    d.delta = {est, est - kZ95 * d.se, est + kZ95 * d.se};
    cs.started_diff.push_back(d);
    cs.started_independent_se.push_back(
        std::sqrt(r0 * (1 - r0) / started0 + ri * (1 - ri) / started_i));
  }
}

}  // namespace

std::vector<ComparedStat> paired_statistics(const ComparisonSums& sums) {
  const std::size_t S = sums.scenario_count();
  const double nn = static_cast<double>(sums.n);
  const std::vector<std::string> names = ComparisonSums::stat_names();
  std::vector<ComparedStat> stats;
  for (int stat = 0; stat < kMeanStatCount; ++stat) {
    ComparedStat cs;
    cs.name = names[static_cast<std::size_t>(stat)];
    if (stat == kCompletedStat) {
      cs.description = "P(completed by the horizon), of proposed";
    } else if (stat < kNotStartedStat) {
      const char* cause = to_string(static_cast<Cause>(stat - kFirstCauseStat));
      cs.description = std::string("P(ended by ") + cause + "), of proposed";
    } else if (stat == kNotStartedStat) {
      cs.description = "P(never started), of proposed";
    } else {
      cs.description = "mean value banked per proposed programme";
    }
    for (std::size_t i = 0; i < S; ++i) {
      const std::size_t k = i * kMeanStatCount + static_cast<std::size_t>(stat);
      const auto k0 = static_cast<std::size_t>(stat);
      cs.value.push_back(sums.sum[k] / nn);
      PairedDelta d;
      d.base = sums.sum[k0] / nn;
      d.knocked_out = sums.sum[k] / nn;
      const double mean = sums.dsum[k] / nn;
      d.se = std::sqrt(variance(sums.dsum[k], sums.dsumsq[k], nn) / nn);
      d.delta = {mean, mean - kZ95 * d.se, mean + kZ95 * d.se};
      cs.diff.push_back(d);
      cs.independent_se.push_back(std::sqrt(
          (variance(sums.sum[k], sums.sumsq[k], nn) + variance(sums.sum[k0], sums.sumsq[k0], nn)) /
          nn));
    }
    // Completed and each cause as EndCategory: completed is 0, cause c is c + 1.
    if (stat < kNotStartedStat) started_shares(sums, stat, cs);
    stats.push_back(cs);
  }
  return stats;
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
  ComparisonSums total(S);
  // Each scenario's tally, merged chunk by chunk as run() merges it: the same numbers.
  std::vector<Tally> tallies;
  for (const Scenario& s : scenarios) tallies.emplace_back(s);
  constexpr std::size_t K = kEndCategoryCount;
  for (std::int64_t first = 0; first < planned; first += kBatchSize) {
    const std::int64_t count = std::min(kBatchSize, planned - first);
    const std::int64_t chunks = (count + kChunkSize - 1) / kChunkSize;
    std::vector<ComparisonSums> partial(static_cast<std::size_t>(chunks), ComparisonSums(S));
    std::vector<std::vector<Tally>> partial_tallies(static_cast<std::size_t>(chunks));
    parallel_for(chunks, threads, [&](std::int64_t c) {
      ComparisonSums& s = partial[static_cast<std::size_t>(c)];
      std::vector<Tally>& t = partial_tallies[static_cast<std::size_t>(c)];
      for (const Scenario& scenario : scenarios) t.emplace_back(scenario);
      const std::int64_t begin = first + c * kChunkSize;
      const std::int64_t end = std::min(first + count, begin + kChunkSize);
      std::vector<double> x(S * kMeanStatCount);
      std::vector<std::size_t> category(S);
      for (std::int64_t r = begin; r < end; ++r) {
        ++s.n;
        for (std::size_t i = 0; i < S; ++i) {
          const ReplicationRecord rec =
              simulate_replication(scenarios[i], options.seed, static_cast<std::uint64_t>(r));
          stats_of(rec, &x[i * kMeanStatCount]);
          t[i].add(rec);
          category[i] = static_cast<std::size_t>(end_category(rec.outcome, rec.cause));
          times[i][static_cast<std::size_t>(r)] =
              rec.outcome == Outcome::Completed ? rec.end_time : kNaN;
        }
        for (std::size_t i = 0; i < S; ++i) ++s.joint[(i * K + category[0]) * K + category[i]];
        for (std::size_t k = 0; k < x.size(); ++k) {
          s.sum[k] += x[k];
          s.sumsq[k] += x[k] * x[k];
          const double d = x[k] - x[k % kMeanStatCount];
          s.dsum[k] += d;
          s.dsumsq[k] += d * d;
        }
      }
    });
    for (std::size_t c = 0; c < partial.size(); ++c) {
      total.merge(partial[c]);
      for (std::size_t i = 0; i < S; ++i) tallies[i].merge(partial_tallies[c][i]);
    }
    for (Tally& t : tallies) t.record_checkpoint();
    if (options.progress && !options.progress(first + count, planned)) throw Cancelled();
  }

  CompareResult result;
  result.scenarios = scenarios;
  result.labels = labels;
  result.seed = options.seed;
  result.n = total.n;
  result.bootstrap = options.bootstrap;
  result.stats = paired_statistics(total);
  result.sums = std::move(total);
  result.tallies = std::move(tallies);

  // Completion-time quantiles among completed programmes: point estimates from all
  // replications; intervals from a paired bootstrap (one resample of replication indices
  // shared by every scenario), and the independent SE from separate resamples.
  std::vector<std::int64_t> all(static_cast<std::size_t>(result.n));
  for (std::int64_t r = 0; r < result.n; ++r) all[static_cast<std::size_t>(r)] = r;
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
    // Streamed, not formatted into `line`: a variant's label has no length limit.
    std::snprintf(line, sizeof line, "%g", r.scenarios[i].horizon);
    os << "  [" << i << "] " << r.labels[i] << ": " << r.scenarios[i].label() << " (horizon "
       << line << " months)" << (i == 0 ? "  <- reference" : "") << "\n";
  }
  for (std::size_t i = 1; i < r.scenarios.size(); ++i) {
    std::snprintf(line, sizeof line,
                  "\n[%zu] minus [0]: paired differences, 95%% intervals (normal; bootstrap "
                  "percentile, %d resamples, for quantiles)\n",
                  i, r.bootstrap);
    os << line;
    std::snprintf(line, sizeof line, "  %-50s %9s %9s  %-28s %-6s | %s\n", "", "", "",
                  "of proposed", "", "of started");
    os << line;
    std::snprintf(line, sizeof line, "  %-50s %9s %9s  %-28s %-6s | %9s %9s  %s\n", "statistic",
                  "[0]", "this", "difference [95%]", "gain", "[0]", "this", "difference [95%]");
    os << line;
    for (const ComparedStat& s : r.stats) {
      const bool pct = s.name.rfind("p_", 0) == 0;
      const double k = pct ? 100.0 : 1.0;
      const char* unit = pct ? " pp" : "";
      const auto fmt = [&](double x) {
        char out[40];
        if (std::isnan(x))
          std::snprintf(out, sizeof out, "n/a");
        else if (pct)
          std::snprintf(out, sizeof out, "%.1f%%", k * x);
        else
          std::snprintf(out, sizeof out, "%.3f", x);
        return std::string(out);
      };
      const auto difference = [&](const PairedDelta& d) {
        char out[120];
        if (std::isnan(d.delta.estimate))
          std::snprintf(out, sizeof out, "n/a");
        else
          std::snprintf(out, sizeof out, pct ? "%+.2f%s [%+.2f, %+.2f]" : "%+.3f%s [%+.3f, %+.3f]",
                        k * d.delta.estimate, unit, k * d.delta.lower, k * d.delta.upper);
        return std::string(out);
      };
      char gain[40];
      const double g = s.gain(i);
      if (std::isnan(g))
        std::snprintf(gain, sizeof gain, "-");
      else
        std::snprintf(gain, sizeof gain, "x%.1f", g);
      std::string started;
      if (s.has_started()) {
        char cols[200];
        std::snprintf(cols, sizeof cols, "%9s %9s  %s", fmt(s.started_value[0]).c_str(),
                      fmt(s.started_value[i]).c_str(), difference(s.started_diff[i]).c_str());
        started = cols;
      }
      std::snprintf(line, sizeof line, "  %-50s %9s %9s  %-28s %-6s | %s\n", s.description.c_str(),
                    fmt(s.value[0]).c_str(), fmt(s.value[i]).c_str(), difference(s.diff[i]).c_str(),
                    gain, started.c_str());
      std::string text = line;
      if (started.empty()) text = text.substr(0, text.find_last_not_of(" |\n") + 1) + "\n";
      os << text;
    }
  }
  os << "\ngain: (SE of independent runs / paired SE)^2, the factor of replications two "
        "independent runs would need for intervals as narrow.\nof started: the same share among "
        "the programmes that started (were approved) under each scenario; its difference "
        "is paired too (delta method).\n";
  return os.str();
}

}  // namespace progsurv
