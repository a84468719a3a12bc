// How long Store::Open takes to load a large store whose files are in the
// page cache, against what reading the same files costs with no store:
//
//   read     floor 1: read(2) every collection file into one reused 1 MiB
//            buffer, as `cat *.dskv > /dev/null` does. What the kernel
//            charges to hand over the bytes.
//   own      floor 2: read every file into a freshly allocated buffer of its
//            size, all kept until the last file is read. What any store that
//            holds the data in its own memory must at least pay: floor 1
//            plus the page faults of fresh memory. Freeing them is reported
//            as the destroy time.
//   open_ro  Store::Open with Options::read_only (what `dskv stats` does).
//   open_rw  Store::Open for reading and writing.
//
// Three more, only if --measure names them, are the floors of other ways to
// load (what each would cost with nothing else to do):
//
//   own_huge  floor 2 with all files read into one fresh region of 2 MiB
//             pages (MADV_HUGEPAGE): a store copying into huge-page arenas.
//   read_hash floor 1 plus XXH3 over every byte: verifying the checksums
//             while streaming the files, keeping nothing.
//   map_hash  mmap(MAP_POPULATE) of every file and XXH3 over the mapping,
//             all kept mapped: a store whose records point into the files.
//
// Only the call is timed; Close and the destruction of the store (or the
// freeing of floor 2's buffers) are reported separately. Each run takes the
// measurements in a new random order.
//
// Every measurement runs in a child process forked for it, as the store is
// built in one: each starts with a new process's heap, as `dskv stats` and
// any restarting program do. In one process, the allocator may hand a later
// open pages that an earlier one freed, already faulted in, and the later
// opens would look faster than a real one is.
//
// For each --gib and --collections the store is built through the public
// API (Put of distinct keys spread evenly over the collections, then
// Close), every file is read twice so that it is in the page cache (the
// open is warm; the share of pages resident is printed), the runs are
// measured, and the store is removed. The size counts the values' bytes;
// s/GiB is per GiB of files.
//
// Memory: an open 4 GiB store holds about twice its data while it loads,
// besides the page cache's copy of its files.
//
//   bazel build -c opt --jobs=2 //benchmarks:reopen_bench
//   bazel-bin/benchmarks/reopen_bench --gib=1,4 --collections=1,500,20000

#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "benchmarks/json_string.h"
#include "dskv/store.h"
#include "fmt/format.h"

