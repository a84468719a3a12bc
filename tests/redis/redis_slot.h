// Which of Redis Cluster's 16384 hash slots a key belongs to, computed
// independently of dskv's client library so that tests can check one
// against the other (and against CLUSTER KEYSLOT).

#ifndef DSKV_TESTS_REDIS_REDIS_SLOT_H_
#define DSKV_TESTS_REDIS_REDIS_SLOT_H_

#include <cstdint>
#include <string_view>

namespace dskv_test {

// How many hash slots a Redis Cluster has.
inline constexpr int kRedisClusterSlots = 16384;

// CRC16-XMODEM (polynomial 0x1021, initial value 0, no reflection), the
// checksum Redis Cluster hashes keys with: Crc16("123456789") == 0x31C3.
std::uint16_t Crc16(std::string_view bytes);

// The slot of `key`: Crc16 mod 16384 of its hash tag, the bytes between its
// first '{' and the first '}' after it, if there are any; of the whole key
// otherwise. So "{user1000}.following" and "{user1000}.followers" share a
// slot, and "foo{}{bar}" (an empty tag) hashes whole.
int Slot(std::string_view key);

}  // namespace dskv_test

#endif  // DSKV_TESTS_REDIS_REDIS_SLOT_H_
