// minikeyvalue's own checks (its tools/test.py and the load of its
// tools/thrasher.go), restated for `dskv serve` with every key under one
// collection, "mkv": /swag-… there is /mkv/swag-… here. Where dskv differs
// on purpose (docs/http.md, "How it differs from minikeyvalue"), the test
// says so and checks dskv's behaviour instead.

#include <algorithm>
#include <atomic>
#include <cctype>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "base/hex_digest.h"
#include "gtest/gtest.h"
#include "tests/tools/serve_test_util.h"
#include "tests/tools/tool_test_util.h"

namespace dskv_test {
namespace {

class MinikeyvalueTest : public ServeTestBase {
 protected:
  void SetUp() override {
    ServeTestBase::SetUp();
    ASSERT_NO_FATAL_FAILURE(StartServer());
  }
  void TearDown() override { StopServer(); }

  // A key no other test or call used: "/mkv/swag-" and 20 hex digits.
  std::string FreshKey() {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string key = "/mkv/swag-";
    for (int i = 0; i < 20; ++i) key += kHex[random_() % 16];
    return key;
  }

  HttpResponse Put(const std::string& key, const std::string& value) {
    return Curl({"-X", "PUT", "--data-binary", "@-", Url(key)}, value);
  }
  HttpResponse Get(const std::string& key,
                   std::vector<std::string> options = {}) {
    options.push_back(Url(key));
    return Curl(options);
  }
  HttpResponse Delete(const std::string& key) {
    return Curl({"-X", "DELETE", Url(key)});
  }

  using ServeTestBase::Curl;
  // Curl with `stdin_bytes` on its standard input (curl's "@-").
  HttpResponse Curl(const std::vector<std::string>& args,
                    const std::string& stdin_bytes) {
    const std::string path = dir() + "/stdin";
    WriteBytes(path, stdin_bytes);
    std::vector<std::string> with_file = args;
    for (std::string& arg : with_file) {
      if (arg == "@-") arg = "@" + path;
    }
    return Curl(with_file);
  }

  std::mt19937_64 random_{20261204};
};

// The percent-encoding of a query value as Python's quote_plus writes it
// (minikeyvalue's test sends `start` so).
std::string QuotePlus(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' ||
        c == '_' || c == '~') {
      out += c;
    } else if (c == ' ') {
      out += '+';
    } else {
      constexpr char kHex[] = "0123456789ABCDEF";
      const auto byte = static_cast<unsigned char>(c);
      out += {'%', kHex[byte >> 4], kHex[byte & 15]};
    }
  }
  return out;
}

TEST_F(MinikeyvalueTest, GetPutDelete) {
  const std::string key = FreshKey();
  EXPECT_EQ(Put(key, "onyou").status, 201);
  HttpResponse r = Get(key);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "onyou");
  EXPECT_EQ(Delete(key).status, 204);
}

TEST_F(MinikeyvalueTest, DeleteWorks) {
  const std::string key = FreshKey();
  EXPECT_EQ(Put(key, "onyou").status, 201);
  EXPECT_EQ(Delete(key).status, 204);
  EXPECT_EQ(Get(key).status, 404);
}

TEST_F(MinikeyvalueTest, DoubleDelete) {
  const std::string key = FreshKey();
  EXPECT_EQ(Put(key, "onyou").status, 201);
  EXPECT_EQ(Delete(key).status, 204);
  EXPECT_EQ(Delete(key).status, 404);  // minikeyvalue: not 204.
}

// minikeyvalue refuses a second PUT (not 201); dskv overwrites (204).
TEST_F(MinikeyvalueTest, DoublePutReplacesOnPurpose) {
  const std::string key = FreshKey();
  EXPECT_EQ(Put(key, "onyou").status, 201);
  EXPECT_EQ(Put(key, "onme").status, 204);
  EXPECT_EQ(Get(key).body, "onme");
}

TEST_F(MinikeyvalueTest, DoublePutWithDeleteBetween) {
  const std::string key = FreshKey();
  EXPECT_EQ(Put(key, "onyou").status, 201);
  EXPECT_EQ(Delete(key).status, 204);
  EXPECT_EQ(Put(key, "onyou").status, 201);
}

TEST_F(MinikeyvalueTest, TenKeys) {
  std::vector<std::string> keys;
  for (int i = 0; i < 10; ++i) keys.push_back(FreshKey());
  for (const std::string& k : keys) {
    EXPECT_EQ(Put(k, dskv::Xxh3Hex128(k)).status, 201);
  }
  for (const std::string& k : keys) {
    HttpResponse r = Get(k);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, dskv::Xxh3Hex128(k));
  }
  for (const std::string& k : keys) EXPECT_EQ(Delete(k).status, 204);
}

TEST_F(MinikeyvalueTest, RangeRequest) {
  const std::string key = FreshKey();
  EXPECT_EQ(Put(key, "onyou").status, 201);
  HttpResponse r = Get(key, {"-H", "Range: bytes=2-5"});
  EXPECT_EQ(r.status, 206) << r;
  EXPECT_EQ(r.body, "you");
}

TEST_F(MinikeyvalueTest, NonexistentKey) {
  EXPECT_EQ(Get(FreshKey()).status, 404);
}

