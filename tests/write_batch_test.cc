// Store::Write and WriteBatch: operation order, validation before anything
// is applied, conditions, persistence, one sync per batch in kSync mode, and
// readers seeing all of a batch or none (meant for --config=tsan too).

#include "dskv/write_batch.h"

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
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
using ::dskv_test::HasPairs;
using ::dskv_test::HasValue;
using ::dskv_test::IsOk;
using ::dskv_test::OpenStoreTest;
using ::dskv_test::Pairs;

using WriteBatchTest = OpenStoreTest;

TEST_F(WriteBatchTest, OperationsApplyInOrder) {
  ASSERT_TRUE(IsOk(store_->Put("c/old", "x")));
  WriteBatch batch;
  batch.Put("a/k", "1");
  batch.Put("a/k", "2");  // The later put wins.
  batch.Put("a/gone", "1");
  batch.Delete("a/gone");
  batch.Delete("a/never");     // Deleting a missing key is fine.
  batch.Put("c/before", "z");  // Gone with the DeleteAll after it.
  batch.DeleteAll("c");
  batch.Put("c/new", "y");  // Survives the DeleteAll before it.
  batch.Put("b/k", "");
  batch.Delete("b/k");
  batch.Put("b/k", "");  // After its delete: present.
  EXPECT_EQ(batch.Count(), 11u);
  ASSERT_TRUE(IsOk(store_->Write(batch)));
  EXPECT_TRUE(HasValue(store_->Get("a/k"), "2"));
  EXPECT_TRUE(HasCode(store_->Get("a/gone"), absl::StatusCode::kNotFound));
  EXPECT_TRUE(HasPairs(store_->GetAll("c"), Pairs{{"new", "y"}}));
  EXPECT_TRUE(HasValue(store_->Get("b/k"), ""));
  // Everything survives a reopen.
  ASSERT_TRUE(IsOk(store_->Close()));
  Open(Options());
  EXPECT_TRUE(HasValue(store_->Get("a/k"), "2"));
  EXPECT_TRUE(HasCode(store_->Get("a/gone"), absl::StatusCode::kNotFound));
  EXPECT_TRUE(HasPairs(store_->GetAll("c"), Pairs{{"new", "y"}}));
}

TEST_F(WriteBatchTest, AnInvalidOperationAppliesNothing) {
  const struct {
    std::string key;  // Of the third operation.
    std::string value;
    std::vector<std::string> message;
  } cases[] = {
      {"nokey", "v", {"WriteBatch operation 2", "has no '/'"}},
      {"a/", "v", {"WriteBatch operation 2", "empty member"}},
      {"/m", "v", {"WriteBatch operation 2", "empty collection"}},
      {"a/big",
       std::string(65, 'v'),
       {"WriteBatch operation 2", "larger than the 64-byte limit"}},
  };
  Options small;
  small.max_value_size = 64;
  Open(small);
  for (const auto& c : cases) {
    WriteBatch batch;
    batch.Put("a/first", "1");
    batch.DeleteAll("b");
    batch.Put(c.key, c.value);
    batch.Put("a/last", "1");
    EXPECT_TRUE(HasCodeAndMessage(
        store_->Write(batch), absl::StatusCode::kInvalidArgument, c.message))
        << c.key;
  }
  WriteBatch bad_collection;
  bad_collection.Put("a/first", "1");
  bad_collection.DeleteAll("x/y");
  EXPECT_TRUE(HasCodeAndMessage(store_->Write(bad_collection),
                                absl::StatusCode::kInvalidArgument,
                                {"WriteBatch operation 1", "'/'"}));
  WriteBatch bad_condition;
  bad_condition.Put("a/first", "1");
  bad_condition.Expect("nokey", std::nullopt);
  EXPECT_TRUE(HasCodeAndMessage(store_->Write(bad_condition),
                                absl::StatusCode::kInvalidArgument,
                                {"WriteBatch condition 0"}));
  EXPECT_TRUE(HasCode(store_->Get("a/first"), absl::StatusCode::kNotFound));
  absl::StatusOr<std::vector<CollectionInfo>> collections =
      store_->ListCollections();
  ASSERT_TRUE(IsOk(collections));
  EXPECT_TRUE(collections->empty());
}

