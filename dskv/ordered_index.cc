#include "dskv/ordered_index.h"

#include <algorithm>
#include <cstring>

namespace dskv {

namespace {

std::uint64_t BigEndian(const unsigned char* bytes) {
  std::uint64_t value = 0;
  for (int i = 0; i < 8; ++i) value = (value << 8) | bytes[i];
  return value;
}

}  // namespace

OrderedIndex::Key OrderedIndex::KeyOf(std::string_view member) {
  unsigned char bytes[16] = {};
  std::memcpy(bytes, member.data(), std::min<std::size_t>(member.size(), 16));
  return {BigEndian(bytes), BigEndian(bytes + 8)};
}

void OrderedIndex::Upsert(const Record* record) {
  auto [it, inserted] = set_.insert(Entry{KeyOf(record->member()), record});
  // Same member, so the order holds.
  if (!inserted) const_cast<Entry&>(*it).record = record;
}

void OrderedIndex::Erase(std::string_view member) {
  auto it = set_.find(Probe{KeyOf(member), member});
  if (it != set_.end()) set_.erase(it);
}

void OrderedIndex::UpsertAll(const std::vector<const Record*>& records) {
  std::vector<Entry> entries;
  entries.reserve(records.size());
  for (const Record* record : records) {
    entries.push_back({KeyOf(record->member()), record});
  }
  std::sort(entries.begin(), entries.end(), Less());
  // In order, an insertion often lands next to the previous one, which the
  // hint makes cheap.
  auto hint = set_.begin();
  for (const Entry& entry : entries) {
    auto it = set_.insert(hint, entry);
    const_cast<Entry&>(*it).record = entry.record;  // If it was there.
    hint = std::next(it);
  }
}

}  // namespace dskv
