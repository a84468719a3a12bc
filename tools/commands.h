// The dskv tool's commands, one function per command, each defined in the
// file of its group. main.cc lists them.

#ifndef DSKV_TOOLS_COMMANDS_H_
#define DSKV_TOOLS_COMMANDS_H_

#include <string_view>

#include "tools/command.h"

namespace dskv::tool {

// Help text shared by the commands it applies to.
inline constexpr std::string_view kReadOnlyNote =
    "Opens the store read-only and takes no lock: it works while another\n"
    "process has the store open, and then shows what that process had\n"
    "written to the files when this command started (changes it still holds\n"
    "in memory are not seen).\n";
inline constexpr std::string_view kWriteNote =
    "Takes the store's lock: fails, naming the process, while another process\n"
    "has the store open. Every change is flushed to disk before it exits.\n";

// tools/read_commands.cc
Command LsCommand();
Command GetCommand();
Command StatsCommand();

// tools/scan_command.cc
Command ScanCommand();

// tools/write_commands.cc
Command PutCommand();
Command DelCommand();
Command DeleteAllCommand();

// tools/dump_command.cc and tools/load_command.cc
Command DumpCommand();
Command LoadCommand();

// tools/verify_command.cc, tools/repair_command.cc, tools/compact_command.cc
Command VerifyCommand();
Command RepairCommand();
Command CompactCommand();

// tools/checkpoint_command.cc
Command CheckpointCommand();

// tools/bench_command.cc
Command BenchCommand();

// tools/serve_command.cc
Command ServeCommand();

}  // namespace dskv::tool

#endif  // DSKV_TOOLS_COMMANDS_H_
