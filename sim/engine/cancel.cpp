#include "progsurv/engine/cancel.hpp"

#include <atomic>

namespace progsurv {

namespace {
std::atomic<bool> g_stop{false};
static_assert(std::atomic<bool>::is_always_lock_free, "a signal handler sets it");
std::atomic<int> g_open_scopes{0};
}  // namespace

void request_stop() noexcept { g_stop.store(true, std::memory_order_relaxed); }
bool stop_requested() noexcept { return g_stop.load(std::memory_order_relaxed); }

StopScope::StopScope() noexcept {
  if (g_open_scopes.fetch_add(1) == 0) g_stop.store(false, std::memory_order_relaxed);
}

StopScope::~StopScope() { g_open_scopes.fetch_sub(1); }

}  // namespace progsurv
