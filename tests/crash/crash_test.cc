// Kills a process that is writing to a store (crash_writer) with SIGKILL at
// random moments, then opens the store again and checks it: Open must
// succeed (a crash leaves at most torn tails, never DataLoss), every
// acknowledged operation must have survived, every value must be one the
// writer wrote for its key, and a batch (one Store::Write) must be there
// whole or not at all. Each test runs several kill rounds on one store;
// every round's writer continues where the previous one was killed.
//
// The kill points are drawn from a seeded generator; the seed is printed and
// can be replayed with --test_env=DSKV_CRASH_SEED=<seed>. More rounds:
// --test_env=DSKV_CRASH_ROUNDS=<n>.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "dskv/store.h"
#include "gtest/gtest.h"
#include "tests/crash/workload.h"
#include "tests/temp_dir.h"

extern char** environ;

namespace dskv_crash {
namespace {

using ::dskv_test::TempDirTest;
using Clock = std::chrono::steady_clock;

// Longest the test waits for the writer's progress; only reached if the
// writer hangs.
constexpr std::chrono::seconds kWriterTimeout{60};

// The descriptor the writer reports progress on.
constexpr int kProgressFd = 3;

std::uint64_t EnvOr(const char* name, std::uint64_t fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? std::stoull(value) : fallback;
}

// How the writer runs, and when it is killed.
struct WriterSettings {
  std::string workload = "ops";  // crash_writer's --workload.
  std::string durability;        // "sync" or "async".
  int flush_every = 1;           // Async: operations per Flush.
  int flush_interval_ms = 100;
  std::uint64_t compaction_min_bytes = std::uint64_t{4} << 20;
  double compaction_dead_ratio = 1.0;
  // The writer is killed after a random number of acknowledgements, 0 to
  // max_acks, and a further random delay of up to max_delay.
  int max_acks = 20;
  std::chrono::microseconds max_delay{3000};
};

// What a writer reported before it died.
struct Progress {
  std::uint64_t begun = 0;         // The last operation it started.
  std::uint64_t acknowledged = 0;  // Every operation up to this one.
  std::uint64_t acks = 0;
  std::uint64_t compactions = 0;
};

// A running crash_writer whose progress lines are read through a pipe.
class WriterProcess {
 public:
  ~WriterProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (fd_ >= 0) ::close(fd_);
  }

  // Starts the writer; `progress` is updated as its lines arrive.
  void Start(const std::vector<std::string>& args, Progress* progress) {
    progress_ = progress;
    int fds[2];
    ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0) << std::strerror(errno);
    fd_ = fds[0];
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    // dup2 clears close-on-exec on the copy the writer gets.
    posix_spawn_file_actions_adddup2(&actions, fds[1], kProgressFd);
    std::vector<char*> argv;
    for (const std::string& arg : args) {
      argv.push_back(const_cast<char*>(arg.c_str()));
    }
    argv.push_back(nullptr);
    const int error =
        ::posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(fds[1]);
    ASSERT_EQ(error, 0) << "posix_spawn " << argv[0] << ": "
                        << std::strerror(error);
  }

  // Reads progress until `done()` holds. Fails if the writer exits first or
  // takes longer than kWriterTimeout.
  template <typename Done>
  void ReadUntil(Done done) {
    const Clock::time_point deadline = Clock::now() + kWriterTimeout;
    while (!done()) {
      ASSERT_LT(Clock::now(), deadline) << "the writer made no progress for "
                                        << kWriterTimeout.count() << " s";
      bool eof = false;
      ASSERT_NO_FATAL_FAILURE(ReadSome(deadline, &eof));
      if (eof) {
        int status = 0;
        ::waitpid(pid_, &status, 0);
        pid_ = -1;
        FAIL() << "the writer exited by itself (" << DescribeExit(status)
               << "); see its message above";
      }
    }
  }

