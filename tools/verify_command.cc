// verify: checks every file of a store without opening it (store_check.h).

#include <fmt/format.h>

#include "tools/commands.h"
#include "tools/errors.h"
#include "tools/io.h"
#include "tools/store_check.h"
#include "tools/text.h"

namespace dskv::tool {
namespace {

absl::Status RunVerify(const Invocation& invocation) {
  const std::string& dir = invocation.store_dir();
  absl::StatusOr<StoreCheck> check = CheckStore(dir);
  if (!check.ok()) return check.status();
  if (absl::Status s = WriteStdout(invocation.json() ? CheckJson(*check) + "\n"
                                                     : FormatCheck(*check));
      !s.ok()) {
    return s;
  }
  if (check->healthy()) return absl::OkStatus();
  // The one DataLoss verify returns; see ExitCodeFor.
  return absl::DataLossError(
      fmt::format("{} found in {}; 'dskv repair {}' keeps what is valid",
                  Count(check->problems(), "problem"), dir, dir));
}

// Problems found exit with 1; an error of verify itself (the directory
// cannot be read, stdout cannot be written) with 2, so that a script can tell
// the two apart.
int ExitCodeFor(const absl::Status& error) {
  return absl::IsDataLoss(error) ? kExitFailure : kExitUsage;
}

}  // namespace

Command VerifyCommand() {
  return {
      .name = "verify",
      .summary = "check every file and checksum of a store, changing nothing",
      .synopsis = "verify [--json] STORE_DIR",
      .description =
          "Reads every collection file of the store directly (without opening\n"
          "the store), verifies every checksum, and prints each finding with\n"
          "the file's name, its collection when the header is readable, and\n"
          "the byte offset. Problems (the store would not open):\n\n"
          "  damaged_region       damaged bytes with valid records after them\n"
          "  damaged_header       a file whose header is unreadable\n"
          "  unsupported_version  a file written by a newer dskv\n"
          "  misnamed_file        a file holding another collection's name\n"
          "  unreadable_file      a file that cannot be read\n"
          "  not_regular_file     a symbolic link, FIFO or directory under a\n"
          "                       name the store uses for its own files\n"
          "  damaged_journal      a JOURNAL that fails its checksum\n\n"
          "Notes (the store opens; not counted as problems):\n\n"
          "  torn_tail            a torn last record, what a crash during an\n"
          "                       append leaves; a read-write open cuts it "
          "off\n"
          "  temporary_file       a <hash>.dskv.tmp or JOURNAL.tmp file, a\n"
          "                       rewrite or journal a crash interrupted\n"
          "                       (or one in progress); an open removes it\n"
          "  journal              a JOURNAL: changes of a janitor pass that\n"
          "                       held a batch; the next read-write open\n"
          "                       applies them and removes it\n"
          "  set_aside_file       a .corrupt file set aside by an\n"
          "                       earlier repair\n"
          "  vanished_file        a file removed while verify ran\n"
          "  foreign_file         not a name the store uses; never opened,\n"
          "                       renamed or removed\n\n"
          "Never changes anything and takes no lock, so it may run while\n"
          "another process has the store open (a file that process rewrites\n"
          "meanwhile is read whole, before or after).\n\n"
          "Exit status: 0 healthy, 1 problems found, 2 bad usage or the\n"
          "directory cannot be read.\n\n"
          "  --json  print one JSON object instead: {\"store\":...,"
          "\"healthy\":...,\n"
          "          \"collection_files\":N,\"bytes_checked\":N,\"keys\":N,\n"
          "          \"problems\":[...],\"notes\":[...]}, each finding an "
          "object with\n"
          "          kind, file, collection, offset, size and detail (the ones"
          " that\n"
          "          apply).\n",
      .flags = {kJsonFlag},
      .run = RunVerify,
      .exit_code_for = ExitCodeFor,
  };
}

}  // namespace dskv::tool
