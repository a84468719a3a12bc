// The HTTP API of `dskv serve` (docs/http.md), apart from the transport: a
// request's method, target and the headers that matter in, a response out,
// with the request body read only when and where the store wants it. The
// server (tools/http_server.h) moves the bytes.

#ifndef DSKV_TOOLS_HTTP_API_H_
#define DSKV_TOOLS_HTTP_API_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "dskv/store.h"
#include "tools/http_request.h"

namespace dskv::tool {

// What the API needs of a request, its body aside.
struct ApiRequest {
  std::string_view method;  // "GET", "PUT", ...
  std::string_view target;  // Origin form: "/collection/member?query".
  std::optional<std::string_view> if_none_match;
  std::optional<std::string_view> range;
  // The body's size from Content-Length; nullopt if it has no body or its
  // size is unknown (chunked).
  std::optional<std::uint64_t> content_length;
  bool chunked = false;  // Transfer-Encoding: chunked.
};

// The request's body, which the API reads at most once, and only after it
// has checked everything else: a request it refuses is answered without
// reading its body.
class BodySource {
 public:
  virtual ~BodySource() = default;
  // Reads exactly out.size() bytes (the Content-Length) into `out`.
  virtual absl::Status ReadInto(absl::Span<char> out) = 0;
  // Reads the whole body, of unknown size (chunked); ResourceExhausted if it
  // is larger than `limit`.
  virtual absl::StatusOr<std::string> ReadAll(std::uint64_t limit) = 0;
};

struct ApiResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  // The body: `text`, or bytes [offset, offset + length) of `value`, sent
  // from the store's memory.
  std::string text;
  std::optional<SharedValue> value;
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
  // HEAD: the headers of a GET, no body.
  bool headers_only = false;
  // Whether the request's body was not read whole (refused, or a read
  // failed): the connection must close.
  bool body_unread = false;
};

class HttpApi {
 public:
  struct Options {
    // Values above this are refused with 413 before they are read; a batch
    // body may be twice as large, plus 1 MiB, for its encoding.
    std::uint64_t max_value_size = std::uint64_t{256} << 20;
    // Writes wait until they are durable, as with ?sync on each.
    bool sync = false;
    // A listing's page ends once its body passes this (docs/http.md).
    std::size_t max_listing_bytes = std::size_t{16} << 20;
  };

  // `store` must outlive the API.
  HttpApi(Store& store, Options options) : store_(store), options_(options) {}

  // Whether every write waits until it is durable (Options::sync).
  bool sync() const { return options_.sync; }

  // Answers `request`. Thread-safe: the store is.
  ApiResponse Handle(const ApiRequest& request, BodySource& body);

 private:
  ApiResponse Route(const ApiRequest& request, const HttpTarget& target,
                    BodySource& body);
  ApiResponse Get(const ApiRequest& request, const std::string& key,
                  bool headers_only);
  ApiResponse Put(const ApiRequest& request, const std::string& key,
                  const PutOptions& options, bool sync, BodySource& body);
  ApiResponse Delete(const std::string& key, bool sync);
  ApiResponse List(const HttpTarget& target);
  ApiResponse DeleteAll(const std::string& collection, bool sync);
  ApiResponse PostContent(const ApiRequest& request,
                          const std::string& collection, bool sync,
                          BodySource& body);
  ApiResponse Batch(const ApiRequest& request, bool sync, BodySource& body);
  ApiResponse Json(const absl::StatusOr<std::string>& json) const;
  // The whole body, of at most `limit` bytes (413 beyond, naming `rule`).
  absl::StatusOr<std::string> ReadBody(const ApiRequest& request,
                                       std::uint64_t limit,
                                       std::string_view rule, BodySource& body);
  // Makes the writes made so far durable if `sync`.
  absl::Status SyncIf(bool sync);

  Store& store_;
  const Options options_;
};

// A response with `status` and a one-line text body, `message`.
ApiResponse TextResponse(int status, std::string_view message);

}  // namespace dskv::tool

#endif  // DSKV_TOOLS_HTTP_API_H_
