// Copies a store's files aside before repair changes them.

#ifndef DSKV_TOOLS_BACKUP_H_
#define DSKV_TOOLS_BACKUP_H_

#include <cstdint>
#include <ctime>
#include <string>

#include "absl/status/statusor.h"

namespace dskv::tool {

// Where repair puts the backup of `store_dir` made at `when` (local time) by
// default: beside it, "<store_dir>.backup-YYYYmmdd-HHMMSS".
std::string DefaultBackupDir(const std::string& store_dir, std::time_t when);

struct BackupTotals {
  std::uint64_t files = 0;
  std::uint64_t bytes = 0;
};

// Creates the directory `backup_dir`, which must not exist yet (its parent
// must), and copies the store's own files (persist/directory_layout.h) but
// LOCK into it byte for byte: the only files repair may change.
// Each copy is fsynced, then the new directory and its parent, so that the
// backup is durable before repair changes anything. Shows a progress bar
// (bytes copied) on a terminal. AlreadyExists if `backup_dir` exists.
absl::StatusOr<BackupTotals> BackUpStore(const std::string& store_dir,
                                         const std::string& backup_dir);

}  // namespace dskv::tool

#endif  // DSKV_TOOLS_BACKUP_H_
