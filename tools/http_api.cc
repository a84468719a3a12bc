#include "tools/http_api.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <limits>

#include "base/hex_digest.h"
#include "dskv/errors.h"
#include "dskv/key.h"
#include "tools/http_batch.h"
#include "tools/http_listing.h"
#include "tools/http_request.h"
#include "tools/store_json.h"

namespace dskv::tool {
namespace {

// ?ttl=SECONDS: a positive whole number of seconds.
absl::StatusOr<std::chrono::milliseconds> ParseTtl(std::string_view text) {
  std::int64_t seconds = 0;
  const char* end = text.data() + text.size();
  const auto [stop, ec] = std::from_chars(text.data(), end, seconds);
  constexpr std::int64_t kMaxSeconds =
      std::numeric_limits<std::int64_t>::max() / 1000;
  if (text.empty() || ec != std::errc() || stop != end || seconds <= 0 ||
      seconds > kMaxSeconds) {
    return absl::InvalidArgumentError(
        fmt::format("?ttl={:?}: the ttl is seconds, a positive integer", text));
  }
  return std::chrono::seconds(seconds);
}

// The status an error of the store answers with.
int StatusFor(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument:
      return 400;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kFailedPrecondition:  // Read-only, or closing.
      return 403;
    case absl::StatusCode::kAborted:
      return 409;
    case absl::StatusCode::kResourceExhausted:
      // The store's memory limit, or a body larger than this server takes.
      return IsMemoryLimitError(status) ? 507 : 413;
    case absl::StatusCode::kUnavailable:
      return 503;
    default:
      return 500;
  }
}

ApiResponse ErrorResponse(const absl::Status& status) {
  return TextResponse(StatusFor(status), std::string(status.message()));
}

// The API's strong entity tag of a value: its XXH3-128 digest, quoted.
std::string ETagOf(std::string_view value) {
  return fmt::format("\"{}\"", Xxh3Hex128(value));
}

// Whether an If-None-Match header names `etag` (or is "*").
bool NoneMatchHits(std::string_view header, std::string_view etag) {
  std::size_t at = 0;
  while (at < header.size()) {
    const std::size_t comma = std::min(header.find(',', at), header.size());
    std::string_view tag = header.substr(at, comma - at);
    while (!tag.empty() && (tag.front() == ' ' || tag.front() == '\t')) {
      tag.remove_prefix(1);
    }
    while (!tag.empty() && (tag.back() == ' ' || tag.back() == '\t')) {
      tag.remove_suffix(1);
    }
    // A weak tag matches too (RFC 9110: If-None-Match compares weakly).
    if (tag.starts_with("W/")) tag.remove_prefix(2);
    if (tag == "*" || tag == etag) return true;
    at = comma + 1;
  }
  return false;
}

ApiResponse MethodNotAllowed(std::string_view method, std::string_view allow) {
  ApiResponse response = TextResponse(
      405,
      fmt::format("method {} is not allowed here; allowed: {}", method, allow));
  response.headers.emplace_back("Allow", allow);
  return response;
}

// A body that remembers whether it was read whole: if not, what is left of
// it (or what a failed read left) would be taken for the next request.
class TrackedBody : public BodySource {
 public:
  explicit TrackedBody(BodySource& body) : body_(body) {}

  absl::Status ReadInto(absl::Span<char> out) override {
    absl::Status status = body_.ReadInto(out);
    read_ = status.ok();
    return status;
  }
  absl::StatusOr<std::string> ReadAll(std::uint64_t limit) override {
    absl::StatusOr<std::string> all = body_.ReadAll(limit);
    read_ = all.ok();
    return all;
  }

  bool read() const { return read_; }

