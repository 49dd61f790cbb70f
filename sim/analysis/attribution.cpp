// Knock-out attribution with paired common-random-number differences and a Shapley
// decomposition over the knock-outs.
#include "progsurv/analysis/attribution.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "io/h5.hpp"
#include "io/result_h5.hpp"
#include "progsurv/engine/parallel.hpp"
#include "progsurv/engine/replication.hpp"
#include "progsurv/engine/run.hpp"
#include "progsurv/io/version.hpp"

namespace progsurv {

namespace {

void no_sponsor_exits(Scenario& s) {
  for (auto& level : s.levels) level.tenure = Distribution::never();
}
void no_vacancy(Scenario& s) { s.succession.vacancy = Distribution::fixed(0.0); }
void always_approved(Scenario& s) {
  for (auto& level : s.levels) level.approval = 1.0;
}
void no_resource_delay(Scenario& s) {
  for (auto& level : s.levels) level.resource_delay = Distribution::fixed(0.0);
}
void no_pickup_delay(Scenario& s) {
  for (auto& silo : s.silos) silo.pickup = Distribution::fixed(0.0);
  for (auto& o : s.overrides) o.pickup = Distribution::fixed(0.0);
}
void no_breaks(Scenario& s) {
  for (auto& silo : s.silos) silo.break_prob = 0.0;
  for (auto& o : s.overrides) o.break_prob = 0.0;
}
void no_escalation_delay(Scenario& s) { s.escalation.delay = Distribution::fixed(0.0); }
void unlimited_patience(Scenario& s) { s.patience.model = PatienceModel::None; }
void no_budget_squeeze(Scenario& s) { s.budget.enabled = false; }
void every_gate_passes(Scenario& s) {
  for (auto& phase : s.phases) phase.continue_prob = 1.0;
}

void no_scoping(Scenario& s) { s.scoping = Distribution::fixed(0.0); }
void always_engaged(Scenario& s) {
  for (auto& l : s.levels) l.attention_lapse = Distribution::never();
}
void customers_at_hand(Scenario& s) { s.customers.recruitment = Distribution::fixed(0.0); }
void direct_line(Scenario& s) { s.escalation.ladder.clear(); }
void scope_protected(Scenario& s) { s.deferral.prob = 0.0; }

}  // namespace

const std::array<KnockoutSpec, kKnockoutCount>& knockout_table() {
  static const std::array<KnockoutSpec, kKnockoutCount> table{{
      {Knockout::SponsorExit, "sponsor_exit", "no sponsor exits", no_sponsor_exits},
      {Knockout::Vacancy, "vacancy", "no vacancy after an exit", no_vacancy},
      {Knockout::Approval, "approval", "every proposal approved", always_approved},
      {Knockout::ResourceDelay, "resource_delay", "no resource delay", no_resource_delay},
      {Knockout::PickupDelay, "pickup_delay", "no pickup delay", no_pickup_delay},
      {Knockout::HandoffBreaks, "handoff_breaks", "no handoff breaks", no_breaks},
      {Knockout::EscalationDelay, "escalation_delay", "no escalation delay", no_escalation_delay},
      {Knockout::Patience, "patience", "unlimited patience", unlimited_patience},
      {Knockout::Budget, "budget", "no budget squeeze", no_budget_squeeze},
      {Knockout::Gates, "phase_gates", "every gate passes", every_gate_passes},
      {Knockout::Scoping, "scoping", "no scoping before approval", no_scoping},
      {Knockout::Attention, "attention", "sponsors never disengage", always_engaged},
      {Knockout::Recruitment, "recruitment", "customers recruited at once", customers_at_hand},
      {Knockout::Ladder, "ladder", "direct line to the sponsor", direct_line},
      {Knockout::Deferral, "deferral", "no deferral", scope_protected},
  }};
  return table;
}

const char* to_string(Knockout k) {
  const int i = static_cast<int>(k);
  return i >= 0 && i < kKnockoutCount ? knockout_table()[static_cast<std::size_t>(i)].name
                                      : "unknown";
}

const char* describe(Knockout k) {
  const int i = static_cast<int>(k);
  return i >= 0 && i < kKnockoutCount ? knockout_table()[static_cast<std::size_t>(i)].description
                                      : "unknown";
}

Knockout knockout_from_string(const std::string& name) {
  std::string names;
  for (const KnockoutSpec& spec : knockout_table()) {
    if (name == spec.name) return spec.id;
    names += names.empty() ? "" : ", ";
    names += spec.name;
  }
  throw std::invalid_argument("unknown mechanism '" + name + "'; mechanisms are " + names);
}

Scenario knock_out(const Scenario& scenario, const std::vector<Knockout>& ks) {
  Scenario s = scenario;
  std::string what;
  for (Knockout k : ks) {
    const int i = static_cast<int>(k);
    if (i < 0 || i >= kKnockoutCount) throw std::invalid_argument("knock_out: not a mechanism");
    knockout_table()[static_cast<std::size_t>(i)].apply(s);
    what += what.empty() ? "" : ", ";
    what += describe(k);
  }
  if (!ks.empty()) s.name = scenario.name + " (" + what + ")";
  // The struct is now the truth; text kept from the base would describe the wrong scenario.
  s.yaml_text.clear();
  s.original_text.clear();
  s.finalize();
  return s;
}

std::vector<Knockout> default_knockouts(const Scenario& s) {
  bool defers = false;
  for (const Phase& phase : s.phases) defers = defers || phase.deferrable > 0.0;
  defers = defers && s.deferral.prob > 0.0;
  // A knock-out that leaves the scenario as it is (no resource delay in a scenario without
  // one) would be reported as an obstacle costing exactly nothing: it is not one it has.
  Scenario same = s;
  same.finalize();
  const std::string base = same.to_yaml();
  std::vector<Knockout> out;
  for (int k = 0; k < kKnockoutCount; ++k) {
    const auto id = static_cast<Knockout>(k);
    if (id == Knockout::Ladder && s.escalation.ladder.empty()) continue;
    if (id == Knockout::Deferral && !defers) continue;
    Scenario knocked = knock_out(s, id);
    knocked.name = s.name;
    if (knocked.to_yaml() == base) continue;
    out.push_back(id);
  }
  return out;
}

Scenario knock_out(const Scenario& scenario, Knockout k) {
  return knock_out(scenario, std::vector<Knockout>{k});
}

std::string attributed_stat_name(int stat) {
  if (stat == static_cast<int>(AttributedStat::PCompleted)) return "p_completed";
  if (stat == static_cast<int>(AttributedStat::MeanValue)) return "mean_value";
  const int b = stat - static_cast<int>(AttributedStat::FirstBucket);
  if (b >= 0 && b < kTimeBucketCount)
    return std::string("months_") + to_string(static_cast<TimeBucket>(b));
  throw std::out_of_range("attributed_stat_name: no statistic " + std::to_string(stat));
}

const char* to_string(ShapleyMethod m) {
  switch (m) {
    case ShapleyMethod::Auto:
      return "auto";
    case ShapleyMethod::Exact:
      return "exact";
    case ShapleyMethod::Permutations:
      return "permutations";
    case ShapleyMethod::None:
      break;
  }
  return "none";
}

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr int kMaxMechanisms = 16;  // every subset's scenario is built up front
constexpr h5::ResultFormat kAttributionFormat{kAttributionFiletype, "attribution",
                                              kFormatVersionMajor, kFormatVersionMinor,
                                              kFormatVersionMajor};

using Stats = std::array<double, kAttributedStatCount>;

Stats stats_of(const ReplicationRecord& r) {
  Stats s{};
  s[static_cast<int>(AttributedStat::PCompleted)] = r.outcome == Outcome::Completed ? 1.0 : 0.0;
  s[static_cast<int>(AttributedStat::MeanValue)] = r.value;
  for (int b = 0; b < kTimeBucketCount; ++b)
    s[static_cast<std::size_t>(static_cast<int>(AttributedStat::FirstBucket) + b)] =
        r.time[static_cast<std::size_t>(b)];
  return s;
}

// The paired sums of each statistic.
struct PairedStats {
  std::array<PairedSums, kAttributedStatCount> stat{};
  void add(const Stats& base, const Stats& variant) {
    for (std::size_t i = 0; i < stat.size(); ++i) stat[i].add(base[i], variant[i]);
  }
  void merge(const PairedStats& o) {
    for (std::size_t i = 0; i < stat.size(); ++i) stat[i].merge(o.stat[i]);
  }
};

// Sums over a block of replications, merged in chunk order so that floating sums are
// identical for any thread count.
struct Sums {
  std::int64_t n = 0;
  PairedStats base;                           // (0, base): the base statistics' own moments
  PairedStats all_off;                        // (base, every mechanism switched off)
  std::vector<PairedStats> knocked, shapley;  // (base, mechanism j off); (0, its Shapley part)
  explicit Sums(std::size_t k = 0) : knocked(k), shapley(k) {}
  void merge(const Sums& o) {
    n += o.n;
    base.merge(o.base);
    all_off.merge(o.all_off);
    for (std::size_t j = 0; j < knocked.size(); ++j) {
      knocked[j].merge(o.knocked[j]);
      shapley[j].merge(o.shapley[j]);
    }
  }
};

// A replication's own order of the k mechanisms (Fisher-Yates on a splitmix64 stream of
// (seed, replication)); independent of the engine's streams, so it leaves them untouched.
std::vector<int> permutation(int k, std::uint64_t seed, std::uint64_t replication) {
  std::uint64_t state = seed * 0x9E3779B97F4A7C15ULL ^ (replication + 0x632BE59BD9B4E019ULL);
  const auto next = [&state] {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  };
  std::vector<int> order(static_cast<std::size_t>(k));
  for (int i = 0; i < k; ++i) order[static_cast<std::size_t>(i)] = i;
  for (int i = k - 1; i > 0; --i) {
    const auto j = static_cast<int>(next() % static_cast<std::uint64_t>(i + 1));
    std::swap(order[static_cast<std::size_t>(i)], order[static_cast<std::size_t>(j)]);
  }
  return order;
}

}  // namespace

