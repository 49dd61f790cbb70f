// Organisation-level attribution: paired differences between full sharing and each sharing
// switched off, organisation by organisation, with common random numbers.
#include "progsurv/analysis/portfolio_attribution.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "engine/chunk_pipeline.hpp"
#include "io/h5.hpp"
#include "io/result_h5.hpp"
#include "progsurv/io/version.hpp"
#include "progsurv/portfolio/portfolio_run.hpp"
#include "progsurv/scenario/error.hpp"

namespace progsurv {

namespace {

constexpr auto kV = static_cast<std::size_t>(kSharingKnockoutCount);
constexpr auto kS = static_cast<std::size_t>(kOrganisationStatCount);
constexpr auto kSharings = static_cast<std::size_t>(kSharingCount);
constexpr h5::ResultFormat kFormat{
    kPortfolioAttributionFiletype, "portfolio attribution", kPortfolioAttributionFormatVersionMajor,
    kPortfolioAttributionFormatVersionMinor, kPortfolioAttributionFormatVersionMajor};

struct KnockoutText {
  const char* name;
  const char* description;
};
constexpr std::array<KnockoutText, kV> kKnockouts{{
    {"cynicism", "cynicism carried over"},
    {"trust", "customer trust carried over"},
    {"posts", "sponsors shared by programmes"},
    {"budget", "a shared budget"},
    {"all", "all four"},
}};
constexpr std::array<const char*, kS> kStatNames{
    {"completed", "ended", "not_started", "running", "value"}};

}  // namespace

const char* to_string(SharingKnockout k) {
  const auto i = static_cast<std::size_t>(k);
  return i < kV ? kKnockouts[i].name : "unknown";
}

const char* describe(SharingKnockout k) {
  const auto i = static_cast<std::size_t>(k);
  return i < kV ? kKnockouts[i].description : "unknown";
}

const char* to_string(OrganisationStat s) {
  const auto i = static_cast<std::size_t>(s);
  return i < kS ? kStatNames[i] : "unknown";
}

Sharing sharing_without(SharingKnockout k) {
  Sharing s;
  switch (k) {
    case SharingKnockout::Cynicism:
      s.cynicism = false;
      break;
    case SharingKnockout::Trust:
      s.trust = false;
      break;
    case SharingKnockout::Posts:
      s.posts = false;
      break;
    case SharingKnockout::Budget:
      s.budget = false;
      break;
    case SharingKnockout::All:
      s = Sharing{false, false, false, false};
      break;
    case SharingKnockout::Count:
      throw std::invalid_argument("sharing_without: not a knock-out");
  }
  return s;
}

PairedDelta PortfolioAttribution::cost(SharingKnockout k, OrganisationStat s) const {
  return paired_delta(per_org.at(static_cast<std::size_t>(k)).at(static_cast<std::size_t>(s)));
}

PairedDelta PortfolioAttribution::rank_cost(SharingKnockout k, std::size_t rank) const {
  return paired_delta(per_rank.at(static_cast<std::size_t>(k)).at(rank));
}

PairedDelta PortfolioAttribution::shapley_cost(SharingKnockout k, OrganisationStat s) const {
  if (!shapley) return paired_delta(PairedSums{});
  return paired_delta(shapley_org.at(static_cast<std::size_t>(k)).at(static_cast<std::size_t>(s)));
}

PairedDelta PortfolioAttribution::rank_shapley_cost(SharingKnockout k, std::size_t rank) const {
  if (!shapley) return paired_delta(PairedSums{});
  return paired_delta(shapley_rank.at(static_cast<std::size_t>(k)).at(rank));
}

namespace {

using Stats = std::array<double, kS>;

Stats stats_of(const OrganisationRecord& r) {
  Stats s{};
  for (const LaunchedProgramme& p : r.programmes) {
    s[static_cast<std::size_t>(p.outcome)] += 1.0;  // Outcome order = the first four stats
    s[static_cast<std::size_t>(OrganisationStat::Value)] += p.value;
  }
  return s;
}

// One chunk's sums, merged into the total in chunk order.
struct Sums {
  std::int64_t n = 0;
  std::array<std::array<PairedSums, kS>, kV> per_org{};
  std::array<std::vector<PairedSums>, kV> per_rank;
  std::array<std::array<PairedSums, kS>, kSharings> shapley_org{};
  std::array<std::vector<PairedSums>, kSharings> shapley_rank;

