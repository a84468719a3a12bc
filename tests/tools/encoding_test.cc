// The tool's pure pieces, without a process or a store: UTF-8 validation,
// base64, JSON writing and strict reading, the dump line format, command
// line parsing, and the text a progress bar shows.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/utf8.h"
#include "gtest/gtest.h"
#include "tools/base64.h"
#include "tools/command.h"
#include "tools/dump_format.h"
#include "tools/json.h"
#include "tools/progress.h"
#include "tools/text.h"

namespace dskv::tool {
namespace {

using Strings = std::vector<std::string>;
using Pairs = std::vector<std::pair<std::string, std::string>>;

std::string Bytes(std::initializer_list<int> bytes) {
  std::string out;
  for (int b : bytes) out += static_cast<char>(b);
  return out;
}

std::string Message(const absl::Status& status) {
  return std::string(status.message());
}

// Whether `status` failed with a message holding `part`; for EXPECT_TRUE.
::testing::AssertionResult FailsWith(const absl::Status& status,
                                     std::string_view part) {
  if (status.ok()) return ::testing::AssertionFailure() << "succeeded";
  if (Message(status).find(part) == std::string::npos) {
    return ::testing::AssertionFailure()
           << "message \"" << status.message() << "\" lacks \"" << part << "\"";
  }
  return ::testing::AssertionSuccess();
}

// ---------------------------------------------------------------------------
// UTF-8

TEST(Utf8Test, AcceptsWellFormedText) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii\n\t"));
  EXPECT_TRUE(IsValidUtf8(std::string("nul\0inside", 10)));
  EXPECT_TRUE(IsValidUtf8("é ß 日本語 🎵"));
  EXPECT_TRUE(IsValidUtf8(Bytes({0xF4, 0x8F, 0xBF, 0xBF})));  // U+10FFFF
  EXPECT_TRUE(IsValidUtf8(Bytes({0xED, 0x9F, 0xBF})));        // U+D7FF
  EXPECT_TRUE(IsValidUtf8(Bytes({0xEE, 0x80, 0x80})));        // U+E000
}

TEST(Utf8Test, RejectsMalformedText) {
  EXPECT_FALSE(IsValidUtf8(Bytes({0xFF})));
  EXPECT_FALSE(IsValidUtf8(Bytes({0x80})));              // Lone continuation.
  EXPECT_FALSE(IsValidUtf8(Bytes({0xC3})));              // Truncated.
  EXPECT_FALSE(IsValidUtf8(Bytes({0xE6, 0x97})));        // Truncated.
  EXPECT_FALSE(IsValidUtf8(Bytes({0xC0, 0xAF})));        // Overlong '/'.
  EXPECT_FALSE(IsValidUtf8(Bytes({0xE0, 0x80, 0xAF})));  // Overlong.
  EXPECT_FALSE(IsValidUtf8(Bytes({0xF0, 0x80, 0x80, 0xAF})));  // Overlong.
  EXPECT_FALSE(IsValidUtf8(Bytes({0xED, 0xA0, 0x80})));  // Surrogate D800.
  EXPECT_FALSE(IsValidUtf8(Bytes({0xF4, 0x90, 0x80, 0x80})));  // > 10FFFF.
  EXPECT_FALSE(IsValidUtf8(Bytes({0xC3, 0x28})));  // Bad continuation.
  EXPECT_FALSE(IsValidUtf8("ok" + Bytes({0xFE}) + "ok"));
}

TEST(Utf8Test, AppendUtf8EncodesEveryLength) {
  std::string out;
  for (std::uint32_t cp : {0x24u, 0xE9u, 0x65E5u, 0x1F3B5u}) {
    AppendUtf8(cp, &out);
  }
  EXPECT_EQ(out, "$é日🎵");
}

// ---------------------------------------------------------------------------
// Base64

TEST(Base64Test, EncodesRfc4648Vectors) {
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foo"), "Zm9v");
  EXPECT_EQ(Base64Encode("foob"), "Zm9vYg==");
  EXPECT_EQ(Base64Encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64Encode(Bytes({0x00, 0xFF, 0xFE})), "AP/+");
}

TEST(Base64Test, RoundTripsEveryByteAndLength) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes += static_cast<char>(i);
  for (std::size_t size = 0; size <= bytes.size(); size += 1 + size / 7) {
    const std::string original = bytes.substr(bytes.size() - size);
    absl::StatusOr<std::string> decoded = Base64Decode(Base64Encode(original));
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_EQ(*decoded, original);
  }
}

