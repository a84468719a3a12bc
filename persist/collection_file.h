// CollectionFile: what the janitor knows about one collection's file, and the
// two ways it changes one: appending records, and rewriting the whole file
// from memory through a temporary file (new collections, DeleteAll,
// compaction, and recovery after an I/O error).

#ifndef DSKV_PERSIST_COLLECTION_FILE_H_
#define DSKV_PERSIST_COLLECTION_FILE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "dskv/record.h"
#include "dskv/string_hash.h"
#include "persist/file_system.h"
#include "persist/record_batch.h"

namespace dskv {

struct CollectionFile {
  // Bytes in the file, valid records only.
  std::uint64_t size = 0;
  // Whether the file exists in the directory.
  bool exists = false;
  // Set when the file may not hold what was written to it (a failed write or
  // sync may have left a torn record or dropped pages) or when salvage
  // skipped damage: the next janitor pass rewrites it from memory.
  bool needs_rewrite = false;
  // Open for appending; null until first needed.
  std::unique_ptr<WritableFile> writer;
};

// Collection files by collection name.
using CollectionFiles =
    absl::flat_hash_map<std::string, CollectionFile, StringHash, StringEq>;

// The path of the file of `collection` in `dir`.
std::string CollectionPath(const std::string& dir, std::string_view collection);

// Appends `records` to `file`, opening it first if needed. Does not sync. On
// error, marks the file for rewrite.
absl::Status AppendToCollectionFile(FileSystem& fs, const std::string& path,
                                    const RecordBatch& records,
                                    CollectionFile& file);

// Replaces the file of `collection` with one holding exactly `records`
// (none of them tombstones): written
// to a temporary file, synced and renamed over the old one, so a crash leaves
// the old file or the new one, whole. The
// caller must sync the directory to make the rename or removal durable.
// With no records, removes the file.
// Returns the bytes written; on error, marks the file for rewrite.
absl::StatusOr<std::uint64_t> RewriteCollectionFile(
    FileSystem& fs, const std::string& dir, std::string_view collection,
    const std::vector<RecordRef>& records, CollectionFile& file);

}  // namespace dskv

#endif  // DSKV_PERSIST_COLLECTION_FILE_H_
