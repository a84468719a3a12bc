#include "tools/http_server.h"

#include <fmt/format.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <condition_variable>
#include <limits>
#include <mutex>
#include <set>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace dskv::tool {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

using HeaderParser = http::request_parser<http::empty_body>;

std::string_view View(beast::string_view s) { return {s.data(), s.size()}; }

// Whether `ec`, from a blocking read or write, is the socket's timeout
// (SO_RCVTIMEO, SO_SNDTIMEO) passing.
bool TimedOut(const beast::error_code& ec) {
  return ec == asio::error::would_block || ec == asio::error::try_again ||
         ec == asio::error::timed_out;
}

// The body of the request whose header `header` parsed, read from `socket`
// behind what `buffer` already holds.
class SocketBody : public BodySource {
 public:
  SocketBody(tcp::socket& socket, beast::flat_buffer& buffer,
             HeaderParser& header)
      : socket_(socket), buffer_(buffer), header_(header) {}

  absl::Status ReadInto(absl::Span<char> out) override {
    http::request_parser<http::buffer_body> parser(std::move(header_));
    parser.get().body().data = out.data();
    parser.get().body().size = out.size();
    parser.get().body().more = true;
    while (!parser.is_done()) {
      beast::error_code ec;
      http::read(socket_, buffer_, parser, ec);
      if (ec == http::error::need_buffer) {
        if (parser.get().body().size == 0 && !parser.is_done()) {
          return absl::InvalidArgumentError(
              "the body is longer than its Content-Length");
        }
        continue;
      }
      if (ec) return ReadError(ec, out.size() - parser.get().body().size);
    }
    if (parser.get().body().size != 0) {
      return absl::InvalidArgumentError(
          "the body is shorter than its Content-Length");
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::string> ReadAll(std::uint64_t limit) override {
    http::request_parser<http::string_body> parser(std::move(header_));
    parser.body_limit(limit);
    beast::error_code ec;
    http::read(socket_, buffer_, parser, ec);
    if (ec == http::error::body_limit) {
      return absl::ResourceExhaustedError(fmt::format(
          "the chunked body is larger than this server takes ({} bytes, "
          "--max-value-size)",
          limit));
    }
    if (ec) return ReadError(ec, parser.get().body().size());
    return std::move(parser.get().body());
  }

 private:
  static absl::Status ReadError(const beast::error_code& ec,
                                std::uint64_t read) {
    if (TimedOut(ec)) {
      return absl::DeadlineExceededError(fmt::format(
          "the body stalled after {} bytes (--idle-timeout)", read));
    }
    return absl::InvalidArgumentError(fmt::format(
        "the body broke off after {} bytes: {}", read, ec.message()));
  }

  tcp::socket& socket_;
  beast::flat_buffer& buffer_;
  HeaderParser& header_;
};

// The response's header block.
std::string HeaderBlock(const ApiResponse& response, std::uint64_t body_size,
                        bool keep_alive) {
  std::string head = fmt::format(
      "HTTP/1.1 {} {}\r\nServer: dskv\r\n", response.status,
      View(http::obsolete_reason(static_cast<http::status>(response.status))));
  for (const auto& [name, value] : response.headers) {
    head += fmt::format("{}: {}\r\n", name, value);
  }
  // 204 and 304 have no body and say nothing of its length.
  if (response.status != 204 && response.status != 304) {
    head += fmt::format("Content-Length: {}\r\n", body_size);
  }
  if (!keep_alive) head += "Connection: close\r\n";
  head += "\r\n";
  return head;
}

}  // namespace

class HttpServer::Impl {
 public:
  Impl(HttpApi& api, Options options)
      : api_(api), options_(std::move(options)), acceptor_(io_) {}

  absl::Status Listen() {
    beast::error_code ec;
    const asio::ip::address address =
        asio::ip::make_address(options_.address, ec);
    if (ec) {
      return absl::InvalidArgumentError(
          fmt::format("--listen: {:?} is not an IP address", options_.address));
    }
    const tcp::endpoint endpoint(address, options_.port);
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return absl::UnavailableError(fmt::format("cannot listen on {}:{}: {}",
                                                options_.address, options_.port,
                                                ec.message()));
    }
    port_ = acceptor_.local_endpoint().port();
    accept_thread_ = std::thread([this] { AcceptLoop(); });
    return absl::OkStatus();
  }

  std::uint16_t port() const { return port_; }

