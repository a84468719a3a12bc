// thrasher: W workers each PUT a random key, GET it back and compare, then
// DELETE it, until COUNT such triples are done; prints the triples per
// second. The workload of minikeyvalue's thrasher (published: 102/s),
// written afresh for dskv serve, whose keys live in a collection.
//
//   thrasher --url=http://127.0.0.1:3000 [--workers=16] [--count=10000]
//            [--collection=bench]
//
// Every answer is checked: PUT 201 or 204, GET 200 with the body just put,
// DELETE 204. The first mismatch is printed and the program exits 1, so a
// fast but wrong server does not pass as a fast one.

#include <fmt/format.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct Settings {
  std::string host;
  std::string port;
  int workers = 16;
  std::int64_t count = 10000;
  std::string collection = "bench";
};

constexpr std::string_view kUsage =
    "usage: thrasher --url=http://HOST:PORT [--workers=16] [--count=10000] "
    "[--collection=bench]\n";

std::optional<std::int64_t> ParsePositive(std::string_view text) {
  std::int64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || value < 1) return std::nullopt;
  return value;
}

// Parses argv by hand: the flags are few, and absl's flags library is not
// among the system libraries the build wraps.
std::optional<Settings> ParseArgs(int argc, char** argv) {
  Settings settings;
  bool have_url = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const std::size_t eq = arg.find('=');
    const std::string_view name = arg.substr(0, eq);
    const std::string_view value =
        eq == std::string_view::npos ? std::string_view() : arg.substr(eq + 1);
    if (name == "--help" || name == "-h") {
      fmt::print("{}", kUsage);
      std::exit(0);
    } else if (name == "--url") {
      // Only plain http://HOST:PORT: the benchmark talks to loopback, and a
      // path prefix would only hide a mistake.
      constexpr std::string_view kScheme = "http://";
      if (value.substr(0, kScheme.size()) != kScheme) {
        fmt::print(stderr, "thrasher: --url must start with http://\n");
        return std::nullopt;
      }
      std::string_view authority = value.substr(kScheme.size());
      if (!authority.empty() && authority.back() == '/') {
        authority.remove_suffix(1);
      }
      const std::size_t colon = authority.rfind(':');
      if (colon == std::string_view::npos || colon == 0 ||
          colon + 1 == authority.size() ||
          authority.find('/') != std::string_view::npos) {
        fmt::print(stderr, "thrasher: --url must be http://HOST:PORT\n");
        return std::nullopt;
      }
      settings.host = std::string(authority.substr(0, colon));
      settings.port = std::string(authority.substr(colon + 1));
      have_url = true;
    } else if (name == "--workers" || name == "--count") {
      std::optional<std::int64_t> number = ParsePositive(value);
      if (!number.has_value() || (name == "--workers" && *number > 4096)) {
        fmt::print(stderr, "thrasher: {} must be a positive number, not {:?}\n",
                   name, value);
        return std::nullopt;
      }
      if (name == "--workers") {
        settings.workers = static_cast<int>(*number);
      } else {
        settings.count = *number;
      }
    } else if (name == "--collection") {
      if (value.empty() || value.find('/') != std::string_view::npos) {
        fmt::print(stderr, "thrasher: --collection must be a name, not {:?}\n",
                   value);
        return std::nullopt;
      }
      settings.collection = std::string(value);
    } else {
      fmt::print(stderr, "thrasher: unknown flag {:?}\n{}", arg, kUsage);
      return std::nullopt;
    }
  }
  if (!have_url) {
    fmt::print(stderr, "thrasher: --url is required\n{}", kUsage);
    return std::nullopt;
  }
  return settings;
}

// State the workers share: the next triple to claim, and whether any
// worker has failed (then the others stop early, and the run fails).
struct Shared {
  Shared(const Settings& settings, tcp::resolver::results_type endpoints)
      : settings(settings), endpoints(std::move(endpoints)) {}

  const Settings& settings;
  tcp::resolver::results_type endpoints;
  std::atomic<std::int64_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex print_mutex;

  // Prints the first failure only: once one worker fails the others
  // usually fail too (their server went away), which says nothing more.
  void Fail(const std::string& message) {
    if (failed.exchange(true)) return;
    std::lock_guard<std::mutex> lock(print_mutex);
    fmt::print(stderr, "thrasher: {}\n", message);
  }
};

// One keep-alive connection and the requests sent on it, synchronously:
// the thrasher measures request round trips, one outstanding per worker,
// as minikeyvalue's does.
class Worker {
 public:
  Worker(Shared& shared, int id)
      : shared_(shared), id_(id), socket_(io_), rng_(std::random_device()()) {}

  ~Worker() { Close(); }

  void Run() {
    while (!shared_.failed.load(std::memory_order_relaxed)) {
      const std::int64_t i =
          shared_.next.fetch_add(1, std::memory_order_relaxed);
      if (i >= shared_.settings.count) return;
      if (!Triple(i)) return;
    }
  }

 private:
  using Response = http::response<http::string_body>;

