// checkpoint: writes a consistent copy of a store to a new directory.

#include <fmt/format.h>

#include "tools/commands.h"
#include "tools/io.h"
#include "tools/json.h"
#include "tools/store_open.h"
#include "tools/text.h"

namespace dskv::tool {
namespace {

absl::Status RunCheckpoint(const Invocation& invocation) {
  const std::string& dir = invocation.store_dir();
  const std::string& copy = invocation.args()[1];
  absl::StatusOr<std::unique_ptr<LockedStore>> locked =
      LockedStore::LockAndOpen(dir, IfMissing::kFail);
  if (!locked.ok()) return locked.status();
  Store& store = (*locked)->store();
  absl::StatusOr<Stats> stats = store.GetStats();
  if (!stats.ok()) return stats.status();
  if (absl::Status s = store.Checkpoint(copy); !s.ok()) return s;
  if (absl::Status s = (*locked)->Close(); !s.ok()) return s;
  if (invocation.json()) {
    return WriteStdout(JsonObject()
                           .AddBytes("store", dir)
                           .AddBytes("checkpoint", copy)
                           .AddNumber("keys", stats->keys)
                           .AddNumber("collections", stats->collections)
                           .Build() +
                       "\n");
  }
  return WriteStdout(fmt::format("checkpoint of {} written to {}: {} in {}\n",
                                 dir, copy, Count(stats->keys, "key"),
                                 Count(stats->collections, "collection")));
}

}  // namespace

Command CheckpointCommand() {
  return {
      .name = "checkpoint",
      .summary = "write a consistent copy of a store to a new directory",
      .synopsis = "checkpoint [--json] STORE_DIR NEW_DIR",
      .description = fmt::format(
          "Writes a complete copy of the store to NEW_DIR, which must not\n"
          "exist (its parent must), as Store::Checkpoint does: compacted\n"
          "collection files, written and synced in a temporary directory\n"
          "that is then renamed to NEW_DIR. `dskv verify NEW_DIR` checks the\n"
          "copy; any dskv opens it. A store that a process has open is\n"
          "copied by that process, while it runs (Store::Checkpoint): this\n"
          "command opens the store itself.\n\n{}\n"
          "  --json  print {{\"store\":...,\"checkpoint\":...,\"keys\":N,"
          "\"collections\":N}}\n"
          "          instead.\n",
          kWriteNote),
      .flags = {kJsonFlag},
      .min_args = 2,
      .max_args = 2,
      .run = RunCheckpoint,
  };
}

}  // namespace dskv::tool
