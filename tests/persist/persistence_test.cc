// What dskv::Store keeps on disk: every operation survives Close and Open in
// both durability modes, the files hold what Flush and kSync promise, the
// janitor coalesces and compacts, the directory lock holds across processes,
// and Open deals with unknown versions, torn tails and damaged records.

#include <fcntl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <latch>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "dskv/store.h"
#include "gtest/gtest.h"
#include "persist/coding.h"
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
using ::dskv_test::HasCode;
using ::dskv_test::HasCodeAndMessage;
using ::dskv_test::HasValue;
using ::dskv_test::Holds;
using ::dskv_test::IsOk;
using ::dskv_test::ReadBytes;
using ::dskv_test::RecordSpan;
using ::dskv_test::RecordSpans;
using ::dskv_test::StoreTest;
using ::dskv_test::WriteBytes;
using ::std::string_literals::operator""s;

// Long enough that the janitor only runs when a caller waits for it.
constexpr std::chrono::milliseconds kNeverOnItsOwn = std::chrono::hours(1);

Options WithDurability(Durability durability) {
  Options options;
  options.durability = durability;
  return options;
}

// --- Round trips, in both durability modes ---

class PersistenceTest : public StoreTest,
                        public ::testing::WithParamInterface<Durability> {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_TRUE(Open(WithDurability(GetParam())));
  }
};

INSTANTIATE_TEST_SUITE_P(Durabilities, PersistenceTest,
                         ::testing::Values(Durability::kAsync,
                                           Durability::kSync),
                         [](const ::testing::TestParamInfo<Durability>& info) {
                           return info.param == Durability::kAsync ? "Async"
                                                                   : "Sync";
                         });

TEST_P(PersistenceTest, PutsSurviveReopen) {
  ASSERT_TRUE(IsOk(Put("artist/daft_punk", "epic")));
  ASSERT_TRUE(IsOk(Put("artist/air", "moon safari")));
  ASSERT_TRUE(IsOk(Put("album/discovery", "2001")));

  ASSERT_TRUE(Reopen());

  EXPECT_TRUE(Holds(*store_, model_));
}

TEST_P(PersistenceTest, OverwriteSurvivesReopen) {
  ASSERT_TRUE(IsOk(Put("a/x", "first")));
  ASSERT_TRUE(IsOk(store_->Flush()));  // The second value is appended.
  ASSERT_TRUE(IsOk(Put("a/x", "second")));

  ASSERT_TRUE(Reopen());

  EXPECT_TRUE(HasValue(store_->Get("a/x"), "second"));
}

// Large values of unchanged size are rewritten in place when no one else
// holds them; the janitor must still write the new bytes.
TEST_P(PersistenceTest, SameSizeOverwritesOfLargeValuesSurviveReopen) {
  const std::string first(4096, 'a');
  const std::string second(4096, 'b');
  const std::string third(4096, 'c');
  ASSERT_TRUE(IsOk(Put("a/x", first)));
  ASSERT_TRUE(IsOk(store_->Flush()));
  ASSERT_TRUE(IsOk(Put("a/x", second)));
  ASSERT_TRUE(IsOk(Put("a/x", third)));  // Before the janitor took `second`.
  ASSERT_TRUE(IsOk(store_->Flush()));
  ASSERT_TRUE(IsOk(Put("a/x", second)));

  ASSERT_TRUE(Reopen());

  EXPECT_TRUE(HasValue(store_->Get("a/x"), second));
}

TEST_P(PersistenceTest, DeleteSurvivesReopen) {
  ASSERT_TRUE(IsOk(Put("a/x", "1")));
  ASSERT_TRUE(IsOk(Put("a/y", "2")));
  ASSERT_TRUE(IsOk(store_->Flush()));
  ASSERT_TRUE(IsOk(Delete("a/x")));

  ASSERT_TRUE(Reopen());

  EXPECT_TRUE(HasCode(store_->Get("a/x"), absl::StatusCode::kNotFound));
  EXPECT_TRUE(Holds(*store_, model_));
}

TEST_P(PersistenceTest, DeletingEveryMemberSurvivesReopen) {
  ASSERT_TRUE(IsOk(Put("a/x", "1")));
  ASSERT_TRUE(IsOk(store_->Flush()));
  ASSERT_TRUE(IsOk(Delete("a/x")));

  ASSERT_TRUE(Reopen());

  EXPECT_TRUE(HasCode(store_->Get("a/x"), absl::StatusCode::kNotFound));
  EXPECT_TRUE(Holds(*store_, model_));
}

