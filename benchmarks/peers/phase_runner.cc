#include "benchmarks/peers/phase_runner.h"

#include <algorithm>
#include <atomic>
#include <barrier>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <thread>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace dskv::peers {
namespace {

using Clock = std::chrono::steady_clock;

struct ThreadResult {
  std::vector<std::int64_t> latencies_ns;
  Clock::time_point finish;
  absl::Status status;
};

}  // namespace

absl::StatusOr<PhaseTiming> RunPhase(
    const PhaseSpec& spec,
    absl::FunctionRef<absl::Status(int thread, std::uint64_t i)> op) {
  const int threads = std::max(spec.threads, 1);
  const std::uint64_t batch = std::max<std::uint64_t>(spec.batch, 1);
  std::vector<ThreadResult> results(threads);
  if (spec.latencies) {
    // Any thread may run every operation; reserving keeps allocation out of
    // the timed loop.
    for (ThreadResult& result : results) result.latencies_ns.reserve(spec.ops);
  }
  std::atomic<std::uint64_t> next{0};
  std::atomic<bool> failed{false};
  Clock::time_point start;
  // The completion step runs once all threads have arrived, before any is
  // released: the true start of the phase.
  std::barrier ready(threads, [&start]() noexcept { start = Clock::now(); });

  auto work = [&](int thread) {
    ThreadResult& result = results[thread];
    ready.arrive_and_wait();
    while (!failed.load(std::memory_order_relaxed)) {
      const std::uint64_t first =
          next.fetch_add(batch, std::memory_order_relaxed);
      if (first >= spec.ops) break;
      const std::uint64_t last = std::min(first + batch, spec.ops);
      for (std::uint64_t i = first; i < last; ++i) {
        absl::Status status;
        if (spec.latencies) {
          const Clock::time_point begin = Clock::now();
          status = op(thread, i);
          result.latencies_ns.push_back((Clock::now() - begin) /
                                        std::chrono::nanoseconds(1));
        } else {
          status = op(thread, i);
        }
        if (!status.ok()) {
          result.status = std::move(status);
          failed.store(true, std::memory_order_relaxed);
          break;
        }
      }
    }
    result.finish = Clock::now();
  };
  std::vector<std::thread> pool;
  pool.reserve(threads);
  for (int t = 0; t < threads; ++t) pool.emplace_back(work, t);
  for (std::thread& thread : pool) thread.join();

  PhaseTiming timing;
  Clock::time_point finish = start;
  for (ThreadResult& result : results) {
    if (!result.status.ok()) return result.status;
    finish = std::max(finish, result.finish);
    timing.sorted_latencies_ns.insert(timing.sorted_latencies_ns.end(),
                                      result.latencies_ns.begin(),
                                      result.latencies_ns.end());
  }
  std::sort(timing.sorted_latencies_ns.begin(),
            timing.sorted_latencies_ns.end());
  timing.ops = spec.ops;
  timing.seconds = std::chrono::duration<double>(finish - start).count();
  return timing;
}

absl::StatusOr<double> TimeCall(absl::FunctionRef<absl::Status()> call) {
  const Clock::time_point start = Clock::now();
  if (absl::Status status = call(); !status.ok()) return status;
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace dskv::peers
