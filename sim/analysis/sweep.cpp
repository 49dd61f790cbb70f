// Running sweeps: points over threads (and MPI ranks), a crash-safe journal for --resume,
// the sensitivity tables, and the HDF5 file (docs/hdf5-sweep-format.md).
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
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

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
  for (const SweepMetric& m : sweep.metrics) {
    double est = kNaN, se = kNaN;
    switch (m.kind) {
      case MetricKind::POutcome:
        est = sm.outcome_share[static_cast<std::size_t>(m.outcome)].estimate;
        se = binomial_se(est, n);
        break;
      case MetricKind::PCompletedBy: {
        const std::size_t g = grid_index(sm.grid, m.t);
        est = static_cast<double>(
                  sm.curve_count[static_cast<std::size_t>(EndCategory::Completed)][g]) /
              nn;
        se = binomial_se(est, n);
        break;
      }
      case MetricKind::PEndedBy: {
        const std::size_t g = grid_index(sm.grid, m.t);
        std::int64_t count = 0;
        for (int c = 0; c < kCauseCount; ++c)
          if (m.cause < 0 || m.cause == c)
            count += sm.curve_count[static_cast<std::size_t>(c + 1)][g];
        est = static_cast<double>(count) / nn;
        se = binomial_se(est, n);
        break;
      }
      case MetricKind::MeanValue:
        est = sm.value_mean.estimate;
        se = sm.value_se;
        break;
      case MetricKind::CompletionQuantile: {
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
      case MetricKind::CauseShare: {
        const std::int64_t ended = n - t.count(EndCategory::Completed) -
                                   t.count(EndCategory::NotStarted) - t.count(EndCategory::Running);
        est = sm.cause_share[static_cast<std::size_t>(m.cause)].estimate;
        se = binomial_se(est, ended);
        break;
      }
      case MetricKind::Mean:
        est = sm.mean[static_cast<std::size_t>(m.quantity)];
        se = sm.se[static_cast<std::size_t>(m.quantity)];
        break;
      default:
        throw std::logic_error("sweep: metric " + m.name + " is not a scenario metric");
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

// Portfolio metrics from the raw tally (docs/sweep-format.md); `count` is what each
// estimate is a share or mean over.
void compute_portfolio_metrics(const Sweep& sweep, const PortfolioTally& t, double horizon,
                               PointResult& out) {
  const std::int64_t n = t.n;
  const auto category_moments = [&](EndCategory c) -> const Moments& {
    return t.per_org_category[static_cast<std::size_t>(c)];
  };
  // Whether a programme ending in category c counts for a metric about `q`.
  const auto counts = [](OrgQuantity q, int cause, int c) {
    switch (q) {
      case OrgQuantity::Completed:
        return c == static_cast<int>(EndCategory::Completed);
      case OrgQuantity::Ended:
        return c >= 1 && c <= kCauseCount;
      case OrgQuantity::EndedByCause:
        return c == cause + 1;
      case OrgQuantity::NotStarted:
        return c == static_cast<int>(EndCategory::NotStarted);
      case OrgQuantity::Running:
        return c == static_cast<int>(EndCategory::Running);
      default:
        return false;
    }
  };
  for (const SweepMetric& m : sweep.metrics) {
    double est = kNaN, se = kNaN;
    std::int64_t count = n;
    switch (m.kind) {
      case MetricKind::OrgMean:
        switch (m.org) {
          case OrgQuantity::Launched:
            mean_and_se(t.per_org_launched, n, est, se);
            break;
          case OrgQuantity::Completed:
            mean_and_se(category_moments(EndCategory::Completed), n, est, se);
            break;
          case OrgQuantity::Ended:
            mean_and_se(t.per_org_ended, n, est, se);
            break;
          case OrgQuantity::EndedByCause:
            mean_and_se(category_moments(static_cast<EndCategory>(m.cause + 1)), n, est, se);
            break;
          case OrgQuantity::NotStarted:
            mean_and_se(category_moments(EndCategory::NotStarted), n, est, se);
            break;
          case OrgQuantity::Running:
            mean_and_se(category_moments(EndCategory::Running), n, est, se);
            break;
          case OrgQuantity::Value:
            mean_and_se(t.per_org_value, n, est, se);
            break;
        }
        break;
      case MetricKind::RankShare: {
        const auto k = static_cast<std::size_t>(m.rank - 1);
        count = k < t.ranks() ? t.rank_launched[k] : 0;
        if (count > 0) {
          std::int64_t hits = 0;
          for (int c = 0; c < kEndCategoryCount; ++c)
            if (counts(m.org, m.cause, c)) hits += t.rank_count(k, static_cast<EndCategory>(c));
          est = static_cast<double>(hits) / static_cast<double>(count);
          se = binomial_se(est, count);
        }
        break;
      }
      case MetricKind::RankReached: {
        const auto k = static_cast<std::size_t>(m.rank - 1);
        const std::int64_t reached = k < t.ranks() ? t.rank_launched[k] : 0;
        if (n > 0) {
          est = static_cast<double>(reached) / static_cast<double>(n);
          se = binomial_se(est, n);
        }
        break;
      }
      case MetricKind::LevelAt: {
        const std::size_t g = grid_index(t.grid, m.at_horizon ? horizon : m.t);
        mean_and_se(m.trust ? t.trust[g] : t.cynicism[g], n, est, se);
        break;
      }
      case MetricKind::OrphanedPerExit: {
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
      default:
        throw std::logic_error("sweep: metric " + m.name + " is not a portfolio metric");
    }
    out.estimate.push_back(est);
    out.se.push_back(se);
    out.count.push_back(count);
  }
}

// --- point records: the journal's and MPI's wire format --------------------------------

std::uint64_t fnv1a(const char* data, std::size_t size) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (std::size_t i = 0; i < size; ++i) {
    h ^= static_cast<unsigned char>(data[i]);
    h *= 0x100000001b3ULL;
  }
  return h;
}

template <class T>
void put(std::string& out, T value) {
  out.append(reinterpret_cast<const char*>(&value), sizeof value);
}
void put_doubles(std::string& out, const std::vector<double>& v) {
  if (!v.empty()) out.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(double));
}

class Cursor {
 public:
  Cursor(const char* data, std::size_t size) : p_(data), end_(data + size) {}
  template <class T>
  bool get(T& value) {
    if (static_cast<std::size_t>(end_ - p_) < sizeof value) return false;
    std::memcpy(&value, p_, sizeof value);
    p_ += sizeof value;
    return true;
  }
  bool get_doubles(std::vector<double>& v, std::size_t count) {
    if (static_cast<std::size_t>(end_ - p_) / sizeof(double) < count) return false;
    v.resize(count);
    if (count > 0) std::memcpy(v.data(), p_, count * sizeof(double));  // data() may be null
    p_ += count * sizeof(double);
    return true;
  }
  bool at_end() const { return p_ == end_; }

 private:
  const char* p_;
  const char* end_;
};

std::string encode_point(const PointResult& p) {
  std::string out;
  put(out, static_cast<std::uint64_t>(p.index));
  put(out, static_cast<std::int64_t>(p.replications));
  put(out, static_cast<std::uint32_t>(p.estimate.size()));
  put(out, static_cast<std::uint32_t>(p.completed.size()));
  put_doubles(out, p.estimate);
  put_doubles(out, p.se);
  put_doubles(out, p.completed);
  put_doubles(out, p.survival);
  // Portfolio sweeps only; records without it (scenario sweeps, older journals) end above.
  if (!p.count.empty()) {
    put(out, static_cast<std::uint32_t>(p.count.size()));
    out.append(reinterpret_cast<const char*>(p.count.data()),
               p.count.size() * sizeof(std::int64_t));
  }
  return out;
}

// Checks the shape against the sweep, so a record from another build cannot slip in.
std::optional<PointResult> decode_point(const char* data, std::size_t size, std::size_t points,
                                        std::size_t metrics) {
  Cursor c(data, size);
  std::uint64_t index = 0;
  std::int64_t reps = 0;
  std::uint32_t m = 0, g = 0;
  if (!c.get(index) || !c.get(reps) || !c.get(m) || !c.get(g)) return std::nullopt;
  if (index >= points || m != metrics || reps < 1) return std::nullopt;
  PointResult p;
  p.index = static_cast<std::int64_t>(index);
  p.replications = reps;
  if (!c.get_doubles(p.estimate, m) || !c.get_doubles(p.se, m) || !c.get_doubles(p.completed, g) ||
      !c.get_doubles(p.survival, g))
    return std::nullopt;
  if (!c.at_end()) {
    std::uint32_t k = 0;
    if (!c.get(k) || k != m) return std::nullopt;
    p.count.resize(k);
    for (auto& x : p.count)
      if (!c.get(x)) return std::nullopt;
    if (!c.at_end()) return std::nullopt;
  }
  return p;
}

// What is wrong with a decoded point ("" when nothing): estimates and errors must be
// numbers (NaN stands for "undefined" in a metric), errors not negative.
std::string point_problem(const PointResult& p) {
  for (std::int64_t c : p.count)
    if (c < 0) return "has a negative count";
  for (std::size_t i = 0; i < p.se.size(); ++i)
    if (p.se[i] < 0 || std::isinf(p.se[i]) || std::isinf(p.estimate[i]))
      return "has an impossible estimate or standard error for metric " + std::to_string(i);
  for (const auto* curve : {&p.completed, &p.survival})
    for (double v : *curve)
      if (!(v >= 0.0 && v <= 1.0)) return "has a curve value outside [0, 1]";
  return "";
}

// --- the journal -----------------------------------------------------------------------
//
// "<output>.partial": a header record (fingerprint, point count), then one record per
// finished point, in the order points finished:
//     u32 magic 'PSR1' | u32 payload size | payload | u64 FNV-1a of the payload
// Each record goes out in one write() followed by fdatasync(), so after any crash the file
// is a run of complete records plus possibly one torn one at the end, which fails its
// checksum and is cut off on resume.

constexpr std::uint32_t kRecordMagic = 0x31525350;  // "PSR1" little-endian
constexpr std::uint32_t kHeaderMagic = 0x31485350;  // "PSH1"
constexpr std::uint32_t kMaxRecord = 1u << 30;

std::string frame(std::uint32_t magic, const std::string& payload) {
  std::string out;
  put(out, magic);
  put(out, static_cast<std::uint32_t>(payload.size()));
  out += payload;
  put(out, fnv1a(payload.data(), payload.size()));
  return out;
}

void write_all(int fd, const std::string& data, const std::string& path) {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error("cannot write " + path + ": " + std::strerror(errno));
    }
    done += static_cast<std::size_t>(n);
  }
}

