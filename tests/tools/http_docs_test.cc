// Runs the examples of docs/http.md: every ```console block, top to bottom,
// as one shell session against one `dskv serve`, and checks that each
// command prints exactly what the page says it prints.
//
// The format (also described in the comment at the top of docs/http.md):
//
// - A console block opens with a line "```console" (at column 0; anything
//   after the word is ignored) and closes with a line of backticks only.
//   Blocks of other languages are skipped.
// - In a console block, a line starting with "$ " is a command: one line,
//   run with `sh -c` in the session's working directory. The lines after it,
//   up to the next "$ " line or the end of the block, are its expected
//   stdout, each ending in a newline; no lines: it prints nothing. Every
//   command must exit 0. Its stderr is not compared (it is shown when the
//   command fails).
// - Commands reach the server as http://127.0.0.1:3000, which is replaced,
//   in commands and in expected output, with the URL of the server the test
//   started; a command may name no other URL. Before comparing, a "\r" just
//   before a "\n" of the stdout is dropped: HTTP header lines (curl -I,
//   curl -D -) end in "\r\n", which a terminal shows as a line end.
// - The session: one server, started as
//     dskv serve --listen=127.0.0.1:0 --max-value-size=1048576 STORE
//   on an empty store (kServerFlag), and one empty working directory,
//   shared by every block of the page. curl reads no .curlrc, and reaches
//   no host but 127.0.0.1 (the others go to a proxy that is not there).
//
// A mistake in the format fails the test with the line of the page; so does
// a page without a console block, so that the test cannot pass vacuously.

#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "gtest/gtest.h"
#include "tests/temp_dir.h"
#include "tests/tools/serve_test_util.h"

extern char** environ;

