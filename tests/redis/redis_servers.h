// Real Redis servers, and a real Redis Cluster, that a test starts and
// stops itself: Debian's redis-server and redis-cli (7.0), run as child
// processes on free ports of 127.0.0.1, each in a directory of its own.
// For conformance and failover tests of dskv's Redis client.
//
// The servers cannot outlive the test: destructors stop them, and the
// kernel kills them if the test process dies first (child_process.h; so
// start them from the test's main thread, or from a thread that lives as
// long as they should). Each call waits with a deadline, and an error says
// what it saw last, with the end of the server's log.
//
//   absl::StatusOr<std::unique_ptr<RedisCluster>> cluster =
//       RedisCluster::Start();
//   ASSERT_TRUE(cluster.ok()) << cluster.status();
//   const int slot = Slot("key");  // redis_slot.h
//   absl::StatusOr<std::string> master = (*cluster)->MasterOf(slot);
//   RedisString(*master, {"SET", "key", "1"});
//   (*cluster)->KillMaster(slot);
//   (*cluster)->WaitForFailover(slot);  // The replica now serves "key".

#ifndef DSKV_TESTS_REDIS_REDIS_SERVERS_H_
#define DSKV_TESTS_REDIS_REDIS_SERVERS_H_

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tests/redis/child_process.h"
#include "tests/redis/redis_command.h"
#include "tests/redis/scratch_dir.h"

namespace dskv_test {

// Longest a server may take to answer PING once started.
inline constexpr std::chrono::milliseconds kRedisStartTimeout{10000};
// Longest a server may take to exit after SIGTERM before it is killed.
inline constexpr std::chrono::milliseconds kRedisStopTimeout{10000};
// Longest a cluster may take to form, or to fail over (both take a few
// seconds here; see RedisClusterOptions::node_timeout_ms).
inline constexpr std::chrono::milliseconds kRedisClusterTimeout{30000};

// Calls `check` until it returns anything but Unavailable, every 20 ms, for
// at most `timeout`; returns what it returned, or DeadlineExceeded with the
// last Unavailable's message. For waiting on a state that Redis reaches on
// its own (a sync, a failover), not for hiding a race.
absl::Status WaitUntil(std::chrono::milliseconds timeout,
                       const std::function<absl::Status()>& check);

struct RedisServerOptions {
  // Where the server's own directory is made: $TEST_TMPDIR if empty.
  std::string parent_dir;
  // --appendonly: whether every write goes to the append-only file
  // (appendonlydir/ in dir()) and is loaded again by Restart.
  bool appendonly = true;
  // --appendfsync: "always", "everysec" or "no".
  std::string appendfsync = "everysec";
  // More arguments, after the standard ones (so they win), e.g.
  // {"--cluster-enabled", "yes"}. Relative paths are inside dir().
  std::vector<std::string> extra_args;
};

// One redis-server on 127.0.0.1:port(), with dir() as its working directory
// and its log in dir()/redis.log. No RDB snapshots (--save ""). Stopped,
// and its directory removed, on destruction.
class RedisServer {
 public:
  // Starts a server on a port P where P and P + 10000 (the cluster bus
  // port, in case it is a cluster node) are free, and waits until it answers
  // PING. If another process takes the port first, tries again with another
  // (at most five times).
  static absl::StatusOr<std::unique_ptr<RedisServer>> Start(
      const RedisServerOptions& options = {});

  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;
  ~RedisServer();

  std::uint16_t port() const { return port_; }
  // "127.0.0.1:PORT", what RedisCommand takes.
  std::string address() const { return LoopbackAddress(port_); }
  const std::string& dir() const { return dir_.path(); }
  bool running() const { return process_.has_value() && process_->running(); }
  // -1 when not running.
  pid_t pid() const { return running() ? process_->pid() : -1; }

  // SIGTERM, and waits for it to exit 0 (Internal, with the end of its log,
  // if it does not); after kRedisStopTimeout, SIGKILL and DeadlineExceeded.
  // OK if not running.
  absl::Status Stop();
  // SIGKILL, as a crash; waits for it to go. Nothing if not running.
  void Kill();
  // Starts a stopped or killed server again on the same port and directory
  // (its append-only file, and a cluster node's nodes.conf, are loaded
  // again), and waits until it answers PING. Aborted if another process
  // took the port meanwhile.
  absl::Status Restart();

  // The last `lines` lines of its log, for failure messages.
  std::string LogTail(int lines = 20) const;

