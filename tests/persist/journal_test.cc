// The journal that makes a batch (Store::Write) survive a crash whole or not
// at all: its format (JournalWriter, ParseJournal), the names it takes in a
// store directory, what Open does with a journal it finds (applies it, or
// refuses or sets aside a damaged one), when the janitor writes and removes
// it, the rewrite of version 1 collection files as version 2, and passes that
// fail after, or while, writing their journal.

#include "persist/journal.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "dskv/store.h"
#include "dskv/write_batch.h"
#include "gtest/gtest.h"
#include "persist/coding.h"
#include "persist/directory_layout.h"
#include "persist/file_system.h"
#include "persist/format.h"
#include "persist/record_batch.h"
#include "tests/persist/persist_test_util.h"
#include "tests/status_matchers.h"
#include "tests/temp_dir.h"

namespace dskv {
namespace {

using ::dskv_test::CollectionPath;
using ::dskv_test::FileHolds;
using ::dskv_test::FilesOf;
using ::dskv_test::HasCode;
using ::dskv_test::HasCodeAndMessage;
using ::dskv_test::HasPairs;
using ::dskv_test::HasValue;
using ::dskv_test::Holds;
using ::dskv_test::IsOk;
using ::dskv_test::Model;
using ::dskv_test::ParseFileOf;
using ::dskv_test::ReadBytes;
using ::dskv_test::StoreTest;
using ::dskv_test::TempDirTest;
using ::dskv_test::WriteBytes;
using ::std::string_literals::operator""s;

// Long enough that the janitor only runs when a caller waits for it.
constexpr std::chrono::milliseconds kNeverOnItsOwn = std::chrono::hours(1);

// The names the format gives the journal's files (persist/FORMAT.md),
// spelled out rather than taken from persist/format.h, so that a change of
// name fails here.
std::string JournalFile(const std::string& dir) { return dir + "/JOURNAL"; }
std::string JournalTempFile(const std::string& dir) {
  return dir + "/JOURNAL.tmp";
}

bool Exists(const std::string& path) {
  return std::filesystem::exists(std::filesystem::symlink_status(path));
}

// --- Journals as values ---

// A record of a section, owning its bytes.
struct JournalRecord {
  format::RecordType type = format::RecordType::kPut;
  std::string member;
  std::string value;

  bool operator==(const JournalRecord&) const = default;
};

JournalRecord PutRecord(std::string_view member, std::string_view value) {
  return {format::RecordType::kPut, std::string(member), std::string(value)};
}
JournalRecord DeleteRecord(std::string_view member) {
  return {format::RecordType::kDelete, std::string(member), ""};
}
JournalRecord ExpiringPutRecord(std::string_view member, std::string_view value,
                                std::int64_t deadline_ms) {
  std::string field(format::kDeadlineSize + value.size(), '\0');
  format::EncodeExpiringValue(deadline_ms, value, field.data());
  return {format::RecordType::kPutExpiring, std::string(member), field};
}

// A section of a journal, owning its bytes: what a test writes with
// InstallJournal and compares with what ReadJournal parses.
struct Section {
  std::string collection;
  bool cleared = false;
  std::vector<JournalRecord> records;

