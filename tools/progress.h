// Progress shown on stderr during long operations, only when stderr is a
// terminal: a script or a pipe that captures stderr sees nothing of it.

#ifndef DSKV_TOOLS_PROGRESS_H_
#define DSKV_TOOLS_PROGRESS_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace dskv::tool {

// What a progress count counts.
enum class ProgressUnit { kBytes, kRecords, kFiles };

// The line a progress bar shows, `width` characters of bar. `total` 0 means
// unknown: then only the count is shown.
//
//   RenderProgress("dump", 50, 200, kRecords, 20)
//     == "dump [#####...............]  25% 50/200 records"
std::string RenderProgress(std::string_view label, std::uint64_t done,
                           std::uint64_t total, ProgressUnit unit, int width);

// A progress bar redrawn in place as work is done, at most ten times a
// second; cleared when destroyed. Does nothing unless stderr is a terminal.
// Not thread-safe.
class Progress {
 public:
  Progress(std::string label, std::uint64_t total, ProgressUnit unit);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void Add(std::uint64_t amount) { Set(done_ + amount); }
  void Set(std::uint64_t done);
  // For work whose size is learnt late, e.g. input from a pipe.
  void SetTotal(std::uint64_t total) { total_ = total; }

 private:
  void Draw();

  const bool enabled_;
  const std::string label_;
  std::uint64_t total_;
  const ProgressUnit unit_;
  std::uint64_t done_ = 0;
  std::chrono::steady_clock::time_point last_draw_;
};

// For one long call that reports no progress of its own (a compaction):
// shows "`label` ... N s" on stderr, updated every second from a thread of
// its own, until destroyed. Does nothing unless stderr is a terminal.
class Activity {
 public:
  explicit Activity(std::string label);
  ~Activity();
  Activity(const Activity&) = delete;
  Activity& operator=(const Activity&) = delete;

 private:
  void Run();

  const std::string label_;
  std::mutex mu_;
  std::condition_variable done_cv_;
  bool done_ = false;  // Guarded by mu_.
  std::thread thread_;
};

}  // namespace dskv::tool

#endif  // DSKV_TOOLS_PROGRESS_H_
