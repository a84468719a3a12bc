// The Redis commands of dskv serve --resp, run in process against a store
// in a temporary directory: each reply byte for byte, and what the store
// holds afterwards.

#include "tools/resp_commands.h"

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "dskv/store.h"
#include "gtest/gtest.h"
#include "tests/fake_clock.h"
#include "tests/temp_dir.h"
#include "tools/resp_transaction.h"

namespace dskv::tool {
namespace {

using Strings = std::vector<std::string>;

// Replies as the server writes them.
std::string Bulk(std::string_view s) {
  return "$" + std::to_string(s.size()) + "\r\n" + std::string(s) + "\r\n";
}
std::string Int(long long n) { return ":" + std::to_string(n) + "\r\n"; }
std::string Array(const Strings& items) {
  std::string out = "*" + std::to_string(items.size()) + "\r\n";
  for (const std::string& item : items) out += item;
  return out;
}
std::string Bulks(const Strings& items) {
  Strings bulks;
  for (const std::string& item : items) bulks.push_back(Bulk(item));
  return Array(bulks);
}
const std::string kOk = "+OK\r\n";
const std::string kNil = "$-1\r\n";
const std::string kQueued = "+QUEUED\r\n";

class RespCommandsTest : public dskv_test::TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    if (HasFatalFailure()) return;
    Open({});
  }

  void Open(RespConfig config, Options options = {}) {
    sessions_.clear();
    commands_.reset();
    store_.reset();
    absl::StatusOr<std::unique_ptr<Store>> store =
        Store::Open(dir() + "/db", options);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    commands_ = std::make_unique<RespCommands>(*store_, std::move(config));
    sessions_.push_back(commands_->NewSession());
  }

  RespSession& NewSession() {
    sessions_.push_back(commands_->NewSession());
    return *sessions_.back();
  }

  std::string Run(RespSession& session, const Strings& args,
                  bool* open = nullptr) {
    const std::vector<std::string_view> views(args.begin(), args.end());
    std::string out;
    const bool still_open = commands_->Execute(session, views, out);
    if (open != nullptr) *open = still_open;
    return out;
  }
  std::string Run(const Strings& args) { return Run(*sessions_[0], args); }

  // The store's value at `key`, or "<none>".
  std::string Value(std::string_view key) {
    absl::StatusOr<std::string> value = store_->Get(key);
    return value.ok() ? *value : "<none>";
  }

  // Declared before the store, which reads it until it is closed.
  dskv_test::FakeClock clock_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<RespCommands> commands_;
  std::vector<std::unique_ptr<RespSession>> sessions_;
};

TEST_F(RespCommandsTest, StringKeysWithAndWithoutSlash) {
  EXPECT_EQ(Run({"SET", "greeting", "hi"}), kOk);
  EXPECT_EQ(Run({"set", "users/ada", "x"}), kOk);
  EXPECT_EQ(Value("strings/greeting"), "hi");
  EXPECT_EQ(Value("users/ada"), "x");
  EXPECT_EQ(Run({"GET", "greeting"}), Bulk("hi"));
  EXPECT_EQ(Run({"GET", "strings/greeting"}), Bulk("hi"));
  EXPECT_EQ(Run({"GET", "users/ada"}), Bulk("x"));
  EXPECT_EQ(Run({"GET", "nothing"}), kNil);
  // Split at the first '/': the member may hold more.
  EXPECT_EQ(Run({"SET", "a/b/c", "v"}), kOk);
  EXPECT_EQ(Value("a/b/c"), "v");
  EXPECT_EQ(Run({"GET", "a/"}),
            "-ERR key \"a/\" has an empty member name after the '/'\r\n");
  EXPECT_EQ(Run({"SET", "/m", "v"}),
            "-ERR key \"/m\" has an empty collection name before the '/'\r\n");
}

