// Tests of ParseCollectionFile on hand-made files: what it reads, how it
// tells a torn tail from damage, what salvage counts, and how it rejects
// headers. Every input is also checked against parse_invariants.h, as are
// the fuzzer's seed files.

#include "persist/collection_reader.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "dskv/store.h"
#include "gtest/gtest.h"
#include "persist/coding.h"
#include "persist/format.h"
#include "tests/crash/file_bytes.h"
#include "tests/crash/parse_invariants.h"

namespace dskv_crash {
namespace {

namespace format = ::dskv::format;
using ::dskv::ParseCollectionFile;
using ::dskv::ParsedCollection;
using Members = std::vector<std::pair<std::string, std::string>>;

// Parses `contents`, after checking that it keeps the invariants.
absl::StatusOr<ParsedCollection> Parse(std::string_view contents,
                                       bool salvage = false) {
  EXPECT_EQ(CheckParseInvariants(contents), "");
  return ParseCollectionFile(contents, salvage);
}

Members Sorted(const ParsedCollection& parsed) {
  Members members(parsed.members.begin(), parsed.members.end());
  std::sort(members.begin(), members.end());
  return members;
}

TEST(CollectionReaderTest, HeaderOnlyFileHasNoMembers) {
  const std::string file = Header("songs");
  absl::StatusOr<ParsedCollection> parsed = Parse(file);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->name, "songs");
  EXPECT_TRUE(parsed->members.empty());
  EXPECT_EQ(parsed->valid_size, file.size());
  EXPECT_EQ(parsed->torn_tail_bytes, 0);
}

TEST(CollectionReaderTest, AppliesRecordsInOrder) {
  const std::string file = Header("c") + PutRecord("a", "1") +
                           PutRecord("b", "") + PutRecord("a", "2") +
                           DeleteRecord("b") + DeleteRecord("never") +
                           PutRecord("dir/x", std::string("\0\xff", 2));
  absl::StatusOr<ParsedCollection> parsed = Parse(file);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(Sorted(*parsed),
            (Members{{"a", "2"}, {"dir/x", std::string("\0\xff", 2)}}));
  EXPECT_EQ(parsed->valid_size, file.size());
}

TEST(CollectionReaderTest, EmptyValuesAreKept) {
  absl::StatusOr<ParsedCollection> parsed =
      Parse(Header("c") + PutRecord("a", "") + PutRecord("b", ""));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(Sorted(*parsed), (Members{{"a", ""}, {"b", ""}}));
}

TEST(CollectionReaderTest, LargestMemberIsAccepted) {
  const std::string member(dskv::kMaxMemberSize, 'm');
  absl::StatusOr<ParsedCollection> parsed =
      Parse(Header("c") + PutRecord(member, "v"));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->members.size(), 1);
}

TEST(CollectionReaderTest, EveryCutInsideTheLastRecordIsATornTail) {
  const std::string whole = Header("c") + PutRecord("a", "1") +
                            DeleteRecord("a") + PutRecord("b", "2");
  const std::string last = PutRecord("c", "the last value");
  for (std::size_t cut = 1; cut < last.size(); ++cut) {
    SCOPED_TRACE("last record cut to " + std::to_string(cut) + " bytes");
    absl::StatusOr<ParsedCollection> parsed =
        Parse(whole + last.substr(0, cut));
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_EQ(Sorted(*parsed), (Members{{"b", "2"}}));
    EXPECT_EQ(parsed->valid_size, whole.size());
    EXPECT_EQ(parsed->torn_tail_bytes, cut);
  }
}

TEST(CollectionReaderTest, GarbageAfterTheLastRecordIsATornTail) {
  const std::string whole = Header("c") + PutRecord("a", "1");
  const std::string garbage(100, '\xee');
  absl::StatusOr<ParsedCollection> parsed = Parse(whole + garbage);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->valid_size, whole.size());
  EXPECT_EQ(parsed->torn_tail_bytes, garbage.size());
}

