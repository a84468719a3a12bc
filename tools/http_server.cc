#include "tools/http_server.h"

#include <fmt/format.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>

#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cerrno>
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

// A connected socket read and written with blocking readv(2) and
// sendmsg(2), so that SO_RCVTIMEO and SO_SNDTIMEO bound every call: Asio's
// own blocking operations, on seeing EAGAIN, wait in poll(2) with no
// timeout. A Beast SyncReadStream and SyncWriteStream.
class BlockingStream {
 public:
  explicit BlockingStream(int fd) : fd_(fd) {}

  template <typename Buffers>
  std::size_t read_some(const Buffers& buffers, beast::error_code& ec) {
    std::array<iovec, kMaxPieces> iov;
    const int pieces = Gather<asio::mutable_buffer>(buffers, iov);
    ec = {};
    if (pieces == 0) return 0;
    while (true) {
      const ssize_t n = ::readv(fd_, iov.data(), pieces);
      if (n > 0) return static_cast<std::size_t>(n);
      if (n == 0) {
        ec = asio::error::eof;
        return 0;
      }
      if (errno != EINTR) {
        ec = ErrorOf(errno);
        return 0;
      }
    }
  }

  template <typename Buffers>
  std::size_t write_some(const Buffers& buffers, beast::error_code& ec) {
    std::array<iovec, kMaxPieces> iov;
    msghdr message{};
    message.msg_iov = iov.data();
    message.msg_iovlen =
        static_cast<std::size_t>(Gather<asio::const_buffer>(buffers, iov));
    ec = {};
    if (message.msg_iovlen == 0) return 0;
    while (true) {
      // MSG_NOSIGNAL: a peer that went away is an error, not SIGPIPE.
      const ssize_t n = ::sendmsg(fd_, &message, MSG_NOSIGNAL);
      if (n >= 0) return static_cast<std::size_t>(n);
      if (errno != EINTR) {
        ec = ErrorOf(errno);
        return 0;
      }
    }
  }

  // The throwing forms the concepts ask for; never called here.
  template <typename Buffers>
  std::size_t read_some(const Buffers& buffers) {
    beast::error_code ec;
    const std::size_t n = read_some(buffers, ec);
    if (ec) throw beast::system_error(ec);
    return n;
  }
  template <typename Buffers>
  std::size_t write_some(const Buffers& buffers) {
    beast::error_code ec;
    const std::size_t n = write_some(buffers, ec);
    if (ec) throw beast::system_error(ec);
    return n;
  }

 private:
  static constexpr int kMaxPieces = 16;

  template <typename Buffer, typename Buffers>
  static int Gather(const Buffers& buffers,
                    std::array<iovec, kMaxPieces>& iov) {
    int pieces = 0;
    for (auto it = asio::buffer_sequence_begin(buffers);
         it != asio::buffer_sequence_end(buffers) && pieces < kMaxPieces;
         ++it) {
      const Buffer buffer(*it);
      if (buffer.size() == 0) continue;
      iov[pieces++] = {
          const_cast<void*>(static_cast<const void*>(buffer.data())),
          buffer.size()};
    }
    return pieces;
  }

  static beast::error_code ErrorOf(int error) {
    if (error == EAGAIN || error == EWOULDBLOCK) return asio::error::timed_out;
    return beast::error_code(error, beast::system_category());
  }

  int fd_;
};

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
  SocketBody(BlockingStream& socket, beast::flat_buffer& buffer,
             HeaderParser& header)
      : socket_(socket), buffer_(buffer), header_(header) {}

  absl::Status ReadInto(absl::Span<char> out) override {
    if (absl::Status s = Continue(); !s.ok()) return s;
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
    if (absl::Status s = Continue(); !s.ok()) return s;
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
  // A client that sent "Expect: 100-continue" waits for this before it
  // sends the body; the API asks for the body only once it accepted the
  // request.
  absl::Status Continue() {
    const auto expect = header_.get().find(http::field::expect);
    if (expect == header_.get().end() ||
        !beast::iequals(expect->value(), "100-continue")) {
      return absl::OkStatus();
    }
    constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    beast::error_code ec;
    asio::write(socket_, asio::buffer(kContinue.data(), kContinue.size()), ec);
    if (ec) return ReadError(ec, 0);
    return absl::OkStatus();
  }

  static absl::Status ReadError(const beast::error_code& ec,
                                std::uint64_t read) {
    if (TimedOut(ec)) {
      return absl::DeadlineExceededError(fmt::format(
          "the body stalled after {} bytes (--idle-timeout)", read));
    }
    return absl::InvalidArgumentError(fmt::format(
        "the body broke off after {} bytes: {}", read, ec.message()));
  }

  BlockingStream& socket_;
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
    BlockingStream stream(socket.native_handle());
    beast::error_code ec;
    asio::write(stream,
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
    tcp::socket& tcp_socket = connection->socket;
    SetTimeouts(tcp_socket);
    beast::error_code ec;
    tcp_socket.set_option(tcp::no_delay(true), ec);
    BlockingStream socket(tcp_socket.native_handle());
    beast::flat_buffer buffer;
    bool open = true;
    while (open) {
      HeaderParser parser;
      parser.header_limit(
          static_cast<std::uint32_t>(options_.max_header_bytes));
      // Sizes are checked by the API, which answers 413.
      parser.body_limit(std::numeric_limits<std::uint64_t>::max());
      http::read_header(socket, buffer, parser, ec);
      {
        std::lock_guard lock(mu_);
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
      open = Answer(socket, buffer, parser);
      std::lock_guard lock(mu_);
      connection->busy = false;
      // Stop may have passed this connection over while it was busy, after
      // Answer looked: it would not be woken from its next read.
      if (stopping_) open = false;
    }
    // Closed under mu_, so that Stop never shuts down a descriptor that is
    // closed already, and perhaps reused.
    std::lock_guard lock(mu_);
    tcp_socket.shutdown(tcp::socket::shutdown_both, ec);
    tcp_socket.close(ec);
    connections_.erase(connection);
    delete connection;
    closed_.notify_all();
  }

  // Answers the request whose header `parser` holds; returns whether the
  // connection stays open.
  bool Answer(BlockingStream& socket, beast::flat_buffer& buffer,
              HeaderParser& parser) {
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
    bool stopping;
    {
      // Read after the request is answered: one in flight when Stop came
      // says that it closes the connection.
      std::lock_guard lock(mu_);
      stopping = stopping_;
    }
    const bool keep_alive =
        keep_alive_asked && !response.body_unread && !stopping;
    return Write(socket, response, keep_alive) && keep_alive;
  }

  // Writes `response`; returns whether it could.
  static bool Write(BlockingStream& socket, const ApiResponse& response,
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
