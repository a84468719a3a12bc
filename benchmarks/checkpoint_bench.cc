// What Store::Checkpoint costs on a store of --keys keys of --value_size
// bytes, against what writing as many bytes costs with no store:
//
//   checkpoint  Store::Checkpoint to a new directory, while a reader thread
//               Gets random keys and a writer thread Puts them: its time,
//               the bytes of the copy, and the readers' and writers'
//               longest call during it (the pause while the snapshot takes
//               its references) against their longest call before it.
//               --probe=0 leaves the reader and writer out, so that the
//               checkpoint has the cores to itself.
//   floor       write(2) of as many bytes in 1 MiB pieces to one new file,
//               then fdatasync: the disk's speed for the copy's bytes.
//   disk        the same for --disk_mib MiB (default 1024, as the peer suite
//               measures the disk): the disk's sustained speed, which a
//               short burst like the floor's can beat (the VM's disk takes
//               a burst of 132 MB at about three times its sustained speed);
//               the copy's bytes at that speed.
//
//   bazel build -c opt //benchmarks:checkpoint_bench
//   bazel-bin/benchmarks/checkpoint_bench --keys=1000000 --value_size=100
//       [--runs=3] [--probe=0] [--disk_mib=1024]

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "dskv/store.h"

namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

std::uint64_t Flag(int argc, char** argv, std::string_view name,
                   std::uint64_t fallback) {
  const std::string prefix = "--" + std::string(name) + "=";
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg.starts_with(prefix)) {
      return std::strtoull(arg.substr(prefix.size()).data(), nullptr, 10);
    }
  }
  return fallback;
}

std::uint64_t DirectoryBytes(const std::string& dir) {
  std::uint64_t bytes = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    bytes += entry.file_size();
  }
  return bytes;
}

// Writes `bytes` to a new file in 1 MiB pieces, then fdatasync.
double WriteFloor(const std::string& path, std::uint64_t bytes) {
  const std::string piece(1 << 20, 'f');
  const Clock::time_point start = Clock::now();
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0644);
  if (fd < 0) std::abort();
  for (std::uint64_t left = bytes; left > 0;) {
    const std::size_t n = left < piece.size() ? left : piece.size();
    if (::write(fd, piece.data(), n) != static_cast<ssize_t>(n)) std::abort();
    left -= n;
  }
  if (::fdatasync(fd) != 0) std::abort();
  ::close(fd);
  return Seconds(Clock::now() - start);
}

// Calls `call` until told to stop, and keeps the longest call before and
// during the checkpoint.
struct Prober {
  std::atomic<bool> during{false};
  std::atomic<bool> stop{false};
  std::atomic<std::int64_t> longest_before_ns{0};
  std::atomic<std::int64_t> longest_during_ns{0};

  template <typename Call>
  void Run(Call call) {
    std::mt19937_64 random(std::random_device{}());
    while (!stop.load(std::memory_order_relaxed)) {
      const bool now_during = during.load(std::memory_order_relaxed);
      const Clock::time_point start = Clock::now();
      call(random());
      const std::int64_t ns = (Clock::now() - start).count();
      std::atomic<std::int64_t>& longest =
          now_during ? longest_during_ns : longest_before_ns;
      if (ns > longest.load(std::memory_order_relaxed)) longest.store(ns);
    }
  }
};

}  // namespace

int main(int argc, char** argv) {
  const std::uint64_t keys = Flag(argc, argv, "keys", 1'000'000);
  const std::uint64_t value_size = Flag(argc, argv, "value_size", 100);
  // 0: no reader and writer during the checkpoint (they share the cores).
  const bool probe = Flag(argc, argv, "probe", 1) != 0;
  const std::uint64_t runs = Flag(argc, argv, "runs", 3);
  const std::uint64_t disk_mib = Flag(argc, argv, "disk_mib", 1024);
  const std::string root = fmt::format("/var/tmp/dskv_checkpoint_bench.{}",
                                       static_cast<long>(::getpid()));
  std::filesystem::remove_all(root);
  std::filesystem::create_directories(root);
  absl::StatusOr<std::unique_ptr<dskv::Store>> opened =
      dskv::Store::Open(root + "/store");
  if (!opened.ok()) {
    fmt::print(stderr, "{}\n", opened.status().ToString());
    return 1;
  }
  dskv::Store& store = **opened;
  const std::string value(value_size, 'v');
  auto key_of = [&](std::uint64_t n) {
    return fmt::format("c{}/k{}", n % 16, n % keys);
  };
  for (std::uint64_t i = 0; i < keys; ++i) {
    if (!store.Put(key_of(i), value).ok()) return 1;
  }
  if (!store.Flush().ok()) return 1;

  // The floor writes as many bytes as a copy holds: a first copy sizes it.
  if (!store.Checkpoint(root + "/copy").ok()) return 1;
  const std::uint64_t bytes = DirectoryBytes(root + "/copy");
  const double disk_bytes_per_s = static_cast<double>(disk_mib << 20) /
                                  WriteFloor(root + "/disk", disk_mib << 20);
  std::filesystem::remove(root + "/disk");
  const double disk_s = bytes / disk_bytes_per_s;
  fmt::print(
      "disk: {:.0f} MB/s sustained ({} MiB + fdatasync): the copy's "
      "{} bytes in {:.3f} s\n",
      disk_bytes_per_s / 1e6, disk_mib, bytes, disk_s);
  // Each run: the floor, then a checkpoint, alternating so that both see
  // the disk in the same state.
  for (std::uint64_t run = 0; run < runs; ++run) {
    std::filesystem::remove_all(root + "/copy");
    std::filesystem::remove(root + "/floor");
    const double floor_s = WriteFloor(root + "/floor", bytes);

    Prober reader, writer;
    std::thread reads, writes;
    if (probe) {
      reads = std::thread([&] {
        std::string out;
        reader.Run(
            [&](std::uint64_t n) { store.Get(key_of(n), &out).IgnoreError(); });
      });
      writes = std::thread([&] {
        writer.Run([&](std::uint64_t n) {
          store.Put(key_of(n), value).IgnoreError();
        });
      });
      std::this_thread::sleep_for(std::chrono::milliseconds(500));  // Before.
    }
    reader.during = writer.during = true;
    const Clock::time_point start = Clock::now();
    const absl::Status checkpointed = store.Checkpoint(root + "/copy");
    const double checkpoint_s = Seconds(Clock::now() - start);
    reader.stop = writer.stop = true;
    if (probe) {
      reads.join();
      writes.join();
    }
    if (!checkpointed.ok()) {
      fmt::print(stderr, "{}\n", checkpointed.ToString());
      return 1;
    }
    fmt::print(
        "run {} keys {} value_size {}: checkpoint {:.3f} s ({:.0f} MB/s), {} "
        "bytes; floor (write + fdatasync) {:.3f} s ({:.0f} MB/s); ratio "
        "{:.2f}; {:.2f} x the sustained disk's time\n",
        run, keys, value_size, checkpoint_s, bytes / checkpoint_s / 1e6, bytes,
        floor_s, bytes / floor_s / 1e6, checkpoint_s / floor_s,
        checkpoint_s / disk_s);
    if (probe) {
      fmt::print(
          "  longest Get {:.2f} ms during, {:.2f} ms before; longest Put "
          "{:.2f} ms during, {:.2f} ms before\n",
          reader.longest_during_ns / 1e6, reader.longest_before_ns / 1e6,
          writer.longest_during_ns / 1e6, writer.longest_before_ns / 1e6);
    }
  }
  store.Close().IgnoreError();
  std::filesystem::remove_all(root);
  return 0;
}
