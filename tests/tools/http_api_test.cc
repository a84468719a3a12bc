// The HTTP API of `dskv serve` in process, without a socket: HttpApi on a
// real store, with bodies from memory. The listings' paging (page size
// caps, scans in chunks, reverse), the batch format, and which requests
// read their body. tests/tools/serve_*_test.cc drive the real server.

#include "tools/http_api.h"

#include <chrono>
#include <cstring>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "dskv/store.h"
#include "gtest/gtest.h"
#include "tests/fake_clock.h"
#include "tests/temp_dir.h"
#include "tools/http_batch.h"
#include "tools/http_listing.h"
#include "tools/http_request.h"

namespace dskv::tool {
namespace {

using ::dskv_test::TempDirTest;

// A body held in memory; counts how it was read.
class MemoryBody : public BodySource {
 public:
  explicit MemoryBody(std::string bytes = "") : bytes_(std::move(bytes)) {}

  absl::Status ReadInto(absl::Span<char> out) override {
    ++reads;
    if (out.size() != bytes_.size()) {
      return absl::InvalidArgumentError("wrong size");
    }
    if (!out.empty()) std::memcpy(out.data(), bytes_.data(), out.size());
    return absl::OkStatus();
  }
  absl::StatusOr<std::string> ReadAll(std::uint64_t limit) override {
    ++reads;
    if (bytes_.size() > limit) return absl::ResourceExhaustedError("large");
    return bytes_;
  }

  int reads = 0;

 private:
  std::string bytes_;
};

class HttpApiTest : public TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    Options options;
    options.clock = &clock_;
    absl::StatusOr<std::unique_ptr<Store>> store =
        Store::Open(dir() + "/store", options);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
  }

  ApiResponse Call(std::string_view method, std::string_view target,
                   std::optional<std::string> body = std::nullopt,
                   HttpApi::Options options = {}) {
    HttpApi api(*store_, options);
    ApiRequest request;
    request.method = method;
    request.target = target;
    if (body.has_value()) request.content_length = body->size();
    MemoryBody source(body.value_or(""));
    ApiResponse response = api.Handle(request, source);
    last_reads_ = source.reads;
    return response;
  }

  // The header `name` of `response`; nullopt if absent.
  static std::optional<std::string> Header(const ApiResponse& response,
                                           std::string_view name) {
    for (const auto& [n, v] : response.headers) {
      if (n == name) return v;
    }
    return std::nullopt;
  }

  void Put(std::string_view key, std::string_view value) {
    ASSERT_TRUE(store_->Put(key, value).ok());
  }

  // Every key of a listing, following Dskv-Next (each page's "next")
  // from `target` with `start` or, in reverse, `end` set to it.
  std::vector<std::string> WalkPages(const std::string& target, bool reverse,
                                     std::size_t max_bytes, int* pages) {
    HttpApi::Options options;
    options.max_listing_bytes = max_bytes;
    std::vector<std::string> keys;
    std::string next;
    *pages = 0;
    do {
      std::string page_target = target;
      if (!next.empty()) {
        // The key path goes into the query encoded again, as any value.
        std::string encoded;
        for (char c : next) {
          encoded += c == '%' ? std::string("%25") : std::string(1, c);
        }
        page_target += (reverse ? "&end=" : "&start=") + encoded;
      }
      const ApiResponse r = Call("GET", page_target, std::nullopt, options);
      EXPECT_EQ(r.status, 200) << r.text;
      if (r.status != 200) break;
      ++*pages;
      std::string_view lines = r.text;
      while (!lines.empty()) {
        const std::size_t end = lines.find('\n');
        keys.emplace_back(lines.substr(0, end));
        lines.remove_prefix(end + 1);
      }
      next = Header(r, "Dskv-Next").value_or("");
    } while (!next.empty() && *pages < 100000);
    return keys;
  }

  dskv_test::FakeClock clock_;  // Outlives the store, which reads it.
  std::unique_ptr<Store> store_;
  int last_reads_ = 0;
};

