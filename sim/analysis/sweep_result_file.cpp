// Sweep results on disk and on screen: the HDF5 sweep file (docs/hdf5-sweep-format.md),
// written by run_sweep and read back by read_sweep, and the table `progsurv sweep` prints.
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "io/h5.hpp"
#include "io/result_h5.hpp"
#include "progsurv/analysis/sweep.hpp"
#include "progsurv/io/version.hpp"
#include "progsurv/scenario/error.hpp"
#include "progsurv/scenario/text_columns.hpp"

namespace progsurv {
namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// 1.0 files (scenario sweeps only) are read too: the major version is all that is checked.
constexpr h5::ResultFormat kFormat{kSweepFiletype, "sweep", kSweepFormatVersionMajor,
                                   kSweepFormatVersionMinor, kSweepFormatVersionMajor};
}  // namespace

// --- the HDF5 file ---------------------------------------------------------------------

namespace {

// Row-major [rows][cols] flattened.
template <class F>
std::vector<double> table(std::size_t rows, std::size_t cols, F&& at) {
  std::vector<double> v;
  v.reserve(rows * cols);
  for (std::size_t i = 0; i < rows; ++i)
    for (std::size_t j = 0; j < cols; ++j) v.push_back(at(i, j));
  return v;
}

double number_or_nan(const std::string& text) {
  if (text.empty()) return kNaN;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  return end == text.c_str() + text.size() ? v : kNaN;
}

void write_contents(h5::File& f, const SweepResult& r) {
  const Sweep& s = r.sweep;
  const std::size_t n = r.points.size(), k = s.parameters.size(), m = s.metrics.size();
  f.write_attr("name", s.name);
  f.write_attr("base_kind", to_string(s.base_kind));
  f.write_attr("design", to_string(s.design));
  f.write_attr("fingerprint", s.fingerprint);
  f.write_attr("seed", s.seed);
  f.write_attr("repeat", static_cast<std::int32_t>(s.repeat));
  f.write_attr("point_count", static_cast<std::int64_t>(n));
  f.write_string("sweep", s.resolved);
  if (s.is_portfolio()) {
    // The portfolio as the sweep runs it: every programme template inline.
    f.write_string("base_portfolio", s.portfolio.yaml_text);
  } else {
    f.write_string("base_scenario", s.base.to_yaml());
  }
  // What --set changed in the base: the inline base already holds the values, but not that
  // they were set, which the header and the export say.
  h5::write_changes(f, "base_changes", s.is_portfolio() ? s.portfolio.changes : s.base.changes);

  h5::Group p = f.create_group("parameters");
  std::vector<std::string> keys, base_text;
  std::vector<double> low, high, base_value;
  std::vector<std::int8_t> range, log;
  std::vector<std::int32_t> levels;
  for (const auto& q : s.parameters) {
    keys.push_back(q.key);
    range.push_back(q.range);
    low.push_back(q.range ? q.low : kNaN);
    high.push_back(q.range ? q.high : kNaN);
    log.push_back(q.log);
    levels.push_back(q.levels);
    base_text.push_back(q.base_text);
    base_value.push_back(q.base_value);
  }
  p.write_strings("key", keys);
  p.write_dataset("range", range);
  p.write_dataset("low", low);
  p.write_dataset("high", high);
  p.write_dataset("log", log);
  p.write_dataset("levels", levels);
  p.write_strings("base_text", base_text);
  p.write_dataset("base_value", base_value);
  // The value each point runs with; a parameter left at base shows the base value.
  std::vector<std::string> text;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < k; ++j)
      text.push_back(s.point_values[i][j].empty() ? s.parameters[j].base_text
                                                  : s.point_values[i][j]);
  h5::Dataset t = p.write_strings("text", text);
  t.write_attr("shape", std::vector<std::int64_t>{static_cast<std::int64_t>(n),
                                                  static_cast<std::int64_t>(k)});
  p.write_dataset(
      "value",
      table(n, k, [&](std::size_t i, std::size_t j) { return number_or_nan(text[i * k + j]); }),
      {n, k});
  if (!s.unit.empty())
    p.write_dataset("unit", table(n, k, [&](std::size_t i, std::size_t j) { return s.unit[i][j]; }),
                    {n, k});