TEST_P(PersistenceTest, DeleteAllIsDurableOnceFlushed) {
  ASSERT_TRUE(IsOk(Put("a/x", "1")));
  ASSERT_TRUE(IsOk(Put("a/y", "2")));
  ASSERT_TRUE(IsOk(Put("b/z", "3")));
  ASSERT_TRUE(IsOk(store_->Flush()));
  ASSERT_TRUE(std::filesystem::exists(CollectionPath(path(), "a")));

  ASSERT_TRUE(IsOk(DeleteAll("a")));
  ASSERT_TRUE(IsOk(store_->Flush()));

  EXPECT_FALSE(std::filesystem::exists(CollectionPath(path(), "a")));
  ASSERT_TRUE(Reopen());
  EXPECT_TRUE(Holds(*store_, model_));
}

TEST_P(PersistenceTest, PutAfterFlushedDeleteAllSurvivesReopen) {
  ASSERT_TRUE(IsOk(Put("a/x", "1")));
  ASSERT_TRUE(IsOk(Put("a/y", "2")));
  ASSERT_TRUE(IsOk(store_->Flush()));
  ASSERT_TRUE(IsOk(DeleteAll("a")));
  ASSERT_TRUE(IsOk(store_->Flush()));

  ASSERT_TRUE(IsOk(Put("a/z", "after")));
  ASSERT_TRUE(IsOk(Put("a/x", "again")));

  ASSERT_TRUE(Reopen());
  EXPECT_TRUE(Holds(*store_, model_));
}

TEST_P(PersistenceTest, PutRightAfterDeleteAllSurvivesReopen) {
  ASSERT_TRUE(IsOk(Put("a/x", "1")));
  ASSERT_TRUE(IsOk(Put("a/y", "2")));
  ASSERT_TRUE(IsOk(store_->Flush()));

  // In kAsync mode these reach the janitor together.
  ASSERT_TRUE(IsOk(DeleteAll("a")));
  ASSERT_TRUE(IsOk(Put("a/z", "after")));

  ASSERT_TRUE(Reopen());
  EXPECT_TRUE(Holds(*store_, model_));
}

TEST_P(PersistenceTest, EmptyValueSurvivesReopen) {
  ASSERT_TRUE(IsOk(Put("a/empty", "")));

  ASSERT_TRUE(Reopen());

  EXPECT_TRUE(HasValue(store_->Get("a/empty"), ""));
}

TEST_P(PersistenceTest, BinaryMembersAndValuesSurviveReopen) {
  std::string every_byte;
  for (int b = 0; b < 256; ++b) every_byte.push_back(static_cast<char>(b));
  ASSERT_TRUE(IsOk(Put("bin/" + every_byte, every_byte + every_byte)));
  ASSERT_TRUE(IsOk(Put("bin/\0"s, "\0\0\xff"s)));
  ASSERT_TRUE(IsOk(Put("bin/\xff\xfe"s, "\r\n\0x"s)));

  ASSERT_TRUE(Reopen());

  EXPECT_TRUE(Holds(*store_, model_));
}

TEST_P(PersistenceTest, MembersWithSlashesSurviveReopen) {
  ASSERT_TRUE(IsOk(Put("a//b", "member /b")));
  ASSERT_TRUE(IsOk(Put("a/b/c", "member b/c")));
  ASSERT_TRUE(IsOk(Put("a/b/", "member b/")));

  ASSERT_TRUE(Reopen());

  EXPECT_TRUE(HasValue(store_->Get("a//b"), "member /b"));
  EXPECT_TRUE(Holds(*store_, model_));
}

TEST_P(PersistenceTest, LongestCollectionNamesSurviveReopen) {
  const std::string letters(kMaxCollectionSize, 'c');
  const std::string high_bytes(kMaxCollectionSize, '\xe9');
  ASSERT_TRUE(IsOk(Put(letters + "/m", "letters")));
  ASSERT_TRUE(IsOk(Put(high_bytes + "/m", "high bytes")));

  ASSERT_TRUE(Reopen());

  EXPECT_TRUE(Holds(*store_, model_));
}

TEST_P(PersistenceTest, DotCollectionsAreOrdinaryCollections) {
  ASSERT_TRUE(IsOk(Put("../x", "dot dot")));
  ASSERT_TRUE(IsOk(Put("./x", "dot")));
  ASSERT_TRUE(IsOk(Put(".../x", "three dots")));

  ASSERT_TRUE(Reopen());

  EXPECT_TRUE(HasValue(store_->Get("../x"), "dot dot"));
  EXPECT_TRUE(Holds(*store_, model_));
}

TEST_P(PersistenceTest, CollectionNamesWithNulSurviveReopen) {
  ASSERT_TRUE(IsOk(Put("a\0b/x"s, "a nul b")));
  ASSERT_TRUE(IsOk(Put("a\0c/x"s, "a nul c")));
  ASSERT_TRUE(IsOk(Put("a/x", "a")));
  ASSERT_TRUE(IsOk(Put("\0/x"s, "nul")));

  ASSERT_TRUE(Reopen());

  EXPECT_TRUE(HasValue(store_->Get("a\0b/x"s), "a nul b"));
  EXPECT_TRUE(Holds(*store_, model_));
}

