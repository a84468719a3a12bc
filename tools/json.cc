#include "tools/json.h"

#include <fmt/format.h>

#include <cstddef>
#include <optional>

#include "base/utf8.h"
#include "tools/base64.h"

namespace dskv::tool {
namespace {

// A strict recursive-descent reader over one text, for the shapes above.
class Reader {
 public:
  explicit Reader(std::string_view text) : text_(text) {}

  absl::StatusOr<std::string> String() {
    if (!Consume('"')) return Error("expected '\"'");
    std::string out;
    while (true) {
      if (AtEnd()) return Error("unterminated string");
      const char c = text_[pos_];
      if (c == '"') {
        ++pos_;
        return out;
      }
      if (c == '\\') {
        if (absl::Status s = Escape(&out); !s.ok()) return s;
        continue;
      }
      if (static_cast<unsigned char>(c) < 0x20) {
        return Error(fmt::format(
            "control character 0x{:02x} in a string must be escaped",
            static_cast<unsigned char>(c)));
      }
      // Copy the run of plain bytes up to the next quote, backslash or
      // control character at once, checking that it is UTF-8.
      const std::size_t start = pos_;
      while (!AtEnd() && text_[pos_] != '"' && text_[pos_] != '\\' &&
             static_cast<unsigned char>(text_[pos_]) >= 0x20) {
        ++pos_;
      }
      const std::string_view run = text_.substr(start, pos_ - start);
      if (!IsValidUtf8(run)) {
        pos_ = start;
        return Error("string is not valid UTF-8");
      }
      out += run;
    }
  }

  absl::StatusOr<std::vector<std::pair<std::string, std::string>>>
  StringObject() {
    std::vector<std::pair<std::string, std::string>> members;
    SkipWhitespace();
    if (!Consume('{')) return Error("expected '{'");
    SkipWhitespace();
    if (Consume('}')) return members;
    while (true) {
      SkipWhitespace();
      const std::size_t name_pos = pos_;
      absl::StatusOr<std::string> name = String();
      if (!name.ok()) return name.status();
      for (const auto& member : members) {
        if (member.first == *name) {
          pos_ = name_pos;
          return Error(fmt::format("duplicate name {:?}", *name));
        }
      }
      SkipWhitespace();
      if (!Consume(':')) return Error("expected ':'");
      SkipWhitespace();
      absl::StatusOr<std::string> value = String();
      if (!value.ok()) return value.status();
      members.emplace_back(*std::move(name), *std::move(value));
      SkipWhitespace();
      if (Consume('}')) return members;
      if (!Consume(',')) return Error("expected ',' or '}'");
    }
  }

  void SkipWhitespace() {
    while (!AtEnd() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                        text_[pos_] == '\n' || text_[pos_] == '\r')) {
      ++pos_;
    }
  }

  // Fails unless only whitespace is left.
  absl::Status End() {
    SkipWhitespace();
    if (!AtEnd()) return Error("unexpected text after the JSON value");
    return absl::OkStatus();
  }

 private:
  bool AtEnd() const { return pos_ >= text_.size(); }

  bool Consume(char c) {
    if (AtEnd() || text_[pos_] != c) return false;
    ++pos_;
    return true;
  }

  absl::Status Error(std::string_view what) const {
    return absl::InvalidArgumentError(
        fmt::format("column {}: {}", pos_ + 1, what));
  }

  // Reads four hex digits.
  std::optional<std::uint32_t> Hex4() {
    if (text_.size() - pos_ < 4) return std::nullopt;
    std::uint32_t value = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = text_[pos_ + i];
      std::uint32_t digit;
      if (c >= '0' && c <= '9') {
        digit = c - '0';
      } else if (c >= 'a' && c <= 'f') {
        digit = c - 'a' + 10;
      } else if (c >= 'A' && c <= 'F') {
        digit = c - 'A' + 10;
      } else {
        return std::nullopt;
      }
      value = value << 4 | digit;
    }
    pos_ += 4;
    return value;
  }

  // Reads the escape at pos_ (a backslash) and appends what it stands for.
  absl::Status Escape(std::string* out) {
    const std::size_t start = pos_;
    ++pos_;
    if (AtEnd()) return Error("unterminated escape");
    const char c = text_[pos_++];
    switch (c) {
      case '"':
      case '\\':
      case '/':
        *out += c;
        return absl::OkStatus();
      case 'b':
        *out += '\b';
        return absl::OkStatus();
      case 'f':
        *out += '\f';
        return absl::OkStatus();
      case 'n':
        *out += '\n';
        return absl::OkStatus();
      case 'r':
        *out += '\r';
        return absl::OkStatus();
      case 't':
        *out += '\t';
        return absl::OkStatus();
      case 'u':
        break;
      default:
        pos_ = start;
        return Error(fmt::format("unknown escape \\{}", c));
    }
    std::optional<std::uint32_t> unit = Hex4();
    if (!unit.has_value()) {
      pos_ = start;
      return Error("\\u must be followed by four hex digits");
    }
    std::uint32_t code_point = *unit;
    if (code_point >= 0xDC00 && code_point <= 0xDFFF) {
      pos_ = start;
      return Error("unpaired low surrogate");
    }
    if (code_point >= 0xD800 && code_point <= 0xDBFF) {
      // A high surrogate: the low one must follow as another \u escape.
      std::optional<std::uint32_t> low;
      if (text_.substr(pos_, 2) == "\\u") {
        pos_ += 2;
        low = Hex4();
      }
      if (!low.has_value() || *low < 0xDC00 || *low > 0xDFFF) {
        pos_ = start;
        return Error("high surrogate not followed by a low surrogate");
      }
      code_point = 0x10000 + ((code_point - 0xD800) << 10) + (*low - 0xDC00);
    }
    AppendUtf8(code_point, out);
    return absl::OkStatus();
  }