  bool operator==(const Section&) const = default;
};

void PrintTo(const Section& section, std::ostream* out) {
  *out << "{" << dskv_test::Describe(section.collection)
       << (section.cleared ? " cleared" : "") << ":";
  for (const JournalRecord& record : section.records) {
    if (record.type == format::RecordType::kPut) {
      *out << " put " << dskv_test::Describe(record.member) << "="
           << dskv_test::Describe(record.value);
    } else {
      *out << " delete " << dskv_test::Describe(record.member);
    }
  }
  *out << "}";
}

format::RecordFields FieldsOf(const JournalRecord& record) {
  return {record.type, record.member, record.value};
}

// Fills `batches` (one per section, which must outlive `writer`) and adds
// the sections to `writer`.
void AddSections(const std::vector<Section>& sections,
                 std::deque<RecordBatch>& batches, JournalWriter& writer) {
  for (const Section& section : sections) {
    RecordBatch& batch = batches.emplace_back();
    for (const JournalRecord& record : section.records)
      batch.Add(FieldsOf(record));
    writer.AddSection(section.collection, section.cleared, batch);
  }
}

// Writes a journal of `sections` into `dir`, as the janitor does.
absl::Status InstallJournal(const std::string& dir,
                            const std::vector<Section>& sections) {
  std::deque<RecordBatch> batches;
  JournalWriter writer;
  AddSections(sections, batches, writer);
  return writer.Install(*PosixFileSystem(), dir);
}

// The sections ParseJournal finds in `contents`, copied.
absl::StatusOr<std::vector<Section>> ParseSections(std::string_view contents) {
  absl::StatusOr<std::vector<JournalSection>> parsed = ParseJournal(contents);
  if (!parsed.ok()) return parsed.status();
  std::vector<Section> sections;
  for (const JournalSection& s : *parsed) {
    Section& section = sections.emplace_back();
    section.collection = std::string(s.collection);
    section.cleared = s.cleared;
    for (const format::RecordFields& r : s.records) {
      section.records.push_back(
          {r.type, std::string(r.member), std::string(r.value)});
    }
  }
  return sections;
}

// The sections of the journal in `dir`.
absl::StatusOr<std::vector<Section>> ReadJournal(const std::string& dir) {
  absl::StatusOr<std::string> bytes = ReadBytes(JournalFile(dir));
  if (!bytes.ok()) return bytes.status();
  return ParseSections(*bytes);
}

// `sections` sorted by collection: the janitor's order of collections is
// not specified.
std::vector<Section> SortedByCollection(std::vector<Section> sections) {
  std::stable_sort(sections.begin(), sections.end(),
                   [](const Section& a, const Section& b) {
                     return a.collection < b.collection;
                   });
  return sections;
}

// Whether `sections` holds exactly one section of want.collection, and it is
// `want`.
::testing::AssertionResult HasSection(const std::vector<Section>& sections,
                                      const Section& want) {
  std::vector<const Section*> found;
  for (const Section& s : sections) {
    if (s.collection == want.collection) found.push_back(&s);
  }
  if (found.size() != 1) {
    return ::testing::AssertionFailure()
           << found.size() << " sections of "
           << dskv_test::Describe(want.collection) << " in "
           << ::testing::PrintToString(sections) << ", want 1";
  }
  if (!(*found[0] == want)) {
    return ::testing::AssertionFailure()
           << "section " << ::testing::PrintToString(*found[0]) << ", want "
           << ::testing::PrintToString(want);
  }
  return ::testing::AssertionSuccess();
}

// A section encoded by hand, as persist/format.h describes it.
std::string SectionBytes(std::string_view collection, std::uint8_t flags,
                         std::string_view records) {
  std::string bytes;
  AppendFixed(static_cast<std::uint16_t>(collection.size()), &bytes);
  bytes.append(collection);
  AppendFixed(flags, &bytes);
  AppendFixed(static_cast<std::uint64_t>(records.size()), &bytes);
  bytes.append(records);
  return bytes;
}

std::string PutBytes(std::string_view member, std::string_view value) {
  std::string bytes;
  format::AppendRecord(format::RecordType::kPut, member, value, &bytes);
  return bytes;
}

std::string DeleteBytes(std::string_view member) {
  std::string bytes;
  format::AppendRecord(format::RecordType::kDelete, member, "", &bytes);
  return bytes;
}

// `journal` with the checksum at its end made to match its other bytes.
std::string Resealed(std::string journal) {
  const std::size_t body = journal.size() - 8;
  EncodeFixed(format::Checksum(std::string_view(journal).substr(0, body)),
              journal.data() + body);
  return journal;
}

// The names of the files of `dir`, sorted.
std::vector<std::string> FileNames(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& [name, bytes] : FilesOf(dir)) names.push_back(name);
  return names;
}

// Copies the directory `from` to `to`, which must not exist, while a
// janitor may be renaming and removing files in it: retried until no file
// vanishes midway.
::testing::AssertionResult CopyDirectory(const std::string& from,
                                         const std::string& to) {
  std::error_code error;
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::filesystem::remove_all(to, error);
    std::filesystem::copy(from, to, error);
    if (!error) return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure()
         << "copying " << from << " to " << to << ": " << error.message();
}

// --- The format ---

class JournalFormatTest : public TempDirTest {};

TEST_F(JournalFormatTest, InstalledJournalParsesBackToItsSectionsInOrder) {
  // A body larger than RecordBatch::kCopyLimit: its value is referenced,
  // written from where it is, not copied into the batch.
  const std::string big(RecordBatch::kCopyLimit + 100, 'v');
  const std::vector<Section> carried = {
      {"carried", false, {PutRecord("old", "batch"), DeleteRecord("gone")}},
      {"carried_cleared", true, {}},
  };
  const std::vector<Section> first = {
      {"a",
       false,
       {PutRecord("x", "1"), DeleteRecord("y"), PutRecord("big", big),
        PutRecord("empty", ""), PutRecord("bin\0ary"s, "\xff\0"s)}},
      {"c", true, {}},  // Cleared, nothing put since.
  };
  const std::vector<Section> last = {
      {"b", true, {PutRecord("after", "clear")}},
  };

  // Another writer's sections, as a failed pass's are carried into the next
  // journal.
  std::deque<RecordBatch> batches;
  auto earlier = std::make_unique<JournalWriter>();
  AddSections(carried, batches, *earlier);
  const std::string encoded = earlier->EncodedSections();
  earlier.reset();  // AddEncodedSections copies.

  JournalWriter writer;
  AddSections(first, batches, writer);
  writer.AddEncodedSections(encoded);
  AddSections(last, batches, writer);
  const RecordBatch& a = batches[carried.size()];
  const std::string& big_value = first[0].records[2].value;  // Added from.
  ASSERT_EQ(big_value, big);
  ASSERT_TRUE(std::any_of(
      a.pieces().begin(), a.pieces().end(),
      [&](std::string_view piece) { return piece.data() == big_value.data(); }))
      << "the test means the big value to be referenced, not copied";

  ASSERT_TRUE(IsOk(writer.Install(*PosixFileSystem(), dir())));

  EXPECT_FALSE(Exists(JournalTempFile(dir())));
  EXPECT_EQ(FileNames(dir()), std::vector<std::string>{"JOURNAL"});
  absl::StatusOr<std::string> bytes = ReadBytes(JournalFile(dir()));
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  EXPECT_EQ(bytes->size(), writer.size());
  ASSERT_GE(bytes->size(), format::kJournalHeaderSize + 8);
  EXPECT_EQ(bytes->substr(0, 8), "DSKVJNL\n");
  EXPECT_EQ(DecodeFixed<std::uint32_t>(bytes->data() + 8), 1u);
  EXPECT_EQ(bytes->substr(format::kJournalHeaderSize,
                          bytes->size() - format::kJournalHeaderSize - 8),
            writer.EncodedSections())
      << "the sections lie between the header and the checksum";

  std::vector<Section> want = first;
  want.insert(want.end(), carried.begin(), carried.end());
  want.insert(want.end(), last.begin(), last.end());
  absl::StatusOr<std::vector<Section>> parsed = ParseSections(*bytes);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(*parsed, want);
}

TEST_F(JournalFormatTest, SectionsAreEncodedAsTheFormatSays) {
  std::deque<RecordBatch> batches;
  JournalWriter writer;
  AddSections({{"coll", false, {PutRecord("x", "1"), DeleteRecord("y")}},
               {"gone", true, {}}},
              batches, writer);

  EXPECT_EQ(writer.EncodedSections(),
            SectionBytes("coll", 0, PutBytes("x", "1") + DeleteBytes("y")) +
                SectionBytes("gone", format::kSectionCleared, ""));
}

TEST_F(JournalFormatTest, JournalWithoutSectionsParses) {
  JournalWriter writer;
  EXPECT_EQ(writer.EncodedSections(), "");
  ASSERT_TRUE(IsOk(writer.Install(*PosixFileSystem(), dir())));

  absl::StatusOr<std::vector<Section>> parsed = ReadJournal(dir());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_TRUE(parsed->empty());
}

TEST_F(JournalFormatTest, InstallReplacesAnEarlierJournalAndItsTempFile) {
  ASSERT_TRUE(
      IsOk(InstallJournal(dir(), {{"old", false, {PutRecord("a", "1")}}})));
  ASSERT_TRUE(WriteBytes(JournalTempFile(dir()), "left by a crash"));
  const std::vector<Section> now = {{"new", true, {PutRecord("b", "2")}}};

  ASSERT_TRUE(IsOk(InstallJournal(dir(), now)));

  EXPECT_FALSE(Exists(JournalTempFile(dir())));
  absl::StatusOr<std::vector<Section>> parsed = ReadJournal(dir());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(*parsed, now);
}

// A small journal, and its bytes.
std::vector<Section> SmallJournal() {
  return {{"a", false, {PutRecord("x", "1"), DeleteRecord("y")}},
          {"b", true, {}}};
}

absl::StatusOr<std::string> SmallJournalBytes(const std::string& dir) {
  if (absl::Status s = InstallJournal(dir, SmallJournal()); !s.ok()) return s;
  return ReadBytes(JournalFile(dir));
}

TEST_F(JournalFormatTest, EveryFlippedByteIsDataLoss) {
  absl::StatusOr<std::string> bytes = SmallJournalBytes(dir());
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  ASSERT_TRUE(IsOk(ParseJournal(*bytes)));

  for (std::size_t offset = 0; offset < bytes->size(); ++offset) {
    for (const unsigned char mask : {0x01, 0x80, 0xff}) {
      std::string damaged = *bytes;
      damaged[offset] = static_cast<char>(damaged[offset] ^ mask);
      EXPECT_TRUE(HasCode(ParseJournal(damaged), absl::StatusCode::kDataLoss))
          << "byte " << offset << " of " << bytes->size() << " xor "
          << static_cast<int>(mask);
    }
  }
}

TEST_F(JournalFormatTest, EveryTruncationIsDataLoss) {
  absl::StatusOr<std::string> bytes = SmallJournalBytes(dir());
  ASSERT_TRUE(bytes.ok()) << bytes.status();

  for (std::size_t size = 0; size < bytes->size(); ++size) {
    EXPECT_TRUE(HasCode(ParseJournal(bytes->substr(0, size)),
                        absl::StatusCode::kDataLoss))
        << "the first " << size << " of " << bytes->size() << " bytes";
  }
  EXPECT_TRUE(
      HasCode(ParseJournal(*bytes + "\0"s), absl::StatusCode::kDataLoss))
      << "a byte more";
}

TEST_F(JournalFormatTest, UnknownVersionIsFailedPrecondition) {
  absl::StatusOr<std::string> bytes = SmallJournalBytes(dir());
  ASSERT_TRUE(bytes.ok()) << bytes.status();

  for (const std::uint32_t version : {0u, 2u, 99u, 0xffffffffu}) {
    std::string changed = *bytes;
    EncodeFixed(version, changed.data() + format::kJournalMagic.size());
    EXPECT_TRUE(HasCodeAndMessage(ParseJournal(Resealed(changed)).status(),
                                  absl::StatusCode::kFailedPrecondition,
                                  {"version " + std::to_string(version)}));
  }
}

// Damage within a section that the checksum vouches for: only a bug can
// write it, but the reader must still refuse it, naming where it is.
TEST_F(JournalFormatTest, MalformedSectionUnderAValidChecksumIsDataLoss) {
  const std::string good = SectionBytes("ok", 0, PutBytes("x", "1"));
  const std::size_t at = format::kJournalHeaderSize + good.size();
  std::string bad_record = PutBytes("y", "2");
  bad_record.back() ^= 1;  // Its body checksum fails.
  struct Case {
    std::string name;
    std::string section;
  };
  const std::vector<Case> cases = {
      {"empty name", SectionBytes("", 0, "")},
      {"name with a slash", SectionBytes("a/b", 0, "")},
      {"unknown flags", SectionBytes("c", 2, "")},
      {"records beyond the end", SectionBytes("c", 0, "").substr(0, 4)},
      {"records_size beyond the end",
       SectionBytes("c", 0, PutBytes("x", "1")).substr(0, 15)},
      {"damaged record", SectionBytes("c", 0, bad_record)},
      {"half a record", SectionBytes("c", 0, PutBytes("x", "1").substr(0, 10))},
      {"header cut short", std::string("\x01", 1)},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    JournalWriter writer;
    writer.AddEncodedSections(good + c.section);
    ASSERT_TRUE(IsOk(writer.Install(*PosixFileSystem(), dir())));
    absl::StatusOr<std::string> bytes = ReadBytes(JournalFile(dir()));
    ASSERT_TRUE(bytes.ok()) << bytes.status();

    EXPECT_TRUE(HasCodeAndMessage(ParseJournal(*bytes).status(),
                                  absl::StatusCode::kDataLoss,
                                  {"byte offset " + std::to_string(at)}));
  }
}

// --- Names ---

TEST(JournalNamesTest, ClassifyStoreFileKnowsTheJournalsNames) {
  EXPECT_EQ(ClassifyStoreFile("JOURNAL"), StoreFileKind::kJournal);
  EXPECT_EQ(ClassifyStoreFile("JOURNAL.tmp"), StoreFileKind::kTemporary);
  EXPECT_EQ(ClassifyStoreFile("JOURNAL.corrupt"), StoreFileKind::kSetAside);
  EXPECT_EQ(ClassifyStoreFile("JOURNAL.corrupt.3"), StoreFileKind::kSetAside);
  EXPECT_EQ(ClassifyStoreFile("JOURNAL.corrupt.12"), StoreFileKind::kSetAside);

  for (const char* foreign :
       {"JOURNALX", "JOURNAL.old", "journal", "Journal", "JOURNAL.tmp.1",
        "JOURNAL.TMP", "JOURNAL.corrupt.", "JOURNAL.corrupt.0",
        "JOURNAL.corrupt.01", "JOURNAL.corrupt.x", "JOURNAL.corruptx",
        "JOURNAL.dskv", "xJOURNAL", "JOURNA"}) {
    EXPECT_EQ(ClassifyStoreFile(foreign), StoreFileKind::kForeign) << foreign;
  }
}

TEST(JournalNamesTest, SetAsideNamesOfTheJournal) {
  EXPECT_EQ(SetAsideName("JOURNAL", [](std::string_view) { return false; }),
            "JOURNAL.corrupt");
  EXPECT_EQ(SetAsideName("JOURNAL",
                         [](std::string_view name) {
                           return name == "JOURNAL.corrupt" ||
                                  name == "JOURNAL.corrupt.1";
                         }),
            "JOURNAL.corrupt.2");
}

// --- Open ---

// A store closed with files for collections a, b and c, and the journal of
// Journal() beside them, written by hand.
class JournalOpenTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_TRUE(Open(Options()));
    ASSERT_TRUE(IsOk(Put("a/x", "old")));
    ASSERT_TRUE(IsOk(Put("a/y", "doomed")));
    ASSERT_TRUE(IsOk(Put("a/w", "kept")));
    ASSERT_TRUE(IsOk(Put("b/p", "cleared")));
    ASSERT_TRUE(IsOk(Put("b/q", "cleared too")));
    ASSERT_TRUE(IsOk(Put("c/k", "untouched")));
    ASSERT_TRUE(IsOk(store_->Close()));
    store_.reset();
    files_only_ = model_;
    for (const std::string collection : {"a", "b", "c"}) {
      ASSERT_TRUE(Exists(CollectionPath(path(), collection)));
    }
    ASSERT_FALSE(Exists(JournalFile(path())));
  }

  static std::vector<Section> Journal() {
    return {
        {"a", false, {PutRecord("x", "new"), DeleteRecord("y")}},
        {"b", true, {PutRecord("z", "only")}},
        {"d", false, {PutRecord("m", "new collection")}},
    };
  }

  // Writes Journal() into the store's directory, and makes model_ what the
  // files and the journal hold together.
  void WriteTheJournal() {
    ASSERT_TRUE(IsOk(InstallJournal(path(), Journal())));
    model_.Put("a/x", "new");
    model_.Delete("a/y");
    model_.DeleteAll("b");
    model_.Put("b/z", "only");
    model_.Put("d/m", "new collection");
  }

  // Replaces the journal with a damaged one, and returns its bytes.
  std::string DamageTheJournal() {
    absl::StatusOr<std::string> bytes = ReadBytes(JournalFile(path()));
    EXPECT_TRUE(bytes.ok()) << bytes.status();
    if (!bytes.ok()) return "";
    std::string damaged = *bytes;
    damaged[damaged.size() / 2] ^= 0x10;
    EXPECT_TRUE(WriteBytes(JournalFile(path()), damaged));
    return damaged;
  }

  static Options ReadOnly() {
    Options options;
    options.read_only = true;
    return options;
  }
  static Options Salvage() {
    Options options;
    options.salvage = true;
    return options;
  }

  // What the collection files hold, without the journal.
  Model files_only_;
};

