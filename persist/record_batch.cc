#include "persist/record_batch.h"

namespace dskv {

void RecordBatch::Add(RecordRef record) {
  const std::string_view body = record->body();
  format::EncodeRecordPrefix(body, prefixes_.emplace_back().data());
  bytes_ += format::kBodyOffset + body.size();
  records_.push_back(std::move(record));
}

std::vector<std::string_view> RecordBatch::Pieces() const {
  std::vector<std::string_view> pieces;
  pieces.reserve(2 * records_.size());
  for (std::size_t i = 0; i < records_.size(); ++i) {
    pieces.emplace_back(prefixes_[i].data(), prefixes_[i].size());
    pieces.push_back(records_[i]->body());
  }
  return pieces;
}

void RecordBatch::Clear() {
  records_.clear();
  prefixes_.clear();
  bytes_ = 0;
}

}  // namespace dskv
