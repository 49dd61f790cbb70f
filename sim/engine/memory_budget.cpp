#include "progsurv/engine/memory_budget.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "progsurv/engine/run.hpp"

namespace progsurv {

std::uint64_t memory_limit_bytes() {
  if (const char* env = std::getenv("PROGSURV_MEMORY_LIMIT_MB"); env && *env) {
    char* end = nullptr;
    const unsigned long long mb = std::strtoull(env, &end, 10);
    if (end && *end == '\0' && mb > 0) return static_cast<std::uint64_t>(mb) << 20;
  }
  double limit = 64.0 * (1ull << 30);
  const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGESIZE);
  if (pages > 0 && page > 0) limit = static_cast<double>(pages) * static_cast<double>(page);
  rlimit as{};
  if (::getrlimit(RLIMIT_AS, &as) == 0 && as.rlim_cur != RLIM_INFINITY)
    limit = std::min(limit, static_cast<double>(as.rlim_cur));
  return static_cast<std::uint64_t>(limit * 0.75);
}

std::string format_bytes(double bytes) {
  static const char* const kUnits[] = {"bytes", "KB", "MB", "GB", "TB", "PB", "EB"};
  int unit = 0;
  while (bytes >= 1024.0 && unit < 6) {
    bytes /= 1024.0;
    ++unit;
  }
  char buf[64];
  if (bytes >= 1e6)
    std::snprintf(buf, sizeof buf, "%.3g %s", bytes, kUnits[unit]);
  else
    std::snprintf(buf, sizeof buf, unit == 0 ? "%.0f %s" : "%.1f %s", bytes, kUnits[unit]);
  return buf;
}

void check_memory(double bytes, const std::string& what) {
  const double limit = static_cast<double>(memory_limit_bytes());
  if (!(bytes <= limit))
    throw UsageError(what + " needs about " + format_bytes(bytes) + " of memory, more than the " +
                     format_bytes(limit) +
                     " allowed (3/4 of memory and ulimit -v; set PROGSURV_MEMORY_LIMIT_MB to "
                     "change it)");
}

double tally_bytes(const Scenario& s) {
  const double g = static_cast<double>(s.grid.size());
  const double phases = static_cast<double>(s.phases.size());
  return 8.0 * (kEndCategoryCount * (g + 1.0) + Tally::kCompletionBins +
                kEndCategoryCount * (phases + 1.0) + g) +
         1024.0;
}

double estimate_run_memory(const Scenario& s, const RunOptions& o, int threads) {
  const double planned =
      static_cast<double>(o.precision > 0.0 ? o.max_replications : o.replications);
  const double chunks_in_flight =
      std::max<double>(4.0 * threads, kChunksPerBatch) + static_cast<double>(threads);
  double bytes = (chunks_in_flight + 2.0) * tally_bytes(s);
  // The summary holds a dozen curves on the grid.
  bytes += 16.0 * 8.0 * static_cast<double>(s.grid.size());
  if (o.keep_replications) {
    // int8 outcome and cause; end_time, value, trust, deferred_value; ten int32 counts.
    const double per_record = 2.0 + 4 * 8.0 + 10 * 4.0 + 8.0 * kTimeBucketCount;
    // The columns, the chunks' ReplicationRecords in flight, and the file image written.
    bytes += planned * per_record * 2.0 +
             chunks_in_flight * kChunkSize * static_cast<double>(sizeof(ReplicationRecord));
  }
  return bytes;
}

}  // namespace progsurv
