// dskv::Store on a file system that fails. While a fault lasts, writes are
// served from memory, Flush and kSync writes report the fault, and nothing is
// lost: once the fault is healed, every change made before and during it
// reaches the files, which parse cleanly.

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "dskv/store.h"
#include "gtest/gtest.h"
#include "tests/persist/fault_file_system.h"
#include "tests/persist/persist_test_util.h"
#include "tests/status_matchers.h"

namespace dskv {
namespace {

using ::dskv_test::CollectionPath;
using ::dskv_test::CompactFileSize;
using ::dskv_test::FaultFileSystem;
using ::dskv_test::FileHolds;
using ::dskv_test::FileSize;
using ::dskv_test::HasCodeAndMessage;
using ::dskv_test::HasValue;
using ::dskv_test::Holds;
using ::dskv_test::IsOk;
using ::dskv_test::kInjectedMessage;
using ::dskv_test::StoreTest;
using ::dskv_test::WriteFault;
using ::std::string_literals::operator""s;

// A fault that makes the file system fail.
struct FaultCase {
  std::string name;
  std::function<void(FaultFileSystem&)> inject;
  // The errno of the injected errors.
  int error;
};

void PrintTo(const FaultCase& fault, std::ostream* out) { *out << fault.name; }

std::vector<FaultCase> Faults() {
  return {
      {"NoSpace",
       [](FaultFileSystem& fs) { fs.FailWrites(WriteFault::kNoSpace); },
       ENOSPC},
      {"WriteIoError",
       [](FaultFileSystem& fs) { fs.FailWrites(WriteFault::kIoError); }, EIO},
      {"TornWriteThenNoSpace",
       [](FaultFileSystem& fs) { fs.FailWrites(WriteFault::kTornNoSpace); },
       ENOSPC},
      {"SyncIoError", [](FaultFileSystem& fs) { fs.FailSyncs(true); }, EIO},
      {"OpenFailure", [](FaultFileSystem& fs) { fs.FailOpens(true); }, EMFILE},
      {"RenameFailure", [](FaultFileSystem& fs) { fs.FailRenames(true); }, EIO},
      {"DirectorySyncFailure",
       [](FaultFileSystem& fs) { fs.FailDirectorySyncs(true); }, EIO},
  };
}

// The faults that make appending to an existing file fail (the others hit
// only the rewrite of a whole file: its rename, or the directory's sync).
std::vector<FaultCase> AppendFaults() {
  std::vector<FaultCase> faults = Faults();
  std::erase_if(faults, [](const FaultCase& fault) {
    return fault.name == "RenameFailure" ||
           fault.name == "DirectorySyncFailure";
  });
  return faults;
}

std::string FaultName(const ::testing::TestParamInfo<FaultCase>& info) {
  return info.param.name;
}

// Long enough that the janitor only runs when a caller waits for it, or to
// retry a failed pass.
constexpr std::chrono::milliseconds kNeverOnItsOwn = std::chrono::hours(1);

// A store on a FaultFileSystem, holding collections written before any
// fault: "old" and "cleared".
class FaultTest : public StoreTest {
 protected:
  ~FaultTest() override {
    // The store's last pass uses fs_, which goes before StoreTest's members.
    store_.reset();
  }

  // Opens the store on fs_ and writes the collections, durably.
  void Start(Durability durability) {
    Options options;
    UseFileSystem(&fs_);
    options.durability = durability;
    options.flush_interval = kNeverOnItsOwn;
    ASSERT_TRUE(Open(options));
    ASSERT_TRUE(IsOk(Put("old/kept", "kept")));
    ASSERT_TRUE(IsOk(Put("old/changed", "before")));
    ASSERT_TRUE(IsOk(Put("old/deleted", "doomed")));
    ASSERT_TRUE(IsOk(Put("cleared/x", "before")));
    ASSERT_TRUE(IsOk(store_->Flush()));
  }

  // Changes every kind of file: appends to "old", creates "new", rewrites
  // "cleared". In kAsync mode, each change succeeds at once.
  void WriteDuringFault() {
    ASSERT_TRUE(IsOk(Put("old/changed", "during")));
    ASSERT_TRUE(IsOk(Delete("old/deleted")));
    ASSERT_TRUE(IsOk(Put("old/added", "binary \0\xff during"s)));
    ASSERT_TRUE(IsOk(Put("new/k", "during")));
    ASSERT_TRUE(IsOk(DeleteAll("cleared")));
    ASSERT_TRUE(IsOk(Put("cleared/y", "during")));
  }

