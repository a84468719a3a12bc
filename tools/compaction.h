// Rewriting every collection file of a locked store: what compact does, and
// what repair does after its backup.

#ifndef DSKV_TOOLS_COMPACTION_H_
#define DSKV_TOOLS_COMPACTION_H_

#include "absl/status/statusor.h"
#include "dskv/store.h"
#include "tools/store_files.h"
#include "tools/store_open.h"

namespace dskv::tool {

struct CompactionResult {
  Stats opened;       // What Open found: torn tails cut, damage skipped.
  FileTotals before;  // The collection files before Open.
  FileTotals after;   // The collection files after Close.
};

// Opens `locked` with `options`, compacts every collection file
// (Store::Compact), and closes the store. Shows an activity line on a
// terminal meanwhile, since neither Open nor Compact reports progress.
absl::StatusOr<CompactionResult> OpenCompactAndClose(LockedStore& locked,
                                                     Options options);

}  // namespace dskv::tool

#endif  // DSKV_TOOLS_COMPACTION_H_