  // PUT, GET and compare, DELETE one fresh key. The key carries the worker
  // and triple numbers so that no two workers ever use the same key at
  // once (which would make a correct server look wrong); the random part
  // keeps keys unlike each other, as a real client's are.
  bool Triple(std::int64_t i) {
    const std::string target = fmt::format(
        "/{}/thr-{}-{}-{:016x}", shared_.settings.collection, id_, i, rng_());
    const std::string value = fmt::format("value-{}", rng_());

    std::optional<Response> put = Send(http::verb::put, target, value);
    if (!put.has_value()) return false;
    if (put->result() != http::status::created &&
        put->result() != http::status::no_content) {
      return Unexpected("PUT", target, *put, "201 or 204");
    }

    std::optional<Response> get = Send(http::verb::get, target, "");
    if (!get.has_value()) return false;
    if (get->result() != http::status::ok) {
      return Unexpected("GET", target, *get, "200");
    }
    if (get->body() != value) {
      shared_.Fail(fmt::format("GET {}: body {:?}, expected {:?}", target,
                               get->body(), value));
      return false;
    }

    std::optional<Response> del = Send(http::verb::delete_, target, "");
    if (!del.has_value()) return false;
    if (del->result() != http::status::no_content) {
      return Unexpected("DELETE", target, *del, "204");
    }
    return true;
  }

  // Beast names methods with Boost's string_view, which fmt cannot print.
  static std::string_view MethodName(http::verb verb) {
    const auto name = http::to_string(verb);
    return std::string_view(name.data(), name.size());
  }

  bool Unexpected(std::string_view method, const std::string& target,
                  const Response& response, std::string_view expected) {
    shared_.Fail(fmt::format("{} {}: status {}, expected {} (body {:?})",
                             method, target, response.result_int(), expected,
                             response.body()));
    return false;
  }

  // Sends one request and reads its answer, connecting first if there is
  // no open connection. A keep-alive connection that has already answered
  // may have been closed by the server meanwhile (an idle timeout); such a
  // request is sent once more on a new connection. Any other failure ends
  // the run: during a benchmark a server must not drop connections.
  std::optional<Response> Send(http::verb verb, const std::string& target,
                               const std::string& body) {
    http::request<http::string_body> request(verb, target, 11);
    request.set(http::field::host, shared_.settings.host);
    if (verb == http::verb::put) {
      request.set(http::field::content_type, "application/octet-stream");
      request.body() = body;
    }
    // Sets Content-Length for the PUT (also when the value is empty);
    // GET and DELETE carry no body and get no header.
    request.prepare_payload();

    for (int attempt = 0; attempt < 2; ++attempt) {
      if (!connected_ && !Connect()) return std::nullopt;
      beast::error_code ec;
      http::write(socket_, request, ec);
      Response response;
      if (!ec) http::read(socket_, buffer_, response, ec);
      if (!ec) {
        ++answered_;
        if (response.need_eof()) Close();  // The server closes it next.
        return response;
      }
      const bool stale =
          answered_ > 0 && attempt == 0 &&
          (ec == http::error::end_of_stream || ec == asio::error::eof ||
           ec == asio::error::connection_reset ||
           ec == asio::error::broken_pipe);
      Close();
      if (!stale) {
        shared_.Fail(
            fmt::format("{} {}: {}", MethodName(verb), target, ec.message()));
        return std::nullopt;
      }
    }
    return std::nullopt;
  }

  bool Connect() {
    beast::error_code ec;
    asio::connect(socket_, shared_.endpoints, ec);
    if (ec) {
      shared_.Fail(fmt::format("connect to {}:{}: {}", shared_.settings.host,
                               shared_.settings.port, ec.message()));
      return false;
    }
    // Small requests, each awaited before the next: Nagle's algorithm
    // would only add delay.
    socket_.set_option(tcp::no_delay(true), ec);
    connected_ = true;
    answered_ = 0;
    buffer_.clear();
    return true;
  }

  void Close() {
    beast::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    connected_ = false;
  }

  Shared& shared_;
  const int id_;
  asio::io_context io_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
  bool connected_ = false;
  // Requests answered on this connection: only one that has answered
  // before can have been closed as idle.
  int answered_ = 0;
  std::mt19937_64 rng_;
};

int Run(int argc, char** argv) {
  std::optional<Settings> settings = ParseArgs(argc, argv);
  if (!settings.has_value()) return 2;

  asio::io_context io;
  tcp::resolver resolver(io);
  beast::error_code ec;
  tcp::resolver::results_type endpoints =
      resolver.resolve(settings->host, settings->port, ec);
  if (ec) {
    fmt::print(stderr, "thrasher: resolve {}:{}: {}\n", settings->host,
               settings->port, ec.message());
    return 1;
  }
  Shared shared(*settings, std::move(endpoints));

  std::vector<std::unique_ptr<Worker>> workers;
  for (int w = 0; w < settings->workers; ++w) {
    workers.push_back(std::make_unique<Worker>(shared, w));
  }
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (auto& worker : workers) {
    threads.emplace_back([&worker] { worker->Run(); });
  }
  for (std::thread& thread : threads) thread.join();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  if (shared.failed.load()) return 1;

  const std::int64_t done = settings->count;
  fmt::print("thrasher: {} put/get/delete in {:.3f} s: {:.1f}/s\n", done,
             seconds, static_cast<double>(done) / seconds);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Asio's and Beast's calls above take error codes and do not throw, but
  // allocation and thread creation can; report those instead of letting
  // std::terminate abort without a word.
  try {
    return Run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "thrasher: %s\n", e.what());
    return 1;
  }
}
