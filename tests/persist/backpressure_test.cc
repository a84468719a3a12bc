// Bounded lag in kAsync mode (Options::max_dirty_bytes): the backlog of
// unwritten changes is counted (Stats::dirty_bytes, oldest_dirty_age), and
// writers that outpace the disk wait for it (Stats::write_stalls) instead of
// letting memory and the crash window grow.

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "dskv/store.h"
#include "gtest/gtest.h"
#include "persist/format.h"
#include "tests/persist/fault_file_system.h"
#include "tests/persist/persist_test_util.h"
#include "tests/status_matchers.h"

namespace dskv {
namespace {

using ::dskv_test::FaultFileSystem;
using ::dskv_test::HasCodeAndMessage;
using ::dskv_test::IsOk;
using ::dskv_test::StoreTest;
using ::dskv_test::WriteFault;
using Clock = std::chrono::steady_clock;

constexpr std::uint64_t kMiB = std::uint64_t{1} << 20;

// What a change costs in Stats::dirty_bytes: its record in the file.
std::uint64_t RecordBytes(std::string_view member, std::size_t value_size) {
  return format::RecordSize(member.size(), value_size);
}

// Waits until `done` holds, checking every millisecond, for at most a minute.
template <typename Predicate>
::testing::AssertionResult Eventually(Predicate done) {
  const Clock::time_point deadline = Clock::now() + std::chrono::minutes(1);
  while (!done()) {
    if (Clock::now() > deadline) {
      return ::testing::AssertionFailure() << "still false after a minute";
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return ::testing::AssertionSuccess();
}

// Resident memory of this process.
std::uint64_t ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  std::uint64_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
}

class BackpressureTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (HasFatalFailure()) return;
    UseFileSystem(&fs_);
  }

  void TearDown() override {
    fs_.Heal();      // So that Close can write,
    store_.reset();  // before fs_ goes.
  }

  // Options under which the janitor writes only when asked to, or when the
  // backlog reaches half of `max_dirty_bytes`.
  static Options Limited(std::uint64_t max_dirty_bytes) {
    Options options;
    options.flush_interval = std::chrono::hours(1);
    options.max_dirty_bytes = max_dirty_bytes;
    return options;
  }

