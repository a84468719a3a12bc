// The child process of crash_test: opens a store, runs the workload of
// workload.h from a given version on, and reports its progress on a file
// descriptor until it is killed. It never stops by itself.
//
//   crash_writer --dir=D --durability=sync|async --seed=S --first_version=V
//                --ack_fd=N [--flush_every=K] [--flush_interval_ms=M]
//                [--compaction_min_bytes=B] [--compaction_dead_ratio=R]
//                [--workload=ops|counters|batches]
//
// --workload=counters runs, as operation v, Increment("count/n", 1), which
// must return v, then CompareAndSwap("count/cas", v - 1, v) (decimal; from
// absent for v = 1), which must swap; V must be one more than count/n holds.
// A count/cas one behind count/n (a kill between the two) is caught up
// first.
//
// --workload=batches runs, as operation v, one Store::Write of a WriteBatch
// that puts BatchValue(v) at every key of BatchKeys() (workload.h), in
// several collections, DeleteAll-ing one of them first every
// kBatchClearEvery operations; V must be one more than the last batch the
// store holds (0 if none).
//
// Lines written to the descriptor, each in one write(2):
//   "b <v>\n"      before operation v starts.
//   "a <v> <c>\n"  once every operation up to v is acknowledged: in sync
//                  mode, operation v returned OK; in async mode, the Flush
//                  made after it returned OK. <c> is Stats::compactions.
// On any error the writer prints it to stderr and exits with status 1.

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "dskv/store.h"
#include "dskv/write_batch.h"
#include "tests/crash/workload.h"

