// Records carved from RecordArena chunks: their contents, and the chunk's
// memory going back to the system with the last of its Records.

#include "dskv/record_arena.h"

#include <cstdint>
#include <string>
#include <vector>

#include "dskv/record.h"
#include "gtest/gtest.h"
#include "tests/given_back.h"

namespace dskv {
namespace {

using ::dskv_test::GivenBack;

std::string ValueOf(int i) { return std::string(100 + i % 50, 'a' + i % 26); }

TEST(RecordArenaTest, RecordsHoldTheirMemberAndValue) {
  std::vector<RecordRef> records;
  {
    RecordArena arena;
    for (int i = 0; i < 50000; ++i) {  // Several chunks.
      records.emplace_back(arena.NewPut("m" + std::to_string(i), ValueOf(i)));
    }
  }
  for (int i = 0; i < 50000; ++i) {
    EXPECT_EQ(records[i]->member(), "m" + std::to_string(i));
    EXPECT_EQ(records[i]->value(), ValueOf(i));
    EXPECT_FALSE(records[i]->is_tombstone());
    EXPECT_TRUE(records[i]->HasNoOtherRef());
    EXPECT_FALSE(records[i]->pending());
  }
}

TEST(RecordArenaTest, FlagsAndCountsDoNotDisturbEachOther) {
  RecordArena arena;
  RecordRef record(arena.NewPut("m", "v"));
  record->set_pending(true);
  RecordRef shared = RecordRef::Share(record.get());
  EXPECT_TRUE(record->pending());
  EXPECT_FALSE(record->HasNoOtherRef());
  shared = RecordRef();
  record->set_pending(false);
  EXPECT_FALSE(record->pending());
  EXPECT_TRUE(record->HasNoOtherRef());
  record->OverwriteValue("w");
  EXPECT_EQ(record->value(), "w");
}

TEST(RecordArenaTest, AChunkIsGivenBackWithItsLastRecord) {
  std::vector<RecordRef> records;
  {
    RecordArena arena;
    for (int i = 0; i < 100; ++i) {
      records.emplace_back(arena.NewPut("m" + std::to_string(i), ValueOf(i)));
    }
  }
  const Record* first = records.front().get();
  ASSERT_FALSE(GivenBack(first));
  // Freed one by one; the chunk stays while any of them lives.
  for (std::size_t i = 0; i + 1 < records.size(); ++i) records[i] = RecordRef();
  EXPECT_FALSE(GivenBack(first));
  EXPECT_EQ(records.back()->value(), ValueOf(99));
  records.back() = RecordRef();
  EXPECT_TRUE(GivenBack(first));
}

TEST(RecordArenaTest, AnArenaKeepsItsChunkUntilItIsDestroyed) {
  auto arena = std::make_unique<RecordArena>();
  const void* address;
  {
    RecordRef record(arena->NewPut("m", "v"));
    address = record.get();
  }
  EXPECT_FALSE(GivenBack(address));  // The arena may still carve from it.
  arena.reset();
  EXPECT_TRUE(GivenBack(address));
}

TEST(RecordArenaTest, LargeRecordsComeFromTheHeap) {
  RecordArena arena;
  const std::string large(1 << 20, 'x');
  RecordRef record(arena.NewPut("big", large));
  EXPECT_EQ(record->value(), large);
  record = RecordRef();  // Freed with operator delete; ASan checks it.
}

}  // namespace
}  // namespace dskv
