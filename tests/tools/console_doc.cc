#include "tests/tools/console_doc.h"

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

#include "gtest/gtest.h"
#include "tests/tools/serve_test_util.h"

extern char** environ;

namespace dskv_test {
namespace {

// The longest one command may take; only reached if it hangs.
constexpr std::chrono::seconds kCommandTimeout{30};

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
// directories in `home`, so that no .curlrc or .redisclirc changes the
// clients, no REDISCLI_* variable (REDISCLI_AUTH would send AUTH), and
// proxies that keep curl on 127.0.0.1: every other host goes to a proxy at
// 127.0.0.1:1, where nothing listens.
std::vector<std::string> CommandEnvironment(const std::string& home) {
  std::vector<std::string> env;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string_view var = *entry;
    const std::string name(var.substr(0, var.find('=')));
    std::string lower = name;
    for (char& c : lower) {
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    if (lower.ends_with("_proxy") || name.starts_with("REDISCLI_") ||
        name == "HOME" || name == "CURL_HOME" || name == "XDG_CONFIG_HOME") {
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
CommandRun RunCommand(const std::string& command, const std::string& work_dir,
                      const std::vector<std::string>& env,
                      const std::string& stderr_path) {
  CommandRun run;
  // Its own process group, so that a timeout kills the client (curl,
  // redis-cli) too.
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

}  // namespace

std::string ReplaceAll(std::string text, std::string_view from,
                       std::string_view to) {
  for (std::size_t at = 0; (at = text.find(from, at)) != std::string::npos;
       at += to.size()) {
    text.replace(at, from.size(), to);
  }
  return text;
}

ConsolePage ParseConsoleBlocks(std::string_view page, CommandCheck check) {
  ConsolePage parsed;
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
      ConsoleExample example{number, std::string(line.substr(2)), ""};
      if (example.command.find_first_not_of(" \t") == std::string::npos) {
        return fail(number, "an empty command");
      }
      if (example.command.ends_with('\\')) {
        return fail(number, "a command is one line: no \\ at its end");
      }
      const std::string wrong = check(example.command);
      if (!wrong.empty()) return fail(number, wrong);
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

void LoadConsolePage(std::string_view doc_path, CommandCheck check,
                     ConsolePage* page) {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const char* workspace = std::getenv("TEST_WORKSPACE");
  ASSERT_TRUE(srcdir != nullptr && workspace != nullptr)
      << "run this test with bazel test: it finds " << doc_path
      << " through $TEST_SRCDIR";
  const std::string path =
      std::string(srcdir) + "/" + workspace + "/" + std::string(doc_path);
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(in) << "cannot read " << path;
  std::ostringstream text;
  text << in.rdbuf();

  *page = ParseConsoleBlocks(text.str(), check);
  if (!page->error.empty()) {
    FAIL() << doc_path << ":" << page->error
           << " (the format is described at the top of " << doc_path << ")";
  }
  if (page->blocks == 0) {
    FAIL() << doc_path << " has no ```console block: nothing would be tested";
  }
}

void RunConsoleExamples(const ConsolePage& page, std::string_view doc_path,
                        std::string_view doc_address, std::string_view address,
                        const std::string& dir) {
  const std::string work_dir = dir + "/work";
  const std::string home = dir + "/home";
  ASSERT_EQ(::mkdir(work_dir.c_str(), 0755), 0) << std::strerror(errno);
  ASSERT_EQ(::mkdir(home.c_str(), 0755), 0) << std::strerror(errno);
  const std::vector<std::string> env = CommandEnvironment(home);

  for (const ConsoleExample& example : page.examples) {
    const std::string command =
        ReplaceAll(example.command, doc_address, address);
    const std::string expected =
        ReplaceAll(example.expected, doc_address, address);
    const CommandRun run =
        RunCommand(command, work_dir, env, dir + "/command.stderr");
    const std::string actual = ReplaceAll(run.out, "\r\n", "\n");
    if (run.failure.empty() && actual == expected) continue;
    ADD_FAILURE() << doc_path << ":" << example.line << ": $ "
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

  std::cout << "ran " << page.examples.size() << " commands of " << page.blocks
            << " console blocks of " << doc_path << "\n";
}

}  // namespace dskv_test