namespace dskv::bench {
namespace {

using Clock = std::chrono::steady_clock;

constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;
constexpr std::size_t kReadBufferSize = std::size_t{1} << 20;

constexpr char kUsage[] = R"(usage: reopen_bench [flags]
  --dir=D               where the stores are built (default: a new directory
                        under /tmp, removed at the end)
  --gib=1,4             store sizes, GiB of values
  --collections=1,500,20000
                        collections the keys are spread over
  --value_size=10240    bytes per value
  --runs=3              runs of every measurement per store
  --measure=read,own,open_ro,open_rw
                        which to measure (e.g. one of them, for a profiler);
                        own_huge, read_hash and map_hash add other floors
  --keep                keep each store (and reuse one already built in D)
  --seed=1              seed of the random order of the measurements
  --json=FILE           also write the results to FILE as JSON
)";

struct Flags {
  std::string dir;  // Empty: a new directory under /tmp.
  std::vector<double> gib = {1, 4};
  std::vector<std::uint64_t> collections = {1, 500, 20000};
  std::uint64_t value_size = 10240;
  int runs = 3;
  std::vector<std::string> measure = {"read", "own", "open_ro", "open_rw"};
  bool keep = false;
  std::uint64_t seed = 1;
  std::string json;
};

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

[[noreturn]] void Die(std::string_view what) {
  fmt::print(stderr, "reopen_bench: {}\n", what);
  std::exit(1);
}

std::string Message(const absl::Status& status) {
  return std::string(status.message());
}

std::vector<std::string> Split(std::string_view list) {
  std::vector<std::string> items;
  while (!list.empty()) {
    const std::size_t comma = std::min(list.find(','), list.size());
    if (comma > 0) items.emplace_back(list.substr(0, comma));
    list.remove_prefix(std::min(comma + 1, list.size()));
  }
  return items;
}

// What one measurement took, sent from the child process that made it.
// Plain data: it crosses a pipe as bytes.
struct Sample {
  double seconds = 0;          // The timed call.
  double close_seconds = 0;    // Store::Close (the opens only).
  double destroy_seconds = 0;  // Destroying the store, freeing the buffers.
  // Of the timed call, from getrusage: CPU time of all threads and the
  // page faults that needed no I/O (fresh memory, mapped page cache).
  double user_seconds = 0;
  double system_seconds = 0;
  std::uint64_t minor_faults = 0;
  std::uint64_t bytes = 0;  // Read (floors) or held by the store (opens).
  std::uint64_t keys = 0;   // Opens only.
  char error[512] = {};     // Empty if the measurement succeeded.
};

struct Usage {
  double user;
  double system;
  std::uint64_t minor_faults;
};

Usage GetUsage() {
  rusage u;
  ::getrusage(RUSAGE_SELF, &u);
  auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  return {seconds(u.ru_utime), seconds(u.ru_stime),
          static_cast<std::uint64_t>(u.ru_minflt)};
}

void SetUsage(const Usage& before, Sample& sample) {
  const Usage after = GetUsage();
  sample.user_seconds = after.user - before.user;
  sample.system_seconds = after.system - before.system;
  sample.minor_faults = after.minor_faults - before.minor_faults;
}

void SetError(Sample& sample, std::string_view error) {
  const std::size_t n = std::min(error.size(), sizeof(sample.error) - 1);
  std::memcpy(sample.error, error.data(), n);
  sample.error[n] = '\0';
}

// Runs `measure` in a child process and returns its Sample. The parent holds
// no threads when it forks.
Sample InChild(const std::function<Sample()>& measure) {
  // Or the child would print the parent's buffered output again.
  std::fflush(nullptr);
  int fds[2];
  if (::pipe(fds) != 0) Die("pipe failed");
  const pid_t pid = ::fork();
  if (pid < 0) Die("fork failed");
  if (pid == 0) {
    ::close(fds[0]);
    const Sample sample = measure();
    const char* p = reinterpret_cast<const char*>(&sample);
    for (std::size_t done = 0; done < sizeof(sample);) {
      const ssize_t n = ::write(fds[1], p + done, sizeof(sample) - done);
      if (n <= 0) ::_exit(1);
      done += static_cast<std::size_t>(n);
    }
    // No destructors or atexit handlers: the parent owns those.
    ::_exit(0);
  }
  ::close(fds[1]);
  Sample sample;
  char* p = reinterpret_cast<char*>(&sample);
  std::size_t done = 0;
  while (done < sizeof(sample)) {
    const ssize_t n = ::read(fds[0], p + done, sizeof(sample) - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (done != sizeof(sample) || !WIFEXITED(status) ||
      WEXITSTATUS(status) != 0) {
    Die(fmt::format("measuring child failed (status {:#x})", status));
  }
  if (sample.error[0] != '\0') Die(sample.error);
  return sample;
}

// The collection files of the store in `dir`, listed as the store lists
// them (readdir order). Part of every timed measurement.
std::vector<std::string> ListCollectionFiles(const std::string& dir) {
  std::vector<std::string> paths;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) Die(fmt::format("cannot list {}", dir));
  while (const dirent* e = ::readdir(d)) {
    const std::string_view name = e->d_name;
    if (name.ends_with(".dskv")) paths.push_back(dir + "/" + std::string(name));
  }
  ::closedir(d);
  return paths;
}

// Floor 1: every file through one reused buffer.
Sample ReadThroughBuffer(const std::string& dir) {
  Sample sample;
  std::unique_ptr<char[]> buffer(new char[kReadBufferSize]);
  // Touched before the clock starts: this floor has no fresh memory.
  std::memset(buffer.get(), 0, kReadBufferSize);
  const Usage before = GetUsage();
  const Clock::time_point start = Clock::now();
  for (const std::string& path : ListCollectionFiles(dir)) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) Die(fmt::format("cannot open {}", path));
    ssize_t n;
    while ((n = ::read(fd, buffer.get(), kReadBufferSize)) > 0) {
      sample.bytes += static_cast<std::uint64_t>(n);
    }
    ::close(fd);
    if (n < 0) Die(fmt::format("cannot read {}", path));
  }
  sample.seconds = SecondsSince(start);
  SetUsage(before, sample);
  return sample;
}