TEST_F(RespCommandsTest, ExpiryCommands) {
  dskv_test::FakeClock& clock = clock_;
  Options options;
  options.clock = &clock;
  Open({}, options);
  const std::string invalid_set =
      "-ERR invalid expire time in 'set' command\r\n";
  EXPECT_EQ(Run({"SET", "k", "v", "EX", "10"}), kOk);
  EXPECT_EQ(Run({"TTL", "k"}), Int(10));
  EXPECT_EQ(Run({"PTTL", "k"}), Int(10'000));
  clock.Advance(std::chrono::milliseconds(9'500));
  EXPECT_EQ(Run({"TTL", "k"}), Int(1));  // Rounded, as Redis does.
  EXPECT_EQ(Run({"PTTL", "k"}), Int(500));
  clock.Advance(std::chrono::milliseconds(500));
  EXPECT_EQ(Run({"GET", "k"}), kNil);
  EXPECT_EQ(Run({"TTL", "k"}), Int(-2));
  EXPECT_EQ(Run({"EXISTS", "k"}), Int(0));

  EXPECT_EQ(Run({"SET", "k", "v", "px", "1500"}), kOk);
  EXPECT_EQ(Run({"EXPIRE", "k", "100"}), Int(1));
  EXPECT_EQ(Run({"TTL", "k"}), Int(100));
  EXPECT_EQ(Run({"PEXPIRE", "k", "2500"}), Int(1));
  EXPECT_EQ(Run({"PTTL", "k"}), Int(2500));
  EXPECT_EQ(Run({"PERSIST", "k"}), Int(1));
  EXPECT_EQ(Run({"TTL", "k"}), Int(-1));
  EXPECT_EQ(Run({"PERSIST", "k"}), Int(0));
  EXPECT_EQ(Run({"PERSIST", "missing"}), Int(0));
  EXPECT_EQ(Run({"EXPIRE", "missing", "10"}), Int(0));
  EXPECT_EQ(Run({"PTTL", "missing"}), Int(-2));

  // SETEX, PSETEX; SET ... KEEPTTL keeps the deadline, SET clears it.
  EXPECT_EQ(Run({"SETEX", "s", "5", "v"}), kOk);
  EXPECT_EQ(Run({"TTL", "s"}), Int(5));
  EXPECT_EQ(Run({"PSETEX", "p", "2500", "v"}), kOk);
  EXPECT_EQ(Run({"PTTL", "p"}), Int(2500));
  EXPECT_EQ(Run({"SET", "s", "w", "KEEPTTL"}), kOk);
  EXPECT_EQ(Run({"TTL", "s"}), Int(5));
  EXPECT_EQ(Value("strings/s"), "w");
  EXPECT_EQ(Run({"SET", "s", "x"}), kOk);
  EXPECT_EQ(Run({"TTL", "s"}), Int(-1));
  EXPECT_EQ(Run({"SET", "s", "y", "NX", "EX", "10"}), kNil);
  EXPECT_EQ(Run({"SET", "n", "y", "NX", "EX", "10"}), kOk);
  EXPECT_EQ(Run({"TTL", "n"}), Int(10));
  EXPECT_EQ(Run({"SET", "n", "z", "XX", "PX", "20000", "GET"}), Bulk("y"));
  EXPECT_EQ(Run({"TTL", "n"}), Int(20));

  // Absolute times (by the system clock); one already past removes.
  const long long unix_now =
      std::chrono::duration_cast<std::chrono::seconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count();
  EXPECT_EQ(Run({"EXPIREAT", "n", std::to_string(unix_now + 1000)}), Int(1));
  const std::string left = Run({"TTL", "n"});
  EXPECT_TRUE(left == Int(1000) || left == Int(999)) << left;
  EXPECT_EQ(Run({"SET", "n", "v", "EXAT", "1"}), kOk);
  EXPECT_EQ(Run({"GET", "n"}), kNil);
  EXPECT_EQ(Run({"SET", "n", "v"}), kOk);
  EXPECT_EQ(Run({"PEXPIREAT", "n", "1000"}), Int(1));
  EXPECT_EQ(Run({"GET", "n"}), kNil);
  EXPECT_EQ(Run({"SET", "n", "v"}), kOk);
  EXPECT_EQ(Run({"EXPIRE", "n", "0"}), Int(1));  // Zero removes the key.
  EXPECT_EQ(Run({"GET", "n"}), kNil);

  // Errors, worded as Redis's.
  EXPECT_EQ(Run({"SET", "k", "v", "EX", "0"}), invalid_set);
  EXPECT_EQ(Run({"SET", "k", "v", "PX", "-5"}), invalid_set);
  EXPECT_EQ(Run({"SET", "k", "v", "EX", "99999999999999999"}), invalid_set);
  EXPECT_EQ(Run({"SET", "k", "v", "EX", "soon"}),
            "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(Run({"SET", "k", "v", "EX", "10", "PX", "10"}),
            "-ERR syntax error\r\n");
  EXPECT_EQ(Run({"SET", "k", "v", "EX"}), "-ERR syntax error\r\n");
  EXPECT_EQ(Run({"SET", "k", "v", "KEEPTTL", "EX", "10"}),
            "-ERR syntax error\r\n");
  EXPECT_EQ(Run({"SETEX", "k", "0", "v"}),
            "-ERR invalid expire time in 'setex' command\r\n");
  EXPECT_EQ(Run({"EXPIRE", "k", "10", "NX"}),
            "-ERR expire's NX, XX, GT and LT options are not supported\r\n");
  EXPECT_EQ(Value("strings/k"), "v");  // From the SET ... PX 1500 above.

  // Hashes (collections) keep no deadline.
  EXPECT_EQ(Run({"HSET", "h", "f", "v"}), Int(1));
  EXPECT_EQ(Run({"EXPIRE", "h", "10"}),
            "-ERR \"h\" is a hash: dskv keeps deadlines on string keys "
            "only\r\n");
  EXPECT_EQ(Run({"TTL", "h"}), Int(-1));

  // In a transaction: SET ... EX commits with its deadline; EXPIRE is not
  // queued.
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"SET", "t", "v", "EX", "100"}), kQueued);
  EXPECT_EQ(Run({"EXPIRE", "t", "10"}),
            "-ERR 'expire' cannot be queued in a MULTI\r\n");
  EXPECT_EQ(Run({"DISCARD"}), kOk);
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"SET", "t", "v", "EX", "100"}), kQueued);
  EXPECT_EQ(Run({"EXEC"}), Array({kOk}));
  EXPECT_EQ(Run({"TTL", "t"}), Int(100));
  EXPECT_NE(Run({"INFO", "keyspace"}).find(",expires="), std::string::npos);
}