  // Goes on reading progress for `delay`, then kills the writer with
  // SIGKILL and reads what it wrote before it died.
  void KillAfter(std::chrono::microseconds delay) {
    const Clock::time_point kill_at = Clock::now() + delay;
    bool eof = false;
    while (!eof && Clock::now() < kill_at) {
      ASSERT_NO_FATAL_FAILURE(ReadSome(kill_at, &eof));
    }
    ASSERT_EQ(::kill(pid_, SIGKILL), 0) << std::strerror(errno);
    int status = 0;
    ASSERT_EQ(::waitpid(pid_, &status, 0), pid_) << std::strerror(errno);
    pid_ = -1;
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << "the writer was not killed by SIGKILL but " << DescribeExit(status)
        << "; see its message above";
    // Lines written before the kill are still in the pipe: acknowledgements
    // among them count too.
    while (!eof) {
      ASSERT_NO_FATAL_FAILURE(ReadSome(Clock::now() + kWriterTimeout, &eof));
    }
    ASSERT_TRUE(buffer_.empty()) << "unterminated line \"" << buffer_ << "\"";
  }

 private:
  static std::string DescribeExit(int status) {
    if (WIFEXITED(status)) {
      return "exit status " + std::to_string(WEXITSTATUS(status));
    }
    if (WIFSIGNALED(status)) {
      return std::string("signal ") + strsignal(WTERMSIG(status));
    }
    return "wait status " + std::to_string(status);
  }

  // Waits until `deadline` for bytes, and handles the lines they complete.
  void ReadSome(Clock::time_point deadline, bool* eof) {
    const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - Clock::now());
    pollfd p{fd_, POLLIN, 0};
    const int ready = ::poll(&p, 1, std::max<int>(0, wait.count()));
    if (ready < 0 && errno == EINTR) return;
    ASSERT_GE(ready, 0) << std::strerror(errno);
    if (ready == 0) return;
    char bytes[4096];
    const ssize_t n = ::read(fd_, bytes, sizeof(bytes));
    if (n < 0 && errno == EINTR) return;
    ASSERT_GE(n, 0) << std::strerror(errno);
    if (n == 0) {
      *eof = true;
      return;
    }
    buffer_.append(bytes, static_cast<std::size_t>(n));
    for (std::size_t end; (end = buffer_.find('\n')) != std::string::npos;) {
      ASSERT_NO_FATAL_FAILURE(HandleLine(buffer_.substr(0, end)));
      buffer_.erase(0, end + 1);
    }
  }

  void HandleLine(const std::string& line) {
    std::istringstream in(line);
    char kind = 0;
    std::uint64_t version = 0;
    in >> kind >> version;
    if (kind == 'b' && in) {
      ASSERT_EQ(version, progress_->begun + 1) << "line \"" << line << "\"";
      progress_->begun = version;
      return;
    }
    std::uint64_t compactions = 0;
    in >> compactions;
    ASSERT_TRUE(kind == 'a' && in) << "bad line \"" << line << "\"";
    ASSERT_LE(version, progress_->begun) << "line \"" << line << "\"";
    progress_->acknowledged = version;
    progress_->compactions = compactions;
    ++progress_->acks;
  }

  pid_t pid_ = -1;
  int fd_ = -1;
  std::string buffer_;
  Progress* progress_ = nullptr;
};

// A value, or its absence, for failure messages.
std::string Describe(const std::optional<std::string>& value) {
  if (!value.has_value()) return "absent";
  constexpr std::size_t kShown = 24;
  return ::testing::PrintToString(value->substr(0, kShown)) +
         (value->size() > kShown ? "..." : "") + " (" +
         std::to_string(value->size()) + " bytes)";
}

// What the test knows of the store. For every key: a state it was certainly
// in as of some version (after an acknowledged operation, or as found when
// the store was last recovered), from which the operations begun since may
// have moved it on.
class Model {
 public:
  explicit Model(std::uint64_t seed) : seed_(seed) {
    for (const std::string& key : WorkloadKeys()) known_[key] = Known{};
  }

  // Records that every operation up to `version` was acknowledged.
  void Acknowledge(std::uint64_t version) {
    for (; acknowledged_ < version; ++acknowledged_) {
      const Op& op = OpAt(acknowledged_ + 1);
      for (auto& [key, known] : known_) {
        if (op.Affects(key)) known = StateAfter(op);
      }
    }
  }

