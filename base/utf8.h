// UTF-8 validation and encoding: for tuple keys' text elements, and for the
// dskv tool's JSON (which bytes can be written as text, JSON's \u escapes).

#ifndef DSKV_BASE_UTF8_H_
#define DSKV_BASE_UTF8_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace dskv {

// Whether `bytes` is well-formed UTF-8 (RFC 3629): no overlong encodings, no
// surrogates (U+D800..U+DFFF), nothing above U+10FFFF, no truncated
// sequences.
bool IsValidUtf8(std::string_view bytes);

// The length of the longest prefix of `bytes` that is well-formed UTF-8:
// where the first bad sequence starts, or bytes.size().
std::size_t ValidUtf8Prefix(std::string_view bytes);

// Appends the UTF-8 encoding of `code_point`, which must be at most U+10FFFF
// and not a surrogate.
void AppendUtf8(std::uint32_t code_point, std::string* out);

}  // namespace dskv

#endif  // DSKV_BASE_UTF8_H_
