// A child process that cannot outlive the test that started it: Redis
// servers and redis-cli, run by the Redis test servers (redis_servers.h).

#ifndef DSKV_TESTS_REDIS_CHILD_PROCESS_H_
#define DSKV_TESTS_REDIS_CHILD_PROCESS_H_

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace dskv_test {

// The absolute path of program `name` on $PATH; NotFound if it is not there.
absl::StatusOr<std::string> FindProgram(const std::string& name);

// A running child process, in a process group of its own (so that one kill
// reaches any process it forks, such as a Redis server's rewrite or sync
// child), and tied to this process: it is started through
// `setpriv --pdeathsig KILL`, so the kernel kills it if the test dies
// without running destructors (a crash, SIGKILL from Bazel at a timeout).
// The kernel ties it to the thread that started it, not the process: start
// children from a thread that lives as long as they should (the main thread
// of a test).
//
// Destruction kills (SIGKILL) the whole group if it is still running.
class ChildProcess {
 public:
  // Starts `argv` (argv[0] an absolute path) with stdin from /dev/null,
  // stdout into a pipe (see ReadStdout) and stderr to the file
  // `stderr_path` (truncated).
  static absl::StatusOr<ChildProcess> Start(
      const std::vector<std::string>& argv, const std::string& stderr_path);

  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();

  pid_t pid() const { return pid_; }
  // Until Wait, Stop or Kill has seen it exit.
  bool running() const { return pid_ > 0; }

  // Everything the child writes to stdout until it closes it, read for at
  // most `timeout` (DeadlineExceeded then, with what came so far).
  absl::StatusOr<std::string> ReadStdout(std::chrono::milliseconds timeout);

  // Waits up to `timeout` for the child to exit and returns its wait status
  // (then !running()); DeadlineExceeded if it is still running. Whatever
  // else is left in its process group is killed.
  absl::StatusOr<int> Wait(std::chrono::milliseconds timeout);
  // SIGTERM, again every 100 ms, until the child exits or `timeout` passes;
  // then Kill and DeadlineExceeded. Otherwise its wait status. Again,
  // because a child may turn one down: Redis 7.0 does while it writes its
  // first append-only file after a replica's sync ("Writing initial AOF,
  // can't exit") and does not try again by itself.
  absl::StatusOr<int> Stop(std::chrono::milliseconds timeout);
  // SIGKILL to the whole group, and waits. Nothing if not running.
  void Kill();

 private:
  ChildProcess(pid_t pid, int pidfd, int stdout_fd)
      : pid_(pid), pidfd_(pidfd), stdout_fd_(stdout_fd) {}
  // Kills what is left of the group, reaps the child, closes the fds.
  int Reap();
  void Close();

  pid_t pid_ = -1;
  int pidfd_ = -1;  // Readable once the child has exited.
  int stdout_fd_ = -1;
};

}  // namespace dskv_test

#endif  // DSKV_TESTS_REDIS_CHILD_PROCESS_H_