  void Stop() {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      stopping_ = true;
    }
    // Wakes the blocked accept.
    ::shutdown(acceptor_.native_handle(), SHUT_RDWR);
    accept_thread_.join();
    beast::error_code ignored;
    acceptor_.close(ignored);
    std::unique_lock lock(mu_);
    for (Connection* connection : connections_) {
      // A connection waiting for its next request reads end-of-stream at
      // once; one serving a request finishes it, and then closes.
      if (!connection->busy) {
        ::shutdown(connection->socket.native_handle(), SHUT_RD);
      }
    }
    closed_.wait(lock, [&] { return connections_.empty(); });
  }

 private:
  struct Connection {
    explicit Connection(tcp::socket s) : socket(std::move(s)) {}
    tcp::socket socket;
    bool busy = false;  // Serving a request; guarded by mu_.
  };

  void AcceptLoop() {
    while (true) {
      tcp::socket socket(io_);
      beast::error_code ec;
      acceptor_.accept(socket, ec);
      std::unique_lock lock(mu_);
      if (stopping_) return;
      if (ec) {
        // Out of descriptors, say: give connections time to close.
        closed_.wait_for(lock, std::chrono::milliseconds(10));
        continue;
      }
      if (connections_.size() >= options_.max_connections) {
        lock.unlock();
        Refuse(socket);
        continue;
      }
      auto* connection = new Connection(std::move(socket));
      connections_.insert(connection);
      lock.unlock();
      std::thread([this, connection] { Serve(connection); }).detach();
    }
  }

  // Answers a connection beyond Options::max_connections with 503.
  void Refuse(tcp::socket& socket) {
    const ApiResponse response = TextResponse(
        503, fmt::format("this server has {} connections open already "
                         "(--max-connections)",
                         options_.max_connections));
    const std::string head =
        HeaderBlock(response, response.text.size(), /*keep_alive=*/false);
    SetTimeouts(socket);
    beast::error_code ec;
    asio::write(socket,
                std::vector{asio::buffer(head), asio::buffer(response.text)},
                ec);
    socket.close(ec);
  }

  void SetTimeouts(tcp::socket& socket) const {
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                        options_.idle_timeout)
                        .count();
    const timeval timeout{.tv_sec = static_cast<time_t>(us / 1'000'000),
                          .tv_usec = static_cast<suseconds_t>(us % 1'000'000)};
    ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout,
                 sizeof timeout);
    ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &timeout,
                 sizeof timeout);
  }

  void Serve(Connection* connection) {
    tcp::socket& socket = connection->socket;
    SetTimeouts(socket);
    beast::error_code ec;
    socket.set_option(tcp::no_delay(true), ec);
    beast::flat_buffer buffer;
    bool open = true;
    while (open) {
      HeaderParser parser;
      parser.header_limit(
          static_cast<std::uint32_t>(options_.max_header_bytes));
      // Sizes are checked by the API, which answers 413.
      parser.body_limit(std::numeric_limits<std::uint64_t>::max());
      http::read_header(socket, buffer, parser, ec);
      bool stopping;
      {
        std::lock_guard lock(mu_);
        stopping = stopping_;
        connection->busy = !ec;
      }
      if (ec) {
        if (ec == http::error::header_limit) {
          Write(socket,
                TextResponse(431, fmt::format("the request's headers pass "
                                              "{} bytes",
                                              options_.max_header_bytes)),
                false);
        } else if (ec != http::error::end_of_stream && ec != asio::error::eof &&
                   !TimedOut(ec) && ec != asio::error::connection_reset &&
                   buffer.size() > 0) {
          Write(socket,
                TextResponse(
                    400, fmt::format("malformed request: {}", ec.message())),
                false);
        }
        break;
      }
      open = Answer(socket, buffer, parser, stopping);
      std::lock_guard lock(mu_);
      connection->busy = false;
      if (stopping_) open = false;
    }
    socket.shutdown(tcp::socket::shutdown_both, ec);
    socket.close(ec);
    std::lock_guard lock(mu_);
    connections_.erase(connection);
    delete connection;
    closed_.notify_all();
  }

  // Answers the request whose header `parser` holds; returns whether the
  // connection stays open.
  bool Answer(tcp::socket& socket, beast::flat_buffer& buffer,
              HeaderParser& parser, bool stopping) {
    const auto& header = parser.get();
    ApiRequest request;
    request.method = View(header.method_string());
    request.target = View(header.target());
    if (auto f = header.find(http::field::if_none_match); f != header.end()) {
      request.if_none_match = View(f->value());
    }
    if (auto f = header.find(http::field::range); f != header.end()) {
      request.range = View(f->value());
    }
    request.chunked = parser.chunked();
    if (parser.content_length().has_value()) {
      request.content_length = *parser.content_length();
    }
    const bool keep_alive_asked = header.keep_alive();
    SocketBody body(socket, buffer, parser);
    const ApiResponse response = api_.Handle(request, body);
    const bool keep_alive =
        keep_alive_asked && !response.body_unread && !stopping;
    return Write(socket, response, keep_alive) && keep_alive;
  }

  // Writes `response`; returns whether it could.
  static bool Write(tcp::socket& socket, const ApiResponse& response,
                    bool keep_alive) {
    std::string_view body = response.text;
    if (response.value.has_value()) {
      body = response.value->value().substr(response.offset, response.length);
    }
    const std::string head = HeaderBlock(response, body.size(), keep_alive);
    std::vector<asio::const_buffer> buffers = {asio::buffer(head)};
    if (!response.headers_only && !body.empty()) {
      buffers.push_back(asio::buffer(body.data(), body.size()));
    }
    beast::error_code ec;
    asio::write(socket, buffers, ec);
    return !ec;
  }

  HttpApi& api_;
  const Options options_;
  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  std::thread accept_thread_;

  std::mutex mu_;
  std::condition_variable closed_;  // Signalled as connections close.
  bool stopping_ = false;
  std::set<Connection*> connections_;
};

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(HttpApi& api,
                                                              Options options) {
  auto impl = std::make_unique<Impl>(api, std::move(options));
  if (absl::Status s = impl->Listen(); !s.ok()) return s;
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() { Stop(); }

std::uint16_t HttpServer::port() const { return impl_->port(); }

void HttpServer::Stop() { impl_->Stop(); }

}  // namespace dskv::tool