TEST_F(HttpApiTest, PutWithATtlExpires) {
  EXPECT_EQ(Call("PUT", "/s/k?ttl=10", "v").status, 201);
  absl::StatusOr<std::optional<std::chrono::milliseconds>> left =
      store_->Ttl("s/k");
  ASSERT_TRUE(left.ok()) << left.status();
  EXPECT_EQ(*left, std::chrono::milliseconds(10'000));
  EXPECT_EQ(Call("GET", "/s/k").status, 200);
  clock_.Advance(std::chrono::seconds(10));
  EXPECT_EQ(Call("GET", "/s/k").status, 404);
  // A PUT over an expired key creates it; one without ?ttl clears it.
  EXPECT_EQ(Call("PUT", "/s/k?sync&ttl=5", "w").status, 201);
  EXPECT_EQ(Call("PUT", "/s/k", "x").status, 204);
  left = store_->Ttl("s/k");
  ASSERT_TRUE(left.ok()) << left.status();
  EXPECT_EQ(*left, std::nullopt);

  for (const char* bad : {"/s/k?ttl=0", "/s/k?ttl=-1", "/s/k?ttl=soon",
                          "/s/k?ttl=1.5", "/s/k?ttl", "/s/k?ttl="}) {
    SCOPED_TRACE(bad);
    const ApiResponse r = Call("PUT", bad, "y");
    EXPECT_EQ(r.status, 400);
    EXPECT_NE(r.text.find("ttl"), std::string::npos) << r.text;
  }
  EXPECT_EQ(Call("GET", "/s/k?ttl=5").status, 400);  // Only a PUT takes it.
  EXPECT_EQ(Call("DELETE", "/s/k?ttl=5").status, 400);
  EXPECT_EQ(store_->Get("s/k").value_or(""), "x");
}

TEST_F(HttpApiTest, AWritePastTheMemoryLimitGets507) {
  ASSERT_TRUE(store_->Close().ok());
  Options options;
  options.max_memory_bytes = 64 << 10;
  absl::StatusOr<std::unique_ptr<Store>> store =
      Store::Open(dir() + "/limited", options);
  ASSERT_TRUE(store.ok()) << store.status();
  store_ = *std::move(store);
  int puts = 0;
  ApiResponse r;
  while ((r = Call("PUT", "/c/k" + std::to_string(puts), std::string(100, 'v')))
             .status == 201) {
    ++puts;
  }
  EXPECT_GT(puts, 100);
  EXPECT_EQ(r.status, 507);
  EXPECT_NE(r.text.find("max_memory_bytes"), std::string::npos) << r.text;
  // Deletes still work, and make room; a body over the size limit is
  // still 413, not 507.
  EXPECT_EQ(Call("DELETE", "/c/k0").status, 204);
  EXPECT_EQ(Call("PUT", "/c/k0", std::string(100, 'v')).status, 201);
  HttpApi::Options small;
  small.max_value_size = 10;
  EXPECT_EQ(Call("PUT", "/c/k0", std::string(11, 'v'), small).status, 413);
}

TEST_F(HttpApiTest, ListIsMinikeyvalueShaped) {
  for (const char* m : {"k1", "k2", "k10", "other"})
    Put(std::string("c/") + m, "v");
  ApiResponse r = Call("GET", "/c/k?list");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(Header(r, "Content-Type"), "application/json");
  EXPECT_EQ(r.text, R"({"next":"","keys":["/c/k1","/c/k10","/c/k2"]})"
                    "\n");
  r = Call("GET", "/c/k?list&limit=2");
  EXPECT_EQ(r.text, R"({"next":"/c/k2","keys":["/c/k1","/c/k10"]})"
                    "\n");
  EXPECT_EQ(Header(r, "Dskv-Next"), "/c/k2");
  // next given back as start, encoded as a query value.
  r = Call("GET", "/c/k?list&limit=2&start=%2Fc%2Fk2");
  EXPECT_EQ(r.text, R"({"next":"","keys":["/c/k2"]})"
                    "\n");
  // A bare member works as start too.
  r = Call("GET", "/c/?list&start=k2");
  EXPECT_EQ(r.text, R"({"next":"","keys":["/c/k2","/c/other"]})"
                    "\n");
  r = Call("GET", "/c/?list&reverse&limit=3");
  EXPECT_EQ(r.text, R"({"next":"/c/k10","keys":["/c/other","/c/k2","/c/k10"]})"
                    "\n");
  r = Call("GET", "/c/?list&reverse&end=%2Fc%2Fk10");
  EXPECT_EQ(r.text, R"({"next":"","keys":["/c/k1"]})"
                    "\n");
  r = Call("GET", "/c/k?list&start=k10&end=k2");
  EXPECT_EQ(r.text, R"({"next":"","keys":["/c/k10"]})"
                    "\n");
  r = Call("GET", "/nothing/here?list");
  EXPECT_EQ(r.text, R"({"next":"","keys":[]})"
                    "\n");
  r = Call("HEAD", "/c/?list");
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.headers_only);
}

TEST_F(HttpApiTest, ListedKeysArePathsThatNameTheKey) {
  const std::string member("a b/%+\xff\x00z", 9);
  Put("c/" + member, "v");
  Put("c/zz", "v");
  const ApiResponse r = Call("GET", "/c/?list&limit=1");
  const std::string path = "/c/a%20b/%25%2B%FF%00z";
  EXPECT_EQ(r.text, "{\"next\":\"/c/zz\",\"keys\":[\"" + path + "\"]}\n");
  absl::StatusOr<HttpTarget> target = ParseTarget(path);
  ASSERT_TRUE(target.ok());
  EXPECT_EQ(target->member, member);
  EXPECT_EQ(Call("GET", path).text, "");  // A value: no text.
  EXPECT_EQ(Call("GET", path).status, 200);
  // As start, encoded again.
  EXPECT_EQ(
      Call("GET", "/c/?list&start=%2Fc%2Fa%2520b%2F%2525%252B%25FF%2500z").text,
      "{\"next\":\"\",\"keys\":[\"" + path + "\",\"/c/zz\"]}\n");
}

TEST_F(HttpApiTest, ValuesAreDumpLinesPagedByHeader) {
  Put("c/a", "1");
  Put("c/b", std::string("\xff", 1));
  Put("c/c", "3");
  ApiResponse r = Call("GET", "/c/?values&limit=2");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(Header(r, "Content-Type"), "application/x-ndjson");
  EXPECT_EQ(
      r.text,
      "{\"collection\":\"c\",\"member\":\"a\",\"value\":\"1\"}\n"
      "{\"collection\":\"c\",\"member\":\"b\",\"value_base64\":\"/w==\"}\n");
  EXPECT_EQ(Header(r, "Dskv-Next"), "/c/c");
  r = Call("GET", "/c/?values&start=%2Fc%2Fc");
  EXPECT_EQ(r.text,
            "{\"collection\":\"c\",\"member\":\"c\",\"value\":\"3\"}\n");
  EXPECT_EQ(Header(r, "Dskv-Next"), "");
  // Dump lines are puts in a batch.
  ASSERT_EQ(Call("DELETE", "/c/").status, 204);
  EXPECT_EQ(Call("GET", "/c/?list").text, R"({"next":"","keys":[]})"
                                          "\n");
}

// Pages end at the byte cap, in both directions, and across the chunks
// the listing scans in (1024 members); walking them gives every key once.
TEST_F(HttpApiTest, PagesEndAtTheByteCapAndWalkEveryKey) {
  std::vector<std::string> expected;
  for (int i = 0; i < 3000; ++i) {
    char member[16];
    std::snprintf(member, sizeof member, "m%05d", i);
    Put(std::string("c/") + member, std::string(i % 7 * 10, 'v'));
    expected.push_back(std::string("{\"collection\":\"c\",\"member\":\"") +
                       member + "\",\"value\":\"" +
                       std::string(i % 7 * 10, 'v') + "\"}");
  }
  for (std::size_t max_bytes :
       {std::size_t{1}, std::size_t{5000}, std::size_t{1} << 20}) {
    for (bool reverse : {false, true}) {
      SCOPED_TRACE(testing::Message()
                   << max_bytes << (reverse ? " reverse" : ""));
      int pages = 0;
      std::vector<std::string> got =
          WalkPages(reverse ? "/c/?values&reverse" : "/c/?values", reverse,
                    max_bytes, &pages);
      std::vector<std::string> want = expected;
      if (reverse) std::reverse(want.begin(), want.end());
      EXPECT_EQ(got, want);
      if (max_bytes == 1) EXPECT_EQ(pages, 3000);  // One key a page.
      if (max_bytes == 5000) EXPECT_GT(pages, 10);
      if (max_bytes == std::size_t{1} << 20) EXPECT_EQ(pages, 1);
    }
  }
  // limit counts across chunks.
  HttpApi::Options options;
  const ApiResponse r =
      Call("GET", "/c/?list&limit=2500&start=m00100", std::nullopt, options);
  EXPECT_NE(r.text.find("\"next\":\"/c/m02600\""), std::string::npos)
      << r.text.substr(0, 40);
}

TEST_F(HttpApiTest, BatchAppliesEveryLineOrNone) {
  Put("c/gone", "x");
  Put("d/1", "x");
  const std::string batch =
      "{\"op\":\"put\",\"collection\":\"c\",\"member\":\"a\",\"value\":\"1\"}\n"
      "\n"
      "{\"collection\":\"c\",\"member_base64\":\"/w==\",\"value\":\"2\"}\r\n"
      "{\"op\":\"delete\",\"collection\":\"c\",\"member\":\"gone\"}\n"
      "{\"op\":\"delete_all\",\"collection\":\"d\"}\n"
      "{\"op\":\"expect\",\"collection\":\"c\",\"member\":\"gone\","
      "\"value\":\"x\"}\n"
      "{\"op\":\"expect\",\"collection\":\"c\",\"member\":\"new\"}";
  ApiResponse r = Call("POST", "/_batch", batch);
  EXPECT_EQ(r.status, 204) << r.text;
  EXPECT_EQ(store_->Get("c/a").value_or("?"), "1");
  EXPECT_EQ(store_->Get(std::string("c/\xff", 3)).value_or("?"), "2");
  EXPECT_TRUE(absl::IsNotFound(store_->Get("c/gone").status()));
  EXPECT_TRUE(absl::IsNotFound(store_->Get("d/1").status()));
  // A condition that fails: 409, nothing applied.
  r = Call("POST", "/_batch",
           "{\"collection\":\"c\",\"member\":\"a\",\"value\":\"new\"}\n"
           "{\"op\":\"expect\",\"collection\":\"c\",\"member\":\"a\","
           "\"value\":\"2\"}\n");
  EXPECT_EQ(r.status, 409) << r.text;
  EXPECT_EQ(store_->Get("c/a").value_or("?"), "1");
  // A bad key anywhere: 400, nothing applied.
  r = Call("POST", "/_batch",
           "{\"collection\":\"c\",\"member\":\"a\",\"value\":\"new\"}\n"
           "{\"collection\":\"\",\"member\":\"a\",\"value\":\"new\"}\n");
  EXPECT_EQ(r.status, 400) << r.text;
  EXPECT_EQ(store_->Get("c/a").value_or("?"), "1");
  // An empty batch changes nothing.
  EXPECT_EQ(Call("POST", "/_batch", "").status, 204);
}

TEST_F(HttpApiTest, BatchLinesAreCheckedWithTheirNumber) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"x", "line 1: "},
      {"\n\n[1]", "line 3: "},
      {R"({"collection":"c"})", "line 1: op \"put\" needs a field \"member\""},
      {R"({"collection":"c","member":"m"})",
       "line 1: op \"put\" needs a field \"value\""},
      {R"({"op":"delete","collection":"c","member":"m","value":"v"})",
       "op \"delete\" takes no field \"value\""},
      {R"({"op":"delete_all","collection":"c","member":"m"})",
       "op \"delete_all\" takes no field \"member\""},
      {R"({"op":"delete_all"})",
       "op \"delete_all\" needs a field \"collection\""},
      {R"({"op":"nope","collection":"c"})", "unknown op \"nope\""},
      {R"({"collection":"c","member":"m","value":"v","ttl":"1"})",
       "unknown field \"ttl\""},
      {R"({"collection":"c","member":"m","member_base64":"bQ==","value":""})",
       "given twice"},
      {R"({"collection":"c","member_base64":"!","value":""})", "member_base64"},
      {R"({"collection":"a/b","member":"m","value":""})", "holds a '/'"},
  };
  for (const auto& [body, message] : cases) {
    absl::StatusOr<WriteBatch> batch = ParseBatch(body);
    EXPECT_TRUE(absl::IsInvalidArgument(batch.status())) << body;
    EXPECT_NE(std::string(batch.status().message()).find(message),
              std::string::npos)
        << body << " -> " << batch.status();
  }
}

