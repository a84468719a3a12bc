// Commands on keys of any kind. A key with '/' is a dskv key (a string); a
// key without names both member `key` of the default collection (a string)
// and the collection `key` (a hash or sorted set): DEL removes both,
// EXISTS and TYPE look at both (docs/resp.md#keys).

#include <array>
#include <string>

#include "dskv/key.h"
#include "tools/glob_match.h"
#include "tools/resp_command.h"

namespace dskv::tool {
namespace {

bool HasSlash(std::string_view key) {
  return key.find('/') != std::string_view::npos;
}

// Whether `key` names a collection that may exist: a key too long for a
// collection name names none, and is only a member.
bool MayBeCollection(std::string_view key) {
  return !HasSlash(key) && ValidateCollection(key).ok();
}

// DEL and UNLINK: the number of members and collections that existed.
absl::Status Del(CommandContext& ctx, RespArgs args) {
  std::int64_t removed = 0;
  for (std::size_t i = 1; i < args.size(); ++i) {
    absl::StatusOr<bool> existed = ctx.access.Remove(ctx.StringKey(args[i]));
    if (!existed.ok()) return existed.status();
    removed += *existed ? 1 : 0;
    if (!MayBeCollection(args[i])) continue;
    absl::StatusOr<bool> had = ctx.access.RemoveAll(args[i]);
    if (!had.ok()) return had.status();
    removed += *had ? 1 : 0;
  }
  resp::Integer(ctx.out, removed);
  return absl::OkStatus();
}

bool DelIsSingleCall(RespArgs args) {
  return args.size() == 2 && HasSlash(args[1]);
}

// Whether the string key or the collection `key` exists; "string", "hash"
// or "none" in *type.
absl::StatusOr<bool> Exists(CommandContext& ctx, std::string_view key,
                            std::string_view* type) {
  absl::StatusOr<bool> found =
      ctx.access.Read(ctx.StringKey(key), &ctx.session.value);
  if (!found.ok()) return found.status();
  *type = "string";
  if (*found) return true;
  *type = "none";
  if (!MayBeCollection(key)) return false;
  absl::StatusOr<bool> had = ctx.access.HasMembers(key);
  if (!had.ok()) return had.status();
  if (*had) *type = "hash";
  return *had;
}

absl::Status ExistsCommand(CommandContext& ctx, RespArgs args) {
  std::int64_t count = 0;
  for (std::size_t i = 1; i < args.size(); ++i) {
    std::string_view type;
    absl::StatusOr<bool> exists = Exists(ctx, args[i], &type);
    if (!exists.ok()) return exists.status();
    count += *exists ? 1 : 0;
  }
  resp::Integer(ctx.out, count);
  return absl::OkStatus();
}

absl::Status Type(CommandContext& ctx, RespArgs args) {
  std::string_view type;
  absl::StatusOr<bool> exists = Exists(ctx, args[1], &type);
  if (!exists.ok()) return exists.status();
  resp::Simple(ctx.out, type);
  return absl::OkStatus();
}

// SCAN 0 [MATCH pattern] [COUNT count] [TYPE type]: every collection (each
// a hash) in one reply, with cursor 0: COUNT is a hint, as in Redis.
absl::Status Scan(CommandContext& ctx, RespArgs args) {
  if (args[1] != "0") {
    return absl::InvalidArgumentError(
        "invalid cursor: dskv's SCAN answers every key at once, with cursor "
        "0");
  }
  absl::StatusOr<ScanArgs> scan = ParseScanArgs(args.subspan(2), true);
  if (!scan.ok()) return scan.status();
  absl::StatusOr<std::vector<CollectionInfo>> collections =
      ctx.store().ListCollections();
  if (!collections.ok()) return collections.status();
  std::string names;
  std::size_t count = 0;
  if (!scan->type.has_value() || IsWord(*scan->type, "hash")) {
    for (const CollectionInfo& info : *collections) {
      if (scan->match.has_value() && !GlobMatch(*scan->match, info.name)) {
        continue;
      }
      resp::Bulk(names, info.name);
      ++count;
    }
  }
  resp::ArrayHeader(ctx.out, 2);
  resp::Bulk(ctx.out, "0");
  resp::ArrayHeader(ctx.out, count);
  ctx.out += names;
  return absl::OkStatus();
}

absl::Status DbSize(CommandContext& ctx, RespArgs) {
  absl::StatusOr<Stats> stats = ctx.store().GetStats();
  if (!stats.ok()) return stats.status();
  resp::Integer(ctx.out, static_cast<std::int64_t>(stats->keys));
  return absl::OkStatus();
}

constexpr std::array kCommands = {
    CommandSpec{"del", -2, kWrite | kQueueable, 1, -1, 1, Del, DelIsSingleCall},
    CommandSpec{"unlink", -2, kWrite | kQueueable, 1, -1, 1, Del,
                DelIsSingleCall},
    CommandSpec{"exists", -2, kQueueable, 1, -1, 1, ExistsCommand},
    CommandSpec{"type", 2, kQueueable, 1, 1, 1, Type},
    CommandSpec{"scan", -2, kWholeRead, 0, 0, 0, Scan},
    CommandSpec{"dbsize", 1, kWholeRead, 0, 0, 0, DbSize},
};

}  // namespace

absl::Span<const CommandSpec> KeyCommands() { return kCommands; }

}  // namespace dskv::tool
