// verify and repair end to end, on stores damaged on purpose: what verify
// reports (and that it changes nothing), and what repair keeps, drops and
// backs up.

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "dskv/store.h"
#include "gtest/gtest.h"
#include "persist/file_system.h"
#include "persist/format.h"
#include "persist/journal.h"
#include "persist/record_batch.h"
#include "tests/temp_dir.h"
#include "tests/tools/tool_test_util.h"

namespace dskv_test {
namespace {

namespace format = ::dskv::format;

bool Contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

// Every file of the store `dir` but LOCK, by name, with its bytes. A command
// that takes the lock writes its pid into LOCK, whose contents mean nothing
// once unlocked (persist/FORMAT.md); all other bytes must stay as they were.
using StoreContents = DirectoryContents;
StoreContents StoreData(const std::string& dir) {
  StoreContents contents = ReadDirectory(dir);
  contents.erase("LOCK");
  return contents;
}

// The keys of the collection "c", in the order of their records in its file.
const std::vector<std::string> kMembers = {"k1", "k2", "k3"};
constexpr std::size_t kValueSize = 100;

std::string ValueOf(const std::string& member) {
  return std::string(kValueSize, member.back());
}

class VerifyRepairTest : public TempDirTest {
 protected:
  std::string store() const { return dir() + "/store"; }
  std::string c_file() const { return CollectionFilePath(store(), "c"); }
  std::string other_file() const {
    return CollectionFilePath(store(), "other");
  }

  // Collection "c" holds one record per member, in kMembers order (each
  // flushed on its own, so each is appended after the one before);
  // collection "other" holds one key.
  void SetUp() override {
    TempDirTest::SetUp();
    if (HasFatalFailure()) return;
    absl::StatusOr<std::unique_ptr<dskv::Store>> s = dskv::Store::Open(store());
    ASSERT_TRUE(s.ok()) << s.status();
    for (const std::string& member : kMembers) {
      ASSERT_TRUE((*s)->Put("c/" + member, ValueOf(member)).ok());
      ASSERT_TRUE((*s)->Flush().ok());
    }
    ASSERT_TRUE((*s)->Put("other/x", "y").ok());
    ASSERT_TRUE((*s)->Close().ok());
    ASSERT_EQ(std::filesystem::file_size(c_file()),
              format::HeaderSize(1) + kMembers.size() * kRecordSize)
        << "the file does not have the layout the tests assume";
  }

  static constexpr std::uint64_t kRecordSize =
      format::RecordSize(2, kValueSize);

  // Where the record of kMembers[i] starts in c_file().
  static std::uint64_t RecordOffset(std::size_t i) {
    return format::HeaderSize(1) + i * kRecordSize;
  }

  static void FlipByte(const std::string& path, std::uint64_t offset) {
    std::string bytes = ReadBytes(path);
    ASSERT_LT(offset, bytes.size());
    bytes[offset] = static_cast<char>(bytes[offset] ^ 0x5a);
    WriteBytes(path, bytes);
  }