// Floor 2: every file into a new buffer of its size, kept until all are read.
Sample ReadIntoOwnBuffers(const std::string& dir) {
  Sample sample;
  std::vector<std::unique_ptr<char[]>> buffers;
  const Usage before = GetUsage();
  const Clock::time_point start = Clock::now();
  for (const std::string& path : ListCollectionFiles(dir)) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || ::fstat(fd, &st) != 0) {
      Die(fmt::format("cannot open {}", path));
    }
    const std::size_t size = static_cast<std::size_t>(st.st_size);
    // new char[] leaves the memory untouched: read(2) faults it in.
    buffers.emplace_back(new char[size]);
    for (std::size_t done = 0; done < size;) {
      const ssize_t n = ::read(fd, buffers.back().get() + done, size - done);
      if (n <= 0) Die(fmt::format("cannot read {}", path));
      done += static_cast<std::size_t>(n);
    }
    ::close(fd);
    sample.bytes += size;
  }
  sample.seconds = SecondsSince(start);
  SetUsage(before, sample);
  const Clock::time_point free_start = Clock::now();
  buffers.clear();
  sample.destroy_seconds = SecondsSince(free_start);
  return sample;
}

// Opens `path` and returns its descriptor and size, or dies.
std::pair<int, std::size_t> OpenFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || ::fstat(fd, &st) != 0) Die("cannot open " + path);
  return {fd, static_cast<std::size_t>(st.st_size)};
}

