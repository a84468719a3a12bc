// RedisServer and WaitUntil; RedisCluster is in redis_cluster.cc.

#include "tests/redis/redis_servers.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "tests/tools/serve_test_util.h"

namespace dskv_test {
namespace {

using Clock = std::chrono::steady_clock;

// Redis Cluster's bus listens on the client port plus this.
constexpr int kBusPortOffset = 10000;
// How many ports Start tries before it gives up.
constexpr int kPortAttempts = 5;

// Whether a socket can bind 127.0.0.1:`port` now (0: any port); the port
// it got, or 0.
std::uint16_t BindLoopback(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof address;
  std::uint16_t bound = 0;
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&address), size) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) == 0) {
    bound = ntohs(address.sin_port);
  }
  ::close(fd);
  return bound;
}

// A port P that the kernel would give out now and whose bus port P + 10000
// is free too. Both are closed again before the server binds them, so
// another process may take one meanwhile: Start retries then.
absl::StatusOr<std::uint16_t> PickPort() {
  for (int attempt = 0; attempt < 100; ++attempt) {
    const std::uint16_t port = BindLoopback(0);
    if (port == 0) {
      return absl::InternalError(
          absl::StrCat("bind 127.0.0.1:0: ", std::strerror(errno)));
    }
    if (port + kBusPortOffset <= 65535 &&
        BindLoopback(static_cast<std::uint16_t>(port + kBusPortOffset)) != 0) {
      return port;
    }
  }
  return absl::ResourceExhaustedError(
      "no free port P with P + 10000 free on 127.0.0.1");
}

// The bytes of a log; empty if there is none yet.
std::string FileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

absl::Status WaitUntil(std::chrono::milliseconds timeout,
                       const std::function<absl::Status()>& check) {
  const Clock::time_point deadline = Clock::now() + timeout;
  while (true) {
    absl::Status status = check();
    if (!absl::IsUnavailable(status)) return status;
    if (Clock::now() >= deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("still not after ", timeout.count(),
                       " ms: ", std::string(status.message())));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

absl::StatusOr<std::unique_ptr<RedisServer>> RedisServer::Start(
    const RedisServerOptions& options) {
  absl::StatusOr<ScratchDir> dir =
      ScratchDir::Make(options.parent_dir, "redis.");
  if (!dir.ok()) return dir.status();
  std::unique_ptr<RedisServer> server(
      new RedisServer(*std::move(dir), options));
  absl::Status launched;
  for (int attempt = 0; attempt < kPortAttempts; ++attempt) {
    absl::StatusOr<std::uint16_t> port = PickPort();
    if (!port.ok()) return port.status();
    server->port_ = *port;
    launched = server->Launch();
    if (!absl::IsAborted(launched)) break;
  }
  if (!launched.ok()) return launched;
  return server;
}

RedisServer::~RedisServer() { Stop().IgnoreError(); }

absl::Status RedisServer::Launch() {
  absl::StatusOr<std::string> program = FindProgram("redis-server");
  if (!program.ok()) return program.status();
  const std::string log = dir() + "/redis.log";
  // Where this run's lines start: a restart appends to the same log.
  const std::size_t log_start = FileBytes(log).size();
  const std::pair<const char*, std::string> flags[] = {
      {"--port", absl::StrCat(port_)},
      {"--bind", "127.0.0.1"},
      {"--dir", dir()},
      {"--save", ""},
      {"--appendonly", options_.appendonly ? "yes" : "no"},
      {"--appendfsync", options_.appendfsync},
      {"--daemonize", "no"},
      {"--logfile", log},
      // A master otherwise waits 5 s for more replicas before it streams
      // its data to a new one: cluster creation would take that much
      // longer.
      {"--repl-diskless-sync-delay", "0"},
  };
  std::vector<std::string> argv = {*program};
  for (const auto& [flag, value] : flags) {
    argv.push_back(flag);
    argv.push_back(value);
  }
  argv.insert(argv.end(), options_.extra_args.begin(),
              options_.extra_args.end());
  absl::StatusOr<ChildProcess> process =
      ChildProcess::Start(argv, dir() + "/stderr.log");
  if (!process.ok()) return Annotate(process.status());
  process_.emplace(*std::move(process));

  const absl::Status ready = WaitUntil(kRedisStartTimeout, [&] {
    if (absl::StatusOr<int> exit = process_->Wait(std::chrono::milliseconds(0));
        exit.ok()) {
      const std::string ended = "redis-server ended with " +
                                DescribeWaitStatus(*exit) + " before PING";
      if (FileBytes(log).find("Address already in use", log_start) !=
          std::string::npos) {
        return absl::AbortedError(ended + ": another process took a port");
      }
      return absl::InternalError(ended);
    }
    absl::StatusOr<std::string> pong = RedisString(address(), {"PING"});
    if (pong.ok() && *pong == "PONG") return absl::OkStatus();
    // Refused before it listens, LOADING while it reads its files.
    return absl::UnavailableError(pong.ok() ? *pong : pong.status().ToString());
  });
  if (ready.ok()) return ready;
  process_.reset();  // Kills it if it is still starting.
  return Annotate(ready);
}

absl::Status RedisServer::Stop() {
  if (!running()) return absl::OkStatus();
  absl::StatusOr<int> exit = process_->Stop(kRedisStopTimeout);
  if (!exit.ok()) return Annotate(exit.status());
  if (!WIFEXITED(*exit) || WEXITSTATUS(*exit) != 0) {
    return Annotate(absl::InternalError("redis-server ended with " +
                                        DescribeWaitStatus(*exit) +
                                        " after SIGTERM"));
  }
  return absl::OkStatus();
}

void RedisServer::Kill() {
  if (running()) process_->Kill();
}

absl::Status RedisServer::Restart() {
  if (running()) {
    return Annotate(absl::FailedPreconditionError("still running"));
  }
  return Launch();
}

std::string RedisServer::LogTail(int lines) const {
  const std::string log = FileBytes(dir() + "/redis.log");
  std::size_t start = log.size();
  // Back over `lines` newlines, not counting the final one.
  if (start > 0 && log[start - 1] == '\n') --start;
  for (int i = 0; i < lines && start > 0; ++i) {
    const std::size_t newline = log.rfind('\n', start - 1);
    start = newline == std::string::npos ? 0 : newline;
  }
  return log.substr(start == 0 ? 0 : start + 1);
}

absl::Status RedisServer::Annotate(const absl::Status& status) const {
  std::string text = absl::StrCat("redis-server on port ", port_, ": ",
                                  std::string(status.message()));
  const std::string errors = FileBytes(dir() + "/stderr.log");
  if (!errors.empty()) absl::StrAppend(&text, "\nstderr:\n", errors);
  absl::StrAppend(&text, "\nend of redis.log:\n", LogTail());
  return absl::Status(status.code(), text);
}

}  // namespace dskv_test