TEST(Base64Test, RejectsAnythingButCanonicalEncodings) {
  for (std::string_view bad : {
           "Zg=",       // Length not a multiple of 4.
           "Zg",        // Missing padding.
           "Zh==",      // Unused bits set: not what Encode writes.
           "Zm9=",      // Unused bits set.
           "Z===",      // Too much padding.
           "Zg==Zg==",  // Padding in the middle.
           "Zm9v\n",    // Whitespace.
           "Zm-v",      // URL-safe alphabet.
       }) {
    EXPECT_FALSE(Base64Decode(bad).ok()) << bad;
  }
  EXPECT_TRUE(FailsWith(Base64Decode("Zm*v").status(), "offset 2"));
}

// ---------------------------------------------------------------------------
// JSON

TEST(JsonTest, QuoteEscapesWhatJsonRequires) {
  EXPECT_EQ(JsonQuote(""), R"("")");
  EXPECT_EQ(JsonQuote("a\"b\\c/d"), R"("a\"b\\c/d")");
  EXPECT_EQ(JsonQuote("\n\t\r\b\f"), R"("\n\t\r\b\f")");
  EXPECT_EQ(JsonQuote(std::string("\0\x1f\x7f", 3)), "\"\\u0000\\u001f\x7f\"");
  EXPECT_EQ(JsonQuote("é🎵"), "\"é🎵\"");
}

TEST(JsonTest, ParseStringHandlesEveryEscape) {
  EXPECT_EQ(ParseJsonString(R"("a\"b\\c\/d\n\t\r\b\f")").value(),
            "a\"b\\c/d\n\t\r\b\f");
  EXPECT_EQ(ParseJsonString(R"("\u0041\u00e9\u65E5")").value(), "Aé日");
  EXPECT_EQ(ParseJsonString(R"("\u0000")").value(), std::string(1, '\0'));
  // A surrogate pair: U+1F3B5.
  EXPECT_EQ(ParseJsonString(R"("\ud83c\udfb5")").value(), "🎵");
  EXPECT_EQ(ParseJsonString(" \"raw é🎵\"\n").value(), "raw é🎵");
}

TEST(JsonTest, ParseStringRejectsWhatJsonForbids) {
  for (std::string_view bad : {
           R"(abc)",             // Not a string.
           R"("abc)",            // Unterminated.
           R"("\x41")",          // Unknown escape.
           R"("\u12")",          // Short \u.
           R"("\u12G4")",        // Not hex.
           R"("\ud83c")",        // Lone high surrogate.
           R"("\ud83cx")",       // High surrogate, no low one.
           R"("\ud83c\u0041")",  // High surrogate, then not a low one.
           R"("\udfb5")",        // Lone low surrogate.
           "\"tab\there\"",      // Raw control character.
           "\"\xff\"",           // Not UTF-8.
           "\"\xed\xa0\x80\"",   // A surrogate encoded raw.
           R"("a" "b")",         // Trailing text.
       }) {
    EXPECT_FALSE(ParseJsonString(bad).ok()) << bad;
  }
  EXPECT_TRUE(FailsWith(ParseJsonString(R"("ab\q")").status(), "column 4"));
}

