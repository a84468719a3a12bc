#include "tools/text.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>

#include "base/utf8.h"

namespace dskv::tool {

absl::StatusOr<std::uint64_t> ParseWholeNumber(std::string_view flag,
                                               std::string_view text) {
  std::uint64_t value = 0;
  const auto [end, error] =
      std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() ||
      end != text.data() + text.size()) {
    return absl::InvalidArgumentError(fmt::format(
        "--{} must be a non-negative whole number, not {:?}", flag, text));
  }
  return value;
}

std::string FormatBytes(std::uint64_t bytes) {
  if (bytes < 1024) return fmt::format("{} B", bytes);
  constexpr std::array<std::string_view, 5> kUnits = {"KiB", "MiB", "GiB",
                                                      "TiB", "PiB"};
  double scaled = static_cast<double>(bytes) / 1024;
  std::size_t unit = 0;
  while (scaled >= 1024 && unit + 1 < kUnits.size()) {
    scaled /= 1024;
    ++unit;
  }
  return fmt::format("{:.1f} {}", scaled, kUnits[unit]);
}

std::string Count(std::uint64_t count, std::string_view noun) {
  return fmt::format("{} {}{}", count, noun, count == 1 ? "" : "s");
}

std::string DisplayName(std::string_view name) {
  const bool plain =
      !name.empty() && IsValidUtf8(name) &&
      std::none_of(name.begin(), name.end(), [](char c) {
        const auto byte = static_cast<unsigned char>(c);
        return byte <= ' ' || byte == 0x7f || c == '"' || c == '\\';
      });
  return plain ? std::string(name) : fmt::format("{:?}", name);
}

}  // namespace dskv::tool