TEST_F(JournalOpenTest, OpenAppliesTheJournalOverTheFiles) {
  WriteTheJournal();

  ASSERT_TRUE(Open(Options()));

  EXPECT_TRUE(HasValue(store_->Get("a/x"), "new"));
  EXPECT_TRUE(HasCode(store_->Get("a/y"), absl::StatusCode::kNotFound));
  EXPECT_TRUE(HasValue(store_->Get("a/w"), "kept"));
  EXPECT_TRUE(HasPairs(store_->GetAll("b"), {{"z", "only"}}));
  EXPECT_TRUE(HasValue(store_->Get("c/k"), "untouched"));
  EXPECT_TRUE(HasValue(store_->Get("d/m"), "new collection"));
  EXPECT_TRUE(Holds(*store_, model_));
}

TEST_F(JournalOpenTest, ExpiringPutsInTheJournalKeepTheirDeadlines) {
  const std::int64_t now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count();
  // A put whose deadline passed removes the member, as it would have.
  ASSERT_TRUE(IsOk(InstallJournal(
      path(), {{"a",
                false,
                {ExpiringPutRecord("x", "expired", now_ms - 1000),
                 ExpiringPutRecord("w", "fresh", now_ms + 3'600'000)}}})));
  for (int open = 0; open < 2; ++open) {
    SCOPED_TRACE(open == 0 ? "from the journal" : "from the files");
    ASSERT_TRUE(Open(Options()));
    EXPECT_TRUE(HasCode(store_->Get("a/x"), absl::StatusCode::kNotFound));
    EXPECT_TRUE(HasValue(store_->Get("a/w"), "fresh"));
    absl::StatusOr<std::optional<std::chrono::milliseconds>> left =
        store_->Ttl("a/w");
    ASSERT_TRUE(IsOk(left));
    ASSERT_TRUE(left->has_value());
    EXPECT_GT(**left, std::chrono::minutes(59));
    EXPECT_LE(**left, std::chrono::minutes(60));
    ASSERT_TRUE(IsOk(store_->Close()));
    store_.reset();
    EXPECT_FALSE(Exists(JournalFile(path())));
  }
}

