#include "dskv/record.h"

#include <cstdlib>
#include <cstring>
#include <new>

#include "dskv/record_arena.h"
#include "dskv/record_slab.h"
#include "persist/bulk_memory.h"
#include "persist/coding.h"
#include "persist/format.h"

namespace dskv {

namespace {

// Values at least this large are copied into memory populated in one call
// rather than page by page (see PopulateForWrite).
constexpr std::size_t kPopulateMinSize = std::size_t{64} << 10;

constexpr auto kPut = static_cast<std::uint8_t>(format::RecordType::kPut);
constexpr auto kDelete = static_cast<std::uint8_t>(format::RecordType::kDelete);

}  // namespace

Record* Record::Construct(void* memory, std::uint32_t flags, std::uint8_t type,
                          std::string_view member, std::size_t value_size,
                          const char* value, std::int64_t deadline_ms) {
  // Keys are validated before they get here (ParseKey, the file reader).
  if (member.empty() || member.size() > format::kMaxMemberSize) std::abort();
  const bool expiring = deadline_ms != kNoDeadline;
  if (expiring) value_size += format::kDeadlineSize;
  Record* record = new (memory) Record(1 | flags);
  char* header = reinterpret_cast<char*>(memory) + sizeof(Record);
  EncodeFixed(static_cast<std::uint16_t>(member.size() - 1),
              header + kMemberSizeOffset);
  std::size_t header_size = kShortHeaderSize;
  if (type == static_cast<std::uint8_t>(format::RecordType::kDelete)) {
    header[kSizeByteOffset] = static_cast<char>(kTombstoneByte);
  } else if (HeaderSize(value_size, deadline_ms) == kShortHeaderSize) {
    header[kSizeByteOffset] = static_cast<char>(value_size);
  } else {
    header[kSizeByteOffset] =
        static_cast<char>(expiring ? kExpiringByte : kLongValueByte);
    EncodeFixed(static_cast<std::uint64_t>(value_size),
                header + kValueSizeOffset);
    header_size = kLongHeaderSize;
  }
  std::memcpy(header + header_size, member.data(), member.size());
  char* stored = header + header_size + member.size();
  if (expiring) {
    format::EncodeExpiringValue(
        deadline_ms,
        std::string_view(
            value == nullptr ? stored : value,
            value == nullptr ? 0 : value_size - format::kDeadlineSize),
        stored);
  } else if (value != nullptr && value_size > 0) {
    std::memcpy(stored, value, value_size);
  }
  return record;
}

Record* Record::New(std::uint8_t type, std::string_view member,
                    std::size_t value_size, const char* value,
                    std::int64_t deadline_ms) {
  const std::size_t size =
      AllocationSize(member.size(), value_size, deadline_ms);
  void* memory = ::operator new(size);
  if (size >= kPopulateMinSize) PopulateForWrite(memory, size);
  return Construct(memory, 0, type, member, value_size, value, deadline_ms);
}

Record* Record::NewPutInArena(void* memory, std::string_view member,
                              std::string_view value,
                              std::int64_t deadline_ms) {
  return Construct(memory, kArenaBit, kPut, member, value.size(), value.data(),
                   deadline_ms);
}

Record* Record::NewPutInSlab(void* memory, std::string_view member,
                             std::string_view value, std::int64_t deadline_ms) {
  return Construct(memory, kSlabBit, kPut, member, value.size(), value.data(),
                   deadline_ms);
}

Record* Record::NewUnfilledPutInSlab(void* memory, std::string_view member,
                                     std::size_t value_size,
                                     std::int64_t deadline_ms) {
  return Construct(memory, kSlabBit, kPut, member, value_size, nullptr,
                   deadline_ms);
}

Record* Record::NewTombstoneInSlab(void* memory, std::string_view member) {
  return Construct(memory, kSlabBit, kDelete, member, 0, nullptr, kNoDeadline);
}

Record* Record::NewPut(std::string_view member, std::string_view value,
                       std::int64_t deadline_ms) {
  return New(kPut, member, value.size(), value.data(), deadline_ms);
}

Record* Record::NewUnfilledPut(std::string_view member, std::size_t value_size,
                               std::int64_t deadline_ms) {
  return New(kPut, member, value_size, nullptr, deadline_ms);
}

Record* Record::NewTombstone(std::string_view member) {
  return New(kDelete, member, 0, nullptr, kNoDeadline);
}

void Record::OverwriteValue(std::string_view value) const {
  const std::string_view old = this->value();
  std::memcpy(const_cast<char*>(old.data()), value.data(), old.size());
}

void Record::Unref() const {
  const std::uint32_t before = state_.fetch_sub(1, std::memory_order_acq_rel);
  if ((before & kRefMask) == 1) {
    const std::size_t size = allocation_size();
    this->~Record();
    if ((before & kSlabBit) != 0) {
      RecordSlab::Release(const_cast<Record*>(this), size);
    } else if ((before & kArenaBit) != 0) {
      RecordArena::Release(const_cast<Record*>(this));
    } else {
      ::operator delete(const_cast<Record*>(this));
    }
  }
}

namespace {

void SetFlag(std::atomic<std::uint32_t>& state, std::uint32_t flag, bool on) {
  if (on) {
    state.fetch_or(flag, std::memory_order_relaxed);
  } else {
    state.fetch_and(~flag, std::memory_order_relaxed);
  }
}

}  // namespace

void Record::set_pending(bool pending) const {
  SetFlag(state_, kPendingBit, pending);
}

void Record::set_indexed(bool indexed) const {
  SetFlag(state_, kIndexedBit, indexed);
}

void Record::set_listed(bool listed) const {
  SetFlag(state_, kListedBit, listed);
}

}  // namespace dskv
