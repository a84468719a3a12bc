// FileSystem: the one seam through which dskv touches files. The store uses
// PosixFileSystem(); tests substitute a file system that injects faults
// (short writes, ENOSPC, EIO) to check that nothing acknowledged is lost.

#ifndef DSKV_PERSIST_FILE_SYSTEM_H_
#define DSKV_PERSIST_FILE_SYSTEM_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace dskv {

// A file open for appending. Not thread-safe.
class WritableFile {
 public:
  virtual ~WritableFile() = default;

  // Writes a prefix of `data` at the end of the file and returns its length,
  // which may be short of data.size() (as write(2) may). Use Append.
  virtual absl::StatusOr<std::size_t> Write(std::string_view data) = 0;

  // Writes a prefix of the concatenation of `pieces` at the end of the file
  // and returns its length (writev(2)). The default writes the first
  // non-empty piece with Write. Use AppendPieces.
  virtual absl::StatusOr<std::size_t> WritePieces(
      std::span<const std::string_view> pieces);

  // Makes everything written so far durable (fdatasync).
  virtual absl::Status Sync() = 0;

  // Writes all of `data`, retrying short writes. On error a prefix of `data`
  // may have reached the file.
  absl::Status Append(std::string_view data);

  // Writes the concatenation of `pieces`, retrying short writes. On error a
  // prefix of it may have reached the file.
  absl::Status AppendPieces(std::vector<std::string_view> pieces);
};

// The whole contents of a file, read into memory or mapped. Immutable.
class FileContents {
 public:
  virtual ~FileContents() = default;
  virtual std::string_view data() const = 0;
};

// The file in a store directory that FileSystem::LockDirectory locks; it
// holds the holder's pid (persist/FORMAT.md).
inline constexpr std::string_view kLockFileName = "LOCK";

// An entry of a directory, from FileSystem::ListDirectory.
struct DirectoryEntry {
  std::string name;
  // False for directories, symbolic links (whatever they point to), FIFOs,
  // sockets and devices.
  bool regular_file = true;
};

// Holds an exclusive lock on a store directory until destroyed.
class DirectoryLock {
 public:
  virtual ~DirectoryLock() = default;
};

// Every call that opens a file opens it only if it is a regular file, and
// never follows a symbolic link: a link or a FIFO where a store's file should
// be is FailedPrecondition naming the path, so nothing outside the directory
// is ever read, written or waited on. Rename and Remove act on the entry
// itself, as rename(2) and unlink(2) do.
class FileSystem {
 public:
  virtual ~FileSystem() = default;

  // Opens `path` for appending, creating it if it is missing; with
  // `truncate`, empties it first.
  virtual absl::StatusOr<std::unique_ptr<WritableFile>> OpenForAppend(
      const std::string& path, bool truncate) = 0;

  // Returns the whole contents of `path`. NotFound if it does not exist.
  virtual absl::StatusOr<std::string> ReadFile(const std::string& path) = 0;

  // As ReadFile, but may map the file instead of copying it, which is
  // faster for large files. The file must not be changed while the result
  // lives. The default calls ReadContents.
  virtual absl::StatusOr<std::unique_ptr<FileContents>> MapFile(
      const std::string& path);

  // As ReadFile, as FileContents: a copy, which another process may change
  // or truncate the file under without harm (a mapping would fault), and
  // which may be faster to read from than a mapping. The default wraps
  // ReadFile.
  virtual absl::StatusOr<std::unique_ptr<FileContents>> ReadContents(
      const std::string& path);

  // Cuts `path` to `size` bytes and makes that durable.
  virtual absl::Status Truncate(const std::string& path,
                                std::uint64_t size) = 0;

  // Atomically replaces `to` with `from` (rename(2)).
  virtual absl::Status Rename(const std::string& from,
                              const std::string& to) = 0;

  // Removes the file `path`; NotFound if it does not exist.
  virtual absl::Status Remove(const std::string& path) = 0;

  // Makes the directory's entries (creations, renames, removals) durable.
  virtual absl::Status SyncDirectory(const std::string& dir) = 0;

  // The entries of `dir` but "." and "..", in no particular order.
  virtual absl::StatusOr<std::vector<DirectoryEntry>> ListDirectory(
      const std::string& dir) = 0;

  // Takes an exclusive lock on the directory `dir`, held until the returned
  // object is destroyed, through its file kLockFileName (created if
  // missing). If another holder has it, from this process or another, fails
  // at once with FailedPrecondition naming the holder's pid; so it does if
  // that file is a symbolic link or not a regular file.
  virtual absl::StatusOr<std::unique_ptr<DirectoryLock>> LockDirectory(
      const std::string& dir) = 0;
};

// A FileSystem that passes every call to another one, for subclasses that
// change a few calls (as leveldb::EnvWrapper).
class FileSystemWrapper : public FileSystem {
 public:
  // `target` must outlive the wrapper.
  explicit FileSystemWrapper(FileSystem* target) : target_(target) {}

  absl::StatusOr<std::unique_ptr<WritableFile>> OpenForAppend(
      const std::string& path, bool truncate) override {
    return target_->OpenForAppend(path, truncate);
  }
  absl::StatusOr<std::string> ReadFile(const std::string& path) override {
    return target_->ReadFile(path);
  }
  absl::StatusOr<std::unique_ptr<FileContents>> MapFile(
      const std::string& path) override {
    return target_->MapFile(path);
  }
  absl::StatusOr<std::unique_ptr<FileContents>> ReadContents(
      const std::string& path) override {
    return target_->ReadContents(path);
  }
  absl::Status Truncate(const std::string& path, std::uint64_t size) override {
    return target_->Truncate(path, size);
  }
  absl::Status Rename(const std::string& from, const std::string& to) override {
    return target_->Rename(from, to);
  }
  absl::Status Remove(const std::string& path) override {
    return target_->Remove(path);
  }
  absl::Status SyncDirectory(const std::string& dir) override {
    return target_->SyncDirectory(dir);
  }
  absl::StatusOr<std::vector<DirectoryEntry>> ListDirectory(
      const std::string& dir) override {
    return target_->ListDirectory(dir);
  }
  absl::StatusOr<std::unique_ptr<DirectoryLock>> LockDirectory(
      const std::string& dir) override {
    return target_->LockDirectory(dir);
  }

  FileSystem* target() const { return target_; }

 private:
  FileSystem* const target_;
};

// Explains why `path` cannot be a store directory (empty, not a directory,
// missing and not `create`: NotFound), or creates it and its missing parents
// if it does not exist and `create`. On the real file system: a store's
// directory is where the FileSystem's paths start.
absl::Status PrepareStoreDirectory(const std::string& path, bool create);

// The real file system. Never null; lives forever.
FileSystem* PosixFileSystem();

}  // namespace dskv

#endif  // DSKV_PERSIST_FILE_SYSTEM_H_
