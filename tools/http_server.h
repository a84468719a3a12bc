// The transport of `dskv serve`: HTTP/1.1 over TCP, parsed by Boost.Beast
// on Boost.Asio. Options::threads threads wait on every connection at once
// and answer the requests that need not wait (reads; writes whose body came
// with the header, acknowledged from memory); a request that may wait on
// the client or the disk (a body still to come, a sync) gets a thread of
// its own while it runs. Each request goes to an HttpApi; a value is
// written from the store's memory, and a PUT's body is read straight into
// it (HttpApi's BodySource). Keep-alive and pipelined requests are served
// in order.
//
// Limits against slow or hostile clients: headers of at most
// Options::max_header_bytes (431 beyond), at most Options::max_connections
// connections (503 to the next), and Options::idle_timeout for every read
// and write (the connection is closed when it passes).

#ifndef DSKV_TOOLS_HTTP_SERVER_H_
#define DSKV_TOOLS_HTTP_SERVER_H_

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "tools/http_api.h"

namespace dskv::tool {

class HttpServer {
 public:
  struct Options {
    std::string address = "127.0.0.1";
    std::uint16_t port = 3000;  // 0: any free port (see port()).
    std::size_t max_connections = 1024;
    std::chrono::milliseconds idle_timeout{60'000};
    std::size_t max_header_bytes = 16 << 10;
    // Threads that wait on the connections and answer what need not wait.
    std::size_t threads = std::max(1u, std::thread::hardware_concurrency());
  };

  // Listens on the address and serves `api`, which must outlive the server,
  // until Stop. InvalidArgument for an address that is not an IP address;
  // the system's error (e.g. the port is taken) if it cannot listen.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(HttpApi& api,
                                                           Options options);
  // Stops, as Stop does.
  ~HttpServer();

  // The port it listens on.
  std::uint16_t port() const;

  // Stops accepting connections, answers the requests in flight (then
  // closes their connections), closes idle connections, and returns once
  // every connection is closed. Idempotent.
  void Stop();

 private:
  class Impl;
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace dskv::tool

#endif  // DSKV_TOOLS_HTTP_SERVER_H_
