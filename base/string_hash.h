// Hash and equality for maps keyed by std::string that are probed with
// std::string_view without building a std::string.
//
// Debian's Abseil is built with its own absl::string_view, distinct from
// std::string_view, so absl's default transparent string hash does not accept
// std::string_view keys.

#ifndef DSKV_BASE_STRING_HASH_H_
#define DSKV_BASE_STRING_HASH_H_

// Inlined: every Get, Put and Delete hashes its collection and member, and a
// call into the shared library costs as much as hashing 16 bytes.
#ifndef XXH_INLINE_ALL
#define XXH_INLINE_ALL
#define DSKV_STRING_HASH_DEFINED_XXH_INLINE_ALL
#endif
#include <xxhash.h>
#ifdef DSKV_STRING_HASH_DEFINED_XXH_INLINE_ALL
#undef XXH_INLINE_ALL
#undef DSKV_STRING_HASH_DEFINED_XXH_INLINE_ALL
#endif

#include <cstddef>
#include <string_view>

namespace dskv {

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const {
    return XXH3_64bits(s.data(), s.size());
  }
};

struct StringEq {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const {
    return a == b;
  }
};

}  // namespace dskv

#endif  // DSKV_BASE_STRING_HASH_H_
