// Measures dskv under concurrent clients: the benchmark of the dskvs README,
// done so that its numbers can be trusted. Values are built before any clock
// starts, every value read back is compared byte for byte with what was
// written, and latencies are kept per operation and reported as percentiles
// rather than folded into one average.
//
// All keys live in one collection, "bench". The phases run in order:
//
//   Put (first time)  T threads store N values in the empty collection.
//   Put (rewrite)     T threads overwrite every key with a different value.
//   Get               T threads read every key once, each value into a
//                     buffer of its own (Store::Get(key, &buffer)).
//   GetAll            T calls of GetAll("bench"), shared out like the other
//                     phases (so usually one per thread). Each call copies
//                     the whole collection, and every copy is kept until it
//                     is checked after the clock stops, so memory rather
//                     than time limits the number of calls.
//   GetAll (shared)   As GetAll, with Store::GetAllShared: values shared,
//                     not copied.
//   Delete            T threads delete every key.
//
// In each phase the threads take operation indices from a shared counter, so
// a thread that is fast takes more of the work, as real clients would. A
// phase's wall time runs from the moment all threads are released together
// to the moment the last one finishes. Phases follow each other at once, as
// a program's calls would: the janitor persists one phase while the next
// runs. With --flush_between_phases, the store is flushed after each phase,
// outside the timed region, so that no phase's background persistence
// overlaps the next; the flush time is then reported beside the phase.

#include "benchmarks/concurrency_bench.h"

#include <stdlib.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <barrier>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "benchmarks/json_string.h"
#include "benchmarks/latency_stats.h"
#include "dskv/store.h"
#include "fmt/chrono.h"
#include "fmt/format.h"

namespace dskv::bench {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::string_view kCollection = "bench";

// {0} is the program's name.
constexpr std::string_view kUsageFormat =
    R"(Usage: {0} [--name=value ...]

  --threads=T     client threads (default 10)
  --keys=N        keys in the collection "bench" (default 2048)
  --value_size=S  bytes per value (default 10000)
  --dir=DIR       store directory, which must not hold a "bench" collection
                  (default: a fresh temporary directory, removed at exit)
  --json=FILE     also write the results to FILE as JSON
  --flush_between_phases
                  Flush() after each phase, untimed (default: no pause)
  --help          print this message
)";

// Debian builds Abseil with its own absl::string_view, which fmt cannot
// print, so messages are passed on as std::string_view.
std::string_view MessageOf(const absl::Status& status) {
  return {status.message().data(), status.message().size()};
}

// ---------------------------------------------------------------------------
// Flags

struct Flags {
  bool help = false;
  std::size_t threads = 10;
  std::size_t keys = 2048;
  std::size_t value_size = 10000;
  std::string dir;   // Empty: use a fresh temporary directory.
  std::string json;  // Empty: write no JSON.
  bool flush_between_phases = false;
};

// Limits that catch typos rather than restrict real runs.
constexpr std::size_t kMaxThreads = 1024;
constexpr std::size_t kMaxKeys = 100'000'000;

absl::Status ParseNumber(std::string_view name, std::string_view text,
                         std::size_t min, std::size_t max, std::size_t* out) {
  const char* const end = text.data() + text.size();
  std::size_t value = 0;
  const auto [parsed_end, error] = std::from_chars(text.data(), end, value);
  if (text.empty() || error != std::errc() || parsed_end != end ||
      value < min || value > max) {
    return absl::InvalidArgumentError(
        fmt::format("--{} must be an integer from {} to {}, not \"{}\"", name,
                    min, max, text));
  }
  *out = value;
  return absl::OkStatus();
}

// `bazel run` starts programs in their runfiles tree; it names the directory
// it was invoked from in BUILD_WORKING_DIRECTORY. Relative paths are taken
// from there, as the user would expect.
std::string FromWorkingDirectory(std::string_view path) {
  const char* working_dir = std::getenv("BUILD_WORKING_DIRECTORY");
  if (working_dir == nullptr || path.starts_with('/')) return std::string(path);
  return fmt::format("{}/{}", working_dir, path);
}