TEST_F(RespCommandsTest, DefaultCollectionIsAFlag) {
  Open({.default_collection = "kv"});
  EXPECT_EQ(Run({"SET", "k", "v"}), kOk);
  EXPECT_EQ(Value("kv/k"), "v");
}

TEST_F(RespCommandsTest, WritesPastTheMemoryLimitGetOom) {
  Options options;
  options.max_memory_bytes = 64 << 10;
  Open({}, options);
  int sets = 0;
  std::string reply;
  while ((reply = Run({"SET", "k" + std::to_string(sets),
                       std::string(100, 'v')})) == kOk) {
    ++sets;
  }
  EXPECT_GT(sets, 100);
  EXPECT_EQ(reply.rfind("-OOM the store holds about ", 0), 0u) << reply;
  EXPECT_EQ(Run({"DEL", "k0"}), Int(1));
  EXPECT_EQ(Run({"SET", "k0", "v"}), kOk);
  const std::string info = Run({"INFO", "memory"});
  EXPECT_NE(info.find("maxmemory:65536\r\n"), std::string::npos) << info;
  EXPECT_NE(info.find("used_memory:"), std::string::npos) << info;
}

TEST_F(RespCommandsTest, SetOptions) {
  EXPECT_EQ(Run({"SET", "k", "1", "NX"}), kOk);
  EXPECT_EQ(Run({"SET", "k", "2", "nx"}), kNil);
  EXPECT_EQ(Run({"SET", "k", "3", "XX"}), kOk);
  EXPECT_EQ(Run({"SET", "other", "3", "XX"}), kNil);
  EXPECT_EQ(Value("strings/other"), "<none>");
  EXPECT_EQ(Run({"SET", "k", "4", "GET"}), Bulk("3"));
  EXPECT_EQ(Run({"SET", "new", "5", "GET"}), kNil);
  EXPECT_EQ(Run({"SET", "k", "6", "NX", "GET"}), Bulk("4"));
  EXPECT_EQ(Value("strings/k"), "4");
  EXPECT_EQ(Run({"SET", "k", "7", "KEEPTTL"}), kOk);
  EXPECT_EQ(Run({"SET", "k", "8", "NX", "XX"}), "-ERR syntax error\r\n");
  EXPECT_EQ(Run({"SET", "k", "8", "BOGUS"}), "-ERR syntax error\r\n");
  EXPECT_EQ(Value("strings/k"), "7");
  EXPECT_EQ(Run({"SETNX", "k", "9"}), Int(0));
  EXPECT_EQ(Run({"SETNX", "fresh", "9"}), Int(1));
}

TEST_F(RespCommandsTest, MultipleKeys) {
  EXPECT_EQ(Run({"MSET", "a", "1", "c/b", "2"}), kOk);
  EXPECT_EQ(Run({"MGET", "a", "c/b", "none"}),
            Array({Bulk("1"), Bulk("2"), kNil}));
  EXPECT_EQ(Run({"MSET", "a", "1", "b"}),
            "-ERR wrong number of arguments for 'mset' command\r\n");
  // All or nothing: a bad key fails the whole MSET.
  EXPECT_EQ(Run({"MSET", "x", "1", "c/", "2"}),
            "-ERR key \"c/\" has an empty member name after the '/'\r\n");
  EXPECT_EQ(Value("strings/x"), "<none>");
}

// A pipeline's GETs wait to be looked up together; every reply still comes
// in its command's order, each GET seeing the writes before it.
TEST_F(RespCommandsTest, PipelinedGetsReplyInOrder) {
  RespSession& session = *sessions_[0];
  const std::vector<Strings> pipeline = {
      {"SET", "a", "1"},  {"GET", "a"},
      {"GET", "missing"}, {"GET", "c/"},
      {"get", "a"},       {"SET", "a", "2"},
      {"GET", "a"},       {"GET", "a", "extra"},
      {"DEL", "a"},       {"GET", "a"},
      {"MULTI"},          {"GET", "a"},
      {"EXEC"},           {"SET", "b", "3"},
      {"WATCH", "b"},     {"GET", "b"},
      {"UNWATCH"},        {"GET", "b"},
  };
  std::string replies;
  for (const Strings& command : pipeline) {
    const std::vector<std::string_view> views(command.begin(), command.end());
    ASSERT_TRUE(commands_->ExecutePipelined(session, views, replies));
  }
  commands_->Flush(session, replies);
  EXPECT_EQ(replies, kOk + Bulk("1") + kNil +
                         "-ERR key \"c/\" has an empty member name after "
                         "the '/'\r\n" +
                         Bulk("1") + kOk + Bulk("2") +
                         "-ERR wrong number of arguments for 'get' "
                         "command\r\n" +
                         Int(1) + kNil + kOk + kQueued + Array({kNil}) + kOk +
                         kOk + Bulk("3") + kOk + Bulk("3"));

  // Before Flush, a GET's reply waits for the GETs after it; any other
  // command first writes out the ones waiting.
  std::string out;
  const std::vector<std::string_view> get = {"GET", "b"};
  ASSERT_TRUE(commands_->ExecutePipelined(session, get, out));
  ASSERT_TRUE(commands_->ExecutePipelined(session, get, out));
  EXPECT_EQ(out, "");
  const std::vector<std::string_view> ping = {"PING"};
  ASSERT_TRUE(commands_->ExecutePipelined(session, ping, out));
  EXPECT_EQ(out, Bulk("3") + Bulk("3") + "+PONG\r\n");
  // However long the pipeline, at most 64 wait.
  out.clear();
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(commands_->ExecutePipelined(session, get, out));
  }
  std::string sixty_four;
  for (int i = 0; i < 64; ++i) sixty_four += Bulk("3");
  EXPECT_EQ(out, sixty_four);
  commands_->Flush(session, out);
  EXPECT_EQ(out.size(), sixty_four.size() * 100 / 64);
}

