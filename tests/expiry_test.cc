// Keys with deadlines (PutOptions::ttl, Store::Expire): visibility at the
// deadline, removal from memory and files, and deadlines across reopens. A
// FakeClock stands in for the wall clock, so no test sleeps.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "dskv/store.h"
#include "gtest/gtest.h"
#include "tests/fake_clock.h"
#include "tests/status_matchers.h"
#include "tests/temp_dir.h"

namespace dskv {
namespace {

using ::dskv_test::FakeClock;
using ::dskv_test::HasCode;
using ::dskv_test::HasPairs;
using ::dskv_test::HasValue;
using ::dskv_test::IsOk;
using ::dskv_test::Pairs;
using ::dskv_test::TempDirTest;
using ::std::chrono::milliseconds;
using ::std::chrono::seconds;

PutOptions Ttl(milliseconds ttl) {
  PutOptions options;
  options.ttl = ttl;
  return options;
}

class ExpiryTest : public TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_TRUE(Open());
  }

  ::testing::AssertionResult Open() {
    store_.reset();
    Options options;
    options.clock = &clock_;
    absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(dir(), options);
    if (!store.ok()) {
      return ::testing::AssertionFailure() << store.status();
    }
    store_ = *std::move(store);
    return ::testing::AssertionSuccess();
  }

  ::testing::AssertionResult Reopen() {
    if (absl::Status s = store_->Close(); !s.ok()) {
      return ::testing::AssertionFailure() << s;
    }
    return Open();
  }

  std::uint64_t Keys() {
    absl::StatusOr<Stats> stats = store_->GetStats();
    EXPECT_TRUE(IsOk(stats));
    return stats.ok() ? stats->keys : 0;
  }

  FakeClock clock_;
  std::unique_ptr<Store> store_;
};

