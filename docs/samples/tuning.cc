// docs/tuning.md: every field of dskv::Options, and the knobs at work.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "docs/samples/sample_dir.h"
#include "dskv/store.h"

namespace {

using ::dskv_samples::Expect;

absl::Status Defaults(const std::string& path) {
  // [START options]
  dskv::Options options;  // Every field below is set to its default.
  // kAsync: writes return once in memory; kSync: once on disk.
  options.durability = dskv::Durability::kAsync;
  // kAsync: the longest a change waits before the janitor writes it.
  options.flush_interval = std::chrono::milliseconds(100);
  // Larger values are rejected by Put with InvalidArgument.
  options.max_value_size = std::size_t{256} << 20;
  // Open: fail on damaged records (false) or skip them (true).
  options.salvage = false;
  // A file is compacted once it is larger than compaction_min_bytes and its
  // dead bytes exceed compaction_dead_ratio times its live bytes.
  options.compaction_min_bytes = std::uint64_t{4} << 20;
  options.compaction_dead_ratio = 1.0;
  // true: no lock, no writes, a snapshot of the files.
  options.read_only = false;
  // Writes that would take the keys past it fail (0: no limit), or with
  // kSoonestDeadline evict the keys whose deadlines come soonest.
  options.max_memory_bytes = 0;
  options.eviction = dskv::Eviction::kNone;
  // [END options]
  absl::StatusOr<std::unique_ptr<dskv::Store>> opened =
      dskv::Store::Open(path, options);
  if (!opened.ok()) return opened.status();
  return (*opened)->Close();
}

absl::Status Invalid(const std::string& path) {
  // [START invalid_options]
  dskv::Options options;
  options.flush_interval = std::chrono::milliseconds(0);  // Must be positive.
  absl::StatusOr<std::unique_ptr<dskv::Store>> opened =
      dskv::Store::Open(path, options);
  // absl::IsInvalidArgument(opened.status()) holds; so it does for a
  // compaction_dead_ratio that is not positive.
  // [END invalid_options]
  return Expect(absl::IsInvalidArgument(opened.status()),
                "a zero flush_interval is InvalidArgument");
}

absl::Status MaxValueSize(const std::string& path) {
  // [START max_value_size]
  dskv::Options options;
  options.max_value_size = std::size_t{1} << 20;  // 1 MiB.
  absl::StatusOr<std::unique_ptr<dskv::Store>> opened =
      dskv::Store::Open(path, options);
  if (!opened.ok()) return opened.status();
  const std::string too_big((std::size_t{1} << 20) + 1, 'x');
  absl::Status s = (*opened)->Put("blob/big", too_big);
  // absl::IsInvalidArgument(s) holds, and the store is unchanged.
  // [END max_value_size]
  if (absl::Status e =
          Expect(absl::IsInvalidArgument(s), "an oversized value is refused");
      !e.ok()) {
    return e;
  }
  return (*opened)->Close();
}

absl::Status Compaction(const std::string& path) {
  // [START compaction]
  // Files of at most about 1.25 times their live data once they pass 1 MiB:
  // less disk, more rewriting.
  dskv::Options options;
  options.compaction_min_bytes = std::uint64_t{1} << 20;
  options.compaction_dead_ratio = 0.25;
  // [END compaction]
  absl::StatusOr<std::unique_ptr<dskv::Store>> opened =
      dskv::Store::Open(path, options);
  if (!opened.ok()) return opened.status();
  dskv::Store& store = **opened;
  // 2 MiB of live data, overwritten twice.
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 200; ++i) {
      if (absl::Status s = store.Put("c/" + std::to_string(i),
                                     std::string(10240, 'a' + round));
          !s.ok()) {
        return s;
      }
    }
    if (absl::Status s = store.Flush(); !s.ok()) return s;
  }

  // [START monitor]
  absl::StatusOr<dskv::Stats> stats = store.GetStats();
  if (!stats.ok()) return stats.status();
  std::cout << "held in memory: " << stats->bytes << " bytes; written since "
            << "Open: " << stats->bytes_written << " bytes, "
            << stats->compactions << " compactions, " << stats->syncs
            << " syncs; failed janitor passes: " << stats->failed_janitor_passes
            << "\n";
  // [END monitor]
  if (absl::Status s = Expect(stats->compactions > 0, "the janitor compacts");
      !s.ok()) {
    return s;
  }
  return store.Close();
}

absl::Status Run(const std::string& path) {
  if (absl::Status s = Defaults(path + "/defaults"); !s.ok()) return s;
  if (absl::Status s = Invalid(path + "/invalid"); !s.ok()) return s;
  if (absl::Status s = MaxValueSize(path + "/max"); !s.ok()) return s;
  return Compaction(path + "/compaction");
}

}  // namespace

int main() { return dskv_samples::RunInTempDir(Run); }