TEST_P(PersistenceTest, CollectionNamesDifferingInCaseAreDistinct) {
  ASSERT_TRUE(IsOk(Put("A/x", "upper")));
  ASSERT_TRUE(IsOk(Put("a/x", "lower")));

  ASSERT_TRUE(Reopen());

  EXPECT_TRUE(HasValue(store_->Get("A/x"), "upper"));
  EXPECT_TRUE(HasValue(store_->Get("a/x"), "lower"));
  EXPECT_NE(format::FileName("A"), format::FileName("a"));
}

TEST_P(PersistenceTest, OneMebibyteValueSurvivesReopen) {
  std::string value(std::size_t{1} << 20, '\0');
  for (std::size_t i = 0; i < value.size(); ++i) {
    value[i] = static_cast<char>(i * 7 + i / 251);
  }
  ASSERT_TRUE(IsOk(Put("big/value", value)));

  ASSERT_TRUE(Reopen());

  EXPECT_TRUE(HasValue(store_->Get("big/value"), value));
}

// dskvs defect 4: keys loaded by Open could not be updated or deleted.
TEST_P(PersistenceTest, LoadedKeysCanBeUpdatedAndDeletedAcrossReopens) {
  constexpr int kCycles = 6;
  for (int cycle = 0; cycle < kCycles; ++cycle) {
    SCOPED_TRACE("cycle " + std::to_string(cycle));
    // Every key but the ones added below was loaded by Open.
    for (const auto& [member, value] : model_.PairsOf("c")) {
      ASSERT_TRUE(
          IsOk(Put("c/" + member, "updated in " + std::to_string(cycle))));
    }
    if (cycle >= 2) {
      ASSERT_TRUE(IsOk(Delete("c/born" + std::to_string(cycle - 2))));
    }
    if (cycle >= 1) {
      ASSERT_TRUE(IsOk(Delete("d/born" + std::to_string(cycle - 1))));
    }
    const std::string born = "born" + std::to_string(cycle);
    ASSERT_TRUE(IsOk(Put("c/" + born, "new in " + std::to_string(cycle))));
    ASSERT_TRUE(IsOk(Put("d/" + born, "new in " + std::to_string(cycle))));

    ASSERT_TRUE(Reopen());

    ASSERT_TRUE(Holds(*store_, model_));
  }
}

// Every path under `root`, relative to it.
std::set<std::string> Tree(const std::string& root) {
  std::set<std::string> paths;
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(root)) {
    paths.insert(std::filesystem::relative(entry.path(), root).string());
  }
  return paths;
}

// Every name in `dir`, not recursing.
std::set<std::string> Names(const std::string& dir) {
  std::set<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    names.insert(entry.path().filename().string());
  }
  return names;
}

bool IsCollectionFileName(std::string_view name) {
  if (name.size() != 32 + format::kFileSuffix.size()) return false;
  for (char c : name.substr(0, 32)) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return name.substr(32) == format::kFileSuffix;
}

TEST_P(PersistenceTest, NothingIsCreatedOutsideTheStoreDirectory) {
  const std::string outside = std::filesystem::path(dir()).parent_path();
  const std::set<std::string> outside_before = Names(outside);
  const std::set<std::string> tree_before = Tree(dir());

  ASSERT_TRUE(IsOk(Put("../evil/x", "1")));
  ASSERT_TRUE(IsOk(Put("../../escape", "2")));
  ASSERT_TRUE(IsOk(Put("./here", "3")));
  ASSERT_TRUE(IsOk(Put("..\\..\\windows/x", "4")));
  ASSERT_TRUE(IsOk(Put("~/home", "5")));
  ASSERT_TRUE(Reopen());
  ASSERT_TRUE(Holds(*store_, model_));

  EXPECT_EQ(Names(outside), outside_before);
  for (const std::string& path : Tree(dir())) {
    if (tree_before.contains(path)) continue;
    const std::filesystem::path p(path);
    EXPECT_EQ(p.parent_path(), "db") << "created " << path;
    const std::string name = p.filename().string();
    EXPECT_TRUE(name == "LOCK" || IsCollectionFileName(name))
        << "created " << path;
  }
}

TEST_P(PersistenceTest, FlushedChangesAreInTheFilesWhileTheStoreIsOpen) {
  ASSERT_TRUE(IsOk(Put("a/x", "1")));
  ASSERT_TRUE(IsOk(Put("a/y", "2")));
  ASSERT_TRUE(IsOk(store_->Flush()));
  ASSERT_TRUE(IsOk(Put("a/x", "changed")));  // Appended to the file.
  ASSERT_TRUE(IsOk(Delete("a/y")));
  ASSERT_TRUE(IsOk(Put("a/z", "3")));
  ASSERT_TRUE(IsOk(Put("b/w", "4")));

  ASSERT_TRUE(IsOk(store_->Flush()));

  EXPECT_TRUE(FileHolds(path(), "a", model_));
  EXPECT_TRUE(FileHolds(path(), "b", model_));
}

