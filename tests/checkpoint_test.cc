// Store::Checkpoint: a copy of one instant, while writers go on.

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "dskv/store.h"
#include "dskv/write_batch.h"
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

class CheckpointTest : public TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    if (HasFatalFailure()) return;
    store_ = OpenAt(dir() + "/store");
    ASSERT_NE(store_, nullptr);
  }

  std::unique_ptr<Store> OpenAt(const std::string& path) {
    Options options;
    options.clock = &clock_;
    absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(path, options);
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? *std::move(store) : nullptr;
  }

  FakeClock clock_;  // Outlives the stores, which read it.
  std::unique_ptr<Store> store_;
};

TEST_F(CheckpointTest, TheCopyHoldsWhatTheStoreHolds) {
  PutOptions hour;
  hour.ttl = std::chrono::hours(1);
  PutOptions second;
  second.ttl = std::chrono::seconds(1);
  ASSERT_TRUE(IsOk(store_->Put("a/x", "1")));
  ASSERT_TRUE(IsOk(store_->Put("a/y", "2", hour)));
  ASSERT_TRUE(IsOk(store_->Put("a/gone", "3", second)));
  ASSERT_TRUE(IsOk(store_->Put("b/z", std::string(100'000, 'z'))));
  ASSERT_TRUE(IsOk(store_->Flush()));
  ASSERT_TRUE(IsOk(store_->Delete("b/z")));  // Not yet in the files.
  ASSERT_TRUE(IsOk(store_->Put("c/new", "4")));
  clock_.Advance(std::chrono::seconds(1));  // a/gone expires.

  const std::string copy = dir() + "/copy";
  ASSERT_TRUE(IsOk(store_->Checkpoint(copy)));
  EXPECT_FALSE(std::filesystem::exists(copy + ".checkpoint-" +
                                       std::to_string(::getpid())));
  std::unique_ptr<Store> opened = OpenAt(copy);
  ASSERT_NE(opened, nullptr);
  EXPECT_TRUE(HasPairs(opened->GetAll("a"), Pairs{{"x", "1"}, {"y", "2"}}));
  EXPECT_TRUE(HasPairs(opened->GetAll("b"), Pairs{}));
  EXPECT_TRUE(HasValue(opened->Get("c/new"), "4"));
  absl::StatusOr<std::optional<std::chrono::milliseconds>> left =
      opened->Ttl("a/y");
  ASSERT_TRUE(IsOk(left));
  EXPECT_EQ(*left, std::chrono::milliseconds(3'599'000));
  // The copy is a store of its own.
  ASSERT_TRUE(IsOk(opened->Put("a/x", "changed")));
  EXPECT_TRUE(HasValue(store_->Get("a/x"), "1"));
}

// A collection is written a piece of a few thousand records at a time,
// each piece's Records released once it is written; values past the size
// that is copied into the write buffers are written from the Records
// themselves, which must live until then (ASan watches).
TEST_F(CheckpointTest, ALargeCollectionIsCopiedWhole) {
  constexpr int kKeys = 10'000;
  const auto value_of = [](int i) {
    return std::string(i % 7 == 0 ? 5'000 : 20,
                       static_cast<char>('a' + i % 26));
  };
  for (int i = 0; i < kKeys; ++i) {
    ASSERT_TRUE(IsOk(store_->Put("big/" + std::to_string(i), value_of(i))));
  }
  // A writer replaces the large values meanwhile: once the copy lets a
  // replaced Record go, its memory is freed.
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int round = 0; !stop.load(); ++round) {
      for (int i = 0; i < kKeys && !stop.load(); i += 7) {
        const std::string value(5'000, static_cast<char>('A' + round % 26));
        ASSERT_TRUE(IsOk(store_->Put("big/" + std::to_string(i), value)));
      }
    }
  });
  const absl::Status checkpointed = store_->Checkpoint(dir() + "/copy");
  stop = true;
  writer.join();
  ASSERT_TRUE(IsOk(checkpointed));
  std::unique_ptr<Store> opened = OpenAt(dir() + "/copy");
  ASSERT_NE(opened, nullptr);
  for (int i = 0; i < kKeys; ++i) {
    absl::StatusOr<std::string> value = opened->Get("big/" + std::to_string(i));
    ASSERT_TRUE(IsOk(value)) << i;
    if (i % 7 != 0) {
      EXPECT_EQ(*value, value_of(i)) << i;
    } else {
      // The first value or one of the writer's, whole.
      EXPECT_EQ(value->size(), 5'000u) << i;
      EXPECT_EQ(value->find_first_not_of(value->front()), std::string::npos)
          << i;
    }
  }
  absl::StatusOr<Stats> stats = opened->GetStats();
  ASSERT_TRUE(IsOk(stats));
  EXPECT_EQ(stats->keys, static_cast<std::uint64_t>(kKeys));
}

TEST_F(CheckpointTest, ErrorsLeaveNothingBehind) {
  ASSERT_TRUE(IsOk(store_->Put("a/x", "1")));
  EXPECT_TRUE(
      HasCode(store_->Checkpoint(""), absl::StatusCode::kInvalidArgument));
  EXPECT_TRUE(
      HasCode(store_->Checkpoint(dir()), absl::StatusCode::kAlreadyExists));
  EXPECT_TRUE(HasCode(store_->Checkpoint(dir() + "/no/such/parent"),
                      absl::StatusCode::kNotFound));
  EXPECT_FALSE(std::filesystem::exists(dir() + "/no"));
  ASSERT_TRUE(IsOk(store_->Checkpoint(dir() + "/copy")));
  EXPECT_TRUE(HasCode(store_->Checkpoint(dir() + "/copy"),
                      absl::StatusCode::kAlreadyExists));
  // An empty store makes an empty copy that opens.
  std::unique_ptr<Store> empty = OpenAt(dir() + "/empty");
  ASSERT_NE(empty, nullptr);
  ASSERT_TRUE(IsOk(empty->Checkpoint(dir() + "/empty-copy")));
  ASSERT_NE(OpenAt(dir() + "/empty-copy"), nullptr);
  ASSERT_TRUE(IsOk(store_->Close()));
  EXPECT_TRUE(HasCode(store_->Checkpoint(dir() + "/after-close"),
                      absl::StatusCode::kFailedPrecondition));
}

// Write i of the writer, with k = i % kKeys: for odd i, one batch that
// sets a/k, b/k and c/k to i and deletes c/(k + 1); for even i, a Put of
// s/k := i. A snapshot of one instant holds every write up to some i, and
// nothing of a later one: no part of a later batch, and no later Put
// (keys land in shards in no order, so a walk that lets writers in would
// catch a Put without the ones before it).
constexpr int kKeys = 100;
constexpr const char* kCollections[] = {"a", "b", "c", "s"};

void ApplyToModel(int i, std::map<std::string, std::string>& model) {
  const std::string k = std::to_string(i % kKeys);
  const std::string value = std::to_string(i);
  if (i % 2 == 0) {
    model["s/" + k] = value;
    return;
  }
  for (const char* c : {"a", "b", "c"}) model[std::string(c) + "/" + k] = value;
  model.erase("c/" + std::to_string((i + 1) % kKeys));
}

absl::Status Write(Store& store, int i) {
  const std::string k = std::to_string(i % kKeys);
  const std::string value = std::to_string(i);
  if (i % 2 == 0) return store.Put("s/" + k, value);
  WriteBatch batch;
  batch.Put("a/" + k, value);
  batch.Put("b/" + k, value);
  batch.Put("c/" + k, value);
  batch.Delete("c/" + std::to_string((i + 1) % kKeys));
  return store.Write(batch);
}

TEST_F(CheckpointTest, ACopyMadeWhileWritesLandIsOfOneInstant) {
  // Keys enough that the snapshot's walk takes a while, during which the
  // writer tries to go on.
  constexpr int kBigKeys = 200'000;
  for (int i = 0; i < kBigKeys; ++i) {
    const absl::Status put = store_->Put("big/" + std::to_string(i), "x");
    ASSERT_TRUE(put.ok()) << put;
  }
  std::atomic<int> written{0};
  std::atomic<bool> stop{false};
  absl::Status writer_status;
  std::thread writer([&] {
    for (int i = 1; !stop.load(); ++i) {
      writer_status = Write(*store_, i);
      if (!writer_status.ok()) return;
      written.store(i);
    }
  });
  // A second writer of single keys only, which no batch holds back: its
  // Puts in the copy must be those up to some instant too.
  absl::Status putter_status;
  std::thread putter([&] {
    for (int i = 1; !stop.load(); ++i) {
      putter_status =
          store_->Put("p/" + std::to_string(i % kKeys), std::to_string(i));
      if (!putter_status.ok()) return;
    }
  });
  constexpr int kCopies = 4;
  std::vector<int> after(kCopies);
  std::vector<absl::Status> checkpointed(kCopies);
  for (int copy = 0; copy < kCopies; ++copy) {
    const int before = written.load();
    while (written.load() < before + 100) std::this_thread::yield();
    checkpointed[copy] =
        store_->Checkpoint(dir() + "/copy" + std::to_string(copy));
    after[copy] = written.load();
  }
  stop.store(true);
  writer.join();
  putter.join();
  ASSERT_TRUE(IsOk(writer_status));
  ASSERT_TRUE(IsOk(putter_status));

  for (int copy = 0; copy < kCopies; ++copy) {
    SCOPED_TRACE("copy " + std::to_string(copy));
    ASSERT_TRUE(IsOk(checkpointed[copy]));
    std::unique_ptr<Store> opened =
        OpenAt(dir() + "/copy" + std::to_string(copy));
    ASSERT_NE(opened, nullptr);
    std::map<std::string, std::string> got;
    int last = 0;
    for (const char* c : kCollections) {
      absl::StatusOr<std::vector<std::pair<std::string, std::string>>> pairs =
          opened->GetAll(c);
      ASSERT_TRUE(IsOk(pairs));
      for (const auto& [member, value] : *pairs) {
        got[std::string(c) + "/" + member] = value;
        last = std::max(last, std::stoi(value));
      }
    }
    // The writes up to `last`, the newest the copy holds, and no other.
    std::map<std::string, std::string> want;
    for (int i = 1; i <= last; ++i) ApplyToModel(i, want);
    EXPECT_EQ(got, want) << "the copy holds writes up to " << last;
    EXPECT_LE(last, after[copy]);
    absl::StatusOr<std::vector<std::pair<std::string, std::string>>> puts =
        opened->GetAll("p");
    ASSERT_TRUE(IsOk(puts));
    int last_put = 0;
    for (const auto& [member, value] : *puts) {
      last_put = std::max(last_put, std::stoi(value));
    }
    for (const auto& [member, value] : *puts) {
      // Put i went to member i % kKeys: each of the last kKeys Puts is
      // there, unless a later one replaced it.
      const int i = std::stoi(value);
      EXPECT_EQ(std::stoi(member), i % kKeys);
      EXPECT_GT(i, last_put - kKeys) << "p/" << member << " is stale";
    }
    EXPECT_EQ(puts->size(), std::min<std::size_t>(last_put, kKeys));
    absl::StatusOr<Stats> stats = opened->GetStats();
    ASSERT_TRUE(IsOk(stats));
    EXPECT_EQ(stats->keys, kBigKeys + want.size() + puts->size());
  }
}

}  // namespace
}  // namespace dskv
