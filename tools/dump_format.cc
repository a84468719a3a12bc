#include "tools/dump_format.h"

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <optional>
#include <string>
#include <vector>

#include "tools/json.h"

namespace dskv::tool {
namespace {

// A dump line's fields, in the order it writes them; the last is optional.
constexpr std::array<std::string_view, 4> kFields = {"collection", "member",
                                                     "value", "expires_ms"};
constexpr std::size_t kRequiredFields = 3;

}  // namespace

std::string EncodeDumpLine(std::string_view collection, std::string_view member,
                           std::string_view value,
                           std::optional<std::int64_t> expires_ms) {
  JsonObject line;
  line.AddBytes(kFields[0], collection)
      .AddBytes(kFields[1], member)
      .AddBytes(kFields[2], value);
  if (expires_ms.has_value()) {
    line.AddString(kFields[3], std::to_string(*expires_ms));
  }
  return line.Build();
}

absl::StatusOr<DumpRecord> DecodeDumpLine(std::string_view line) {
  absl::StatusOr<std::vector<std::optional<std::string>>> fields =
      ParseBytesFields(line, kFields);
  if (!fields.ok()) return fields.status();
  for (std::size_t i = 0; i < kRequiredFields; ++i) {
    if (!(*fields)[i].has_value()) {
      return absl::InvalidArgumentError(
          fmt::format("missing field \"{}\"", kFields[i]));
    }
  }
  DumpRecord record{.collection = *std::move((*fields)[0]),
                    .member = *std::move((*fields)[1]),
                    .value = *std::move((*fields)[2])};
  if (const std::optional<std::string>& expires = (*fields)[3];
      expires.has_value()) {
    std::int64_t ms = 0;
    const auto [end, error] =
        std::from_chars(expires->data(), expires->data() + expires->size(), ms);
    if (expires->empty() || error != std::errc() ||
        end != expires->data() + expires->size() || ms <= 0) {
      return absl::InvalidArgumentError(fmt::format(
          "field \"expires_ms\" must be a positive count of milliseconds "
          "since the Unix epoch, in decimal digits, not {:?}",
          *expires));
    }
    record.expires_ms = ms;
  }
  if (record.collection.find('/') != std::string::npos) {
    return absl::InvalidArgumentError(
        fmt::format("collection name {:?} holds a '/'", record.collection));
  }
  return record;
}

}  // namespace dskv::tool
