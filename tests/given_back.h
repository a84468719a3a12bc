// Whether a Record chunk was given back (dskv/chunk_cache.h): for tests
// that check that memory is released with the last Record that uses it.

#ifndef DSKV_TESTS_GIVEN_BACK_H_
#define DSKV_TESTS_GIVEN_BACK_H_

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

#include "dskv/chunk_cache.h"

namespace dskv_test {

// Whether the page holding `address` is mapped.
inline bool IsMapped(const void* address) {
  const std::uintptr_t page =
      static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  void* start = reinterpret_cast<void*>(
      reinterpret_cast<std::uintptr_t>(address) / page * page);
  unsigned char resident;
  return ::mincore(start, page, &resident) == 0 || errno != ENOMEM;
}

// Whether the chunk holding `address` was given back: unmapped, or the
// chunk that TakeChunk hands out next (the cache is last in, first out).
// Not thread-safe with respect to other users of the cache.
inline bool GivenBack(const void* address) {
  const void* chunk = reinterpret_cast<const void*>(
      reinterpret_cast<std::uintptr_t>(address) & ~(dskv::kChunkSize - 1));
  if (!IsMapped(chunk)) return true;
  void* next = dskv::TakeChunk();
  dskv::GiveBackChunk(next);
  return next == chunk;
}

}  // namespace dskv_test

#endif  // DSKV_TESTS_GIVEN_BACK_H_
