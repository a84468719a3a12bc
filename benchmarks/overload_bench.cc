// Writers that outpace the disk (Options::max_dirty_bytes): T threads
// overwrite K keys of S-byte values N times each, as fast as they can, in
// kAsync mode with the janitor running. Reports the put rate, put latency,
// how long and how often writers were held back, the backlog and the age of
// the oldest unwritten change (sampled every millisecond), and resident
// memory against the live data.
//
//   bazel run -c opt //benchmarks:overload_bench -- --max_dirty_mib=64
//   bazel run -c opt //benchmarks:overload_bench -- --max_dirty_mib=0
//
// One configuration per run: resident memory is the process's. The store
// directory (--dir) must not exist or be empty; it is removed at the end.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "benchmarks/latency_stats.h"
#include "dskv/store.h"
#include "fmt/format.h"

namespace dskv::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct Flags {
  std::string dir = "/var/tmp/dskv_overload_bench";
  int threads = 2;
  std::uint64_t keys = 20000;
  std::uint64_t puts = 200000;  // Per thread.
  std::size_t value_size = 10000;
  std::uint64_t max_dirty_mib = Options().max_dirty_bytes >> 20;
};

[[noreturn]] void Die(std::string_view what, const absl::Status& status) {
  fmt::print(stderr, "overload_bench: {}: {}\n", what,
             std::string(status.message()));
  std::exit(1);
}

void Check(std::string_view what, const absl::Status& status) {
  if (!status.ok()) Die(what, status);
}

// A field of /proc/self/status in bytes, e.g. "VmRSS" or "VmHWM".
std::uint64_t ProcStatusBytes(std::string_view field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with(field) && line.size() > field.size() &&
        line[field.size()] == ':') {
      return std::strtoull(line.c_str() + field.size() + 1, nullptr, 10) * 1024;
    }
  }
  return 0;
}

double MiB(std::uint64_t bytes) { return static_cast<double>(bytes) / 1048576; }

std::string KeyOf(std::uint64_t k) { return fmt::format("c/key{:08d}", k); }

