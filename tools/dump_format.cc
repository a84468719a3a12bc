#include "tools/dump_format.h"

#include <fmt/format.h>

#include <array>
#include <optional>
#include <vector>

#include "tools/json.h"

namespace dskv::tool {
namespace {

// A dump line's fields, in the order it writes them.
constexpr std::array<std::string_view, 3> kFields = {"collection", "member",
                                                     "value"};

}  // namespace

std::string EncodeDumpLine(std::string_view collection, std::string_view member,
                           std::string_view value) {
  return JsonObject()
      .AddBytes(kFields[0], collection)
      .AddBytes(kFields[1], member)
      .AddBytes(kFields[2], value)
      .Build();
}

absl::StatusOr<DumpRecord> DecodeDumpLine(std::string_view line) {
  absl::StatusOr<std::vector<std::optional<std::string>>> fields =
      ParseBytesFields(line, kFields);
  if (!fields.ok()) return fields.status();
  for (std::size_t i = 0; i < kFields.size(); ++i) {
    if (!(*fields)[i].has_value()) {
      return absl::InvalidArgumentError(
          fmt::format("missing field \"{}\"", kFields[i]));
    }
  }
  DumpRecord record{.collection = *std::move((*fields)[0]),
                    .member = *std::move((*fields)[1]),
                    .value = *std::move((*fields)[2])};
  if (record.collection.find('/') != std::string::npos) {
    return absl::InvalidArgumentError(
        fmt::format("collection name {:?} holds a '/'", record.collection));
  }
  return record;
}

}  // namespace dskv::tool
