#include "dskv/counter.h"

#include <fmt/format.h>

#include <charconv>

#include "absl/status/status.h"
#include "dskv/key.h"

namespace dskv {

absl::StatusOr<std::int64_t> ParseCounter(std::string_view text) {
  const bool negative = !text.empty() && text.front() == '-';
  const std::string_view digits = negative ? text.substr(1) : text;
  std::int64_t value = 0;
  const bool canonical =
      !digits.empty() && (digits.front() != '0' || text == "0");
  const auto [end, error] =
      std::from_chars(text.data(), text.data() + text.size(), value);
  if (!canonical || error != std::errc() || end != text.data() + text.size()) {
    return absl::InvalidArgumentError(fmt::format(
        "the value {} is not a counter: decimal digits with an optional '-', "
        "no leading zeros, within int64",
        QuoteForError(text)));
  }
  return value;
}

std::string FormatCounter(std::int64_t value) {
  return fmt::format("{}", value);
}

}  // namespace dskv