TEST_F(JournalOpenTest, CloseWritesTheJournalIntoTheFilesAndRemovesIt) {
  WriteTheJournal();
  ASSERT_TRUE(Open(Options()));

  ASSERT_TRUE(IsOk(store_->Close()));

  EXPECT_FALSE(Exists(JournalFile(path())));
  EXPECT_FALSE(Exists(JournalTempFile(path())));
  for (const std::string collection : {"a", "b", "c", "d"}) {
    EXPECT_TRUE(FileHolds(path(), collection, model_));
  }
  ASSERT_TRUE(Reopen());
  EXPECT_TRUE(Holds(*store_, model_));
}

TEST_F(JournalOpenTest, FirstPassReplacesTheJournalAndTheNextRemovesIt) {
  WriteTheJournal();
  Options options;
  options.flush_interval = kNeverOnItsOwn;
  ASSERT_TRUE(Open(options));

  // The journal was applied as a batch: the pass that writes it into the
  // files journals it again first.
  ASSERT_TRUE(IsOk(store_->Flush()));
  absl::StatusOr<std::vector<Section>> parsed = ReadJournal(path());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_TRUE(HasSection(*parsed, {"b", true, {PutRecord("z", "only")}}));
  EXPECT_TRUE(
      HasSection(*parsed, {"d", false, {PutRecord("m", "new collection")}}));
  for (const std::string collection : {"a", "b", "c", "d"}) {
    EXPECT_TRUE(FileHolds(path(), collection, model_));
  }

  ASSERT_TRUE(IsOk(store_->Flush()));
  EXPECT_FALSE(Exists(JournalFile(path())));
  ASSERT_TRUE(Reopen());
  EXPECT_TRUE(Holds(*store_, model_));
}