  const std::string_view text_;
  std::size_t pos_ = 0;
};

}  // namespace

std::string JsonQuote(std::string_view utf8) {
  std::string out;
  out.reserve(utf8.size() + 2);
  out += '"';
  for (const char c : utf8) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += fmt::format("\\u{:04x}", static_cast<unsigned char>(c));
        } else {
          out += c;
        }
    }
  }
  out += '"';
  return out;
}

void JsonObject::AddName(std::string_view name) {
  if (body_.size() > 1) body_ += ',';
  body_ += JsonQuote(name);
  body_ += ':';
}

JsonObject& JsonObject::AddString(std::string_view name,
                                  std::string_view value) {
  AddName(name);
  body_ += JsonQuote(value);
  return *this;
}

JsonObject& JsonObject::AddNumber(std::string_view name, std::uint64_t value) {
  AddName(name);
  body_ += fmt::format("{}", value);
  return *this;
}

JsonObject& JsonObject::AddBool(std::string_view name, bool value) {
  AddName(name);
  body_ += value ? "true" : "false";
  return *this;
}

JsonObject& JsonObject::AddBytes(std::string_view name,
                                 std::string_view bytes) {
  if (IsValidUtf8(bytes)) return AddString(name, bytes);
  AddName(fmt::format("{}_base64", name));
  body_ += JsonQuote(Base64Encode(bytes));
  return *this;
}

JsonObject& JsonObject::AddJson(std::string_view name, std::string_view json) {
  AddName(name);
  body_ += json;
  return *this;
}

std::string JsonArray(const std::vector<std::string>& elements) {
  std::string out = "[";
  for (std::size_t i = 0; i < elements.size(); ++i) {
    if (i > 0) out += ',';
    out += elements[i];
  }
  return out + "]";
}

absl::StatusOr<std::string> ParseJsonString(std::string_view text) {
  Reader reader(text);
  reader.SkipWhitespace();
  absl::StatusOr<std::string> value = reader.String();
  if (!value.ok()) return value.status();
  if (absl::Status s = reader.End(); !s.ok()) return s;
  return value;
}

absl::StatusOr<std::vector<std::pair<std::string, std::string>>>
ParseJsonStringObject(std::string_view text) {
  Reader reader(text);
  auto members = reader.StringObject();
  if (!members.ok()) return members.status();
  if (absl::Status s = reader.End(); !s.ok()) return s;
  return members;
}

absl::StatusOr<std::vector<std::optional<std::string>>> ParseBytesFields(
    std::string_view text, absl::Span<const std::string_view> names) {
  constexpr std::string_view kBase64Suffix = "_base64";
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> members =
      ParseJsonStringObject(text);
  if (!members.ok()) return members.status();
  std::vector<std::optional<std::string>> fields(names.size());
  for (auto& [name, value] : *members) {
    std::string_view field = name;
    const bool base64 = field.ends_with(kBase64Suffix);
    if (base64) field.remove_suffix(kBase64Suffix.size());
    std::size_t i = 0;
    while (i < names.size() && names[i] != field) ++i;
    if (i == names.size()) {
      std::string known;
      for (std::string_view n : names) {
        known += fmt::format("{}\"{}\"", known.empty() ? "" : ", ", n);
      }
      return absl::InvalidArgumentError(fmt::format(
          "unknown field {:?} (the fields are {}, each possibly with "
          "\"_base64\" appended)",
          name, known));
    }
    if (fields[i].has_value()) {
      return absl::InvalidArgumentError(
          fmt::format("field {:?} given twice (as \"{}\" or \"{}_base64\")",
                      names[i], names[i], names[i]));
    }
    if (!base64) {
      fields[i] = std::move(value);
      continue;
    }
    absl::StatusOr<std::string> bytes = Base64Decode(value);
    if (!bytes.ok()) {
      return absl::InvalidArgumentError(fmt::format(
          "field {:?}: {}", name, std::string(bytes.status().message())));
    }
    fields[i] = *std::move(bytes);
  }
  return fields;
}

}  // namespace dskv::tool
