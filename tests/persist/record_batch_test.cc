// RecordBatch and WritableFile::AppendPieces: what a gather write puts in a
// file reads back as the records, whatever the mix of small (copied) and
// large (referenced) bodies and however many pieces (more than writev takes
// in one call).

#include "persist/record_batch.h"

#include <string>
#include <vector>

#include "dskv/record.h"
#include "gtest/gtest.h"
#include "persist/collection_reader.h"
#include "persist/file_system.h"
#include "persist/format.h"
#include "tests/temp_dir.h"

namespace dskv {
namespace {

using ::dskv_test::TempDirTest;

class RecordBatchTest : public TempDirTest {};

TEST_F(RecordBatchTest, GatherWriteReadsBackAsTheRecords) {
  constexpr int kRecords = 3000;
  // Records lay out bodies; they outlive the batch, which references the
  // large ones.
  std::vector<RecordRef> records;
  RecordBatch batch;
  for (int i = 0; i < kRecords; ++i) {
    // Alternate small and large bodies so copied and referenced pieces mix.
    const std::size_t size = i % 2 == 0 ? 10 + i % 100 : 2000 + i;
    records.emplace_back(Record::NewPut("m" + std::to_string(i),
                                        std::string(size, 'a' + i % 26)));
    batch.Add(records.back()->fields());
  }
  records.emplace_back(Record::NewTombstone("m0"));
  batch.Add(records.back()->fields());
  ASSERT_GT(batch.pieces().size(), 1024u);  // More than one writev.

  std::string contents;
  format::AppendHeader("c", &contents);
  const std::string path = dir() + "/file";
  FileSystem& fs = *PosixFileSystem();
  {
    absl::StatusOr<std::unique_ptr<WritableFile>> file =
        fs.OpenForAppend(path, /*truncate=*/true);
    ASSERT_TRUE(file.ok()) << file.status();
    ASSERT_TRUE((*file)->Append(contents).ok());
    ASSERT_TRUE((*file)->AppendPieces(batch.pieces()).ok());
  }
  absl::StatusOr<std::string> written = fs.ReadFile(path);
  ASSERT_TRUE(written.ok()) << written.status();
  EXPECT_EQ(written->size(), contents.size() + batch.bytes());

  absl::StatusOr<ParsedCollection> parsed =
      ParseCollectionFile(*written, /*salvage=*/false);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->torn_tail_bytes, 0u);
  ASSERT_EQ(parsed->members.size(), kRecords - 1u);
  EXPECT_FALSE(parsed->members.contains("m0"));
  for (int i = 1; i < kRecords; ++i) {
    const std::size_t size = i % 2 == 0 ? 10 + i % 100 : 2000 + i;
    EXPECT_EQ(parsed->members["m" + std::to_string(i)],
              std::string(size, 'a' + i % 26))
        << i;
  }
}

// Records whose member alone makes them large: encoded in the block, with
// no value piece; and values at the edges of the Records' size byte.
TEST_F(RecordBatchTest, LargeMembersAndEdgeValueSizesReadBack) {
  const std::string long_member(format::kMaxMemberSize - 1, 'm');
  std::vector<RecordRef> records;
  records.emplace_back(Record::NewPut(long_member, ""));
  records.emplace_back(Record::NewPut(long_member + "x", "ignored"));
  records.emplace_back(Record::NewTombstone(long_member + "x"));
  for (std::size_t size : {0, 1, 253, 254, 255, 256, 1010, 1011, 1012}) {
    records.emplace_back(
        Record::NewPut("v" + std::to_string(size), std::string(size, 'v')));
  }
  RecordBatch batch;
  for (const RecordRef& record : records) batch.Add(record->fields());

  std::string file;
  format::AppendHeader("c", &file);
  for (std::string_view piece : batch.pieces()) file.append(piece);
  absl::StatusOr<ParsedCollection> parsed =
      ParseCollectionFile(file, /*salvage=*/false);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->torn_tail_bytes, 0u);
  EXPECT_EQ(parsed->members[long_member], "");
  EXPECT_FALSE(parsed->members.contains(long_member + "x"));
  for (std::size_t size : {0, 1, 253, 254, 255, 256, 1010, 1011, 1012}) {
    EXPECT_EQ(parsed->members["v" + std::to_string(size)],
              std::string(size, 'v'))
        << size;
  }
  for (const RecordRef& record : records) {
    EXPECT_EQ(record->file_size(), format::RecordSize(record->member().size(),
                                                      record->value().size()));
  }
}

}  // namespace
}  // namespace dskv
