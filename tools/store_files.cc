#include "tools/store_files.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <string_view>

#include "persist/file_system.h"
#include "persist/format.h"

namespace dskv::tool {
namespace {

// Classified as the loader does (persist/loader.cc): any ".tmp" file is an
// unfinished rewrite, whatever precedes the suffix.
StoreFileKind KindOf(std::string_view name) {
  if (name == kLockFileName) return StoreFileKind::kLock;
  if (name.ends_with(format::kTempSuffix)) return StoreFileKind::kTemporary;
  if (name.ends_with(format::kFileSuffix)) return StoreFileKind::kCollection;
  if (name.ends_with(format::kSetAsideSuffix)) return StoreFileKind::kSetAside;
  return StoreFileKind::kOther;
}

template <typename Predicate>
FileTotals TotalWhere(const std::vector<StoreFile>& files,
                      Predicate predicate) {
  FileTotals totals;
  for (const StoreFile& file : files) {
    if (!predicate(file)) continue;
    ++totals.files;
    totals.bytes += file.size;
  }
  return totals;
}

}  // namespace

absl::StatusOr<std::vector<StoreFile>> ListStoreFiles(const std::string& dir) {
  absl::StatusOr<std::vector<std::string>> names =
      PosixFileSystem()->ListDirectory(dir);
  if (!names.ok()) return names.status();
  std::vector<StoreFile> files;
  for (std::string& name : *names) {
    const std::string path = dir + "/" + name;
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) {
      if (errno == ENOENT) continue;  // Removed since it was listed.
      return absl::ErrnoToStatus(errno, fmt::format("cannot stat {}", path));
    }
    // ListDirectory also returns entries whose type the file system does
    // not report; stat tells.
    if (!S_ISREG(st.st_mode)) continue;
    const StoreFileKind kind = KindOf(name);
    files.push_back(
        {std::move(name), kind, static_cast<std::uint64_t>(st.st_size)});
  }
  std::sort(
      files.begin(), files.end(),
      [](const StoreFile& a, const StoreFile& b) { return a.name < b.name; });
  return files;
}

FileTotals TotalOf(const std::vector<StoreFile>& files, StoreFileKind kind) {
  return TotalWhere(files, [&](const StoreFile& f) { return f.kind == kind; });
}

FileTotals TotalOfAllBut(const std::vector<StoreFile>& files,
                         StoreFileKind kind) {
  return TotalWhere(files, [&](const StoreFile& f) { return f.kind != kind; });
}

}  // namespace dskv::tool