TEST_P(PersistenceTest, StatsCountWhatTheStoreHolds) {
  ASSERT_TRUE(IsOk(Put("a/x", "12345")));
  ASSERT_TRUE(IsOk(Put("a/yy", "")));
  ASSERT_TRUE(IsOk(Put("b/z", "1")));
  ASSERT_TRUE(IsOk(Put("b/z", "123")));
  ASSERT_TRUE(IsOk(Put("c/gone", "1")));
  ASSERT_TRUE(IsOk(Delete("c/gone")));

  const dskv::Stats before = GetStats();
  ASSERT_TRUE(Reopen());
  const dskv::Stats after = GetStats();

  for (const dskv::Stats& stats : {before, after}) {
    EXPECT_EQ(stats.keys, 3u);
    EXPECT_EQ(stats.collections, 2u);
    EXPECT_EQ(stats.bytes, model_.bytes());
    EXPECT_EQ(stats.bytes, 1u + 5u + 2u + 0u + 1u + 3u);
  }
  EXPECT_EQ(after.dirty_keys, 0u);
  EXPECT_TRUE(after.last_io_error.ok()) << after.last_io_error;
  EXPECT_EQ(after.torn_tails_truncated, 0u);
  EXPECT_EQ(after.corrupt_regions_skipped, 0u);
}

TEST_P(PersistenceTest, FlushWritesAndSyncs) {
  ASSERT_TRUE(IsOk(Put("a/x", "1")));

  ASSERT_TRUE(IsOk(store_->Flush()));

  const dskv::Stats stats = GetStats();
  EXPECT_EQ(stats.dirty_keys, 0u);
  EXPECT_GE(stats.bytes_written, CompactFileSize("a", model_.PairsOf("a")));
  EXPECT_GT(stats.syncs, 0u);
  EXPECT_GT(stats.janitor_passes, 0u);
  EXPECT_EQ(stats.failed_janitor_passes, 0u);
  EXPECT_TRUE(stats.last_io_error.ok()) << stats.last_io_error;
}

// --- kAsync ---

class AsyncTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (HasFatalFailure()) return;
    Options options;
    options.durability = Durability::kAsync;
    options.flush_interval = kNeverOnItsOwn;
    options.compaction_min_bytes = compaction_min_bytes_;
    ASSERT_TRUE(Open(options));
  }

  std::uint64_t compaction_min_bytes_ = Options().compaction_min_bytes;
};

TEST_F(AsyncTest, DirtyKeysCountChangedKeysUntilFlush) {
  ASSERT_TRUE(IsOk(Put("a/x", "1")));
  ASSERT_TRUE(IsOk(Put("a/x", "2")));
  ASSERT_TRUE(IsOk(Put("a/y", "3")));
  ASSERT_TRUE(IsOk(Put("b/z", "4")));
  ASSERT_TRUE(IsOk(Delete("b/z")));

  EXPECT_EQ(GetStats().dirty_keys, 3u);
  EXPECT_EQ(GetStats().bytes_written, 0u);

  ASSERT_TRUE(IsOk(store_->Flush()));

  EXPECT_EQ(GetStats().dirty_keys, 0u);
  EXPECT_GT(GetStats().bytes_written, 0u);
}

TEST_F(AsyncTest, RewritesOfOneKeyAreCoalesced) {
  constexpr int kRewrites = 1000;
  std::string value;
  for (int i = 0; i < kRewrites; ++i) {
    value = "value " + std::to_string(1000000 + i);
    ASSERT_TRUE(IsOk(Put("hot/key", value)));
  }

  ASSERT_TRUE(IsOk(store_->Flush()));

  const std::uint64_t record = format::RecordSize(3, value.size());
  const std::uint64_t written = GetStats().bytes_written;
  std::cout << kRewrites << " rewrites of one key wrote " << written
            << " bytes; one record is " << record << " bytes\n";
  EXPECT_LT(written, format::HeaderSize(3) + 3 * record);
  EXPECT_TRUE(FileHolds(path(), "hot", model_));
}

// Dead bytes come only from overwrites and deletes: a collection's first
// file holds what its first pass drained, not also members added while that
// pass ran, which the next pass appends.
TEST_F(StoreTest, InsertsAloneLeaveNoDeadBytes) {
  Options options;
  options.flush_interval = std::chrono::milliseconds(1);
  ASSERT_TRUE(Open(options));
  constexpr int kCollections = 100;
  constexpr int kRounds = 100;
  for (int round = 0; round < kRounds; ++round) {
    for (int c = 0; c < kCollections; ++c) {
      ASSERT_TRUE(
          IsOk(Put("c" + std::to_string(c) + "/" + std::to_string(round),
                   std::string(100, 'v'))));
    }
  }
  ASSERT_TRUE(IsOk(store_->Close()));
  store_.reset();

  for (int c = 0; c < kCollections; ++c) {
    const std::string collection = "c" + std::to_string(c);
    absl::StatusOr<std::uint64_t> size =
        FileSize(CollectionPath(path(), collection));
    ASSERT_TRUE(IsOk(size));
    EXPECT_EQ(*size, CompactFileSize(collection, model_.PairsOf(collection)))
        << collection;
  }
}

