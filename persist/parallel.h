// ParallelFor: runs independent pieces of work on a few threads.

#ifndef DSKV_PERSIST_PARALLEL_H_
#define DSKV_PERSIST_PARALLEL_H_

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
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

// Runs pieces of work handed over one at a time, each as soon as one of up
// to `max_threads` threads (started as they are needed) is free, while the
// caller goes on: for work that waits, such as syncing each file as soon as
// it is written. A lone piece of work is left to Wait, which runs it on the
// caller's thread: a thread is started only once a second piece arrives.
// Not thread-safe: one thread adds.
class WorkQueue {
 public:
  explicit WorkQueue(std::size_t max_threads) : max_threads_(max_threads) {}
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;
  ~WorkQueue() { Wait(); }

  void Add(std::function<void()> work) {
    {
      std::lock_guard lock(mu_);
      queue_.push_back(std::move(work));
      if (idle_ > 0) {
        cv_.notify_one();
        return;
      }
      if (threads_.empty() && queue_.size() < 2) return;
    }
    if (threads_.size() < max_threads_) {
      threads_.emplace_back([this] { Work(); });
    }
  }

  // Returns once every piece of work added has run; stops the threads.
  void Wait() {
    {
      std::lock_guard lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    for (std::thread& t : threads_) t.join();
    threads_.clear();
    // What no thread took (a lone piece, or max_threads 0) runs here.
    std::deque<std::function<void()>> left;
    {
      std::lock_guard lock(mu_);
      left.swap(queue_);
      done_ = false;
    }
    for (std::function<void()>& work : left) work();
  }

 private:
  void Work() {
    std::unique_lock lock(mu_);
    while (true) {
      if (!queue_.empty()) {
        std::function<void()> work = std::move(queue_.front());
        queue_.pop_front();
        lock.unlock();
        work();
        lock.lock();
        continue;
      }
      if (done_) return;
      ++idle_;
      cv_.wait(lock);
      --idle_;
    }
  }

  const std::size_t max_threads_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_ ABSL_GUARDED_BY(mu_);
  std::size_t idle_ ABSL_GUARDED_BY(mu_) = 0;
  bool done_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;  // Touched only by the adding thread.
};

// One thread per core: for work that computes.
inline std::size_t CoreCount() {
  return std::max(1u, std::thread::hardware_concurrency());
}

}  // namespace dskv

#endif  // DSKV_PERSIST_PARALLEL_H_