TEST_F(HttpApiTest, PostStoresContentUnderItsHash) {
  ApiResponse r = Call("POST", "/blobs/", "hello");
  EXPECT_EQ(r.status, 201) << r.text;
  const std::optional<std::string> location = Header(r, "Location");
  ASSERT_TRUE(location.has_value());
  absl::StatusOr<std::string> member = store_->PutContent("x", "hello");
  ASSERT_TRUE(member.ok());
  EXPECT_EQ(*location, "/blobs/" + *member);
  EXPECT_EQ(r.text, *location + "\n");
  EXPECT_EQ(store_->Get("blobs/" + *member).value_or("?"), "hello");
  // Again: the same place.
  EXPECT_EQ(Header(Call("POST", "/blobs/", "hello"), "Location"), location);
  HttpApi::Options small;
  small.max_value_size = 4;
  r = Call("POST", "/blobs/", "hello", small);
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(last_reads_, 0) << "read a body it refused";
  EXPECT_TRUE(r.body_unread);
}

TEST_F(HttpApiTest, CollectionsStatsAndDeleteAll) {
  Put("a/1", "xy");
  Put("a/2", "z");
  Put("b/1", "");
  ApiResponse r = Call("GET", "/");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(
      r.text,
      R"([{"name":"a","keys":2,"bytes":5},{"name":"b","keys":1,"bytes":1}])"
      "\n");
  r = Call("GET", "/_stats");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.text.rfind("{\"keys\":3,\"collections\":2,\"bytes\":6,", 0), 0u)
      << r.text;
  EXPECT_NE(r.text.find("\"last_io_error\":\"\""), std::string::npos);
  EXPECT_EQ(Call("DELETE", "/a/").status, 204);
  EXPECT_EQ(Call("DELETE", "/never/").status, 204);
  EXPECT_EQ(Call("GET", "/").text, R"([{"name":"b","keys":1,"bytes":1}])"
                                   "\n");
}

// A request the API refuses, or that takes no body, leaves its body
// unread, and the connection must close.
TEST_F(HttpApiTest, RefusedBodiesAreNotRead) {
  for (const auto& [method, target] :
       std::vector<std::pair<std::string, std::string>>{{"GET", "/c/k"},
                                                        {"DELETE", "/c/k"},
                                                        {"PUT", "/c/k?bogus"},
                                                        {"POST", "/c/k"},
                                                        {"PUT", "/a%2Fb/k"},
                                                        {"DELETE", "/c/"}}) {
    const ApiResponse r = Call(method, target, "body");
    EXPECT_EQ(last_reads_, 0) << method << " " << target;
    EXPECT_TRUE(r.body_unread) << method << " " << target;
  }
  const ApiResponse r = Call("PUT", "/c/k", "body");
  EXPECT_EQ(r.status, 201);
  EXPECT_FALSE(r.body_unread);
}

}  // namespace
}  // namespace dskv::tool