class CompactionTest : public AsyncTest {
 protected:
  // Smaller than the live data, so the dead ratio alone decides.
  CompactionTest() { compaction_min_bytes_ = 1024; }
};

TEST_F(CompactionTest, CompactionRewritesTheFileToItsLiveSize) {
  constexpr int kRounds = 40;
  constexpr int kKeys = 10;
  int compacting_rounds = 0;
  for (int round = 0; round < kRounds; ++round) {
    for (int k = 0; k < kKeys; ++k) {
      ASSERT_TRUE(IsOk(Put("c/k" + std::to_string(k),
                           std::string(100, static_cast<char>('a' + round)))));
    }
    const std::uint64_t compactions = GetStats().compactions;
    ASSERT_TRUE(IsOk(store_->Flush()));
    absl::StatusOr<std::uint64_t> size = FileSize(CollectionPath(path(), "c"));
    ASSERT_TRUE(size.ok()) << size.status();
    const std::uint64_t live = CompactFileSize("c", model_.PairsOf("c"));
    if (GetStats().compactions > compactions) {
      ++compacting_rounds;
      EXPECT_EQ(*size, live) << "round " << round;
    }
    // Dead bytes never exceed the live bytes (compaction_dead_ratio 1).
    EXPECT_LE(*size, 2 * live) << "round " << round;
  }

  EXPECT_GT(compacting_rounds, 0);
  EXPECT_EQ(GetStats().compactions,
            static_cast<std::uint64_t>(compacting_rounds));
  ASSERT_TRUE(Reopen());
  EXPECT_TRUE(Holds(*store_, model_));
}

// --- kSync ---

class SyncTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_TRUE(Open(WithDurability(Durability::kSync)));
  }
};

TEST_F(SyncTest, ChangesAreInTheFileWhenTheyReturn) {
  ASSERT_TRUE(IsOk(Put("a/x", "1")));
  EXPECT_TRUE(FileHolds(path(), "a", model_));

  ASSERT_TRUE(IsOk(Put("a/y", "2")));
  EXPECT_TRUE(FileHolds(path(), "a", model_));

  ASSERT_TRUE(IsOk(Delete("a/x")));
  EXPECT_TRUE(FileHolds(path(), "a", model_));

  ASSERT_TRUE(IsOk(DeleteAll("a")));
  EXPECT_FALSE(std::filesystem::exists(CollectionPath(path(), "a")));
}