  // Checks a store recovered after a writer that began operations up to
  // `begun` was killed, then takes what it holds as known.
  void CheckRecovered(const dskv::Store& store, std::uint64_t begun) {
    std::map<std::string, std::uint64_t> present_by_collection;
    std::uint64_t present = 0;
    for (auto& [key, known] : known_) {
      // The states the key may be in, oldest first.
      std::vector<Known> allowed = {known};
      for (std::uint64_t v = known.since + 1; v <= begun; ++v) {
        if (OpAt(v).Affects(key)) allowed.push_back(StateAfter(OpAt(v)));
      }
      absl::StatusOr<std::string> got = store.Get(key);
      if (!got.ok() && !absl::IsNotFound(got.status())) {
        ADD_FAILURE() << "Get(\"" << key << "\"): " << got.status();
        continue;
      }
      const std::optional<std::string> found =
          got.ok() ? std::optional<std::string>(*got) : std::nullopt;
      const auto match = std::find_if(
          allowed.rbegin(), allowed.rend(),
          [&](const Known& k) { return ValueOf(key, k) == found; });
      if (match == allowed.rend()) {
        ADD_FAILURE() << "key \"" << key << "\" is " << Describe(found)
                      << ", which is no state it may be in: "
                      << DescribeAllowed(key, allowed)
                      << " (acknowledged up to operation " << acknowledged_
                      << ", begun up to " << begun << ")";
        continue;
      }
      known = Known{begun, match->put};
      if (found.has_value()) {
        ++present;
        ++present_by_collection[key.substr(0, key.find('/'))];
      }
    }
    acknowledged_ = std::max(acknowledged_, begun);
    CheckNothingElse(store, present, present_by_collection);
  }

 private:
  // A key's state as of operation `since`: the value of the put at `put`, or
  // absent.
  struct Known {
    std::uint64_t since = 0;
    std::optional<std::uint64_t> put;
  };

  static Known StateAfter(const Op& op) {
    return Known{op.version, op.kind == OpKind::kPut
                                 ? std::optional<std::uint64_t>(op.version)
                                 : std::nullopt};
  }

  static std::optional<std::string> ValueOf(const std::string& key,
                                            const Known& state) {
    if (!state.put.has_value()) return std::nullopt;
    return WorkloadValue(key, *state.put);
  }

  static std::string DescribeAllowed(const std::string& key,
                                     const std::vector<Known>& allowed) {
    std::string out;
    for (const Known& state : allowed) {
      if (!out.empty()) out += ", or ";
      out += "after operation " + std::to_string(state.since) + ": " +
             Describe(ValueOf(key, state));
    }
    return out;
  }

  // The store holds no key the workload does not write.
  static void CheckNothingElse(
      const dskv::Store& store, std::uint64_t present,
      const std::map<std::string, std::uint64_t>& present_by_collection) {
    for (const WorkloadCollection& c : WorkloadCollections()) {
      auto all = store.GetAll(c.name);
      ASSERT_TRUE(all.ok()) << all.status();
      const auto expected = present_by_collection.find(c.name);
      EXPECT_EQ(all->size(),
                expected == present_by_collection.end() ? 0 : expected->second)
          << "members of collection \"" << c.name << "\"";
    }
    absl::StatusOr<dskv::Stats> stats = store.GetStats();
    ASSERT_TRUE(stats.ok()) << stats.status();
    EXPECT_EQ(stats->keys, present) << "keys in the whole store";
  }

  const Op& OpAt(std::uint64_t version) {
    while (ops_.size() < version) {
      ops_.push_back(WorkloadOp(seed_, ops_.size() + 1));
    }
    return ops_[version - 1];
  }

  const std::uint64_t seed_;
  std::vector<Op> ops_;  // ops_[v - 1] is operation v.
  std::uint64_t acknowledged_ = 0;
  std::map<std::string, Known> known_;
};

class CrashTest : public TempDirTest {
 protected:
  // What the rounds of the last RunRounds did.
  struct Totals {
    std::uint64_t operations = 0;
    std::uint64_t acks = 0;
    std::uint64_t compactions = 0;  // Reported by writers before they died.
    std::uint64_t temp_files = 0;   // Found after kills.
    std::uint64_t torn_tails = 0;   // Cut by Open after kills.
  };

