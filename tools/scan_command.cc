// scan: the members of one collection in order, within bounds, a page at a
// time (Store::Scan).

#include <fmt/format.h>

#include <charconv>
#include <cstddef>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "dskv/store.h"
#include "tools/commands.h"
#include "tools/io.h"
#include "tools/json.h"
#include "tools/store_open.h"
#include "tools/text.h"

namespace dskv::tool {
namespace {

constexpr FlagSpec kStartFlag{"start", /*takes_value=*/true};
constexpr FlagSpec kEndFlag{"end", /*takes_value=*/true};
constexpr FlagSpec kPrefixFlag{"prefix", /*takes_value=*/true};
constexpr FlagSpec kLimitFlag{"limit", /*takes_value=*/true};
constexpr FlagSpec kReverseFlag{"reverse"};
constexpr FlagSpec kMembersOnlyFlag{"members-only"};

absl::StatusOr<std::uint64_t> ParseLimit(std::string_view text) {
  return ParseWholeNumber(kLimitFlag.name, text);
}

absl::Status CheckScan(const Invocation& invocation) {
  if (std::optional<std::string> limit = invocation.Value(kLimitFlag.name)) {
    return ParseLimit(*limit).status();
  }
  return absl::OkStatus();
}

ScanOptions OptionsOf(const Invocation& invocation) {
  ScanOptions options;
  options.start = invocation.Value(kStartFlag.name).value_or("");
  options.end = invocation.Value(kEndFlag.name).value_or("");
  options.prefix = invocation.Value(kPrefixFlag.name).value_or("");
  if (std::optional<std::string> limit = invocation.Value(kLimitFlag.name)) {
    options.limit = *ParseLimit(*limit);  // CheckScan accepted it.
  }
  options.reverse = invocation.Has(kReverseFlag.name);
  options.members_only = invocation.Has(kMembersOnlyFlag.name);
  return options;
}

std::string PageText(const ScanPage& page, bool members_only) {
  std::string out;
  for (const auto& [member, value] : page.items) {
    out += DisplayName(member);
    if (!members_only) out += "\t" + DisplayName(value);
    out += "\n";
  }
  return out;
}

std::string PageJson(const ScanPage& page, bool members_only) {
  std::vector<std::string> items;
  items.reserve(page.items.size());
  for (const auto& [member, value] : page.items) {
    JsonObject item;
    item.AddBytes("member", member);
    if (!members_only) item.AddBytes("value", value);
    items.push_back(item.Build());
  }
  return JsonObject()
             .AddJson("items", JsonArray(items))
             .AddBytes("next", page.next)
             .Build() +
         "\n";
}

absl::Status RunScan(const Invocation& invocation) {
  absl::StatusOr<std::unique_ptr<Store>> store =
      OpenReadOnly(invocation.store_dir(), invocation.command());
  if (!store.ok()) return store.status();
  const ScanOptions options = OptionsOf(invocation);
  absl::StatusOr<ScanPage> page = (*store)->Scan(invocation.args()[1], options);
  if (!page.ok()) return page.status();
  if (invocation.json()) {
    return WriteStdout(PageJson(*page, options.members_only));
  }
  if (absl::Status s = WriteStdout(PageText(*page, options.members_only));
      !s.ok()) {
    return s;
  }
  if (page->next.empty()) return absl::OkStatus();
  fmt::print(stderr, "next: {} (pass it as --{})\n", DisplayName(page->next),
             options.reverse ? "end" : "start");
  return absl::OkStatus();
}

}  // namespace

Command ScanCommand() {
  return {
      .name = "scan",
      .summary = "list a collection's members in order, a page at a time",
      .synopsis =
          "scan [--start=M] [--end=M] [--prefix=P] [--limit=N] [--reverse]\n"
          "          [--members-only] [--json] STORE_DIR COLLECTION",
      .description = fmt::format(
          "Prints the members of COLLECTION in the order of their bytes, one\n"
          "per line, each with a tab and its value; names and values that are\n"
          "not printable UTF-8 without spaces are shown quoted, with escapes.\n"
          "If a limit cut the page short, prints on stderr where the next "
          "page\n"
          "starts.\n\n{}\n"
          "  --start=M       only members >= M\n"
          "  --end=M         only members < M\n"
          "  --prefix=P      only members beginning with P\n"
          "  --limit=N       at most N members (0, the default: all)\n"
          "  --reverse       largest member first; the next page is then\n"
          "                  --end=NEXT\n"
          "  --members-only  print the members without their values\n"
          "  --json          print {{\"items\":[{{\"member\":...,\"value\":..."
          "}},...],\"next\":...}}\n"
          "                  instead (\"next\" is \"\" on the last page); a "
          "field that\n"
          "                  is not UTF-8 is given base64-encoded as "
          "\"<field>_base64\".\n",
          kReadOnlyNote),
      .flags = {kStartFlag, kEndFlag, kPrefixFlag, kLimitFlag, kReverseFlag,
                kMembersOnlyFlag, kJsonFlag},
      .min_args = 2,
      .max_args = 2,
      .arg_kinds = {ArgKind::kAny, ArgKind::kCollection},
      .check = CheckScan,
      .run = RunScan,
  };
}

}  // namespace dskv::tool
