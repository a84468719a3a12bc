// put, del and delete-all: commands that change single keys or a collection
// under the store's lock.

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "dskv/store.h"
#include "tools/commands.h"
#include "tools/errors.h"
#include "tools/io.h"
#include "tools/store_open.h"
#include "tools/text.h"

namespace dskv::tool {
namespace {

constexpr FlagSpec kFileFlag{"file", /*takes_value=*/true};
constexpr FlagSpec kStdinFlag{"stdin"};

// Opens the store under its lock, runs `change` on it, and closes it, which
// makes the change durable. Closing happens even if `change` fails, so that
// nothing it did before failing is left unflushed; its error comes first.
absl::Status ChangeStore(const std::string& dir, IfMissing if_missing,
                         const std::function<absl::Status(Store&)>& change) {
  absl::StatusOr<std::unique_ptr<LockedStore>> locked =
      LockedStore::LockAndOpen(dir, if_missing);
  if (!locked.ok()) return locked.status();
  absl::Status status = change((*locked)->store());
  absl::Status closed = (*locked)->Close();
  return status.ok() ? closed : status;
}

// The value is given in exactly one of three ways, so that no rule about
// ttys or "-" decides silently where it comes from.
absl::Status CheckPut(const Invocation& invocation) {
  const int ways = (invocation.args().size() == 3) +
                   invocation.Has(kFileFlag.name) +
                   invocation.Has(kStdinFlag.name);
  if (ways != 1) {
    return absl::InvalidArgumentError(
        "give the value in exactly one way: as the VALUE argument, with "
        "--file=PATH, or with --stdin");
  }
  return absl::OkStatus();
}

absl::Status RunPut(const Invocation& invocation) {
  const std::string& key = invocation.args()[1];
  auto put = [&](std::string_view value) {
    return ChangeStore(invocation.store_dir(), IfMissing::kCreate,
                       [&](Store& store) { return store.Put(key, value); });
  };
  // CheckPut made sure the value is given one way.
  if (invocation.args().size() == 3) return put(invocation.args()[2]);
  const std::string path =
      invocation.Has(kStdinFlag.name) ? "-" : *invocation.Value(kFileFlag.name);
  absl::StatusOr<std::optional<SizedInput>> input = SizedInput::Open(path);
  if (!input.ok()) return input.status();
  if (!input->has_value()) {
    // A pipe: its size is known only at its end, so it is read whole first.
    absl::StatusOr<std::string> value = ReadAll(path);
    if (!value.ok()) return value.status();
    return put(*value);
  }
  // A file is read straight into the store's memory.
  SizedInput& file = **input;
  return ChangeStore(
      invocation.store_dir(), IfMissing::kCreate, [&](Store& store) {
        return store
            .PutFrom(key, file.size(),
                     [&](absl::Span<char> out) { return file.ReadInto(out); })
            .status();
      });
}

absl::Status RunDel(const Invocation& invocation) {
  const std::string& key = invocation.args()[1];
  return ChangeStore(invocation.store_dir(), IfMissing::kFail,
                     [&](Store& store) { return store.Delete(key); });
}

absl::Status RunDeleteAll(const Invocation& invocation) {
  const std::string& collection = invocation.args()[1];
  return ChangeStore(
      invocation.store_dir(), IfMissing::kFail, [&](Store& store) {
        // Counted under the lock, so nothing changes the count before the
        // deletion.
        absl::StatusOr<std::vector<CollectionInfo>> collections =
            store.ListCollections();
        if (!collections.ok()) return collections.status();
        const auto it = std::find_if(
            collections->begin(), collections->end(),
            [&](const CollectionInfo& c) { return c.name == collection; });
        const std::uint64_t keys = it == collections->end() ? 0 : it->keys;
        if (absl::Status s = store.DeleteAll(collection); !s.ok()) return s;
        return WriteStdout(fmt::format("deleted {} of collection {}\n",
                                       Count(keys, "key"),
                                       DisplayName(collection)));
      });
}

}  // namespace

Command PutCommand() {
  return {
      .name = "put",
      .summary = "store a value at a key",
      .synopsis = "put [--file=PATH | --stdin] STORE_DIR KEY [VALUE]",
      .description = fmt::format(
          "Stores a value at KEY (\"collection/member\"), replacing any value\n"
          "there. The value is given in exactly one of three ways:\n\n"
          "  VALUE         the argument itself, as is (\"-\" is the value"
          " \"-\")\n"
          "  --file=PATH   the bytes of the file PATH\n"
          "  --stdin       all of stdin, e.g. 'printf x | dskv put --stdin D"
          " k/1'\n\n"
          "A file (or stdin redirected from one) is read straight into the\n"
          "store's memory, however large; a file that changes size while it\n"
          "is read stores nothing. A pipe is read whole before it is "
          "stored.\n\n"
          "Creates the store directory if it does not exist. Use \"--\" before"
          "\nKEY or VALUE if they start with \"--\".\n\n{}",
          kWriteNote),
      .flags = {kFileFlag, kStdinFlag},
      .min_args = 2,
      .max_args = 3,
      .arg_kinds = {ArgKind::kAny, ArgKind::kKey},
      .check = CheckPut,
      .run = RunPut,
  };
}

Command DelCommand() {
  return {
      .name = "del",
      .summary = "delete the value at a key",
      .synopsis = "del STORE_DIR KEY",
      .description = fmt::format(
          "Deletes the value stored at KEY (\"collection/member\"). Deleting"
          " a\nkey that has no value succeeds, as Store::Delete does.\n\n{}",
          kWriteNote),
      .min_args = 2,
      .max_args = 2,
      .arg_kinds = {ArgKind::kAny, ArgKind::kKey},
      .run = RunDel,
  };
}

Command DeleteAllCommand() {
  return {
      .name = "delete-all",
      .summary = "delete every key of a collection",
      .synopsis = "delete-all STORE_DIR COLLECTION",
      .description = fmt::format(
          "Deletes every member of COLLECTION and prints how many there "
          "were.\nDeleting a collection that has no keys succeeds.\n\n{}",
          kWriteNote),
      .min_args = 2,
      .max_args = 2,
      .arg_kinds = {ArgKind::kAny, ArgKind::kCollection},
      .run = RunDeleteAll,
  };
}

}  // namespace dskv::tool