TEST(CollectionReaderTest, DamageFollowedByARecordIsDataLossAtItsOffset) {
  const std::string before = Header("c") + PutRecord("a", "1");
  std::string damaged = PutRecord("b", "2");
  damaged.back() ^= 0x20;
  const std::string file = before + damaged + PutRecord("c", "3");
  absl::StatusOr<ParsedCollection> parsed = Parse(file);
  EXPECT_TRUE(absl::IsDataLoss(parsed.status())) << parsed.status();
  EXPECT_EQ(parsed.status().message(),
            "byte offset " + std::to_string(before.size()) +
                ": damaged record followed by valid records at byte offset " +
                std::to_string(before.size() + damaged.size()));
}

TEST(CollectionReaderTest, SalvageSkipsAndCountsEachDamagedRegion) {
  std::string damaged1 = PutRecord("b", "2");
  damaged1[0] ^= 0x01;  // Its checksum.
  std::string damaged2 = PutRecord("d", "4") + DeleteRecord("a");
  damaged2[format::kTypeOffset] = 7;  // An unknown record type.
  const std::string file = Header("c") + PutRecord("a", "1") + damaged1 +
                           PutRecord("c", "3") + damaged2 + PutRecord("e", "5");
  EXPECT_TRUE(absl::IsDataLoss(Parse(file).status()));
  absl::StatusOr<ParsedCollection> parsed = Parse(file, /*salvage=*/true);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  // The second region is the put of "d" alone: the delete of "a" after it
  // is found again, and applied.
  EXPECT_EQ(Sorted(*parsed), (Members{{"c", "3"}, {"e", "5"}}));
  EXPECT_EQ(parsed->corrupt_regions, 2);
  EXPECT_EQ(parsed->corrupt_bytes,
            damaged1.size() + PutRecord("d", "4").size());
  const std::uint64_t first = Header("c").size() + PutRecord("a", "1").size();
  const std::uint64_t second =
      first + damaged1.size() + PutRecord("c", "3").size();
  ASSERT_EQ(parsed->corrupt_region_list.size(), 2);
  EXPECT_EQ(parsed->corrupt_region_list[0].offset, first);
  EXPECT_EQ(parsed->corrupt_region_list[0].size, damaged1.size());
  EXPECT_EQ(parsed->corrupt_region_list[1].offset, second);
  EXPECT_EQ(parsed->corrupt_region_list[1].size, PutRecord("d", "4").size());
  EXPECT_EQ(parsed->valid_size, file.size());
  EXPECT_EQ(parsed->torn_tail_bytes, 0);
}

TEST(CollectionReaderTest, SalvageStillCutsATornTail) {
  std::string damaged = PutRecord("b", "2");
  damaged[0] ^= 0x01;
  const std::string whole =
      Header("c") + PutRecord("a", "1") + damaged + PutRecord("c", "3");
  const std::string torn = PutRecord("d", "4").substr(0, 10);
  absl::StatusOr<ParsedCollection> parsed =
      Parse(whole + torn, /*salvage=*/true);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(Sorted(*parsed), (Members{{"a", "1"}, {"c", "3"}}));
  EXPECT_EQ(parsed->corrupt_regions, 1);
  EXPECT_EQ(parsed->corrupt_bytes, damaged.size());
  EXPECT_EQ(parsed->valid_size, whole.size());
  EXPECT_EQ(parsed->torn_tail_bytes, torn.size());
}

TEST(CollectionReaderTest, ImplausibleRecordsAreDamageEvenWithAValidChecksum) {
  const std::vector<std::pair<std::string, std::string>> bodies = {
      {"unknown type", RecordBody(3, "a", 1, "v")},
      {"empty member", RecordBody(1, "", 1, "v")},
      {"delete with a value", RecordBody(2, "a", 1, "v")},
      {"member over the limit",
       RecordBody(1, std::string(dskv::kMaxMemberSize + 1, 'm'), 0, "")},
  };
  for (const auto& [what, body] : bodies) {
    SCOPED_TRACE(what);
    const std::string before = Header("c") + PutRecord("a", "1");
    const std::string file =
        before + RecordWithBody(body) + PutRecord("b", "2");
    absl::StatusOr<ParsedCollection> parsed = Parse(file);
    EXPECT_TRUE(absl::IsDataLoss(parsed.status())) << parsed.status();
    EXPECT_NE(parsed.status().message().find(
                  "byte offset " + std::to_string(before.size()) + ":"),
              std::string_view::npos)
        << parsed.status();
  }
}

