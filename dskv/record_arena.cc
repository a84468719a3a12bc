#include "dskv/record_arena.h"

#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <new>

#include "dskv/record.h"

namespace dskv {
namespace {

// Chunks are this large and aligned to their size, so that a Record finds
// its chunk's header by masking its address.
constexpr std::size_t kChunkSize = std::size_t{2} << 20;
// Larger Records come from malloc: they waste at most this much of a chunk.
constexpr std::size_t kMaxArenaRecord = kChunkSize / 8;
constexpr std::size_t kRecordAlignment = alignof(std::uint64_t);

std::size_t PageSize() {
  static const std::size_t size =
      static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  return size;
}

std::uintptr_t RoundUp(std::uintptr_t n, std::size_t to) {
  return (n + to - 1) / to * to;
}

}  // namespace

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

struct RecordArena::Chunk {
  // Records carved from the chunk and not yet freed, plus one while an
  // arena carves from it.
  std::atomic<std::uint32_t> holds{1};
};

RecordArena::~RecordArena() { Retire(); }

void RecordArena::Retire() {
  if (chunk_ == nullptr) return;
  // The unused tail holds no Record: give its pages back now.
  const std::uintptr_t tail =
      RoundUp(reinterpret_cast<std::uintptr_t>(next_), PageSize());
  const std::uintptr_t end = reinterpret_cast<std::uintptr_t>(end_);
  if (tail < end) {
    ::madvise(reinterpret_cast<void*>(tail), end - tail, MADV_DONTNEED);
  }
  if (chunk_->holds.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    chunk_->~Chunk();
    ::munmap(chunk_, kChunkSize);
  }
  chunk_ = nullptr;
  next_ = end_ = nullptr;
}

Record* RecordArena::NewPut(std::string_view member, std::string_view value) {
  const std::size_t size = RoundUp(
      Record::AllocationSize(member.size(), value.size()), kRecordAlignment);
  if (size > kMaxArenaRecord) return Record::NewPut(member, value);
  if (chunk_ == nullptr || static_cast<std::size_t>(end_ - next_) < size) {
    Retire();
    // Twice the size, to cut an aligned chunk out of it.
    void* mapped = ::mmap(nullptr, 2 * kChunkSize, PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mapped == MAP_FAILED) throw std::bad_alloc();
    const std::uintptr_t start = reinterpret_cast<std::uintptr_t>(mapped);
    const std::uintptr_t aligned = RoundUp(start, kChunkSize);
    if (aligned > start) ::munmap(mapped, aligned - start);
    const std::uintptr_t after = aligned + kChunkSize;
    const std::uintptr_t mapped_end = start + 2 * kChunkSize;
    if (mapped_end > after) {
      ::munmap(reinterpret_cast<void*>(after), mapped_end - after);
    }
    PopulateForWrite(reinterpret_cast<void*>(aligned), kChunkSize);
    chunk_ = new (reinterpret_cast<void*>(aligned)) Chunk();
    next_ = reinterpret_cast<char*>(
        RoundUp(aligned + sizeof(Chunk), kRecordAlignment));
    end_ = reinterpret_cast<char*>(after);
  }
  void* memory = next_;
  next_ += size;
  chunk_->holds.fetch_add(1, std::memory_order_relaxed);
  return Record::NewPutInArena(memory, member, value);
}

void RecordArena::Release(Record* record) {
  auto* chunk = reinterpret_cast<Chunk*>(
      reinterpret_cast<std::uintptr_t>(record) & ~(kChunkSize - 1));
  if (chunk->holds.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    chunk->~Chunk();
    ::munmap(chunk, kChunkSize);
  }
}

}  // namespace dskv