TEST_F(WriteBatchTest, ConditionsDecideTheWholeBatch) {
  ASSERT_TRUE(IsOk(store_->Put("s/owner", "ada")));
  WriteBatch handover;
  handover.Expect("s/owner", "ada");
  handover.Expect("s/lock", std::nullopt);
  handover.Put("s/owner", "bob");
  handover.Put("log/1", "ada -> bob");
  EXPECT_EQ(handover.Count(), 2u);
  EXPECT_EQ(handover.ConditionCount(), 2u);
  ASSERT_TRUE(IsOk(store_->Write(handover)));
  EXPECT_TRUE(HasValue(store_->Get("s/owner"), "bob"));
  // The same batch again: s/owner no longer holds "ada".
  EXPECT_TRUE(HasCodeAndMessage(
      store_->Write(handover), absl::StatusCode::kAborted,
      {"WriteBatch condition 0 does not hold", "holds another value"}));
  ASSERT_TRUE(IsOk(store_->Put("s/owner", "ada")));
  ASSERT_TRUE(IsOk(store_->Put("s/lock", "")));  // Empty is a value.
  ASSERT_TRUE(IsOk(store_->Delete("log/1")));
  EXPECT_TRUE(HasCodeAndMessage(store_->Write(handover),
                                absl::StatusCode::kAborted,
                                {"WriteBatch condition 1 does not hold"}));
  EXPECT_TRUE(HasValue(store_->Get("s/owner"), "ada"));
  EXPECT_TRUE(HasCode(store_->Get("log/1"), absl::StatusCode::kNotFound));
  // Conditions alone check without writing.
  WriteBatch check;
  check.Expect("s/owner", "ada");
  EXPECT_TRUE(IsOk(store_->Write(check)));
  check.Expect("s/missing", "x");
  EXPECT_TRUE(HasCodeAndMessage(store_->Write(check),
                                absl::StatusCode::kAborted,
                                {"condition 1", "holds no value"}));
}

TEST_F(WriteBatchTest, CountByteSizeAndClear) {
  WriteBatch batch;
  EXPECT_EQ(batch.Count(), 0u);
  const std::size_t empty_size = batch.ByteSize();
  batch.Put("a/k", std::string(10000, 'v'));
  batch.Delete("a/j");
  EXPECT_EQ(batch.Count(), 2u);
  EXPECT_GE(batch.ByteSize(), empty_size + 10000);
  batch.Clear();
  EXPECT_EQ(batch.Count(), 0u);
  EXPECT_EQ(batch.ConditionCount(), 0u);
  EXPECT_TRUE(IsOk(store_->Write(batch)));  // Empty: nothing to do.
}

// Records what Iterate hands over, one line per call.
class RecordingHandler : public WriteBatch::Handler {
 public:
  void Expect(std::string_view key,
              std::optional<std::string_view> value) override {
    calls.push_back("expect " + std::string(key) + " " +
                    (value ? std::string(*value) : "(none)"));
  }
  void Put(std::string_view key, std::string_view value) override {
    calls.push_back("put " + std::string(key) + " " + std::string(value));
  }
  void PutExpiring(std::string_view key, std::string_view value,
                   std::chrono::milliseconds ttl) override {
    calls.push_back("put " + std::string(key) + " " + std::string(value) +
                    " ttl " + std::to_string(ttl.count()));
  }
  void Delete(std::string_view key) override {
    calls.push_back("delete " + std::string(key));
  }
  void DeleteAll(std::string_view collection) override {
    calls.push_back("delete_all " + std::string(collection));
  }
  std::vector<std::string> calls;
};

TEST_F(WriteBatchTest, IterateGivesConditionsThenOperationsInOrder) {
  WriteBatch batch;
  batch.Put("a/k", "1");
  batch.Expect("b/x", "old");
  batch.DeleteAll("c");
  batch.Expect("b/y", std::nullopt);
  batch.Delete("a/k");
  batch.Put("a/k", std::string("\0\xff", 2));
  PutOptions ttl;
  ttl.ttl = std::chrono::seconds(5);
  batch.Put("a/t", "v", ttl);
  RecordingHandler handler;
  batch.Iterate(handler);
  EXPECT_EQ(handler.calls,
            (std::vector<std::string>{"expect b/x old", "expect b/y (none)",
                                      "put a/k 1", "delete_all c", "delete a/k",
                                      "put a/k " + std::string("\0\xff", 2),
                                      "put a/t v ttl 5000"}));
}

