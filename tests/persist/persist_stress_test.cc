// Many threads change a store while its janitor persists every millisecond;
// after Close, the reopened store must hold exactly what the closed one held.
// Bounded in time and operations so that it also suits --config=tsan.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <iostream>
#include <latch>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "dskv/store.h"
#include "gtest/gtest.h"
#include "tests/persist/persist_test_util.h"
#include "tests/status_matchers.h"

namespace dskv {
namespace {

using ::dskv_test::Holds;
using ::dskv_test::IsOk;
using ::dskv_test::Model;
using ::dskv_test::ReadModel;
using ::dskv_test::StoreTest;
using ::std::string_literals::operator""s;

constexpr int kThreads = 4;
constexpr int kMembers = 16;
constexpr std::chrono::milliseconds kDuration{1000};

// Records the first failure seen by any thread.
class FailureLog {
 public:
  void Add(std::string_view what, const absl::Status& status) {
    std::lock_guard lock(mu_);
    if (++count_ == 1) first_ = std::string(what) + ": " + status.ToString();
  }
  int count() const {
    std::lock_guard lock(mu_);
    return count_;
  }
  std::string first() const {
    std::lock_guard lock(mu_);
    return first_;
  }

 private:
  mutable std::mutex mu_;
  int count_ = 0;
  std::string first_;
};

class PersistStressTest : public StoreTest,
                          public ::testing::WithParamInterface<Durability> {
 protected:
  // Changes the store from one thread until the deadline or `max_ops`.
  void Churn(int thread, int max_ops,
             std::chrono::steady_clock::time_point deadline, std::latch& start,
             std::atomic<std::uint64_t>& ops, FailureLog& failures) {
    std::mt19937 rng(thread);
    start.arrive_and_wait();
    int i = 0;
    for (; i < max_ops && std::chrono::steady_clock::now() < deadline; ++i) {
      const std::string& collection = collections_[rng() % collections_.size()];
      const std::string key =
          collection + "/m" + std::to_string(rng() % kMembers);
      const unsigned op = rng() % 100;
      if (op < 70) {
        const std::string value = "t" + std::to_string(thread) + "-" +
                                  std::to_string(i) +
                                  std::string(rng() % 64, 'v');
        if (absl::Status s = store_->Put(key, value); !s.ok()) {
          failures.Add("Put", s);
        }
      } else if (op < 90) {
        if (absl::Status s = store_->Delete(key); !s.ok()) {
          failures.Add("Delete", s);
        }
      } else if (op < 93) {
        if (absl::Status s = store_->DeleteAll(collection); !s.ok()) {
          failures.Add("DeleteAll", s);
        }
      } else if (op < 94) {
        if (absl::Status s = store_->Flush(); !s.ok()) {
          failures.Add("Flush", s);
        }
      } else {
        absl::StatusOr<std::string> value = store_->Get(key);
        if (!value.ok() && !absl::IsNotFound(value.status())) {
          failures.Add("Get", value.status());
        }
      }
    }
    ops += static_cast<std::uint64_t>(i);
  }

  const std::vector<std::string> collections_ = {"alpha", "beta", "..",
                                                 "a\0b"s};
};

INSTANTIATE_TEST_SUITE_P(Durabilities, PersistStressTest,
                         ::testing::Values(Durability::kAsync,
                                           Durability::kSync),
                         [](const ::testing::TestParamInfo<Durability>& info) {
                           return info.param == Durability::kAsync ? "Async"
                                                                   : "Sync";
                         });

TEST_P(PersistStressTest, ReopenedStoreHoldsWhatTheClosedStoreHeld) {
  Options options;
  options.durability = GetParam();
  options.flush_interval = std::chrono::milliseconds(1);
  options.compaction_min_bytes = 512;  // Compacts often too.
  ASSERT_TRUE(Open(options));
  const int max_ops = GetParam() == Durability::kAsync ? 50000 : 5000;
  const auto deadline = std::chrono::steady_clock::now() + kDuration;

  std::latch start(kThreads);
  std::atomic<std::uint64_t> ops{0};
  FailureLog failures;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back(
        [&, t] { Churn(t, max_ops, deadline, start, ops, failures); });
  }
  for (std::thread& thread : threads) thread.join();

  ASSERT_EQ(failures.count(), 0) << "first failure: " << failures.first();
  const dskv::Stats stats = GetStats();
  std::cout << ops.load() << " operations; " << stats.janitor_passes
            << " janitor passes, " << stats.compactions << " compactions\n";
  EXPECT_TRUE(IsOk(stats.last_io_error));
  absl::StatusOr<Model> closed = ReadModel(*store_, collections_);
  ASSERT_TRUE(closed.ok()) << closed.status();

  ASSERT_TRUE(Reopen());

  EXPECT_TRUE(Holds(*store_, *closed));
}

}  // namespace
}  // namespace dskv
