#include "dskv/expiry_index.h"

namespace dskv {

bool ExpiryIndex::Add(std::int64_t deadline_ms, std::string_view collection,
                      std::string_view member) {
  return entries_
      .insert(Entry{deadline_ms, std::string(collection), std::string(member)})
      .second;
}

bool ExpiryIndex::Remove(std::int64_t deadline_ms, std::string_view collection,
                         std::string_view member) {
  return entries_.erase(Entry{deadline_ms, std::string(collection),
                              std::string(member)}) > 0;
}

std::optional<std::int64_t> ExpiryIndex::Next() const {
  if (entries_.empty()) return std::nullopt;
  return entries_.begin()->deadline_ms;
}

void ExpiryIndex::TakeDue(
    std::int64_t now_ms,
    absl::FunctionRef<void(std::string_view, std::string_view)> expired) {
  while (!entries_.empty() && entries_.begin()->deadline_ms <= now_ms) {
    // Taken out first: `expired` may change the index.
    const Entry entry = *entries_.begin();
    entries_.erase(entries_.begin());
    expired(entry.collection, entry.member);
  }
}

}  // namespace dskv