  // Runs the kill rounds: DSKV_CRASH_ROUNDS of them, or `default_rounds`.
  void RunRounds(const WriterSettings& settings, int default_rounds) {
    const char* srcdir = std::getenv("TEST_SRCDIR");
    const char* workspace = std::getenv("TEST_WORKSPACE");
    ASSERT_TRUE(srcdir != nullptr && workspace != nullptr)
        << "run this test with bazel test: it finds crash_writer through "
           "$TEST_SRCDIR";
    const std::string writer =
        std::string(srcdir) + "/" + workspace + "/tests/crash/crash_writer";
    const std::uint64_t seed = EnvOr("DSKV_CRASH_SEED", std::random_device()());
    const std::uint64_t rounds = EnvOr("DSKV_CRASH_ROUNDS", default_rounds);
    std::cerr << "seed " << seed
              << " (replay: --test_env=DSKV_CRASH_SEED=" << seed << "), "
              << rounds << " rounds\n";
    RecordProperty("seed", std::to_string(seed));
    SCOPED_TRACE("seed " + std::to_string(seed));

    std::mt19937_64 rng(seed);
    Model model(seed);
    std::uint64_t next_version = 1;
    std::uint64_t swapped = 0;  // count/cas as the last round recovered it.
    Totals totals;
    for (std::uint64_t round = 0; round < rounds; ++round) {
      SCOPED_TRACE("round " + std::to_string(round));
      const int target_acks =
          std::uniform_int_distribution<int>(0, settings.max_acks)(rng);
      const std::chrono::microseconds delay(
          std::uniform_int_distribution<std::int64_t>(
              0, settings.max_delay.count())(rng));

      Progress progress;
      progress.begun = progress.acknowledged = next_version - 1;
      {
        WriterProcess process;
        ASSERT_NO_FATAL_FAILURE(process.Start(
            WriterArgs(writer, settings, seed, next_version), &progress));
        ASSERT_NO_FATAL_FAILURE(process.ReadUntil([&] {
          return progress.acks >= static_cast<std::uint64_t>(target_acks);
        }));
        ASSERT_NO_FATAL_FAILURE(process.KillAfter(delay));
      }
      totals.acks += progress.acks;
      totals.operations += progress.begun - (next_version - 1);
      totals.compactions += progress.compactions;
      totals.temp_files += CountTempFiles();
      const bool counters = settings.workload == "counters";
      const bool batches = settings.workload == "batches";
      if (!counters && !batches) model.Acknowledge(progress.acknowledged);

      absl::StatusOr<std::unique_ptr<dskv::Store>> store =
          dskv::Store::Open(dir());
      ASSERT_TRUE(store.ok())
          << "Open after SIGKILL failed: " << store.status();
      absl::StatusOr<dskv::Stats> stats = (*store)->GetStats();
      ASSERT_TRUE(stats.ok()) << stats.status();
      EXPECT_EQ(stats->corrupt_regions_skipped, 0);
      EXPECT_EQ(stats->corrupt_files_set_aside, 0);
      totals.torn_tails += stats->torn_tails_truncated;
      if (counters) {
        ASSERT_NO_FATAL_FAILURE(CheckCounters(**store, progress, &swapped));
        next_version = Count(**store, "count/n") + 1;
      } else if (batches) {
        std::uint64_t batch = 0;
        ASSERT_NO_FATAL_FAILURE(CheckBatches(**store, progress, &batch));
        next_version = batch + 1;
      } else {
        ASSERT_NO_FATAL_FAILURE(model.CheckRecovered(**store, progress.begun));
        next_version = progress.begun + 1;
      }
      ASSERT_TRUE((*store)->Close().ok());
      if (HasFailure()) return;
    }
    std::cerr << totals.operations << " operations, " << totals.acks
              << " acknowledgements, " << totals.compactions << " compactions, "
              << totals.temp_files << " temporary files and "
              << totals.torn_tails << " torn tails left by kills\n";
    last_totals_ = totals;
  }

  Totals last_totals_;

 private:
  // The counter at `key` (decimal); 0 if absent.
  static std::uint64_t Count(const dskv::Store& store, const std::string& key) {
    absl::StatusOr<std::string> value = store.Get(key);
    if (absl::IsNotFound(value.status())) return 0;
    EXPECT_TRUE(value.ok()) << value.status();
    return value.ok() ? std::stoull(*value) : 0;
  }

