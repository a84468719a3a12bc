// What a subcommand of the dskv tool is: its help text, the flags and
// arguments it takes, and the function that runs it. main.cc parses the
// command line against this description, so every command gets the same
// conventions (--help, "--" ending the flags, usage errors exiting with 2)
// without parsing anything itself.

#ifndef DSKV_TOOLS_COMMAND_H_
#define DSKV_TOOLS_COMMAND_H_

#include <cstddef>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace dskv::tool {

// A flag a command accepts: a switch "--name", or "--name=VALUE".
struct FlagSpec {
  std::string_view name;  // Without the leading "--".
  bool takes_value = false;
};

// --json: machine-readable output, for the commands that offer it.
inline constexpr FlagSpec kJsonFlag{"json"};

// What an argument that is not a flag must be. Keys and collection names are
// checked by the library's rules (dskv/key.h) while the command line is
// parsed, so that a malformed one is a usage error in every command alike,
// and is found before a store is opened (or created, by put).
enum class ArgKind {
  kAny,         // A store directory, a value, a file: anything.
  kKey,         // "collection/member", as dskv::ParseKey takes it.
  kCollection,  // A collection name, as dskv::ValidateCollection takes it.
};

// A command line parsed against its command's description.
class Invocation {
 public:
  Invocation(std::string_view command, std::vector<std::string> args,
             std::map<std::string, std::string, std::less<>> flags)
      : command_(command), args_(std::move(args)), flags_(std::move(flags)) {}

  // The command's name, e.g. "get".
  std::string_view command() const { return command_; }
  // The arguments that are not flags, in order. For commands that take a
  // store, the first is STORE_DIR.
  const std::vector<std::string>& args() const { return args_; }
  const std::string& store_dir() const { return args_.front(); }

  // Whether the flag `name` was given.
  bool Has(std::string_view name) const { return flags_.contains(name); }
  // The value of --`name`=VALUE, if it was given.
  std::optional<std::string> Value(std::string_view name) const;
  bool json() const { return Has(kJsonFlag.name); }

 private:
  std::string command_;
  std::vector<std::string> args_;
  std::map<std::string, std::string, std::less<>> flags_;
};

struct Command {
  std::string name = {};
  // One line for the command list of `dskv --help`.
  std::string summary = {};
  // The command line, after "dskv ", e.g. "get [--json] STORE_DIR KEY".
  std::string synopsis = {};
  // The rest of the help: what the command does, its flags, whether it
  // takes the store's lock. Ends with a newline.
  std::string description = {};
  // Besides --help, which every command takes.
  std::vector<FlagSpec> flags = {};
  std::size_t min_args = 1;  // Arguments that are not flags.
  std::size_t max_args = 1;
  // The kind of each argument, by position; those past its end are kAny.
  std::vector<ArgKind> arg_kinds = {};

  // Rules about the arguments that flags and counts cannot express (put
  // takes its value in exactly one of three ways). Its errors are usage
  // errors. Optional.
  absl::Status (*check)(const Invocation& invocation) = nullptr;
  // Runs the command. An error is printed as "dskv NAME: message" on
  // stderr, and the command exits with exit_code_for(error), or with
  // kExitFailure if exit_code_for is null.
  absl::Status (*run)(const Invocation& invocation) = nullptr;
  int (*exit_code_for)(const absl::Status& error) = nullptr;
  // Instead of `run`, for a command that parses its own flags (bench): runs
  // it on the raw arguments, argv[0] being the command's name, and returns
  // the exit code.
  int (*run_raw)(int argc, char** argv) = nullptr;

  // The full help text.
  std::string Usage() const;
};

// Whether `args` (what follows the command's name) asks for help: "--help"
// or "-h" anywhere before "--", whatever else is there.
bool AsksForHelp(std::span<const std::string> args);

// Parses `args` (what follows the command's name) against `command`; ask
// AsksForHelp first. Flags start with "--" and may come anywhere; "--" ends
// them, so that a key or value starting with "--" can be given.
// InvalidArgument for an unknown, repeated or malformed flag, a wrong number
// of arguments, or an argument of the wrong kind (then with the library's
// message, as the library would reject it).
absl::StatusOr<Invocation> ParseCommandLine(const Command& command,
                                            std::span<const std::string> args);

}  // namespace dskv::tool

#endif  // DSKV_TOOLS_COMMAND_H_
