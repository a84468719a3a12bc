#include "tests/redis/redis_servers.h"

#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "tests/redis/redis_slot.h"
#include "tests/status_matchers.h"

namespace dskv_test {
namespace {

using Clock = std::chrono::steady_clock;

// Whether process `pid` is gone (reaped: not even a zombie).
bool Gone(pid_t pid) { return ::kill(pid, 0) != 0 && errno == ESRCH; }

// The bytes of the files in `dir` whose names end in `suffix`.
std::string FilesEndingIn(const std::string& dir, std::string_view suffix) {
  std::string bytes;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    if (!entry.path().string().ends_with(suffix)) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    bytes.append(std::istreambuf_iterator<char>(in), {});
  }
  return bytes;
}

TEST(RedisServerTest, AnswersAndKeepsItsAppendOnlyFileAcrossARestart) {
  absl::StatusOr<std::unique_ptr<RedisServer>> started = RedisServer::Start();
  ASSERT_TRUE(IsOk(started));
  RedisServer& server = **started;
  EXPECT_GT(server.port(), 0);
  EXPECT_EQ(server.address(), "127.0.0.1:" + std::to_string(server.port()));

  EXPECT_TRUE(
      HasValue(RedisString(server.address(), {"SET", "k", "v1"}), "OK"));
  EXPECT_TRUE(HasValue(RedisString(server.address(), {"GET", "k"}), "v1"));
  EXPECT_TRUE(HasCode(RedisString(server.address(), {"GET", "none"}),
                      absl::StatusCode::kNotFound));
  EXPECT_TRUE(HasCode(RedisString(server.address(), {"NOSUCHCOMMAND"}),
                      absl::StatusCode::kFailedPrecondition));
  absl::StatusOr<long long> length =
      RedisInteger(server.address(), {"STRLEN", "k"});
  ASSERT_TRUE(IsOk(length));
  EXPECT_EQ(*length, 2);

  // Redis 7 keeps its append-only file in pieces in appendonlydir/; the
  // SET is written to the incremental piece before the reply is sent.
  const std::string aof_dir = server.dir() + "/appendonlydir";
  EXPECT_TRUE(std::filesystem::exists(aof_dir + "/appendonly.aof.manifest"));
  EXPECT_NE(FilesEndingIn(aof_dir, ".incr.aof").find("v1"), std::string::npos);

  ASSERT_TRUE(IsOk(server.Stop()));
  EXPECT_FALSE(server.running());
  ASSERT_TRUE(IsOk(server.Restart()));
  EXPECT_TRUE(HasValue(RedisString(server.address(), {"GET", "k"}), "v1"));

  const pid_t pid = server.pid();
  server.Kill();
  EXPECT_FALSE(server.running());
  EXPECT_TRUE(Gone(pid));
  EXPECT_TRUE(HasCode(RedisString(server.address(), {"PING"}),
                      absl::StatusCode::kUnavailable));
}

TEST(RedisServerTest, TwoServersGetPortsAndDirectoriesOfTheirOwn) {
  absl::StatusOr<std::unique_ptr<RedisServer>> a = RedisServer::Start();
  absl::StatusOr<std::unique_ptr<RedisServer>> b = RedisServer::Start();
  ASSERT_TRUE(IsOk(a));
  ASSERT_TRUE(IsOk(b));
  EXPECT_NE((*a)->port(), (*b)->port());
  EXPECT_NE((*a)->dir(), (*b)->dir());
  EXPECT_TRUE(HasValue(RedisString((*a)->address(), {"SET", "k", "a"}), "OK"));
  EXPECT_TRUE(HasCode(RedisString((*b)->address(), {"GET", "k"}),
                      absl::StatusCode::kNotFound));
}

TEST(RedisServerTest, DestructionStopsTheServerAndRemovesItsDirectory) {
  pid_t pid = -1;
  std::string dir;
  {
    absl::StatusOr<std::unique_ptr<RedisServer>> server = RedisServer::Start();
    ASSERT_TRUE(IsOk(server));
    pid = (*server)->pid();
    dir = (*server)->dir();
  }
  EXPECT_TRUE(Gone(pid));
  EXPECT_FALSE(std::filesystem::exists(dir));
}

TEST(RedisServerTest, TheKernelKillsTheServerWhenItsStarterEnds) {
  // What happens when the test process dies, seen from a thread: the
  // server is tied to the thread that started it.
  absl::StatusOr<std::unique_ptr<RedisServer>> server;
  std::thread starter([&] { server = RedisServer::Start(); });
  starter.join();
  ASSERT_TRUE(IsOk(server));
  EXPECT_TRUE(IsOk(WaitUntil(kRedisStopTimeout, [&] {
    return RedisString((*server)->address(), {"PING"}).ok()
               ? absl::UnavailableError("still answering")
               : absl::OkStatus();
  })));
  EXPECT_TRUE(HasCodeAndMessage((*server)->Stop(), absl::StatusCode::kInternal,
                                {"signal Killed"}));
}

TEST(RedisServerTest, RefusesAddressesOffThisMachine) {
  EXPECT_TRUE(HasCode(RedisString("10.0.0.1:6379", {"PING"}),
                      absl::StatusCode::kInvalidArgument));
  EXPECT_TRUE(HasCode(RedisString("localhost:6379", {"PING"}),
                      absl::StatusCode::kInvalidArgument));
}

// The address in a MOVED error ("MOVED 866 127.0.0.1:P"), checked to name
// `slot`.
std::string MovedTo(const absl::StatusOr<std::string>& reply, int slot) {
  const std::string prefix = "MOVED " + std::to_string(slot) + " ";
  const std::string message = MessageOf(reply.status());
  EXPECT_TRUE(message.starts_with(prefix)) << reply.status();
  return message.substr(std::min(prefix.size(), message.size()));
}

TEST(RedisClusterTest, ComesUpWithEverySlotCoveredAndRedirects) {
  absl::StatusOr<std::unique_ptr<RedisCluster>> started = RedisCluster::Start();
  ASSERT_TRUE(IsOk(started));
  RedisCluster& cluster = **started;
  ASSERT_EQ(cluster.nodes().size(), 6u);
  const std::string seeds = cluster.SeedAddresses();
  EXPECT_EQ(std::count(seeds.begin(), seeds.end(), ','), 5) << seeds;

  absl::StatusOr<std::vector<RedisSlotRange>> slots = cluster.Slots();
  ASSERT_TRUE(IsOk(slots));
  int next = 0;
  for (const RedisSlotRange& range : *slots) {
    EXPECT_EQ(range.first, next);
    EXPECT_NE(cluster.Node(range.master), nullptr) << range.master;
    ASSERT_EQ(range.replicas.size(), 1u);
    EXPECT_NE(cluster.Node(range.replicas[0]), nullptr) << range.replicas[0];
    next = range.last + 1;
  }
  EXPECT_EQ(next, kRedisClusterSlots);

  for (const std::string key :
       {"somekey", "{user1000}.following", "foo{}{bar}", "foo{{bar}}zap"}) {
    EXPECT_TRUE(HasValue(
        RedisString(cluster.nodes()[0]->address(), {"CLUSTER", "KEYSLOT", key}),
        std::to_string(Slot(key))));
  }

  const std::string key = "greeting";
  const int slot = Slot(key);
  absl::StatusOr<std::string> master = cluster.MasterOf(slot);
  ASSERT_TRUE(IsOk(master));
  EXPECT_TRUE(HasValue(RedisString(*master, {"SET", key, "hello"}), "OK"));
  for (const auto& node : cluster.nodes()) {
    if (node->address() == *master) continue;
    // A replica of another master, or another master: both redirect.
    EXPECT_EQ(MovedTo(RedisString(node->address(), {"GET", key}), slot),
              *master);
  }
  EXPECT_TRUE(HasValue(RedisString(*master, {"GET", key}), "hello"));
  EXPECT_TRUE(IsOk(cluster.Stop()));
  for (const auto& node : cluster.nodes()) EXPECT_FALSE(node->running());
}

TEST(RedisClusterTest, ReplicaTakesOverWhenItsMasterIsKilled) {
  absl::StatusOr<std::unique_ptr<RedisCluster>> started = RedisCluster::Start();
  ASSERT_TRUE(IsOk(started));
  RedisCluster& cluster = **started;

  const std::string key = "{user1000}.following";
  const int slot = Slot(key);
  absl::StatusOr<std::string> master = cluster.MasterOf(slot);
  ASSERT_TRUE(IsOk(master));
  EXPECT_TRUE(HasValue(RedisString(*master, {"SET", key, "alice"}), "OK"));
  // The write is on the replica before the master goes.
  absl::StatusOr<long long> acknowledged =
      RedisInteger(*master, {"WAIT", "1", "1000"});
  ASSERT_TRUE(IsOk(acknowledged));
  ASSERT_EQ(*acknowledged, 1);

  const Clock::time_point killed = Clock::now();
  absl::StatusOr<std::string> replica = cluster.KillMaster(slot);
  ASSERT_TRUE(IsOk(replica));
  EXPECT_FALSE(cluster.Node(*master)->running());
  absl::StatusOr<std::string> new_master = cluster.WaitForFailover(slot);
  ASSERT_TRUE(IsOk(new_master));
  RecordProperty(
      "failover_ms",
      std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                         Clock::now() - killed)
                         .count()));
  EXPECT_EQ(*new_master, *replica);

  absl::StatusOr<std::string> role =
      RedisString(*new_master, {"INFO", "replication"});
  ASSERT_TRUE(IsOk(role));
  EXPECT_EQ(InfoField(*role, "role"), "master");
  EXPECT_TRUE(HasValue(RedisString(*new_master, {"GET", key}), "alice"));
  EXPECT_TRUE(HasValue(RedisString(*new_master, {"SET", key, "bob"}), "OK"));
  absl::StatusOr<std::string> now_master = cluster.MasterOf(slot);
  EXPECT_TRUE(HasValue(now_master, *new_master));

  // Back from its nodes.conf, the old master rejoins as the new one's
  // replica.
  RedisServer& old_master = *cluster.Node(*master);
  ASSERT_TRUE(IsOk(old_master.Restart()));
  EXPECT_TRUE(IsOk(WaitUntil(kRedisClusterTimeout, [&] {
    absl::StatusOr<std::string> info =
        RedisString(old_master.address(), {"INFO", "replication"});
    if (!info.ok()) return info.status();
    if (InfoField(*info, "role") != "slave" ||
        InfoField(*info, "master_link_status") != "up") {
      return absl::UnavailableError(*info);
    }
    EXPECT_EQ(LoopbackAddress(static_cast<std::uint16_t>(
                  std::stoi(InfoField(*info, "master_port").value_or("0")))),
              *new_master);
    return absl::OkStatus();
  })));
  // Just after its sync the rejoined node writes its first append-only
  // file, and turns down the first SIGTERM meanwhile.
  EXPECT_TRUE(IsOk(cluster.Stop()));
}

}  // namespace
}  // namespace dskv_test