// Floor 2 in 2 MiB pages: every file into one fresh MADV_HUGEPAGE region.
Sample ReadIntoHugePages(const std::string& dir) {
  constexpr std::size_t kHuge = std::size_t{2} << 20;
  Sample sample;
  const Usage before = GetUsage();
  const Clock::time_point start = Clock::now();
  const std::vector<std::string> paths = ListCollectionFiles(dir);
  std::size_t total = 0;
  for (const std::string& path : paths) {
    const auto [fd, size] = OpenFile(path);
    ::close(fd);
    total += size;
  }
  // One spare huge page to align the start to one.
  const std::size_t mapped = (total + 2 * kHuge - 1) / kHuge * kHuge;
  void* region = ::mmap(nullptr, mapped, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (region == MAP_FAILED) Die("cannot map memory");
  ::madvise(region, mapped, MADV_HUGEPAGE);
  char* out = reinterpret_cast<char*>(
      (reinterpret_cast<std::uintptr_t>(region) + kHuge - 1) & ~(kHuge - 1));
  for (const std::string& path : paths) {
    const auto [fd, size] = OpenFile(path);
    for (std::size_t done = 0; done < size;) {
      const ssize_t n = ::read(fd, out, size - done);
      if (n <= 0) Die("cannot read " + path);
      done += static_cast<std::size_t>(n);
      out += n;
    }
    ::close(fd);
    sample.bytes += size;
  }
  sample.seconds = SecondsSince(start);
  SetUsage(before, sample);
  const Clock::time_point free_start = Clock::now();
  ::munmap(region, mapped);
  sample.destroy_seconds = SecondsSince(free_start);
  return sample;
}

// Floor 1 plus hashing every byte.
Sample ReadAndHash(const std::string& dir) {
  Sample sample;
  std::unique_ptr<char[]> buffer(new char[kReadBufferSize]);
  std::memset(buffer.get(), 0, kReadBufferSize);
  std::uint64_t hashes = 0;
  const Usage before = GetUsage();
  const Clock::time_point start = Clock::now();
  for (const std::string& path : ListCollectionFiles(dir)) {
    const auto [fd, size] = OpenFile(path);
    ssize_t n;
    while ((n = ::read(fd, buffer.get(), kReadBufferSize)) > 0) {
      hashes += XXH3_64bits(buffer.get(), static_cast<std::size_t>(n));
      sample.bytes += static_cast<std::uint64_t>(n);
    }
    ::close(fd);
    if (n < 0) Die("cannot read " + path);
  }
  sample.seconds = SecondsSince(start);
  SetUsage(before, sample);
  sample.keys = hashes & 1;  // Keeps the hashing from being optimized out.
  return sample;
}

// Every file mapped as MapFile maps it, hashed through the mapping, and kept
// mapped until all are.
Sample MapAndHash(const std::string& dir) {
  Sample sample;
  std::vector<std::pair<void*, std::size_t>> maps;
  std::uint64_t hashes = 0;
  const Usage before = GetUsage();
  const Clock::time_point start = Clock::now();
  for (const std::string& path : ListCollectionFiles(dir)) {
    const auto [fd, size] = OpenFile(path);
    void* map =
        ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    ::close(fd);
    if (map == MAP_FAILED) Die("cannot map " + path);
    maps.emplace_back(map, size);
    hashes += XXH3_64bits(map, size);
    sample.bytes += size;
  }
  sample.seconds = SecondsSince(start);
  SetUsage(before, sample);
  sample.keys = hashes & 1;
  const Clock::time_point free_start = Clock::now();
  for (const auto& [map, size] : maps) ::munmap(map, size);
  sample.destroy_seconds = SecondsSince(free_start);
  return sample;
}

Sample OpenStore(const std::string& dir, bool read_only) {
  Sample sample;
  Options options;
  options.read_only = read_only;
  const Usage before = GetUsage();
  const Clock::time_point start = Clock::now();
  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(dir, options);
  sample.seconds = SecondsSince(start);
  SetUsage(before, sample);
  if (!store.ok()) {
    SetError(sample, "open: " + Message(store.status()));
    return sample;
  }
  absl::StatusOr<Stats> stats = (*store)->GetStats();
  if (!stats.ok()) {
    SetError(sample, "stats: " + Message(stats.status()));
    return sample;
  }
  sample.keys = stats->keys;
  sample.bytes = stats->bytes;
  Clock::time_point phase = Clock::now();
  if (absl::Status s = (*store)->Close(); !s.ok()) {
    SetError(sample, "close: " + Message(s));
    return sample;
  }
  sample.close_seconds = SecondsSince(phase);
  phase = Clock::now();
  store->reset();
  sample.destroy_seconds = SecondsSince(phase);
  return sample;
}

struct Measurement {
  std::string_view name;
  std::string_view description;
  std::function<Sample(const std::string& dir)> run;
  bool is_open = false;  // Loads the store: must find every key.
};

// The indices of the four measurements the summary compares.
constexpr std::size_t kRead = 0, kOwn = 1, kOpenRo = 2, kOpenRw = 3;
// Those after kFirstOptional run only if --measure names them.
constexpr std::size_t kFirstOptional = 4;

const std::vector<Measurement>& AllMeasurements() {
  static const auto* const all = new std::vector<Measurement>{
      {"read", "floor 1: read(2), one reused 1 MiB buffer", ReadThroughBuffer},
      {"own", "floor 2: read(2) into fresh buffers, kept", ReadIntoOwnBuffers},
      {"open_ro", "Store::Open, read_only",
       [](const std::string& dir) { return OpenStore(dir, true); }, true},
      {"open_rw", "Store::Open, read-write",
       [](const std::string& dir) { return OpenStore(dir, false); }, true},
      {"own_huge", "read(2) into one fresh MADV_HUGEPAGE region",
       ReadIntoHugePages},
      {"read_hash", "floor 1 + XXH3 of every byte", ReadAndHash},
      {"map_hash", "mmap(MAP_POPULATE) + XXH3 through the mapping", MapAndHash},
  };
  return *all;
}

struct Case {
  double gib;
  std::uint64_t collections;
  std::uint64_t value_size;
  std::uint64_t keys;
  std::string dir;
  double build_seconds = 0;  // Puts and Close; 0 if an existing store.
  std::uint64_t files = 0;
  std::uint64_t file_bytes = 0;
  double resident = 0;  // Share of the files' pages in the page cache.
  // By measurement (index into AllMeasurements), one Sample per run.
  std::vector<std::vector<Sample>> samples;
  std::vector<std::vector<std::string>> orders;  // Per run.
};

std::string CaseName(const Case& c) {
  return fmt::format("g{}_c{}_v{}", c.gib, c.collections, c.value_size);
}

// Puts c.keys distinct keys, member i of collection i % collections, then
// closes the store: it holds exactly its live data, no dead records.
Sample BuildStore(const Case& c) {
  Sample sample;
  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(c.dir);
  if (!store.ok()) {
    SetError(sample, "build: " + Message(store.status()));
    return sample;
  }
  std::mt19937_64 random(c.value_size);
  std::string value(c.value_size, '\0');
  for (char& byte : value) byte = static_cast<char>(random());
  const Clock::time_point start = Clock::now();
  std::string key;
  for (std::uint64_t i = 0; i < c.keys; ++i) {
    // Distinct values, so that nothing the store or the kernel might
    // deduplicate makes the data smaller than it looks.
    std::memcpy(value.data(), &i, std::min<std::size_t>(8, value.size()));
    key = fmt::format("c{:05}/m{:012}", i % c.collections, i);
    if (absl::Status s = (*store)->Put(key, value); !s.ok()) {
      SetError(sample, "put: " + Message(s));
      return sample;
    }
  }
  if (absl::Status s = (*store)->Close(); !s.ok()) {
    SetError(sample, "close: " + Message(s));
    return sample;
  }
  sample.seconds = SecondsSince(start);
  sample.keys = c.keys;
  return sample;
}

// The bytes of the files if each key's record were written once: file
// headers, record headers, members and values (persist/format.h). A
// janitor may write a record more than once (a rewrite can write a change
// that the next pass appends again); the files are then larger.
double LiveFileBytes(const Case& c) {
  constexpr std::uint64_t kFileHeader = 8 + 4 + 2 + 6 + 8;  // Name "c00000".
  constexpr std::uint64_t kRecordOverhead = 25 + 13;        // Member "m...".
  return static_cast<double>(c.collections * kFileHeader +
                             c.keys * (kRecordOverhead + c.value_size));
}

// Reads every file twice so that all are in the page cache, and returns the
// share of their pages resident afterwards (mincore).
double WarmPageCache(Case& c) {
  for (int pass = 0; pass < 2; ++pass) {
    const Sample read = ReadThroughBuffer(c.dir);
    c.file_bytes = read.bytes;
  }
  const long page = ::sysconf(_SC_PAGESIZE);
  std::uint64_t pages = 0;
  std::uint64_t resident = 0;
  c.files = 0;
  for (const std::string& path : ListCollectionFiles(c.dir)) {
    ++c.files;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || ::fstat(fd, &st) != 0) Die("cannot open " + path);
    const std::size_t size = static_cast<std::size_t>(st.st_size);
    if (size > 0) {
      void* map = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
      if (map == MAP_FAILED) Die("cannot map " + path);
      std::vector<unsigned char> in_core((size + page - 1) / page);
      ::mincore(map, size, in_core.data());
      pages += in_core.size();
      for (unsigned char p : in_core) resident += p & 1;
      ::munmap(map, size);
    }
    ::close(fd);
  }
  return pages == 0 ? 1.0 : static_cast<double>(resident) / pages;
}