class Journal {
 public:
  explicit Journal(std::string path) : path_(std::move(path)) {}
  ~Journal() {
    if (fd_ >= 0) ::close(fd_);
  }
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  const std::string& path() const { return path_; }
  // lstat: a symlink planted at the journal's name counts as there (and is refused later).
  bool exists() const {
    struct stat st {};
    return ::lstat(path_.c_str(), &st) == 0;
  }

  // Starts an empty journal for this sweep.
  void create(const Sweep& sweep) {
    // A new file (O_EXCL), never a planted symlink or someone else's file: a leftover
    // regular journal is removed first, anything else at that name is refused.
    struct stat st {};
    if (::lstat(path_.c_str(), &st) == 0) {
      if (!S_ISREG(st.st_mode))
        throw FileFormatError(path_ +
                              " exists and is not a regular file (a symbolic link?); "
                              "remove it");
      if (::unlink(path_.c_str()) != 0)
        throw std::runtime_error("cannot remove " + path_ + ": " + std::strerror(errno));
    }
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd_ < 0) throw std::runtime_error("cannot create " + path_ + ": " + std::strerror(errno));
    write_all(fd_, frame(kHeaderMagic, header(sweep)), path_);
    sync();
    sync_directory_of(path_);
  }

  // The points already in the journal; cuts off a torn last record and leaves the journal
  // open for appending. A journal whose header never made it to disk is started afresh.
  std::vector<PointResult> recover(const Sweep& sweep) {
    std::string data;
    fd_ = ::open(path_.c_str(), O_RDWR | O_NOFOLLOW | O_CLOEXEC);
    if (fd_ < 0)
      throw FileFormatError("cannot open the journal " + path_ + ": " + std::strerror(errno) +
                            (errno == ELOOP ? " (it is a symbolic link; remove it)" : ""));
    {
      struct stat st {};
      if (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode))
        throw FileFormatError(path_ + " is not a regular file; remove it");
      char buf[1 << 16];
      for (;;) {
        const ssize_t n = ::read(fd_, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw std::runtime_error("cannot read " + path_ + ": " + std::strerror(errno));
        if (n == 0) break;
        data.append(buf, static_cast<std::size_t>(n));
      }
    }
    std::size_t pos = 0;
    std::string payload;
    if (!next_frame(data, pos, kHeaderMagic, payload)) {
      ::close(fd_);
      fd_ = -1;
      create(sweep);
      return {};
    }
    if (payload != header(sweep)) {
      const std::string theirs = payload.substr(0, std::min<std::size_t>(16, payload.size()));
      throw FileFormatError(path_ + " was written by a different sweep (fingerprint " + theirs +
                            ", this sweep " + sweep.fingerprint +
                            "); resume it with the sweep file that made it, or delete it to "
                            "start this sweep afresh");
    }
    std::vector<PointResult> points;
    std::size_t good = pos;
    // Every point's curves have the base run grid's length (write_contents needs that).
    const std::size_t curve_length = sweep.curves ? sweep.run_grid(sweep.base).size() : 0;
    while (next_frame(data, pos, kRecordMagic, payload)) {
      // A record whose checksum holds was written whole; one that does not decode was not
      // written by this sweep, and dropping it silently would hide the damage.
      auto p =
          decode_point(payload.data(), payload.size(), sweep.point_count(), sweep.metrics.size());
      const std::string problem = !p ? "does not decode as a point of this sweep"
                                  : p->completed.size() != curve_length
                                      ? "has curves of length " +
                                            std::to_string(p->completed.size()) + ", expected " +
                                            std::to_string(curve_length)
                                  : p->count.empty() == sweep.is_portfolio()
                                      ? std::string("has counts for another kind of sweep")
                                      : point_problem(*p);
      if (!problem.empty())
        throw FileFormatError("damaged sweep journal " + path_ + ": record " +
                              std::to_string(points.size() + 1) + " (byte " + std::to_string(good) +
                              ") " + problem + "; delete the journal to start afresh");
      points.push_back(std::move(*p));
      good = pos;
    }
    if (good < data.size()) {
      if (::ftruncate(fd_, static_cast<off_t>(good)) != 0)
        throw std::runtime_error("cannot truncate " + path_ + ": " + std::strerror(errno));
      sync();
    }
    if (::lseek(fd_, 0, SEEK_END) < 0)
      throw std::runtime_error("cannot seek " + path_ + ": " + std::strerror(errno));
    return points;
  }

  void append(const PointResult& p) {
    write_all(fd_, frame(kRecordMagic, encode_point(p)), path_);
    sync();
  }

  void remove() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    if (std::remove(path_.c_str()) == 0) sync_directory_of(path_);
  }

 private:
  static std::string header(const Sweep& sweep) {
    std::string h = sweep.fingerprint;
    put(h, static_cast<std::uint64_t>(sweep.point_count()));
    return h;
  }
  static bool next_frame(const std::string& data, std::size_t& pos, std::uint32_t magic,
                         std::string& payload) {
    Cursor c(data.data() + pos, data.size() - pos);
    std::uint32_t m = 0, size = 0;
    if (!c.get(m) || !c.get(size) || m != magic || size > kMaxRecord) return false;
    if (data.size() - pos < 8 + static_cast<std::size_t>(size) + 8) return false;
    payload.assign(data, pos + 8, size);
    std::uint64_t sum = 0;
    std::memcpy(&sum, data.data() + pos + 8 + size, sizeof sum);
    if (sum != fnv1a(payload.data(), payload.size())) return false;
    pos += 8 + static_cast<std::size_t>(size) + 8;
    return true;
  }
  void sync() {
    if (::fdatasync(fd_) != 0)
      throw std::runtime_error("cannot sync " + path_ + ": " + std::strerror(errno));
  }

  std::string path_;
  int fd_ = -1;
};

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

