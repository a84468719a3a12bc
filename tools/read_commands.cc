// ls, get and stats: commands that read a store opened read-only.

#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dskv/key.h"
#include "dskv/store.h"
#include "persist/collection_reader.h"
#include "tools/commands.h"
#include "tools/errors.h"
#include "tools/io.h"
#include "tools/json.h"
#include "tools/store_files.h"
#include "tools/store_json.h"
#include "tools/store_open.h"
#include "tools/text.h"

namespace dskv::tool {
namespace {

// ---------------------------------------------------------------------------
// ls

std::string CollectionsTable(const std::vector<CollectionInfo>& collections) {
  constexpr std::string_view kNameHeader = "collection";
  std::vector<std::string> names;
  std::size_t name_width = kNameHeader.size();
  CollectionInfo total;
  for (const CollectionInfo& c : collections) {
    names.push_back(DisplayName(c.name));
    name_width = std::max(name_width, names.back().size());
    total.keys += c.keys;
    total.bytes += c.bytes;
  }
  std::string out = fmt::format("{:<{}}  {:>10}  {:>12}\n", kNameHeader,
                                name_width, "keys", "bytes");
  for (std::size_t i = 0; i < collections.size(); ++i) {
    out += fmt::format("{:<{}}  {:>10}  {:>12}\n", names[i], name_width,
                       collections[i].keys, collections[i].bytes);
  }
  out += fmt::format("{}, {}, {}\n", Count(collections.size(), "collection"),
                     Count(total.keys, "key"), FormatBytes(total.bytes));
  return out;
}

// The members of one collection, in order, a page at a time.
absl::Status ListMembers(const Store& store, const std::string& collection,
                         bool json) {
  ScanOptions options;
  options.limit = 4096;
  options.members_only = true;
  std::vector<std::string> elements;  // For --json.
  while (true) {
    absl::StatusOr<ScanPage> page = store.Scan(collection, options);
    if (!page.ok()) return page.status();
    std::string text;
    for (const auto& [member, value] : page->items) {
      if (json) {
        elements.push_back(JsonObject().AddBytes("member", member).Build());
      } else {
        text += DisplayName(member) + "\n";
      }
    }
    if (absl::Status s = WriteStdout(text); !s.ok()) return s;
    if (page->next.empty()) break;
    options.start = std::move(page->next);
  }
  return json ? WriteStdout(JsonArray(elements) + "\n") : absl::OkStatus();
}

absl::Status RunLs(const Invocation& invocation) {
  absl::StatusOr<std::unique_ptr<Store>> store =
      OpenReadOnly(invocation.store_dir(), invocation.command());
  if (!store.ok()) return store.status();
  if (invocation.args().size() > 1) {
    return ListMembers(**store, invocation.args()[1], invocation.json());
  }
  absl::StatusOr<std::vector<CollectionInfo>> collections =
      (*store)->ListCollections();
  if (!collections.ok()) return collections.status();
  return WriteStdout(invocation.json() ? CollectionsJson(*collections)
                                       : CollectionsTable(*collections));
}

// ---------------------------------------------------------------------------
// get

// Reads only the key's collection file, not the whole store: a get from a
// large store costs one file, and damage elsewhere does not stop it.
absl::Status RunGet(const Invocation& invocation) {
  const std::string& key = invocation.args()[1];
  absl::StatusOr<KeyRef> ref = ParseKey(key);
  if (!ref.ok()) return ref.status();
  absl::StatusOr<std::optional<ParsedCollection>> collection =
      ReadOneCollection(invocation.store_dir(), ref->collection);
  if (!collection.ok()) return collection.status();
  const auto no_value = [&key] {
    return absl::NotFoundError(fmt::format("no value at key {:?}", key));
  };
  if (!collection->has_value()) return no_value();
  const auto& members = (*collection)->members;
  const auto member = members.find(ref->member);
  if (member == members.end()) return no_value();
  const std::string& value = member->second;
  if (!invocation.json()) return WriteStdout(value);
  return WriteStdout(JsonObject()
                         .AddBytes("collection", ref->collection)
                         .AddBytes("member", ref->member)
                         .AddBytes("value", value)
                         .Build() +
                     "\n");
}

// ---------------------------------------------------------------------------
// stats

// What stats reports: the store's counters and its files on disk.
struct StoreStats {
  Stats stats;
  FileTotals collection_files;
  FileTotals other_files;
};

std::string StatsText(const std::string& dir, const StoreStats& s) {
  return fmt::format(
      "store              {}\n"
      "keys               {}\n"
      "collections        {}\n"
      "bytes              {} ({}; members and values, in memory)\n"
      "collection files   {} ({})\n"
      "other files        {} ({}; LOCK, temporary and set-aside files)\n"
      "torn tails         {} ({}), left in place: this open was read-only\n",
      dir, s.stats.keys, s.stats.collections, s.stats.bytes,
      FormatBytes(s.stats.bytes), s.collection_files.files,
      FormatBytes(s.collection_files.bytes), s.other_files.files,
      FormatBytes(s.other_files.bytes), s.stats.torn_tails_truncated,
      Count(s.stats.torn_bytes_truncated, "byte"));
}

std::string StatsJson(const std::string& dir, const StoreStats& s) {
  return JsonObject()
             .AddBytes("store", dir)
             .AddNumber("keys", s.stats.keys)
             .AddNumber("collections", s.stats.collections)
             .AddNumber("bytes", s.stats.bytes)
             .AddNumber("collection_files", s.collection_files.files)
             .AddNumber("collection_file_bytes", s.collection_files.bytes)
             .AddNumber("other_files", s.other_files.files)
             .AddNumber("other_file_bytes", s.other_files.bytes)
             .AddNumber("torn_tails", s.stats.torn_tails_truncated)
             .AddNumber("torn_bytes", s.stats.torn_bytes_truncated)
             .Build() +
         "\n";
}

absl::Status RunStats(const Invocation& invocation) {
  const std::string& dir = invocation.store_dir();
  absl::StatusOr<std::unique_ptr<Store>> store =
      OpenReadOnly(dir, invocation.command());
  if (!store.ok()) return store.status();
  absl::StatusOr<Stats> stats = (*store)->GetStats();
  if (!stats.ok()) return stats.status();
  absl::StatusOr<std::vector<StoreFile>> files = ListStoreFiles(dir);
  if (!files.ok()) return files.status();
  const StoreStats s{*stats, TotalOf(*files, StoreFileKind::kCollection),
                     TotalOfAllBut(*files, StoreFileKind::kCollection)};
  return WriteStdout(invocation.json() ? StatsJson(dir, s) : StatsText(dir, s));
}

}  // namespace

Command LsCommand() {
  return {
      .name = "ls",
      .summary = "list the collections, or one collection's members",
      .synopsis = "ls [--json] STORE_DIR [COLLECTION]",
      .description = fmt::format(
          "Lists every collection that has keys, sorted by name, with its\n"
          "number of keys and the bytes of its members and values, then the\n"
          "totals. With COLLECTION, lists its members instead, one per line,\n"
          "in the order of their bytes (see 'dskv help scan' for ranges and\n"
          "pages). Names that are not printable UTF-8 are shown quoted, with\n"
          "escapes.\n\n{}\n"
          "  --json  print a JSON array instead: [{{\"name\":...,\"keys\":N,"
          "\"bytes\":N}},...],\n"
          "          or with COLLECTION [{{\"member\":...}},...]; a name that"
          " is not\n"
          "          UTF-8 is given as \"name_base64\" (\"member_base64\").\n",
          kReadOnlyNote),
      .flags = {kJsonFlag},
      .max_args = 2,
      .arg_kinds = {ArgKind::kAny, ArgKind::kCollection},
      .run = RunLs,
  };
}

Command GetCommand() {
  return {
      .name = "get",
      .summary = "print the value stored at a key",
      .synopsis = "get [--json] STORE_DIR KEY",
      .description = fmt::format(
          "Writes the value stored at KEY (\"collection/member\") to stdout,\n"
          "byte for byte, with no newline added. Exits with 1 if there is no\n"
          "value at KEY. Reads only the file of KEY's collection, so it is\n"
          "quick on a large store and works while other collections are\n"
          "damaged.\n\n{}\n"
          "  --json  print {{\"collection\":...,\"member\":...,\"value\":...}} "
          "and a newline\n"
          "          instead; a field that is not UTF-8 is given base64-encoded"
          " as\n"
          "          \"<field>_base64\" (see 'dskv help dump').\n",
          kReadOnlyNote),
      .flags = {kJsonFlag},
      .min_args = 2,
      .max_args = 2,
      .arg_kinds = {ArgKind::kAny, ArgKind::kKey},
      .run = RunGet,
  };
}

Command StatsCommand() {
  return {
      .name = "stats",
      .summary = "print the store's counters and the size of its files",
      .synopsis = "stats [--json] STORE_DIR",
      .description = fmt::format(
          "Prints the number of keys and collections, the bytes of their\n"
          "members and values, the number and total size of the collection\n"
          "files and of the other files in the directory, and the torn tails\n"
          "(what a crash during an append leaves) found in the files.\n\n{}\n"
          "  --json  print one JSON object instead, with the fields keys,\n"
          "          collections, bytes, collection_files,"
          " collection_file_bytes,\n"
          "          other_files, other_file_bytes, torn_tails and"
          " torn_bytes.\n",
          kReadOnlyNote),
      .flags = {kJsonFlag},
      .run = RunStats,
  };
}

}  // namespace dskv::tool