std::vector<double> Seconds(const std::vector<Sample>& samples,
                            double Sample::*field) {
  std::vector<double> out;
  for (const Sample& s : samples) out.push_back(s.*field);
  std::sort(out.begin(), out.end());
  return out;
}

double Min(const std::vector<double>& sorted) { return sorted.front(); }
// The lower median of an even count: with 2 runs, the faster.
double Median(const std::vector<double>& sorted) {
  return sorted[(sorted.size() - 1) / 2];
}

void MeasureCase(const Flags& flags, Case& c) {
  const std::string marker = c.dir + ".complete";
  if (flags.keep && std::filesystem::exists(marker)) {
    fmt::print("{}: reusing the store in {}\n", CaseName(c), c.dir);
  } else {
    std::filesystem::remove_all(c.dir);
    std::filesystem::remove(marker);
    const Sample built = InChild([&] { return BuildStore(c); });
    c.build_seconds = built.seconds;
    if (flags.keep) std::ofstream(marker) << "built\n";
  }
  c.resident = WarmPageCache(c);
  std::string load;
  std::getline(std::ifstream("/proc/loadavg"), load);
  fmt::print(
      "\n{:.3g} GiB of values, {} collections, {}-byte values: {} keys in {} "
      "files of {:.3f} GiB, {:.2f}x their live records (built in {:.1f} s; "
      "{:.1f}% of their pages in the page cache; load average {})\n",
      c.gib, c.collections, c.value_size, c.keys, c.files, c.file_bytes / kGiB,
      c.file_bytes / LiveFileBytes(c), c.build_seconds, 100 * c.resident, load);

  std::vector<std::size_t> chosen;
  for (std::size_t i = 0; i < AllMeasurements().size(); ++i) {
    if (std::find(flags.measure.begin(), flags.measure.end(),
                  AllMeasurements()[i].name) != flags.measure.end()) {
      chosen.push_back(i);
    }
  }
  c.samples.assign(AllMeasurements().size(), {});
  std::mt19937_64 random(flags.seed + c.keys + c.collections);
  for (int run = 0; run < flags.runs; ++run) {
    std::vector<std::size_t> order = chosen;
    std::shuffle(order.begin(), order.end(), random);
    std::vector<std::string>& names = c.orders.emplace_back();
    for (std::size_t m : order) {
      const Measurement& measurement = AllMeasurements()[m];
      const Sample sample = InChild([&] { return measurement.run(c.dir); });
      if (measurement.is_open && sample.keys != c.keys) {
        Die(fmt::format("{} loaded {} keys, not {}", measurement.name,
                        sample.keys, c.keys));
      }
      c.samples[m].push_back(sample);
      names.emplace_back(measurement.name);
      fmt::print(
          "  run {} {:<8} {:7.3f} s  {:6.3f} s/GiB  cpu {:6.3f} s "
          "({:.2f} cores, sys {:.3f} s)  {:>9} faults  close {:.3f} s  "
          "destroy {:.3f} s\n",
          run + 1, measurement.name, sample.seconds,
          sample.seconds / (c.file_bytes / kGiB),
          sample.user_seconds + sample.system_seconds,
          (sample.user_seconds + sample.system_seconds) / sample.seconds,
          sample.system_seconds, sample.minor_faults, sample.close_seconds,
          sample.destroy_seconds);
      std::fflush(stdout);
    }
  }
  if (!flags.keep) std::filesystem::remove_all(c.dir);
}

