#include "tools/resp_server.h"

#include <fmt/format.h>
#include <sys/socket.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <condition_variable>
#include <cstring>
#include <future>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

namespace dskv::tool {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using ErrorCode = boost::system::error_code;
using Clock = std::chrono::steady_clock;

// A connection's read buffer: the bytes received and not yet parsed are
// [begin, end). Memory is kept from one read to the next; it grows for a
// large command and shrinks again once it has been parsed.
class ReadBuffer {
 public:
  static constexpr std::size_t kInitial = 16 << 10;

  std::string_view Pending() const {
    return std::string_view(data_.get() + begin_, end_ - begin_);
  }
  void Consume(std::size_t n) { begin_ += n; }

  // Makes room to read after the pending bytes, at least enough for a
  // command of `needed` bytes that starts at begin: the parser's offsets
  // into it stay valid, as they count from its start.
  asio::mutable_buffer Space(std::size_t needed) {
    if (begin_ == end_) begin_ = end_ = 0;
    const std::size_t pending = end_ - begin_;
    // A command announced as large is read in steps, not allocated at
    // once: a client that never sends it holds no more than it sent.
    const std::size_t want =
        std::max(std::min(needed, pending + kStep), pending + kInitial / 4);
    if (begin_ > 0 && capacity_ - begin_ < want) {
      std::memmove(data_.get(), data_.get() + begin_, pending);
      begin_ = 0;
      end_ = pending;
    }
    if (capacity_ - begin_ < want || (pending == 0 && capacity_ > kLarge)) {
      Reallocate(std::max(want, pending == 0 ? kInitial : 2 * capacity_));
    }
    return asio::buffer(data_.get() + end_, capacity_ - end_);
  }
  void Filled(std::size_t n) { end_ += n; }

 private:
  static constexpr std::size_t kLarge = 1 << 20;
  static constexpr std::size_t kStep = 4 << 20;

  void Reallocate(std::size_t capacity) {
    auto data = std::make_unique_for_overwrite<char[]>(capacity);
    std::memcpy(data.get(), data_.get() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
    data_ = std::move(data);
    capacity_ = capacity;
  }

  std::unique_ptr<char[]> data_ =
      std::make_unique_for_overwrite<char[]>(kInitial);
  std::size_t capacity_ = kInitial;
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
};

// Replies past this are written before more commands are run.
constexpr std::size_t kMaxPendingReplies = 1 << 20;

}  // namespace

class RespServer::Impl {
 public:
  Impl(RespCommands& commands, Options options)
      : commands_(commands), options_(std::move(options)) {
    const std::size_t threads = std::max<std::size_t>(1, options_.threads);
    for (std::size_t i = 0; i < threads; ++i) {
      workers_.push_back(std::make_unique<Worker>());
    }
    acceptor_.emplace(workers_[0]->io);
    accept_retry_.emplace(workers_[0]->io);
  }

  ~Impl() { Stop(); }

  absl::Status Listen() {
    ErrorCode ec;
    const asio::ip::address address =
        asio::ip::make_address(options_.address, ec);
    if (ec) {
      return absl::InvalidArgumentError(
          fmt::format("--resp: {:?} is not an IP address", options_.address));
    }
    const tcp::endpoint endpoint(address, options_.port);
    for (const auto& step : {
             +[](tcp::acceptor&a, const tcp::endpoint&e, ErrorCode&c) {
               a.open(e.protocol(), c);
             },
             +[](tcp::acceptor&a, const tcp::endpoint&, ErrorCode&c) {
               a.set_option(asio::socket_base::reuse_address(true), c);
             },
             +[](tcp::acceptor&a, const tcp::endpoint&e, ErrorCode&c) {
               a.bind(e, c);
             },
             +[](tcp::acceptor&a, const tcp::endpoint&, ErrorCode&c) {
               a.listen(asio::socket_base::max_listen_connections, c);
             },
         }) {
      step(*acceptor_, endpoint, ec);
      if (ec) {
        return absl::UnavailableError(
            fmt::format("--resp: cannot listen on {}:{}: {}", options_.address,
                        options_.port, ec.message()));
      }
    }
    port_ = acceptor_->local_endpoint().port();
    Accept();
    for (const std::unique_ptr<Worker>& worker : workers_) {
      Sweep(*worker);
      worker->thread = std::thread([&io = worker->io] { io.run(); });
    }
    running_ = true;
    return absl::OkStatus();
  }

