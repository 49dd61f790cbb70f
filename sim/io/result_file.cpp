// The HDF5 file of a run (layout: docs/hdf5-format.md). /tally holds the raw counts and is
// the only part a reader needs; every other group is derived from it for convenience.
#include "progsurv/io/result_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <stdexcept>
#include <string>
#include <vector>

#include "io/h5.hpp"
#include "io/result_h5.hpp"
#include "io/run_file_parts.hpp"
#include "progsurv/io/version.hpp"
#include "progsurv/scenario/error.hpp"

namespace progsurv {

namespace {

constexpr const char* kRngDescription =
    "Philox4x32-10 (Random123); key = seed; counter = (draw, replication, mechanism, entity, "
    "place)";
constexpr const char* kMethodMonteCarlo = "monte_carlo";
// Run files kept the name "build_info" for the build string.
constexpr h5::ResultFormat kFormat{kRunFiletype,           "run",
                                   kRunFormatVersionMajor, kRunFormatVersionMinor,
                                   kRunFormatOldestMajor,  "build_info"};
constexpr const char* kMethodExact = "exact";

std::vector<std::string> category_names() {
  std::vector<std::string> v;
  for (int k = 0; k < kEndCategoryCount; ++k) v.push_back(to_string(static_cast<EndCategory>(k)));
  return v;
}
std::vector<std::string> outcome_names() {
  std::vector<std::string> v;
  for (int o = 0; o < kOutcomeCount; ++o) v.push_back(to_string(static_cast<Outcome>(o)));
  return v;
}
std::vector<std::string> cause_names() {
  std::vector<std::string> v;
  for (int c = 0; c < kCauseCount; ++c) v.push_back(to_string(static_cast<Cause>(c)));
  return v;
}
std::vector<std::string> quantity_names(const std::vector<Quantity>& qs) {
  std::vector<std::string> v;
  for (Quantity q : qs) v.push_back(to_string(q));
  return v;
}
std::vector<Quantity> all_quantities() {
  std::vector<Quantity> v;
  for (int q = 0; q < kQuantityCount; ++q) v.push_back(static_cast<Quantity>(q));
  return v;
}

std::string time_column(int bucket) {
  return std::string("time_") + to_string(static_cast<TimeBucket>(bucket));
}

// Counts that cannot come from any run (a damaged or crafted file), or "".
std::string count_problem(const Tally& t) {
  if (t.n < 0) return "n is negative";
  if (!(std::isfinite(t.horizon) && t.horizon > 0)) return "the horizon is not a positive number";
  for (std::size_t i = 0; i < t.grid.size(); ++i) {
    if (!std::isfinite(t.grid[i]) || t.grid[i] < 0 || t.grid[i] > t.horizon)
      return "grid time " + std::to_string(i) + " is not a number in [0, horizon]";
    if (i > 0 && !(t.grid[i] > t.grid[i - 1])) return "the grid is not strictly ascending";
  }
  std::int64_t total = 0;
  const std::size_t bins = t.grid.size() + 1;
  for (int k = 0; k < kEndCategoryCount; ++k) {
    const std::int64_t c = t.category_count[static_cast<std::size_t>(k)];
    if (c < 0 || c > t.n)
      return "category " + std::string(to_string(static_cast<EndCategory>(k))) + " counts " +
             std::to_string(c) + " of n = " + std::to_string(t.n);
    total += c;
    std::int64_t binned = 0, by_phase = 0;
    for (std::size_t b = 0; b < bins; ++b) {
      const std::int64_t v = t.end_bins[static_cast<std::size_t>(k) * bins + b];
      if (v < 0 || v > c) return "end_bins holds a count outside [0, category count]";
      binned += v;
    }
    const std::size_t phases = static_cast<std::size_t>(t.phase_count) + 1;
    for (std::size_t d = 0; d < phases; ++d) {
      const std::int64_t v = t.phases_by_category[static_cast<std::size_t>(k) * phases + d];
      if (v < 0 || v > c) return "phases_by_category holds a count outside [0, category count]";
      by_phase += v;
    }
    if (binned != c || by_phase != c)
      return "the bins of category " + std::string(to_string(static_cast<EndCategory>(k))) +
             " do not add up to its count";
  }
  if (total != t.n)
    return "the category counts add up to " + std::to_string(total) +
           ", not n = " + std::to_string(t.n);
  std::int64_t completed_binned = 0;
  for (const std::int64_t v : t.completion_hist) {
    if (v < 0) return "completion_hist holds a negative count";
    completed_binned += v;
  }
  if (completed_binned > t.n) return "completion_hist counts more replications than n";
  for (const Moments& m : t.moments)
    if (!std::isfinite(m.sum) || !std::isfinite(m.sumsq) || m.sumsq < 0)
      return "a moment sum is not a finite number";
  for (std::size_t i = 0; i < t.checkpoint_n.size(); ++i) {
    if (t.checkpoint_n[i] < 0 || t.checkpoint_n[i] > t.n || t.checkpoint_completed[i] < 0 ||
        t.checkpoint_completed[i] > t.checkpoint_n[i])
      return "checkpoint " + std::to_string(i) + " is outside [0, n]";
  }
  return "";
}

// Shape problems of a tally, or "" when it is consistent. The reader checks the same
// shapes, so a file that was written can always be read and summarized.
std::string tally_problem(const Tally& t) {
  const std::size_t bins = t.grid.size() + 1;
  if (t.end_bins.size() != kEndCategoryCount * bins) {
    return "end_bins has " + std::to_string(t.end_bins.size()) + " values, expected " +
           std::to_string(kEndCategoryCount * bins);
  }
  if (t.completion_hist.size() != static_cast<std::size_t>(Tally::kCompletionBins)) {
    return "completion_hist has " + std::to_string(t.completion_hist.size()) + " bins, expected " +
           std::to_string(Tally::kCompletionBins);
  }
  if (t.phase_count < 0) return "phase_count is negative";
  const std::size_t phase_values =
      static_cast<std::size_t>(kEndCategoryCount) * (static_cast<std::size_t>(t.phase_count) + 1);
  if (t.phases_by_category.size() != phase_values) {
    return "phases_by_category has " + std::to_string(t.phases_by_category.size()) +
           " values, expected " + std::to_string(phase_values);
  }
  if (t.checkpoint_n.size() != t.checkpoint_completed.size()) {
    return "checkpoint_n and checkpoint_completed differ in length";
  }
  return count_problem(t);
}

std::string records_problem(const Records& r) {
  const std::size_t n = r.outcome.size();
  const auto same = [n](std::size_t m) { return m == n; };
  bool ok = same(r.cause.size()) && same(r.end_time.size()) && same(r.value.size()) &&
            same(r.customer_trust.size()) && same(r.phases_delivered.size()) &&
            same(r.sponsor_changes.size()) && same(r.handoffs.size()) && same(r.breaks.size()) &&
            same(r.escalations.size()) && same(r.disengagements.size()) &&
            same(r.initial_level.size()) && same(r.rungs.size()) && same(r.deferrals.size()) &&
            same(r.deferred_value.size()) && same(r.reengagements.size());
  for (const auto& column : r.time) ok = ok && same(column.size());
  if (!ok) return "replication record columns differ in length";
  for (std::size_t i = 0; i < n; ++i) {
    if (r.outcome[i] < 0 || r.outcome[i] >= kOutcomeCount)
      return "replication " + std::to_string(i) + " has outcome code " +
             std::to_string(r.outcome[i]) + ", outside [0, " + std::to_string(kOutcomeCount) + ")";
    if (r.cause[i] < -1 || r.cause[i] >= kCauseCount)
      return "replication " + std::to_string(i) + " has cause code " + std::to_string(r.cause[i]) +
             ", outside [-1, " + std::to_string(kCauseCount) + ")";
  }
  return "";
}

// --- writing --------------------------------------------------------------------------

struct Split {
  std::vector<double> estimate, lower, upper;
};
Split split(const std::vector<Estimate>& es) {
  Split s;
  for (const Estimate& e : es) {
    s.estimate.push_back(e.estimate);
    s.lower.push_back(e.lower);
    s.upper.push_back(e.upper);
  }
  return s;
}
template <std::size_t N>
Split split(const std::array<Estimate, N>& es) {
  return split(std::vector<Estimate>(es.begin(), es.end()));
}
std::vector<double> triple(const Estimate& e) { return {e.estimate, e.lower, e.upper}; }

void write_interval_attrs(h5::Group& g) {
  g.write_attr("interval_method", kIntervalMethod);
  g.write_attr("confidence", kConfidence);
}

void write_root(h5::File& f, const RunResult& r) {
  f.write_attr("method", r.exact ? kMethodExact : kMethodMonteCarlo);
}

void write_scenario(h5::Group& f, const Scenario& s) {
  h5::Group g = f.create_group("scenario");
  g.write_attr("name", s.name);
  g.write_attr("source", s.source);
  g.write_attr("label", s.label());  // format 2.2: the name with its changes
  g.write_string("yaml", s.to_yaml());
  // The text as written, comments included (the report's evidence/assumption appendix),
  // before any --set: the changes say what differs from it.
  const std::string& text = s.original_text.empty() ? s.yaml_text : s.original_text;
  if (!text.empty()) g.write_string("source_yaml", text);
  h5::write_changes(g, "changes", s.changes);
}

void write_run(h5::File& f, const RunResult& r) {
  h5::Group g = f.create_group("run");
  g.write_attr("seed", r.seed);
  g.write_attr("replications", r.tally.n);
  g.write_attr("precision", r.precision);
  g.write_attr("chunk_size", kChunkSize);
  g.write_attr("batch_size", kBatchSize);
  g.write_attr("rng", kRngDescription);
}

void write_tally(h5::Group& f, const Tally& t) {
  h5::Group g = f.create_group("tally");
  g.write_attr("category_names", category_names());
  g.write_attr("quantity_names", quantity_names(all_quantities()));
  const hsize_t categories = kEndCategoryCount;
  g.write_scalar("n", t.n);
  g.write_dataset("grid", t.grid);
  g.write_dataset("category_count",
                  std::vector<std::int64_t>(t.category_count.begin(), t.category_count.end()));
  g.write_dataset("end_bins", t.end_bins, {categories, t.bin_count()});
  g.write_scalar("horizon", t.horizon);
  g.write_dataset("completion_hist", t.completion_hist);
  g.write_scalar("phase_count", static_cast<std::int32_t>(t.phase_count));
  g.write_dataset("phases_by_category", t.phases_by_category,
                  {categories, static_cast<hsize_t>(t.phase_count) + 1});
  std::vector<double> sum, sumsq;
  for (const Moments& m : t.moments) {
    sum.push_back(m.sum);
    sumsq.push_back(m.sumsq);
  }
  g.write_dataset("moments_sum", sum);
  g.write_dataset("moments_sumsq", sumsq);
  g.write_dataset("checkpoint_n", t.checkpoint_n);
  g.write_dataset("checkpoint_completed", t.checkpoint_completed);
}

void write_estimates(h5::Group& g, const std::string& prefix, const Split& s) {
  g.write_dataset(prefix.empty() ? "probability" : prefix, s.estimate);
  g.write_dataset(prefix.empty() ? "lower" : prefix + "_lower", s.lower);
  g.write_dataset(prefix.empty() ? "upper" : prefix + "_upper", s.upper);
}

void write_curves(h5::File& f, const Summary& s) {
  h5::Group g = f.create_group("curves");
  write_interval_attrs(g);
  g.write_dataset("time", s.grid);
  for (int k = 0; k < kEndCategoryCount; ++k) {
    h5::Group c = g.create_group(to_string(static_cast<EndCategory>(k)));
    write_estimates(c, "", split(s.curve[k]));
    c.write_dataset("count", s.curve_count[k]);
  }
  h5::Group survival = g.create_group("survival");
  write_estimates(survival, "", split(s.survival));
}

void write_outcomes(h5::File& f, const Tally& t, const Summary& s) {
  h5::Group g = f.create_group("outcomes");
  write_interval_attrs(g);
  g.write_attr("n", s.n);
  g.write_attr("n_started", s.n_started);
  std::int64_t ended = 0;
  for (int c = 0; c < kCauseCount; ++c) ended += t.category_count[c + 1];
  g.write_strings("names", outcome_names());
  g.write_dataset("count", std::vector<std::int64_t>{t.count(EndCategory::Completed), ended,
                                                     t.count(EndCategory::NotStarted),
                                                     t.count(EndCategory::Running)});
  const Split all = split(s.outcome_share);
  g.write_dataset("share", all.estimate);
  g.write_dataset("lower", all.lower);
  g.write_dataset("upper", all.upper);
  write_estimates(g, "share_started", split(s.outcome_share_started));
}

void write_causes(h5::File& f, const Tally& t, const Summary& s) {
  h5::Group g = f.create_group("causes");
  write_interval_attrs(g);
  std::vector<std::int64_t> count;
  for (int c = 0; c < kCauseCount; ++c) count.push_back(t.category_count[c + 1]);
  std::int64_t ended = 0;
  for (std::int64_t c : count) ended += c;
  g.write_attr("n_ended", ended);
  g.write_strings("names", cause_names());
  g.write_dataset("count", count);
  const Split shares = split(s.cause_share);
  g.write_dataset("share", shares.estimate);
  g.write_dataset("lower", shares.lower);
  g.write_dataset("upper", shares.upper);
}

void write_completion_time(h5::File& f, const Tally& t, const Summary& s) {
  h5::Group g = f.create_group("completion_time");
  g.write_attr("note",
               "months; NaN = not reached (fewer than that share of the programmes "
               "completed within the horizon)");
  g.write_dataset("quantile_levels", s.quantile_levels);
  g.write_dataset("unconditional", s.completion_quantile);
  g.write_dataset("among_completed", s.completion_quantile_given);
  // 95% intervals of the quantiles (Monte Carlo results only).
  if (!s.completion_quantile_lower.empty()) {
    g.write_attr("interval_method", std::string(kQuantileIntervalMethod));
    g.write_dataset("unconditional_lower", s.completion_quantile_lower);
    g.write_dataset("unconditional_upper", s.completion_quantile_upper);
    g.write_dataset("among_completed_lower", s.completion_quantile_given_lower);
    g.write_dataset("among_completed_upper", s.completion_quantile_given_upper);
  }
  std::vector<double> edges(t.completion_hist.size() + 1);
  for (std::size_t i = 0; i < edges.size(); ++i) {
    edges[i] = t.horizon * static_cast<double>(i) / static_cast<double>(t.completion_hist.size());
  }
  g.write_dataset("histogram_edges", edges);
  g.write_dataset("histogram_counts", t.completion_hist);
}

void write_value(h5::File& f, const Summary& s) {
  h5::Group g = f.create_group("value");
  write_interval_attrs(g);
  g.write_attr("mean_interval_method", kMeanIntervalMethod);
  g.write_dataset("levels", s.value_levels);
  g.write_dataset("probability", s.value_prob);
  g.write_scalar("mean", s.value_mean.estimate);
  g.write_scalar("mean_lower", s.value_mean.lower);
  g.write_scalar("mean_upper", s.value_mean.upper);
  g.write_scalar("se", s.value_se);
  g.write_dataset("quantile_levels", s.quantile_levels);
  g.write_dataset("quantiles", s.value_quantile);
  g.write_dataset("delivered_none", triple(s.delivered_none));
  g.write_dataset("delivered_partial", triple(s.delivered_partial));
  g.write_dataset("delivered_all", triple(s.delivered_all));
}

void write_means(h5::File& f, const std::string& name, const std::vector<Quantity>& qs,
                 const Summary& s) {
  h5::Group g = f.create_group(name);
  g.write_attr("population", "started programmes");
  std::vector<double> mean, se;
  for (Quantity q : qs) {
    mean.push_back(s.mean[static_cast<int>(q)]);
    se.push_back(s.se[static_cast<int>(q)]);
  }
  g.write_strings("names", quantity_names(qs));
  g.write_dataset("mean", mean);
  g.write_dataset("se", se);
}

void write_convergence(h5::File& f, const Summary& s) {
  h5::Group g = f.create_group("convergence");
  g.write_dataset("n", s.convergence_n);
  g.write_dataset("p_completed", s.convergence_p);
  g.write_dataset("se", s.convergence_se);
  g.write_dataset("half_width", s.convergence_half_width);
}

void write_records(h5::File& f, const Records& r) {
  h5::Group g = f.create_group("replications");
  g.write_attr("outcome_names", outcome_names());
  g.write_attr("cause_names", cause_names());
  constexpr h5::Storage kZ = h5::Storage::Compressed;
  g.write_dataset("outcome", r.outcome, {}, kZ);
  g.write_dataset("cause", r.cause, {}, kZ);
  g.write_dataset("end_time", r.end_time, {}, kZ);
  g.write_dataset("value", r.value, {}, kZ);
  g.write_dataset("customer_trust", r.customer_trust, {}, kZ);
  g.write_dataset("phases_delivered", r.phases_delivered, {}, kZ);
  g.write_dataset("sponsor_changes", r.sponsor_changes, {}, kZ);
  g.write_dataset("handoffs", r.handoffs, {}, kZ);
  g.write_dataset("breaks", r.breaks, {}, kZ);
  g.write_dataset("escalations", r.escalations, {}, kZ);
  g.write_dataset("disengagements", r.disengagements, {}, kZ);
  g.write_dataset("initial_level", r.initial_level, {}, kZ);
  g.write_dataset("rungs", r.rungs, {}, kZ);
  g.write_dataset("deferrals", r.deferrals, {}, kZ);
  g.write_dataset("deferred_value", r.deferred_value, {}, kZ);
  g.write_dataset("reengagements", r.reengagements, {}, kZ);
  for (int b = 0; b < kTimeBucketCount; ++b) g.write_dataset(time_column(b), r.time[b], {}, kZ);
}

void write_file(h5::File& f, const RunResult& r) {
  write_root(f, r);
  write_scenario(f, r.scenario);
  write_run(f, r);
  write_tally(f, r.tally);
  write_curves(f, r.summary);
  write_outcomes(f, r.tally, r.summary);
  write_causes(f, r.tally, r.summary);
  write_completion_time(f, r.tally, r.summary);
  write_value(f, r.summary);
  write_means(f, "time_decomposition", time_quantities(), r.summary);
  write_means(f, "counts", count_quantities(), r.summary);
  write_means(f, "means", all_quantities(), r.summary);
  write_convergence(f, r.summary);
  if (r.records) write_records(f, *r.records);
}

// --- reading --------------------------------------------------------------------------

[[noreturn]] void bad(const std::string& path, const std::string& message) {
  throw FileFormatError(path + ": " + message);
}

using h5::FormatVersion;

// Version 1 kept the first twelve quantities (up to value), 2.0 fifteen (up to
// disengagements); later ones read as 0.
constexpr int kVersion1Quantities = static_cast<int>(Quantity::Value) + 1;
constexpr int kVersion20Quantities = static_cast<int>(Quantity::Disengagements) + 1;
hsize_t quantities_in(FormatVersion v) {
  if (v.major == 1) return static_cast<hsize_t>(kVersion1Quantities);
  if (v.before(2, 1)) return static_cast<hsize_t>(kVersion20Quantities);
  return static_cast<hsize_t>(kQuantityCount);
}

// Reads a dataset and checks its shape.
template <class T>
std::vector<T> read_shaped(const h5::Group& g, const std::string& name, const h5::Dims& shape,
                           const std::string& path) {
  h5::Dims dims;
  std::vector<T> v = g.read_dataset<T>(name, &dims);
  if (dims != shape) {
    auto text = [](const h5::Dims& d) {
      std::string s = "[";
      for (std::size_t i = 0; i < d.size(); ++i) s += (i ? ", " : "") + std::to_string(d[i]);
      return s + "]";
    };
    bad(path, g.path() + "/" + name + " has shape " + text(dims) + ", expected " + text(shape));
  }
  return v;
}

template <class T>
std::vector<T> read_1d(const h5::Group& g, const std::string& name, const std::string& path) {
  h5::Dims dims;
  std::vector<T> v = g.read_dataset<T>(name, &dims);
  if (dims.size() != 1) bad(path, g.path() + "/" + name + " is not one-dimensional");
  return v;
}

Tally read_tally(const h5::Group& f, const std::string& path, FormatVersion version) {
  const h5::Group g = f.open_group("tally");
  Tally t;
  const hsize_t categories = kEndCategoryCount;
  t.n = g.read_scalar<std::int64_t>("n");
  t.grid = read_1d<double>(g, "grid", path);
  const auto counts = read_shaped<std::int64_t>(g, "category_count", {categories}, path);
  std::copy(counts.begin(), counts.end(), t.category_count.begin());
  t.end_bins = read_shaped<std::int64_t>(g, "end_bins", {categories, t.grid.size() + 1}, path);
  t.horizon = g.read_scalar<double>("horizon");
  t.completion_hist = read_shaped<std::int64_t>(
      g, "completion_hist", {static_cast<hsize_t>(Tally::kCompletionBins)}, path);
  t.phase_count = g.read_scalar<std::int32_t>("phase_count");
  if (t.phase_count < 0) bad(path, "/tally/phase_count is negative");
  t.phases_by_category = read_shaped<std::int64_t>(
      g, "phases_by_category", {categories, static_cast<hsize_t>(t.phase_count) + 1}, path);
  const hsize_t quantities = quantities_in(version);
  const auto sum = read_shaped<double>(g, "moments_sum", {quantities}, path);
  const auto sumsq = read_shaped<double>(g, "moments_sumsq", {quantities}, path);
  for (hsize_t q = 0; q < quantities; ++q) t.moments[q] = Moments{sum[q], sumsq[q]};
  t.checkpoint_n = read_1d<std::int64_t>(g, "checkpoint_n", path);
  t.checkpoint_completed = read_1d<std::int64_t>(g, "checkpoint_completed", path);
  if (const std::string problem = tally_problem(t); !problem.empty()) {
    bad(path, "inconsistent /tally: " + problem);
  }
  return t;
}

Records read_records(const h5::File& f, const std::string& path, FormatVersion version) {
  const h5::Group g = f.open_group("replications");
  Records r;
  r.outcome = read_1d<std::int8_t>(g, "outcome", path);
  r.cause = read_1d<std::int8_t>(g, "cause", path);
  r.end_time = read_1d<double>(g, "end_time", path);
  r.value = read_1d<double>(g, "value", path);
  r.customer_trust = read_1d<double>(g, "customer_trust", path);
  r.phases_delivered = read_1d<std::int32_t>(g, "phases_delivered", path);
  r.sponsor_changes = read_1d<std::int32_t>(g, "sponsor_changes", path);
  r.handoffs = read_1d<std::int32_t>(g, "handoffs", path);
  r.breaks = read_1d<std::int32_t>(g, "breaks", path);
  r.escalations = read_1d<std::int32_t>(g, "escalations", path);
  r.disengagements = version.major >= 2 ? read_1d<std::int32_t>(g, "disengagements", path)
                                        : std::vector<std::int32_t>(r.outcome.size(), 0);
  r.initial_level = read_1d<std::int32_t>(g, "initial_level", path);
  // Rules 15-17 came with version 2.1; older runs had none of them.
  const bool new_in_21 = version.before(2, 1);
  const std::size_t n = r.outcome.size();
  r.rungs = new_in_21 ? std::vector<std::int32_t>(n, 0) : read_1d<std::int32_t>(g, "rungs", path);
  r.deferrals =
      new_in_21 ? std::vector<std::int32_t>(n, 0) : read_1d<std::int32_t>(g, "deferrals", path);
  r.deferred_value =
      new_in_21 ? std::vector<double>(n, 0.0) : read_1d<double>(g, "deferred_value", path);
  r.reengagements =
      new_in_21 ? std::vector<std::int32_t>(n, 0) : read_1d<std::int32_t>(g, "reengagements", path);
  for (int b = 0; b < kTimeBucketCount; ++b) {
    const auto bucket = static_cast<TimeBucket>(b);
    const bool new_in_2 = bucket == TimeBucket::Scoping || bucket == TimeBucket::Recruiting;
    r.time[b] = version.major < 2 && new_in_2 ? std::vector<double>(r.outcome.size(), 0.0)
                                              : read_1d<double>(g, time_column(b), path);
  }
  if (const std::string problem = records_problem(r); !problem.empty()) {
    bad(path, "inconsistent /replications: " + problem);
  }
  return r;
}

std::vector<Estimate> read_estimates(const h5::Group& g, const std::string& estimate,
                                     const std::string& lower, const std::string& upper,
                                     const std::string& path) {
  const std::vector<double> e = read_1d<double>(g, estimate, path);
  const h5::Dims shape = {e.size()};
  const std::vector<double> lo = read_shaped<double>(g, lower, shape, path);
  const std::vector<double> hi = read_shaped<double>(g, upper, shape, path);
  std::vector<Estimate> out(e.size());
  for (std::size_t i = 0; i < e.size(); ++i) out[i] = {e[i], lo[i], hi[i]};
  return out;
}

template <std::size_t N>
void read_estimates(const h5::Group& g, const std::string& estimate, const std::string& lower,
                    const std::string& upper, const std::string& path,
                    std::array<Estimate, N>& out) {
  const std::vector<Estimate> v = read_estimates(g, estimate, lower, upper, path);
  if (v.size() != N)
    bad(path, g.path() + "/" + estimate + " does not have " + std::to_string(N) + " values");
  std::copy(v.begin(), v.end(), out.begin());
}

Estimate read_triple(const h5::Group& g, const std::string& name, const std::string& path) {
  const std::vector<double> v = read_shaped<double>(g, name, {3}, path);
  return {v[0], v[1], v[2]};
}

// The summary as stored in the derived groups. An exact result has no replications to
// count, so for it these groups, not /tally, are the source of truth.
Summary read_stored_summary(const h5::File& f, const std::string& path, FormatVersion version) {
  Summary s;
  const h5::Group outcomes = f.open_group("outcomes");
  s.n = outcomes.read_attr<std::int64_t>("n");
  s.n_started = outcomes.read_attr<std::int64_t>("n_started");
  read_estimates(outcomes, "share", "lower", "upper", path, s.outcome_share);
  read_estimates(outcomes, "share_started", "share_started_lower", "share_started_upper", path,
                 s.outcome_share_started);
  read_estimates(f.open_group("causes"), "share", "lower", "upper", path, s.cause_share);

  const h5::Group curves = f.open_group("curves");
  s.grid = read_1d<double>(curves, "time", path);
  for (int k = 0; k < kEndCategoryCount; ++k) {
    const h5::Group c = curves.open_group(to_string(static_cast<EndCategory>(k)));
    s.curve[k] = read_estimates(c, "probability", "lower", "upper", path);
    s.curve_count[k] = read_1d<std::int64_t>(c, "count", path);
  }
  s.survival = read_estimates(curves.open_group("survival"), "probability", "lower", "upper", path);

  const h5::Group completion = f.open_group("completion_time");
  s.quantile_levels = read_1d<double>(completion, "quantile_levels", path);
  s.completion_quantile = read_1d<double>(completion, "unconditional", path);
  s.completion_quantile_given = read_1d<double>(completion, "among_completed", path);
  if (version.major >= 2 && completion.has("unconditional_lower")) {
    s.completion_quantile_lower = read_1d<double>(completion, "unconditional_lower", path);
    s.completion_quantile_upper = read_1d<double>(completion, "unconditional_upper", path);
    s.completion_quantile_given_lower = read_1d<double>(completion, "among_completed_lower", path);
    s.completion_quantile_given_upper = read_1d<double>(completion, "among_completed_upper", path);
  }  // exact results have no intervals: their quantiles carry no sampling error

  const h5::Group value = f.open_group("value");
  s.value_levels = read_1d<double>(value, "levels", path);
  s.value_prob = read_1d<double>(value, "probability", path);
  s.value_mean = {value.read_scalar<double>("mean"), value.read_scalar<double>("mean_lower"),
                  value.read_scalar<double>("mean_upper")};
  s.value_se = value.read_scalar<double>("se");
  s.value_quantile = read_1d<double>(value, "quantiles", path);
  s.delivered_none = read_triple(value, "delivered_none", path);
  s.delivered_partial = read_triple(value, "delivered_partial", path);
  s.delivered_all = read_triple(value, "delivered_all", path);

  const h5::Group means = f.open_group("means");
  const hsize_t quantities = quantities_in(version);
  const std::vector<double> mean = read_shaped<double>(means, "mean", {quantities}, path);
  const std::vector<double> se = read_shaped<double>(means, "se", {quantities}, path);
  std::copy(mean.begin(), mean.end(), s.mean.begin());
  std::copy(se.begin(), se.end(), s.se.begin());

  const h5::Group convergence = f.open_group("convergence");
  s.convergence_n = read_1d<std::int64_t>(convergence, "n", path);
  s.convergence_p = read_1d<double>(convergence, "p_completed", path);
  s.convergence_se = read_1d<double>(convergence, "se", path);
  s.convergence_half_width = read_1d<double>(convergence, "half_width", path);
  return s;
}

Scenario read_scenario(const h5::Group& f, const std::string& path) {
  const h5::Group scenario = f.open_group("scenario");
  Scenario s =
      Scenario::from_yaml(scenario.read_string("yaml"), path + ":" + scenario.path() + "/yaml");
  // Where the scenario originally came from, rather than this file.
  if (scenario.has_attr("source")) s.source = scenario.read_attr_string("source");
  // Format 2.2: what --set changed, and the text as written before (for the next write).
  h5::read_changes(scenario, "changes", s.changes);
  if (!s.changes.empty() && scenario.has("source_yaml"))
    s.original_text = scenario.read_string("source_yaml");
  return s;
}

RunResult read_contents(const h5::File& f, const std::string& path, FormatVersion version) {
  RunResult r;
  const std::string method = f.read_attr_string("method");
  if (method != kMethodMonteCarlo && method != kMethodExact) {
    bad(path, "unknown method '" + method + "'");
  }
  r.exact = method == kMethodExact;

  r.scenario = read_scenario(f, path);

  const h5::Group run = f.open_group("run");
  r.seed = run.read_attr<std::uint64_t>("seed");
  r.precision = run.read_attr<double>("precision");

  r.tally = read_tally(f, path, version);
  if (!r.exact && r.tally.n <= 0) bad(path, "a Monte Carlo result with n = 0 replications");
  // The stored scenario must be the one the counts were made with.
  if (r.tally.grid != r.scenario.grid || r.tally.horizon != r.scenario.horizon ||
      r.tally.phase_count != static_cast<int>(r.scenario.phases.size()))
    bad(path, "the stored scenario does not match /tally (grid, horizon or phase count differ)");
  if (f.has("replications")) {
    r.records = read_records(f, path, version);
    if (static_cast<std::int64_t>(r.records->size()) != r.tally.n)
      bad(path, "/replications holds " + std::to_string(r.records->size()) +
                    " records for n = " + std::to_string(r.tally.n));
  }
  // Monte Carlo: re-derived from the raw counts, the source of truth. Exact: as stored.
  r.summary = r.exact ? read_stored_summary(f, path, version) : summarize(r.tally, r.scenario);
  if (r.exact) mark_rules_used(r.summary, r.scenario);
  return r;
}

}  // namespace

// Where the months went (the seven buckets sum to end_time) and the event counts.
std::vector<Quantity> time_quantities() {
  std::vector<Quantity> v;
  for (TimeBucket b : kTimeBucketOrder) v.push_back(quantity_of(b));
  return v;
}

std::vector<Quantity> count_quantities() {
  return {Quantity::SponsorChanges, Quantity::Handoffs,       Quantity::Breaks,
          Quantity::Escalations,    Quantity::Disengagements, Quantity::Rungs,
          Quantity::Deferrals,      Quantity::DeferredValue,  Quantity::Reengagements};
}

namespace run_file {
void write_scenario(h5::Group& parent, const Scenario& s) { progsurv::write_scenario(parent, s); }
void write_tally(h5::Group& parent, const Tally& t) {
  if (const std::string problem = tally_problem(t); !problem.empty())
    throw std::invalid_argument("inconsistent tally: " + problem);
  progsurv::write_tally(parent, t);
}
Scenario read_scenario(const h5::Group& parent, const std::string& path) {
  return progsurv::read_scenario(parent, path);
}
Tally read_tally(const h5::Group& parent, const std::string& path) {
  return progsurv::read_tally(parent, path,
                              FormatVersion{kRunFormatVersionMajor, kRunFormatVersionMinor});
}
}  // namespace run_file

void write_result(const std::string& path, const RunResult& result) {
  // Refuse inconsistent input before touching the disk.
  if (const std::string problem = tally_problem(result.tally); !problem.empty()) {
    throw std::invalid_argument("cannot write " + path + ": inconsistent tally: " + problem);
  }
  if (result.records) {
    if (const std::string problem = records_problem(*result.records); !problem.empty()) {
      throw std::invalid_argument("cannot write " + path + ": " + problem);
    }
  }
  h5::write_result_file(path, kFormat, [&](h5::File& f) { write_file(f, result); });
}

RunResult read_result(const std::string& path) {
  return h5::read_result_file(path, kFormat, [&](const h5::File& f, FormatVersion version) {
    return read_contents(f, path, version);
  });
}

}  // namespace progsurv
