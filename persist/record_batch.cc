#include "persist/record_batch.h"

#include <cstring>

#include "persist/format.h"

namespace dskv {

void RecordBatch::Add(std::string_view body) {
  char prefix[format::kBodyOffset];
  format::EncodeRecordPrefix(body, prefix);
  Copy(std::string_view(prefix, sizeof(prefix)));
  if (body.size() <= kCopyLimit) {
    Copy(body);
  } else {
    pieces_.push_back(body);
  }
  bytes_ += sizeof(prefix) + body.size();
}

void RecordBatch::Copy(std::string_view data) {
  if (block_used_ + data.size() > kBlockSize) {
    blocks_.push_back(std::make_unique<char[]>(kBlockSize));
    block_used_ = 0;
  }
  char* at = blocks_.back().get() + block_used_;
  std::memcpy(at, data.data(), data.size());
  block_used_ += data.size();
  if (!pieces_.empty() && pieces_.back().data() + pieces_.back().size() == at) {
    pieces_.back() = std::string_view(pieces_.back().data(),
                                      pieces_.back().size() + data.size());
  } else {
    pieces_.emplace_back(at, data.size());
  }
}

void RecordBatch::Clear() {
  pieces_.clear();
  blocks_.clear();
  block_used_ = kBlockSize;
  bytes_ = 0;
}

}  // namespace dskv