  // Damages the middle of the second record's value: valid records follow.
  void DamageMiddleRecord() {
    FlipByte(c_file(), RecordOffset(1) + kRecordSize / 2);
  }
};

// ---------------------------------------------------------------------------
// verify

TEST_F(VerifyRepairTest, VerifyOfAHealthyStoreExitsZero) {
  ToolRun run = RunDskv({"verify", store()});
  EXPECT_EQ(run.exit_code, 0) << run;
  EXPECT_EQ(run.out,
            store() + ": 2 collection files checked (" +
                std::to_string(RecordOffset(3) + format::HeaderSize(5) +
                               format::RecordSize(1, 1)) +
                " B, 4 keys): healthy (0 notes)\n");
  EXPECT_EQ(run.err, "");

  run = RunDskv({"verify", "--json", store()});
  EXPECT_EQ(run.exit_code, 0) << run;
  EXPECT_TRUE(run.out.starts_with("{\"store\":\"" + store() +
                                  "\",\"healthy\":true,\"collection_files\":2"))
      << run;
  EXPECT_TRUE(Contains(run.out, "\"keys\":4,\"problems\":[],\"notes\":[]}\n"))
      << run;
}

TEST_F(VerifyRepairTest, VerifyNamesFileCollectionAndOffsetOfDamage) {
  ASSERT_NO_FATAL_FAILURE(DamageMiddleRecord());
  ASSERT_NO_FATAL_FAILURE(FlipByte(other_file(), format::kNameOffset));
  const StoreContents before = StoreData(store());

  ToolRun run = RunDskv({"verify", store()});
  EXPECT_EQ(run.exit_code, 1) << run;
  const std::string c_name = format::FileName("c");
  const std::string other_name = format::FileName("other");
  EXPECT_TRUE(Contains(
      run.out, "problem: " + c_name + " (collection \"c\"), byte offset " +
                   std::to_string(RecordOffset(1)) + ": " +
                   std::to_string(kRecordSize) +
                   " bytes damaged; valid records resume at byte offset " +
                   std::to_string(RecordOffset(2)) + "\n"))
      << run;
  EXPECT_TRUE(Contains(run.out, "problem: " + other_name +
                                    ", byte offset 0: damaged file header\n"))
      << run;
  EXPECT_TRUE(Contains(run.out, "2 problems, 0 notes\n")) << run;
  EXPECT_EQ(run.err, "dskv verify: 2 problems found in " + store() +
                         "; 'dskv repair " + store() +
                         "' keeps what is valid\n");

  run = RunDskv({"verify", "--json", store()});
  EXPECT_EQ(run.exit_code, 1) << run;
  EXPECT_TRUE(Contains(run.out, "{\"kind\":\"damaged_region\",\"file\":\"" +
                                    c_name +
                                    "\",\"collection\":\"c\",\"offset\":" +
                                    std::to_string(RecordOffset(1)) +
                                    ",\"size\":" + std::to_string(kRecordSize)))
      << run;
  EXPECT_TRUE(Contains(run.out, "{\"kind\":\"damaged_header\",\"file\":\"" +
                                    other_name + "\",\"offset\":0,"))
      << run;

  // verify changed nothing, and a read-only command fails the same way.
  EXPECT_EQ(StoreData(store()), before);
  run = RunDskv({"get", store(), "c/k1"});
  EXPECT_EQ(run.exit_code, 1) << run;
  EXPECT_TRUE(Contains(run.err, "'dskv verify " + store() + "' lists all"))
      << run;
}

TEST_F(VerifyRepairTest, VerifyNotesTornTailsAndLeftoversButIsHealthy) {
  // What a crash during an append leaves: part of a record at the end.
  std::string bytes = ReadBytes(c_file());
  const std::string torn = bytes.substr(RecordOffset(0), 30);
  WriteBytes(c_file(), bytes + torn);
  WriteBytes(c_file() + ".tmp", "half a rewrite");
  const std::string set_aside = format::FileName("gone") + ".corrupt";
  WriteBytes(store() + "/" + set_aside, "set aside");
  WriteBytes(store() + "/notes.tmp", "the user's");
  const StoreContents before = StoreData(store());

  const ToolRun run = RunDskv({"verify", store()});
  EXPECT_EQ(run.exit_code, 0) << run;
  EXPECT_TRUE(Contains(run.out, "note: " + format::FileName("c") +
                                    " (collection \"c\"), byte offset " +
                                    std::to_string(RecordOffset(3)) +
                                    ": torn last record of 30 bytes"))
      << run;
  EXPECT_TRUE(Contains(run.out, "note: " + format::FileName("c") +
                                    ".tmp: a rewrite or journal that a crash"))
      << run;
  EXPECT_TRUE(Contains(run.out, "note: " + set_aside + ": set aside")) << run;
  EXPECT_TRUE(Contains(run.out, "note: notes.tmp: not a file of the store"))
      << run;
  EXPECT_TRUE(Contains(run.out, "healthy (4 notes)")) << run;
  EXPECT_EQ(StoreData(store()), before);
}

TEST_F(VerifyRepairTest, VerifyListsForeignFilesAsNotesOnly) {
  WriteBytes(store() + "/x.dskv", "not a collection file");
  WriteBytes(store() + "/dump.jsonl", "{}");
  const StoreContents before = StoreData(store());

  const ToolRun run = RunDskv({"verify", "--json", store()});

  EXPECT_EQ(run.exit_code, 0) << run;
  EXPECT_TRUE(Contains(run.out, "\"healthy\":true")) << run;
  EXPECT_TRUE(
      Contains(run.out, "\"kind\":\"foreign_file\",\"file\":\"x.dskv\""))
      << run;
  EXPECT_TRUE(
      Contains(run.out, "\"kind\":\"foreign_file\",\"file\":\"dump.jsonl\""))
      << run;
  EXPECT_EQ(StoreData(store()), before);
}

TEST_F(VerifyRepairTest, SymlinkedCollectionFileIsAProblemRepairLeavesAlone) {
  const std::string outside = store() + ".outside";
  std::filesystem::rename(c_file(), outside);
  std::filesystem::create_symlink(outside, c_file());

  const ToolRun verify = RunDskv({"verify", store()});
  EXPECT_EQ(verify.exit_code, 1) << verify;
  EXPECT_TRUE(Contains(verify.out, "problem: " + format::FileName("c") +
                                       ": a symbolic link or not a regular"))
      << verify;

  const ToolRun repair = RunDskv({"repair", store()});
  EXPECT_NE(repair.exit_code, 0) << repair;
  EXPECT_TRUE(std::filesystem::is_symlink(c_file()));
}

TEST_F(VerifyRepairTest, VerifyFindsMisnamedAndNewerFiles) {
  // A collection file copied under another collection's name.
  WriteBytes(CollectionFilePath(store(), "elsewhere"), ReadBytes(other_file()));
  // A header from a future version, under a valid checksum.
  std::string header(format::kMagic);
  header += std::string("\x09\x00\x00\x00", 4);  // version 9
  header += std::string("\x03\x00", 2) + "new";
  const std::uint64_t checksum = format::Checksum(header);
  header.append(reinterpret_cast<const char*>(&checksum), 8);  // Little-endian.
  WriteBytes(CollectionFilePath(store(), "new"), header);

  ToolRun run = RunDskv({"verify", store()});
  EXPECT_EQ(run.exit_code, 1) << run;
  EXPECT_TRUE(Contains(run.out, "problem: " + format::FileName("elsewhere") +
                                    " (collection \"other\"): the file of this "
                                    "collection is named " +
                                    format::FileName("other")))
      << run;
  EXPECT_TRUE(Contains(run.out, "problem: " + format::FileName("new") +
                                    ", byte offset 0: file format version 9"))
      << run;

  // repair cannot fix these, and says so before changing anything.
  const StoreContents before = StoreData(store());
  run = RunDskv({"repair", store()});
  EXPECT_EQ(run.exit_code, 1) << run;
  EXPECT_TRUE(run.err.starts_with(
      "dskv repair: repair cannot fix these; nothing was changed:\n"))
      << run;
  EXPECT_EQ(StoreData(store()), before);
  EXPECT_FALSE(std::filesystem::exists(dir() + "/backup"));
  for (const auto& entry : std::filesystem::directory_iterator(dir())) {
    EXPECT_FALSE(Contains(entry.path().string(), ".backup-")) << entry.path();
  }
}

TEST_F(VerifyRepairTest, VerifyOfAMissingDirectoryExitsTwo) {
  const ToolRun run = RunDskv({"verify", dir() + "/missing"});
  EXPECT_EQ(run.exit_code, 2) << run;
  EXPECT_TRUE(run.err.starts_with("dskv verify: ")) << run;
}

TEST_F(VerifyRepairTest, VerifyNeedsNoLock) {
  absl::StatusOr<std::unique_ptr<dskv::Store>> holder =
      dskv::Store::Open(store());
  ASSERT_TRUE(holder.ok()) << holder.status();
  const ToolRun run = RunDskv({"verify", store()});
  EXPECT_EQ(run.exit_code, 0) << run;
}

// ---------------------------------------------------------------------------
// get, which reads only the key's collection file

TEST_F(VerifyRepairTest, GetReadsOnlyTheKeysCollection) {
  ASSERT_NO_FATAL_FAILURE(DamageMiddleRecord());
  const StoreContents before = StoreData(store());

  // Opening the whole store fails on the damage in "c"; "other" is intact.
  ToolRun run = RunDskv({"get", store(), "other/x"});
  EXPECT_EQ(run.exit_code, 0) << run;
  EXPECT_EQ(run.out, "y");

  run = RunDskv({"get", store(), "c/k1"});
  EXPECT_EQ(run.exit_code, 1) << run;
  EXPECT_TRUE(
      Contains(run.err, "byte offset " + std::to_string(RecordOffset(1))))
      << run;
  EXPECT_TRUE(Contains(run.err, "dskv verify")) << run;

  run = RunDskv({"get", store(), "missing/x"});
  EXPECT_EQ(run.exit_code, 1) << run;
  EXPECT_EQ(run.err, "dskv get: no value at key \"missing/x\"\n") << run;
  EXPECT_EQ(StoreData(store()), before) << "get changed a file";
}

TEST_F(VerifyRepairTest, GetIgnoresATornTailAsOpenDoes) {
  const std::string whole = ReadBytes(c_file());
  WriteBytes(c_file(), whole + "torn");

  ToolRun run = RunDskv({"get", store(), "c/k3"});

  EXPECT_EQ(run.exit_code, 0) << run;
  EXPECT_EQ(run.out, ValueOf("k3"));
  EXPECT_EQ(ReadBytes(c_file()), whole + "torn") << "get cut the tail";
}

// Writes a journal to the store: c/k2 := "journaled", and d/x := "1" in a
// collection with no file.
void WriteJournal(const std::string& store) {
  dskv::RecordBatch c;
  c.Add({format::RecordType::kPut, "k2", "journaled"});
  dskv::RecordBatch d;
  d.Add({format::RecordType::kPut, "x", "1"});
  dskv::JournalWriter journal;
  journal.AddSection("c", /*cleared=*/false, c);
  journal.AddSection("d", /*cleared=*/false, d);
  ASSERT_TRUE(journal.Install(*dskv::PosixFileSystem(), store).ok());
}

TEST_F(VerifyRepairTest, VerifyNotesAJournalAndGetAppliesIt) {
  ASSERT_NO_FATAL_FAILURE(WriteJournal(store()));
  const StoreContents before = StoreData(store());

  ToolRun run = RunDskv({"verify", store()});
  EXPECT_EQ(run.exit_code, 0) << run;
  EXPECT_TRUE(
      Contains(run.out, "note: JOURNAL: 2 changes to 2 collections, which"))
      << run;
  run = RunDskv({"verify", "--json", store()});
  EXPECT_TRUE(Contains(run.out, "\"kind\":\"journal\",\"file\":\"JOURNAL\""))
      << run;
  // get reads one collection as Open would: file, then journal.
  EXPECT_EQ(RunDskv({"get", store(), "c/k2"}).out, "journaled");
  EXPECT_EQ(RunDskv({"get", store(), "c/k1"}).out, ValueOf("k1"));
  EXPECT_EQ(RunDskv({"get", store(), "d/x"}).out, "1");
  EXPECT_EQ(StoreData(store()), before) << "verify or get changed a file";
}

TEST_F(VerifyRepairTest, DamagedJournalIsAProblemRepairSetsAside) {
  ASSERT_NO_FATAL_FAILURE(WriteJournal(store()));
  const std::string journal = store() + "/JOURNAL";
  ASSERT_NO_FATAL_FAILURE(FlipByte(journal, format::kJournalHeaderSize + 3));

  ToolRun run = RunDskv({"verify", store()});
  EXPECT_EQ(run.exit_code, 1) << run;
  EXPECT_TRUE(Contains(run.out, "problem: JOURNAL, byte offset")) << run;
  EXPECT_TRUE(Contains(run.out, "checksum does not match")) << run;
  run = RunDskv({"get", store(), "c/k1"});
  EXPECT_EQ(run.exit_code, 1) << run;
  EXPECT_TRUE(Contains(run.err, "JOURNAL")) << run;

  run = RunDskv({"repair", "--backup=" + dir() + "/backup", store()});
  EXPECT_EQ(run.exit_code, 0) << run;
  EXPECT_TRUE(std::filesystem::exists(journal + ".corrupt"));
  EXPECT_FALSE(std::filesystem::exists(journal));
  EXPECT_EQ(RunDskv({"verify", store()}).exit_code, 0);
  // The files as they were, without the journal's changes.
  EXPECT_EQ(RunDskv({"get", store(), "c/k2"}).out, ValueOf("k2"));
  EXPECT_EQ(RunDskv({"get", store(), "d/x"}).exit_code, 1);
}

// ---------------------------------------------------------------------------
// repair

TEST_F(VerifyRepairTest, RepairBacksUpDropsTheDamageAndKeepsTheRest) {
  ASSERT_NO_FATAL_FAILURE(DamageMiddleRecord());
  ASSERT_NO_FATAL_FAILURE(FlipByte(other_file(), format::kNameOffset));
  const StoreContents original = StoreData(store());
  const std::string backup = dir() + "/backup";

  ToolRun run = RunDskv({"repair", "--backup=" + backup, store()});
  EXPECT_EQ(run.exit_code, 0) << run;
  EXPECT_EQ(run.err, "");
  // The backup holds every file as it was (but LOCK).
  EXPECT_EQ(ReadDirectory(backup), original);
  EXPECT_TRUE(Contains(run.out, "backup: " + backup + " (2 files,")) << run;
  EXPECT_TRUE(Contains(run.out,
                       "dropped: 1 damaged region skipped (" +
                           std::to_string(kRecordSize) +
                           " bytes); 1 file with a damaged header set aside as "
                           "*.corrupt;\n         0 torn tails cut (0 bytes)\n"))
      << run;
  EXPECT_TRUE(Contains(run.out, "after repair:\n")) << run;

  // The store is healthy again, and the intact keys are readable.
  run = RunDskv({"verify", store()});
  EXPECT_EQ(run.exit_code, 0) << run;
  EXPECT_TRUE(std::filesystem::exists(other_file() + ".corrupt"));
  EXPECT_EQ(RunDskv({"get", store(), "c/k1"}).out, ValueOf("k1"));
  EXPECT_EQ(RunDskv({"get", store(), "c/k3"}).out, ValueOf("k3"));
  EXPECT_EQ(RunDskv({"get", store(), "c/k2"}).exit_code, 1);
  EXPECT_EQ(RunDskv({"get", store(), "other/x"}).exit_code, 1);
}

TEST_F(VerifyRepairTest, RepairMakesADefaultBackupBesideTheStore) {
  ASSERT_NO_FATAL_FAILURE(DamageMiddleRecord());
  const StoreContents original = StoreData(store());
  const ToolRun run = RunDskv({"repair", "--json", store()});
  EXPECT_EQ(run.exit_code, 0) << run;
  std::vector<std::string> backups;
  for (const auto& entry : std::filesystem::directory_iterator(dir())) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with("store.backup-")) backups.push_back(name);
  }
  ASSERT_EQ(backups.size(), 1u);
  EXPECT_EQ(backups[0].size(),
            std::string("store.backup-YYYYmmdd-HHMMSS").size());
  EXPECT_EQ(ReadDirectory(dir() + "/" + backups[0]), original);
  EXPECT_TRUE(run.out.starts_with("{\"store\":\"" + store() +
                                  "\",\"repaired\":true,\"before\":{"))
      << run;
  EXPECT_TRUE(Contains(run.out, "\"backup\":\"" + dir() + "/" + backups[0] +
                                    "\",\"backup_files\":2,"))
      << run;
  EXPECT_TRUE(Contains(run.out,
                       "\"dropped\":{\"corrupt_regions_skipped\":1,"
                       "\"corrupt_bytes_skipped\":" +
                           std::to_string(kRecordSize) +
                           ",\"corrupt_files_set_aside\":0,"))
      << run;
  EXPECT_TRUE(Contains(
      run.out, "\"after\":{\"store\":\"" + store() + "\",\"healthy\":true"))
      << run;
}

TEST_F(VerifyRepairTest, RepairOfAHealthyStoreChangesNothing) {
  const StoreContents before = StoreData(store());
  const ToolRun run = RunDskv({"repair", "--backup=" + dir() + "/b", store()});
  EXPECT_EQ(run.exit_code, 0) << run;
  EXPECT_TRUE(Contains(run.out, store() + " is healthy: nothing to repair, "
                                          "nothing changed\n"))
      << run;
  EXPECT_EQ(StoreData(store()), before);
  EXPECT_FALSE(std::filesystem::exists(dir() + "/b"));
}

TEST_F(VerifyRepairTest, RepairRefusesAnExistingBackupDirectory) {
  ASSERT_NO_FATAL_FAILURE(DamageMiddleRecord());
  const StoreContents before = StoreData(store());
  std::filesystem::create_directory(dir() + "/taken");
  const ToolRun run =
      RunDskv({"repair", "--backup=" + dir() + "/taken", store()});
  EXPECT_EQ(run.exit_code, 1) << run;
  EXPECT_TRUE(Contains(run.err, "exists already")) << run;
  EXPECT_EQ(StoreData(store()), before);
}

}  // namespace
}  // namespace dskv_test