TEST_F(JournalOpenTest, ClearedSectionWithoutRecordsEmptiesTheCollection) {
  ASSERT_TRUE(IsOk(InstallJournal(path(), {{"c", true, {}}})));
  model_.DeleteAll("c");

  ASSERT_TRUE(Open(Options()));
  EXPECT_TRUE(HasPairs(store_->GetAll("c"), {}));
  EXPECT_TRUE(Holds(*store_, model_));

  ASSERT_TRUE(Reopen());
  EXPECT_FALSE(Exists(JournalFile(path())));
  EXPECT_TRUE(Holds(*store_, model_));
}

TEST_F(JournalOpenTest, JournalThatIsASymbolicLinkFailsOpen) {
  ASSERT_TRUE(IsOk(InstallJournal(path(), Journal())));
  const std::string target = dir() + "/elsewhere";
  std::filesystem::rename(JournalFile(path()), target);
  std::filesystem::create_symlink(target, JournalFile(path()));
  const std::map<std::string, std::string> before = FilesOf(path());

  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(path());

  EXPECT_TRUE(HasCodeAndMessage(store.status(),
                                absl::StatusCode::kFailedPrecondition,
                                {JournalFile(path())}));
  EXPECT_EQ(FilesOf(path()), before);
}

TEST_F(JournalOpenTest, ReadOnlyOpenAppliesTheJournalInMemoryOnly) {
  WriteTheJournal();
  const std::map<std::string, std::string> before = FilesOf(path());

  ASSERT_TRUE(Open(ReadOnly()));
  EXPECT_TRUE(Holds(*store_, model_));
  ASSERT_TRUE(IsOk(store_->Close()));
  store_.reset();

  EXPECT_EQ(FilesOf(path()), before)
      << "a read-only store changed its directory";
  ASSERT_TRUE(Open(Options()));
  EXPECT_TRUE(Holds(*store_, model_));
}

TEST_F(JournalOpenTest, LeftoverTempJournalIsRemovedNotApplied) {
  ASSERT_TRUE(WriteBytes(JournalTempFile(path()), "garbage \0\xff"s));

  ASSERT_TRUE(Open(Options()));

  EXPECT_FALSE(Exists(JournalTempFile(path())));
  EXPECT_FALSE(Exists(JournalFile(path())));
  EXPECT_TRUE(Holds(*store_, model_));
}

TEST_F(JournalOpenTest, LeftoverTempJournalThatParsesIsNotAppliedEither) {
  // A crash between the temporary file's write and its rename: the pass
  // had not touched a collection file yet.
  ASSERT_TRUE(IsOk(InstallJournal(path(), Journal())));
  std::filesystem::rename(JournalFile(path()), JournalTempFile(path()));

  ASSERT_TRUE(Open(Options()));

  EXPECT_FALSE(Exists(JournalTempFile(path())));
  EXPECT_FALSE(Exists(JournalFile(path())));
  EXPECT_TRUE(Holds(*store_, files_only_));
}

TEST_F(JournalOpenTest, ReadOnlyOpenLeavesTheTempJournalAlone) {
  ASSERT_TRUE(WriteBytes(JournalTempFile(path()), "garbage"));
  const std::map<std::string, std::string> before = FilesOf(path());

  ASSERT_TRUE(Open(ReadOnly()));
  EXPECT_TRUE(Holds(*store_, files_only_));
  ASSERT_TRUE(IsOk(store_->Close()));

  EXPECT_EQ(FilesOf(path()), before);
}

TEST_F(JournalOpenTest, DamagedJournalFailsOpenWithDataLossAndChangesNothing) {
  WriteTheJournal();
  DamageTheJournal();
  const std::map<std::string, std::string> before = FilesOf(path());

  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(path());

  EXPECT_TRUE(HasCodeAndMessage(store.status(), absl::StatusCode::kDataLoss,
                                {JournalFile(path()), "byte offset"}));
  EXPECT_EQ(FilesOf(path()), before);
}

TEST_F(JournalOpenTest, DamagedJournalFailsReadOnlyOpenToo) {
  WriteTheJournal();
  DamageTheJournal();
  const std::map<std::string, std::string> before = FilesOf(path());

  absl::StatusOr<std::unique_ptr<Store>> store =
      Store::Open(path(), ReadOnly());

  EXPECT_TRUE(HasCodeAndMessage(store.status(), absl::StatusCode::kDataLoss,
                                {JournalFile(path())}));
  EXPECT_EQ(FilesOf(path()), before);
}

TEST_F(JournalOpenTest, SalvageSetsADamagedJournalAside) {
  WriteTheJournal();
  const std::string damaged = DamageTheJournal();

  ASSERT_TRUE(Open(Salvage()));

  EXPECT_TRUE(Holds(*store_, files_only_));
  EXPECT_EQ(GetStats().corrupt_files_set_aside, 1u);
  EXPECT_FALSE(Exists(JournalFile(path())));
  absl::StatusOr<std::string> aside = ReadBytes(path() + "/JOURNAL.corrupt");
  ASSERT_TRUE(aside.ok()) << aside.status();
  EXPECT_EQ(*aside, damaged);
  for (const std::string collection : {"a", "b", "c"}) {
    EXPECT_TRUE(FileHolds(path(), collection, files_only_));
  }

  // A second damaged journal does not replace the first one set aside.
  ASSERT_TRUE(IsOk(store_->Close()));
  store_.reset();
  ASSERT_TRUE(IsOk(InstallJournal(path(), Journal())));
  const std::string damaged_again = DamageTheJournal();
  ASSERT_TRUE(Open(Salvage()));
  EXPECT_TRUE(Holds(*store_, files_only_));
  absl::StatusOr<std::string> first = ReadBytes(path() + "/JOURNAL.corrupt");
  absl::StatusOr<std::string> second = ReadBytes(path() + "/JOURNAL.corrupt.1");
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(*first, damaged);
  EXPECT_EQ(*second, damaged_again);

  ASSERT_TRUE(Reopen(Options()));
  EXPECT_TRUE(Holds(*store_, files_only_));
}