TEST_F(RespCommandsTest, StrLenAndGetRange) {
  Run({"SET", "s", "Hello World"});
  EXPECT_EQ(Run({"STRLEN", "s"}), Int(11));
  EXPECT_EQ(Run({"STRLEN", "none"}), Int(0));
  EXPECT_EQ(Run({"GETRANGE", "s", "0", "4"}), Bulk("Hello"));
  EXPECT_EQ(Run({"GETRANGE", "s", "-5", "-1"}), Bulk("World"));
  EXPECT_EQ(Run({"GETRANGE", "s", "-3", "100"}), Bulk("rld"));
  EXPECT_EQ(Run({"GETRANGE", "s", "5", "2"}), Bulk(""));
  EXPECT_EQ(Run({"GETRANGE", "s", "-1", "-5"}), Bulk(""));
  EXPECT_EQ(Run({"GETRANGE", "s", "-100", "0"}), Bulk("H"));
  EXPECT_EQ(Run({"GETRANGE", "none", "0", "-1"}), Bulk(""));
  EXPECT_EQ(Run({"GETRANGE", "s", "a", "1"}),
            "-ERR value is not an integer or out of range\r\n");
}

TEST_F(RespCommandsTest, KeysNameAMemberAndACollection) {
  Run({"SET", "both", "v"});
  Run({"HSET", "both", "f", "1", "g", "2"});
  Run({"HSET", "hash", "f", "1"});
  Run({"SET", "str", "v"});
  EXPECT_EQ(Run({"EXISTS", "both", "hash", "str", "none", "both/f"}), Int(4));
  EXPECT_EQ(Run({"TYPE", "both"}), "+string\r\n");
  EXPECT_EQ(Run({"TYPE", "hash"}), "+hash\r\n");
  EXPECT_EQ(Run({"TYPE", "none"}), "+none\r\n");
  EXPECT_EQ(Run({"TYPE", "hash/f"}), "+string\r\n");
  // The member and the collection count one each.
  EXPECT_EQ(Run({"DEL", "both", "none", "hash/f"}), Int(3));
  EXPECT_EQ(Value("strings/both"), "<none>");
  EXPECT_EQ(Value("both/f"), "<none>");
  EXPECT_EQ(Value("hash/f"), "<none>");
  EXPECT_EQ(Run({"UNLINK", "str"}), Int(1));
  EXPECT_EQ(Run({"DEL", std::string(300, 'k')}), Int(0));
}

TEST_F(RespCommandsTest, Hashes) {
  EXPECT_EQ(Run({"HSET", "h", "b", "2", "a", "1"}), Int(2));
  EXPECT_EQ(Run({"HSET", "h", "a", "one", "c", "3"}), Int(1));
  EXPECT_EQ(Value("h/a"), "one");
  EXPECT_EQ(Run({"HGET", "h", "a"}), Bulk("one"));
  EXPECT_EQ(Run({"HGET", "h", "z"}), kNil);
  EXPECT_EQ(Run({"HMGET", "h", "c", "z"}), Array({Bulk("3"), kNil}));
  EXPECT_EQ(Run({"HEXISTS", "h", "b"}), Int(1));
  EXPECT_EQ(Run({"HSTRLEN", "h", "a"}), Int(3));
  EXPECT_EQ(Run({"HLEN", "h"}), Int(3));
  EXPECT_EQ(Run({"HKEYS", "h"}), Bulks({"a", "b", "c"}));
  EXPECT_EQ(Run({"HVALS", "h"}), Bulks({"one", "2", "3"}));
  EXPECT_EQ(Run({"HGETALL", "h"}), Bulks({"a", "one", "b", "2", "c", "3"}));
  EXPECT_EQ(Run({"HGETALL", "none"}), Array({}));
  EXPECT_EQ(Run({"HSETNX", "h", "a", "x"}), Int(0));
  EXPECT_EQ(Run({"HSETNX", "h", "d", "4"}), Int(1));
  EXPECT_EQ(Run({"HMSET", "h", "e", "5"}), kOk);
  EXPECT_EQ(Run({"HDEL", "h", "a", "z", "d"}), Int(2));
  EXPECT_EQ(Run({"HLEN", "h"}), Int(3));
  EXPECT_EQ(Run({"HSET", "h", "f"}),
            "-ERR wrong number of arguments for 'hset' command\r\n");
  EXPECT_EQ(Run({"HSET", "a/b", "f", "v"}),
            "-ERR collection name \"a/b\" must not contain '/'\r\n");
  EXPECT_EQ(Run({"HGETALL", "a/b"}),
            "-ERR collection name \"a/b\" must not contain '/'\r\n");
  // All or nothing: the bad field fails the whole HSET.
  EXPECT_EQ(Run({"HSET", "h", "new", "v", "", "v"}),
            "-ERR key \"h/\" has an empty member name after the '/'\r\n");
  EXPECT_EQ(Value("h/new"), "<none>");
}

