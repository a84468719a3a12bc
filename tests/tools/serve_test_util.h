// For end-to-end tests of `dskv serve` (tools/serve_command.cc): the server
// run as a child process on a free loopback port, curl run against it, and a
// small HTTP/1.1 client over a raw socket for what curl cannot do
// (pipelining, malformed requests, stalled or truncated bodies).

#ifndef DSKV_TESTS_TOOLS_SERVE_TEST_UTIL_H_
#define DSKV_TESTS_TOOLS_SERVE_TEST_UTIL_H_

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tests/temp_dir.h"

namespace dskv_test {

// Longest any single wait of these helpers lasts: for a response, for the
// server's line, for it to exit. Only reached if something hangs.
inline constexpr std::chrono::seconds kServeTimeout{30};

// A response, from curl or from HttpConnection.
struct HttpResponse {
  int status = 0;
  // Header fields in order, names as sent.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // The value of the first field named `name` (case-insensitively).
  std::optional<std::string> Header(std::string_view name) const;
  // Whether it says "Connection: close".
  bool Closes() const;
};

// For failure messages: the status, the headers and the start of the body
// (C-escaped).
std::ostream& operator<<(std::ostream& os, const HttpResponse& response);

// A child process started by SpawnWithStdoutPipe.
struct SpawnedChild {
  pid_t pid = -1;
  int stdout_fd = -1;  // The read end of its stdout; the caller closes it.
};

// How SpawnWithStdoutPipe starts a child.
struct SpawnOptions {
  // Its environment, "NAME=value" each; nullopt: this process's.
  std::optional<std::vector<std::string>> env;
  std::string work_dir;  // "": this process's.
  // Its own process group (so that one kill reaches its children too),
  // and SIGPIPE's default action (the tests ignore it in this process).
  bool own_process_group = false;
};

// Starts `argv` (argv[0] a path) with stdin from /dev/null, stdout into a
// pipe whose read end it returns, and stderr to the file `stderr_path`
// (truncated). The error's text on failure.
std::optional<SpawnedChild> SpawnWithStdoutPipe(
    const std::vector<std::string>& argv, const std::string& stderr_path,
    const SpawnOptions& options, std::string* error);

// `dskv serve` running as a child process. Killed (SIGKILL) on destruction
// if it is still running.
class ServerProcess {
 public:
  ServerProcess() = default;
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;
  ~ServerProcess();

  // Runs `dskv serve --listen=127.0.0.1:0 flags... store_dir`, its stderr
  // going to the file `stderr_path`, and waits for its "listening on" line,
  // from which it learns the port (and for the Redis port's line too if a
  // flag starts with --resp=). Fails the test (fatally) if the server does
  // not start.
  void Start(const std::string& store_dir,
             const std::vector<std::string>& flags,
             const std::string& stderr_path);

  std::uint16_t port() const { return port_; }
  // The Redis port (--resp); 0 without one.
  std::uint16_t resp_port() const { return resp_port_; }
  pid_t pid() const { return pid_; }
  bool running() const { return pid_ > 0; }
  // "http://127.0.0.1:PORT" followed by `target`.
  std::string Url(std::string_view target) const;

  // Sends `signal` to the server.
  void Signal(int signal);
  // Waits up to `timeout` for the server to exit; returns its wait status,
  // or nullopt if it is still running (then it is left running).
  std::optional<int> Wait(std::chrono::milliseconds timeout = kServeTimeout);
  // Sends SIGTERM and waits; returns the exit code, or -1 (with a test
  // failure) if it did not exit normally within kServeTimeout.
  int Stop();
  // Sends SIGKILL and waits.
  void Kill();

  // What the server wrote to stderr so far.
  std::string Stderr() const;

 private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  // Reads the port after `prefix` at the start of `line`.
  static void ReadPort(std::string_view line, std::string_view prefix,
                       std::uint16_t* port);
  // Closes stdout_fd_, once the server is gone.
  void Reap();

