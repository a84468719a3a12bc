// `dskv serve` end to end (docs/http.md): the real server runs as a child
// process on a free loopback port, and the tests drive it with curl and
// with a small raw-socket client (tests/tools/serve_test_util.h), then stop
// it (SIGTERM, or SIGKILL) and open its store with dskv::Store::Open to see
// what it kept.

#include <signal.h>
#include <sys/wait.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "base/hex_digest.h"
#include "dskv/store.h"
#include "gtest/gtest.h"
#include "tests/temp_dir.h"
#include "tests/tools/serve_test_util.h"
#include "tests/tools/tool_test_util.h"

namespace dskv_test {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// How long a connection stalled on a server with --idle-timeout=1 may stay
// open: generous, for loaded machines and sanitizers.
constexpr std::chrono::seconds kIdleBound{8};

// The API's ETag of `value`.
std::string ETagOf(std::string_view value) {
  return "\"" + dskv::Xxh3Hex128(value) + "\"";
}

// `size` bytes from a generator seeded with `seed`.
std::string RandomBytes(std::size_t size, std::uint64_t seed) {
  std::mt19937_64 random(seed);
  std::string bytes(size, '\0');
  for (std::size_t i = 0; i < size; i += 8) {
    const std::uint64_t word = random();
    for (std::size_t j = 0; j < 8 && i + j < size; ++j) {
      bytes[i + j] = static_cast<char>(word >> (8 * j));
    }
  }
  return bytes;
}

std::string Describe(const std::optional<std::string>& value) {
  return value.has_value() ? "\"" + Printable(*value, 80) + "\"" : "(absent)";
}

class ServeTest : public ServeTestBase {
 protected:
  // Writes `bytes` to the file `name` in the test's directory; its path.
  std::string File(const std::string& name, std::string_view bytes) {
    const std::string path = dir() + "/" + name;
    WriteBytes(path, bytes);
    return path;
  }

  // The store the server served, opened once it stopped.
  std::unique_ptr<dskv::Store> OpenStore() {
    absl::StatusOr<std::unique_ptr<dskv::Store>> store =
        dskv::Store::Open(store_dir());
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? *std::move(store) : nullptr;
  }

  // The value at `key`; nullopt if it holds none.
  static std::optional<std::string> Stored(const dskv::Store& store,
                                           std::string_view key) {
    absl::StatusOr<std::string> value = store.Get(key);
    if (absl::IsNotFound(value.status())) return std::nullopt;
    EXPECT_TRUE(value.ok()) << value.status();
    return value.ok() ? std::optional(*value) : std::nullopt;
  }

  // 4 writers on a server started with `flags`, writing with `query`, and
  // a kill -9 once each has 40 acknowledged writes: the reopened store
  // must hold every one of them. (Defined after Writers.)
  void KillDuringWrites(const std::vector<std::string>& flags,
                        const std::string& query);
};

// ---------------------------------------------------------------------------
// curl

// The commands of minikeyvalue's README, adapted to keys with a collection,
// and the statuses of the simple cases.
TEST_F(ServeTest, MinikeyvalueStyleCommands) {
  ASSERT_NO_FATAL_FAILURE(StartServer());

  HttpResponse r = Curl({"-X", "PUT", "-d", "bigswag", Url("/c/wehave")});
  EXPECT_EQ(r.status, 201) << r;
  EXPECT_EQ(r.body, "");

  r = Curl({Url("/c/wehave")});
  EXPECT_EQ(r.status, 200) << r;
  EXPECT_EQ(r.body, "bigswag");
  EXPECT_EQ(r.Header("Content-Type"), "application/octet-stream") << r;
  EXPECT_EQ(r.Header("Content-Length"), "7") << r;
  EXPECT_EQ(r.Header("ETag"), ETagOf("bigswag")) << r;
  EXPECT_EQ(r.Header("Accept-Ranges"), "bytes") << r;

  r = Curl({"-I", Url("/c/wehave")});
  EXPECT_EQ(r.status, 200) << r;
  EXPECT_EQ(r.Header("Content-Length"), "7") << r;
  EXPECT_EQ(r.Header("ETag"), ETagOf("bigswag")) << r;
  EXPECT_EQ(r.Header("Content-Type"), "application/octet-stream") << r;

  // Overwriting is allowed (minikeyvalue refuses it).
  r = Curl({"-X", "PUT", "-d", "smallswag", Url("/c/wehave")});
  EXPECT_EQ(r.status, 204) << r;
  EXPECT_EQ(Curl({Url("/c/wehave")}).body, "smallswag");

  r = Curl({"-X", "DELETE", Url("/c/wehave")});
  EXPECT_EQ(r.status, 204) << r;
  r = Curl({Url("/c/wehave")});
  EXPECT_EQ(r.status, 404) << r;
  EXPECT_EQ(r.Header("Content-Length"), "0") << r;
  EXPECT_EQ(r.body, "");
  r = Curl({"-X", "DELETE", Url("/c/wehave")});
  EXPECT_EQ(r.status, 404) << r;
  r = Curl({"-I", Url("/c/wehave")});
  EXPECT_EQ(r.status, 404) << r;

  // An empty value is a value.
  r = Curl({"-X", "PUT", "-d", "", Url("/c/empty")});
  EXPECT_EQ(r.status, 201) << r;
  r = Curl({Url("/c/empty")});
  EXPECT_EQ(r.status, 200) << r;
  EXPECT_EQ(r.body, "");
  EXPECT_EQ(r.Header("Content-Length"), "0") << r;
  EXPECT_EQ(r.Header("ETag"), ETagOf("")) << r;

  r = Curl({Url("/_health")});
  EXPECT_EQ(r.status, 200) << r;
  EXPECT_EQ(r.body, "ok\n");

  StopServer();
  std::unique_ptr<dskv::Store> store = OpenStore();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(Stored(*store, "c/wehave"), std::nullopt);
  EXPECT_EQ(Stored(*store, "c/empty"), "");
}

// Every byte can be sent in a key, percent-encoded, and lands in the store
// as Store::Get sees it; curl's three ways of sending a body.
TEST_F(ServeTest, PercentEncodedBinaryKeysRoundTripToTheStore) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  std::string all_bytes;
  for (int i = 0; i < 1024; ++i) all_bytes += static_cast<char>(i % 256);

  struct Case {
    std::string target;
    std::string key;
  };
  const std::vector<Case> cases = {
      {"/bin/%00%FF%2F", std::string("bin/\0\xFF/", 7)},
      {"/bin/a%2Fb/c", "bin/a/b/c"},
      {"/bin/x+y%20z", "bin/x+y z"},
      {"/bin/%25", "bin/%"},
      {"/bin/%3F%23%26", "bin/?#&"},
      {"/bin/%0D%0A", "bin/\r\n"},
      {"/%01col%fe/%E2%82%AC",
       "\x01"
       "col\xfe/\xE2\x82\xAC"},
      {"/c%20d/%00", std::string("c d/\0", 5)},
  };
  std::map<std::string, std::string> expected;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    SCOPED_TRACE(c.target);
    const std::string value = all_bytes + std::to_string(i);
    const std::string path = File("value" + std::to_string(i), value);
    std::vector<std::string> args;
    switch (i % 3) {
      case 0:
        args = {"-X", "PUT", "--data-binary", "@" + path};
        break;
      case 1:
        args = {"-T", path};
        break;
      case 2:
        args = {"-X",
                "PUT",
                "-H",
                "Content-Type: application/octet-stream",
                "--data-binary",
                "@" + path};
        break;
    }
    args.push_back(Url(c.target));
    HttpResponse r = Curl(args);
    EXPECT_EQ(r.status, 201) << r;
    r = Curl({Url(c.target)});
    EXPECT_EQ(r.status, 200) << r;
    EXPECT_EQ(r.body, value);
    EXPECT_EQ(r.Header("ETag"), ETagOf(value)) << r;
    expected[c.key] = value;
  }
  // The same key, written as "/" or "%2F" in the member.
  HttpResponse r = Curl({"-X", "PUT", "-d", "again", Url("/bin/a/b%2Fc")});
  EXPECT_EQ(r.status, 204) << r;
  expected["bin/a/b/c"] = "again";
  EXPECT_EQ(Curl({Url("/bin/a%2Fb%2Fc")}).body, "again");

  StopServer();
  std::unique_ptr<dskv::Store> store = OpenStore();
  ASSERT_NE(store, nullptr);
  std::size_t in_bin = 0;
  for (const auto& [key, value] : expected) {
    EXPECT_EQ(Stored(*store, key), value) << "key " << Printable(key);
    if (key.starts_with("bin/")) ++in_bin;
  }
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> bin =
      store->GetAll("bin");
  ASSERT_TRUE(bin.ok()) << bin.status();
  EXPECT_EQ(bin->size(), in_bin) << "stray keys in collection bin";
}

