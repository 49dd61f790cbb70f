#include "progsurv/engine/tally.hpp"

#include <algorithm>
#include <cmath>

namespace progsurv {

const char* to_string(Quantity q) {
  switch (q) {
    case Quantity::EndTime:
      return "end_time";
    case Quantity::Vacant:
      return "vacant";
    case Quantity::Resources:
      return "resources";
    case Quantity::Working:
      return "working";
    case Quantity::Pickup:
      return "pickup";
    case Quantity::Escalating:
      return "escalating";
    case Quantity::SponsorChanges:
      return "sponsor_changes";
    case Quantity::Handoffs:
      return "handoffs";
    case Quantity::Breaks:
      return "breaks";
    case Quantity::Escalations:
      return "escalations";
    case Quantity::CustomerTrust:
      return "customer_trust";
    case Quantity::Value:
      return "value";
    case Quantity::Scoping:
      return "scoping";
    case Quantity::Recruiting:
      return "recruiting";
    case Quantity::Disengagements:
      return "disengagements";
    case Quantity::Rungs:
      return "rungs";
    case Quantity::Deferrals:
      return "deferrals";
    case Quantity::DeferredValue:
      return "deferred_value";
    case Quantity::Reengagements:
      return "reengagements";
    case Quantity::Deferring:
      return "deferring";
    case Quantity::Count:
      break;
  }
  return "?";
}

Quantity quantity_of(TimeBucket b) {
  switch (b) {
    case TimeBucket::Vacant:
      return Quantity::Vacant;
    case TimeBucket::Resources:
      return Quantity::Resources;
    case TimeBucket::Working:
      return Quantity::Working;
    case TimeBucket::Pickup:
      return Quantity::Pickup;
    case TimeBucket::Escalating:
      return Quantity::Escalating;
    case TimeBucket::Scoping:
      return Quantity::Scoping;
    case TimeBucket::Recruiting:
      return Quantity::Recruiting;
  }
  return Quantity::Count;
}

std::size_t grid_bin(const std::vector<double>& grid, double t) {
  const std::size_t n = grid.size();
  if (!(n >= 2 && t >= grid.front() && t <= grid.back() && grid.back() > grid.front()))
    return static_cast<std::size_t>(std::lower_bound(grid.begin(), grid.end(), t) - grid.begin());
  std::size_t b =
      std::min(n - 1, static_cast<std::size_t>((t - grid.front()) / (grid.back() - grid.front()) *
                                               static_cast<double>(n - 1)));
  while (b > 0 && !(grid[b - 1] < t)) --b;
  while (b < n && grid[b] < t) ++b;
  return b;
}

Tally::Tally(const Scenario& scenario)
    : grid(scenario.grid),
      end_bins(static_cast<std::size_t>(kEndCategoryCount) * (scenario.grid.size() + 1), 0),
      horizon(scenario.horizon),
      completion_hist(kCompletionBins, 0),
      phase_count(static_cast<int>(scenario.phases.size())),
      phases_by_category(static_cast<std::size_t>(kEndCategoryCount) * (scenario.phases.size() + 1),
                         0) {}

void Tally::add(const ReplicationRecord& r) {
  ++n;
  const int k = static_cast<int>(end_category(r.outcome, r.cause));
  ++category_count[static_cast<std::size_t>(k)];
  const std::size_t b = grid_bin(grid, r.end_time);
  ++end_bins[static_cast<std::size_t>(k) * bin_count() + b];
  if (r.outcome == Outcome::Completed) {
    auto bin = static_cast<std::int64_t>(r.end_time / horizon * kCompletionBins);
    bin = std::clamp<std::int64_t>(bin, 0, kCompletionBins - 1);
    ++completion_hist[static_cast<std::size_t>(bin)];
  }
  ++phases_by_category[static_cast<std::size_t>(k) * static_cast<std::size_t>(phase_count + 1) +
                       static_cast<std::size_t>(r.phases_delivered)];
  if (r.outcome == Outcome::NotStarted) return;
  auto m = [&](Quantity q) -> Moments& { return moments[static_cast<std::size_t>(q)]; };
  m(Quantity::EndTime).add(r.end_time);
  for (int i = 0; i < kTimeBucketCount; ++i)
    m(quantity_of(static_cast<TimeBucket>(i))).add(r.time[static_cast<std::size_t>(i)]);
  m(Quantity::SponsorChanges).add(r.sponsor_changes);
  m(Quantity::Handoffs).add(r.handoffs);
  m(Quantity::Breaks).add(r.breaks);
  m(Quantity::Escalations).add(r.escalations);
  m(Quantity::CustomerTrust).add(r.customer_trust);
  m(Quantity::Value).add(r.value);
  m(Quantity::Disengagements).add(r.disengagements);
  m(Quantity::Rungs).add(r.rungs);
  m(Quantity::Deferrals).add(r.deferrals);
  m(Quantity::DeferredValue).add(r.deferred_value);
  m(Quantity::Reengagements).add(r.reengagements);
  m(Quantity::Deferring).add(r.deferrals > 0 ? 1.0 : 0.0);
}

void Tally::merge(const Tally& o) {
  n += o.n;
  for (std::size_t i = 0; i < category_count.size(); ++i) category_count[i] += o.category_count[i];
  for (std::size_t i = 0; i < end_bins.size(); ++i) end_bins[i] += o.end_bins[i];
  for (std::size_t i = 0; i < completion_hist.size(); ++i)
    completion_hist[i] += o.completion_hist[i];
  for (std::size_t i = 0; i < phases_by_category.size(); ++i)
    phases_by_category[i] += o.phases_by_category[i];
  for (std::size_t i = 0; i < moments.size(); ++i) moments[i].merge(o.moments[i]);
}

void Tally::record_checkpoint() {
  checkpoint_n.push_back(n);
  checkpoint_completed.push_back(count(EndCategory::Completed));
}

}  // namespace progsurv
