// The text form of Store::Increment's counters: decimal int64, one spelling
// per number.

#ifndef DSKV_COUNTER_H_
#define DSKV_COUNTER_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace dskv {

// The number `text` spells: an optional '-' then decimal digits, no leading
// zeros, '+', "-0" or spaces, within int64. InvalidArgument otherwise, with
// the text (cut short) and the rule.
absl::StatusOr<std::int64_t> ParseCounter(std::string_view text);

// `value` as ParseCounter reads it.
std::string FormatCounter(std::int64_t value);

}  // namespace dskv

#endif  // DSKV_COUNTER_H_
