// UTF-8 validation and encoding, for deciding which bytes can be written as
// JSON text and for decoding JSON's \u escapes.

#ifndef DSKV_TOOLS_UTF8_H_
#define DSKV_TOOLS_UTF8_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace dskv::tool {

// Whether `bytes` is well-formed UTF-8 (RFC 3629): no overlong encodings, no
// surrogates (U+D800..U+DFFF), nothing above U+10FFFF, no truncated
// sequences.
bool IsValidUtf8(std::string_view bytes);

// Appends the UTF-8 encoding of `code_point`, which must be at most U+10FFFF
// and not a surrogate.
void AppendUtf8(std::uint32_t code_point, std::string* out);

}  // namespace dskv::tool

#endif  // DSKV_TOOLS_UTF8_H_