TEST(JsonTest, QuoteThenParseRoundTripsAnyUtf8) {
  std::string all_ascii;
  for (int i = 0; i < 128; ++i) all_ascii += static_cast<char>(i);
  for (const std::string& text :
       {std::string(), all_ascii, std::string("日本語 \"quoted\" \\ 🎵 é"),
        std::string(1000, '\n')}) {
    absl::StatusOr<std::string> parsed = ParseJsonString(JsonQuote(text));
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_EQ(*parsed, text);
  }
}

TEST(JsonTest, ObjectBuilderWritesMembersInOrder) {
  EXPECT_EQ(JsonObject().Build(), "{}");
  EXPECT_EQ(JsonObject()
                .AddString("s", "x\"y")
                .AddNumber("n", 18446744073709551615u)
                .AddBool("b", false)
                .AddBytes("text", "é")
                .AddBytes("bin", Bytes({0xFF}))
                .AddJson("a", JsonArray({"1", "{}"}))
                .Build(),
            R"({"s":"x\"y","n":18446744073709551615,"b":false,"text":"é",)"
            R"("bin_base64":"/w==","a":[1,{}]})");
}

TEST(JsonTest, ParseStringObject) {
  EXPECT_EQ(ParseJsonStringObject(" { \"a\" : \"1\" ,\"b\":\"\" } ").value(),
            (Pairs{{"a", "1"}, {"b", ""}}));
  EXPECT_TRUE(ParseJsonStringObject("{}").value().empty());
  for (std::string_view bad : {
           "", "[]",
           R"({"a":1})",            // Values must be strings.
           R"({"a":"1",})",         // Trailing comma.
           R"({"a" "1"})",          // Missing colon.
           R"({"a":"1"} x)",        // Trailing text.
           R"({"a":"1","a":"2"})",  // Duplicate name.
           R"({a:"1"})",            // Unquoted name.
           R"({"a":"1")",           // Unterminated.
       }) {
    EXPECT_FALSE(ParseJsonStringObject(bad).ok()) << bad;
  }
  EXPECT_TRUE(FailsWith(ParseJsonStringObject(R"({"a":"1","a":"2"})").status(),
                        "duplicate name \"a\""));
}

// ---------------------------------------------------------------------------
// The dump format

TEST(DumpFormatTest, TextFieldsAsTextBinaryAsBase64) {
  EXPECT_EQ(EncodeDumpLine("artist", "daft_punk", "epic"),
            R"({"collection":"artist","member":"daft_punk","value":"epic"})");
  EXPECT_EQ(EncodeDumpLine("bin", "k", Bytes({0x00, 0xFF})),
            R"({"collection":"bin","member":"k","value_base64":"AP8="})");
  EXPECT_EQ(EncodeDumpLine(Bytes({0xC0}), "a/b", ""),
            R"({"collection_base64":"wA==","member":"a/b","value":""})");
}

TEST(DumpFormatTest, DecodeInvertsEncode) {
  const std::vector<std::vector<std::string>> cases = {
      {"c", "m", "v"},
      {"c", "/m/with/slashes", ""},
      {"日本", "🎵", "line\nbreak \"q\" \\"},
      {Bytes({0xFF, 0x00}), Bytes({0x80}), Bytes({0x00, 0x01, 0xFE})},
  };
  for (const auto& c : cases) {
    const std::string line = EncodeDumpLine(c[0], c[1], c[2]);
    absl::StatusOr<DumpRecord> record = DecodeDumpLine(line);
    ASSERT_TRUE(record.ok()) << line << ": " << record.status();
    EXPECT_EQ(record->collection, c[0]);
    EXPECT_EQ(record->member, c[1]);
    EXPECT_EQ(record->value, c[2]);
    EXPECT_EQ(record->Key(), c[0] + "/" + c[1]);
  }
}

TEST(DumpFormatTest, DecodeAcceptsAnyOrderAndEitherForm) {
  absl::StatusOr<DumpRecord> record = DecodeDumpLine(
      R"({"value_base64":"eA==","member":"m","collection":"c"})");
  ASSERT_TRUE(record.ok()) << record.status();
  EXPECT_EQ(record->value, "x");
}

