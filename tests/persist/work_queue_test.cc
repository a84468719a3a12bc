// WorkQueue runs every piece of work added, on at most its threads, while
// the adding thread goes on; Wait returns once all of it has run.

#include <atomic>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "persist/parallel.h"

namespace dskv {
namespace {

TEST(WorkQueueTest, RunsEveryPieceOnAtMostItsThreads) {
  for (std::size_t max_threads : {0, 1, 3, 16}) {
    constexpr int kPieces = 200;
    std::vector<int> done(kPieces, 0);
    std::mutex mu;
    std::set<std::thread::id> threads;
    {
      WorkQueue queue(max_threads);
      for (int i = 0; i < kPieces; ++i) {
        queue.Add([&, i] {
          ++done[i];
          std::lock_guard lock(mu);
          threads.insert(std::this_thread::get_id());
        });
      }
      queue.Wait();
      for (int i = 0; i < kPieces; ++i) ASSERT_EQ(done[i], 1) << i;
      // Reusable after Wait; the destructor waits too.
      queue.Add([&] { ++done[0]; });
    }
    EXPECT_EQ(done[0], 2);
    EXPECT_LE(threads.size(), std::max<std::size_t>(max_threads, 1))
        << max_threads;
  }
}

// The adding thread is not held up by work that waits.
TEST(WorkQueueTest, AddReturnsWhileWorkWaits) {
  std::atomic<bool> release{false};
  std::atomic<int> finished{0};
  WorkQueue queue(4);
  for (int i = 0; i < 4; ++i) {
    queue.Add([&] {
      while (!release.load()) std::this_thread::yield();
      finished.fetch_add(1);
    });
  }
  EXPECT_EQ(finished.load(), 0);  // All four are still waiting.
  release.store(true);
  queue.Wait();
  EXPECT_EQ(finished.load(), 4);
}

}  // namespace
}  // namespace dskv
