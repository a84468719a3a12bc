#include "tools/http_api.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "base/hex_digest.h"
#include "dskv/key.h"
#include "tools/http_request.h"

namespace dskv::tool {
namespace {

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
      return 413;
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
  const bool has_body =
      request.chunked || request.content_length.value_or(0) > 0;
  ApiResponse response = [&] {
    absl::StatusOr<HttpTarget> target = ParseTarget(request.target);
    if (!target.ok()) return ErrorResponse(target.status());
    switch (target->kind) {
      case HttpTarget::Kind::kHealth:
        if (request.method == "GET" || request.method == "HEAD") {
          ApiResponse ok = TextResponse(200, "ok");
          ok.headers_only = request.method == "HEAD";
          return ok;
        }
        return MethodNotAllowed(request.method, "GET, HEAD");
      case HttpTarget::Kind::kKey: {
        if (target->Has("list") || target->Has("values")) {
          return TextResponse(501,
                              "listing (?list, ?values) is not served yet; see "
                              "docs/http.md");
        }
        // Joined, the key would be split at the collection's own '/'.
        if (absl::Status s = ValidateCollection(target->collection); !s.ok()) {
          return ErrorResponse(s);
        }
        const std::string key = target->collection + "/" + target->member;
        const bool sync = options_.sync || target->Has("sync");
        if (request.method == "GET") return Get(request, key, false);
        if (request.method == "HEAD") return Get(request, key, true);
        if (request.method == "PUT") return Put(request, key, sync, body);
        if (request.method == "DELETE") return Delete(key, sync);
        return MethodNotAllowed(request.method, "GET, HEAD, PUT, DELETE");
      }
      case HttpTarget::Kind::kRoot:
      case HttpTarget::Kind::kStats:
      case HttpTarget::Kind::kBatch:
      case HttpTarget::Kind::kCollection:
        break;
    }
    return TextResponse(501,
                        fmt::format("{} {} is not served yet; see docs/http.md",
                                    request.method, request.target));
  }();
  // Put reads the body it accepts; every other answer leaves it unread.
  if (has_body && request.method != "PUT") response.body_unread = true;
  return response;
}

ApiResponse HttpApi::Get(const ApiRequest& request, const std::string& key,
                         bool headers_only) {
  absl::StatusOr<SharedValue> value = store_.GetShared(key);
  if (!value.ok()) {
    ApiResponse response = ErrorResponse(value.status());
    if (absl::IsNotFound(value.status())) response.text.clear();
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
                         bool sync, BodySource& body) {
  // Whether the whole body was read: if not, what is left of it (or the
  // part a failed read left) would be taken for the next request.
  bool read = false;
  auto failed = [&](const absl::Status& status) {
    ApiResponse response = ErrorResponse(status);
    response.body_unread = !read;
    return response;
  };
  absl::StatusOr<bool> created;
  if (request.chunked) {
    // Of unknown size: read whole first, then copied in.
    absl::StatusOr<std::string> value = body.ReadAll(options_.max_value_size);
    if (!value.ok()) return failed(value.status());
    read = true;
    created = store_.PutFrom(key, value->size(), [&](absl::Span<char> out) {
      if (!value->empty()) std::memcpy(out.data(), value->data(), out.size());
      return absl::OkStatus();
    });
  } else {
    const std::uint64_t size = request.content_length.value_or(0);
    if (size > options_.max_value_size) {
      return failed(absl::ResourceExhaustedError(
          fmt::format("the value is {} bytes; this server takes at most {} "
                      "(--max-value-size)",
                      size, options_.max_value_size)));
    }
    created = store_.PutFrom(key, size, [&](absl::Span<char> out) {
      absl::Status status = body.ReadInto(out);
      read = status.ok();
      return status;
    });
  }
  if (!created.ok()) return failed(created.status());
  if (sync) {
    if (absl::Status s = store_.Flush(); !s.ok()) return failed(s);
  }
  ApiResponse response;
  response.status = *created ? 201 : 204;
  return response;
}

ApiResponse HttpApi::Delete(const std::string& key, bool sync) {
  absl::StatusOr<bool> removed = store_.Remove(key);
  if (!removed.ok()) return ErrorResponse(removed.status());
  if (sync) {
    if (absl::Status s = store_.Flush(); !s.ok()) return ErrorResponse(s);
  }
  ApiResponse response;
  response.status = *removed ? 204 : 404;
  return response;
}

}  // namespace dskv::tool
