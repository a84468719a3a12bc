// dump: writes a store's keys and values as JSON Lines (tools/dump_format.h).

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "dskv/store.h"
#include "tools/commands.h"
#include "tools/dump_format.h"
#include "tools/errors.h"
#include "tools/io.h"
#include "tools/progress.h"
#include "tools/store_open.h"

namespace dskv::tool {
namespace {

constexpr FlagSpec kOutputFlag{"output", /*takes_value=*/true};

// The collections to dump: every one, or the one named, if it has keys.
absl::StatusOr<std::vector<CollectionInfo>> CollectionsToDump(
    const Store& store, const std::optional<std::string>& only) {
  absl::StatusOr<std::vector<CollectionInfo>> all = store.ListCollections();
  if (!all.ok() || !only.has_value()) return all;
  std::vector<CollectionInfo> selected;
  for (CollectionInfo& c : *all) {
    if (c.name == *only) selected.push_back(std::move(c));
  }
  return selected;
}

// The deadline of `key`, in milliseconds since the Unix epoch; nullopt if
// it has none. From the time it has left, so within a millisecond or so.
absl::StatusOr<std::optional<std::int64_t>> DeadlineOf(const Store& store,
                                                       std::string_view key) {
  absl::StatusOr<std::optional<std::chrono::milliseconds>> left =
      store.Ttl(key);
  if (!left.ok()) return left.status();
  if (!left->has_value()) return std::nullopt;
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::system_clock::now().time_since_epoch());
  return (now + **left).count();
}

// Writes the keys of `info`; `with_deadlines`: asks each for its deadline
// (a store that has none need not).
absl::Status DumpCollection(const Store& store, const CollectionInfo& info,
                            bool with_deadlines, Output& out,
                            Progress& progress) {
  // A page at a time, in member order, values shared rather than copied:
  // memory stays bounded however large the collection.
  ScanOptions options;
  options.limit = 4096;
  std::string line;
  while (true) {
    absl::StatusOr<SharedScanPage> page = store.ScanShared(info.name, options);
    if (!page.ok()) return page.status();
    for (const SharedValue& member : page->items) {
      std::optional<std::int64_t> expires_ms;
      if (with_deadlines) {
        absl::StatusOr<std::optional<std::int64_t>> deadline =
            DeadlineOf(store, info.name + "/" + std::string(member.member()));
        // NotFound: it expired since the page was read; dumped without.
        if (!deadline.ok() && !absl::IsNotFound(deadline.status())) {
          return deadline.status();
        }
        if (deadline.ok()) expires_ms = *deadline;
      }
      line = EncodeDumpLine(info.name, member.member(), member.value(),
                            expires_ms);
      line += '\n';
      if (absl::Status s = out.Write(line); !s.ok()) return s;
      progress.Add(1);
    }
    if (page->next.empty()) return absl::OkStatus();
    options.start = std::move(page->next);
  }
}

absl::Status RunDump(const Invocation& invocation) {
  absl::StatusOr<std::unique_ptr<Store>> store =
      OpenReadOnly(invocation.store_dir(), invocation.command());
  if (!store.ok()) return store.status();
  std::optional<std::string> only;
  if (invocation.args().size() > 1) only = invocation.args()[1];
  absl::StatusOr<std::vector<CollectionInfo>> collections =
      CollectionsToDump(**store, only);
  if (!collections.ok()) return collections.status();
  // ListCollections sorts by name already; the order is part of the format,
  // so it is not left to that.
  std::sort(collections->begin(), collections->end(),
            [](const CollectionInfo& a, const CollectionInfo& b) {
              return a.name < b.name;
            });

  absl::StatusOr<Output> out =
      Output::Open(invocation.Value(kOutputFlag.name).value_or("-"));
  if (!out.ok()) return out.status();
  std::uint64_t keys = 0;
  for (const CollectionInfo& c : *collections) keys += c.keys;
  // The store is open read-only: no key gains a deadline meanwhile.
  absl::StatusOr<Stats> stats = (*store)->GetStats();
  if (!stats.ok()) return stats.status();
  const bool with_deadlines = stats->expiring_keys > 0;
  Progress progress("dump", keys, ProgressUnit::kRecords);
  for (const CollectionInfo& c : *collections) {
    if (absl::Status s =
            DumpCollection(**store, c, with_deadlines, *out, progress);
        !s.ok()) {
      return s;
    }
  }
  return out->Close();
}

}  // namespace

Command DumpCommand() {
  return {
      .name = "dump",
      .summary = "write every key and value as JSON Lines",
      .synopsis = "dump [--output=FILE] STORE_DIR [COLLECTION]",
      .description = fmt::format(
          "Writes every key of the store, or of COLLECTION, to stdout (or\n"
          "FILE) as JSON Lines, one key per line:\n\n"
          "  {{\"collection\":\"artist\",\"member\":\"daft_punk\","
          "\"value\":\"epic\"}}\n\n"
          "The fields come in that order, with no spaces. Text is UTF-8; \",\n"
          "\\ and control characters are escaped as JSON requires. A field\n"
          "whose bytes are not valid UTF-8 is written base64-encoded (RFC "
          "4648,\nwith padding) under its name with \"_base64\" appended:\n\n"
          "  {{\"collection\":\"bin\",\"member\":\"k\","
          "\"value_base64\":\"AP8=\"}}\n\n"
          "A key that expires has a fourth field, its deadline in\n"
          "milliseconds since the Unix epoch (UTC), as a string:\n\n"
          "  {{\"collection\":\"session\",\"member\":\"abc\","
          "\"value\":\"u7\",\"expires_ms\":\"1764897000000\"}}\n\n"
          "Collections come in byte order of their names, and the members of\n"
          "each in byte order, so a store always gives the same dump: 'dskv\n"
          "load' of a dump into an empty store, dumped again, gives the same\n"
          "bytes.\n\n{}\n"
          "  --output=FILE  write to FILE (created or truncated) instead of"
          " stdout\n",
          kReadOnlyNote),
      .flags = {kOutputFlag},
      .max_args = 2,
      .arg_kinds = {ArgKind::kAny, ArgKind::kCollection},
      .run = RunDump,
  };
}

}  // namespace dskv::tool
