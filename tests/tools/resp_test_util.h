// For end-to-end tests of `dskv serve --resp` (docs/resp.md): the server
// as a child process with its HTTP and Redis ports, a Redis client over a
// raw socket that returns each reply's bytes as sent, and shell commands
// (redis-cli) run against it.

#ifndef DSKV_TESTS_TOOLS_RESP_TEST_UTIL_H_
#define DSKV_TESTS_TOOLS_RESP_TEST_UTIL_H_

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tests/temp_dir.h"
#include "tests/tools/serve_test_util.h"

namespace dskv_test {

// `dskv serve --listen=127.0.0.1:0 --resp=0 flags... store_dir` as a child
// process. Killed (SIGKILL) on destruction if still running.
class RespServerProcess {
 public:
  // Starts it and reads its two "listening on" lines (fatal failure if it
  // does not start).
  void Start(const std::string& store_dir,
             const std::vector<std::string>& flags,
             const std::string& stderr_path);
  std::uint16_t port() const { return server_.resp_port(); }
  std::uint16_t http_port() const { return server_.port(); }
  bool running() const { return server_.running(); }

  // As ServerProcess's.
  int Stop() { return server_.Stop(); }
  void Kill() { server_.Kill(); }
  std::string Stderr() const { return server_.Stderr(); }

 private:
  ServerProcess server_;
};

// A command as a client library sends it: an array of bulk strings.
std::string RespCommand(const std::vector<std::string>& args);

// The length of the first whole reply in `bytes`; 0 if it is incomplete.
std::size_t ReplyLength(std::string_view bytes);

// A connection to the Redis port of 127.0.0.1.
class RespClient {
 public:
  explicit RespClient(std::uint16_t port) : connection_(port) {}

  bool connected() const { return connection_.connected(); }
  const std::string& error() const { return error_; }

  bool Send(std::string_view bytes) { return connection_.Send(bytes); }
  // The bytes of the next reply; nullopt (error() says why) if the
  // connection closed first or it did not come within kServeTimeout.
  std::optional<std::string> Read();
  // Sends the command, then reads its reply ("" if none came).
  std::string Call(const std::vector<std::string>& args);
  // Waits for the server to close the connection; what it sent first.
  bool WaitClosed(std::string* received = nullptr);

 private:
  HttpConnection connection_;
  std::string buffer_;
  std::string error_;
};

// What a shell command printed, and how it ended.
struct ShellRun {
  int exit_code = -1;  // -1: it did not exit normally.
  std::string out;
};

// Runs `command` with /bin/sh -c, stdin from /dev/null unless the command
// redirects it, stderr to `stderr_path`; waits up to kServeTimeout.
ShellRun RunShell(const std::string& command, const std::string& stderr_path);

// A test with a store in its directory, a server with --resp on it, and
// redis-cli.
class RespServeTest : public TempDirTest {
 protected:
  std::string store_dir() const { return dir() + "/store"; }
  void StartServer(const std::vector<std::string>& flags = {});
  void StopServer();  // SIGTERM; it must exit 0.

  // `redis-cli -p PORT args` (each argument single-quoted for the shell);
  // its stdout. Fails the test unless it exits 0.
  std::string RedisCli(const std::vector<std::string>& args,
                       const std::string& stdin_path = "");

  RespServerProcess server_;

 private:
  int runs_ = 0;
};

}  // namespace dskv_test

#endif  // DSKV_TESTS_TOOLS_RESP_TEST_UTIL_H_
