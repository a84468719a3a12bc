// For tests that run the examples of a Markdown page (docs/http.md,
// docs/resp.md): every ```console block, top to bottom, as one shell
// session against one server the test started, each command checked to
// print exactly what the page says it prints.
//
// The format (each page repeats it in a comment at its top):
//
// - A console block opens with a line "```console" (at column 0; anything
//   after the word is ignored) and closes with a line of backticks only.
//   Blocks of other languages (```sh) are skipped: that is how a page shows
//   a command that must not run, such as starting the server.
// - In a console block, a line starting with "$ " is a command: one line,
//   run with `sh -c` in the session's working directory. The lines after it,
//   up to the next "$ " line or the end of the block, are its expected
//   stdout, each ending in a newline; no lines: it prints nothing. Every
//   command must exit 0. Its stderr is not compared (it is shown when the
//   command fails).
// - Commands name the server by an address the page fixes (the test's
//   CommandCheck refuses any other), which is replaced, in commands and in
//   expected output, with the address of the server the test started.
//   Before comparing, a "\r" just before a "\n" of the stdout is dropped:
//   HTTP header lines and Redis's INFO end lines in "\r\n", which a terminal
//   shows as a line end.
// - The session: one empty working directory shared by every block of the
//   page, and an empty HOME, so that no .curlrc or .redisclirc changes the
//   clients; curl reaches no host but 127.0.0.1 (the others go to a proxy
//   that is not there).
//
// A mistake in the format fails the test with the line of the page; so does
// a page without a console block, so that the test cannot pass vacuously.

#ifndef DSKV_TESTS_TOOLS_CONSOLE_DOC_H_
#define DSKV_TESTS_TOOLS_CONSOLE_DOC_H_

#include <string>
#include <string_view>
#include <vector>

namespace dskv_test {

// A command of a page and what it must print.
struct ConsoleExample {
  int line = 0;          // The line of the page holding the command.
  std::string command;   // Without the "$ ".
  std::string expected;  // Its stdout; every line ends in '\n'.
};

// The examples of a page, or what is wrong with its format.
struct ConsolePage {
  std::vector<ConsoleExample> examples;  // In the order of the page.
  int blocks = 0;                        // Console blocks.
  std::string error;                     // "LINE: message" for a mistake.
};

// What is wrong with a command of the page ("" if nothing): the page's own
// rule, such as which server address it may name.
using CommandCheck = std::string (*)(std::string_view command);

// Replaces every `from` in `text` with `to`.
std::string ReplaceAll(std::string text, std::string_view from,
                       std::string_view to);

// Parses the console blocks of the Markdown `page` (the rules at the top),
// `check` judging each command.
ConsolePage ParseConsoleBlocks(std::string_view page, CommandCheck check);

// Reads the page `doc_path` (relative to the workspace's runfiles root, so
// the test lists it in its data) and parses it into `*page`. Fails the test
// (fatally) if it cannot be read, has a mistake, or has no console block.
void LoadConsolePage(std::string_view doc_path, CommandCheck check,
                     ConsolePage* page);

// Runs the examples of `page` (read from `doc_path`) as one session in a
// working directory and a HOME it makes under `dir`, with `doc_address`
// replaced by `address`; adds a test failure, with the page's line, for
// every command that fails or prints anything else than it should.
void RunConsoleExamples(const ConsolePage& page, std::string_view doc_path,
                        std::string_view doc_address, std::string_view address,
                        const std::string& dir);

}  // namespace dskv_test

#endif  // DSKV_TESTS_TOOLS_CONSOLE_DOC_H_
