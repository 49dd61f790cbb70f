// Running sweeps: points over threads (and MPI ranks), a crash-safe journal for --resume and
// the sensitivity tables. The sweep file and the printed table are in sweep_result_file.cpp,
// the sweep definition's reader in sweep_file.cpp.
#include "progsurv/analysis/sweep.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <deque>
#include <exception>
#include <filesystem>
#include <initializer_list>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include "analysis/sweep_journal.hpp"
#include "io/file_sync.hpp"
#include "io/h5.hpp"
#include "progsurv/engine/memory_budget.hpp"
#include "progsurv/engine/run.hpp"
#include "progsurv/io/version.hpp"
#include "progsurv/portfolio/portfolio_run.hpp"
#include "progsurv/scenario/error.hpp"

#ifdef PROGSURV_HAVE_MPI
// The C API is all that is used; the deprecated C++ bindings only add link dependencies.
#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>
#endif

namespace progsurv {

using sweep_detail::decode_point;
using sweep_detail::different_sweep;
using sweep_detail::encode_point;
using sweep_detail::Journal;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// --- metrics -------------------------------------------------------------------------

double binomial_se(double p, std::int64_t n) {
  return n > 0 ? std::sqrt(p * (1.0 - p) / static_cast<double>(n)) : kNaN;
}

std::size_t grid_index(const std::vector<double>& grid, double t) {
  const auto it = std::find(grid.begin(), grid.end(), t);
  if (it == grid.end()) throw std::logic_error("sweep: metric time missing from the run grid");
  return static_cast<std::size_t>(it - grid.begin());
}

void compute_metrics(const Sweep& sweep, const RunResult& r, PointResult& out) {
  const Summary& sm = r.summary;
  const Tally& t = r.tally;
  const std::int64_t n = t.n;
  const double nn = static_cast<double>(n);
  using Kind = ScenarioStatistic::Kind;
  for (const SweepMetric& metric : sweep.metrics) {
    if (metric.kind != MetricKind::Scenario)
      throw std::logic_error("sweep: metric " + metric.name + " is not a scenario metric");
    const ScenarioStatistic& m = metric.scenario;
    double est = kNaN, se = kNaN;
    switch (m.kind) {
      case Kind::Outcome:
        est = sm.outcome_share[static_cast<std::size_t>(m.outcome)].estimate;
        se = binomial_se(est, n);
        break;
      case Kind::Cause:
        est = static_cast<double>(t.count(end_category(Outcome::Ended, m.cause))) / nn;
        se = binomial_se(est, n);
        break;
      case Kind::CompletedBy: {
        const std::size_t g = grid_index(sm.grid, m.t);
        est = static_cast<double>(
                  sm.curve_count[static_cast<std::size_t>(EndCategory::Completed)][g]) /
              nn;
        se = binomial_se(est, n);
        break;
      }
      case Kind::EndedBy: {
        const std::size_t g = grid_index(sm.grid, m.t);
        std::int64_t count = 0;
        for (int c = 0; c < kCauseCount; ++c)
          if (m.cause == Cause::None || static_cast<int>(m.cause) == c)
            count += sm.curve_count[static_cast<std::size_t>(c + 1)][g];
        est = static_cast<double>(count) / nn;
        se = binomial_se(est, n);
        break;
      }
      case Kind::Value:
        est = sm.value_mean.estimate;
        se = sm.value_se;
        break;
      case Kind::CompletionQuantile: {
        const double width = t.horizon / Tally::kCompletionBins;
        est = histogram_quantile(t.completion_hist, width, nn, m.q);
        // Distribution-free: the quantiles one binomial SE of the level either side.
        const double s = std::sqrt(m.q * (1 - m.q) / nn);
        const double lo =
            histogram_quantile(t.completion_hist, width, nn, std::max(m.q - s, 1e-12));
        const double hi = histogram_quantile(t.completion_hist, width, nn, std::min(m.q + s, 1.0));
        se = (hi - lo) / 2;
        break;
      }
      case Kind::CauseShare: {
        const std::int64_t ended = n - t.count(EndCategory::Completed) -
                                   t.count(EndCategory::NotStarted) - t.count(EndCategory::Running);
        est = sm.cause_share[static_cast<std::size_t>(m.cause)].estimate;
        se = binomial_se(est, ended);
        break;
      }
      case Kind::MeanStarted:
        est = sm.mean[static_cast<std::size_t>(m.quantity)];
        se = sm.se[static_cast<std::size_t>(m.quantity)];
        break;
      case Kind::Months:  // the sweep file refuses it (not_in_sweep())
        throw std::logic_error("sweep: metric " + metric.name + " is not recorded by a sweep");
    }
    out.estimate.push_back(est);
    out.se.push_back(se);
  }
  if (sweep.curves) {
    const auto& completed = sm.curve[static_cast<std::size_t>(EndCategory::Completed)];
    for (const Estimate& e : completed) out.completed.push_back(e.estimate);
    for (const Estimate& e : sm.survival) out.survival.push_back(e.estimate);
  }
}

// Mean per organisation and its standard error, from the sums kept in the tally.
void mean_and_se(const Moments& m, std::int64_t n, double& est, double& se) {
  if (n < 1) {
    est = se = kNaN;
    return;
  }
  const double nn = static_cast<double>(n);
  est = m.sum / nn;
  se = n < 2 ? kNaN : std::sqrt(std::max(0.0, (m.sumsq - nn * est * est) / (nn - 1.0)) / nn);
}

// What a Count or Share statistic counts per organisation (PortfolioStatistic::counts: one
// category, or every ending), as sums over organisations of it, its square and it times the
// organisation's launches. Every ending together has its own sums: those of the categories
// would not give the square of their total.
struct Counted {
  Moments moments;
  double times_launched = 0.0;
};
Counted counted(const PortfolioTally& t, const PortfolioStatistic& s) {
  int categories = 0, last = 0;
  for (int c = 0; c < kEndCategoryCount; ++c)
    if (s.counts(static_cast<EndCategory>(c))) ++categories, last = c;
  if (categories > 1) return {t.per_org_ended, static_cast<double>(t.per_org_ended_cross)};
  const auto c = static_cast<std::size_t>(last);
  return {t.per_org_category[c], static_cast<double>(t.per_org_category_cross[c])};
}

// Portfolio metrics from the raw tally (docs/sweep-format.md); `count` is what each
// estimate is a share or mean over.
void compute_portfolio_metrics(const Sweep& sweep, const PortfolioTally& t, double horizon,
                               PointResult& out) {
  const std::int64_t n = t.n;
  using PKind = PortfolioStatistic::Kind;
  for (const SweepMetric& m : sweep.metrics) {
    double est = kNaN, se = kNaN;
    std::int64_t count = n;
    if (m.kind != MetricKind::Portfolio)
      throw std::logic_error("sweep: metric " + m.name + " is not a portfolio metric");
    const PortfolioStatistic& s = m.statistic;
    switch (s.kind) {
      case PKind::Launched:
        mean_and_se(t.per_org_launched, n, est, se);
        break;
      case PKind::Count:
        mean_and_se(counted(t, s).moments, n, est, se);
        break;
      case PKind::Share: {
        // Of every programme launched, pooled over organisations: a ratio over organisations
        // (an organisation's programmes share its sponsors), its delta-method standard error.
        const Counted x = counted(t, s);
        ClusteredCounts cc;
        cc.clusters = n;
        cc.x = x.moments.sum;
        cc.xx = x.moments.sumsq;
        cc.xy = x.times_launched;
        cc.y = t.per_org_launched.sum;
        cc.yy = t.per_org_launched.sumsq;
        count = static_cast<std::int64_t>(std::llround(cc.y));
        if (count > 0) {
          est = cc.x / cc.y;
          se = clustered_ratio_se(cc);
        }
        break;
      }
      case PKind::Value:
        mean_and_se(t.per_org_value, n, est, se);
        break;
      case PKind::RankEnd: {
        const auto k = static_cast<std::size_t>(s.rank - 1);
        count = k < t.ranks() ? t.rank_launched[k] : 0;
        if (count > 0) {
          std::int64_t hits = 0;
          for (int c = 0; c < kEndCategoryCount; ++c)
            if (s.counts(static_cast<EndCategory>(c)))
              hits += t.rank_count(k, static_cast<EndCategory>(c));
          est = static_cast<double>(hits) / static_cast<double>(count);
          se = binomial_se(est, count);
        }
        break;
      }
      case PKind::RankReached: {
        const auto k = static_cast<std::size_t>(s.rank - 1);
        const std::int64_t reached = k < t.ranks() ? t.rank_launched[k] : 0;
        if (n > 0) {
          est = static_cast<double>(reached) / static_cast<double>(n);
          se = binomial_se(est, n);
        }
        break;
      }
      case PKind::LevelAt: {
        const std::size_t g = grid_index(t.grid, s.level_time(horizon));
        mean_and_se(s.trust ? t.trust[g] : t.cynicism[g], n, est, se);
        break;
      }
      case PKind::OrphanedPerExit: {
        // Over sponsor exits that orphaned at least one programme, treated as independent:
        // the standard error of the mean of orphaned_hist.
        std::int64_t exits = 0;
        double sum = 0.0, sumsq = 0.0;
        for (std::size_t j = 0; j < t.orphaned_hist.size(); ++j) {
          const auto h = static_cast<double>(t.orphaned_hist[j]);
          const auto x = static_cast<double>(j);
          exits += t.orphaned_hist[j];
          sum += h * x;
          sumsq += h * x * x;
        }
        count = exits;
        mean_and_se(Moments{sum, sumsq}, exits, est, se);
        break;
      }
    }
    out.estimate.push_back(est);
    out.se.push_back(se);
    out.count.push_back(count);
  }
}

// --- MPI -------------------------------------------------------------------------------

int mpi_rank() {
#ifdef PROGSURV_HAVE_MPI
  int init = 0, fin = 0;
  MPI_Initialized(&init);
  MPI_Finalized(&fin);
  if (init && !fin) {
    int r = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &r);
    return r;
  }
#endif
  return 0;
}

