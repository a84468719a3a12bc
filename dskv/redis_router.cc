#include "dskv/redis_router.h"

#include <fmt/format.h>

#include <algorithm>
#include <condition_variable>
#include <optional>
#include <set>
#include <thread>
#include <utility>

namespace dskv {
namespace {

using Clock = std::chrono::steady_clock;

// CRC16-XMODEM (polynomial 0x1021, initial value 0), as Redis Cluster
// hashes keys.
constexpr std::array<std::uint16_t, 256> kCrc16Table = [] {
  std::array<std::uint16_t, 256> table{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint16_t crc = static_cast<std::uint16_t>(i << 8);
    for (int bit = 0; bit < 8; ++bit) {
      crc = static_cast<std::uint16_t>((crc & 0x8000) ? (crc << 1) ^ 0x1021
                                                      : crc << 1);
    }
    table[i] = crc;
  }
  return table;
}();

std::uint16_t Crc16(std::string_view bytes) {
  std::uint16_t crc = 0;
  for (const char c : bytes) {
    crc = static_cast<std::uint16_t>(
        (crc << 8) ^
        kCrc16Table[((crc >> 8) ^ static_cast<unsigned char>(c)) & 0xFF]);
  }
  return crc;
}

// "MOVED 3999 127.0.0.1:6381" or "ASK 3999 127.0.0.1:6381": the address.
std::optional<HostPort> RedirectTarget(std::string_view error) {
  absl::StatusOr<HostPort> target =
      ParseHostPort(error.substr(error.rfind(' ') + 1));
  if (!target.ok()) return std::nullopt;
  return *std::move(target);
}

std::string Name(const HostPort& address) {
  return fmt::format("{}:{}", address.host, address.port);
}

// Waits between attempts: short at first (a redirect or a reconnect is
// usually enough), longer while a failover runs.
class Backoff {
 public:
  explicit Backoff(std::chrono::milliseconds budget)
      : deadline_(Clock::now() + budget) {}
  // Sleeps, or returns false if the budget is spent.
  bool Wait() {
    const Clock::time_point now = Clock::now();
    if (now >= deadline_) return false;
    std::this_thread::sleep_for(
        std::min<Clock::duration>(delay_, deadline_ - now));
    delay_ = std::min(delay_ * 2, std::chrono::milliseconds(500));
    return true;
  }
  bool Expired() const { return Clock::now() >= deadline_; }

 private:
  const Clock::time_point deadline_;
  std::chrono::milliseconds delay_{10};
};

}  // namespace

std::uint16_t RedisSlot(std::string_view key) {
  const std::size_t open = key.find('{');
  if (open != std::string_view::npos) {
    const std::size_t close = key.find('}', open + 1);
    if (close != std::string_view::npos && close > open + 1) {
      key = key.substr(open + 1, close - open - 1);
    }
  }
  return Crc16(key) & (kRedisSlots - 1);
}

// A server and its idle connections. Flush drains a node: it waits until
// no connection is lent out, lends none meanwhile, and WAITs on those that
// wrote.
struct RedisRouter::Node {
  explicit Node(HostPort a) : address(std::move(a)), name(Name(address)) {}

  const HostPort address;
  const std::string name;

  std::mutex mu;
  std::condition_variable changed;
  std::vector<std::unique_ptr<RedisConnection>> idle ABSL_GUARDED_BY(mu);
  std::size_t lent ABSL_GUARDED_BY(mu) = 0;
  bool draining ABSL_GUARDED_BY(mu) = false;
  // A connection that wrote since the last WAIT was lost.
  bool lost_writes ABSL_GUARDED_BY(mu) = false;
  // Replicas of this master, from the slot map; WAIT asks for all of them.
  std::size_t replicas ABSL_GUARDED_BY(mu) = 0;
};

// A connection lent by a Node, given back when the lease ends: to the idle
// list if it still works.
class RedisRouter::Lease {
 public:
  static absl::StatusOr<Lease> Take(Node& node,
                                    std::chrono::milliseconds timeout) {
    {
      std::unique_lock lock(node.mu);
      node.changed.wait(lock, [&] { return !node.draining; });
      ++node.lent;
      if (!node.idle.empty()) {
        Lease lease(node, std::move(node.idle.back()));
        node.idle.pop_back();
        return lease;
      }
    }
    absl::StatusOr<std::unique_ptr<RedisConnection>> connection =
        RedisConnection::Connect(node.address.host, node.address.port, timeout);
    if (!connection.ok()) {
      std::lock_guard lock(node.mu);
      --node.lent;
      node.changed.notify_all();
      return connection.status();
    }
    return Lease(node, *std::move(connection));
  }

