// The URLs OpenKeyValue takes (dskv/kv.h), parsed with no I/O.

#ifndef DSKV_KV_URL_H_
#define DSKV_KV_URL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace dskv {

struct HostPort {
  std::string host;
  std::uint16_t port = 0;
};

// "host:port", "host" (port 6379) or "[IPv6]:port". InvalidArgument
// otherwise.
absl::StatusOr<HostPort> ParseHostPort(std::string_view text);

// A URL's query parameters. Each backend takes the ones it knows; any left
// over is an error, so that a misspelt option is never silently ignored.
class UrlParams {
 public:
  UrlParams() = default;
  explicit UrlParams(std::vector<std::pair<std::string, std::string>> params)
      : params_(std::move(params)) {}

  // Removes and returns the value of `name` (the last one if repeated);
  // nullopt if absent. "?name" alone has the value "".
  std::optional<std::string> Take(std::string_view name);
  // As Take, for a whole number in [min, max].
  absl::StatusOr<std::optional<std::uint64_t>> TakeNumber(std::string_view name,
                                                          std::uint64_t min,
                                                          std::uint64_t max);
  // As Take, for "true", "false" or "" (true).
  absl::StatusOr<std::optional<bool>> TakeBool(std::string_view name);
  // InvalidArgument naming the first parameter not taken.
  absl::Status CheckAllTaken() const;

 private:
  std::vector<std::pair<std::string, std::string>> params_;
};

struct KeyValueUrl {
  enum class Scheme { kDskv, kRedis, kRedisCluster };
  Scheme scheme = Scheme::kDskv;
  std::string path;             // kDskv: the directory, verbatim.
  std::vector<HostPort> hosts;  // Redis: one; Redis Cluster: the seeds.
  std::string ns;               // Redis: the namespace, "" for none.
  UrlParams params;
};

// Parses `url` (see dskv/kv.h). InvalidArgument, saying what is wrong, for
// anything else.
absl::StatusOr<KeyValueUrl> ParseKeyValueUrl(std::string_view url);

}  // namespace dskv

#endif  // DSKV_KV_URL_H_