int mpi_size() {
#ifdef PROGSURV_HAVE_MPI
  int init = 0, fin = 0;
  MPI_Initialized(&init);
  MPI_Finalized(&fin);
  if (init && !fin) {
    int s = 1;
    MPI_Comm_size(MPI_COMM_WORLD, &s);
    return s;
  }
#endif
  return 1;
}

#ifdef PROGSURV_HAVE_MPI
constexpr int kTagResult = 1;
constexpr int kTagDone = 2;

void bcast_string(std::string& s, int rank) {
  std::uint64_t size = s.size();
  MPI_Bcast(&size, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);
  if (rank != 0) s.resize(size);
  if (size > 0) MPI_Bcast(s.data(), static_cast<int>(size), MPI_CHAR, 0, MPI_COMM_WORLD);
}
#endif

int local_ranks() {
  for (const char* var : {"OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS"})
    if (const char* v = std::getenv(var)) {
      const int n = std::atoi(v);
      if (n > 0) return n;
    }
  return 1;
}

}  // namespace

std::vector<int> mpi_ranks_differing(const std::string& value) {
  std::vector<int> differing;
#ifdef PROGSURV_HAVE_MPI
  const int rank = mpi_rank(), size = mpi_size();
  if (size <= 1) return differing;
  std::string first = value;
  bcast_string(first, rank);
  const int mine = first != value;
  std::vector<int> all(static_cast<std::size_t>(size));
  MPI_Allgather(&mine, 1, MPI_INT, all.data(), 1, MPI_INT, MPI_COMM_WORLD);
  for (int r = 0; r < size; ++r)
    if (all[static_cast<std::size_t>(r)]) differing.push_back(r);
#else
  (void)value;
#endif
  return differing;
}