  // --workload=counters: operation v made count/n and then count/cas v, so
  // both hold at least the last acknowledged operation, at most the last
  // begun, and count/cas is at most one behind (a kill between the two).
  // `*swapped` is count/cas as the previous round recovered it, and is set to
  // what this round recovered: until the writer acknowledges an operation,
  // count/cas may stay one behind the count/n it started from, since the
  // writer catches it up before its first operation and may be killed first.
  static void CheckCounters(const dskv::Store& store, const Progress& progress,
                            std::uint64_t* swapped) {
    const std::uint64_t n = Count(store, "count/n");
    const std::uint64_t cas = Count(store, "count/cas");
    EXPECT_GE(n, progress.acknowledged) << "an acknowledged Increment is lost";
    EXPECT_LE(n, progress.begun) << "an Increment nobody made";
    EXPECT_GE(cas, progress.acks > 0 ? progress.acknowledged : *swapped)
        << "an acknowledged CompareAndSwap is lost";
    *swapped = cas;
    EXPECT_TRUE(cas == n || cas + 1 == n)
        << "count/cas " << cas << " vs count/n " << n;
  }

  // Each key of BatchKeys(), in order, with the batch it holds: nullopt if
  // absent.
  using BatchKeyVersions =
      std::vector<std::pair<std::string, std::optional<std::uint64_t>>>;

  // --workload=batches: operation v was one Write that put v at every key
  // of BatchKeys(), in several collections, so those keys all hold the same
  // v, or are all absent (v = 0) before the first batch; a mix is part of a
  // batch. That v is at least the last acknowledged operation and at most
  // the last begun. Sets `*batch` to v.
  static void CheckBatches(const dskv::Store& store, const Progress& progress,
                           std::uint64_t* batch) {
    BatchKeyVersions found;
    std::map<std::optional<std::uint64_t>, int> keys_per_batch;
    for (const std::string& key : BatchKeys()) {
      absl::StatusOr<std::string> got = store.Get(key);
      std::optional<std::uint64_t> version;
      if (got.ok()) {
        version = ParseBatchValue(*got);
        ASSERT_TRUE(version.has_value())
            << "key \"" << key << "\" is " << Describe(*got)
            << ", which no batch writes";
      } else {
        ASSERT_TRUE(absl::IsNotFound(got.status()))
            << "Get(\"" << key << "\"): " << got.status();
      }
      found.emplace_back(key, version);
      ++keys_per_batch[version];
    }
    ASSERT_EQ(keys_per_batch.size(), 1u)
        << "part of a batch: the keys of one Write hold different batches "
           "(acknowledged up to batch "
        << progress.acknowledged << ", begun up to " << progress.begun << "):\n"
        << DescribeBatchKeys(found);
    *batch = keys_per_batch.begin()->first.value_or(0);
    EXPECT_GE(*batch, progress.acknowledged)
        << "an acknowledged batch is lost: every key holds batch " << *batch;
    EXPECT_LE(*batch, progress.begun)
        << "batch " << *batch << ", which was never begun";

    // Nothing else: no member a batch does not put.
    const std::uint64_t members = *batch == 0 ? 0 : kBatchMembers;
    for (int c = 0; c < kBatchCollections; ++c) {
      auto all = store.GetAll(BatchCollection(c));
      ASSERT_TRUE(all.ok()) << all.status();
      EXPECT_EQ(all->size(), members)
          << "members of collection \"" << BatchCollection(c)
          << "\" after batch " << *batch;
    }
    absl::StatusOr<dskv::Stats> stats = store.GetStats();
    ASSERT_TRUE(stats.ok()) << stats.status();
    EXPECT_EQ(stats->keys, members * kBatchCollections)
        << "keys in the whole store after batch " << *batch;
  }

