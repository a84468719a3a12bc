// RecordBatch: records to append to a collection file, ready for one gather
// write. The caller gives each record's body (persist/format.h); the batch
// adds the checksums before it. Small bodies are copied into contiguous
// blocks, since a piece per tiny record would cost the kernel more than the
// copy; large bodies are written from where they are.

#ifndef DSKV_PERSIST_RECORD_BATCH_H_
#define DSKV_PERSIST_RECORD_BATCH_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

namespace dskv {

class RecordBatch {
 public:
  // Adds the record whose body is `body`. A body larger than kCopyLimit is
  // not copied: it must stay valid and unchanged while the batch is used.
  void Add(std::string_view body);

  // The bytes to write, in order. Valid until the batch changes.
  const std::vector<std::string_view>& pieces() const { return pieces_; }

  std::uint64_t bytes() const { return bytes_; }
  bool empty() const { return bytes_ == 0; }
  void Clear();

  // Bodies up to this size are copied; larger ones are referenced.
  static constexpr std::size_t kCopyLimit = 1024;

 private:
  static constexpr std::size_t kBlockSize = 256 * 1024;

  // Copies `data` to the end of the current block, extending the last piece
  // when it ends there.
  void Copy(std::string_view data);

  std::vector<std::string_view> pieces_;
  std::vector<std::unique_ptr<char[]>> blocks_;
  std::size_t block_used_ = kBlockSize;  // In blocks_.back().
  std::uint64_t bytes_ = 0;
};

}  // namespace dskv

#endif  // DSKV_PERSIST_RECORD_BATCH_H_