int subset_size(unsigned x) {
  int c = 0;
  for (; x != 0; x &= x - 1) ++c;
  return c;
}

std::vector<double> shapley_weights(int k) {
  std::vector<double> weight(static_cast<std::size_t>(std::max(k, 1)), 0.0);
  for (int s = 0; s < k; ++s) {
    double w = 1.0 / k;
    for (int i = 1; i <= s; ++i) w *= static_cast<double>(i) / static_cast<double>(k - i);
    weight[static_cast<std::size_t>(s)] = w;
  }
  return weight;
}

PairedDelta paired_delta(const PairedSums& s) {
  PairedDelta p;
  if (s.n == 0) return {kNaN, kNaN, {kNaN, kNaN, kNaN}, kNaN};
  const double n = static_cast<double>(s.n);
  p.base = s.base / n;
  p.knocked_out = s.variant / n;
  const double mean = s.d / n;
  const double var = s.n > 1 ? std::max(0.0, (s.d2 - n * mean * mean) / (n - 1.0)) : kNaN;
  p.se = std::sqrt(var / n);
  p.delta = {mean, mean - kZ95 * p.se, mean + kZ95 * p.se};
  return p;
}

AttributionResult attribute(const Scenario& scenario, const AttributionOptions& options) {
  if (options.replications < 2)
    throw std::invalid_argument("attribution needs at least 2 replications");
  std::vector<Knockout> mechanisms = options.mechanisms;
  if (mechanisms.empty()) mechanisms = default_knockouts(scenario);
  for (std::size_t i = 0; i < mechanisms.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (mechanisms[i] == mechanisms[j])
        throw std::invalid_argument(std::string("mechanism listed twice: ") +
                                    to_string(mechanisms[i]));
  const int k = static_cast<int>(mechanisms.size());
  if (k > kMaxMechanisms)
    throw std::invalid_argument("attribution takes at most " + std::to_string(kMaxMechanisms) +
                                " mechanisms");
  const std::int64_t planned = options.replications;
  const auto subsets = static_cast<std::size_t>(1) << k;
  ShapleyMethod method = options.shapley;
  if (method == ShapleyMethod::Auto) {
    const double cost = static_cast<double>(planned) * static_cast<double>(subsets);
    method = cost <= static_cast<double>(options.exact_budget) ? ShapleyMethod::Exact
                                                               : ShapleyMethod::Permutations;
  }
  const bool shapley = method != ShapleyMethod::None;
  const unsigned full = static_cast<unsigned>(subsets - 1);

  // The scenario of every subset the method evaluates (bit j = mechanism j switched off).
  std::vector<Scenario> subset_scenario(subsets);
  for (unsigned mask = 0; mask < subsets; ++mask) {
    const bool needed = shapley || subset_size(mask) <= 1 || mask == full;
    if (!needed) continue;
    std::vector<Knockout> off;
    for (int j = 0; j < k; ++j)
      if (mask & (1u << j)) off.push_back(mechanisms[static_cast<std::size_t>(j)]);
    subset_scenario[mask] = mask == 0 ? scenario : knock_out(scenario, off);
  }
  const std::vector<double> weight = shapley_weights(k);

  const int threads = resolve_threads(options.threads);
  Sums total(static_cast<std::size_t>(k));
  for (std::int64_t first = 0; first < planned; first += kBatchSize) {
    const std::int64_t count = std::min(kBatchSize, planned - first);
    const std::int64_t chunks = (count + kChunkSize - 1) / kChunkSize;
    std::vector<Sums> partial(static_cast<std::size_t>(chunks), Sums(static_cast<std::size_t>(k)));
    parallel_for(chunks, threads, [&](std::int64_t c) {
      Sums& s = partial[static_cast<std::size_t>(c)];
      const std::int64_t begin = first + c * kChunkSize;
      const std::int64_t end = std::min(first + count, begin + kChunkSize);
      std::vector<Stats> f(subsets);
      std::vector<char> have(subsets);
      Stats phi{};
      for (std::int64_t r = begin; r < end; ++r) {
        const auto rep = static_cast<std::uint64_t>(r);
        std::fill(have.begin(), have.end(), 0);
        const auto eval = [&](unsigned mask) -> const Stats& {
          if (!have[mask]) {
            f[mask] = stats_of(simulate_replication(subset_scenario[mask], options.seed, rep));
            have[mask] = 1;
          }
          return f[mask];
        };
        const Stats& base = eval(0);
        ++s.n;
        s.base.add(Stats{}, base);
        for (int j = 0; j < k; ++j) s.knocked[static_cast<std::size_t>(j)].add(base, eval(1u << j));
        s.all_off.add(base, eval(full));
        if (method == ShapleyMethod::Exact) {
          for (unsigned mask = 0; mask < subsets; ++mask) eval(mask);
          exact_shapley_parts(k, weight, f, [&](int j, const Stats& part) {
            s.shapley[static_cast<std::size_t>(j)].add(Stats{}, part);
          });
        } else if (method == ShapleyMethod::Permutations) {
          unsigned mask = 0;
          for (int j : permutation(k, options.seed, rep)) {
            const unsigned next = mask | (1u << j);
            const Stats& before = eval(mask);
            const Stats& after = eval(next);
            for (std::size_t i = 0; i < phi.size(); ++i) phi[i] = after[i] - before[i];
            s.shapley[static_cast<std::size_t>(j)].add(Stats{}, phi);
            mask = next;
          }
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
  result.shapley = method;
  const std::int64_t n = total.n;
  const auto pc = static_cast<std::size_t>(AttributedStat::PCompleted);
  const auto mv = static_cast<std::size_t>(AttributedStat::MeanValue);
  result.p_completed =
      wilson(static_cast<std::int64_t>(std::llround(total.base.stat[pc].variant)), n);
  result.mean_value = paired_delta(total.base.stat[mv]).delta;
  for (std::size_t i = 0; i < static_cast<std::size_t>(kAttributedStatCount); ++i)
    result.all_off[i] = paired_delta(total.all_off.stat[i]);
  for (int j = 0; j < k; ++j) {
    const auto jj = static_cast<std::size_t>(j);
    AttributionRow row;
    row.knockout = mechanisms[jj];
    for (std::size_t i = 0; i < static_cast<std::size_t>(kAttributedStatCount); ++i) {
      row.effect[i] = paired_delta(total.knocked[jj].stat[i]);
      if (shapley) {
        row.shapley[i] = paired_delta(total.shapley[jj].stat[i]);
        row.shapley[i].base = row.shapley[i].knocked_out = kNaN;  // a part, not a scenario
      } else {
        row.shapley[i] = {kNaN, kNaN, {kNaN, kNaN, kNaN}, kNaN};
      }
    }
    result.rows.push_back(row);
  }
  return result;
}

DeltaColumns delta_columns(const AttributionResult& result, int stat, bool shapley) {
  DeltaColumns c;
  const auto i = static_cast<std::size_t>(stat);
  for (const auto& row : result.rows) {
    const PairedDelta& pd = shapley ? row.shapley.at(i) : row.effect.at(i);
    c.knocked_out.push_back(pd.knocked_out);
    c.delta.push_back(pd.delta.estimate);
    c.lower.push_back(pd.delta.lower);
    c.upper.push_back(pd.delta.upper);
    c.se.push_back(pd.se);
  }
  return c;
}

namespace {

std::string pp_interval(const PairedDelta& d, double scale, const char* fmt) {
  char a[32], b[32], c[32];
  std::snprintf(a, sizeof a, fmt, scale * d.delta.estimate);
  std::snprintf(b, sizeof b, fmt, scale * d.delta.lower);
  std::snprintf(c, sizeof c, fmt, scale * d.delta.upper);
  return std::string(a) + " [" + b + ", " + c + "]";
}

double months_total(const std::array<PairedDelta, kAttributedStatCount>& stats) {
  double t = 0.0;
  for (int b = 0; b < kTimeBucketCount; ++b)
    t += stats[static_cast<std::size_t>(static_cast<int>(AttributedStat::FirstBucket) + b)]
             .delta.estimate;
  return t;
}

}  // namespace

std::string format_attribution(const AttributionResult& r) {
  std::ostringstream os;
  char line[400];
  std::snprintf(line, sizeof line,
                "progsurv attribute: %s (seed %llu, %lld replications, common random numbers; "
                "horizon %g months)\n",
                r.scenario.label().c_str(), static_cast<unsigned long long>(r.seed),
                static_cast<long long>(r.n), r.scenario.horizon);
  os << line;
  std::snprintf(line, sizeof line,
                "base: P(completed) %.1f%% of proposed programmes [%.1f%%, %.1f%%], mean value "
                "%.3f per proposed programme [%.3f, %.3f]\n\n",
                100 * r.p_completed.estimate, 100 * r.p_completed.lower, 100 * r.p_completed.upper,
                r.mean_value.estimate, r.mean_value.lower, r.mean_value.upper);
  os << line;
  const bool shapley =
      r.shapley == ShapleyMethod::Exact || r.shapley == ShapleyMethod::Permutations;
  os << "what each obstacle costs: the gain when it alone is switched off (paired, 95% "
        "intervals)";
  os << (shapley ? ", and its Shapley part of switching all of them off\n" : "\n");
  // The label column fits the longest description (a knock-out's name is never cut).
  int w = 26;
  for (const auto& row : r.rows)
    w = std::max(w, static_cast<int>(std::strlen(describe(row.knockout))));
  std::snprintf(line, sizeof line, "  %-*s %9s  %-24s %-24s %-26s %8s\n", w, "switched off",
                "P(compl.)", "change (pp) [95%]", shapley ? "Shapley part (pp) [95%]" : "",
                "mean value change [95%]", "months");
  os << line;
  // Largest cost first, as a reader scans for the biggest obstacle.
  std::vector<const AttributionRow*> rows;
  for (const auto& row : r.rows) rows.push_back(&row);
  std::stable_sort(rows.begin(), rows.end(), [](const AttributionRow* a, const AttributionRow* b) {
    return a->p_completed().delta.estimate > b->p_completed().delta.estimate;
  });
  for (const AttributionRow* row : rows) {
    const auto& p = row->p_completed();
    std::snprintf(line, sizeof line, "  %-*s %8.1f%%  %-24s %-24s %-26s %+8.2f\n", w,
                  describe(row->knockout), 100 * p.knocked_out,
                  pp_interval(p, 100, "%+.2f").c_str(),
                  shapley ? pp_interval(row->shapley[0], 100, "%+.2f").c_str() : "",
                  pp_interval(row->mean_value(), 1, "%+.3f").c_str(), months_total(row->effect));
    os << line;
  }
  const auto& all = r.all_off;
  std::snprintf(line, sizeof line, "  %-*s %8.1f%%  %-24s %-24s %-26s %+8.2f\n", w,
                "all of them switched off", 100 * all[0].knocked_out,
                pp_interval(all[0], 100, "%+.2f").c_str(), "",
                pp_interval(all[1], 1, "%+.3f").c_str(), months_total(all));
  os << line;
  if (shapley) {
    double sum = 0.0;
    for (const auto& row : r.rows) sum += row.shapley[0].delta.estimate;
    std::snprintf(line, sizeof line,
                  "Shapley parts (%s) sum to %+.2f pp = all switched off minus base.\n",
                  r.shapley == ShapleyMethod::Exact
                      ? "exact: every subset of the knock-outs"
                      : "sampled: one random order of the knock-outs per replication",
                  100 * sum);
    os << line;
  }
  os << "months: change in the mean months to the end (or the horizon) per proposed "
        "programme.\n";
  os << "\nwhere the months go: change in mean months per proposed programme, by time bucket\n";
  std::string head = "  " + std::string(static_cast<std::size_t>(w), ' ');
  for (int b = 0; b < kTimeBucketCount; ++b) {
    std::snprintf(line, sizeof line, " %11s", to_string(static_cast<TimeBucket>(b)));
    head += line;
  }
  os << head << "\n";
  const auto bucket_line = [&](const char* label,
                               const std::array<PairedDelta, kAttributedStatCount>& stats) {
    std::string text = "  " + std::string(label);
    text.resize(2 + static_cast<std::size_t>(w), ' ');
    for (int b = 0; b < kTimeBucketCount; ++b) {
      std::snprintf(
          line, sizeof line, " %+11.2f",
          stats[static_cast<std::size_t>(static_cast<int>(AttributedStat::FirstBucket) + b)]
              .delta.estimate);
      text += line;
    }
    os << text << "\n";
  };
  for (const AttributionRow* row : rows) bucket_line(describe(row->knockout), row->effect);
  bucket_line("all of them switched off", all);
  return os.str();
}

void write_attribution(const std::string& path, const AttributionResult& r) {
  h5::write_result_file(path, kAttributionFormat, [&](h5::File& f) {
    f.write_attr("seed", r.seed);
    f.write_attr("replications", r.n);
    f.write_attr("horizon", r.scenario.horizon);
    f.write_attr("interval_method", "paired normal: mean difference ± 1.96 SE");
    f.write_attr("confidence", 0.95);
    f.write_attr("shapley_method", to_string(r.shapley));
    f.write_string("scenario", r.scenario.to_yaml());
    f.write_attr("scenario_label", r.scenario.label());  // format 1.1
    h5::write_changes(f, "scenario_changes", r.scenario.changes);
    std::vector<std::string> names, descriptions, stats;
    for (const auto& row : r.rows) {
      names.push_back(to_string(row.knockout));
      descriptions.push_back(describe(row.knockout));
    }
    f.write_strings("mechanisms", names);
    f.write_strings("descriptions", descriptions);
    for (int i = 0; i < kAttributedStatCount; ++i) stats.push_back(attributed_stat_name(i));
    f.write_strings("statistics", stats);
    for (int i = 0; i < kAttributedStatCount; ++i) {
      const auto ii = static_cast<std::size_t>(i);
      h5::Group g = f.create_group(stats[ii]);
      const PairedDelta& all = r.all_off[ii];
      // The base with its interval: Wilson for P(completed), normal for the means.
      const Estimate base = i == 0   ? r.p_completed
                            : i == 1 ? r.mean_value
                                     : Estimate{all.base, kNaN, kNaN};
      g.write_dataset("base", std::vector<double>{base.estimate, base.lower, base.upper});
      const DeltaColumns c = delta_columns(r, i);
      g.write_dataset("knocked_out", c.knocked_out);
      g.write_dataset("delta", c.delta);
      g.write_dataset("delta_lower", c.lower);
      g.write_dataset("delta_upper", c.upper);
      g.write_dataset("delta_se", c.se);
      const DeltaColumns s = delta_columns(r, i, true);
      g.write_dataset("shapley", s.delta);
      g.write_dataset("shapley_lower", s.lower);
      g.write_dataset("shapley_upper", s.upper);
      g.write_dataset("shapley_se", s.se);
      g.write_dataset("all_off", std::vector<double>{all.knocked_out, all.delta.estimate,
                                                     all.delta.lower, all.delta.upper, all.se});
    }
  });
}

AttributionResult read_attribution(const std::string& path) {
  const auto bad = [&](const std::string& what) -> FileFormatError {
    return FileFormatError(path + ": " + what);
  };
  return h5::read_result_file(path, kAttributionFormat, [&](const h5::File& f, h5::FormatVersion) {
    AttributionResult r;
    r.scenario = Scenario::from_yaml(f.read_string("scenario"), path + ":/scenario");
    h5::read_changes(f, "scenario_changes", r.scenario.changes);
    r.seed = f.read_attr<std::uint64_t>("seed");
    r.n = f.read_attr<std::int64_t>("replications");
    const std::string method =
        f.has_attr("shapley_method") ? f.read_attr_string("shapley_method") : "none";
    r.shapley = method == "exact"          ? ShapleyMethod::Exact
                : method == "permutations" ? ShapleyMethod::Permutations
                                           : ShapleyMethod::None;
    const std::vector<std::string> names = f.read_strings("mechanisms");
    r.rows.resize(names.size());
    for (std::size_t j = 0; j < names.size(); ++j) {
      try {
        r.rows[j].knockout = knockout_from_string(names[j]);
      } catch (const std::invalid_argument& e) {
        throw bad(std::string("/mechanisms: ") + e.what());
      }
    }
    for (int i = 0; i < kAttributedStatCount; ++i) {
      const auto ii = static_cast<std::size_t>(i);
      const std::string stat = attributed_stat_name(i);
      if (!f.has(stat)) {
        if (i < 2) throw bad("no group /" + stat);
        continue;  // older files: P(completed) and mean value only
      }
      const h5::Group g = f.open_group(stat);
      const auto column = [&](const std::string& name) {
        std::vector<double> v =
            g.has(name) ? g.read_dataset<double>(name) : std::vector<double>(names.size(), kNaN);
        if (v.size() != names.size()) throw bad("/" + stat + "/" + name + " has the wrong size");
        return v;
      };
      const auto base = g.read_dataset<double>("base");
      if (base.size() != 3) throw bad("/" + stat + "/base is not [3]");
      if (i == 0) r.p_completed = {base[0], base[1], base[2]};
      if (i == 1) r.mean_value = {base[0], base[1], base[2]};
      const auto ko = column("knocked_out"), d = column("delta"), lo = column("delta_lower"),
                 hi = column("delta_upper"), se = column("delta_se"), sh = column("shapley"),
                 shl = column("shapley_lower"), shu = column("shapley_upper"),
                 shse = column("shapley_se");
      for (std::size_t j = 0; j < names.size(); ++j) {
        r.rows[j].effect[ii] = {base[0], ko[j], {d[j], lo[j], hi[j]}, se[j]};
        r.rows[j].shapley[ii] = {kNaN, kNaN, {sh[j], shl[j], shu[j]}, shse[j]};
      }
      if (g.has("all_off")) {
        const auto a = g.read_dataset<double>("all_off");
        if (a.size() != 5) throw bad("/" + stat + "/all_off is not [5]");
        r.all_off[ii] = {base[0], a[0], {a[1], a[2], a[3]}, a[4]};
      }
    }
    return r;
  });
}

}  // namespace progsurv
