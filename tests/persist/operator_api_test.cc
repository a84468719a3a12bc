// The calls an operator's tool needs: Options::read_only (open without the
// lock, change no file), ListCollections and Compact.

#include <unistd.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "dskv/store.h"
#include "gtest/gtest.h"
#include "persist/format.h"
#include "tests/persist/persist_test_util.h"
#include "tests/status_matchers.h"

namespace dskv {
namespace {

using ::dskv_test::AppendBytes;
using ::dskv_test::CollectionPath;
using ::dskv_test::CompactFileSize;
using ::dskv_test::FileHolds;
using ::dskv_test::FileSize;
using ::dskv_test::FilesOf;
using ::dskv_test::HasCode;
using ::dskv_test::HasCodeAndMessage;
using ::dskv_test::HasValue;
using ::dskv_test::Holds;
using ::dskv_test::IsOk;
using ::dskv_test::ReadBytes;
using ::dskv_test::RecordSpans;
using ::dskv_test::StoreTest;
using ::dskv_test::WriteBytes;

Options ReadOnly() {
  Options options;
  options.read_only = true;
  return options;
}

// --- ListCollections ---

TEST_F(StoreTest, ListCollectionsCountsKeysAndBytesSortedByName) {
  ASSERT_TRUE(Open(Options()));
  ASSERT_TRUE(IsOk(Put("b/x", "12345")));
  ASSERT_TRUE(IsOk(Put("a/x", "1")));
  ASSERT_TRUE(IsOk(Put("a/yy", "22")));
  ASSERT_TRUE(IsOk(Put("c/gone", "1")));
  ASSERT_TRUE(IsOk(Delete("c/gone")));

  absl::StatusOr<std::vector<CollectionInfo>> list = store_->ListCollections();

  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_EQ(list->size(), 2) << "an emptied collection is not listed";
  EXPECT_EQ((*list)[0].name, "a");
  EXPECT_EQ((*list)[0].keys, 2);
  EXPECT_EQ((*list)[0].bytes, 1 + 1 + 2 + 2);
  EXPECT_EQ((*list)[1].name, "b");
  EXPECT_EQ((*list)[1].keys, 1);
  EXPECT_EQ((*list)[1].bytes, 1 + 5);
}

TEST_F(StoreTest, ListCollectionsOfAnEmptyStoreIsEmpty) {
  ASSERT_TRUE(Open(Options()));
  absl::StatusOr<std::vector<CollectionInfo>> list = store_->ListCollections();
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_TRUE(list->empty());
}

TEST_F(StoreTest, ListCollectionsFailsAfterClose) {
  ASSERT_TRUE(Open(Options()));
  ASSERT_TRUE(IsOk(store_->Close()));
  EXPECT_TRUE(HasCode(store_->ListCollections(),
                      absl::StatusCode::kFailedPrecondition));
}

// --- Compact ---

TEST_F(StoreTest, CompactRewritesEveryFileToItsLiveSize) {
  Options options;
  options.flush_interval = std::chrono::hours(1);
  options.compaction_min_bytes = std::uint64_t{1} << 40;  // Never on its own.
  ASSERT_TRUE(Open(options));
  for (int round = 0; round < 5; ++round) {
    for (const char* key : {"a/x", "a/y", "b/z"}) {
      ASSERT_TRUE(IsOk(Put(key, std::string(100, 'a' + round))));
    }
    ASSERT_TRUE(IsOk(store_->Flush()));
  }
  ASSERT_TRUE(IsOk(Delete("a/y")));
  ASSERT_TRUE(IsOk(store_->Flush()));
  absl::StatusOr<std::uint64_t> before = FileSize(CollectionPath(path(), "a"));
  ASSERT_TRUE(before.ok()) << before.status();
  ASSERT_GT(*before, CompactFileSize("a", model_.PairsOf("a")));

  ASSERT_TRUE(IsOk(store_->Compact()));

  for (const char* collection : {"a", "b"}) {
    absl::StatusOr<std::uint64_t> size =
        FileSize(CollectionPath(path(), collection));
    ASSERT_TRUE(size.ok()) << size.status();
    EXPECT_EQ(*size, CompactFileSize(collection, model_.PairsOf(collection)))
        << collection;
    EXPECT_TRUE(FileHolds(path(), collection, model_));
  }
  EXPECT_EQ(GetStats().compactions, 2);
  ASSERT_TRUE(Reopen());
  EXPECT_TRUE(Holds(*store_, model_));
}

TEST_F(StoreTest, CompactMakesEarlierChangesDurable) {
  Options options;
  options.flush_interval = std::chrono::hours(1);
  ASSERT_TRUE(Open(options));
  ASSERT_TRUE(IsOk(Put("a/x", "1")));
  ASSERT_TRUE(IsOk(store_->Flush()));
  ASSERT_TRUE(IsOk(Put("a/x", "2")));
  ASSERT_TRUE(IsOk(Put("new/y", "3")));

  ASSERT_TRUE(IsOk(store_->Compact()));

  EXPECT_TRUE(FileHolds(path(), "a", model_));
  EXPECT_TRUE(FileHolds(path(), "new", model_));
}

TEST_F(StoreTest, CompactFailsAfterClose) {
  ASSERT_TRUE(Open(Options()));
  ASSERT_TRUE(IsOk(store_->Close()));
  EXPECT_TRUE(
      HasCode(store_->Compact(), absl::StatusCode::kFailedPrecondition));
}

// --- Read-only ---

class ReadOnlyTest : public StoreTest {
 protected:
  // Writes a store with two collections and closes it.
  void SetUp() override {
    StoreTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_TRUE(Open(Options()));
    ASSERT_TRUE(IsOk(Put("a/x", "1")));
    ASSERT_TRUE(IsOk(Put("a/y", "2")));
    ASSERT_TRUE(IsOk(Put("b/z", "3")));
    ASSERT_TRUE(IsOk(store_->Close()));
    store_.reset();
  }