// --- running -----------------------------------------------------------------------------

PointResult run_point(const Sweep& sweep, std::size_t index,
                      const std::function<bool()>& keep_going) {
  RunOptions opt;
  opt.seed = sweep.seed;
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

  // Rank 0 decides what is left to do; every rank must agree on the sweep first.
  std::string status;  // empty = fine, otherwise the error rank 0 throws
  bool status_is_format = false;
#ifdef PROGSURV_HAVE_MPI
  if (size > 1) {
    std::string fp = sweep.fingerprint;
    bcast_string(fp, rank);
    int mismatch = fp != sweep.fingerprint, any = 0;
    MPI_Allreduce(&mismatch, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    if (any)
      throw FileFormatError(
          "the MPI ranks read different sweeps (fingerprints differ); every "
          "rank must see the same sweep and base scenario files");
  }
#endif
  if (rank == 0 && !options.output.empty()) {
    journal.emplace(options.output + ".partial");
    try {
      if (journal->exists()) {
        if (!options.resume)
          throw FileFormatError(journal->path() +
                                " exists: an interrupted sweep. Pass --resume to continue it, or "
                                "delete it to start afresh");
        for (auto& p : journal->recover(sweep)) {
          const auto i = static_cast<std::size_t>(p.index);
          if (!results[i]) {
            results[i] = std::move(p);
            ++resumed;
          }
        }
      } else {
        // --resume after the sweep had already finished: its file holds every point.
        if (options.resume && ::access(options.output.c_str(), R_OK) == 0) {
          try {
            SweepResult done = read_sweep(options.output);
            if (done.sweep.fingerprint == sweep.fingerprint)
              for (auto& p : done.points) {
                results[static_cast<std::size_t>(p.index)] = std::move(p);
                ++resumed;
              }
          } catch (const FileFormatError&) {
            // Not a sweep file of ours: start afresh; it is replaced at the end as usual.
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
    if (rank != 0) return SweepResult{sweep, {}, {}, {}, {}, {}, 0, false};
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
  if (failure) std::rethrow_exception(failure);

  SweepResult out;
  out.sweep = sweep;
  out.resumed_points = resumed;
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

void analyse(SweepResult& r) {
  const Sweep& s = r.sweep;
  const std::size_t m_count = s.metrics.size(), k = s.parameters.size();
  r.sobol.clear();
  r.tornado_base.clear();
  r.tornado_low.clear();
  r.tornado_high.clear();
  if (r.points.size() != s.point_count()) return;
  if (s.design == SweepDesign::Sobol) {
    for (std::size_t m = 0; m < m_count; ++m) {
      std::vector<double> y;
      for (const auto& p : r.points) y.push_back(p.estimate[m]);
      r.sobol.push_back(sensitivity::sobol_indices(y, s.samples, static_cast<int>(k), s.bootstrap,
                                                   s.design_seed));
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
  f.write_attr("filetype", kSweepFiletype);
  f.write_attr("format_version",
               std::vector<std::int32_t>{kSweepFormatVersionMajor, kSweepFormatVersionMinor});
  f.write_attr("progsurv_version", version_string());
  f.write_attr("build", build_string());
  f.write_attr("created", h5::utc_timestamp());
  f.write_attr("name", s.name);
  f.write_attr("base_kind", to_string(s.base_kind));
  f.write_attr("design", to_string(s.design));
  f.write_attr("fingerprint", s.fingerprint);
  f.write_attr("seed", s.seed);
  f.write_attr("point_count", static_cast<std::int64_t>(n));
  f.write_string("sweep", s.resolved);
  if (s.is_portfolio()) {
    // The portfolio as the sweep runs it: every programme template inline.
    f.write_string("base_portfolio", s.portfolio.yaml_text);
  } else {
    f.write_string("base_scenario", s.base.to_yaml());
  }

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
    o.write_attr("estimator", "jansen");
    o.write_attr("interval_method", "percentile bootstrap");
    o.write_attr("confidence", r.sobol.front().confidence);
    o.write_attr("bootstrap", static_cast<std::int32_t>(s.bootstrap));
    o.write_attr("base_samples", s.samples);
    const auto field = [&](auto pick) {
      return table(m, k, [&](std::size_t a, std::size_t b) { return pick(r.sobol[a], b); });
    };
    o.write_dataset(
        "first", field([](const auto& x, std::size_t b) { return x.first[b].estimate; }), {m, k});
    o.write_dataset("first_lower",
                    field([](const auto& x, std::size_t b) { return x.first[b].lower; }), {m, k});
    o.write_dataset("first_upper",
                    field([](const auto& x, std::size_t b) { return x.first[b].upper; }), {m, k});
    o.write_dataset(
        "total", field([](const auto& x, std::size_t b) { return x.total[b].estimate; }), {m, k});
    o.write_dataset("total_lower",
                    field([](const auto& x, std::size_t b) { return x.total[b].lower; }), {m, k});
    o.write_dataset("total_upper",
                    field([](const auto& x, std::size_t b) { return x.total[b].upper; }), {m, k});
    std::vector<double> mean, var;
    for (const auto& x : r.sobol) {
      mean.push_back(x.mean);
      var.push_back(x.variance);
    }
    o.write_dataset("mean", mean);
    o.write_dataset("variance", var);
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
  h5::write_file_atomically(path, [&](h5::File& f) { write_contents(f, result); });
}

SweepResult read_sweep(const std::string& path) {
  if (::access(path.c_str(), R_OK) != 0)
    throw FileFormatError("cannot read " + path + ": " + std::strerror(errno));
  try {
    h5::File f = h5::File::open_read(path);
    if (!f.has_attr("filetype") || !f.attr_is_string("filetype") ||
        f.read_attr_string("filetype") != kSweepFiletype)
      throw FileFormatError(path + ": not a progsurv sweep file (expected filetype '" +
                            std::string(kSweepFiletype) + "')");
    const auto version = f.read_attr_vector<std::int32_t>("format_version");
    if (version.empty() || version[0] != kSweepFormatVersionMajor)
      throw FileFormatError(path + ": sweep format version " +
                            (version.empty() ? std::string("?") : std::to_string(version[0])) +
                            " is not supported (this progsurv reads version " +
                            std::to_string(kSweepFormatVersionMajor) + ")");
    SweepResult r;
    r.sweep = Sweep::from_yaml(f.read_string("sweep"), path + ":/sweep");
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
  } catch (const h5::Error& e) {
    throw FileFormatError(path + ": " + e.what());
  }
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

std::string format_sweep(const SweepResult& r) {
  const Sweep& s = r.sweep;
  std::ostringstream os;
  char line[256];
  const std::string base =
      s.is_portfolio() ? "portfolio " + s.portfolio.name + ", " : std::string();
  const std::string per_point =
      s.precision > 0 ? "precision " + fmt(s.precision) + " per point"
                      : std::to_string(s.replications) +
                            (s.is_portfolio() ? " organisations" : " replications") + " per point";
  os << "progsurv sweep: " << s.name << " (" << base << to_string(s.design) << " design, "
     << s.point_count() << " points, " << per_point << ", seed " << s.seed << ")\n";
  if (r.resumed_points > 0)
    os << "resumed: " << r.resumed_points << " points were taken from the journal\n";
  std::size_t width = 10;
  for (const auto& p : s.parameters) width = std::max(width, p.key.size());
  if (!r.sobol.empty()) {
    for (std::size_t m = 0; m < s.metrics.size(); ++m) {
      const auto& x = r.sobol[m];
      os << "\nSobol indices of " << s.metrics[m].name << " (mean " << fmt(x.mean) << ", variance "
         << fmt(x.variance) << "; Jansen, " << x.bootstrap << " bootstrap resamples, 95%)\n";
      std::snprintf(line, sizeof line, "  %-*s  %-24s %-24s\n", static_cast<int>(width),
                    "parameter", "first order S1", "total ST");
      os << line;
      for (std::size_t i = 0; i < s.parameters.size(); ++i) {
        const auto& a = x.first[i];
        const auto& b = x.total[i];
        const std::string s1 = fmt(a.estimate) + " [" + fmt(a.lower) + ", " + fmt(a.upper) + "]";
        const std::string st = fmt(b.estimate) + " [" + fmt(b.lower) + ", " + fmt(b.upper) + "]";
        std::snprintf(line, sizeof line, "  %-*s  %-24s %-24s\n", static_cast<int>(width),
                      s.parameters[i].key.c_str(), s1.c_str(), st.c_str());
        os << line;
      }
    }
    return os.str();
  }
  if (!r.tornado_base.empty()) {
    for (std::size_t m = 0; m < s.metrics.size(); ++m) {
      os << "\ntornado of " << s.metrics[m].name << " (base " << fmt(r.tornado_base[m]) << ")\n";
      std::snprintf(line, sizeof line, "  %-*s  %-22s %-22s %s\n", static_cast<int>(width),
                    "parameter", "at low", "at high", "swing");
      os << line;
      for (const auto& bar : sensitivity::tornado(r.tornado_low[m], r.tornado_high[m])) {
        const auto i = static_cast<std::size_t>(bar.factor);
        const auto first = static_cast<std::size_t>(s.oat_first[i]);
        const auto last = first + static_cast<std::size_t>(s.oat_count[i]) - 1;
        const std::string lo = fmt(bar.low) + " (" + s.point_values[first][i] + ")";
        const std::string hi = fmt(bar.high) + " (" + s.point_values[last][i] + ")";
        std::snprintf(line, sizeof line, "  %-*s  %-22s %-22s %s\n", static_cast<int>(width),
                      s.parameters[i].key.c_str(), lo.c_str(), hi.c_str(), fmt(bar.swing).c_str());
        os << line;
      }
    }
    return os.str();
  }
  // grid and lhs: the points themselves, the first few of them.
  const std::size_t shown = std::min<std::size_t>(r.points.size(), 20);
  os << "\n  point";
  for (const auto& p : s.parameters) os << "  " << p.key;
  for (const auto& q : s.metrics) os << "  " << q.name << " (SE)";
  os << "\n";
  for (std::size_t i = 0; i < shown; ++i) {
    std::snprintf(line, sizeof line, "  %5zu", i);
    os << line;
    for (std::size_t j = 0; j < s.parameters.size(); ++j)
      os << "  "
         << (s.point_values[i][j].empty() ? s.parameters[j].base_text : s.point_values[i][j]);
    for (std::size_t j = 0; j < s.metrics.size(); ++j)
      os << "  " << fmt(r.points[i].estimate[j]) << " (" << fmt(r.points[i].se[j]) << ")";
    os << "\n";
  }
  if (shown < r.points.size())
    os << "  ... " << r.points.size() - shown << " more points in the file\n";
  return os.str();
}

// --- MPI session -------------------------------------------------------------------------

bool launched_by_mpirun() {
  return std::getenv("OMPI_COMM_WORLD_SIZE") != nullptr || std::getenv("PMI_SIZE") != nullptr ||
         std::getenv("PMIX_RANK") != nullptr;
}

MpiSession::MpiSession() {
#ifdef PROGSURV_HAVE_MPI
  if (!launched_by_mpirun()) return;
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
