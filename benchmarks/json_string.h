// JSON output helpers shared by the benchmarks.

#ifndef DSKV_BENCHMARKS_JSON_STRING_H_
#define DSKV_BENCHMARKS_JSON_STRING_H_

#include <string>
#include <string_view>

namespace dskv::bench {

// Returns `text` as a JSON string literal. `text` is assumed to be UTF-8.
std::string JsonString(std::string_view text);

}  // namespace dskv::bench

#endif  // DSKV_BENCHMARKS_JSON_STRING_H_
