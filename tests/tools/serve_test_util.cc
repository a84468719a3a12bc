#include "tests/tools/serve_test_util.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "gtest/gtest.h"
#include "tests/tools/tool_test_util.h"

extern char** environ;

namespace dskv_test {
namespace {

using Clock = std::chrono::steady_clock;

std::string FileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

// Parses a header block ("HTTP/1.1 200 OK\r\nName: value\r\n...", without
// the blank line) into `response`; false if it is not one.
bool ParseHead(std::string_view head, HttpResponse& response) {
  const std::size_t line_end = std::min(head.find("\r\n"), head.size());
  const std::string_view status_line = head.substr(0, line_end);
  if (!status_line.starts_with("HTTP/1.") || status_line.size() < 12) {
    return false;
  }
  const std::string_view code = status_line.substr(9, 3);
  if (std::from_chars(code.data(), code.data() + 3, response.status).ec !=
      std::errc()) {
    return false;
  }
  response.headers.clear();
  std::size_t at = line_end + 2;
  while (at < head.size()) {
    const std::size_t end = std::min(head.find("\r\n", at), head.size());
    const std::string_view line = head.substr(at, end - at);
    at = end + 2;
    if (line.empty()) continue;
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) return false;
    response.headers.emplace_back(std::string(line.substr(0, colon)),
                                  std::string(Trim(line.substr(colon + 1))));
  }
  return true;
}

}  // namespace

std::string Printable(std::string_view bytes, std::size_t limit) {
  std::string out;
  for (std::size_t i = 0; i < bytes.size() && i < limit; ++i) {
    const unsigned char c = static_cast<unsigned char>(bytes[i]);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x20 || c >= 0x7f) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    } else {
      out += static_cast<char>(c);
    }
  }
  if (bytes.size() > limit) {
    out += "... (" + std::to_string(bytes.size()) + " bytes)";
  }
  return out;
}

std::optional<std::string> HttpResponse::Header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (EqualsIgnoringCase(n, name)) return v;
  }
  return std::nullopt;
}

bool HttpResponse::Closes() const {
  const std::optional<std::string> connection = Header("Connection");
  return connection.has_value() && EqualsIgnoringCase(*connection, "close");
}

std::ostream& operator<<(std::ostream& os, const HttpResponse& response) {
  os << "status " << response.status << "\n";
  for (const auto& [name, value] : response.headers) {
    os << "  " << name << ": " << value << "\n";
  }
  return os << "  body: \"" << Printable(response.body, 200) << "\"";
}

std::string DescribeWaitStatus(int status) {
  if (WIFEXITED(status)) {
    return "exit code " + std::to_string(WEXITSTATUS(status));
  }
  if (WIFSIGNALED(status)) {
    return std::string("signal ") + strsignal(WTERMSIG(status));
  }
  return "wait status " + std::to_string(status);
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  if (stdout_fd_ >= 0) ::close(stdout_fd_);
}

std::optional<SpawnedChild> SpawnWithStdoutPipe(
    const std::vector<std::string>& argv, const std::string& stderr_path,
    const SpawnOptions& options, std::string* error) {
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) {
    *error = std::string("pipe: ") + std::strerror(errno);
    return std::nullopt;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null",
                                   O_RDONLY, 0);
  // dup2 clears close-on-exec on the copy the child gets.
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, stderr_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (!options.work_dir.empty()) {
    posix_spawn_file_actions_addchdir_np(&actions, options.work_dir.c_str());
  }
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  if (options.own_process_group) {
    posix_spawnattr_setflags(&attributes,
                             POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF);
    posix_spawnattr_setpgroup(&attributes, 0);
    sigset_t default_signals;
    sigemptyset(&default_signals);
    sigaddset(&default_signals, SIGPIPE);
    posix_spawnattr_setsigdefault(&attributes, &default_signals);
  }
  // posix_spawn takes char*, but changes nothing.
  auto pointers = [](const std::vector<std::string>& strings) {
    std::vector<char*> result;
    for (const std::string& s : strings) {
      result.push_back(const_cast<char*>(s.c_str()));
    }
    result.push_back(nullptr);
    return result;
  };
  std::vector<char*> args = pointers(argv);
  std::vector<char*> env;
  if (options.env.has_value()) env = pointers(*options.env);
  SpawnedChild child;
  const int failed =
      ::posix_spawn(&child.pid, args[0], &actions, &attributes, args.data(),
                    options.env.has_value() ? env.data() : environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  ::close(out[1]);
  if (failed != 0) {
    ::close(out[0]);
    *error = "posix_spawn " + argv[0] + ": " + std::strerror(failed);
    return std::nullopt;
  }
  child.stdout_fd = out[0];
  return child;
}

