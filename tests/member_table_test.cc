// MemberTable against std::map: inserts, replacements and erasures (which
// shift later slots back, across the end of the table too), growth, and
// iteration.

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

TEST(MemberTableTest, EmptyTableFindsNothing) {
  MemberTable table;
  EXPECT_EQ(table.Find("x"), MemberTable::kMissing);
  EXPECT_TRUE(table.empty());
  EXPECT_FALSE(table.begin() != table.end());
}

}  // namespace
}  // namespace dskv
