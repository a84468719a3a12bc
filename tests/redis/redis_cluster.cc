// RedisCluster (declared in redis_servers.h).

#include <sys/wait.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "tests/redis/redis_servers.h"
#include "tests/redis/redis_slot.h"
#include "tests/tools/serve_test_util.h"

namespace dskv_test {
namespace {

// "127.0.0.1:PORT" of a node in a CLUSTER SLOTS entry: [ip, port, id, ...].
absl::StatusOr<std::string> NodeAddress(const RedisReply& node) {
  if (node.type != RedisReply::Type::kArray || node.elements.size() < 2 ||
      node.elements[0].type != RedisReply::Type::kString ||
      node.elements[1].type != RedisReply::Type::kInteger) {
    std::ostringstream text;
    text << "not a node in CLUSTER SLOTS: " << node;
    return absl::InternalError(text.str());
  }
  return absl::StrCat(node.elements[0].text, ":", node.elements[1].integer);
}

// The slot ranges `address` knows of, sorted. Unavailable if it cannot
// tell (yet).
absl::StatusOr<std::vector<RedisSlotRange>> ClusterSlots(
    const std::string& address) {
  absl::StatusOr<RedisReply> reply =
      RedisCommand(address, {"CLUSTER", "SLOTS"});
  if (!reply.ok()) return absl::UnavailableError(reply.status().ToString());
  if (reply->type != RedisReply::Type::kArray) {
    std::ostringstream text;
    text << address << " CLUSTER SLOTS: " << *reply;
    return absl::UnavailableError(text.str());
  }
  std::vector<RedisSlotRange> ranges;
  for (const RedisReply& entry : reply->elements) {
    if (entry.type != RedisReply::Type::kArray || entry.elements.size() < 3 ||
        entry.elements[0].type != RedisReply::Type::kInteger ||
        entry.elements[1].type != RedisReply::Type::kInteger) {
      std::ostringstream text;
      text << address << " CLUSTER SLOTS: not a range: " << entry;
      return absl::InternalError(text.str());
    }
    RedisSlotRange& range = ranges.emplace_back();
    range.first = static_cast<int>(entry.elements[0].integer);
    range.last = static_cast<int>(entry.elements[1].integer);
    for (std::size_t i = 2; i < entry.elements.size(); ++i) {
      absl::StatusOr<std::string> node = NodeAddress(entry.elements[i]);
      if (!node.ok()) return node.status();
      if (i == 2) {
        range.master = *std::move(node);
      } else {
        range.replicas.push_back(*std::move(node));
      }
    }
  }
  std::sort(ranges.begin(), ranges.end(),
            [](const RedisSlotRange& a, const RedisSlotRange& b) {
              return a.first < b.first;
            });
  return ranges;
}

// Whether two nodes' views give the same master for the same ranges
// (replicas are left out: a node lists only those it has heard from).
bool SameMasters(const std::vector<RedisSlotRange>& a,
                 const std::vector<RedisSlotRange>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](const RedisSlotRange& x, const RedisSlotRange& y) {
                      return x.first == y.first && x.last == y.last &&
                             x.master == y.master;
                    });
}

// The range holding `slot`, or NotFound.
absl::StatusOr<RedisSlotRange> RangeOf(
    const std::vector<RedisSlotRange>& ranges, int slot) {
  for (const RedisSlotRange& range : ranges) {
    if (range.first <= slot && slot <= range.last) return range;
  }
  return absl::NotFoundError(absl::StrCat("no node serves slot ", slot));
}