// The median (min) ratio of measurement a's time to b's, or "-".
std::string Ratio(const Case& c, std::size_t a, std::size_t b) {
  if (c.samples[a].empty() || c.samples[b].empty()) return "-";
  const auto x = Seconds(c.samples[a], &Sample::seconds);
  const auto y = Seconds(c.samples[b], &Sample::seconds);
  return fmt::format("{:.2f} ({:.2f})", Median(x) / Median(y), Min(x) / Min(y));
}

void PrintSummary(const std::vector<Case>& cases) {
  fmt::print(
      "\nMedian (min) of the runs. s/GiB per GiB of files. a = read, b = own, "
      "c = open_ro, d = open_rw.\n\n");
  fmt::print(
      "| GiB | collections | value | a s/GiB | b s/GiB | c s | c s/GiB | "
      "d s | d s/GiB | c/a | c/b | d/a | d/b | c destroy s | d destroy s "
      "|\n");
  fmt::print(
      "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | "
      "---: | ---: | ---: | ---: | ---: | ---: |\n");
  bool optional = false;
  for (const Case& c : cases) {
    const double gib = c.file_bytes / kGiB;
    auto time = [&](std::size_t m, bool per_gib) -> std::string {
      if (c.samples[m].empty()) return "-";
      const auto s = Seconds(c.samples[m], &Sample::seconds);
      const double scale = per_gib ? 1 / gib : 1;
      return fmt::format("{:.3f} ({:.3f})", Median(s) * scale, Min(s) * scale);
    };
    auto destroy = [&](std::size_t m) -> std::string {
      if (c.samples[m].empty()) return "-";
      return fmt::format(
          "{:.2f}", Median(Seconds(c.samples[m], &Sample::destroy_seconds)));
    };
    fmt::print(
        "| {:.3g} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} "
        "| {} | {} |\n",
        c.gib, c.collections, c.value_size, time(kRead, true), time(kOwn, true),
        time(kOpenRo, false), time(kOpenRo, true), time(kOpenRw, false),
        time(kOpenRw, true), Ratio(c, kOpenRo, kRead), Ratio(c, kOpenRo, kOwn),
        Ratio(c, kOpenRw, kRead), Ratio(c, kOpenRw, kOwn), destroy(kOpenRo),
        destroy(kOpenRw));
    for (std::size_t m = kFirstOptional; m < c.samples.size(); ++m) {
      optional = optional || !c.samples[m].empty();
    }
  }
  if (!optional) return;
  fmt::print(
      "\nOther floors, median (min) s/GiB, and the opens' times over them "
      "(medians).\n\n| GiB | collections | value | floor | s/GiB | read "
      "/ it | open_ro / it | open_rw / it |\n| ---: | ---: | ---: | --- | "
      "---: | ---: | ---: | ---: |\n");
  for (const Case& c : cases) {
    const double gib = c.file_bytes / kGiB;
    for (std::size_t m = kFirstOptional; m < c.samples.size(); ++m) {
      if (c.samples[m].empty()) continue;
      const auto s = Seconds(c.samples[m], &Sample::seconds);
      fmt::print("| {:.3g} | {} | {} | {} | {:.3f} ({:.3f}) | {} | {} | {} |\n",
                 c.gib, c.collections, c.value_size, AllMeasurements()[m].name,
                 Median(s) / gib, Min(s) / gib, Ratio(c, kRead, m),
                 Ratio(c, kOpenRo, m), Ratio(c, kOpenRw, m));
    }
  }
}

