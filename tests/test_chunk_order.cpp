// Chunk results are merged in chunk order, whatever order the threads finish them in
// (docs/model.md, Randomness and reproducibility). Run-level tests compare thread counts, but
// two threads finish out of order only by chance; here a later chunk is made to finish first.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "engine/chunk_pipeline.hpp"

using namespace progsurv;

namespace {

// Chunk 0 waits until chunk 2 has started, so chunk 1 is ready first (the thread that takes
// chunks 1 and 2 stores chunk 1 before it takes chunk 2). take(0) must still hand back chunk 0.
TEST(ChunkOrder, TakenInChunkOrderWhenALaterChunkFinishesFirst) {
  std::atomic<bool> third_started{false};
  ChunkPipeline<std::int64_t> pipeline(
      3, 2,
      [&](std::int64_t begin, std::int64_t) {
        if (begin == 2) third_started = true;
        if (begin == 0) {
          // Generous: only a hung worker takes this long.
          const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(120);
          while (!third_started && std::chrono::steady_clock::now() < give_up)
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        return begin;
      },
      1);
  EXPECT_EQ(pipeline.take(0), 0);
  EXPECT_TRUE(third_started);
  EXPECT_EQ(pipeline.take(1), 1);
  EXPECT_EQ(pipeline.take(2), 2);
}

}  // namespace