namespace dskv_crash {
namespace {

[[noreturn]] void Fail(std::string_view what, const absl::Status& status) {
  std::fprintf(stderr, "crash_writer: %.*s: %s\n",
               static_cast<int>(what.size()), what.data(),
               status.ToString().c_str());
  std::exit(1);
}

[[noreturn]] void Usage(const std::string& problem) {
  Fail("usage", absl::InvalidArgumentError(problem));
}

// "--name=value" arguments by name.
std::map<std::string, std::string> ParseFlags(int argc, char** argv) {
  std::map<std::string, std::string> flags;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const std::size_t eq = arg.find('=');
    if (!arg.starts_with("--") || eq == std::string_view::npos) {
      Usage(std::string("bad argument ") + argv[i]);
    }
    flags[std::string(arg.substr(2, eq - 2))] = std::string(arg.substr(eq + 1));
  }
  return flags;
}

std::string Required(const std::map<std::string, std::string>& flags,
                     const std::string& name) {
  const auto it = flags.find(name);
  if (it == flags.end()) Usage("missing --" + name);
  return it->second;
}

std::string Optional(const std::map<std::string, std::string>& flags,
                     const std::string& name, std::string fallback) {
  const auto it = flags.find(name);
  return it == flags.end() ? fallback : it->second;
}

// Writes one whole line to `fd`. If the reader is gone, SIGPIPE ends us.
void WriteLine(int fd, const std::string& line) {
  std::string_view rest = line;
  while (!rest.empty()) {
    const ssize_t n = ::write(fd, rest.data(), rest.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) Fail("writing progress", absl::ErrnoToStatus(errno, "write"));
    rest.remove_prefix(static_cast<std::size_t>(n));
  }
}

absl::Status Apply(dskv::Store& store, const Op& op) {
  switch (op.kind) {
    case OpKind::kPut:
      return store.Put(op.Key(), WorkloadValue(op.Key(), op.version));
    case OpKind::kDelete:
      return store.Delete(op.Key());
    case OpKind::kDeleteAll:
      return store.DeleteAll(op.collection);
  }
  return absl::InternalError("unknown operation kind");
}

// The value of `key` as a counter; 0 if absent.
std::uint64_t ReadCount(const dskv::Store& store, const std::string& key) {
  absl::StatusOr<std::string> value = store.Get(key);
  if (absl::IsNotFound(value.status())) return 0;
  if (!value.ok()) Fail("Get " + key, value.status());
  return std::stoull(*value);
}

// Sets count/cas from `from` (0: absent) to `from` + 1; it must swap.
void SwapCount(dskv::Store& store, std::uint64_t from) {
  const std::string expected = std::to_string(from);
  absl::StatusOr<bool> swapped = store.CompareAndSwap(
      "count/cas",
      from == 0 ? std::nullopt : std::optional<std::string_view>(expected),
      std::to_string(from + 1));
  if (!swapped.ok()) Fail("CompareAndSwap", swapped.status());
  if (!*swapped) {
    Fail("CompareAndSwap",
         absl::InternalError("count/cas did not hold " + expected));
  }
}

// Operation `version` of --workload=counters.
void Count(dskv::Store& store, std::uint64_t version) {
  absl::StatusOr<std::int64_t> sum = store.Increment("count/n", 1);
  if (!sum.ok()) Fail("Increment", sum.status());
  if (static_cast<std::uint64_t>(*sum) != version) {
    Fail("Increment", absl::InternalError("returned " + std::to_string(*sum) +
                                          ", not the operation's number " +
                                          std::to_string(version)));
  }
  SwapCount(store, version - 1);
}

// The version of the last batch the store holds, from its first key; 0 if
// absent.
std::uint64_t ReadBatchVersion(const dskv::Store& store) {
  const std::string key = BatchKeys().front();
  absl::StatusOr<std::string> value = store.Get(key);
  if (absl::IsNotFound(value.status())) return 0;
  if (!value.ok()) Fail("Get " + key, value.status());
  const std::optional<std::uint64_t> version = ParseBatchValue(*value);
  if (!version.has_value()) {
    Fail("Get " + key, absl::InternalError("not a batch's value"));
  }
  return *version;
}

// Operation `version` of --workload=batches.
void WriteBatchOf(dskv::Store& store, std::uint64_t version) {
  const std::string value = BatchValue(version);
  const std::optional<int> cleared = BatchClearedCollection(version);
  dskv::WriteBatch batch;
  for (int c = 0; c < kBatchCollections; ++c) {
    const std::string collection = BatchCollection(c);
    if (cleared == c) batch.DeleteAll(collection);
    for (const std::string& member : BatchMembers()) {
      batch.Put(collection + "/" + member, value);
    }
  }
  if (absl::Status s = store.Write(batch); !s.ok()) {
    Fail("Write of batch " + std::to_string(version), s);
  }
}

void Acknowledge(int fd, const dskv::Store& store, std::uint64_t version) {
  absl::StatusOr<dskv::Stats> stats = store.GetStats();
  if (!stats.ok()) Fail("GetStats", stats.status());
  WriteLine(fd, "a " + std::to_string(version) + " " +
                    std::to_string(stats->compactions) + "\n");
}

int Run(int argc, char** argv) {
  const std::map<std::string, std::string> flags = ParseFlags(argc, argv);
  const std::string dir = Required(flags, "dir");
  const std::string durability = Required(flags, "durability");
  const std::uint64_t seed = std::stoull(Required(flags, "seed"));
  const std::uint64_t first_version =
      std::stoull(Required(flags, "first_version"));
  const int ack_fd = std::stoi(Required(flags, "ack_fd"));
  const std::uint64_t flush_every =
      std::stoull(Optional(flags, "flush_every", "1"));

  dskv::Options options;
  if (durability == "sync") {
    options.durability = dskv::Durability::kSync;
  } else if (durability == "async") {
    options.durability = dskv::Durability::kAsync;
  } else {
    Usage("--durability must be sync or async");
  }
  if (flush_every == 0) Usage("--flush_every must be positive");
  options.flush_interval = std::chrono::milliseconds(
      std::stoll(Optional(flags, "flush_interval_ms", "100")));
  options.compaction_min_bytes =
      std::stoull(Optional(flags, "compaction_min_bytes",
                           std::to_string(options.compaction_min_bytes)));
  options.compaction_dead_ratio =
      std::stod(Optional(flags, "compaction_dead_ratio",
                         std::to_string(options.compaction_dead_ratio)));

  absl::StatusOr<std::unique_ptr<dskv::Store>> store =
      dskv::Store::Open(dir, options);
  if (!store.ok()) Fail("Open", store.status());

  const std::string workload = Optional(flags, "workload", "ops");
  if (workload != "ops" && workload != "counters" && workload != "batches") {
    Usage("--workload must be ops, counters or batches");
  }
  const bool counters = workload == "counters";
  const bool batches = workload == "batches";
  if (counters) {
    const std::uint64_t count = ReadCount(**store, "count/n");
    if (count + 1 != first_version) {
      Usage("--first_version must be count/n + 1 = " +
            std::to_string(count + 1));
    }
    if (count > 0 && ReadCount(**store, "count/cas") + 1 == count) {
      SwapCount(**store, count - 1);
    }
  }
  if (batches) {
    const std::uint64_t last = ReadBatchVersion(**store);
    if (last + 1 != first_version) {
      Usage("--first_version must be the store's last batch + 1 = " +
            std::to_string(last + 1));
    }
  }

  for (std::uint64_t version = first_version;; ++version) {
    WriteLine(ack_fd, "b " + std::to_string(version) + "\n");
    if (counters) {
      Count(**store, version);
    } else if (batches) {
      WriteBatchOf(**store, version);
    } else if (absl::Status s = Apply(**store, WorkloadOp(seed, version));
               !s.ok()) {
      Fail("operation " + std::to_string(version), s);
    }
    if (options.durability == dskv::Durability::kSync) {
      Acknowledge(ack_fd, **store, version);
    } else if ((version - first_version + 1) % flush_every == 0) {
      if (absl::Status s = (*store)->Flush(); !s.ok()) Fail("Flush", s);
      Acknowledge(ack_fd, **store, version);
    }
  }
}

}  // namespace
}  // namespace dskv_crash

int main(int argc, char** argv) { return dskv_crash::Run(argc, argv); }
