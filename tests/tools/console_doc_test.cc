// The parser of the ```console blocks that http_docs_test and resp_docs_test
// run (console_doc.h): commands, their output, and mistakes by line.

#include "tests/tools/console_doc.h"

#include <string>
#include <string_view>

#include "gtest/gtest.h"

namespace dskv_test {
namespace {

std::string AnyCommand(std::string_view) { return ""; }

std::string NoRm(std::string_view command) {
  return command.starts_with("rm ") ? "no rm here" : "";
}

TEST(ParseConsoleBlocksTest, CommandsAndTheirOutput) {
  const ConsolePage parsed = ParseConsoleBlocks(
      "# Title\n"
      "```sh\n"
      "$ not run\n"
      "```\n"
      "```console\n"
      "$ printf 'a\\n\\nb\\n'\n"
      "a\n"
      "\n"
      "b\n"
      "$ true\n"
      "```\n"
      "````console title\n"
      "$ curl -s http://127.0.0.1:3000/k\n"
      "```\n"
      "v\n"
      "````\n",
      &AnyCommand);
  ASSERT_EQ(parsed.error, "");
  EXPECT_EQ(parsed.blocks, 2);
  ASSERT_EQ(parsed.examples.size(), 3u);
  EXPECT_EQ(parsed.examples[0].line, 6);
  EXPECT_EQ(parsed.examples[0].command, "printf 'a\\n\\nb\\n'");
  EXPECT_EQ(parsed.examples[0].expected, "a\n\nb\n");
  EXPECT_EQ(parsed.examples[1].line, 10);
  EXPECT_EQ(parsed.examples[1].expected, "");
  EXPECT_EQ(parsed.examples[2].command, "curl -s http://127.0.0.1:3000/k");
  EXPECT_EQ(parsed.examples[2].expected, "```\nv\n");
}

TEST(ParseConsoleBlocksTest, MistakesNameTheirLine) {
  const struct {
    std::string_view page;
    std::string_view error;
  } cases[] = {
      {"text\n```console\nhello\n```\n",
       "3: output before the block's first \"$ \" command"},
      {"```console\n$ true\n$\n```\n", "3: an empty command"},
      {"```console\n$  \n```\n", "2: an empty command"},
      {"\n```console\n```\n", "2: a console block without a command"},
      {"```console\n$ true\n", "1: the block is never closed"},
      {"```console\n$ curl \\\n  -s x\n```\n",
       "2: a command is one line: no \\ at its end"},
      {"- item\n\n  ```console\n  $ true\n  ```\n",
       "3: a ```console fence must not be indented"},
      // The page's own rule, in console blocks only.
      {"```sh\n$ rm -r x\n```\n```console\n$ true\n$ rm -r x\n```\n",
       "6: no rm here"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(ParseConsoleBlocks(c.page, &NoRm).error, c.error) << c.page;
  }
}

TEST(ReplaceAllTest, EveryOccurrenceOnce) {
  EXPECT_EQ(ReplaceAll("-p 1 x -p 1", "-p 1", "-p 12"), "-p 12 x -p 12");
  EXPECT_EQ(ReplaceAll("aaa", "a", "aa"), "aaaaaa");
  EXPECT_EQ(ReplaceAll("", "a", "b"), "");
}

}  // namespace
}  // namespace dskv_test
