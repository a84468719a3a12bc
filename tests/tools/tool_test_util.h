// For tests that drive the dskv tool (//tools:dskv) end to end: running it
// as a child process (arguments in; stdout, stderr and exit code out), and
// reading and writing the files of the stores it works on.

#ifndef DSKV_TESTS_TOOLS_TOOL_TEST_UTIL_H_
#define DSKV_TESTS_TOOLS_TOOL_TEST_UTIL_H_

#include <map>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace dskv_test {

struct ToolRun {
  int exit_code = -1;  // -1 if the tool did not exit normally.
  std::string out;     // Everything it wrote to stdout,
  std::string err;     // and to stderr.
};

// For failure messages: the exit code and both streams.
std::ostream& operator<<(std::ostream& os, const ToolRun& run);

// The path of the dskv tool in the test's runfiles.
std::string ToolPath();

// Runs `dskv args...` with `input` on its stdin and waits for it. The tool
// is found in the test's runfiles ($TEST_SRCDIR), so the test must list
// //tools:dskv in its data. Fails the test (gtest) if it cannot be started
// or does not finish within a minute.
ToolRun RunDskv(const std::vector<std::string>& args,
                std::string_view input = "");

// As RunDskv, but with stderr on a pseudo-terminal, as when a person runs
// the tool, so that it shows progress. `err` holds what it wrote there.
ToolRun RunDskvOnTerminal(const std::vector<std::string>& args);

// The bytes of file `path`; fails the test if it cannot be read.
std::string ReadBytes(const std::string& path);
// Replaces the file `path` with `bytes`; fails the test if it cannot.
void WriteBytes(const std::string& path, std::string_view bytes);

// Every regular file in `dir`, by name, with its bytes.
using DirectoryContents = std::map<std::string, std::string>;
DirectoryContents ReadDirectory(const std::string& dir);

// The path of the file of `collection` in the store `dir`.
std::string CollectionFilePath(const std::string& dir,
                               std::string_view collection);

}  // namespace dskv_test

#endif  // DSKV_TESTS_TOOLS_TOOL_TEST_UTIL_H_