TEST_F(ExpiryTest, AKeyReadsAsAbsentFromItsDeadlineOn) {
  ASSERT_TRUE(IsOk(store_->Put("s/a", "1", Ttl(seconds(10)))));
  ASSERT_TRUE(IsOk(store_->Put("s/b", "2")));

  clock_.Advance(milliseconds(9'999));
  EXPECT_TRUE(HasValue(store_->Get("s/a"), "1"));
  absl::StatusOr<std::optional<milliseconds>> left = store_->Ttl("s/a");
  ASSERT_TRUE(IsOk(left));
  EXPECT_EQ(*left, milliseconds(1));
  EXPECT_TRUE(HasPairs(store_->GetAll("s"), Pairs{{"a", "1"}, {"b", "2"}}));

  clock_.Advance(milliseconds(1));
  EXPECT_TRUE(HasCode(store_->Get("s/a"), absl::StatusCode::kNotFound));
  std::string value;
  EXPECT_TRUE(HasCode(store_->Get("s/a", &value), absl::StatusCode::kNotFound));
  EXPECT_TRUE(HasCode(store_->GetShared("s/a"), absl::StatusCode::kNotFound));
  EXPECT_TRUE(HasCode(store_->Ttl("s/a"), absl::StatusCode::kNotFound));
  EXPECT_TRUE(HasPairs(store_->GetAll("s"), Pairs{{"b", "2"}}));
  absl::StatusOr<ScanPage> page = store_->Scan("s");
  ASSERT_TRUE(IsOk(page));
  EXPECT_EQ(page->items.size(), 1u);
  std::vector<absl::StatusOr<SharedValue>> many =
      store_->MultiGetShared({"s/a", "s/b", "s/a"});
  EXPECT_TRUE(HasCode(many[0], absl::StatusCode::kNotFound));
  EXPECT_TRUE(IsOk(many[1]));
  EXPECT_TRUE(HasCode(many[2], absl::StatusCode::kNotFound));
  absl::StatusOr<std::vector<CollectionInfo>> collections =
      store_->ListCollections();
  ASSERT_TRUE(IsOk(collections));
  ASSERT_EQ(collections->size(), 1u);
  EXPECT_EQ((*collections)[0].keys, 1u);
  EXPECT_EQ(Keys(), 1u);
}

TEST_F(ExpiryTest, ReadsOfAnExpiredKeyBehaveAsIfItWereDeleted) {
  ASSERT_TRUE(IsOk(store_->Put("s/gone", "old", Ttl(seconds(1)))));
  clock_.Advance(seconds(1));
  // Before anything removed it: every write sees no value.
  absl::StatusOr<bool> removed = store_->Remove("s/gone");
  ASSERT_TRUE(IsOk(removed));
  EXPECT_FALSE(*removed);
  ASSERT_TRUE(IsOk(store_->Put("s/cas", "old", Ttl(seconds(1)))));
  ASSERT_TRUE(IsOk(store_->Put("s/n", "41", Ttl(seconds(1)))));
  clock_.Advance(seconds(1));
  absl::StatusOr<bool> swapped =
      store_->CompareAndSwap("s/cas", std::nullopt, "new");
  ASSERT_TRUE(IsOk(swapped));
  EXPECT_TRUE(*swapped);
  absl::StatusOr<std::int64_t> sum = store_->Increment("s/n", 1);
  ASSERT_TRUE(IsOk(sum));
  EXPECT_EQ(*sum, 1);
  // A value written over an expired one has no deadline.
  absl::StatusOr<std::optional<milliseconds>> left = store_->Ttl("s/cas");
  ASSERT_TRUE(IsOk(left));
  EXPECT_EQ(*left, std::nullopt);
  clock_.Advance(seconds(3600));
  EXPECT_TRUE(HasValue(store_->Get("s/cas"), "new"));
  EXPECT_TRUE(HasValue(store_->Get("s/n"), "1"));
}

TEST_F(ExpiryTest, PutWithoutTtlExpireAndPersistSetTheDeadline) {
  ASSERT_TRUE(IsOk(store_->Put("s/k", "v", Ttl(seconds(5)))));
  ASSERT_TRUE(IsOk(store_->Put("s/k", "w")));  // Clears it, as SET does.
  absl::StatusOr<std::optional<milliseconds>> left = store_->Ttl("s/k");
  ASSERT_TRUE(IsOk(left));
  EXPECT_EQ(*left, std::nullopt);

  ASSERT_TRUE(IsOk(store_->Expire("s/k", seconds(30))));
  left = store_->Ttl("s/k");
  ASSERT_TRUE(IsOk(left));
  EXPECT_EQ(*left, milliseconds(30'000));
  EXPECT_TRUE(HasValue(store_->Get("s/k"), "w"));

  absl::StatusOr<bool> had = store_->Persist("s/k");
  ASSERT_TRUE(IsOk(had));
  EXPECT_TRUE(*had);
  had = store_->Persist("s/k");
  ASSERT_TRUE(IsOk(had));
  EXPECT_FALSE(*had);
  clock_.Advance(seconds(60));
  EXPECT_TRUE(HasValue(store_->Get("s/k"), "w"));

  // A ttl of zero or less removes the key now.
  ASSERT_TRUE(IsOk(store_->Expire("s/k", milliseconds(0))));
  EXPECT_TRUE(HasCode(store_->Get("s/k"), absl::StatusCode::kNotFound));
}

TEST_F(ExpiryTest, ErrorsAreClear) {
  EXPECT_TRUE(HasCode(store_->Expire("s/missing", seconds(1)),
                      absl::StatusCode::kNotFound));
  EXPECT_TRUE(HasCode(store_->Expire("s/missing", seconds(0)),
                      absl::StatusCode::kNotFound));
  EXPECT_TRUE(
      HasCode(store_->Persist("s/missing"), absl::StatusCode::kNotFound));
  EXPECT_TRUE(HasCode(store_->Ttl("s/missing"), absl::StatusCode::kNotFound));
  EXPECT_TRUE(HasCode(store_->Put("s/k", "v", Ttl(milliseconds(-1))),
                      absl::StatusCode::kInvalidArgument));
  EXPECT_TRUE(HasCode(store_->Get("s/k"), absl::StatusCode::kNotFound));
  EXPECT_TRUE(HasCode(store_->Expire("no-slash", seconds(1)),
                      absl::StatusCode::kInvalidArgument));
  EXPECT_TRUE(
      HasCode(store_->Ttl("no-slash"), absl::StatusCode::kInvalidArgument));
  ASSERT_TRUE(IsOk(store_->Close()));
  EXPECT_TRUE(HasCode(store_->Put("s/k", "v", Ttl(seconds(1))),
                      absl::StatusCode::kFailedPrecondition));
  EXPECT_TRUE(HasCode(store_->Expire("s/k", seconds(1)),
                      absl::StatusCode::kFailedPrecondition));
  EXPECT_TRUE(
      HasCode(store_->Ttl("s/k"), absl::StatusCode::kFailedPrecondition));
}

TEST_F(ExpiryTest, ABatchPutTakesATtl) {
  WriteBatch batch;
  batch.Put("s/short", "1", Ttl(seconds(1)));
  batch.Put("s/long", "2", Ttl(seconds(60)));
  batch.Put("s/never", "3");
  ASSERT_TRUE(IsOk(store_->Write(batch)));
  clock_.Advance(seconds(1));
  EXPECT_TRUE(
      HasPairs(store_->GetAll("s"), Pairs{{"long", "2"}, {"never", "3"}}));
  ASSERT_TRUE(Reopen());
  EXPECT_TRUE(
      HasPairs(store_->GetAll("s"), Pairs{{"long", "2"}, {"never", "3"}}));
  absl::StatusOr<std::optional<milliseconds>> left = store_->Ttl("s/long");
  ASSERT_TRUE(IsOk(left));
  EXPECT_EQ(*left, milliseconds(59'000));

  // A negative ttl fails the whole batch, naming the operation.
  WriteBatch bad;
  bad.Put("s/fine", "v");
  bad.Put("s/bad", "v", Ttl(milliseconds(-5)));
  absl::Status s = store_->Write(bad);
  EXPECT_TRUE(HasCode(s, absl::StatusCode::kInvalidArgument));
  EXPECT_NE(s.message().find("operation 1"), std::string_view::npos) << s;
  EXPECT_TRUE(HasCode(store_->Get("s/fine"), absl::StatusCode::kNotFound));
}

TEST_F(ExpiryTest, ADeadlineSurvivesReopenCycles) {
  ASSERT_TRUE(IsOk(store_->Put("s/a", "1", Ttl(seconds(100)))));
  ASSERT_TRUE(IsOk(store_->Put("s/b", "2")));
  for (int cycle = 0; cycle < 5; ++cycle) {
    clock_.Advance(seconds(10));
    ASSERT_TRUE(Reopen()) << "cycle " << cycle;
    absl::StatusOr<std::optional<milliseconds>> left = store_->Ttl("s/a");
    ASSERT_TRUE(IsOk(left)) << "cycle " << cycle;
    EXPECT_EQ(*left, milliseconds(90'000 - cycle * 10'000));
    // A write to another key rewrites nothing of this one.
    ASSERT_TRUE(IsOk(store_->Put("s/b", std::to_string(cycle))));
  }
  clock_.Advance(seconds(50));  // 100 s after the put.
  ASSERT_TRUE(Reopen());
  EXPECT_TRUE(HasCode(store_->Get("s/a"), absl::StatusCode::kNotFound));
  EXPECT_TRUE(HasValue(store_->Get("s/b"), "4"));
  EXPECT_EQ(Keys(), 1u);
}

TEST_F(ExpiryTest, KeysThatExpiredWhileClosedAreGoneAfterOpen) {
  ASSERT_TRUE(IsOk(store_->Put("s/a", "1", Ttl(seconds(1)))));
  ASSERT_TRUE(IsOk(store_->Put("t/only", "1", Ttl(seconds(1)))));
  ASSERT_TRUE(IsOk(store_->Close()));
  clock_.Advance(seconds(2));
  ASSERT_TRUE(Open());
  EXPECT_TRUE(HasCode(store_->Get("s/a"), absl::StatusCode::kNotFound));
  absl::StatusOr<std::vector<CollectionInfo>> collections =
      store_->ListCollections();
  ASSERT_TRUE(IsOk(collections));
  EXPECT_TRUE(collections->empty());
  absl::StatusOr<Stats> stats = store_->GetStats();
  ASSERT_TRUE(IsOk(stats));
  EXPECT_EQ(stats->keys, 0u);
  EXPECT_EQ(stats->expiring_keys, 0u);
}

TEST_F(ExpiryTest, RemovalReachesTheFiles) {
  ASSERT_TRUE(IsOk(store_->Put("s/a", "1", Ttl(seconds(1)))));
  ASSERT_TRUE(IsOk(store_->Flush()));
  clock_.Advance(seconds(1));
  // The pass Flush waits for removes the key and writes its tombstone.
  ASSERT_TRUE(IsOk(store_->Flush()));
  absl::StatusOr<Stats> stats = store_->GetStats();
  ASSERT_TRUE(IsOk(stats));
  EXPECT_EQ(stats->expired_keys, 1u);
  EXPECT_EQ(stats->expiring_keys, 0u);
  EXPECT_EQ(stats->keys, 0u);
  // Even a clock set back before the deadline finds it gone: the files
  // hold the removal, not just a deadline.
  ASSERT_TRUE(IsOk(store_->Close()));
  clock_.Advance(-seconds(10));
  ASSERT_TRUE(Open());
  EXPECT_TRUE(HasCode(store_->Get("s/a"), absl::StatusCode::kNotFound));
}

TEST_F(ExpiryTest, ExpiryRacingWithCompactionAndDelete) {
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(IsOk(
        store_->Put("s/k" + std::to_string(i), "v", Ttl(seconds(1 + i % 2)))));
  }
  ASSERT_TRUE(IsOk(store_->Flush()));
  clock_.Advance(seconds(1));  // The odd keys live a second more.
  // Deleted before the janitor got to them, rewritten from memory, then
  // rewritten over an expired value: each way, gone or new, never back.
  ASSERT_TRUE(IsOk(store_->Delete("s/k0")));
  ASSERT_TRUE(IsOk(store_->Put("s/k2", "new")));
  ASSERT_TRUE(IsOk(store_->Compact()));
  ASSERT_TRUE(IsOk(store_->Delete("s/k1")));
  ASSERT_TRUE(IsOk(store_->Close()));
  clock_.Advance(-seconds(10));  // Before every deadline.
  ASSERT_TRUE(Open());
  Pairs want = {{"k2", "new"}};
  for (int i = 3; i < 100; i += 2)
    want.push_back({"k" + std::to_string(i), "v"});
  std::sort(want.begin(), want.end());
  EXPECT_TRUE(HasPairs(store_->GetAll("s"), want));
}

// The sanitizers run this 20 times slower: a fifth of the keys keeps their
// runs within a minute, and the janitor's passes still race the writes.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr int kManyKeys = 200'000;
#else
constexpr int kManyKeys = 1'000'000;
#endif

TEST_F(ExpiryTest, AMillionKeysExpireOverThreeMinutes) {
  constexpr int kKeys = kManyKeys;
  constexpr int kSpanSeconds = 180;
  // Key i lives (i % 180) + 1 seconds; every tenth key never expires.
  for (int i = 0; i < kKeys; ++i) {
    const std::string key = "t/" + std::to_string(i);
    const absl::Status put =
        i % 10 == 0 ? store_->Put(key, "forever")
                    : store_->Put(key, "v", Ttl(seconds(i % kSpanSeconds + 1)));
    ASSERT_TRUE(put.ok()) << put;
  }
  auto alive_after = [&](int second) {
    std::uint64_t alive = 0;
    for (int i = 0; i < kKeys; ++i) {
      alive += i % 10 == 0 || i % kSpanSeconds + 1 > second;
    }
    return alive;
  };
  for (int second = 0; second <= kSpanSeconds + 10; second += 15) {
    SCOPED_TRACE(second);
    EXPECT_EQ(Keys(), alive_after(second));
    ASSERT_TRUE(IsOk(store_->Flush()));
    clock_.Advance(seconds(15));
  }
  absl::StatusOr<Stats> stats = store_->GetStats();
  ASSERT_TRUE(IsOk(stats));
  EXPECT_EQ(stats->keys, kKeys / 10u);
  EXPECT_EQ(stats->expired_keys, kKeys - kKeys / 10u);
  EXPECT_EQ(stats->expiring_keys, 0u);
  ASSERT_TRUE(Reopen());
  EXPECT_EQ(Keys(), kKeys / 10u);
}

}  // namespace
}  // namespace dskv
