// Record: one stored (member, value) pair, or the tombstone of a deleted
// member, in a single reference-counted allocation that readers, the
// janitor and SharedValues share.
//
// Layout: the state word (reference count and flags), the member's size
// less one (2 bytes: members are 1 to 2^16 bytes), a byte that is the
// value's size if it is below kExpiringByte, marks a tombstone, or says
// that the value's size follows in 8 bytes (kLongValueByte, and
// kExpiringByte for a record that expires); then the member and the stored
// value: the value itself, or for a record that expires, its deadline
// (format::kDeadlineSize bytes, as the file holds it) and then the value.
// The sizes count the stored value. That a record expires is in the byte
// every read looks at anyway, so records without a deadline pay nothing
// for the feature. A small record's header is 7 bytes where a file
// record's body header is 13: in memory, where a store of small values
// spends most of its bytes, the difference is a size class. The janitor
// encodes the file record (fields()) as it writes.

#ifndef DSKV_RECORD_H_
#define DSKV_RECORD_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>

#include "persist/coding.h"
#include "persist/format.h"

namespace dskv {

class Record {
 public:
  // The deadline of a record that never expires. Deadlines are milliseconds
  // since the Unix epoch (UTC), as the files hold them.
  static constexpr std::int64_t kNoDeadline = 0;

  // A new record with one reference, owned by the caller; one that expires
  // at `deadline_ms` unless that is kNoDeadline.
  static Record* NewPut(std::string_view member, std::string_view value,
                        std::int64_t deadline_ms = kNoDeadline);
  static Record* NewTombstone(std::string_view member);

  // The bytes a put record of these sizes takes in memory (a tombstone's:
  // `value_size` 0).
  static std::size_t AllocationSize(std::size_t member_size,
                                    std::size_t value_size,
                                    std::int64_t deadline_ms = kNoDeadline) {
    const std::size_t stored = StoredSize(value_size, deadline_ms);
    return sizeof(Record) + HeaderSize(stored, deadline_ms) + member_size +
           stored;
  }
  // A new put record with one reference in `memory`, AllocationSize bytes
  // carved from a RecordArena chunk (dskv/record_arena.h): its last Unref
  // gives the memory back to the chunk.
  static Record* NewPutInArena(void* memory, std::string_view member,
                               std::string_view value,
                               std::int64_t deadline_ms);
  // As NewPutInArena and a tombstone, in AllocationSize bytes from a
  // RecordSlab (dskv/record_slab.h), which gets them back with the last
  // Unref.
  static Record* NewPutInSlab(void* memory, std::string_view member,
                              std::string_view value, std::int64_t deadline_ms);
  static Record* NewTombstoneInSlab(void* memory, std::string_view member);
  // As NewPut and NewPutInSlab, but the value's `value_size` bytes are left
  // for the caller to write, through value_to_fill(), before anyone else
  // sees the record.
  static Record* NewUnfilledPut(std::string_view member, std::size_t value_size,
                                std::int64_t deadline_ms);
  static Record* NewUnfilledPutInSlab(void* memory, std::string_view member,
                                      std::size_t value_size,
                                      std::int64_t deadline_ms);

  Record(const Record&) = delete;
  Record& operator=(const Record&) = delete;

  // Inline: they run on every lookup.
  std::string_view member() const {
    return {header() + HeaderSizeOf(size_byte()), member_size()};
  }
  std::string_view value() const {
    const std::string_view stored = stored_value();
    return expiring() ? stored.substr(format::kDeadlineSize) : stored;
  }
  bool is_tombstone() const { return size_byte() == kTombstoneByte; }

  // Whether the record has a deadline, and the deadline (kNoDeadline if
  // not). The record reads as absent from its deadline on: whoever reads
  // it must check (ShardMap does).
  bool expiring() const { return size_byte() == kExpiringByte; }
  std::int64_t deadline_ms() const {
    return expiring() ? format::SplitExpiringValue(stored_value()).deadline_ms
                      : kNoDeadline;
  }
  // Whether the record has expired at `now_ms`.
  bool ExpiredAt(std::int64_t now_ms) const {
    return expiring() && deadline_ms() <= now_ms;
  }

  // What the janitor writes to the collection file.
  format::RecordFields fields() const {
    return {is_tombstone() ? format::RecordType::kDelete
            : expiring()   ? format::RecordType::kPutExpiring
                           : format::RecordType::kPut,
            member(), stored_value()};
  }

