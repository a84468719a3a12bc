// Microbenchmarks of single dskv calls: Get and Put of small values (16-byte
// keys, 100-byte values) and of 10 KiB values, from one and two threads.
//
// Every benchmark uses one shared store, opened in a temporary directory and
// filled on first use, before any timed loop; Put overwrites keys that exist,
// so the store does not grow while it is measured. Keys are picked
// pseudo-randomly. Bytes processed count value bytes.

#include <stdlib.h>

#include <array>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "benchmark/benchmark.h"
#include "dskv/store.h"
#include "fmt/format.h"

namespace dskv::bench {
namespace {

enum class Size { kSmall, kLarge };

struct DatasetSpec {
  std::string_view collection;
  std::size_t keys;
  std::size_t value_size;
};

// Indexed by Size. Keys are the collection, '/' and a 14-digit member: 16
// bytes.
constexpr std::array<DatasetSpec, 2> kSpecs = {{
    {"s", 100'000, 100},
    {"l", 10'000, 10'240},
}};

struct Dataset {
  std::size_t value_size = 0;
  std::vector<std::string> keys;
  // What the Put benchmarks write: a value of the same size as, but
  // different bytes from, the one each key was filled with.
  std::string put_value;
};

// What the benchmarks share.
struct Env {
  absl::Status status;  // Not OK if the store could not be set up.
  std::string dir;
  std::unique_ptr<Store> store;
  std::array<Dataset, 2> datasets;  // Indexed by Size.
};

absl::Status Fill(Store& store, const DatasetSpec& spec, Dataset* dataset) {
  dataset->value_size = spec.value_size;
  dataset->put_value = std::string(spec.value_size, 'p');
  const std::string fill_value(spec.value_size, 'f');
  for (std::size_t i = 0; i < spec.keys; ++i) {
    dataset->keys.push_back(fmt::format("{}/{:014}", spec.collection, i));
    absl::Status status = store.Put(dataset->keys.back(), fill_value);
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

absl::Status SetUp(Env* env) {
  const char* tmpdir = std::getenv("TMPDIR");
  std::string dir =
      fmt::format("{}/dskv_micro_bench.XXXXXX",
                  tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/tmp");
  if (mkdtemp(dir.data()) == nullptr) {
    return absl::ErrnoToStatus(errno, fmt::format("cannot create {}", dir));
  }
  env->dir = std::move(dir);
  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(env->dir);
  if (!store.ok()) return store.status();
  env->store = *std::move(store);
  for (std::size_t i = 0; i < kSpecs.size(); ++i) {
    absl::Status status = Fill(*env->store, kSpecs[i], &env->datasets[i]);
    if (!status.ok()) return status;
  }
  // Persisting the fill in the background would slow the first benchmarks.
  return env->store->Flush();
}

Env& GetEnv();

// Registered with atexit, because the shared store outlives every benchmark
// and benchmark_main gives no hook after the last one.
void TearDown() {
  Env& env = GetEnv();
  if (env.store != nullptr) {
    if (absl::Status status = env.store->Close(); !status.ok()) {
      fmt::print(stderr, "micro_bench: {}\n", status.ToString());
    }
    env.store.reset();
  }
  if (env.dir.empty()) return;
  std::error_code error;
  std::filesystem::remove_all(env.dir, error);
  if (error) {
    fmt::print(stderr, "micro_bench: cannot remove {}: {}\n", env.dir,
               error.message());
  }
}

// Returns the shared environment, setting it up on the first call. Safe to
// call from every benchmark thread at once: Google Benchmark starts a run's
// threads together, and initialization of a function-local static makes the
// others wait for the first.
Env& GetEnv() {
  static Env* const env = [] {
    auto* env = new Env;
    env->status = SetUp(env);
    std::atexit(TearDown);
    return env;
  }();
  return *env;
}

// Picks keys pseudo-randomly with a 64-bit LCG, cheap enough not to show in
// the timings. Only the high bits, which are the good ones, are used.
class KeyPicker {
 public:
  KeyPicker(const std::vector<std::string>& keys, std::uint64_t seed)
      : keys_(keys), state_(seed) {}

  const std::string& Next() {
    state_ = state_ * 6364136223846793005 + 1442695040888963407;
    // Maps the top 32 bits onto [0, size) by multiplying rather than by
    // taking a remainder; the key counts are far below 2^32.
    return keys_[((state_ >> 32) * keys_.size()) >> 32];
  }

 private:
  const std::vector<std::string>& keys_;
  std::uint64_t state_;
};

// Returns the dataset for `size`, or null after marking `state` as failed.
const Dataset* GetDataset(benchmark::State& state, Size size) {
  const Env& env = GetEnv();
  if (!env.status.ok()) {
    state.SkipWithError(env.status.ToString().c_str());
    return nullptr;
  }
  return &env.datasets[static_cast<std::size_t>(size)];
}

void SetProcessed(benchmark::State& state, const Dataset& dataset) {
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() *
                          static_cast<std::int64_t>(dataset.value_size));
}

void BM_Get(benchmark::State& state, Size size) {
  const Dataset* dataset = GetDataset(state, size);
  if (dataset == nullptr) return;
  const Store& store = *GetEnv().store;
  KeyPicker picker(dataset->keys, state.thread_index() + 1);
  for (auto _ : state) {
    absl::StatusOr<std::string> value = store.Get(picker.Next());
    if (!value.ok()) {
      state.SkipWithError(value.status().ToString().c_str());
      break;
    }
    benchmark::DoNotOptimize(value);
  }
  SetProcessed(state, *dataset);
}

void BM_Put(benchmark::State& state, Size size) {
  const Dataset* dataset = GetDataset(state, size);
  if (dataset == nullptr) return;
  Store& store = *GetEnv().store;
  KeyPicker picker(dataset->keys, state.thread_index() + 1);
  for (auto _ : state) {
    absl::Status status = store.Put(picker.Next(), dataset->put_value);
    if (!status.ok()) {
      state.SkipWithError(status.ToString().c_str());
      break;
    }
  }
  SetProcessed(state, *dataset);
}

// Real time, because with two threads the CPU time of one thread says little
// about the rate of both.
BENCHMARK_CAPTURE(BM_Get, small, Size::kSmall)
    ->Threads(1)
    ->Threads(2)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_Get, 10KiB, Size::kLarge)
    ->Threads(1)
    ->Threads(2)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_Put, small, Size::kSmall)
    ->Threads(1)
    ->Threads(2)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_Put, 10KiB, Size::kLarge)
    ->Threads(1)
    ->Threads(2)
    ->UseRealTime();

}  // namespace
}  // namespace dskv::bench