TEST_F(RespCommandsTest, HScanPagesInMemberOrder) {
  for (int i = 0; i < 25; ++i) {
    char member[8];
    std::snprintf(member, sizeof member, "m%02d", i);
    ASSERT_EQ(Run({"HSET", "h", member, "v"}), Int(1));
  }
  EXPECT_EQ(Run({"HSCAN", "h", "0", "COUNT", "10"}).substr(0, 14),
            "*2\r\n$1\r\n1\r\n*20");
  const std::string page2 = Run({"HSCAN", "h", "1", "COUNT", "10"});
  EXPECT_TRUE(page2.starts_with("*2\r\n$1\r\n2\r\n*20\r\n$3\r\nm10\r\n"))
      << page2;
  // Members added before the cursor are not seen; those after are.
  Run({"HSET", "h", "m00a", "v"});
  Run({"HSET", "h", "m99", "v"});
  const std::string page3 = Run({"HSCAN", "h", "2", "COUNT", "10"});
  EXPECT_TRUE(page3.starts_with("*2\r\n$1\r\n0\r\n*12\r\n$3\r\nm20\r\n"))
      << page3;
  // The same cursor again gives the same page (a client's retry).
  EXPECT_EQ(Run({"HSCAN", "h", "2", "COUNT", "10"}), page3);
  EXPECT_EQ(Run({"HSCAN", "h", "0", "MATCH", "m2?", "NOVALUES"}),
            Array({Bulk("3"), Bulks({})}));
  // MATCH filters a page of COUNT members: pages may come back empty.
  EXPECT_EQ(Run({"HSCAN", "h", "3", "MATCH", "m2?", "NOVALUES"}),
            Array({Bulk("4"), Bulks({})}));
  EXPECT_EQ(Run({"HSCAN", "h", "4", "MATCH", "m2?", "NOVALUES"}),
            Array({Bulk("0"), Bulks({"m20", "m21", "m22", "m23", "m24"})}));
  EXPECT_EQ(Run({"HSCAN", "h", "0", "MATCH", "m0[0-1]", "COUNT", "100"}),
            Array({Bulk("0"), Bulks({"m00", "v", "m01", "v"})}));
  EXPECT_EQ(Run({"HSCAN", "h", "abc"}), "-ERR invalid cursor\r\n");
  EXPECT_EQ(Run({"HSCAN", "h", "0", "COUNT", "0"}), "-ERR syntax error\r\n");
  EXPECT_TRUE(Run({"HSCAN", "other", "1"})
                  .starts_with("-ERR invalid cursor: 1 "
                               "is not a cursor of "
                               "this hash"));
  EXPECT_EQ(Run({"HSCAN", "none", "0"}), Array({Bulk("0"), Array({})}));
}

TEST_F(RespCommandsTest, HScanCursorsExpire) {
  Open({.max_cursors = 2});
  Run({"HSET", "h", "a", "1", "b", "2", "c", "3", "d", "4"});
  for (int i = 0; i < 3; ++i) Run({"HSCAN", "h", "0", "COUNT", "1"});
  EXPECT_EQ(
      Run({"HSCAN", "h", "1", "COUNT", "1"}),
      "-ERR invalid cursor: 1 is not a cursor of this hash, or has expired "
      "(the server keeps its latest 2 cursors); start again from 0\r\n");
  EXPECT_EQ(Run({"HSCAN", "h", "3", "COUNT", "1"}),
            Array({Bulk("4"), Bulks({"b", "2"})}));
}

TEST_F(RespCommandsTest, ScanListsCollections) {
  Run({"HSET", "users", "a", "1"});
  Run({"HSET", "uploads", "a", "1"});
  Run({"SET", "k", "v"});
  EXPECT_EQ(Run({"SCAN", "0"}),
            Array({Bulk("0"), Bulks({"strings", "uploads", "users"})}));
  EXPECT_EQ(Run({"SCAN", "0", "MATCH", "u*s", "COUNT", "1"}),
            Array({Bulk("0"), Bulks({"uploads", "users"})}));
  EXPECT_EQ(Run({"SCAN", "0", "TYPE", "string"}),
            Array({Bulk("0"), Bulks({})}));
  EXPECT_EQ(Run({"SCAN", "0", "TYPE", "hash"}),
            Array({Bulk("0"), Bulks({"strings", "uploads", "users"})}));
  EXPECT_EQ(Run({"SCAN", "0", "MATCH"}), "-ERR syntax error\r\n");
  EXPECT_EQ(Run({"DBSIZE"}), Int(3));
}

