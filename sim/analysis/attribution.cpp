// Knock-out attribution with paired common-random-number differences.
#include "progsurv/analysis/attribution.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <exception>
#include <mutex>
#include <sstream>
#include <thread>

#include "io/h5.hpp"
#include "progsurv/engine/parallel.hpp"
#include "progsurv/engine/replication.hpp"
#include "progsurv/engine/run.hpp"
#include "progsurv/io/version.hpp"

namespace progsurv {

const char* to_string(Knockout k) {
  switch (k) {
    case Knockout::SponsorExit:
      return "sponsor_exit";
    case Knockout::HandoffBreaks:
      return "handoff_breaks";
    case Knockout::Patience:
      return "patience";
    case Knockout::Budget:
      return "budget";
    case Knockout::Gates:
      return "phase_gates";
    case Knockout::ResourceDelay:
      return "resource_delay";
    case Knockout::Count:
      break;
  }
  return "unknown";
}

const char* describe(Knockout k) {
  switch (k) {
    case Knockout::SponsorExit:
      return "no sponsor exits";
    case Knockout::HandoffBreaks:
      return "no handoff breaks";
    case Knockout::Patience:
      return "unlimited patience";
    case Knockout::Budget:
      return "no budget squeeze";
    case Knockout::Gates:
      return "every gate passes";
    case Knockout::ResourceDelay:
      return "no resource delay";
    case Knockout::Count:
      break;
  }
  return "unknown";
}

Scenario knock_out(const Scenario& scenario, Knockout k) {
  Scenario s = scenario;
  switch (k) {
    case Knockout::SponsorExit:
      for (auto& level : s.levels) level.tenure = Distribution::never();
      break;
    case Knockout::HandoffBreaks:
      for (auto& silo : s.silos) silo.break_prob = 0.0;
      for (auto& o : s.overrides) o.break_prob = 0.0;
      break;
    case Knockout::Patience:
      s.patience.model = PatienceModel::None;
      break;
    case Knockout::Budget:
      s.budget.enabled = false;
      break;
    case Knockout::Gates:
      for (auto& phase : s.phases) phase.continue_prob = 1.0;
      break;
    case Knockout::ResourceDelay:
      for (auto& level : s.levels) level.resource_delay = Distribution::fixed(0.0);
      break;
    case Knockout::Count:
      throw std::invalid_argument("knock_out: not a mechanism");
  }
  s.name = scenario.name + " (" + describe(k) + ")";
  // The struct is now the truth; text kept from the base would describe the wrong scenario.
  s.yaml_text.clear();
  s.finalize();
  return s;
}

namespace {

constexpr double kZ95 = 1.959963984540054;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Sums over a block of replications. Completion counts are integers (exact in any order);
// value sums are merged in chunk order, so they are identical for any thread count.
struct Sums {
  std::int64_t n = 0, base_completed = 0;
  double base_value = 0, base_value_sq = 0;
  std::array<std::int64_t, kKnockoutCount> completed{}, changed{};  // changed: Σ d², d ∈ {-1,0,1}
  std::array<double, kKnockoutCount> value{}, dvalue{}, dvalue_sq{};

