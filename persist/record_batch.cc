#include "persist/record_batch.h"

#include <cstring>

#include "persist/format.h"

namespace dskv {

static_assert(format::kRecordHeaderSize + format::kMaxMemberSize <=
              RecordBatch::kBlockSize - 1);

void RecordBatch::Add(const format::RecordFields& record) {
  const std::size_t head_size =
      format::kRecordHeaderSize + record.member.size();
  const std::size_t size = head_size + record.value.size();
  // A large record's value stays where it is; its head (which fits in a
  // block: members are at most kMaxMemberSize bytes) is encoded here.
  const bool copied = size - format::kBodyOffset <= kCopyLimit;
  char* at = Append(copied ? size : head_size);
  format::EncodeBodyHeader(record.type, record.member.size(),
                           record.value.size(), at + format::kBodyOffset);
  std::memcpy(at + format::kRecordHeaderSize, record.member.data(),
              record.member.size());
  if (copied) {
    if (!record.value.empty()) {
      std::memcpy(at + head_size, record.value.data(), record.value.size());
    }
    format::SealRecord(at, size);
  } else {
    format::SealRecord(at, head_size, record.value);
    if (!record.value.empty()) pieces_.push_back(record.value);
  }
  bytes_ += size;
}

char* RecordBatch::Append(std::size_t size) {
  if (block_used_ + size > kBlockSize) {
    blocks_.push_back(std::make_unique_for_overwrite<char[]>(kBlockSize));
    block_used_ = 0;
  }
  char* at = blocks_.back().get() + block_used_;
  block_used_ += size;
  if (!pieces_.empty() && pieces_.back().data() + pieces_.back().size() == at) {
    pieces_.back() =
        std::string_view(pieces_.back().data(), pieces_.back().size() + size);
  } else {
    pieces_.emplace_back(at, size);
  }
  return at;
}

void RecordBatch::Clear() {
  pieces_.clear();
  blocks_.clear();
  block_used_ = kBlockSize;
  bytes_ = 0;
}

}  // namespace dskv
