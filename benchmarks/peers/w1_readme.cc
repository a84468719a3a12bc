// W1, the dskvs README workload: T threads Put 2048 values of 10,000 bytes
// into the collection "bench", overwrite them all, Get them all, GetAll the
// collection, and Delete them all. Threads take key indices from a shared
// counter; every operation is timed. Values read are checked after the
// clock stops. Phases follow each other at once, as a program's calls
// would; with --sync_between_phases each writing phase is followed by an
// untimed Sync, so that its background writing does not overlap the next,
// and its time is reported as the phase's sync_seconds.
//
// One pass takes tens of milliseconds, too short to measure once: the
// workload runs kPasses times, each on a fresh store in a directory of its
// own, and reports each phase's median pass (latencies of all passes
// together).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
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

constexpr std::uint64_t kKeys = 2048;
constexpr std::size_t kValueSize = 10000;
constexpr int kPasses = 5;
// GetAll is timed on one thread, this many times a pass; the median call of
// all passes is reported.
constexpr std::uint64_t kGetAllCalls = 3;

class W1 {
 public:
  W1(Adapter& store, const WorkloadOptions& options, Results* results)
      : store_(store), options_(options), results_(results), pool_(kValueSize) {
    for (std::uint64_t i = 0; i < kKeys; ++i) keys_.push_back(BenchKey(i));
  }

  absl::Status Run() {
    for (int pass = 0; pass < kPasses; ++pass) {
      const std::string dir = fmt::format("{}/pass{}", options_.dir, pass);
      absl::Status status = MakeEmptyDir(dir);
      if (status.ok()) status = Pass(dir);
      if (status.ok()) status = RemoveDir(dir);
      if (!status.ok()) return Annotate(fmt::format("pass {}", pass), status);
    }
    for (const auto& [phase, timings] : timings_) {
      results_->AddPasses(phase, timings, phase == "delete" ? 0 : kValueSize);
    }
    for (auto& [phase, seconds] : sync_seconds_) {
      results_->Add(phase, "sync_seconds", Median(&seconds));
    }
    const double getall = Median(&getall_seconds_);
    results_->Add("getall", "seconds", getall);
    results_->Add("getall", "ops_per_sec", 1 / getall);
    results_->Add("getall", "mb_per_sec", kKeys * kValueSize / 1e6 / getall);
    return absl::OkStatus();
  }

 private:
  static double Median(std::vector<double>* values) {
    std::sort(values->begin(), values->end());
    return (*values)[values->size() / 2];
  }

  absl::Status Pass(const std::string& dir) {
    absl::Status status =
        store_.Open(dir, {kKeys, kKeys * (kBenchKeySize + kValueSize)});
    if (status.ok()) status = Annotate("put_first", Put("put_first", 0));
    if (status.ok()) status = Annotate("put_rewrite", Put("put_rewrite", 1));
    if (status.ok()) status = Annotate("get", Get());
    if (status.ok()) status = Annotate("getall", GetAll());
    if (status.ok()) status = Annotate("delete", Delete());
    if (!status.ok()) return status;
    return store_.Close();
  }

  std::string_view Value(std::uint64_t i, std::uint32_t version) const {
    return pool_.Value(i, version, kValueSize);
  }

  PhaseSpec Spec() const { return {.threads = options_.threads, .ops = kKeys}; }

  absl::Status SyncAfter(std::string_view phase) {
    if (!options_.sync_between_phases) return absl::OkStatus();
    absl::StatusOr<double> seconds = TimeCall([&] { return store_.Sync(); });
    if (!seconds.ok()) return seconds.status();
    sync_seconds_[std::string(phase)].push_back(*seconds);
    return absl::OkStatus();
  }

