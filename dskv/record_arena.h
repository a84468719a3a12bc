// RecordArena: Records for Open's loader, packed into chunks of memory that
// the kernel populates in one call.
//
// Touching fresh memory costs a page fault per 4 KiB page. On virtual
// machines with shadow paging a fault costs ~20 µs, and copying a store's
// values into freshly malloc'd Records spent nearly all of Open in faults
// (about 4 s per GiB). Asking the kernel to populate a whole chunk at once
// (MADV_POPULATE_WRITE) costs about 1 µs a page; carving Records out of it
// also saves a malloc call and its overhead per Record.
//
// A chunk goes back to the system once every Record carved from it has been
// freed: the memory of a loaded Record that is overwritten or deleted is
// reclaimed only with the last of its chunk's neighbours.

#ifndef DSKV_RECORD_ARENA_H_
#define DSKV_RECORD_ARENA_H_

#include <cstddef>
#include <string_view>

namespace dskv {

class Record;

// Asks the kernel to back [memory, memory + size) with pages now, rather
// than one fault at a time as it is first written. Best effort: does
// nothing where the kernel cannot (before Linux 5.14).
void PopulateForWrite(void* memory, std::size_t size);

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
  // it is small enough, from malloc otherwise.
  Record* NewPut(std::string_view member, std::string_view value);

  // Gives back the memory of `record`, a Record of some arena's whose last
  // reference is gone. Called by Record::Unref.
  static void Release(Record* record);

 private:
  struct Chunk;

  // Lets the current chunk go, if any.
  void Retire();

  Chunk* chunk_ = nullptr;
  char* next_ = nullptr;  // Where the next Record goes.
  char* end_ = nullptr;
};

}  // namespace dskv

#endif  // DSKV_RECORD_ARENA_H_