  // The bytes it takes in memory: AllocationSize of its sizes.
  std::size_t allocation_size() const {
    const std::uint8_t size_byte = this->size_byte();
    return sizeof(Record) + HeaderSizeOf(size_byte) + member_size() +
           ValueSizeOf(size_byte);
  }

  // The size of the record a collection file holds for it.
  std::size_t file_size() const {
    return format::RecordSize(member_size(), ValueSizeOf(size_byte()));
  }

  // Asks the processor for the record's first two cache lines (its header,
  // member and the start of its value), `for_write` if the caller will
  // change its state. For loops over many Records: fetching a few ahead
  // overlaps their cache misses, which otherwise come one after another.
  void Prefetch(bool for_write) const {
    const char* bytes = reinterpret_cast<const char*>(this);
    if (for_write) {
      __builtin_prefetch(bytes, 1);
      __builtin_prefetch(bytes + 64, 1);
    } else {
      __builtin_prefetch(bytes, 0);
      __builtin_prefetch(bytes + 64, 0);
    }
  }

  // Where the value of a record from NewUnfilledPut is to be written.
  char* value_to_fill() const { return const_cast<char*>(value().data()); }

  // Replaces the value with `value`, of the same size, in place; for a
  // record that does not expire. Only for the holder of the sole reference,
  // under the exclusive lock of the shard that holds the record, so that no
  // one can be reading the value.
  void OverwriteValue(std::string_view value) const;

  // Whether the caller's reference is the only one, but for that of its
  // shard's dirty list (see listed()). Only for the holder of the map's
  // reference, under its shard's exclusive lock.
  bool HasNoOtherRef() const {
    const std::uint32_t state = state_.load(std::memory_order_acquire);
    return (state & kRefMask) == ((state & kListedBit) != 0 ? 2 : 1);
  }

  void Ref() const { state_.fetch_add(1, std::memory_order_relaxed); }
  // Drops a reference; frees the record with the last one.
  void Unref() const;

  // Whether the record is its member's current one and waits for the
  // janitor (listed itself, or under a Record it replaced). Read and written
  // only under the lock of the shard that holds the record.
  bool pending() const {
    return (state_.load(std::memory_order_relaxed) & kPendingBit) != 0;
  }
  void set_pending(bool pending) const;

  // Whether a collection's OrderedIndex may point at the record (see
  // ShardMap): it must then outlive its replacement until the index learns
  // of it. Read and written only under the lock of the shard that holds the
  // record.
  bool indexed() const {
    return (state_.load(std::memory_order_relaxed) & kIndexedBit) != 0;
  }
  void set_indexed(bool indexed) const;

  // Whether its shard's dirty list holds a reference to the record, which
  // only names the member and never reads the value. Read and written only
  // under the lock of the shard that holds the record.
  bool listed() const {
    return (state_.load(std::memory_order_relaxed) & kListedBit) != 0;
  }
  void set_listed(bool listed) const;

  // Marks the record pending and listed and takes the dirty list's
  // reference, in one atomic step: the put path's only atomic write to the
  // record. Only for a record that is neither pending nor listed (a record
  // its shard holds is listed only while pending), under its shard's
  // exclusive lock.
  void MarkPendingAndListed() const {
    state_.fetch_add(kPendingBit | kListedBit | 1, std::memory_order_relaxed);
  }
  // Clears pending and listed in one atomic step, for Drain, which takes
  // over the dirty list's reference. Under its shard's exclusive lock.
  void ClearPendingAndListed() const {
    state_.fetch_and(~(kPendingBit | kListedBit), std::memory_order_relaxed);
  }

 private:
  // The reference count and five flags share one word so that a record's
  // header is 4 bytes: small records then fit malloc's next-smaller size
  // class. 2^27 references are more than any program holds.
  static constexpr std::uint32_t kPendingBit = 0x80000000u;
  static constexpr std::uint32_t kArenaBit = 0x40000000u;  // RecordArena's.
  static constexpr std::uint32_t kIndexedBit = 0x20000000u;
  static constexpr std::uint32_t kListedBit = 0x10000000u;
  static constexpr std::uint32_t kSlabBit = 0x08000000u;  // RecordSlab's.
  static constexpr std::uint32_t kRefMask = 0x07FFFFFFu;

  // The header after the state word; see the layout above.
  static constexpr std::size_t kMemberSizeOffset = 0;
  static constexpr std::size_t kSizeByteOffset = 2;
  static constexpr std::size_t kValueSizeOffset = 3;
  static constexpr std::size_t kShortHeaderSize = 3;
  static constexpr std::size_t kLongHeaderSize = kValueSizeOffset + 8;
  static constexpr std::uint8_t kExpiringByte = 0xFD;
  static constexpr std::uint8_t kTombstoneByte = 0xFE;
  static constexpr std::uint8_t kLongValueByte = 0xFF;

