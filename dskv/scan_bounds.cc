#include "dskv/scan_bounds.h"

#include <algorithm>
#include <string_view>

namespace dskv {
namespace {

// The smallest string greater than every string that begins with `prefix`;
// empty if there is none (the prefix is all 0xFF bytes).
std::string PrefixEnd(std::string_view prefix) {
  std::string end(prefix);
  while (!end.empty() && static_cast<unsigned char>(end.back()) == 0xFF) {
    end.pop_back();
  }
  if (!end.empty()) end.back() = static_cast<char>(end.back() + 1);
  return end;
}

}  // namespace

ScanBounds BoundsOf(const ScanOptions& options) {
  ScanBounds bounds{std::max<std::string_view>(options.start, options.prefix),
                    options.end};
  if (!options.prefix.empty()) {
    std::string prefix_end = PrefixEnd(options.prefix);
    if (!prefix_end.empty() &&
        (bounds.upper.empty() || prefix_end < bounds.upper)) {
      bounds.upper = std::move(prefix_end);
    }
  }
  return bounds;
}

}  // namespace dskv
