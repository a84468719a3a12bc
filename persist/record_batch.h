// RecordBatch: Records to append to a collection file, encoded without
// copying them. Each Record's bytes are a file record's body already
// (dskv/record.h); the batch adds the checksums before each and hands the
// whole to a gather write.

#ifndef DSKV_PERSIST_RECORD_BATCH_H_
#define DSKV_PERSIST_RECORD_BATCH_H_

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "dskv/record.h"
#include "persist/format.h"

namespace dskv {

class RecordBatch {
 public:
  // Adds `record`, keeping it alive until the batch is cleared.
  void Add(RecordRef record);

  // The bytes to write, in order: for each record, its checksums and body.
  // Valid until the batch changes.
  std::vector<std::string_view> Pieces() const;

  std::uint64_t bytes() const { return bytes_; }
  bool empty() const { return records_.empty(); }
  void Clear();

 private:
  std::vector<RecordRef> records_;
  std::vector<std::array<char, format::kBodyOffset>> prefixes_;
  std::uint64_t bytes_ = 0;
};

}  // namespace dskv

#endif  // DSKV_PERSIST_RECORD_BATCH_H_