// A 16 MiB value sent with -T, read back whole and in part.
TEST_F(ServeTest, LargeValueRoundTrips) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  constexpr std::size_t kSize = std::size_t{16} << 20;
  const std::string value = RandomBytes(kSize, 16);
  const std::string path = File("large.bin", value);

  const Clock::time_point start = Clock::now();
  HttpResponse r = Curl({"-T", path, Url("/large/value")});
  const auto put_ms =
      std::chrono::duration_cast<milliseconds>(Clock::now() - start).count();
  EXPECT_EQ(r.status, 201) << r;
  r = Curl({Url("/large/value")});
  EXPECT_EQ(r.status, 200) << r;
  EXPECT_EQ(r.Header("Content-Length"), std::to_string(kSize)) << r;
  EXPECT_EQ(r.body.size(), kSize);
  EXPECT_TRUE(r.body == value) << "the value read differs from the one sent";
  EXPECT_EQ(r.Header("ETag"), ETagOf(value)) << r;
  std::cout << "PUT of 16 MiB with curl -T took " << put_ms << " ms\n";

  r = Curl({"-r", "10000000-10000099", Url("/large/value")});
  EXPECT_EQ(r.status, 206) << r;
  EXPECT_EQ(r.Header("Content-Range"), "bytes 10000000-10000099/16777216") << r;
  EXPECT_TRUE(r.body == value.substr(10000000, 100));

  StopServer();
  std::unique_ptr<dskv::Store> store = OpenStore();
  ASSERT_NE(store, nullptr);
  const std::optional<std::string> stored = Stored(*store, "large/value");
  ASSERT_TRUE(stored.has_value());
  EXPECT_TRUE(*stored == value) << "the stored value differs from the sent";
}

TEST_F(ServeTest, ETagAndIfNoneMatch) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  const std::string url = Url("/c/digits");
  ASSERT_EQ(Curl({"-X", "PUT", "-d", "0123456789", url}).status, 201);
  const std::string etag = ETagOf("0123456789");
  HttpResponse r = Curl({url});
  EXPECT_EQ(r.Header("ETag"), etag) << r;

  for (const std::string& header :
       {etag, std::string("*"), "W/" + etag, "\"other\", " + etag,
        "\"other\",W/" + etag}) {
    SCOPED_TRACE("If-None-Match: " + header);
    r = Curl({"-H", "If-None-Match: " + header, url});
    EXPECT_EQ(r.status, 304) << r;
    EXPECT_EQ(r.body, "");
    EXPECT_EQ(r.Header("ETag"), etag) << r;
  }
  r = Curl({"-I", "-H", "If-None-Match: " + etag, url});
  EXPECT_EQ(r.status, 304) << r;
  // 304 wins over Range.
  r = Curl({"-H", "If-None-Match: " + etag, "-H", "Range: bytes=0-1", url});
  EXPECT_EQ(r.status, 304) << r;

  for (const std::string& header :
       {std::string("\"other\""), etag.substr(0, etag.size() - 2) + "\""}) {
    SCOPED_TRACE("If-None-Match: " + header);
    r = Curl({"-H", "If-None-Match: " + header, url});
    EXPECT_EQ(r.status, 200) << r;
    EXPECT_EQ(r.body, "0123456789");
  }

  // A new value, a new tag: the old one no longer matches.
  ASSERT_EQ(Curl({"-X", "PUT", "-d", "abc", url}).status, 204);
  r = Curl({"-H", "If-None-Match: " + etag, url});
  EXPECT_EQ(r.status, 200) << r;
  EXPECT_EQ(r.body, "abc");
  EXPECT_EQ(r.Header("ETag"), ETagOf("abc")) << r;

  r = Curl({"-H", "If-None-Match: *", Url("/c/missing")});
  EXPECT_EQ(r.status, 404) << r;
  StopServer();
}

TEST_F(ServeTest, RangeRequests) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  const std::string url = Url("/c/digits");
  ASSERT_EQ(Curl({"-X", "PUT", "-d", "0123456789", url}).status, 201);

  struct Partial {
    std::string range;
    std::string body;
    std::string content_range;
  };
  for (const Partial& p : {
           Partial{"bytes=2-5", "2345", "bytes 2-5/10"},
           Partial{"bytes=0-0", "0", "bytes 0-0/10"},
           Partial{"bytes=7-", "789", "bytes 7-9/10"},
           Partial{"bytes=-3", "789", "bytes 7-9/10"},
           Partial{"bytes=5-100", "56789", "bytes 5-9/10"},
           Partial{"bytes=-100", "0123456789", "bytes 0-9/10"},
           Partial{"bytes=9-9", "9", "bytes 9-9/10"},
       }) {
    SCOPED_TRACE("Range: " + p.range);
    HttpResponse r = Curl({"-H", "Range: " + p.range, url});
    EXPECT_EQ(r.status, 206) << r;
    EXPECT_EQ(r.body, p.body);
    EXPECT_EQ(r.Header("Content-Range"), p.content_range) << r;
    EXPECT_EQ(r.Header("Content-Length"), std::to_string(p.body.size())) << r;
    EXPECT_EQ(r.Header("ETag"), ETagOf("0123456789")) << r;
  }
  // curl's own option.
  HttpResponse r = Curl({"-r", "0-2", url});
  EXPECT_EQ(r.status, 206) << r;
  EXPECT_EQ(r.body, "012");
  r = Curl({"-I", "-H", "Range: bytes=2-5", url});
  EXPECT_EQ(r.status, 206) << r;
  EXPECT_EQ(r.Header("Content-Length"), "4") << r;
  EXPECT_EQ(r.Header("Content-Range"), "bytes 2-5/10") << r;

  for (const std::string range :
       {"bytes=10-", "bytes=10-20", "bytes=5-2", "bytes=abc", "bytes=-0",
        "bytes=0-1,4-5", "bytes=", "bytes=-", "bytes=1-x"}) {
    SCOPED_TRACE("Range: " + range);
    r = Curl({"-H", "Range: " + range, url});
    EXPECT_EQ(r.status, 416) << r;
    EXPECT_EQ(r.Header("Content-Range"), "bytes */10") << r;
  }
  // Other units are ignored.
  r = Curl({"-H", "Range: items=0-1", url});
  EXPECT_EQ(r.status, 200) << r;
  EXPECT_EQ(r.body, "0123456789");

  // An empty value has no byte to select.
  ASSERT_EQ(Curl({"-X", "PUT", "-d", "", Url("/c/empty")}).status, 201);
  r = Curl({"-H", "Range: bytes=0-", Url("/c/empty")});
  EXPECT_EQ(r.status, 416) << r;
  EXPECT_EQ(r.Header("Content-Range"), "bytes */0") << r;
  StopServer();
}