TEST_F(JournalOpenTest, ReadOnlySalvageIgnoresADamagedJournalInPlace) {
  WriteTheJournal();
  DamageTheJournal();
  Options options = ReadOnly();
  options.salvage = true;
  const std::map<std::string, std::string> before = FilesOf(path());

  ASSERT_TRUE(Open(options));
  EXPECT_TRUE(Holds(*store_, files_only_));
  ASSERT_TRUE(IsOk(store_->Close()));

  EXPECT_EQ(FilesOf(path()), before);
}

TEST_F(JournalOpenTest, JournalOfAnUnknownVersionFailsOpenEvenWithSalvage) {
  WriteTheJournal();
  absl::StatusOr<std::string> bytes = ReadBytes(JournalFile(path()));
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  std::string future = *bytes;
  EncodeFixed(std::uint32_t{99}, future.data() + format::kJournalMagic.size());
  ASSERT_TRUE(WriteBytes(JournalFile(path()), Resealed(future)));
  const std::map<std::string, std::string> before = FilesOf(path());

  for (const bool salvage : {false, true}) {
    Options options;
    options.salvage = salvage;
    absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(path(), options);
    EXPECT_TRUE(HasCodeAndMessage(store.status(),
                                  absl::StatusCode::kFailedPrecondition,
                                  {JournalFile(path()), "version 99"}))
        << "salvage " << salvage;
    EXPECT_EQ(FilesOf(path()), before) << "salvage " << salvage;
  }
}

// --- The janitor's journal ---

class JournalLifecycleTest : public StoreTest {
 protected:
  static Options Manual(Durability durability = Durability::kAsync) {
    Options options;
    options.durability = durability;
    options.flush_interval = kNeverOnItsOwn;
    return options;
  }

  // Applies `batch` to the store and, if it succeeds, to model_ with
  // `apply`.
  absl::Status Write(const WriteBatch& batch,
                     const std::function<void(Model&)>& apply) {
    absl::Status s = store_->Write(batch);
    if (s.ok()) apply(model_);
    return s;
  }
};

TEST_F(JournalLifecycleTest, PassWithABatchLeavesAJournalUntilAPassWithout) {
  ASSERT_TRUE(Open(Manual()));
  ASSERT_TRUE(IsOk(Put("a/before", "1")));
  ASSERT_TRUE(IsOk(store_->Flush()));
  EXPECT_FALSE(Exists(JournalFile(path())))
      << "a pass without a batch wrote a journal";

  WriteBatch batch;
  batch.Put("a/1", "one");
  batch.Put("b/2", "two");
  ASSERT_TRUE(IsOk(Write(batch, [](Model& m) {
    m.Put("a/1", "one");
    m.Put("b/2", "two");
  })));
  EXPECT_FALSE(Exists(JournalFile(path()))) << "written before any pass ran";

  ASSERT_TRUE(IsOk(store_->Flush()));
  absl::StatusOr<std::vector<Section>> parsed = ReadJournal(path());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(SortedByCollection(*parsed),
            (std::vector<Section>{{"a", false, {PutRecord("1", "one")}},
                                  {"b", false, {PutRecord("2", "two")}}}));
  EXPECT_FALSE(Exists(JournalTempFile(path())));
  EXPECT_TRUE(FileHolds(path(), "a", model_));
  EXPECT_TRUE(FileHolds(path(), "b", model_));

  ASSERT_TRUE(IsOk(Put("c/k", "v")));
  ASSERT_TRUE(IsOk(store_->Flush()));
  EXPECT_FALSE(Exists(JournalFile(path())));

  WriteBatch again;
  again.DeleteAll("a");
  again.Put("a/3", "three");
  again.Put("b/2", "two again");
  ASSERT_TRUE(IsOk(Write(again, [](Model& m) {
    m.DeleteAll("a");
    m.Put("a/3", "three");
    m.Put("b/2", "two again");
  })));
  ASSERT_TRUE(IsOk(store_->Flush()));
  parsed = ReadJournal(path());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(
      SortedByCollection(*parsed),
      (std::vector<Section>{{"a", true, {PutRecord("3", "three")}},
                            {"b", false, {PutRecord("2", "two again")}}}));

  ASSERT_TRUE(IsOk(store_->Close()));
  EXPECT_FALSE(Exists(JournalFile(path())));
  EXPECT_FALSE(Exists(JournalTempFile(path())));
  for (const std::string collection : {"a", "b", "c"}) {
    EXPECT_TRUE(FileHolds(path(), collection, model_));
  }
  ASSERT_TRUE(Reopen());
  EXPECT_TRUE(Holds(*store_, model_));
}

TEST_F(JournalLifecycleTest, JournalHoldsEveryChangeThePassDrained) {
  ASSERT_TRUE(Open(Manual()));
  ASSERT_TRUE(IsOk(Put("a/old", "1")));
  ASSERT_TRUE(IsOk(store_->Flush()));

  // Plain writes drained by the same pass as a batch are journaled too.
  ASSERT_TRUE(IsOk(Put("c/plain", "p")));
  ASSERT_TRUE(IsOk(Delete("a/old")));
  WriteBatch batch;
  batch.Put("a/x", "1");
  batch.Put("b/y", "2");
  ASSERT_TRUE(IsOk(Write(batch, [](Model& m) {
    m.Put("a/x", "1");
    m.Put("b/y", "2");
  })));
  ASSERT_TRUE(IsOk(store_->Flush()));

  absl::StatusOr<std::vector<Section>> parsed = ReadJournal(path());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ(parsed->size(), 3u) << ::testing::PrintToString(*parsed);
  EXPECT_TRUE(HasSection(*parsed, {"c", false, {PutRecord("plain", "p")}}));
  EXPECT_TRUE(HasSection(*parsed, {"b", false, {PutRecord("y", "2")}}));
  const Section& a =
      *std::find_if(parsed->begin(), parsed->end(),
                    [](const Section& s) { return s.collection == "a"; });
  EXPECT_FALSE(a.cleared);
  EXPECT_EQ(a.records.size(), 2u) << ::testing::PrintToString(a);
  EXPECT_NE(std::find(a.records.begin(), a.records.end(), DeleteRecord("old")),
            a.records.end())
      << ::testing::PrintToString(a);
  EXPECT_NE(std::find(a.records.begin(), a.records.end(), PutRecord("x", "1")),
            a.records.end())
      << ::testing::PrintToString(a);
}