void ServerProcess::Start(const std::string& store_dir,
                          const std::vector<std::string>& flags,
                          const std::string& stderr_path) {
  ASSERT_LT(pid_, 0) << "the server is running already";
  // A test writing to a connection the server closed must see EPIPE, not die.
  ::signal(SIGPIPE, SIG_IGN);
  stderr_path_ = stderr_path;
  std::vector<std::string> args = {ToolPath(), "serve", "--listen=127.0.0.1:0"};
  args.insert(args.end(), flags.begin(), flags.end());
  args.push_back(store_dir);
  std::string error;
  const std::optional<SpawnedChild> child =
      SpawnWithStdoutPipe(args, stderr_path, {}, &error);
  ASSERT_TRUE(child.has_value()) << error;
  pid_ = child->pid;
  stdout_fd_ = child->stdout_fd;

  // Reads its stdout up to its "listening on" lines: one, or two with
  // --resp.
  const bool resp = std::any_of(
      flags.begin(), flags.end(),
      [](const std::string& flag) { return flag.starts_with("--resp="); });
  const std::size_t lines = resp ? 2 : 1;
  const Clock::time_point deadline = Clock::now() + kServeTimeout;
  std::string out;
  while (static_cast<std::size_t>(std::count(out.begin(), out.end(), '\n')) <
         lines) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - Clock::now());
    ASSERT_GT(left.count(), 0)
        << "dskv serve printed no line within " << kServeTimeout.count()
        << " s; stdout so far: \"" << out << "\"; stderr: " << Stderr();
    pollfd p{stdout_fd_, POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    ASSERT_GE(ready, 0) << std::strerror(errno);
    if (ready == 0) continue;
    char bytes[512];
    const ssize_t n = ::read(stdout_fd_, bytes, sizeof bytes);
    if (n < 0 && errno == EINTR) continue;
    ASSERT_GE(n, 0) << std::strerror(errno);
    if (n == 0) {
      const std::optional<int> status = Wait();
      FAIL() << "dskv serve exited before it listened ("
             << (status.has_value() ? DescribeWaitStatus(*status) : "?")
             << "); stdout: \"" << out << "\"; stderr: " << Stderr();
    }
    out.append(bytes, static_cast<std::size_t>(n));
  }
  const std::size_t first_end = out.find('\n');
  ASSERT_NO_FATAL_FAILURE(
      ReadPort(std::string_view(out).substr(0, first_end),
               "dskv serve: listening on http://127.0.0.1:", &port_));
  if (resp) {
    const std::string_view second = std::string_view(out).substr(
        first_end + 1, out.find('\n', first_end + 1) - first_end - 1);
    ASSERT_NO_FATAL_FAILURE(ReadPort(
        second, "dskv serve: listening on redis://127.0.0.1:", &resp_port_));
  }
}

void ServerProcess::ReadPort(std::string_view line, std::string_view prefix,
                             std::uint16_t* port) {
  ASSERT_TRUE(line.starts_with(prefix)) << "unexpected line: " << line;
  const std::string_view text = line.substr(prefix.size());
  unsigned number = 0;
  const auto [end, ec] =
      std::from_chars(text.data(), text.data() + text.size(), number);
  ASSERT_TRUE(ec == std::errc() && end == text.data() + text.size() &&
              number > 0 && number <= 65535)
      << "no port in: " << line;
  *port = static_cast<std::uint16_t>(number);
}

void ServerProcess::Reap() {
  pid_ = -1;
  if (stdout_fd_ >= 0) ::close(std::exchange(stdout_fd_, -1));
}

std::string ServerProcess::Url(std::string_view target) const {
  return "http://127.0.0.1:" + std::to_string(port_) + std::string(target);
}

void ServerProcess::Signal(int signal) {
  ASSERT_GT(pid_, 0) << "the server is not running";
  ASSERT_EQ(::kill(pid_, signal), 0) << std::strerror(errno);
}