  absl::Status Put(std::string_view phase, std::uint32_t version) {
    absl::StatusOr<PhaseTiming> timing =
        RunPhase(Spec(), [&](int, std::uint64_t i) {
          return store_.Put(keys_[i], Value(i, version));
        });
    if (!timing.ok()) return timing.status();
    timings_[std::string(phase)].push_back(*std::move(timing));
    return SyncAfter(phase);
  }

  absl::Status Get() {
    // Each value is read into a buffer of its own, allocated and touched
    // before the clock starts, so that a store that can copy into the
    // caller's buffer is not charged for page faults.
    std::vector<std::string> values(kKeys);
    for (std::string& value : values) {
      value.resize(kValueSize);
      value.clear();
    }
    absl::StatusOr<PhaseTiming> timing = RunPhase(
        Spec(),
        [&](int, std::uint64_t i) { return store_.Get(keys_[i], &values[i]); });
    if (!timing.ok()) return timing.status();
    for (std::uint64_t i = 0; i < kKeys; ++i) {
      if (absl::Status s = CheckValue(keys_[i], values[i], Value(i, 1));
          !s.ok()) {
        return s;
      }
    }
    timings_["get"].push_back(*std::move(timing));
    return absl::OkStatus();
  }

  // Checks that `pairs` is the whole collection at `version`, in order.
  absl::Status CheckCollection(const Pairs& pairs,
                               std::uint32_t version) const {
    if (pairs.size() != kKeys) {
      return absl::DataLossError(fmt::format(
          "GetAll returned {} pairs, expected {}", pairs.size(), kKeys));
    }
    const std::size_t prefix = kBenchCollection.size() + 1;
    for (std::uint64_t i = 0; i < kKeys; ++i) {
      if (pairs[i].first != std::string_view(keys_[i]).substr(prefix)) {
        return absl::DataLossError(
            fmt::format("GetAll returned member \"{}\" at {}, expected {}",
                        pairs[i].first, i, keys_[i]));
      }
      if (absl::Status s =
              CheckValue(keys_[i], pairs[i].second, Value(i, version));
          !s.ok()) {
        return s;
      }
    }
    return absl::OkStatus();
  }

  absl::Status GetAll() {
    std::vector<Pairs> all(kGetAllCalls);
    absl::StatusOr<PhaseTiming> timing = RunPhase(
        {.threads = 1, .ops = kGetAllCalls}, [&](int, std::uint64_t i) {
          return store_.GetAllByCollection(kBenchCollection, &all[i]);
        });
    if (!timing.ok()) return timing.status();
    for (const Pairs& pairs : all) {
      if (absl::Status s = CheckCollection(pairs, 1); !s.ok()) return s;
    }
    // Each call's time, rather than the calls' total.
    for (const std::int64_t ns : timing->sorted_latencies_ns) {
      getall_seconds_.push_back(ns / 1e9);
    }
    return absl::OkStatus();
  }

  absl::Status Delete() {
    absl::StatusOr<PhaseTiming> timing = RunPhase(
        Spec(), [&](int, std::uint64_t i) { return store_.Delete(keys_[i]); });
    if (!timing.ok()) return timing.status();
    Pairs left;
    if (absl::Status s = store_.GetAllByCollection(kBenchCollection, &left);
        !s.ok()) {
      return s;
    }
    if (!left.empty()) {
      return absl::DataLossError(
          fmt::format("{} keys left after deleting all", left.size()));
    }
    timings_["delete"].push_back(*std::move(timing));
    return SyncAfter("delete");
  }

  Adapter& store_;
  const WorkloadOptions& options_;
  Results* const results_;
  const ValuePool pool_;
  std::vector<std::string> keys_;
  // What the passes measured, by phase.
  std::map<std::string, std::vector<PhaseTiming>> timings_;
  std::map<std::string, std::vector<double>> sync_seconds_;
  std::vector<double> getall_seconds_;
};

}  // namespace

absl::Status RunW1(Adapter& store, const WorkloadOptions& options,
                   Results* results) {
  return W1(store, options, results).Run();
}

}  // namespace dskv::peers