TEST(DumpFormatTest, ADeadlineIsAFourthField) {
  EXPECT_EQ(EncodeDumpLine("s", "k", "v", 1764897000123),
            R"({"collection":"s","member":"k","value":"v",)"
            R"("expires_ms":"1764897000123"})");
  absl::StatusOr<DumpRecord> record = DecodeDumpLine(
      R"({"expires_ms":"1764897000123","collection":"s","member":"k","value":"v"})");
  ASSERT_TRUE(record.ok()) << record.status();
  EXPECT_EQ(record->expires_ms, 1764897000123);
  record = DecodeDumpLine(R"({"collection":"s","member":"k","value":"v"})");
  ASSERT_TRUE(record.ok()) << record.status();
  EXPECT_EQ(record->expires_ms, std::nullopt);
  for (const char* bad :
       {"", "0", "-5", "1.5", "12ab", " 12", "99999999999999999999999"}) {
    const std::string line =
        R"({"collection":"s","member":"k","value":"v","expires_ms":")" +
        std::string(bad) + R"("})";
    EXPECT_TRUE(FailsWith(DecodeDumpLine(line).status(),
                          R"(field "expires_ms" must be a positive count)"))
        << line;
  }
}

TEST(DumpFormatTest, DecodeRejectsWhatEncodeNeverWrites) {
  const std::vector<std::pair<std::string_view, std::string_view>> cases = {
      {R"({"collection":"c","member":"m"})", "missing field \"value\""},
      {R"({"collection":"c","member":"m","value":"v","ttl":"1"})",
       "unknown field \"ttl\""},
      {R"({"collection":"c","member":"m","value":"v","value_base64":"dg=="})",
       "given twice"},
      {R"({"collection":"c","member":"m","value_base64":"!!!!"})",
       "field \"value_base64\": invalid base64"},
      {R"({"collection":"a/b","member":"m","value":"v"})", "holds a '/'"},
      {"", "column 1"},
  };
  for (const auto& [line, expected] : cases) {
    EXPECT_TRUE(FailsWith(DecodeDumpLine(line).status(), expected)) << line;
  }
}

// ---------------------------------------------------------------------------
// Command lines

Command TestCommand() {
  return {.name = "test",
          .synopsis = "test [--json] [--file=PATH] STORE_DIR [KEY]",
          .flags = {kJsonFlag, {"file", true}},
          .min_args = 1,
          .max_args = 2};
}

absl::StatusOr<Invocation> Parse(std::vector<std::string> args) {
  return ParseCommandLine(TestCommand(), args);
}

TEST(CommandLineTest, FlagsMayComeAnywhere) {
  absl::StatusOr<Invocation> parsed =
      Parse({"dir", "--file=x=y", "k", "--json"});
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->args(), (Strings{"dir", "k"}));
  EXPECT_EQ(parsed->store_dir(), "dir");
  EXPECT_TRUE(parsed->json());
  EXPECT_EQ(parsed->Value("file"), "x=y");
  EXPECT_FALSE(parsed->Value("other").has_value());
}

TEST(CommandLineTest, ValueFlagsTakeTheNextArgumentWithoutEquals) {
  absl::StatusOr<Invocation> parsed = Parse({"dir", "--file", "x", "k"});
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->args(), (Strings{"dir", "k"}));
  EXPECT_EQ(parsed->Value("file"), "x");
  // The value may look like a flag; only "--" ends the flags.
  parsed = Parse({"dir", "--file", "--json"});
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->Value("file"), "--json");
  EXPECT_FALSE(parsed->json());
  EXPECT_TRUE(
      FailsWith(Parse({"dir", "--file", "--", "x"}).status(), "needs a value"));
}