std::string ReadFirstLine(const std::string& path, std::string_view prefix) {
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with(prefix)) return line;
  }
  return "";
}

std::string MachineJson() {
  utsname u;
  ::uname(&u);
  std::string cpu = ReadFirstLine("/proc/cpuinfo", "model name");
  if (const std::size_t colon = cpu.find(':'); colon != std::string::npos) {
    cpu = cpu.substr(colon + 2);
  }
  std::ifstream thp("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string thp_mode;
  std::getline(thp, thp_mode);
  return fmt::format(
      "{{\"cpu\": {}, \"cores\": {}, \"memory_bytes\": {}, \"kernel\": {}, "
      "\"transparent_hugepage\": {}}}",
      JsonString(cpu), std::thread::hardware_concurrency(),
      static_cast<std::uint64_t>(::sysconf(_SC_PHYS_PAGES)) *
          static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE)),
      JsonString(u.release), JsonString(thp_mode));
}

std::string SampleJson(const Sample& s) {
  return fmt::format(
      "{{\"seconds\": {:.6f}, \"close_seconds\": {:.6f}, "
      "\"destroy_seconds\": {:.6f}, \"user_seconds\": {:.6f}, "
      "\"system_seconds\": {:.6f}, \"minor_faults\": {}, \"bytes\": {}, "
      "\"keys\": {}}}",
      s.seconds, s.close_seconds, s.destroy_seconds, s.user_seconds,
      s.system_seconds, s.minor_faults, s.bytes, s.keys);
}

void WriteJson(const Flags& flags, const std::vector<Case>& cases) {
  std::string out = fmt::format("{{\"machine\": {}, \"runs\": {}, \"cases\": [",
                                MachineJson(), flags.runs);
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    const double gib = c.file_bytes / kGiB;
    out += fmt::format(
        "{}\n {{\"gib\": {}, \"collections\": {}, \"value_size\": {}, "
        "\"keys\": {}, \"files\": {}, \"file_bytes\": {}, "
        "\"live_record_bytes\": {:.0f}, \"page_cache_resident\": {:.4f}, "
        "\"build_seconds\": {:.3f}, \"orders\": [",
        i == 0 ? "" : ",", c.gib, c.collections, c.value_size, c.keys, c.files,
        c.file_bytes, LiveFileBytes(c), c.resident, c.build_seconds);
    for (std::size_t r = 0; r < c.orders.size(); ++r) {
      out += r == 0 ? "[" : ", [";
      for (std::size_t k = 0; k < c.orders[r].size(); ++k) {
        out += (k == 0 ? "" : ", ") + JsonString(c.orders[r][k]);
      }
      out += "]";
    }
    out += "], \"measurements\": {";
    bool first = true;
    for (std::size_t m = 0; m < AllMeasurements().size(); ++m) {
      if (c.samples[m].empty()) continue;
      const auto s = Seconds(c.samples[m], &Sample::seconds);
      out += fmt::format(
          "{}\n  {}: {{\"min_seconds\": {:.6f}, \"median_seconds\": {:.6f}, "
          "\"min_s_per_gib\": {:.6f}, \"median_s_per_gib\": {:.6f}, "
          "\"runs\": [",
          first ? "" : ",", JsonString(AllMeasurements()[m].name), Min(s),
          Median(s), Min(s) / gib, Median(s) / gib);
      first = false;
      for (std::size_t r = 0; r < c.samples[m].size(); ++r) {
        out += (r == 0 ? "" : ", ") + SampleJson(c.samples[m][r]);
      }
      out += "]}";
    }
    out += "}, \"ratios\": {";
    first = true;
    for (const auto& [a, b] : {std::pair{kOpenRo, kRead},
                               {kOpenRo, kOwn},
                               {kOpenRw, kRead},
                               {kOpenRw, kOwn}}) {
      if (c.samples[a].empty() || c.samples[b].empty()) continue;
      const auto x = Seconds(c.samples[a], &Sample::seconds);
      const auto y = Seconds(c.samples[b], &Sample::seconds);
      out += fmt::format(
          "{}{}: {{\"min\": {:.4f}, \"median\": {:.4f}}}", first ? "" : ", ",
          JsonString(fmt::format("{}/{}", AllMeasurements()[a].name,
                                 AllMeasurements()[b].name)),
          Min(x) / Min(y), Median(x) / Median(y));
      first = false;
    }
    out += "}}";
  }
  out += "\n]}\n";
  std::ofstream file(flags.json);
  file << out;
  if (!file.good()) Die("cannot write " + flags.json);
}

