// Runs the examples of docs/resp.md: every ```console block, top to bottom,
// as one shell session against one `dskv serve --resp`, and checks that each
// command prints exactly what the page says it prints (the format:
// console_doc.h, and the comment at the top of docs/resp.md).
//
// For this page:
// - Commands reach the server as `redis-cli -p 6379`, which is replaced with
//   the port of the server the test started; a command may reach no other
//   server (redis-cli's default port is 6379 too, where a real Redis may
//   listen).
// - The server is started as
//     dskv serve --listen=127.0.0.1:0 --resp=0 STORE
//   on an empty store.

#include <string>
#include <string_view>

#include "gtest/gtest.h"
#include "tests/temp_dir.h"
#include "tests/tools/console_doc.h"
#include "tests/tools/resp_test_util.h"

namespace dskv_test {
namespace {

// The page, relative to the runfiles root of the workspace.
constexpr std::string_view kDocPath = "docs/resp.md";
// How the page's commands reach the server.
constexpr std::string_view kDocClient = "redis-cli -p 6379";

// Every redis-cli must be kDocClient, and nothing else may name a server:
// no other Redis tool, host, socket, URL or port 6379.
std::string CheckCommand(std::string_view command) {
  const std::string others = ReplaceAll(std::string(command) + " ",
                                        std::string(kDocClient) + " ", " ");
  for (const std::string_view server :
       {"redis-", "6379", "://", "localhost", " -h ", " -u ", " -s "}) {
    if (others.find(server) != std::string::npos) {
      return "a command may reach no server but as " + std::string(kDocClient) +
             " ...";
    }
  }
  return "";
}

TEST(CheckCommandTest, OnlyThePagesClient) {
  EXPECT_EQ(CheckCommand("redis-cli -p 6379 GET k"), "");
  EXPECT_EQ(CheckCommand("redis-cli -p 6379 --scan"), "");
  EXPECT_EQ(CheckCommand("printf 'PING\\n' | redis-cli -p 6379"), "");
  for (const std::string_view wrong : {
           "redis-cli GET k",           // Port 6379 of the machine.
           "redis-cli -p 63790 GET k",  // Another port.
           "redis-cli -p 6379 -h example.com GET k",
           "redis-cli -p 6379 -s /tmp/redis.sock GET k",
           "redis-cli -u redis://127.0.0.1:6379 GET k",
           "redis-benchmark -q -n 10",
           "redis-cli -p 6379 GET k; redis-cli PING",
       }) {
    EXPECT_EQ(CheckCommand(wrong),
              "a command may reach no server but as redis-cli -p 6379 ...")
        << wrong;
  }
}

class RespDocsTest : public TempDirTest {};

TEST_F(RespDocsTest, ConsoleBlocksPrintWhatTheyShow) {
  ConsolePage page;
  ASSERT_NO_FATAL_FAILURE(LoadConsolePage(kDocPath, &CheckCommand, &page));

  RespServerProcess server;
  ASSERT_NO_FATAL_FAILURE(
      server.Start(dir() + "/store", {}, dir() + "/server.stderr"));
  RunConsoleExamples(page, kDocPath, kDocClient,
                     "redis-cli -p " + std::to_string(server.port()), dir());

  // The server outlived the session, and stops cleanly.
  EXPECT_EQ(server.Stop(), 0) << "stderr: " << server.Stderr();
}

}  // namespace
}  // namespace dskv_test
