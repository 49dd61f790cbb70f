#pragma once
// Work sharing for fixed-size chunks. Which thread runs a chunk never matters: callers
// give every chunk its own accumulator and merge them in chunk order afterwards.
#include <cstdint>
#include <functional>

namespace progsurv {

// Calls body(c) once for every c in [0, count) on up to `threads` threads (the calling
// thread alone when threads <= 1). After the first exception no new chunk starts; it is
// rethrown once every worker has stopped.
void parallel_for(std::int64_t count, int threads, const std::function<void(std::int64_t)>& body);

}  // namespace progsurv
