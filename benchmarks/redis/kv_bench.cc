// kv_bench: what a dskv::KeyValue user's calls cost on one backend, so that
// the same program run on dskv:///dir, redis://... and redis-cluster://...
// shows what the network (and the server behind it) adds to each call.
//
// For each thread count T of --threads (default 1,4), T threads Put --keys
// keys (100-byte values, spread over --collections collections of their
// own), then Get them all back and compare each value. Then one thread
// Scans every collection written, in pages of --page, and one Flush makes
// it all as durable as the backend makes anything (docs/kv.md). Prints one
// CSV line a phase:
//
//   label,phase,threads,ops,seconds,ops_per_s,us_per_op
//
// where ops counts calls (Scan: members read, in pages of --page; Flush:
// 1) and us_per_op is the mean time of one call in one thread.
//
//   bazel build -c opt //benchmarks/redis:kv_bench
//   bazel-bin/benchmarks/redis/kv_bench --url=redis://127.0.0.1:6379/bench
//
// The keys must not exist yet (a fresh store or namespace): Puts are meant
// to insert. Exits 1 on any error or on a value that did not read back.

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstddef>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "dskv/kv.h"
#include "fmt/format.h"

namespace dskv::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct Flags {
  std::string url;
  std::string label;
  std::size_t keys = 20'000;
  std::size_t collections = 16;
  std::size_t value_size = 100;
  std::size_t page = 100;
  std::vector<std::size_t> threads = {1, 4};
};

[[noreturn]] void Die(std::string_view what, const absl::Status& status) {
  fmt::print(stderr, "kv_bench: {}: {}\n", what, status.ToString());
  std::exit(1);
}

[[noreturn]] void Usage(std::string_view problem) {
  fmt::print(stderr,
             "kv_bench: {}\n"
             "usage: kv_bench --url=URL [--label=NAME] [--keys=N] "
             "[--collections=N]\n"
             "                [--value_size=BYTES] [--page=N] "
             "[--threads=T,T,...]\n",
             problem);
  std::exit(2);
}

std::size_t ParseCount(std::string_view flag, std::string_view text) {
  std::size_t value = 0;
  const auto [end, error] =
      std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value == 0) {
    Usage(fmt::format("--{} takes a positive whole number, not {:?}", flag,
                      text));
  }
  return value;
}

Flags ParseFlags(int argc, char** argv) {
  Flags flags;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const std::size_t eq = arg.find('=');
    if (arg.substr(0, 2) != "--" || eq == std::string_view::npos) {
      Usage(fmt::format("unknown argument {:?}", arg));
    }
    const std::string_view name = arg.substr(2, eq - 2);
    const std::string_view value = arg.substr(eq + 1);
    if (name == "url") {
      flags.url = value;
    } else if (name == "label") {
      flags.label = value;
    } else if (name == "keys") {
      flags.keys = ParseCount(name, value);
    } else if (name == "collections") {
      flags.collections = ParseCount(name, value);
    } else if (name == "value_size") {
      flags.value_size = ParseCount(name, value);
    } else if (name == "page") {
      flags.page = ParseCount(name, value);
    } else if (name == "threads") {
      flags.threads.clear();
      for (std::string_view rest = value; !rest.empty();) {
        const std::size_t comma = std::min(rest.find(','), rest.size());
        flags.threads.push_back(ParseCount(name, rest.substr(0, comma)));
        rest.remove_prefix(std::min(comma + 1, rest.size()));
      }
      if (flags.threads.empty()) Usage("--threads is empty");
    } else {
      Usage(fmt::format("unknown flag --{}", name));
    }
  }
  if (flags.url.empty()) Usage("--url is required");
  if (flags.label.empty()) flags.label = flags.url;
  return flags;
}

// The keys of the run with `threads` threads live in collections of their
// own, so that every run's Puts insert rather than overwrite.
std::string Collection(std::size_t threads, std::size_t c) {
  return fmt::format("t{}c{:02}", threads, c);
}

std::string Key(const Flags& flags, std::size_t threads, std::size_t i) {
  return fmt::format("{}/m{:08}", Collection(threads, i % flags.collections),
                     i / flags.collections);
}