TEST_F(SyncTest, ConcurrentWritersShareSyncs) {
  constexpr int kThreads = 8;
  constexpr int kPutsPerThread = 200;
  std::atomic<int> failures{0};
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      for (int i = 0; i < kPutsPerThread; ++i) {
        const std::string key =
            "group/t" + std::to_string(t) + "-" + std::to_string(i);
        if (!store_->Put(key, "v").ok()) ++failures;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  ASSERT_EQ(failures.load(), 0);
  const std::uint64_t puts = kThreads * kPutsPerThread;
  const dskv::Stats stats = GetStats();
  std::cout << puts << " kSync puts from " << kThreads << " threads took "
            << stats.syncs << " syncs in " << stats.janitor_passes
            << " passes: " << static_cast<double>(puts) / stats.syncs
            << " puts per sync\n";
  EXPECT_LT(stats.syncs, puts);
  EXPECT_EQ(stats.keys, puts);
}

// --- The directory lock ---

using LockTest = StoreTest;

TEST_F(LockTest, SecondOpenInTheSameProcessFailsNamingThePid) {
  ASSERT_TRUE(Open(Options()));

  absl::StatusOr<std::unique_ptr<Store>> second = Store::Open(path());

  EXPECT_TRUE(HasCodeAndMessage(second.status(),
                                absl::StatusCode::kFailedPrecondition,
                                {std::to_string(::getpid())}));
}

TEST_F(LockTest, OpenSucceedsAgainAfterClose) {
  ASSERT_TRUE(Open(Options()));
  ASSERT_TRUE(IsOk(store_->Close()));

  absl::StatusOr<std::unique_ptr<Store>> second = Store::Open(path());

  EXPECT_TRUE(IsOk(second.status()));
}

// A child process that opens and closes the store in a directory on command,
// to test the lock across processes. It must be started while this process
// runs no other thread (before the test opens a store), so that the child
// may start the store's threads.
class StoreChild {
 public:
  explicit StoreChild(std::string path) : path_(std::move(path)) {}
  ~StoreChild() { Finish().IgnoreError(); }

  StoreChild(const StoreChild&) = delete;
  StoreChild& operator=(const StoreChild&) = delete;

  ::testing::AssertionResult Start() {
    int to_child[2];
    int from_child[2];
    if (::pipe2(to_child, O_CLOEXEC) != 0 ||
        ::pipe2(from_child, O_CLOEXEC) != 0) {
      return ::testing::AssertionFailure() << "pipe2: " << errno;
    }
    pid_ = ::fork();
    if (pid_ < 0) return ::testing::AssertionFailure() << "fork: " << errno;
    if (pid_ == 0) {
      ::close(to_child[1]);
      ::close(from_child[0]);
      Serve(to_child[0], from_child[1]);
    }
    ::close(to_child[0]);
    ::close(from_child[1]);
    to_child_ = to_child[1];
    from_child_ = from_child[0];
    return ::testing::AssertionSuccess();
  }

  pid_t pid() const { return pid_; }

  // Has the child open the store and keep it open; returns Open's status.
  absl::Status Open() { return Command('o'); }
  // Has the child close its store; returns Close's status.
  absl::Status Close() { return Command('c'); }

  // Ends the child; fails unless it exited normally.
  absl::Status Finish() {
    if (pid_ <= 0) return absl::OkStatus();
    ::close(to_child_);
    ::close(from_child_);
    int wstatus = 0;
    const pid_t waited = ::waitpid(pid_, &wstatus, 0);
    pid_ = -1;
    if (waited < 0 || !WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) {
      return absl::InternalError("the child did not exit cleanly");
    }
    return absl::OkStatus();
  }

 private:
  // The child's side: a status for each command, as "<code> <message>\n".
  [[noreturn]] void Serve(int in, int out) {
    std::unique_ptr<Store> store;
    char command;
    while (::read(in, &command, 1) == 1) {
      absl::Status status;
      if (command == 'o') {
        absl::StatusOr<std::unique_ptr<Store>> opened = Store::Open(path_);
        status = opened.status();
        if (opened.ok()) store = *std::move(opened);
      } else if (store != nullptr) {
        status = store->Close();
        store.reset();
      }
      std::string reply = std::to_string(static_cast<int>(status.code())) +
                          " " + std::string(status.message()) + "\n";
      for (std::string_view rest = reply; !rest.empty();) {
        const ssize_t n = ::write(out, rest.data(), rest.size());
        if (n <= 0) ::_exit(2);
        rest.remove_prefix(static_cast<std::size_t>(n));
      }
    }
    if (store != nullptr && !store->Close().ok()) ::_exit(3);
    store.reset();
    ::_exit(0);
  }

  absl::Status Command(char command) {
    if (::write(to_child_, &command, 1) != 1) {
      return absl::InternalError("cannot command the child");
    }
    std::string reply;
    char c;
    while (::read(from_child_, &c, 1) == 1 && c != '\n') reply.push_back(c);
    const std::size_t space = reply.find(' ');
    if (space == std::string::npos) {
      return absl::InternalError("the child did not reply");
    }
    return absl::Status(
        static_cast<absl::StatusCode>(std::stoi(reply.substr(0, space))),
        reply.substr(space + 1));
  }

  const std::string path_;
  pid_t pid_ = -1;
  int to_child_ = -1;
  int from_child_ = -1;
};

TEST_F(LockTest, AnotherProcessCannotOpenWhileThisOneHolds) {
  StoreChild child(path());
  ASSERT_TRUE(child.Start());
  ASSERT_TRUE(Open(Options()));

  EXPECT_TRUE(HasCodeAndMessage(child.Open(),
                                absl::StatusCode::kFailedPrecondition,
                                {std::to_string(::getpid())}));
  EXPECT_TRUE(IsOk(child.Finish()));
}

TEST_F(LockTest, ThisProcessCannotOpenWhileAnotherHolds) {
  StoreChild child(path());
  ASSERT_TRUE(child.Start());
  ASSERT_TRUE(IsOk(child.Open()));

  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(path());

  EXPECT_TRUE(HasCodeAndMessage(store.status(),
                                absl::StatusCode::kFailedPrecondition,
                                {std::to_string(child.pid())}));
  ASSERT_TRUE(IsOk(child.Close()));
  EXPECT_TRUE(Open(Options()));
  EXPECT_TRUE(IsOk(child.Finish()));
}

TEST_F(LockTest, AnotherProcessCanOpenAfterClose) {
  StoreChild child(path());
  ASSERT_TRUE(child.Start());
  ASSERT_TRUE(Open(Options()));
  ASSERT_TRUE(IsOk(Put("a/x", "from the parent")));
  ASSERT_TRUE(IsOk(store_->Close()));

  EXPECT_TRUE(IsOk(child.Open()));
  EXPECT_TRUE(IsOk(child.Close()));
  EXPECT_TRUE(IsOk(child.Finish()));
}

// --- Open errors ---

using OpenErrorTest = StoreTest;

// A collection file header with a valid checksum but format version 99.
std::string HeaderWithVersion99(std::string_view collection) {
  std::string header(format::kMagic);
  AppendFixed<std::uint32_t>(99, &header);
  AppendFixed<std::uint16_t>(static_cast<std::uint16_t>(collection.size()),
                             &header);
  header.append(collection);
  AppendFixed<std::uint64_t>(format::Checksum(header), &header);
  return header;
}

TEST_F(OpenErrorTest, UnknownFormatVersionFailsWithFailedPrecondition) {
  ASSERT_TRUE(std::filesystem::create_directories(path()));
  std::string file = HeaderWithVersion99("future");
  format::AppendRecord(format::RecordType::kPut, "x", "1", &file);
  ASSERT_TRUE(WriteBytes(CollectionPath(path(), "future"), file));

  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(path());

  EXPECT_TRUE(HasCodeAndMessage(store.status(),
                                absl::StatusCode::kFailedPrecondition,
                                {"version 99", format::FileName("future")}));
  absl::StatusOr<std::string> after =
      ReadBytes(CollectionPath(path(), "future"));
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(*after, file) << "Open changed a file it cannot read";
}

TEST_F(OpenErrorTest, FailedOpenReleasesTheLock) {
  ASSERT_TRUE(std::filesystem::create_directories(path()));
  ASSERT_TRUE(WriteBytes(CollectionPath(path(), "future"),
                         HeaderWithVersion99("future")));
  ASSERT_FALSE(Store::Open(path()).ok());
  ASSERT_TRUE(std::filesystem::remove(CollectionPath(path(), "future")));

  EXPECT_TRUE(Open(Options()));
}

TEST_F(OpenErrorTest, PathThatIsARegularFileFailsWithFailedPrecondition) {
  ASSERT_TRUE(WriteBytes(path(), "not a store"));

  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(path());

  EXPECT_TRUE(HasCodeAndMessage(
      store.status(), absl::StatusCode::kFailedPrecondition, {path()}));
  absl::StatusOr<std::string> after = ReadBytes(path());
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(*after, "not a store");
}

// --- After Close ---

class ClosedStoreTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_TRUE(Open(Options()));
    ASSERT_TRUE(IsOk(Put("a/x", "1")));
    ASSERT_TRUE(IsOk(store_->Close()));
  }
};

