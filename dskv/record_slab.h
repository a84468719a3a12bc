// RecordSlab: memory for the Records that writes make (up to 64 KiB), in
// size classes carved from chunks of huge pages, and reused once freed.
//
// malloc gave each Record a chunk of its heap: fresh heap memory
// costs a page fault per 4 KiB on first touch (about 10 us on virtual
// machines with shadow paging), malloc adds its own header, and the
// Records, scattered over 4 KiB pages, miss the TLB on every lookup. A
// slab's chunks are 2 MiB huge pages populated in one call; a Record takes
// its size rounded up to 8 bytes, and nothing else.
//
// Memory freed goes back to its size class, not to the system: like
// malloc's heap, a slab keeps its peak. Its chunks are given back
// (dskv/chunk_cache.h: kept for the process's next stores, up to a bound)
// once the slab is destroyed and the last of its Records is freed (Records
// may outlive the store, in SharedValues).
//
// Thread-safe: allocation and release take the lock of one of a few
// stripes, chosen by the allocating thread.

#ifndef DSKV_RECORD_SLAB_H_
#define DSKV_RECORD_SLAB_H_

#include <cstddef>
#include <string_view>

#include "dskv/record.h"

namespace dskv {

class RecordSlab {
 public:
  RecordSlab();
  // Records made by the slab stay valid until their last reference goes.
  ~RecordSlab();

  RecordSlab(const RecordSlab&) = delete;
  RecordSlab& operator=(const RecordSlab&) = delete;

  // New Records with one reference, owned by the caller: from the slab if
  // they are small enough, from malloc otherwise. A put expires at
  // `deadline_ms` unless that is Record::kNoDeadline.
  Record* NewPut(std::string_view member, std::string_view value,
                 std::int64_t deadline_ms = Record::kNoDeadline);
  Record* NewTombstone(std::string_view member);
  // As NewPut, with the value left for the caller to write
  // (Record::NewUnfilledPut).
  Record* NewUnfilledPut(std::string_view member, std::size_t value_size,
                         std::int64_t deadline_ms = Record::kNoDeadline);

  // Gives back the `size` bytes of memory of `record`, a Record of some
  // slab's whose last reference is gone. Called by Record::Unref.
  static void Release(Record* record, std::size_t size);

  // A new Record with one reference and the contents of `record`, its
  // deadline included.
  Record* NewCopy(const Record& record);

  // The largest allocation a slab serves. Up to 1 KiB, a Record takes its
  // size rounded up to 8 bytes; above, at most 1/8 more than its size.
  static constexpr std::size_t kMaxSize = std::size_t{64} << 10;

 private:
  class Heap;
  Heap* heap_;
};

}  // namespace dskv

#endif  // DSKV_RECORD_SLAB_H_
