// Loads a store directory's collection files into memory when it is opened.

#ifndef DSKV_PERSIST_LOADER_H_
#define DSKV_PERSIST_LOADER_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "dskv/shard_map.h"
#include "persist/collection_file.h"
#include "persist/file_system.h"

namespace dskv {

struct LoadReport {
  CollectionFiles files;
  std::uint64_t torn_tails = 0;       // Files whose torn last record was cut.
  std::uint64_t torn_bytes = 0;       // Bytes cut.
  std::uint64_t corrupt_regions = 0;  // Salvage only: damage skipped.
  std::uint64_t corrupt_bytes = 0;
  std::uint64_t corrupt_files = 0;  // Salvage only: unreadable files set aside.
};

// Reads and verifies every collection file in `dir`, in parallel, and loads
// their members into `map`. Cuts torn tails off the files, and removes
// temporary files a crash left behind.
//
// Errors: DataLoss naming the file and byte offset of damage (unless
// `salvage`: then damaged records are skipped, files with a damaged header
// are renamed to "<name>.corrupt", and collections with skipped damage are
// marked for rewrite); FailedPrecondition for an unknown format version; the
// file system's errors.
absl::StatusOr<LoadReport> LoadCollections(FileSystem& fs,
                                           const std::string& dir, bool salvage,
                                           ShardMap& map);

}  // namespace dskv

#endif  // DSKV_PERSIST_LOADER_H_
