#include "dskv/key.h"

#include <fmt/format.h>

#include "dskv/store.h"
#include "persist/format.h"

namespace dskv {

// Every key the store accepts fits its files.
static_assert(kMaxCollectionSize == format::kMaxNameSize);
static_assert(kMaxMemberSize == format::kMaxMemberSize);

// Keys may be up to 64 KiB of binary bytes; error messages show a readable,
// bounded prefix.
std::string QuoteForError(std::string_view bytes) {
  constexpr std::size_t kShown = 64;
  std::string quoted = fmt::format("{:?}", bytes.substr(0, kShown));
  if (bytes.size() > kShown) {
    fmt::format_to(std::back_inserter(quoted), "... ({} bytes)", bytes.size());
  }
  return quoted;
}

absl::Status ValidateCollection(std::string_view collection) {
  if (collection.empty()) {
    return absl::InvalidArgumentError("collection name must not be empty");
  }
  if (collection.size() > kMaxCollectionSize) {
    return absl::InvalidArgumentError(
        fmt::format("collection name {} is longer than {} bytes",
                    QuoteForError(collection), kMaxCollectionSize));
  }
  if (collection.find('/') != std::string_view::npos) {
    return absl::InvalidArgumentError(fmt::format(
        "collection name {} must not contain '/'", QuoteForError(collection)));
  }
  return absl::OkStatus();
}

absl::StatusOr<KeyRef> ParseKey(std::string_view key) {
  const std::size_t slash = key.find('/');
  if (slash == std::string_view::npos) {
    return absl::InvalidArgumentError(
        fmt::format("key {} has no '/': keys are \"collection/member\"",
                    QuoteForError(key)));
  }
  KeyRef ref{key.substr(0, slash), key.substr(slash + 1)};
  if (ref.collection.empty()) {
    return absl::InvalidArgumentError(
        fmt::format("key {} has an empty collection name before the '/'",
                    QuoteForError(key)));
  }
  if (absl::Status s = ValidateCollection(ref.collection); !s.ok()) return s;
  if (ref.member.empty()) {
    return absl::InvalidArgumentError(fmt::format(
        "key {} has an empty member name after the '/'", QuoteForError(key)));
  }
  if (ref.member.size() > kMaxMemberSize) {
    return absl::InvalidArgumentError(
        fmt::format("member of key {} is longer than {} bytes",
                    QuoteForError(key), kMaxMemberSize));
  }
  return ref;
}

absl::Status ValidateValueSize(std::size_t size, std::size_t max_size) {
  if (size > max_size) {
    return absl::InvalidArgumentError(
        fmt::format("value of {} bytes is larger than the {}-byte limit "
                    "(Options::max_value_size)",
                    size, max_size));
  }
  return absl::OkStatus();
}

}  // namespace dskv