  h5::Group g = f.create_group("metrics");
  std::vector<std::string> names;
  for (const auto& q : s.metrics) names.push_back(q.name);
  g.write_strings("name", names);
  g.write_dataset(
      "estimate",
      table(n, m, [&](std::size_t i, std::size_t j) { return r.points[i].estimate[j]; }), {n, m});
  g.write_dataset(
      "se", table(n, m, [&](std::size_t i, std::size_t j) { return r.points[i].se[j]; }), {n, m});
  std::vector<std::int64_t> reps;
  for (const auto& q : r.points) reps.push_back(q.replications);
  g.write_dataset("replications", reps);
  if (s.is_portfolio()) {
    std::vector<std::int64_t> count;
    for (const auto& q : r.points) {
      if (q.count.size() != m) throw std::logic_error("sweep: a portfolio point lacks its counts");
      count.insert(count.end(), q.count.begin(), q.count.end());
    }
    g.write_dataset("count", count, {n, m});
  }

  if (!r.sobol.empty()) {
    h5::Group o = f.create_group("sobol");
    const auto& front = r.sobol.front();
    o.write_attr("estimator", sensitivity::to_string(s.estimator));
    o.write_attr("interval_method",
                 s.repeat > 1 ? "randomised QMC: mean of the repeats (independently shifted "
                                "designs and engine seeds) +- t(repeat - 1) sd / sqrt(repeat)"
                              : "percentile bootstrap");
    o.write_attr("shift", static_cast<std::int32_t>(s.shift));
    o.write_attr("confidence", front.confidence);
    o.write_attr("bootstrap", static_cast<std::int32_t>(s.bootstrap));
    o.write_attr("base_samples", s.samples);
    o.write_attr("second_order", static_cast<std::int32_t>(s.second_order));
    o.write_attr("repeat", static_cast<std::int32_t>(s.repeat));
    const auto field = [&](auto pick) {
      return table(m, k, [&](std::size_t a, std::size_t b) { return pick(r.sobol[a], b); });
    };
    o.write_dataset(
        "first", field([](const auto& x, std::size_t b) { return x.first[b].estimate; }), {m, k});
    o.write_dataset("first_lower",
                    field([](const auto& x, std::size_t b) { return x.first[b].lower; }), {m, k});
    o.write_dataset("first_upper",
                    field([](const auto& x, std::size_t b) { return x.first[b].upper; }), {m, k});
    o.write_dataset("first_se", field([](const auto& x, std::size_t b) { return x.first_se[b]; }),
                    {m, k});
    o.write_dataset(
        "total", field([](const auto& x, std::size_t b) { return x.total[b].estimate; }), {m, k});
    o.write_dataset("total_lower",
                    field([](const auto& x, std::size_t b) { return x.total[b].lower; }), {m, k});
    o.write_dataset("total_upper",
                    field([](const auto& x, std::size_t b) { return x.total[b].upper; }), {m, k});
    o.write_dataset("total_se", field([](const auto& x, std::size_t b) { return x.total_se[b]; }),
                    {m, k});
    if (s.repeat > 1) {
      o.write_dataset("first_seed_sd",
                      field([](const auto& x, std::size_t b) { return x.first_seed_sd[b]; }),
                      {m, k});
      o.write_dataset("total_seed_sd",
                      field([](const auto& x, std::size_t b) { return x.total_seed_sd[b]; }),
                      {m, k});
    }
    if (s.second_order) {
      const std::size_t pairs = k * (k - 1) / 2;
      std::vector<std::int32_t> pi, pj;
      for (std::size_t i = 0; i < k; ++i)
        for (std::size_t j = i + 1; j < k; ++j) {
          pi.push_back(static_cast<std::int32_t>(i));
          pj.push_back(static_cast<std::int32_t>(j));
        }
      const auto pairs_field = [&](auto pick) {
        return table(m, pairs, [&](std::size_t a, std::size_t b) { return pick(r.sobol[a], b); });
      };
      o.write_dataset("pair_first", pi);
      o.write_dataset("pair_second", pj);
      o.write_dataset(
          "second", pairs_field([](const auto& x, std::size_t b) { return x.second[b].estimate; }),
          {m, pairs});
      o.write_dataset("second_lower",
                      pairs_field([](const auto& x, std::size_t b) { return x.second[b].lower; }),
                      {m, pairs});
      o.write_dataset("second_upper",
                      pairs_field([](const auto& x, std::size_t b) { return x.second[b].upper; }),
                      {m, pairs});
      o.write_dataset("second_se",
                      pairs_field([](const auto& x, std::size_t b) { return x.second_se[b]; }),
                      {m, pairs});
      if (s.repeat > 1)
        o.write_dataset("second_seed_sd", pairs_field([](const auto& x, std::size_t b) {
                          return x.second_seed_sd[b];
                        }),
                        {m, pairs});
    }
    std::vector<double> mean, var;
    for (const auto& x : r.sobol) {
      mean.push_back(x.mean);
      var.push_back(x.variance);
    }
    o.write_dataset("mean", mean);
    o.write_dataset("variance", var);
    o.write_dataset("noise_ratio", r.noise_ratio);
    // Indices against the base samples: [metric][row][parameter].
    h5::Group c = o.create_group("convergence");
    const auto& ns = r.convergence.front().base_samples;
    const std::size_t rows = ns.size();
    c.write_dataset("base_samples", std::vector<std::int64_t>(ns));
    std::vector<double> first, total;
    for (const auto& x : r.convergence)
      for (std::size_t q = 0; q < rows; ++q)
        for (std::size_t j = 0; j < k; ++j) {
          first.push_back(x.first[q][j]);
          total.push_back(x.total[q][j]);
        }
    c.write_dataset("first", first, {m, rows, k});
    c.write_dataset("total", total, {m, rows, k});
  }
  if (!r.morris.empty()) {
    h5::Group o = f.create_group("morris");
    o.write_attr("trajectories", s.samples);
    o.write_attr("levels", static_cast<std::int32_t>(s.morris_levels));
    o.write_attr("bootstrap", static_cast<std::int32_t>(s.bootstrap));
    o.write_attr("confidence", r.morris.front().confidence);
    o.write_attr("repeat", static_cast<std::int32_t>(s.repeat));
    const auto field = [&](auto pick) {
      return table(m, k, [&](std::size_t a, std::size_t b) { return pick(r.morris[a])[b]; });
    };
    o.write_dataset("mu", field([](const auto& x) -> const auto& { return x.mu; }), {m, k});
    o.write_dataset("mu_star", field([](const auto& x) -> const auto& { return x.mu_star; }),
                    {m, k});
    o.write_dataset("sigma", field([](const auto& x) -> const auto& { return x.sigma; }), {m, k});
    o.write_dataset("mu_star_conf",
                    field([](const auto& x) -> const auto& { return x.mu_star_conf; }), {m, k});
  }
  if (!r.tornado_base.empty()) {
    h5::Group o = f.create_group("tornado");
    o.write_dataset("base", r.tornado_base);
    o.write_dataset("base_se",
                    table(1, m, [&](std::size_t, std::size_t j) { return r.points[0].se[j]; }));
    o.write_dataset("low",
                    table(m, k, [&](std::size_t a, std::size_t b) { return r.tornado_low[a][b]; }),
                    {m, k});
    o.write_dataset("high",
                    table(m, k, [&](std::size_t a, std::size_t b) { return r.tornado_high[a][b]; }),
                    {m, k});
    const auto se_at = [&](std::size_t a, std::size_t b, bool hi) {
      const auto first = static_cast<std::size_t>(s.oat_first[b]);
      return r.points[hi ? first + static_cast<std::size_t>(s.oat_count[b]) - 1 : first].se[a];
    };
    o.write_dataset("low_se",
                    table(m, k, [&](std::size_t a, std::size_t b) { return se_at(a, b, false); }),
                    {m, k});
    o.write_dataset("high_se",
                    table(m, k, [&](std::size_t a, std::size_t b) { return se_at(a, b, true); }),
                    {m, k});
    std::vector<std::int64_t> first(s.oat_first), count(s.oat_count);
    o.write_dataset("first_point", first);
    o.write_dataset("point_count", count);
  }
  if (s.curves && n > 0) {
    h5::Group c = f.create_group("curves");
    const std::vector<double> grid = s.run_grid(s.base);
    const std::size_t gs = grid.size();
    for (const auto& q : r.points)
      if (q.completed.size() != gs || q.survival.size() != gs)
        throw std::runtime_error("sweep: the points' curves have different lengths");
    c.write_dataset("grid", grid);
    c.write_dataset(
        "completed",
        table(n, gs, [&](std::size_t i, std::size_t j) { return r.points[i].completed[j]; }),
        {n, gs});
    c.write_dataset(
        "survival",
        table(n, gs, [&](std::size_t i, std::size_t j) { return r.points[i].survival[j]; }),
        {n, gs});
  }
}

}  // namespace

