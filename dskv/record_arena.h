// RecordArena: Records for Open's loader, packed into chunks of memory in
// huge pages that the kernel populates in one call (dskv/chunk_cache.h):
// copying a store's values into freshly malloc'd Records a page fault at a
// time dominated Open on virtual machines, where a fault costs ~10-20 us.
// Carving Records out of a chunk also saves a malloc call and its overhead
// per Record.
//
// A chunk is given back (GiveBackChunk) once every Record carved from it has
// been freed: the memory of a loaded Record that is overwritten or deleted is
// reclaimed only with the last of its chunk's neighbours.

#ifndef DSKV_RECORD_ARENA_H_
#define DSKV_RECORD_ARENA_H_

#include <cstddef>
#include <string_view>

#include "dskv/record.h"

namespace dskv {

// Not thread-safe: one per loading thread.
class RecordArena {
 public:
  RecordArena() = default;
  // Lets the current chunk go once its Records are freed, and returns its
  // unused tail to the system.
  ~RecordArena();

  RecordArena(const RecordArena&) = delete;
  RecordArena& operator=(const RecordArena&) = delete;

  // A new put Record with one reference, owned by the caller: in a chunk if
  // it is small enough, from malloc otherwise. It expires at `deadline_ms`
  // unless that is Record::kNoDeadline.
  Record* NewPut(std::string_view member, std::string_view value,
                 std::int64_t deadline_ms = Record::kNoDeadline);

  // Gives back the memory of `record`, a Record of some arena's whose last
  // reference is gone. Called by Record::Unref.
  static void Release(Record* record);

 private:
  struct Chunk;

  // Lets the current chunk go, if any.
  void Retire();
  // Drops one of `chunk`'s holds; gives the chunk back with the last.
  static void DropHold(Chunk* chunk);

  Chunk* chunk_ = nullptr;
  char* next_ = nullptr;  // Where the next Record goes.
  char* end_ = nullptr;
};

}  // namespace dskv

#endif  // DSKV_RECORD_ARENA_H_