 private:
  BodySource& body_;
  bool read_ = false;
};

// OK if a body of `size` bytes is within `limit`, which `rule` explains;
// 413 if not.
absl::Status CheckBodySize(std::uint64_t size, std::uint64_t limit,
                           std::string_view rule) {
  if (size <= limit) return absl::OkStatus();
  return absl::ResourceExhaustedError(
      fmt::format("the body is {} bytes; this server takes at most {} ({})",
                  size, limit, rule));
}

constexpr std::string_view kValueRule = "--max-value-size";

absl::StatusOr<std::string> CollectionsJsonOf(const Store& store) {
  absl::StatusOr<std::vector<CollectionInfo>> collections =
      store.ListCollections();
  if (!collections.ok()) return collections.status();
  return CollectionsJson(*collections);
}

absl::StatusOr<std::string> StatsJsonOf(const Store& store) {
  absl::StatusOr<Stats> stats = store.GetStats();
  if (!stats.ok()) return stats.status();
  return StatsJson(*stats);
}

}  // namespace

ApiResponse TextResponse(int status, std::string_view message) {
  ApiResponse response;
  response.status = status;
  response.text = std::string(message);
  response.text += '\n';
  response.headers.emplace_back("Content-Type", "text/plain; charset=utf-8");
  return response;
}

ApiResponse HttpApi::Handle(const ApiRequest& request, BodySource& body) {
  TrackedBody tracked(body);
  ApiResponse response = [&] {
    absl::StatusOr<HttpTarget> target = ParseTarget(request.target);
    if (!target.ok()) return ErrorResponse(target.status());
    return Route(request, *target, tracked);
  }();
  const bool has_body =
      request.chunked || request.content_length.value_or(0) > 0;
  if (has_body && !tracked.read()) response.body_unread = true;
  return response;
}

ApiResponse HttpApi::Route(const ApiRequest& request, const HttpTarget& target,
                           BodySource& body) {
  using Kind = HttpTarget::Kind;
  const std::string_view method = request.method;
  const bool read = method == "GET" || method == "HEAD";
  auto head_if = [&](ApiResponse response) {
    response.headers_only = method == "HEAD";
    return response;
  };
  const bool named =
      target.kind == Kind::kCollection || target.kind == Kind::kKey;
  if (named) {
    // Joined, a key would be split at the collection's own '/'.
    if (absl::Status s = ValidateCollection(target.collection); !s.ok()) {
      return ErrorResponse(s);
    }
  }
  const bool listing = target.kind == Kind::kCollection ||
                       (target.kind == Kind::kKey &&
                        (target.Has("list") || target.Has("values")));
  if (listing && read) return head_if(List(target));
  const bool put_key = target.kind == Kind::kKey && method == "PUT";
  for (const auto& [name, value] : target.query) {
    // A misspelt ?sync must not pass for a durable write, nor a misspelt
    // ?ttl for a value that expires.
    if (name != "sync" && !(put_key && name == "ttl") &&
        !(listing && (name == "list" || name == "values"))) {
      return TextResponse(
          400, fmt::format("query parameter {:?}: only a listing (GET with "
                           "?list or ?values) takes parameters besides ?sync, "
                           "and a PUT of a key ?ttl",
                           name));
    }
  }
  const bool sync = options_.sync || target.Has("sync");
  switch (target.kind) {
    case Kind::kHealth:
      if (read) return head_if(TextResponse(200, "ok"));
      return MethodNotAllowed(method, "GET, HEAD");
    case Kind::kRoot:
      if (read) return head_if(Json(CollectionsJsonOf(store_)));
      return MethodNotAllowed(method, "GET, HEAD");
    case Kind::kStats:
      if (read) return head_if(Json(StatsJsonOf(store_)));
      return MethodNotAllowed(method, "GET, HEAD");
    case Kind::kBatch:
      if (method == "POST") return Batch(request, sync, body);
      return MethodNotAllowed(method, "POST");
    case Kind::kCollection:
      if (method == "DELETE") return DeleteAll(target.collection, sync);
      if (method == "POST") {
        return PostContent(request, target.collection, sync, body);
      }
      return MethodNotAllowed(method, "GET, HEAD, DELETE, POST");
    case Kind::kKey:
      break;
  }
  if (listing) return MethodNotAllowed(method, "GET, HEAD");
  const std::string key = target.collection + "/" + target.member;
  if (read) return Get(request, key, method == "HEAD");
  if (method == "PUT") {
    PutOptions options;
    if (const std::optional<std::string_view> ttl = target.Value("ttl")) {
      absl::StatusOr<std::chrono::milliseconds> parsed = ParseTtl(*ttl);
      if (!parsed.ok()) return ErrorResponse(parsed.status());
      options.ttl = *parsed;
    } else if (target.Has("ttl")) {
      return TextResponse(400,
                          "?ttl needs a value: seconds, a positive "
                          "integer");
    }
    return Put(request, key, options, sync, body);
  }
  if (method == "DELETE") return Delete(key, sync);
  return MethodNotAllowed(method, "GET, HEAD, PUT, DELETE");
}