void write_sweep(const std::string& path, const SweepResult& result) {
  if (result.points.size() != result.sweep.point_count())
    throw std::invalid_argument("cannot write " + path + ": the sweep is not complete");
  h5::write_result_file(path, kFormat, [&](h5::File& f) { write_contents(f, result); });
}

SweepResult read_sweep(const std::string& path) {
  return h5::read_result_file(path, kFormat, [&](const h5::File& f, h5::FormatVersion) {
    SweepResult r;
    r.sweep = Sweep::from_yaml(f.read_string("sweep"), path + ":/sweep");
    h5::read_changes(f, "base_changes",  // absent before format 1.4: nothing set
                     r.sweep.is_portfolio() ? r.sweep.portfolio.changes : r.sweep.base.changes);
    const Sweep& s = r.sweep;
    const std::size_t n = s.point_count(), m = s.metrics.size();
    h5::Dims dims;
    const auto est = f.read_dataset<double>("metrics/estimate", &dims);
    const auto se = f.read_dataset<double>("metrics/se");
    const auto reps = f.read_dataset<std::int64_t>("metrics/replications");
    if (dims != h5::Dims{n, m} || se.size() != n * m || reps.size() != n)
      throw FileFormatError(path + ": metrics tables do not match the sweep's points and metrics");
    std::vector<std::int64_t> count;
    if (s.is_portfolio()) {
      count = f.read_dataset<std::int64_t>("metrics/count", &dims);
      if (dims != h5::Dims{n, m})
        throw FileFormatError(path +
                              ": metrics/count does not match the sweep's points and metrics");
    }
    std::vector<double> completed, survival;
    std::size_t gs = 0;
    if (s.curves) {
      completed = f.read_dataset<double>("curves/completed", &dims);
      survival = f.read_dataset<double>("curves/survival");
      gs = dims.size() == 2 ? dims[1] : 0;
      if (completed.size() != n * gs || survival.size() != n * gs)
        throw FileFormatError(path + ": curves do not match the sweep's points");
    }
    for (std::size_t i = 0; i < n; ++i) {
      PointResult p;
      p.index = static_cast<std::int64_t>(i);
      p.replications = reps[i];
      p.estimate.assign(est.begin() + static_cast<std::ptrdiff_t>(i * m),
                        est.begin() + static_cast<std::ptrdiff_t>((i + 1) * m));
      p.se.assign(se.begin() + static_cast<std::ptrdiff_t>(i * m),
                  se.begin() + static_cast<std::ptrdiff_t>((i + 1) * m));
      if (!count.empty())
        p.count.assign(count.begin() + static_cast<std::ptrdiff_t>(i * m),
                       count.begin() + static_cast<std::ptrdiff_t>((i + 1) * m));
      if (gs) {
        p.completed.assign(completed.begin() + static_cast<std::ptrdiff_t>(i * gs),
                           completed.begin() + static_cast<std::ptrdiff_t>((i + 1) * gs));
        p.survival.assign(survival.begin() + static_cast<std::ptrdiff_t>(i * gs),
                          survival.begin() + static_cast<std::ptrdiff_t>((i + 1) * gs));
      }
      r.points.push_back(std::move(p));
    }
    analyse(r);
    return r;
  });
}

