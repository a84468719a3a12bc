// The little JSON the tool needs: writing objects for --json output and dump
// lines, and strictly reading back the one shape `load` accepts, an object
// whose values are all strings. Not a general JSON library: no numbers,
// arrays or nesting on the reading side.

#ifndef DSKV_TOOLS_JSON_H_
#define DSKV_TOOLS_JSON_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace dskv::tool {

// Returns `utf8` as a JSON string literal: '"', '\\' and control characters
// are escaped (\n, \t and the like where JSON has a short form, \u00XX
// otherwise); everything else, non-ASCII characters included, is copied, so
// the result is UTF-8 if `utf8` is. `utf8` must be valid UTF-8.
std::string JsonQuote(std::string_view utf8);

// Builds one JSON object, with members in the order added and no whitespace:
//
//   JsonObject().AddString("name", "a").AddNumber("keys", 3).Build()
//     == R"({"name":"a","keys":3})"
//
// The methods have distinct names because a string literal would otherwise
// pick an overload taking bool.
class JsonObject {
 public:
  // `value` must be valid UTF-8.
  JsonObject& AddString(std::string_view name, std::string_view value);
  JsonObject& AddNumber(std::string_view name, std::uint64_t value);
  JsonObject& AddBool(std::string_view name, bool value);
  // Bytes that may not be text: written as the string `name` if they are
  // valid UTF-8, else base64-encoded as the string `name`_base64.
  JsonObject& AddBytes(std::string_view name, std::string_view bytes);
  // `json` must already be JSON (an object, array, literal...).
  JsonObject& AddJson(std::string_view name, std::string_view json);

  std::string Build() const { return body_ + "}"; }

 private:
  void AddName(std::string_view name);

  std::string body_ = "{";
};

// Returns `elements`, each already JSON, as a JSON array.
std::string JsonArray(const std::vector<std::string>& elements);

// Parses `text`, which must be exactly one JSON string literal (RFC 8259),
// with optional JSON whitespace around it, and returns its value. Raw bytes
// must be valid UTF-8 and not control characters; \uXXXX escapes of surrogates
// must come in valid pairs, so the result is always valid UTF-8.
// InvalidArgument naming the column (1-based byte offset) otherwise.
absl::StatusOr<std::string> ParseJsonString(std::string_view text);

// Parses `text`, which must be exactly one JSON object whose values are all
// strings, with optional JSON whitespace around tokens. Returns its members
// in order. Duplicate names are an error. InvalidArgument naming the column
// (1-based byte offset) otherwise.
absl::StatusOr<std::vector<std::pair<std::string, std::string>>>
ParseJsonStringObject(std::string_view text);

// Parses `text` as ParseJsonStringObject, as an object whose members are
// the fields `names`, each at most once, in any order, and each either as
// its name, holding the bytes as text, or as its name with "_base64"
// appended, holding them base64-encoded (RFC 4648, padded): the two forms
// JsonObject::AddBytes writes. Returns each field's bytes in the order of
// `names`; nullopt for a field not given.
//
// Errors: InvalidArgument for what ParseJsonStringObject refuses, an unknown
// name, a field given twice (in either form), or bad base64.
absl::StatusOr<std::vector<std::optional<std::string>>> ParseBytesFields(
    std::string_view text, absl::Span<const std::string_view> names);

}  // namespace dskv::tool

#endif  // DSKV_TOOLS_JSON_H_