ApiResponse HttpApi::Get(const ApiRequest& request, const std::string& key,
                         bool headers_only) {
  absl::StatusOr<SharedValue> value = store_.GetShared(key);
  if (!value.ok()) {
    ApiResponse response = ErrorResponse(value.status());
    if (absl::IsNotFound(value.status())) {
      // As minikeyvalue: no body, so HEAD and GET answer alike.
      response.text.clear();
      response.headers.clear();
    }
    response.headers_only = headers_only;
    return response;
  }
  const std::string_view bytes = value->value();
  const std::string etag = ETagOf(bytes);
  if (request.if_none_match.has_value() &&
      NoneMatchHits(*request.if_none_match, etag)) {
    ApiResponse response;
    response.status = 304;
    response.headers.emplace_back("ETag", etag);
    return response;
  }
  ApiResponse response;
  response.status = 200;
  response.headers_only = headers_only;
  response.length = bytes.size();
  if (request.range.has_value()) {
    absl::StatusOr<std::optional<ByteRange>> range =
        ParseRange(*request.range, bytes.size());
    if (!range.ok()) {
      ApiResponse refused =
          TextResponse(416, std::string(range.status().message()));
      refused.headers.emplace_back("Content-Range",
                                   fmt::format("bytes */{}", bytes.size()));
      return refused;
    }
    if (range->has_value()) {
      response.status = 206;
      response.offset = (*range)->first;
      response.length = (*range)->last - (*range)->first + 1;
      response.headers.emplace_back(
          "Content-Range", fmt::format("bytes {}-{}/{}", (*range)->first,
                                       (*range)->last, bytes.size()));
    }
  }
  response.headers.emplace_back("Content-Type", "application/octet-stream");
  response.headers.emplace_back("ETag", etag);
  response.headers.emplace_back("Accept-Ranges", "bytes");
  response.value = *std::move(value);
  return response;
}

ApiResponse HttpApi::Put(const ApiRequest& request, const std::string& key,
                         const PutOptions& options, bool sync,
                         BodySource& body) {
  absl::StatusOr<bool> created;
  if (request.chunked) {
    // Of unknown size: read whole first, then copied in.
    absl::StatusOr<std::string> value = body.ReadAll(options_.max_value_size);
    if (!value.ok()) return ErrorResponse(value.status());
    created = store_.PutFrom(
        key, value->size(),
        [&](absl::Span<char> out) {
          if (!value->empty()) {
            std::memcpy(out.data(), value->data(), out.size());
          }
          return absl::OkStatus();
        },
        options);
  } else {
    const std::uint64_t size = request.content_length.value_or(0);
    if (absl::Status s =
            CheckBodySize(size, options_.max_value_size, kValueRule);
        !s.ok()) {
      return ErrorResponse(s);
    }
    created = store_.PutFrom(
        key, size, [&](absl::Span<char> out) { return body.ReadInto(out); },
        options);
  }
  if (!created.ok()) return ErrorResponse(created.status());
  if (absl::Status s = SyncIf(sync); !s.ok()) return ErrorResponse(s);
  ApiResponse response;
  response.status = *created ? 201 : 204;
  return response;
}

