// Glob patterns as Redis matches them (KEYS, SCAN and HSCAN's MATCH,
// CONFIG GET): `*` any bytes, `?` one byte, `[abc]`, `[a-z]` and `[^...]`
// one byte of (or not of) a set, and `\` taking the next byte literally.
// Bytes compare as they are (no case folding, no UTF-8 decoding).

#ifndef DSKV_TOOLS_GLOB_MATCH_H_
#define DSKV_TOOLS_GLOB_MATCH_H_

#include <string_view>

namespace dskv::tool {

// Whether `pattern` matches all of `text`. As Redis, a `[` without its `]`
// ends at the pattern's end, a reversed range ([z-a]) means [a-z], and a
// trailing `\` is a literal backslash. Linear in the text for patterns
// without `*`; with them, at most text × pattern steps.
bool GlobMatch(std::string_view pattern, std::string_view text);

}  // namespace dskv::tool

#endif  // DSKV_TOOLS_GLOB_MATCH_H_