// The key itself, padded: a Get that returns another key's value is caught.
std::string Value(const Flags& flags, std::string_view key) {
  std::string value(key.substr(0, flags.value_size));
  value.resize(flags.value_size, 'v');
  return value;
}

void Report(const Flags& flags, std::string_view phase, std::size_t threads,
            std::size_t ops, double seconds) {
  fmt::print("{},{},{},{},{:.6f},{:.1f},{:.2f}\n", flags.label, phase, threads,
             ops, seconds, ops / seconds, seconds * 1e6 * threads / ops);
  std::fflush(stdout);
}

// Runs op(i) for every i < flags.keys on `threads` threads (thread t takes
// i = t, t + threads, ...), all starting together; returns the seconds from
// the start to the last thread's end. Dies on the first error.
template <typename Op>
double RunParallel(const Flags& flags, std::size_t threads,
                   std::string_view what, const Op& op) {
  std::atomic<bool> go{false};
  std::atomic<std::size_t> ready{0};
  std::vector<std::thread> workers;
  for (std::size_t t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      ready.fetch_add(1);
      while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
      for (std::size_t i = t; i < flags.keys; i += threads) {
        if (absl::Status s = op(i); !s.ok()) Die(what, s);
      }
    });
  }
  while (ready.load() < threads) std::this_thread::yield();
  const Clock::time_point start = Clock::now();
  go.store(true, std::memory_order_release);
  for (std::thread& worker : workers) worker.join();
  return std::chrono::duration<double>(Clock::now() - start).count();
}

void PutsAndGets(const Flags& flags, KeyValue& kv, std::size_t threads) {
  const double put_seconds =
      RunParallel(flags, threads, "put", [&](std::size_t i) {
        const std::string key = Key(flags, threads, i);
        return kv.Put(key, Value(flags, key));
      });
  Report(flags, "put", threads, flags.keys, put_seconds);
  const double get_seconds =
      RunParallel(flags, threads, "get", [&](std::size_t i) -> absl::Status {
        const std::string key = Key(flags, threads, i);
        absl::StatusOr<std::string> value = kv.Get(key);
        if (!value.ok()) return value.status();
        if (*value != Value(flags, key)) {
          return absl::DataLossError(key + " read back another value");
        }
        return absl::OkStatus();
      });
  Report(flags, "get", threads, flags.keys, get_seconds);
}

// Pages through every collection written; dies unless it reads every key.
void ScanAll(const Flags& flags, KeyValue& kv) {
  std::size_t members = 0;
  const Clock::time_point start = Clock::now();
  for (const std::size_t threads : flags.threads) {
    for (std::size_t c = 0; c < flags.collections; ++c) {
      ScanOptions options{.limit = flags.page};
      do {
        absl::StatusOr<ScanPage> page =
            kv.Scan(Collection(threads, c), options);
        if (!page.ok()) Die("scan", page.status());
        members += page->items.size();
        options.start = std::move(page->next);
      } while (!options.start.empty());
    }
  }
  const double seconds =
      std::chrono::duration<double>(Clock::now() - start).count();
  if (members != flags.keys * flags.threads.size()) {
    Die("scan",
        absl::DataLossError(fmt::format("read {} members, expected {}", members,
                                        flags.keys * flags.threads.size())));
  }
  Report(flags, "scan", 1, members, seconds);
}

int Main(int argc, char** argv) {
  const Flags flags = ParseFlags(argc, argv);
  absl::StatusOr<std::unique_ptr<KeyValue>> kv = OpenKeyValue(flags.url);
  if (!kv.ok()) Die("open " + flags.url, kv.status());
  for (const std::size_t threads : flags.threads) {
    PutsAndGets(flags, **kv, threads);
  }
  ScanAll(flags, **kv);
  const Clock::time_point start = Clock::now();
  if (absl::Status s = (*kv)->Flush(); !s.ok()) Die("flush", s);
  Report(flags, "flush", 1, 1,
         std::chrono::duration<double>(Clock::now() - start).count());
  if (absl::Status s = (*kv)->Close(); !s.ok()) Die("close", s);
  return 0;
}

}  // namespace
}  // namespace dskv::bench

int main(int argc, char** argv) { return dskv::bench::Main(argc, argv); }
