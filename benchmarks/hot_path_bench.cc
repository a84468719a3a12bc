// The in-memory cost of Put, overwrite, Get and a 50/50 mix on one thread,
// with the janitor kept out of the way (a long flush_interval, no backlog
// limit), so that a change to the hot path shows without the disk's noise.
// Built from another revision's public API (before a9b5031, without the
// max_memory_bytes line), it can run two builds in alternating runs. Read such
// a comparison with a profile of each (perf record -e cpu-clock): on this VM
// the harness's own reads of its key arrays (Run, and memchr in ParseKey) took
// 3 to 14 times more samples in one build than in another with dskv's functions
// at equal counts, so the rates alone can differ by tens of percent for reasons
// outside dskv.
//
//   bazel run -c opt //benchmarks:hot_path_bench -- [--keys=N] [--rounds=N]
//       [--max_memory_bytes=N]
//
// --max_memory_bytes sets Options::max_memory_bytes (0, the default: none),
// so that one build can be run with a limit that is never reached and
// without one: what counting memory costs the calls.
//
// Prints, per round, the million operations a second of each phase.

#include <fmt/format.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "dskv/store.h"

namespace {

// A flag's value, "--name=value", or `fallback`.
std::uint64_t Flag(int argc, char** argv, std::string_view name,
                   std::uint64_t fallback) {
  const std::string prefix = fmt::format("--{}=", name);
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg(argv[i]);
    if (arg.substr(0, prefix.size()) == prefix) {
      return std::strtoull(argv[i] + prefix.size(), nullptr, 10);
    }
  }
  return fallback;
}

// Pseudo-random indexes below `n`, the same sequence in every build.
class Picker {
 public:
  explicit Picker(std::uint64_t n) : n_(n) {}
  std::uint64_t Next() {
    state_ = state_ * 6364136223846793005u + 1442695040888963407u;
    return ((state_ >> 32) * n_) >> 32;
  }

 private:
  const std::uint64_t n_;
  std::uint64_t state_ = 1;
};

// Runs `op(i)` for i in [0, n) and returns millions of calls a second.
template <typename Op>
double Rate(std::uint64_t n, Op op) {
  const auto start = std::chrono::steady_clock::now();
  for (std::uint64_t i = 0; i < n; ++i) op(i);
  const std::chrono::duration<double> took =
      std::chrono::steady_clock::now() - start;
  return static_cast<double>(n) / took.count() / 1e6;
}

int Run(int argc, char** argv) {
  const std::uint64_t keys = Flag(argc, argv, "keys", 1'000'000);
  const std::uint64_t rounds = Flag(argc, argv, "rounds", 1);
  const std::uint64_t max_memory_bytes =
      Flag(argc, argv, "max_memory_bytes", 0);
  // The keys, of one width, in one buffer: the harness's own reads then
  // cost the same in every build, whatever the allocator's layout.
  constexpr std::size_t kKeyWidth = 20;
  std::string buffer;
  buffer.reserve(keys * kKeyWidth);
  for (std::uint64_t i = 0; i < keys; ++i) {
    // 100 collections, as W2 of the peer suite.
    buffer += fmt::format("c{:02}/key{:013}", i % 100, i);
  }
  std::vector<std::string_view> names(keys);
  for (std::uint64_t i = 0; i < keys; ++i) {
    names[i] = std::string_view(buffer).substr(i * kKeyWidth, kKeyWidth);
  }
  const std::string value(100, 'v');
  const std::string other(100, 'w');
  const std::string dir =
      (std::filesystem::temp_directory_path() / "dskv-hot-path-bench").string();
  fmt::print(
      "round load_mops overwrite_mops get_mops mix_mops janitor_passes\n");
  for (std::uint64_t round = 0; round < rounds; ++round) {
    std::filesystem::remove_all(dir);
    dskv::Options options;
    options.flush_interval = std::chrono::hours(1);
    options.max_dirty_bytes = 0;
    options.max_memory_bytes = max_memory_bytes;
    absl::StatusOr<std::unique_ptr<dskv::Store>> store =
        dskv::Store::Open(dir, options);
    if (!store.ok()) {
      fmt::print(stderr, "hot_path_bench: {}\n", store.status().ToString());
      return 1;
    }
    dskv::Store& s = **store;
    bool ok = true;
    const auto check = [&](const absl::Status& status) {
      if (!status.ok() && ok) {
        fmt::print(stderr, "hot_path_bench: {}\n", status.ToString());
        ok = false;
      }
    };
    const double load =
        Rate(keys, [&](std::uint64_t i) { check(s.Put(names[i], value)); });
    Picker picker(keys);
    const double overwrite = Rate(keys, [&](std::uint64_t) {
      check(s.Put(names[picker.Next()], other));
    });
    std::string got;
    const double get = Rate(
        keys, [&](std::uint64_t) { check(s.Get(names[picker.Next()], &got)); });
    const double mix = Rate(keys, [&](std::uint64_t i) {
      if (i % 2 == 0) {
        check(s.Get(names[picker.Next()], &got));
      } else {
        check(s.Put(names[picker.Next()], value));
      }
    });
    // The janitor should not have run: it writes everything once, at
    // Close, which is not timed.
    absl::StatusOr<dskv::Stats> stats = s.GetStats();
    check(stats.status());
    check(s.Close());
    if (!ok) return 1;
    fmt::print("{} {:.3f} {:.3f} {:.3f} {:.3f} {}\n", round, load, overwrite,
               get, mix, stats->janitor_passes);
  }
  std::filesystem::remove_all(dir);
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return Run(argc, argv); }