bool ParseFlag(std::string_view arg, Flags& flags) {
  const std::size_t equals = arg.find('=');
  const std::string_view name = arg.substr(0, equals);
  const std::string value(
      equals == std::string_view::npos ? "" : arg.substr(equals + 1));
  if (name == "--keep" && equals == std::string_view::npos) {
    flags.keep = true;
    return true;
  }
  if (equals == std::string_view::npos) return false;
  if (name == "--dir") {
    flags.dir = value;
  } else if (name == "--json") {
    flags.json = value;
  } else if (name == "--gib") {
    flags.gib.clear();
    for (const std::string& item : Split(value)) {
      flags.gib.push_back(std::strtod(item.c_str(), nullptr));
    }
  } else if (name == "--collections") {
    flags.collections.clear();
    for (const std::string& item : Split(value)) {
      flags.collections.push_back(std::strtoull(item.c_str(), nullptr, 10));
    }
  } else if (name == "--value_size") {
    flags.value_size = std::strtoull(value.c_str(), nullptr, 10);
  } else if (name == "--runs") {
    flags.runs = std::atoi(value.c_str());
  } else if (name == "--seed") {
    flags.seed = std::strtoull(value.c_str(), nullptr, 10);
  } else if (name == "--measure") {
    flags.measure = Split(value);
  } else {
    return false;
  }
  return true;
}

bool Valid(const Flags& flags) {
  if (flags.gib.empty() || flags.collections.empty() || flags.runs < 1 ||
      flags.value_size < 1 || flags.measure.empty()) {
    return false;
  }
  for (double gib : flags.gib) {
    if (!(gib > 0)) return false;
  }
  for (std::uint64_t c : flags.collections) {
    if (c < 1 || c > 99999) return false;  // Named with five digits.
  }
  for (const std::string& m : flags.measure) {
    if (std::none_of(AllMeasurements().begin(), AllMeasurements().end(),
                     [&](const Measurement& x) { return x.name == m; })) {
      return false;
    }
  }
  return true;
}

}  // namespace
}  // namespace dskv::bench

int main(int argc, char** argv) {
  using namespace dskv::bench;
  Flags flags;
  for (int i = 1; i < argc; ++i) {
    if (!ParseFlag(argv[i], flags)) {
      fmt::print(stderr, "{}", kUsage);
      return 2;
    }
  }
  if (!Valid(flags)) {
    fmt::print(stderr, "reopen_bench: invalid flags\n{}", kUsage);
    return 2;
  }
  bool made_dir = false;
  if (flags.dir.empty()) {
    char dir[] = "/tmp/reopen_bench.XXXXXX";
    if (::mkdtemp(dir) == nullptr) Die("cannot create a directory in /tmp");
    flags.dir = dir;
    made_dir = true;
  }
  std::filesystem::create_directories(flags.dir);
  fmt::print("machine: {}\n", MachineJson());
  for (const Measurement& m : AllMeasurements()) {
    fmt::print("  {:<8} {}\n", m.name, m.description);
  }

  std::vector<Case> cases;
  for (double gib : flags.gib) {
    for (std::uint64_t collections : flags.collections) {
      Case& c = cases.emplace_back();
      c.gib = gib;
      c.collections = collections;
      c.value_size = flags.value_size;
      c.keys =
          static_cast<std::uint64_t>(std::ceil(gib * kGiB)) / flags.value_size;
      c.dir = flags.dir + "/" + CaseName(c);
      MeasureCase(flags, c);
    }
  }
  PrintSummary(cases);
  if (!flags.json.empty()) WriteJson(flags, cases);
  if (made_dir && !flags.keep) std::filesystem::remove_all(flags.dir);
  return 0;
}
