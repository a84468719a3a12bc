// A store directory may hold files that are not the store's, and links or
// FIFOs where the store's files should be: the store must never open,
// rename, remove or follow them (persist/directory_layout.h).

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "dskv/store.h"
#include "gtest/gtest.h"
#include "persist/directory_layout.h"
#include "persist/file_system.h"
#include "persist/format.h"
#include "tests/persist/persist_test_util.h"
#include "tests/status_matchers.h"

namespace dskv {
namespace {

using ::dskv_test::CollectionPath;
using ::dskv_test::HasCode;
using ::dskv_test::HasCodeAndMessage;
using ::dskv_test::IsOk;
using ::dskv_test::ReadBytes;
using ::dskv_test::StoreTest;
using ::dskv_test::WriteBytes;

constexpr std::string_view kHash = "0123456789abcdef0123456789abcdef";

std::string Named(std::string_view suffix) {
  return std::string(kHash) + std::string(suffix);
}

// --- Which names are the store's ---

TEST(ClassifyStoreFileTest, TheStoresNamesAreMatchedExactly) {
  EXPECT_EQ(ClassifyStoreFile("LOCK"), StoreFileKind::kLock);
  EXPECT_EQ(ClassifyStoreFile(Named(".dskv")), StoreFileKind::kCollection);
  EXPECT_EQ(ClassifyStoreFile(format::FileName("any collection")),
            StoreFileKind::kCollection);
  EXPECT_EQ(ClassifyStoreFile(Named(".dskv.tmp")), StoreFileKind::kTemporary);
  EXPECT_EQ(ClassifyStoreFile(Named(".dskv.corrupt")),
            StoreFileKind::kSetAside);
  EXPECT_EQ(ClassifyStoreFile(Named(".dskv.corrupt.1")),
            StoreFileKind::kSetAside);
  EXPECT_EQ(ClassifyStoreFile(Named(".dskv.corrupt.12")),
            StoreFileKind::kSetAside);
}

TEST(ClassifyStoreFileTest, EverythingElseIsForeign) {
  const std::vector<std::string> names = {
      "notes.tmp",
      "x.dskv",
      "x.dskv.tmp",
      "x.dskv.corrupt",
      "dump.jsonl",
      "lock",
      "LOCK2",
      ".dskv",
      Named(""),
      Named(".DSKV"),
      Named(".dskv.TMP"),
      Named(".dskv.tmp.1"),
      Named(".dskv.tmpx"),
      Named(".dskvx"),
      Named(".dskv.corrupt."),
      Named(".dskv.corrupt.01"),
      Named(".dskv.corrupt.x"),
      Named(".dskv.corruptx"),
      "0123456789ABCDEF0123456789ABCDEF.dskv",   // Upper case.
      "0123456789abcdef0123456789abcde.dskv",    // 31 digits.
      "0123456789abcdef0123456789abcdef0.dskv",  // 33 digits.
      "0123456789abcdef0123456789abcdeg.dskv"};  // Not hex.
  for (const std::string& name : names) {
    EXPECT_EQ(ClassifyStoreFile(name), StoreFileKind::kForeign) << name;
  }
}

TEST(SetAsideNameTest, NeverReusesATakenName) {
  const std::string file = Named(".dskv");
  EXPECT_EQ(SetAsideName(file, [](std::string_view) { return false; }),
            file + ".corrupt");
  EXPECT_EQ(SetAsideName(file,
                         [&](std::string_view name) {
                           return name == file + ".corrupt" ||
                                  name == file + ".corrupt.1";
                         }),
            file + ".corrupt.2");
  EXPECT_EQ(
      ClassifyStoreFile(SetAsideName(
          file, [&](std::string_view n) { return n == file + ".corrupt"; })),
      StoreFileKind::kSetAside);
}

// --- The real file system follows no links and opens no FIFOs ---

class PosixFileSystemTest : public dskv_test::TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    if (HasFatalFailure()) return;
    target_ = dir() + "/target";
    link_ = dir() + "/link";
    fifo_ = dir() + "/fifo";
    ASSERT_TRUE(WriteBytes(target_, "precious"));
    ASSERT_EQ(::symlink(target_.c_str(), link_.c_str()), 0);
    ASSERT_EQ(::mkfifo(fifo_.c_str(), 0644), 0);
  }

  void ExpectTargetUnchanged() {
    EXPECT_TRUE(dskv_test::HasValue(ReadBytes(target_), "precious"));
  }

  FileSystem& fs_ = *PosixFileSystem();
  std::string target_, link_, fifo_;
};

TEST_F(PosixFileSystemTest, OpensRefuseSymbolicLinks) {
  for (bool truncate : {false, true}) {
    EXPECT_TRUE(HasCodeAndMessage(fs_.OpenForAppend(link_, truncate).status(),
                                  absl::StatusCode::kFailedPrecondition,
                                  {link_, "symbolic link"}));
  }
  EXPECT_TRUE(
      HasCode(fs_.ReadFile(link_), absl::StatusCode::kFailedPrecondition));
  EXPECT_TRUE(HasCode(fs_.MapFile(link_).status(),
                      absl::StatusCode::kFailedPrecondition));
  EXPECT_TRUE(
      HasCode(fs_.Truncate(link_, 0), absl::StatusCode::kFailedPrecondition));
  ExpectTargetUnchanged();
}

