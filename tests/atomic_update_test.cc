// Store::CompareAndSwap and Store::Increment: their semantics, their errors,
// persistence across reopen, and no lost update under many threads (meant
// for --config=tsan too).

#include <atomic>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "dskv/store.h"
#include "gtest/gtest.h"
#include "tests/open_store_test.h"
#include "tests/status_matchers.h"

namespace dskv {
namespace {

using ::dskv_test::HasCode;
using ::dskv_test::HasCodeAndMessage;
using ::dskv_test::HasValue;
using ::dskv_test::IsOk;
using ::dskv_test::OpenStoreTest;

class AtomicUpdateTest : public OpenStoreTest {
 protected:
  bool Swap(std::string_view key, std::optional<std::string_view> expected,
            std::string_view desired) {
    absl::StatusOr<bool> swapped =
        store_->CompareAndSwap(key, expected, desired);
    EXPECT_TRUE(IsOk(swapped));
    return swapped.ok() && *swapped;
  }
};

TEST_F(AtomicUpdateTest, CompareAndSwapSwapsOnlyOnAMatch) {
  EXPECT_FALSE(Swap("s/k", "v", "w"));  // Absent, not "v".
  EXPECT_TRUE(HasCode(store_->Get("s/k"), absl::StatusCode::kNotFound));
  EXPECT_TRUE(Swap("s/k", std::nullopt, "v1"));  // Absent, as expected.
  EXPECT_FALSE(Swap("s/k", std::nullopt, "v2"));
  EXPECT_FALSE(Swap("s/k", "v", "v2"));  // A prefix is not a match.
  EXPECT_FALSE(Swap("s/k", "", "v2"));   // Nor is empty.
  EXPECT_TRUE(HasValue(store_->Get("s/k"), "v1"));
  EXPECT_TRUE(Swap("s/k", "v1", ""));
  EXPECT_TRUE(HasValue(store_->Get("s/k"), ""));
  EXPECT_FALSE(Swap("s/k", std::nullopt, "x"));  // Empty is a value.
  EXPECT_TRUE(Swap("s/k", "", std::string(5000, 'L')));
  EXPECT_TRUE(Swap("s/k", std::string(5000, 'L'), "small"));
  ASSERT_TRUE(IsOk(store_->Delete("s/k")));
  EXPECT_TRUE(Swap("s/k", std::nullopt, "again"));  // Deleted is absent.
  ASSERT_TRUE(IsOk(store_->Close()));
  Open(Options());
  EXPECT_TRUE(HasValue(store_->Get("s/k"), "again"));
}

TEST_F(AtomicUpdateTest, IncrementCountsInDecimalFromZero) {
  absl::StatusOr<std::int64_t> sum = store_->Increment("c/n", 5);
  ASSERT_TRUE(IsOk(sum));
  EXPECT_EQ(*sum, 5);
  EXPECT_TRUE(HasValue(store_->Get("c/n"), "5"));
  sum = store_->Increment("c/n", -12);
  ASSERT_TRUE(IsOk(sum));
  EXPECT_EQ(*sum, -7);
  EXPECT_TRUE(HasValue(store_->Get("c/n"), "-7"));
  sum = store_->Increment("c/n", 0);
  ASSERT_TRUE(IsOk(sum));
  EXPECT_EQ(*sum, -7);
  ASSERT_TRUE(IsOk(store_->Put("c/big", "9223372036854775806")));
  sum = store_->Increment("c/big", 1);
  ASSERT_TRUE(IsOk(sum));
  EXPECT_EQ(*sum, std::numeric_limits<std::int64_t>::max());
  ASSERT_TRUE(IsOk(store_->Close()));
  Open(Options());
  EXPECT_TRUE(HasValue(store_->Get("c/n"), "-7"));
  EXPECT_TRUE(HasValue(store_->Get("c/big"), "9223372036854775807"));
}

TEST_F(AtomicUpdateTest, IncrementRejectsOtherValuesAndOverflow) {
  for (const std::string& value :
       {std::string(""), std::string("abc"), std::string("01"),
        std::string("-0"), std::string("+1"), std::string(" 1"),
        std::string("1 "), std::string("1.5"), std::string("-"),
        std::string("9223372036854775808"), std::string("\x01\x02", 2)}) {
    ASSERT_TRUE(IsOk(store_->Put("c/bad", value)));
    EXPECT_TRUE(HasCodeAndMessage(store_->Increment("c/bad", 1).status(),
                                  absl::StatusCode::kInvalidArgument,
                                  {"Increment of", "not a counter"}))
        << value;
    EXPECT_TRUE(HasValue(store_->Get("c/bad"), value));  // Unchanged.
  }
  ASSERT_TRUE(IsOk(store_->Put("c/max", "9223372036854775807")));
  EXPECT_TRUE(HasCodeAndMessage(store_->Increment("c/max", 1).status(),
                                absl::StatusCode::kOutOfRange,
                                {"outside the int64 range"}));
  ASSERT_TRUE(IsOk(store_->Put("c/min", "-9223372036854775808")));
  EXPECT_TRUE(HasCode(store_->Increment("c/min", -1).status(),
                      absl::StatusCode::kOutOfRange));
  EXPECT_TRUE(HasValue(store_->Get("c/min"), "-9223372036854775808"));
  // A fresh counter taken to the minimum cannot go lower.
  EXPECT_TRUE(HasCode(
      store_->Increment("fresh/k", std::numeric_limits<std::int64_t>::min())
          .status(),
      absl::StatusCode::kOk));
  EXPECT_TRUE(HasCode(store_->Increment("fresh/k", -1).status(),
                      absl::StatusCode::kOutOfRange));
  EXPECT_TRUE(HasValue(store_->Get("fresh/k"), "-9223372036854775808"));
}

TEST_F(AtomicUpdateTest, Errors) {
  EXPECT_TRUE(HasCode(store_->CompareAndSwap("nokey", std::nullopt, "v"),
                      absl::StatusCode::kInvalidArgument));
  EXPECT_TRUE(
      HasCode(store_->Increment("/m", 1), absl::StatusCode::kInvalidArgument));
  Options small;
  small.max_value_size = 3;
  Open(small);
  EXPECT_TRUE(HasCode(store_->CompareAndSwap("a/b", std::nullopt, "1234"),
                      absl::StatusCode::kInvalidArgument));
  EXPECT_TRUE(HasCode(store_->Get("a/b"), absl::StatusCode::kNotFound));
  ASSERT_TRUE(IsOk(store_->Close()));
  EXPECT_TRUE(HasCode(store_->CompareAndSwap("a/b", std::nullopt, "1"),
                      absl::StatusCode::kFailedPrecondition));
  EXPECT_TRUE(HasCode(store_->Increment("a/b", 1),
                      absl::StatusCode::kFailedPrecondition));
  Options read_only;
  read_only.read_only = true;
  Open(read_only);
  EXPECT_TRUE(HasCode(store_->CompareAndSwap("a/b", std::nullopt, "1"),
                      absl::StatusCode::kFailedPrecondition));
  EXPECT_TRUE(HasCode(store_->Increment("a/b", 1),
                      absl::StatusCode::kFailedPrecondition));
}

TEST_F(AtomicUpdateTest, NoIncrementIsLostAmongEightThreads) {
  // 1,000,000 increments over a few keys, so that threads meet on each.
  constexpr int kThreads = 8;
  constexpr int kPerThread = 125000;
  constexpr int kKeys = 4;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const std::string key = "c/k" + std::to_string((i + t) % kKeys);
        if (!store_->Increment(key, 1).ok()) failures.fetch_add(1);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  std::int64_t total = 0;
  for (int k = 0; k < kKeys; ++k) {
    absl::StatusOr<std::string> value = store_->Get("c/k" + std::to_string(k));
    ASSERT_TRUE(IsOk(value));
    total += std::stoll(*value);
  }
  EXPECT_EQ(total, std::int64_t{kThreads} * kPerThread);
  ASSERT_TRUE(IsOk(store_->Close()));
  Open(Options());
  total = 0;
  for (int k = 0; k < kKeys; ++k) {
    absl::StatusOr<std::string> value = store_->Get("c/k" + std::to_string(k));
    ASSERT_TRUE(IsOk(value));
    total += std::stoll(*value);
  }
  EXPECT_EQ(total, std::int64_t{kThreads} * kPerThread);
}

TEST_F(AtomicUpdateTest, CompareAndSwapLoopsLoseNoUpdate) {
  // A counter kept with read-then-swap loops: every swap that succeeds saw
  // the latest value.
  constexpr int kThreads = 8;
  constexpr int kPerThread = 5000;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i) {
        while (true) {
          absl::StatusOr<std::string> seen = store_->Get("cas/n");
          std::optional<std::string> expected;
          if (seen.ok()) {
            expected = *seen;
          } else if (!absl::IsNotFound(seen.status())) {
            failures.fetch_add(1);
            return;
          }
          const std::string next = std::to_string(
              (expected.has_value() ? std::stoll(*expected) : 0) + 1);
          absl::StatusOr<bool> swapped =
              store_->CompareAndSwap("cas/n", expected, next);
          if (!swapped.ok()) {
            failures.fetch_add(1);
            return;
          }
          if (*swapped) break;
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_TRUE(
      HasValue(store_->Get("cas/n"), std::to_string(kThreads * kPerThread)));
}

TEST_F(AtomicUpdateTest, SyncModeReturnsOnceDurable) {
  Options sync;
  sync.durability = Durability::kSync;
  Open(sync);
  ASSERT_TRUE(IsOk(store_->Increment("c/n", 3)));
  ASSERT_TRUE(Swap("c/m", std::nullopt, "v"));
  absl::StatusOr<Stats> stats = store_->GetStats();
  ASSERT_TRUE(IsOk(stats));
  EXPECT_EQ(stats->dirty_bytes, 0u);
}

}  // namespace
}  // namespace dskv
