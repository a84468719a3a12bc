// The huge-page chunks that Records are carved from (RecordSlab,
// RecordArena), shared by every store in the process and kept for reuse
// when a store lets them go.
//
// Fresh memory costs page faults and the kernel's zeroing on first write:
// on virtual machines whose host backs guest memory as it is first touched,
// milliseconds per 2 MiB chunk, more than a burst of new keys costs
// otherwise. malloc keeps the memory a program frees for its next
// allocations; the chunks of a closed store (or of a loaded chunk whose
// Records were all replaced) are kept the same way, up to kMaxCachedChunks,
// so that the next store, or the slab's next chunk, starts on memory that is
// already resident. Beyond that they are unmapped.
//
// Thread-safe.

#ifndef DSKV_CHUNK_CACHE_H_
#define DSKV_CHUNK_CACHE_H_

#include <cstddef>

#include "persist/bulk_memory.h"

namespace dskv {

// Size and alignment of a chunk.
inline constexpr std::size_t kChunkSize = kHugePageSize;
// At most this many chunks (64 MiB) wait for reuse.
inline constexpr std::size_t kMaxCachedChunks = 32;

// A chunk of writable memory, populated where the kernel can; its contents
// are unspecified. Null if the system has no memory for it.
void* TakeChunk();

// Gives back a chunk from TakeChunk, which its caller no longer uses.
void GiveBackChunk(void* chunk);

}  // namespace dskv

#endif  // DSKV_CHUNK_CACHE_H_
