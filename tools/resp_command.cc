#include "tools/resp_command.h"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <chrono>
#include <limits>

#include "dskv/key.h"

namespace dskv::tool {

std::string_view CommandContext::StringKey(std::string_view key) {
  if (key.find('/') != std::string_view::npos) return key;
  std::string& buffer = session.key;
  buffer.assign(shared.config.default_collection);
  buffer += '/';
  buffer += key;
  return buffer;
}

absl::StatusOr<std::string_view> CommandContext::MemberKey(
    std::string_view collection, std::string_view member) {
  if (absl::Status s = ValidateCollection(collection); !s.ok()) return s;
  std::string& buffer = session.key;
  buffer.assign(collection);
  buffer += '/';
  buffer += member;
  return std::string_view(buffer);
}

bool IsWord(std::string_view arg, std::string_view lower) {
  if (arg.size() != lower.size()) return false;
  for (std::size_t i = 0; i < arg.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(arg[i])) != lower[i]) {
      return false;
    }
  }
  return true;
}

absl::Status SyntaxError() {
  return absl::InvalidArgumentError("syntax error");
}

absl::Status NotInteger() {
  return absl::InvalidArgumentError("value is not an integer or out of range");
}

absl::StatusOr<std::int64_t> ParseInteger(std::string_view arg) {
  std::int64_t value = 0;
  const char* end = arg.data() + arg.size();
  const auto [stop, ec] = std::from_chars(arg.data(), end, value);
  if (arg.empty() || ec != std::errc() || stop != end) return NotInteger();
  return value;
}

absl::Status InvalidExpireTime(std::string_view command) {
  return absl::InvalidArgumentError(
      fmt::format("invalid expire time in '{}' command", command));
}

absl::StatusOr<std::chrono::milliseconds> ParseExpireTime(
    std::string_view arg, ExpireUnit unit, std::string_view command) {
  absl::StatusOr<std::int64_t> value = ParseInteger(arg);
  if (!value.ok()) return value.status();
  std::int64_t ms = *value;
  if (!unit.milliseconds) {
    constexpr std::int64_t kLimit =
        std::numeric_limits<std::int64_t>::max() / 1000;
    if (ms > kLimit || ms < -kLimit) return InvalidExpireTime(command);
    ms *= 1000;
  }
  if (!unit.absolute) return std::chrono::milliseconds(ms);
  const std::int64_t now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count();
  if (ms < std::numeric_limits<std::int64_t>::min() + now_ms) {
    return InvalidExpireTime(command);
  }
  return std::chrono::milliseconds(ms - now_ms);
}

absl::StatusOr<ScanArgs> ParseScanArgs(RespArgs options, bool scan) {
  ScanArgs parsed;
  for (std::size_t i = 0; i < options.size(); ++i) {
    const std::string_view option = options[i];
    if (scan || !IsWord(option, "novalues")) {
      if (i + 1 >= options.size()) return SyntaxError();
    }
    if (IsWord(option, "match")) {
      parsed.match = options[++i];
    } else if (IsWord(option, "count")) {
      absl::StatusOr<std::int64_t> count = ParseInteger(options[++i]);
      if (!count.ok()) return count.status();
      if (*count < 1) return SyntaxError();
      parsed.count = *count;
    } else if (scan && IsWord(option, "type")) {
      parsed.type = options[++i];
    } else if (!scan && IsWord(option, "novalues")) {
      parsed.no_values = true;
    } else {
      return SyntaxError();
    }
  }
  return parsed;
}

absl::Status ForEachMember(CommandContext& ctx, std::string_view collection,
                           const ScanOptions& options,
                           absl::FunctionRef<void(const SharedValue&)> each,
                           std::string* next) {
  absl::StatusOr<SharedScanPage> page =
      ctx.store().ScanShared(collection, options);
  if (!page.ok()) return page.status();
  WatchSet& watch = ctx.session.watch;
  for (const SharedValue& item : page->items) {
    if (watch.active()) {
      std::string& key = ctx.session.key;
      key.assign(collection);
      key += '/';
      key += item.member();
      watch.Saw(key, item.value());
    }
    each(item);
  }
  if (next != nullptr) *next = std::move(page->next);
  return absl::OkStatus();
}

}  // namespace dskv::tool