// 400 and 405, with the body naming the rule; none changes the store.
TEST_F(ServeTest, RefusedRequestsChangeNothing) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  struct Refusal {
    std::vector<std::string> args;
    int status;
    std::string allow = "";  // For 405.
  };
  const std::string long_collection(256, 'c');
  const std::string key_methods = "GET, HEAD, PUT, DELETE";
  const std::vector<Refusal> refusals = {
      // A '/' in the collection.
      {{"-X", "PUT", "-d", "v", Url("/a%2Fb/x")}, 400},
      {{Url("/a%2Fb/x")}, 400},
      {{"-X", "DELETE", Url("/a%2Fb/x")}, 400},
      {{"-X", "DELETE", Url("/a%2Fb/")}, 400},
      {{"-X", "POST", "-d", "v", Url("/a%2Fb/")}, 400},
      // A bad escape, a path of one segment, an empty or long collection, a
      // parameter given twice, unknown or misspelt.
      {{"--path-as-is", Url("/c/%zz")}, 400},
      {{"-X", "PUT", "-d", "v", Url("/c/%4")}, 400},
      {{Url("/justone")}, 400},
      {{Url("/_unknown")}, 400},
      {{"-X", "PUT", "-d", "v", "--path-as-is", Url("//x")}, 400},
      {{"-X", "PUT", "-d", "v", Url("/" + long_collection + "/x")}, 400},
      {{"-X", "PUT", "-d", "v", Url("/c/x?sync&sync")}, 400},
      {{"-X", "PUT", "-d", "v", Url("/c/x?snyc")}, 400},
      {{"-X", "DELETE", Url("/c/?all")}, 400},
      {{Url("/c/x?limit=3")}, 400},
      // Listings: one of ?list and ?values, known parameters, good values.
      {{Url("/c/")}, 400},
      {{Url("/c/x?list&values")}, 400},
      {{Url("/c/?list&limit=ten")}, 400},
      {{Url("/c/?list&limit=-1")}, 400},
      {{Url("/c/?list&reverse=maybe")}, 400},
      {{Url("/c/?list&sync")}, 400},
      {{Url("/c/?values&bogus=1")}, 400},
      // A start that does not decode again ("%zz", sent as "%25zz").
      {{Url("/c/?list&start=%25zz")}, 400},
      // Batches that do not parse.
      {{"-X", "POST", "-d", "{}", Url("/_batch")}, 400},
      {{"-X", "POST", "-d", "not json", Url("/_batch")}, 400},
      {{"-X", "POST", "-d", R"({"op":"put","collection":"c","member":"x"})",
        Url("/_batch")},
       400},
      {{"-X", "POST", "-d", R"({"op":"fly","collection":"c"})", Url("/_batch")},
       400},
      {{"-X", "POST", "-d",
        R"({"op":"delete_all","collection":"c","member":"x"})", Url("/_batch")},
       400},
      {{"-X", "POST", "-d", R"({"collection":"a/b","member":"x","value":""})",
        Url("/_batch")},
       400},
      {{"-X", "POST", "-d",
        "{\"collection\":\"c\",\"member\":\"x\",\"value\":\"v\"}\n"
        "{\"collection\":\"c\",\"member\":\"\",\"value\":\"v\"}",
        Url("/_batch")},
       400},
      // Methods a path does not take.
      {{"-X", "PATCH", "-d", "v", Url("/c/x")}, 405, key_methods},
      {{"-X", "POST", "-d", "v", Url("/c/x")}, 405, key_methods},
      {{"-X", "OPTIONS", Url("/c/x")}, 405, key_methods},
      {{"-X", "PUT", "-d", "v", Url("/_health")}, 405, "GET, HEAD"},
      {{"-X", "DELETE", Url("/_health")}, 405, "GET, HEAD"},
      {{"-X", "DELETE", Url("/")}, 405, "GET, HEAD"},
      {{"-X", "POST", "-d", "v", Url("/_stats")}, 405, "GET, HEAD"},
      {{Url("/_batch")}, 405, "POST"},
      {{"-X", "PUT", "-d", "v", Url("/_batch")}, 405, "POST"},
      {{"-X", "PUT", "-d", "v", Url("/c/")}, 405, "GET, HEAD, DELETE, POST"},
      {{"-X", "PUT", "-d", "v", Url("/c/x?list")}, 405, "GET, HEAD"},
      {{"-X", "DELETE", Url("/c/x?values")}, 405, "GET, HEAD"},
  };
  for (const Refusal& refusal : refusals) {
    std::string command = "curl";
    for (const std::string& arg : refusal.args) command += " " + arg;
    SCOPED_TRACE(command);
    HttpResponse r = Curl(refusal.args);
    EXPECT_EQ(r.status, refusal.status) << r;
    EXPECT_EQ(r.Header("Content-Type"), "text/plain; charset=utf-8") << r;
    EXPECT_TRUE(r.body.size() > 1 && r.body.ends_with("\n") &&
                r.body.find('\n') == r.body.size() - 1)
        << "not a one-line message: " << r;
    if (r.status == 405) EXPECT_EQ(r.Header("Allow"), refusal.allow) << r;
  }
  StopServer();
  std::unique_ptr<dskv::Store> store = OpenStore();
  ASSERT_NE(store, nullptr);
  absl::StatusOr<std::vector<dskv::CollectionInfo>> collections =
      store->ListCollections();
  ASSERT_TRUE(collections.ok()) << collections.status();
  EXPECT_TRUE(collections->empty()) << "a refused request wrote a key";
}

TEST_F(ServeTest, ValuesOverMaxValueSizeGet413) {
  ASSERT_NO_FATAL_FAILURE(StartServer({"--max-value-size=1000"}));
  const std::string url = Url("/c/v");
  const std::string at_limit = RandomBytes(1000, 1);
  HttpResponse r =
      Curl({"-X", "PUT", "--data-binary", "@" + File("1000", at_limit), url});
  EXPECT_EQ(r.status, 201) << r;

  const std::string over = File("1001", RandomBytes(1001, 2));
  r = Curl({"-X", "PUT", "--data-binary", "@" + over, url});
  EXPECT_EQ(r.status, 413) << r;
  EXPECT_TRUE(r.Closes()) << r;
  r = Curl({"-T", File("1M", RandomBytes(1 << 20, 3)), url});
  EXPECT_EQ(r.status, 413) << r;
  // A chunked body is refused once it passes the limit.
  r = Curl({"-X", "PUT", "-H", "Transfer-Encoding: chunked", "--data-binary",
            "@" + over, url});
  EXPECT_EQ(r.status, 413) << r;
  EXPECT_EQ(Curl({url}).body, at_limit);

  const std::string chunked = RandomBytes(500, 4);
  r = Curl({"-X", "PUT", "-H", "Transfer-Encoding: chunked", "--data-binary",
            "@" + File("500", chunked), url});
  EXPECT_EQ(r.status, 204) << r;

  // Refused before the body is read: none is sent.
  HttpConnection connection(server_.port());
  ASSERT_TRUE(connection.connected()) << connection.error();
  ASSERT_TRUE(connection.Send(
      "PUT /c/v HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000\r\n\r\n"));
  std::optional<HttpResponse> raw = connection.Read();
  ASSERT_TRUE(raw.has_value()) << connection.error();
  EXPECT_EQ(raw->status, 413) << *raw;
  EXPECT_TRUE(raw->Closes()) << *raw;
  EXPECT_TRUE(connection.WaitClosed(kServeTimeout));

  EXPECT_EQ(Curl({url}).body, chunked);
  StopServer();
  std::unique_ptr<dskv::Store> store = OpenStore();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(Stored(*store, "c/v"), chunked);
}

