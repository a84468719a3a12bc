// One command to a Redis server on this machine, for tests and for the
// Redis test servers' readiness and cluster-state waits (redis_servers.h).
// Each call opens its own connection (hiredis), so a test can follow a
// MOVED reply by hand: the address in it is what these functions take.

#ifndef DSKV_TESTS_REDIS_REDIS_COMMAND_H_
#define DSKV_TESTS_REDIS_REDIS_COMMAND_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace dskv_test {

// Longest a connect, or a command's reply, is waited for.
inline constexpr std::chrono::milliseconds kRedisCommandTimeout{5000};

// A reply (RESP2, as hiredis 0.14 reads it).
struct RedisReply {
  enum class Type { kString, kStatus, kError, kInteger, kNil, kArray };

  Type type = Type::kNil;
  std::string text;  // kString, kStatus and kError ("MOVED 866 127.0.0.1:P").
  long long integer = 0;             // kInteger.
  std::vector<RedisReply> elements;  // kArray.
};

// For failure messages: "error \"MOVED ...\"", "integer 1", "[...]".
std::ostream& operator<<(std::ostream& os, const RedisReply& reply);

// Sends `args` (a command and its arguments) to the server at `address`,
// "127.0.0.1:PORT", and returns its reply. An error reply is a reply, of
// type kError; the status is an error only if no reply came: bad address
// (only 127.0.0.1 is allowed: tests never talk to another machine),
// connection refused, timeout.
absl::StatusOr<RedisReply> RedisCommand(std::string_view address,
                                        const std::vector<std::string>& args);

// RedisCommand, the reply as text: a string or status reply as it is, an
// integer in decimal. An error reply is FailedPrecondition with its text
// as the message; nil is NotFound; an array is InvalidArgument.
absl::StatusOr<std::string> RedisString(std::string_view address,
                                        const std::vector<std::string>& args);

// RedisCommand for an integer reply; other replies as in RedisString, and
// InvalidArgument for a string.
absl::StatusOr<long long> RedisInteger(std::string_view address,
                                       const std::vector<std::string>& args);

// The value of `field` in the text INFO or CLUSTER INFO returns
// ("field:value" lines): InfoField(info, "cluster_state") is "ok".
std::optional<std::string> InfoField(std::string_view info,
                                     std::string_view field);

// "127.0.0.1:PORT".
std::string LoopbackAddress(std::uint16_t port);

}  // namespace dskv_test

#endif  // DSKV_TESTS_REDIS_REDIS_COMMAND_H_
