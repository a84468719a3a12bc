// Hash commands: a hash is a collection, its fields the members
// (docs/resp.md#hashes).

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <string>

#include "dskv/key.h"
#include "tools/glob_match.h"
#include "tools/resp_command.h"

namespace dskv::tool {
namespace {

// HSET and HMSET: the number of fields that were new.
absl::StatusOr<std::int64_t> SetFields(CommandContext& ctx, RespArgs args,
                                       std::string_view name) {
  if (args.size() % 2 != 0) {
    return absl::InvalidArgumentError(
        fmt::format("wrong number of arguments for '{}' command", name));
  }
  std::int64_t added = 0;
  for (std::size_t i = 2; i < args.size(); i += 2) {
    absl::StatusOr<std::string_view> key = ctx.MemberKey(args[1], args[i]);
    if (!key.ok()) return key.status();
    absl::StatusOr<bool> added_one = ctx.access.PutNew(*key, args[i + 1]);
    if (!added_one.ok()) return added_one.status();
    added += *added_one ? 1 : 0;
  }
  return added;
}

absl::Status HSet(CommandContext& ctx, RespArgs args) {
  absl::StatusOr<std::int64_t> added = SetFields(ctx, args, "hset");
  if (!added.ok()) return added.status();
  resp::Integer(ctx.out, *added);
  return absl::OkStatus();
}

absl::Status HMSet(CommandContext& ctx, RespArgs args) {
  absl::StatusOr<std::int64_t> added = SetFields(ctx, args, "hmset");
  if (!added.ok()) return added.status();
  resp::Ok(ctx.out);
  return absl::OkStatus();
}

bool OneField(RespArgs args) { return args.size() == 4; }

absl::Status HSetNx(CommandContext& ctx, RespArgs args) {
  absl::StatusOr<std::string_view> key = ctx.MemberKey(args[1], args[2]);
  if (!key.ok()) return key.status();
  absl::StatusOr<bool> set = ctx.access.PutIfAbsent(*key, args[3]);
  if (!set.ok()) return set.status();
  resp::Integer(ctx.out, *set ? 1 : 0);
  return absl::OkStatus();
}

// Reads field args[i] of hash args[1] into the session's value.
absl::StatusOr<bool> ReadField(CommandContext& ctx, RespArgs args,
                               std::size_t i) {
  absl::StatusOr<std::string_view> key = ctx.MemberKey(args[1], args[i]);
  if (!key.ok()) return key.status();
  return ctx.access.Read(*key, &ctx.session.value);
}

absl::Status HGet(CommandContext& ctx, RespArgs args) {
  absl::StatusOr<bool> found = ReadField(ctx, args, 2);
  if (!found.ok()) return found.status();
  *found ? resp::Bulk(ctx.out, ctx.session.value) : resp::NullBulk(ctx.out);
  return absl::OkStatus();
}

absl::Status HMGet(CommandContext& ctx, RespArgs args) {
  resp::ArrayHeader(ctx.out, args.size() - 2);
  for (std::size_t i = 2; i < args.size(); ++i) {
    absl::StatusOr<bool> found = ReadField(ctx, args, i);
    if (!found.ok()) return found.status();
    *found ? resp::Bulk(ctx.out, ctx.session.value) : resp::NullBulk(ctx.out);
  }
  return absl::OkStatus();
}

absl::Status HExists(CommandContext& ctx, RespArgs args) {
  absl::StatusOr<bool> found = ReadField(ctx, args, 2);
  if (!found.ok()) return found.status();
  resp::Integer(ctx.out, *found ? 1 : 0);
  return absl::OkStatus();
}

absl::Status HStrLen(CommandContext& ctx, RespArgs args) {
  absl::StatusOr<bool> found = ReadField(ctx, args, 2);
  if (!found.ok()) return found.status();
  resp::Integer(
      ctx.out,
      *found ? static_cast<std::int64_t>(ctx.session.value.size()) : 0);
  return absl::OkStatus();
}

}  // namespace

absl::Status RemoveMembers(CommandContext& ctx, RespArgs args) {
  std::int64_t removed = 0;
  for (std::size_t i = 2; i < args.size(); ++i) {
    absl::StatusOr<std::string_view> key = ctx.MemberKey(args[1], args[i]);
    if (!key.ok()) return key.status();
    absl::StatusOr<bool> existed = ctx.access.Remove(*key);
    if (!existed.ok()) return existed.status();
    removed += *existed ? 1 : 0;
  }
  resp::Integer(ctx.out, removed);
  return absl::OkStatus();
}

bool OneMember(RespArgs args) { return args.size() == 3; }

absl::Status CountMembers(CommandContext& ctx, RespArgs args) {
  if (absl::Status s = ValidateCollection(args[1]); !s.ok()) return s;
  ScanOptions options;
  options.members_only = true;
  std::int64_t count = 0;
  if (absl::Status s = ForEachMember(ctx, args[1], options,
                                     [&](const SharedValue&) { ++count; });
      !s.ok()) {
    return s;
  }
  resp::Integer(ctx.out, count);
  return absl::OkStatus();
}

namespace {

// HKEYS, HVALS and HGETALL: the whole hash, in member order.
absl::Status ReplyAll(CommandContext& ctx, RespArgs args, bool members,
                      bool values) {
  if (absl::Status s = ValidateCollection(args[1]); !s.ok()) return s;
  std::string& out = ctx.out;
  const std::size_t header = out.size();
  std::size_t count = 0;
  const absl::Status s =
      ForEachMember(ctx, args[1], {}, [&](const SharedValue& item) {
        if (members) resp::Bulk(out, item.member());
        if (values) resp::Bulk(out, item.value());
        ++count;
      });
  if (!s.ok()) return s;
  // The count is known once the items are out: the header goes in front.
  std::string head;
  resp::ArrayHeader(head, count * ((members ? 1 : 0) + (values ? 1 : 0)));
  out.insert(header, head);
  return absl::OkStatus();
}

absl::Status HKeys(CommandContext& ctx, RespArgs args) {
  return ReplyAll(ctx, args, true, false);
}
absl::Status HVals(CommandContext& ctx, RespArgs args) {
  return ReplyAll(ctx, args, false, true);
}
absl::Status HGetAll(CommandContext& ctx, RespArgs args) {
  return ReplyAll(ctx, args, true, true);
}

// HSCAN key cursor [MATCH pattern] [COUNT count] [NOVALUES]: COUNT members
// a page, in member order; the cursor names where the next page starts
// (RespCursors).
absl::Status HScan(CommandContext& ctx, RespArgs args) {
  const std::string_view hash = args[1];
  if (absl::Status s = ValidateCollection(hash); !s.ok()) return s;
  std::uint64_t cursor = 0;
  const std::string_view text = args[2];
  if (std::from_chars(text.data(), text.data() + text.size(), cursor).ptr !=
          text.data() + text.size() ||
      text.empty()) {
    return absl::InvalidArgumentError("invalid cursor");
  }
  absl::StatusOr<ScanArgs> scan = ParseScanArgs(args.subspan(3), false);
  if (!scan.ok()) return scan.status();
  ScanOptions options;
  options.limit = static_cast<std::size_t>(scan->count);
  if (cursor != 0) {
    std::optional<std::string> start = ctx.shared.cursors.Find(cursor, hash);
    if (!start.has_value()) {
      return absl::InvalidArgumentError(fmt::format(
          "invalid cursor: {} is not a cursor of this hash, or has expired "
          "(the server keeps its latest {} cursors); start again from 0",
          cursor, ctx.shared.cursors.capacity()));
    }
    options.start = std::move(*start);
  }
  std::string page;
  std::size_t count = 0;
  std::string next;
  if (absl::Status s = ForEachMember(
          ctx, hash, options,
          [&](const SharedValue& item) {
            if (scan->match.has_value() &&
                !GlobMatch(*scan->match, item.member())) {
              return;
            }
            resp::Bulk(page, item.member());
            if (!scan->no_values) resp::Bulk(page, item.value());
            ++count;
          },
          &next);
      !s.ok()) {
    return s;
  }
  resp::ArrayHeader(ctx.out, 2);
  resp::Bulk(ctx.out, next.empty()
                          ? "0"
                          : std::to_string(ctx.shared.cursors.Add(hash, next)));
  resp::ArrayHeader(ctx.out, count * (scan->no_values ? 1 : 2));
  ctx.out += page;
  return absl::OkStatus();
}

constexpr std::array kCommands = {
    CommandSpec{"hset", -4, kWrite | kQueueable, 1, 1, 1, HSet, OneField},
    CommandSpec{"hmset", -4, kWrite | kQueueable, 1, 1, 1, HMSet, OneField},
    CommandSpec{"hsetnx", 4, kWrite | kQueueable, 1, 1, 1, HSetNx, OneField},
    CommandSpec{"hget", 3, kQueueable, 1, 1, 1, HGet},
    CommandSpec{"hmget", -3, kQueueable, 1, 1, 1, HMGet},
    CommandSpec{"hexists", 3, kQueueable, 1, 1, 1, HExists},
    CommandSpec{"hstrlen", 3, kQueueable, 1, 1, 1, HStrLen},
    CommandSpec{"hdel", -3, kWrite | kQueueable, 1, 1, 1, RemoveMembers,
                OneMember},
    CommandSpec{"hlen", 2, kWholeRead, 1, 1, 1, CountMembers},
    CommandSpec{"hkeys", 2, kWholeRead, 1, 1, 1, HKeys},
    CommandSpec{"hvals", 2, kWholeRead, 1, 1, 1, HVals},
    CommandSpec{"hgetall", 2, kWholeRead, 1, 1, 1, HGetAll},
    CommandSpec{"hscan", -3, kWholeRead, 1, 1, 1, HScan},
};

}  // namespace

absl::Span<const CommandSpec> HashCommands() { return kCommands; }

}  // namespace dskv::tool