TEST_F(RespCommandsTest, LexicographicSortedSets) {
  EXPECT_EQ(Run({"ZADD", "z", "0", "b", "0", "a", "+0", "d", "0.0", "c"}),
            Int(4));
  EXPECT_EQ(Run({"ZADD", "z", "0", "a", "-0", "e"}), Int(1));
  EXPECT_EQ(Value("z/a"), "");
  EXPECT_EQ(Run({"ZADD", "z", "1", "f"}),
            "-ERR score 1 is not 0: dskv keeps lexicographic sorted sets "
            "only: every score is 0\r\n");
  EXPECT_EQ(Run({"ZADD", "z", "x", "f"}),
            "-ERR value is not a valid float\r\n");
  EXPECT_EQ(Run({"ZADD", "z", "INCR", "0", "f"}),
            "-ERR ZADD's INCR option is not supported: dskv keeps "
            "lexicographic sorted sets only: every score is 0\r\n");
  EXPECT_EQ(Run({"ZADD", "z", "XX", "0", "f"}), Int(0));
  EXPECT_EQ(Run({"ZADD", "z", "NX", "CH", "0", "f"}), Int(1));
  EXPECT_EQ(Run({"ZADD", "z", "NX", "XX", "0", "f"}),
            "-ERR XX and NX options at the same time are not compatible\r\n");
  EXPECT_EQ(Run({"ZADD", "z", "0", "a", "0"}), "-ERR syntax error\r\n");
  EXPECT_EQ(Run({"ZCARD", "z"}), Int(6));
  EXPECT_EQ(Run({"ZSCORE", "z", "a"}), Bulk("0"));
  EXPECT_EQ(Run({"ZSCORE", "z", "q"}), kNil);
  EXPECT_EQ(Run({"ZRANGEBYLEX", "z", "-", "+"}),
            Bulks({"a", "b", "c", "d", "e", "f"}));
  EXPECT_EQ(Run({"ZRANGEBYLEX", "z", "[b", "(e"}), Bulks({"b", "c", "d"}));
  EXPECT_EQ(Run({"ZRANGEBYLEX", "z", "(b", "[e"}), Bulks({"c", "d", "e"}));
  EXPECT_EQ(Run({"ZRANGEBYLEX", "z", "(", "[a"}), Bulks({"a"}));
  EXPECT_EQ(Run({"ZRANGEBYLEX", "z", "-", "("}), Bulks({}));
  EXPECT_EQ(Run({"ZRANGEBYLEX", "z", "+", "-"}), Bulks({}));
  EXPECT_EQ(Run({"ZRANGEBYLEX", "z", "[d", "[b"}), Bulks({}));
  EXPECT_EQ(Run({"ZRANGEBYLEX", "z", "-", "+", "LIMIT", "1", "2"}),
            Bulks({"b", "c"}));
  EXPECT_EQ(Run({"ZRANGEBYLEX", "z", "-", "+", "LIMIT", "4", "-1"}),
            Bulks({"e", "f"}));
  EXPECT_EQ(Run({"ZRANGEBYLEX", "z", "-", "+", "LIMIT", "-1", "2"}), Bulks({}));
  EXPECT_EQ(Run({"ZREVRANGEBYLEX", "z", "+", "-", "LIMIT", "1", "2"}),
            Bulks({"e", "d"}));
  EXPECT_EQ(Run({"ZREVRANGEBYLEX", "z", "(d", "[b"}), Bulks({"c", "b"}));
  EXPECT_EQ(Run({"ZRANGEBYLEX", "z", "b", "+"}),
            "-ERR min or max not valid string range item\r\n");
  EXPECT_EQ(Run({"ZRANGEBYLEX", "z", "-", "+", "LIMIT", "1"}),
            "-ERR syntax error\r\n");
  EXPECT_EQ(Run({"ZREM", "z", "a", "q", "b"}), Int(2));
  EXPECT_EQ(Run({"ZCARD", "z"}), Int(4));
}

TEST_F(RespCommandsTest, MultiExecRepliesAndOneBatch) {
  Run({"HSET", "h", "old", "1"});
  Run({"SET", "k", "before"});
  EXPECT_EQ(Run({"MULTI"}), kOk);
  for (const Strings& command : std::vector<Strings>{
           {"HSET", "h", "old", "2", "new", "3"},
           {"SET", "k", "after"},
           {"GET", "k"},
           {"DEL", "k", "nothing"},
           {"HGET", "h", "old"},
           {"SET", "bad/", "x"},
           {"ZADD", "z", "0", "m"},
           {"PING"},
       }) {
    EXPECT_EQ(Run(command), kQueued);
  }
  EXPECT_EQ(Value("strings/k"), "before") << "nothing runs before EXEC";
  EXPECT_EQ(Run({"EXEC"}),
            Array({Int(1), kOk, Bulk("after"), Int(1), Bulk("2"),
                   "-ERR key \"bad/\" has an empty member name after the "
                   "'/'\r\n",
                   Int(1), "+PONG\r\n"}));
  EXPECT_EQ(Value("h/new"), "3");
  EXPECT_EQ(Value("strings/k"), "<none>");
  EXPECT_EQ(Value("z/m"), "");
  EXPECT_EQ(Run({"EXEC"}), "-ERR EXEC without MULTI\r\n");
}

