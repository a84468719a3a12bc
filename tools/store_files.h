// The files of a store directory, named as persist/FORMAT.md names them, with
// their sizes: what verify, stats, compact and repair look at on disk.

#ifndef DSKV_TOOLS_STORE_FILES_H_
#define DSKV_TOOLS_STORE_FILES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "persist/directory_layout.h"

namespace dskv::tool {

struct StoreFile {
  std::string name;  // Within the directory.
  StoreFileKind kind;
  // False for a directory, a symbolic link, a FIFO, a socket or a device;
  // their size is 0.
  bool regular_file = true;
  std::uint64_t size = 0;
};

// Every entry of the store directory `dir` (but "." and ".."), sorted by
// name. An entry removed while the directory is read is left out. NotFound if
// `dir` does not exist.
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
