#include "dskv/member_table.h"

#include <bit>
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

// Capacities are 4 to 7 times a power of two, each at most 1/4 above the
// one before: a table of n members takes between 4n/3 and 5n/3 slots, where
// doubling would leave it between 4n/3 and 8n/3. Growing more often costs
// little, since it reads no Record.
std::size_t NextCapacity(std::size_t capacity) {
  if (capacity < kMinCapacity) return kMinCapacity;
  const int shift = std::bit_width(capacity) - 3;  // capacity >> shift: 4..7.
  return ((capacity >> shift) + 1) << shift;
}

}  // namespace

std::uint64_t MemberTable::Tagged(const Record* record, std::uint64_t tag) {
  const auto address = reinterpret_cast<std::uint64_t>(record);
  // Linux gives user space addresses below 2^47 unless asked for more,
  // which nothing here does.
  if ((address & ~kAddressMask) != 0) std::abort();
  return address | (tag << kTagShift);
}

// A home is the hash's low bits scaled to the capacity (Lemire's
// "fastrange"): the low 16, the tag, in tables the tag reaches.
bool MemberTable::TagGivesHome() const { return capacity_ <= kTagMask + 1; }

std::size_t MemberTable::HomeOfTag(std::uint64_t tag) const {
  return static_cast<std::size_t>((tag * capacity_) >> 16);
}

std::size_t MemberTable::HomeOf(std::size_t hash) const {
  if (TagGivesHome()) return HomeOfTag(TagOfHash(hash));
  return static_cast<std::size_t>(
      ((static_cast<std::uint64_t>(hash) & 0xFFFFFFFFu) * capacity_) >> 32);
}

std::size_t MemberTable::HomeOfSlot(std::uint64_t slot) const {
  if (TagGivesHome()) return HomeOfTag(TagOf(slot));
  return HomeOf(StringHash()(RecordOf(slot)->member()));
}

MemberTable::Position MemberTable::Find(std::string_view member,
                                        std::size_t hash) const {
  if (capacity_ == 0) return kMissing;
  const std::uint64_t tag = TagOfHash(hash);
  for (std::size_t i = HomeOf(hash);; i = Next(i)) {
    const std::uint64_t slot = slots_[i];
    if (slot == 0) return kMissing;
    if (TagOf(slot) == tag) {
      const Record* record = RecordOf(slot);
      // The caller reads the value next: fetch its first lines now, beside
      // the line the member is compared in, rather than one after another.
      PrefetchValue(record);
      if (record->member() == member) return i;
    }
  }
}

void MemberTable::PrefetchCandidates(std::size_t hash) const {
  if (capacity_ == 0) return;
  const std::uint64_t tag = TagOfHash(hash);
  for (std::size_t i = HomeOf(hash); slots_[i] != 0; i = Next(i)) {
    if (TagOf(slots_[i]) == tag) {
      __builtin_prefetch(RecordOf(slots_[i]));
      PrefetchValue(RecordOf(slots_[i]));
    }
  }
}

void MemberTable::PrefetchValue(const Record* record) {
  const char* bytes = reinterpret_cast<const char*>(record);
  __builtin_prefetch(bytes + 64);
  __builtin_prefetch(bytes + 128);
}

MemberTable::Position MemberTable::Find(std::string_view member) const {
  return Find(member, StringHash()(member));
}

void MemberTable::Insert(const Record* record, std::size_t hash) {
  if (capacity_ == 0 || TooFull(size_ + 1, capacity_)) {
    Resize(NextCapacity(capacity_));
  }
  std::size_t i = HomeOf(hash);
  while (slots_[i] != 0) i = Next(i);
  slots_[i] = Tagged(record, TagOfHash(hash));
  ++size_;
}

void MemberTable::Erase(Position position) {
  std::size_t hole = position;
  // Moves back each following slot that may fill the hole: one whose home
  // is not cyclically within (hole, slot].
  for (std::size_t i = Next(hole); slots_[i] != 0; i = Next(i)) {
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
    while (slots_[i] != 0) i = Next(i);
    slots_[i] = old[j];
  }
}

}  // namespace dskv