std::optional<int> ServerProcess::Wait(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return std::nullopt;
  const Clock::time_point deadline = Clock::now() + timeout;
  while (true) {
    int status = 0;
    const pid_t done = ::waitpid(pid_, &status, WNOHANG);
    if (done == pid_) {
      Reap();
      return status;
    }
    if (done < 0 && errno != EINTR) {
      ADD_FAILURE() << "waitpid: " << std::strerror(errno);
      return std::nullopt;
    }
    if (Clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

int ServerProcess::Stop() {
  if (pid_ <= 0) {
    ADD_FAILURE() << "the server is not running";
    return -1;
  }
  ::kill(pid_, SIGTERM);
  const std::optional<int> status = Wait();
  if (!status.has_value()) {
    ADD_FAILURE() << "dskv serve did not exit within " << kServeTimeout.count()
                  << " s of SIGTERM; killing it. stderr: " << Stderr();
    Kill();
    return -1;
  }
  EXPECT_TRUE(WIFEXITED(*status))
      << "dskv serve ended by " << DescribeWaitStatus(*status)
      << " after SIGTERM; stderr: " << Stderr();
  return WIFEXITED(*status) ? WEXITSTATUS(*status) : -1;
}

void ServerProcess::Kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  Reap();
}

std::string ServerProcess::Stderr() const {
  return "\"" + FileBytes(stderr_path_) + "\"";
}

HttpResponse Curl(const std::string& scratch_dir,
                  const std::vector<std::string>& args) {
  static std::atomic<int> counter{0};
  const std::string base =
      scratch_dir + "/curl" + std::to_string(counter.fetch_add(1));
  const std::string body_path = base + ".body";
  const std::string head_path = base + ".head";
  const std::string out_path = base + ".out";
  const std::string err_path = base + ".err";
  std::vector<std::string> all = {"curl",    "-s", "-S",          "--max-time",
                                  "60",      "-o", body_path,     "-D",
                                  head_path, "-w", "%{http_code}"};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& arg : all) argv.push_back(arg.data());
  argv.push_back(nullptr);

  HttpResponse response;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null",
                                   O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = -1;
  const int error =
      ::posix_spawnp(&pid, "curl", &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (error != 0) {
    ADD_FAILURE() << "cannot run curl: " << std::strerror(error);
    return response;
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  std::string command;
  for (const std::string& arg : args) command += " '" + arg + "'";
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    ADD_FAILURE() << "curl" << command
                  << " failed: " << DescribeWaitStatus(status) << "; "
                  << FileBytes(err_path);
  }
  const std::string code = FileBytes(out_path);
  response.status = std::atoi(code.c_str());
  // The last header block: curl writes one per response, interim (100
  // Continue) ones first.
  const std::string heads = FileBytes(head_path);
  std::size_t start = 0;
  for (std::size_t at = 0; (at = heads.find("HTTP/", at)) != std::string::npos;
       ++at) {
    if (at == 0 || heads.compare(at - 2, 2, "\r\n") == 0) start = at;
  }
  std::string head = heads.substr(start);
  while (head.ends_with("\r\n")) head.resize(head.size() - 2);
  HttpResponse parsed;
  if (!ParseHead(head, parsed)) {
    ADD_FAILURE() << "curl" << command << ": no header block in \""
                  << Printable(heads, 400) << "\"";
  }
  EXPECT_EQ(parsed.status, response.status)
      << "curl" << command << ": the header block and %{http_code} differ";
  response.headers = std::move(parsed.headers);
  response.body = FileBytes(body_path);
  return response;
}

std::string Request(std::string_view method, std::string_view target,
                    std::optional<std::string_view> body,
                    std::string_view extra_headers) {
  std::string request = std::string(method) + " " + std::string(target) +
                        " HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
                        std::string(extra_headers);
  if (body.has_value()) {
    request += "Content-Length: " + std::to_string(body->size()) + "\r\n";
  }
  request += "\r\n";
  if (body.has_value()) request += *body;
  return request;
}

HttpConnection::HttpConnection(std::uint16_t port) {
  ::signal(SIGPIPE, SIG_IGN);
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) {
    error_ = std::string("socket: ") + std::strerror(errno);
    return;
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int result;
  do {
    result = ::connect(fd_, reinterpret_cast<const sockaddr*>(&address),
                       sizeof address);
  } while (result < 0 && errno == EINTR);
  if (result < 0) {
    error_ = std::string("connect: ") + std::strerror(errno);
    Close();
    return;
  }
  const int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

HttpConnection::~HttpConnection() { Close(); }

void HttpConnection::Close() {
  if (fd_ >= 0) ::close(std::exchange(fd_, -1));
}

std::uint16_t HttpConnection::local_port() const {
  sockaddr_in address{};
  socklen_t size = sizeof address;
  if (fd_ < 0 ||
      ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &size) != 0) {
    return 0;
  }
  return ntohs(address.sin_port);
}

bool HttpConnection::Send(std::string_view bytes) {
  if (fd_ < 0) {
    error_ = "not connected";
    return false;
  }
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      error_ = std::string("send: ") + std::strerror(errno);
      return false;
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

bool HttpConnection::Fill(Clock::time_point deadline) {
  if (fd_ < 0) {
    error_ = "not connected";
    return false;
  }
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - Clock::now());
    if (left.count() <= 0) {
      error_ = "timed out";
      return false;
    }
    pollfd p{fd_, POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) {
      error_ = std::string("poll: ") + std::strerror(errno);
      return false;
    }
    if (ready == 0) continue;
    char bytes[65536];
    const ssize_t n = ::recv(fd_, bytes, sizeof bytes, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      error_ = std::string("recv: ") + std::strerror(errno);
      return false;
    }
    if (n == 0) {
      error_ = "closed by the server";
      return false;
    }
    buffer_.append(bytes, static_cast<std::size_t>(n));
    return true;
  }
}

std::optional<HttpResponse> HttpConnection::Read(
    bool head, std::chrono::milliseconds timeout) {
  const Clock::time_point deadline = Clock::now() + timeout;
  std::size_t end;
  while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) {
    if (!Fill(deadline)) {
      error_ += " after " + std::to_string(buffer_.size()) +
                " bytes of a header: \"" + Printable(buffer_, 200) + "\"";
      return std::nullopt;
    }
  }
  HttpResponse response;
  if (!ParseHead(std::string_view(buffer_).substr(0, end), response)) {
    error_ = "not a response: \"" + Printable(buffer_, 200) + "\"";
    return std::nullopt;
  }
  buffer_.erase(0, end + 4);
  const bool bodyless = head || response.status == 204 ||
                        response.status == 304 || response.status < 200;
  if (bodyless) return response;
  const std::optional<std::string> length = response.Header("Content-Length");
  if (!length.has_value()) {
    // Delimited by the end of the connection.
    while (Fill(deadline)) {
    }
    if (error_ != "closed by the server") return std::nullopt;
    response.body = std::exchange(buffer_, "");
    return response;
  }
  const std::size_t size = std::strtoull(length->c_str(), nullptr, 10);
  while (buffer_.size() < size) {
    if (!Fill(deadline)) {
      error_ += " after " + std::to_string(buffer_.size()) + " of " +
                std::to_string(size) + " bytes of a body";
      return std::nullopt;
    }
  }
  response.body = buffer_.substr(0, size);
  buffer_.erase(0, size);
  return response;
}

