#include "dskv/record_slab.h"

#include <array>
#include <atomic>
#include <bit>
#include <cstdint>
#include <mutex>
#include <new>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "dskv/asan_poison.h"
#include "dskv/chunk_cache.h"
#include "dskv/record.h"
#include "persist/format.h"

namespace dskv {
namespace {

// Size classes up to kFineMax bytes are the multiples of kGranule (also the
// Records' alignment); above, each doubling of size has kSteps classes, so
// that a slot is at most 1/kSteps larger than what it holds.
constexpr std::size_t kGranule = alignof(std::uint64_t);
constexpr std::size_t kFineMax = 1024;
constexpr std::size_t kFineClasses = kFineMax / kGranule;
constexpr int kFineMaxLog2 = 10;
static_assert(std::size_t{1} << kFineMaxLog2 == kFineMax);
constexpr int kStepsLog2 = 3;
constexpr std::size_t kSteps = std::size_t{1} << kStepsLog2;
constexpr int kMaxSizeLog2 = 16;
static_assert(std::size_t{1} << kMaxSizeLog2 == RecordSlab::kMaxSize);
constexpr std::size_t kClasses =
    kFineClasses + (kMaxSizeLog2 - kFineMaxLog2) * kSteps;
// Threads allocate from this many stripes, each with its own lock.
constexpr std::size_t kStripes = 4;

std::size_t ClassOf(std::size_t size) {
  if (size <= kFineMax) return (size - 1) / kGranule;
  const int log2 = std::bit_width(size - 1) - 1;  // >= kFineMaxLog2
  const std::size_t step = ((size - 1) >> (log2 - kStepsLog2)) & (kSteps - 1);
  return kFineClasses + (log2 - kFineMaxLog2) * kSteps + step;
}

std::size_t SizeOfClass(std::size_t c) {
  if (c < kFineClasses) return (c + 1) * kGranule;
  const int log2 = kFineMaxLog2 + static_cast<int>((c - kFineClasses) / kSteps);
  const std::size_t step = (c - kFineClasses) % kSteps;
  return (kSteps + step + 1) << (log2 - kStepsLog2);
}

// The stripe of the calling thread: threads take them in turn.
std::size_t ThisThreadStripe() {
  static std::atomic<std::size_t> next{0};
  thread_local const std::size_t stripe =
      next.fetch_add(1, std::memory_order_relaxed) % kStripes;
  return stripe;
}

// A free slot, holding the next free slot of its class.
struct FreeSlot {
  FreeSlot* next;
};

}  // namespace

class RecordSlab::Heap {
 public:
  // The chunk's first bytes: which heap and stripe its slots belong to.
  // Chunks are aligned to their size, so a slot finds it by masking its
  // address.
  struct ChunkHeader {
    Heap* heap;
    std::size_t stripe;
  };

  void* Allocate(std::size_t size) {
    const std::size_t stripe_index = ThisThreadStripe();
    Stripe& stripe = stripes_[stripe_index];
    const std::size_t c = ClassOf(size);
    std::lock_guard lock(stripe.mu);
    void* memory = stripe.free[c];
    if (memory != nullptr) {
      DSKV_UNPOISON(memory, SizeOfClass(c));
      stripe.free[c] = stripe.free[c]->next;
    } else {
      memory = Carve(stripe, stripe_index, SizeOfClass(c));
    }
    if (stripe.live++ == 0) refs_.fetch_add(1, std::memory_order_relaxed);
    return memory;
  }

