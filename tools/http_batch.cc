#include "tools/http_batch.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <optional>
#include <string>
#include <vector>

#include "tools/json.h"

namespace dskv::tool {
namespace {

enum Field { kOp, kCollection, kMember, kValue };
constexpr std::array<std::string_view, 4> kFields = {"op", "collection",
                                                     "member", "value"};

// What each op takes: the fields it needs and those it may have.
struct OpSpec {
  std::string_view name;
  bool member;                // Needs a member.
  std::optional<bool> value;  // Needs one (true), may have one (false),
                              // takes none (nullopt).
};

constexpr std::array<OpSpec, 4> kOps = {{
    {"put", true, true},
    {"delete", true, std::nullopt},
    {"delete_all", false, std::nullopt},
    {"expect", true, false},
}};

// Adds the operation of one line to `batch`.
absl::Status AddLine(std::string_view line, WriteBatch& batch) {
  absl::StatusOr<std::vector<std::optional<std::string>>> fields =
      ParseBytesFields(line, kFields);
  if (!fields.ok()) return fields.status();
  const std::string op_name = (*fields)[kOp].value_or("put");
  const OpSpec* spec = nullptr;
  for (const OpSpec& s : kOps) {
    if (s.name == op_name) spec = &s;
  }
  if (spec == nullptr) {
    return absl::InvalidArgumentError(fmt::format(
        "unknown op {:?} (put, delete, delete_all or expect)", op_name));
  }
  auto field_rule = [&](Field field, std::string_view rule) {
    return absl::InvalidArgumentError(fmt::format(
        "op \"{}\" {} field \"{}\"", op_name, rule, kFields[field]));
  };
  const std::optional<std::string>& collection = (*fields)[kCollection];
  const std::optional<std::string>& member = (*fields)[kMember];
  const std::optional<std::string>& value = (*fields)[kValue];
  if (!collection.has_value()) return field_rule(kCollection, "needs a");
  if (collection->find('/') != std::string::npos) {
    return absl::InvalidArgumentError(
        fmt::format("collection name {:?} holds a '/'", *collection));
  }
  if (member.has_value() != spec->member) {
    return field_rule(kMember, spec->member ? "needs a" : "takes no");
  }
  if (!spec->value.has_value() && value.has_value()) {
    return field_rule(kValue, "takes no");
  }
  if (spec->value == true && !value.has_value()) {
    return field_rule(kValue, "needs a");
  }
  const std::string key = spec->member ? *collection + "/" + *member : "";
  if (op_name == "put") {
    batch.Put(key, *value);
  } else if (op_name == "delete") {
    batch.Delete(key);
  } else if (op_name == "delete_all") {
    batch.DeleteAll(*collection);
  } else {
    batch.Expect(key, value.has_value()
                          ? std::optional<std::string_view>(*value)
                          : std::nullopt);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<WriteBatch> ParseBatch(std::string_view body) {
  WriteBatch batch;
  std::size_t number = 0;
  while (!body.empty()) {
    const std::size_t end = std::min(body.find('\n'), body.size());
    std::string_view line = body.substr(0, end);
    body.remove_prefix(std::min(end + 1, body.size()));
    ++number;
    if (line.ends_with('\r')) line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    if (absl::Status s = AddLine(line, batch); !s.ok()) {
      return absl::InvalidArgumentError(
          fmt::format("line {}: {}", number, std::string(s.message())));
    }
  }
  return batch;
}

}  // namespace dskv::tool
