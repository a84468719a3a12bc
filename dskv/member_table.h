// MemberTable: the members of one collection in one shard, by member: an
// open-addressing hash table of Record pointers.
//
// Each slot is one word: the Record's address with the low 16 bits of the
// member's hash (its tag) in its top bits, which user-space addresses leave
// zero. A lookup reads the slots of one cache line or two, compares tags,
// and reads a Record only when its tag matches: one cache miss for the
// table and one for the Record, where a table of separate tags and pointers
// costs two for the table. A slot's home comes from the hash's low bits, so
// in a table of up to 2^16 slots the tag gives it: growing the table and
// deleting move slots without reading (and missing on) their Records. Of
// the slots a lookup probes, those with the same home differ from it in the
// tag's other bits. Capacities need not be powers of two (see
// NextCapacity), so that tables stay fuller. Linear probing; deletion shifts
// the following slots back, so no tombstones build up.
//
// Holds no references: its owner does. Not thread-safe.

#ifndef DSKV_MEMBER_TABLE_H_
#define DSKV_MEMBER_TABLE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "dskv/record.h"

namespace dskv {

class MemberTable {
 public:
  // Where a member is, for Get and Set; kMissing if it is not.
  using Position = std::size_t;
  static constexpr Position kMissing = ~Position{0};

  MemberTable() = default;
  MemberTable(const MemberTable&) = delete;
  MemberTable& operator=(const MemberTable&) = delete;

  // `hash` is StringHash of the member; the overloads without it compute it.
  Position Find(std::string_view member, std::size_t hash) const;
  Position Find(std::string_view member) const;

  // Asks the processor for the slots a Find of this hash reads first, for
  // loops that look up many members: their misses then overlap.
  void Prefetch(std::size_t hash) const {
    if (capacity_ != 0) __builtin_prefetch(&slots_[HomeOf(hash)]);
  }
  // The next step of such loops, once Prefetch brought the slots: asks for
  // the Records a Find of this hash compares the member with (those whose
  // tag matches), without reading them.
  void PrefetchCandidates(std::size_t hash) const;

  const Record* Get(Position position) const {
    return RecordOf(slots_[position]);
  }
  // Replaces the Record at `position` with one of the same member.
  void Set(Position position, const Record* record) {
    slots_[position] = Tagged(record, TagOf(slots_[position]));
  }

  // Adds `record`, whose member the table does not hold.
  void Insert(const Record* record, std::size_t hash);
  // Removes the Record at `position`. Other positions may change.
  void Erase(Position position);

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  // Iteration over the Records, in no particular order.
  class const_iterator {
   public:
    const Record* operator*() const { return RecordOf(*slot_); }
    const_iterator& operator++() {
      ++slot_;
      SkipEmpty();
      return *this;
    }
    bool operator!=(const const_iterator& other) const {
      return slot_ != other.slot_;
    }

   private:
    friend class MemberTable;
    const_iterator(const std::uint64_t* slot, const std::uint64_t* end)
        : slot_(slot), end_(end) {
      SkipEmpty();
    }
    void SkipEmpty() {
      while (slot_ != end_ && *slot_ == 0) ++slot_;
    }
    const std::uint64_t* slot_;
    const std::uint64_t* end_;
  };
  const_iterator begin() const {
    return const_iterator(slots_.get(), slots_.get() + capacity_);
  }
  const_iterator end() const {
    return const_iterator(slots_.get() + capacity_, slots_.get() + capacity_);
  }

 private:
  static constexpr int kTagShift = 48;
  static constexpr std::uint64_t kAddressMask =
      (std::uint64_t{1} << kTagShift) - 1;
  static constexpr std::uint64_t kTagMask = (std::uint64_t{1} << 16) - 1;
  static_assert(kTagShift + 16 == 64);

  static std::uint64_t TagOf(std::uint64_t slot) { return slot >> kTagShift; }
  static std::uint64_t TagOfHash(std::size_t hash) {
    return static_cast<std::uint64_t>(hash) & kTagMask;
  }
  static const Record* RecordOf(std::uint64_t slot) {
    return reinterpret_cast<const Record*>(slot & kAddressMask);
  }
  static std::uint64_t Tagged(const Record* record, std::uint64_t tag);
  // Asks for the lines after a Record's first: the rest of its member and
  // the start of its value.
  static void PrefetchValue(const Record* record);

  // The first slot to probe for a member of this hash, and for the Record
  // in `slot`.
  std::size_t HomeOf(std::size_t hash) const;
  std::size_t HomeOfSlot(std::uint64_t slot) const;
  bool TagGivesHome() const;
  std::size_t HomeOfTag(std::uint64_t tag) const;
  std::size_t Next(std::size_t i) const {
    return i + 1 == capacity_ ? 0 : i + 1;
  }
  // Grows the table to `capacity` slots, rehashing.
  void Resize(std::size_t capacity);

  std::unique_ptr<std::uint64_t[]> slots_;  // 0: empty.
  std::size_t capacity_ = 0;
  std::size_t size_ = 0;
};

}  // namespace dskv

#endif  // DSKV_MEMBER_TABLE_H_