  // Frees `memory`, `size` bytes from this heap. The caller must not touch
  // the heap afterwards: it may be gone.
  static void Free(void* memory, std::size_t size) {
    const auto* header = reinterpret_cast<const ChunkHeader*>(
        reinterpret_cast<std::uintptr_t>(memory) & ~(kChunkSize - 1));
    Heap* heap = header->heap;
    Stripe& stripe = heap->stripes_[header->stripe];
    bool stripe_emptied;
    {
      std::lock_guard lock(stripe.mu);
      auto* slot = static_cast<FreeSlot*>(memory);
      const std::size_t c = ClassOf(size);
      slot->next = stripe.free[c];
      stripe.free[c] = slot;
      DSKV_POISON(slot, SizeOfClass(c));
      stripe_emptied = --stripe.live == 0;
    }
    if (stripe_emptied) heap->Unref();
  }

  // The slab's own reference; the heap goes with the last Record.
  void Unref() {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }

  ~Heap() {
    for (void* chunk : chunks_) GiveBackChunk(chunk);
  }

 private:
  struct Stripe {
    std::mutex mu;
    std::array<FreeSlot*, kClasses> free ABSL_GUARDED_BY(mu) = {};
    char* next ABSL_GUARDED_BY(mu) = nullptr;
    char* end ABSL_GUARDED_BY(mu) = nullptr;
    // Slots handed out and not yet freed.
    std::uint64_t live ABSL_GUARDED_BY(mu) = 0;
  };

  // A new slot of `size` bytes from the stripe's chunk, or from a new one.
  void* Carve(Stripe& stripe, std::size_t stripe_index, std::size_t size)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(stripe.mu) {
    if (static_cast<std::size_t>(stripe.end - stripe.next) < size) {
      // The old chunk's tail, less than one slot, is left unused.
      char* chunk = static_cast<char*>(TakeChunk());
      if (chunk == nullptr) throw std::bad_alloc();
      {
        std::lock_guard lock(chunks_mu_);
        chunks_.push_back(chunk);
      }
      new (chunk) ChunkHeader{this, stripe_index};
      stripe.next =
          chunk + kGranule * ((sizeof(ChunkHeader) + kGranule - 1) / kGranule);
      stripe.end = chunk + kChunkSize;
    }
    void* slot = stripe.next;
    stripe.next += size;
    return slot;
  }

  std::array<Stripe, kStripes> stripes_;
  std::mutex chunks_mu_;
  std::vector<void*> chunks_ ABSL_GUARDED_BY(chunks_mu_);
  // One for the slab, one for each stripe with live slots.
  std::atomic<std::uint64_t> refs_{1};
};

RecordSlab::RecordSlab() : heap_(new Heap()) {}

RecordSlab::~RecordSlab() { heap_->Unref(); }

Record* RecordSlab::NewPut(std::string_view member, std::string_view value,
                           std::int64_t deadline_ms) {
  const std::size_t size =
      Record::AllocationSize(member.size(), value.size(), deadline_ms);
  if (size > kMaxSize) return Record::NewPut(member, value, deadline_ms);
  return Record::NewPutInSlab(heap_->Allocate(size), member, value,
                              deadline_ms);
}

Record* RecordSlab::NewUnfilledPut(std::string_view member,
                                   std::size_t value_size,
                                   std::int64_t deadline_ms) {
  const std::size_t size =
      Record::AllocationSize(member.size(), value_size, deadline_ms);
  if (size > kMaxSize) {
    return Record::NewUnfilledPut(member, value_size, deadline_ms);
  }
  return Record::NewUnfilledPutInSlab(heap_->Allocate(size), member, value_size,
                                      deadline_ms);
}

Record* RecordSlab::NewTombstone(std::string_view member) {
  const std::size_t size = Record::AllocationSize(member.size(), 0);
  if (size > kMaxSize) return Record::NewTombstone(member);
  return Record::NewTombstoneInSlab(heap_->Allocate(size), member);
}

Record* RecordSlab::NewCopy(const Record& record) {
  return record.is_tombstone()
             ? NewTombstone(record.member())
             : NewPut(record.member(), record.value(), record.deadline_ms());
}

void RecordSlab::Release(Record* record, std::size_t size) {
  Heap::Free(record, size);
}

}  // namespace dskv
