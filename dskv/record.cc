#include "dskv/record.h"

#include <cstring>
#include <new>

#include "persist/coding.h"
#include "persist/format.h"

namespace dskv {

Record* Record::New(std::uint8_t type, std::string_view member,
                    std::string_view value) {
  const std::size_t body_size =
      format::kBodyHeaderSize + member.size() + value.size();
  void* memory = ::operator new(sizeof(Record) + body_size);
  Record* record = new (memory) Record();
  char* body = reinterpret_cast<char*>(memory) + sizeof(Record);
  body[format::kBodyTypeOffset] = static_cast<char>(type);
  EncodeFixed(static_cast<std::uint32_t>(member.size()),
              body + format::kBodyMemberSizeOffset);
  EncodeFixed(static_cast<std::uint64_t>(value.size()),
              body + format::kBodyValueSizeOffset);
  std::memcpy(body + format::kBodyHeaderSize, member.data(), member.size());
  if (!value.empty()) {
    std::memcpy(body + format::kBodyHeaderSize + member.size(), value.data(),
                value.size());
  }
  return record;
}

Record* Record::NewPut(std::string_view member, std::string_view value) {
  return New(static_cast<std::uint8_t>(format::RecordType::kPut), member,
             value);
}

Record* Record::NewTombstone(std::string_view member) {
  return New(static_cast<std::uint8_t>(format::RecordType::kDelete), member,
             {});
}

void Record::OverwriteValue(std::string_view value) const {
  const std::string_view old = this->value();
  std::memcpy(const_cast<char*>(old.data()), value.data(), old.size());
}

void Record::Unref() const {
  const std::uint32_t before = state_.fetch_sub(1, std::memory_order_acq_rel);
  if ((before & kRefMask) == 1) {
    this->~Record();
    ::operator delete(const_cast<Record*>(this));
  }
}

void Record::set_pending(bool pending) const {
  if (pending) {
    state_.fetch_or(kPendingBit, std::memory_order_relaxed);
  } else {
    state_.fetch_and(kRefMask, std::memory_order_relaxed);
  }
}

}  // namespace dskv