TEST(CollectionReaderTest, SizesRunningPastTheEndAreATornTail) {
  // A record whose value_size claims more bytes than the file holds.
  const std::string whole = Header("c") + PutRecord("a", "1");
  const std::string torn = RecordWithBody(RecordBody(1, "b", 1000, "short"));
  absl::StatusOr<ParsedCollection> parsed = Parse(whole + torn);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->valid_size, whole.size());
  EXPECT_EQ(parsed->torn_tail_bytes, torn.size());
}

TEST(CollectionReaderTest, EmptyAndShortFilesAreDataLoss) {
  const std::string header = Header("songs");
  for (std::size_t size = 0; size < header.size(); ++size) {
    SCOPED_TRACE("header cut to " + std::to_string(size) + " bytes");
    EXPECT_TRUE(absl::IsDataLoss(Parse(header.substr(0, size)).status()));
    EXPECT_TRUE(absl::IsDataLoss(
        Parse(header.substr(0, size), /*salvage=*/true).status()));
  }
}

TEST(CollectionReaderTest, BadMagicIsDataLoss) {
  std::string file = Header("c") + PutRecord("a", "1");
  file[0] = 'X';
  absl::StatusOr<ParsedCollection> parsed = Parse(file, /*salvage=*/true);
  EXPECT_TRUE(absl::IsDataLoss(parsed.status())) << parsed.status();
  EXPECT_NE(parsed.status().message().find("bad magic"), std::string_view::npos)
      << parsed.status();
}

TEST(CollectionReaderTest, BadHeaderChecksumIsDataLoss) {
  for (std::size_t offset = format::kVersionOffset;
       offset < Header("songs").size(); ++offset) {
    SCOPED_TRACE("header byte " + std::to_string(offset) + " flipped");
    std::string file = Header("songs") + PutRecord("a", "1");
    file[offset] ^= 0x04;
    absl::StatusOr<ParsedCollection> parsed = Parse(file, /*salvage=*/true);
    EXPECT_TRUE(absl::IsDataLoss(parsed.status())) << parsed.status();
  }
}

TEST(CollectionReaderTest, UnknownVersionIsFailedPrecondition) {
  for (const std::uint32_t version : {0u, format::kVersion + 1}) {
    const std::string file =
        HeaderWithVersion(version, "songs") + PutRecord("a", "1");
    for (const bool salvage : {false, true}) {
      absl::StatusOr<ParsedCollection> parsed = Parse(file, salvage);
      EXPECT_TRUE(absl::IsFailedPrecondition(parsed.status()))
          << parsed.status();
      EXPECT_NE(parsed.status().message().find("version " +
                                               std::to_string(version) + " "),
                std::string_view::npos)
          << parsed.status();
    }
  }
}

TEST(CollectionReaderTest, EveryVersionFromTheOldestReadsTheSame) {
  for (std::uint32_t version = format::kOldestReadableVersion;
       version <= format::kVersion; ++version) {
    SCOPED_TRACE("version " + std::to_string(version));
    absl::StatusOr<ParsedCollection> parsed =
        Parse(HeaderWithVersion(version, "songs") + PutRecord("a", "1") +
              PutRecord("b", "2") + DeleteRecord("a"));
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_EQ(parsed->version, version);
    EXPECT_EQ(parsed->members.size(), 1u);
    EXPECT_EQ(parsed->members.at("b"), "2");
  }
}

TEST(CollectionReaderTest, VersionIsOnlyTrustedUnderAValidChecksum) {
  std::string file = Header("songs");
  // Another version, which the checksum no longer matches.
  file[format::kVersionOffset] = static_cast<char>(format::kVersion + 1);
  EXPECT_TRUE(absl::IsDataLoss(Parse(file).status()));
}

