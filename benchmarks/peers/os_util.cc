#include "benchmarks/peers/os_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "fmt/format.h"

namespace dskv::peers {
namespace {

namespace fs = std::filesystem;

absl::Status FromErrorCode(const std::error_code& error,
                           std::string_view what) {
  return absl::UnknownError(fmt::format("{}: {}", what, error.message()));
}

absl::Status Errno(std::string_view what) {
  return absl::ErrnoToStatus(errno, std::string(what));
}

// Calls visit(path) for every regular file under `dir`.
template <typename Visit>
absl::Status ForEachFile(const std::string& dir, Visit visit) {
  std::error_code error;
  for (fs::recursive_directory_iterator it(dir, error), end;
       !error && it != end; it.increment(error)) {
    if (!it->is_regular_file(error) || error) continue;
    if (absl::Status status = visit(it->path().string()); !status.ok()) {
      return status;
    }
  }
  if (error) return FromErrorCode(error, dir);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Memory> ReadMemory() {
  std::ifstream status("/proc/self/status");
  if (!status) return absl::UnavailableError("cannot read /proc/self/status");
  Memory memory;
  for (std::string line; std::getline(status, line);) {
    // Lines read "VmRSS:     1234 kB".
    const std::size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    const std::string_view name = std::string_view(line).substr(0, colon);
    double* target = name == "VmRSS"     ? &memory.rss_mib
                     : name == "RssAnon" ? &memory.rss_anon_mib
                     : name == "RssFile" ? &memory.rss_file_mib
                                         : nullptr;
    if (target != nullptr) {
      *target = std::strtod(line.c_str() + colon + 1, nullptr) / 1024;
    }
  }
  return memory;
}

absl::Status DropFromPageCache(const std::string& dir) {
  return ForEachFile(dir, [](const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY);
    if (fd < 0) return Errno(path);
    absl::Status status;
    if (::fdatasync(fd) != 0) {
      status = Errno(fmt::format("fdatasync {}", path));
    } else if (const int rc = ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
               rc != 0) {
      status = absl::ErrnoToStatus(rc, fmt::format("posix_fadvise {}", path));
    }
    ::close(fd);
    return status;
  });
}

absl::StatusOr<std::uint64_t> DiskUsage(const std::string& dir) {
  std::uint64_t bytes = 0;
  absl::Status status = ForEachFile(dir, [&bytes](const std::string& path) {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return Errno(path);
    bytes += static_cast<std::uint64_t>(st.st_blocks) * 512;
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return bytes;
}

absl::StatusOr<double> FsyncSeconds(const std::string& dir) {
  const std::string path = dir + "/fsync.scratch";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return Errno(path);
  const std::string block(4096, 'f');
  std::vector<double> seconds;
  absl::Status status;
  for (int i = 0; i < 9 && status.ok(); ++i) {
    const auto start = std::chrono::steady_clock::now();
    if (::write(fd, block.data(), block.size()) !=
            static_cast<ssize_t>(block.size()) ||
        ::fdatasync(fd) != 0) {
      status = Errno(path);
    }
    seconds.push_back(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count());
  }
  ::close(fd);
  ::unlink(path.c_str());
  if (!status.ok()) return status;
  std::sort(seconds.begin(), seconds.end());
  return seconds[seconds.size() / 2];
}

absl::Status MakeEmptyDir(const std::string& path) {
  std::error_code error;
  fs::remove_all(path, error);
  if (!error) fs::create_directories(path, error);
  if (error) return FromErrorCode(error, path);
  return absl::OkStatus();
}

absl::Status RemoveDir(const std::string& path) {
  std::error_code error;
  fs::remove_all(path, error);
  if (error) return FromErrorCode(error, path);
  return absl::OkStatus();
}

}  // namespace dskv::peers
