#include "tools/compaction.h"

#include <fmt/format.h>

#include <vector>

#include "tools/progress.h"
#include "tools/text.h"

namespace dskv::tool {
namespace {

absl::StatusOr<FileTotals> CollectionFiles(const std::string& dir) {
  absl::StatusOr<std::vector<StoreFile>> files = ListStoreFiles(dir);
  if (!files.ok()) return files.status();
  return TotalOf(*files, StoreFileKind::kCollection);
}

// Open and Compact, with the store closed whatever happens.
absl::StatusOr<Stats> LoadAndRewrite(LockedStore& locked, Options options) {
  if (absl::Status s = locked.Open(options); !s.ok()) return s;
  absl::StatusOr<Stats> opened = locked.store().GetStats();
  absl::Status status =
      opened.ok() ? locked.store().Compact() : opened.status();
  const absl::Status closed = locked.Close();
  if (!status.ok()) return status;
  if (!closed.ok()) return closed;
  return opened;
}

}  // namespace

absl::StatusOr<CompactionResult> OpenCompactAndClose(LockedStore& locked,
                                                     Options options) {
  CompactionResult result;
  absl::StatusOr<FileTotals> before = CollectionFiles(locked.dir());
  if (!before.ok()) return before.status();
  result.before = *before;
  {
    const Activity activity(fmt::format("loading and rewriting {} ({})",
                                        Count(before->files, "collection file"),
                                        FormatBytes(before->bytes)));
    absl::StatusOr<Stats> opened = LoadAndRewrite(locked, options);
    if (!opened.ok()) return opened.status();
    result.opened = *std::move(opened);
  }
  absl::StatusOr<FileTotals> after = CollectionFiles(locked.dir());
  if (!after.ok()) return after.status();
  result.after = *after;
  return result;
}

}  // namespace dskv::tool