// --- running -----------------------------------------------------------------------------

PointResult run_point(const Sweep& sweep, std::size_t index,
                      const std::function<bool()>& keep_going) {
  RunOptions opt;
  opt.seed = sweep.point_seed(index);
  opt.threads = 1;
  if (sweep.precision > 0) {
    opt.precision = sweep.precision;
    opt.max_replications = sweep.max_replications;
  } else {
    opt.replications = sweep.replications;
  }
  if (keep_going) opt.progress = [&](std::int64_t, std::int64_t) { return keep_going(); };
  if (sweep.is_portfolio()) {
    const Portfolio portfolio = sweep.point_portfolio(index);
    const PortfolioResult r = run_portfolio(portfolio, opt);
    PointResult p;
    p.index = static_cast<std::int64_t>(index);
    p.replications = r.tally.n;
    compute_portfolio_metrics(sweep, r.tally, portfolio.horizon, p);
    return p;
  }
  Scenario scenario = sweep.point_scenario(index);
  scenario.grid = sweep.run_grid(scenario);
  const RunResult r = run(scenario, opt);
  PointResult p;
  p.index = static_cast<std::int64_t>(index);
  p.replications = r.tally.n;
  compute_metrics(sweep, r, p);
  return p;
}

SweepResult run_sweep(const Sweep& sweep, const SweepOptions& options) {
  resolve_threads(options.threads);  // refuses a bad count before any file is touched
  {
    // Every point's estimates (and curves) are held until the end, then the file image.
    const double curve = sweep.curves ? static_cast<double>(sweep.run_grid(sweep.base).size()) : 0;
    const double per_point =
        8.0 * (2.0 * static_cast<double>(sweep.metrics.size()) + 2.0 * curve) + 64.0;
    check_memory(3.0 * per_point * static_cast<double>(sweep.point_count()), "this sweep");
  }
  const int rank = mpi_rank(), size = mpi_size();
  const std::size_t total = sweep.point_count();
  std::vector<std::optional<PointResult>> results(total);
  std::optional<Journal> journal;
  std::int64_t resumed = 0;
  bool resumed_from_file = false;

  // Rank 0 decides what is left to do; every rank must agree on the sweep first.
  std::string status;  // empty = fine, otherwise the error rank 0 throws
  bool status_is_format = false;
  if (size > 1 && !mpi_ranks_differing(sweep.fingerprint).empty())
    throw FileFormatError(
        "the MPI ranks read different sweeps (fingerprints differ); every "
        "rank must see the same sweep and base scenario files");
  if (rank == 0 && !options.output.empty()) {
    journal.emplace(options.output + ".partial");
    try {
      if (journal->exists()) {
        if (!options.resume)
          throw FileFormatError(journal->path() + " exists: an interrupted sweep. Pass " +
                                options.resume_spelling +
                                " to continue it, or delete it to start afresh");
        for (auto& p : journal->recover(sweep)) {
          const auto i = static_cast<std::size_t>(p.index);
          if (!results[i]) {
            results[i] = std::move(p);
            ++resumed;
          }
        }
      } else {
        // --resume after the sweep had already finished: its file holds every point. A file
        // of another sweep is refused as its journal would be, before anything is touched.
        if (options.resume && ::access(options.output.c_str(), R_OK) == 0) {
          std::optional<SweepResult> done;
          try {
            done = read_sweep(options.output);
          } catch (const FileFormatError&) {
            // Not a sweep file of ours: start afresh; it is replaced at the end as usual.
          }
          if (done) {
            if (done->sweep.fingerprint != sweep.fingerprint)
              throw different_sweep(options.output, done->sweep.fingerprint, done->sweep.resolved,
                                    sweep);
            for (auto& p : done->points) {
              results[static_cast<std::size_t>(p.index)] = std::move(p);
              ++resumed;
            }
            resumed_from_file = resumed > 0;
          }
        }
        journal->create(sweep);
      }
    } catch (const FileFormatError& e) {
      status = e.what();
      status_is_format = true;
    } catch (const std::exception& e) {
      status = e.what();
    }
  }
  std::vector<char> done(total, 0);
  for (std::size_t i = 0; i < total; ++i) done[i] = results[i].has_value();
#ifdef PROGSURV_HAVE_MPI
  if (size > 1) {
    bcast_string(status, rank);
    if (status.empty() && total > 0)
      MPI_Bcast(done.data(), static_cast<int>(total), MPI_CHAR, 0, MPI_COMM_WORLD);
  }
#endif
  if (!status.empty()) {
    if (rank != 0) {
      SweepResult none;
      none.sweep = sweep;
      none.rank0 = false;
      return none;
    }
    if (status_is_format) throw FileFormatError(status);
    throw std::runtime_error(status);
  }

  // This rank's share: round-robin by point index, skipping points already done.
  std::vector<std::size_t> pending;
  for (std::size_t i = static_cast<std::size_t>(rank); i < total;
       i += static_cast<std::size_t>(size))
    if (!done[i]) pending.push_back(i);

  int threads = options.threads;
  if (threads <= 0) threads = std::max(1, resolve_threads(0) / (size > 1 ? local_ranks() : 1));
  threads = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(threads),
                                                   std::max<std::size_t>(pending.size(), 1)));

  std::mutex mutex;
  std::condition_variable wake;
  std::deque<PointResult> queue;
  std::atomic<std::size_t> next{0};
  std::atomic<bool> stop{false};
  std::exception_ptr failure;
  int running = threads;
  auto keep_going = [&] {
    if (stop || stop_requested()) return false;
    if (options.keep_going && !options.keep_going()) {
      stop = true;
      return false;
    }
    return true;
  };
  auto worker = [&] {
    try {
      for (std::size_t j = next++; j < pending.size() && keep_going(); j = next++) {
        PointResult p = run_point(sweep, pending[j], keep_going);
        std::lock_guard<std::mutex> lock(mutex);
        queue.push_back(std::move(p));
        wake.notify_one();
      }
      if (!keep_going()) throw Cancelled();
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex);
      if (!failure) failure = std::current_exception();
      stop = true;
    }
    std::lock_guard<std::mutex> lock(mutex);
    --running;
    wake.notify_one();
  };
  std::vector<std::thread> pool;
  try {
    start_threads(pool, threads, worker, [&] { stop = true; });
  } catch (...) {
    if (journal && resumed == 0) journal->remove();  // nothing to resume: no litter
    throw;
  }

  // The main thread owns the journal (and MPI, which is initialised "funneled").
  std::int64_t finished = resumed;
  int ranks_done = 1;
  const auto report = [&] {
    if (rank == 0 && options.progress) options.progress(finished, static_cast<std::int64_t>(total));
  };
  const auto store = [&](PointResult p) {
    if (journal) journal->append(p);
    const auto i = static_cast<std::size_t>(p.index);
    if (!results[i]) ++finished;
    results[i] = std::move(p);
    report();
  };
  report();
  try {
    for (;;) {
      std::deque<PointResult> batch;
      bool local_done = false;
      {
        std::unique_lock<std::mutex> lock(mutex);
        if (size > 1)
          wake.wait_for(lock, std::chrono::milliseconds(5),
                        [&] { return !queue.empty() || running == 0; });
        else
          wake.wait(lock, [&] { return !queue.empty() || running == 0; });
        batch.swap(queue);
        local_done = running == 0 && queue.empty();
      }
      for (auto& p : batch) {
        if (rank == 0) {
          store(std::move(p));
        } else {
#ifdef PROGSURV_HAVE_MPI
          const std::string bytes = encode_point(p);
          MPI_Send(bytes.data(), static_cast<int>(bytes.size()), MPI_BYTE, 0, kTagResult,
                   MPI_COMM_WORLD);
#endif
        }
      }
#ifdef PROGSURV_HAVE_MPI
      if (size > 1 && rank == 0) {
        for (;;) {
          int flag = 0;
          MPI_Status st;
          MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &st);
          if (!flag) break;
          int count = 0;
          MPI_Get_count(&st, MPI_BYTE, &count);
          std::string bytes(static_cast<std::size_t>(count), '\0');
          MPI_Recv(bytes.data(), count, MPI_BYTE, st.MPI_SOURCE, st.MPI_TAG, MPI_COMM_WORLD,
                   MPI_STATUS_IGNORE);
          if (st.MPI_TAG == kTagDone) {
            ++ranks_done;
            continue;
          }
          auto p = decode_point(bytes.data(), bytes.size(), total, sweep.metrics.size());
          if (!p || p->count.empty() == sweep.is_portfolio())
            throw std::runtime_error("malformed point result from MPI rank " +
                                     std::to_string(st.MPI_SOURCE));
          store(std::move(*p));
        }
      }
#endif
      if (local_done) {
        if (failure) break;
        if (rank != 0) {
#ifdef PROGSURV_HAVE_MPI
          MPI_Send(nullptr, 0, MPI_BYTE, 0, kTagDone, MPI_COMM_WORLD);
#endif
          break;
        }
        if (ranks_done == size) break;
      }
    }
  } catch (...) {
    stop = true;
    for (auto& th : pool) th.join();
    throw;
  }
  for (auto& th : pool) th.join();
  if (failure) {
    // A point the sweep file makes invalid (a count given 10.09): the sweep as written can
    // never finish, and its journal (tied to this sweep's fingerprint) could never be used:
    // it would only refuse the corrected sweep. An interrupt or a failure of the machine
    // keeps it for --resume.
    try {
      std::rethrow_exception(failure);
    } catch (const SweepPointError&) {
      if (journal) journal->remove();
      // Under MPI the error ends the job from this rank (MPI_Abort) before rank 0 could act:
      // the journal, on the file system the ranks share, goes from here (best effort).
      if (rank != 0 && !options.output.empty()) std::remove((options.output + ".partial").c_str());
      throw;
    }
  }

  SweepResult out;
  out.sweep = sweep;
  out.resumed_points = resumed;
  out.resumed_from_file = resumed_from_file;
  if (rank != 0) {
    out.rank0 = false;
    return out;
  }
  for (std::size_t i = 0; i < total; ++i) {
    if (!results[i]) throw std::logic_error("sweep: point " + std::to_string(i) + " missing");
    out.points.push_back(std::move(*results[i]));
  }
  analyse(out);
  if (!options.output.empty()) {
    write_sweep(options.output, out);
    if (journal) journal->remove();
  }
  return out;
}

