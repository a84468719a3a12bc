// The process's cache of Record chunks: what TakeChunk hands out, reuse of
// chunks given back, and the bound on how many it keeps.

#include "dskv/chunk_cache.h"

#include <cstdint>
#include <cstring>
#include <vector>

#include "gtest/gtest.h"
#include "tests/given_back.h"

namespace dskv {
namespace {

using ::dskv_test::IsMapped;

TEST(ChunkCacheTest, ChunksAreAlignedAndWritable) {
  void* chunk = TakeChunk();
  ASSERT_NE(chunk, nullptr);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(chunk) % kChunkSize, 0u);
  std::memset(chunk, 0xAB, kChunkSize);
  EXPECT_EQ(static_cast<unsigned char*>(chunk)[kChunkSize - 1], 0xAB);
  GiveBackChunk(chunk);
}

TEST(ChunkCacheTest, AChunkGivenBackIsTakenNext) {
  void* first = TakeChunk();
  void* second = TakeChunk();
  GiveBackChunk(first);
  GiveBackChunk(second);
  EXPECT_EQ(TakeChunk(), second);
  EXPECT_EQ(TakeChunk(), first);
  GiveBackChunk(first);
  GiveBackChunk(second);
}

TEST(ChunkCacheTest, KeepsAtMostItsBoundAndUnmapsTheRest) {
  // Taking more than the cache can hold empties it, whatever it held.
  std::vector<void*> chunks;
  for (std::size_t i = 0; i < kMaxCachedChunks + 8; ++i) {
    chunks.push_back(TakeChunk());
    ASSERT_NE(chunks.back(), nullptr);
  }
  for (void* chunk : chunks) GiveBackChunk(chunk);
  for (std::size_t i = 0; i < chunks.size(); ++i) {
    EXPECT_EQ(IsMapped(chunks[i]), i < kMaxCachedChunks) << i;
  }
}

}  // namespace
}  // namespace dskv