TEST_F(ClosedStoreTest, EveryMethodFailsWithFailedPrecondition) {
  constexpr absl::StatusCode kClosed = absl::StatusCode::kFailedPrecondition;
  EXPECT_TRUE(HasCode(store_->Put("a/y", "2"), kClosed));
  EXPECT_TRUE(HasCode(store_->Get("a/x"), kClosed));
  EXPECT_TRUE(HasCode(store_->GetAll("a"), kClosed));
  EXPECT_TRUE(HasCode(store_->Delete("a/x"), kClosed));
  EXPECT_TRUE(HasCode(store_->DeleteAll("a"), kClosed));
  EXPECT_TRUE(HasCode(store_->Flush(), kClosed));
  EXPECT_TRUE(HasCode(store_->GetStats(), kClosed));
}

TEST_F(ClosedStoreTest, CloseIsIdempotent) {
  EXPECT_TRUE(IsOk(store_->Close()));
  EXPECT_TRUE(IsOk(store_->Close()));
}

TEST_F(ClosedStoreTest, ChangesAfterCloseDoNotReachTheFiles) {
  ASSERT_FALSE(store_->Put("a/late", "2").ok());

  ASSERT_TRUE(Reopen());

  EXPECT_TRUE(Holds(*store_, model_));
}

// --- Torn tails ---

class TornTailTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_TRUE(Open(Options()));
    ASSERT_TRUE(IsOk(Put("torn/a", "1")));
    ASSERT_TRUE(IsOk(Put("torn/b", "2")));
    ASSERT_TRUE(IsOk(store_->Flush()));
    ASSERT_TRUE(IsOk(Put("torn/a", "appended")));
    ASSERT_TRUE(IsOk(store_->Close()));
    store_.reset();
    absl::StatusOr<std::uint64_t> size = FileSize(file());
    ASSERT_TRUE(size.ok()) << size.status();
    valid_size_ = *size;
  }

  std::string file() const { return CollectionPath(path(), "torn"); }

  // Appends `tail` to the file, reopens, and checks that the tail was cut.
  void ExpectTailCut(std::string_view tail) {
    ASSERT_TRUE(AppendBytes(file(), tail));

    ASSERT_TRUE(Reopen());

    const dskv::Stats stats = GetStats();
    EXPECT_EQ(stats.torn_tails_truncated, 1u);
    EXPECT_EQ(stats.torn_bytes_truncated, tail.size());
    EXPECT_TRUE(Holds(*store_, model_));
    absl::StatusOr<std::uint64_t> size = FileSize(file());
    ASSERT_TRUE(size.ok()) << size.status();
    EXPECT_EQ(*size, valid_size_) << "the torn tail was not cut off the file";
  }

  std::uint64_t valid_size_ = 0;
};