// --- the printed table -------------------------------------------------------------------

namespace {

std::string fmt(double v) {
  if (std::isnan(v)) return "n/a";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

}  // namespace

SobolWarnings sobol_warnings(const SweepResult& r, std::size_t m) {
  SobolWarnings w;
  const auto& x = r.sobol.at(m);
  double smallest_total = std::numeric_limits<double>::infinity();
  for (const Estimate& e : x.total)
    if (e.estimate < smallest_total) smallest_total = e.estimate;
  const double ratio = m < r.noise_ratio.size() ? r.noise_ratio[m] : kNaN;
  // Noise adds about its own share of V to every total index (less under common random
  // numbers): an index not well above it may be mostly noise.
  w.noisy = ratio > 0.01 || ratio > 0.5 * smallest_total;
  const auto impossible = [](const Estimate& e) { return e.upper < 0.0 || e.lower > 1.0; };
  for (std::size_t i = 0; i < x.first.size() && w.impossible_parameter < 0; ++i)
    if (impossible(x.first[i]) || impossible(x.total[i])) {
      w.impossible_parameter = static_cast<int>(i);
      w.impossible_total = !impossible(x.first[i]);
    }
  return w;
}

std::string format_sweep(const SweepResult& r) {
  const Sweep& s = r.sweep;
  std::ostringstream os;
  const std::string base =
      s.is_portfolio() ? "portfolio " + s.portfolio.name + ", " : std::string();
  const std::string per_point =
      s.precision > 0 ? "precision " + fmt(s.precision) + " per point"
                      : std::to_string(s.replications) +
                            (s.is_portfolio() ? " organisations" : " replications") + " per point";
  const std::string seeds = s.repeat > 1 ? "seeds " + std::to_string(s.seed) + ".." +
                                               std::to_string(s.seed + s.repeat - 1)
                                         : "seed " + std::to_string(s.seed);
  os << "progsurv sweep: " << s.name << " (" << base << to_string(s.design) << " design, "
     << s.point_count() << " points, " << per_point << ", " << seeds << ")\n";
  // --set on the base, as `run` labels a scenario it changed.
  const auto& changes = s.is_portfolio() ? s.portfolio.changes : s.base.changes;
  if (!changes.empty()) {
    os << "base set to:";
    for (const ValueChange& c : changes)
      os << " " << c.path << "=" << c.value << (c.was.empty() ? "" : " (was " + c.was + ")")
         << (&c == &changes.back() ? "" : ";");
    os << "\n";
  }
  if (r.resumed_from_file)
    os << "resumed: the sweep had finished; its " << r.resumed_points
       << " points were taken from the output file\n";
  else if (r.resumed_points > 0)
    os << "resumed: " << r.resumed_points << " points were taken from the journal\n";
  // A label is free text (any UTF-8): the column is as wide as the widest in columns, and
  // the line holds the longest whole.
  std::size_t width = 10, bytes = 0;
  for (const auto& p : s.parameters) {
    width = std::max(width, text_columns(p.name()));
    bytes = std::max(bytes, p.name().size());
  }
  const auto name_cell = [&](const std::string& name) { return pad_columns(name, width); };
  std::vector<char> buffer(width + bytes + 256);
  char* const line = buffer.data();
  const std::size_t line_size = buffer.size();
  if (!r.sobol.empty()) {
    std::string estimator = sensitivity::to_string(s.estimator);
    estimator[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(estimator[0])));
    const std::string intervals =
        s.repeat > 1
            ? std::to_string(s.repeat) +
                  " engine seeds on independently shifted designs, t interval over them, 95%"
            : std::to_string(s.bootstrap) + " bootstrap resamples, 95%" +
                  (s.shift ? std::string(", randomly shifted design") : std::string());
    for (std::size_t m = 0; m < s.metrics.size(); ++m) {
      const auto& x = r.sobol[m];
      os << "\nSobol indices of " << s.metrics[m].name << " (mean " << fmt(x.mean) << ", variance "
         << fmt(x.variance) << "; " << estimator << ", " << intervals << ")\n";
      std::snprintf(line, line_size, "  %s  %-24s %-24s\n", name_cell("parameter").c_str(),
                    "first order S1", "total ST");
      os << line;
      for (std::size_t i = 0; i < s.parameters.size(); ++i) {
        const auto& a = x.first[i];
        const auto& b = x.total[i];
        const std::string s1 = fmt(a.estimate) + " [" + fmt(a.lower) + ", " + fmt(a.upper) + "]";
        const std::string st = fmt(b.estimate) + " [" + fmt(b.lower) + ", " + fmt(b.upper) + "]";
        std::snprintf(line, line_size, "  %s  %-24s %-24s\n",
                      name_cell(s.parameters[i].name()).c_str(), s1.c_str(), st.c_str());
        os << line;
      }
      if (s.second_order) {
        os << "  second order S2 (pairs of parameters):\n";
        for (std::size_t i = 0; i < s.parameters.size(); ++i)
          for (std::size_t j = i + 1; j < s.parameters.size(); ++j) {
            const auto& e = x.second[sensitivity::pair_index(
                static_cast<int>(i), static_cast<int>(j), static_cast<int>(s.parameters.size()))];
            const std::string pair = s.parameters[i].name() + " x " + s.parameters[j].name();
            os << "    " << pair << "  " << fmt(e.estimate) << " [" << fmt(e.lower) << ", "
               << fmt(e.upper) << "]\n";
          }
      }
      const double ratio = m < r.noise_ratio.size() ? r.noise_ratio[m] : kNaN;
      char pct[64];
      std::snprintf(pct, sizeof pct, "%.2g%%", 100 * ratio);
      os << "  noise/variance " << (std::isnan(ratio) ? std::string("n/a") : std::string(pct))
         << ": the points' squared standard errors against the variance of the metric\n";
      const SobolWarnings w = sobol_warnings(r, m);
      if (w.noisy)
        os << "  warning: simulation noise is " << pct
           << " of the variance; indices not well above that may be mostly noise ("
           << (s.repeat > 1 ? "the intervals include it over the " + std::to_string(s.repeat) +
                                  " seeds; more replications shrink it"
                            : std::string("more replications, or --repeat R to include it in the "
                                          "intervals"))
           << ")\n";
      if (w.impossible_parameter >= 0) {
        const auto p = static_cast<std::size_t>(w.impossible_parameter);
        const Estimate& e = w.impossible_total ? x.total[p] : x.first[p];
        os << "  warning: " << (w.impossible_total ? "ST" : "S1") << " of "
           << s.parameters[p].name() << " is " << fmt(e.estimate) << " [" << fmt(e.lower) << ", "
           << fmt(e.upper) << "], wholly outside [0, 1] where no index can be: " << s.samples
           << " base samples are too few for these indices and their intervals; raise "
              "base_samples (e.g. to "
           << 4 * s.samples << ")\n";
      }
    }
    return os.str();
  }
  if (!r.morris.empty()) {
    for (std::size_t m = 0; m < s.metrics.size(); ++m) {
      const auto& x = r.morris[m];
      os << "\nMorris elementary effects of " << s.metrics[m].name << " (" << s.samples
         << " trajectories, " << s.morris_levels << " levels"
         << (s.repeat > 1 ? ", " + std::to_string(s.repeat) + " engine seeds" : std::string())
         << "; effects per unit of each parameter's range, largest mu* first)\n";
      std::snprintf(line, line_size, "  %s  %-24s %-12s %-12s\n", name_cell("parameter").c_str(),
                    "mu* [95% +-]", "mu", "sigma");
      os << line;
      std::vector<std::size_t> order(s.parameters.size());
      for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
      std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        if (std::isnan(x.mu_star[a])) return false;
        if (std::isnan(x.mu_star[b])) return true;
        return x.mu_star[a] > x.mu_star[b];
      });
      for (std::size_t i : order) {
        const std::string ms = fmt(x.mu_star[i]) + " +- " + fmt(x.mu_star_conf[i]);
        std::snprintf(line, line_size, "  %s  %-24s %-12s %-12s\n",
                      name_cell(s.parameters[i].name()).c_str(), ms.c_str(), fmt(x.mu[i]).c_str(),
                      fmt(x.sigma[i]).c_str());
        os << line;
      }
    }
    return os.str();
  }
  if (!r.tornado_base.empty()) {
    for (std::size_t m = 0; m < s.metrics.size(); ++m) {
      os << "\ntornado of " << s.metrics[m].name << " (base " << fmt(r.tornado_base[m]) << ")\n";
      std::snprintf(line, line_size, "  %s  %-22s %-22s %s\n", name_cell("parameter").c_str(),
                    "at low", "at high", "swing");
      os << line;
      for (const auto& bar : sensitivity::tornado(r.tornado_low[m], r.tornado_high[m])) {
        const auto i = static_cast<std::size_t>(bar.factor);
        const auto first = static_cast<std::size_t>(s.oat_first[i]);
        const auto last = first + static_cast<std::size_t>(s.oat_count[i]) - 1;
        const std::string lo = fmt(bar.low) + " (" + s.point_values[first][i] + ")";
        const std::string hi = fmt(bar.high) + " (" + s.point_values[last][i] + ")";
        std::snprintf(line, line_size, "  %s  %-22s %-22s %s\n",
                      name_cell(s.parameters[i].name()).c_str(), lo.c_str(), hi.c_str(),
                      fmt(bar.swing).c_str());
        os << line;
      }
    }
    return os.str();
  }
  // grid and lhs: the points themselves, the first few of them.
  // A table: each column as wide as its header or its widest entry, entries left-aligned.
  const std::size_t shown = std::min<std::size_t>(r.points.size(), 20);
  std::vector<std::vector<std::string>> rows(shown + 1);
  rows[0].push_back("point");
  for (const auto& p : s.parameters) rows[0].push_back(p.name());
  for (const auto& q : s.metrics) rows[0].push_back(q.name + " (SE)");
  for (std::size_t i = 0; i < shown; ++i) {
    std::vector<std::string>& row = rows[i + 1];
    row.push_back(std::to_string(i));
    for (std::size_t j = 0; j < s.parameters.size(); ++j)
      row.push_back(s.point_values[i][j].empty() ? s.parameters[j].base_text
                                                 : s.point_values[i][j]);
    for (std::size_t j = 0; j < s.metrics.size(); ++j)
      row.push_back(fmt(r.points[i].estimate[j]) + " (" + fmt(r.points[i].se[j]) + ")");
  }
  std::vector<std::size_t> widths(rows[0].size(), 0);
  for (const auto& row : rows)
    for (std::size_t c = 0; c < row.size(); ++c)
      widths[c] = std::max(widths[c], text_columns(row[c]));
  os << "\n";
  for (const auto& row : rows) {
    std::string text;
    for (std::size_t c = 0; c < row.size(); ++c) text += "  " + pad_columns(row[c], widths[c]);
    while (!text.empty() && text.back() == ' ') text.pop_back();
    os << text << "\n";
  }
  if (shown < r.points.size())
    os << "  ... " << r.points.size() - shown << " more points in the file\n";
  return os.str();
}

}  // namespace progsurv
