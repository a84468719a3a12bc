// RedisRouter: which connection a Redis command goes over, for one Redis
// server or a Redis Cluster. A client, not a distributed engine: it learns
// the cluster's slot map (CLUSTER SLOTS), sends each exchange to the master
// of its slot, follows MOVED and ASK redirects, and after a lost connection,
// TRYAGAIN or CLUSTERDOWN (a failover in progress) reconnects and retries
// until Options::retry has passed. Connections are pooled per node, so
// calls from many threads run at once.

#ifndef DSKV_REDIS_ROUTER_H_
#define DSKV_REDIS_ROUTER_H_

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "dskv/kv_url.h"
#include "dskv/redis_connection.h"

namespace dskv {

inline constexpr std::size_t kRedisSlots = 16384;

// The cluster slot of `key`: CRC16-XMODEM of its hash tag (what is inside
// its first "{...}", if that is not empty) or else of the whole key, modulo
// 16384.
std::uint16_t RedisSlot(std::string_view key);

class RedisRouter {
 public:
  struct Options {
    std::vector<HostPort> seeds;
    bool cluster = false;
    // Connecting, and waiting for each reply.
    std::chrono::milliseconds timeout{5000};
    // How long an exchange retries before it fails.
    std::chrono::milliseconds retry{15000};
  };

  // Connects to the first seed that answers and, for a cluster, reads its
  // slot map. Unavailable if none answers; FailedPrecondition if a cluster
  // seed is not in cluster mode.
  static absl::StatusOr<std::unique_ptr<RedisRouter>> Connect(Options options);
  ~RedisRouter();

  // A conversation with one node: one or more connection.Run calls. Its
  // status is the caller's; replies that redirect are the router's.
  using Exchange = absl::FunctionRef<absl::Status(RedisConnection&)>;

  // What an exchange does, for retries and Flush.
  enum class Kind {
    kRead,
    // Writes that may be applied twice (plain MULTI/EXEC of puts and
    // deletes).
    kWrite,
    // Writes that must not run twice (a batch with conditions): after a lost
    // connection, fail rather than retry, as whether they ran is unknown.
    kWriteOnce,
  };

  // Runs `exchange` on a connection to the master of `slot` (on a single
  // server: to it), again on the right node after a redirect, and again
  // after a lost connection or a cluster in failover, until it gets through
  // or Options::retry passes (then Unavailable, with the last error).
  absl::Status Run(std::uint16_t slot, Kind kind, Exchange exchange);

  // Runs `exchange` on every master once (e.g. SCAN, which is per node).
  // If one fails to answer, refreshes the slot map and starts over, until
  // Options::retry passes; so `exchange` must tolerate running again.
  absl::Status RunOnEveryMaster(Exchange exchange);

  // Returns once every write made before the call through this router has
  // been acknowledged by its master's replicas (WAIT on each connection that
  // wrote). DeadlineExceeded if fewer replicas acknowledged in time;
  // Unavailable if a connection that wrote since the last Flush was lost, so
  // that its writes cannot be vouched for (reported once).
  absl::Status Flush();

  // Closes the connections no exchange is using (KeyValue::Close).
  void DropIdleConnections();

 private:
  struct Node;
  class Lease;

  explicit RedisRouter(Options options) : options_(std::move(options)) {}

  std::shared_ptr<Node> NodeAt(const HostPort& address);
  std::shared_ptr<Node> MasterOf(std::uint16_t slot);
  // Reads CLUSTER SLOTS from a known node or a seed.
  absl::Status RefreshSlots();
  absl::Status RefreshSlotsFrom(Node& node);
  std::vector<std::shared_ptr<Node>> Masters();

  const Options options_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<Node>> nodes_ ABSL_GUARDED_BY(mu_);
  std::array<std::shared_ptr<Node>, kRedisSlots> slots_ ABSL_GUARDED_BY(mu_);
};

}  // namespace dskv

#endif  // DSKV_REDIS_ROUTER_H_
