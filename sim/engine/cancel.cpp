#include "progsurv/engine/cancel.hpp"

#include <atomic>
#include <limits>

namespace progsurv {

namespace {
// Stop requests so far; a scope remembers the count when it began and is stopped once the
// count has moved on.
std::atomic<std::uint64_t> g_requests{0};
static_assert(std::atomic<std::uint64_t>::is_always_lock_free, "a signal handler adds to it");
// The count when no scope was last open: what threads outside any scope compare with.
std::atomic<std::uint64_t> g_idle_requests{0};
std::atomic<int> g_open_scopes{0};
constexpr std::uint64_t kNoScope = std::numeric_limits<std::uint64_t>::max();
thread_local std::uint64_t t_since = kNoScope;
}  // namespace

void request_stop() noexcept { g_requests.fetch_add(1, std::memory_order_relaxed); }

bool stop_requested() noexcept {
  const std::uint64_t since =
      t_since != kNoScope ? t_since : g_idle_requests.load(std::memory_order_relaxed);
  return g_requests.load(std::memory_order_relaxed) != since;
}

StopScope::StopScope() noexcept : outer_(t_since) {
  const std::uint64_t now = g_requests.load(std::memory_order_relaxed);
  if (g_open_scopes.fetch_add(1) == 0) g_idle_requests.store(now, std::memory_order_relaxed);
  t_since = now;
}

StopScope::~StopScope() {
  t_since = outer_;
  if (g_open_scopes.fetch_sub(1) == 1)
    g_idle_requests.store(g_requests.load(std::memory_order_relaxed), std::memory_order_relaxed);
}

StopScopeShare::StopScopeShare(std::uint64_t since) noexcept : outer_(t_since) { t_since = since; }
StopScopeShare::~StopScopeShare() { t_since = outer_; }
std::uint64_t StopScopeShare::current() noexcept { return t_since; }

}  // namespace progsurv
