// W2, small values: N keys of 16 bytes (spread over 100 collections) with
// 100-byte values. T threads load them in a scattered order, then read N
// keys chosen uniformly, N keys chosen by a zipfian(0.99) law, and run N
// operations that are half gets, half puts of uniform keys. Operations are
// too short to time one by one: each phase reports its throughput, and the
// threads take indices in batches (see PhaseSpec::batch).
//
// The process's resident memory is read after the load (and its Sync, with
// --sync_between_phases), and
// before the store is opened (the baseline): run one store per process.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "benchmarks/peers/adapter.h"
#include "benchmarks/peers/os_util.h"
#include "benchmarks/peers/phase_runner.h"
#include "benchmarks/peers/results.h"
#include "benchmarks/peers/workload.h"
#include "benchmarks/peers/workloads.h"
#include "fmt/format.h"

namespace dskv::peers {
namespace {

constexpr std::uint64_t kDefaultKeys = 1'000'000;
constexpr std::uint64_t kQuickKeys = 100'000;
constexpr std::size_t kValueSize = 100;
constexpr double kZipfTheta = 0.99;
constexpr std::uint64_t kBatch = 256;
// Keys whose values are compared after the load, outside the clock.
constexpr std::uint64_t kVerifiedKeys = 1000;

// One thread's state, on its own cache lines.
struct alignas(64) ThreadState {
  explicit ThreadState(std::uint64_t seed) : random(seed) {}
  Random random;
  std::string value;
  char key[kSpreadKeySize];
};

class W2 {
 public:
  W2(Adapter& store, const WorkloadOptions& options, Results* results)
      : store_(store),
        options_(options),
        results_(results),
        keys_(options.keys != 0 ? options.keys
              : options.quick   ? kQuickKeys
                                : kDefaultKeys),
        pool_(kValueSize),
        order_(keys_),
        zipfian_(keys_, kZipfTheta) {
    for (int t = 0; t < options.threads; ++t) threads_.emplace_back(t + 1);
  }

  absl::Status Run() {
    absl::StatusOr<Memory> baseline = ReadMemory();
    if (!baseline.ok()) return baseline.status();
    absl::Status status = store_.Open(
        options_.dir, {keys_, keys_ * (kSpreadKeySize + kValueSize)});
    if (status.ok()) status = Annotate("load", Load(*baseline));
    if (status.ok()) status = Annotate("verify", Verify());
    if (status.ok()) {
      status = Measure("get_uniform", [&](ThreadState& t) {
        return Get(t, t.random.Uniform(keys_));
      });
    }
    if (status.ok()) {
      status = Measure("get_zipf", [&](ThreadState& t) {
        return Get(t, zipfian_.Next(&t.random));
      });
    }
    if (status.ok()) {
      status = Measure("mix", [&](ThreadState& t) {
        const std::uint64_t r = t.random.Next();
        const std::uint64_t index = (r >> 1) % keys_;
        if (r & 1) return Get(t, index);
        return store_.Put(SpreadKey(index, t.key),
                          pool_.Value(index, 1, kValueSize));
      });
    }
    if (!status.ok()) return status;
    return store_.Close();
  }

 private:
  absl::Status Load(const Memory& baseline) {
    absl::StatusOr<PhaseTiming> timing =
        RunPhase({.threads = options_.threads,
                  .ops = keys_,
                  .batch = kBatch,
                  .latencies = false},
                 [&](int thread, std::uint64_t i) {
                   const std::uint64_t index = order_.At(i);
                   return store_.Put(SpreadKey(index, threads_[thread].key),
                                     pool_.Value(index, 0, kValueSize));
                 });
    if (!timing.ok()) return timing.status();
    results_->AddTiming("load", *timing, kSpreadKeySize + kValueSize);
    if (options_.sync_between_phases) {
      absl::StatusOr<double> sync = TimeCall([&] { return store_.Sync(); });
      if (!sync.ok()) return sync.status();
      results_->Add("load", "sync_seconds", *sync);
    }
    absl::StatusOr<Memory> memory = ReadMemory();
    if (!memory.ok()) return memory.status();
    results_->Add("memory", "baseline_rss_mib", baseline.rss_mib);
    results_->Add("memory", "rss_mib", memory->rss_mib);
    results_->Add("memory", "rss_anon_mib", memory->rss_anon_mib);
    results_->Add("memory", "rss_file_mib", memory->rss_file_mib);
    results_->Add("memory", "data_mib",
                  keys_ * (kSpreadKeySize + kValueSize) / 1048576.0);
    return absl::OkStatus();
  }

  absl::Status Verify() {
    ThreadState& t = threads_[0];
    for (std::uint64_t i = 0; i < kVerifiedKeys; ++i) {
      const std::uint64_t index = t.random.Uniform(keys_);
      const std::string_view key = SpreadKey(index, t.key);
      if (absl::Status s = store_.Get(key, &t.value); !s.ok()) return s;
      if (absl::Status s =
              CheckValue(key, t.value, pool_.Value(index, 0, kValueSize));
          !s.ok()) {
        return s;
      }
    }
    return absl::OkStatus();
  }

  // A timed get checks only the value's size; Verify checks contents.
  absl::Status Get(ThreadState& t, std::uint64_t index) {
    const std::string_view key = SpreadKey(index, t.key);
    if (absl::Status s = store_.Get(key, &t.value); !s.ok()) return s;
    if (t.value.size() != kValueSize) {
      return absl::DataLossError(fmt::format("{}: read {} bytes, wrote {}", key,
                                             t.value.size(), kValueSize));
    }
    return absl::OkStatus();
  }

  // Runs `op` keys_ times on the threads and adds the phase's throughput.
  template <typename Op>
  absl::Status Measure(std::string_view phase, Op op) {
    absl::StatusOr<PhaseTiming> timing = RunPhase(
        {.threads = options_.threads,
         .ops = keys_,
         .batch = kBatch,
         .latencies = false},
        [&](int thread, std::uint64_t) { return op(threads_[thread]); });
    if (!timing.ok()) return Annotate(phase, timing.status());
    results_->AddTiming(phase, *timing, 0);
    return absl::OkStatus();
  }

  Adapter& store_;
  const WorkloadOptions& options_;
  Results* const results_;
  const std::uint64_t keys_;
  const ValuePool pool_;
  const Permutation order_;
  const Zipfian zipfian_;
  std::vector<ThreadState> threads_;
};

}  // namespace

absl::Status RunW2(Adapter& store, const WorkloadOptions& options,
                   Results* results) {
  return W2(store, options, results).Run();
}

}  // namespace dskv::peers