TEST_F(JournalLifecycleTest, SyncWriteOfABatchIsJournaled) {
  ASSERT_TRUE(Open(Manual(Durability::kSync)));
  WriteBatch batch;
  batch.Put("a/1", "one");
  batch.Put("b/2", "two");

  ASSERT_TRUE(IsOk(Write(batch, [](Model& m) {
    m.Put("a/1", "one");
    m.Put("b/2", "two");
  })));

  // Durable on return: in the files, and in the journal until a later pass.
  absl::StatusOr<std::vector<Section>> parsed = ReadJournal(path());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_TRUE(HasSection(*parsed, {"a", false, {PutRecord("1", "one")}}));
  EXPECT_TRUE(HasSection(*parsed, {"b", false, {PutRecord("2", "two")}}));
  EXPECT_TRUE(FileHolds(path(), "a", model_));
  EXPECT_TRUE(FileHolds(path(), "b", model_));

  ASSERT_TRUE(IsOk(Put("c/k", "v")));
  EXPECT_FALSE(Exists(JournalFile(path())));
  ASSERT_TRUE(Reopen());
  EXPECT_TRUE(Holds(*store_, model_));
}

// --- Version 1 collection files ---

// The header of a collection file of format `version`, with a valid
// checksum.
std::string HeaderWithVersion(std::uint32_t version,
                              std::string_view collection) {
  std::string header(format::kMagic);
  AppendFixed(version, &header);
  AppendFixed(static_cast<std::uint16_t>(collection.size()), &header);
  header.append(collection);
  AppendFixed(format::Checksum(header), &header);
  return header;
}

class VersionUpgradeTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_TRUE(std::filesystem::create_directories(path()));
    v1_ = HeaderWithVersion(1, "old");
    format::AppendRecord(format::RecordType::kPut, "x", "1", &v1_);
    format::AppendRecord(format::RecordType::kPut, "y", "2", &v1_);
    format::AppendRecord(format::RecordType::kDelete, "y", "", &v1_);
    format::AppendRecord(format::RecordType::kPut, "z", "binary \0\xff"s, &v1_);
    ASSERT_TRUE(WriteBytes(CollectionPath(path(), "old"), v1_));
    model_.Put("old/x", "1");
    model_.Put("old/z", "binary \0\xff"s);
    absl::StatusOr<ParsedCollection> parsed = ParseFileOf(path(), "old");
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    ASSERT_EQ(parsed->version, 1u);
  }

  // The version field of the file of "old".
  absl::StatusOr<std::uint32_t> FileVersion() {
    absl::StatusOr<std::string> bytes =
        ReadBytes(CollectionPath(path(), "old"));
    if (!bytes.ok()) return bytes.status();
    if (bytes->size() < format::kVersionOffset + 4) {
      return absl::DataLossError("too short");
    }
    return DecodeFixed<std::uint32_t>(bytes->data() + format::kVersionOffset);
  }

  std::string v1_;
};

TEST_F(VersionUpgradeTest, WritableOpenRewritesAVersion1FileAsTheCurrentOne) {
  ASSERT_TRUE(Open(Options()));
  EXPECT_TRUE(HasValue(store_->Get("old/x"), "1"));
  EXPECT_TRUE(HasCode(store_->Get("old/y"), absl::StatusCode::kNotFound));
  EXPECT_TRUE(Holds(*store_, model_));

  ASSERT_TRUE(IsOk(store_->Close()));

  absl::StatusOr<std::uint32_t> version = FileVersion();
  ASSERT_TRUE(version.ok()) << version.status();
  EXPECT_EQ(*version, format::kVersion);
  EXPECT_EQ(format::kVersion, 3u);
  EXPECT_TRUE(FileHolds(path(), "old", model_));
  ASSERT_TRUE(Reopen());
  EXPECT_TRUE(Holds(*store_, model_));
}

TEST_F(VersionUpgradeTest, FirstFlushRewritesAVersion1File) {
  Options options;
  options.flush_interval = kNeverOnItsOwn;
  ASSERT_TRUE(Open(options));

  ASSERT_TRUE(IsOk(store_->Flush()));

  absl::StatusOr<std::uint32_t> version = FileVersion();
  ASSERT_TRUE(version.ok()) << version.status();
  EXPECT_EQ(*version, format::kVersion);
  EXPECT_TRUE(FileHolds(path(), "old", model_));
}

TEST_F(VersionUpgradeTest, ChangesToAVersion1FileAreKeptByTheRewrite) {
  ASSERT_TRUE(Open(Options()));
  ASSERT_TRUE(IsOk(Put("old/added", "3")));
  ASSERT_TRUE(IsOk(Delete("old/x")));

  ASSERT_TRUE(Reopen());

  EXPECT_TRUE(Holds(*store_, model_));
  absl::StatusOr<std::uint32_t> version = FileVersion();
  ASSERT_TRUE(version.ok()) << version.status();
  EXPECT_EQ(*version, format::kVersion);
}

TEST_F(VersionUpgradeTest, ReadOnlyOpenLeavesAVersion1FileAsItIs) {
  Options options;
  options.read_only = true;

  ASSERT_TRUE(Open(options));
  EXPECT_TRUE(Holds(*store_, model_));
  ASSERT_TRUE(IsOk(store_->Close()));

  absl::StatusOr<std::string> bytes = ReadBytes(CollectionPath(path(), "old"));
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  EXPECT_EQ(*bytes, v1_);
}

// --- Passes that fail ---

