#include "tests/redis/redis_slot.h"

#include "gtest/gtest.h"

namespace dskv_test {
namespace {

TEST(Crc16Test, PublishedCheckValue) {
  // The check value of CRC-16/XMODEM, as in the Redis Cluster spec.
  EXPECT_EQ(Crc16("123456789"), 0x31C3);
  EXPECT_EQ(Crc16(""), 0);
}

TEST(SlotTest, MatchesClusterKeyslotExamples) {
  // The examples of CLUSTER KEYSLOT's documentation.
  EXPECT_EQ(Slot("somekey"), 11058);
  EXPECT_EQ(Slot("foo{hash_tag}"), 2515);
  EXPECT_EQ(Slot("bar{hash_tag}"), 2515);
}

TEST(SlotTest, KeysWithTheSameTagShareASlot) {
  EXPECT_EQ(Slot("{user1000}.following"), Slot("{user1000}.followers"));
  EXPECT_EQ(Slot("{user1000}.following"), Slot("user1000"));
}

TEST(SlotTest, EmptyTagHashesTheWholeKey) {
  EXPECT_EQ(Slot("foo{}{bar}"), Crc16("foo{}{bar}") % kRedisClusterSlots);
}

TEST(SlotTest, TagEndsAtTheFirstCloseBrace) {
  EXPECT_EQ(Slot("foo{{bar}}zap"), Crc16("{bar") % kRedisClusterSlots);
  EXPECT_EQ(Slot("foo{bar}{zap}"), Crc16("bar") % kRedisClusterSlots);
}

TEST(SlotTest, UnclosedTagHashesTheWholeKey) {
  EXPECT_EQ(Slot("foo{bar"), Crc16("foo{bar") % kRedisClusterSlots);
  EXPECT_EQ(Slot("foo}bar{"), Crc16("foo}bar{") % kRedisClusterSlots);
}

}  // namespace
}  // namespace dskv_test
