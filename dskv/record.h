// Record: one stored (member, value) pair, or the tombstone of a deleted
// member, in a single reference-counted allocation.
//
// After a 4-byte header, a Record's bytes are exactly the body of a record in
// a collection file (persist/format.h): type, sizes, member, value. The
// janitor therefore writes a Record as it is, with no encoding and no copy,
// and readers, the janitor and ValueHandles share one immutable copy of each
// value.

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
  // A new record with one reference, owned by the caller.
  static Record* NewPut(std::string_view member, std::string_view value);
  static Record* NewTombstone(std::string_view member);

  // The bytes a put record of these sizes takes in memory.
  static std::size_t AllocationSize(std::size_t member_size,
                                    std::size_t value_size) {
    return sizeof(Record) + format::kBodyHeaderSize + member_size + value_size;
  }
  // A new put record with one reference in `memory`, AllocationSize bytes
  // carved from a RecordArena chunk (dskv/record_arena.h): its last Unref
  // gives the memory back to the chunk.
  static Record* NewPutInArena(void* memory, std::string_view member,
                               std::string_view value);
  // As NewPutInArena and a tombstone, in AllocationSize bytes from a
  // RecordSlab (dskv/record_slab.h), which gets them back with the last
  // Unref.
  static Record* NewPutInSlab(void* memory, std::string_view member,
                              std::string_view value);
  static Record* NewTombstoneInSlab(void* memory, std::string_view member);

  Record(const Record&) = delete;
  Record& operator=(const Record&) = delete;

  // Inline: they run on every lookup.
  std::string_view member() const {
    return {body_data() + format::kBodyHeaderSize, member_size()};
  }
  std::string_view value() const {
    return {body_data() + format::kBodyHeaderSize + member_size(),
            static_cast<std::size_t>(DecodeFixed<std::uint64_t>(
                body_data() + format::kBodyValueSizeOffset))};
  }
  bool is_tombstone() const {
    return body_data()[format::kBodyTypeOffset] ==
           static_cast<char>(format::RecordType::kDelete);
  }
  // The bytes of the file record's body: type, sizes, member and value.
  std::string_view body() const {
    const std::string_view v = value();
    return {body_data(),
            static_cast<std::size_t>(v.data() + v.size() - body_data())};
  }

  // The size of the record a collection file holds for it: checksums, then
  // the body.
  std::size_t file_size() const { return format::kBodyOffset + body().size(); }

  // Replaces the value with `value`, of the same size, in place. Only for
  // the holder of the sole reference, under the exclusive lock of the shard
  // that holds the record, so that no one can be reading the value.
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

  // Whether the record waits in its shard's dirty list for the janitor.
  // Read and written only under the lock of the shard that holds the record.
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

  explicit Record(std::uint32_t state) : state_(state) {}
  static Record* New(std::uint8_t type, std::string_view member,
                     std::string_view value);
  // Builds a record of `type` with one reference in `memory`.
  static Record* Construct(void* memory, std::uint32_t flags, std::uint8_t type,
                           std::string_view member, std::string_view value);
  const char* body_data() const {
    return reinterpret_cast<const char*>(this) + sizeof(Record);
  }
  std::size_t member_size() const {
    return DecodeFixed<std::uint32_t>(body_data() +
                                      format::kBodyMemberSizeOffset);
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

}  // namespace dskv

#endif  // DSKV_RECORD_H_
