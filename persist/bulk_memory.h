// Memory for bulk data (loaded records, file contents), mapped and populated
// in a few calls rather than one page fault per page.
//
// On virtual machines with shadow paging (such as PVM), the first touch of
// each 4 KiB page traps to the hypervisor: about 7 us even for memory the
// kernel has populated, about 18 us for memory it has not, against about
// 0.1 s per GiB for memory in 2 MiB pages. Copying a store's data into
// memory a page at a time spent nearly all of Open there.

#ifndef DSKV_PERSIST_BULK_MEMORY_H_
#define DSKV_PERSIST_BULK_MEMORY_H_

#include <cstddef>

namespace dskv {

// Size and alignment of the huge pages MapBulk asks for.
inline constexpr std::size_t kHugePageSize = std::size_t{2} << 20;

// Maps `size` bytes of zeroed, writable memory aligned to kHugePageSize, in
// huge pages where the kernel has them, populated at once. `size` is
// rounded up to a multiple of kHugePageSize; free with UnmapBulk and the
// same `size`. Returns null if the memory cannot be had.
void* MapBulk(std::size_t size);
void UnmapBulk(void* memory, std::size_t size);

// Asks the kernel to back [memory, memory + size) with pages now, rather
// than one fault at a time as it is first written. Best effort: does
// nothing where the kernel cannot (before Linux 5.14).
void PopulateForWrite(void* memory, std::size_t size);

}  // namespace dskv

#endif  // DSKV_PERSIST_BULK_MEMORY_H_
