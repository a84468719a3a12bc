#include "tools/http_server.h"

#include <fmt/format.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cerrno>
#include <condition_variable>
#include <cstdint>
#include <future>
#include <limits>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
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

// A connected, non-blocking socket read and written as if it blocked:
// readv(2) and sendmsg(2), and on EAGAIN a poll(2) that gives up after the
// idle timeout. A Beast SyncReadStream and SyncWriteStream, for the parts
// of a request served on a thread of their own (a body still to come, a
// sync): such a thread may wait as long as the client or the disk takes.
class BlockingStream {
 public:
  BlockingStream(int fd, std::chrono::milliseconds timeout)
      : fd_(fd),
        timeout_ms_(static_cast<int>(std::min<std::int64_t>(
            timeout.count(), std::numeric_limits<int>::max()))) {}

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
      if (!Retry(POLLIN, ec)) return 0;
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
      if (!Retry(POLLOUT, ec)) return 0;
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

  // After a failed call (errno): whether to try again, having waited for
  // the socket to be ready; if not, `ec` says why.
  bool Retry(short events, beast::error_code& ec) const {
    if (errno == EINTR) return true;
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
      ec = beast::error_code(errno, beast::system_category());
      return false;
    }
    pollfd ready{.fd = fd_, .events = events, .revents = 0};
    while (true) {
      const int n = ::poll(&ready, 1, timeout_ms_);
      if (n > 0) return true;  // Ready, or an error the call will report.
      if (n == 0) {
        ec = asio::error::timed_out;
        return false;
      }
      if (errno != EINTR) {
        ec = beast::error_code(errno, beast::system_category());
        return false;
      }
    }
  }

  int fd_;
  int timeout_ms_;
};

std::string_view View(beast::string_view s) { return {s.data(), s.size()}; }

// Whether `ec` is BlockingStream's idle timeout passing.
bool TimedOut(const beast::error_code& ec) {
  return ec == asio::error::timed_out;
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
          "the chunked body passes the {} bytes this server takes for it "
          "(see --max-value-size)",
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

// The ApiRequest of the request whose header `parser` holds; it points into
// the parser.
ApiRequest RequestOf(const HeaderParser& parser) {
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
  return request;
}

// A response's bytes: its header block, and the body it points at.
struct ResponseBytes {
  std::string head;
  std::string_view body;

  ResponseBytes(const ApiResponse& response, bool keep_alive) {
    body = response.text;
    if (response.value.has_value()) {
      body = response.value->value().substr(response.offset, response.length);
    }
    head = HeaderBlock(response, body.size(), keep_alive);
    if (response.headers_only) body = {};
  }

  std::vector<asio::const_buffer> Buffers() const {
    std::vector<asio::const_buffer> buffers = {asio::buffer(head)};
    if (!body.empty())
      buffers.push_back(asio::buffer(body.data(), body.size()));
    return buffers;
  }
};

}  // namespace

