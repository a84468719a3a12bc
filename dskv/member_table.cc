#include "dskv/member_table.h"

#include <cstdlib>
#include <utility>

#include "base/string_hash.h"

namespace dskv {
namespace {

// Grow past 3/4 full: linear probing's chains stay short.
bool TooFull(std::size_t size, std::size_t capacity) {
  return size * 4 >= capacity * 3;
}

constexpr std::size_t kMinCapacity = 8;

}  // namespace

std::uint64_t MemberTable::Tagged(const Record* record, std::uint64_t tag) {
  const auto address = reinterpret_cast<std::uint64_t>(record);
  // Linux gives user space addresses below 2^47 unless asked for more,
  // which nothing here does.
  if ((address & ~kAddressMask) != 0) std::abort();
  return address | (tag << kTagShift);
}

std::size_t MemberTable::HomeOfSlot(std::uint64_t slot) const {
  if (capacity_ <= kTagMask + 1) return HomeOf(TagOf(slot));
  return HomeOf(StringHash()(RecordOf(slot)->member()));
}

MemberTable::Position MemberTable::Find(std::string_view member,
                                        std::size_t hash) const {
  if (capacity_ == 0) return kMissing;
  const std::uint64_t tag = TagOfHash(hash);
  for (std::size_t i = HomeOf(hash);; i = (i + 1) & (capacity_ - 1)) {
    const std::uint64_t slot = slots_[i];
    if (slot == 0) return kMissing;
    if (TagOf(slot) == tag) {
      const Record* record = RecordOf(slot);
      // The caller reads the value next: fetch its first lines now, beside
      // the line the member is compared in, rather than one after another.
      const char* bytes = reinterpret_cast<const char*>(record);
      __builtin_prefetch(bytes + 64);
      __builtin_prefetch(bytes + 128);
      if (record->member() == member) return i;
    }
  }
}

MemberTable::Position MemberTable::Find(std::string_view member) const {
  return Find(member, StringHash()(member));
}

void MemberTable::Insert(const Record* record, std::size_t hash) {
  if (capacity_ == 0 || TooFull(size_ + 1, capacity_)) {
    Resize(capacity_ == 0 ? kMinCapacity : capacity_ * 2);
  }
  std::size_t i = HomeOf(hash);
  while (slots_[i] != 0) i = (i + 1) & (capacity_ - 1);
  slots_[i] = Tagged(record, TagOfHash(hash));
  ++size_;
}

void MemberTable::Erase(Position position) {
  const std::size_t mask = capacity_ - 1;
  std::size_t hole = position;
  // Moves back each following slot that may fill the hole: one whose home
  // is not cyclically within (hole, slot].
  for (std::size_t i = (hole + 1) & mask; slots_[i] != 0; i = (i + 1) & mask) {
    const std::size_t home = HomeOfSlot(slots_[i]);
    const bool stays =
        hole <= i ? (hole < home && home <= i) : (hole < home || home <= i);
    if (!stays) {
      slots_[hole] = slots_[i];
      hole = i;
    }
  }
  slots_[hole] = 0;
  --size_;
  if (size_ == 0) {
    slots_.reset();
    capacity_ = 0;
  }
}

void MemberTable::Resize(std::size_t capacity) {
  std::unique_ptr<std::uint64_t[]> old = std::exchange(
      slots_, std::make_unique<std::uint64_t[]>(capacity));  // Zeroed.
  const std::size_t old_capacity = std::exchange(capacity_, capacity);
  for (std::size_t j = 0; j < old_capacity; ++j) {
    if (old[j] == 0) continue;
    std::size_t i = HomeOfSlot(old[j]);
    while (slots_[i] != 0) i = (i + 1) & (capacity_ - 1);
    slots_[i] = old[j];
  }
}

}  // namespace dskv
