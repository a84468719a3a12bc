// The parts of an HTTP request to `dskv serve` that need parsing, with no
// I/O: the target (which key, collection or endpoint, and the query) and the
// Range header. docs/http.md describes the API they serve.

#ifndef DSKV_TOOLS_HTTP_REQUEST_H_
#define DSKV_TOOLS_HTTP_REQUEST_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace dskv::tool {

// What a request's target names.
struct HttpTarget {
  enum class Kind {
    kRoot,        // "/": the collections.
    kHealth,      // "/_health"
    kStats,       // "/_stats"
    kBatch,       // "/_batch"
    kCollection,  // "/<collection>/": the collection, or its members.
    kKey,         // "/<collection>/<member>": a key, or (with ?list) the
                  // members that start with <member>.
  };
  Kind kind = Kind::kRoot;
  std::string collection;  // Percent-decoded; kCollection and kKey.
  std::string member;      // Percent-decoded; kKey. May hold '/'.
  // The query's parameters in order, percent-decoded; nullopt for a
  // parameter without '=' ("?list").
  std::vector<std::pair<std::string, std::optional<std::string>>> query;

  // Whether the query has `name`, with or without a value.
  bool Has(std::string_view name) const;
  // The value of `name`; nullopt if it is absent or has none.
  std::optional<std::string_view> Value(std::string_view name) const;
};

// Parses an origin-form target ("/path?query"). The path is split at its
// first '/' after the leading one (collection, then member) before each part
// is percent-decoded, exactly once (in the query, '+' is a space, as forms
// encode it; in the path, a '+'), so "%2F" in a member is a '/' of the
// member and in a collection makes it invalid. Paths starting with "/_" and
// having no second '/' are the endpoints; every other path must name a
// collection.
//
// Errors: InvalidArgument naming the rule and the byte offset: a target not
// starting with '/', a bad percent-escape, a path of one segment that is not
// an endpoint, a parameter given twice.
absl::StatusOr<HttpTarget> ParseTarget(std::string_view target);

// Percent-decodes `text` (as ParseTarget decodes a path: '+' is a '+').
// InvalidArgument for a '%' not followed by two hex digits.
absl::StatusOr<std::string> PercentDecode(std::string_view text);

// The path that names the key `collection`/`member` in a target,
// "/<collection>/<member>", each part percent-encoded but for unreserved
// characters (RFC 3986: letters, digits, "-._~") and, in the member, '/'.
// ParseTarget reads it back as that key.
std::string KeyPath(std::string_view collection, std::string_view member);

// A range of bytes of a value: [first, last], both included.
struct ByteRange {
  std::uint64_t first = 0;
  std::uint64_t last = 0;
};

// Parses a Range header ("bytes=a-b", "bytes=a-", "bytes=-n") for a value of
// `size` bytes. nullopt for another unit than bytes, which a server ignores.
//
// Errors: InvalidArgument if it is malformed or asks for more than one
// range; OutOfRange if it is unsatisfiable (no byte of it lies within the
// value). Either way the server answers 416.
absl::StatusOr<std::optional<ByteRange>> ParseRange(std::string_view header,
                                                    std::uint64_t size);

}  // namespace dskv::tool

#endif  // DSKV_TOOLS_HTTP_REQUEST_H_