  // The header of a put whose stored value is `stored_size` bytes.
  static std::size_t HeaderSize(std::size_t stored_size,
                                std::int64_t deadline_ms) {
    return stored_size < kExpiringByte && deadline_ms == kNoDeadline
               ? kShortHeaderSize
               : kLongHeaderSize;
  }
  static std::size_t HeaderSizeOf(std::uint8_t size_byte) {
    return size_byte == kLongValueByte || size_byte == kExpiringByte
               ? kLongHeaderSize
               : kShortHeaderSize;
  }
  // The size of the stored value of a put with a value of `value_size`.
  static std::size_t StoredSize(std::size_t value_size,
                                std::int64_t deadline_ms) {
    return deadline_ms == kNoDeadline ? value_size
                                      : format::kDeadlineSize + value_size;
  }

  explicit Record(std::uint32_t state) : state_(state) {}
  // A record of `type` from ::operator new; its value is copied from
  // `value`, `value_size` bytes, unless `value` is null. It expires at
  // `deadline_ms` unless that is kNoDeadline.
  static Record* New(std::uint8_t type, std::string_view member,
                     std::size_t value_size, const char* value,
                     std::int64_t deadline_ms);
  // Builds a record of `type` with one reference in `memory`, as New.
  static Record* Construct(void* memory, std::uint32_t flags, std::uint8_t type,
                           std::string_view member, std::size_t value_size,
                           const char* value, std::int64_t deadline_ms);
  const char* header() const {
    return reinterpret_cast<const char*>(this) + sizeof(Record);
  }
  std::uint8_t size_byte() const {
    return static_cast<std::uint8_t>(header()[kSizeByteOffset]);
  }
  std::size_t member_size() const {
    return std::size_t{
               DecodeFixed<std::uint16_t>(header() + kMemberSizeOffset)} +
           1;
  }
  // The value as stored: with the deadline of a record that expires.
  std::string_view stored_value() const {
    const std::uint8_t size_byte = this->size_byte();
    return {header() + HeaderSizeOf(size_byte) + member_size(),
            ValueSizeOf(size_byte)};
  }
  std::size_t ValueSizeOf(std::uint8_t size_byte) const {
    if (size_byte < kExpiringByte) return size_byte;
    if (size_byte == kTombstoneByte) return 0;
    return static_cast<std::size_t>(
        DecodeFixed<std::uint64_t>(header() + kValueSizeOffset));
  }

  mutable std::atomic<std::uint32_t> state_;
};

static_assert(sizeof(Record) == 4);

// Owns one reference to a Record.
class RecordRef {
 public:
  RecordRef() = default;
  // Adopts the reference the caller owns.
  explicit RecordRef(const Record* record) : record_(record) {}
  RecordRef(const RecordRef& other) : record_(other.record_) {
    if (record_ != nullptr) record_->Ref();
  }
  RecordRef(RecordRef&& other) noexcept
      : record_(std::exchange(other.record_, nullptr)) {}
  RecordRef& operator=(RecordRef other) noexcept {
    std::swap(record_, other.record_);
    return *this;
  }
  ~RecordRef() {
    if (record_ != nullptr) record_->Unref();
  }

  // Takes a new reference to `record`.
  static RecordRef Share(const Record* record) {
    record->Ref();
    return RecordRef(record);
  }

  const Record* get() const { return record_; }
  const Record* operator->() const { return record_; }
  const Record& operator*() const { return *record_; }
  // Gives up ownership without dropping the reference.
  const Record* release() { return std::exchange(record_, nullptr); }

 private:
  const Record* record_ = nullptr;
};

// Calls visit(records[i]) for each i in order, having asked for the Record
// a few places ahead (Record::Prefetch), for walks over many Records, such
// as the janitor's, that find few of them in the cache. `records` is a
// vector of RecordRef or of Record pointers.
template <bool kForWrite, typename Records, typename Visit>
void VisitPrefetching(Records& records, Visit visit) {
  constexpr std::size_t kAhead = 8;
  const std::size_t n = records.size();
  for (std::size_t i = 0; i < n; ++i) {
    if (i + kAhead < n) records[i + kAhead]->Prefetch(kForWrite);
    visit(records[i]);
  }
}

}  // namespace dskv

#endif  // DSKV_RECORD_H_
