// Sorted sets, in the one form dskv holds: every score 0, so that the
// members sort by their bytes, as a collection's do. Such a sorted set is
// a collection whose values are empty (docs/resp.md#sorted-sets).

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <string>

#include "dskv/key.h"
#include "tools/resp_command.h"

namespace dskv::tool {
namespace {

constexpr std::string_view kLexOnly =
    "dskv keeps lexicographic sorted sets only: every score is 0";

absl::Status CheckScore(std::string_view text) {
  if (text.starts_with('+')) text.remove_prefix(1);
  double score = 0;
  const char* end = text.data() + text.size();
  const auto [stop, ec] = std::from_chars(text.data(), end, score);
  if (text.empty() || ec != std::errc() || stop != end || score != score) {
    return absl::InvalidArgumentError("value is not a valid float");
  }
  if (score != 0) {
    return absl::InvalidArgumentError(
        fmt::format("score {} is not 0: {}", text, kLexOnly));
  }
  return absl::OkStatus();
}

// ZADD key [NX|XX] [GT|LT] [CH] 0 member [0 member ...]: adds the members
// that are not there, with empty values. A member that is there keeps its
// value: its score, 0, does not change, so nothing changes, and CH, GT and
// LT have nothing to do.
absl::Status ZAdd(CommandContext& ctx, RespArgs args) {
  bool nx = false, xx = false, gt = false, lt = false;
  std::size_t i = 2;
  for (; i < args.size(); ++i) {
    const std::string_view option = args[i];
    if (IsWord(option, "nx")) {
      nx = true;
    } else if (IsWord(option, "xx")) {
      xx = true;
    } else if (IsWord(option, "gt")) {
      gt = true;
    } else if (IsWord(option, "lt")) {
      lt = true;
    } else if (IsWord(option, "ch")) {
    } else if (IsWord(option, "incr")) {
      return absl::InvalidArgumentError(
          fmt::format("ZADD's INCR option is not supported: {}", kLexOnly));
    } else {
      break;
    }
  }
  if (nx && xx) {
    return absl::InvalidArgumentError(
        "XX and NX options at the same time are not compatible");
  }
  if ((gt && lt) || ((gt || lt) && nx)) {
    return absl::InvalidArgumentError(
        "GT, LT, and/or NX options at the same time are not compatible");
  }
  if (i == args.size() || (args.size() - i) % 2 != 0) return SyntaxError();
  for (std::size_t j = i; j < args.size(); j += 2) {
    if (absl::Status s = CheckScore(args[j]); !s.ok()) return s;
  }
  std::int64_t added = 0;
  for (std::size_t j = i + 1; j < args.size() && !xx; j += 2) {
    absl::StatusOr<std::string_view> key = ctx.MemberKey(args[1], args[j]);
    if (!key.ok()) return key.status();
    absl::StatusOr<bool> added_one = ctx.access.PutIfAbsent(*key, "");
    if (!added_one.ok()) return added_one.status();
    added += *added_one ? 1 : 0;
  }
  resp::Integer(ctx.out, added);
  return absl::OkStatus();
}

bool ZAddIsSingleCall(RespArgs args) { return args.size() == 4; }

absl::Status ZScore(CommandContext& ctx, RespArgs args) {
  absl::StatusOr<std::string_view> key = ctx.MemberKey(args[1], args[2]);
  if (!key.ok()) return key.status();
  absl::StatusOr<bool> found = ctx.access.Read(*key, &ctx.session.value);
  if (!found.ok()) return found.status();
  *found ? resp::Bulk(ctx.out, "0") : resp::NullBulk(ctx.out);
  return absl::OkStatus();
}

// One end of a lexicographic range: "-", "+", "[member" or "(member".
struct LexBound {
  char kind;  // '-', '+', '[' or '('.
  std::string_view member;
};

absl::StatusOr<LexBound> ParseLexBound(std::string_view arg) {
  if (arg == "-" || arg == "+") return LexBound{arg[0], {}};
  if (!arg.empty() && (arg[0] == '[' || arg[0] == '(')) {
    return LexBound{arg[0], arg.substr(1)};
  }
  return absl::InvalidArgumentError("min or max not valid string range item");
}

// The Scan bounds of [min, max]; false if the range is empty whatever the
// members. Scan's start is inclusive and its end exclusive, and the member
// right after x in byte order is x followed by a zero byte.
bool ToScanBounds(const LexBound& min, const LexBound& max,
                  ScanOptions* options) {
  if (min.kind == '+' || max.kind == '-') return false;
  if (min.kind != '-') {
    options->start = std::string(min.member);
    if (min.kind == '(') options->start += '\0';
  }
  if (max.kind != '+') {
    // "(" alone: below every member. Scan's empty end means no bound.
    if (max.kind == '(' && max.member.empty()) return false;
    options->end = std::string(max.member);
    if (max.kind == '[') options->end += '\0';
  }
  return true;
}

// ZRANGEBYLEX key min max [LIMIT offset count], and ZREVRANGEBYLEX key max
// min [...], through Store::Scan; an offset scans the members it skips.
absl::Status RangeByLex(CommandContext& ctx, RespArgs args, bool reverse) {
  if (absl::Status s = ValidateCollection(args[1]); !s.ok()) return s;
  absl::StatusOr<LexBound> min = ParseLexBound(args[reverse ? 3 : 2]);
  absl::StatusOr<LexBound> max = ParseLexBound(args[reverse ? 2 : 3]);
  if (!min.ok() || !max.ok()) return min.ok() ? max.status() : min.status();
  std::int64_t offset = 0, count = -1;
  if (args.size() > 4) {
    if (args.size() != 7 || !IsWord(args[4], "limit")) return SyntaxError();
    absl::StatusOr<std::int64_t> o = ParseInteger(args[5]);
    absl::StatusOr<std::int64_t> c = ParseInteger(args[6]);
    if (!o.ok() || !c.ok()) return NotInteger();
    offset = *o;
    count = *c;
  }
  ScanOptions options;
  options.reverse = reverse;
  options.members_only = true;
  if (!ToScanBounds(*min, *max, &options) || offset < 0 || count == 0) {
    resp::ArrayHeader(ctx.out, 0);
    return absl::OkStatus();
  }
  if (count > 0) options.limit = static_cast<std::size_t>(offset + count);
  std::string items;
  std::size_t n = 0;
  std::int64_t skipped = 0;
  if (absl::Status s = ForEachMember(ctx, args[1], options,
                                     [&](const SharedValue& item) {
                                       if (skipped < offset) {
                                         ++skipped;
                                         return;
                                       }
                                       resp::Bulk(items, item.member());
                                       ++n;
                                     });
      !s.ok()) {
    return s;
  }
  resp::ArrayHeader(ctx.out, n);
  ctx.out += items;
  return absl::OkStatus();
}

absl::Status ZRangeByLex(CommandContext& ctx, RespArgs args) {
  return RangeByLex(ctx, args, false);
}

absl::Status ZRevRangeByLex(CommandContext& ctx, RespArgs args) {
  return RangeByLex(ctx, args, true);
}

constexpr std::array kCommands = {
    CommandSpec{"zadd", -4, kWrite | kQueueable, 1, 1, 1, ZAdd,
                ZAddIsSingleCall},
    CommandSpec{"zrem", -3, kWrite | kQueueable, 1, 1, 1, RemoveMembers,
                OneMember},
    CommandSpec{"zscore", 3, kQueueable, 1, 1, 1, ZScore},
    CommandSpec{"zcard", 2, kWholeRead, 1, 1, 1, CountMembers},
    CommandSpec{"zrangebylex", -4, kWholeRead, 1, 1, 1, ZRangeByLex},
    CommandSpec{"zrevrangebylex", -4, kWholeRead, 1, 1, 1, ZRevRangeByLex},
};

}  // namespace

absl::Span<const CommandSpec> SortedSetCommands() { return kCommands; }

}  // namespace dskv::tool
