// The thread pool and tile_boxes: every task runs once on a valid thread, exceptions come back to
// the caller, tiles cover a region exactly.
#include <catch2/catch.hpp>

#include <atomic>
#include <set>
#include <stdexcept>
#include <vector>

#include "parlayer/domain/tile.hpp"
#include "parlayer/parallel/thread_pool.hpp"

using parlayer::domain::Index3;
using parlayer::domain::IndexBox;
using parlayer::domain::tile_boxes;
using parlayer::parallel::ThreadPool;

TEST_CASE("a thread pool runs every task exactly once, on threads 0 .. size-1", "[threads]") {
  for (const int threads : {1, 2, 4}) {
    ThreadPool pool(threads);
    CHECK(pool.size() == threads);
    for (const int count : {0, 1, 3, 100, 1000}) {
      std::vector<std::atomic<int>> runs(static_cast<std::size_t>(count));
      std::atomic<int> bad_thread{0};
      pool.run(count, [&](int i, int thread) {
        runs[static_cast<std::size_t>(i)] += 1;
        if (thread < 0 || thread >= threads) ++bad_thread;
      });
      int wrong = 0;
      for (const auto& r : runs) wrong += r != 1;
      INFO(threads << " threads, " << count << " tasks");
      CHECK(wrong == 0);
      CHECK(bad_thread == 0);
    }
  }
}

TEST_CASE("a task's exception reaches the caller after the other tasks ran", "[threads]") {
  ThreadPool pool(3);
  std::atomic<int> ran{0};
  CHECK_THROWS_WITH(pool.run(50,
                             [&](int i, int) {
                               ++ran;
                               if (i == 7) throw std::runtime_error("task 7 failed");
                             }),
                    "task 7 failed");
  CHECK(ran == 50);
  // The pool still works afterwards.
  std::atomic<int> again{0};
  pool.run(10, [&](int, int) { ++again; });
  CHECK(again == 10);
  CHECK_THROWS_AS(ThreadPool(0), std::invalid_argument);
}

TEST_CASE("tiles cover a region exactly once, none larger than asked", "[threads]") {
  const IndexBox region{{-2, 3, 0}, {17, 12, 5}};
  for (const Index3 size : {Index3{0, 0, 0}, Index3{4, 4, 4}, Index3{1, 1, 1}, Index3{0, 8, 2}, Index3{100, 2, 0}}) {
    INFO("tile size " << size[0] << "x" << size[1] << "x" << size[2]);
    std::vector<int> covered(static_cast<std::size_t>(region.cells()), 0);
    bool too_large = false;
    for (const IndexBox& t : tile_boxes(region, size)) {
      for (int a = 0; a < 3; ++a) too_large = too_large || (size[a] > 0 && t.extent(a) > size[a]);
      for (int k = t.lo[2]; k < t.hi[2]; ++k)
        for (int j = t.lo[1]; j < t.hi[1]; ++j)
          for (int i = t.lo[0]; i < t.hi[0]; ++i)
            covered[static_cast<std::size_t>((i - region.lo[0]) +
                                             region.extent(0) * ((j - region.lo[1]) + region.extent(1) * (k - region.lo[2])))] += 1;
    }
    int wrong = 0;
    for (const int c : covered) wrong += c != 1;
    CHECK(wrong == 0);
    CHECK_FALSE(too_large);
  }
  CHECK(tile_boxes(IndexBox{{0, 0, 0}, {0, 4, 1}}, {2, 2, 2}).empty());
}