namespace {

// Morris statistics over the repeats: the means, and mu_star's half-width from the
// bootstrap variance plus the between-seed variance over R (the trajectories are the same
// under every seed, so the bootstrap carries their sampling error and the spread the noise).
sensitivity::MorrisIndices combine_morris(const std::vector<sensitivity::MorrisIndices>& runs) {
  if (runs.size() == 1) return runs.front();
  sensitivity::MorrisIndices out = runs.front();
  const double r = static_cast<double>(runs.size());
  const double z = kZ95;  // the 95% of morris_effects' half-widths
  for (std::size_t i = 0; i < out.mu.size(); ++i) {
    double mu = 0, mu_star = 0, sigma = 0, boot = 0;
    for (const auto& x : runs) {
      mu += x.mu[i] / r;
      mu_star += x.mu_star[i] / r;
      sigma += x.sigma[i] / r;
      boot += (x.mu_star_conf[i] / z) * (x.mu_star_conf[i] / z) / r;
    }
    double between = 0;
    for (const auto& x : runs) between += (x.mu_star[i] - mu_star) * (x.mu_star[i] - mu_star);
    between /= r - 1;
    out.mu[i] = mu;
    out.mu_star[i] = mu_star;
    out.sigma[i] = sigma;
    out.mu_star_conf[i] = z * std::sqrt(boot + between / r);
  }
  return out;
}

}  // namespace

