// Whether memory is still mapped: for tests that check that memory goes
// back to the system.

#ifndef DSKV_TESTS_MAPPED_H_
#define DSKV_TESTS_MAPPED_H_

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

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

}  // namespace dskv_test

#endif  // DSKV_TESTS_MAPPED_H_
