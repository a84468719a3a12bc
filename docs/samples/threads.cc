// docs/thread-safety.md: one store used from many threads, Close racing
// with writers, and a SharedValue that outlives its store.

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "docs/samples/sample_dir.h"
#include "dskv/store.h"

namespace {

using ::dskv_samples::Expect;

absl::Status ManyThreads(dskv::Store& store) {
  // [START threads]
  // No external locking: every method may be called from any thread.
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&store, &failures, t] {
      const std::string collection = "thread" + std::to_string(t);
      for (int i = 0; i < 1000; ++i) {
        const std::string key = collection + "/" + std::to_string(i);
        if (!store.Put(key, "value").ok()) ++failures;
        if (!store.Get(key).ok()) ++failures;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  // [END threads]
  absl::StatusOr<dskv::Stats> stats = store.GetStats();
  if (!stats.ok()) return stats.status();
  return Expect(failures == 0 && stats->keys == 4000,
                "4 threads stored 4,000 keys");
}

// Returns the number of puts acknowledged before Close.
absl::StatusOr<int> CloseRace(dskv::Store& store) {
  // [START close_race]
  std::atomic<int> acknowledged{0};
  std::thread writer([&store, &acknowledged] {
    for (int i = 0;; ++i) {
      absl::Status s = store.Put("log/" + std::to_string(i), "entry");
      // Closed: this put and every later one did nothing.
      if (absl::IsFailedPrecondition(s)) return;
      // Acknowledged before Close: Close makes it durable.
      if (s.ok()) acknowledged = i + 1;
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(10));
  absl::Status closed = store.Close();  // Races with the writer's puts.
  writer.join();                        // Join before destroying the store.
  if (!closed.ok()) return closed;
  // [END close_race]
  return acknowledged.load();
}

absl::Status Lifetime(const std::string& path) {
  // [START shared_value_lifetime]
  dskv::SharedValue handle;  // Empty.
  {
    absl::StatusOr<std::unique_ptr<dskv::Store>> store =
        dskv::Store::Open(path);
    if (!store.ok()) return store.status();
    if (absl::Status s = (*store)->Put("blob/x", "shared bytes"); !s.ok()) {
      return s;
    }
    absl::StatusOr<dskv::SharedValue> shared = (*store)->GetShared("blob/x");
    if (!shared.ok()) return shared.status();
    handle = *shared;  // Copying a handle shares the value.
    if (absl::Status s = (*store)->Delete("blob/x"); !s.ok()) return s;
    if (absl::Status s = (*store)->Close(); !s.ok()) return s;
  }  // The store is destroyed here.
  // handle.value() is still "shared bytes": the handle keeps them alive.
  // [END shared_value_lifetime]
  return Expect(handle.value() == "shared bytes" && handle.member() == "x",
                "a SharedValue outlives its store");
}

absl::Status Run(const std::string& path) {
  absl::StatusOr<std::unique_ptr<dskv::Store>> opened = dskv::Store::Open(path);
  if (!opened.ok()) return opened.status();
  if (absl::Status s = ManyThreads(**opened); !s.ok()) return s;
  absl::StatusOr<int> acknowledged = CloseRace(**opened);
  if (!acknowledged.ok()) return acknowledged.status();
  opened->reset();

  // Every acknowledged put is there after reopening.
  absl::StatusOr<std::unique_ptr<dskv::Store>> reopened =
      dskv::Store::Open(path);
  if (!reopened.ok()) return reopened.status();
  for (int i = 0; i < *acknowledged; ++i) {
    if (absl::Status s = (*reopened)->Get("log/" + std::to_string(i)).status();
        !s.ok()) {
      return s;
    }
  }
  if (absl::Status s = (*reopened)->Close(); !s.ok()) return s;
  return Lifetime(path + "-lifetime");
}

}  // namespace

int main() { return dskv_samples::RunInTempDir(Run); }
