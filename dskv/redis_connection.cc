#include "dskv/redis_connection.h"

#include <fmt/format.h>
#include <hiredis/hiredis.h>
#include <sys/time.h>

#include <utility>

namespace dskv {
namespace {

timeval ToTimeval(std::chrono::milliseconds ms) {
  return timeval{static_cast<time_t>(ms.count() / 1000),
                 static_cast<suseconds_t>((ms.count() % 1000) * 1000)};
}

RedisReply Convert(const redisReply& r) {
  RedisReply out;
  switch (r.type) {
    case REDIS_REPLY_STRING:
      out.type = RedisReply::Type::kString;
      break;
    case REDIS_REPLY_STATUS:
      out.type = RedisReply::Type::kStatus;
      break;
    case REDIS_REPLY_ERROR:
      out.type = RedisReply::Type::kError;
      break;
    case REDIS_REPLY_INTEGER:
      out.type = RedisReply::Type::kInteger;
      out.integer = r.integer;
      return out;
    case REDIS_REPLY_ARRAY:
      out.type = RedisReply::Type::kArray;
      out.elements.reserve(r.elements);
      for (std::size_t i = 0; i < r.elements; ++i) {
        out.elements.push_back(Convert(*r.element[i]));
      }
      return out;
    default:
      out.type = RedisReply::Type::kNil;
      return out;
  }
  out.str.assign(r.str, r.len);
  return out;
}

bool IsRoutingError(const RedisReply& reply) {
  if (!reply.IsError()) return false;
  const std::string_view code =
      std::string_view(reply.str).substr(0, reply.str.find(' '));
  return code == "MOVED" || code == "ASK" || code == "TRYAGAIN" ||
         code == "CLUSTERDOWN" || code == "LOADING" || code == "MASTERDOWN";
}

}  // namespace

std::string RedisReply::Describe() const {
  constexpr std::size_t kShown = 100;
  switch (type) {
    case Type::kString:
      return fmt::format("{:?}", std::string_view(str).substr(0, kShown));
    case Type::kStatus:
      return "+" + str.substr(0, kShown);
    case Type::kError:
      return "-" + str.substr(0, kShown);
    case Type::kInteger:
      return fmt::format("(integer) {}", integer);
    case Type::kNil:
      return "(nil)";
    case Type::kArray:
      return fmt::format("(array of {})", elements.size());
  }
  return "?";
}

absl::StatusOr<std::unique_ptr<RedisConnection>> RedisConnection::Connect(
    const std::string& host, std::uint16_t port,
    std::chrono::milliseconds timeout) {
  const std::string address = fmt::format("{}:{}", host, port);
  redisContext* context =
      redisConnectWithTimeout(host.c_str(), port, ToTimeval(timeout));
  if (context == nullptr) {
    return absl::ResourceExhaustedError(
        fmt::format("connecting to Redis at {}: out of memory", address));
  }
  if (context->err != 0 ||
      redisSetTimeout(context, ToTimeval(timeout)) != REDIS_OK) {
    const std::string why = context->errstr;
    redisFree(context);
    return absl::UnavailableError(
        fmt::format("connecting to Redis at {}: {}", address, why));
  }
  redisEnableKeepAlive(context);
  return std::unique_ptr<RedisConnection>(
      new RedisConnection(context, address));
}

RedisConnection::~RedisConnection() { redisFree(context_); }

absl::Status RedisConnection::Broken(std::string_view during) {
  broken_ = true;
  return absl::UnavailableError(fmt::format(
      "Redis at {}: {} failed: {}", address_, during, context_->errstr));
}

std::optional<std::string> RedisConnection::TakeRoutingError() {
  return std::exchange(routing_error_, std::nullopt);
}

absl::StatusOr<std::vector<RedisReply>> RedisConnection::Run(
    absl::Span<const RedisCommand> commands) {
  if (broken_) return Broken("reuse of a broken connection");
  std::vector<const char*> argv;
  std::vector<std::size_t> argv_sizes;
  for (const RedisCommand& command : commands) {
    argv.clear();
    argv_sizes.clear();
    for (const std::string_view arg : command) {
      argv.push_back(arg.data());
      argv_sizes.push_back(arg.size());
    }
    if (redisAppendCommandArgv(context_, static_cast<int>(argv.size()),
                               argv.data(), argv_sizes.data()) != REDIS_OK) {
      return Broken("sending a command");
    }
  }
  std::vector<RedisReply> replies;
  replies.reserve(commands.size());
  for (std::size_t i = 0; i < commands.size(); ++i) {
    void* raw = nullptr;
    if (redisGetReply(context_, &raw) != REDIS_OK || raw == nullptr) {
      return Broken("reading a reply");
    }
    std::unique_ptr<redisReply, void (*)(void*)> reply(
        static_cast<redisReply*>(raw), freeReplyObject);
    replies.push_back(Convert(*reply));
    if (!routing_error_ && IsRoutingError(replies.back())) {
      routing_error_ = replies.back().str;
    }
  }
  return replies;
}

}  // namespace dskv
