#include "tools/resp_cursors.h"

namespace dskv::tool {

std::uint64_t RespCursors::Add(std::string_view collection,
                               std::string_view next) {
  std::lock_guard lock(mu_);
  const std::uint64_t cursor = ++last_;
  entries_.emplace_hint(entries_.end(), cursor,
                        Entry{std::string(collection), std::string(next)});
  while (entries_.size() > capacity_) entries_.erase(entries_.begin());
  return cursor;
}

std::optional<std::string> RespCursors::Find(
    std::uint64_t cursor, std::string_view collection) const {
  std::lock_guard lock(mu_);
  const auto it = entries_.find(cursor);
  if (it == entries_.end() || it->second.collection != collection) {
    return std::nullopt;
  }
  return it->second.next;
}

}  // namespace dskv::tool