void analyse(SweepResult& r) {
  const Sweep& s = r.sweep;
  const std::size_t m_count = s.metrics.size(), k = s.parameters.size();
  r.sobol.clear();
  r.noise_ratio.clear();
  r.convergence.clear();
  r.morris.clear();
  r.tornado_base.clear();
  r.tornado_low.clear();
  r.tornado_high.clear();
  if (r.points.size() != s.point_count()) return;
  const std::size_t once = s.design_point_count();
  const auto repeats = static_cast<std::size_t>(s.repeat);
  // Metric m at the points of repeat `rep`.
  const auto outputs = [&](std::size_t m, std::size_t rep) {
    std::vector<double> y;
    for (std::size_t i = rep * once; i < (rep + 1) * once; ++i)
      y.push_back(r.points[i].estimate[m]);
    return y;
  };
  if (s.design == SweepDesign::Sobol) {
    const int kk = static_cast<int>(k);
    for (std::size_t m = 0; m < m_count; ++m) {
      std::vector<sensitivity::SobolIndices> runs;
      sensitivity::SobolConvergence conv;
      double noise = 0;
      for (std::size_t rep = 0; rep < repeats; ++rep) {
        const std::vector<double> y = outputs(m, rep);
        runs.push_back(sensitivity::sobol_indices(y, s.samples, kk, s.bootstrap, s.design_seed,
                                                  0.95, s.estimator, s.second_order));
        auto c = sensitivity::sobol_convergence(y, s.samples, kk, s.estimator, s.second_order);
        if (rep == 0) {
          conv = c;
          for (auto& row : conv.first) std::fill(row.begin(), row.end(), 0.0);
          for (auto& row : conv.total) std::fill(row.begin(), row.end(), 0.0);
        }
        for (std::size_t c_i = 0; c_i < c.base_samples.size(); ++c_i)
          for (std::size_t i = 0; i < k; ++i) {
            conv.first[c_i][i] += c.first[c_i][i] / static_cast<double>(repeats);
            conv.total[c_i][i] += c.total[c_i][i] / static_cast<double>(repeats);
          }
        // The squared standard errors of the A and B points.
        for (std::size_t i = rep * once; i < rep * once + 2 * static_cast<std::size_t>(s.samples);
             ++i)
          noise += r.points[i].se[m] * r.points[i].se[m];
      }
      r.sobol.push_back(sensitivity::combine_repeats(runs));
      noise /= static_cast<double>(2 * s.samples) * static_cast<double>(repeats);
      r.noise_ratio.push_back(noise / r.sobol.back().variance);
      r.convergence.push_back(std::move(conv));
    }
  }
  if (s.design == SweepDesign::Morris) {
    const std::vector<std::vector<double>> rows(s.unit.begin(),
                                                s.unit.begin() + static_cast<std::ptrdiff_t>(once));
    for (std::size_t m = 0; m < m_count; ++m) {
      std::vector<sensitivity::MorrisIndices> runs;
      for (std::size_t rep = 0; rep < repeats; ++rep)
        runs.push_back(sensitivity::morris_effects(
            rows, outputs(m, rep), s.samples, static_cast<int>(k), s.bootstrap, s.design_seed));
      r.morris.push_back(combine_morris(runs));
    }
  }
  if (s.design == SweepDesign::Oat) {
    for (std::size_t m = 0; m < m_count; ++m) {
      r.tornado_base.push_back(r.points[0].estimate[m]);
      std::vector<double> low, high;
      for (std::size_t i = 0; i < k; ++i) {
        const auto first = static_cast<std::size_t>(s.oat_first[i]);
        const auto last = first + static_cast<std::size_t>(s.oat_count[i]) - 1;
        low.push_back(r.points[first].estimate[m]);
        high.push_back(r.points[last].estimate[m]);
      }
      r.tornado_low.push_back(std::move(low));
      r.tornado_high.push_back(std::move(high));
    }
  }
}