TEST_F(ServeTest, ReadOnlyServerRefusesWritesWith403) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  ASSERT_EQ(Curl({"-X", "PUT", "-d", "kept", Url("/c/k")}).status, 201);
  StopServer();

  ASSERT_NO_FATAL_FAILURE(StartServer({"--read-only"}));
  HttpResponse r = Curl({Url("/c/k")});
  EXPECT_EQ(r.status, 200) << r;
  EXPECT_EQ(r.body, "kept");
  EXPECT_EQ(Curl({"-I", Url("/c/k")}).status, 200);
  EXPECT_EQ(Curl({Url("/c/missing")}).status, 404);
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{
           {"-X", "PUT", "-d", "changed", Url("/c/k")},
           {"-X", "PUT", "-d", "new", Url("/c/new")},
           {"-X", "DELETE", Url("/c/k")},
           {"-X", "DELETE", Url("/c/missing")},
       }) {
    SCOPED_TRACE(args[1] + " " + args.back());
    r = Curl(args);
    EXPECT_EQ(r.status, 403) << r;
  }
  EXPECT_EQ(Curl({Url("/c/k")}).body, "kept");
  StopServer();

  std::unique_ptr<dskv::Store> store = OpenStore();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(Stored(*store, "c/k"), "kept");
  EXPECT_EQ(Stored(*store, "c/new"), std::nullopt);
}

// curl -T sends "Expect: 100-continue" and waits (1 s) for "100 Continue"
// before the body. RFC 9110 section 10.1.1: the server must answer at once,
// with 100 or with the final status.
TEST_F(ServeTest, ExpectContinueIsAnsweredAtOnce) {
  ASSERT_NO_FATAL_FAILURE(StartServer({"--max-value-size=1000"}));
  // Generous: the interim response needs no I/O on the server's side.
  constexpr std::chrono::seconds kInterimBound{5};
  HttpConnection connection(server_.port());
  ASSERT_TRUE(connection.connected()) << connection.error();
  ASSERT_TRUE(
      connection.Send("PUT /e/k HTTP/1.1\r\nHost: x\r\nExpect: "
                      "100-continue\r\nContent-Length: 5\r\n\r\n"));
  std::optional<HttpResponse> r = connection.Read(false, kInterimBound);
  EXPECT_TRUE(r.has_value() && r->status == 100)
      << "PUT with \"Expect: 100-continue\": no 100 Continue within "
      << kInterimBound.count() << " s ("
      << (r.has_value() ? "got a final status" : connection.error()) << ")";
  if (!r.has_value() || r->status == 100) {
    // As curl does once it tires of waiting: the body anyway.
    ASSERT_TRUE(connection.Send("hello"));
    r = connection.Read();
  }
  ASSERT_TRUE(r.has_value()) << connection.error();
  EXPECT_EQ(r->status, 201) << *r;
  EXPECT_EQ(Curl({Url("/e/k")}).body, "hello");

  // Too large: the final status at once, and no 100.
  HttpConnection large(server_.port());
  ASSERT_TRUE(large.connected()) << large.error();
  ASSERT_TRUE(
      large.Send("PUT /e/k HTTP/1.1\r\nHost: x\r\nExpect: "
                 "100-continue\r\nContent-Length: 5000\r\n\r\n"));
  r = large.Read(false, kInterimBound);
  ASSERT_TRUE(r.has_value()) << large.error();
  EXPECT_EQ(r->status, 413) << *r;
  StopServer();
}

// ---------------------------------------------------------------------------
// Raw sockets

TEST_F(ServeTest, KeepAliveServesManyRequestsOnOneConnection) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  HttpConnection connection(server_.port());
  ASSERT_TRUE(connection.connected()) << connection.error();

  std::optional<HttpResponse> r =
      connection.Exchange(Request("PUT", "/k/a", "one"));
  ASSERT_TRUE(r.has_value()) << connection.error();
  EXPECT_EQ(r->status, 201) << *r;
  EXPECT_FALSE(r->Closes()) << *r;
  r = connection.Exchange(Request("GET", "/k/a"));
  ASSERT_TRUE(r.has_value()) << connection.error();
  EXPECT_EQ(r->status, 200) << *r;
  EXPECT_EQ(r->body, "one");
  r = connection.Exchange(Request("HEAD", "/k/a"), /*head=*/true);
  ASSERT_TRUE(r.has_value()) << connection.error();
  EXPECT_EQ(r->status, 200) << *r;
  EXPECT_EQ(r->Header("Content-Length"), "3") << *r;
  r = connection.Exchange(Request("PUT", "/k/a", "two"));
  ASSERT_TRUE(r.has_value()) << connection.error();
  EXPECT_EQ(r->status, 204) << *r;
  r = connection.Exchange(Request("DELETE", "/k/a"));
  ASSERT_TRUE(r.has_value()) << connection.error();
  EXPECT_EQ(r->status, 204) << *r;
  r = connection.Exchange(Request("GET", "/k/a"));
  ASSERT_TRUE(r.has_value()) << connection.error();
  EXPECT_EQ(r->status, 404) << *r;
  EXPECT_FALSE(r->Closes()) << *r;

  // "Connection: close" is honoured.
  r = connection.Exchange(
      Request("GET", "/_health", std::nullopt, "Connection: close\r\n"));
  ASSERT_TRUE(r.has_value()) << connection.error();
  EXPECT_EQ(r->status, 200) << *r;
  EXPECT_TRUE(r->Closes()) << *r;
  EXPECT_TRUE(connection.WaitClosed(kServeTimeout));

  // HTTP/1.0 closes by default.
  HttpConnection old(server_.port());
  ASSERT_TRUE(old.connected()) << old.error();
  r = old.Exchange("GET /_health HTTP/1.0\r\n\r\n");
  ASSERT_TRUE(r.has_value()) << old.error();
  EXPECT_EQ(r->status, 200) << *r;
  EXPECT_TRUE(old.WaitClosed(kServeTimeout));
  StopServer();
}

TEST_F(ServeTest, PipelinedRequestsAreAnsweredInOrder) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  HttpConnection connection(server_.port());
  ASSERT_TRUE(connection.connected()) << connection.error();
  // All in one write.
  ASSERT_TRUE(connection.Send(
      Request("PUT", "/p/a", "alpha") + Request("PUT", "/p/b", "beta") +
      Request("GET", "/p/a") + Request("HEAD", "/p/b") +
      Request("GET", "/p/b") + Request("PUT", "/p/a", "") +
      Request("GET", "/p/a") + Request("DELETE", "/p/a") +
      Request("GET", "/p/a") + Request("GET", "/_health")));
  struct Expected {
    int status;
    std::string body;
    bool head = false;
  };
  const std::vector<Expected> expected = {
      {201, ""}, {201, ""}, {200, "alpha"}, {200, "", true}, {200, "beta"},
      {204, ""}, {200, ""}, {204, ""},      {404, ""},       {200, "ok\n"}};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    SCOPED_TRACE("response " + std::to_string(i));
    std::optional<HttpResponse> r = connection.Read(expected[i].head);
    ASSERT_TRUE(r.has_value()) << connection.error();
    EXPECT_EQ(r->status, expected[i].status) << *r;
    EXPECT_EQ(r->body, expected[i].body) << *r;
    if (expected[i].head) {
      EXPECT_EQ(r->Header("Content-Length"), "4") << *r;
    }
  }
  // Nothing more was sent.
  ASSERT_TRUE(connection.Send(Request("GET", "/p/b")));
  std::optional<HttpResponse> r = connection.Read();
  ASSERT_TRUE(r.has_value()) << connection.error();
  EXPECT_EQ(r->body, "beta");
  StopServer();
}

