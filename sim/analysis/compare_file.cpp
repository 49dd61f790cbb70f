// The comparison file (docs/hdf5-comparison-format.md): every compared scenario with its
// own tally (as in a run file), the raw paired sums, and the differences derived from them.
#include <cmath>
#include <limits>
#include <stdexcept>

#include "io/h5.hpp"
#include "io/result_h5.hpp"
#include "io/run_file_parts.hpp"
#include "progsurv/analysis/compare.hpp"
#include "progsurv/engine/summary.hpp"
#include "progsurv/io/version.hpp"

namespace progsurv {

namespace {

constexpr h5::ResultFormat kFormat{kComparisonFiletype, "comparison", kComparisonFormatVersionMajor,
                                   kComparisonFormatVersionMinor, kComparisonFormatVersionMajor};
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::vector<std::string> category_names() {
  std::vector<std::string> v;
  for (int k = 0; k < kEndCategoryCount; ++k) v.push_back(to_string(static_cast<EndCategory>(k)));
  return v;
}

// One [statistics, scenarios] matrix of the derived differences.
std::vector<double> column(const std::vector<ComparedStat>& stats, std::size_t scenarios,
                           double (*get)(const ComparedStat&, std::size_t)) {
  std::vector<double> v;
  for (const ComparedStat& s : stats)
    for (std::size_t i = 0; i < scenarios; ++i) v.push_back(get(s, i));
  return v;
}

void write_differences(h5::Group& root, const CompareResult& r) {
  h5::Group g = root.create_group("differences");
  g.write_attr("confidence", 0.95);
  std::vector<std::string> names, descriptions;
  for (const ComparedStat& s : r.stats) {
    names.push_back(s.name);
    descriptions.push_back(s.description);
  }
  g.write_strings("statistics", names);
  g.write_strings("descriptions", descriptions);
  const std::size_t S = r.scenarios.size();
  const h5::Dims shape{r.stats.size(), S};
  using Get = double (*)(const ComparedStat&, std::size_t);
  const std::pair<const char*, Get> columns[] = {
      {"value", [](const ComparedStat& s, std::size_t i) { return s.value[i]; }},
      {"diff", [](const ComparedStat& s, std::size_t i) { return s.diff[i].delta.estimate; }},
      {"lower", [](const ComparedStat& s, std::size_t i) { return s.diff[i].delta.lower; }},
      {"upper", [](const ComparedStat& s, std::size_t i) { return s.diff[i].delta.upper; }},
      {"se", [](const ComparedStat& s, std::size_t i) { return s.diff[i].se; }},
      {"independent_se", [](const ComparedStat& s, std::size_t i) { return s.independent_se[i]; }},
      {"started_value", [](const ComparedStat& s,
                           std::size_t i) { return s.has_started() ? s.started_value[i] : kNaN; }},
      {"started_diff",
       [](const ComparedStat& s, std::size_t i) {
         return s.has_started() ? s.started_diff[i].delta.estimate : kNaN;
       }},
      {"started_lower",
       [](const ComparedStat& s, std::size_t i) {
         return s.has_started() ? s.started_diff[i].delta.lower : kNaN;
       }},
      {"started_upper",
       [](const ComparedStat& s, std::size_t i) {
         return s.has_started() ? s.started_diff[i].delta.upper : kNaN;
       }},
      {"started_se", [](const ComparedStat& s,
                        std::size_t i) { return s.has_started() ? s.started_diff[i].se : kNaN; }},
      {"started_independent_se",
       [](const ComparedStat& s, std::size_t i) {
         return s.has_started() ? s.started_independent_se[i] : kNaN;
       }},
  };
  for (const auto& [name, get] : columns) g.write_dataset(name, column(r.stats, S, get), shape);
}

// The quantile rows (their bootstrap needs the replications, which the file does not keep).
std::vector<ComparedStat> read_quantile_rows(const h5::Group& g, std::size_t S,
                                             const std::string& path) {
  const std::vector<std::string> names = g.read_strings("statistics");
  const std::vector<std::string> descriptions = g.read_strings("descriptions");
  const h5::Dims shape{names.size(), S};
  const auto read = [&](const char* name) {
    h5::Dims dims;
    std::vector<double> v = g.read_dataset<double>(name, &dims);
    if (dims != shape)
      throw FileFormatError(path + ": /differences/" + name + " does not have the shape " +
                            "[statistics, scenarios]");
    return v;
  };
  const std::vector<double> value = read("value"), diff = read("diff"), lower = read("lower"),
                            upper = read("upper"), se = read("se"),
                            independent = read("independent_se");
  if (descriptions.size() != names.size())
    throw FileFormatError(path + ": /differences/descriptions and statistics differ in length");
  std::vector<ComparedStat> rows;
  for (std::size_t k = 0; k < names.size(); ++k) {
    if (names[k].rfind("completion_", 0) != 0) continue;
    ComparedStat cs;
    cs.name = names[k];
    cs.description = descriptions[k];
    for (std::size_t i = 0; i < S; ++i) {
      const std::size_t at = k * S + i;
      cs.value.push_back(value[at]);
      PairedDelta d;
      d.base = value[k * S];
      d.knocked_out = value[at];
      d.delta = {diff[at], lower[at], upper[at]};
      d.se = se[at];
      cs.diff.push_back(d);
      cs.independent_se.push_back(independent[at]);
    }
    rows.push_back(cs);
  }
  return rows;
}

}  // namespace

void write_comparison(const std::string& path, const CompareResult& r) {
  const std::size_t S = r.scenarios.size();
  if (S < 2 || r.labels.size() != S || r.tallies.size() != S || r.sums.scenario_count() != S)
    throw std::invalid_argument("cannot write " + path +
                                ": a comparison needs its scenarios, labels, tallies and sums");
  h5::write_result_file(path, kFormat, [&](h5::File& f) {
    f.write_attr("seed", r.seed);
    f.write_attr("replications", r.n);
    f.write_attr("bootstrap", static_cast<std::int32_t>(r.bootstrap));
    f.write_attr("confidence", 0.95);
    f.write_attr("interval_method",
                 "paired normal (mean difference +- 1.96 SE); delta method for shares of started "
                 "programmes; paired bootstrap percentile for completion-time quantiles");
    f.write_strings("labels", r.labels);
    std::vector<std::string> names;
    for (const Scenario& s : r.scenarios) names.push_back(s.label());
    f.write_strings("names", names);
    h5::Group scenarios = f.create_group("scenarios");
    for (std::size_t i = 0; i < S; ++i) {
      h5::Group g = scenarios.create_group(std::to_string(i));
      run_file::write_scenario(g, r.scenarios[i]);
      run_file::write_tally(g, r.tallies[i]);
    }
    h5::Group paired = f.create_group("paired");
    paired.write_attr("n", r.sums.n);
    paired.write_attr("category_names", category_names());
    paired.write_strings("statistics", ComparisonSums::stat_names());
    const h5::Dims shape{S, static_cast<hsize_t>(ComparisonSums::kStatCount)};
    paired.write_dataset("sum", r.sums.sum, shape);
    paired.write_dataset("sumsq", r.sums.sumsq, shape);
    paired.write_dataset("dsum", r.sums.dsum, shape);
    paired.write_dataset("dsumsq", r.sums.dsumsq, shape);
    paired.write_dataset(
        "joint_count", r.sums.joint,
        {S, static_cast<hsize_t>(kEndCategoryCount), static_cast<hsize_t>(kEndCategoryCount)});
    write_differences(f, r);
  });
}

CompareResult read_comparison(const std::string& path) {
  return h5::read_result_file(path, kFormat, [&](const h5::File& f, h5::FormatVersion) {
    CompareResult r;
    r.seed = f.read_attr<std::uint64_t>("seed");
    r.n = f.read_attr<std::int64_t>("replications");
    r.bootstrap = f.read_attr<std::int32_t>("bootstrap");
    r.labels = f.read_strings("labels");
    const std::size_t S = r.labels.size();
    if (S < 2) throw FileFormatError(path + ": a comparison of fewer than two scenarios");
    const h5::Group scenarios = f.open_group("scenarios");
    for (std::size_t i = 0; i < S; ++i) {
      const h5::Group g = scenarios.open_group(std::to_string(i));
      r.scenarios.push_back(run_file::read_scenario(g, path));
      r.tallies.push_back(run_file::read_tally(g, path));
      if (r.tallies.back().n != r.n)
        throw FileFormatError(path + ": /scenarios/" + std::to_string(i) + "/tally counts " +
                              std::to_string(r.tallies.back().n) + " replications, not " +
                              std::to_string(r.n));
    }
    const h5::Group paired = f.open_group("paired");
    ComparisonSums sums(S);
    sums.n = paired.read_attr<std::int64_t>("n");
    const auto read = [&](const char* name, const h5::Dims& shape, auto* out) {
      h5::Dims dims;
      using T = typename std::remove_pointer_t<decltype(out)>::value_type;
      *out = paired.read_dataset<T>(name, &dims);
      if (dims != shape)
        throw FileFormatError(path + ": /paired/" + name + " does not have the shape of " +
                              std::to_string(S) + " scenarios");
    };
    const h5::Dims shape{S, static_cast<hsize_t>(ComparisonSums::kStatCount)};
    read("sum", shape, &sums.sum);
    read("sumsq", shape, &sums.sumsq);
    read("dsum", shape, &sums.dsum);
    read("dsumsq", shape, &sums.dsumsq);
    read("joint_count", {S, kEndCategoryCount, kEndCategoryCount}, &sums.joint);
    if (sums.n != r.n)
      throw FileFormatError(path + ": /paired@n is " + std::to_string(sums.n) + ", not the " +
                            std::to_string(r.n) + " replications");
    r.stats = paired_statistics(sums);
    for (ComparedStat& s : read_quantile_rows(f.open_group("differences"), S, path))
      r.stats.push_back(std::move(s));
    r.sums = std::move(sums);
    return r;
  });
}

}  // namespace progsurv