  // Closes the store, which must succeed, and opens it on the real file
  // system.
  ::testing::AssertionResult ReopenOnRealFileSystem() {
    return Reopen(Options());
  }

  FaultFileSystem fs_;
};

class FaultInjectionTest : public FaultTest,
                           public ::testing::WithParamInterface<FaultCase> {
 protected:
  void Inject() { GetParam().inject(fs_); }

  absl::StatusCode ExpectedCode() const {
    return absl::ErrnoToStatusCode(GetParam().error);
  }
};

INSTANTIATE_TEST_SUITE_P(Faults, FaultInjectionTest,
                         ::testing::ValuesIn(Faults()), FaultName);

TEST_P(FaultInjectionTest, WritesSucceedAndReadsServeFromMemory) {
  ASSERT_NO_FATAL_FAILURE(Start(Durability::kAsync));
  Inject();

  ASSERT_NO_FATAL_FAILURE(WriteDuringFault());
  ASSERT_FALSE(store_->Flush().ok());  // The janitor has met the fault.

  EXPECT_GT(fs_.counts().injected, 0u);
  EXPECT_TRUE(HasValue(store_->Get("old/changed"), "during"));
  EXPECT_TRUE(HasValue(store_->Get("new/k"), "during"));
  EXPECT_TRUE(Holds(*store_, model_));
}

TEST_P(FaultInjectionTest, FlushReportsTheFault) {
  ASSERT_NO_FATAL_FAILURE(Start(Durability::kAsync));
  Inject();
  ASSERT_NO_FATAL_FAILURE(WriteDuringFault());

  const absl::Status flushed = store_->Flush();

  EXPECT_TRUE(HasCodeAndMessage(flushed, ExpectedCode(),
                                {std::string(kInjectedMessage)}));
  const dskv::Stats stats = GetStats();
  EXPECT_TRUE(HasCodeAndMessage(stats.last_io_error, ExpectedCode(),
                                {std::string(kInjectedMessage)}));
  EXPECT_GT(stats.failed_janitor_passes, 0u);
  EXPECT_GT(fs_.counts().injected, 0u);
}

TEST_P(FaultInjectionTest, FlushKeepsReportingTheFaultWhileItLasts) {
  ASSERT_NO_FATAL_FAILURE(Start(Durability::kAsync));
  Inject();
  ASSERT_NO_FATAL_FAILURE(WriteDuringFault());
  ASSERT_FALSE(store_->Flush().ok());

  ASSERT_TRUE(IsOk(Put("old/kept", "changed later")));

  EXPECT_TRUE(HasCodeAndMessage(store_->Flush(), ExpectedCode(),
                                {std::string(kInjectedMessage)}));
}

TEST_P(FaultInjectionTest, SyncWritesReportTheFault) {
  ASSERT_NO_FATAL_FAILURE(Start(Durability::kSync));
  Inject();

  // Creating a collection meets every kind of fault.
  EXPECT_TRUE(HasCodeAndMessage(Put("new/k", "during"), ExpectedCode(),
                                {std::string(kInjectedMessage)}));
  // Later writes report it too: their pass retries "new".
  EXPECT_TRUE(HasCodeAndMessage(Put("old/changed", "during"), ExpectedCode(),
                                {std::string(kInjectedMessage)}));
  EXPECT_TRUE(HasCodeAndMessage(Delete("old/kept"), ExpectedCode(),
                                {std::string(kInjectedMessage)}));

  EXPECT_TRUE(Holds(*store_, model_));
}

TEST_P(FaultInjectionTest, FlushSucceedsOnceHealed) {
  ASSERT_NO_FATAL_FAILURE(Start(Durability::kAsync));
  Inject();
  ASSERT_NO_FATAL_FAILURE(WriteDuringFault());
  ASSERT_FALSE(store_->Flush().ok());

  fs_.Heal();

  EXPECT_TRUE(IsOk(store_->Flush()));
  EXPECT_TRUE(IsOk(GetStats().last_io_error));
}

TEST_P(FaultInjectionTest, NothingIsLostAcrossTheFault) {
  ASSERT_NO_FATAL_FAILURE(Start(Durability::kAsync));
  Inject();
  ASSERT_NO_FATAL_FAILURE(WriteDuringFault());
  ASSERT_FALSE(store_->Flush().ok());

  fs_.Heal();
  ASSERT_TRUE(ReopenOnRealFileSystem());

  EXPECT_TRUE(Holds(*store_, model_));
  for (const std::string& collection : model_.Collections()) {
    EXPECT_TRUE(FileHolds(path(), collection, model_));
  }
}

TEST_P(FaultInjectionTest, SyncWritesAreNotLostAcrossTheFault) {
  ASSERT_NO_FATAL_FAILURE(Start(Durability::kSync));
  Inject();
  ASSERT_FALSE(Put("new/k", "during").ok());
  ASSERT_FALSE(Put("old/changed", "during").ok());
  ASSERT_FALSE(Delete("old/deleted").ok());

  fs_.Heal();
  ASSERT_TRUE(ReopenOnRealFileSystem());

  EXPECT_TRUE(Holds(*store_, model_));
  for (const std::string& collection : model_.Collections()) {
    EXPECT_TRUE(FileHolds(path(), collection, model_));
  }
}

// Faults that hit the append to "old".
class FailedAppendTest : public FaultInjectionTest {};

INSTANTIATE_TEST_SUITE_P(Faults, FailedAppendTest,
                         ::testing::ValuesIn(AppendFaults()), FaultName);

TEST_P(FailedAppendTest, FileIsRewrittenFromMemory) {
  ASSERT_NO_FATAL_FAILURE(Start(Durability::kAsync));
  Inject();
  ASSERT_TRUE(IsOk(Put("old/changed", "during")));  // An append.
  ASSERT_FALSE(store_->Flush().ok());

  fs_.Heal();
  ASSERT_TRUE(IsOk(store_->Close()));

  // Appending would have left the replaced record, and maybe a torn one.
  absl::StatusOr<std::uint64_t> size = FileSize(CollectionPath(path(), "old"));
  ASSERT_TRUE(size.ok()) << size.status();
  EXPECT_EQ(*size, CompactFileSize("old", model_.PairsOf("old")));
  EXPECT_TRUE(FileHolds(path(), "old", model_));
}

// --- Faults that are not errors ---

using ShortWriteTest = FaultTest;

TEST_F(ShortWriteTest, ShortWritesAreTransparent) {
  ASSERT_NO_FATAL_FAILURE(Start(Durability::kAsync));
  fs_.FailWrites(WriteFault::kShort);

  ASSERT_NO_FATAL_FAILURE(WriteDuringFault());
  EXPECT_TRUE(IsOk(store_->Flush()));

  EXPECT_GT(fs_.counts().injected, 0u);
  EXPECT_TRUE(IsOk(GetStats().last_io_error));
  EXPECT_EQ(GetStats().failed_janitor_passes, 0u);
  ASSERT_TRUE(ReopenOnRealFileSystem());
  EXPECT_TRUE(Holds(*store_, model_));
  for (const std::string& collection : model_.Collections()) {
    EXPECT_TRUE(FileHolds(path(), collection, model_));
  }
}

TEST_F(ShortWriteTest, ShortWritesAreTransparentToSyncWrites) {
  ASSERT_NO_FATAL_FAILURE(Start(Durability::kSync));
  fs_.FailWrites(WriteFault::kShort);

  EXPECT_TRUE(IsOk(Put("new/k", "a value written in halves")));
  EXPECT_TRUE(IsOk(Put("old/changed", "another value written in halves")));

  EXPECT_GT(fs_.counts().injected, 0u);
  EXPECT_TRUE(FileHolds(path(), "new", model_));
  EXPECT_TRUE(FileHolds(path(), "old", model_));
}

// --- Removing a file ---

using RemovalTest = FaultTest;

// DeleteAll of a collection removes its file; the removal is durable only
// once the directory is synced, so a failed directory sync must be retried.
TEST_F(RemovalTest, FailedDirectorySyncAfterARemovalIsRetried) {
  ASSERT_NO_FATAL_FAILURE(Start(Durability::kAsync));
  fs_.FailDirectorySyncs(true);
  ASSERT_TRUE(IsOk(DeleteAll("cleared")));
  ASSERT_FALSE(store_->Flush().ok());
  ASSERT_FALSE(std::filesystem::exists(CollectionPath(path(), "cleared")));

  fs_.Heal();
  const std::uint64_t syncs_before = fs_.counts().directory_syncs;
  ASSERT_TRUE(IsOk(store_->Close()));

  EXPECT_GT(fs_.counts().directory_syncs, syncs_before)
      << "the store closed without syncing the directory since its last "
         "directory sync failed";
}

}  // namespace
}  // namespace dskv
