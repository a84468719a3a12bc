// The files of a store directory, named as persist/FORMAT.md names them, with
// their sizes: what verify, stats, compact and repair look at on disk.

#ifndef DSKV_TOOLS_STORE_FILES_H_
#define DSKV_TOOLS_STORE_FILES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace dskv::tool {

enum class StoreFileKind {
  kCollection,  // <hash>.dskv: a collection's records.
  kTemporary,   // *.tmp: a rewrite a crash interrupted (or one in progress);
                // a read-write Open removes it.
  kSetAside,    // *.corrupt: an unreadable file an earlier salvage set aside.
  kLock,        // LOCK.
  kOther,       // Anything else; the store ignores it.
};

struct StoreFile {
  std::string name;  // Within the directory.
  StoreFileKind kind;
  std::uint64_t size = 0;
};

// The regular files in the store directory `dir`, sorted by name. A file
// removed while the directory is read is left out. NotFound if `dir` does not
// exist.
absl::StatusOr<std::vector<StoreFile>> ListStoreFiles(const std::string& dir);

// Bytes of the files of one kind, or of all but one kind.
struct FileTotals {
  std::uint64_t files = 0;
  std::uint64_t bytes = 0;
};
FileTotals TotalOf(const std::vector<StoreFile>& files, StoreFileKind kind);
FileTotals TotalOfAllBut(const std::vector<StoreFile>& files,
                         StoreFileKind kind);

}  // namespace dskv::tool

#endif  // DSKV_TOOLS_STORE_FILES_H_
