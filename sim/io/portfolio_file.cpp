// The versioned HDF5 layout of a portfolio run (docs/hdf5-portfolio-format.md): raw tallies
// under /tally, and statistics derived from them under /ranks, /templates, /organisation,
// /grid and /exits for readers that do not want to derive them.
#include "progsurv/io/portfolio_file.hpp"

#include <algorithm>
#include <cmath>

#include "io/h5.hpp"
#include "io/result_h5.hpp"
#include "progsurv/engine/summary.hpp"
#include "progsurv/io/version.hpp"
#include "progsurv/model/rng.hpp"
#include "progsurv/portfolio/portfolio_summary.hpp"

namespace progsurv {
namespace {

// Portfolio files kept the run file's name "build_info" for the build string.
constexpr h5::ResultFormat kFormat{kPortfolioFiletype,           "portfolio",
                                   kPortfolioFormatVersionMajor, kPortfolioFormatVersionMinor,
                                   kPortfolioFormatVersionMajor, "build_info"};

constexpr const char* kRngDescription =
    "Philox4x32-10 (Random123); key = seed; counter = (draw, organisation, mechanism, entity, "
    "place); entity = programme j, 2048 + 128 l + k for post k of level l, or 4095 for the "
    "organisation";
constexpr std::size_t kCategories = kEndCategoryCount;

std::vector<std::string> category_names() {
  std::vector<std::string> out;
  for (int k = 0; k < kEndCategoryCount; ++k)
    out.emplace_back(to_string(static_cast<EndCategory>(k)));
  return out;
}

std::vector<double> sums(const std::vector<Moments>& m, bool squares) {
  std::vector<double> out;
  out.reserve(m.size());
  for (const auto& x : m) out.push_back(squares ? x.sumsq : x.sum);
  return out;
}
std::vector<Moments> moments(const std::vector<double>& sum, const std::vector<double>& sumsq) {
  std::vector<Moments> out(sum.size());
  for (std::size_t i = 0; i < sum.size(); ++i) out[i] = {sum[i], sumsq[i]};
  return out;
}

void write_interval_attrs(h5::Group& g) {
  g.write_attr("interval_method", kIntervalMethod);
  g.write_attr("mean_interval_method", kMeanIntervalMethod);
  g.write_attr("confidence", kConfidence);
}

void write_estimates(h5::Group& g, const std::string& name, const std::vector<Estimate>& es,
                     h5::Dims dims = {}) {
  std::vector<double> e, lo, hi;
  for (const auto& x : es) {
    e.push_back(x.estimate);
    lo.push_back(x.lower);
    hi.push_back(x.upper);
  }
  g.write_dataset(name, e, dims);
  g.write_dataset(name + "_lower", lo, dims);
  g.write_dataset(name + "_upper", hi, dims);
}

void write_tally(h5::File& f, const PortfolioTally& t) {
  h5::Group g = f.create_group("tally");
  g.write_attr("category_names", category_names());
  g.write_attr("organisations", t.n);
  g.write_attr("horizon", t.horizon);
  g.write_attr("value_bin_width", t.value_bin_width);
  g.write_attr("level_bins", static_cast<std::int64_t>(PortfolioTally::kLevelBins));
  const hsize_t k = t.ranks(), c = kCategories, gs = t.grid_size();
  g.write_dataset("grid", t.grid);
  g.write_dataset("rank_launched", t.rank_launched);
  g.write_dataset("rank_category", t.rank_category, {k, c});
  g.write_dataset("rank_value_sum", sums(t.rank_value, false));
  g.write_dataset("rank_value_sumsq", sums(t.rank_value, true));
  g.write_attr("within", t.within);
  g.write_dataset("rank_within_launched", t.rank_within_launched);
  g.write_dataset("rank_within_category", t.rank_within_category, {k, c});
  g.write_dataset("template_launched", t.template_launched);
  g.write_dataset("template_category", t.template_category, {t.template_launched.size(), c});
  if (t.clustered) {  // format 1.3; a tally read from an older file has none to write
    g.write_dataset("template_launched_sq", t.template_launched_sq);
    g.write_dataset("template_category_sq", t.template_category_sq,
                    {t.template_launched.size(), c});
    g.write_dataset("template_category_cross", t.template_category_cross,
                    {t.template_launched.size(), c});
    g.write_dataset("per_org_category_cross",
                    std::vector<std::int64_t>(t.per_org_category_cross.begin(),
                                              t.per_org_category_cross.end()));
    g.write_dataset("per_org_ended_cross", std::vector<std::int64_t>{t.per_org_ended_cross});
    g.write_dataset("template_value_sum", t.template_value);
    g.write_dataset("template_value_sq", t.template_value_sq);
    g.write_dataset("template_value_cross", t.template_value_cross);
  }
  const std::vector<Moments> per(t.per_org_category.begin(), t.per_org_category.end());
  g.write_dataset("per_org_category_sum", sums(per, false));
  g.write_dataset("per_org_category_sumsq", sums(per, true));
  g.write_dataset("per_org_launched",
                  std::vector<double>{t.per_org_launched.sum, t.per_org_launched.sumsq});
  g.write_dataset("per_org_ended", std::vector<double>{t.per_org_ended.sum, t.per_org_ended.sumsq});
  g.write_dataset("per_org_value", std::vector<double>{t.per_org_value.sum, t.per_org_value.sumsq});
  g.write_dataset("launched_hist", t.count_hist[PortfolioTally::kLaunched]);
  g.write_dataset("completed_hist", t.count_hist[PortfolioTally::kCompleted]);
  g.write_dataset("ended_hist", t.count_hist[PortfolioTally::kEnded]);
  g.write_dataset("not_started_hist", t.count_hist[PortfolioTally::kNotStarted]);
  g.write_dataset("running_hist", t.count_hist[PortfolioTally::kRunning]);
  g.write_dataset("value_hist", t.value_hist);
  g.write_dataset("live_sum", t.live_sum);
  g.write_dataset("end_bins", t.end_bins, {c, gs + 1});
  g.write_dataset("cynicism_sum", sums(t.cynicism, false));
  g.write_dataset("cynicism_sumsq", sums(t.cynicism, true));
  g.write_dataset("trust_sum", sums(t.trust, false));
  g.write_dataset("trust_sumsq", sums(t.trust, true));
  const hsize_t bins = PortfolioTally::kLevelBins;
  g.write_dataset("cynicism_hist", t.cynicism_hist, {gs, bins}, h5::Storage::Compressed);
  g.write_dataset("trust_hist", t.trust_hist, {gs, bins}, h5::Storage::Compressed);
  g.write_dataset("exits", t.exits);
  g.write_dataset("sponsoring_exits", t.sponsoring_exits);
  g.write_dataset("orphaned", t.orphaned);
  g.write_dataset("lost", t.lost);
  g.write_dataset("orphaned_hist", t.orphaned_hist);
  g.write_scalar("events", t.events);
  g.write_dataset("checkpoint_n", t.checkpoint_n);
  g.write_dataset("checkpoint_completed", t.checkpoint_completed);
}

void write_derived(h5::File& f, const PortfolioTally& t) {
  const PortfolioSummary s = summarize(t);
  const hsize_t k = s.rank_launched.size(), c = kCategories, gs = s.grid.size();
  {
    h5::Group g = f.create_group("ranks");
    write_interval_attrs(g);
    g.write_attr("category_names", category_names());
    std::vector<Estimate> shares;
    std::vector<Estimate> completed;
    for (const auto& row : s.rank_share) {
      shares.insert(shares.end(), row.begin(), row.end());
      completed.push_back(row[static_cast<std::size_t>(EndCategory::Completed)]);
    }
    g.write_dataset("rank", [&] {
      std::vector<std::int64_t> r;
      for (hsize_t i = 0; i < k; ++i) r.push_back(static_cast<std::int64_t>(i) + 1);
      return r;
    }());
    write_estimates(g, "completed", completed);
    write_estimates(g, "share", shares, {k, c});
    write_estimates(g, "value", s.rank_value);
    write_estimates(g, "reached", s.rank_reached);
    g.write_attr("within", s.within);
    std::vector<Estimate> within_shares, within_completed;
    for (const auto& row : s.rank_within_share) {
      within_shares.insert(within_shares.end(), row.begin(), row.end());
      within_completed.push_back(row[static_cast<std::size_t>(EndCategory::Completed)]);
    }
    write_estimates(g, "completed_within", within_completed);
    write_estimates(g, "share_within", within_shares, {k, c});
    write_estimates(g, "reached_within", s.rank_within_reached);
  }
  {
    // Format 1.2: by programme template, rows in the order of /portfolio/template_names.
    h5::Group g = f.create_group("templates");
    write_interval_attrs(g);
    g.write_attr("interval_method", s.template_interval_method);  // 1.3: of a clustered share
    g.write_attr("category_names", category_names());
    const hsize_t tc = s.template_launched.size();
    g.write_dataset("launched", s.template_launched);
    g.write_dataset("launched_per_organisation", s.template_launched_per_org);
    std::vector<Estimate> shares;
    for (const auto& row : s.template_share) shares.insert(shares.end(), row.begin(), row.end());
    write_estimates(g, "share", shares, {tc, c});
    // 1.3; a tally read from an older file has no value by template.
    if (t.clustered) write_estimates(g, "value", s.template_value);
  }
  {
    h5::Group g = f.create_group("organisation");
    write_interval_attrs(g);
    g.write_attr("category_names", category_names());
    write_estimates(g, "per_category",
                    std::vector<Estimate>(s.per_category.begin(), s.per_category.end()));
    write_estimates(g, "launched", {s.launched});
    write_estimates(g, "ended", {s.ended});
    write_estimates(g, "value", {s.value});
    g.write_dataset("quantile_levels",
                    std::vector<double>(kPortfolioQuantiles.begin(), kPortfolioQuantiles.end()));
    g.write_dataset("completed_quantiles", std::vector<double>(s.completed_quantiles.begin(),
                                                               s.completed_quantiles.end()));
    g.write_dataset("value_quantiles",
                    std::vector<double>(s.value_quantiles.begin(), s.value_quantiles.end()));
  }
  {
    h5::Group g = f.create_group("grid");
    g.write_attr("category_names", category_names());
    g.write_dataset("time", s.grid);
    g.write_dataset("live_mean", s.live_mean);
    std::vector<double> cumulative;
    for (const auto& row : s.cumulative)
      cumulative.insert(cumulative.end(), row.begin(), row.end());
    g.write_dataset("cumulative", cumulative, {c, gs});
    g.write_dataset("cynicism_mean", s.cynicism_mean);
    g.write_dataset("trust_mean", s.trust_mean);
    const char* names[3] = {"p10", "p50", "p90"};
    for (std::size_t q = 0; q < 3; ++q) {
      g.write_dataset(std::string("cynicism_") + names[q], s.cynicism_quantiles[q]);
      g.write_dataset(std::string("trust_") + names[q], s.trust_quantiles[q]);
    }
  }
  {
    h5::Group g = f.create_group("exits");
    g.write_dataset("orphaned_per_exit", s.orphaned_per_exit_by_level);
    g.write_dataset("lost_per_exit", s.lost_per_exit_by_level);
    g.write_attr("orphaned_per_exit_all", s.orphaned_per_exit);
    g.write_attr("lost_per_exit_all", s.lost_per_exit);
    g.write_attr("exits_per_organisation", s.exits_per_org.estimate);
    g.write_attr("sponsoring_exits_per_organisation", s.sponsoring_exits_per_org.estimate);
  }
}

void write_file(h5::File& f, const PortfolioResult& r) {
  const Portfolio& p = r.portfolio;
  {
    h5::Group g = f.create_group("portfolio");
    g.write_attr("name", p.name);
    g.write_attr("label", p.label());  // format 1.1
    h5::write_changes(g, "changes", p.changes);
    g.write_attr("description", p.description);
    g.write_attr("source", p.source);
    g.write_attr("horizon", p.horizon);
    g.write_attr("max_live", static_cast<std::int64_t>(p.max_live));
    g.write_string("source_yaml", p.yaml_text);
    g.write_strings("level_names", p.level_names);
    g.write_dataset("roster", std::vector<std::int64_t>(p.roster.begin(), p.roster.end()));
    g.write_strings("template_names", p.template_names);
    g.write_strings("template_sources", p.template_sources);
    std::vector<std::string> yaml;
    for (const auto& t : p.templates) yaml.push_back(t.to_yaml());
    g.write_strings("template_yaml", yaml);
  }
  {
    h5::Group g = f.create_group("run");
    g.write_attr("seed", r.seed);
    g.write_attr("organisations", r.tally.n);
    g.write_attr("precision", r.precision);
    g.write_attr("chunk_size", kOrganisationChunk);
    g.write_attr("rng", kRngDescription);
    g.write_attr("shared_cynicism", static_cast<std::int32_t>(r.sharing.cynicism));
    g.write_attr("shared_trust", static_cast<std::int32_t>(r.sharing.trust));
    g.write_attr("shared_posts", static_cast<std::int32_t>(r.sharing.posts));
    g.write_attr("shared_budget", static_cast<std::int32_t>(r.sharing.budget));
  }
  write_tally(f, r.tally);
  write_derived(f, r.tally);
}

[[noreturn]] void bad(const std::string& path, const std::string& message) {
  throw FileFormatError(path + ": " + message);
}

template <class T>
std::vector<T> read_exact(const h5::Group& g, const std::string& name, std::size_t size,
                          const std::string& path) {
  if (!g.has(name)) bad(path, "missing dataset /tally/" + name);
  std::vector<T> v = g.read_dataset<T>(name);
  if (v.size() != size)
    bad(path, "/tally/" + name + " has " + std::to_string(v.size()) + " values, expected " +
                  std::to_string(size));
  return v;
}
template <class T>
std::vector<T> read_any(const h5::Group& g, const std::string& name, const std::string& path) {
  if (!g.has(name)) bad(path, "missing dataset /tally/" + name);
  return g.read_dataset<T>(name);
}

}  // namespace

void write_portfolio_result(const std::string& path, const PortfolioResult& result) {
  h5::write_result_file(path, kFormat, [&](h5::File& f) { write_file(f, result); });
}

PortfolioResult read_portfolio_result(const std::string& path) {
  return h5::read_result_file(path, kFormat, [&](const h5::File& f, h5::FormatVersion v) {
    PortfolioResult r;
    const h5::Group pg = f.open_group("portfolio");
    Portfolio& p = r.portfolio;
    p.name = pg.read_attr_string("name");
    h5::read_changes(pg, "changes", p.changes);  // absent before format 1.1: nothing set
    p.description = pg.read_attr_string("description");
    p.source = pg.read_attr_string("source");
    p.horizon = pg.read_attr<double>("horizon");
    p.max_live = static_cast<int>(pg.read_attr<std::int64_t>("max_live"));
    p.yaml_text = pg.read_string("source_yaml");
    p.level_names = pg.read_strings("level_names");
    for (std::int64_t x : pg.read_dataset<std::int64_t>("roster"))
      p.roster.push_back(static_cast<int>(x));
    p.template_names = pg.read_strings("template_names");
    p.template_sources = pg.read_strings("template_sources");
    if (p.roster.size() != p.level_names.size())
      bad(path, "/portfolio/roster and /portfolio/level_names differ in length");

    const h5::Group rg = f.open_group("run");
    r.seed = rg.read_attr<std::uint64_t>("seed");
    r.precision = rg.read_attr<double>("precision");
    r.sharing.cynicism = rg.read_attr<std::int32_t>("shared_cynicism") != 0;
    r.sharing.trust = rg.read_attr<std::int32_t>("shared_trust") != 0;
    r.sharing.posts = rg.read_attr<std::int32_t>("shared_posts") != 0;
    r.sharing.budget = rg.read_attr<std::int32_t>("shared_budget") != 0;

    const h5::Group g = f.open_group("tally");
    PortfolioTally& t = r.tally;
    t.n = g.read_attr<std::int64_t>("organisations");
    if (t.n < 1) bad(path, "/tally holds no organisations");
    t.horizon = g.read_attr<double>("horizon");
    t.value_bin_width = g.read_attr<double>("value_bin_width");
    if (!(t.value_bin_width > 0.0)) bad(path, "/tally value_bin_width is not positive");
    if (g.read_attr<std::int64_t>("level_bins") != PortfolioTally::kLevelBins)
      bad(path, "/tally level_bins differs from this reader's");
    t.grid = read_any<double>(g, "grid", path);
    p.grid = t.grid;
    const std::size_t gs = t.grid.size(), c = kCategories;
    t.level_count = static_cast<int>(p.level_names.size());
    t.template_names = p.template_names;
    t.rank_launched = read_any<std::int64_t>(g, "rank_launched", path);
    const std::size_t k = t.rank_launched.size();
    t.rank_category = read_exact<std::int64_t>(g, "rank_category", k * c, path);
    t.rank_value = moments(read_exact<double>(g, "rank_value_sum", k, path),
                           read_exact<double>(g, "rank_value_sumsq", k, path));
    t.within = g.read_attr<double>("within");
    if (!(t.within > 0.0 && t.within <= t.horizon)) bad(path, "/tally within is not in (0, H]");
    p.compare_within = t.within;
    t.rank_within_launched = read_exact<std::int64_t>(g, "rank_within_launched", k, path);
    t.rank_within_category = read_exact<std::int64_t>(g, "rank_within_category", k * c, path);
    const std::size_t tc = p.template_names.size();
    t.template_launched = read_exact<std::int64_t>(g, "template_launched", tc, path);
    t.template_category = read_exact<std::int64_t>(g, "template_category", tc * c, path);
    // From 1.3, unless the file was written from an older file's tally (which has none).
    t.clustered = !v.before(1, 3) && g.has("template_launched_sq");
    if (t.clustered) {
      t.template_launched_sq = read_exact<std::int64_t>(g, "template_launched_sq", tc, path);
      t.template_category_sq = read_exact<std::int64_t>(g, "template_category_sq", tc * c, path);
      t.template_category_cross =
          read_exact<std::int64_t>(g, "template_category_cross", tc * c, path);
      const auto cross = read_exact<std::int64_t>(g, "per_org_category_cross", c, path);
      std::copy(cross.begin(), cross.end(), t.per_org_category_cross.begin());
      t.per_org_ended_cross = read_exact<std::int64_t>(g, "per_org_ended_cross", 1, path)[0];
      t.template_value = read_exact<double>(g, "template_value_sum", tc, path);
      t.template_value_sq = read_exact<double>(g, "template_value_sq", tc, path);
      t.template_value_cross = read_exact<double>(g, "template_value_cross", tc, path);
    }
    const auto ps = read_exact<double>(g, "per_org_category_sum", c, path);
    const auto pq = read_exact<double>(g, "per_org_category_sumsq", c, path);
    for (std::size_t i = 0; i < c; ++i) t.per_org_category[i] = {ps[i], pq[i]};
    const auto pair = [&](const char* name) {
      const auto x = read_exact<double>(g, name, 2, path);
      return Moments{x[0], x[1]};
    };
    t.per_org_launched = pair("per_org_launched");
    t.per_org_ended = pair("per_org_ended");
    t.per_org_value = pair("per_org_value");
    t.count_hist[PortfolioTally::kLaunched] = read_any<std::int64_t>(g, "launched_hist", path);
    t.count_hist[PortfolioTally::kCompleted] = read_any<std::int64_t>(g, "completed_hist", path);
    t.count_hist[PortfolioTally::kEnded] = read_any<std::int64_t>(g, "ended_hist", path);
    t.count_hist[PortfolioTally::kNotStarted] = read_any<std::int64_t>(g, "not_started_hist", path);
    t.count_hist[PortfolioTally::kRunning] = read_any<std::int64_t>(g, "running_hist", path);
    t.value_hist = read_any<std::int64_t>(g, "value_hist", path);
    t.live_sum = read_exact<std::int64_t>(g, "live_sum", gs, path);
    t.end_bins = read_exact<std::int64_t>(g, "end_bins", c * (gs + 1), path);
    t.cynicism = moments(read_exact<double>(g, "cynicism_sum", gs, path),
                         read_exact<double>(g, "cynicism_sumsq", gs, path));
    t.trust = moments(read_exact<double>(g, "trust_sum", gs, path),
                      read_exact<double>(g, "trust_sumsq", gs, path));
    const std::size_t bins = PortfolioTally::kLevelBins;
    t.cynicism_hist = read_exact<std::int64_t>(g, "cynicism_hist", gs * bins, path);
    t.trust_hist = read_exact<std::int64_t>(g, "trust_hist", gs * bins, path);
    const std::size_t levels = p.level_names.size();
    t.exits = read_exact<std::int64_t>(g, "exits", levels, path);
    t.sponsoring_exits = read_exact<std::int64_t>(g, "sponsoring_exits", levels, path);
    t.orphaned = read_exact<std::int64_t>(g, "orphaned", levels, path);
    t.lost = read_exact<std::int64_t>(g, "lost", levels, path);
    t.orphaned_hist = read_any<std::int64_t>(g, "orphaned_hist", path);
    t.events = g.read_scalar<std::int64_t>("events");
    t.checkpoint_n = read_any<std::int64_t>(g, "checkpoint_n", path);
    t.checkpoint_completed =
        read_exact<std::int64_t>(g, "checkpoint_completed", t.checkpoint_n.size(), path);
    // Counts that cannot belong together are a damaged or forged file, not a result.
    for (std::size_t i = 0; i < k; ++i) {
      std::int64_t sum = 0;
      for (std::size_t j = 0; j < c; ++j) sum += t.rank_category[i * c + j];
      if (sum != t.rank_launched[i] || t.rank_launched[i] > t.n || t.rank_launched[i] < 0)
        bad(path, "/tally/rank_category does not add up to rank_launched at rank " +
                      std::to_string(i + 1));
      std::int64_t within = 0;
      for (std::size_t j = 0; j < c; ++j) within += t.rank_within_category[i * c + j];
      if (within != t.rank_within_launched[i] || within > t.rank_launched[i] || within < 0)
        bad(path, "/tally/rank_within_category does not add up to rank_within_launched at rank " +
                      std::to_string(i + 1));
    }
    for (std::size_t h = 0; h < t.count_hist.size(); ++h) {
      std::int64_t sum = 0;
      for (std::int64_t x : t.count_hist[h]) sum += x;
      if (sum != t.n)
        bad(path,
            "a per-organisation count histogram does not add up to the "
            "organisations");
    }
    return r;
  });
}

}  // namespace progsurv