  void merge(const Sums& o) {
    n += o.n;
    base_completed += o.base_completed;
    base_value += o.base_value;
    base_value_sq += o.base_value_sq;
    for (std::size_t k = 0; k < completed.size(); ++k) {
      completed[k] += o.completed[k];
      changed[k] += o.changed[k];
      value[k] += o.value[k];
      dvalue[k] += o.dvalue[k];
      dvalue_sq[k] += o.dvalue_sq[k];
    }
  }
};

// Mean of n paired differences with sum s and sum of squares ss, ± 1.96 SE.
PairedDelta paired(double base, double knocked_out, double s, double ss, std::int64_t n) {
  PairedDelta d;
  d.base = base;
  d.knocked_out = knocked_out;
  const double nn = static_cast<double>(n);
  const double mean = s / nn;
  const double var = n > 1 ? std::max(0.0, (ss - nn * mean * mean) / (nn - 1.0)) : kNaN;
  d.se = std::sqrt(var / nn);
  d.delta = {mean, mean - kZ95 * d.se, mean + kZ95 * d.se};
  return d;
}

}  // namespace

AttributionResult attribute(const Scenario& scenario, const AttributionOptions& options) {
  if (options.replications < 2)
    throw std::invalid_argument("attribution needs at least 2 replications");
  std::vector<Scenario> knocked;
  for (int k = 0; k < kKnockoutCount; ++k)
    knocked.push_back(knock_out(scenario, static_cast<Knockout>(k)));

  const int threads = resolve_threads(options.threads);
  const std::int64_t planned = options.replications;
  Sums total;
  for (std::int64_t first = 0; first < planned; first += kBatchSize) {
    const std::int64_t count = std::min(kBatchSize, planned - first);
    const std::int64_t chunks = (count + kChunkSize - 1) / kChunkSize;
    std::vector<Sums> partial(static_cast<std::size_t>(chunks));
    parallel_for(chunks, threads, [&](std::int64_t c) {
      Sums& s = partial[static_cast<std::size_t>(c)];
      const std::int64_t begin = first + c * kChunkSize;
      const std::int64_t end = std::min(first + count, begin + kChunkSize);
      for (std::int64_t r = begin; r < end; ++r) {
        const auto rep = static_cast<std::uint64_t>(r);
        const ReplicationRecord base = simulate_replication(scenario, options.seed, rep);
        const int base_done = base.outcome == Outcome::Completed;
        ++s.n;
        s.base_completed += base_done;
        s.base_value += base.value;
        s.base_value_sq += base.value * base.value;
        for (std::size_t k = 0; k < knocked.size(); ++k) {
          const ReplicationRecord ko = simulate_replication(knocked[k], options.seed, rep);
          const int done = ko.outcome == Outcome::Completed;
          const double dv = ko.value - base.value;
          s.completed[k] += done;
          s.changed[k] += done != base_done;
          s.value[k] += ko.value;
          s.dvalue[k] += dv;
          s.dvalue_sq[k] += dv * dv;
        }
      }
    });
    for (const Sums& s : partial) total.merge(s);
    if (options.progress && !options.progress(first + count, planned)) throw Cancelled();
  }

  AttributionResult result;
  result.scenario = scenario;
  result.seed = options.seed;
  result.n = total.n;
  const double nn = static_cast<double>(total.n);
  result.p_completed = wilson(total.base_completed, total.n);
  const double base_mean = total.base_value / nn;
  const double base_var =
      std::max(0.0, (total.base_value_sq - nn * base_mean * base_mean) / (nn - 1.0));
  const double base_se = std::sqrt(base_var / nn);
  result.mean_value = {base_mean, base_mean - kZ95 * base_se, base_mean + kZ95 * base_se};
  for (int k = 0; k < kKnockoutCount; ++k) {
    const auto i = static_cast<std::size_t>(k);
    AttributionRow row;
    row.knockout = static_cast<Knockout>(k);
    const auto dp = static_cast<double>(total.completed[i] - total.base_completed);
    row.p_completed =
        paired(result.p_completed.estimate, static_cast<double>(total.completed[i]) / nn, dp,
               static_cast<double>(total.changed[i]), total.n);
    row.mean_value =
        paired(base_mean, total.value[i] / nn, total.dvalue[i], total.dvalue_sq[i], total.n);
    result.rows.push_back(row);
  }
  return result;
}

std::string format_attribution(const AttributionResult& r) {
  std::ostringstream os;
  char line[200];
  std::snprintf(line, sizeof line,
                "progsurv attribute: %s (seed %llu, %lld replications, common random numbers)\n",
                r.scenario.name.c_str(), static_cast<unsigned long long>(r.seed),
                static_cast<long long>(r.n));
  os << line;
  std::snprintf(line, sizeof line,
                "base: P(completed) %.1f%% [%.1f%%, %.1f%%], mean value %.3f [%.3f, %.3f]\n\n",
                100 * r.p_completed.estimate, 100 * r.p_completed.lower, 100 * r.p_completed.upper,
                r.mean_value.estimate, r.mean_value.lower, r.mean_value.upper);
  os << line;
  os << "what each obstacle costs: the gain when it is switched off (paired, 95% intervals)\n";
  std::snprintf(line, sizeof line, "  %-20s %12s  %-24s %10s  %s\n", "switched off", "P(completed)",
                "change (pp) [95%]", "mean value", "change [95%]");
  os << line;
  // Largest cost first, as a reader scans for the biggest obstacle.
  std::vector<const AttributionRow*> rows;
  for (const auto& row : r.rows) rows.push_back(&row);
  std::stable_sort(rows.begin(), rows.end(), [](const AttributionRow* a, const AttributionRow* b) {
    return a->p_completed.delta.estimate > b->p_completed.delta.estimate;
  });
  for (const AttributionRow* row : rows) {
    const auto& p = row->p_completed;
    const auto& v = row->mean_value;
    char pp[64], vv[64];
    std::snprintf(pp, sizeof pp, "%+.2f [%+.2f, %+.2f]", 100 * p.delta.estimate,
                  100 * p.delta.lower, 100 * p.delta.upper);
    std::snprintf(vv, sizeof vv, "%+.3f [%+.3f, %+.3f]", v.delta.estimate, v.delta.lower,
                  v.delta.upper);
    std::snprintf(line, sizeof line, "  %-20s %11.1f%%  %-24s %10.3f  %s\n",
                  describe(row->knockout), 100 * p.knocked_out, pp, v.knocked_out, vv);
    os << line;
  }
  return os.str();
}

DeltaColumns delta_columns(const AttributionResult& result, PairedDelta AttributionRow::*member) {
  DeltaColumns c;
  for (const auto& row : result.rows) {
    const PairedDelta& pd = row.*member;
    c.knocked_out.push_back(pd.knocked_out);
    c.delta.push_back(pd.delta.estimate);
    c.lower.push_back(pd.delta.lower);
    c.upper.push_back(pd.delta.upper);
    c.se.push_back(pd.se);
  }
  return c;
}

void write_attribution(const std::string& path, const AttributionResult& r) {
  h5::write_file_atomically(path, [&](h5::File& f) {
    f.write_attr("filetype", kAttributionFiletype);
    f.write_attr("format_version",
                 std::vector<std::int32_t>{kFormatVersionMajor, kFormatVersionMinor});
    f.write_attr("progsurv_version", version_string());
    f.write_attr("build", build_string());
    f.write_attr("created", h5::utc_timestamp());
    f.write_attr("seed", r.seed);
    f.write_attr("replications", r.n);
    f.write_attr("interval_method", "paired normal: mean difference ± 1.96 SE");
    f.write_attr("confidence", 0.95);
    f.write_string("scenario", r.scenario.to_yaml());
    std::vector<std::string> names, descriptions;
    for (const auto& row : r.rows) {
      names.push_back(to_string(row.knockout));
      descriptions.push_back(describe(row.knockout));
    }
    f.write_strings("mechanisms", names);
    f.write_strings("descriptions", descriptions);
    const auto write_group = [&](const char* name, const Estimate& base,
                                 PairedDelta AttributionRow::*member) {
      h5::Group g = f.create_group(name);
      g.write_dataset("base", std::vector<double>{base.estimate, base.lower, base.upper});
      const DeltaColumns c = delta_columns(r, member);
      g.write_dataset("knocked_out", c.knocked_out);
      g.write_dataset("delta", c.delta);
      g.write_dataset("delta_lower", c.lower);
      g.write_dataset("delta_upper", c.upper);
      g.write_dataset("delta_se", c.se);
    };
    write_group("p_completed", r.p_completed, &AttributionRow::p_completed);
    write_group("mean_value", r.mean_value, &AttributionRow::mean_value);
  });
}

}  // namespace progsurv