  std::uint16_t port() const { return port_; }

  void Stop() {
    if (stopping_.exchange(true) || !running_) return;
    std::promise<void> closed;
    asio::post(workers_[0]->io, [&] {
      ErrorCode ignored;
      acceptor_->close(ignored);
      accept_retry_->cancel();
      closed.set_value();
    });
    closed.get_future().wait();
    for (const std::unique_ptr<Worker>& worker : workers_) {
      asio::post(worker->io, [&worker = *worker] {
        for (const std::shared_ptr<Connection>& connection :
             worker.connections) {
          // One writing closes once its replies are written.
          connection->closing = true;
          if (!connection->writing) {
            ErrorCode ignored;
            connection->socket.cancel(ignored);
          }
        }
        worker.sweep.cancel();
      });
    }
    {
      std::unique_lock lock(mu_);
      all_closed_.wait(lock, [&] { return open_ == 0; });
    }
    for (const std::unique_ptr<Worker>& worker : workers_) {
      worker->work.reset();
      worker->io.stop();
      worker->thread.join();
    }
  }

 private:
  static constexpr std::int64_t kNoDeadline =
      std::numeric_limits<std::int64_t>::max();

  struct Connection;

  // A thread and its io_context, and the connections that live there
  // (used on that thread only).
  struct Worker {
    asio::io_context io{1};
    asio::steady_timer sweep{io};
    std::optional<asio::executor_work_guard<asio::io_context::executor_type>>
        work{io.get_executor()};
    std::unordered_set<std::shared_ptr<Connection>> connections;
    std::thread thread;
  };

  struct Connection {
    Connection(tcp::socket s, Worker& w, std::unique_ptr<RespSession> state,
               const RespParser::Limits& limits)
        : socket(std::move(s)),
          worker(w),
          session(std::move(state)),
          parser(limits) {}

    tcp::socket socket;
    Worker& worker;
    std::unique_ptr<RespSession> session;
    RespParser parser;
    ReadBuffer in;
    std::size_t needed = 0;  // The parser's, for the next read.
    std::string out;
    // When the pending read or write has waited too long, in
    // steady_clock nanoseconds; kNoDeadline while none is pending.
    std::int64_t deadline = kNoDeadline;
    bool writing = false;
    bool closing = false;  // After the replies are written.
  };

