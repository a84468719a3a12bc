// String commands: a string key names member `key` of the default
// collection, or, with a '/', the dskv key itself (docs/resp.md#strings).

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <optional>
#include <string>

#include "tools/resp_command.h"

namespace dskv::tool {
namespace {

absl::Status Get(CommandContext& ctx, RespArgs args) {
  absl::StatusOr<bool> found =
      ctx.access.Read(ctx.StringKey(args[1]), &ctx.session.value);
  if (!found.ok()) return found.status();
  if (*found) {
    resp::Bulk(ctx.out, ctx.session.value);
  } else {
    resp::NullBulk(ctx.out);
  }
  return absl::OkStatus();
}

// How SET stores its value: as it is, with a deadline, or keeping the
// key's deadline.
struct SetTtl {
  std::optional<std::chrono::milliseconds> ttl;  // Non-positive: passed.
  bool keep = false;
};

// Stores `value` at `key` as `how` says.
absl::Status StoreForSet(CommandContext& ctx, std::string_view key,
                         std::string_view value, const SetTtl& how) {
  if (how.ttl.has_value()) {
    // EXAT or PXAT in the past: Redis stores the value and drops it at once.
    if (how.ttl->count() <= 0) return ctx.access.Remove(key).status();
    return ctx.access.PutExpiring(key, value, *how.ttl);
  }
  if (how.keep) {
    // Read from the store, even in a transaction: a deadline is no
    // condition a batch can check (docs/resp.md#expiry).
    absl::StatusOr<std::optional<std::chrono::milliseconds>> left =
        ctx.store().Ttl(key);
    if (left.ok() && left->has_value()) {
      return ctx.access.PutExpiring(key, value, **left);
    }
    if (!left.ok() && !absl::IsNotFound(left.status())) return left.status();
  }
  return ctx.access.Put(key, value);
}

// SET key value [NX|XX] [GET] [EX s|PX ms|EXAT t|PXAT t|KEEPTTL].
absl::Status Set(CommandContext& ctx, RespArgs args) {
  bool nx = false, xx = false, get = false;
  SetTtl how;
  for (std::size_t i = 3; i < args.size(); ++i) {
    const std::string_view option = args[i];
    if (IsWord(option, "nx")) {
      nx = true;
    } else if (IsWord(option, "xx")) {
      xx = true;
    } else if (IsWord(option, "get")) {
      get = true;
    } else if (IsWord(option, "keepttl") && !how.ttl.has_value()) {
      how.keep = true;
    } else if ((IsWord(option, "ex") || IsWord(option, "px") ||
                IsWord(option, "exat") || IsWord(option, "pxat")) &&
               !how.keep && !how.ttl.has_value() && i + 1 < args.size()) {
      const ExpireUnit unit{IsWord(option, "px") || IsWord(option, "pxat"),
                            IsWord(option, "exat") || IsWord(option, "pxat")};
      const std::string_view time = args[++i];
      absl::StatusOr<std::int64_t> given = ParseInteger(time);
      if (!given.ok()) return given.status();
      if (*given <= 0) return InvalidExpireTime("set");
      absl::StatusOr<std::chrono::milliseconds> ttl =
          ParseExpireTime(time, unit, "set");
      if (!ttl.ok()) return ttl.status();
      how.ttl = *ttl;
    } else {
      return SyntaxError();
    }
  }
  if (nx && xx) return SyntaxError();
  const std::string_view key = ctx.StringKey(args[1]);
  const std::string_view value = args[2];
  if (!nx && !xx && !get) {
    if (absl::Status s = StoreForSet(ctx, key, value, how); !s.ok()) return s;
    resp::Ok(ctx.out);
    return absl::OkStatus();
  }
  if (nx && !get && !how.ttl.has_value() && !how.keep) {
    absl::StatusOr<bool> set = ctx.access.PutIfAbsent(key, value);
    if (!set.ok()) return set.status();
    *set ? resp::Ok(ctx.out) : resp::NullBulk(ctx.out);
    return absl::OkStatus();
  }
  // GET, XX, or NX with a ttl: a read, then maybe a write (in a
  // transaction: see SetIsSingleCall).
  absl::StatusOr<bool> existed = ctx.access.Read(key, &ctx.session.value);
  if (!existed.ok()) return existed.status();
  const bool write = nx ? !*existed : (xx ? *existed : true);
  if (write) {
    if (absl::Status s = StoreForSet(ctx, key, value, how); !s.ok()) return s;
  }
  if (get) {
    *existed ? resp::Bulk(ctx.out, ctx.session.value) : resp::NullBulk(ctx.out);
  } else {
    write ? resp::Ok(ctx.out) : resp::NullBulk(ctx.out);
  }
  return absl::OkStatus();
}

bool SetIsSingleCall(RespArgs args) {
  return args.size() == 3 || (args.size() == 4 && IsWord(args[3], "nx")) ||
         (args.size() == 5 && (IsWord(args[3], "ex") || IsWord(args[3], "px")));
}

// SETEX key seconds value, PSETEX key milliseconds value.
absl::Status SetExpiring(CommandContext& ctx, RespArgs args,
                         bool milliseconds) {
  const std::string_view command = milliseconds ? "psetex" : "setex";
  absl::StatusOr<std::int64_t> given = ParseInteger(args[2]);
  if (!given.ok()) return given.status();
  if (*given <= 0) return InvalidExpireTime(command);
  absl::StatusOr<std::chrono::milliseconds> ttl =
      ParseExpireTime(args[2], ExpireUnit{milliseconds, false}, command);
  if (!ttl.ok()) return ttl.status();
  if (absl::Status s =
          ctx.access.PutExpiring(ctx.StringKey(args[1]), args[3], *ttl);
      !s.ok()) {
    return s;
  }
  resp::Ok(ctx.out);
  return absl::OkStatus();
}

absl::Status SetEx(CommandContext& ctx, RespArgs args) {
  return SetExpiring(ctx, args, /*milliseconds=*/false);
}

absl::Status PSetEx(CommandContext& ctx, RespArgs args) {
  return SetExpiring(ctx, args, /*milliseconds=*/true);
}

absl::Status SetNx(CommandContext& ctx, RespArgs args) {
  absl::StatusOr<bool> set =
      ctx.access.PutIfAbsent(ctx.StringKey(args[1]), args[2]);
  if (!set.ok()) return set.status();
  resp::Integer(ctx.out, *set ? 1 : 0);
  return absl::OkStatus();
}

absl::Status MGet(CommandContext& ctx, RespArgs args) {
  resp::ArrayHeader(ctx.out, args.size() - 1);
  for (std::size_t i = 1; i < args.size(); ++i) {
    absl::StatusOr<bool> found =
        ctx.access.Read(ctx.StringKey(args[i]), &ctx.session.value);
    if (!found.ok()) return found.status();
    *found ? resp::Bulk(ctx.out, ctx.session.value) : resp::NullBulk(ctx.out);
  }
  return absl::OkStatus();
}

absl::Status MSet(CommandContext& ctx, RespArgs args) {
  if (args.size() % 2 == 0) {
    return absl::InvalidArgumentError(
        "wrong number of arguments for 'mset' command");
  }
  for (std::size_t i = 1; i < args.size(); i += 2) {
    if (absl::Status s = ctx.access.Put(ctx.StringKey(args[i]), args[i + 1]);
        !s.ok()) {
      return s;
    }
  }
  resp::Ok(ctx.out);
  return absl::OkStatus();
}

bool MSetIsSingleCall(RespArgs args) { return args.size() == 3; }

absl::Status StrLen(CommandContext& ctx, RespArgs args) {
  absl::StatusOr<bool> found =
      ctx.access.Read(ctx.StringKey(args[1]), &ctx.session.value);
  if (!found.ok()) return found.status();
  resp::Integer(
      ctx.out,
      *found ? static_cast<std::int64_t>(ctx.session.value.size()) : 0);
  return absl::OkStatus();
}

// GETRANGE key start end: bytes start to end, both included; negative
// offsets count from the end. As Redis's getrangeCommand.
absl::Status GetRange(CommandContext& ctx, RespArgs args) {
  absl::StatusOr<std::int64_t> start = ParseInteger(args[2]);
  absl::StatusOr<std::int64_t> end = ParseInteger(args[3]);
  if (!start.ok() || !end.ok()) return NotInteger();
  absl::StatusOr<bool> found =
      ctx.access.Read(ctx.StringKey(args[1]), &ctx.session.value);
  if (!found.ok()) return found.status();
  const std::string_view value =
      *found ? std::string_view(ctx.session.value) : std::string_view();
  const auto size = static_cast<std::int64_t>(value.size());
  std::int64_t from = *start, to = *end;
  if (from < 0 && to < 0 && from > to) {
    resp::Bulk(ctx.out, "");
    return absl::OkStatus();
  }
  if (from < 0) from = std::max<std::int64_t>(size + from, 0);
  if (to < 0) to = std::max<std::int64_t>(size + to, 0);
  to = std::min(to, size - 1);
  if (size == 0 || from > to) {
    resp::Bulk(ctx.out, "");
  } else {
    resp::Bulk(ctx.out, value.substr(static_cast<std::size_t>(from),
                                     static_cast<std::size_t>(to - from + 1)));
  }
  return absl::OkStatus();
}

bool Always(RespArgs) { return true; }

constexpr std::array kCommands = {
    CommandSpec{"get", 2, kQueueable | kPipelinedGet, 1, 1, 1, Get},
    CommandSpec{"set", -3, kWrite | kQueueable, 1, 1, 1, Set, SetIsSingleCall},
    CommandSpec{"setnx", 3, kWrite | kQueueable, 1, 1, 1, SetNx, Always},
    CommandSpec{"setex", 4, kWrite | kQueueable, 1, 1, 1, SetEx, Always},
    CommandSpec{"psetex", 4, kWrite | kQueueable, 1, 1, 1, PSetEx, Always},
    CommandSpec{"mget", -2, kQueueable, 1, -1, 1, MGet},
    CommandSpec{"mset", -3, kWrite | kQueueable, 1, -1, 2, MSet,
                MSetIsSingleCall},
    CommandSpec{"strlen", 2, kQueueable, 1, 1, 1, StrLen},
    CommandSpec{"getrange", 4, kQueueable, 1, 1, 1, GetRange},
};

}  // namespace

absl::Span<const CommandSpec> StringCommands() { return kCommands; }

}  // namespace dskv::tool
