#include "persist/bulk_memory.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>

namespace dskv {
namespace {

std::size_t PageSize() {
  static const std::size_t size =
      static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  return size;
}

std::uintptr_t RoundUp(std::uintptr_t n, std::size_t to) {
  return (n + to - 1) / to * to;
}

}  // namespace

void* MapBulk(std::size_t size) {
  size = RoundUp(size, kHugePageSize);
  // Twice as much, to cut an aligned range out of it.
  void* mapped = ::mmap(nullptr, size + kHugePageSize, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mapped == MAP_FAILED) return nullptr;
  const std::uintptr_t start = reinterpret_cast<std::uintptr_t>(mapped);
  const std::uintptr_t aligned = RoundUp(start, kHugePageSize);
  if (aligned > start) ::munmap(mapped, aligned - start);
  const std::uintptr_t end = aligned + size;
  const std::uintptr_t mapped_end = start + size + kHugePageSize;
  if (mapped_end > end) {
    ::munmap(reinterpret_cast<void*>(end), mapped_end - end);
  }
  void* memory = reinterpret_cast<void*>(aligned);
  // Ignored where transparent huge pages are off: 4 KiB pages then.
  ::madvise(memory, size, MADV_HUGEPAGE);
  PopulateForWrite(memory, size);
  return memory;
}

void UnmapBulk(void* memory, std::size_t size) {
  ::munmap(memory, RoundUp(size, kHugePageSize));
}

void PopulateForWrite(void* memory, std::size_t size) {
  const std::uintptr_t begin =
      RoundUp(reinterpret_cast<std::uintptr_t>(memory), PageSize());
  const std::uintptr_t end = (reinterpret_cast<std::uintptr_t>(memory) + size) /
                             PageSize() * PageSize();
  if (end <= begin) return;
  // Errors (EINVAL before Linux 5.14, ENOMEM) leave the pages to fault in
  // one by one, as they would have anyway.
  ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_POPULATE_WRITE);
}

}  // namespace dskv