TEST_F(RespCommandsTest, ErrorsWhileQueueingAbortExec) {
  Run({"MULTI"});
  EXPECT_EQ(Run({"SET", "k", "v"}), kQueued);
  EXPECT_EQ(Run({"NOPE", "x"}),
            "-ERR unknown command 'NOPE', with args beginning with: 'x' \r\n");
  EXPECT_EQ(Run({"EXEC"}),
            "-EXECABORT Transaction discarded because of previous errors.\r\n");
  EXPECT_EQ(Value("strings/k"), "<none>");

  Run({"MULTI"});
  EXPECT_EQ(Run({"GET"}),
            "-ERR wrong number of arguments for 'get' command\r\n");
  EXPECT_EQ(Run({"EXEC"}),
            "-EXECABORT Transaction discarded because of previous errors.\r\n");

  Run({"MULTI"});
  EXPECT_EQ(
      Run({"HGETALL", "h"}),
      "-ERR 'hgetall' cannot be queued in a MULTI: it reads a whole "
      "collection, and a dskv transaction can only check single keys\r\n");
  EXPECT_EQ(Run({"MULTI"}), "-ERR MULTI calls can not be nested\r\n");
  EXPECT_EQ(Run({"DISCARD"}), kOk);
  EXPECT_EQ(Run({"DISCARD"}), "-ERR DISCARD without MULTI\r\n");
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"EXEC"}), Array({}));
}

TEST_F(RespCommandsTest, WatchAbortsExecWhenAReadValueChanged) {
  RespSession& other = NewSession();
  Run({"SET", "k", "1"});
  Run({"HSET", "h", "f", "1", "g", "1"});
  EXPECT_EQ(Run({"WATCH", "k", "h"}), kOk);
  EXPECT_EQ(Run({"HGET", "h", "f"}), Bulk("1"));
  // A change to a field this connection did not read: EXEC goes on.
  Run(other, {"HSET", "h", "g", "2"});
  Run({"MULTI"});
  Run({"SET", "k", "2"});
  EXPECT_EQ(Run({"EXEC"}), Array({kOk}));
  EXPECT_EQ(Value("strings/k"), "2");

  // WATCH reads the string key itself.
  EXPECT_EQ(Run({"WATCH", "k"}), kOk);
  Run(other, {"SET", "k", "3"});
  Run({"MULTI"});
  Run({"SET", "k", "4"});
  EXPECT_EQ(Run({"EXEC"}), "*-1\r\n");
  EXPECT_EQ(Value("strings/k"), "3");

  // A field read, then changed.
  EXPECT_EQ(Run({"WATCH", "h"}), kOk);
  EXPECT_EQ(Run({"HGETALL", "h"}), Bulks({"f", "1", "g", "2"}));
  Run(other, {"HDEL", "h", "f"});
  Run({"MULTI"});
  Run({"SET", "k", "5"});
  EXPECT_EQ(Run({"EXEC"}), "*-1\r\n");
  EXPECT_EQ(Value("strings/k"), "3");

  // UNWATCH forgets; EXEC clears the watch too.
  Run({"WATCH", "k"});
  Run({"UNWATCH"});
  Run(other, {"SET", "k", "6"});
  Run({"MULTI"});
  Run({"SET", "k", "7"});
  EXPECT_EQ(Run({"EXEC"}), Array({kOk}));
  EXPECT_EQ(Run({"MULTI"}), kOk);
  EXPECT_EQ(Run({"WATCH", "k"}), "-ERR WATCH inside MULTI is not allowed\r\n");
}

TEST_F(RespCommandsTest, TransactionRetriesWhenItsReadsChange) {
  RespSession& session = NewSession();
  Run({"HSET", "h", "f", "old"});
  int attempts = 0;
  std::string out;
  const absl::Status s = RunTransaction(
      *store_, RespConfig{}, session, false, out, [&](std::string& replies) {
        std::string value;
        ASSERT_TRUE(session.txn.Read("h/f", &value).ok());
        replies += value;
        ASSERT_TRUE(session.txn.Put("h/g", value).ok());
        // Another writer changes what the first attempt read.
        if (++attempts == 1) {
          ASSERT_TRUE(store_->Put("h/f", "new").ok());
        }
      });
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(attempts, 2);
  EXPECT_EQ(out, "new");
  EXPECT_EQ(Value("h/g"), "new");

  // One that never settles gives up.
  const absl::Status gave_up =
      RunTransaction(*store_, RespConfig{.max_transaction_attempts = 3},
                     session, false, out, [&](std::string&) {
                       std::string value;
                       ASSERT_TRUE(session.txn.Read("h/f", &value).ok());
                       ASSERT_TRUE(store_->Put("h/f", value + "x").ok());
                     });
  EXPECT_TRUE(absl::IsAborted(gave_up)) << gave_up;
}

