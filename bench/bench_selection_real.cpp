// Ranking and selection on the real remedies problem (docs/remedies-search.md, "Against equal
// allocation"): the replications the search spends and how often it is right, against equal
// allocation, on the bundles of a scenario and a remedies file. Not a test: a benchmark in
// two steps.
//
//   progsurv_bench_selection_real pool SCENARIO REMEDIES TARGET DIR [--batch b]
//       [--chunk c] [--chunks n] [--threads t]
//     simulates every bundle (common random numbers, seed 1, replications 0, 1, ...: the
//     search's own) in batches of b replications (default 25) and writes them to DIR in
//     chunks of c batches (default 64) per bundle, DIR/chunk-NNNN.bin, each written under a
//     temporary name and renamed: a run stopped half-way keeps its finished chunks and the
//     next run computes only the missing ones (resumable). n chunks in all (default 20:
//     32,000 replications per bundle with the defaults). DIR/meta.txt holds the bundles'
//     costs, the bound, delta and b.
//   progsurv_bench_selection_real replay DIR [--seeds s] [--batch B] [--n0 n]
//       [--equal R1,R2,...]
//     takes the pooled replications as the truth (every bundle's value is its mean over the
//     pool, so the correct answer and frontier are known exactly) and runs the search
//     (select_systems with the command's defaults: alpha 0.05, epsilon = delta) and equal
//     allocation with R replications per bundle, over s seeds (default 50). Seed s draws
//     observation j of every bundle as the mean of B / b pooled batches chosen at random with
//     replacement, the same batches for every bundle (common random numbers, as the command
//     has them): a bootstrap of the real bundles' joint distribution.
//     Scored like bench_selection.cpp: the answer is right when its true value is at worst
//     epsilon short of the bound and it costs no more than the cheapest bundle epsilon inside
//     it; the frontier is right when, for every distinct cost c, the reported frontier point
//     within c is within delta of the true best within c (all costs at once).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <numeric>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "progsurv/analysis/remedies.hpp"
#include "progsurv/analysis/selection.hpp"

namespace fs = std::filesystem;
using namespace progsurv;