TEST(CollectionReaderTest, InvalidCollectionNameIsDataLoss) {
  for (const std::string& name :
       {std::string(), std::string("a/b"),
        std::string(dskv::kMaxCollectionSize + 1, 'n')}) {
    SCOPED_TRACE("name of " + std::to_string(name.size()) + " bytes");
    absl::StatusOr<ParsedCollection> parsed =
        Parse(HeaderWithVersion(format::kVersion, name), /*salvage=*/true);
    EXPECT_TRUE(absl::IsDataLoss(parsed.status())) << parsed.status();
  }
}

TEST(CollectionReaderTest, NameRunningPastTheEndIsDataLoss) {
  std::string file = Header("songs");
  dskv::EncodeFixed(std::uint16_t{5000}, file.data() + format::kNameSizeOffset);
  EXPECT_TRUE(absl::IsDataLoss(Parse(file).status()));
}

// A crash while the last record is appended leaves a torn tail, even when
// the record's value holds the bytes of a valid record (say, a value that is
// itself a dskv file): those bytes are not a record of this file.
TEST(CollectionReaderTest, TornRecordWhoseValueHoldsARecordIsATornTail) {
  const std::string before = Header("c") + PutRecord("a", "1");
  const std::string whole = before + PutRecord("blob", ValueHoldingARecord());
  EXPECT_EQ(CheckParseInvariants(whole), "");
  const std::string torn = whole.substr(0, whole.size() - 1);
  absl::StatusOr<ParsedCollection> parsed =
      ParseCollectionFile(torn, /*salvage=*/false);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(Sorted(*parsed), (Members{{"a", "1"}}));
  EXPECT_EQ(parsed->torn_tail_bytes, torn.size() - before.size());
}

// Salvage skips damage, but must not take bytes inside a damaged record's
// value for a record: that would invent a member nobody wrote.
TEST(CollectionReaderTest, SalvageDoesNotReadRecordsInsideADamagedValue) {
  std::string damaged = PutRecord("blob", ValueHoldingARecord());
  damaged[0] ^= 0x01;  // Its checksum.
  const std::string file =
      Header("c") + PutRecord("a", "1") + damaged + PutRecord("b", "2");
  absl::StatusOr<ParsedCollection> parsed =
      ParseCollectionFile(file, /*salvage=*/true);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(Sorted(*parsed), (Members{{"a", "1"}, {"b", "2"}}));
  EXPECT_EQ(parsed->corrupt_regions, 1);
  EXPECT_EQ(parsed->corrupt_bytes, damaged.size());
}

// The fuzzer's seed files: what the store writes, and damaged copies.
TEST(CollectionReaderTest, FuzzCorpusKeepsTheInvariants) {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const char* workspace = std::getenv("TEST_WORKSPACE");
  ASSERT_TRUE(srcdir != nullptr && workspace != nullptr)
      << "run this test with bazel test";
  const std::filesystem::path corpus =
      std::filesystem::path(srcdir) / workspace / "tests/crash/fuzz_corpus";
  int files = 0;
  int whole = 0;
  for (const auto& entry : std::filesystem::directory_iterator(corpus)) {
    SCOPED_TRACE(entry.path().string());
    std::ifstream in(entry.path(), std::ios::binary);
    std::ostringstream contents;
    contents << in.rdbuf();
    ASSERT_TRUE(in.good() || in.eof());
    EXPECT_EQ(CheckParseInvariants(contents.str()), "");
    absl::StatusOr<ParsedCollection> parsed =
        ParseCollectionFile(contents.str(), /*salvage=*/false);
    if (parsed.ok() && parsed->torn_tail_bytes == 0) ++whole;
    ++files;
  }
  EXPECT_GE(files, 3);
  EXPECT_GE(whole, 3) << "the corpus lacks undamaged files";
}

}  // namespace
}  // namespace dskv_crash