TEST(CommandLineTest, DoubleDashEndsFlags) {
  absl::StatusOr<Invocation> parsed = Parse({"dir", "--", "--json"});
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->args(), (Strings{"dir", "--json"}));
  EXPECT_FALSE(parsed->json());
  // "-" and single-dash words are arguments.
  EXPECT_EQ(Parse({"-", "-x"})->args(), (Strings{"-", "-x"}));
}

TEST(CommandLineTest, RejectsBadFlagsAndCounts) {
  const std::vector<std::pair<std::vector<std::string>, std::string_view>>
      cases = {
          {{"dir", "--bogus"}, "unknown flag --bogus"},
          {{"dir", "--json", "--json"}, "given twice"},
          {{"dir", "--json=1"}, "takes no value"},
          {{"dir", "--file"}, "needs a value"},
          {{}, "wrong number of arguments"},
          {{"a", "b", "c"}, "wrong number of arguments"},
      };
  for (const auto& [args, expected] : cases) {
    EXPECT_TRUE(FailsWith(Parse(args).status(), expected));
  }
}

TEST(CommandLineTest, ChecksKeysAndCollectionNamesAsTheLibraryDoes) {
  const Command command = {
      .name = "test",
      .synopsis = "test DIR KEY COLLECTION [ANY]",
      .min_args = 3,
      .max_args = 4,
      .arg_kinds = {ArgKind::kAny, ArgKind::kKey, ArgKind::kCollection}};
  auto parse = [&](std::vector<std::string> args) {
    return ParseCommandLine(command, args).status();
  };
  EXPECT_TRUE(parse({"", "c/m", "c"}).ok());
  EXPECT_TRUE(parse({"d", "c//m", "c", "/any/thing/"}).ok());
  EXPECT_TRUE(FailsWith(parse({"d", "nokey", "c"}), "has no '/'"));
  EXPECT_TRUE(FailsWith(parse({"d", "c/", "c"}), "empty member"));
  EXPECT_TRUE(FailsWith(parse({"d", "c/m", "a/b"}), "must not contain '/'"));
  EXPECT_TRUE(FailsWith(parse({"d", "c/m", ""}), "must not be empty"));
  EXPECT_TRUE(absl::IsInvalidArgument(parse({"d", "c/m", ""})));
}

TEST(CommandLineTest, HelpWinsBeforeDoubleDashOnly) {
  EXPECT_TRUE(AsksForHelp(std::vector<std::string>{"--bogus", "--help"}));
  EXPECT_TRUE(AsksForHelp(std::vector<std::string>{"-h"}));
  EXPECT_FALSE(AsksForHelp(std::vector<std::string>{"dir", "--", "--help"}));
}

// ---------------------------------------------------------------------------
// Text for people

TEST(TextTest, ProgressLine) {
  EXPECT_EQ(RenderProgress("dump", 50, 200, ProgressUnit::kRecords, 20),
            "dump [#####...............]  25% 50/200 records");
  EXPECT_EQ(RenderProgress("load", 7, 0, ProgressUnit::kRecords, 20),
            "load 7 records");
  EXPECT_EQ(RenderProgress("copy", 3 << 20, 3 << 20, ProgressUnit::kBytes, 4),
            "copy [####] 100% 3.0 MiB/3.0 MiB");
}

TEST(TextTest, BytesCountsAndNames) {
  EXPECT_EQ(FormatBytes(0), "0 B");
  EXPECT_EQ(FormatBytes(1023), "1023 B");
  EXPECT_EQ(FormatBytes(1536), "1.5 KiB");
  EXPECT_EQ(Count(1, "key"), "1 key");
  EXPECT_EQ(Count(0, "key"), "0 keys");
  EXPECT_EQ(DisplayName("artist"), "artist");
  EXPECT_EQ(DisplayName("日本"), "日本");
  EXPECT_EQ(DisplayName("a b"), "\"a b\"");
  EXPECT_EQ(DisplayName(Bytes({0xFF})), "\"\\xff\"");
}

}  // namespace
}  // namespace dskv::tool