  std::uint16_t port_ = 0;
  std::uint16_t resp_port_ = 0;
  std::string stderr_path_;
};

// Runs curl with `args` after "-s -S --max-time 60", its body going to a
// file and its header block to another, both in `scratch_dir`. Fails the
// test if curl cannot run or fails (its exit code is not 0).
HttpResponse Curl(const std::string& scratch_dir,
                  const std::vector<std::string>& args);

// A test with a server on a store in its directory, and curl.
class ServeTestBase : public TempDirTest {
 protected:
  std::string store_dir() const { return dir() + "/store"; }

  // Starts the server on store_dir() (fatal failure if it does not start).
  void StartServer(const std::vector<std::string>& flags = {});
  // SIGTERM; the server must exit 0.
  void StopServer();

  std::string Url(std::string_view target) const { return server_.Url(target); }
  HttpResponse Curl(const std::vector<std::string>& args) {
    return dskv_test::Curl(dir(), args);
  }

  ServerProcess server_;

 private:
  int servers_ = 0;
};

// `bytes` C-escaped for a message, cut after `limit` bytes.
std::string Printable(std::string_view bytes, std::size_t limit = 200);

// Describes a wait status ("exit code 0", "signal Killed").
std::string DescribeWaitStatus(int status);

// A request in HTTP/1.1: "METHOD TARGET HTTP/1.1", Host, `extra_headers`
// (each line ending in "\r\n"), Content-Length if `body` is given, and
// `body`.
std::string Request(std::string_view method, std::string_view target,
                    std::optional<std::string_view> body = std::nullopt,
                    std::string_view extra_headers = "");

// A client connection to 127.0.0.1 over a raw socket.
class HttpConnection {
 public:
  // Connects; see connected() and error().
  explicit HttpConnection(std::uint16_t port);
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;
  ~HttpConnection();

  bool connected() const { return fd_ >= 0; }
  // Why the last call failed.
  const std::string& error() const { return error_; }
  int fd() const { return fd_; }
  // The local port of the connection.
  std::uint16_t local_port() const;

  // Sends all of `bytes`; false if the connection broke.
  bool Send(std::string_view bytes);
  // Reads one response (for a HEAD request if `head`: no body). nullopt if
  // the connection closed or broke before a whole response arrived, or it
  // did not arrive within `timeout`; error() says which.
  std::optional<HttpResponse> Read(
      bool head = false, std::chrono::milliseconds timeout = kServeTimeout);
  // Send then Read.
  std::optional<HttpResponse> Exchange(std::string_view request,
                                       bool head = false);
  // Waits until the server closes the connection, discarding what it
  // sends; returns whether it did within `timeout`. Bytes it sent first
  // are in `*received` if given.
  bool WaitClosed(std::chrono::milliseconds timeout,
                  std::string* received = nullptr);
  // Closes the sending direction (the server reads end-of-stream).
  void ShutdownWrite();
  // The bytes sent to the connection but not yet acknowledged by the
  // server's kernel (SIOCOUTQ).
  int Unacknowledged() const;
  void Close();

 private:
  // Reads more into buffer_ before `deadline`; false on close, error or
  // timeout.
  bool Fill(std::chrono::steady_clock::time_point deadline);

  int fd_ = -1;
  std::string buffer_;  // Received, not yet returned.
  std::string error_;
};

// The bytes in the receive queue of the server's end of the TCP connection
// from local port `client_port` to `server_port` on 127.0.0.1, from
// /proc/net/tcp: 0 once the server process has read all that the client
// sent. nullopt if there is no such connection.
std::optional<std::uint64_t> ServerReceiveQueue(std::uint16_t server_port,
                                                std::uint16_t client_port);

}  // namespace dskv_test

#endif  // DSKV_TESTS_TOOLS_SERVE_TEST_UTIL_H_
