// Typed tuple keys (dskv/tuple.h): known encodings, round trips, order
// preservation over random tuples, rejection of malformed input with its
// offset, and Scan over tuple-keyed members (TupleRange).

#include "dskv/tuple.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "dskv/store.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"
#include "tests/temp_dir.h"

namespace dskv {
namespace {

using ::dskv_test::HasCodeAndMessage;
using ::dskv_test::IsOk;
using ::dskv_test::TempDirTest;

std::string Hex(std::string_view bytes) {
  std::string out;
  for (unsigned char c : bytes) {
    static constexpr char kDigits[] = "0123456789abcdef";
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

std::string Printable(const Tuple& t) { return Hex(EncodeTuple(t)); }

Uuid UuidOf(std::uint8_t fill) {
  Uuid uuid;
  uuid.bytes.fill(fill);
  return uuid;
}

TEST(TupleTest, KnownEncodingsFollowFoundationDb) {
  using S = std::string;
  EXPECT_EQ(EncodeTuple({}), "");
  EXPECT_EQ(EncodeTuple({Bytes{S("foo\0bar", 7)}}), S("\x01"
                                                      "foo\0\xFF"
                                                      "bar\0",
                                                      10));
  EXPECT_EQ(EncodeTuple({"hello"}), S("\x02hello\0", 7));
  EXPECT_EQ(EncodeTuple({std::int64_t{0}}), "\x14");
  EXPECT_EQ(EncodeTuple({std::int64_t{1}}), "\x15\x01");
  EXPECT_EQ(EncodeTuple({std::int64_t{255}}), "\x15\xFF");
  EXPECT_EQ(EncodeTuple({std::int64_t{256}}), S("\x16\x01\x00", 3));
  EXPECT_EQ(EncodeTuple({std::int64_t{-1}}), "\x13\xFE");
  EXPECT_EQ(EncodeTuple({std::int64_t{-255}}), S("\x13\x00", 2));
  EXPECT_EQ(EncodeTuple({std::int64_t{-256}}), "\x12\xFE\xFF");
  EXPECT_EQ(EncodeTuple({std::numeric_limits<std::int64_t>::max()}),
            "\x1C\x7F\xFF\xFF\xFF\xFF\xFF\xFF\xFF");
  EXPECT_EQ(EncodeTuple({std::numeric_limits<std::int64_t>::min()}),
            S("\x0C\x7F\xFF\xFF\xFF\xFF\xFF\xFF\xFF", 9));
  EXPECT_EQ(EncodeTuple({Tuple{"a"}, std::int64_t{1}}), S("\x05\x02"
                                                          "a\0\0\x15\x01",
                                                          7));
  EXPECT_EQ(EncodeTuple({UuidOf(0xAB)}), "\x30" + S(16, '\xAB'));
}

TEST(TupleTest, EdgeValuesRoundTrip) {
  const std::vector<Tuple> tuples = {
      {},
      {Bytes{}},
      {""},
      {Bytes{std::string("\0\0\xFF\0", 4)}},
      {std::string("caf\xC3\xA9 \xF0\x9F\x98\x80")},
      {std::numeric_limits<std::int64_t>::min()},
      {std::numeric_limits<std::int64_t>::max()},
      {std::int64_t{-256}, std::int64_t{-255}, std::int64_t{255}},
      {UuidOf(0), UuidOf(0xFF)},
      {Tuple{}},
      {Tuple{Tuple{Tuple{"deep", Bytes{std::string(1, '\0')}}}}, "after"},
  };
  for (const Tuple& t : tuples) {
    absl::StatusOr<Tuple> decoded = DecodeTuple(EncodeTuple(t));
    ASSERT_TRUE(IsOk(decoded.status()) << Printable(t));
    EXPECT_EQ(*decoded, t) << Printable(t);
  }
}

TEST(TupleTest, NestingIsLimited) {
  const auto nested = [](int depth) {
    std::string encoded(depth, '\x05');
    encoded.append(depth, '\0');
    return encoded;
  };
  absl::StatusOr<Tuple> deepest = DecodeTuple(nested(kMaxTupleDepth));
  ASSERT_TRUE(IsOk(deepest.status()));
  EXPECT_EQ(EncodeTuple(*deepest), nested(kMaxTupleDepth));
  EXPECT_TRUE(
      HasCodeAndMessage(DecodeTuple(nested(kMaxTupleDepth + 1)).status(),
                        absl::StatusCode::kInvalidArgument,
                        {"nested deeper than 256 at byte offset 256"}));
  // Hostile input far deeper is rejected as cheaply.
  EXPECT_TRUE(absl::IsInvalidArgument(DecodeTuple(nested(1 << 20)).status()));
}

// Random tuples over small alphabets, so that pairs share long prefixes and
// comparisons reach deep into them.
class RandomTuples {
 public:
  explicit RandomTuples(std::uint64_t seed) : random_(seed) {}

  Tuple Next(int depth = 0) {
    Tuple t;
    const int size = Pick(depth == 0 ? 5 : 3);
    for (int i = 0; i < size; ++i) t.Add(Element(depth));
    return t;
  }

 private:
  int Pick(int n) { return static_cast<int>(random_() % n); }

  std::string SomeBytes() {
    static constexpr char kAlphabet[] = {'\0', '\x01', 'a',
                                         'b',  '\x7F', '\xFF'};
    std::string s;
    const int size = Pick(4);
    for (int i = 0; i < size; ++i) s.push_back(kAlphabet[Pick(6)]);
    return s;
  }

  std::string SomeText() {
    // ASCII, 2- and 4-byte UTF-8, and the 0x00 that strings escape.
    static const std::string kPieces[] = {
        "a", "b", "\xC3\xA9", "\xF0\x9F\x98\x80", std::string(1, '\0')};
    std::string s;
    const int size = Pick(3);
    for (int i = 0; i < size; ++i) s += kPieces[Pick(5)];
    return s;
  }

  std::int64_t SomeInteger() {
    static constexpr std::int64_t kEdges[] = {
        0,
        1,
        -1,
        255,
        256,
        -255,
        -256,
        65535,
        -65536,
        std::numeric_limits<std::int64_t>::max(),
        std::numeric_limits<std::int64_t>::min(),
        std::numeric_limits<std::int64_t>::min() + 1};
    if (Pick(2) == 0) return kEdges[Pick(std::size(kEdges))];
    // Any magnitude, any sign.
    const int bits = Pick(64);
    return static_cast<std::int64_t>(random_() >> bits);
  }

  Tuple::Element Element(int depth) {
    switch (Pick(depth < 3 ? 5 : 4)) {
      case 0:
        return Bytes{SomeBytes()};
      case 1:
        return SomeText();
      case 2:
        return SomeInteger();
      case 3:
        return UuidOf(static_cast<std::uint8_t>(Pick(3) * 0x7F));
      default:
        return Next(depth + 1);
    }
  }

  std::mt19937_64 random_;
};

int Sign(int compared) { return (compared > 0) - (compared < 0); }

TEST(TupleTest, EncodingOrderIsTupleOrderOverRandomPairs) {
  RandomTuples random(20261204);
  int equal = 0;
  for (int i = 0; i < 100000; ++i) {
    const Tuple a = random.Next();
    const Tuple b = random.Next();
    const std::string ea = EncodeTuple(a);
    const std::string eb = EncodeTuple(b);
    // std::string compares chars as unsigned bytes.
    ASSERT_EQ(Sign(ea.compare(eb)), Sign(CompareTuples(a, b)))
        << Printable(a) << " vs " << Printable(b);
    ASSERT_EQ(ea == eb, a == b);
    if (a == b) ++equal;
    absl::StatusOr<Tuple> decoded = DecodeTuple(ea);
    ASSERT_TRUE(IsOk(decoded.status()) << Printable(a));
    ASSERT_EQ(*decoded, a) << Printable(a);
  }
  // The alphabets are small enough that some pairs are equal, and most not.
  EXPECT_GT(equal, 0);
  EXPECT_LT(equal, 50000);
}

TEST(TupleTest, ADecodedInputIsTheEncodingOfWhatItDecodesTo) {
  // Random bytes over the type codes and their payload bytes: whatever
  // decodes must be the one encoding of its tuple.
  std::mt19937_64 random(7);
  static constexpr char kBytes[] = {'\x00', '\x01', '\x02', '\x05', '\x13',
                                    '\x14', '\x15', '\x16', '\x30', '\xFF',
                                    'a',    '\x80', '\xC3', '\xA9'};
  int decoded_count = 0;
  for (int i = 0; i < 100000; ++i) {
    std::string input;
    const int size = static_cast<int>(random() % 12);
    for (int j = 0; j < size; ++j) {
      input.push_back(kBytes[random() % std::size(kBytes)]);
    }
    absl::StatusOr<Tuple> decoded = DecodeTuple(input);
    if (!decoded.ok()) {
      ASSERT_TRUE(absl::IsInvalidArgument(decoded.status())) << Hex(input);
      continue;
    }
    ++decoded_count;
    ASSERT_EQ(EncodeTuple(*decoded), input) << Hex(input);
  }
  EXPECT_GT(decoded_count, 1000);
}

TEST(TupleTest, MalformedInputNamesTheOffset) {
  using S = std::string;
  const struct {
    std::string input;
    std::string message;
  } cases[] = {
      {S("\x03", 1), "unknown type code 0x03 at byte offset 0"},
      {S("\x15\x01\x00", 3), "unknown type code 0x00 at byte offset 2"},
      {S("\x14\x02"
         "ab",
         4),
       "string without its end at byte offset 1"},
      {S("\x01"
         "a\0\xFF",
         4),
       "string without its end at byte offset 0"},
      {S("\x16\x01", 2), "integer cut short at byte offset 0"},
      {S("\x15\x00", 2), "integer not in its shortest form at byte offset 0"},
      {S("\x13\xFF", 2), "integer not in its shortest form at byte offset 0"},
      {S("\x1C\x80\0\0\0\0\0\0\0", 9),
       "above the int64 range at byte offset 0"},
      {S("\x0C\x7F\xFF\xFF\xFF\xFF\xFF\xFF\xFE", 9),
       "below the int64 range at byte offset 0"},
      {S("\x30\x01\x02", 3), "UUID cut short at byte offset 0"},
      {S("\x14\x05\x05\x14\x00", 5),
       "nested tuple without its end at byte offset 1"},
      {S("\x02"
         "ab\xC3\x28\0",
         6),
       "invalid UTF-8 at byte offset 3"},
      {S("\x02"
         "a\0\xFF"
         "\xED\xA0\x80\0",
         9),
       "invalid UTF-8 at byte offset 4"},  // A surrogate, after an escape.
      {S("\x02\xC0\xAF\0", 4), "invalid UTF-8 at byte offset 1"},  // Overlong.
      {S("\x02\xF4\x90\x80\x80\0", 6), "invalid UTF-8 at byte offset 1"},
  };
  for (const auto& c : cases) {
    EXPECT_TRUE(HasCodeAndMessage(DecodeTuple(c.input).status(),
                                  absl::StatusCode::kInvalidArgument,
                                  {c.message}))
        << Hex(c.input);
  }
}

bool StartsWith(const Tuple& t, const Tuple& prefix) {
  if (t.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (!(t[i] == prefix[i])) return false;
  }
  return true;
}

class TupleScanTest : public TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    if (HasFatalFailure()) return;
    absl::StatusOr<std::unique_ptr<Store>> opened = Store::Open(dir());
    ASSERT_TRUE(IsOk(opened.status()));
    store_ = *std::move(opened);
  }

  // Scans `options` page by page (pages of 7) and decodes the members.
  std::vector<Tuple> ScanAll(ScanOptions options) {
    std::vector<Tuple> out;
    options.limit = 7;
    while (true) {
      absl::StatusOr<ScanPage> page = store_->Scan("t", options);
      EXPECT_TRUE(IsOk(page.status()));
      if (!page.ok()) return out;
      for (const auto& [member, value] : page->items) {
        absl::StatusOr<Tuple> t = DecodeTuple(member);
        EXPECT_TRUE(IsOk(t.status()));
        if (t.ok()) out.push_back(*std::move(t));
      }
      if (page->next.empty()) return out;
      (options.reverse ? options.end : options.start) = page->next;
    }
  }

  std::unique_ptr<Store> store_;
};

TEST_F(TupleScanTest, ScanReturnsTupleOrderAndTupleRangeTheExtensions) {
  RandomTuples random(99);
  std::vector<Tuple> tuples;
  for (int i = 0; i < 3000; ++i) {
    Tuple t = random.Next();
    if (t.empty()) continue;  // The empty tuple encodes to "", no member.
    ASSERT_TRUE(IsOk(store_->Put("t/" + EncodeTuple(t), "v")));
    tuples.push_back(std::move(t));
  }
  std::sort(tuples.begin(), tuples.end());
  tuples.erase(std::unique(tuples.begin(), tuples.end()), tuples.end());

  EXPECT_EQ(ScanAll({}), tuples);

  // Prefixes from the data (so that ranges are not empty) and a few made
  // to catch byte prefixes that are not tuple prefixes.
  std::vector<Tuple> prefixes = {
      {}, {Bytes{"a"}}, {""}, {std::int64_t{0}}, {Tuple{}}};
  for (int i = 0; i < 200; i += 10) {
    const Tuple& t = tuples[i * tuples.size() / 200];
    prefixes.push_back(Tuple(std::vector<Tuple::Element>(
        t.elements().begin(), t.elements().begin() + 1)));
  }
  for (const Tuple& prefix : prefixes) {
    std::vector<Tuple> expected;
    for (const Tuple& t : tuples) {
      if (StartsWith(t, prefix)) expected.push_back(t);
    }
    ScanOptions range = TupleRange(prefix);
    EXPECT_EQ(ScanAll(range), expected) << Printable(prefix);
    range.reverse = true;
    std::reverse(expected.begin(), expected.end());
    EXPECT_EQ(ScanAll(range), expected) << Printable(prefix);
  }
}

TEST_F(TupleScanTest, TupleRangeLeavesOutLongerStringsWithTheSameBytes) {
  const Tuple ab{"ab"};
  const Tuple ab_zero{std::string("ab\0", 3)};
  const Tuple ab_one{"ab", std::int64_t{1}};
  for (const Tuple* t : {&ab, &ab_zero, &ab_one}) {
    ASSERT_TRUE(IsOk(store_->Put("t/" + EncodeTuple(*t), "v")));
  }
  // ("ab\0") begins with the bytes of ("ab") but does not extend it.
  EXPECT_EQ(ScanAll(TupleRange(ab)), (std::vector<Tuple>{ab, ab_one}));
}

}  // namespace
}  // namespace dskv
