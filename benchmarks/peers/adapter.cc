#include "benchmarks/peers/adapter.h"

#include <algorithm>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "fmt/format.h"

namespace dskv::peers {

absl::Status PeerError(std::string_view store, std::string_view op,
                       std::string_view key, std::string_view message) {
  return absl::InternalError(
      key.empty() ? fmt::format("{} {}: {}", store, op, message)
                  : fmt::format("{} {}(\"{}\"): {}", store, op, key, message));
}

bool AppendIfMember(std::string_view prefix, std::string_view key,
                    std::string_view value, Pairs* pairs) {
  if (!key.starts_with(prefix)) return false;
  pairs->emplace_back(key.substr(prefix.size()), value);
  return true;
}

void SortByMember(Pairs* pairs) {
  std::sort(pairs->begin(), pairs->end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
}

std::string CollectionPrefix(std::string_view collection) {
  return fmt::format("{}/", collection);
}

}  // namespace dskv::peers