// --- MPI session -------------------------------------------------------------------------

MpiLaunch mpi_launch() {
  const auto number = [](std::initializer_list<const char*> names) -> std::optional<long> {
    for (const char* name : names)
      if (const char* v = std::getenv(name); v != nullptr && *v != '\0') return std::atol(v);
    return std::nullopt;
  };
  MpiLaunch l;
  const auto size = number({"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"});
  const auto pmix_rank = number({"PMIX_RANK"});
  l.launched = size.has_value() || pmix_rank.has_value();
  if (!l.launched) return l;
  l.rank = number({"OMPI_COMM_WORLD_RANK", "PMI_RANK", "PMIX_RANK"}).value_or(0);
  l.size = size ? *size : number({"SLURM_STEP_NUM_TASKS", "SLURM_NTASKS"}).value_or(0);
  return l;
}

MpiSession::MpiSession() {
#ifdef PROGSURV_HAVE_MPI
  if (!mpi_launch().launched) return;
  int provided = 0;
  // Only the main thread talks to MPI; worker threads compute points.
  if (MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
    throw std::runtime_error("MPI_Init_thread failed");
  active_ = true;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
#endif
}

MpiSession::~MpiSession() {
#ifdef PROGSURV_HAVE_MPI
  if (active_) MPI_Finalize();
#endif
}

void MpiSession::abort(int status) const {
#ifdef PROGSURV_HAVE_MPI
  if (active_) MPI_Abort(MPI_COMM_WORLD, status);
#endif
  std::exit(status);
}

}  // namespace progsurv