TEST_F(TornTailTest, GarbageAfterTheLastRecordIsCutOnOpen) {
  ExpectTailCut("\xde\xad\xbe\xef\x01");
}

TEST_F(TornTailTest, HalfARecordAfterTheLastRecordIsCutOnOpen) {
  std::string record;
  format::AppendRecord(format::RecordType::kPut, "late",
                       "a value that never fully landed", &record);
  ExpectTailCut(std::string_view(record).substr(0, record.size() / 2));
}

TEST_F(TornTailTest, ChangesAfterACutTailSurviveReopen) {
  ASSERT_TRUE(AppendBytes(file(), "garbage"));
  ASSERT_TRUE(Reopen());
  ASSERT_TRUE(IsOk(Put("torn/c", "after the cut")));  // Appended.
  ASSERT_TRUE(IsOk(Put("torn/b", "changed")));

  ASSERT_TRUE(Reopen());

  EXPECT_EQ(GetStats().torn_tails_truncated, 0u);
  EXPECT_TRUE(Holds(*store_, model_));
}

// --- Leftovers ---

TEST_F(TornTailTest, LeftoverTemporaryFileIsRemovedOnOpen) {
  const std::string temp = file() + std::string(format::kTempSuffix);
  ASSERT_TRUE(WriteBytes(temp, "half a rewrite"));

  ASSERT_TRUE(Reopen());

  EXPECT_FALSE(std::filesystem::exists(temp));
  EXPECT_TRUE(Holds(*store_, model_));
}

// --- Damaged records and salvage ---

class SalvageTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_TRUE(Open(Options()));
    for (int i = 0; i < 5; ++i) {
      ASSERT_TRUE(IsOk(
          Put("s/member" + std::to_string(i), "value " + std::to_string(i))));
    }
    ASSERT_TRUE(IsOk(Put("other/x", "untouched")));
    ASSERT_TRUE(IsOk(store_->Close()));
    store_.reset();
    ASSERT_NO_FATAL_FAILURE(DamageSecondRecord());
  }

  // Flips a byte in the value of the second record of the file of "s", which
  // valid records follow.
  void DamageSecondRecord() {
    const std::string file = CollectionPath(path(), "s");
    absl::StatusOr<std::string> contents = ReadBytes(file);
    ASSERT_TRUE(contents.ok()) << contents.status();
    const std::vector<RecordSpan> records = RecordSpans(*contents);
    ASSERT_EQ(records.size(), 5u);
    const RecordSpan& damaged = records[1];
    ASSERT_GT(damaged.value_size, 0u);
    (*contents)[damaged.value_offset] ^= 0x20;
    ASSERT_TRUE(WriteBytes(file, *contents));
    model_.Delete("s/" + damaged.member);
  }

  static Options Salvage() {
    Options options;
    options.salvage = true;
    return options;
  }
};

TEST_F(SalvageTest, FileWithDamagedHeaderIsSetAside) {
  const std::string file = CollectionPath(path(), "other");
  absl::StatusOr<std::string> contents = ReadBytes(file);
  ASSERT_TRUE(contents.ok()) << contents.status();
  (*contents)[format::kNameOffset] ^= 0x01;
  ASSERT_TRUE(WriteBytes(file, *contents));
  model_.DeleteAll("other");

  ASSERT_TRUE(Open(Salvage()));

  EXPECT_EQ(GetStats().corrupt_files_set_aside, 1u);
  EXPECT_TRUE(Holds(*store_, model_));
  EXPECT_FALSE(std::filesystem::exists(file));
  absl::StatusOr<std::string> set_aside = ReadBytes(file + ".corrupt");
  ASSERT_TRUE(set_aside.ok()) << set_aside.status();
  EXPECT_EQ(*set_aside, *contents);
}

TEST_F(SalvageTest, DamagedRecordFailsOpenWithDataLossNamingFileAndOffset) {
  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(path());

  EXPECT_TRUE(HasCodeAndMessage(store.status(), absl::StatusCode::kDataLoss,
                                {format::FileName("s"), "byte offset"}));
}

TEST_F(SalvageTest, SalvageSkipsTheDamagedRecordAndKeepsTheOthers) {
  ASSERT_TRUE(Open(Salvage()));

  EXPECT_EQ(GetStats().corrupt_regions_skipped, 1u);
  EXPECT_GT(GetStats().corrupt_bytes_skipped, 0u);
  EXPECT_TRUE(Holds(*store_, model_));
}

TEST_F(SalvageTest, SalvagedCollectionIsRewrittenWithoutTheDamage) {
  ASSERT_TRUE(Open(Salvage()));
  ASSERT_TRUE(IsOk(store_->Close()));
  store_.reset();

  EXPECT_TRUE(FileHolds(path(), "s", model_));
  ASSERT_TRUE(Open(Options()));
  EXPECT_EQ(GetStats().corrupt_regions_skipped, 0u);
  EXPECT_TRUE(Holds(*store_, model_));
}

}  // namespace
}  // namespace dskv
