// One connection to a Redis server (or anything speaking RESP2), over
// hiredis's blocking API: commands are sent together and their replies read
// in order, so a list of commands costs one round trip. Not thread-safe: a
// connection is used by one thread at a time (RedisRouter pools them).

#ifndef DSKV_REDIS_CONNECTION_H_
#define DSKV_REDIS_CONNECTION_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"

struct redisContext;  // <hiredis/hiredis.h>

namespace dskv {

// A reply, copied out of hiredis's.
struct RedisReply {
  enum class Type { kString, kStatus, kError, kInteger, kNil, kArray };
  Type type = Type::kNil;
  std::string str;  // kString, kStatus and kError.
  long long integer = 0;
  std::vector<RedisReply> elements;  // kArray.

  bool IsError() const { return type == Type::kError; }
  // For messages: the reply in a redis-cli-like form, cut short.
  std::string Describe() const;
};

// A command: its name and arguments, which must outlive the Run call.
using RedisCommand = std::vector<std::string_view>;

class RedisConnection {
 public:
  // Unavailable if it cannot connect within `timeout`; every later read or
  // write waits at most `timeout` too.
  static absl::StatusOr<std::unique_ptr<RedisConnection>> Connect(
      const std::string& host, std::uint16_t port,
      std::chrono::milliseconds timeout);
  ~RedisConnection();

  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  // Sends `commands` and returns their replies, in order; error replies are
  // replies. Unavailable if the connection fails or times out, after which
  // it is broken() and must be dropped: whether the commands ran is unknown.
  absl::StatusOr<std::vector<RedisReply>> Run(
      absl::Span<const RedisCommand> commands);

  bool broken() const { return broken_; }

  // The first error reply of the latest Runs that sends the command to
  // another node or to later (MOVED, ASK, TRYAGAIN, CLUSTERDOWN, LOADING,
  // MASTERDOWN), cleared. RedisRouter retries on it.
  std::optional<std::string> TakeRoutingError();
  const std::string& address() const { return address_; }

  // Whether writes were sent since the last WAIT (see RedisRouter::Flush).
  bool unacknowledged_writes = false;

 private:
  RedisConnection(redisContext* context, std::string address)
      : context_(context), address_(std::move(address)) {}
  absl::Status Broken(std::string_view during);

  redisContext* context_;
  std::string address_;
  bool broken_ = false;
  std::optional<std::string> routing_error_;
};

}  // namespace dskv

#endif  // DSKV_REDIS_CONNECTION_H_