 private:
  RedisServer(ScratchDir dir, RedisServerOptions options)
      : dir_(std::move(dir)), options_(std::move(options)) {}
  // Runs redis-server on port_ and waits for PING; Aborted if it could not
  // listen on its ports (another process took one).
  absl::Status Launch();
  // `status` with the port and the end of the log added.
  absl::Status Annotate(const absl::Status& status) const;

  ScratchDir dir_;
  RedisServerOptions options_;
  std::uint16_t port_ = 0;
  std::optional<ChildProcess> process_;
};

struct RedisClusterOptions {
  // Where the cluster's directory (one per node inside) is made:
  // $TEST_TMPDIR if empty.
  std::string parent_dir;
  int masters = 3;
  int replicas_per_master = 1;
  // --cluster-node-timeout, in ms: how long a node may be unreachable before
  // it is suspected of failing. 1000 (the default is 15000) lets a killed
  // master's replica take over about 2.5 s later: the other masters mark it
  // failed after the timeout, then the replica waits 0.5 to 1 s and wins
  // the election.
  int node_timeout_ms = 1000;
  bool appendonly = true;
  // More redis-server arguments, for every node.
  std::vector<std::string> extra_args;
};

// A range of hash slots and the nodes that serve it, from CLUSTER SLOTS.
struct RedisSlotRange {
  int first = 0;       // Inclusive,
  int last = 0;        // both.
  std::string master;  // "127.0.0.1:PORT".
  std::vector<std::string> replicas;
};

// A Redis Cluster of masters * (1 + replicas_per_master) RedisServers, made
// by `redis-cli --cluster create`; the nodes also run with
// --repl-ping-replica-period 1 (not 10), without which an idle cluster's
// CLUSTER SLOTS lists no replica for 10 s. Stopped on destruction.
class RedisCluster {
 public:
  // Starts the nodes, creates the cluster, and waits until every node
  // reports cluster_state:ok, knows every other, and agrees on which master
  // serves each of the 16384 slots; each master has its replicas, and each
  // replica has finished its first sync.
  static absl::StatusOr<std::unique_ptr<RedisCluster>> Start(
      const RedisClusterOptions& options = {});

  RedisCluster(const RedisCluster&) = delete;
  RedisCluster& operator=(const RedisCluster&) = delete;
  ~RedisCluster();

  // Every node, in the order they were started (killed ones too).
  const std::vector<std::unique_ptr<RedisServer>>& nodes() const {
    return nodes_;
  }
  // The node at `address`, or nullptr if it is not one of ours.
  RedisServer* Node(std::string_view address) const;
  // "127.0.0.1:P,127.0.0.1:Q,...": every node's address, for a URL.
  std::string SeedAddresses() const;

  // The slot ranges as the first running node sees them, sorted.
  absl::StatusOr<std::vector<RedisSlotRange>> Slots() const;
  // The address of the master serving `slot`, as Slots() sees it.
  absl::StatusOr<std::string> MasterOf(int slot) const;

  // Kills (SIGKILL) the master serving `slot` and returns the address of
  // its replica (the first one CLUSTER SLOTS lists: with more than one,
  // which of them takes over is known only after WaitForFailover).
  // FailedPrecondition if it has no replica; then nothing is killed.
  absl::StatusOr<std::string> KillMaster(int slot);
  // Waits until the running nodes all report cluster_state:ok and agree
  // that a running node is the master of every slot; returns the address of
  // the one that serves `slot`.
  absl::StatusOr<std::string> WaitForFailover(int slot);

  // Stops every node, replicas first (so that no master waits for its
  // replicas to acknowledge); the first error, if any.
  absl::Status Stop();

 private:
  RedisCluster(ScratchDir dir, RedisClusterOptions options)
      : dir_(std::move(dir)), options_(std::move(options)) {}
  // Runs redis-cli --cluster create on every node.
  absl::Status Create();
  // Unavailable until the running nodes agree on a slot map in which every
  // master is running; that map.
  absl::StatusOr<std::vector<RedisSlotRange>> AgreedSlots() const;
  // Unavailable until AgreedSlots has the configured masters and replicas,
  // and every replica is in sync.
  absl::Status CheckFormed() const;

  ScratchDir dir_;  // Declared first: destroyed after the nodes in it.
  RedisClusterOptions options_;
  std::vector<std::unique_ptr<RedisServer>> nodes_;
};

}  // namespace dskv_test

#endif  // DSKV_TESTS_REDIS_REDIS_SERVERS_H_
