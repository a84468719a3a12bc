// W3, durability, on one thread:
//
//   small  100,000 puts of 100-byte values, then one Sync: the time until
//          they are all on disk.
//   large  N values of 10 KiB (1 GiB by default): load, Sync, Close; Open
//          again with the files in the page cache, Close; drop the files
//          from the page cache and Open cold; then 1,000 gets of random
//          keys, each value checked, timed together.
//
// The two stores live in subdirectories "small" and "large" of the
// workload's directory.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "benchmarks/peers/adapter.h"
#include "benchmarks/peers/os_util.h"
#include "benchmarks/peers/phase_runner.h"
#include "benchmarks/peers/results.h"
#include "benchmarks/peers/workload.h"
#include "benchmarks/peers/workloads.h"

namespace dskv::peers {
namespace {

constexpr std::uint64_t kSmallPuts = 100'000;
constexpr std::size_t kSmallValueSize = 100;
constexpr std::uint64_t kDefaultLargeValues = 100'000;
constexpr std::uint64_t kQuickLargeValues = 10'000;
constexpr std::size_t kLargeValueSize = 10240;
constexpr std::uint64_t kColdGets = 1000;

class W3 {
 public:
  W3(Adapter& store, const WorkloadOptions& options, Results* results)
      : store_(store),
        options_(options),
        results_(results),
        large_values_(options.keys != 0 ? options.keys
                      : options.quick   ? kQuickLargeValues
                                        : kDefaultLargeValues),
        pool_(kLargeValueSize) {}

  absl::Status Run() {
    absl::Status status = Annotate("small", Small(options_.dir + "/small"));
    if (status.ok()) status = Annotate("large", Large(options_.dir + "/large"));
    return status;
  }

 private:
  // Puts values [0, count) of `size` bytes on one thread.
  absl::StatusOr<PhaseTiming> Load(std::uint64_t count, std::size_t size) {
    char key[kSpreadKeySize];
    return RunPhase({.threads = 1, .ops = count, .latencies = false},
                    [&](int, std::uint64_t i) {
                      return store_.Put(SpreadKey(i, key),
                                        pool_.Value(i, 0, size));
                    });
  }

  // Times `call` and adds its seconds as `phase`.
  absl::StatusOr<double> AddTimed(std::string_view phase,
                                  absl::FunctionRef<absl::Status()> call) {
    absl::StatusOr<double> seconds = TimeCall(call);
    if (seconds.ok()) results_->Add(phase, "seconds", *seconds);
    return seconds;
  }

  absl::Status Small(const std::string& dir) {
    if (absl::Status s = MakeEmptyDir(dir); !s.ok()) return s;
    if (absl::Status s = store_.Open(
            dir, {kSmallPuts, kSmallPuts * (kSpreadKeySize + kSmallValueSize)});
        !s.ok()) {
      return s;
    }
    absl::StatusOr<PhaseTiming> puts = Load(kSmallPuts, kSmallValueSize);
    if (!puts.ok()) return puts.status();
    absl::StatusOr<double> sync = TimeCall([&] { return store_.Sync(); });
    if (!sync.ok()) return sync.status();
    results_->AddTiming("small_puts", *puts, 0);
    results_->Add("small_sync", "seconds", *sync);
    results_->Add("small_total", "seconds", puts->seconds + *sync);
    return store_.Close();
  }

  absl::Status Large(const std::string& dir) {
    if (absl::Status s = MakeEmptyDir(dir); !s.ok()) return s;
    const OpenHints hints{large_values_,
                          large_values_ * (kSpreadKeySize + kLargeValueSize)};
    if (absl::Status s = store_.Open(dir, hints); !s.ok()) return s;
    absl::StatusOr<PhaseTiming> load = Load(large_values_, kLargeValueSize);
    if (!load.ok()) return load.status();
    results_->AddTiming("large_load", *load, kLargeValueSize);
    absl::StatusOr<double> sync =
        AddTimed("large_sync", [&] { return store_.Sync(); });
    if (!sync.ok()) return sync.status();
    // Stores that write as they go and stores that write behind differ in
    // where the time goes; the sum is the time until the data is durable.
    results_->Add("large_durable", "seconds", load->seconds + *sync);
    absl::StatusOr<double> close =
        AddTimed("large_close", [&] { return store_.Close(); });
    if (!close.ok()) return close.status();
    absl::StatusOr<std::uint64_t> usage = DiskUsage(dir);
    if (!usage.ok()) return usage.status();
    results_->Add("large_files", "mib", *usage / 1048576.0);
    results_->Add("large_files", "data_mib", hints.expected_bytes / 1048576.0);

    absl::StatusOr<double> warm =
        AddTimed("reopen_warm", [&] { return store_.Open(dir, hints); });
    if (!warm.ok()) return warm.status();
    absl::Status status = store_.Close();
    if (status.ok()) status = DropFromPageCache(dir);
    if (!status.ok()) return status;
    absl::StatusOr<double> cold =
        AddTimed("reopen_cold", [&] { return store_.Open(dir, hints); });
    if (!cold.ok()) return cold.status();
    if (status = ColdGets(*cold); !status.ok()) return status;
    return store_.Close();
  }

  // Values are checked after the clock stops.
  // Stores that load everything at open and stores that read lazily differ
  // in where the cold reads go, so the sum with `reopen_seconds` is added as
  // cold_total.
  absl::Status ColdGets(double reopen_seconds) {
    Random random(42);
    std::vector<std::uint64_t> indices(kColdGets);
    for (std::uint64_t& index : indices) index = random.Uniform(large_values_);
    // Each value is read into a buffer of its own, allocated and touched
    // before the clock starts (as in W1), so that the phase measures the
    // store's reads rather than page faults of the benchmark's buffers.
    std::vector<std::string> values(kColdGets);
    for (std::string& value : values) {
      value.resize(kLargeValueSize);
      value.clear();
    }
    char key[kSpreadKeySize];
    absl::StatusOr<PhaseTiming> timing =
        RunPhase({.threads = 1, .ops = kColdGets}, [&](int, std::uint64_t i) {
          return store_.Get(SpreadKey(indices[i], key), &values[i]);
        });
    if (!timing.ok()) return timing.status();
    for (std::uint64_t i = 0; i < kColdGets; ++i) {
      if (absl::Status s =
              CheckValue(SpreadKey(indices[i], key), values[i],
                         pool_.Value(indices[i], 0, kLargeValueSize));
          !s.ok()) {
        return s;
      }
    }
    results_->AddTiming("cold_gets", *timing, kLargeValueSize);
    results_->Add("cold_total", "seconds", reopen_seconds + timing->seconds);
    return absl::OkStatus();
  }

  Adapter& store_;
  const WorkloadOptions& options_;
  Results* const results_;
  const std::uint64_t large_values_;
  const ValuePool pool_;
};

}  // namespace

absl::Status RunW3(Adapter& store, const WorkloadOptions& options,
                   Results* results) {
  return W3(store, options, results).Run();
}

}  // namespace dskv::peers
