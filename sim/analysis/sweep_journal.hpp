#pragma once
// The sweep journal (--resume) and the point records it shares with MPI: a crash-safe file
// of framed, checksummed records, one per finished point (sweep.cpp runs the sweep).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "progsurv/analysis/sweep.hpp"
#include "progsurv/scenario/error.hpp"

namespace progsurv::sweep_detail {

// A point as bytes (the journal's records, MPI's messages), and back: nullopt when the bytes
// are not a point of a sweep with `points` points and `metrics` metrics.
std::string encode_point(const PointResult& p);
std::optional<PointResult> decode_point(const char* data, std::size_t size, std::size_t points,
                                        std::size_t metrics);

// The refusal of --resume when `path` (the journal or the finished file) holds another sweep,
// `theirs` its fingerprint and `theirs_resolved` its resolved text (empty when unknown): one
// message for both, naming the first few keys whose values differ.
FileFormatError different_sweep(const std::string& path, const std::string& theirs,
                                const std::string& theirs_resolved, const Sweep& sweep);

class Journal {
 public:
  explicit Journal(std::string path) : path_(std::move(path)) {}
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  const std::string& path() const { return path_; }
  // lstat: a symlink planted at the journal's name counts as there (and is refused later).
  bool exists() const;

  // Starts an empty journal for this sweep.
  void create(const Sweep& sweep);

  // The points already in the journal; cuts off a torn last record and leaves the journal
  // open for appending. A journal whose header never made it to disk is started afresh.
  std::vector<PointResult> recover(const Sweep& sweep);

  void append(const PointResult& p);

  void remove();

 private:
  static std::string header(const Sweep& sweep);
  static bool next_frame(const std::string& data, std::size_t& pos, std::uint32_t magic,
                         std::string& payload);
  void sync();

  std::string path_;
  int fd_ = -1;
};

}  // namespace progsurv::sweep_detail
