#include "tests/redis/redis_command.h"

#include <hiredis/hiredis.h>
#include <signal.h>
#include <sys/time.h>

#include <algorithm>
#include <charconv>
#include <memory>
#include <sstream>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace dskv_test {
namespace {

constexpr std::string_view kLoopback = "127.0.0.1";

struct ContextFree {
  void operator()(redisContext* context) const { redisFree(context); }
};
struct ReplyFree {
  void operator()(redisReply* reply) const { freeReplyObject(reply); }
};

RedisReply Convert(const redisReply& from) {
  RedisReply to;
  switch (from.type) {
    case REDIS_REPLY_STRING:
      to.type = RedisReply::Type::kString;
      break;
    case REDIS_REPLY_STATUS:
      to.type = RedisReply::Type::kStatus;
      break;
    case REDIS_REPLY_ERROR:
      to.type = RedisReply::Type::kError;
      break;
    case REDIS_REPLY_INTEGER:
      to.type = RedisReply::Type::kInteger;
      to.integer = from.integer;
      break;
    case REDIS_REPLY_ARRAY:
      to.type = RedisReply::Type::kArray;
      for (std::size_t i = 0; i < from.elements; ++i) {
        to.elements.push_back(Convert(*from.element[i]));
      }
      break;
    default:
      to.type = RedisReply::Type::kNil;
      break;
  }
  if (from.str != nullptr) to.text.assign(from.str, from.len);
  return to;
}

// The port of "127.0.0.1:PORT".
absl::StatusOr<int> LoopbackPort(std::string_view address) {
  const std::size_t colon = address.rfind(':');
  const std::string_view host = address.substr(0, colon);
  const std::string_view digits =
      colon == std::string_view::npos ? "" : address.substr(colon + 1);
  int port = 0;
  const auto [end, ec] =
      std::from_chars(digits.data(), digits.data() + digits.size(), port);
  if (host != kLoopback || digits.empty() || ec != std::errc() ||
      end != digits.data() + digits.size() || port <= 0 || port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat(
        "not an address 127.0.0.1:PORT: \"", std::string(address), "\""));
  }
  return port;
}

// Why a non-error reply is not what the caller wanted.
absl::Status Unwanted(const RedisReply& reply, std::string_view wanted) {
  switch (reply.type) {
    case RedisReply::Type::kError:
      return absl::FailedPreconditionError(reply.text);
    case RedisReply::Type::kNil:
      return absl::NotFoundError("nil reply");
    default: {
      std::ostringstream text;
      text << "wanted " << wanted << ", got " << reply;
      return absl::InvalidArgumentError(text.str());
    }
  }
}

}  // namespace

std::ostream& operator<<(std::ostream& os, const RedisReply& reply) {
  switch (reply.type) {
    case RedisReply::Type::kString:
      return os << "\"" << reply.text << "\"";
    case RedisReply::Type::kStatus:
      return os << "status \"" << reply.text << "\"";
    case RedisReply::Type::kError:
      return os << "error \"" << reply.text << "\"";
    case RedisReply::Type::kInteger:
      return os << "integer " << reply.integer;
    case RedisReply::Type::kNil:
      return os << "nil";
    case RedisReply::Type::kArray:
      os << "[";
      for (std::size_t i = 0; i < reply.elements.size(); ++i) {
        os << (i == 0 ? "" : ", ") << reply.elements[i];
      }
      return os << "]";
  }
  return os;
}

std::string LoopbackAddress(std::uint16_t port) {
  return absl::StrCat(std::string(kLoopback), ":", port);
}

absl::StatusOr<RedisReply> RedisCommand(std::string_view address,
                                        const std::vector<std::string>& args) {
  absl::StatusOr<int> port = LoopbackPort(address);
  if (!port.ok()) return port.status();
  if (args.empty()) return absl::InvalidArgumentError("no command");
  // hiredis writes with write(2): a server that closes the connection first
  // must give an error here, not end the test by SIGPIPE.
  ::signal(SIGPIPE, SIG_IGN);
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
      kRedisCommandTimeout);
  const timeval timeout{static_cast<time_t>(micros.count() / 1000000),
                        static_cast<suseconds_t>(micros.count() % 1000000)};
  const std::unique_ptr<redisContext, ContextFree> context(
      redisConnectWithTimeout(std::string(kLoopback).c_str(), *port, timeout));
  const std::string where = absl::StrCat(std::string(address), " ", args[0]);
  if (context == nullptr) {
    return absl::ResourceExhaustedError(
        absl::StrCat(where, ": no memory for a connection"));
  }
  if (context->err != 0 || redisSetTimeout(context.get(), timeout) != 0) {
    return absl::UnavailableError(absl::StrCat(where, ": ", context->errstr));
  }
  std::vector<const char*> argv;
  std::vector<std::size_t> lengths;
  for (const std::string& arg : args) {
    argv.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  const std::unique_ptr<redisReply, ReplyFree> reply(static_cast<redisReply*>(
      redisCommandArgv(context.get(), static_cast<int>(argv.size()),
                       argv.data(), lengths.data())));
  if (reply == nullptr) {
    return absl::UnavailableError(absl::StrCat(where, ": ", context->errstr));
  }
  return Convert(*reply);
}

absl::StatusOr<std::string> RedisString(std::string_view address,
                                        const std::vector<std::string>& args) {
  absl::StatusOr<RedisReply> reply = RedisCommand(address, args);
  if (!reply.ok()) return reply.status();
  switch (reply->type) {
    case RedisReply::Type::kString:
    case RedisReply::Type::kStatus:
      return std::move(reply->text);
    case RedisReply::Type::kInteger:
      return absl::StrCat(reply->integer);
    default:
      return Unwanted(*reply, "a string");
  }
}

absl::StatusOr<long long> RedisInteger(std::string_view address,
                                       const std::vector<std::string>& args) {
  absl::StatusOr<RedisReply> reply = RedisCommand(address, args);
  if (!reply.ok()) return reply.status();
  if (reply->type == RedisReply::Type::kInteger) return reply->integer;
  return Unwanted(*reply, "an integer");
}

std::optional<std::string> InfoField(std::string_view info,
                                     std::string_view field) {
  std::size_t start = 0;
  while (start < info.size()) {
    const std::size_t end = std::min(info.find('\n', start), info.size());
    std::string_view line = info.substr(start, end - start);
    start = end + 1;
    if (line.ends_with('\r')) line.remove_suffix(1);
    if (line.size() > field.size() && line.starts_with(field) &&
        line[field.size()] == ':') {
      return std::string(line.substr(field.size() + 1));
    }
  }
  return std::nullopt;
}

}  // namespace dskv_test
