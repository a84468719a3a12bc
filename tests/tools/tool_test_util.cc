#include "tests/tools/tool_test_util.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "gtest/gtest.h"
#include "persist/format.h"

extern char** environ;

namespace dskv_test {
namespace {

// Only reached if the tool hangs.
constexpr std::chrono::seconds kTimeout{60};

// The two ends of a pipe, or of a pseudo-terminal; closed on destruction.
struct Channel {
  int read = -1;
  int write = -1;

  Channel() = default;
  Channel(const Channel&) = delete;
  Channel& operator=(const Channel&) = delete;
  ~Channel() {
    CloseRead();
    CloseWrite();
  }

  // A pipe. Both ends are -1 if it cannot be made.
  static void OpenPipe(Channel& channel) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) == 0) {
      channel.read = fds[0];
      channel.write = fds[1];
    }
  }

  // A pseudo-terminal: the child writes to the terminal end, which isatty
  // holds for, and the test reads the other.
  static void OpenTerminal(Channel& channel) {
    const int controller = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (controller < 0) return;
    const char* name = nullptr;
    if (::grantpt(controller) != 0 || ::unlockpt(controller) != 0 ||
        (name = ::ptsname(controller)) == nullptr) {
      ::close(controller);
      return;
    }
    channel.read = controller;
    channel.write = ::open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
  }

  void CloseRead() {
    if (read >= 0) ::close(std::exchange(read, -1));
  }
  void CloseWrite() {
    if (write >= 0) ::close(std::exchange(write, -1));
  }
};

// Feeds `input` to the child's stdin and drains its stdout and stderr at
// the same time: done one after the other, a child that fills one pipe
// while the test waits on another would never finish.
void Exchange(Channel& in, Channel& out, Channel& err, std::string_view input,
              ToolRun& run) {
  const auto deadline = std::chrono::steady_clock::now() + kTimeout;
  if (input.empty()) in.CloseWrite();
  // SIGPIPE would kill the test if the tool exits without reading stdin.
  ::signal(SIGPIPE, SIG_IGN);
  while (out.read >= 0 || err.read >= 0) {
    pollfd fds[3];
    int count = 0;
    if (in.write >= 0) fds[count++] = {in.write, POLLOUT, 0};
    if (out.read >= 0) fds[count++] = {out.read, POLLIN, 0};
    if (err.read >= 0) fds[count++] = {err.read, POLLIN, 0};
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    ASSERT_GT(left.count(), 0)
        << "dskv did not finish within " << kTimeout.count() << " s";
    const int ready = ::poll(fds, count, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    ASSERT_GE(ready, 0) << std::strerror(errno);
    for (int i = 0; i < count; ++i) {
      if (fds[i].revents == 0) continue;
      if (fds[i].fd == in.write) {
        const ssize_t n = ::write(in.write, input.data(), input.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
          in.CloseWrite();  // The tool closed its stdin (EPIPE).
          continue;
        }
        input.remove_prefix(static_cast<std::size_t>(n));
        if (input.empty()) in.CloseWrite();
        continue;
      }
      Channel& channel = fds[i].fd == out.read ? out : err;
      std::string& sink = fds[i].fd == out.read ? run.out : run.err;
      char buffer[65536];
      const ssize_t n = ::read(channel.read, buffer, sizeof(buffer));
      if (n < 0 && errno == EINTR) continue;
      // A terminal reports EIO, not the end of the file, once the child has
      // closed its end.
      if (n < 0 && errno == EIO && &channel == &err) {
        channel.CloseRead();
        continue;
      }
      ASSERT_GE(n, 0) << std::strerror(errno);
      if (n == 0) {
        channel.CloseRead();
      } else {
        sink.append(buffer, static_cast<std::size_t>(n));
      }
    }
  }
}

ToolRun Run(const std::vector<std::string>& args, std::string_view input,
            bool stderr_on_terminal) {
  ToolRun run;
  const std::string tool = ToolPath();
  std::vector<char*> argv = {const_cast<char*>(tool.c_str())};
  for (const std::string& arg : args) {
    argv.push_back(const_cast<char*>(arg.c_str()));
  }
  argv.push_back(nullptr);

  Channel in, out, err;
  Channel::OpenPipe(in);
  Channel::OpenPipe(out);
  if (stderr_on_terminal) {
    Channel::OpenTerminal(err);
  } else {
    Channel::OpenPipe(err);
  }
  if (in.write < 0 || out.write < 0 || err.write < 0) {
    ADD_FAILURE() << "cannot make pipes or a terminal: "
                  << std::strerror(errno);
    return run;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  // dup2 clears close-on-exec on the copies the child gets.
  posix_spawn_file_actions_adddup2(&actions, in.read, STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out.write, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err.write, STDERR_FILENO);
  pid_t pid = -1;
  const int error =
      ::posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (error != 0) {
    ADD_FAILURE() << "posix_spawn " << tool << ": " << std::strerror(error);
    return run;
  }
  // The child has its copies; ours would keep the channels open forever.
  in.CloseRead();
  out.CloseWrite();
  err.CloseWrite();
  Exchange(in, out, err, input, run);
  if (::testing::Test::HasFatalFailure()) ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) run.exit_code = WEXITSTATUS(status);
  return run;
}

}  // namespace

std::string ToolPath() {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const char* workspace = std::getenv("TEST_WORKSPACE");
  if (srcdir == nullptr || workspace == nullptr) {
    ADD_FAILURE() << "run this test with bazel test: it finds the dskv tool "
                     "through $TEST_SRCDIR";
    return "dskv";
  }
  return std::string(srcdir) + "/" + workspace + "/tools/dskv";
}

std::ostream& operator<<(std::ostream& os, const ToolRun& run) {
  return os << "exit code " << run.exit_code << "\n--- stdout ---\n"
            << run.out.substr(0, 4096) << "\n--- stderr ---\n"
            << run.err.substr(0, 4096) << "\n---";
}

ToolRun RunDskv(const std::vector<std::string>& args, std::string_view input) {
  return Run(args, input, /*stderr_on_terminal=*/false);
}

ToolRun RunDskvOnTerminal(const std::vector<std::string>& args) {
  return Run(args, "", /*stderr_on_terminal=*/true);
}

std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.is_open()) << "cannot open " << path;
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

void WriteBytes(const std::string& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  EXPECT_TRUE(out.good()) << "cannot write " << path;
}

DirectoryContents ReadDirectory(const std::string& dir) {
  DirectoryContents contents;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    contents[entry.path().filename().string()] =
        ReadBytes(entry.path().string());
  }
  return contents;
}

std::string CollectionFilePath(const std::string& dir,
                               std::string_view collection) {
  return dir + "/" + dskv::format::FileName(collection);
}

}  // namespace dskv_test