TEST_F(ServeTest, MalformedRequestsGet400AndNeverCrashTheServer) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  const std::vector<std::string> malformed = {
      "garbage\r\n\r\n",
      std::string("\0\xff\x13 junk\r\n\r\n", 11),
      "GET\r\n\r\n",
      "GET /c/x\r\n\r\n",
      "GET /c/x HTTP/9.9\r\n\r\n",
      "GET /c/x HTTP/1.1\r\nNo colon here\r\n\r\n",
      "GET /c/x HTTP/1.1\r\nContent-Length: abc\r\n\r\n",
      "PUT /c/x HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
      "PUT /c/x HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
      "PUT /c/x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n\r\n",
      "GET /c/x HTTP/1.1\r\nHost: x\r\n\x01\x02: y\r\n\r\n",
  };
  for (const std::string& request : malformed) {
    SCOPED_TRACE(Printable(request));
    HttpConnection connection(server_.port());
    ASSERT_TRUE(connection.connected()) << connection.error();
    ASSERT_TRUE(connection.Send(request));
    std::optional<HttpResponse> r = connection.Read();
    ASSERT_TRUE(r.has_value()) << connection.error();
    EXPECT_EQ(r->status, 400) << *r;
    // The framing is lost: the server must close. A bounded wait, not a
    // sleep: the connection closes at once if it does.
    EXPECT_TRUE(connection.WaitClosed(kIdleBound))
        << "the connection stayed open after a 400 for a malformed request";
  }
  // Random bytes: a 400 and a close, or just a close; the server lives on.
  std::mt19937 random(7);
  for (int round = 0; round < 50; ++round) {
    std::string bytes = RandomBytes(1 + random() % 3000, round);
    bytes += "\r\n\r\n";
    HttpConnection connection(server_.port());
    ASSERT_TRUE(connection.connected()) << connection.error();
    connection.Send(bytes);  // The server may close before it has all.
    connection.ShutdownWrite();
    std::string received;
    EXPECT_TRUE(connection.WaitClosed(kIdleBound, &received))
        << "round " << round;
    if (!received.empty()) {
      EXPECT_TRUE(received.starts_with("HTTP/1.1 400 ") ||
                  received.starts_with("HTTP/1.1 431 "))
          << "round " << round << ": " << Printable(received);
    }
  }
  HttpResponse r = Curl({Url("/_health")});
  EXPECT_EQ(r.status, 200) << r;
  StopServer();
}

TEST_F(ServeTest, HeadersOver16KiBGet431) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  std::string many_fields;
  for (int i = 0; i < 200; ++i) {
    many_fields += "X-Field-" + std::to_string(i) + ": " +
                   std::string(90, 'a' + i % 26) + "\r\n";
  }
  for (const std::string& request : {
           Request("GET", "/c/x", std::nullopt,
                   "X-Filler: " + std::string(17000, 'f') + "\r\n"),
           Request("GET", "/c/" + std::string(17000, 'm')),
           Request("GET", "/c/x", std::nullopt, many_fields),
           Request("PUT", "/c/x", "body",
                   "X-Filler: " + std::string(17000, 'f') + "\r\n"),
       }) {
    HttpConnection connection(server_.port());
    ASSERT_TRUE(connection.connected()) << connection.error();
    connection.Send(request);
    std::optional<HttpResponse> r = connection.Read();
    ASSERT_TRUE(r.has_value()) << connection.error();
    EXPECT_EQ(r->status, 431) << *r;
    EXPECT_TRUE(r->Closes()) << *r;
    EXPECT_TRUE(connection.WaitClosed(kIdleBound));
  }
  // Under the limit is fine, on a connection kept alive.
  HttpConnection connection(server_.port());
  ASSERT_TRUE(connection.connected()) << connection.error();
  std::optional<HttpResponse> r = connection.Exchange(
      Request("GET", "/c/x", std::nullopt,
              "X-Filler: " + std::string(12000, 'f') + "\r\n"));
  ASSERT_TRUE(r.has_value()) << connection.error();
  EXPECT_EQ(r->status, 404) << *r;
  EXPECT_FALSE(r->Closes()) << *r;
  r = connection.Exchange(Request("GET", "/_health"));
  ASSERT_TRUE(r.has_value()) << connection.error();
  EXPECT_EQ(r->status, 200) << *r;
  StopServer();
}

TEST_F(ServeTest, TruncatedBodyLeavesTheKeyUnchanged) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  ASSERT_EQ(Curl({"-X", "PUT", "-d", "original", Url("/t/old")}).status, 201);
  auto put_header = [](std::string_view member) {
    return "PUT /t/" + std::string(member) +
           " HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n";
  };
  {
    // Closed outright after 10 of 100 bytes.
    HttpConnection connection(server_.port());
    ASSERT_TRUE(connection.connected()) << connection.error();
    ASSERT_TRUE(connection.Send(put_header("old") + "0123456789"));
    connection.Close();
  }
  {
    HttpConnection connection(server_.port());
    ASSERT_TRUE(connection.connected()) << connection.error();
    ASSERT_TRUE(connection.Send(put_header("new") + "0123456789"));
    connection.Close();
  }
  // Half-closed: the server can still answer.
  for (const std::string member : {"old", "new"}) {
    HttpConnection connection(server_.port());
    ASSERT_TRUE(connection.connected()) << connection.error();
    ASSERT_TRUE(connection.Send(put_header(member) + "0123456789"));
    connection.ShutdownWrite();
    std::optional<HttpResponse> r = connection.Read();
    ASSERT_TRUE(r.has_value()) << connection.error();
    EXPECT_EQ(r->status, 400) << *r;
    EXPECT_TRUE(connection.WaitClosed(kIdleBound));
  }
  {
    // A chunked body that breaks off.
    HttpConnection connection(server_.port());
    ASSERT_TRUE(connection.connected()) << connection.error();
    ASSERT_TRUE(connection.Send(
        "PUT /t/chunked HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: "
        "chunked\r\n\r\n64\r\n0123456789"));
    connection.ShutdownWrite();
    std::optional<HttpResponse> r = connection.Read();
    ASSERT_TRUE(r.has_value()) << connection.error();
    EXPECT_EQ(r->status, 400) << *r;
    EXPECT_TRUE(connection.WaitClosed(kIdleBound));
  }
  EXPECT_EQ(Curl({Url("/t/old")}).body, "original");
  EXPECT_EQ(Curl({Url("/t/new")}).status, 404);
  // Stopping waits for every connection, so all were handled.
  StopServer();
  std::unique_ptr<dskv::Store> store = OpenStore();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(Stored(*store, "t/old"), "original");
  EXPECT_EQ(Stored(*store, "t/new"), std::nullopt);
  EXPECT_EQ(Stored(*store, "t/chunked"), std::nullopt);
}

// --idle-timeout=1: a connection stalled anywhere (before its first request,
// inside a header, inside a body, between requests) is closed within
// kIdleBound, all measured from one start.
TEST_F(ServeTest, IdleTimeoutClosesStalledConnections) {
  ASSERT_NO_FATAL_FAILURE(StartServer({"--idle-timeout=1"}));
  const Clock::time_point start = Clock::now();
  HttpConnection silent(server_.port());
  HttpConnection in_header(server_.port());
  HttpConnection in_body(server_.port());
  HttpConnection between(server_.port());
  for (HttpConnection* c : {&silent, &in_header, &in_body, &between}) {
    ASSERT_TRUE(c->connected()) << c->error();
  }
  ASSERT_TRUE(in_header.Send("GET /c/x HTTP/1.1\r\nHost: x\r\n"));
  ASSERT_TRUE(in_body.Send(
      "PUT /s/k HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789"));
  std::optional<HttpResponse> r = between.Exchange(Request("GET", "/_health"));
  ASSERT_TRUE(r.has_value()) << between.error();
  EXPECT_EQ(r->status, 200) << *r;

  const Clock::time_point deadline = start + kIdleBound;
  for (auto [name, c] :
       {std::pair{"silent", &silent}, std::pair{"in a header", &in_header},
        std::pair{"in a body", &in_body},
        std::pair{"between requests", &between}}) {
    const auto left =
        std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
    std::string received;
    const bool closed =
        c->WaitClosed(std::max(left, milliseconds(0)), &received);
    const double seconds =
        std::chrono::duration<double>(Clock::now() - start).count();
    EXPECT_TRUE(closed) << "the connection stalled " << name
                        << " is still open " << seconds
                        << " s after it opened, with --idle-timeout=1";
    if (closed) {
      std::cout << "stalled " << name << ": closed after " << seconds << " s\n";
      // Not at once: the timeout closed it.
      EXPECT_GE(seconds, 0.5) << name;
    }
  }
  // The body never arrived.
  EXPECT_EQ(Curl({Url("/s/k")}).status, 404);
  silent.Close();
  in_header.Close();
  in_body.Close();
  between.Close();
  StopServer();
}

