// The errors a store's state and its batches give, defined once so that
// Store, ShardMap and the other KeyValue backends (dskv/kv.h) word them
// alike.

#ifndef DSKV_ERRORS_H_
#define DSKV_ERRORS_H_

#include <fmt/format.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/cord.h"
#include "dskv/key.h"

namespace dskv {

// Any call after Close.
inline absl::Status ClosedError() {
  return absl::FailedPreconditionError("the store is closed");
}

// A key that holds no value.
inline absl::Status NotFoundError(KeyRef key) {
  std::string full_key(key.collection);
  full_key.append("/").append(key.member);
  return absl::NotFoundError(
      fmt::format("no value at key {}", QuoteForError(full_key)));
}

// A write to a store opened with Options::read_only.
inline absl::Status ReadOnlyError() {
  return absl::FailedPreconditionError("the store is open read-only");
}

// A malformed operation or condition of a WriteBatch: `what` is "operation"
// or "condition", `index` its position among those.
inline absl::Status InvalidBatchEntryError(std::string_view what,
                                           std::size_t index,
                                           const absl::Status& why) {
  return absl::InvalidArgumentError(fmt::format(
      "WriteBatch {} {}: {}", what, index, std::string(why.message())));
}

// A WriteBatch condition (the `index`th) on `key` that does not hold.
inline absl::Status ConditionFailedError(std::size_t index,
                                         std::string_view key,
                                         bool holds_value) {
  return absl::AbortedError(fmt::format(
      "WriteBatch condition {} does not hold: {} {}", index, QuoteForError(key),
      holds_value ? "holds another value" : "holds no value"));
}

// The payload that marks a MemoryLimitError, so that the servers can tell
// it from their own ResourceExhausted errors (a request too large).
inline constexpr char kMemoryLimitPayload[] = "type.dskv.dev/memory-limit";

// A write refused because the store would hold more than
// Options::max_memory_bytes (`limit`): it holds about `usage` bytes and the
// write needs `growth` more.
inline absl::Status MemoryLimitError(std::uint64_t usage, std::uint64_t limit,
                                     std::uint64_t growth) {
  absl::Status status = absl::ResourceExhaustedError(fmt::format(
      "the store holds about {} bytes of its {} (Options::max_memory_bytes); "
      "this write needs {} more: delete keys, or give them smaller values",
      usage, limit, growth));
  status.SetPayload(kMemoryLimitPayload, absl::Cord());
  return status;
}

inline bool IsMemoryLimitError(const absl::Status& status) {
  return status.GetPayload(kMemoryLimitPayload).has_value();
}

}  // namespace dskv

#endif  // DSKV_ERRORS_H_
