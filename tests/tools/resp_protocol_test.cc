// RespParser and the reply writer: commands whole, in pieces, pipelined,
// inline, and malformed.

#include "tools/resp_protocol.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace dskv::tool {
namespace {

using Result = RespParser::Result;
using std::string_literals::operator""s;

std::vector<std::string> Args(const RespParser& parser) {
  return std::vector<std::string>(parser.args().begin(), parser.args().end());
}

using Strings = std::vector<std::string>;

// Parses every command of `input`, fed one byte more at a time as a
// server that reads byte by byte would (the bytes parsed so far dropped
// from the front); stops at an error.
std::vector<Strings> ParseByteByByte(RespParser& parser, std::string_view input,
                                     Result* last = nullptr) {
  std::vector<Strings> commands;
  std::size_t start = 0;
  for (std::size_t end = 1; end <= input.size(); ++end) {
    while (true) {
      std::size_t consumed = 0;
      const Result result =
          parser.Parse(input.substr(start, end - start), &consumed);
      start += consumed;
      if (last != nullptr) *last = result;
      if (result == Result::kError) return commands;
      if (result == Result::kNeedMore) break;
      commands.push_back(Args(parser));
    }
  }
  return commands;
}

TEST(RespParserTest, ArrayCommand) {
  RespParser parser;
  const std::string input = "*3\r\n$3\r\nSET\r\n$1\r\na\r\n$0\r\n\r\n";
  std::size_t consumed = 0;
  ASSERT_EQ(parser.Parse(input, &consumed), Result::kCommand);
  EXPECT_EQ(consumed, input.size());
  EXPECT_EQ(Args(parser), (Strings{"SET", "a", ""}));
  // The arguments point into the input: nothing was copied.
  EXPECT_EQ(parser.args()[0].data(), input.data() + 8);
}

TEST(RespParserTest, BinaryArguments) {
  RespParser parser;
  const std::string value("a\r\n\0b", 5);
  const std::string input = "*2\r\n$3\r\nGET\r\n$5\r\n" + value + "\r\n";
  std::size_t consumed = 0;
  ASSERT_EQ(parser.Parse(input, &consumed), Result::kCommand);
  EXPECT_EQ(Args(parser), (Strings{"GET", value}));
}

TEST(RespParserTest, EveryFragmentation) {
  const std::string input =
      "*2\r\n$4\r\nPING\r\n$5\r\nhello\r\n"
      "GET \"a b\" c\r\n"
      "*1\r\n$4\r\nPING\r\n";
  RespParser parser;
  Result last;
  EXPECT_EQ(
      ParseByteByByte(parser, input, &last),
      (std::vector<Strings>{{"PING", "hello"}, {"GET", "a b", "c"}, {"PING"}}));
  EXPECT_EQ(last, Result::kNeedMore);
}

TEST(RespParserTest, PipelinedCommandsOneAfterAnother) {
  std::string input;
  for (int i = 0; i < 100; ++i) {
    const std::string key = "k" + std::to_string(i);
    input += "*2\r\n$3\r\nGET\r\n$" + std::to_string(key.size()) + "\r\n" +
             key + "\r\n";
  }
  RespParser parser;
  std::string_view rest = input;
  for (int i = 0; i < 100; ++i) {
    std::size_t consumed = 0;
    ASSERT_EQ(parser.Parse(rest, &consumed), Result::kCommand);
    EXPECT_EQ(Args(parser), (Strings{"GET", "k" + std::to_string(i)}));
    rest.remove_prefix(consumed);
  }
  std::size_t consumed = 0;
  EXPECT_EQ(parser.Parse(rest, &consumed), Result::kNeedMore);
}

TEST(RespParserTest, NeededNamesTheWholeBulk) {
  RespParser parser;
  std::size_t consumed = 0;
  ASSERT_EQ(parser.Parse("*2\r\n$3\r\nSET\r\n$1000\r\nab", &consumed),
            Result::kNeedMore);
  EXPECT_EQ(consumed, 0u);
  EXPECT_EQ(parser.needed(), 4 + 9 + 7 + 1000 + 2u);
}

TEST(RespParserTest, InlineCommands) {
  RespParser parser;
  EXPECT_EQ(ParseByteByByte(parser,
                            "SET a  b\r\n"
                            "\r\n"
                            "  \n"
                            "ECHO \"x\\ty\\x41\\\"\" 'it\\'s' \"\"\n"
                            "set k\"v w\"\n"),
            (std::vector<Strings>{{"SET", "a", "b"},
                                  {"ECHO", "x\tyA\"", "it's", ""},
                                  {"set", "kv w"}}));
}

TEST(RespParserTest, EmptyArraysAreSkipped) {
  RespParser parser;
  std::size_t consumed = 0;
  ASSERT_EQ(parser.Parse("*0\r\n*-1\r\n*1\r\n$4\r\nPING\r\n", &consumed),
            Result::kCommand);
  EXPECT_EQ(consumed, 23u);
  EXPECT_EQ(Args(parser), (Strings{"PING"}));
}

struct Malformed {
  std::string input;
  std::string error;
};

TEST(RespParserTest, ProtocolErrors) {
  RespParser::Limits limits;
  limits.max_bulk = 100;
  limits.max_args = 10;
  limits.max_inline = 64;
  for (const Malformed& m : std::vector<Malformed>{
           {"*2\r\n$3\r\nGET\r\n+a\r\n",
            "Protocol error: expected '$', got '+'"},
           {"*1\r\n$x\r\nGET\r\n", "Protocol error: invalid bulk length"},
           {"*1\r\n$-1\r\n", "Protocol error: invalid bulk length"},
           {"*1\r\n$101\r\n", "Protocol error: invalid bulk length"},
           {"*11\r\n", "Protocol error: invalid multibulk length"},
           {"*1x\r\n", "Protocol error: invalid multibulk length"},
           {"*\r\n", "Protocol error: invalid multibulk length"},
           {"*1\r\n$3\r\nGETXX",
            "Protocol error: a bulk string must be "
            "followed by \\r\\n"},
           {"GET \"a\n", "Protocol error: unbalanced quotes in request"},
           {"GET \"a\"b\n", "Protocol error: unbalanced quotes in request"},
           {"GET 'a\n", "Protocol error: unbalanced quotes in request"},
           {std::string(65, 'a'), "Protocol error: too big inline request"},
           {"*1" + std::string(70, '1'),
            "Protocol error: too big mbulk count string"},
           {"*1\r\n$1" + std::string(70, '1'),
            "Protocol error: too big bulk count string"},
       }) {
    RespParser parser(limits);
    std::size_t consumed = 0;
    EXPECT_EQ(parser.Parse(m.input, &consumed), Result::kError) << m.input;
    EXPECT_EQ(parser.error(), m.error) << m.input;
    // The same, arriving byte by byte.
    RespParser pieces(limits);
    Result last;
    ParseByteByByte(pieces, m.input, &last);
    EXPECT_EQ(last, Result::kError) << m.input;
    EXPECT_EQ(pieces.error(), m.error) << m.input;
  }
}

TEST(RespParserTest, CommandSizeLimit) {
  RespParser::Limits limits;
  limits.max_command = 50;
  RespParser parser(limits);
  std::size_t consumed = 0;
  EXPECT_EQ(parser.Parse("*2\r\n$3\r\nSET\r\n$40\r\n", &consumed),
            Result::kError);
}

TEST(RespParserTest, SplitInline) {
  std::string storage;
  std::vector<std::string_view> args;
  ASSERT_TRUE(SplitInline("  a \"b c\"  'd' ", &storage, &args));
  EXPECT_EQ(args, (std::vector<std::string_view>{"a", "b c", "d"}));
  ASSERT_TRUE(SplitInline("", &storage, &args));
  EXPECT_TRUE(args.empty());
  EXPECT_FALSE(SplitInline("\"a", &storage, &args));
}

TEST(RespReplyTest, Replies) {
  std::string out;
  resp::Simple(out, "PONG");
  resp::Ok(out);
  resp::Error(out, "ERR two\r\nlines");
  resp::Integer(out, -42);
  resp::Bulk(out, std::string("a\0b", 3));
  resp::NullBulk(out);
  resp::ArrayHeader(out, 2);
  resp::NullArray(out);
  EXPECT_EQ(out,
            "+PONG\r\n+OK\r\n-ERR two  lines\r\n:-42\r\n"
            "$3\r\na\0b\r\n$-1\r\n*2\r\n*-1\r\n"s);
}

}  // namespace
}  // namespace dskv::tool
