// peer_bench: runs one workload on one store, in a directory of its own, and
// appends what it measured to a CSV file. benchmarks/peers/run.sh calls it
// once per store, workload and thread count, so that every run starts in a
// fresh process (memory figures are the store's own), and builds the report.
//
//   peer_bench --store=rocksdb --workload=w1 --threads=2 --csv=raw.csv
//   peer_bench --describe     # the machine and the stores' settings, as TSV

#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "benchmarks/peers/adapter.h"
#include "benchmarks/peers/os_util.h"
#include "benchmarks/peers/registry.h"
#include "benchmarks/peers/results.h"
#include "benchmarks/peers/workload.h"
#include "benchmarks/peers/workloads.h"
#include "fmt/chrono.h"
#include "fmt/format.h"

namespace dskv::peers {
namespace {

constexpr std::string_view kUsage = R"(Usage: peer_bench [flags]

  --store=NAME        dskv, tkrzw-tiny, tkrzw-hash, lmdb, rocksdb, leveldb,
                      kyoto (not needed for --workload=janitor)
  --workload=W        w1, w2, w3 or janitor (dskv only)
  --threads=T         client threads (default 1)
  --keys=N            W2: keys; W3: values of the large store (default:
                      1,000,000 and 100,000; with --quick 100,000 and 10,000)
  --quick             smaller defaults, for a smoke run
  --sync_between_phases
                      W1, W2: an untimed Sync after each writing phase
                      (default: phases follow at once)
  --dir=DIR           scratch directory (default /var/tmp/dskv_peers); the
                      run uses DIR/<workload>-<store>-t<T>, removed at the end
  --csv=FILE          append the results to FILE (header written if new)
  --disk_mb_per_sec=X the disk's sequential write speed, for the janitor test
  --describe          print the machine and every store's settings as TSV
  --help              print this message
)";

struct Flags {
  bool help = false;
  bool describe = false;
  std::string store;
  std::string workload;
  std::string dir = "/var/tmp/dskv_peers";
  std::string csv;
  WorkloadOptions options;
};

absl::Status ParseInt(std::string_view name, std::string_view text,
                      std::uint64_t min, std::uint64_t* out) {
  const char* end = text.data() + text.size();
  const auto [parsed, error] = std::from_chars(text.data(), end, *out);
  if (text.empty() || error != std::errc() || parsed != end || *out < min) {
    return absl::InvalidArgumentError(fmt::format(
        "--{} needs an integer of at least {}, not \"{}\"", name, min, text));
  }
  return absl::OkStatus();
}

absl::Status ParseFlag(std::string_view arg, Flags* flags) {
  if (arg == "--help") {
    flags->help = true;
    return absl::OkStatus();
  }
  if (arg == "--describe") {
    flags->describe = true;
    return absl::OkStatus();
  }
  if (arg == "--quick") {
    flags->options.quick = true;
    return absl::OkStatus();
  }
  if (arg == "--sync_between_phases") {
    flags->options.sync_between_phases = true;
    return absl::OkStatus();
  }
  const std::size_t equals = arg.find('=');
  if (!arg.starts_with("--") || equals == std::string_view::npos ||
      equals + 1 == arg.size()) {
    return absl::InvalidArgumentError(
        fmt::format("\"{}\" is not a flag of the form --name=value", arg));
  }
  const std::string_view name = arg.substr(2, equals - 2);
  const std::string value(arg.substr(equals + 1));
  if (name == "store") {
    flags->store = value;
  } else if (name == "workload") {
    flags->workload = value;
  } else if (name == "dir") {
    flags->dir = value;
  } else if (name == "csv") {
    flags->csv = value;
  } else if (name == "threads") {
    std::uint64_t threads = 0;
    if (absl::Status s = ParseInt(name, value, 1, &threads); !s.ok()) return s;
    flags->options.threads = static_cast<int>(threads);
  } else if (name == "keys") {
    return ParseInt(name, value, 1, &flags->options.keys);
  } else if (name == "disk_mb_per_sec") {
    char* end = nullptr;
    flags->options.disk_mb_per_sec = std::strtod(value.c_str(), &end);
    if (*end != '\0' || flags->options.disk_mb_per_sec <= 0) {
      return absl::InvalidArgumentError(
          fmt::format("--disk_mb_per_sec needs a positive number"));
    }
  } else {
    return absl::InvalidArgumentError(fmt::format("unknown flag --{}", name));
  }
  return absl::OkStatus();
}

std::string CpuModel() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line);) {
    const std::size_t colon = line.find(':');
    if (line.starts_with("model name") && colon != std::string::npos) {
      return line.substr(std::min(colon + 2, line.size()));
    }
  }
  return "unknown";
}