namespace dskv_test {
namespace {

// The page, relative to the runfiles root of the workspace.
constexpr std::string_view kDocPath = "docs/http.md";
// The server's URL as the page writes it.
constexpr std::string_view kDocUrl = "http://127.0.0.1:3000";
// The flag the page's examples assume (besides --listen): a small limit, for
// the 413 example. Keep in step with the comment at the top of docs/http.md.
constexpr std::string_view kServerFlag = "--max-value-size=1048576";
// The longest one command may take; only reached if it hangs.
constexpr std::chrono::seconds kCommandTimeout{30};

// A command of the page and what it must print.
struct Example {
  int line = 0;          // The line of the page holding the command.
  std::string command;   // Without the "$ ".
  std::string expected;  // Its stdout; every line ends in '\n'.
};

// The examples of a page, or what is wrong with its format.
struct Parsed {
  std::vector<Example> examples;  // In the order of the page.
  int blocks = 0;                 // Console blocks.
  std::string error;              // "LINE: message" for a mistake.
};

// Replaces every `from` in `text` with `to`.
std::string ReplaceAll(std::string text, std::string_view from,
                       std::string_view to) {
  for (std::size_t at = 0; (at = text.find(from, at)) != std::string::npos;
       at += to.size()) {
    text.replace(at, from.size(), to);
  }
  return text;
}

// Parses the console blocks of the Markdown `page` (the rules at the top).
Parsed ParseConsoleBlocks(std::string_view page) {
  Parsed parsed;
  auto fail = [&parsed](int line, std::string_view message) {
    parsed.error = std::to_string(line) + ": " + std::string(message);
    return parsed;
  };
  // Inside a fenced block: the backticks that opened it (empty outside), its
  // line, whether it is a console block, and the examples before it.
  std::string fence;
  int fence_line = 0;
  bool console = false;
  std::size_t examples_before = 0;
  for (int number = 1; !page.empty(); ++number) {
    const std::size_t end = std::min(page.find('\n'), page.size());
    std::string_view line = page.substr(0, end);
    page.remove_prefix(std::min(end + 1, page.size()));
    if (line.ends_with('\r')) line.remove_suffix(1);

    // A fence: up to 3 spaces, then 3 or more backticks (as in CommonMark).
    const std::size_t indent =
        std::min(line.find_first_not_of(' '), line.size());
    const std::string_view text = line.substr(indent);
    const std::size_t ticks =
        std::min(text.find_first_not_of('`'), text.size());
    const bool is_fence = indent <= 3 && ticks >= 3;

    if (fence.empty()) {  // Outside blocks, only an opening fence matters.
      if (!is_fence) continue;
      fence = text.substr(0, ticks);
      fence_line = number;
      const std::string_view info = text.substr(ticks);
      console = info.substr(0, info.find_first_of(" \t")) == "console";
      examples_before = parsed.examples.size();
      if (!console) continue;
      if (indent != 0)
        return fail(number, "a ```console fence must not be indented");
      ++parsed.blocks;
      continue;
    }
    if (is_fence && ticks >= fence.size() &&
        text.find_first_not_of("` \t") == std::string_view::npos) {
      if (console && parsed.examples.size() == examples_before) {
        return fail(fence_line, "a console block without a command");
      }
      fence.clear();
      continue;
    }
    if (!console) continue;

    if (line == "$") return fail(number, "an empty command");
    if (line.starts_with("$ ")) {
      Example example{number, std::string(line.substr(2)), ""};
      if (example.command.find_first_not_of(" \t") == std::string::npos) {
        return fail(number, "an empty command");
      }
      if (example.command.ends_with('\\')) {
        return fail(number, "a command is one line: no \\ at its end");
      }
      const std::string others = ReplaceAll(example.command, kDocUrl, "");
      if (others.find("://") != std::string::npos ||
          others.find("localhost") != std::string::npos) {
        return fail(number, "a command may name no URL but " +
                                std::string(kDocUrl) + "/...");
      }
      parsed.examples.push_back(std::move(example));
      continue;
    }
    if (parsed.examples.size() == examples_before) {
      return fail(number, "output before the block's first \"$ \" command");
    }
    parsed.examples.back().expected.append(line).append("\n");
  }
  if (!fence.empty()) return fail(fence_line, "the block is never closed");
  return parsed;
}

// `text` line by line, indented, C-escaped, for a failure message.
std::string Quoted(std::string_view text) {
  if (text.empty()) return "  (nothing)\n";
  std::string out;
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    out += "  | " + Printable(text.substr(0, end), 1000) + "\n";
    if (end == std::string_view::npos) {
      out += "  (no newline at the end: add -w '\\n' or ; echo)\n";
      break;
    }
    text.remove_prefix(end + 1);
  }
  return out;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

// What a command did.
struct CommandRun {
  std::string out;      // Its stdout,
  std::string err;      // and its stderr.
  std::string failure;  // Empty if it exited 0 in time; else what happened.
};

// The environment for the commands: ours, with HOME and curl's config
// directories in `home`, so that no .curlrc changes curl, and proxies that
// keep curl on 127.0.0.1: every other host goes to a proxy at 127.0.0.1:1,
// where nothing listens.
std::vector<std::string> CommandEnvironment(const std::string& home) {
  std::vector<std::string> env;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string_view var = *entry;
    const std::string name(var.substr(0, var.find('=')));
    std::string lower = name;
    for (char& c : lower) {
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    if (lower.ends_with("_proxy") || name == "HOME" || name == "CURL_HOME" ||
        name == "XDG_CONFIG_HOME") {
      continue;
    }
    env.emplace_back(var);
  }
  env.push_back("all_proxy=http://127.0.0.1:1");
  env.push_back("no_proxy=127.0.0.1");
  env.push_back("HOME=" + home);
  env.push_back("CURL_HOME=" + home);
  env.push_back("XDG_CONFIG_HOME=" + home);
  return env;
}

// Runs `sh -c command` in `work_dir` with `env`, its stdout read through a
// pipe and its stderr going to `stderr_path`. Kills it (its process group)
// if it does not finish within kCommandTimeout.
CommandRun RunShell(const std::string& command, const std::string& work_dir,
                    const std::vector<std::string>& env,
                    const std::string& stderr_path) {
  CommandRun run;
  // Its own process group, so that a timeout kills curl too.
  const std::optional<SpawnedChild> child = SpawnWithStdoutPipe(
      {"/bin/sh", "-c", command}, stderr_path,
      {.env = env, .work_dir = work_dir, .own_process_group = true},
      &run.failure);
  if (!child.has_value()) return run;
  const pid_t pid = child->pid;
  const int out = child->stdout_fd;

  // Its stdout up to the end (every writer gone), or the deadline.
  const auto deadline = std::chrono::steady_clock::now() + kCommandTimeout;
  bool timed_out = false;
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd p{out, POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) {
      run.failure = std::string("poll: ") + std::strerror(errno);
      break;
    }
    if (ready == 0) continue;
    char bytes[65536];
    const ssize_t n = ::read(out, bytes, sizeof bytes);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    run.out.append(bytes, static_cast<std::size_t>(n));
  }
  ::close(out);
  if (timed_out) ::kill(-pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  run.err = ReadFile(stderr_path);
  if (timed_out) {
    run.failure = "did not finish within " +
                  std::to_string(kCommandTimeout.count()) + " s; killed";
  } else if (run.failure.empty() &&
             !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
    run.failure = DescribeWaitStatus(status);
  }
  return run;
}

TEST(ParseConsoleBlocksTest, CommandsAndTheirOutput) {
  const Parsed parsed = ParseConsoleBlocks(
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
      "````\n");
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
      {"```console\n$ curl -s https://example.com/\n```\n",
       "2: a command may name no URL but http://127.0.0.1:3000/..."},
      {"```console\n$ curl -s http://localhost:3000/\n```\n",
       "2: a command may name no URL but http://127.0.0.1:3000/..."},
      {"- item\n\n  ```console\n  $ true\n  ```\n",
       "3: a ```console fence must not be indented"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(ParseConsoleBlocks(c.page).error, c.error) << c.page;
  }
}

class HttpDocsTest : public TempDirTest {};

TEST_F(HttpDocsTest, ConsoleBlocksPrintWhatTheyShow) {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const char* workspace = std::getenv("TEST_WORKSPACE");
  ASSERT_TRUE(srcdir != nullptr && workspace != nullptr)
      << "run this test with bazel test: it finds " << kDocPath
      << " through $TEST_SRCDIR";
  const std::string doc_path =
      std::string(srcdir) + "/" + workspace + "/" + std::string(kDocPath);
  std::ifstream in(doc_path, std::ios::binary);
  ASSERT_TRUE(in) << "cannot read " << doc_path;
  std::ostringstream page;
  page << in.rdbuf();

  const Parsed parsed = ParseConsoleBlocks(page.str());
  if (!parsed.error.empty()) {
    FAIL() << kDocPath << ":" << parsed.error
           << " (the format is described at the top of " << kDocPath << ")";
  }
  if (parsed.blocks == 0) {
    FAIL() << kDocPath << " has no ```console block: nothing would be tested";
  }

  const std::string work_dir = dir() + "/work";
  const std::string home = dir() + "/home";
  ASSERT_EQ(::mkdir(work_dir.c_str(), 0755), 0) << std::strerror(errno);
  ASSERT_EQ(::mkdir(home.c_str(), 0755), 0) << std::strerror(errno);
  const std::vector<std::string> env = CommandEnvironment(home);

  ServerProcess server;
  ASSERT_NO_FATAL_FAILURE(server.Start(
      dir() + "/store", {std::string(kServerFlag)}, dir() + "/server.stderr"));
  const std::string url = server.Url("");

  for (const Example& example : parsed.examples) {
    const std::string command = ReplaceAll(example.command, kDocUrl, url);
    const std::string expected = ReplaceAll(example.expected, kDocUrl, url);
    const CommandRun run =
        RunShell(command, work_dir, env, dir() + "/command.stderr");
    const std::string actual = ReplaceAll(run.out, "\r\n", "\n");
    if (run.failure.empty() && actual == expected) continue;
    ADD_FAILURE() << kDocPath << ":" << example.line << ": $ "
                  << example.command << "\n"
                  << (command == example.command ? ""
                                                 : "run as: " + command + "\n")
                  << (run.failure.empty() ? ""
                                          : "failed: " + run.failure + "\n")
                  << "expected stdout:\n"
                  << Quoted(expected) << "actual stdout:\n"
                  << Quoted(actual) << "stderr:\n"
                  << Quoted(run.err);
  }

  std::cout << "ran " << parsed.examples.size() << " commands of "
            << parsed.blocks << " console blocks of " << kDocPath << "\n";

  // The server outlived the session, and stops cleanly.
  const std::optional<int> exited = server.Wait(std::chrono::milliseconds(0));
  ASSERT_FALSE(exited.has_value()) << "dskv serve ended during the examples ("
                                   << DescribeWaitStatus(exited.value_or(0))
                                   << "); stderr: " << server.Stderr();
  EXPECT_EQ(server.Stop(), 0) << "stderr: " << server.Stderr();
}

}  // namespace
}  // namespace dskv_test
