// repair: backs up a damaged store, then keeps what is valid of it.

#include <fmt/format.h>

#include <ctime>
#include <string>
#include <vector>

#include "tools/backup.h"
#include "tools/commands.h"
#include "tools/compaction.h"
#include "tools/errors.h"
#include "tools/io.h"
#include "tools/json.h"
#include "tools/store_check.h"
#include "tools/store_open.h"
#include "tools/text.h"

namespace dskv::tool {
namespace {

constexpr FlagSpec kBackupFlag{"backup", /*takes_value=*/true};

// What a repair did, for its report.
struct Repair {
  StoreCheck before;
  std::string backup_dir;
  BackupTotals backup;
  CompactionResult rewrite;
  StoreCheck after;
};

// The problems of `check` that salvage cannot get past, as a message.
std::optional<std::string> Unfixable(const StoreCheck& check) {
  std::string lines;
  for (const Finding& finding : check.findings) {
    if (!SalvageFixes(finding.kind)) lines += FormatFinding(finding) + "\n";
  }
  if (lines.empty()) return std::nullopt;
  return fmt::format(
      "repair cannot fix these; nothing was changed:\n{}"
      "Move the files out of the store directory (or put them right by "
      "hand), then run repair again.",
      lines);
}

std::string RepairText(const Repair& r) {
  const Stats& s = r.rewrite.opened;
  return fmt::format(
      "{}"
      "backup: {} ({}, {}), synced\n"
      "dropped: {} skipped ({}); {} with a damaged header set aside as "
      "*.corrupt;\n"
      "         {} cut ({})\n"
      "collection files: {} before, {} after\n"
      "after repair:\n{}",
      FormatCheck(r.before), r.backup_dir, Count(r.backup.files, "file"),
      FormatBytes(r.backup.bytes),
      Count(s.corrupt_regions_skipped, "damaged region"),
      Count(s.corrupt_bytes_skipped, "byte"),
      Count(s.corrupt_files_set_aside, "file"),
      Count(s.torn_tails_truncated, "torn tail"),
      Count(s.torn_bytes_truncated, "byte"),
      FormatBytes(r.rewrite.before.bytes), FormatBytes(r.rewrite.after.bytes),
      FormatCheck(r.after));
}

std::string RepairJson(const Repair& r) {
  const Stats& s = r.rewrite.opened;
  return JsonObject()
             .AddBytes("store", r.before.dir)
             .AddBool("repaired", true)
             .AddJson("before", CheckJson(r.before))
             .AddBytes("backup", r.backup_dir)
             .AddNumber("backup_files", r.backup.files)
             .AddNumber("backup_bytes", r.backup.bytes)
             .AddJson(
                 "dropped",
                 JsonObject()
                     .AddNumber("corrupt_regions_skipped",
                                s.corrupt_regions_skipped)
                     .AddNumber("corrupt_bytes_skipped",
                                s.corrupt_bytes_skipped)
                     .AddNumber("corrupt_files_set_aside",
                                s.corrupt_files_set_aside)
                     .AddNumber("torn_tails_truncated", s.torn_tails_truncated)
                     .AddNumber("torn_bytes_truncated", s.torn_bytes_truncated)
                     .Build())
             .AddNumber("collection_file_bytes_before", r.rewrite.before.bytes)
             .AddNumber("collection_file_bytes_after", r.rewrite.after.bytes)
             .AddJson("after", CheckJson(r.after))
             .Build() +
         "\n";
}

// The report of a store found healthy, which repair leaves alone.
std::string NothingToRepair(const StoreCheck& check, bool json) {
  if (json) {
    return JsonObject()
               .AddBytes("store", check.dir)
               .AddBool("repaired", false)
               .AddJson("before", CheckJson(check))
               .Build() +
           "\n";
  }
  return fmt::format("{}{} is healthy: nothing to repair, nothing changed\n",
                     FormatCheck(check), check.dir);
}

absl::Status RunRepair(const Invocation& invocation) {
  const std::string& dir = invocation.store_dir();
  // The lock is taken first, so that the check, the backup and the repair
  // all see the same files.
  absl::StatusOr<std::unique_ptr<LockedStore>> locked =
      LockedStore::Lock(dir, IfMissing::kFail);
  if (!locked.ok()) return locked.status();
  Repair repair;
  absl::StatusOr<StoreCheck> before = CheckStore(dir);
  if (!before.ok()) return before.status();
  repair.before = *std::move(before);
  if (repair.before.healthy()) {
    return WriteStdout(NothingToRepair(repair.before, invocation.json()));
  }
  if (std::optional<std::string> unfixable = Unfixable(repair.before)) {
    return absl::FailedPreconditionError(*unfixable);
  }

  repair.backup_dir = invocation.Value(kBackupFlag.name)
                          .value_or(DefaultBackupDir(dir, std::time(nullptr)));
  absl::StatusOr<BackupTotals> backup = BackUpStore(dir, repair.backup_dir);
  if (!backup.ok()) {
    return WithContext("cannot back up the store, which was not changed",
                       backup.status());
  }
  repair.backup = *backup;

  Options options;
  options.salvage = true;
  absl::StatusOr<CompactionResult> rewrite =
      OpenCompactAndClose(**locked, options);
  if (!rewrite.ok()) {
    return WithContext(
        fmt::format("the backup in {} holds the files as they were",
                    repair.backup_dir),
        rewrite.status());
  }
  repair.rewrite = *std::move(rewrite);

  absl::StatusOr<StoreCheck> after = CheckStore(dir);
  if (!after.ok()) return after.status();
  repair.after = *std::move(after);
  if (absl::Status s = WriteStdout(invocation.json() ? RepairJson(repair)
                                                     : RepairText(repair));
      !s.ok()) {
    return s;
  }
  if (!repair.after.healthy()) {
    return absl::DataLossError(fmt::format(
        "{} left after repair; the original files are in {}",
        Count(repair.after.problems(), "problem"), repair.backup_dir));
  }
  return absl::OkStatus();
}

}  // namespace

Command RepairCommand() {
  return {
      .name = "repair",
      .summary = "back up a damaged store, then keep what is valid",
      .synopsis = "repair [--backup=DIR] [--json] STORE_DIR",
      .description = fmt::format(
          "Recovers a store that 'dskv verify' finds problems in:\n\n"
          "  1. takes the store's lock and checks every file as verify does;\n"
          "     a healthy store is left alone, and no backup is made;\n"
          "  2. copies every file of the store into a new backup directory\n"
          "     and syncs the copies;\n"
          "  3. opens the store with Options::salvage, which skips damaged\n"
          "     records and sets files with a damaged header aside as\n"
          "     *.corrupt, then compacts (rewrites) every collection file;\n"
          "  4. prints what was dropped and where the backup is, then checks\n"
          "     the store again.\n\n"
          "Damaged records may have held puts or deletes, so a repaired\n"
          "collection may hold stale values or miss keys; the backup keeps\n"
          "the damaged bytes. Problems that salvage cannot get past (a file\n"
          "from a newer dskv, a misnamed or unreadable file) stop repair\n"
          "before it changes anything.\n\n"
          "Exit status: 0 when the store is healthy afterwards (or was), 1\n"
          "otherwise.\n\n{}\n"
          "  --backup=DIR  where to copy the files; must not exist. Default:\n"
          "                STORE_DIR.backup-YYYYmmdd-HHMMSS, beside the store\n"
          "  --json        print one JSON object instead, with the fields\n"
          "                store, repaired, before (verify's object), backup,\n"
          "                backup_files, backup_bytes, dropped (the "
          "counters),\n"
          "                collection_file_bytes_before and _after, and "
          "after\n",
          kWriteNote),
      .flags = {kBackupFlag, kJsonFlag},
      .run = RunRepair,
  };
}

}  // namespace dskv::tool