TEST_F(PosixFileSystemTest, OpenForAppendDoesNotCreateThroughADanglingLink) {
  const std::string missing = dir() + "/missing";
  const std::string dangling = dir() + "/dangling";
  ASSERT_EQ(::symlink(missing.c_str(), dangling.c_str()), 0);

  EXPECT_TRUE(HasCode(fs_.OpenForAppend(dangling, false).status(),
                      absl::StatusCode::kFailedPrecondition));
  EXPECT_FALSE(std::filesystem::exists(missing));
}

TEST_F(PosixFileSystemTest, OpensRefuseFifosWithoutBlocking) {
  EXPECT_TRUE(HasCodeAndMessage(fs_.OpenForAppend(fifo_, false).status(),
                                absl::StatusCode::kFailedPrecondition,
                                {fifo_, "not a regular file"}));
  EXPECT_TRUE(
      HasCode(fs_.ReadFile(fifo_), absl::StatusCode::kFailedPrecondition));
  EXPECT_TRUE(HasCode(fs_.MapFile(fifo_).status(),
                      absl::StatusCode::kFailedPrecondition));
}

TEST_F(PosixFileSystemTest, ListDirectoryTellsRegularFilesFromTheRest) {
  ASSERT_TRUE(std::filesystem::create_directory(dir() + "/sub"));
  absl::StatusOr<std::vector<DirectoryEntry>> entries =
      fs_.ListDirectory(dir());
  ASSERT_TRUE(IsOk(entries));
  std::map<std::string, bool> regular;
  for (const DirectoryEntry& e : *entries) regular[e.name] = e.regular_file;
  EXPECT_EQ(
      regular,
      (std::map<std::string, bool>{
          {"target", true}, {"link", false}, {"fifo", false}, {"sub", false}}));
}

// --- A store among foreign files ---

class ForeignFilesTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_TRUE(Open(Options()));
    ASSERT_TRUE(IsOk(Put("artist/daft_punk", "epic")));
    ASSERT_TRUE(IsOk(Put("album/discovery", "2001")));
    ASSERT_TRUE(IsOk(store_->Close()));
    store_.reset();
  }

  // Opens the store with `options`, expecting FailedPrecondition naming
  // `path`.
  void ExpectOpenFailsNaming(const std::string& path, Options options = {}) {
    absl::StatusOr<std::unique_ptr<Store>> store =
        Store::Open(this->path(), options);
    EXPECT_TRUE(HasCodeAndMessage(
        store.status(), absl::StatusCode::kFailedPrecondition, {path}));
  }

  // Reopens the store, writes to it (so that the janitor runs), closes it and
  // checks that it still holds what it should.
  void ExpectStoreWorks(Options options = {}) {
    ASSERT_TRUE(Open(options));
    ASSERT_TRUE(IsOk(Put("artist/air", "moon safari")));
    ASSERT_TRUE(IsOk(DeleteAll("album")));
    ASSERT_TRUE(IsOk(store_->Compact()));
    ASSERT_TRUE(Reopen());
    EXPECT_TRUE(Holds(*store_, model_));
  }

  std::string outside() const { return dir() + "/outside"; }
};

TEST_F(ForeignFilesTest, StrayTmpFilesAreNeitherReadNorRemoved) {
  const std::string notes = path() + "/notes.tmp";
  const std::string dump = path() + "/dump.jsonl.tmp";
  const std::string look_alike = path() + "/" + Named(".dskv.tmp.1");
  for (const std::string& file : {notes, dump, look_alike}) {
    ASSERT_TRUE(WriteBytes(file, "mine: " + file));
  }

  ASSERT_NO_FATAL_FAILURE(ExpectStoreWorks());

  for (const std::string& file : {notes, dump, look_alike}) {
    EXPECT_TRUE(dskv_test::HasValue(ReadBytes(file), "mine: " + file));
  }
}

TEST_F(ForeignFilesTest, StrayDskvFilesDoNotBlockOpenEvenWithSalvage) {
  const std::string stray = path() + "/x.dskv";
  const std::string upper = path() + "/0123456789ABCDEF0123456789ABCDEF.dskv";
  ASSERT_TRUE(WriteBytes(stray, "not a collection"));
  ASSERT_TRUE(WriteBytes(upper, "nor this"));

  ASSERT_NO_FATAL_FAILURE(ExpectStoreWorks());
  store_.reset();
  Options salvage;
  salvage.salvage = true;
  ASSERT_TRUE(Open(salvage));
  EXPECT_EQ(GetStats().corrupt_files_set_aside, 0u);
  EXPECT_TRUE(Holds(*store_, model_));

  EXPECT_TRUE(dskv_test::HasValue(ReadBytes(stray), "not a collection"));
  EXPECT_TRUE(dskv_test::HasValue(ReadBytes(upper), "nor this"));
}

