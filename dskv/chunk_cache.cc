#include "dskv/chunk_cache.h"

#include <mutex>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "dskv/asan_poison.h"

namespace dskv {
namespace {

class Cache {
 public:
  void* Take() {
    std::lock_guard lock(mu_);
    if (chunks_.empty()) return nullptr;
    void* chunk = chunks_.back();
    chunks_.pop_back();
    return chunk;
  }

  bool Keep(void* chunk) {
    std::lock_guard lock(mu_);
    if (chunks_.size() >= kMaxCachedChunks) return false;
    // Reserved at the first keep, so that later ones do not allocate.
    if (chunks_.capacity() == 0) chunks_.reserve(kMaxCachedChunks);
    chunks_.push_back(chunk);
    return true;
  }

 private:
  std::mutex mu_;
  std::vector<void*> chunks_ ABSL_GUARDED_BY(mu_);
};

// Never destroyed: stores may let chunks go during static destruction.
Cache& TheCache() {
  static Cache* const cache = new Cache();
  return *cache;
}

}  // namespace

void* TakeChunk() {
  if (void* chunk = TheCache().Take(); chunk != nullptr) {
    DSKV_UNPOISON(chunk, kChunkSize);
    return chunk;
  }
  return MapBulk(kChunkSize);
}

void GiveBackChunk(void* chunk) {
  // A cached chunk is no one's: a Record used after its store let it go is
  // caught as a use after free.
  DSKV_POISON(chunk, kChunkSize);
  if (TheCache().Keep(chunk)) return;
  // Whatever is mapped here next starts addressable.
  DSKV_UNPOISON(chunk, kChunkSize);
  UnmapBulk(chunk, kChunkSize);
}

}  // namespace dskv
