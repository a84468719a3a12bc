// The KeyValue conformance tests on a real Redis Cluster of three masters
// and three replicas (redis-cluster://), started by this test on free
// loopback ports; redirects while a slot migrates; and a failover in the
// middle of a run of writes.

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "dskv/kv.h"
#include "gtest/gtest.h"
#include "tests/kv/kv_conformance.h"
#include "tests/kv/shared_server.h"
#include "tests/redis/redis_command.h"
#include "tests/redis/redis_servers.h"
#include "tests/redis/redis_slot.h"
#include "tests/status_matchers.h"

namespace dskv_test {
namespace {

SharedServer<RedisCluster>& shared_cluster =
    SharedServer<RedisCluster>::Make([] { return RedisCluster::Start(); });

std::string FreshNamespace() {
  static std::atomic<int> next{0};
  return "t" + std::to_string(next++);
}

std::string ClusterUrl(RedisCluster& cluster, const std::string& ns,
                       const std::string& query = "") {
  return "redis-cluster://" + cluster.SeedAddresses() + "/" + ns + query;
}

const KvBackend kRedisCluster{
    .name = "RedisCluster",
    .fresh_url =
        [] { return ClusterUrl(shared_cluster.Get(), FreshNamespace()); },
    .batches_bound_to_one_slot = true,
};

INSTANTIATE_TEST_SUITE_P(RedisCluster, KeyValueConformanceTest,
                         ::testing::Values(&kRedisCluster), BackendName);

absl::StatusOr<std::string> NodeId(const std::string& address) {
  return RedisString(address, {"CLUSTER", "MYID"});
}

// A slot moved by hand, as redis-cli --cluster reshard does: while it
// migrates, a key already moved is answered through ASK; once it has
// moved, the client's stale slot map is corrected through MOVED.
TEST(RedisClusterKeyValueTest, FollowsAskAndMovedWhileASlotMigrates) {
  RedisCluster& cluster = shared_cluster.Get();
  const std::string ns = FreshNamespace();
  absl::StatusOr<std::unique_ptr<dskv::KeyValue>> kv =
      dskv::OpenKeyValue(ClusterUrl(cluster, ns));
  ASSERT_TRUE(IsOk(kv));
  ASSERT_TRUE(IsOk((*kv)->Put("mig/x", "1")));
  const std::string hash = "{" + ns + ":mig}";
  const int slot = Slot(hash);
  absl::StatusOr<std::vector<RedisSlotRange>> ranges = cluster.Slots();
  ASSERT_TRUE(IsOk(ranges));
  absl::StatusOr<std::string> from = cluster.MasterOf(slot);
  ASSERT_TRUE(IsOk(from));
  std::string to;
  std::vector<std::string> masters;
  for (const RedisSlotRange& range : *ranges) {
    masters.push_back(range.master);
    if (range.master != *from) to = range.master;
  }
  absl::StatusOr<std::string> from_id = NodeId(*from);
  absl::StatusOr<std::string> to_id = NodeId(to);
  ASSERT_TRUE(IsOk(from_id));
  ASSERT_TRUE(IsOk(to_id));
  const std::string s = std::to_string(slot);
  ASSERT_TRUE(
      IsOk(RedisString(to, {"CLUSTER", "SETSLOT", s, "IMPORTING", *from_id})));
  ASSERT_TRUE(
      IsOk(RedisString(*from, {"CLUSTER", "SETSLOT", s, "MIGRATING", *to_id})));
  const std::size_t colon = to.rfind(':');
  ASSERT_TRUE(IsOk(
      RedisString(*from, {"MIGRATE", to.substr(0, colon), to.substr(colon + 1),
                          "", "0", "5000", "KEYS", hash, hash + ":m"})));

  EXPECT_TRUE(HasValue((*kv)->Get("mig/x"), "1"));  // ASK
  EXPECT_TRUE(HasPairs((*kv)->GetAll("mig"), {{"x", "1"}}));

  for (const std::string& master : masters) {
    ASSERT_TRUE(
        IsOk(RedisString(master, {"CLUSTER", "SETSLOT", s, "NODE", *to_id})));
  }
  EXPECT_TRUE(HasValue((*kv)->Get("mig/x"), "1"));  // MOVED
  ASSERT_TRUE(IsOk((*kv)->Put("mig/y", "2")));
  EXPECT_TRUE(HasValue(RedisString(to, {"HGET", hash, "y"}), "2"));
  EXPECT_TRUE(IsOk((*kv)->Close()));
}

// A writer puts keys over every slot and calls Flush every 20 puts; a
// master is killed in the middle. Its replica takes over, the writer goes
// on without a failed Put, and every key written before a Flush that
// succeeded is there afterwards. (A Flush right after the kill may fail:
// it cannot vouch for writes that reached only the dead master.)
TEST(RedisClusterKeyValueTest, WritesGoOnThroughAFailover) {
  absl::StatusOr<std::unique_ptr<RedisCluster>> cluster = RedisCluster::Start();
  ASSERT_TRUE(IsOk(cluster));
  absl::StatusOr<std::unique_ptr<dskv::KeyValue>> kv =
      dskv::OpenKeyValue(ClusterUrl(**cluster, "failover", "?retry_ms=30000"));
  ASSERT_TRUE(IsOk(kv));

  constexpr int kPuts = 600;
  constexpr int kKillAt = 200;
  constexpr int kFlushEvery = 20;
  std::mutex mu;
  std::condition_variable changed;
  bool reached_kill = false;
  bool killed = false;
  std::vector<std::string> confirmed;
  int failed_flushes = 0;
  std::thread writer([&] {
    std::vector<std::string> pending;
    for (int i = 0; i < kPuts; ++i) {
      if (i == kKillAt) {
        std::unique_lock lock(mu);
        reached_kill = true;
        changed.notify_all();
        changed.wait(lock, [&] { return killed; });
      }
      const std::string key =
          "c" + std::to_string(i % 16) + "/k" + std::to_string(i);
      EXPECT_TRUE(IsOk((*kv)->Put(key, key)));
      pending.push_back(key);
      if (pending.size() == kFlushEvery) {
        if ((*kv)->Flush().ok()) {
          confirmed.insert(confirmed.end(), pending.begin(), pending.end());
        } else {
          ++failed_flushes;
        }
        pending.clear();
      }
    }
  });
  const int slot = Slot("{failover:c0}");
  {
    std::unique_lock lock(mu);
    changed.wait(lock, [&] { return reached_kill; });
  }
  absl::StatusOr<std::string> replica = (*cluster)->KillMaster(slot);
  ASSERT_TRUE(IsOk(replica));
  {
    std::lock_guard lock(mu);
    killed = true;
    changed.notify_all();
  }
  writer.join();
  absl::StatusOr<std::string> master = (*cluster)->WaitForFailover(slot);
  ASSERT_TRUE(IsOk(master));
  EXPECT_EQ(*master, *replica);

  EXPECT_LE(failed_flushes, 1);
  EXPECT_GE(confirmed.size(),
            static_cast<std::size_t>(kPuts - 2 * kFlushEvery));
  for (const std::string& key : confirmed) {
    EXPECT_TRUE(HasValue((*kv)->Get(key), key)) << key;
  }
  EXPECT_TRUE(IsOk((*kv)->Close()));
}

}  // namespace
}  // namespace dskv_test