// The server answers a request in flight when SIGTERM comes, closes idle
// connections, refuses new ones, and exits 0 with the write kept.
TEST_F(ServeTest, SigtermFinishesTheRequestInFlight) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  HttpConnection idle(server_.port());
  ASSERT_TRUE(idle.connected()) << idle.error();
  std::optional<HttpResponse> r = idle.Exchange(Request("GET", "/_health"));
  ASSERT_TRUE(r.has_value()) << idle.error();

  const std::string value = RandomBytes(1000, 5);
  HttpConnection busy(server_.port());
  ASSERT_TRUE(busy.connected()) << busy.error();
  ASSERT_TRUE(
      busy.Send("PUT /f/k HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n" +
                value.substr(0, 500)));
  // Until the server has read what was sent: the request is in flight.
  const Clock::time_point deadline = Clock::now() + kServeTimeout;
  while (busy.Unacknowledged() != 0 ||
         ServerReceiveQueue(server_.port(), busy.local_port()) !=
             std::optional<std::uint64_t>(0)) {
    ASSERT_LT(Clock::now(), deadline) << "the server reads nothing";
    std::this_thread::sleep_for(milliseconds(2));
  }
  // From reading the header to marking the connection busy takes the
  // server microseconds.
  std::this_thread::sleep_for(milliseconds(100));
  ASSERT_NO_FATAL_FAILURE(server_.Signal(SIGTERM));

  // The idle connection is closed once the server stops accepting, ...
  EXPECT_TRUE(idle.WaitClosed(kServeTimeout))
      << "SIGTERM left an idle connection open";
  // ... so new connections are refused by now.
  HttpConnection late(server_.port());
  EXPECT_FALSE(late.connected()) << "a connection made after SIGTERM";
  // The one in flight is answered, and closed.
  EXPECT_TRUE(server_.running());
  ASSERT_TRUE(busy.Send(value.substr(500)));
  r = busy.Read();
  ASSERT_TRUE(r.has_value()) << busy.error();
  EXPECT_EQ(r->status, 201) << *r;
  EXPECT_TRUE(r->Closes()) << *r;
  EXPECT_TRUE(busy.WaitClosed(kServeTimeout));

  const std::optional<int> status = server_.Wait();
  ASSERT_TRUE(status.has_value()) << "still running after SIGTERM";
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0)
      << DescribeWaitStatus(*status) << "; stderr: " << server_.Stderr();
  std::unique_ptr<dskv::Store> store = OpenStore();
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(Stored(*store, "f/k") == value);
}

// SIGTERM while an upload is stalled: the request in flight is bounded by
// --idle-timeout, so the server exits soon after it.
TEST_F(ServeTest, SigtermWithAStalledUploadExitsAfterTheIdleTimeout) {
  ASSERT_NO_FATAL_FAILURE(StartServer({"--idle-timeout=1"}));
  HttpConnection stalled(server_.port());
  ASSERT_TRUE(stalled.connected()) << stalled.error();
  ASSERT_TRUE(stalled.Send(
      "PUT /s/k HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789"));
  const Clock::time_point deadline = Clock::now() + kServeTimeout;
  while (stalled.Unacknowledged() != 0 ||
         ServerReceiveQueue(server_.port(), stalled.local_port()) !=
             std::optional<std::uint64_t>(0)) {
    ASSERT_LT(Clock::now(), deadline) << "the server reads nothing";
    std::this_thread::sleep_for(milliseconds(2));
  }
  std::this_thread::sleep_for(milliseconds(100));
  const Clock::time_point start = Clock::now();
  ASSERT_NO_FATAL_FAILURE(server_.Signal(SIGTERM));
  std::optional<int> status = server_.Wait(kIdleBound);
  const double seconds =
      std::chrono::duration<double>(Clock::now() - start).count();
  EXPECT_TRUE(status.has_value())
      << "dskv serve --idle-timeout=1 is still running " << seconds
      << " s after SIGTERM, waiting for a stalled upload";
  if (!status.has_value()) {
    stalled.Close();
    status = server_.Wait();
    ASSERT_TRUE(status.has_value()) << "still running after its client closed";
    std::cout << "it exited once the client closed the connection\n";
  } else {
    std::cout << "exited " << seconds << " s after SIGTERM\n";
  }
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0)
      << DescribeWaitStatus(*status) << "; stderr: " << server_.Stderr();
  std::unique_ptr<dskv::Store> store = OpenStore();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(Stored(*store, "s/k"), std::nullopt);
}

TEST_F(ServeTest, ConnectionsBeyondMaxConnectionsGet503) {
  ASSERT_NO_FATAL_FAILURE(StartServer({"--max-connections=2"}));
  auto first = std::make_unique<HttpConnection>(server_.port());
  HttpConnection second(server_.port());
  // Answered: both are counted by now.
  for (HttpConnection* c : {first.get(), &second}) {
    ASSERT_TRUE(c->connected()) << c->error();
    std::optional<HttpResponse> r = c->Exchange(Request("GET", "/_health"));
    ASSERT_TRUE(r.has_value()) << c->error();
    EXPECT_EQ(r->status, 200) << *r;
  }
  for (int i = 0; i < 3; ++i) {
    HttpConnection third(server_.port());
    ASSERT_TRUE(third.connected()) << third.error();
    // Refused without a request being read.
    std::optional<HttpResponse> r = third.Read();
    ASSERT_TRUE(r.has_value()) << third.error();
    EXPECT_EQ(r->status, 503) << *r;
    EXPECT_TRUE(r->Closes()) << *r;
    EXPECT_TRUE(third.WaitClosed(kServeTimeout));
  }
  // A place frees up once one closes (as soon as the server notices).
  first.reset();
  const Clock::time_point deadline = Clock::now() + kServeTimeout;
  int status = 0;
  while (status != 200 && Clock::now() < deadline) {
    HttpConnection next(server_.port());
    ASSERT_TRUE(next.connected()) << next.error();
    std::optional<HttpResponse> r = next.Exchange(Request("GET", "/_health"));
    ASSERT_TRUE(r.has_value()) << next.error();
    status = r->status;
    ASSERT_TRUE(status == 200 || status == 503) << *r;
    if (status == 503) std::this_thread::sleep_for(milliseconds(5));
  }
  EXPECT_EQ(status, 200) << "no connection served after one of two closed";
  std::optional<HttpResponse> r = second.Exchange(Request("GET", "/_health"));
  ASSERT_TRUE(r.has_value()) << second.error();
  EXPECT_EQ(r->status, 200) << *r;
  StopServer();
}

// ---------------------------------------------------------------------------
// Concurrency

// With one serving thread, a client that stalls in the middle of its
// upload, and another that opened a connection and said nothing, hold up
// no one: the upload waits on a thread of its own, the silent connection
// on no thread at all.
TEST_F(ServeTest, StalledClientsHoldUpNoOneWithOneThread) {
  ASSERT_NO_FATAL_FAILURE(StartServer({"--threads=1"}));
  HttpConnection silent(server_.port());
  ASSERT_TRUE(silent.connected()) << silent.error();
  HttpConnection uploader(server_.port());
  ASSERT_TRUE(uploader.connected()) << uploader.error();
  ASSERT_TRUE(uploader.Send(
      "PUT /s/big HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n" +
      std::string(10, 'a')));
  HttpConnection other(server_.port());
  ASSERT_TRUE(other.connected()) << other.error();
  for (int i = 0; i < 20; ++i) {
    const std::string key = "/s/k" + std::to_string(i);
    std::optional<HttpResponse> r =
        other.Exchange(Request("PUT", key, "v" + std::to_string(i)));
    ASSERT_TRUE(r.has_value()) << other.error();
    EXPECT_EQ(r->status, 201) << *r;
    r = other.Exchange(Request("GET", key));
    ASSERT_TRUE(r.has_value()) << other.error();
    EXPECT_EQ(r->body, "v" + std::to_string(i));
  }
  // The upload still completes.
  ASSERT_TRUE(uploader.Send(std::string(990, 'a')));
  std::optional<HttpResponse> r = uploader.Read();
  ASSERT_TRUE(r.has_value()) << uploader.error();
  EXPECT_EQ(r->status, 201) << *r;
  r = other.Exchange(Request("GET", "/s/big"));
  ASSERT_TRUE(r.has_value()) << other.error();
  EXPECT_EQ(r->body, std::string(1000, 'a'));
  StopServer();
}