std::optional<HttpResponse> HttpConnection::Exchange(std::string_view request,
                                                     bool head) {
  if (!Send(request)) return std::nullopt;
  return Read(head);
}

bool HttpConnection::WaitClosed(std::chrono::milliseconds timeout,
                                std::string* received) {
  const Clock::time_point deadline = Clock::now() + timeout;
  while (Fill(deadline)) {
  }
  if (received != nullptr) *received = buffer_;
  buffer_.clear();
  return error_ != "timed out";
}

void HttpConnection::ShutdownWrite() {
  if (fd_ >= 0) ::shutdown(fd_, SHUT_WR);
}

int HttpConnection::Unacknowledged() const {
  int bytes = 0;
  if (fd_ < 0 || ::ioctl(fd_, SIOCOUTQ, &bytes) != 0) return -1;
  return bytes;
}

std::optional<std::uint64_t> ServerReceiveQueue(std::uint16_t server_port,
                                                std::uint16_t client_port) {
  std::ifstream in("/proc/net/tcp");
  std::string line;
  std::getline(in, line);  // The column names.
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string slot, local, remote, state, queues;
    fields >> slot >> local >> remote >> state >> queues;
    const std::size_t local_colon = local.find(':');
    const std::size_t remote_colon = remote.find(':');
    const std::size_t queue_colon = queues.find(':');
    if (local_colon == std::string::npos || remote_colon == std::string::npos ||
        queue_colon == std::string::npos) {
      continue;
    }
    if (std::strtoul(local.c_str() + local_colon + 1, nullptr, 16) !=
            server_port ||
        std::strtoul(remote.c_str() + remote_colon + 1, nullptr, 16) !=
            client_port) {
      continue;
    }
    return std::strtoull(queues.c_str() + queue_colon + 1, nullptr, 16);
  }
  return std::nullopt;
}

void ServeTestBase::StartServer(const std::vector<std::string>& flags) {
  ASSERT_NO_FATAL_FAILURE(server_.Start(
      store_dir(), flags,
      dir() + "/server" + std::to_string(++servers_) + ".stderr"));
}

void ServeTestBase::StopServer() {
  EXPECT_EQ(server_.Stop(), 0) << "stderr: " << server_.Stderr();
}

}  // namespace dskv_test
