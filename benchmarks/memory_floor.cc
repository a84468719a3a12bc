// What the machine allows for the W1 workload (2048 values of 10,000 bytes),
// with no store at all: the speed limits that any in-memory store meets.
//
//   copy into buffers  memcpy each value into a caller's buffer that was
//                      allocated and touched before the clock starts: the
//                      floor of every copying Get (W1 "Get").
//   malloc + copy      malloc a fresh block per value and copy the value in,
//                      all blocks freed after the pass: the floor of every
//                      first-time Put that keeps a private copy of the value
//                      (W1 "Put first"), page faults included.
//   copy over          memcpy each value over an existing block of its size:
//                      the floor of an in-place rewrite (W1 "Put rewrite").
//
// Threads take value indices from a shared atomic counter, as W1 does; each
// figure is the median of 5 passes.
//
//   bazel run -c opt //benchmarks:memory_floor -- --threads=2

#include <algorithm>
#include <atomic>
#include <barrier>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "fmt/format.h"

namespace {

constexpr std::size_t kValues = 2048;
constexpr std::size_t kValueSize = 10'000;
constexpr int kPasses = 5;

using Clock = std::chrono::steady_clock;

// Runs `op(i)` for every i in [0, kValues) on `threads` threads and returns
// the seconds from the moment all threads are ready (thread start-up is not
// timed) until the last one finishes.
double TimePass(int threads, const std::function<void(std::size_t)>& op) {
  std::atomic<std::size_t> next{0};
  Clock::time_point start;
  std::barrier ready(threads, [&start]() noexcept { start = Clock::now(); });
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      ready.arrive_and_wait();
      for (std::size_t i; (i = next.fetch_add(1)) < kValues;) op(i);
    });
  }
  for (std::thread& worker : workers) worker.join();
  return std::chrono::duration<double>(Clock::now() - start).count();
}

void Report(std::string_view name, std::vector<double> seconds) {
  std::sort(seconds.begin(), seconds.end());
  const double median = seconds[seconds.size() / 2];
  fmt::print("{:<18} {:>10.0f} ops/s {:>8.0f} MB/s\n", name, kValues / median,
             kValues * kValueSize / median / 1e6);
}

// Touches every byte so that the pages exist before a clock starts.
std::vector<std::string> MakeBlocks(char fill) {
  return std::vector<std::string>(kValues, std::string(kValueSize, fill));
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 2;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg.substr(0, 10) == "--threads=") {
      threads = std::atoi(argv[i] + 10);
    } else {
      fmt::print(stderr, "usage: memory_floor [--threads=T]\n");
      return 2;
    }
  }
  if (threads < 1) {
    fmt::print(stderr, "memory_floor: --threads must be at least 1\n");
    return 2;
  }
  fmt::print("{} values of {} bytes, {} threads, median of {} passes\n",
             kValues, kValueSize, threads, kPasses);
  const std::vector<std::string> values = MakeBlocks('v');

  std::vector<double> copy_in, fresh, copy_over;
  for (int pass = 0; pass < kPasses; ++pass) {
    std::vector<std::string> buffers = MakeBlocks('b');
    copy_in.push_back(TimePass(threads, [&](std::size_t i) {
      std::memcpy(buffers[i].data(), values[i].data(), kValueSize);
    }));
    copy_over.push_back(TimePass(threads, [&](std::size_t i) {
      std::memcpy(buffers[i].data(), values[(i + 1) % kValues].data(),
                  kValueSize);
    }));

    std::vector<char*> blocks(kValues);
    fresh.push_back(TimePass(threads, [&](std::size_t i) {
      blocks[i] = static_cast<char*>(std::malloc(kValueSize));
      std::memcpy(blocks[i], values[i].data(), kValueSize);
    }));
    for (char* block : blocks) std::free(block);
  }
  Report("copy into buffers", copy_in);
  Report("malloc + copy", fresh);
  Report("copy over", copy_over);
  return 0;
}
