#include "tools/backup.h"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <sys/stat.h>

#include <cerrno>
#include <filesystem>
#include <string_view>
#include <vector>

#include "persist/file_system.h"
#include "tools/progress.h"
#include "tools/store_files.h"

namespace dskv::tool {
namespace {

// Progress is reported per chunk of a file.
constexpr std::size_t kCopyChunkSize = 1 << 20;

// Copies `from` to the new file `to` and syncs it. The file is mapped rather
// than read into memory: the store's lock, which the caller holds, keeps it
// from changing.
absl::Status CopyFile(const std::string& from, const std::string& to,
                      Progress& progress) {
  FileSystem& fs = *PosixFileSystem();
  absl::StatusOr<std::unique_ptr<FileContents>> in = fs.MapFile(from);
  if (!in.ok()) return in.status();
  absl::StatusOr<std::unique_ptr<WritableFile>> out =
      fs.OpenForAppend(to, /*truncate=*/true);
  if (!out.ok()) return out.status();
  const std::string_view data = (*in)->data();
  for (std::size_t at = 0; at < data.size(); at += kCopyChunkSize) {
    const std::string_view chunk = data.substr(at, kCopyChunkSize);
    if (absl::Status s = (*out)->Append(chunk); !s.ok()) return s;
    progress.Add(chunk.size());
  }
  return (*out)->Sync();
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
    return absl::ErrnoToStatus(
        errno,
        fmt::format("cannot create the backup directory {}", backup_dir));
  }
  // LOCK holds the pid of the process that has the store open (this one);
  // it means nothing in a copy. Repair changes only the store's own files.
  std::erase_if(*files, [](const StoreFile& file) {
    return file.kind == StoreFileKind::kLock ||
           file.kind == StoreFileKind::kForeign || !file.regular_file;
  });
  BackupTotals total{.files = files->size()};
  for (const StoreFile& file : *files) total.bytes += file.size;
  Progress progress("backup", total.bytes, ProgressUnit::kBytes);
  for (const StoreFile& file : *files) {
    if (absl::Status s = CopyFile(store_dir + "/" + file.name,
                                  backup_dir + "/" + file.name, progress);
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
