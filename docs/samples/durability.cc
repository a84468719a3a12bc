// docs/durability.md: choosing when a write is durable.

#include <chrono>
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

// kAsync (the default): writes return at memory speed; Flush is the barrier.
absl::Status AsyncBatch(const std::string& path) {
  absl::StatusOr<std::unique_ptr<dskv::Store>> opened = dskv::Store::Open(path);
  if (!opened.ok()) return opened.status();
  dskv::Store& store = **opened;

  // [START async_batch]
  // Each Put returns once the change is in memory.
  for (int i = 0; i < 1000; ++i) {
    const std::string key = "order/" + std::to_string(i);
    if (absl::Status s = store.Put(key, "pending"); !s.ok()) return s;
  }
  // One barrier for the whole batch: when Flush returns OK, every change
  // made before it is written, fdatasync'ed, and its directory entry
  // fsync'ed. Only now tell the outside world the batch is saved.
  if (absl::Status s = store.Flush(); !s.ok()) return s;
  // [END async_batch]

  absl::StatusOr<dskv::Stats> stats = store.GetStats();
  if (!stats.ok()) return stats.status();
  if (absl::Status s = Expect(stats->dirty_keys == 0 && stats->syncs > 0,
                              "Flush leaves no dirty key");
      !s.ok()) {
    return s;
  }
  return store.Close();
}

// kSync: every acknowledged write is on disk.
absl::Status SyncWrites(const std::string& path) {
  // [START sync]
  dskv::Options options;
  options.durability = dskv::Durability::kSync;
  absl::StatusOr<std::unique_ptr<dskv::Store>> opened =
      dskv::Store::Open(path, options);
  if (!opened.ok()) return opened.status();
  dskv::Store& store = **opened;

  // Returns once the change is written and fdatasync'ed. Concurrent
  // writers share syncs (group commit).
  if (absl::Status s = store.Put("account/alice", "100"); !s.ok()) {
    // Not acknowledged: an I/O error kept the change from becoming
    // durable. It is in memory and the janitor retries it, so it may still
    // reach the disk; until a later Flush returns OK it may not survive a
    // crash.
    return s;
  }
  // [END sync]
  absl::StatusOr<dskv::Stats> stats = store.GetStats();
  if (!stats.ok()) return stats.status();
  if (absl::Status s = Expect(stats->dirty_keys == 0 && stats->syncs > 0,
                              "a kSync Put returns synced");
      !s.ok()) {
    return s;
  }
  return store.Close();
}

// A bounded loss window in kAsync mode: a short flush_interval.
absl::Status ShortInterval(const std::string& path) {
  // [START flush_interval]
  dskv::Options options;
  // The janitor starts writing a change at most 20 ms after it is made,
  // under normal load (default 100 ms).
  options.flush_interval = std::chrono::milliseconds(20);
  absl::StatusOr<std::unique_ptr<dskv::Store>> opened =
      dskv::Store::Open(path, options);
  // [END flush_interval]
  if (!opened.ok()) return opened.status();
  return (*opened)->Close();
}

absl::Status CloseStore(dskv::Store& store) {
  // [START close]
  // Close is a final Flush. If it fails, the store is closed anyway and
  // the changes it could not persist are lost: report it.
  if (absl::Status s = store.Close(); !s.ok()) {
    std::cerr << "changes lost at close: " << s << "\n";
    return s;
  }
  // [END close]
  return absl::OkStatus();
}

absl::Status Run(const std::string& path) {
  if (absl::Status s = AsyncBatch(path + "/async"); !s.ok()) return s;
  if (absl::Status s = SyncWrites(path + "/sync"); !s.ok()) return s;
  if (absl::Status s = ShortInterval(path + "/short"); !s.ok()) return s;

  absl::StatusOr<std::unique_ptr<dskv::Store>> opened =
      dskv::Store::Open(path + "/async");
  if (!opened.ok()) return opened.status();
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> orders =
      (*opened)->GetAll("order");
  if (!orders.ok()) return orders.status();
  if (absl::Status s = Expect(orders->size() == 1000, "the batch survives");
      !s.ok()) {
    return s;
  }
  return CloseStore(**opened);
}

}  // namespace

int main() { return dskv_samples::RunInTempDir(Run); }