  static std::int64_t NowNs() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               Clock::now().time_since_epoch())
        .count();
  }

  void StartDeadline(Connection& connection) const {
    connection.deadline =
        NowNs() + std::chrono::duration_cast<std::chrono::nanoseconds>(
                      options_.idle_timeout)
                      .count();
  }

  // On the worker's thread, every sweep interval: ends the reads and
  // writes past their deadline; their handlers close the connection. (One
  // timer for all, not one per operation: see tools/http_server.cc.)
  void Sweep(Worker& worker) {
    const std::int64_t now = NowNs();
    for (const std::shared_ptr<Connection>& connection : worker.connections) {
      if (connection->deadline <= now) {
        ErrorCode ignored;
        connection->socket.cancel(ignored);
      }
    }
    worker.sweep.expires_after(std::clamp<std::chrono::milliseconds>(
        options_.idle_timeout / 8, std::chrono::milliseconds(10),
        std::chrono::milliseconds(1000)));
    worker.sweep.async_wait([this, &worker](ErrorCode ec) {
      if (!ec && !stopping_) Sweep(worker);
    });
  }

  // On worker 0's thread, which holds the acceptor.
  void Accept() {
    Worker& worker = *workers_[next_worker_];
    next_worker_ = (next_worker_ + 1) % workers_.size();
    acceptor_->async_accept(
        worker.io, [this, &worker](ErrorCode ec, tcp::socket socket) {
          if (stopping_ || ec == asio::error::operation_aborted) return;
          if (ec) {
            // Out of descriptors, say: give connections time to close.
            accept_retry_->expires_after(std::chrono::milliseconds(10));
            accept_retry_->async_wait([this](ErrorCode ec) {
              if (!ec && !stopping_) Accept();
            });
            return;
          }
          Admit(std::move(socket), worker);
          Accept();
        });
  }

  void Admit(tcp::socket socket, Worker& worker) {
    RespShared& shared = commands_.shared();
    {
      std::lock_guard lock(mu_);
      if (open_ >= options_.max_connections) {
        constexpr std::string_view kFull =
            "-ERR max number of clients reached\r\n";
        // Best effort, never blocking: a new socket's buffer has room.
        ::send(socket.native_handle(), kFull.data(), kFull.size(),
               MSG_DONTWAIT | MSG_NOSIGNAL);
        ErrorCode ignored;
        socket.close(ignored);
        return;
      }
      ++open_;
    }
    ++shared.connected_clients;
    ++shared.total_connections;
    ErrorCode ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    auto connection = std::make_shared<Connection>(
        std::move(socket), worker, commands_.NewSession(), options_.limits);
    asio::post(worker.io, [this, connection] {
      connection->worker.connections.insert(connection);
      if (stopping_) connection->closing = true;
      Read(connection);
    });
  }

  void Read(const std::shared_ptr<Connection>& connection) {
    if (connection->closing) return Close(connection);
    StartDeadline(*connection);
    connection->socket.async_read_some(
        connection->in.Space(connection->needed),
        [this, connection](ErrorCode ec, std::size_t n) {
          connection->deadline = kNoDeadline;
          if (ec) return Close(connection);
          connection->in.Filled(n);
          Process(connection);
        });
  }

  // Runs every complete command in the buffer, then writes their replies
  // in one go, or reads more.
  void Process(const std::shared_ptr<Connection>& connection) {
    Connection& c = *connection;
    while (!c.closing && c.out.size() < kMaxPendingReplies) {
      std::size_t consumed = 0;
      const RespParser::Result result =
          c.parser.Parse(c.in.Pending(), &consumed);
      c.in.Consume(consumed);
      if (result == RespParser::Result::kNeedMore) {
        c.needed = c.parser.needed();
        break;
      }
      if (result == RespParser::Result::kError) {
        commands_.Flush(*c.session, c.out);
        resp::Error(c.out, fmt::format("ERR {}", c.parser.error()));
        c.closing = true;
        break;
      }
      c.needed = 0;
      if (!commands_.ExecutePipelined(*c.session, c.parser.args(), c.out)) {
        c.closing = true;
      }
    }
    commands_.Flush(*c.session, c.out);
    if (!c.out.empty()) return Write(connection);
    Read(connection);
  }

  void Write(const std::shared_ptr<Connection>& connection) {
    connection->writing = true;
    StartDeadline(*connection);
    asio::async_write(connection->socket, asio::buffer(connection->out),
                      [this, connection](ErrorCode ec, std::size_t) {
                        Connection& c = *connection;
                        c.deadline = kNoDeadline;
                        c.writing = false;
                        if (c.out.capacity() > kMaxPendingReplies * 4) {
                          std::string().swap(c.out);
                        } else {
                          c.out.clear();
                        }
                        if (ec || c.closing) return Close(connection);
                        Process(connection);
                      });
  }

  // On the connection's worker thread.
  void Close(const std::shared_ptr<Connection>& connection) {
    ErrorCode ignored;
    connection->socket.shutdown(tcp::socket::shutdown_both, ignored);
    connection->socket.close(ignored);
    if (connection->worker.connections.erase(connection) == 0) return;
    --commands_.shared().connected_clients;
    std::lock_guard lock(mu_);
    --open_;
    all_closed_.notify_all();
  }

  RespCommands& commands_;
  const Options options_;
  // Destroyed last: every Asio object below belongs to one of them.
  std::vector<std::unique_ptr<Worker>> workers_;
  std::optional<tcp::acceptor> acceptor_;           // On worker 0.
  std::optional<asio::steady_timer> accept_retry_;  // On worker 0.
  std::size_t next_worker_ = 0;                     // On worker 0.
  std::uint16_t port_ = 0;
  bool running_ = false;  // The threads run (Listen succeeded).
  std::atomic<bool> stopping_{false};

  std::mutex mu_;
  std::condition_variable all_closed_;
  std::size_t open_ = 0;  // Connections admitted and not closed.
};

absl::StatusOr<std::unique_ptr<RespServer>> RespServer::Start(
    RespCommands& commands, Options options) {
  auto impl = std::make_unique<Impl>(commands, std::move(options));
  if (absl::Status s = impl->Listen(); !s.ok()) return s;
  return std::unique_ptr<RespServer>(new RespServer(std::move(impl)));
}

RespServer::RespServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

RespServer::~RespServer() { Stop(); }

std::uint16_t RespServer::port() const { return impl_->port(); }

void RespServer::Stop() { impl_->Stop(); }

}  // namespace dskv::tool
