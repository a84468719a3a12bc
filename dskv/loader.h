// Loads a store directory's collection files into memory when it is opened.

#ifndef DSKV_LOADER_H_
#define DSKV_LOADER_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "dskv/shard_map.h"
#include "persist/collection_file.h"
#include "persist/collection_reader.h"
#include "persist/file_system.h"

namespace dskv {

struct LoadReport {
  CollectionFiles files;
  std::uint64_t torn_tails = 0;       // Files whose torn last record was cut.
  std::uint64_t torn_bytes = 0;       // Bytes cut.
  std::uint64_t corrupt_regions = 0;  // Salvage only: damage skipped.
  std::uint64_t corrupt_bytes = 0;
  // Salvage only: unreadable files set aside.
  std::uint64_t corrupt_files = 0;
  // Whether a journal was found and applied to the map.
  bool journal_applied = false;
};

struct LoadOptions {
  // Skip damage instead of failing: damaged records are skipped, files with
  // a damaged header are set aside, and collections with skipped damage are
  // marked for rewrite.
  bool salvage = false;
  // Change no file: torn tails are ignored rather than cut, temporary files
  // are left alone and unreadable files are only counted.
  bool read_only = false;
};

// Reads and verifies every collection file in `dir`, in parallel, and loads
// their members into `map`; then applies the journal, if there is one, as a
// batch (ShardMap::Apply), which the janitor's first pass persists. Only the
// store's own names are touched (persist/directory_layout.h); other files
// are ignored. Unless read-only, cuts torn tails off the files, removes
// temporary files a crash left behind, and, when salvaging, renames files
// whose header is damaged, and a damaged journal, to "<name>.corrupt" (or
// "<name>.corrupt.N" if that is taken). Files of an older format version
// are marked for rewrite.
//
// Errors: DataLoss naming the file and byte offset of damage (unless
// salvaging); FailedPrecondition for an unknown format version, or for a
// store name that is a symbolic link or not a regular file; the file
// system's errors.
absl::StatusOr<LoadReport> LoadCollections(FileSystem& fs,
                                           const std::string& dir,
                                           const LoadOptions& options,
                                           ShardMap& map);

}  // namespace dskv

#endif  // DSKV_LOADER_H_
