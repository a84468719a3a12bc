// Formatting shared by the commands' human-readable output.

#ifndef DSKV_TOOLS_TEXT_H_
#define DSKV_TOOLS_TEXT_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace dskv::tool {

// A byte count for people: "512 B", "1.5 KiB", "12.0 MiB".
std::string FormatBytes(std::uint64_t bytes);

// The whole number `text` ("0", "42"), all of it, for the flag `flag`;
// InvalidArgument naming the flag otherwise.
absl::StatusOr<std::uint64_t> ParseWholeNumber(std::string_view flag,
                                               std::string_view text);

// "1 key", "2 keys": `count` and `noun`, with an "s" unless count is 1.
std::string Count(std::uint64_t count, std::string_view noun);

// A collection name or member as a column of a table: as is if it is
// printable UTF-8 without spaces or quotes, else quoted with escapes
// ("a b", "\xff"), so that any bytes show unambiguously on one line.
std::string DisplayName(std::string_view name);

}  // namespace dskv::tool

#endif  // DSKV_TOOLS_TEXT_H_
