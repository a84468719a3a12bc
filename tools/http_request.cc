#include "tools/http_request.h"

#include <fmt/format.h>

#include <charconv>

namespace dskv::tool {
namespace {

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Whether Decode reads '+' as a space: in a query, as HTML forms and
// every URL library encode it; in a path, '+' is itself.
enum class Plus { kItself, kSpace };

// Percent-decodes `part`, which starts at byte `offset` of the target (for
// messages).
absl::StatusOr<std::string> Decode(std::string_view part, std::size_t offset,
                                   Plus plus = Plus::kItself) {
  std::string out;
  out.reserve(part.size());
  for (std::size_t i = 0; i < part.size(); ++i) {
    if (part[i] == '+' && plus == Plus::kSpace) {
      out += ' ';
      continue;
    }
    if (part[i] != '%') {
      out += part[i];
      continue;
    }
    const int high = i + 1 < part.size() ? HexDigit(part[i + 1]) : -1;
    const int low = i + 2 < part.size() ? HexDigit(part[i + 2]) : -1;
    if (high < 0 || low < 0) {
      return absl::InvalidArgumentError(fmt::format(
          "byte offset {} of the target: '%' must be followed by two hex "
          "digits",
          offset + i));
    }
    out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return out;
}

absl::Status ParseQuery(std::string_view query, std::size_t offset,
                        HttpTarget& target) {
  while (!query.empty()) {
    const std::size_t end = std::min(query.find('&'), query.size());
    const std::string_view param = query.substr(0, end);
    if (!param.empty()) {
      const std::size_t equals = param.find('=');
      absl::StatusOr<std::string> name =
          Decode(param.substr(0, equals), offset, Plus::kSpace);
      if (!name.ok()) return name.status();
      std::optional<std::string> value;
      if (equals != std::string_view::npos) {
        absl::StatusOr<std::string> decoded =
            Decode(param.substr(equals + 1), offset + equals + 1, Plus::kSpace);
        if (!decoded.ok()) return decoded.status();
        value = *std::move(decoded);
      }
      if (target.Has(*name)) {
        return absl::InvalidArgumentError(fmt::format(
            "byte offset {} of the target: the query parameter {:?} is given "
            "twice",
            offset, *name));
      }
      target.query.emplace_back(*std::move(name), std::move(value));
    }
    offset += end + 1;
    query.remove_prefix(std::min(end + 1, query.size()));
  }
  return absl::OkStatus();
}

// The decimal number `text`, all of it; nullopt if it is not one.
std::optional<std::uint64_t> Number(std::string_view text) {
  std::uint64_t value = 0;
  if (text.empty()) return std::nullopt;
  const auto [end, error] =
      std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

}  // namespace

bool HttpTarget::Has(std::string_view name) const {
  for (const auto& [n, v] : query) {
    if (n == name) return true;
  }
  return false;
}

std::optional<std::string_view> HttpTarget::Value(std::string_view name) const {
  for (const auto& [n, v] : query) {
    if (n == name && v.has_value()) return std::string_view(*v);
  }
  return std::nullopt;
}

absl::StatusOr<HttpTarget> ParseTarget(std::string_view target) {
  if (!target.starts_with('/')) {
    return absl::InvalidArgumentError(
        "byte offset 0 of the target: it must start with '/'");
  }
  HttpTarget parsed;
  const std::size_t question = std::min(target.find('?'), target.size());
  if (question < target.size()) {
    if (absl::Status s =
            ParseQuery(target.substr(question + 1), question + 1, parsed);
        !s.ok()) {
      return s;
    }
  }
  const std::string_view path = target.substr(1, question - 1);
  const std::size_t slash = path.find('/');
  if (slash == std::string_view::npos) {
    using Kind = HttpTarget::Kind;
    if (path.empty()) return parsed;  // kRoot
    for (const auto& [name, kind] : {std::pair{"_health", Kind::kHealth},
                                     std::pair{"_stats", Kind::kStats},
                                     std::pair{"_batch", Kind::kBatch}}) {
      if (path == name) {
        parsed.kind = kind;
        return parsed;
      }
    }
    return absl::InvalidArgumentError(fmt::format(
        "the target {:?} names no key: use /<collection>/<member>, or "
        "/<collection>/ for a collection",
        std::string(target.substr(0, question))));
  }
  absl::StatusOr<std::string> collection = Decode(path.substr(0, slash), 1);
  if (!collection.ok()) return collection.status();
  absl::StatusOr<std::string> member =
      Decode(path.substr(slash + 1), slash + 2);
  if (!member.ok()) return member.status();
  parsed.kind =
      member->empty() ? HttpTarget::Kind::kCollection : HttpTarget::Kind::kKey;
  parsed.collection = *std::move(collection);
  parsed.member = *std::move(member);
  return parsed;
}

absl::StatusOr<std::string> PercentDecode(std::string_view text) {
  return Decode(text, 0);
}

std::string KeyPath(std::string_view collection, std::string_view member) {
  std::string path;
  path.reserve(2 + collection.size() + member.size());
  auto append = [&path](std::string_view part, bool keep_slashes) {
    for (const char c : part) {
      const bool unreserved = (c >= 'a' && c <= 'z') ||
                              (c >= 'A' && c <= 'Z') ||
                              (c >= '0' && c <= '9') || c == '-' || c == '.' ||
                              c == '_' || c == '~';
      if (unreserved || (c == '/' && keep_slashes)) {
        path += c;
      } else {
        path += fmt::format("%{:02X}", static_cast<unsigned char>(c));
      }
    }
  };
  path += '/';
  append(collection, false);
  path += '/';
  append(member, true);
  return path;
}

absl::StatusOr<std::optional<ByteRange>> ParseRange(std::string_view header,
                                                    std::uint64_t size) {
  constexpr std::string_view kUnit = "bytes=";
  if (!header.starts_with(kUnit)) return std::nullopt;
  const std::string_view spec = header.substr(kUnit.size());
  auto malformed = [&] {
    return absl::InvalidArgumentError(fmt::format(
        "the Range header {:?} is not one range of bytes (bytes=first-last, "
        "bytes=first- or bytes=-suffix_length)",
        std::string(header)));
  };
  if (spec.find(',') != std::string_view::npos) return malformed();
  const std::size_t dash = spec.find('-');
  if (dash == std::string_view::npos) return malformed();
  const std::string_view first_text = spec.substr(0, dash);
  const std::string_view last_text = spec.substr(dash + 1);
  ByteRange range;
  if (first_text.empty()) {
    // The last n bytes.
    const std::optional<std::uint64_t> n = Number(last_text);
    if (!n.has_value()) return malformed();
    if (*n == 0 || size == 0) {
      return absl::OutOfRangeError(fmt::format(
          "the Range header {:?} selects no byte of the {}-byte value",
          std::string(header), size));
    }
    range.first = size - std::min(*n, size);
    range.last = size - 1;
    return range;
  }
  const std::optional<std::uint64_t> first = Number(first_text);
  if (!first.has_value()) return malformed();
  std::uint64_t last = size == 0 ? 0 : size - 1;
  if (!last_text.empty()) {
    const std::optional<std::uint64_t> given = Number(last_text);
    if (!given.has_value() || *given < *first) return malformed();
    last = std::min(*given, last);
  }
  if (*first >= size) {
    return absl::OutOfRangeError(fmt::format(
        "the Range header {:?} starts past the end of the {}-byte value",
        std::string(header), size));
  }
  range.first = *first;
  range.last = last;
  return range;
}

}  // namespace dskv::tool