// Unavailable unless INFO `section` of `address` has `field` == `want`.
absl::Status ExpectInfo(const std::string& address, const char* command,
                        const char* section, std::string_view field,
                        std::string_view want) {
  absl::StatusOr<std::string> info = RedisString(address, {command, section});
  if (!info.ok()) return absl::UnavailableError(info.status().ToString());
  const std::optional<std::string> got = InfoField(*info, field);
  if (!got.has_value() || *got != want) {
    return absl::UnavailableError(absl::StrCat(address, " ", std::string(field),
                                               ":", got.value_or("(none)"),
                                               ", not ", std::string(want)));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<RedisCluster>> RedisCluster::Start(
    const RedisClusterOptions& options) {
  if (options.masters < 3 || options.replicas_per_master < 0) {
    // redis-cli --cluster create refuses fewer than three masters.
    return absl::InvalidArgumentError("a cluster needs three masters or more");
  }
  absl::StatusOr<ScratchDir> dir =
      ScratchDir::Make(options.parent_dir, "redis_cluster.");
  if (!dir.ok()) return dir.status();
  std::unique_ptr<RedisCluster> cluster(
      new RedisCluster(*std::move(dir), options));
  RedisServerOptions node_options;
  node_options.parent_dir = cluster->dir_.path();
  node_options.appendonly = options.appendonly;
  // A flag and its value a line.
  // clang-format off
  node_options.extra_args = {
      "--cluster-enabled", "yes",
      "--cluster-config-file", "nodes.conf",  // In the node's dir().
      "--cluster-node-timeout", absl::StrCat(options.node_timeout_ms),
      // CLUSTER SLOTS lists a replica only once its replication offset is
      // not 0, and on an idle master that waits for the master's first
      // ping to its replicas: 10 s by default.
      "--repl-ping-replica-period", "1",
  };
  // clang-format on
  node_options.extra_args.insert(node_options.extra_args.end(),
                                 options.extra_args.begin(),
                                 options.extra_args.end());
  const int nodes = options.masters * (1 + options.replicas_per_master);
  for (int i = 0; i < nodes; ++i) {
    absl::StatusOr<std::unique_ptr<RedisServer>> node =
        RedisServer::Start(node_options);
    if (!node.ok()) return node.status();
    cluster->nodes_.push_back(*std::move(node));
  }
  if (absl::Status created = cluster->Create(); !created.ok()) return created;
  const absl::Status formed =
      WaitUntil(kRedisClusterTimeout, [&] { return cluster->CheckFormed(); });
  if (!formed.ok()) {
    return absl::Status(
        formed.code(),
        absl::StrCat("cluster not formed: ", std::string(formed.message())));
  }
  return cluster;
}

RedisCluster::~RedisCluster() { Stop().IgnoreError(); }

absl::Status RedisCluster::Create() {
  absl::StatusOr<std::string> program = FindProgram("redis-cli");
  if (!program.ok()) return program.status();
  std::vector<std::string> argv = {*program, "--cluster", "create"};
  for (const auto& node : nodes_) argv.push_back(node->address());
  argv.insert(argv.end(),
              {"--cluster-replicas", absl::StrCat(options_.replicas_per_master),
               "--cluster-yes"});
  const std::string stderr_path = dir_.path() + "/redis-cli.stderr";
  absl::StatusOr<ChildProcess> process = ChildProcess::Start(argv, stderr_path);
  if (!process.ok()) return process.status();
  absl::StatusOr<std::string> out = process->ReadStdout(kRedisClusterTimeout);
  absl::StatusOr<int> exit = process->Wait(kRedisStopTimeout);
  if (out.ok() && exit.ok() && WIFEXITED(*exit) && WEXITSTATUS(*exit) == 0) {
    return absl::OkStatus();
  }
  std::ifstream errors(stderr_path);
  return absl::InternalError(absl::StrCat(
      "redis-cli --cluster create: ",
      exit.ok() ? DescribeWaitStatus(*exit) : exit.status().ToString(),
      "\nstdout:\n", out.ok() ? *out : out.status().ToString(), "\nstderr:\n",
      std::string(std::istreambuf_iterator<char>(errors), {})));
}

RedisServer* RedisCluster::Node(std::string_view address) const {
  for (const auto& node : nodes_) {
    if (node->address() == address) return node.get();
  }
  return nullptr;
}

std::string RedisCluster::SeedAddresses() const {
  std::vector<std::string> addresses;
  for (const auto& node : nodes_) addresses.push_back(node->address());
  return absl::StrJoin(addresses, ",");
}

absl::StatusOr<std::vector<RedisSlotRange>> RedisCluster::Slots() const {
  for (const auto& node : nodes_) {
    if (node->running()) return ClusterSlots(node->address());
  }
  return absl::FailedPreconditionError("no node is running");
}

absl::StatusOr<std::string> RedisCluster::MasterOf(int slot) const {
  absl::StatusOr<std::vector<RedisSlotRange>> slots = Slots();
  if (!slots.ok()) return slots.status();
  absl::StatusOr<RedisSlotRange> range = RangeOf(*slots, slot);
  if (!range.ok()) return range.status();
  return range->master;
}

absl::StatusOr<std::string> RedisCluster::KillMaster(int slot) {
  absl::StatusOr<std::vector<RedisSlotRange>> slots = Slots();
  if (!slots.ok()) return slots.status();
  absl::StatusOr<RedisSlotRange> range = RangeOf(*slots, slot);
  if (!range.ok()) return range.status();
  RedisServer* master = Node(range->master);
  if (master == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("the master ", range->master, " is not ours"));
  }
  if (range->replicas.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the master ", range->master, " of slot ", slot, " has no replica"));
  }
  master->Kill();
  return range->replicas.front();
}

absl::StatusOr<std::string> RedisCluster::WaitForFailover(int slot) {
  std::string master;
  const absl::Status settled = WaitUntil(kRedisClusterTimeout, [&] {
    absl::StatusOr<std::vector<RedisSlotRange>> slots = AgreedSlots();
    if (!slots.ok()) return slots.status();
    absl::StatusOr<RedisSlotRange> range = RangeOf(*slots, slot);
    if (!range.ok()) return range.status();
    master = range->master;
    return absl::OkStatus();
  });
  if (!settled.ok()) {
    return absl::Status(settled.code(),
                        absl::StrCat("no failover for slot ", slot, ": ",
                                     std::string(settled.message())));
  }
  return master;
}

absl::Status RedisCluster::Stop() {
  // Replicas first: a master told to stop waits for its replicas to
  // acknowledge all it sent them, up to a second here (they acknowledge
  // once a second); without replicas it exits at once.
  std::vector<RedisServer*> masters;
  absl::Status first;
  for (const auto& node : nodes_) {
    if (!node->running()) continue;
    if (ExpectInfo(node->address(), "INFO", "replication", "role", "slave")
            .ok()) {
      first.Update(node->Stop());
    } else {
      masters.push_back(node.get());
    }
  }
  for (RedisServer* master : masters) first.Update(master->Stop());
  return first;
}

absl::StatusOr<std::vector<RedisSlotRange>> RedisCluster::AgreedSlots() const {
  std::optional<std::vector<RedisSlotRange>> agreed;
  std::string agreed_by;
  for (const auto& node : nodes_) {
    if (!node->running()) continue;
    const std::string address = node->address();
    for (const auto& [field, want] :
         {std::pair<std::string_view, std::string>{"cluster_state", "ok"},
          {"cluster_slots_ok", absl::StrCat(kRedisClusterSlots)},
          {"cluster_known_nodes", absl::StrCat(nodes_.size())}}) {
      absl::Status as_wanted =
          ExpectInfo(address, "CLUSTER", "INFO", field, want);
      if (!as_wanted.ok()) return as_wanted;
    }
    absl::StatusOr<std::vector<RedisSlotRange>> slots = ClusterSlots(address);
    if (!slots.ok()) return slots.status();
    if (!agreed.has_value()) {
      agreed = *std::move(slots);
      agreed_by = address;
    } else if (!SameMasters(*agreed, *slots)) {
      return absl::UnavailableError(absl::StrCat(
          address, " and ", agreed_by, " disagree on the slots' masters"));
    }
  }
  if (!agreed.has_value()) {
    return absl::FailedPreconditionError("no node is running");
  }
  for (const RedisSlotRange& range : *agreed) {
    const RedisServer* master = Node(range.master);
    if (master == nullptr || !master->running()) {
      return absl::UnavailableError(absl::StrCat(
          "slots ", range.first, "-", range.last, " still have the master ",
          range.master, ", which is not running"));
    }
  }
  return *std::move(agreed);
}

absl::Status RedisCluster::CheckFormed() const {
  absl::StatusOr<std::vector<RedisSlotRange>> slots = AgreedSlots();
  if (!slots.ok()) return slots.status();
  std::set<std::string> masters;
  for (const RedisSlotRange& range : *slots) masters.insert(range.master);
  if (static_cast<int>(masters.size()) != options_.masters) {
    return absl::UnavailableError(
        absl::StrCat(masters.size(), " masters, not ", options_.masters));
  }
  const std::string replicas = absl::StrCat(options_.replicas_per_master);
  for (const RedisSlotRange& range : *slots) {
    if (static_cast<int>(range.replicas.size()) !=
        options_.replicas_per_master) {
      return absl::UnavailableError(absl::StrCat(
          range.master, " lists ", range.replicas.size(), " replicas"));
    }
    absl::Status as_wanted = ExpectInfo(range.master, "INFO", "replication",
                                        "connected_slaves", replicas);
    if (!as_wanted.ok()) return as_wanted;
    for (const std::string& replica : range.replicas) {
      as_wanted = ExpectInfo(replica, "INFO", "replication",
                             "master_link_status", "up");
      if (!as_wanted.ok()) return as_wanted;
    }
  }
  return absl::OkStatus();
}

}  // namespace dskv_test
