// Records made by a RecordSlab: their contents, the reuse of freed memory
// by the same size class, Records outliving their slab (and the slab's
// memory given back with the last of them), and many threads
// making and freeing Records at once (meant for --config=tsan too).

#include "dskv/record_slab.h"

#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "dskv/record.h"
#include "gtest/gtest.h"
#include "tests/given_back.h"

namespace dskv {
namespace {

using ::dskv_test::GivenBack;

std::string ValueOf(int i) { return std::string(i % 300, 'a' + i % 26); }

TEST(RecordSlabTest, RecordsHoldTheirMemberAndValue) {
  RecordSlab slab;
  std::vector<RecordRef> records;
  for (int i = 0; i < 30000; ++i) {  // Several chunks.
    records.emplace_back(slab.NewPut("m" + std::to_string(i), ValueOf(i)));
  }
  records.emplace_back(slab.NewTombstone("gone"));
  for (int i = 0; i < 30000; ++i) {
    ASSERT_EQ(records[i]->member(), "m" + std::to_string(i));
    ASSERT_EQ(records[i]->value(), ValueOf(i));
    ASSERT_FALSE(records[i]->is_tombstone());
  }
  EXPECT_TRUE(records.back()->is_tombstone());
  EXPECT_EQ(records.back()->member(), "gone");
}

TEST(RecordSlabTest, EverySizeFitsItsClass) {
  RecordSlab slab;
  std::vector<RecordRef> records;
  // Values around every class boundary, up to and past the largest class
  // (from malloc).
  for (std::size_t size = 0; size <= RecordSlab::kMaxSize + 64;
       size += size < 2048 ? 1 : 61) {
    records.emplace_back(slab.NewPut("m", std::string(size, 'a' + size % 26)));
    // Writing the whole value must not reach the next slot: the neighbour
    // made next checks it (and ASan would).
    ASSERT_EQ(records.back()->value(), std::string(size, 'a' + size % 26));
  }
  for (const RecordRef& record : records) {
    const std::size_t size = record->value().size();
    ASSERT_EQ(record->value(), std::string(size, 'a' + size % 26));
  }
}

TEST(RecordSlabTest, FreedMemoryIsReusedBySameSize) {
  RecordSlab slab;
  const Record* first = slab.NewPut("a", std::string(100, 'x'));
  const void* address = first;
  first->Unref();
  RecordRef again(slab.NewPut("b", std::string(100, 'y')));
  EXPECT_EQ(static_cast<const void*>(again.get()), address);
  EXPECT_EQ(again->member(), "b");
}

TEST(RecordSlabTest, RecordsOutliveTheSlabAndTakeItsMemoryWithThem) {
  RecordRef kept;
  {
    RecordSlab slab;
    kept = RecordRef(slab.NewPut("kept", "value"));
    RecordRef freed(slab.NewPut("freed", "other"));
  }
  EXPECT_EQ(kept->member(), "kept");
  EXPECT_EQ(kept->value(), "value");
  const void* address = kept.get();
  ASSERT_FALSE(GivenBack(address));
  kept = RecordRef();
  EXPECT_TRUE(GivenBack(address));
}

TEST(RecordSlabTest, ManyThreadsMakeAndFreeRecords) {
  RecordSlab slab;
  std::vector<std::thread> threads;
  std::vector<std::vector<RecordRef>> handed(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::vector<RecordRef> mine;
      for (int i = 0; i < 20000; ++i) {
        mine.emplace_back(slab.NewPut("m" + std::to_string(i), ValueOf(i)));
        if (i % 3 == 0) mine.erase(mine.begin() + (i * 7919) % mine.size());
      }
      for (const RecordRef& record : mine) {
        const int i = std::stoi(std::string(record->member().substr(1)));
        ASSERT_EQ(record->value(), ValueOf(i));
      }
      handed[t] = std::move(mine);
    });
  }
  for (std::thread& t : threads) t.join();
  // Freed by this thread, into the stripes of others.
  for (auto& records : handed) records.clear();
}

}  // namespace
}  // namespace dskv
