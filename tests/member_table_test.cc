// MemberTable against std::map: inserts, replacements and erasures (which
// shift later slots back, across the end of the table too), growth, and
// iteration; and a table larger than its tags reach.

#include "dskv/member_table.h"

#include <map>
#include <random>
#include <string>
#include <vector>

#include "base/string_hash.h"
#include "dskv/record.h"
#include "gtest/gtest.h"

namespace dskv {
namespace {

TEST(MemberTableTest, MatchesStdMapUnderRandomOperations) {
  MemberTable table;
  std::map<std::string, RecordRef> model;
  std::mt19937_64 rng(7);
  for (int op = 0; op < 200000; ++op) {
    // Few members, so that the table grows, empties and collides often.
    const std::string member =
        "m" + std::to_string(rng() % (op < 100000 ? 3000 : 40));
    const std::size_t hash = StringHash()(member);
    // Only hints, but they walk the same slots as Find (under ASan: within
    // the table, across its end too).
    table.Prefetch(hash);
    table.PrefetchCandidates(hash);
    const MemberTable::Position at = table.Find(member, hash);
    auto it = model.find(member);
    ASSERT_EQ(at == MemberTable::kMissing, it == model.end()) << member;
    if (rng() % 3 == 0) {
      if (at != MemberTable::kMissing) {
        table.Erase(at);
        model.erase(it);
      }
    } else {
      RecordRef record(Record::NewPut(member, std::to_string(op)));
      if (at == MemberTable::kMissing) {
        table.Insert(record.get(), hash);
      } else {
        ASSERT_EQ(table.Get(at), it->second.get());
        table.Set(at, record.get());
      }
      model[member] = std::move(record);
    }
    ASSERT_EQ(table.size(), model.size());
  }
  std::map<std::string, const Record*> seen;
  for (const Record* record : table) {
    ASSERT_TRUE(seen.emplace(std::string(record->member()), record).second);
  }
  ASSERT_EQ(seen.size(), model.size());
  for (const auto& [member, record] : model) {
    EXPECT_EQ(seen[member], record.get());
    const MemberTable::Position at = table.Find(member);
    ASSERT_NE(at, MemberTable::kMissing);
    EXPECT_EQ(table.Get(at)->value(), record->value());
  }
}

// Up to 2^16 slots a slot's tag gives its home; larger tables rehash the
// member when they grow or shift slots back.
TEST(MemberTableTest, GrowsAndErasesPastTheTagsReach) {
  constexpr int kMembers = 60000;  // Past 3/4 of 2^16 slots.
  MemberTable table;
  std::vector<RecordRef> records;
  for (int i = 0; i < kMembers; ++i) {
    const std::string member = "member-" + std::to_string(i);
    records.emplace_back(Record::NewPut(member, std::to_string(i)));
    table.Insert(records.back().get(), StringHash()(member));
  }
  for (int i = 0; i < kMembers; i += 2) {
    const MemberTable::Position at = table.Find("member-" + std::to_string(i));
    ASSERT_NE(at, MemberTable::kMissing) << i;
    table.Erase(at);
  }
  ASSERT_EQ(table.size(), kMembers / 2);
  for (int i = 0; i < kMembers; ++i) {
    const MemberTable::Position at = table.Find("member-" + std::to_string(i));
    if (i % 2 == 0) {
      EXPECT_EQ(at, MemberTable::kMissing) << i;
    } else {
      ASSERT_NE(at, MemberTable::kMissing) << i;
      EXPECT_EQ(table.Get(at), records[i].get());
    }
  }
}

TEST(MemberTableTest, EmptyTableFindsNothing) {
  MemberTable table;
  EXPECT_EQ(table.Find("x"), MemberTable::kMissing);
  table.Prefetch(StringHash()("x"));
  table.PrefetchCandidates(StringHash()("x"));
  EXPECT_TRUE(table.empty());
  EXPECT_FALSE(table.begin() != table.end());
}

}  // namespace
}  // namespace dskv
