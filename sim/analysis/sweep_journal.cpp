// The sweep journal and its point records (sweep_journal.hpp).
#include "analysis/sweep_journal.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include <yaml-cpp/yaml.h>

#include "io/file_sync.hpp"
#include "progsurv/io/fnv1a.hpp"
#include "progsurv/io/version.hpp"
#include "progsurv/scenario/error.hpp"
#include "scenario/distribution_yaml.hpp"

namespace progsurv::sweep_detail {
namespace {

// --- point records: the journal's and MPI's wire format --------------------------------

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

}  // namespace

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

namespace {

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
// The header's fingerprint and point count decide; the resolved text after them only lets a
// refusal say what differs (journals written before it was added end after the count).
constexpr std::size_t kHeaderKey = 16 + sizeof(std::uint64_t);

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

}  // namespace

Journal::~Journal() {
  if (fd_ >= 0) ::close(fd_);
}

bool Journal::exists() const {
  struct stat st {};
  return ::lstat(path_.c_str(), &st) == 0;
}

void Journal::create(const Sweep& sweep) {
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

std::vector<PointResult> Journal::recover(const Sweep& sweep) {
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
  if (payload.compare(0, kHeaderKey, header(sweep), 0, kHeaderKey) != 0) {
    const std::string theirs = payload.substr(0, std::min<std::size_t>(16, payload.size()));
    throw different_sweep(path_, theirs,
                          payload.size() > kHeaderKey ? payload.substr(kHeaderKey) : "", sweep);
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

void Journal::append(const PointResult& p) {
  write_all(fd_, frame(kRecordMagic, encode_point(p)), path_);
  sync();
}

void Journal::remove() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (std::remove(path_.c_str()) == 0) sync_directory_of(path_);
}

namespace {

using yaml_detail::join;
using yaml_detail::join_path;

constexpr std::size_t kShownDifferences = 3;

std::string shown(const YAML::Node& n) {
  if (!n.IsDefined() || n.IsNull()) return "nothing";
  if (n.IsScalar()) return "'" + n.Scalar() + "'";
  YAML::Emitter e;
  e << YAML::Flow << n;
  std::string text = e.c_str();
  return text.size() > 60 ? text.substr(0, 57) + "..." : text;
}

// Where two resolved sweeps differ, as "key.path: X there, Y here", the first few only.
void differences(const YAML::Node& theirs, const YAML::Node& ours, const std::string& path,
                 std::vector<std::string>& out) {
  if (out.size() > kShownDifferences) return;
  const auto add = [&](const YAML::Node& a, const YAML::Node& b) {
    out.push_back((path.empty() ? std::string("the top level") : path) + ": " + shown(a) +
                  " there, " + shown(b) + " here");
  };
  if (theirs.Type() != ours.Type() || theirs.IsScalar()) {
    if (theirs.Type() != ours.Type() || theirs.Scalar() != ours.Scalar()) add(theirs, ours);
    return;
  }
  if (theirs.IsSequence()) {
    if (theirs.size() != ours.size()) return add(theirs, ours);
    for (std::size_t i = 0; i < theirs.size(); ++i)
      differences(theirs[i], ours[i], join_path(path, std::to_string(i)), out);
    return;
  }
  if (!theirs.IsMap()) return;
  std::vector<std::string> keys;
  for (const auto* node : {&theirs, &ours})
    for (const auto& kv : *node) {
      const std::string key = kv.first.Scalar();
      if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(key);
    }
  for (const auto& key : keys) {
    // A parameter's label is not part of the fingerprint: it cannot be why they differ.
    if (key == "label" && path.rfind("parameters.", 0) == 0) continue;
    differences(theirs[key], ours[key], join_path(path, key), out);
  }
}

}  // namespace

FileFormatError different_sweep(const std::string& path, const std::string& theirs,
                                const std::string& theirs_resolved, const Sweep& sweep) {
  std::string what;
  if (!theirs_resolved.empty()) {
    std::vector<std::string> found;
    try {
      differences(YAML::Load(theirs_resolved), YAML::Load(sweep.resolved), "", found);
      if (found.empty())
        what = "; the sweeps are the same, so it was written by another progsurv version";
      else if (found.size() <= kShownDifferences)
        what = "; what differs: " + join(found, "; ");
      else
        what = "; what differs: " + join({found.begin(), found.begin() + kShownDifferences}, "; ") +
               "; ...";
    } catch (const YAML::Exception&) {
      // A damaged header still gets the refusal, without the comparison.
    }
  }
  return FileFormatError(path + " was written by a different sweep (fingerprint " + theirs +
                         ", this sweep " + sweep.fingerprint + ")" + what +
                         "; resume it with the sweep file and options that made it, or delete "
                         "it to start this sweep afresh");
}

std::string Journal::header(const Sweep& sweep) {
  std::string h = sweep.fingerprint;
  put(h, static_cast<std::uint64_t>(sweep.point_count()));
  return h + sweep.resolved;
}

bool Journal::next_frame(const std::string& data, std::size_t& pos, std::uint32_t magic,
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

void Journal::sync() {
  if (::fdatasync(fd_) != 0)
    throw std::runtime_error("cannot sync " + path_ + ": " + std::strerror(errno));
}

}  // namespace progsurv::sweep_detail
