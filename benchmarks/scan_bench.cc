// Google Benchmark measurements of ordered reads: a short page from the
// middle of a large collection, paging through all of it against one
// unbounded GetAll, pages while another thread writes, and what ordering
// adds to first-time puts in a collection that is scanned.
//
// One store, in a temporary directory, holds a collection "big" of
// --members (default 1,000,000) members of 16 bytes with 100-byte values,
// filled and scanned once before any timed loop.
//
//   bazel run -c opt //benchmarks:scan_bench -- --benchmark_min_time=0.5

#include <stdlib.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "benchmark/benchmark.h"
#include "dskv/store.h"
#include "fmt/format.h"

namespace dskv::bench {
namespace {

constexpr std::size_t kMembers = 1'000'000;
constexpr std::size_t kValueSize = 100;

std::string Member(std::size_t i) { return fmt::format("m{:015d}", i); }

struct Env {
  absl::Status status;
  std::string dir;
  std::unique_ptr<Store> store;
};

Env* MakeEnv() {
  auto* env = new Env;
  std::string tmpl =
      (std::filesystem::temp_directory_path() / "dskv_scan_bench_XXXXXX")
          .string();
  if (mkdtemp(tmpl.data()) == nullptr) {
    env->status = absl::InternalError("mkdtemp failed");
    return env;
  }
  env->dir = tmpl;
  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(env->dir);
  if (!store.ok()) {
    env->status = store.status();
    return env;
  }
  env->store = std::move(*store);
  const std::string value(kValueSize, 'v');
  // Spread over the range so that the order differs from insertion order.
  for (std::size_t i = 0; i < kMembers; ++i) {
    const std::size_t k = (i * 7919) % kMembers;
    env->status = env->store->Put("big/" + Member(k), value);
    if (!env->status.ok()) return env;
  }
  absl::StatusOr<ScanPage> first = env->store->Scan("big", {"", "", "", 1});
  env->status = first.status();
  return env;
}

Env& GetEnv() {
  static Env* env = MakeEnv();
  return *env;
}

bool Ready(benchmark::State& state) {
  if (!GetEnv().status.ok()) {
    state.SkipWithError(GetEnv().status.ToString().c_str());
    return false;
  }
  return true;
}

// A page of state.range(0) members starting at a random member in the
// middle half of the collection.
void BM_PageFromMiddle(benchmark::State& state, bool reverse) {
  if (!Ready(state)) return;
  Store& store = *GetEnv().store;
  ScanOptions options;
  options.limit = static_cast<std::size_t>(state.range(0));
  options.reverse = reverse;
  std::uint64_t x = 1;
  std::size_t items = 0;
  for (auto _ : state) {
    x = x * 6364136223846793005u + 1442695040888963407u;
    const std::string bound = Member(kMembers / 4 + (x >> 33) % (kMembers / 2));
    (reverse ? options.end : options.start) = bound;
    absl::StatusOr<ScanPage> page = store.Scan("big", options);
    if (!page.ok()) {
      state.SkipWithError(page.status().ToString().c_str());
      return;
    }
    items += page->items.size();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(items));
}
BENCHMARK_CAPTURE(BM_PageFromMiddle, forward, false)->Arg(10)->Arg(1000);
BENCHMARK_CAPTURE(BM_PageFromMiddle, reverse, true)->Arg(10)->Arg(1000);

// The whole collection in pages of state.range(0) members.
void BM_PageThroughAll(benchmark::State& state) {
  if (!Ready(state)) return;
  Store& store = *GetEnv().store;
  for (auto _ : state) {
    ScanOptions options;
    options.limit = static_cast<std::size_t>(state.range(0));
    std::size_t items = 0;
    while (true) {
      absl::StatusOr<ScanPage> page = store.Scan("big", options);
      if (!page.ok()) {
        state.SkipWithError(page.status().ToString().c_str());
        return;
      }
      items += page->items.size();
      if (page->next.empty()) break;
      options.start = std::move(page->next);
    }
    if (items != kMembers) state.SkipWithError("wrong number of members");
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) *
                          kMembers);
}
BENCHMARK(BM_PageThroughAll)->Arg(1000)->Unit(benchmark::kMillisecond);

void BM_GetAll(benchmark::State& state) {
  if (!Ready(state)) return;
  Store& store = *GetEnv().store;
  for (auto _ : state) {
    absl::StatusOr<std::vector<std::pair<std::string, std::string>>> all =
        store.GetAll("big");
    if (!all.ok() || all->size() != kMembers) {
      state.SkipWithError("GetAll failed");
      return;
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) *
                          kMembers);
}
BENCHMARK(BM_GetAll)->Unit(benchmark::kMillisecond);

// 10-member pages from the middle while another thread puts new members
// into the same collection and deletes them again, as fast as it can.
void BM_PageWhileWriting(benchmark::State& state) {
  if (!Ready(state)) return;
  Store& store = *GetEnv().store;
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    const std::string value(kValueSize, 'w');
    for (std::uint64_t i = 0; !stop.load(std::memory_order_relaxed); ++i) {
      const std::string key = "big/" + Member(i % kMembers) + "w";
      absl::Status s =
          (i / kMembers) % 2 == 0 ? store.Put(key, value) : store.Delete(key);
      if (!s.ok()) return;
    }
  });
  ScanOptions options;
  options.limit = 10;
  std::uint64_t x = 1;
  for (auto _ : state) {
    x = x * 6364136223846793005u + 1442695040888963407u;
    options.start = Member(kMembers / 4 + (x >> 33) % (kMembers / 2));
    absl::StatusOr<ScanPage> page = store.Scan("big", options);
    if (!page.ok()) {
      state.SkipWithError(page.status().ToString().c_str());
      break;
    }
  }
  stop = true;
  writer.join();
}
BENCHMARK(BM_PageWhileWriting)->UseRealTime();