namespace {

std::string option(std::vector<std::string>& args, const std::string& name,
                   const std::string& fallback) {
  for (std::size_t i = 0; i + 1 < args.size(); ++i)
    if (args[i] == name) {
      std::string v = args[i + 1];
      args.erase(args.begin() + static_cast<std::ptrdiff_t>(i),
                 args.begin() + static_cast<std::ptrdiff_t>(i) + 2);
      return v;
    }
  return fallback;
}

std::string chunk_name(const fs::path& dir, int c) {
  char name[32];
  std::snprintf(name, sizeof name, "chunk-%04d.bin", c);
  return (dir / name).string();
}

int pool(std::vector<std::string> args) {
  const std::int64_t batch = std::stoll(option(args, "--batch", "25"));
  const std::int64_t chunk = std::stoll(option(args, "--chunk", "64"));
  const int chunks = std::stoi(option(args, "--chunks", "20"));
  const int threads = std::stoi(option(args, "--threads", "0"));
  if (args.size() != 4) throw std::invalid_argument("pool SCENARIO REMEDIES TARGET DIR");
  const Scenario base = Scenario::load(args[0]);
  const RemedySet set = RemedySet::load(args[1], base);
  RemediesOptions opt;
  GoalRequest q;
  q.target = args[2];
  resolve_goal(q, opt);
  opt.batch = batch;
  opt.threads = threads;
  const fs::path dir = args[3];
  fs::create_directories(dir);
  const std::vector<Bundle> bundles = enumerate_bundles(set);
  std::vector<Scenario> scenarios;
  for (const Bundle& b : bundles) scenarios.push_back(bundle_scenario(base, set, b));
  {
    std::ofstream meta(dir / "meta.txt");
    meta.precision(17);
    meta << "bundles " << bundles.size() << "\nbatch " << batch << "\nchunk " << chunk << "\nbound "
         << opt.target->bound << "\nat_least " << opt.target->at_least << "\ndelta " << opt.delta
         << "\ncosts";
    for (const Bundle& b : bundles) meta << ' ' << b.cost;
    meta << "\nlabels\n";
    for (const Bundle& b : bundles) meta << b.label << '\n';
  }
  std::vector<int> systems(bundles.size());
  std::iota(systems.begin(), systems.end(), 0);
  for (int c = 0; c < chunks; ++c) {
    const std::string name = chunk_name(dir, c);
    if (fs::exists(name)) continue;
    std::vector<double> out;
    observe_bundles(scenarios, opt, systems, c * chunk, chunk, out);
    const std::string tmp = name + ".tmp";
    {
      std::ofstream f(tmp, std::ios::binary);
      f.write(reinterpret_cast<const char*>(out.data()),
              static_cast<std::streamsize>(out.size() * sizeof(double)));
      if (!f) throw std::runtime_error("cannot write " + tmp);
    }
    fs::rename(tmp, name);
    std::cerr << "chunk " << c + 1 << " of " << chunks << " written\n";
  }
  return 0;
}

std::uint64_t mix(std::uint64_t x) {  // splitmix64's finaliser
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

struct Pool {
  std::size_t k = 0;
  std::int64_t batch = 0, n = 0;  // n batches per bundle
  double bound = 0.0, delta = 0.0;
  bool at_least = true;
  std::vector<double> costs, truth;
  std::vector<std::vector<double>> y;  // y[s][j]
};

Pool load(const fs::path& dir) {
  Pool p;
  std::ifstream meta(dir / "meta.txt");
  std::string key;
  std::int64_t chunk = 0;
  meta >> key >> p.k >> key >> p.batch >> key >> chunk >> key >> p.bound >> key >> p.at_least >>
      key >> p.delta >> key;
  p.costs.resize(p.k);
  for (double& c : p.costs) meta >> c;
  if (!meta) throw std::runtime_error("cannot read " + (dir / "meta.txt").string());
  p.y.assign(p.k, {});
  for (int c = 0; fs::exists(chunk_name(dir, c)); ++c) {
    std::vector<double> in(p.k * static_cast<std::size_t>(chunk));
    std::ifstream f(chunk_name(dir, c), std::ios::binary);
    f.read(reinterpret_cast<char*>(in.data()),
           static_cast<std::streamsize>(in.size() * sizeof(double)));
    if (!f) throw std::runtime_error("short chunk " + chunk_name(dir, c));
    for (std::size_t s = 0; s < p.k; ++s)
      p.y[s].insert(p.y[s].end(), in.begin() + static_cast<std::ptrdiff_t>(s * chunk),
                    in.begin() + static_cast<std::ptrdiff_t>((s + 1) * chunk));
    p.n += chunk;
  }
  if (p.n == 0) throw std::runtime_error("no chunks in " + dir.string());
  p.truth.resize(p.k);
  for (std::size_t s = 0; s < p.k; ++s)
    p.truth[s] = std::accumulate(p.y[s].begin(), p.y[s].end(), 0.0) / static_cast<double>(p.n);
  return p;
}

struct Score {
  bool answer = false, frontier = false;
  std::vector<char> per_cost;  // per distinct cost (ascending): the frontier is right there
  // Per distinct cost: the best bundle within it is at least delta better than every other
  // within it (the indifference-zone condition of the frontier's guarantee).
  std::vector<char> separated;
};

Score score(const Pool& p, const SelectionResult& r) {
  const double sign = p.at_least ? 1.0 : -1.0;
  Score out;
  double cheapest_inside = std::numeric_limits<double>::infinity();
  for (std::size_t s = 0; s < p.k; ++s)
    if (sign * (p.truth[s] - p.bound) >= p.delta)
      cheapest_inside = std::min(cheapest_inside, p.costs[s]);
  if (r.chosen >= 0) {
    const auto c = static_cast<std::size_t>(r.chosen);
    out.answer = sign * (p.truth[c] - p.bound) >= -p.delta && p.costs[c] <= cheapest_inside;
  }
  std::vector<double> levels = p.costs;
  std::sort(levels.begin(), levels.end());
  levels.erase(std::unique(levels.begin(), levels.end()), levels.end());
  out.frontier = true;
  for (const double c : levels) {
    double best = -std::numeric_limits<double>::infinity(), second = best;
    for (std::size_t s = 0; s < p.k; ++s)
      if (p.costs[s] <= c) {
        const double v = sign * p.truth[s];
        second = std::max(second, std::min(best, v));
        best = std::max(best, v);
      }
    out.separated.push_back(second <= best - p.delta ? 1 : 0);
    int reported = -1;
    for (const int s : r.frontier)
      if (p.costs[static_cast<std::size_t>(s)] <= c) reported = s;
    const bool right =
        reported >= 0 && sign * p.truth[static_cast<std::size_t>(reported)] >= best - p.delta;
    out.per_cost.push_back(right ? 1 : 0);
    out.frontier = out.frontier && right;
  }
  return out;
}

int replay(std::vector<std::string> args) {
  const int seeds = std::stoi(option(args, "--seeds", "50"));
  const std::int64_t B = std::stoll(option(args, "--batch", "250"));
  const std::int64_t n0 = std::stoll(option(args, "--n0", "20"));
  const std::string equal = option(args, "--equal", "");
  const bool sequential = option(args, "--sequential", "yes") == "yes";
  if (args.size() != 1) throw std::invalid_argument("replay DIR");
  const Pool p = load(args[0]);
  if (B % p.batch != 0)
    throw std::invalid_argument("--batch must be a multiple of the pool's " +
                                std::to_string(p.batch));
  const std::int64_t m = B / p.batch;
  double lo = 1e300, hi = -1e300;
  for (const double t : p.truth) lo = std::min(lo, t), hi = std::max(hi, t);
  std::cout << "pool: " << p.k << " bundles, " << p.n << " batches of " << p.batch << " ("
            << p.n * p.batch << " replications each); true values " << lo << " to " << hi
            << "; bound " << p.bound << ", delta = epsilon = " << p.delta << "\n";

  auto run = [&](const std::string& what, bool eq, std::int64_t cap) {
    SelectionOptions o;
    o.delta = p.delta;
    o.n0 = n0;
    // Equal allocation reads only each bundle's total mean: observations of one pooled
    // batch, so any replication count that is a multiple of the pool's batch can be asked.
    const std::int64_t mm = eq ? 1 : m;
    o.n0 = std::min(n0, cap);
    o.max_observations = cap;
    o.maximise = p.at_least;
    o.target = SelectionTarget{p.bound, p.at_least};
    o.equal_allocation = eq;
    std::int64_t observations = 0, answers = 0, frontiers = 0, capped = 0;
    std::vector<int> per_cost;
    std::vector<char> separated;
    for (int seed = 1; seed <= seeds; ++seed) {
      const Observer observe = [&](const std::vector<int>& systems, std::int64_t first,
                                   std::int64_t count, std::vector<double>& out) {
        std::vector<std::size_t> idx(static_cast<std::size_t>(mm));
        for (std::int64_t j = 0; j < count; ++j) {
          for (std::int64_t t = 0; t < mm; ++t)
            idx[static_cast<std::size_t>(t)] = static_cast<std::size_t>(
                mix(mix(static_cast<std::uint64_t>(seed)) ^
                    mix(static_cast<std::uint64_t>((first + j) * mm + t) + 0x51ED27ULL)) %
                static_cast<std::uint64_t>(p.n));
          for (std::size_t i = 0; i < systems.size(); ++i) {
            const std::vector<double>& y = p.y[static_cast<std::size_t>(systems[i])];
            double sum = 0.0;
            for (const std::size_t x : idx) sum += y[x];
            out[i * static_cast<std::size_t>(count) + static_cast<std::size_t>(j)] =
                sum / static_cast<double>(mm);
          }
        }
      };
      const SelectionResult r = select_systems(p.costs, observe, o);
      observations += r.total_observations;
      const Score s = score(p, r);
      answers += s.answer;
      frontiers += s.frontier;
      per_cost.resize(s.per_cost.size(), 0);
      for (std::size_t c = 0; c < s.per_cost.size(); ++c) per_cost[c] += s.per_cost[c];
      separated = s.separated;
      capped += r.termination == Termination::Capped;
    }
    const int worst = *std::min_element(per_cost.begin(), per_cost.end());
    int worst_separated = seeds, n_separated = 0;
    for (std::size_t c = 0; c < per_cost.size(); ++c)
      if (separated[c]) {
        ++n_separated;
        worst_separated = std::min(worst_separated, per_cost[c]);
      }
    std::cout << what << "\tB=" << (eq ? p.batch : B) << "\tn0=" << o.n0 << "\treplications="
              << static_cast<double>(observations) * static_cast<double>(mm * p.batch) / seeds / 1e6
              << "M\tanswer " << answers << "/" << seeds << "\tfrontier (every cost) " << frontiers
              << "/" << seeds << "\tfrontier (worst cost) " << worst << "/" << seeds
              << "\tfrontier (worst of the " << n_separated << " separated costs) "
              << worst_separated << "/" << seeds << "\tcapped " << capped << std::endl;
  };
  if (sequential) run("sequential", false, 1000000 / B);
  std::stringstream list(equal);
  for (std::string item; std::getline(list, item, ',');) {
    const std::int64_t reps = std::stoll(item);
    if (reps % p.batch != 0 || reps / p.batch < 10)
      throw std::invalid_argument("--equal: " + item + " is not a multiple of " +
                                  std::to_string(p.batch) + " of at least 10 batches");
    run("equal " + item + "/bundle", true, reps / p.batch);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  try {
    if (!args.empty() && args[0] == "pool") return pool({args.begin() + 1, args.end()});
    if (!args.empty() && args[0] == "replay") return replay({args.begin() + 1, args.end()});
    std::cerr << "usage: progsurv_bench_selection_real pool|replay ... (see the file's top)\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "progsurv_bench_selection_real: " << e.what() << "\n";
    return 2;
  }
}
