// Commands on keys of any kind. A key with '/' is a dskv key (a string); a
// key without names both member `key` of the default collection (a string)
// and the collection `key` (a hash or sorted set): DEL removes both,
// EXISTS and TYPE look at both (docs/resp.md#keys).

#include <fmt/format.h>

#include <array>
#include <chrono>
#include <optional>
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

// A deadline asked of a key that is no string: an error if it names a
// collection (dskv keeps no deadline on one), else nullopt (no such key).
std::optional<absl::Status> NoDeadlineOnCollection(CommandContext& ctx,
                                                   std::string_view key) {
  if (!MayBeCollection(key)) return std::nullopt;
  absl::StatusOr<bool> had = ctx.access.HasMembers(key);
  if (!had.ok()) return had.status();
  if (!*had) return std::nullopt;
  return absl::InvalidArgumentError(fmt::format(
      "{:?} is a hash: dskv keeps deadlines on string keys only", key));
}

// EXPIRE, PEXPIRE, EXPIREAT and PEXPIREAT key time: 1 if the key's
// deadline was set (or, for a time already past, the key removed), 0 if
// there is no such key.
absl::Status ExpireKey(CommandContext& ctx, RespArgs args, ExpireUnit unit,
                       std::string_view command) {
  if (args.size() > 3) {
    return absl::InvalidArgumentError(fmt::format(
        "{}'s NX, XX, GT and LT options are not supported", command));
  }
  absl::StatusOr<std::chrono::milliseconds> ttl =
      ParseExpireTime(args[2], unit, command);
  if (!ttl.ok()) return ttl.status();
  absl::Status s = ctx.store().Expire(ctx.StringKey(args[1]), *ttl);
  if (absl::IsNotFound(s)) {
    if (std::optional<absl::Status> error =
            NoDeadlineOnCollection(ctx, args[1])) {
      return *error;
    }
    resp::Integer(ctx.out, 0);
    return absl::OkStatus();
  }
  if (!s.ok()) return s;
  resp::Integer(ctx.out, 1);
  return absl::OkStatus();
}

absl::Status Expire(CommandContext& ctx, RespArgs args) {
  return ExpireKey(ctx, args, ExpireUnit{false, false}, "expire");
}
absl::Status PExpire(CommandContext& ctx, RespArgs args) {
  return ExpireKey(ctx, args, ExpireUnit{true, false}, "pexpire");
}
absl::Status ExpireAt(CommandContext& ctx, RespArgs args) {
  return ExpireKey(ctx, args, ExpireUnit{false, true}, "expireat");
}
absl::Status PExpireAt(CommandContext& ctx, RespArgs args) {
  return ExpireKey(ctx, args, ExpireUnit{true, true}, "pexpireat");
}

// TTL and PTTL key: what is left, in seconds (rounded, as Redis does) or
// milliseconds; -1 if the key never expires, -2 if there is no such key.
absl::Status KeyTtl(CommandContext& ctx, RespArgs args, bool milliseconds) {
  absl::StatusOr<std::optional<std::chrono::milliseconds>> left =
      ctx.store().Ttl(ctx.StringKey(args[1]));
  if (absl::IsNotFound(left.status())) {
    absl::StatusOr<bool> had = MayBeCollection(args[1])
                                   ? ctx.access.HasMembers(args[1])
                                   : absl::StatusOr<bool>(false);
    if (!had.ok()) return had.status();
    resp::Integer(ctx.out, *had ? -1 : -2);  // A hash never expires.
    return absl::OkStatus();
  }
  if (!left.ok()) return left.status();
  if (!left->has_value()) {
    resp::Integer(ctx.out, -1);
    return absl::OkStatus();
  }
  const std::int64_t ms = (*left)->count();
  resp::Integer(ctx.out, milliseconds ? ms : (ms + 500) / 1000);
  return absl::OkStatus();
}

absl::Status Ttl(CommandContext& ctx, RespArgs args) {
  return KeyTtl(ctx, args, /*milliseconds=*/false);
}
absl::Status PTtl(CommandContext& ctx, RespArgs args) {
  return KeyTtl(ctx, args, /*milliseconds=*/true);
}

// PERSIST key: 1 if the key had a deadline and no longer has, else 0.
absl::Status Persist(CommandContext& ctx, RespArgs args) {
  absl::StatusOr<bool> had = ctx.store().Persist(ctx.StringKey(args[1]));
  if (absl::IsNotFound(had.status())) {
    resp::Integer(ctx.out, 0);
    return absl::OkStatus();
  }
  if (!had.ok()) return had.status();
  resp::Integer(ctx.out, *had ? 1 : 0);
  return absl::OkStatus();
}

bool Always(RespArgs) { return true; }

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
    // Deadlines are no condition a transaction can check: not queueable.
    CommandSpec{"expire", -3, kWrite, 1, 1, 1, Expire, Always},
    CommandSpec{"pexpire", -3, kWrite, 1, 1, 1, PExpire, Always},
    CommandSpec{"expireat", -3, kWrite, 1, 1, 1, ExpireAt, Always},
    CommandSpec{"pexpireat", -3, kWrite, 1, 1, 1, PExpireAt, Always},
    CommandSpec{"persist", 2, kWrite, 1, 1, 1, Persist, Always},
    CommandSpec{"ttl", 2, 0, 1, 1, 1, Ttl},
    CommandSpec{"pttl", 2, 0, 1, 1, 1, PTtl},
};

}  // namespace

absl::Span<const CommandSpec> KeyCommands() { return kCommands; }

}  // namespace dskv::tool
