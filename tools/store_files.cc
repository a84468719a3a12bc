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
  absl::StatusOr<std::vector<DirectoryEntry>> entries =
      PosixFileSystem()->ListDirectory(dir);
  if (!entries.ok()) return entries.status();
  std::vector<StoreFile> files;
  for (const DirectoryEntry& entry : *entries) {
    StoreFile file{.name = entry.name,
                   .kind = ClassifyStoreFile(entry.name),
                   .regular_file = entry.regular_file};
    if (file.regular_file) {
      const std::string path = dir + "/" + file.name;
      struct stat st;
      if (::lstat(path.c_str(), &st) != 0) {
        if (errno == ENOENT) continue;  // Removed since it was listed.
        return absl::ErrnoToStatus(errno, fmt::format("cannot stat {}", path));
      }
      file.size = static_cast<std::uint64_t>(st.st_size);
    }
    files.push_back(std::move(file));
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