ApiResponse HttpApi::Delete(const std::string& key, bool sync) {
  absl::StatusOr<bool> removed = store_.Remove(key);
  if (!removed.ok()) return ErrorResponse(removed.status());
  if (absl::Status s = SyncIf(sync); !s.ok()) return ErrorResponse(s);
  ApiResponse response;
  response.status = *removed ? 204 : 404;
  return response;
}

ApiResponse HttpApi::List(const HttpTarget& target) {
  absl::StatusOr<ListingRequest> request = ParseListingRequest(target);
  if (!request.ok()) return ErrorResponse(request.status());
  absl::StatusOr<ListingPage> page =
      ReadListing(store_, *request, options_.max_listing_bytes);
  if (!page.ok()) return ErrorResponse(page.status());
  ApiResponse response;
  response.status = 200;
  response.text = std::move(page->body);
  const bool keys = request->form == ListingRequest::Form::kKeys;
  response.headers.emplace_back(
      "Content-Type", keys ? "application/json" : "application/x-ndjson");
  // ?values has no JSON to hold it. A key path is ASCII: safe in a header.
  response.headers.emplace_back("Dskv-Next", std::move(page->next));
  return response;
}

ApiResponse HttpApi::DeleteAll(const std::string& collection, bool sync) {
  if (absl::Status s = store_.DeleteAll(collection); !s.ok()) {
    return ErrorResponse(s);
  }
  if (absl::Status s = SyncIf(sync); !s.ok()) return ErrorResponse(s);
  ApiResponse response;
  response.status = 204;
  return response;
}

ApiResponse HttpApi::PostContent(const ApiRequest& request,
                                 const std::string& collection, bool sync,
                                 BodySource& body) {
  // PutContent hashes the whole value before it stores it: the body is
  // read whole first.
  absl::StatusOr<std::string> value =
      ReadBody(request, options_.max_value_size, kValueRule, body);
  if (!value.ok()) return ErrorResponse(value.status());
  absl::StatusOr<std::string> member = store_.PutContent(collection, *value);
  if (!member.ok()) return ErrorResponse(member.status());
  if (absl::Status s = SyncIf(sync); !s.ok()) return ErrorResponse(s);
  const std::string location = KeyPath(collection, *member);
  ApiResponse response = TextResponse(201, location);
  response.headers.emplace_back("Location", location);
  return response;
}

ApiResponse HttpApi::Batch(const ApiRequest& request, bool sync,
                           BodySource& body) {
  absl::StatusOr<std::string> lines =
      ReadBody(request, 2 * options_.max_value_size + (1 << 20),
               "twice --max-value-size, plus 1 MiB, for a batch", body);
  if (!lines.ok()) return ErrorResponse(lines.status());
  absl::StatusOr<WriteBatch> batch = ParseBatch(*lines);
  if (!batch.ok()) return ErrorResponse(batch.status());
  lines->clear();
  lines->shrink_to_fit();
  if (absl::Status s = store_.Write(*batch); !s.ok()) return ErrorResponse(s);
  if (absl::Status s = SyncIf(sync); !s.ok()) return ErrorResponse(s);
  ApiResponse response;
  response.status = 204;
  return response;
}

ApiResponse HttpApi::Json(const absl::StatusOr<std::string>& json) const {
  if (!json.ok()) return ErrorResponse(json.status());
  ApiResponse response;
  response.status = 200;
  response.text = *json;
  response.headers.emplace_back("Content-Type", "application/json");
  return response;
}

absl::StatusOr<std::string> HttpApi::ReadBody(const ApiRequest& request,
                                              std::uint64_t limit,
                                              std::string_view rule,
                                              BodySource& body) {
  if (request.chunked) return body.ReadAll(limit);
  const std::uint64_t size = request.content_length.value_or(0);
  if (absl::Status s = CheckBodySize(size, limit, rule); !s.ok()) return s;
  std::string bytes(size, '\0');
  if (absl::Status s = body.ReadInto(absl::MakeSpan(bytes)); !s.ok()) return s;
  return bytes;
}

absl::Status HttpApi::SyncIf(bool sync) {
  return sync ? store_.Flush() : absl::OkStatus();
}

}  // namespace dskv::tool
