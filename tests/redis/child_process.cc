#include "tests/redis/child_process.h"

#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string_view>
#include <utility>

#include "absl/strings/str_cat.h"
#include "tests/tools/serve_test_util.h"

namespace dskv_test {
namespace {

using Clock = std::chrono::steady_clock;

std::string ErrnoText(const char* what) {
  return absl::StrCat(what, ": ", std::strerror(errno));
}

// Waits until `fd` is readable or `deadline` passes; false then.
absl::StatusOr<bool> PollReadable(int fd, Clock::time_point deadline) {
  while (true) {
    const auto left =
        std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
    pollfd p{fd, POLLIN, 0};
    const int ready =
        ::poll(&p, 1, left.count() > 0 ? static_cast<int>(left.count()) : 0);
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) return absl::InternalError(ErrnoText("poll"));
    return ready > 0;
  }
}

}  // namespace

absl::StatusOr<std::string> FindProgram(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  const char* path = std::getenv("PATH");
  const std::string_view dirs = path != nullptr ? path : "/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= dirs.size()) {
    const std::size_t end = std::min(dirs.find(':', start), dirs.size());
    const std::string_view dir = dirs.substr(start, end - start);
    start = end + 1;
    if (dir.empty() || dir.front() != '/') continue;
    const std::string candidate = absl::StrCat(std::string(dir), "/", name);
    struct stat info;
    if (::stat(candidate.c_str(), &info) == 0 && S_ISREG(info.st_mode) &&
        ::access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
  }
  return absl::NotFoundError(
      absl::StrCat(name, " is not on PATH (", std::string(dirs), ")"));
}

absl::StatusOr<ChildProcess> ChildProcess::Start(
    const std::vector<std::string>& argv, const std::string& stderr_path) {
  absl::StatusOr<std::string> setpriv = FindProgram("setpriv");
  if (!setpriv.ok()) return setpriv.status();
  std::vector<std::string> tied = {*setpriv, "--pdeathsig", "KILL", "--"};
  tied.insert(tied.end(), argv.begin(), argv.end());
  SpawnOptions options;
  options.own_process_group = true;
  std::string error;
  const std::optional<SpawnedChild> child =
      SpawnWithStdoutPipe(tied, stderr_path, options, &error);
  if (!child.has_value()) return absl::InternalError(error);
  // Our child, not yet waited for: its pid cannot be reused before we open
  // the pidfd. (Debian's glibc 2.36 declares pidfd_open without extern "C",
  // so C++ cannot link to it; hence the bare system call.)
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, child->pid, 0));
  ChildProcess process(child->pid, pidfd, child->stdout_fd);
  if (pidfd < 0) {
    const std::string text = ErrnoText("pidfd_open");
    process.Kill();
    return absl::InternalError(text);
  }
  return process;
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      pidfd_(std::exchange(other.pidfd_, -1)),
      stdout_fd_(std::exchange(other.stdout_fd_, -1)) {}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    Kill();
    pid_ = std::exchange(other.pid_, -1);
    pidfd_ = std::exchange(other.pidfd_, -1);
    stdout_fd_ = std::exchange(other.stdout_fd_, -1);
  }
  return *this;
}

ChildProcess::~ChildProcess() { Kill(); }

absl::StatusOr<std::string> ChildProcess::ReadStdout(
    std::chrono::milliseconds timeout) {
  if (stdout_fd_ < 0) return absl::FailedPreconditionError("no stdout");
  const Clock::time_point deadline = Clock::now() + timeout;
  std::string out;
  while (true) {
    absl::StatusOr<bool> readable = PollReadable(stdout_fd_, deadline);
    if (!readable.ok()) return readable.status();
    if (!*readable) {
      return absl::DeadlineExceededError(absl::StrCat(
          "stdout still open after ", timeout.count(), " ms; so far: ", out));
    }
    char bytes[4096];
    const ssize_t n = ::read(stdout_fd_, bytes, sizeof bytes);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return absl::InternalError(ErrnoText("read"));
    if (n == 0) return out;
    out.append(bytes, static_cast<std::size_t>(n));
  }
}

absl::StatusOr<int> ChildProcess::Wait(std::chrono::milliseconds timeout) {
  if (!running()) return absl::FailedPreconditionError("not running");
  absl::StatusOr<bool> exited = PollReadable(pidfd_, Clock::now() + timeout);
  if (!exited.ok()) return exited.status();
  if (!*exited) {
    return absl::DeadlineExceededError(absl::StrCat(
        "pid ", pid_, " still running after ", timeout.count(), " ms"));
  }
  return Reap();
}

absl::StatusOr<int> ChildProcess::Stop(std::chrono::milliseconds timeout) {
  if (!running()) return absl::FailedPreconditionError("not running");
  constexpr std::chrono::milliseconds kResend{100};
  const Clock::time_point deadline = Clock::now() + timeout;
  while (true) {
    ::kill(pid_, SIGTERM);
    const auto left =
        std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
    absl::StatusOr<int> status = Wait(std::min(left, kResend));
    if (!absl::IsDeadlineExceeded(status.status())) return status;
    if (left <= kResend) break;
  }
  Kill();
  return absl::DeadlineExceededError(absl::StrCat(
      "did not exit within ", timeout.count(), " ms of SIGTERM; killed"));
}

void ChildProcess::Kill() {
  if (running()) {
    Reap();
  } else {
    Close();
  }
}

int ChildProcess::Reap() {
  // The group's id stays reserved while its leader is unreaped, so this
  // cannot reach an unrelated group; it ends any forked child left behind.
  ::kill(-pid_, SIGKILL);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
  Close();
  return status;
}

void ChildProcess::Close() {
  if (pidfd_ >= 0) ::close(std::exchange(pidfd_, -1));
  if (stdout_fd_ >= 0) ::close(std::exchange(stdout_fd_, -1));
}

}  // namespace dskv_test