  Lease(Lease&& other) noexcept
      : node_(std::exchange(other.node_, nullptr)),
        connection_(std::move(other.connection_)) {}
  Lease& operator=(Lease&&) = delete;
  ~Lease() {
    if (node_ == nullptr) return;
    std::lock_guard lock(node_->mu);
    --node_->lent;
    if (!connection_->broken()) {
      node_->idle.push_back(std::move(connection_));
    } else if (connection_->unacknowledged_writes) {
      node_->lost_writes = true;
    }
    node_->changed.notify_all();
  }

  RedisConnection& operator*() const { return *connection_; }
  RedisConnection* operator->() const { return connection_.get(); }

 private:
  Lease(Node& node, std::unique_ptr<RedisConnection> connection)
      : node_(&node), connection_(std::move(connection)) {}

  Node* node_;
  std::unique_ptr<RedisConnection> connection_;
};

absl::StatusOr<std::unique_ptr<RedisRouter>> RedisRouter::Connect(
    Options options) {
  std::unique_ptr<RedisRouter> router(new RedisRouter(std::move(options)));
  if (router->options_.cluster) {
    if (absl::Status s = router->RefreshSlots(); !s.ok()) return s;
    return router;
  }
  // One server: every slot is its, and it must answer now.
  std::shared_ptr<Node> node = router->NodeAt(router->options_.seeds.at(0));
  {
    std::lock_guard lock(router->mu_);
    router->slots_.fill(node);
  }
  absl::StatusOr<Lease> lease = Lease::Take(*node, router->options_.timeout);
  if (!lease.ok()) return lease.status();
  absl::StatusOr<std::vector<RedisReply>> pong =
      (*lease)->Run({RedisCommand{"PING"}});
  if (!pong.ok()) return pong.status();
  return router;
}

RedisRouter::~RedisRouter() = default;

std::shared_ptr<RedisRouter::Node> RedisRouter::NodeAt(
    const HostPort& address) {
  std::lock_guard lock(mu_);
  std::shared_ptr<Node>& node = nodes_[Name(address)];
  if (node == nullptr) node = std::make_shared<Node>(address);
  return node;
}

std::shared_ptr<RedisRouter::Node> RedisRouter::MasterOf(std::uint16_t slot) {
  std::lock_guard lock(mu_);
  return slots_[slot];
}

std::vector<std::shared_ptr<RedisRouter::Node>> RedisRouter::Masters() {
  std::lock_guard lock(mu_);
  std::vector<std::shared_ptr<Node>> masters;
  for (const std::shared_ptr<Node>& node : slots_) {
    if (node != nullptr &&
        std::find(masters.begin(), masters.end(), node) == masters.end()) {
      masters.push_back(node);
    }
  }
  return masters;
}

absl::Status RedisRouter::RefreshSlots() {
  if (!options_.cluster) return absl::OkStatus();
  // Known masters first: after a failover the seeds may be the dead ones.
  std::vector<std::shared_ptr<Node>> candidates = Masters();
  for (const HostPort& seed : options_.seeds) {
    std::shared_ptr<Node> node = NodeAt(seed);
    if (std::find(candidates.begin(), candidates.end(), node) ==
        candidates.end()) {
      candidates.push_back(node);
    }
  }
  {
    std::lock_guard lock(mu_);
    for (const auto& [name, node] : nodes_) {
      if (std::find(candidates.begin(), candidates.end(), node) ==
          candidates.end()) {
        candidates.push_back(node);
      }
    }
  }
  absl::Status last = absl::UnavailableError("no Redis Cluster node given");
  for (const std::shared_ptr<Node>& node : candidates) {
    last = RefreshSlotsFrom(*node);
    if (last.ok() || absl::IsFailedPrecondition(last)) return last;
  }
  return last;
}

absl::Status RedisRouter::RefreshSlotsFrom(Node& from) {
  absl::StatusOr<Lease> lease = Lease::Take(from, options_.timeout);
  if (!lease.ok()) return lease.status();
  absl::StatusOr<std::vector<RedisReply>> replies =
      (*lease)->Run({RedisCommand{"CLUSTER", "SLOTS"}});
  if (!replies.ok()) return replies.status();
  const RedisReply& reply = replies->front();
  if (reply.IsError()) {
    return absl::FailedPreconditionError(fmt::format(
        "Redis at {} is not a cluster node: CLUSTER SLOTS answered {}",
        from.name, reply.Describe()));
  }
  const auto malformed = [&] {
    return absl::UnavailableError(
        fmt::format("Redis at {}: unexpected CLUSTER SLOTS reply", from.name));
  };
  if (reply.type != RedisReply::Type::kArray || reply.elements.empty()) {
    return absl::UnavailableError(
        fmt::format("Redis Cluster node {} serves no slots yet", from.name));
  }
  struct Range {
    long long first, last;
    HostPort master;
    std::size_t replicas;
  };
  std::vector<Range> ranges;
  for (const RedisReply& r : reply.elements) {
    if (r.elements.size() < 3 || r.elements[2].elements.size() < 2) {
      return malformed();
    }
    const RedisReply& master = r.elements[2];
    Range range{
        r.elements[0].integer, r.elements[1].integer,
        HostPort{master.elements[0].str,
                 static_cast<std::uint16_t>(master.elements[1].integer)},
        r.elements.size() - 3};
    // An empty or "?" address means the node we asked.
    if (range.master.host.empty() || range.master.host == "?") {
      range.master.host = from.address.host;
    }
    if (range.first < 0 || range.last >= static_cast<long long>(kRedisSlots) ||
        range.first > range.last) {
      return malformed();
    }
    ranges.push_back(std::move(range));
  }
  for (const Range& range : ranges) {
    std::shared_ptr<Node> node = NodeAt(range.master);
    {
      std::lock_guard lock(node->mu);
      node->replicas = range.replicas;
    }
    std::lock_guard lock(mu_);
    std::fill(slots_.begin() + range.first, slots_.begin() + range.last + 1,
              node);
  }
  return absl::OkStatus();
}

absl::Status RedisRouter::Run(std::uint16_t slot, Kind kind,
                              Exchange exchange) {
  Backoff backoff(options_.retry);
  std::optional<HostPort> asked;  // After ASK: where, once.
  while (true) {
    std::shared_ptr<Node> node = asked ? NodeAt(*asked) : MasterOf(slot);
    if (node == nullptr) {
      const absl::Status none = absl::UnavailableError(
          fmt::format("no Redis Cluster node serves slot {}", slot));
      (void)RefreshSlots();
      if (!backoff.Wait()) return none;
      continue;
    }
    // The lease ends before any refresh or wait: Flush may be waiting for
    // this node's connections.
    absl::Status status;
    bool ran = false;
    bool lost = true;
    std::optional<std::string> routing;
    {
      const bool asking = std::exchange(asked, std::nullopt).has_value();
      absl::StatusOr<Lease> lease = Lease::Take(*node, options_.timeout);
      if (lease.ok() && asking) {
        absl::StatusOr<std::vector<RedisReply>> ok =
            (*lease)->Run({RedisCommand{"ASKING"}});
        if (!ok.ok()) lease = ok.status();
      }
      if (!lease.ok()) {
        status = lease.status();
      } else {
        status = exchange(**lease);
        ran = true;
        lost = (*lease)->broken();
        if (!lost && kind != Kind::kRead) {
          (*lease)->unacknowledged_writes = true;
        }
        routing = (*lease)->TakeRoutingError();
      }
    }
    if (lost) {
      if (ran && kind == Kind::kWriteOnce) {
        return absl::UnavailableError(
            fmt::format("{}; whether the write was applied is unknown",
                        std::string(status.message())));
      }
      (void)RefreshSlots();
      if (!backoff.Wait()) return status;
      continue;
    }
    if (!routing) return status;
    const absl::Status redirected = absl::UnavailableError(
        fmt::format("Redis at {}: {}", node->name, *routing));
    if (routing->starts_with("MOVED ")) {
      // One slot moved (a resharding) or all of a master's (a failover):
      // point this slot at once, then relearn the whole map.
      if (std::optional<HostPort> target = RedirectTarget(*routing)) {
        std::shared_ptr<Node> to = NodeAt(*target);
        std::lock_guard lock(mu_);
        slots_[slot] = to;
      }
      (void)RefreshSlots();
      if (backoff.Expired()) return redirected;
      continue;
    }
    if (routing->starts_with("ASK ")) {
      asked = RedirectTarget(*routing);
      if (backoff.Expired()) return redirected;
      continue;
    }
    // TRYAGAIN, CLUSTERDOWN, LOADING, MASTERDOWN: later.
    (void)RefreshSlots();
    if (!backoff.Wait()) return redirected;
  }
}

absl::Status RedisRouter::RunOnEveryMaster(Exchange exchange) {
  Backoff backoff(options_.retry);
  while (true) {
    absl::Status status;
    for (const std::shared_ptr<Node>& node : Masters()) {
      absl::StatusOr<Lease> lease = Lease::Take(*node, options_.timeout);
      status = lease.ok() ? exchange(**lease) : lease.status();
      if (lease.ok() && (*lease)->TakeRoutingError() && status.ok()) {
        status = absl::UnavailableError(
            fmt::format("Redis at {} is no longer a master", node->name));
      }
      if (!status.ok()) break;
    }
    if (status.ok() || !absl::IsUnavailable(status)) return status;
    (void)RefreshSlots();
    if (!backoff.Wait()) return status;
  }
}

absl::Status RedisRouter::Flush() {
  std::vector<std::shared_ptr<Node>> nodes;
  {
    std::lock_guard lock(mu_);
    for (const auto& [name, node] : nodes_) nodes.push_back(node);
  }
  absl::Status result;
  for (const std::shared_ptr<Node>& node : nodes) {
    std::vector<std::unique_ptr<RedisConnection>> drained;
    std::size_t replicas = 0;
    {
      std::unique_lock lock(node->mu);
      node->changed.wait(lock, [&] { return !node->draining; });
      node->draining = true;
      node->changed.wait(lock, [&] { return node->lent == 0; });
      drained.swap(node->idle);
      replicas = node->replicas;
      if (std::exchange(node->lost_writes, false) && result.ok()) {
        result = absl::UnavailableError(fmt::format(
            "a connection to Redis at {} was lost after writes that no "
            "replica had acknowledged; they may be lost",
            node->name));
      }
    }
    // The replicas get WAIT's timeout less a margin, so that the reply
    // comes before the connection's own timeout.
    const std::string count = std::to_string(replicas);
    const std::string wait_ms = std::to_string(
        std::max<long long>(1, options_.timeout.count() * 3 / 4));
    for (std::unique_ptr<RedisConnection>& connection : drained) {
      if (!connection->unacknowledged_writes) continue;
      absl::StatusOr<std::vector<RedisReply>> acked =
          connection->Run({RedisCommand{"WAIT", count, wait_ms}});
      absl::Status status;
      if (!acked.ok()) {
        status = absl::UnavailableError(
            fmt::format("{}; writes through it may be lost",
                        std::string(acked.status().message())));
      } else if (acked->front().type != RedisReply::Type::kInteger) {
        status = absl::UnavailableError(
            fmt::format("Redis at {}: WAIT answered {}", node->name,
                        acked->front().Describe()));
      } else if (static_cast<std::size_t>(acked->front().integer) < replicas) {
        status = absl::DeadlineExceededError(fmt::format(
            "Redis at {}: {} of {} replicas acknowledged writes within {} ms",
            node->name, acked->front().integer, replicas, wait_ms));
      } else {
        connection->unacknowledged_writes = false;
      }
      if (result.ok()) result = status;
    }
    std::lock_guard lock(node->mu);
    for (std::unique_ptr<RedisConnection>& connection : drained) {
      if (!connection->broken()) node->idle.push_back(std::move(connection));
    }
    node->draining = false;
    node->changed.notify_all();
  }
  return result;
}

void RedisRouter::DropIdleConnections() {
  std::lock_guard lock(mu_);
  for (const auto& [name, node] : nodes_) {
    std::lock_guard node_lock(node->mu);
    node->idle.clear();
  }
}

}  // namespace dskv