  FaultFileSystem fs_;
};

TEST_F(BackpressureTest, DirtyBytesCountEachUnwrittenChangeOnce) {
  ASSERT_TRUE(Open(Limited(64 * kMiB)));
  EXPECT_EQ(GetStats().dirty_bytes, 0u);

  ASSERT_TRUE(IsOk(Put("a/x", std::string(100, 'x'))));
  EXPECT_EQ(GetStats().dirty_bytes, RecordBytes("x", 100));
  // Rewrites between passes are written once.
  ASSERT_TRUE(IsOk(Put("a/x", std::string(100, 'y'))));
  ASSERT_TRUE(IsOk(Put("a/x", std::string(40, 'z'))));
  EXPECT_EQ(GetStats().dirty_bytes, RecordBytes("x", 40));
  ASSERT_TRUE(IsOk(Put("b/y", std::string(7, 'y'))));
  EXPECT_EQ(GetStats().dirty_bytes, RecordBytes("x", 40) + RecordBytes("y", 7));
  // A delete is written as a record too: it counts, and as a dirty key.
  ASSERT_TRUE(IsOk(Delete("a/x")));
  EXPECT_EQ(GetStats().dirty_bytes, RecordBytes("x", 0) + RecordBytes("y", 7));
  EXPECT_EQ(GetStats().dirty_keys, 2u);
  EXPECT_EQ(GetStats().keys, 1u);
  // DeleteAll rewrites the collection: its pending records are never
  // written.
  ASSERT_TRUE(IsOk(DeleteAll("b")));
  EXPECT_EQ(GetStats().dirty_bytes, RecordBytes("x", 0));

  ASSERT_TRUE(IsOk(store_->Flush()));
  EXPECT_EQ(GetStats().dirty_bytes, 0u);
  EXPECT_EQ(GetStats().oldest_dirty_age, std::chrono::microseconds(0));
  EXPECT_EQ(GetStats().write_stalls, 0u);
}

TEST_F(BackpressureTest, OldestDirtyAgeIsTheAgeOfTheOldestUnwrittenChange) {
  ASSERT_TRUE(Open(Limited(64 * kMiB)));
  const Clock::time_point before = Clock::now();
  ASSERT_TRUE(IsOk(Put("a/x", "1")));
  const Clock::time_point after = Clock::now();
  ASSERT_TRUE(Eventually(
      [&] { return Clock::now() - after >= std::chrono::milliseconds(5); }));
  ASSERT_TRUE(IsOk(Put("a/y", "2")));  // Younger: does not change the age.

  const std::chrono::microseconds age = GetStats().oldest_dirty_age;
  const Clock::time_point now = Clock::now();

  // The first change was made between `before` and `after`.
  EXPECT_GE(age, std::chrono::milliseconds(5));
  EXPECT_LE(age, now - before);
  ASSERT_TRUE(IsOk(store_->Flush()));
  EXPECT_EQ(GetStats().oldest_dirty_age, std::chrono::microseconds(0));
}

TEST_F(BackpressureTest, WritersWaitForAStalledDiskAndGoOnWhenItMoves) {
  constexpr std::uint64_t kLimit = kMiB;
  constexpr int kPuts = 400;  // 4 MB of distinct keys: four times the limit.
  const std::string value(10000, 'v');
  ASSERT_TRUE(Open(Limited(kLimit)));
  fs_.PauseWrites(true);

  std::atomic<int> done{0};
  std::thread writer([&] {
    for (int i = 0; i < kPuts; ++i) {
      ASSERT_TRUE(IsOk(Put("c/" + std::to_string(i), value)));
      done.fetch_add(1);
    }
  });
  ASSERT_TRUE(Eventually([&] { return GetStats().write_stalls > 0; }));
  const Stats stalled = GetStats();
  const int done_while_stalled = done.load();

  // The writer is held back within the limit, plus the map's counting
  // tolerance (a quarter of it) and the one put that passed the check.
  EXPECT_LT(done_while_stalled, kPuts);
  EXPECT_GT(stalled.dirty_bytes, kLimit / 2);
  EXPECT_LE(stalled.dirty_bytes,
            kLimit + kLimit / 4 + RecordBytes("399", value.size()));
  EXPECT_GT(stalled.oldest_dirty_age, std::chrono::microseconds(0));

  fs_.PauseWrites(false);
  writer.join();
  ASSERT_TRUE(IsOk(store_->Flush()));
  const Stats after = GetStats();
  EXPECT_GE(after.write_stalls, 1u);
  EXPECT_GT(after.write_stall_time, std::chrono::microseconds(0));
  EXPECT_EQ(after.dirty_bytes, 0u);
  ASSERT_TRUE(Reopen());
  EXPECT_TRUE(Holds(*store_, model_));
}

TEST_F(BackpressureTest,
       AWriteThatWaitsFailsWhileTheDiskFailsAndChangesNothing) {
  constexpr std::uint64_t kLimit = kMiB;
  const std::string value(10000, 'v');
  ASSERT_TRUE(Open(Limited(kLimit)));
  fs_.FailWrites(WriteFault::kNoSpace);

  // The store takes changes in memory until the backlog passes the limit.
  absl::Status failed;
  int i = 0;
  for (; i < 1000 && failed.ok(); ++i) {
    failed = store_->Put("c/" + std::to_string(i), value);
    if (failed.ok()) model_.Put("c/" + std::to_string(i), value);
  }
  EXPECT_TRUE(HasCodeAndMessage(failed, absl::StatusCode::kResourceExhausted,
                                {"Options::max_dirty_bytes", "injected"}));
  EXPECT_LE(GetStats().dirty_bytes,
            kLimit + kLimit / 4 + RecordBytes("999", value.size()));
  // Nothing changed.
  EXPECT_TRUE(dskv_test::HasCode(store_->Get("c/" + std::to_string(i - 1)),
                                 absl::StatusCode::kNotFound));

  fs_.Heal();
  ASSERT_TRUE(IsOk(Put("c/after", value)));
  ASSERT_TRUE(Reopen());
  EXPECT_TRUE(Holds(*store_, model_));
}

// Two writers overwrite 10 MB of values six times over while the disk takes
// 40 MB/s: the backlog and memory stay within the bound, and every write
// lands.
TEST_F(BackpressureTest, OverloadStaysWithinTheBound) {
  constexpr std::uint64_t kLimit = 4 * kMiB;
  constexpr int kKeys = 1000;
  constexpr int kPutsPerWriter = 3000;
  constexpr std::size_t kValueSize = 10000;
  Options options;
  options.max_dirty_bytes = kLimit;
  ASSERT_TRUE(Open(options));
  for (int k = 0; k < kKeys; ++k) {
    ASSERT_TRUE(
        IsOk(Put("c/" + std::to_string(k), std::string(kValueSize, 'a'))));
  }
  ASSERT_TRUE(IsOk(store_->Flush()));
  fs_.LimitWriteSpeed(40'000'000);
  const std::uint64_t resident_before = ResidentBytes();

  std::atomic<bool> writing{true};
  std::uint64_t most_dirty = 0;
  // Resident memory can shrink below where it started (the allocator gives
  // freed pages back): growth is measured from the start, never below it.
  std::uint64_t most_resident = resident_before;
  std::chrono::microseconds oldest{0};
  std::thread monitor([&] {
    while (writing.load()) {
      const Stats stats = GetStats();
      most_dirty = std::max(most_dirty, stats.dirty_bytes);
      oldest = std::max(oldest, stats.oldest_dirty_age);
      most_resident = std::max(most_resident, ResidentBytes());
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
  std::vector<std::thread> writers;
  for (int w = 0; w < 2; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < kPutsPerWriter; ++i) {
        // Each writer owns half of the keys, so the model stays exact.
        const int key = (i * 2 + w) % kKeys;
        const std::string v(kValueSize, static_cast<char>('b' + (i % 20)));
        ASSERT_TRUE(IsOk(store_->Put("c/" + std::to_string(key), v)));
      }
    });
  }
  for (std::thread& t : writers) t.join();
  writing.store(false);
  monitor.join();
  for (int w = 0; w < 2; ++w) {
    for (int i = kPutsPerWriter - kKeys / 2; i < kPutsPerWriter; ++i) {
      model_.Put("c/" + std::to_string((i * 2 + w) % kKeys),
                 std::string(kValueSize, static_cast<char>('b' + (i % 20))));
    }
  }

  const Stats stats = GetStats();
  std::cout << "write stalls " << stats.write_stalls << ", "
            << stats.write_stall_time.count() / 1000
            << " ms in all; most dirty " << most_dirty
            << " B; oldest unwritten change " << oldest.count() / 1000
            << " ms; resident memory grew "
            << (most_resident - resident_before) / kMiB << " MiB\n";
  EXPECT_GT(stats.write_stalls, 0u);
  EXPECT_LE(most_dirty,
            kLimit + kLimit / 4 + 2 * RecordBytes("999", kValueSize));
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
  // Live data, the backlog, and as much again of values overwritten while
  // a pass holds them, plus the allocator's slack. Without the limit the
  // old values of every rewritten key would be held as well.
  const std::uint64_t live = kKeys * (kValueSize + 64);
  EXPECT_LE(most_resident - resident_before, 2 * kLimit + live + 8 * kMiB);
#endif
  fs_.Heal();
  ASSERT_TRUE(Reopen());
  EXPECT_TRUE(Holds(*store_, model_));
}

}  // namespace
}  // namespace dskv