TEST_F(WriteBatchTest, ClosedAndReadOnlyStoresRefuse) {
  WriteBatch batch;
  batch.Put("a/k", "v");
  ASSERT_TRUE(IsOk(store_->Close()));
  EXPECT_TRUE(
      HasCode(store_->Write(batch), absl::StatusCode::kFailedPrecondition));
  Options read_only;
  read_only.read_only = true;
  Open(read_only);
  EXPECT_TRUE(
      HasCode(store_->Write(batch), absl::StatusCode::kFailedPrecondition));
}

TEST_F(WriteBatchTest, SyncModeSyncsOncePerBatch) {
  Options sync;
  sync.durability = Durability::kSync;
  Open(sync);
  absl::StatusOr<Stats> before = store_->GetStats();
  ASSERT_TRUE(IsOk(before));
  WriteBatch batch;
  for (int i = 0; i < 1000; ++i) {
    batch.Put("c" + std::to_string(i % 4) + "/k" + std::to_string(i), "v");
  }
  ASSERT_TRUE(IsOk(store_->Write(batch)));
  absl::StatusOr<Stats> after = store_->GetStats();
  ASSERT_TRUE(IsOk(after));
  EXPECT_EQ(after->dirty_bytes, 0u);
  // One pass: a sync per collection file and the directory's, not 1,000.
  EXPECT_LE(after->syncs - before->syncs, 10u);
  EXPECT_EQ(after->keys, 1000u);
}

// Writers rewrite every member of a collection in one batch, all with the
// same number; readers must never see two numbers in one GetAll or Scan.
TEST_F(WriteBatchTest, ReadersSeeAllOfABatchOrNone) {
  constexpr int kMembers = 64;  // Spread over the shards.
  constexpr int kBatches = 300;
  const auto write = [&](int n) {
    WriteBatch batch;
    batch.DeleteAll("d");
    for (int m = 0; m < kMembers; ++m) {
      const std::string value = std::to_string(n);
      batch.Put("c/m" + std::to_string(m), value);
      if (m % 4 == 0) batch.Put("d/m" + std::to_string(m), value);
    }
    return store_->Write(batch);
  };
  ASSERT_TRUE(IsOk(write(0)));
  std::atomic<bool> done{false};
  std::atomic<int> torn{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 2; ++r) {
    readers.emplace_back([&, r] {
      while (!done.load()) {
        absl::StatusOr<Pairs> all =
            r == 0 ? store_->GetAll("c") : store_->GetAll("d");
        if (!all.ok() || all->empty()) {
          torn.fetch_add(1);
          continue;
        }
        const std::size_t want = r == 0 ? kMembers : kMembers / 4;
        bool uniform = all->size() == want;
        for (const auto& [member, value] : *all) {
          uniform = uniform && value == all->front().second;
        }
        if (!uniform) torn.fetch_add(1);
      }
    });
  }
  std::vector<std::thread> writers;
  std::atomic<int> failures{0};
  for (int w = 0; w < 2; ++w) {
    writers.emplace_back([&, w] {
      for (int n = 1 + w; n <= kBatches; n += 2) {
        if (!write(n).ok()) failures.fetch_add(1);
      }
    });
  }
  for (std::thread& t : writers) t.join();
  done.store(true);
  for (std::thread& t : readers) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(torn.load(), 0);
}

// Batch n puts n in keys k0..k7 (in several shards), in that order; a reader
// that gets them one by one in the same order must never see a number fall:
// once it has seen n, batch n is complete.
TEST_F(WriteBatchTest, SingleKeyReadsSeeABatchAtOneInstant) {
  constexpr int kKeys = 8;
  constexpr int kBatches = 2000;
  std::atomic<bool> done{false};
  std::atomic<int> fell{0};
  std::atomic<int> failures{0};
  std::thread reader([&] {
    while (!done.load()) {
      long last = -1;
      for (int k = 0; k < kKeys; ++k) {
        absl::StatusOr<std::string> value =
            store_->Get("k" + std::to_string(k) + "/n");
        if (absl::IsNotFound(value.status())) continue;
        if (!value.ok()) {
          failures.fetch_add(1);
          continue;
        }
        const long n = std::stol(*value);
        if (n < last) fell.fetch_add(1);
        last = n;
      }
    }
  });
  for (int n = 0; n < kBatches; ++n) {
    WriteBatch batch;
    for (int k = 0; k < kKeys; ++k) {
      batch.Put("k" + std::to_string(k) + "/n", std::to_string(n));
    }
    if (!store_->Write(batch).ok()) failures.fetch_add(1);
  }
  done.store(true);
  reader.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(fell.load(), 0);
}

}  // namespace
}  // namespace dskv
