// dskv: the operator's command-line tool for dskv stores.
//
//   dskv COMMAND [FLAGS] STORE_DIR [ARGS]
//
// This file finds the command and runs it with the conventions every command
// shares: help on stdout with exit 0, usage errors on stderr with exit 2,
// other errors as "dskv COMMAND: message" with exit 1 (commands.h lists the
// commands; tools/README.md describes them).

#include <fmt/format.h>
#include <unistd.h>

#include <cstdlib>
#include <span>
#include <string>
#include <vector>

#include "tools/command.h"
#include "tools/commands.h"
#include "tools/errors.h"

namespace dskv::tool {
namespace {

std::vector<Command> AllCommands() {
  return {LsCommand(),     GetCommand(),     ScanCommand(),
          PutCommand(),    DelCommand(),     DeleteAllCommand(),
          DumpCommand(),   LoadCommand(),    VerifyCommand(),
          RepairCommand(), CompactCommand(), CheckpointCommand(),
          StatsCommand(),  BenchCommand(),   ServeCommand()};
}

std::string MainUsage(const std::vector<Command>& commands) {
  std::string list;
  for (const Command& command : commands) {
    list += fmt::format("  {:<12}{}\n", command.name, command.summary);
  }
  return fmt::format(
      "Usage: dskv COMMAND [FLAGS] STORE_DIR [ARGS]\n\n"
      "Inspects, changes, checks and repairs a dskv store directory.\n\n"
      "Commands:\n{}\n"
      "'dskv help COMMAND' or 'dskv COMMAND --help' describes a command.\n"
      "ls, get, dump, stats and verify take no lock and may run while\n"
      "another process has the store open; the other commands take the\n"
      "store's lock.\n\n"
      "Exit status: 0 success, 1 failure (verify: problems found), 2 bad\n"
      "usage, a malformed KEY or COLLECTION included. Errors go to stderr as\n"
      "\"dskv COMMAND: message\".\n",
      list);
}

const Command* Find(const std::vector<Command>& commands,
                    std::string_view name) {
  for (const Command& command : commands) {
    if (command.name == name) return &command;
  }
  return nullptr;
}

int UsageFailure(std::string_view prefix, std::string_view message,
                 std::string_view hint) {
  fmt::print(stderr, "{}: {}\n{}\n", prefix, message, hint);
  return kExitUsage;
}

int PrintHelp(std::string_view text) {
  fmt::print("{}", text);
  return std::fflush(stdout) == 0 ? kExitSuccess : kExitFailure;
}

// `dskv help [COMMAND]`.
int Help(const std::vector<Command>& commands,
         std::span<const std::string> args) {
  if (args.empty()) return PrintHelp(MainUsage(commands));
  const Command* command = Find(commands, args[0]);
  if (args.size() > 1 || command == nullptr) {
    return UsageFailure("dskv help",
                        args.size() > 1
                            ? "takes one command name"
                            : fmt::format("no command {:?}", args[0]),
                        "Run 'dskv --help' for the list of commands.");
  }
  return PrintHelp(command->Usage());
}

int RunCommand(const Command& command, int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  // Help is the tool's, for commands that parse their own flags too, so that
  // 'dskv help X' and 'dskv X --help' always agree.
  if (AsksForHelp(args)) return PrintHelp(command.Usage());
  if (command.run_raw != nullptr) return command.run_raw(argc, argv);
  const std::string prefix = fmt::format("dskv {}", command.name);
  absl::StatusOr<Invocation> invocation = ParseCommandLine(command, args);
  absl::Status usage = invocation.status();
  if (invocation.ok() && command.check != nullptr) {
    usage = command.check(*invocation);
  }
  if (!usage.ok()) {
    return UsageFailure(
        prefix, MessageOf(usage),
        fmt::format("Run 'dskv help {}' for usage.", command.name));
  }
  const absl::Status status = command.run(*invocation);
  if (status.ok()) return kExitSuccess;
  fmt::print(stderr, "{}: {}\n", prefix, MessageOf(status));
  return command.exit_code_for != nullptr ? command.exit_code_for(status)
                                          : kExitFailure;
}

int Main(int argc, char** argv) {
  // `bazel run //tools:dskv -- ...` runs the tool in its runfiles tree and
  // names the directory it was invoked from here; relative paths are meant
  // from there.
  if (const char* dir = std::getenv("BUILD_WORKING_DIRECTORY");
      dir != nullptr) {
    if (::chdir(dir) != 0) {
      fmt::print(stderr, "dskv: cannot enter {}\n", dir);
      return kExitFailure;
    }
  }
  const std::vector<Command> commands = AllCommands();
  if (argc < 2) {
    fmt::print(stderr, "{}", MainUsage(commands));
    return kExitUsage;
  }
  const std::string_view name = argv[1];
  if (name == "--help" || name == "-h") return PrintHelp(MainUsage(commands));
  if (name == "help") {
    return Help(commands, std::vector<std::string>(argv + 2, argv + argc));
  }
  const Command* command = Find(commands, name);
  if (command == nullptr) {
    return UsageFailure("dskv",
                        name.starts_with('-')
                            ? fmt::format("unknown flag {}", name)
                            : fmt::format("unknown command {:?}", name),
                        "Run 'dskv --help' for the list of commands.");
  }
  // The command sees its own name as argv[0].
  return RunCommand(*command, argc - 1, argv + 1);
}

}  // namespace
}  // namespace dskv::tool

int main(int argc, char** argv) { return dskv::tool::Main(argc, argv); }