void Run(const Flags& flags) {
  Options options;
  options.max_dirty_bytes = flags.max_dirty_mib << 20;
  absl::StatusOr<std::unique_ptr<Store>> opened =
      Store::Open(flags.dir, options);
  if (!opened.ok()) Die("open", opened.status());
  Store& store = **opened;

  // The live data, written and flushed before the clock starts.
  const std::string fill(flags.value_size, 'a');
  for (std::uint64_t k = 0; k < flags.keys; ++k) {
    Check("put", store.Put(KeyOf(k), fill));
  }
  Check("flush", store.Flush());
  const std::uint64_t live = store.GetStats()->bytes;
  const std::uint64_t rss_before = ProcStatusBytes("VmRSS");

  std::atomic<bool> running{true};
  std::uint64_t most_dirty = 0;
  std::uint64_t most_rss = 0;
  std::chrono::microseconds oldest{0};
  std::thread monitor([&] {
    while (running.load(std::memory_order_relaxed)) {
      absl::StatusOr<Stats> stats = store.GetStats();
      if (stats.ok()) {
        most_dirty = std::max(most_dirty, stats->dirty_bytes);
        oldest = std::max(oldest, stats->oldest_dirty_age);
      }
      most_rss = std::max(most_rss, ProcStatusBytes("VmRSS"));
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });

  std::vector<std::vector<std::int64_t>> latencies(flags.threads);
  std::vector<std::thread> writers;
  const Clock::time_point start = Clock::now();
  for (int t = 0; t < flags.threads; ++t) {
    writers.emplace_back([&, t] {
      std::string value(flags.value_size, static_cast<char>('b' + t));
      std::vector<std::int64_t>& mine = latencies[t];
      mine.reserve(flags.puts);
      std::uint64_t key = static_cast<std::uint64_t>(t) * 7919;
      for (std::uint64_t i = 0; i < flags.puts; ++i) {
        key = (key + 1) % flags.keys;
        value[i % value.size()] ^= 1;  // Every put changes the value.
        const Clock::time_point before = Clock::now();
        Check("put", store.Put(KeyOf(key), value));
        mine.push_back((Clock::now() - before).count());
      }
    });
  }
  for (std::thread& writer : writers) writer.join();
  const double put_seconds =
      std::chrono::duration<double>(Clock::now() - start).count();
  const Stats after_puts = *store.GetStats();
  const Clock::time_point flush_start = Clock::now();
  Check("flush", store.Flush());
  const double flush_seconds =
      std::chrono::duration<double>(Clock::now() - flush_start).count();
  running.store(false);
  monitor.join();
  const Stats stats = *store.GetStats();

  std::vector<std::int64_t> all;
  for (const auto& mine : latencies)
    all.insert(all.end(), mine.begin(), mine.end());
  std::sort(all.begin(), all.end());
  const LatencyStats latency = ComputeLatencyStats(all);
  const std::uint64_t puts =
      flags.puts * static_cast<std::uint64_t>(flags.threads);

  fmt::print(
      "overload: {} threads x {} puts of {} B over {} keys (live {:.0f} MiB), "
      "max_dirty_bytes {} MiB\n",
      flags.threads, flags.puts, flags.value_size, flags.keys, MiB(live),
      flags.max_dirty_mib);
  fmt::print(
      "puts: {:.2f} s, {:.0f} puts/s, {:.0f} MB/s put; then Flush {:.2f} s\n",
      put_seconds, puts / put_seconds,
      puts * flags.value_size / put_seconds / 1e6, flush_seconds);
  fmt::print("put latency: p50 {} p99 {} p99.9 {} max {}\n",
             FormatDuration(latency.p50_ns), FormatDuration(latency.p99_ns),
             FormatDuration(latency.p999_ns), FormatDuration(latency.max_ns));
  fmt::print("held back: {} puts ({:.3f}% of puts), {:.2f} s in all\n",
             after_puts.write_stalls, 100.0 * after_puts.write_stalls / puts,
             after_puts.write_stall_time.count() / 1e6);
  fmt::print(
      "backlog: most {:.1f} MiB unwritten; oldest unwritten change at "
      "most {:.0f} ms old; janitor wrote {:.0f} MiB in {} passes\n",
      MiB(most_dirty), oldest.count() / 1e3, MiB(stats.bytes_written),
      stats.janitor_passes);
  fmt::print(
      "memory: resident {:.0f} MiB before, at most {:.0f} MiB during "
      "({:.2f} x live data; grew {:.0f} MiB)\n",
      MiB(rss_before), MiB(most_rss),
      static_cast<double>(most_rss) / static_cast<double>(live),
      MiB(most_rss - std::min(most_rss, rss_before)));
  Check("close", store.Close());
}

}  // namespace
}  // namespace dskv::bench

int main(int argc, char** argv) {
  dskv::bench::Flags flags;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const auto value = [&](std::string_view name) -> const char* {
      return arg.starts_with(name) ? argv[i] + name.size() : nullptr;
    };
    if (const char* v = value("--dir=")) {
      flags.dir = v;
    } else if (const char* v = value("--threads=")) {
      flags.threads = std::atoi(v);
    } else if (const char* v = value("--keys=")) {
      flags.keys = std::strtoull(v, nullptr, 10);
    } else if (const char* v = value("--puts=")) {
      flags.puts = std::strtoull(v, nullptr, 10);
    } else if (const char* v = value("--value_size=")) {
      flags.value_size = std::strtoull(v, nullptr, 10);
    } else if (const char* v = value("--max_dirty_mib=")) {
      flags.max_dirty_mib = std::strtoull(v, nullptr, 10);
    } else {
      fmt::print(stderr,
                 "usage: overload_bench [--dir=DIR] [--threads=T] [--keys=K] "
                 "[--puts=N per thread] [--value_size=S] "
                 "[--max_dirty_mib=M (0: no limit)]\n");
      return 2;
    }
  }
  if (flags.threads < 1 || flags.keys == 0 || flags.value_size == 0) {
    fmt::print(
        stderr,
        "overload_bench: threads, keys and value_size must be positive\n");
    return 2;
  }
  if (std::filesystem::exists(flags.dir) &&
      !std::filesystem::is_empty(flags.dir)) {
    fmt::print(stderr, "overload_bench: {} exists and is not empty\n",
               flags.dir);
    return 2;
  }
  dskv::bench::Run(flags);
  std::filesystem::remove_all(flags.dir);
  return 0;
}
