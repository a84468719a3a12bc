#include "tools/http_listing.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "tools/dump_format.h"
#include "tools/json.h"

namespace dskv::tool {
namespace {

// Members read from the store at a time, so that a page that ends early
// (at max_body_bytes) has not shared many more values than it sends.
constexpr std::size_t kScanChunk = 1024;

constexpr std::string_view kParameters[] = {"list", "values", "start",
                                            "end",  "limit",  "reverse"};

absl::Status BadParameter(std::string_view name, std::string_view rule) {
  return absl::InvalidArgumentError(
      fmt::format("query parameter {:?}: {}", name, rule));
}

// The member that start or end names: a key as listings give them, or a
// member, either one percent-encoded as in a path (and, being a query
// value, encoded again by the client).
absl::StatusOr<std::string> ListingMember(std::string_view name,
                                          std::string_view text,
                                          std::string_view collection) {
  absl::StatusOr<std::string> decoded = PercentDecode(text);
  if (!decoded.ok()) {
    return BadParameter(name, std::string(decoded.status().message()));
  }
  const std::string key_prefix = fmt::format("/{}/", collection);
  if (decoded->starts_with(key_prefix))
    return decoded->substr(key_prefix.size());
  return decoded;
}

}  // namespace

absl::StatusOr<ListingRequest> ParseListingRequest(const HttpTarget& target) {
  for (const auto& [name, value] : target.query) {
    if (std::find(std::begin(kParameters), std::end(kParameters), name) ==
        std::end(kParameters)) {
      return BadParameter(
          name,
          "not a listing parameter (list or values; start, end, limit, "
          "reverse)");
    }
  }
  ListingRequest request;
  if (target.Has("list") == target.Has("values")) {
    return absl::InvalidArgumentError(
        "a listing takes exactly one of ?list (the keys) and ?values (the "
        "pairs)");
  }
  request.form = target.Has("list") ? ListingRequest::Form::kKeys
                                    : ListingRequest::Form::kPairs;
  request.collection = target.collection;
  request.scan.prefix = target.member;
  for (auto [name, bound] : {std::pair{"start", &request.scan.start},
                             std::pair{"end", &request.scan.end}}) {
    if (std::optional<std::string_view> text = target.Value(name)) {
      absl::StatusOr<std::string> member =
          ListingMember(name, *text, request.collection);
      if (!member.ok()) return member.status();
      *bound = *std::move(member);
    }
  }
  if (target.Has("limit")) {
    std::optional<std::string_view> text = target.Value("limit");
    std::uint64_t limit = 0;
    const char* end = text.has_value() ? text->data() + text->size() : nullptr;
    if (!text.has_value() || text->empty() ||
        std::from_chars(text->data(), end, limit).ptr != end) {
      return BadParameter("limit",
                          "must be a whole number of keys (0: no limit)");
    }
    request.scan.limit = static_cast<std::size_t>(limit);
  }
  if (target.Has("reverse")) {
    const std::string_view text = target.Value("reverse").value_or("");
    if (text.empty() || text == "1" || text == "true") {
      request.scan.reverse = true;
    } else if (text != "0" && text != "false") {
      return BadParameter("reverse",
                          "must have no value, or 1, true, 0, false");
    }
  }
  request.scan.members_only = request.form == ListingRequest::Form::kKeys;
  return request;
}

absl::StatusOr<ListingPage> ReadListing(const Store& store,
                                        const ListingRequest& request,
                                        std::size_t max_body_bytes) {
  const bool keys = request.form == ListingRequest::Form::kKeys;
  ScanOptions scan = request.scan;
  const std::size_t limit = request.scan.limit;  // 0: none.
  std::size_t count = 0;
  std::string items;  // The keys' JSON strings, or the dump lines.
  std::string last_member;
  std::optional<std::string> next_member;
  while (!next_member.has_value()) {
    scan.limit = limit == 0 ? kScanChunk : std::min(kScanChunk, limit - count);
    absl::StatusOr<SharedScanPage> page =
        store.ScanShared(request.collection, scan);
    if (!page.ok()) return page.status();
    for (const SharedValue& item : page->items) {
      if (count > 0 && items.size() >= max_body_bytes) {
        // Forward, the next page starts at the first member left out; in
        // reverse, it ends (exclusively) at the last one sent.
        next_member = scan.reverse ? last_member : std::string(item.member());
        break;
      }
      if (keys) {
        if (count > 0) items += ',';
        items += JsonQuote(KeyPath(request.collection, item.member()));
      } else {
        items +=
            EncodeDumpLine(request.collection, item.member(), item.value());
        items += '\n';
      }
      ++count;
      last_member = item.member();
    }
    if (next_member.has_value()) break;
    if (page->next.empty() || (limit != 0 && count == limit)) {
      next_member = std::move(page->next);
    } else if (scan.reverse) {
      scan.end = std::move(page->next);
    } else {
      scan.start = std::move(page->next);
    }
  }
  ListingPage result;
  if (!next_member->empty()) {
    result.next = KeyPath(request.collection, *next_member);
  }
  if (keys) {
    result.body = fmt::format("{{\"next\":{},\"keys\":[{}]}}\n",
                              JsonQuote(result.next), items);
  } else {
    result.body = std::move(items);
  }
  return result;
}

}  // namespace dskv::tool
