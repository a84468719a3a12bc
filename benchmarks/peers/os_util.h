// What the workloads ask of the operating system: memory use, page-cache
// control, disk usage and fsync cost.

#ifndef BENCHMARKS_PEERS_OS_UTIL_H_
#define BENCHMARKS_PEERS_OS_UTIL_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace dskv::peers {

// This process's resident memory, from /proc/self/status, in MiB.
struct Memory {
  double rss_mib = 0;       // VmRSS: all resident pages.
  double rss_anon_mib = 0;  // RssAnon: heap and stacks.
  double rss_file_mib = 0;  // RssFile: mapped files (LMDB, mmapped hashes).
};
absl::StatusOr<Memory> ReadMemory();

// fdatasyncs every file under `dir`, then asks the kernel to drop its pages
// from the page cache (posix_fadvise POSIX_FADV_DONTNEED), so that the next
// open reads from the disk.
absl::Status DropFromPageCache(const std::string& dir);

// Bytes allocated on disk to the files under `dir` (sparse files count only
// their allocated blocks).
absl::StatusOr<std::uint64_t> DiskUsage(const std::string& dir);

// The median time of appending 4 KiB to a file in `dir` and fdatasyncing it.
absl::StatusOr<double> FsyncSeconds(const std::string& dir);

// Removes `path` with its contents, if it exists, and creates it empty.
absl::Status MakeEmptyDir(const std::string& path);

// Removes `path` with its contents, if it exists.
absl::Status RemoveDir(const std::string& path);

}  // namespace dskv::peers

#endif  // BENCHMARKS_PEERS_OS_UTIL_H_
