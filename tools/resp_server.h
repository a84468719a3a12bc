// The transport of `dskv serve --resp`: RESP2 over TCP on Boost.Asio
// (docs/resp.md). Options::threads threads each run an io_context of their
// own, and each connection lives on one of them, handed out in turn: a
// connection's reads, commands and writes never cross threads, so the
// server takes no lock per command. A read parses every complete command
// in the buffer (tools/resp_protocol.h), runs each (tools/resp_commands.h)
// and appends its reply to one output buffer, written at once: pipelined
// commands cost one read and one write per batch.
//
// Limits: Options::max_connections (the next gets "-ERR max number of
// clients reached" and is closed), Options::idle_timeout for a connection
// that sends nothing (or does not read its replies), and the parser's
// limits; a protocol error is answered, then the connection is closed.

#ifndef DSKV_TOOLS_RESP_SERVER_H_
#define DSKV_TOOLS_RESP_SERVER_H_

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "tools/resp_commands.h"
#include "tools/resp_protocol.h"

namespace dskv::tool {

class RespServer {
 public:
  struct Options {
    std::string address = "127.0.0.1";
    std::uint16_t port = 6379;  // 0: any free port (see port()).
    std::size_t max_connections = 1024;
    std::chrono::milliseconds idle_timeout{60'000};
    std::size_t threads = std::max(1u, std::thread::hardware_concurrency());
    RespParser::Limits limits;
  };

  // Listens on the address and serves `commands`, which must outlive the
  // server, until Stop. InvalidArgument for an address that is not an IP
  // address; Unavailable if it cannot listen (the port is taken, say).
  static absl::StatusOr<std::unique_ptr<RespServer>> Start(
      RespCommands& commands, Options options);
  // Stops, as Stop does.
  ~RespServer();

  std::uint16_t port() const;

  // Stops accepting connections, closes every connection (one writing
  // replies once they are written), and returns once all are closed and
  // the threads have ended. Idempotent.
  void Stop();

 private:
  class Impl;
  explicit RespServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace dskv::tool

#endif  // DSKV_TOOLS_RESP_SERVER_H_