// How a connection is served. Its header is read asynchronously, on the
// server's threads (Options::threads), with no thread waiting on an idle
// connection. A request that need not wait (a GET, or a write whose body
// came whole with its header, acknowledged from memory) is answered there
// too, and its response written asynchronously. Any other request (a body
// still to come, ?sync, --durability=sync: what may wait on the client or
// the disk) is handed to a thread of its own, which reads the body and
// writes the response with BlockingStream, then hands the connection back.
// A connection runs one request at a time, on its strand.
class HttpServer::Impl {
 public:
  Impl(HttpApi& api, Options options)
      : api_(api),
        options_(std::move(options)),
        io_(static_cast<int>(options_.threads)),
        acceptor_(asio::make_strand(io_)),
        sweep_timer_(asio::make_strand(io_)),
        work_(asio::make_work_guard(io_)) {}

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
    Accept();
    SweepIdle();
    for (std::size_t i = 0; i < options_.threads; ++i) {
      threads_.emplace_back([this] { io_.run(); });
    }
    return absl::OkStatus();
  }

  std::uint16_t port() const { return port_; }

  void Stop() {
    std::vector<std::shared_ptr<Session>> idle;
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      stopping_ = true;
      for (const std::shared_ptr<Session>& session : sessions_) {
        if (!session->busy) idle.push_back(session);
      }
    }
    // Closed first, so that a client that sees its idle connection closed
    // finds new ones refused.
    std::promise<void> acceptor_closed;
    asio::post(acceptor_.get_executor(), [this, &acceptor_closed] {
      beast::error_code ignored;
      acceptor_.close(ignored);
      acceptor_closed.set_value();
    });
    acceptor_closed.get_future().wait();
    // A connection waiting for its next request is closed; one serving a
    // request finishes it, and then closes.
    for (const std::shared_ptr<Session>& session : idle) {
      asio::post(session->socket.get_executor(),
                 [this, session] { CloseIfIdle(session); });
    }
    idle.clear();
    {
      std::unique_lock lock(mu_);
      closed_.wait(lock, [&] { return sessions_.empty() && !accepting_; });
    }
    // Every connection is closed, so every thread of its own has handed its
    // connection back and is ending.
    JoinFinishedThreads(/*all=*/true);
    work_.reset();
    io_.stop();
    for (std::thread& thread : threads_) thread.join();
    threads_.clear();
  }

 private:
  static constexpr std::int64_t kNoDeadline =
      std::numeric_limits<std::int64_t>::max();

  struct Session {
    explicit Session(tcp::socket s) : socket(std::move(s)) {}

    tcp::socket socket;  // Used on its strand, or by its own thread.
    // When its pending asynchronous read or write has waited too long
    // (Options::idle_timeout), in steady_clock nanoseconds; kNoDeadline
    // while none is pending. SweepIdle reads it from outside the strand.
    std::atomic<std::int64_t> deadline{kNoDeadline};
    beast::flat_buffer buffer;
    std::optional<HeaderParser> parser;
    // The response being written asynchronously, and its bytes.
    ApiResponse response;
    std::optional<ResponseBytes> bytes;
    bool keep_alive = false;
    bool busy = false;  // Serving a request; guarded by mu_.
  };

  static std::int64_t NowNs() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }

  // Called as an asynchronous read or write of the session starts. (One
  // timer for all connections, not one per operation: arming and
  // cancelling a timer around every read and write cost a fifth of the
  // requests a second.)
  void StartDeadline(Session& session) const {
    session.deadline =
        NowNs() + std::chrono::duration_cast<std::chrono::nanoseconds>(
                      options_.idle_timeout)
                      .count();
  }

  // Every sweep interval: ends the asynchronous operations that are past
  // their deadline; their handlers then close the connection.
  void SweepIdle() {
    std::vector<std::shared_ptr<Session>> late;
    {
      const std::int64_t now = NowNs();
      std::lock_guard lock(mu_);
      for (const std::shared_ptr<Session>& session : sessions_) {
        if (session->deadline.load() <= now) late.push_back(session);
      }
    }
    for (std::shared_ptr<Session>& session : late) {
      asio::post(session->socket.get_executor(), [session] {
        // On the strand: the operation may have completed meanwhile, and
        // another started with a new deadline.
        if (session->deadline.load() > NowNs()) return;
        beast::error_code ignored;
        session->socket.cancel(ignored);
      });
    }
    const auto interval = std::clamp<std::chrono::milliseconds>(
        options_.idle_timeout / 8, std::chrono::milliseconds(10),
        std::chrono::milliseconds(1000));
    sweep_timer_.expires_after(interval);
    sweep_timer_.async_wait([this](beast::error_code ec) {
      if (!ec) SweepIdle();
    });
  }

  void Accept() {
    acceptor_.async_accept(asio::make_strand(io_),
                           [this](beast::error_code ec, tcp::socket socket) {
                             OnAccept(ec, std::move(socket));
                           });
  }

  void OnAccept(beast::error_code ec, tcp::socket socket) {
    std::unique_lock lock(mu_);
    if (stopping_ || ec == asio::error::operation_aborted) {
      accepting_ = false;
      closed_.notify_all();
      return;
    }
    if (ec) {
      // Out of descriptors, say: give connections time to close.
      lock.unlock();
      auto timer = std::make_shared<asio::steady_timer>(
          acceptor_.get_executor(), std::chrono::milliseconds(10));
      timer->async_wait([this, timer](beast::error_code) { Accept(); });
      return;
    }
    if (sessions_.size() >= options_.max_connections) {
      lock.unlock();
      Refuse(socket);
      Accept();
      return;
    }
    auto session = std::make_shared<Session>(std::move(socket));
    sessions_.insert(session);
    lock.unlock();
    beast::error_code ignored;
    session->socket.set_option(tcp::no_delay(true), ignored);
    session->socket.non_blocking(true, ignored);
    asio::dispatch(session->socket.get_executor(),
                   [this, session] { ReadHeader(session); });
    Accept();
  }

  // Answers a connection beyond Options::max_connections with 503.
  void Refuse(tcp::socket& socket) {
    const ApiResponse response = TextResponse(
        503, fmt::format("this server has {} connections open already "
                         "(--max-connections)",
                         options_.max_connections));
    beast::error_code ec;
    socket.non_blocking(true, ec);
    BlockingStream stream(socket.native_handle(), options_.idle_timeout);
    const ResponseBytes bytes(response, /*keep_alive=*/false);
    asio::write(stream, bytes.Buffers(), ec);
    socket.close(ec);
  }

  // On the session's strand: waits for its next request.
  void ReadHeader(const std::shared_ptr<Session>& session) {
    bool stopping;
    {
      std::lock_guard lock(mu_);
      session->busy = false;
      stopping = stopping_;
    }
    // Stop may have passed this connection over while it was busy.
    if (stopping) return Close(session);
    session->parser.emplace();
    session->parser->header_limit(
        static_cast<std::uint32_t>(options_.max_header_bytes));
    // Sizes are checked by the API, which answers 413.
    session->parser->body_limit(std::numeric_limits<std::uint64_t>::max());
    StartDeadline(*session);
    http::async_read_header(session->socket, session->buffer, *session->parser,
                            [this, session](beast::error_code ec, std::size_t) {
                              OnHeader(session, ec);
                            });
  }

  void OnHeader(const std::shared_ptr<Session>& session, beast::error_code ec) {
    session->deadline = kNoDeadline;
    if (ec) {
      BlockingStream socket(session->socket.native_handle(),
                            options_.idle_timeout);
      if (ec == http::error::header_limit) {
        WriteNow(socket,
                 TextResponse(431, fmt::format("the request's headers pass "
                                               "{} bytes",
                                               options_.max_header_bytes)),
                 false);
      } else if (ec != http::error::end_of_stream && ec != asio::error::eof &&
                 !TimedOut(ec) && ec != asio::error::operation_aborted &&
                 ec != asio::error::connection_reset &&
                 session->buffer.size() > 0) {
        WriteNow(socket,
                 TextResponse(
                     400, fmt::format("malformed request: {}", ec.message())),
                 false);
      }
      return Close(session);
    }
    {
      std::lock_guard lock(mu_);
      session->busy = true;
    }
    if (!MayWait(*session)) return AnswerHere(session);
    JoinFinishedThreads();
    std::lock_guard lock(mu_);
    // The thread holds the session until it hands it back. Joined, not
    // detached: what it releases as it ends (the session, its strand) must
    // go before Stop destroys the io_context.
    own_threads_.emplace_back([this, session]() mutable {
      AnswerOnOwnThread(std::move(session));
      std::lock_guard lock(mu_);
      finished_threads_.push_back(std::this_thread::get_id());
    });
  }

  // Joins the threads of AnswerOnOwnThread that have ended; all of them if
  // `all` (Stop, once every connection is closed: they are ending).
  void JoinFinishedThreads(bool all = false) {
    std::vector<std::thread> ended;
    {
      std::lock_guard lock(mu_);
      for (auto it = own_threads_.begin(); it != own_threads_.end();) {
        auto finished = std::find(finished_threads_.begin(),
                                  finished_threads_.end(), it->get_id());
        if (!all && finished == finished_threads_.end()) {
          ++it;
          continue;
        }
        if (finished != finished_threads_.end()) {
          finished_threads_.erase(finished);
        }
        ended.push_back(std::move(*it));
        it = own_threads_.erase(it);
      }
    }
    for (std::thread& thread : ended) thread.join();
  }

  // Whether answering the request may wait on the client or the disk.
  bool MayWait(Session& session) const {
    const HeaderParser& parser = *session.parser;
    if (api_.sync()) {
      const std::string_view method = View(parser.get().method_string());
      if (method != "GET" && method != "HEAD") return true;
    }
    // ?sync, or a parameter that looks like it: on a thread of its own, to
    // be safe; the API decides what it means.
    if (View(parser.get().target()).find("sync") != std::string_view::npos) {
      return true;
    }
    if (parser.chunked()) return true;
    const std::uint64_t body = parser.content_length().value_or(0);
    return body > session.buffer.size();
  }

  // On the session's strand, for a request whose body (if any) is in the
  // buffer already.
  void AnswerHere(const std::shared_ptr<Session>& session) {
    BlockingStream socket(session->socket.native_handle(),
                          options_.idle_timeout);
    session->response = Answer(*session, socket);
    session->bytes.emplace(session->response, session->keep_alive);
    StartDeadline(*session);
    asio::async_write(session->socket, session->bytes->Buffers(),
                      [this, session](beast::error_code ec, std::size_t) {
                        session->deadline = kNoDeadline;
                        session->bytes.reset();
                        session->response = {};
                        if (ec || !session->keep_alive) return Close(session);
                        ReadHeader(session);
                      });
  }

  // On a thread of the session's own.
  void AnswerOnOwnThread(std::shared_ptr<Session> session) {
    BlockingStream socket(session->socket.native_handle(),
                          options_.idle_timeout);
    bool open;
    {
      const ApiResponse response = Answer(*session, socket);
      open = WriteNow(socket, response, session->keep_alive) &&
             session->keep_alive;
    }
    // The handler takes this thread's reference to the session, and the
    // executor (a strand) is released here: the thread must hold nothing of
    // the io_context's once Stop may have destroyed it.
    auto executor = session->socket.get_executor();
    asio::post(executor, [this, open, session = std::move(session)] {
      if (open) {
        ReadHeader(session);
      } else {
        Close(session);
      }
    });
  }

  // Answers the request whose header the session's parser holds, reading
  // its body from `socket` if the API wants it; sets whether the
  // connection stays open after the response.
  ApiResponse Answer(Session& session, BlockingStream& socket) {
    HeaderParser& parser = *session.parser;
    const ApiRequest request = RequestOf(parser);
    const bool keep_alive_asked = parser.get().keep_alive();
    SocketBody body(socket, session.buffer, parser);
    ApiResponse response = api_.Handle(request, body);
    bool stopping;
    {
      // Read after the request is answered: one in flight when Stop came
      // says that it closes the connection.
      std::lock_guard lock(mu_);
      stopping = stopping_;
    }
    session.keep_alive = keep_alive_asked && !response.body_unread && !stopping;
    return response;
  }

  // Writes `response` at once; returns whether it could.
  bool WriteNow(BlockingStream& socket, const ApiResponse& response,
                bool keep_alive) {
    const ResponseBytes bytes(response, keep_alive);
    beast::error_code ec;
    asio::write(socket, bytes.Buffers(), ec);
    return !ec;
  }

  // On the session's strand.
  void CloseIfIdle(const std::shared_ptr<Session>& session) {
    {
      std::lock_guard lock(mu_);
      if (session->busy) return;  // It closes after its request.
    }
    // Ends its header read, which then closes it.
    beast::error_code ignored;
    session->socket.cancel(ignored);
  }

  // On the session's strand.
  void Close(const std::shared_ptr<Session>& session) {
    beast::error_code ignored;
    session->socket.shutdown(tcp::socket::shutdown_both, ignored);
    session->socket.close(ignored);
    std::lock_guard lock(mu_);
    sessions_.erase(session);
    closed_.notify_all();
  }

  HttpApi& api_;
  const Options options_;
  asio::io_context io_;
  tcp::acceptor acceptor_;          // On its strand.
  asio::steady_timer sweep_timer_;  // On its strand; see SweepIdle.
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::uint16_t port_ = 0;
  std::vector<std::thread> threads_;

  std::mutex mu_;
  std::condition_variable closed_;  // Signalled as connections close.
  bool stopping_ = false;
  bool accepting_ = true;  // Until the acceptor is closed.
  // The threads of AnswerOnOwnThread, and those of them that have ended
  // (their ids), to be joined.
  std::list<std::thread> own_threads_;
  std::vector<std::thread::id> finished_threads_;
  std::set<std::shared_ptr<Session>> sessions_;
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
