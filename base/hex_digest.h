// A content digest as text: the name of a collection's file, and the member
// a content-addressed value is stored under.

#ifndef DSKV_BASE_HEX_DIGEST_H_
#define DSKV_BASE_HEX_DIGEST_H_

#include <string>
#include <string_view>

namespace dskv {

// The XXH3-128 hash of `bytes` as 32 lower-case hex digits, its high 64
// bits first.
std::string Xxh3Hex128(std::string_view bytes);

}  // namespace dskv

#endif  // DSKV_BASE_HEX_DIGEST_H_