  // What the keys of the batches hold, a line per collection: the batch all
  // its members hold, or, if they differ, each member's.
  static std::string DescribeBatchKeys(const BatchKeyVersions& found) {
    const auto batch_of = [](const std::optional<std::uint64_t>& version) {
      return version.has_value() ? "batch " + std::to_string(*version)
                                 : std::string("absent");
    };
    std::string out;
    for (int c = 0; c < kBatchCollections; ++c) {
      const auto begin = found.begin() + c * kBatchMembers;
      const auto end = begin + kBatchMembers;
      out += "  collection \"" + BatchCollection(c) + "\": ";
      if (std::all_of(begin, end, [&](const auto& key_version) {
            return key_version.second == begin->second;
          })) {
        out += "all " + std::to_string(kBatchMembers) +
               " keys: " + batch_of(begin->second);
      } else {
        for (auto it = begin; it != end; ++it) {
          out += (it == begin ? "" : ", ") + it->first + ": " +
                 batch_of(it->second);
        }
      }
      out += "\n";
    }
    return out;
  }

  std::vector<std::string> WriterArgs(const std::string& writer,
                                      const WriterSettings& settings,
                                      std::uint64_t seed,
                                      std::uint64_t first_version) const {
    return {
        writer,
        "--dir=" + dir(),
        "--workload=" + settings.workload,
        "--durability=" + settings.durability,
        "--seed=" + std::to_string(seed),
        "--first_version=" + std::to_string(first_version),
        "--ack_fd=" + std::to_string(kProgressFd),
        "--flush_every=" + std::to_string(settings.flush_every),
        "--flush_interval_ms=" + std::to_string(settings.flush_interval_ms),
        "--compaction_min_bytes=" +
            std::to_string(settings.compaction_min_bytes),
        "--compaction_dead_ratio=" +
            std::to_string(settings.compaction_dead_ratio),
    };
  }

  // Temporary files of rewrites the kill interrupted.
  std::uint64_t CountTempFiles() const {
    std::uint64_t count = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir())) {
      if (entry.path().extension() == ".tmp") ++count;
    }
    return count;
  }
};

// A writer of `workload` in kSync mode: each operation acknowledged as its
// call returns.
WriterSettings Sync(std::string workload) {
  WriterSettings settings;
  settings.workload = std::move(workload);
  settings.durability = "sync";
  settings.max_acks = 150;
  return settings;
}

// A writer of `workload` in kAsync mode, acknowledging at each Flush.
WriterSettings FlushedAsync(std::string workload) {
  WriterSettings settings;
  settings.workload = std::move(workload);
  settings.durability = "async";
  settings.flush_every = 8;
  // The janitor also writes between flushes, so kills land in its appends.
  settings.flush_interval_ms = 2;
  settings.max_acks = 50;
  return settings;
}

TEST_F(CrashTest, SyncWritesSurviveKill) { RunRounds(Sync("ops"), 20); }

TEST_F(CrashTest, FlushedAsyncWritesSurviveKill) {
  RunRounds(FlushedAsync("ops"), 20);
}

TEST_F(CrashTest, SyncIncrementsAndSwapsSurviveKill) {
  RunRounds(Sync("counters"), 20);
}

TEST_F(CrashTest, FlushedAsyncIncrementsAndSwapsSurviveKill) {
  RunRounds(FlushedAsync("counters"), 20);
}

// Each operation is one Write of a batch across several collections (one
// DeleteAll-ing a collection every kBatchClearEvery): after every kill, all
// its keys hold the same batch, never part of one.
TEST_F(CrashTest, SyncBatchesAcrossCollectionsSurviveKillWhole) {
  RunRounds(Sync("batches"), 20);
}

TEST_F(CrashTest, FlushedAsyncBatchesAcrossCollectionsSurviveKillWhole) {
  RunRounds(FlushedAsync("batches"), 20);
}

TEST_F(CrashTest, KillDuringCompactionLosesNothing) {
  WriterSettings settings;
  settings.durability = "async";
  settings.flush_every = 4;
  settings.flush_interval_ms = 1;
  // Nearly every pass rewrites a file through a temporary one and a rename.
  settings.compaction_min_bytes = 4096;
  settings.compaction_dead_ratio = 0.05;
  settings.max_acks = 60;
  RunRounds(settings, 20);
  if (HasFailure()) return;
  EXPECT_GT(last_totals_.compactions, 0)
      << "the writers compacted nothing: the test did not test compaction";
}

}  // namespace
}  // namespace dskv_crash
