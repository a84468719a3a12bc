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
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "base/string_hash.h"
#include "persist/collection_reader.h"
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

// DataLoss unless the file at `path` is named for `collection`, the
// collection its header names: a file renamed by hand would otherwise load
// under the wrong name.
absl::Status CheckCollectionFileName(const std::string& path,
                                     const std::string& collection);

// `status`, an error from parsing the file at `path`, with the path added.
absl::Status InCollectionFile(const std::string& path,
                              const absl::Status& status);

// Reads and verifies the file of `collection` in `dir` alone, and applies
// the journal's changes to it if there is a journal, changing nothing: for a
// reader that needs one collection of a large store. A torn tail is left
// out.
//
// Errors: NotFound if the collection has no file and the journal does not
// name it (it has no members); DataLoss naming the file and byte offset of
// damage, or if the file holds another collection; FailedPrecondition for
// an unknown format version, or if the file is a symbolic link or not a
// regular file; the file system's errors.
absl::StatusOr<ParsedCollection> ReadCollection(FileSystem& fs,
                                                const std::string& dir,
                                                std::string_view collection);

// Appends `records` to `file`, opening it first if needed. Does not sync. On
// error, marks the file for rewrite.
absl::Status AppendToCollectionFile(FileSystem& fs, const std::string& path,
                                    const RecordBatch& records,
                                    CollectionFile& file);

// A new version of a collection's file, written to a temporary file: the
// file that a rewrite (new collection, DeleteAll, compaction, recovery from
// an I/O error) installs. Written, synced and renamed over the old file in
// that order, so a crash at any instant leaves the old file or the new one,
// whole.
struct Rewrite {
  std::string path;       // The collection file.
  std::string temp_path;  // Where the new version is written.
  // Null if the collection has no members: its file is to be removed.
  std::unique_ptr<WritableFile> temp;
  std::uint64_t size = 0;  // Bytes written to `temp`.
};

// Writes `records` (puts, no deletes) as the new version of
// the file of `collection`, without syncing it; the caller syncs `temp`,
// then calls FinishRewrite. Marks `file` for rewrite until FinishRewrite
// succeeds.
absl::StatusOr<Rewrite> StartRewrite(
    FileSystem& fs, const std::string& dir, std::string_view collection,
    const std::vector<format::RecordFields>& records, CollectionFile& file);

// Where a rewrite's records come from when they are made as it goes: fills
// `fields` (empty on entry) with the next records and returns true, or
// returns false once there are none left. What it gave is written before
// it is called again, so it may then release what those fields point at.
using RecordSource =
    absl::FunctionRef<bool(std::vector<format::RecordFields>& fields)>;

// As StartRewrite, with the records from `next`: a caller that makes them
// from memory a piece at a time touches each once, while it is cached,
// rather than in one pass to make them and another to write them.
absl::StatusOr<Rewrite> StartRewriteFrom(FileSystem& fs, const std::string& dir,
                                         std::string_view collection,
                                         RecordSource next,
                                         CollectionFile& file);

// Renames the synced new version over the collection file, or removes the
// file if the collection is empty. The caller must sync the directory to
// make that durable.
absl::Status FinishRewrite(FileSystem& fs, Rewrite& rewrite,
                           CollectionFile& file);

}  // namespace dskv

#endif  // DSKV_PERSIST_COLLECTION_FILE_H_