absl::Status ParseFlag(std::string_view arg, Flags* flags) {
  if (arg == "--help") {
    flags->help = true;
    return absl::OkStatus();
  }
  if (arg == "--flush_between_phases") {
    flags->flush_between_phases = true;
    return absl::OkStatus();
  }
  const std::size_t equals = arg.find('=');
  if (!arg.starts_with("--") || equals == std::string_view::npos) {
    return absl::InvalidArgumentError(
        fmt::format("\"{}\" is not of the form --name=value", arg));
  }
  const std::string_view name = arg.substr(2, equals - 2);
  const std::string_view value = arg.substr(equals + 1);
  if (name == "threads") {
    return ParseNumber(name, value, 1, kMaxThreads, &flags->threads);
  }
  if (name == "keys") {
    return ParseNumber(name, value, 1, kMaxKeys, &flags->keys);
  }
  if (name == "value_size") {
    return ParseNumber(name, value, 0, Options().max_value_size,
                       &flags->value_size);
  }
  if (name == "dir" || name == "json") {
    if (value.empty()) {
      return absl::InvalidArgumentError(
          fmt::format("--{} needs a non-empty value", name));
    }
    std::string* target = name == "dir" ? &flags->dir : &flags->json;
    *target = FromWorkingDirectory(value);
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(fmt::format("unknown flag --{}", name));
}

absl::StatusOr<Flags> ParseFlags(int argc, char** argv) {
  Flags flags;
  for (int i = 1; i < argc; ++i) {
    if (absl::Status status = ParseFlag(argv[i], &flags); !status.ok()) {
      return status;
    }
  }
  return flags;
}

// ---------------------------------------------------------------------------
// The machine and the build

struct MachineInfo {
  std::string date;
  std::string cpu_model;
  unsigned cpu_count = 0;
  std::string compiler;
  bool optimized = false;
  bool assertions = false;
};

// Returns the first "model name" of /proc/cpuinfo, or "unknown".
std::string CpuModel() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line);) {
    const std::size_t colon = line.find(':');
    if (line.starts_with("model name") && colon != std::string::npos) {
      const std::size_t start = line.find_first_not_of(' ', colon + 1);
      return start == std::string::npos ? "" : line.substr(start);
    }
  }
  return "unknown";
}

// The build settings are those of this file; Bazel compiles dskv in the same
// mode, so they describe the library too.
MachineInfo GetMachineInfo() {
  MachineInfo info;
  info.date =
      fmt::format("{:%Y-%m-%d %H:%M:%S} UTC", fmt::gmtime(std::time(nullptr)));
  info.cpu_model = CpuModel();
  info.cpu_count = std::thread::hardware_concurrency();
#if defined(__GNUC__) && !defined(__clang__)
  info.compiler = "GCC " __VERSION__;  // GCC's __VERSION__ has no name.
#else
  info.compiler = __VERSION__;
#endif
#ifdef __OPTIMIZE__
  info.optimized = true;
#endif
#ifndef NDEBUG
  info.assertions = true;
#endif
  return info;
}

// ---------------------------------------------------------------------------
// The workload

struct Workload {
  std::vector<std::string> keys;
  std::vector<std::string> first_values;
  std::vector<std::string> rewrite_values;
};

// SplitMix64: a cheap generator whose output function is a bijection, so
// different seeds give different first outputs.
std::uint64_t SplitMix64(std::uint64_t* state) {
  std::uint64_t z = (*state += 0x9e3779b97f4a7c15);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
  z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
  return z ^ (z >> 31);
}

// Returns `size` bytes that depend only on `seed`. Values of 8 bytes or more
// made from different seeds differ in their first 8 bytes.
std::string MakeValue(std::size_t size, std::uint64_t seed) {
  std::string value(size, '\0');
  for (std::size_t i = 0; i < size; i += sizeof(std::uint64_t)) {
    const std::uint64_t word = SplitMix64(&seed);
    std::memcpy(value.data() + i, &word, std::min(sizeof(word), size - i));
  }
  return value;
}

// Keys are "bench/key-" and the index, zero-padded to one width so that byte
// order, which GetAll sorts by, is index order.
Workload MakeWorkload(std::size_t keys, std::size_t value_size) {
  const int width =
      std::max(6, static_cast<int>(fmt::formatted_size("{}", keys - 1)));
  Workload workload;
  workload.keys.reserve(keys);
  workload.first_values.reserve(keys);
  workload.rewrite_values.reserve(keys);
  for (std::size_t i = 0; i < keys; ++i) {
    workload.keys.push_back(
        fmt::format("{}/key-{:0{}}", kCollection, i, width));
    // Seeds 0..N-1 for the first values and N..2N-1 for the rewrites.
    workload.first_values.push_back(MakeValue(value_size, i));
    workload.rewrite_values.push_back(MakeValue(value_size, keys + i));
  }
  return workload;
}

