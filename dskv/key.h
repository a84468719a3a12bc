// Parsing and validation of keys and collection names: the only place that
// knows the rules documented in dskv/store.h.

#ifndef DSKV_KEY_H_
#define DSKV_KEY_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace dskv {

// A key split into its parts. Both views point into the parsed key.
struct KeyRef {
  std::string_view collection;
  std::string_view member;
};

// Splits "collection/member" at the first '/'. Returns InvalidArgument, with a
// message naming the rule that was broken, if either part is out of limits.
absl::StatusOr<KeyRef> ParseKey(std::string_view key);

// Returns InvalidArgument, naming the broken rule, unless `collection` is a
// valid collection name.
absl::Status ValidateCollection(std::string_view collection);

// Quotes possibly binary key bytes for an error message: C-escaped and cut to
// a readable length.
std::string QuoteForError(std::string_view bytes);

// Returns InvalidArgument unless a value of `size` bytes is within `max_size`.
absl::Status ValidateValueSize(std::size_t size, std::size_t max_size);

}  // namespace dskv

#endif  // DSKV_KEY_H_
