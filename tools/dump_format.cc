#include "tools/dump_format.h"

#include <fmt/format.h>

#include <array>
#include <utility>
#include <vector>

#include "tools/base64.h"
#include "tools/errors.h"
#include "tools/json.h"

namespace dskv::tool {
namespace {

constexpr std::string_view kBase64Suffix = "_base64";

// The fields of a dump line, and where each one's value goes.
struct Field {
  std::string_view name;
  std::string DumpRecord::*target;
};

constexpr std::array<Field, 3> kFields = {{
    {"collection", &DumpRecord::collection},
    {"member", &DumpRecord::member},
    {"value", &DumpRecord::value},
}};

}  // namespace

std::string EncodeDumpLine(std::string_view collection, std::string_view member,
                           std::string_view value) {
  return JsonObject()
      .AddBytes("collection", collection)
      .AddBytes("member", member)
      .AddBytes("value", value)
      .Build();
}

absl::StatusOr<DumpRecord> DecodeDumpLine(std::string_view line) {
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> members =
      ParseJsonStringObject(line);
  if (!members.ok()) return members.status();
  DumpRecord record;
  std::array<bool, kFields.size()> seen{};
  for (auto& [name, text] : *members) {
    std::string_view field = name;
    const bool base64 = field.ends_with(kBase64Suffix);
    if (base64) field.remove_suffix(kBase64Suffix.size());
    std::size_t i = 0;
    while (i < kFields.size() && kFields[i].name != field) ++i;
    if (i == kFields.size()) {
      return absl::InvalidArgumentError(fmt::format(
          "unknown field {:?} (a line holds \"collection\", \"member\" and "
          "\"value\", each possibly with \"_base64\" appended)",
          name));
    }
    if (seen[i]) {
      return absl::InvalidArgumentError(
          fmt::format("field {:?} given twice (as \"{}\" and \"{}_base64\")",
                      kFields[i].name, kFields[i].name, kFields[i].name));
    }
    seen[i] = true;
    std::string& target = record.*kFields[i].target;
    if (!base64) {
      target = std::move(text);
      continue;
    }
    absl::StatusOr<std::string> bytes = Base64Decode(text);
    if (!bytes.ok()) {
      return absl::InvalidArgumentError(
          fmt::format("field {:?}: {}", name, MessageOf(bytes.status())));
    }
    target = *std::move(bytes);
  }
  for (std::size_t i = 0; i < kFields.size(); ++i) {
    if (!seen[i]) {
      return absl::InvalidArgumentError(
          fmt::format("missing field \"{}\"", kFields[i].name));
    }
  }
  if (record.collection.find('/') != std::string::npos) {
    return absl::InvalidArgumentError(
        fmt::format("collection name {:?} holds a '/'", record.collection));
  }
  return record;
}

}  // namespace dskv::tool
