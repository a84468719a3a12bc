#include "tools/backup.h"

#include <fcntl.h>
#include <fmt/chrono.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <vector>

#include "persist/file_system.h"
#include "tools/progress.h"
#include "tools/store_files.h"

namespace dskv::tool {
namespace {

constexpr std::size_t kCopyBufferSize = 1 << 20;

absl::Status ErrnoError(std::string_view what, const std::string& path) {
  return absl::ErrnoToStatus(errno, fmt::format("{} {}", what, path));
}

// Closes a file descriptor on scope exit.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  const int fd_;
};

// Writes all of `data` to `fd`, retrying short writes.
absl::Status WriteAll(int fd, const char* data, std::size_t size,
                      const std::string& path) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoError("cannot write", path);
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return absl::OkStatus();
}

// Copies `from` to the new file `to` and syncs it, reporting each chunk to
// `progress`. Streams, since a collection file may be larger than memory.
absl::Status CopyFile(const std::string& from, const std::string& to,
                      std::vector<char>& buffer, Progress& progress) {
  Fd in(::open(from.c_str(), O_RDONLY | O_CLOEXEC));
  if (in.get() < 0) return ErrnoError("cannot open", from);
  Fd out(::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (out.get() < 0) return ErrnoError("cannot create", to);
  while (true) {
    const ssize_t n = ::read(in.get(), buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoError("cannot read", from);
    if (n == 0) break;
    if (absl::Status s =
            WriteAll(out.get(), buffer.data(), static_cast<std::size_t>(n), to);
        !s.ok()) {
      return s;
    }
    progress.Add(static_cast<std::uint64_t>(n));
  }
  if (::fsync(out.get()) != 0) return ErrnoError("cannot sync", to);
  return absl::OkStatus();
}

// `path` without trailing slashes, which would make "a/b/" look like a
// directory named "" inside "a/b".
std::string WithoutTrailingSlashes(std::string path) {
  while (path.size() > 1 && path.ends_with('/')) path.pop_back();
  return path;
}

// The directory `path` is in.
std::string ParentOf(const std::string& path) {
  const std::filesystem::path parent =
      std::filesystem::absolute(WithoutTrailingSlashes(path)).parent_path();
  return parent.empty() ? "/" : parent.string();
}

}  // namespace

std::string DefaultBackupDir(const std::string& store_dir, std::time_t when) {
  return fmt::format("{}.backup-{:%Y%m%d-%H%M%S}",
                     WithoutTrailingSlashes(store_dir), fmt::localtime(when));
}

absl::StatusOr<BackupTotals> BackUpStore(const std::string& store_dir,
                                         const std::string& backup_dir) {
  absl::StatusOr<std::vector<StoreFile>> files = ListStoreFiles(store_dir);
  if (!files.ok()) return files.status();
  if (::mkdir(backup_dir.c_str(), 0755) != 0) {
    if (errno == EEXIST) {
      return absl::AlreadyExistsError(fmt::format(
          "the backup directory {} exists already; choose another with "
          "--backup=DIR",
          backup_dir));
    }
    return ErrnoError("cannot create the backup directory", backup_dir);
  }
  // LOCK holds the pid of the process that has the store open (this one);
  // it means nothing in a copy.
  std::erase_if(*files, [](const StoreFile& file) {
    return file.kind == StoreFileKind::kLock;
  });
  BackupTotals total{.files = files->size()};
  for (const StoreFile& file : *files) total.bytes += file.size;
  Progress progress("backup", total.bytes, ProgressUnit::kBytes);
  std::vector<char> buffer(kCopyBufferSize);
  for (const StoreFile& file : *files) {
    if (absl::Status s =
            CopyFile(store_dir + "/" + file.name, backup_dir + "/" + file.name,
                     buffer, progress);
        !s.ok()) {
      return s;
    }
  }
  // The copies' directory entries, and the directory's own entry.
  for (const std::string& dir : {backup_dir, ParentOf(backup_dir)}) {
    if (absl::Status s = PosixFileSystem()->SyncDirectory(dir); !s.ok()) {
      return s;
    }
  }
  return total;
}

}  // namespace dskv::tool