std::string_view MemberOf(std::string_view key) {
  return key.substr(kCollection.size() + 1);
}

std::uint64_t TotalSize(const std::vector<std::string>& values) {
  std::uint64_t total = 0;
  for (const std::string& value : values) total += value.size();
  return total;
}

// ---------------------------------------------------------------------------
// Running a phase

// One client thread's share of a phase.
struct Worker {
  std::vector<std::int64_t> latencies_ns;
  Clock::time_point finish;
  absl::Status status;
};

// What RunPhase measured.
struct PhaseTiming {
  double wall_seconds = 0;
  std::vector<std::int64_t> sorted_latencies_ns;
};

double Seconds(Clock::duration duration) {
  return std::chrono::duration<double>(duration).count();
}

// Merges what the workers of a phase that began at `start` measured, or
// returns the error of one that failed.
absl::StatusOr<PhaseTiming> Collect(const std::vector<Worker>& workers,
                                    Clock::time_point start) {
  PhaseTiming timing;
  Clock::time_point last_finish = start;
  for (const Worker& worker : workers) {
    if (!worker.status.ok()) return worker.status;
    last_finish = std::max(last_finish, worker.finish);
    timing.sorted_latencies_ns.insert(timing.sorted_latencies_ns.end(),
                                      worker.latencies_ns.begin(),
                                      worker.latencies_ns.end());
  }
  std::sort(timing.sorted_latencies_ns.begin(),
            timing.sorted_latencies_ns.end());
  timing.wall_seconds = Seconds(last_finish - start);
  return timing;
}

// Runs op(i) for every i in [0, ops), each once, on `threads` threads that
// take indices from a shared counter. `op` is called concurrently. If an
// operation fails, the threads stop taking new ones and its status is
// returned.
absl::StatusOr<PhaseTiming> RunPhase(
    std::size_t threads, std::size_t ops,
    absl::FunctionRef<absl::Status(std::size_t)> op) {
  std::vector<Worker> workers(threads);
  // Any one thread may end up running every operation. Reserving that much
  // keeps allocation out of the timed loop, for 8 bytes per operation and
  // thread: little next to the values.
  for (Worker& worker : workers) worker.latencies_ns.reserve(ops);
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};

  // The barrier's completion step runs once, after the last thread arrives
  // and before any is released, so it reads the clock at the true start.
  Clock::time_point start;
  std::barrier sync(static_cast<std::ptrdiff_t>(threads),
                    [&start]() noexcept { start = Clock::now(); });
  auto work = [&](Worker* worker) {
    sync.arrive_and_wait();
    while (!failed.load(std::memory_order_relaxed)) {
      const std::size_t i = next.fetch_add(1, std::memory_order_relaxed);
      if (i >= ops) break;
      const Clock::time_point begin = Clock::now();
      absl::Status status = op(i);
      const Clock::time_point end = Clock::now();
      worker->latencies_ns.push_back((end - begin) /
                                     std::chrono::nanoseconds(1));
      if (!status.ok()) {
        worker->status = std::move(status);
        failed.store(true, std::memory_order_relaxed);
      }
    }
    worker->finish = Clock::now();
  };
  std::vector<std::thread> pool;
  pool.reserve(threads);
  for (Worker& worker : workers) pool.emplace_back(work, &worker);
  for (std::thread& thread : pool) thread.join();
  return Collect(workers, start);
}

// ---------------------------------------------------------------------------
// The phases

struct PhaseResult {
  std::string_view name;
  std::size_t ops = 0;
  // Bytes moved between the client and the store: values for Put and Get,
  // members and values returned for GetAll, none for Delete.
  std::uint64_t bytes = 0;
  double wall_seconds = 0;
  double flush_seconds = 0;
  LatencyStats latency;
};

PhaseResult Summarize(const PhaseTiming& timing, std::uint64_t bytes) {
  PhaseResult result;
  result.ops = timing.sorted_latencies_ns.size();
  result.bytes = bytes;
  result.wall_seconds = timing.wall_seconds;
  result.latency = ComputeLatencyStats(timing.sorted_latencies_ns);
  return result;
}