TEST_F(MinikeyvalueTest, HeadRequest) {
  HttpResponse r = Get(FreshKey(), {"-I"});
  EXPECT_EQ(r.status, 404) << r;
  EXPECT_EQ(r.Header("Content-Length"), "0") << r;
  const std::string key = FreshKey();
  EXPECT_EQ(Put(key, "onyou").status, 201);
  r = Get(key, {"-I"});
  EXPECT_EQ(r.status, 200) << r;
  EXPECT_EQ(r.Header("Content-Length"), "5") << r;
}

TEST_F(MinikeyvalueTest, LargeKey) {
  const std::string key = FreshKey();
  const std::string data(16 << 20, 'a');
  EXPECT_EQ(Put(key, data).status, 201);
  HttpResponse r = Get(key);
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.body == data) << r.body.size() << " bytes came back";
  EXPECT_EQ(Delete(key).status, 204);
}

TEST_F(MinikeyvalueTest, JsonList) {
  const std::string key = FreshKey();
  EXPECT_EQ(Put(key + "1", "eh").status, 201);
  EXPECT_EQ(Put(key + "2", "eh").status, 201);
  HttpResponse r = Get(key + "?list");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body,
            "{\"next\":\"\",\"keys\":[\"" + key + "1\",\"" + key + "2\"]}\n");
}

TEST_F(MinikeyvalueTest, JsonListOfNothing) {
  HttpResponse r = Get(FreshKey() + "/DOES_NOT_EXIST?list");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "{\"next\":\"\",\"keys\":[]}\n");
}

TEST_F(MinikeyvalueTest, JsonListLimit) {
  const std::string prefix = FreshKey();
  constexpr int kLimit = 10;
  std::vector<std::string> keys;
  for (int i = 0; i < kLimit + 2; ++i) {
    keys.push_back(prefix + std::to_string(i));
    EXPECT_EQ(Put(keys.back(), "0").status, 201);
  }
  std::sort(keys.begin(), keys.end());  // In byte order, as listed.
  auto page = [&](std::size_t from, std::size_t to, const std::string& next) {
    std::string body = "{\"next\":\"" + next + "\",\"keys\":[";
    for (std::size_t i = from; i < to; ++i) {
      body += (i > from ? ",\"" : "\"") + keys[i] + "\"";
    }
    return body + "]}\n";
  };
  HttpResponse r = Get(prefix + "?list&limit=" + std::to_string(kLimit));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, page(0, kLimit, keys[kLimit]));
  r = Get(prefix + "?list&limit=" + std::to_string(kLimit) +
          "&start=" + QuotePlus(keys[kLimit]));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, page(kLimit, keys.size(), ""));
}

// minikeyvalue refuses empty values (411); dskv stores them.
TEST_F(MinikeyvalueTest, EmptyValuesAreStoredOnPurpose) {
  const std::string key = FreshKey();
  EXPECT_EQ(Put(key, "").status, 201);
  HttpResponse r = Get(key);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("Content-Length"), "0");
}

// minikeyvalue sends Content-Md5; dskv's hash of the value is the ETag,
// XXH3-128, the hash content ids use too.
TEST_F(MinikeyvalueTest, ContentHashIsTheETag) {
  for (int i = 0; i < 20; ++i) {
    const std::string key = FreshKey();
    EXPECT_EQ(Put(key, key).status, 201);
    HttpResponse r = Get(key, {"-I"});
    EXPECT_EQ(r.Header("ETag"), "\"" + dskv::Xxh3Hex128(key) + "\"") << r;
  }
}

// thrasher.go's load, smaller: 16 workers, each on one keep-alive
// connection, PUT a fresh value, GET it back, DELETE it.
TEST_F(MinikeyvalueTest, Thrasher) {
  constexpr int kWorkers = 16;
  constexpr int kTriples = 1600;
  std::atomic<int> next{0};
  std::vector<std::vector<std::string>> errors(kWorkers);
  auto worker = [&](int w) {
    HttpConnection connection(server_.port());
    std::mt19937_64 random(w);
    for (int i = next++; i < kTriples; i = next++) {
      const std::string key = "/mkv/benchmark-" + std::to_string(i);
      const std::string value = "value-" + std::to_string(random());
      std::optional<HttpResponse> r =
          connection.Exchange(Request("PUT", key, value));
      if (!r || (r->status != 201 && r->status != 204)) {
        errors[w].push_back(key + ": PUT failed");
        return;
      }
      r = connection.Exchange(Request("GET", key));
      if (!r || r->status != 200 || r->body != value) {
        errors[w].push_back(key + ": GET did not give the value back");
        return;
      }
      r = connection.Exchange(Request("DELETE", key));
      if (!r || r->status != 204) {
        errors[w].push_back(key + ": DELETE failed");
        return;
      }
    }
  };
  std::vector<std::thread> threads;
  for (int w = 0; w < kWorkers; ++w) threads.emplace_back(worker, w);
  for (std::thread& t : threads) t.join();
  for (const std::vector<std::string>& e : errors) {
    for (const std::string& error : e) ADD_FAILURE() << error;
  }
  EXPECT_EQ(Get("/mkv/?list").body, "{\"next\":\"\",\"keys\":[]}\n");
}

}  // namespace
}  // namespace dskv_test
