// The dump format of `dskv dump` and `dskv load`: JSON Lines, one key per
// line,
//
//   {"collection":"artist","member":"daft_punk","value":"epic"}
//
// with the three fields in that order and no whitespace. A field whose bytes
// are not valid UTF-8 is written base64-encoded (RFC 4648, with padding)
// under its name with "_base64" appended instead:
//
//   {"collection":"bin","member":"k","value_base64":"AP8="}
//
// A key that expires has a fourth field, its deadline in milliseconds since
// the Unix epoch (UTC), as a string of decimal digits:
//
//   {"collection":"session","member":"abc","value":"u7","expires_ms":"1764897000000"}
//
// A dump lists collections in byte order of their names and each
// collection's members in byte order, so equal stores give equal dumps.
// Reading accepts the fields in any order and either form of each, but
// nothing else: each of the three exactly once, expires_ms at most once, no
// other fields.

#ifndef DSKV_TOOLS_DUMP_FORMAT_H_
#define DSKV_TOOLS_DUMP_FORMAT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace dskv::tool {

// One key and its value, as a dump line holds them.
struct DumpRecord {
  std::string collection;
  std::string member;
  std::string value;
  // The deadline, in milliseconds since the Unix epoch; none if it never
  // expires.
  std::optional<std::int64_t> expires_ms;

  // The store's key: "collection/member".
  std::string Key() const { return collection + "/" + member; }
};

// The line for one key, without its '\n'.
std::string EncodeDumpLine(
    std::string_view collection, std::string_view member,
    std::string_view value,
    std::optional<std::int64_t> expires_ms = std::nullopt);

// Parses one line (without its '\n'). InvalidArgument saying what is wrong,
// and where, for anything EncodeDumpLine would not write, except that fields
// may come in any order and in either form; and for a collection name
// holding '/', which would change the key's meaning (the store's own checks
// catch the other invalid names, and members and values too large).
absl::StatusOr<DumpRecord> DecodeDumpLine(std::string_view line);

}  // namespace dskv::tool

#endif  // DSKV_TOOLS_DUMP_FORMAT_H_