  static void merge_ranks(std::vector<PairedSums>& into, const std::vector<PairedSums>& from) {
    if (into.size() < from.size()) into.resize(from.size());
    for (std::size_t k = 0; k < from.size(); ++k) into[k].merge(from[k]);
  }
  void merge(const Sums& o) {
    n += o.n;
    for (std::size_t v = 0; v < kV; ++v) {
      for (std::size_t s = 0; s < kS; ++s) per_org[v][s].merge(o.per_org[v][s]);
      merge_ranks(per_rank[v], o.per_rank[v]);
    }
    for (std::size_t j = 0; j < kSharings; ++j) {
      for (std::size_t s = 0; s < kS; ++s) shapley_org[j][s].merge(o.shapley_org[j][s]);
      merge_ranks(shapley_rank[j], o.shapley_rank[j]);
    }
  }
};

// One organisation under one subset of sharings switched off: its statistics and, per launch
// rank, whether that programme completed.
struct Outcomes {
  Stats stats{};
  std::vector<double> completed;
};

Outcomes outcomes_of(const OrganisationRecord& r) {
  Outcomes o;
  o.stats = stats_of(r);
  o.completed.reserve(r.programmes.size());
  for (const LaunchedProgramme& p : r.programmes)
    o.completed.push_back(p.outcome == Outcome::Completed ? 1.0 : 0.0);
  return o;
}

// Subset `mask` of the four sharings switched off (bit j = SharingKnockout j).
Sharing sharing_of(unsigned mask) {
  return Sharing{(mask & 1u) == 0, (mask & 2u) == 0, (mask & 4u) == 0, (mask & 8u) == 0};
}

int popcount(unsigned x) {
  int c = 0;
  for (; x != 0; x &= x - 1) ++c;
  return c;
}

}  // namespace

PortfolioAttribution attribute_portfolio(const Portfolio& portfolio,
                                         const PortfolioAttributionOptions& options) {
  if (options.organisations < 2 || options.organisations > kMaxReplications)
    throw UsageError("attribution needs between 2 and " + std::to_string(kMaxReplications) +
                     " organisations, got " + std::to_string(options.organisations));
  const int threads = resolve_threads(options.threads);
  const std::int64_t planned = options.organisations;
  PortfolioAttribution result;
  result.portfolio = portfolio;
  result.seed = options.seed;
  result.shapley = options.shapley;
  const Portfolio& p = result.portfolio;
  constexpr unsigned kSubsets = 1u << kSharings, kFull = kSubsets - 1;
  // The subset each row of per_org switches off: one sharing, then all four.
  std::array<unsigned, kV> row_mask{};
  for (std::size_t v = 0; v + 1 < kV; ++v) row_mask[v] = 1u << v;
  row_mask[kV - 1] = kFull;
  // Shapley weight of a subset of s sharings not containing the one valued: s!(3-s)!/4!.
  std::array<double, kSharings> weight{};
  for (std::size_t size = 0; size < kSharings; ++size) {
    double w = 1.0 / kSharings;
    for (std::size_t i = 1; i <= size; ++i)
      w *= static_cast<double>(i) / static_cast<double>(kSharings - i);
    weight[size] = w;
  }

  ChunkPipeline<Sums> pipeline(
      planned, threads,
      [&](std::int64_t begin, std::int64_t end) {
        Sums s;
        std::array<Outcomes, kSubsets> f;
        std::array<bool, kSubsets> needed{};
        for (unsigned mask = 0; mask < kSubsets; ++mask)
          needed[mask] = options.shapley || mask == 0 || popcount(mask) == 1 || mask == kFull;
        Stats phi{};
        OrganisationWorkspace workspace;  // reused by the chunk's organisations and subsets
        for (std::int64_t i = begin; i < end; ++i) {
          const auto org = static_cast<std::uint64_t>(i);
          for (unsigned mask = 0; mask < kSubsets; ++mask) {
            if (!needed[mask]) continue;
            f[mask] = outcomes_of(
                simulate_organisation(p, options.seed, org, sharing_of(mask), workspace));
            if (f[mask].completed.size() != f[0].completed.size())
              throw std::logic_error("organisation " + std::to_string(i) + " launched " +
                                     std::to_string(f[0].completed.size()) +
                                     " programmes with full sharing but " +
                                     std::to_string(f[mask].completed.size()) +
                                     " with sharings switched off (subset " + std::to_string(mask) +
                                     "); launches must not depend on "
                                     "sharing");
          }
          const Outcomes& base = f[0];
          const std::size_t launched = base.completed.size();
          ++s.n;
          for (std::size_t v = 0; v < kV; ++v) {
            const Outcomes& alt = f[row_mask[v]];
            for (std::size_t j = 0; j < kS; ++j) s.per_org[v][j].add(base.stats[j], alt.stats[j]);
            auto& ranks = s.per_rank[v];
            if (ranks.size() < launched) ranks.resize(launched);
            for (std::size_t k = 0; k < launched; ++k)
              ranks[k].add(base.completed[k], alt.completed[k]);
          }
          if (!options.shapley) continue;
          for (std::size_t j = 0; j < kSharings; ++j) {
            const unsigned bit = 1u << j;
            auto& ranks = s.shapley_rank[j];
            if (ranks.size() < launched) ranks.resize(launched);
            phi.fill(0.0);
            for (unsigned mask = 0; mask < kSubsets; ++mask) {
              if (mask & bit) continue;
              const double w = weight[static_cast<std::size_t>(popcount(mask))];
              for (std::size_t x = 0; x < kS; ++x)
                phi[x] += w * (f[mask | bit].stats[x] - f[mask].stats[x]);
            }
            for (std::size_t x = 0; x < kS; ++x) s.shapley_org[j][x].add(0.0, phi[x]);
            for (std::size_t k = 0; k < launched; ++k) {
              double part = 0.0;
              for (unsigned mask = 0; mask < kSubsets; ++mask) {
                if (mask & bit) continue;
                part += weight[static_cast<std::size_t>(popcount(mask))] *
                        (f[mask | bit].completed[k] - f[mask].completed[k]);
              }
              ranks[k].add(0.0, part);
            }
          }
        }
        return s;
      },
      kOrganisationChunk);
  Sums total;
  for (std::int64_t c = 0; c < pipeline.chunk_count(); ++c) {
    total.merge(pipeline.take(c));
    const bool batch_end = (c + 1) % kChunksPerBatch == 0 || c + 1 == pipeline.chunk_count();
    if (batch_end && options.progress && !options.progress(total.n, planned)) throw Cancelled();
  }
  result.n = total.n;
  result.per_org = total.per_org;
  result.per_rank = std::move(total.per_rank);
  if (result.shapley) {
    result.shapley_org = total.shapley_org;
    result.shapley_rank = std::move(total.shapley_rank);
    // Ranks no organisation reached under full sharing are reached by none in any subset.
    for (auto& ranks : result.shapley_rank) ranks.resize(result.ranks());
  }
  return result;
}

namespace {

std::string ordinal(std::size_t n) {
  const std::size_t mod100 = n % 100, mod10 = n % 10;
  const char* suffix = (mod100 >= 11 && mod100 <= 13) ? "th"
                       : mod10 == 1                   ? "st"
                       : mod10 == 2                   ? "nd"
                       : mod10 == 3                   ? "rd"
                                                      : "th";
  return std::to_string(n) + suffix;
}

std::string number(const char* fmt, double x) {
  char text[32];
  std::snprintf(text, sizeof text, fmt, x);
  return text;
}

std::string interval(const PairedDelta& d, double scale, const char* fmt) {
  return number(fmt, scale * d.delta.estimate) + " [" + number(fmt, scale * d.delta.lower) + ", " +
         number(fmt, scale * d.delta.upper) + "]";
}

// Table rows are padded to their columns; the padding after the last one is noise.
std::string trimmed(std::string s) {
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

bool excludes_zero(const PairedDelta& d) { return d.delta.lower > 0.0 || d.delta.upper < 0.0; }

// Ranks worth a line: reached by at least 1% of organisations (and by two, for an SE).
bool rank_shown(const PortfolioAttribution& r, std::size_t k) {
  const std::int64_t n = r.rank_launched(k);
  return n >= 2 && 100 * n >= r.n;
}

// The rank whose P(completed) this knock-out changes most, among ranks reached by at least
// 10% of organisations whose change is distinguishable from 0; ranks() when there is none.
std::size_t largest_rank(const PortfolioAttribution& r, SharingKnockout v) {
  std::size_t best = r.ranks();
  double size = -1.0;
  for (std::size_t k = 0; k < r.ranks(); ++k) {
    if (r.rank_launched(k) < 2 || 10 * r.rank_launched(k) < r.n) continue;
    const PairedDelta d = r.rank_cost(v, k);
    if (!excludes_zero(d)) continue;
    const double x = std::fabs(d.delta.estimate);
    // Under common random numbers a tiny effect can exclude 0; one the text would print as
    // 0.0 pp is nowhere to point at.
    if (x < 0.0005) continue;
    if (x > size) {
      size = x;
      best = k;
    }
  }
  return best;
}

// "cynicism carried over costs 0.31 [0.28, 0.34] completed programmes per organisation; the
// 6th programme's chance of completing is 4.2 pp [3.9, 4.5] lower with it."
std::string headline(const PortfolioAttribution& r, SharingKnockout v) {
  // A sharing that cannot act (its effects all 0) leaves every organisation as it was.
  bool identical = true;
  for (const PairedSums& s : r.per_org[static_cast<std::size_t>(v)])
    identical = identical && s.d2 == 0.0;
  for (const PairedSums& s : r.per_rank[static_cast<std::size_t>(v)])
    identical = identical && s.d2 == 0.0;
  if (identical)
    return std::string(describe(v)) +
           " costs nothing: every organisation ends exactly the same without it.\n";
  const PairedDelta c = r.cost(v, OrganisationStat::Completed);
  char line[400];
  const bool costs = c.delta.estimate >= 0.0;
  PairedDelta shown = c;
  if (!costs) shown.delta = {-c.delta.estimate, -c.delta.upper, -c.delta.lower};
  std::snprintf(line, sizeof line, "%s %s %s completed programmes per organisation%s", describe(v),
                costs ? "costs" : "gains", interval(shown, 1, "%.3f").c_str(),
                excludes_zero(c) ? "" : " (not distinguishable from 0)");
  std::string text = line;
  const std::size_t k = largest_rank(r, v);
  if (k < r.ranks()) {
    const PairedDelta d = r.rank_cost(v, k);
    PairedDelta pp = d;
    const bool lower = d.delta.estimate >= 0.0;
    if (!lower) pp.delta = {-d.delta.estimate, -d.delta.upper, -d.delta.lower};
    std::snprintf(line, sizeof line,
                  "; most at the %s programme, whose chance of completing is %s pp %s with it",
                  ordinal(k + 1).c_str(), interval(pp, 100, "%.1f").c_str(),
                  lower ? "lower" : "higher");
    text += line;
  }
  return text + ".\n";
}

}  // namespace

std::string format_portfolio_attribution(const PortfolioAttribution& r) {
  std::ostringstream os;
  char line[600];
  std::snprintf(line, sizeof line,
                "progsurv attribute: portfolio %s (seed %llu, %lld organisations, common random "
                "numbers; horizon %g months)\n",
                r.portfolio.label().c_str(), static_cast<unsigned long long>(r.seed),
                static_cast<long long>(r.n), r.portfolio.horizon);
  os << line;
  const auto all = [&](OrganisationStat s) { return r.cost(SharingKnockout::All, s); };
  const PairedDelta base_completed = all(OrganisationStat::Completed);
  const PairedDelta base_value = all(OrganisationStat::Value);
  double launched = 0.0;
  for (std::size_t s = 0; s < 4; ++s) launched += all(static_cast<OrganisationStat>(s)).base;
  std::snprintf(line, sizeof line,
                "with full sharing: %.3f programmes completed per organisation of %.2f launched; "
                "total value %.3f per organisation\n\n",
                base_completed.base, launched, base_value.base);
  os << line;
  os << "what each sharing costs, per organisation: the outcome with it switched off minus the "
        "outcome with full sharing.\nPaired differences with 95% intervals; a positive cost in "
        "completed means the sharing loses completions.\nended: the change in programmes "
        "ended early without the sharing (it rises when more programmes start without it).\n";
  std::snprintf(line, sizeof line, "  %-30s %10s  %-26s %-26s %s", "switched off", "completed",
                "completed: cost [95%]", "ended: change [95%]", "value: cost [95%]");
  os << line << "\n";
  for (std::size_t v = 0; v < kV; ++v) {
    const auto k = static_cast<SharingKnockout>(v);
    const PairedDelta c = r.cost(k, OrganisationStat::Completed);
    std::snprintf(line, sizeof line, "  %-30s %10.3f  %-26s %-26s %s", describe(k), c.knocked_out,
                  interval(c, 1, "%+.3f").c_str(),
                  interval(r.cost(k, OrganisationStat::Ended), 1, "%+.3f").c_str(),
                  interval(r.cost(k, OrganisationStat::Value), 1, "%+.3f").c_str());
    os << line << "\n";
  }
  os << "\n";
  for (std::size_t v = 0; v + 1 < kV; ++v) os << headline(r, static_cast<SharingKnockout>(v));
  if (!r.shapley) {
    os << "Single costs need not add up to the cost of all four: the sharings overlap.\n";
  } else {
    os << "\nShapley parts: single costs need not add up to the cost of all four (the sharings "
          "overlap);\neach sharing's part is its cost averaged over every order of switching "
          "the four off (exact, all 16 subsets),\nand the parts add up to the cost of all "
          "four.\n";
    std::snprintf(line, sizeof line, "  %-30s %-26s %-26s %s", "sharing", "completed: part [95%]",
                  "ended: part [95%]", "value: part [95%]");
    os << line << "\n";
    double sum = 0.0;
    for (std::size_t v = 0; v < kSharings; ++v) {
      const auto k = static_cast<SharingKnockout>(v);
      const PairedDelta c = r.shapley_cost(k, OrganisationStat::Completed);
      sum += c.delta.estimate;
      std::snprintf(line, sizeof line, "  %-30s %-26s %-26s %s", describe(k),
                    interval(c, 1, "%+.3f").c_str(),
                    interval(r.shapley_cost(k, OrganisationStat::Ended), 1, "%+.3f").c_str(),
                    interval(r.shapley_cost(k, OrganisationStat::Value), 1, "%+.3f").c_str());
      os << line << "\n";
    }
    std::snprintf(line, sizeof line,
                  "  sum of the parts: %+.3f completed per organisation = the cost of all four\n",
                  sum);
    os << line;
  }

  os << "\nby launch rank: P(the k-th programme completes) with full sharing, and what each "
        "sharing costs it (pp, 95%)\n";
  std::string head = "  rank  organisations  P(compl.)";
  for (std::size_t v = 0; v < kV; ++v) {
    std::snprintf(line, sizeof line, "  %-20s", to_string(static_cast<SharingKnockout>(v)));
    head += line;
  }
  os << trimmed(head) << "\n";
  std::size_t hidden = 0;
  for (std::size_t k = 0; k < r.ranks(); ++k) {
    if (!rank_shown(r, k)) {
      ++hidden;
      continue;
    }
    const PairedDelta first = r.rank_cost(SharingKnockout::Cynicism, k);
    std::snprintf(line, sizeof line, "  %4zu  %13lld  %8.1f%%", k + 1,
                  static_cast<long long>(r.rank_launched(k)), 100 * first.base);
    std::string text = line;
    for (std::size_t v = 0; v < kV; ++v) {
      std::snprintf(
          line, sizeof line, "  %-20s",
          interval(r.rank_cost(static_cast<SharingKnockout>(v), k), 100, "%+.1f").c_str());
      text += line;
    }
    os << trimmed(text) << "\n";
  }
  if (hidden > 0) {
    std::snprintf(line, sizeof line,
                  "  (%zu later ranks reached by fewer than 1%% of organisations are in the file "
                  "only)\n",
                  hidden);
    os << line;
  }
  return os.str();
}

namespace {

// [height x width] matrix of one field of a table of sums, row-major.
template <class Table, class Field>
std::vector<double> matrix(const Table& rows, std::size_t height, std::size_t width, Field field) {
  std::vector<double> out;
  out.reserve(height * width);
  for (std::size_t v = 0; v < height; ++v)
    for (std::size_t j = 0; j < width; ++j) out.push_back(field(rows[v][j]));
  return out;
}

// Derived, for readers that do not recompute: `<name>` (the mean), its 95% bounds and SE.
template <class Table>
void write_derived(h5::Group& g, const std::string& name, const Table& rows, std::size_t height,
                   std::size_t width) {
  const h5::Dims dims{height, width};
  const auto derived = [&](auto pick) {
    return matrix(rows, height, width, [&](const PairedSums& s) { return pick(paired_delta(s)); });
  };
  g.write_dataset(name, derived([](const PairedDelta& d) { return d.delta.estimate; }), dims);
  g.write_dataset(name + "_lower", derived([](const PairedDelta& d) { return d.delta.lower; }),
                  dims);
  g.write_dataset(name + "_upper", derived([](const PairedDelta& d) { return d.delta.upper; }),
                  dims);
  g.write_dataset(name + "_se", derived([](const PairedDelta& d) { return d.se; }), dims);
}

template <class Table, class Shapley>
void write_sums(h5::Group& g, const Table& rows, const Shapley* shapley, std::size_t width) {
  const h5::Dims dims{kV, width};
  const auto field = [&](auto pick) { return matrix(rows, kV, width, pick); };
  g.write_dataset("base_sum", field([](const PairedSums& s) { return s.base; }), dims);
  g.write_dataset("variant_sum", field([](const PairedSums& s) { return s.variant; }), dims);
  g.write_dataset("delta_sum", field([](const PairedSums& s) { return s.d; }), dims);
  g.write_dataset("delta_sumsq", field([](const PairedSums& s) { return s.d2; }), dims);
  write_derived(g, "delta", rows, kV, width);
  if (!shapley) return;
  const h5::Dims four{kSharings, width};
  g.write_dataset("shapley_sum",
                  matrix(*shapley, kSharings, width, [](const PairedSums& s) { return s.d; }),
                  four);
  g.write_dataset("shapley_sumsq",
                  matrix(*shapley, kSharings, width, [](const PairedSums& s) { return s.d2; }),
                  four);
  write_derived(g, "shapley", *shapley, kSharings, width);
}

}  // namespace

void write_portfolio_attribution(const std::string& path, const PortfolioAttribution& r) {
  h5::write_result_file(path, kFormat, [&](h5::File& f) {
    f.write_attr("seed", r.seed);
    f.write_attr("organisations", r.n);
    f.write_attr("horizon", r.portfolio.horizon);
    f.write_attr("chunk_size", kOrganisationChunk);
    f.write_attr("sign", "cost = outcome with the sharing switched off minus with full sharing");
    f.write_attr("interval_method",
                 "paired normal: mean of per-organisation differences ± 1.96 SE");
    f.write_attr("confidence", 0.95);
    f.write_attr("shapley_method", r.shapley ? "exact" : "none");
    {
      h5::Group g = f.create_group("portfolio");
      const Portfolio& p = r.portfolio;
      g.write_attr("name", p.name);
      g.write_attr("label", p.label());  // format 1.1
      h5::write_changes(g, "changes", p.changes);
      g.write_attr("description", p.description);
      g.write_attr("source", p.source);
      g.write_string("source_yaml", p.yaml_text);
      g.write_strings("template_names", p.template_names);
      g.write_strings("template_sources", p.template_sources);
      std::vector<std::string> yaml;
      for (const auto& t : p.templates) yaml.push_back(t.to_yaml());
      g.write_strings("template_yaml", yaml);
    }
    std::vector<std::string> names, descriptions;
    for (const auto& k : kKnockouts) {
      names.emplace_back(k.name);
      descriptions.emplace_back(k.description);
    }
    f.write_strings("knockouts", names);
    f.write_strings("descriptions", descriptions);
    f.write_strings("statistics", std::vector<std::string>(kStatNames.begin(), kStatNames.end()));
    {
      h5::Group g = f.create_group("per_organisation");
      g.write_attr("pairs", r.n);
      write_sums(g, r.per_org, r.shapley ? &r.shapley_org : nullptr, kS);
    }
    {
      h5::Group g = f.create_group("per_rank");
      const std::size_t k = r.ranks();
      std::vector<std::int64_t> launched(k);
      for (std::size_t j = 0; j < k; ++j) launched[j] = r.rank_launched(j);
      g.write_dataset("launched", launched);
      write_sums(g, r.per_rank, r.shapley ? &r.shapley_rank : nullptr, k);
    }
  });
}

PortfolioAttribution read_portfolio_attribution(const std::string& path) {
  const auto bad = [&](const std::string& what) { return FileFormatError(path + ": " + what); };
  return h5::read_result_file(path, kFormat, [&](const h5::File& f, h5::FormatVersion) {
    PortfolioAttribution r;
    r.seed = f.read_attr<std::uint64_t>("seed");
    r.n = f.read_attr<std::int64_t>("organisations");
    if (r.n < 2) throw bad("fewer than 2 organisations");
    {
      const h5::Group g = f.open_group("portfolio");
      Portfolio& p = r.portfolio;
      p.name = g.read_attr_string("name");
      h5::read_changes(g, "changes", p.changes);  // absent before format 1.1: nothing set
      p.description = g.read_attr_string("description");
      p.source = g.read_attr_string("source");
      p.horizon = f.read_attr<double>("horizon");
      p.yaml_text = g.read_string("source_yaml");
      p.template_names = g.read_strings("template_names");
      p.template_sources = g.read_strings("template_sources");
    }
    const std::vector<std::string> names = f.read_strings("knockouts");
    const std::vector<std::string> stats = f.read_strings("statistics");
    for (std::size_t v = 0; v < kV; ++v)
      if (names.size() != kV || names[v] != kKnockouts[v].name)
        throw bad("/knockouts is not [cynicism, trust, posts, budget, all]");
    for (std::size_t s = 0; s < kS; ++s)
      if (stats.size() != kS || stats[s] != kStatNames[s])
        throw bad("/statistics is not [completed, ended, not_started, running, value]");
    const std::string method =
        f.has_attr("shapley_method") ? f.read_attr_string("shapley_method") : "none";
    if (method != "exact" && method != "none")
      throw bad("shapley_method '" + method + "' is neither 'exact' nor 'none'");
    r.shapley = method == "exact";
    const auto read_matrix = [&](const h5::Group& g, const std::string& where,
                                 const std::string& name, std::size_t height, std::size_t width) {
      h5::Dims dims;
      std::vector<double> m = g.read_dataset<double>(name, &dims);
      if (dims.size() != 2 || dims[0] != height || dims[1] != width)
        throw bad(where + "/" + name + " is not [" + std::to_string(height) + " x " +
                  std::to_string(width) + "]");
      return m;
    };
    // Fills the tables of a group from its raw sums: [V x width], and the Shapley parts
    // [4 x width] when the file has them.
    const auto read_sums = [&](const h5::Group& g, const std::string& where, std::size_t width,
                               const std::vector<std::int64_t>& pairs, auto& table, auto& shapley) {
      const auto base = read_matrix(g, where, "base_sum", kV, width),
                 variant = read_matrix(g, where, "variant_sum", kV, width),
                 d = read_matrix(g, where, "delta_sum", kV, width),
                 d2 = read_matrix(g, where, "delta_sumsq", kV, width);
      for (std::size_t v = 0; v < kV; ++v)
        for (std::size_t j = 0; j < width; ++j) {
          const std::size_t at = v * width + j;
          table[v][j] = PairedSums{pairs[j], base[at], variant[at], d[at], d2[at]};
        }
      if (!r.shapley) return;
      const auto sd = read_matrix(g, where, "shapley_sum", kSharings, width),
                 sd2 = read_matrix(g, where, "shapley_sumsq", kSharings, width);
      for (std::size_t v = 0; v < kSharings; ++v)
        for (std::size_t j = 0; j < width; ++j) {
          const std::size_t at = v * width + j;
          shapley[v][j] = PairedSums{pairs[j], 0.0, sd[at], sd[at], sd2[at]};
        }
    };
    read_sums(f.open_group("per_organisation"), "/per_organisation", kS,
              std::vector<std::int64_t>(kS, r.n), r.per_org, r.shapley_org);
    const h5::Group g = f.open_group("per_rank");
    const std::vector<std::int64_t> launched = g.read_dataset<std::int64_t>("launched");
    for (std::size_t k = 0; k < launched.size(); ++k)
      if (launched[k] < 0 || launched[k] > r.n)
        throw bad("/per_rank/launched[" + std::to_string(k) + "] is outside [0, organisations]");
    for (auto& ranks : r.per_rank) ranks.resize(launched.size());
    if (r.shapley)
      for (auto& ranks : r.shapley_rank) ranks.resize(launched.size());
    read_sums(g, "/per_rank", launched.size(), launched, r.per_rank, r.shapley_rank);
    return r;
  });
}

}  // namespace progsurv
