// Parsing what `dskv serve` reads from a request: targets (endpoints,
// collections, keys with percent-encoded bytes, queries) and Range headers.

#include "tools/http_request.h"

#include <string>

#include "absl/status/status.h"
#include "gtest/gtest.h"

namespace dskv::tool {
namespace {

using Kind = HttpTarget::Kind;

HttpTarget Parsed(std::string_view target) {
  absl::StatusOr<HttpTarget> parsed = ParseTarget(target);
  EXPECT_TRUE(parsed.ok()) << target << ": " << parsed.status();
  return parsed.ok() ? *parsed : HttpTarget();
}

TEST(ParseTargetTest, EndpointsCollectionsAndKeys) {
  EXPECT_EQ(Parsed("/").kind, Kind::kRoot);
  EXPECT_EQ(Parsed("/_health").kind, Kind::kHealth);
  EXPECT_EQ(Parsed("/_stats").kind, Kind::kStats);
  EXPECT_EQ(Parsed("/_batch").kind, Kind::kBatch);

  HttpTarget collection = Parsed("/songs/");
  EXPECT_EQ(collection.kind, Kind::kCollection);
  EXPECT_EQ(collection.collection, "songs");

  HttpTarget key = Parsed("/songs/wehave");
  EXPECT_EQ(key.kind, Kind::kKey);
  EXPECT_EQ(key.collection, "songs");
  EXPECT_EQ(key.member, "wehave");

  // The member is everything after the collection, slashes included; a
  // collection named like an endpoint is an ordinary one.
  key = Parsed("/_health/a/b/");
  EXPECT_EQ(key.kind, Kind::kKey);
  EXPECT_EQ(key.collection, "_health");
  EXPECT_EQ(key.member, "a/b/");
}

TEST(ParseTargetTest, PartsArePercentDecodedExactlyOnce) {
  HttpTarget key = Parsed("/c%20d/%00%FF%2f%252F+x");
  EXPECT_EQ(key.collection, "c d");
  EXPECT_EQ(key.member, std::string("\0\xff/%2F+x", 8));
  // A '/' in a collection, encoded, is not a separator: the key layer
  // rejects the name later.
  key = Parsed("/a%2Fb/m");
  EXPECT_EQ(key.collection, "a/b");
  EXPECT_EQ(key.member, "m");
}

TEST(ParseTargetTest, QueryParametersInOrder) {
  HttpTarget list =
      Parsed("/c/pre?list&start=a%26b&limit=10&reverse&end=&sync");
  EXPECT_EQ(list.kind, Kind::kKey);
  EXPECT_EQ(list.member, "pre");
  EXPECT_TRUE(list.Has("list"));
  EXPECT_FALSE(list.Value("list").has_value());
  EXPECT_EQ(list.Value("start"), "a&b");
  EXPECT_EQ(list.Value("limit"), "10");
  EXPECT_EQ(list.Value("end"), "");
  EXPECT_TRUE(list.Has("reverse"));
  EXPECT_TRUE(list.Has("sync"));
  EXPECT_FALSE(list.Has("values"));
  ASSERT_EQ(list.query.size(), 6u);
  EXPECT_EQ(list.query[1].first, "start");

  EXPECT_EQ(Parsed("/c/?values").kind, Kind::kCollection);
  EXPECT_TRUE(Parsed("/?").query.empty());
  EXPECT_TRUE(Parsed("/c/k?&&").query.empty());
}

TEST(ParseTargetTest, MalformedTargetsNameTheRule) {
  struct Case {
    std::string_view target;
    std::string_view message;
  };
  for (const Case& c : {
           Case{"", "must start with '/'"},
           Case{"songs/x", "must start with '/'"},
           Case{"/songs", "names no key"},
           Case{"/_nothing", "names no key"},
           Case{"/c/%zz", "byte offset 3 of the target: '%' must be followed"},
           Case{"/c/ab%4", "byte offset 5"},
           Case{"/c%/k", "byte offset 2"},
           Case{"/c/k?x=%g0", "byte offset 7"},
           Case{"/c/k?limit=1&limit=2", "\"limit\" is given twice"},
       }) {
    absl::StatusOr<HttpTarget> parsed = ParseTarget(c.target);
    EXPECT_TRUE(absl::IsInvalidArgument(parsed.status()))
        << c.target << ": " << parsed.status();
    EXPECT_NE(std::string(parsed.status().message()).find(c.message),
              std::string::npos)
        << c.target << ": " << parsed.status();
  }
}

std::optional<ByteRange> Range(std::string_view header, std::uint64_t size) {
  absl::StatusOr<std::optional<ByteRange>> range = ParseRange(header, size);
  EXPECT_TRUE(range.ok()) << header << ": " << range.status();
  return range.ok() ? *range : std::nullopt;
}

void ExpectRange(std::string_view header, std::uint64_t size,
                 std::uint64_t first, std::uint64_t last) {
  const std::optional<ByteRange> range = Range(header, size);
  ASSERT_TRUE(range.has_value()) << header;
  EXPECT_EQ(range->first, first) << header;
  EXPECT_EQ(range->last, last) << header;
}

TEST(ParseRangeTest, OneRangeOfBytes) {
  ExpectRange("bytes=0-0", 10, 0, 0);
  ExpectRange("bytes=2-5", 10, 2, 5);
  ExpectRange("bytes=2-", 10, 2, 9);
  ExpectRange("bytes=5-100", 10, 5, 9);  // Clipped to the value.
  ExpectRange("bytes=-3", 10, 7, 9);
  ExpectRange("bytes=-30", 10, 0, 9);
  // Other units are ignored: the whole value is sent.
  EXPECT_FALSE(Range("items=0-1", 10).has_value());
}

TEST(ParseRangeTest, UnsatisfiableIsOutOfRange) {
  for (const auto& [header, size] :
       {std::pair{"bytes=10-", 10}, std::pair{"bytes=10-20", 10},
        std::pair{"bytes=0-", 0}, std::pair{"bytes=-0", 10},
        std::pair{"bytes=-5", 0}}) {
    EXPECT_TRUE(absl::IsOutOfRange(ParseRange(header, size).status()))
        << header << " of " << size;
  }
}

TEST(ParseRangeTest, MalformedIsInvalidArgument) {
  for (std::string_view header :
       {"bytes=", "bytes=-", "bytes=a-b", "bytes=5-2", "bytes=1-2,4-5",
        "bytes= 1-2", "bytes=1-2x", "bytes=18446744073709551616-"}) {
    EXPECT_TRUE(absl::IsInvalidArgument(ParseRange(header, 100).status()))
        << header;
  }
}

}  // namespace
}  // namespace dskv::tool
