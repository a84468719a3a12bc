// The janitor keep-up test, for dskv alone: one thread puts distinct keys
// with 10 KiB values as fast as it can for a fixed time (or until the store
// holds a memory cap), then calls Flush.
//
//   persisted MB/s   what the janitor wrote while the puts ran (its
//                    Stats::bytes_written, which includes record framing),
//                    against the disk's sequential write speed.
//   final Flush      its time, against what it must at least take: the
//                    bytes not yet written when it starts (value bytes put
//                    minus bytes_written) at the disk's speed, plus one
//                    fdatasync.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "benchmarks/peers/os_util.h"
#include "benchmarks/peers/phase_runner.h"
#include "benchmarks/peers/results.h"
#include "benchmarks/peers/workload.h"
#include "benchmarks/peers/workloads.h"
#include "dskv/store.h"

namespace dskv::peers {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kValueSize = 10240;

struct Limits {
  std::chrono::seconds duration;
  std::uint64_t max_bytes;  // Of values held in memory.
};

// dskv holds every value in memory, and the janitor copies what it writes, so
// the cap keeps the test inside this machine class's 24 GiB.
constexpr Limits kFullLimits{std::chrono::seconds(10), std::uint64_t{4} << 30};
constexpr Limits kQuickLimits{std::chrono::seconds(2),
                              std::uint64_t{512} << 20};

absl::StatusOr<std::uint64_t> BytesWritten(const Store& store) {
  absl::StatusOr<Stats> stats = store.GetStats();
  if (!stats.ok()) return stats.status();
  return stats->bytes_written;
}

}  // namespace

absl::Status RunJanitor(const WorkloadOptions& options, Results* results) {
  if (options.disk_mb_per_sec <= 0) {
    return absl::InvalidArgumentError(
        "the janitor test needs --disk_mb_per_sec");
  }
  const Limits limits = options.quick ? kQuickLimits : kFullLimits;
  absl::StatusOr<double> fsync = FsyncSeconds(options.dir);
  if (!fsync.ok()) return fsync.status();
  absl::StatusOr<std::unique_ptr<Store>> opened =
      Store::Open(options.dir + "/store");
  if (!opened.ok()) return opened.status();
  Store& store = **opened;
  const ValuePool pool(kValueSize);

  char key[kSpreadKeySize];
  std::uint64_t puts = 0;
  const std::uint64_t max_puts = limits.max_bytes / kValueSize;
  const Clock::time_point start = Clock::now();
  const Clock::time_point deadline = start + limits.duration;
  for (; puts < max_puts; ++puts) {
    if (puts % 64 == 0 && Clock::now() >= deadline) break;
    absl::Status status =
        store.Put(SpreadKey(puts, key), pool.Value(puts, 0, kValueSize));
    if (!status.ok()) return status;
  }
  const double put_seconds =
      std::chrono::duration<double>(Clock::now() - start).count();

  absl::StatusOr<std::uint64_t> written = BytesWritten(store);
  if (!written.ok()) return written.status();
  const std::uint64_t put_bytes = puts * kValueSize;
  const std::uint64_t unwritten =
      put_bytes > *written ? put_bytes - *written : 0;
  absl::StatusOr<double> flush = TimeCall([&] { return store.Flush(); });
  if (!flush.ok()) return flush.status();
  absl::StatusOr<std::uint64_t> final_written = BytesWritten(store);
  if (!final_written.ok()) return final_written.status();

  const double disk_bytes_per_sec = options.disk_mb_per_sec * 1e6;
  results->Add("janitor", "puts", puts);
  results->Add("janitor", "put_seconds", put_seconds);
  results->Add("janitor", "hit_memory_cap", puts == max_puts);
  results->Add("janitor", "memory_cap_mib", limits.max_bytes / 1048576.0);
  results->Add("janitor", "offered_mb_per_sec", put_bytes / 1e6 / put_seconds);
  results->Add("janitor", "persisted_mb_per_sec", *written / 1e6 / put_seconds);
  results->Add("janitor", "overall_mb_per_sec",
               *final_written / 1e6 / (put_seconds + *flush));
  results->Add("janitor", "disk_mb_per_sec", options.disk_mb_per_sec);
  results->Add("janitor", "unwritten_mb", unwritten / 1e6);
  results->Add("janitor", "fsync_seconds", *fsync);
  results->Add("janitor", "final_flush_seconds", *flush);
  results->Add("janitor", "predicted_flush_seconds",
               unwritten / disk_bytes_per_sec + *fsync);
  return store.Close();
}

}  // namespace dskv::peers
