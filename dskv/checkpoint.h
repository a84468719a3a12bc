// Writes a ShardMap snapshot as a new store directory: Store::Checkpoint.

#ifndef DSKV_CHECKPOINT_H_
#define DSKV_CHECKPOINT_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "dskv/shard_map.h"
#include "persist/file_system.h"

namespace dskv {

struct CheckpointTotals {
  std::uint64_t collections = 0;
  std::uint64_t keys = 0;
  std::uint64_t bytes = 0;  // Of the collection files written.
};

// Writes `snapshot` as the store directory `dir`, which must not exist and
// whose parent must: one compacted collection file per collection, each
// written to a temporary directory beside `dir` and synced, which is then
// synced and renamed to `dir` (and the parent synced), so `dir` appears
// whole or not at all. Takes the snapshot's Records as it writes them, so
// their memory goes collection by collection. On failure removes what it
// wrote.
//
// Errors: InvalidArgument if `dir` is empty; AlreadyExists if it exists;
// NotFound if its parent does not; the file system's errors.
absl::StatusOr<CheckpointTotals> WriteCheckpoint(FileSystem& fs,
                                                 ShardMap::Snapshot snapshot,
                                                 const std::string& dir);

}  // namespace dskv

#endif  // DSKV_CHECKPOINT_H_
