// The parts of dskv/kv.h's backends that need no server: URLs, and the
// cluster slot of a key (checked against the test's own implementation).

#include "dskv/kv_url.h"

#include <random>
#include <string>

#include "dskv/redis_router.h"
#include "gtest/gtest.h"
#include "tests/redis/redis_slot.h"
#include "tests/status_matchers.h"

namespace dskv {
namespace {

using ::dskv_test::HasCode;
using ::dskv_test::HasCodeAndMessage;
using ::dskv_test::IsOk;

TEST(KeyValueUrlTest, DskvUrlsNameADirectory) {
  absl::StatusOr<KeyValueUrl> url =
      ParseKeyValueUrl("dskv:///var/lib/app db?durability=sync");
  ASSERT_TRUE(IsOk(url));
  EXPECT_EQ(url->scheme, KeyValueUrl::Scheme::kDskv);
  EXPECT_EQ(url->path, "/var/lib/app db");
  EXPECT_EQ(url->params.Take("durability"), "sync");
  EXPECT_TRUE(IsOk(url->params.CheckAllTaken()));
  EXPECT_TRUE(HasCodeAndMessage(ParseKeyValueUrl("dskv://relative").status(),
                                absl::StatusCode::kInvalidArgument,
                                {"absolute path"}));
}

TEST(KeyValueUrlTest, RedisUrlsNameServersAndANamespace) {
  absl::StatusOr<KeyValueUrl> one = ParseKeyValueUrl("redis://localhost");
  ASSERT_TRUE(IsOk(one));
  EXPECT_EQ(one->scheme, KeyValueUrl::Scheme::kRedis);
  ASSERT_EQ(one->hosts.size(), 1u);
  EXPECT_EQ(one->hosts[0].host, "localhost");
  EXPECT_EQ(one->hosts[0].port, 6379);
  EXPECT_EQ(one->ns, "");

  absl::StatusOr<KeyValueUrl> cluster = ParseKeyValueUrl(
      "redis-cluster://10.0.0.1:7000,[::1]:7001,h/app-1.v2?retry_ms=5");
  ASSERT_TRUE(IsOk(cluster));
  EXPECT_EQ(cluster->scheme, KeyValueUrl::Scheme::kRedisCluster);
  ASSERT_EQ(cluster->hosts.size(), 3u);
  EXPECT_EQ(cluster->hosts[0].host, "10.0.0.1");
  EXPECT_EQ(cluster->hosts[0].port, 7000);
  EXPECT_EQ(cluster->hosts[1].host, "::1");
  EXPECT_EQ(cluster->hosts[1].port, 7001);
  EXPECT_EQ(cluster->hosts[2].port, 6379);
  EXPECT_EQ(cluster->ns, "app-1.v2");
  absl::StatusOr<std::optional<std::uint64_t>> retry =
      cluster->params.TakeNumber("retry_ms", 0, 10);
  ASSERT_TRUE(IsOk(retry));
  EXPECT_EQ(*retry, 5u);
}

TEST(KeyValueUrlTest, MalformedUrlsSayWhy) {
  const std::pair<std::string, std::string> cases[] = {
      {"localhost:6379", "scheme://"},
      {"http://x", "unknown scheme"},
      {"redis://:6379", "no host"},
      {"redis://h:", "empty port"},
      {"redis://h:65536", "1 to 65535"},
      {"redis://h:-1", "1 to 65535"},
      {"redis://[::1", "']'"},
      {"redis://h/a:b", "namespace"},
      {"redis://h/" + std::string(65, 'n'), "namespace"},
      {"redis://a,b", "redis-cluster://"},
      {"redis://u:p@h", "passwords"},
  };
  for (const auto& [url, why] : cases) {
    EXPECT_TRUE(HasCodeAndMessage(ParseKeyValueUrl(url).status(),
                                  absl::StatusCode::kInvalidArgument, {why}))
        << url;
  }
}

TEST(KeyValueUrlTest, ParametersAreTakenOnceAndCheckedForLeftovers) {
  absl::StatusOr<KeyValueUrl> url =
      ParseKeyValueUrl("redis://h?a=1&flag&a=2&n=x&b=maybe");
  ASSERT_TRUE(IsOk(url));
  EXPECT_EQ(url->params.Take("a"), "2");  // The last one wins.
  EXPECT_EQ(url->params.Take("a"), std::nullopt);
  absl::StatusOr<std::optional<bool>> flag = url->params.TakeBool("flag");
  ASSERT_TRUE(IsOk(flag));
  EXPECT_EQ(*flag, true);
  EXPECT_TRUE(HasCode(url->params.TakeNumber("n", 0, 9),
                      absl::StatusCode::kInvalidArgument));
  EXPECT_TRUE(
      HasCode(url->params.TakeBool("b"), absl::StatusCode::kInvalidArgument));
  EXPECT_TRUE(IsOk(url->params.CheckAllTaken()));
  absl::StatusOr<KeyValueUrl> extra = ParseKeyValueUrl("redis://h?tls");
  ASSERT_TRUE(IsOk(extra));
  EXPECT_TRUE(HasCodeAndMessage(extra->params.CheckAllTaken(),
                                absl::StatusCode::kInvalidArgument, {"tls"}));
}

TEST(RedisSlotTest, PublishedVectorAndHashTags) {
  EXPECT_EQ(RedisSlot("123456789"), 0x31C3);
  EXPECT_EQ(RedisSlot("{user1000}.following"),
            RedisSlot("{user1000}.followers"));
  // An empty first tag: the whole key is hashed.
  EXPECT_EQ(RedisSlot("foo{}{bar}"), dskv_test::Slot("foo{}{bar}"));
  EXPECT_NE(RedisSlot("foo{}{bar}"), RedisSlot("bar"));
  EXPECT_EQ(RedisSlot("foo{{bar}}zap"), RedisSlot("{bar"));
  EXPECT_EQ(RedisSlot("foo{bar}{zap}"), RedisSlot("bar"));
}

TEST(RedisSlotTest, AgreesWithAnIndependentImplementation) {
  std::mt19937 random(7);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<int> length(0, 24);
  for (int i = 0; i < 10000; ++i) {
    std::string key(length(random), '\0');
    for (char& c : key) c = static_cast<char>(byte(random));
    if (i % 3 == 0) key = "{" + key + "}:m";
    ASSERT_EQ(RedisSlot(key), dskv_test::Slot(key)) << i;
  }
}

}  // namespace
}  // namespace dskv
