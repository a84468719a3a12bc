// dskv serve --resp end to end: redis-cli (commands, --pipe, --scan, lines
// on stdin), pipelining and protocol errors over raw sockets, MULTI/EXEC
// atomicity and WATCH across connections, connection limits, and the data
// in the store after SIGTERM, and after kill -9 once WAIT returned.

#include <signal.h>

#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "dskv/store.h"
#include "gtest/gtest.h"
#include "tests/tools/resp_test_util.h"
#include "tests/tools/tool_test_util.h"

namespace dskv_test {
namespace {

// The value at `key` of the store in `dir`, opened read-only; "<none>".
std::string StoredValue(const std::string& dir, const std::string& key) {
  dskv::Options options;
  options.read_only = true;
  absl::StatusOr<std::unique_ptr<dskv::Store>> store =
      dskv::Store::Open(dir, options);
  if (!store.ok()) return "<" + store.status().ToString() + ">";
  absl::StatusOr<std::string> value = (*store)->Get(key);
  return value.ok() ? *value : "<none>";
}

class ServeRespTest : public RespServeTest {};

TEST_F(ServeRespTest, RedisCliCommandsAndTheStoreAfterwards) {
  StartServer();
  EXPECT_EQ(RedisCli({"SET", "a/b", "c"}), "OK\n");
  EXPECT_EQ(RedisCli({"GET", "a/b"}), "c\n");
  EXPECT_EQ(RedisCli({"SET", "greeting", "hello world"}), "OK\n");
  EXPECT_EQ(RedisCli({"HSET", "user", "name", "ada", "born", "1815"}), "2\n");
  EXPECT_EQ(RedisCli({"HGETALL", "user"}), "born\n1815\nname\nada\n");
  EXPECT_EQ(RedisCli({"ZADD", "idx", "0", "b", "0", "a"}), "2\n");
  EXPECT_EQ(RedisCli({"ZRANGEBYLEX", "idx", "-", "+"}), "a\nb\n");
  EXPECT_EQ(RedisCli({"NOPE"}),
            "ERR unknown command 'NOPE', with args beginning with: \n\n");
  EXPECT_EQ(RedisCli({"COMMAND", "COUNT"}).empty(), false);
  // Lines on stdin, as a person types them.
  WriteBytes(dir() + "/lines", "PING\nSET x \"a b\"\nGET x\n");
  EXPECT_EQ(RedisCli({}, dir() + "/lines"), "PONG\nOK\na b\n");
  StopServer();
  EXPECT_EQ(StoredValue(store_dir(), "a/b"), "c");
  EXPECT_EQ(StoredValue(store_dir(), "strings/greeting"), "hello world");
  EXPECT_EQ(StoredValue(store_dir(), "user/born"), "1815");
  EXPECT_EQ(StoredValue(store_dir(), "idx/a"), "");
  EXPECT_EQ(StoredValue(store_dir(), "strings/x"), "a b");
}

TEST_F(ServeRespTest, MassInsertionWithRedisCliPipe) {
  StartServer();
  constexpr int kKeys = 20000;
  std::string commands;
  for (int i = 0; i < kKeys; ++i) {
    commands += RespCommand(
        {"SET", "mass/k" + std::to_string(i), "value " + std::to_string(i)});
  }
  commands += RespCommand({"HSET", "mass", "k0", "replaced"});
  WriteBytes(dir() + "/commands", commands);
  const std::string out = RedisCli({"--pipe"}, dir() + "/commands");
  EXPECT_NE(out.find("errors: 0, replies: " + std::to_string(kKeys + 1)),
            std::string::npos)
      << out;
  EXPECT_EQ(RedisCli({"DBSIZE"}), std::to_string(kKeys) + "\n");
  EXPECT_EQ(RedisCli({"GET", "mass/k19999"}), "value 19999\n");
  EXPECT_EQ(RedisCli({"HGET", "mass", "k0"}), "replaced\n");
  StopServer();
  EXPECT_EQ(StoredValue(store_dir(), "mass/k12345"), "value 12345");
}

TEST_F(ServeRespTest, RedisCliScan) {
  StartServer();
  for (const std::string name : {"users", "uploads", "items"}) {
    RedisCli({"HSET", name, "f", "v"});
  }
  EXPECT_EQ(RedisCli({"--scan"}), "items\nuploads\nusers\n");
  EXPECT_EQ(RedisCli({"--scan", "--pattern", "u*"}), "uploads\nusers\n");
  StopServer();
}

TEST_F(ServeRespTest, PipelinedCommandsInPieces) {
  StartServer();
  RespClient client(server_.port());
  ASSERT_TRUE(client.connected());
  std::string batch;
  constexpr int kCommands = 2000;
  for (int i = 0; i < kCommands; ++i) {
    batch += RespCommand({"SET", "p/" + std::to_string(i), std::to_string(i)});
  }
  batch += "GET p/1999\r\n";  // Inline, among arrays.
  batch += RespCommand({"GET", "p/7"});
  // In three writes that cut commands in the middle.
  const std::size_t third = batch.size() / 3;
  ASSERT_TRUE(client.Send(batch.substr(0, third)));
  ASSERT_TRUE(client.Send(batch.substr(third, third)));
  ASSERT_TRUE(client.Send(batch.substr(2 * third)));
  for (int i = 0; i < kCommands; ++i) {
    const std::optional<std::string> reply = client.Read();
    ASSERT_TRUE(reply.has_value()) << client.error() << " at reply " << i;
    ASSERT_EQ(*reply, "+OK\r\n") << i;
  }
  EXPECT_EQ(client.Read(), "$4\r\n1999\r\n");
  EXPECT_EQ(client.Read(), "$1\r\n7\r\n");
  StopServer();
}

TEST_F(ServeRespTest, LargeValuesAndTheProtocolLimit) {
  StartServer({"--max-value-size=2000000"});
  RespClient client(server_.port());
  const std::string value(1 << 20, 'v');
  EXPECT_EQ(client.Call({"SET", "big/one", value}), "+OK\r\n");
  EXPECT_EQ(client.Call({"GET", "big/one"}),
            "$" + std::to_string(value.size()) + "\r\n" + value + "\r\n");
  // A bulk string over --max-value-size is a protocol error: answered,
  // then the connection is closed.
  ASSERT_TRUE(client.Send("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2000001\r\n"));
  std::string received;
  EXPECT_TRUE(client.WaitClosed(&received));
  EXPECT_EQ(received, "-ERR Protocol error: invalid bulk length\r\n");
  RespClient other(server_.port());
  ASSERT_TRUE(other.Send("*1\r\n$3\r\nGET\r\n*1\r\n$x\r\n"));
  EXPECT_TRUE(other.WaitClosed(&received));
  EXPECT_EQ(received,
            "-ERR wrong number of arguments for 'get' command\r\n"
            "-ERR Protocol error: invalid bulk length\r\n");
  StopServer();
}

TEST_F(ServeRespTest, ExecIsAllOrNothingForReaders) {
  StartServer();
  RespClient writer(server_.port());
  RespClient reader(server_.port());
  constexpr int kRounds = 300;
  std::thread writes([&] {
    for (int i = 0; i < kRounds; ++i) {
      const std::string n = std::to_string(i);
      std::string batch =
          RespCommand({"MULTI"}) + RespCommand({"SET", "a", n}) +
          RespCommand({"HSET", "h", "b", n}) + RespCommand({"EXEC"});
      ASSERT_TRUE(writer.Send(batch));
      for (int r = 0; r < 3; ++r) ASSERT_TRUE(writer.Read().has_value());
      ASSERT_EQ(writer.Read(),
                "*2\r\n+OK\r\n:" + std::string(i == 0 ? "1" : "0") + "\r\n");
    }
  });
  for (int i = 0; i < kRounds; ++i) {
    const std::string a = reader.Call({"GET", "a"});
    const std::string b = reader.Call({"HGET", "h", "b"});
    // b is read after a: never older. Both from one EXEC: a's round <= b's.
    if (a == "$-1\r\n") continue;
    ASSERT_NE(b, "$-1\r\n");
    const int round_a = std::stoi(a.substr(a.find('\n') + 1));
    const int round_b = std::stoi(b.substr(b.find('\n') + 1));
    ASSERT_LE(round_a, round_b);
  }
  writes.join();
  EXPECT_EQ(reader.Call({"MGET", "a", "h/b"}),
            "*2\r\n$3\r\n299\r\n$3\r\n299\r\n");
  StopServer();
}

TEST_F(ServeRespTest, WatchAcrossConnections) {
  StartServer();
  RespClient a(server_.port());
  RespClient b(server_.port());
  EXPECT_EQ(a.Call({"SET", "k", "1"}), "+OK\r\n");
  EXPECT_EQ(a.Call({"WATCH", "k"}), "+OK\r\n");
  EXPECT_EQ(b.Call({"SET", "k", "2"}), "+OK\r\n");
  EXPECT_EQ(a.Call({"MULTI"}), "+OK\r\n");
  EXPECT_EQ(a.Call({"SET", "k", "3"}), "+QUEUED\r\n");
  EXPECT_EQ(a.Call({"EXEC"}), "*-1\r\n");
  EXPECT_EQ(a.Call({"GET", "k"}), "$1\r\n2\r\n");
  StopServer();
}

TEST_F(ServeRespTest, WaitMakesWritesSurviveKill9) {
  StartServer();
  RespClient client(server_.port());
  for (int i = 0; i < 100; ++i) {
    ASSERT_EQ(client.Call({"HSET", "durable", std::to_string(i), "v"}),
              ":1\r\n");
  }
  EXPECT_EQ(client.Call({"WAIT", "0", "0"}), ":0\r\n");
  server_.Kill();
  EXPECT_EQ(StoredValue(store_dir(), "durable/99"), "v");
  EXPECT_EQ(StoredValue(store_dir(), "durable/0"), "v");
}

TEST_F(ServeRespTest, ConnectionLimitAndIdleTimeout) {
  StartServer({"--max-connections=1", "--idle-timeout=1"});
  RespClient first(server_.port());
  EXPECT_EQ(first.Call({"PING"}), "+PONG\r\n");
  RespClient second(server_.port());
  std::string received;
  EXPECT_TRUE(second.WaitClosed(&received));
  EXPECT_EQ(received, "-ERR max number of clients reached\r\n");
  // The first, silent, is closed after about a second.
  EXPECT_TRUE(first.WaitClosed(&received));
  EXPECT_EQ(received, "");
  StopServer();
}

TEST_F(ServeRespTest, ReadOnlyServer) {
  StartServer();
  EXPECT_EQ(RedisCli({"SET", "k", "v"}), "OK\n");
  StopServer();
  StartServer({"--read-only"});
  RespClient client(server_.port());
  EXPECT_EQ(client.Call({"GET", "k"}), "$1\r\nv\r\n");
  EXPECT_EQ(client.Call({"SET", "k", "w"}),
            "-READONLY You can't write against a read only server: dskv "
            "serve --read-only\r\n");
  StopServer();
}

TEST_F(ServeRespTest, SigtermWithClientsConnected) {
  StartServer({"--threads=2"});
  std::vector<std::unique_ptr<RespClient>> clients;
  for (int i = 0; i < 8; ++i) {
    clients.push_back(std::make_unique<RespClient>(server_.port()));
    ASSERT_EQ(clients.back()->Call({"SET", "c/" + std::to_string(i), "v"}),
              "+OK\r\n");
  }
  StopServer();
  for (const std::unique_ptr<RespClient>& client : clients) {
    EXPECT_TRUE(client->WaitClosed());
  }
  EXPECT_EQ(StoredValue(store_dir(), "c/7"), "v");
}

}  // namespace
}  // namespace dskv_test
