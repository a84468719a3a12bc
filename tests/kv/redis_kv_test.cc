// The KeyValue conformance tests on a real redis-server (redis://), started
// by this test on a free loopback port; the Redis mapping's keys as Redis
// sees them; and what survives a kill -9 of the server.

#include <atomic>
#include <memory>
#include <string>

#include "dskv/kv.h"
#include "gtest/gtest.h"
#include "tests/kv/kv_conformance.h"
#include "tests/kv/shared_server.h"
#include "tests/redis/redis_command.h"
#include "tests/redis/redis_servers.h"
#include "tests/status_matchers.h"

namespace dskv_test {
namespace {

// One server for the whole binary; each test gets its own namespace.
RedisServer& Server() {
  static RedisServer* server = [] {
    absl::StatusOr<std::unique_ptr<RedisServer>> started = RedisServer::Start();
    if (!started.ok()) {
      ADD_FAILURE() << started.status();
      std::abort();
    }
    return started->release();
  }();
  return *server;
}

std::string FreshNamespace() {
  static std::atomic<int> next{0};
  return "t" + std::to_string(next++);
}

const KvBackend kRedis{
    .name = "Redis",
    .fresh_url =
        [] { return "redis://" + Server().address() + "/" + FreshNamespace(); },
};

INSTANTIATE_TEST_SUITE_P(Redis, KeyValueConformanceTest,
                         ::testing::Values(&kRedis), BackendName);

TEST(RedisKeyValueTest, ACollectionIsAHashAndASortedSet) {
  const std::string ns = FreshNamespace();
  absl::StatusOr<std::unique_ptr<dskv::KeyValue>> kv =
      dskv::OpenKeyValue("redis://" + Server().address() + "/" + ns);
  ASSERT_TRUE(IsOk(kv));
  ASSERT_TRUE(IsOk((*kv)->Put("users/ada", "lovelace")));
  ASSERT_TRUE(IsOk((*kv)->Put("users/bob", "")));
  const std::string hash = "{" + ns + ":users}";
  EXPECT_TRUE(HasValue(RedisString(Server().address(), {"HGET", hash, "ada"}),
                       "lovelace"));
  absl::StatusOr<RedisReply> members =
      RedisCommand(Server().address(), {"ZRANGEBYLEX", hash + ":m", "-", "+"});
  ASSERT_TRUE(IsOk(members));
  ASSERT_EQ(members->elements.size(), 2u) << *members;
  EXPECT_EQ(members->elements[0].text, "ada");
  EXPECT_EQ(members->elements[1].text, "bob");
  // Without a namespace, the keys are "{:collection}".
  absl::StatusOr<std::unique_ptr<dskv::KeyValue>> bare =
      dskv::OpenKeyValue("redis://" + Server().address());
  ASSERT_TRUE(IsOk(bare));
  ASSERT_TRUE(IsOk((*bare)->Put("bare/k", "v")));
  EXPECT_TRUE(
      HasValue(RedisString(Server().address(), {"HGET", "{:bare}", "k"}), "v"));
  ASSERT_TRUE(IsOk((*bare)->DeleteAll("bare")));
  EXPECT_TRUE(HasValue(
      RedisString(Server().address(), {"EXISTS", "{:bare}", "{:bare}:m"}),
      "0"));
}

TEST(RedisKeyValueTest, BadUrlsAndUnreachableServers) {
  for (const std::string url :
       {"redis://", "redis://127.0.0.1:0", "redis://127.0.0.1:99999",
        "redis://127.0.0.1:6379/bad{ns}", "redis://a:1,b:2",
        "redis://user:pw@127.0.0.1:6379", "redis://127.0.0.1:6379?tls=1",
        "redis://127.0.0.1:6379?timeout_ms=0", "memcached://127.0.0.1:11211",
        "dskv://relative/path", "no scheme"}) {
    EXPECT_TRUE(
        HasCode(dskv::OpenKeyValue(url), absl::StatusCode::kInvalidArgument))
        << url;
  }
  // A port where nothing listens: the server just stopped.
  absl::StatusOr<std::unique_ptr<RedisServer>> gone = RedisServer::Start();
  ASSERT_TRUE(IsOk(gone));
  const std::string address = (*gone)->address();
  ASSERT_TRUE(IsOk((*gone)->Stop()));
  EXPECT_TRUE(HasCode(dskv::OpenKeyValue("redis://" + address),
                      absl::StatusCode::kUnavailable));
  // A cluster URL naming a server not in cluster mode.
  EXPECT_TRUE(
      HasCode(dskv::OpenKeyValue("redis-cluster://" + Server().address()),
              absl::StatusCode::kFailedPrecondition));
}

// redis-server with appendonly writes each command to its append-only file
// before it replies, so a write it acknowledged survives a kill -9 of the
// server (a power loss may take up to the last second with appendfsync
// everysec: docs/kv.md). Flush cannot vouch for writes whose connection was
// lost before it ran, and says so once.
TEST(RedisKeyValueTest, AServerKillIsSurvivedAndReported) {
  absl::StatusOr<std::unique_ptr<RedisServer>> server = RedisServer::Start();
  ASSERT_TRUE(IsOk(server));
  absl::StatusOr<std::unique_ptr<dskv::KeyValue>> kv = dskv::OpenKeyValue(
      "redis://" + (*server)->address() + "/app?retry_ms=10000");
  ASSERT_TRUE(IsOk(kv));
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(IsOk((*kv)->Put("c/" + std::to_string(i), "v")));
  }
  ASSERT_TRUE(IsOk((*kv)->Flush()));
  ASSERT_TRUE(IsOk((*kv)->Put("c/unflushed", "v")));
  (*server)->Kill();
  ASSERT_TRUE(IsOk((*server)->Restart()));
  // The same KeyValue reconnects on its own.
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> all =
      (*kv)->GetAll("c");
  ASSERT_TRUE(IsOk(all));
  EXPECT_EQ(all->size(), 101u);
  EXPECT_TRUE(HasCodeAndMessage((*kv)->Flush(), absl::StatusCode::kUnavailable,
                                {"was lost after writes"}));
  EXPECT_TRUE(IsOk((*kv)->Flush()));
  EXPECT_TRUE(IsOk((*kv)->Close()));
}

}  // namespace
}  // namespace dskv_test