// Passes every call to the real file system, but fails WritableFile::Sync
// with an error on every file whose path starts with a prefix, while told
// to: a collection's file and its temporary file, or the journal's.
class SyncFaultFileSystem : public FileSystemWrapper {
 public:
  SyncFaultFileSystem() : FileSystemWrapper(PosixFileSystem()) {}

  void FailSyncsOf(std::string prefix) {
    std::lock_guard lock(mu_);
    prefix_ = std::move(prefix);
  }
  void Heal() { FailSyncsOf(""); }

  absl::StatusOr<std::unique_ptr<WritableFile>> OpenForAppend(
      const std::string& path, bool truncate) override {
    absl::StatusOr<std::unique_ptr<WritableFile>> file =
        target()->OpenForAppend(path, truncate);
    if (!file.ok()) return file.status();
    return std::unique_ptr<WritableFile>(
        new File(this, path, *std::move(file)));
  }

 private:
  class File : public WritableFile {
   public:
    File(SyncFaultFileSystem* fs, std::string path,
         std::unique_ptr<WritableFile> base)
        : fs_(fs), path_(std::move(path)), base_(std::move(base)) {}

    absl::StatusOr<std::size_t> Write(std::string_view data) override {
      return base_->Write(data);
    }
    absl::StatusOr<std::size_t> WritePieces(
        std::span<const std::string_view> pieces) override {
      return base_->WritePieces(pieces);
    }
    absl::Status Sync() override {
      if (fs_->Fails(path_)) {
        return absl::InternalError("injected fault: sync of " + path_);
      }
      return base_->Sync();
    }

   private:
    SyncFaultFileSystem* const fs_;
    const std::string path_;
    const std::unique_ptr<WritableFile> base_;
  };

  bool Fails(const std::string& path) {
    std::lock_guard lock(mu_);
    return !prefix_.empty() && path.starts_with(prefix_);
  }

  std::mutex mu_;
  std::string prefix_;
};

// A store on a SyncFaultFileSystem with files for collections a and b.
class FailedPassTest : public StoreTest {
 protected:
  ~FailedPassTest() override {
    // The store's last pass uses fs_, which goes before StoreTest's members.
    store_.reset();
  }

  void SetUp() override {
    StoreTest::SetUp();
    if (HasFatalFailure()) return;
    UseFileSystem(&fs_);
    Options options;
    options.flush_interval = kNeverOnItsOwn;
    ASSERT_TRUE(Open(options));
    ASSERT_TRUE(IsOk(Put("a/old", "1")));
    ASSERT_TRUE(IsOk(Put("b/old", "2")));
    ASSERT_TRUE(IsOk(store_->Flush()));
  }

  absl::Status WriteBatchAcrossAAndB() {
    WriteBatch batch;
    batch.Put("a/x", "batch");
    batch.Put("b/y", "batch");
    absl::Status s = store_->Write(batch);
    if (s.ok()) {
      model_.Put("a/x", "batch");
      model_.Put("b/y", "batch");
    }
    return s;
  }

  SyncFaultFileSystem fs_;
};

TEST_F(FailedPassTest, JournalOfAFailedPassStaysUntilAPassWithoutBatches) {
  fs_.FailSyncsOf(CollectionPath(path(), "b"));
  ASSERT_TRUE(IsOk(WriteBatchAcrossAAndB()));

  EXPECT_TRUE(HasCodeAndMessage(store_->Flush(), absl::StatusCode::kInternal,
                                {"injected fault"}));

  // Failed passes may be retried meanwhile, and each writes the journal
  // again, carrying the batch's sections.
  absl::StatusOr<std::vector<Section>> parsed = ReadJournal(path());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_TRUE(HasSection(*parsed, {"a", false, {PutRecord("x", "batch")}}));
  EXPECT_TRUE(HasSection(*parsed, {"b", false, {PutRecord("y", "batch")}}));

  // What a crash now would leave: the files, whatever part of the batch
  // they hold, and the journal complete the batch.
  const std::string copy = dir() + "/crashed";
  ASSERT_TRUE(CopyDirectory(path(), copy));
  {
    absl::StatusOr<std::unique_ptr<Store>> crashed = Store::Open(copy);
    ASSERT_TRUE(crashed.ok()) << crashed.status();
    EXPECT_TRUE(Holds(**crashed, model_));
    EXPECT_TRUE(IsOk((*crashed)->Close()));
  }

  fs_.Heal();
  ASSERT_TRUE(IsOk(store_->Flush()));
  ASSERT_TRUE(IsOk(store_->Flush()));  // A pass without batches.

  EXPECT_FALSE(Exists(JournalFile(path())));
  EXPECT_FALSE(Exists(JournalTempFile(path())));
  EXPECT_TRUE(FileHolds(path(), "a", model_));
  EXPECT_TRUE(FileHolds(path(), "b", model_));
  ASSERT_TRUE(Reopen(Options()));
  EXPECT_TRUE(Holds(*store_, model_));
}

TEST_F(FailedPassTest, PassWhoseJournalFailsTouchesNoCollectionFile) {
  const std::map<std::string, std::string> before = FilesOf(path());
  fs_.FailSyncsOf(JournalFile(path()));  // JOURNAL.tmp.
  ASSERT_TRUE(IsOk(WriteBatchAcrossAAndB()));

  EXPECT_TRUE(HasCodeAndMessage(store_->Flush(), absl::StatusCode::kInternal,
                                {"injected fault"}));

  EXPECT_FALSE(Exists(JournalFile(path())));
  std::map<std::string, std::string> after = FilesOf(path());
  after.erase("JOURNAL.tmp");  // Written, never synced nor installed.
  EXPECT_EQ(after, before) << "a collection file changed before its journal "
                              "was installed";

  fs_.Heal();
  ASSERT_TRUE(IsOk(store_->Flush()));
  ASSERT_TRUE(IsOk(store_->Flush()));
  EXPECT_FALSE(Exists(JournalFile(path())));
  EXPECT_FALSE(Exists(JournalTempFile(path())));
  EXPECT_TRUE(FileHolds(path(), "a", model_));
  EXPECT_TRUE(FileHolds(path(), "b", model_));
  ASSERT_TRUE(Reopen(Options()));
  EXPECT_TRUE(Holds(*store_, model_));
}

}  // namespace
}  // namespace dskv
