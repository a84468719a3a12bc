#include "dskv/record_arena.h"

#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <new>

#include "dskv/chunk_cache.h"
#include "dskv/record.h"

namespace dskv {
namespace {

// Larger Records come from malloc: they waste at most this much of a chunk.
constexpr std::size_t kMaxArenaRecord = kChunkSize / 8;
constexpr std::size_t kRecordAlignment = alignof(std::uint64_t);
// Retire returns a chunk's unused tail in units of this.
constexpr std::size_t kTailPageSize = 4096;

std::uintptr_t RoundUp(std::uintptr_t n, std::size_t to) {
  return (n + to - 1) / to * to;
}

}  // namespace

// A chunk's first bytes. Chunks are aligned to their size, so a Record
// finds its chunk's by masking its address.
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
      RoundUp(reinterpret_cast<std::uintptr_t>(next_), kTailPageSize);
  const std::uintptr_t end = reinterpret_cast<std::uintptr_t>(end_);
  if (tail < end) {
    ::madvise(reinterpret_cast<void*>(tail), end - tail, MADV_DONTNEED);
  }
  DropHold(chunk_);
  chunk_ = nullptr;
  next_ = end_ = nullptr;
}

Record* RecordArena::NewPut(std::string_view member, std::string_view value,
                            std::int64_t deadline_ms) {
  const std::size_t size =
      RoundUp(Record::AllocationSize(member.size(), value.size(), deadline_ms),
              kRecordAlignment);
  if (size > kMaxArenaRecord) return Record::NewPut(member, value, deadline_ms);
  if (chunk_ == nullptr || static_cast<std::size_t>(end_ - next_) < size) {
    Retire();
    char* memory = static_cast<char*>(TakeChunk());
    if (memory == nullptr) throw std::bad_alloc();
    chunk_ = new (memory) Chunk();
    next_ = memory + RoundUp(sizeof(Chunk), kRecordAlignment);
    end_ = memory + kChunkSize;
  }
  void* memory = next_;
  next_ += size;
  chunk_->holds.fetch_add(1, std::memory_order_relaxed);
  return Record::NewPutInArena(memory, member, value, deadline_ms);
}

void RecordArena::Release(Record* record) {
  DropHold(reinterpret_cast<Chunk*>(reinterpret_cast<std::uintptr_t>(record) &
                                    ~(kChunkSize - 1)));
}

void RecordArena::DropHold(Chunk* chunk) {
  if (chunk->holds.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    chunk->~Chunk();
    GiveBackChunk(chunk);
  }
}

}  // namespace dskv