TEST_F(RespCommandsTest, ConcurrentIncrementsThroughExecAreExact) {
  // Each thread reads a counter and writes it back plus one, in MULTI:
  // EXEC's conditions and retries make every increment count.
  constexpr int kThreads = 4, kRounds = 50;
  Run({"SET", "n", "0"});
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    RespSession& session = NewSession();
    threads.emplace_back([&] {
      for (int i = 0; i < kRounds; ++i) {
        while (true) {
          Run(session, {"WATCH", "n"});
          const std::string reply = Run(session, {"GET", "n"});
          const int n = std::stoi(reply.substr(reply.find('\n') + 1));
          Run(session, {"MULTI"});
          Run(session, {"SET", "n", std::to_string(n + 1)});
          if (Run(session, {"EXEC"}) != "*-1\r\n") break;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(Value("strings/n"), std::to_string(kThreads * kRounds));
}

TEST_F(RespCommandsTest, ReadOnlyStoreRefusesWrites) {
  Run({"SET", "k", "v"});
  ASSERT_TRUE(store_->Close().ok());
  Options options;
  options.read_only = true;
  Open({.read_only = true}, options);
  EXPECT_EQ(Run({"GET", "k"}), Bulk("v"));
  const std::string readonly =
      "-READONLY You can't write against a read only server: dskv serve "
      "--read-only\r\n";
  EXPECT_EQ(Run({"SET", "k", "w"}), readonly);
  EXPECT_EQ(Run({"HSET", "h", "f", "v"}), readonly);
  Run({"MULTI"});
  EXPECT_EQ(Run({"DEL", "k"}), readonly);
  EXPECT_TRUE(Run({"EXEC"}).starts_with("-EXECABORT"));
}

TEST_F(RespCommandsTest, UnknownCommandsAndArity) {
  EXPECT_EQ(Run({"FLUSHALL"}),
            "-ERR unknown command 'FLUSHALL', with args beginning with: \r\n");
  EXPECT_EQ(Run({"foo", "a", "b"}),
            "-ERR unknown command 'foo', with args beginning with: 'a' 'b' "
            "\r\n");
  EXPECT_EQ(Run({"GET", "a", "b"}),
            "-ERR wrong number of arguments for 'get' command\r\n");
  EXPECT_EQ(Run({"hset", "h"}),
            "-ERR wrong number of arguments for 'hset' command\r\n");
}

TEST_F(RespCommandsTest, ServerCommands) {
  EXPECT_EQ(Run({"PING"}), "+PONG\r\n");
  EXPECT_EQ(Run({"PING", "hi"}), Bulk("hi"));
  EXPECT_EQ(Run({"ECHO", "x"}), Bulk("x"));
  EXPECT_EQ(Run({"SELECT", "0"}), kOk);
  EXPECT_EQ(Run({"SELECT", "1"}),
            "-ERR DB index is out of range: dskv serves database 0 only\r\n");
  EXPECT_EQ(Run({"CONFIG", "GET", "save"}), Bulks({"save", ""}));
  EXPECT_EQ(Run({"CONFIG", "GET", "APPENDONLY"}), Bulks({"appendonly", "no"}));
  EXPECT_EQ(Run({"CONFIG", "GET", "nothing*"}), Bulks({}));
  EXPECT_EQ(Run({"CLIENT", "GETNAME"}), kNil);
  EXPECT_EQ(Run({"CLIENT", "SETNAME", "me"}), kOk);
  EXPECT_EQ(Run({"CLIENT", "GETNAME"}), Bulk("me"));
  EXPECT_EQ(Run({"CLIENT", "SETNAME", "a b"}),
            "-ERR Client names cannot contain spaces, newlines or special "
            "characters.\r\n");
  EXPECT_EQ(Run({"COMMAND", "DOCS"}),
            "-ERR unknown subcommand 'DOCS'. Try COMMAND HELP.\r\n");
  EXPECT_EQ(Run({"COMMAND", "INFO", "get", "nope"}),
            Array({Array({Bulk("get"), Int(2), Array({"+readonly\r\n"}), Int(1),
                          Int(1), Int(1), Array({"+@read\r\n"}), Array({}),
                          Array({}), Array({})}),
                   "*-1\r\n"}));
  EXPECT_EQ(Run({"SET", "k", "v"}), kOk);
  EXPECT_EQ(Run({"WAIT", "0", "0"}), Int(0));
  EXPECT_EQ(Run({"SAVE"}), kOk);
  const std::string info = Run({"INFO"});
  EXPECT_NE(info.find("# Server\r\nredis_version:7.0.0\r\n"), std::string::npos)
      << info;
  EXPECT_NE(info.find("# Keyspace\r\ndb0:keys=1,expires=0,avg_ttl=0\r\n"),
            std::string::npos)
      << info;
  EXPECT_NE(info.find("# Dskv\r\nkeys:1\r\n"), std::string::npos) << info;
  const std::string keyspace = Run({"INFO", "keyspace"});
  EXPECT_EQ(keyspace.find("# Server"), std::string::npos) << keyspace;
  bool open = true;
  EXPECT_EQ(Run(*sessions_[0], {"QUIT"}, &open), kOk);
  EXPECT_FALSE(open);
}

}  // namespace
}  // namespace dskv::tool
