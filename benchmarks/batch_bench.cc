// 1,000 puts of 100-byte values as one WriteBatch against 1,000 Put calls,
// in kAsync and kSync mode. Each iteration writes 1,000 keys picked
// pseudo-randomly from 100,000 in 10 collections (overwrites, so the store
// does not grow), and builds its batch inside the clock, as a program would.
// Items processed count puts, per second of wall time (kSync waits on the
// disk, not the processor).
//
//   bazel run -c opt //benchmarks:batch_bench

#include <stdlib.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "benchmark/benchmark.h"
#include "dskv/store.h"
#include "dskv/write_batch.h"
#include "fmt/format.h"

namespace dskv::bench {
namespace {

constexpr std::size_t kKeys = 100'000;
constexpr std::size_t kPutsPerIteration = 1000;
constexpr std::size_t kValueSize = 100;

// A store in a fresh temporary directory, removed with it.
class TempStore {
 public:
  explicit TempStore(Durability durability) {
    const char* tmpdir = std::getenv("TMPDIR");
    dir_ = fmt::format("{}/dskv_batch_bench.XXXXXX",
                       tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/tmp");
    if (mkdtemp(dir_.data()) == nullptr) {
      status_ = absl::ErrnoToStatus(errno, "mkdtemp " + dir_);
      return;
    }
    Options options;
    options.durability = durability;
    absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(dir_, options);
    status_ = store.status();
    if (store.ok()) store_ = *std::move(store);
    for (std::size_t i = 0; i < kKeys; ++i) {
      keys_.push_back(fmt::format("c{}/{:012}", i % 10, i));
    }
  }
  ~TempStore() {
    if (store_ != nullptr) store_->Close().IgnoreError();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  const absl::Status& status() const { return status_; }
  Store& store() { return *store_; }
  // The key for the i-th put: a 64-bit LCG's high bits.
  const std::string& Key(std::uint64_t* state) const {
    *state = *state * 6364136223846793005 + 1442695040888963407;
    return keys_[((*state >> 32) * keys_.size()) >> 32];
  }

 private:
  std::string dir_;
  absl::Status status_;
  std::unique_ptr<Store> store_;
  std::vector<std::string> keys_;
};

TempStore& StoreFor(Durability durability) {
  static TempStore* const async = new TempStore(Durability::kAsync);
  static TempStore* const sync = new TempStore(Durability::kSync);
  return durability == Durability::kAsync ? *async : *sync;
}

void Run(benchmark::State& state, Durability durability, bool batched) {
  TempStore& store = StoreFor(durability);
  if (!store.status().ok()) {
    state.SkipWithError(store.status().ToString().c_str());
    return;
  }
  const std::string value(kValueSize, 'v');
  std::uint64_t random = 42;
  for (auto _ : state) {
    absl::Status status;
    if (batched) {
      WriteBatch batch;
      for (std::size_t i = 0; i < kPutsPerIteration; ++i) {
        batch.Put(store.Key(&random), value);
      }
      status = store.store().Write(batch);
    } else {
      for (std::size_t i = 0; i < kPutsPerIteration && status.ok(); ++i) {
        status = store.store().Put(store.Key(&random), value);
      }
    }
    if (!status.ok()) {
      state.SkipWithError(status.ToString().c_str());
      return;
    }
  }
  state.SetItemsProcessed(state.iterations() * kPutsPerIteration);
}

BENCHMARK_CAPTURE(Run, async_1000_puts, Durability::kAsync, false)
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(Run, async_batch_of_1000, Durability::kAsync, true)
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(Run, sync_1000_puts, Durability::kSync, false)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(Run, sync_batch_of_1000, Durability::kSync, true)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace dskv::bench