// What every phase works on.
struct Context {
  Store* store;
  const Workload* workload;
  std::size_t threads;
  bool flush_between_phases;
};

// Returns `status` with "`prefix`: " before its message, or OK if it is OK.
absl::Status WithPrefix(std::string_view prefix, absl::Status status) {
  if (status.ok()) return status;
  return absl::Status(status.code(),
                      fmt::format("{}: {}", prefix, MessageOf(status)));
}

absl::Status CheckValue(std::string_view key, std::string_view actual,
                        std::string_view expected) {
  if (actual == expected) return absl::OkStatus();
  const auto differs = std::mismatch(actual.begin(), actual.end(),
                                     expected.begin(), expected.end())
                           .first;
  return absl::DataLossError(fmt::format(
      "{}: read {} bytes, wrote {}; first difference at byte {}", key,
      actual.size(), expected.size(), differs - actual.begin()));
}

// Checks that `pairs` is exactly the workload's collection holding
// `values`, in member order.
absl::Status CheckCollection(
    const std::vector<std::pair<std::string, std::string>>& pairs,
    const Workload& workload, const std::vector<std::string>& values) {
  if (pairs.size() != workload.keys.size()) {
    return absl::DataLossError(
        fmt::format("GetAll(\"{}\") returned {} pairs, expected {}",
                    kCollection, pairs.size(), workload.keys.size()));
  }
  // The keys are in increasing byte order, so matching them one by one also
  // checks that the result is sorted.
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    const std::string_view key = workload.keys[i];
    if (pairs[i].first != MemberOf(key)) {
      return absl::DataLossError(
          fmt::format("GetAll(\"{}\") returned member \"{}\" at {}, expected "
                      "\"{}\"",
                      kCollection, pairs[i].first, i, MemberOf(key)));
    }
    absl::Status status = CheckValue(key, pairs[i].second, values[i]);
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

absl::StatusOr<PhaseResult> PutPhase(const Context& context,
                                     const std::vector<std::string>& values) {
  const std::vector<std::string>& keys = context.workload->keys;
  absl::StatusOr<PhaseTiming> timing =
      RunPhase(context.threads, keys.size(), [&](std::size_t i) {
        return WithPrefix(keys[i], context.store->Put(keys[i], values[i]));
      });
  if (!timing.ok()) return timing.status();
  return Summarize(*timing, TotalSize(values));
}

absl::StatusOr<PhaseResult> GetPhase(const Context& context) {
  const Workload& workload = *context.workload;
  // Each value is copied into a buffer of its own, allocated and touched
  // before the clock starts (as a client reusing its buffers would), so the
  // phase measures the store rather than the allocator's page faults; the
  // values are checked after the clock stops.
  std::vector<std::string> values(workload.keys.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    values[i].resize(workload.rewrite_values[i].size());
  }
  absl::StatusOr<PhaseTiming> timing =
      RunPhase(context.threads, values.size(), [&](std::size_t i) {
        return WithPrefix(workload.keys[i],
                          context.store->Get(workload.keys[i], &values[i]));
      });
  if (!timing.ok()) return timing.status();
  for (std::size_t i = 0; i < values.size(); ++i) {
    absl::Status status =
        CheckValue(workload.keys[i], values[i], workload.rewrite_values[i]);
    if (!status.ok()) return status;
  }
  return Summarize(*timing, TotalSize(values));
}

absl::StatusOr<PhaseResult> GetAllPhase(const Context& context) {
  using Pairs = std::vector<std::pair<std::string, std::string>>;
  std::vector<Pairs> results(context.threads);
  absl::StatusOr<PhaseTiming> timing =
      RunPhase(context.threads, results.size(), [&](std::size_t i) {
        absl::StatusOr<Pairs> pairs = context.store->GetAll(kCollection);
        if (!pairs.ok()) return pairs.status();
        results[i] = *std::move(pairs);
        return absl::OkStatus();
      });
  if (!timing.ok()) return timing.status();
  std::uint64_t bytes = 0;
  for (const Pairs& pairs : results) {
    absl::Status status = CheckCollection(pairs, *context.workload,
                                          context.workload->rewrite_values);
    if (!status.ok()) return status;
    for (const auto& [member, value] : pairs) {
      bytes += member.size() + value.size();
    }
  }
  return Summarize(*timing, bytes);
}

// GetAllShared: the same calls as GetAll, sharing the values instead of
// copying them.
absl::StatusOr<PhaseResult> GetAllSharedPhase(const Context& context) {
  std::vector<std::vector<SharedValue>> results(context.threads);
  absl::StatusOr<PhaseTiming> timing =
      RunPhase(context.threads, results.size(), [&](std::size_t i) {
        absl::StatusOr<std::vector<SharedValue>> shared =
            context.store->GetAllShared(kCollection);
        if (!shared.ok()) return shared.status();
        results[i] = *std::move(shared);
        return absl::OkStatus();
      });
  if (!timing.ok()) return timing.status();
  std::uint64_t bytes = 0;
  for (const std::vector<SharedValue>& shared : results) {
    std::vector<std::pair<std::string, std::string>> pairs;
    for (const SharedValue& v : shared) {
      pairs.emplace_back(v.member(), v.value());
      bytes += v.member().size() + v.value().size();
    }
    absl::Status status = CheckCollection(pairs, *context.workload,
                                          context.workload->rewrite_values);
    if (!status.ok()) return status;
  }
  return Summarize(*timing, bytes);
}

absl::Status CheckCollectionEmpty(const Store& store) {
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> pairs =
      store.GetAll(kCollection);
  if (!pairs.ok()) return pairs.status();
  if (!pairs->empty()) {
    return absl::FailedPreconditionError(
        fmt::format("collection \"{}\" holds {} keys, expected none",
                    kCollection, pairs->size()));
  }
  return absl::OkStatus();
}

absl::StatusOr<PhaseResult> DeletePhase(const Context& context) {
  const std::vector<std::string>& keys = context.workload->keys;
  absl::StatusOr<PhaseTiming> timing =
      RunPhase(context.threads, keys.size(), [&](std::size_t i) {
        return WithPrefix(keys[i], context.store->Delete(keys[i]));
      });
  if (!timing.ok()) return timing.status();
  if (absl::Status status = CheckCollectionEmpty(*context.store);
      !status.ok()) {
    return status;
  }
  return Summarize(*timing, 0);
}

struct Phase {
  std::string_view name;
  absl::StatusOr<PhaseResult> (*run)(const Context& context);
};

constexpr Phase kPhases[] = {
    {"Put (first time)",
     [](const Context& c) { return PutPhase(c, c.workload->first_values); }},
    {"Put (rewrite)",
     [](const Context& c) { return PutPhase(c, c.workload->rewrite_values); }},
    {"Get", GetPhase},
    {"GetAll", GetAllPhase},
    {"GetAll (shared)", GetAllSharedPhase},
    {"Delete", DeletePhase},
};

absl::StatusOr<std::vector<PhaseResult>> RunPhases(const Context& context) {
  // "Put (first time)" must really be first.
  if (absl::Status status = CheckCollectionEmpty(*context.store);
      !status.ok()) {
    return status;
  }
  std::vector<PhaseResult> results;
  for (const Phase& phase : kPhases) {
    absl::StatusOr<PhaseResult> result = phase.run(context);
    if (!result.ok()) return WithPrefix(phase.name, result.status());
    if (context.flush_between_phases) {
      const Clock::time_point flush_start = Clock::now();
      absl::Status status = context.store->Flush();
      result->flush_seconds = Seconds(Clock::now() - flush_start);
      if (!status.ok()) return WithPrefix(phase.name, status);
    }
    result->name = phase.name;
    results.push_back(*std::move(result));
  }
  return results;
}

// ---------------------------------------------------------------------------
// Reporting

double OpsPerSecond(const PhaseResult& result) {
  return result.wall_seconds > 0 ? result.ops / result.wall_seconds : 0;
}

// 1 MB is 10^6 bytes.
double MegabytesPerSecond(const PhaseResult& result) {
  return result.wall_seconds > 0 ? result.bytes / 1e6 / result.wall_seconds : 0;
}

// The latency columns in the order printed, with their JSON names.
constexpr std::array<std::string_view, 9> kLatencyLabels = {
    "min", "avg", "med", "p75", "p90", "p99", "p99.9", "p99.99", "max"};
constexpr std::array<std::string_view, 9> kLatencyJsonNames = {
    "min_ns", "avg_ns",  "p50_ns",   "p75_ns", "p90_ns",
    "p99_ns", "p999_ns", "p9999_ns", "max_ns"};

std::array<double, 9> LatencyValues(const LatencyStats& stats) {
  return {
      static_cast<double>(stats.min_ns),  stats.avg_ns,
      static_cast<double>(stats.p50_ns),  static_cast<double>(stats.p75_ns),
      static_cast<double>(stats.p90_ns),  static_cast<double>(stats.p99_ns),
      static_cast<double>(stats.p999_ns), static_cast<double>(stats.p9999_ns),
      static_cast<double>(stats.max_ns)};
}

void PrintHeader(const MachineInfo& machine, const Flags& flags,
                 std::string_view dir) {
  fmt::print("Date:       {}\n", machine.date);
  fmt::print("CPU:        {} * {}\n", machine.cpu_count, machine.cpu_model);
  fmt::print("Compiler:   {}\n", machine.compiler);
  fmt::print("Build:      {}, assertions {}\n",
             machine.optimized ? "optimized" : "not optimized",
             machine.assertions ? "on" : "off");
  fmt::print("Threads:    {}\n", flags.threads);
  fmt::print("Keys:       {} in collection \"{}\"\n", flags.keys, kCollection);
  fmt::print("Values:     {} bytes each ({:.2f} MB in all)\n", flags.value_size,
             flags.keys * flags.value_size / 1e6);
  fmt::print("Directory:  {}{}\n", dir,
             flags.dir.empty() ? " (temporary)" : "");
  if (!machine.optimized) {
    fmt::print(
        "WARNING: Optimization is disabled: benchmarks unnecessarily "
        "slow (build with -c opt)\n");
  }
  if (machine.assertions) {
    fmt::print(
        "WARNING: Assertions are enabled; benchmarks unnecessarily slow\n");
  }
}

void PrintTable(const std::vector<PhaseResult>& results) {
  std::string header = fmt::format("{:<16} {:>6} {:>8} {:>10} {:>8}", "phase",
                                   "ops", "wall", "ops/s", "MB/s");
  for (std::string_view label : kLatencyLabels) {
    header += fmt::format(" {:>7}", label);
  }
  header += fmt::format(" {:>7}", "flush");
  fmt::print("{}\n{}\n", std::string(header.size(), '-'), header);
  for (const PhaseResult& r : results) {
    std::string line = fmt::format(
        "{:<16} {:>6} {:>8} {:>10.0f} {:>8}", r.name, r.ops,
        FormatDuration(r.wall_seconds * 1e9), OpsPerSecond(r),
        r.bytes > 0 ? fmt::format("{:.1f}", MegabytesPerSecond(r)) : "-");
    for (double ns : LatencyValues(r.latency)) {
      line += fmt::format(" {:>7}", FormatDuration(ns));
    }
    line += fmt::format(" {:>7}", FormatDuration(r.flush_seconds * 1e9));
    fmt::print("{}\n", line);
  }
  fmt::print(
      "\nLatencies are per call; percentiles are nearest-rank. MB/s counts "
      "value bytes\n(for GetAll, members and values returned); 1 MB = 10^6 "
      "bytes. GetAll is\ncalled as many times as there are threads. \"flush\" "
      "is the untimed Flush() after\neach phase (--flush_between_phases; "
      "0 without it).\n");
}

std::string PhaseJson(const PhaseResult& r) {
  std::string latency;
  const std::array<double, 9> values = LatencyValues(r.latency);
  for (std::size_t i = 0; i < values.size(); ++i) {
    latency += fmt::format("{}\"{}\": {}", i == 0 ? "" : ", ",
                           kLatencyJsonNames[i], values[i]);
  }
  return fmt::format(
      "    {{\"name\": {}, \"ops\": {}, \"bytes\": {}, \"wall_seconds\": {}, "
      "\"ops_per_second\": {}, \"mb_per_second\": {}, "
      "\"flush_seconds\": {},\n     \"latency\": {{{}}}}}",
      JsonString(r.name), r.ops, r.bytes, r.wall_seconds, OpsPerSecond(r),
      MegabytesPerSecond(r), r.flush_seconds, latency);
}

std::string ResultsJson(const MachineInfo& machine, const Flags& flags,
                        std::string_view dir,
                        const std::vector<PhaseResult>& results) {
  std::string phases;
  for (const PhaseResult& result : results) {
    phases +=
        fmt::format("{}{}", phases.empty() ? "" : ",\n", PhaseJson(result));
  }
  return fmt::format(
      "{{\n"
      "  \"machine\": {{\"date\": {}, \"cpu_model\": {}, \"cpu_count\": {}, "
      "\"compiler\": {}, \"optimized\": {}, \"assertions\": {}}},\n"
      "  \"parameters\": {{\"threads\": {}, \"keys\": {}, \"value_size\": {}, "
      "\"dir\": {}, \"temporary_dir\": {}}},\n"
      "  \"phases\": [\n{}\n  ]\n"
      "}}\n",
      JsonString(machine.date), JsonString(machine.cpu_model),
      machine.cpu_count, JsonString(machine.compiler), machine.optimized,
      machine.assertions, flags.threads, flags.keys, flags.value_size,
      JsonString(dir), flags.dir.empty(), phases);
}

absl::Status WriteFile(const std::string& path, std::string_view contents) {
  std::FILE* file = std::fopen(path.c_str(), "w");
  if (file == nullptr) {
    return absl::ErrnoToStatus(errno, fmt::format("cannot open {}", path));
  }
  const bool written =
      std::fwrite(contents.data(), 1, contents.size(), file) == contents.size();
  // Both calls set errno when they fail, and a call that succeeds never
  // clears it, so errno holds a failure's cause here.
  if (const bool closed = std::fclose(file) == 0; !written || !closed) {
    return absl::ErrnoToStatus(errno, fmt::format("cannot write {}", path));
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------
// Running the benchmark

// A fresh directory that is removed, with its contents, on destruction.
class TempDir {
 public:
  // Creates the directory under $TMPDIR, or /tmp if that is unset.
  // `program` names the program in messages.
  static absl::StatusOr<std::unique_ptr<TempDir>> Create(
      std::string_view program) {
    const char* tmpdir = std::getenv("TMPDIR");
    std::string path =
        fmt::format("{}/dskv_bench.XXXXXX",
                    tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/tmp");
    if (mkdtemp(path.data()) == nullptr) {
      return absl::ErrnoToStatus(errno, fmt::format("cannot create {}", path));
    }
    return std::unique_ptr<TempDir>(new TempDir(program, std::move(path)));
  }

  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  ~TempDir() {
    std::error_code error;
    std::filesystem::remove_all(path_, error);
    if (error) {
      fmt::print(stderr, "{}: cannot remove {}: {}\n", program_, path_,
                 error.message());
    }
  }

  const std::string& path() const { return path_; }

 private:
  TempDir(std::string_view program, std::string path)
      : program_(program), path_(std::move(path)) {}

  const std::string program_;
  const std::string path_;
};

absl::Status Run(std::string_view program, const Flags& flags) {
  // Declared before the store, so the store is closed before it is removed.
  std::unique_ptr<TempDir> temp_dir;
  std::string dir = flags.dir;
  if (dir.empty()) {
    absl::StatusOr<std::unique_ptr<TempDir>> created = TempDir::Create(program);
    if (!created.ok()) return created.status();
    temp_dir = *std::move(created);
    dir = temp_dir->path();
  }
  const MachineInfo machine = GetMachineInfo();
  PrintHeader(machine, flags, dir);
  const Workload workload = MakeWorkload(flags.keys, flags.value_size);

  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(dir);
  if (!store.ok()) return store.status();
  absl::StatusOr<std::vector<PhaseResult>> results = RunPhases(
      {store->get(), &workload, flags.threads, flags.flush_between_phases});
  if (!results.ok()) return results.status();
  if (absl::Status status = (*store)->Close(); !status.ok()) return status;

  PrintTable(*results);
  if (flags.json.empty()) return absl::OkStatus();
  return WriteFile(flags.json, ResultsJson(machine, flags, dir, *results));
}

}  // namespace

std::string ConcurrencyBenchUsage(std::string_view program) {
  return fmt::format(kUsageFormat, program);
}

int RunConcurrencyBench(std::string_view program, int argc, char** argv) {
  absl::StatusOr<Flags> flags = ParseFlags(argc, argv);
  if (!flags.ok()) {
    fmt::print(stderr, "{}: {}\nRun with --help for usage.\n", program,
               MessageOf(flags.status()));
    return 2;
  }
  if (flags->help) {
    fmt::print("{}", ConcurrencyBenchUsage(program));
    return 0;
  }
  if (absl::Status status = Run(program, *flags); !status.ok()) {
    fmt::print(stderr, "{}: {}\n", program, status.ToString());
    return 1;
  }
  return 0;
}

}  // namespace dskv::bench