  absl::StatusOr<std::unique_ptr<Store>> OpenReadOnly() {
    return Store::Open(path(), ReadOnly());
  }
};

TEST_F(ReadOnlyTest, ReadsWhatTheFilesHold) {
  absl::StatusOr<std::unique_ptr<Store>> store = OpenReadOnly();
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_TRUE(Holds(**store, model_));
  absl::StatusOr<std::vector<CollectionInfo>> list =
      (*store)->ListCollections();
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_EQ(list->size(), 2);
  EXPECT_TRUE(IsOk((*store)->Flush())) << "nothing to flush is no error";
  EXPECT_TRUE(IsOk((*store)->Close()));
}

TEST_F(ReadOnlyTest, EveryWriteFailsWithFailedPreconditionAndChangesNothing) {
  const std::map<std::string, std::string> before = FilesOf(path());
  absl::StatusOr<std::unique_ptr<Store>> opened = OpenReadOnly();
  ASSERT_TRUE(opened.ok()) << opened.status();
  Store& store = **opened;

  for (const absl::Status& status :
       {store.Put("a/x", "new"), store.Put("c/new", "v"), store.Delete("a/x"),
        store.DeleteAll("a"), store.Compact()}) {
    EXPECT_TRUE(HasCodeAndMessage(status, absl::StatusCode::kFailedPrecondition,
                                  {"read-only"}));
  }
  EXPECT_TRUE(HasValue(store.Get("a/x"), "1"));
  ASSERT_TRUE(IsOk(store.Close()));
  EXPECT_EQ(FilesOf(path()), before);
}

TEST_F(ReadOnlyTest, OpensWhileAnotherStoreHoldsTheLock) {
  ASSERT_TRUE(Open(Options()));  // Holds the lock.
  ASSERT_TRUE(IsOk(Put("a/x", "changed")));
  ASSERT_TRUE(IsOk(store_->Flush()));

  absl::StatusOr<std::unique_ptr<Store>> reader = OpenReadOnly();

  ASSERT_TRUE(reader.ok()) << reader.status();
  EXPECT_TRUE(HasValue((*reader)->Get("a/x"), "changed"));
  // And the writer keeps its lock: a second writer still fails.
  EXPECT_TRUE(HasCodeAndMessage(Store::Open(path()).status(),
                                absl::StatusCode::kFailedPrecondition,
                                {std::to_string(::getpid())}));
}

TEST_F(ReadOnlyTest, LeavesATornTailInPlace) {
  const std::string file = CollectionPath(path(), "a");
  const std::string torn = "\x01\x02\x03\x04\x05";
  ASSERT_TRUE(AppendBytes(file, torn));
  absl::StatusOr<std::string> before = ReadBytes(file);
  ASSERT_TRUE(before.ok()) << before.status();

  absl::StatusOr<std::unique_ptr<Store>> store = OpenReadOnly();

  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_TRUE(Holds(**store, model_));
  absl::StatusOr<Stats> stats = (*store)->GetStats();
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->torn_tails_truncated, 1);
  EXPECT_EQ(stats->torn_bytes_truncated, torn.size());
  ASSERT_TRUE(IsOk((*store)->Close()));
  EXPECT_TRUE(HasValue(ReadBytes(file), *before));
}

TEST_F(ReadOnlyTest, SalvageSkipsDamageInMemoryOnly) {
  // Damage the first of a's two records; the second stays valid.
  const std::string file = CollectionPath(path(), "a");
  absl::StatusOr<std::string> bytes = ReadBytes(file);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  const std::vector<dskv_test::RecordSpan> spans = RecordSpans(*bytes);
  ASSERT_EQ(spans.size(), 2);
  std::string damaged = *bytes;
  damaged[spans[0].offset + spans[0].size - 1] ^= 0x40;
  ASSERT_TRUE(WriteBytes(file, damaged));
  const std::string damaged_member = spans[0].member;
  const std::map<std::string, std::string> before = FilesOf(path());

  EXPECT_TRUE(HasCode(OpenReadOnly().status(), absl::StatusCode::kDataLoss));
  Options options = ReadOnly();
  options.salvage = true;
  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(path(), options);

  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_TRUE(HasCode((*store)->Get("a/" + damaged_member),
                      absl::StatusCode::kNotFound));
  absl::StatusOr<Stats> stats = (*store)->GetStats();
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->corrupt_regions_skipped, 1);
  ASSERT_TRUE(IsOk((*store)->Close()));
  EXPECT_EQ(FilesOf(path()), before);
}

TEST_F(ReadOnlyTest, IgnoresButKeepsATemporaryFile) {
  const std::string temp =
      path() + "/" + format::FileName("a") + std::string(format::kTempSuffix);
  ASSERT_TRUE(WriteBytes(temp, "a rewrite in progress"));

  absl::StatusOr<std::unique_ptr<Store>> store = OpenReadOnly();

  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_TRUE(Holds(**store, model_));
  EXPECT_TRUE(std::filesystem::exists(temp));
}

TEST_F(ReadOnlyTest, MissingDirectoryIsNotFoundAndNotCreated) {
  const std::string missing = dir() + "/missing";
  EXPECT_TRUE(HasCodeAndMessage(Store::Open(missing, ReadOnly()).status(),
                                absl::StatusCode::kNotFound, {missing}));
  EXPECT_FALSE(std::filesystem::exists(missing));
}

}  // namespace
}  // namespace dskv
