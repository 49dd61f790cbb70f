#include "progsurv/portfolio/portfolio_tally.hpp"

#include <algorithm>
#include <cmath>

namespace progsurv {
namespace {

constexpr std::size_t kCategories = kEndCategoryCount;

// Adds `from` into `to` element by element, growing `to` when `from` is longer (ranks and
// count histograms grow with the largest organisation seen).
template <class T>
void add_into(std::vector<T>& to, const std::vector<T>& from) {
  if (from.size() > to.size()) to.resize(from.size());
  for (std::size_t i = 0; i < from.size(); ++i) to[i] += from[i];
}
void add_into(std::vector<Moments>& to, const std::vector<Moments>& from) {
  if (from.size() > to.size()) to.resize(from.size());
  for (std::size_t i = 0; i < from.size(); ++i) to[i].merge(from[i]);
}
void bump(std::vector<std::int64_t>& hist, std::size_t m) {
  if (m >= hist.size()) hist.resize(m + 1);
  ++hist[m];
}
std::size_t level_bin(double x) {
  const double c = std::clamp(x, 0.0, 1.0);
  return static_cast<std::size_t>(std::floor(c * (PortfolioTally::kLevelBins - 1)));
}

}  // namespace

PortfolioTally::PortfolioTally(const Portfolio& p)
    : horizon(p.horizon),
      grid(p.grid),
      level_count(static_cast<int>(p.levels().size())),
      template_names(p.template_names) {
  within = p.compare_within;
  const std::size_t g = grid.size();
  template_launched.assign(p.templates.size(), 0);
  template_category.assign(p.templates.size() * kCategories, 0);
  template_launched_sq.assign(p.templates.size(), 0);
  template_category_sq.assign(p.templates.size() * kCategories, 0);
  template_category_cross.assign(p.templates.size() * kCategories, 0);
  template_value.assign(p.templates.size(), 0.0);
  template_value_sq.assign(p.templates.size(), 0.0);
  template_value_cross.assign(p.templates.size(), 0.0);
  double most = 0.0;
  for (const auto& t : p.templates) {
    double total = 0.0;
    for (const auto& phase : t.phases) total += phase.value;
    most = std::max(most, total);
  }
  // Sixteen bins per programme's full value: quantiles of total value to 1/16 of that.
  value_bin_width = most > 0.0 ? most / 16.0 : 1.0;
  live_sum.assign(g, 0);
  end_bins.assign(kCategories * (g + 1), 0);
  cynicism.assign(g, Moments{});
  trust.assign(g, Moments{});
  cynicism_hist.assign(g * kLevelBins, 0);
  trust_hist.assign(g * kLevelBins, 0);
  const auto levels = static_cast<std::size_t>(level_count);
  exits.assign(levels, 0);
  sponsoring_exits.assign(levels, 0);
  orphaned.assign(levels, 0);
  lost.assign(levels, 0);
}

void PortfolioTally::add(const OrganisationRecord& r) {
  ++n;
  events += r.events;
  const std::size_t k_count = r.programmes.size();
  if (k_count > rank_launched.size()) {
    rank_launched.resize(k_count, 0);
    rank_category.resize(k_count * kCategories, 0);
    rank_value.resize(k_count);
    rank_within_launched.resize(k_count, 0);
    rank_within_category.resize(k_count * kCategories, 0);
  }
  std::array<std::int64_t, kCategories> per_category{};
  double value = 0.0;
  org_by_template_.assign(template_launched.size() * (kCategories + 1), 0);
  org_value_by_template_.assign(template_launched.size(), 0.0);
  const std::size_t g = grid.size();
  for (std::size_t k = 0; k < k_count; ++k) {
    const LaunchedProgramme& p = r.programmes[k];
    const auto c = static_cast<std::size_t>(end_category(p.outcome, p.cause));
    ++rank_launched[k];
    ++rank_category[k * kCategories + c];
    rank_value[k].add(p.value);
    if (p.launched_at <= horizon - within) {
      const auto running = static_cast<std::size_t>(EndCategory::Running);
      ++rank_within_launched[k];
      ++rank_within_category[k * kCategories +
                             (p.end_time - p.launched_at <= within ? c : running)];
    }
    const auto j = static_cast<std::size_t>(p.programme);
    ++template_launched[j];
    ++template_category[j * kCategories + c];
    ++org_by_template_[j * (kCategories + 1)];
    ++org_by_template_[j * (kCategories + 1) + 1 + c];
    org_value_by_template_[j] += p.value;
    ++per_category[c];
    value += p.value;
    if (c != static_cast<std::size_t>(EndCategory::Running)) {
      // Bin b: grid[b-1] < end <= grid[b]; past the last grid point, bin g.
      ++end_bins[c * (g + 1) + grid_bin(grid, p.end_time)];
    }
  }
  for (std::size_t c = 0; c < kCategories; ++c)
    per_org_category[c].add(static_cast<double>(per_category[c]));
  const std::int64_t ended =
      per_category[1] + per_category[2] + per_category[3] + per_category[4] + per_category[5];
  per_org_launched.add(static_cast<double>(k_count));
  per_org_ended.add(static_cast<double>(ended));
  const auto launched = static_cast<std::int64_t>(k_count);
  for (std::size_t c = 0; c < kCategories; ++c)
    per_org_category_cross[c] += per_category[c] * launched;
  per_org_ended_cross += ended * launched;
  for (std::size_t j = 0; j < template_launched.size(); ++j) {
    const std::int64_t* row = &org_by_template_[j * (kCategories + 1)];
    if (row[0] == 0) continue;
    template_launched_sq[j] += row[0] * row[0];
    const double v = org_value_by_template_[j];
    template_value[j] += v;
    template_value_sq[j] += v * v;
    template_value_cross[j] += v * static_cast<double>(row[0]);
    for (std::size_t c = 0; c < kCategories; ++c) {
      template_category_sq[j * kCategories + c] += row[1 + c] * row[1 + c];
      template_category_cross[j * kCategories + c] += row[1 + c] * row[0];
    }
  }
  per_org_value.add(value);
  bump(count_hist[kLaunched], k_count);
  bump(count_hist[kCompleted], static_cast<std::size_t>(per_category[0]));
  bump(count_hist[kEnded], static_cast<std::size_t>(ended));
  bump(count_hist[kNotStarted], static_cast<std::size_t>(per_category[6]));
  bump(count_hist[kRunning], static_cast<std::size_t>(per_category[7]));
  bump(value_hist, static_cast<std::size_t>(std::floor(value / value_bin_width)));

  for (std::size_t i = 0; i < g && i < r.live.size(); ++i) {
    live_sum[i] += r.live[i];
    cynicism[i].add(r.cynicism[i]);
    trust[i].add(r.trust[i]);
    ++cynicism_hist[i * kLevelBins + level_bin(r.cynicism[i])];
    ++trust_hist[i * kLevelBins + level_bin(r.trust[i])];
  }
  for (const SponsorExit& e : r.exits) {
    const auto l = static_cast<std::size_t>(e.level);
    ++sponsoring_exits[l];
    orphaned[l] += e.orphaned;
    lost[l] += e.lost;
    bump(orphaned_hist, static_cast<std::size_t>(e.orphaned));
  }
  for (std::size_t l = 0; l < r.exits_by_level.size(); ++l) exits[l] += r.exits_by_level[l];
}

void PortfolioTally::merge(const PortfolioTally& o) {
  n += o.n;
  events += o.events;
  add_into(rank_launched, o.rank_launched);
  add_into(rank_category, o.rank_category);
  add_into(rank_value, o.rank_value);
  add_into(rank_within_launched, o.rank_within_launched);
  add_into(rank_within_category, o.rank_within_category);
  add_into(template_launched, o.template_launched);
  add_into(template_category, o.template_category);
  clustered = clustered && o.clustered;
  add_into(template_launched_sq, o.template_launched_sq);
  add_into(template_category_sq, o.template_category_sq);
  add_into(template_category_cross, o.template_category_cross);
  add_into(template_value, o.template_value);
  add_into(template_value_sq, o.template_value_sq);
  add_into(template_value_cross, o.template_value_cross);
  for (std::size_t c = 0; c < kCategories; ++c)
    per_org_category_cross[c] += o.per_org_category_cross[c];
  per_org_ended_cross += o.per_org_ended_cross;
  for (std::size_t c = 0; c < kCategories; ++c) per_org_category[c].merge(o.per_org_category[c]);
  per_org_launched.merge(o.per_org_launched);
  per_org_value.merge(o.per_org_value);
  per_org_ended.merge(o.per_org_ended);
  for (std::size_t h = 0; h < count_hist.size(); ++h) add_into(count_hist[h], o.count_hist[h]);
  add_into(value_hist, o.value_hist);
  add_into(live_sum, o.live_sum);
  add_into(end_bins, o.end_bins);
  add_into(cynicism, o.cynicism);
  add_into(trust, o.trust);
  add_into(cynicism_hist, o.cynicism_hist);
  add_into(trust_hist, o.trust_hist);
  add_into(exits, o.exits);
  add_into(sponsoring_exits, o.sponsoring_exits);
  add_into(orphaned, o.orphaned);
  add_into(lost, o.lost);
  add_into(orphaned_hist, o.orphaned_hist);
}

void PortfolioTally::record_checkpoint() {
  checkpoint_n.push_back(n);
  checkpoint_completed.push_back(static_cast<std::int64_t>(std::llround(per_org_category[0].sum)));
}

ClusteredCounts PortfolioTally::template_share_counts(std::size_t t, EndCategory c) const {
  const std::size_t i = t * kCategories + static_cast<std::size_t>(c);
  ClusteredCounts out;
  out.clusters = n;
  out.x = static_cast<double>(template_category[i]);
  out.y = static_cast<double>(template_launched[t]);
  if (clustered) {
    out.xx = static_cast<double>(template_category_sq[i]);
    out.xy = static_cast<double>(template_category_cross[i]);
    out.yy = static_cast<double>(template_launched_sq[t]);
  }
  return out;
}

ClusteredCounts PortfolioTally::template_value_counts(std::size_t t) const {
  ClusteredCounts out;
  out.clusters = n;
  out.y = static_cast<double>(template_launched[t]);
  if (clustered) {
    out.x = template_value[t];
    out.xx = template_value_sq[t];
    out.xy = template_value_cross[t];
    out.yy = static_cast<double>(template_launched_sq[t]);
  }
  return out;
}

}  // namespace progsurv
