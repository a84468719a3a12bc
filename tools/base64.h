// Base64 (RFC 4648, section 4: the standard alphabet, with '=' padding), for
// the bytes a dump cannot write as JSON text.

#ifndef DSKV_TOOLS_BASE64_H_
#define DSKV_TOOLS_BASE64_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace dskv::tool {

std::string Base64Encode(std::string_view bytes);

// Decodes what Base64Encode produces, and only that: a length that is a
// multiple of 4, no whitespace, padding only at the end, and unused bits of
// the last character zero. So every byte string has exactly one encoding,
// and a dump that was edited by mistake is noticed. InvalidArgument naming
// the offset of the first bad character otherwise.
absl::StatusOr<std::string> Base64Decode(std::string_view text);

}  // namespace dskv::tool

#endif  // DSKV_TOOLS_BASE64_H_
