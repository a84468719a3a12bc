// Runs the examples of docs/http.md: every ```console block, top to bottom,
// as one shell session against one `dskv serve`, and checks that each
// command prints exactly what the page says it prints (the format:
// console_doc.h, and the comment at the top of docs/http.md).
//
// For this page:
// - Commands reach the server as http://127.0.0.1:3000, which is replaced
//   with the URL of the server the test started; a command may name no
//   other URL.
// - The server is started as
//     dskv serve --listen=127.0.0.1:0 --max-value-size=1048576 STORE
//   on an empty store (kServerFlag).

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "gtest/gtest.h"
#include "tests/temp_dir.h"
#include "tests/tools/console_doc.h"
#include "tests/tools/serve_test_util.h"

namespace dskv_test {
namespace {

// The page, relative to the runfiles root of the workspace.
constexpr std::string_view kDocPath = "docs/http.md";
// The server's URL as the page writes it.
constexpr std::string_view kDocUrl = "http://127.0.0.1:3000";
// The flag the page's examples assume (besides --listen): a small limit, for
// the 413 example. Keep in step with the comment at the top of docs/http.md.
constexpr std::string_view kServerFlag = "--max-value-size=1048576";

// A command may name no URL but kDocUrl, so that it reaches no server but
// the test's.
std::string CheckCommand(std::string_view command) {
  const std::string others = ReplaceAll(std::string(command), kDocUrl, "");
  if (others.find("://") != std::string::npos ||
      others.find("localhost") != std::string::npos) {
    return "a command may name no URL but " + std::string(kDocUrl) + "/...";
  }
  return "";
}

TEST(CheckCommandTest, OnlyThePagesUrl) {
  EXPECT_EQ(CheckCommand("curl -s http://127.0.0.1:3000/k"), "");
  EXPECT_EQ(CheckCommand("curl -s https://example.com/"),
            "a command may name no URL but http://127.0.0.1:3000/...");
  EXPECT_EQ(CheckCommand("curl -s http://localhost:3000/"),
            "a command may name no URL but http://127.0.0.1:3000/...");
}

class HttpDocsTest : public TempDirTest {};

TEST_F(HttpDocsTest, ConsoleBlocksPrintWhatTheyShow) {
  ConsolePage page;
  ASSERT_NO_FATAL_FAILURE(LoadConsolePage(kDocPath, &CheckCommand, &page));

  ServerProcess server;
  ASSERT_NO_FATAL_FAILURE(server.Start(
      dir() + "/store", {std::string(kServerFlag)}, dir() + "/server.stderr"));
  RunConsoleExamples(page, kDocPath, kDocUrl, server.Url(""), dir());

  // The server outlived the session, and stops cleanly.
  const std::optional<int> exited = server.Wait(std::chrono::milliseconds(0));
  ASSERT_FALSE(exited.has_value()) << "dskv serve ended during the examples ("
                                   << DescribeWaitStatus(exited.value_or(0))
                                   << "); stderr: " << server.Stderr();
  EXPECT_EQ(server.Stop(), 0) << "stderr: " << server.Stderr();
}

}  // namespace
}  // namespace dskv_test
