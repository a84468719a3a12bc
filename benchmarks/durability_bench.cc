// Measures what persistence costs, for the numbers the README quotes:
//
//   1. Disk: sequential write speed of the store's file system (1 MiB
//      writes, then fdatasync), the yardstick for the janitor.
//   2. Time to durable: 100,000 puts of 100-byte values, then one Flush.
//   3. Janitor throughput: 10 KiB values put at full speed until the store
//      holds --store_mib MiB, then Flush; bytes the janitor wrote over the
//      time from the first put to the end of the Flush.
//   4. Reopen: Close, then Open of that store with its files in the page
//      cache, and again cold, after posix_fadvise(DONTNEED) on every file.
//
//   bazel run -c opt //benchmarks:durability_bench -- --dir=/var/tmp/x
//
// The directory must not exist or be empty; it is removed at the end.

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "dskv/store.h"
#include "fmt/format.h"

namespace dskv::bench {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

[[noreturn]] void Die(std::string_view what, const absl::Status& status) {
  fmt::print(
      stderr, "durability_bench: {}: {}\n", what,
      std::string_view(status.message().data(), status.message().size()));
  std::exit(1);
}

void Check(std::string_view what, const absl::Status& status) {
  if (!status.ok()) Die(what, status);
}

std::unique_ptr<Store> OpenOrDie(const std::string& dir) {
  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(dir);
  if (!store.ok()) Die("open", store.status());
  return *std::move(store);
}

// Bytes per second of sequential 1 MiB writes of `bytes`, ending with
// fdatasync, to a scratch file in `dir`.
double DiskWriteSpeed(const std::string& dir, std::uint64_t bytes) {
  const std::string path = dir + "/disk_speed.scratch";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) Die("disk speed", absl::ErrnoToStatus(errno, path));
  const std::string chunk(1 << 20, 'x');
  const Clock::time_point start = Clock::now();
  for (std::uint64_t done = 0; done < bytes; done += chunk.size()) {
    if (::write(fd, chunk.data(), chunk.size()) !=
        static_cast<ssize_t>(chunk.size())) {
      Die("disk speed", absl::ErrnoToStatus(errno, path));
    }
  }
  ::fdatasync(fd);
  const double seconds = SecondsSince(start);
  ::close(fd);
  std::filesystem::remove(path);
  return static_cast<double>(bytes) / seconds;
}

void DropFromPageCache(const std::string& dir) {
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const int fd = ::open(entry.path().c_str(), O_RDONLY);
    if (fd < 0) continue;
    ::fdatasync(fd);
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    ::close(fd);
  }
}

void TimeToDurable(const std::string& dir) {
  std::unique_ptr<Store> store = OpenOrDie(dir + "/small");
  const std::string value(100, 'v');
  constexpr int kPuts = 100'000;
  const Clock::time_point start = Clock::now();
  for (int i = 0; i < kPuts; ++i) {
    Check("put", store->Put(fmt::format("small/key{:012}", i), value));
  }
  const double put_seconds = SecondsSince(start);
  Check("flush", store->Flush());
  const double total = SecondsSince(start);
  fmt::print(
      "100,000 puts of 100 B + Flush: {:.1f} ms ({:.1f} ms puts, "
      "{:.1f} ms Flush)\n",
      total * 1e3, put_seconds * 1e3, (total - put_seconds) * 1e3);
  Check("close", store->Close());
}

void JanitorAndReopen(const std::string& dir, std::uint64_t store_bytes,
                      double disk_speed) {
  const std::string path = dir + "/large";
  constexpr std::size_t kValueSize = 10240;
  const std::uint64_t puts = store_bytes / kValueSize;
  {
    std::unique_ptr<Store> store = OpenOrDie(path);
    std::string value(kValueSize, 'v');
    const Clock::time_point start = Clock::now();
    for (std::uint64_t i = 0; i < puts; ++i) {
      value[i % kValueSize] = static_cast<char>(i);
      Check("put", store->Put(fmt::format("large/key{:012}", i), value));
    }
    const double put_seconds = SecondsSince(start);
    const std::uint64_t unwritten_before_flush =
        puts * kValueSize - store->GetStats()->bytes_written;
    const Clock::time_point flush_start = Clock::now();
    Check("flush", store->Flush());
    const double flush_seconds = SecondsSince(flush_start);
    const double total = SecondsSince(start);
    const std::uint64_t written = store->GetStats()->bytes_written;
    fmt::print(
        "janitor: {} puts of 10 KiB in {:.2f} s, durable after {:.2f} s: "
        "{:.0f} MB/s written = {:.0f}% of the disk's sequential speed\n",
        puts, put_seconds, total, written / total / 1e6,
        100.0 * written / total / disk_speed);
    fmt::print(
        "final Flush: {:.0f} ms for ~{:.0f} MB not yet written when it "
        "started (unwritten / disk speed = {:.0f} ms)\n",
        flush_seconds * 1e3, unwritten_before_flush / 1e6,
        unwritten_before_flush / disk_speed * 1e3);
    Check("close", store->Close());
  }
  for (const bool cold : {false, true}) {
    if (cold) DropFromPageCache(path);
    const Clock::time_point start = Clock::now();
    std::unique_ptr<Store> store = OpenOrDie(path);
    const double seconds = SecondsSince(start);
    fmt::print("reopen {:.0f} MiB store ({}): {:.2f} s, {} keys\n",
               store_bytes / 1048576.0, cold ? "cold" : "page cache", seconds,
               store->GetStats()->keys);
    Check("close", store->Close());
  }
}

}  // namespace
}  // namespace dskv::bench

int main(int argc, char** argv) {
  std::string dir = "/var/tmp/dskv_durability_bench";
  std::uint64_t store_mib = 1024;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg.starts_with("--dir=")) {
      dir = arg.substr(6);
    } else if (arg.starts_with("--store_mib=")) {
      store_mib = std::strtoull(argv[i] + 12, nullptr, 10);
    } else {
      fmt::print(stderr,
                 "usage: durability_bench [--dir=DIR] [--store_mib=N]\n");
      return 2;
    }
  }
  if (std::filesystem::exists(dir) && !std::filesystem::is_empty(dir)) {
    fmt::print(stderr, "durability_bench: {} exists and is not empty\n", dir);
    return 2;
  }
  std::filesystem::create_directories(dir);
  const double disk_speed = dskv::bench::DiskWriteSpeed(dir, store_mib << 20);
  fmt::print("disk: sequential write {:.0f} MB/s ({} MiB + fdatasync)\n",
             disk_speed / 1e6, store_mib);
  dskv::bench::TimeToDurable(dir);
  dskv::bench::JanitorAndReopen(dir, store_mib << 20, disk_speed);
  std::filesystem::remove_all(dir);
  return 0;
}
