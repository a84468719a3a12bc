// ParallelFor: runs independent pieces of work on a few threads.

#ifndef DSKV_PERSIST_PARALLEL_H_
#define DSKV_PERSIST_PARALLEL_H_

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/status/status.h"

namespace dskv {

// Runs work(i) for every i in [0, n) on up to `max_threads` threads, the
// caller's included, and returns the first error. work must be thread-safe.
template <typename Work>
absl::Status ParallelFor(std::size_t n, std::size_t max_threads, Work work) {
  std::atomic<std::size_t> next{0};
  std::mutex error_mu;
  absl::Status first_error;
  auto worker = [&] {
    for (std::size_t i = next++; i < n; i = next++) {
      absl::Status s = work(i);
      if (!s.ok()) {
        std::lock_guard lock(error_mu);
        first_error.Update(s);
      }
    }
  };
  const std::size_t threads =
      std::min(n, std::max<std::size_t>(1, max_threads));
  std::vector<std::thread> pool;
  for (std::size_t i = 1; i < threads; ++i) pool.emplace_back(worker);
  worker();
  for (std::thread& t : pool) t.join();
  return first_error;
}

// One thread per core: for work that computes.
inline std::size_t CoreCount() {
  return std::max(1u, std::thread::hardware_concurrency());
}

}  // namespace dskv

#endif  // DSKV_PERSIST_PARALLEL_H_
