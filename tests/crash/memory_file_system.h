// An in-memory FileSystem for tests that open a store thousands of times:
// no disk I/O and no syncs, and the files can be read and replaced directly.
//
// Paths are plain strings; a file is a string of bytes. Like POSIX, an open
// WritableFile keeps writing to the file it opened even after a rename
// replaces or a removal unlinks its path. Syncs do nothing: everything
// written is "durable". Thread-safe.

#ifndef DSKV_TESTS_CRASH_MEMORY_FILE_SYSTEM_H_
#define DSKV_TESTS_CRASH_MEMORY_FILE_SYSTEM_H_

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "persist/file_system.h"

namespace dskv_crash {

class MemoryFileSystem : public dskv::FileSystem {
 public:
  // Every file's contents by path.
  using Files = std::map<std::string, std::string>;

  // The contents of `path`, or nullopt if there is no such file.
  std::optional<std::string> GetFile(const std::string& path) const;
  // Creates or replaces the file `path`.
  void SetFile(const std::string& path, std::string contents);
  // Copies of every file, and replacement of all files by such copies.
  Files GetFiles() const;
  void SetFiles(const Files& files);

  absl::StatusOr<std::unique_ptr<dskv::WritableFile>> OpenForAppend(
      const std::string& path, bool truncate) override;
  absl::StatusOr<std::string> ReadFile(const std::string& path) override;
  absl::Status Truncate(const std::string& path, std::uint64_t size) override;
  absl::Status Rename(const std::string& from, const std::string& to) override;
  absl::Status Remove(const std::string& path) override;
  absl::Status SyncDirectory(const std::string& dir) override;
  absl::StatusOr<std::vector<dskv::DirectoryEntry>> ListDirectory(
      const std::string& dir) override;
  absl::StatusOr<std::unique_ptr<dskv::DirectoryLock>> LockDirectory(
      const std::string& dir) override;

 private:
  class File;
  class Lock;

  // A file's bytes, shared by its path and its open writers.
  using Inode = std::shared_ptr<std::string>;

  mutable std::mutex mu_;
  std::map<std::string, Inode> files_ ABSL_GUARDED_BY(mu_);
  std::set<std::string> locked_ ABSL_GUARDED_BY(mu_);
};

}  // namespace dskv_crash

#endif  // DSKV_TESTS_CRASH_MEMORY_FILE_SYSTEM_H_
