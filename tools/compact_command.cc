// compact: rewrites every collection file without its dead records.

#include <fmt/format.h>

#include "tools/commands.h"
#include "tools/compaction.h"
#include "tools/io.h"
#include "tools/json.h"
#include "tools/store_open.h"
#include "tools/text.h"

namespace dskv::tool {
namespace {

absl::Status RunCompact(const Invocation& invocation) {
  const std::string& dir = invocation.store_dir();
  absl::StatusOr<std::unique_ptr<LockedStore>> locked =
      LockedStore::Lock(dir, IfMissing::kFail);
  if (!locked.ok()) return locked.status();
  absl::StatusOr<CompactionResult> result =
      OpenCompactAndClose(**locked, Options());
  if (!result.ok()) return result.status();
  if (invocation.json()) {
    return WriteStdout(JsonObject()
                           .AddBytes("store", dir)
                           .AddNumber("collection_files", result->after.files)
                           .AddNumber("bytes_before", result->before.bytes)
                           .AddNumber("bytes_after", result->after.bytes)
                           .Build() +
                       "\n");
  }
  const std::uint64_t freed = result->before.bytes > result->after.bytes
                                  ? result->before.bytes - result->after.bytes
                                  : 0;
  return WriteStdout(fmt::format(
      "compacted {}: {}, {} bytes ({}) before, {} bytes ({}) after; {} "
      "freed\n",
      dir, Count(result->after.files, "collection file"), result->before.bytes,
      FormatBytes(result->before.bytes), result->after.bytes,
      FormatBytes(result->after.bytes), FormatBytes(freed)));
}

}  // namespace

Command CompactCommand() {
  return {
      .name = "compact",
      .summary = "rewrite every collection file without its dead records",
      .synopsis = "compact [--json] STORE_DIR",
      .description = fmt::format(
          "Rewrites every collection file from the store's contents, leaving\n"
          "out the records that later puts and deletes made dead\n"
          "(Store::Compact), and prints the collection files' total size\n"
          "before and after. The store does this on its own for files with\n"
          "much dead data; this is for shrinking the files now, e.g. before a\n"
          "backup. Costs a write of the whole store.\n\n{}\n"
          "  --json  print {{\"store\":...,\"collection_files\":N,"
          "\"bytes_before\":N,\n"
          "          \"bytes_after\":N}} instead.\n",
          kWriteNote),
      .flags = {kJsonFlag},
      .run = RunCompact,
  };
}

}  // namespace dskv::tool
