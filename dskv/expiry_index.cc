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

void ExpiryIndex::TakeUntil(
    std::int64_t until_ms,
    absl::FunctionRef<bool(std::string_view, std::string_view)> take) {
  while (!entries_.empty() && entries_.begin()->deadline_ms <= until_ms) {
    // Taken out first: `take` may change the index.
    const Entry entry = *entries_.begin();
    entries_.erase(entries_.begin());
    if (!take(entry.collection, entry.member)) return;
  }
}

namespace {

// The heap bytes of a std::string of `size` bytes: none within its inline
// buffer, else malloc's chunk for it.
std::size_t StringHeapBytes(std::size_t size) {
  constexpr std::size_t kInline = 15;
  return size <= kInline ? 0 : (size + 1 + 8 + 15) & ~std::size_t{15};
}

}  // namespace

std::size_t ExpiryIndex::EntryMemory(std::string_view collection,
                                     std::string_view member) {
  // A B-tree node of absl's 256-byte target holds three entries of this
  // size and is about two-thirds full on average.
  constexpr std::size_t kTreeBytesPerEntry = 128;
  static_assert(sizeof(Entry) <= 80);
  return kTreeBytesPerEntry + StringHeapBytes(collection.size()) +
         StringHeapBytes(member.size());
}

}  // namespace dskv
