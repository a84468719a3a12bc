#include "tests/tools/resp_test_util.h"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <utility>

#include "gtest/gtest.h"
#include "tests/tools/tool_test_util.h"

namespace dskv_test {
namespace {

using Clock = std::chrono::steady_clock;

// Reads `fd` into `*out` until `done` says so, the end, or the deadline;
// false on the deadline.
template <typename Done>
bool ReadUntil(int fd, Clock::time_point deadline, std::string* out,
               Done done) {
  while (!done(*out)) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - Clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready <= 0) continue;
    char bytes[65536];
    const ssize_t n = ::read(fd, bytes, sizeof bytes);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return true;
    out->append(bytes, static_cast<std::size_t>(n));
  }
  return true;
}

int WaitFor(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

}  // namespace

void RespServerProcess::Start(const std::string& store_dir,
                              const std::vector<std::string>& flags,
                              const std::string& stderr_path) {
  std::vector<std::string> all = {"--resp=0"};
  all.insert(all.end(), flags.begin(), flags.end());
  server_.Start(store_dir, all, stderr_path);
}

std::string RespCommand(const std::vector<std::string>& args) {
  std::string command = "*" + std::to_string(args.size()) + "\r\n";
  for (const std::string& arg : args) {
    command += "$" + std::to_string(arg.size()) + "\r\n" + arg + "\r\n";
  }
  return command;
}

std::size_t ReplyLength(std::string_view bytes) {
  const std::size_t line_end = bytes.find("\r\n");
  if (bytes.empty() || line_end == std::string_view::npos) return 0;
  const std::size_t head = line_end + 2;
  if (bytes[0] != '$' && bytes[0] != '*') return head;
  long long count = 0;
  std::from_chars(bytes.data() + 1, bytes.data() + line_end, count);
  if (count < 0) return head;
  if (bytes[0] == '$') {
    const std::size_t total = head + static_cast<std::size_t>(count) + 2;
    return bytes.size() >= total ? total : 0;
  }
  std::size_t at = head;
  for (long long i = 0; i < count; ++i) {
    const std::size_t item = ReplyLength(bytes.substr(at));
    if (item == 0) return 0;
    at += item;
  }
  return at;
}

std::optional<std::string> RespClient::Read() {
  const bool in_time =
      ReadUntil(connection_.fd(), Clock::now() + kServeTimeout, &buffer_,
                [](const std::string& text) { return ReplyLength(text) > 0; });
  const std::size_t length = ReplyLength(buffer_);
  if (length == 0) {
    error_ = in_time ? "closed before a whole reply" : "timed out";
    error_ += "; received \"" + Printable(buffer_) + "\"";
    return std::nullopt;
  }
  std::string reply = buffer_.substr(0, length);
  buffer_.erase(0, length);
  return reply;
}

std::string RespClient::Call(const std::vector<std::string>& args) {
  if (!Send(RespCommand(args))) return "";
  return Read().value_or("");
}

bool RespClient::WaitClosed(std::string* received) {
  const bool closed = connection_.WaitClosed(
      std::chrono::milliseconds(kServeTimeout), received);
  if (received != nullptr) received->insert(0, buffer_);
  return closed;
}

ShellRun RunShell(const std::string& command, const std::string& stderr_path) {
  ShellRun run;
  std::string error;
  SpawnOptions options;
  options.own_process_group = true;  // A timeout kills redis-cli too.
  const std::optional<SpawnedChild> child = SpawnWithStdoutPipe(
      {"/bin/sh", "-c", command}, stderr_path, options, &error);
  if (!child.has_value()) {
    ADD_FAILURE() << error;
    return run;
  }
  const bool in_time =
      ReadUntil(child->stdout_fd, Clock::now() + kServeTimeout, &run.out,
                [](const std::string&) { return false; });
  ::close(child->stdout_fd);
  if (!in_time) {
    ::kill(-child->pid, SIGKILL);
    ADD_FAILURE() << command << ": did not finish in time; killed";
  }
  const int status = WaitFor(child->pid);
  if (WIFEXITED(status)) run.exit_code = WEXITSTATUS(status);
  return run;
}

void RespServeTest::StartServer(const std::vector<std::string>& flags) {
  ASSERT_NO_FATAL_FAILURE(
      server_.Start(store_dir(), flags,
                    dir() + "/server" + std::to_string(++runs_) + ".stderr"));
}

void RespServeTest::StopServer() {
  EXPECT_EQ(server_.Stop(), 0) << "stderr: " << server_.Stderr();
}

std::string RespServeTest::RedisCli(const std::vector<std::string>& args,
                                    const std::string& stdin_path) {
  std::string command = "redis-cli -p " + std::to_string(server_.port());
  for (const std::string& arg : args) command += " '" + arg + "'";
  if (!stdin_path.empty()) command += " < '" + stdin_path + "'";
  const std::string err = dir() + "/cli" + std::to_string(++runs_) + ".err";
  const ShellRun run = RunShell(command, err);
  EXPECT_EQ(run.exit_code, 0)
      << command << "\nstdout: " << run.out << "\nstderr: " << ReadBytes(err);
  return run.out;
}

}  // namespace dskv_test