TEST_F(ForeignFilesTest, FifosAndDirectoriesWithOtherNamesAreIgnored) {
  ASSERT_EQ(::mkfifo((path() + "/pipe").c_str(), 0644), 0);
  ASSERT_EQ(::mkfifo((path() + "/pipe.dskv").c_str(), 0644), 0);
  ASSERT_TRUE(std::filesystem::create_directory(path() + "/subdir.tmp"));

  ASSERT_NO_FATAL_FAILURE(ExpectStoreWorks());
  Options read_only;
  read_only.read_only = true;
  store_.reset();
  ASSERT_TRUE(Open(read_only));
  EXPECT_TRUE(Holds(*store_, model_));
}

TEST_F(ForeignFilesTest, LockThatIsASymbolicLinkIsNotFollowed) {
  const std::string lock = path() + "/LOCK";
  ASSERT_TRUE(WriteBytes(outside(), "precious"));
  std::filesystem::remove(lock);
  std::filesystem::create_symlink(outside(), lock);

  ExpectOpenFailsNaming(lock);

  EXPECT_TRUE(dskv_test::HasValue(ReadBytes(outside()), "precious"));
}

TEST_F(ForeignFilesTest, DanglingLockLinkCreatesNothing) {
  const std::string lock = path() + "/LOCK";
  std::filesystem::remove(lock);
  std::filesystem::create_symlink(outside(), lock);

  ExpectOpenFailsNaming(lock);

  EXPECT_FALSE(std::filesystem::exists(outside()));
}

TEST_F(ForeignFilesTest, LockThatIsAFifoFailsWithoutBlocking) {
  const std::string lock = path() + "/LOCK";
  std::filesystem::remove(lock);
  ASSERT_EQ(::mkfifo(lock.c_str(), 0644), 0);

  ExpectOpenFailsNaming(lock);
}

TEST_F(ForeignFilesTest, SymlinkedCollectionFileFailsOpenAndIsLeftAlone) {
  const std::string file = CollectionPath(path(), "artist");
  std::filesystem::rename(file, outside());
  std::filesystem::create_symlink(outside(), file);
  absl::StatusOr<std::string> before = ReadBytes(outside());
  ASSERT_TRUE(IsOk(before));

  ExpectOpenFailsNaming(file);
  Options read_only;
  read_only.read_only = true;
  ExpectOpenFailsNaming(file, read_only);
  Options salvage;
  salvage.salvage = true;
  ExpectOpenFailsNaming(file, salvage);

  EXPECT_TRUE(std::filesystem::is_symlink(file));
  EXPECT_TRUE(dskv_test::HasValue(ReadBytes(outside()), *before));
}

TEST_F(ForeignFilesTest, SymlinkedTemporaryFileFailsOpenAndIsNotRemoved) {
  const std::string temp =
      CollectionPath(path(), "artist") + std::string(format::kTempSuffix);
  ASSERT_TRUE(WriteBytes(outside(), "precious"));
  std::filesystem::create_symlink(outside(), temp);

  ExpectOpenFailsNaming(temp);

  EXPECT_TRUE(std::filesystem::is_symlink(temp));
  EXPECT_TRUE(dskv_test::HasValue(ReadBytes(outside()), "precious"));
}

TEST_F(ForeignFilesTest, FifoOrDirectoryUnderACollectionNameFailsOpen) {
  const std::string file = CollectionPath(path(), "artist");
  std::filesystem::remove(file);
  ASSERT_EQ(::mkfifo(file.c_str(), 0644), 0);
  ExpectOpenFailsNaming(file);

  std::filesystem::remove(file);
  ASSERT_TRUE(std::filesystem::create_directory(file));
  ExpectOpenFailsNaming(file);
}

TEST_F(ForeignFilesTest, SalvageNeverReplacesAFileSetAsideEarlier) {
  const std::string file = CollectionPath(path(), "artist");
  const std::string earlier = file + ".corrupt";
  ASSERT_TRUE(WriteBytes(earlier, "set aside last year"));
  absl::StatusOr<std::string> contents = ReadBytes(file);
  ASSERT_TRUE(IsOk(contents));
  (*contents)[format::kNameOffset] ^= 0x01;  // The header's checksum fails.
  ASSERT_TRUE(WriteBytes(file, *contents));
  model_.DeleteAll("artist");

  Options salvage;
  salvage.salvage = true;
  ASSERT_TRUE(Open(salvage));

  EXPECT_EQ(GetStats().corrupt_files_set_aside, 1u);
  EXPECT_TRUE(Holds(*store_, model_));
  EXPECT_TRUE(dskv_test::HasValue(ReadBytes(earlier), "set aside last year"));
  EXPECT_TRUE(dskv_test::HasValue(ReadBytes(file + ".corrupt.1"), *contents));
}

}  // namespace
}  // namespace dskv