// state.range(0) first-time puts of 16-byte members with 100-byte values
// into a fresh collection; with range(1) = 1 the collection was scanned
// first, so the puts are listed for ordering and one Scan after them orders
// them (its cost is included).
void BM_FirstPuts(benchmark::State& state) {
  if (!Ready(state)) return;
  Store& store = *GetEnv().store;
  const auto count = static_cast<std::size_t>(state.range(0));
  const bool ordered = state.range(1) != 0;
  const std::string value(kValueSize, 'p');
  int round = 0;
  for (auto _ : state) {
    state.PauseTiming();
    const std::string collection = fmt::format("fresh{}", round++);
    std::vector<std::string> keys;
    keys.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
      keys.push_back(collection + "/" + Member((i * 7919) % count));
    }
    if (ordered) {
      absl::Status s = store.Put(collection + "/seed", value);
      if (s.ok()) s = store.Scan(collection).status();
      if (!s.ok()) state.SkipWithError(s.ToString().c_str());
    }
    state.ResumeTiming();
    for (const std::string& key : keys) {
      absl::Status s = store.Put(key, value);
      if (!s.ok()) state.SkipWithError(s.ToString().c_str());
    }
    if (ordered) {
      absl::StatusOr<ScanPage> page = store.Scan(collection, {"", "", "", 1});
      if (!page.ok()) state.SkipWithError(page.status().ToString().c_str());
    }
    state.PauseTiming();
    absl::Status s = store.DeleteAll(collection);
    if (s.ok()) s = store.Flush();
    if (!s.ok()) state.SkipWithError(s.ToString().c_str());
    state.ResumeTiming();
  }
  state.SetItemsProcessed(
      static_cast<std::int64_t>(state.iterations() * count));
}
BENCHMARK(BM_FirstPuts)
    ->Args({100'000, 0})
    ->Args({100'000, 1})
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace dskv::bench