// 8 clients, each on one keep-alive connection, 200 rounds each of a PUT or
// DELETE and a GET: on keys of their own (whose every status is known) and
// on keys they share (where exactly one PUT per key creates it).
TEST_F(ServeTest, ConcurrentClientsOnKeepAliveConnections) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  constexpr int kThreads = 8;
  constexpr int kRounds = 200;
  constexpr int kSharedKeys = 8;
  std::array<std::atomic<int>, kSharedKeys> created{};
  std::vector<std::map<std::string, std::optional<std::string>>> own(kThreads);
  // Per thread, the last value it put at each shared key.
  std::vector<std::map<int, std::string>> last_shared(kThreads);
  std::vector<std::vector<std::string>> errors(kThreads);
  const std::uint16_t port = server_.port();

  auto client = [&](int t) {
    std::vector<std::string>& error = errors[t];
    auto check = [&](const std::optional<HttpResponse>& r, int status,
                     const std::string& what,
                     std::optional<std::string> body = std::nullopt) {
      if (!r.has_value()) {
        error.push_back(what + ": no response");
        return false;
      }
      if (r->status != status || (body.has_value() && r->body != *body) ||
          r->Closes()) {
        std::ostringstream message;
        message << what << ": expected " << status << " "
                << (body ? Describe(body) : "") << ", got " << *r;
        error.push_back(message.str());
      }
      return true;
    };
    HttpConnection connection(port);
    if (!connection.connected()) {
      error.push_back(connection.error());
      return;
    }
    std::mt19937 random(1000 + t);
    for (int round = 0; round < kRounds && error.size() < 5; ++round) {
      if (round % 2 == 0) {
        const std::string key =
            "own/t" + std::to_string(t) + "-k" + std::to_string(random() % 16);
        std::optional<std::string>& model = own[t][key];
        const unsigned op = random() % 5;
        const std::string target = "/" + key;
        if (op <= 2) {
          const std::string value =
              "t" + std::to_string(t) + " r" + std::to_string(round) + " " +
              std::string(random() % 300, static_cast<char>('a' + t));
          if (!check(connection.Exchange(Request("PUT", target, value)),
                     model.has_value() ? 204 : 201, "PUT " + key)) {
            return;
          }
          model = value;
        } else if (op == 3) {
          if (!check(connection.Exchange(Request("DELETE", target)),
                     model.has_value() ? 204 : 404, "DELETE " + key)) {
            return;
          }
          model.reset();
        }
        if (!check(connection.Exchange(Request("GET", target)),
                   model.has_value() ? 200 : 404, "GET " + key,
                   model.value_or(""))) {
          return;
        }
      } else {
        const int k = static_cast<int>(random() % kSharedKeys);
        const std::string target = "/shared/k" + std::to_string(k);
        const std::string value =
            "t" + std::to_string(t) + " r" + std::to_string(round);
        std::optional<HttpResponse> r =
            connection.Exchange(Request("PUT", target, value));
        if (!r.has_value()) {
          error.push_back("PUT " + target + ": " + connection.error());
          return;
        }
        if (r->status == 201) {
          created[k].fetch_add(1);
        } else if (r->status != 204) {
          std::ostringstream message;
          message << "PUT " << target << ": " << *r;
          error.push_back(message.str());
        }
        last_shared[t][k] = value;
        r = connection.Exchange(Request("GET", target));
        if (!r.has_value()) {
          error.push_back("GET " + target + ": " + connection.error());
          return;
        }
        // Some client's value.
        if (r->status != 200 || !r->body.starts_with("t") ||
            r->body.find(" r") == std::string::npos) {
          std::ostringstream message;
          message << "GET " << target << ": " << *r;
          error.push_back(message.str());
        }
      }
    }
  };
  const Clock::time_point start = Clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) threads.emplace_back(client, t);
  for (std::thread& thread : threads) thread.join();
  std::cout
      << kThreads << " clients x " << kRounds << " rounds took "
      << std::chrono::duration_cast<milliseconds>(Clock::now() - start).count()
      << " ms\n";
  for (int t = 0; t < kThreads; ++t) {
    for (const std::string& e : errors[t]) {
      ADD_FAILURE() << "client " << t << ": " << e;
    }
  }
  StopServer();

  std::unique_ptr<dskv::Store> store = OpenStore();
  ASSERT_NE(store, nullptr);
  std::size_t own_present = 0;
  for (int t = 0; t < kThreads; ++t) {
    for (const auto& [key, value] : own[t]) {
      EXPECT_EQ(Stored(*store, key), value) << key;
      if (value.has_value()) ++own_present;
    }
  }
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> all =
      store->GetAll("own");
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(all->size(), own_present);
  std::size_t shared_keys = 0;
  for (int k = 0; k < kSharedKeys; ++k) {
    std::set<std::string> finals;
    for (int t = 0; t < kThreads; ++t) {
      if (auto it = last_shared[t].find(k); it != last_shared[t].end()) {
        finals.insert(it->second);
      }
    }
    if (finals.empty()) continue;
    ++shared_keys;
    EXPECT_EQ(created[k].load(), 1)
        << "shared/k" << k << " was created by this many PUTs";
    const std::optional<std::string> stored =
        Stored(*store, "shared/k" + std::to_string(k));
    EXPECT_TRUE(stored.has_value() && finals.contains(*stored))
        << "shared/k" << k << " holds " << Describe(stored)
        << ", not the last value of any client";
  }
  all = store->GetAll("shared");
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(all->size(), shared_keys);
}

// ---------------------------------------------------------------------------
// Stopping while clients write

// Clients writing in a loop, each on its own keys, over keep-alive
// connections (reconnecting when one closes), until told to stop. Each
// keeps, per key, the values the store may hold for it: just the
// acknowledged one once a write is acknowledged; any of those attempted
// since, otherwise.
class Writers {
 public:
  // `query`: appended to every target ("?sync" or "").
  Writers(std::uint16_t port, int clients, std::string query)
      : port_(port), query_(std::move(query)), clients_(clients) {
    for (Client& c : clients_) c.acks = std::make_unique<std::atomic<int>>(0);
  }
  ~Writers() { Join(); }

  void Start() {
    for (std::size_t i = 0; i < clients_.size(); ++i) {
      threads_.emplace_back([this, i] { Run(static_cast<int>(i)); });
    }
  }

  // Waits until every client has `acks` acknowledged writes.
  void WaitForAcks(int acks) {
    const Clock::time_point deadline = Clock::now() + kServeTimeout;
    for (Client& c : clients_) {
      while (c.acks->load() < acks) {
        ASSERT_LT(Clock::now(), deadline)
            << "a client has " << c.acks->load() << " acknowledged writes";
        std::this_thread::sleep_for(milliseconds(1));
      }
    }
  }

  // From now on the server may refuse or drop requests.
  void ServerStopping() { stopping_ = true; }

  void Join() {
    done_ = true;
    for (std::thread& thread : threads_) thread.join();
    threads_.clear();
  }

