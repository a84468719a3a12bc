// RecordBatch: records to append to a collection file, ready for one gather
// write. The caller gives each record's fields; the batch encodes the
// record (persist/format.h). Small records are encoded whole into
// contiguous blocks, since a piece per tiny record would cost the kernel
// more than the copy; a large record's value is written from where it is.

#ifndef DSKV_PERSIST_RECORD_BATCH_H_
#define DSKV_PERSIST_RECORD_BATCH_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "persist/format.h"

namespace dskv {

class RecordBatch {
 public:
  // Adds `record`. The value of a record whose body is larger than
  // kCopyLimit is not copied: it must stay valid and unchanged while the
  // batch is used.
  void Add(const format::RecordFields& record);

  // The bytes to write, in order. Valid until the batch changes.
  const std::vector<std::string_view>& pieces() const { return pieces_; }

  std::uint64_t bytes() const { return bytes_; }
  bool empty() const { return bytes_ == 0; }
  void Clear();

  // Bodies up to this size are copied; larger ones are referenced.
  static constexpr std::size_t kCopyLimit = 1024;
  // The blocks small records and large ones' headers are encoded into.
  static constexpr std::size_t kBlockSize = 256 * 1024;

 private:
  // Returns `size` contiguous bytes at the end of the current block (at
  // most kBlockSize), which the last piece is extended to cover when it
  // ends there.
  char* Append(std::size_t size);

  std::vector<std::string_view> pieces_;
  std::vector<std::unique_ptr<char[]>> blocks_;
  std::size_t block_used_ = kBlockSize;  // In blocks_.back().
  std::uint64_t bytes_ = 0;
};

}  // namespace dskv

#endif  // DSKV_PERSIST_RECORD_BATCH_H_