// The build settings of this file, which Bazel applies to every library the
// binary is built from (the peers are Debian's builds, -O2).
std::string BuildMode() {
#ifdef __OPTIMIZE__
  std::string mode = "optimized";
#else
  std::string mode = "NOT optimized";
#endif
#ifdef NDEBUG
  mode += ", assertions off";
#else
  mode += ", assertions on";
#endif
  return mode;
}

absl::Status Describe() {
  fmt::print("machine\tDate\t{:%Y-%m-%d %H:%M} UTC\n",
             fmt::gmtime(std::time(nullptr)));
  fmt::print("machine\tCPU\t{}\n", CpuModel());
  fmt::print("machine\tCores\t{}\n", std::thread::hardware_concurrency());
#if defined(__GNUC__) && !defined(__clang__)
  fmt::print("machine\tCompiler\tGCC {}\n", __VERSION__);
#else
  fmt::print("machine\tCompiler\t{}\n", __VERSION__);
#endif
  fmt::print("machine\tBuild\t{}\n", BuildMode());
  for (const std::string& name : StoreNames()) {
    absl::StatusOr<std::unique_ptr<Adapter>> adapter = NewAdapter(name);
    if (!adapter.ok()) return adapter.status();
    const StoreInfo info = (*adapter)->Info();
    fmt::print("store\t{}\t{}\t{}\t{}\t{}\n", info.name, info.version,
               info.settings, info.durable, info.get_all);
  }
  return absl::OkStatus();
}

// Opens `path` for appending, with the CSV header if it is new or empty.
absl::StatusOr<std::FILE*> OpenCsv(const std::string& path) {
  std::error_code error;
  const bool fresh = !std::filesystem::exists(path, error) ||
                     std::filesystem::file_size(path, error) == 0;
  std::FILE* file = std::fopen(path.c_str(), "a");
  if (file == nullptr) return absl::ErrnoToStatus(errno, path);
  if (fresh) fmt::print(file, "{}\n", kCsvHeader);
  return file;
}

absl::Status Run(const Flags& flags) {
  const bool janitor = flags.workload == "janitor";
  const std::string store = janitor ? "dskv" : flags.store;
  if (store.empty()) return absl::InvalidArgumentError("--store is required");
  WorkloadOptions options = flags.options;
  options.dir = fmt::format("{}/{}-{}-t{}", flags.dir, flags.workload, store,
                            options.threads);
  std::FILE* csv = nullptr;
  if (!flags.csv.empty()) {
    absl::StatusOr<std::FILE*> opened = OpenCsv(flags.csv);
    if (!opened.ok()) return opened.status();
    csv = *opened;
  }
  Results results(flags.workload, store, options.threads, csv);
  absl::Status status = MakeEmptyDir(options.dir);
  if (status.ok() && janitor) {
    status = RunJanitor(options, &results);
  } else if (status.ok()) {
    absl::StatusOr<std::unique_ptr<Adapter>> adapter = NewAdapter(store);
    if (!adapter.ok()) {
      status = adapter.status();
    } else if (flags.workload == "w1") {
      status = RunW1(**adapter, options, &results);
    } else if (flags.workload == "w2") {
      status = RunW2(**adapter, options, &results);
    } else if (flags.workload == "w3") {
      status = RunW3(**adapter, options, &results);
    } else {
      status = absl::InvalidArgumentError(
          fmt::format("unknown workload \"{}\"", flags.workload));
    }
  }
  if (status.ok()) status = results.status();
  if (csv != nullptr) std::fclose(csv);
  std::error_code error;
  std::filesystem::remove_all(options.dir, error);
  return Annotate(fmt::format("{} on {}, {} threads", flags.workload, store,
                              options.threads),
                  status);
}

}  // namespace
}  // namespace dskv::peers

int main(int argc, char** argv) {
  dskv::peers::Flags flags;
  for (int i = 1; i < argc; ++i) {
    if (absl::Status s = dskv::peers::ParseFlag(argv[i], &flags); !s.ok()) {
      fmt::print(stderr, "peer_bench: {}\n{}", s.ToString(),
                 dskv::peers::kUsage);
      return 2;
    }
  }
  if (flags.help) {
    fmt::print("{}", dskv::peers::kUsage);
    return 0;
  }
  const absl::Status status =
      flags.describe ? dskv::peers::Describe() : dskv::peers::Run(flags);
  if (!status.ok()) {
    fmt::print(stderr, "peer_bench: {}\n", status.ToString());
    return 1;
  }
  return 0;
}
