#include "base/hex_digest.h"

#include <xxhash.h>

#include <cstdint>

namespace dskv {

std::string Xxh3Hex128(std::string_view bytes) {
  const XXH128_hash_t hash = XXH3_128bits(bytes.data(), bytes.size());
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex(32, '0');
  for (int i = 0; i < 16; ++i) {
    hex[15 - i] = kDigits[(hash.high64 >> (4 * i)) & 15];
    hex[31 - i] = kDigits[(hash.low64 >> (4 * i)) & 15];
  }
  return hex;
}

}  // namespace dskv