  // Checks, after Join, that `store` holds an allowed value at every key.
  void Check(const dskv::Store& store) const {
    int acks = 0, attempts = 0, failures = 0;
    for (std::size_t i = 0; i < clients_.size(); ++i) {
      const Client& c = clients_[i];
      for (const std::string& e : c.errors) {
        ADD_FAILURE() << "client " << i << ": " << e;
      }
      acks += c.acks->load();
      attempts += c.attempts;
      for (const auto& [key, allowed] : c.allowed) {
        absl::StatusOr<std::string> value = store.Get(key);
        std::optional<std::string> stored;
        if (value.ok()) {
          stored = *value;
        } else {
          EXPECT_TRUE(absl::IsNotFound(value.status())) << value.status();
        }
        if (allowed.contains(stored)) continue;
        if (++failures > 20) continue;
        std::string expected;
        for (const std::optional<std::string>& a : allowed) {
          expected += " " + Describe(a);
        }
        ADD_FAILURE() << key << " holds " << Describe(stored)
                      << "; allowed:" << expected;
      }
    }
    EXPECT_EQ(failures, 0) << "keys holding a value never acknowledged";
    std::cout << acks << " acknowledged writes of " << attempts
              << " attempted\n";
  }

 private:
  struct Client {
    std::unique_ptr<std::atomic<int>> acks;
    int attempts = 0;
    std::map<std::string, std::set<std::optional<std::string>>> allowed;
    std::vector<std::string> errors;
  };

  void Run(int i) {
    Client& c = clients_[i];
    std::unique_ptr<HttpConnection> connection;
    std::vector<std::string> deletable;  // Acknowledged, never deleted.
    const std::string prefix = "w/t" + std::to_string(i) + "-";
    for (int n = 0; !done_; ++n) {
      if (connection == nullptr || !connection->connected()) {
        connection = std::make_unique<HttpConnection>(port_);
        if (!connection->connected()) {
          std::this_thread::sleep_for(milliseconds(1));
          continue;
        }
      }
      std::string key;
      std::optional<std::string> outcome;  // nullopt: deleted.
      std::string request;
      std::set<int> acked_statuses;
      if (n % 7 == 6 && !deletable.empty()) {
        key = deletable.front();
        deletable.erase(deletable.begin());
        request = Request("DELETE", "/" + key + query_);
        acked_statuses = {204};
      } else if (n % 4 == 3) {
        key = prefix + "over";
        outcome = "over " + std::to_string(n);
        request = Request("PUT", "/" + key + query_, *outcome);
        acked_statuses = {201, 204};
      } else {
        key = prefix + std::to_string(n);
        outcome = std::to_string(n) + " " +
                  std::string(1 + (n * 37) % 3000, static_cast<char>('a' + i));
        request = Request("PUT", "/" + key + query_, *outcome);
        acked_statuses = {201};
      }
      auto [it, fresh] = c.allowed.try_emplace(key);
      if (fresh) it->second.insert(std::nullopt);
      it->second.insert(outcome);  // It may happen.
      ++c.attempts;
      std::optional<HttpResponse> r = connection->Exchange(request);
      // Read after the answer: a failure seen while it is false happened
      // before the server was told to stop.
      const bool stopping = stopping_;
      if (!r.has_value()) {
        if (!stopping) c.errors.push_back(key + ": " + connection->error());
        connection.reset();
        continue;
      }
      if (acked_statuses.contains(r->status)) {
        it->second = {outcome};  // It did.
        c.acks->fetch_add(1);
        if (outcome.has_value() && !key.ends_with("over")) {
          deletable.push_back(key);
        }
      } else if (!stopping) {
        std::ostringstream message;
        message << key << ": " << *r;
        c.errors.push_back(message.str());
      }
      if (r->Closes()) connection.reset();
      if (c.errors.size() > 5) return;
    }
  }

  const std::uint16_t port_;
  const std::string query_;
  std::vector<Client> clients_;
  std::vector<std::thread> threads_;
  std::atomic<bool> done_{false};
  std::atomic<bool> stopping_{false};
};

void ServeTest::KillDuringWrites(const std::vector<std::string>& flags,
                                 const std::string& query) {
  ASSERT_NO_FATAL_FAILURE(StartServer(flags));
  Writers writers(server_.port(), 4, query);
  writers.Start();
  ASSERT_NO_FATAL_FAILURE(writers.WaitForAcks(40));
  writers.ServerStopping();
  server_.Kill();
  writers.Join();
  std::unique_ptr<dskv::Store> store = OpenStore();
  ASSERT_NE(store, nullptr);
  writers.Check(*store);
}

TEST_F(ServeTest, SigtermDuringWritesKeepsEveryAcknowledgedWrite) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  Writers writers(server_.port(), 4, "");
  writers.Start();
  ASSERT_NO_FATAL_FAILURE(writers.WaitForAcks(40));
  writers.ServerStopping();
  ASSERT_NO_FATAL_FAILURE(server_.Signal(SIGTERM));
  const std::optional<int> status = server_.Wait();
  writers.Join();
  ASSERT_TRUE(status.has_value()) << "still running after SIGTERM";
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0)
      << DescribeWaitStatus(*status) << "; stderr: " << server_.Stderr();
  std::unique_ptr<dskv::Store> store = OpenStore();
  ASSERT_NE(store, nullptr);
  writers.Check(*store);
}

TEST_F(ServeTest, KillDashNineInSyncModeKeepsEveryAcknowledgedWrite) {
  KillDuringWrites({"--durability=sync"}, "");
}

TEST_F(ServeTest, KillDashNineKeepsWritesAcknowledgedWithSyncQuery) {
  KillDuringWrites({}, "?sync");
}

// The collection-wide endpoints through the real server, each write
// acknowledged with ?sync, then kill -9: everything acknowledged is there.
TEST_F(ServeTest, CollectionEndpointsAcknowledgedWithSyncSurviveKillDashNine) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  for (const char* key : {"/old/1", "/old/2", "/keep/1"}) {
    ASSERT_EQ(Curl({"-X", "PUT", "-d", "x", Url(key)}).status, 201);
  }
  HttpResponse r = Curl({"-X", "DELETE", Url("/old/?sync")});
  EXPECT_EQ(r.status, 204) << r;
  r = Curl({"-X", "POST", "--data-binary", "content", Url("/blobs/?sync")});
  EXPECT_EQ(r.status, 201) << r;
  const std::optional<std::string> location = r.Header("Location");
  ASSERT_TRUE(location.has_value()) << r;
  EXPECT_EQ(Curl({Url(*location)}).body, "content");
  const std::string batch_path =
      File("batch.jsonl",
           "{\"collection\":\"b\",\"member\":\"1\",\"value\":\"one\"}\n"
           "{\"collection\":\"b\",\"member_base64\":\"AP8=\","
           "\"value\":\"two\"}\n"
           "{\"op\":\"delete\",\"collection\":\"keep\",\"member\":\"1\"}\n");
  r = Curl(
      {"-X", "POST", "--data-binary", "@" + batch_path, Url("/_batch?sync")});
  EXPECT_EQ(r.status, 204) << r;

  r = Curl({Url("/")});
  EXPECT_EQ(r.status, 200) << r;
  EXPECT_EQ(r.Header("Content-Type"), "application/json");
  EXPECT_EQ(r.body,
            "[{\"name\":\"b\",\"keys\":2,\"bytes\":9},"
            "{\"name\":\"blobs\",\"keys\":1,\"bytes\":39}]\n");
  r = Curl({Url("/b/?list")});
  EXPECT_EQ(r.body, "{\"next\":\"\",\"keys\":[\"/b/%00%FF\",\"/b/1\"]}\n");
  r = Curl({Url("/_stats")});
  EXPECT_NE(r.body.find("\"keys\":3,"), std::string::npos) << r;

  server_.Kill();
  std::unique_ptr<dskv::Store> store = OpenStore();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(Stored(*store, "old/1"), std::nullopt);
  EXPECT_EQ(Stored(*store, "keep/1"), std::nullopt);
  EXPECT_EQ(Stored(*store, "b/1"), "one");
  EXPECT_EQ(Stored(*store, std::string("b/\0\xff", 4)), "two");
  EXPECT_EQ(Stored(*store, location->substr(1)), "content");
}

}  // namespace
}  // namespace dskv_test
