#include "dskv/redis_kv.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "dskv/errors.h"
#include "dskv/key.h"
#include "dskv/redis_connection.h"
#include "dskv/redis_router.h"
#include "dskv/scan_bounds.h"

namespace dskv {
namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;
using Type = RedisReply::Type;

// How often a batch with conditions is tried again when a watched
// collection changed under it before it gives up.
constexpr int kMaxWatchAttempts = 16;

// The Redis keys of one collection (see dskv/kv.h).
struct CollectionKeys {
  CollectionKeys(std::string_view ns, std::string_view collection)
      : hash(fmt::format("{{{}:{}}}", ns, collection)),
        members(hash + ":m"),
        slot(RedisSlot(hash)) {}

  std::string hash;     // member -> value
  std::string members;  // members at score 0, in byte order
  std::uint16_t slot;
};

absl::Status UnexpectedReply(const RedisConnection& connection,
                             std::string_view command,
                             const RedisReply& reply) {
  if (reply.IsError() && reply.str.starts_with("READONLY")) {
    return absl::FailedPreconditionError(fmt::format(
        "Redis at {} is read-only: {}", connection.address(), reply.str));
  }
  return absl::InternalError(fmt::format("Redis at {}: {} answered {}",
                                         connection.address(), command,
                                         reply.Describe()));
}

// Runs `commands` as one MULTI/EXEC and returns EXEC's replies; nullopt if
// EXEC was refused because a WATCHed key changed.
absl::StatusOr<std::optional<std::vector<RedisReply>>> RunTransaction(
    RedisConnection& connection, std::vector<RedisCommand> commands) {
  commands.insert(commands.begin(), RedisCommand{"MULTI"});
  commands.push_back(RedisCommand{"EXEC"});
  absl::StatusOr<std::vector<RedisReply>> replies = connection.Run(commands);
  if (!replies.ok()) return replies.status();
  // A command refused while queued (MOVED among them) is the error to show;
  // EXEC then only says EXECABORT.
  for (std::size_t i = 0; i + 1 < replies->size(); ++i) {
    if ((*replies)[i].IsError()) {
      return UnexpectedReply(connection, commands[i][0], (*replies)[i]);
    }
  }
  RedisReply& exec = replies->back();
  if (exec.type == Type::kNil) return std::nullopt;
  if (exec.type != Type::kArray ||
      exec.elements.size() + 2 != commands.size()) {
    return UnexpectedReply(connection, "EXEC", exec);
  }
  for (std::size_t i = 0; i < exec.elements.size(); ++i) {
    if (exec.elements[i].IsError()) {
      return UnexpectedReply(connection, commands[i + 1][0], exec.elements[i]);
    }
  }
  return std::move(exec.elements);
}

// As RunTransaction, with no WATCH: EXEC always runs.
absl::Status RunUnwatchedTransaction(RedisConnection& connection,
                                     std::vector<RedisCommand> commands) {
  absl::StatusOr<std::optional<std::vector<RedisReply>>> done =
      RunTransaction(connection, std::move(commands));
  if (!done.ok()) return done.status();
  if (!done->has_value()) {
    return absl::InternalError(fmt::format(
        "Redis at {}: EXEC refused without a WATCH", connection.address()));
  }
  return absl::OkStatus();
}

// Runs one command and returns its reply, which must not be an error.
absl::StatusOr<RedisReply> RunOne(RedisConnection& connection,
                                  const RedisCommand& command) {
  absl::StatusOr<std::vector<RedisReply>> replies = connection.Run({command});
  if (!replies.ok()) return replies.status();
  RedisReply& reply = replies->front();
  if (reply.IsError()) return UnexpectedReply(connection, command[0], reply);
  return std::move(reply);
}

// A Put or a Delete in terms of a collection's two Redis keys.
void AppendWrite(const CollectionKeys& keys, std::string_view member,
                 const std::optional<std::string_view>& value,
                 std::vector<RedisCommand>& commands) {
  if (value.has_value()) {
    commands.push_back({"HSET", keys.hash, member, *value});
    commands.push_back({"ZADD", keys.members, "0", member});
  } else {
    commands.push_back({"HDEL", keys.hash, member});
    commands.push_back({"ZREM", keys.members, member});
  }
}

// A batch, checked and split by slot: what each slot's MULTI/EXEC holds.
// Its commands point into the batch, which must outlive the plan.
class BatchPlan : public WriteBatch::Handler {
 public:
  explicit BatchPlan(std::string_view ns) : ns_(ns) {}

  struct Condition {
    std::size_t index;
    std::string_view key;
    const CollectionKeys* keys;
    std::string_view member;
    std::optional<std::string_view> value;
  };
  struct Share {
    std::vector<RedisCommand> commands;
    std::vector<Condition> conditions;
  };

  void Expect(std::string_view key,
              std::optional<std::string_view> value) override {
    const std::size_t index = conditions_seen_++;
    absl::StatusOr<KeyRef> ref = ParseKey(key);
    if (!ref.ok())
      return Fail(InvalidBatchEntryError("condition", index, ref.status()));
    const CollectionKeys& keys = KeysOf(ref->collection);
    shares_[keys.slot].conditions.push_back(
        {index, key, &keys, ref->member, value});
    has_conditions_ = true;
  }
  void Put(std::string_view key, std::string_view value) override {
    Write(key, value);
  }
  void PutExpiring(std::string_view key, std::string_view value,
                   std::chrono::milliseconds ttl) override {
    // Redis 7.0 has no deadline on a hash field (HEXPIRE came in 7.4).
    Fail(absl::UnimplementedError(
        fmt::format("WriteBatch operation {}: the Redis backends keep no ttl",
                    ops_seen_++)));
  }
  void Delete(std::string_view key) override { Write(key, std::nullopt); }
  void DeleteAll(std::string_view collection) override {
    const std::size_t index = ops_seen_++;
    if (absl::Status s = ValidateCollection(collection); !s.ok()) {
      return Fail(InvalidBatchEntryError("operation", index, s));
    }
    const CollectionKeys& keys = KeysOf(collection);
    shares_[keys.slot].commands.push_back({"DEL", keys.hash, keys.members});
  }

  const absl::Status& status() const { return status_; }
  bool has_conditions() const { return has_conditions_; }
  const std::map<std::uint16_t, Share>& shares() const { return shares_; }

 private:
  void Write(std::string_view key, std::optional<std::string_view> value) {
    const std::size_t index = ops_seen_++;
    absl::StatusOr<KeyRef> ref = ParseKey(key);
    if (!ref.ok())
      return Fail(InvalidBatchEntryError("operation", index, ref.status()));
    const CollectionKeys& keys = KeysOf(ref->collection);
    AppendWrite(keys, ref->member, value, shares_[keys.slot].commands);
  }
  const CollectionKeys& KeysOf(std::string_view collection) {
    auto it = keys_.find(collection);
    if (it == keys_.end()) {
      it =
          keys_
              .emplace(std::string(collection), CollectionKeys(ns_, collection))
              .first;
    }
    return it->second;
  }
  void Fail(absl::Status status) {
    if (status_.ok()) status_ = std::move(status);
  }

  const std::string_view ns_;
  std::size_t ops_seen_ = 0;
  std::size_t conditions_seen_ = 0;
  bool has_conditions_ = false;
  absl::Status status_;
  // std::map: the commands point into these keys, which must not move.
  std::map<std::string, CollectionKeys, std::less<>> keys_;
  std::map<std::uint16_t, Share> shares_;
};

class RedisKeyValue final : public KeyValue {
 public:
  RedisKeyValue(std::unique_ptr<RedisRouter> router, std::string ns)
      : router_(std::move(router)), ns_(std::move(ns)) {}

  absl::StatusOr<std::string> Get(std::string_view key) override {
    absl::StatusOr<KeyRef> ref = ParseKey(key);
    if (!ref.ok()) return ref.status();
    if (absl::Status s = CheckOpen(); !s.ok()) return s;
    const CollectionKeys keys(ns_, ref->collection);
    std::optional<std::string> value;
    absl::Status status = router_->Run(
        keys.slot, RedisRouter::Kind::kRead, [&](RedisConnection& c) {
          absl::StatusOr<RedisReply> reply =
              RunOne(c, {"HGET", keys.hash, ref->member});
          if (!reply.ok()) return reply.status();
          if (reply->type == Type::kString) value = std::move(reply->str);
          if (reply->type != Type::kString && reply->type != Type::kNil) {
            return UnexpectedReply(c, "HGET", *reply);
          }
          return absl::OkStatus();
        });
    if (!status.ok()) return status;
    if (!value) {
      return absl::NotFoundError(
          fmt::format("no value at key {}", QuoteForError(key)));
    }
    return *std::move(value);
  }

  absl::Status Put(std::string_view key, std::string_view value) override {
    return WriteOne(key, value);
  }

  absl::Status Delete(std::string_view key) override {
    return WriteOne(key, std::nullopt);
  }

  absl::StatusOr<Pairs> GetAll(std::string_view collection) override {
    if (absl::Status s = ValidateCollection(collection); !s.ok()) return s;
    if (absl::Status s = CheckOpen(); !s.ok()) return s;
    const CollectionKeys keys(ns_, collection);
    Pairs pairs;
    absl::Status status = router_->Run(
        keys.slot, RedisRouter::Kind::kRead, [&](RedisConnection& c) {
          absl::StatusOr<RedisReply> reply = RunOne(c, {"HGETALL", keys.hash});
          if (!reply.ok()) return reply.status();
          if (reply->type != Type::kArray || reply->elements.size() % 2 != 0) {
            return UnexpectedReply(c, "HGETALL", *reply);
          }
          pairs.clear();
          for (std::size_t i = 0; i < reply->elements.size(); i += 2) {
            pairs.emplace_back(std::move(reply->elements[i].str),
                               std::move(reply->elements[i + 1].str));
          }
          return absl::OkStatus();
        });
    if (!status.ok()) return status;
    std::sort(pairs.begin(), pairs.end());
    return pairs;
  }

  absl::Status DeleteAll(std::string_view collection) override {
    if (absl::Status s = ValidateCollection(collection); !s.ok()) return s;
    if (absl::Status s = CheckOpen(); !s.ok()) return s;
    const CollectionKeys keys(ns_, collection);
    return router_->Run(
        keys.slot, RedisRouter::Kind::kWrite, [&](RedisConnection& c) {
          return RunOne(c, {"DEL", keys.hash, keys.members}).status();
        });
  }

  absl::StatusOr<ScanPage> Scan(std::string_view collection,
                                const ScanOptions& options) override {
    if (absl::Status s = ValidateCollection(collection); !s.ok()) return s;
    if (absl::Status s = CheckOpen(); !s.ok()) return s;
    ScanPage page;
    const ScanBounds bounds = BoundsOf(options);
    if (bounds.Empty()) return page;
    const CollectionKeys keys(ns_, collection);
    // ZRANGEBYLEX's bounds: "[x" includes x, "(x" excludes it.
    const std::string low =
        bounds.lower.empty() ? "-" : "[" + std::string(bounds.lower);
    const std::string high = bounds.upper.empty() ? "+" : "(" + bounds.upper;
    // One more than asked for says whether a next page exists.
    const std::string count = std::to_string(options.limit + 1);
    RedisCommand range =
        options.reverse
            ? RedisCommand{"ZREVRANGEBYLEX", keys.members, high, low}
            : RedisCommand{"ZRANGEBYLEX", keys.members, low, high};
    if (options.limit != 0) {
      range.insert(range.end(), {"LIMIT", "0", count});
    }
    absl::Status status = router_->Run(
        keys.slot, RedisRouter::Kind::kRead, [&](RedisConnection& c) {
          page = ScanPage();
          absl::StatusOr<RedisReply> members = RunOne(c, range);
          if (!members.ok()) return members.status();
          if (members->type != Type::kArray) {
            return UnexpectedReply(c, range[0], *members);
          }
          std::vector<RedisReply>& found = members->elements;
          if (options.limit != 0 && found.size() > options.limit) {
            page.next = options.reverse ? found[options.limit - 1].str
                                        : std::move(found[options.limit].str);
            found.resize(options.limit);
          }
          if (options.members_only || found.empty()) {
            for (RedisReply& m : found)
              page.items.emplace_back(std::move(m.str), "");
            return absl::OkStatus();
          }
          RedisCommand get{"HMGET", keys.hash};
          for (const RedisReply& m : found) get.push_back(m.str);
          absl::StatusOr<RedisReply> values = RunOne(c, get);
          if (!values.ok()) return values.status();
          if (values->type != Type::kArray ||
              values->elements.size() != found.size()) {
            return UnexpectedReply(c, "HMGET", *values);
          }
          // A member deleted between the two reads is left out.
          for (std::size_t i = 0; i < found.size(); ++i) {
            if (values->elements[i].type != Type::kString) continue;
            page.items.emplace_back(std::move(found[i].str),
                                    std::move(values->elements[i].str));
          }
          return absl::OkStatus();
        });
    if (!status.ok()) return status;
    return page;
  }

  absl::Status Write(const WriteBatch& batch,
                     const WriteOptions& options) override {
    BatchPlan plan(ns_);
    batch.Iterate(plan);
    if (!plan.status().ok()) return plan.status();
    if (absl::Status s = CheckOpen(); !s.ok()) return s;
    if (plan.shares().size() > 1 &&
        (plan.has_conditions() || !options.allow_non_atomic)) {
      return absl::InvalidArgumentError(fmt::format(
          "the batch spans collections on {} Redis Cluster slots, and a "
          "cluster applies a batch atomically only within one slot; {}",
          plan.shares().size(),
          plan.has_conditions()
              ? "a batch with conditions must stay on one slot"
              : "set WriteOptions::allow_non_atomic to apply each slot's "
                "share on its own"));
    }
    std::size_t applied = 0;
    for (const auto& [slot, share] : plan.shares()) {
      absl::Status status = share.conditions.empty()
                                ? router_->Run(slot, RedisRouter::Kind::kWrite,
                                               [&](RedisConnection& c) {
                                                 return RunUnwatchedTransaction(
                                                     c, share.commands);
                                               })
                                : WriteWatched(slot, share);
      if (!status.ok()) {
        if (applied == 0) return status;
        return absl::Status(
            status.code(),
            fmt::format("{} (after {} of the batch's {} slot shares were "
                        "applied)",
                        std::string(status.message()), applied,
                        plan.shares().size()));
      }
      ++applied;
    }
    return absl::OkStatus();
  }

  absl::Status Flush() override {
    if (absl::Status s = CheckOpen(); !s.ok()) return s;
    return router_->Flush();
  }

  absl::Status Close() override {
    if (closed_.exchange(true)) return absl::OkStatus();
    absl::Status status = router_->Flush();
    router_->DropIdleConnections();
    return status;
  }

  absl::StatusOr<std::vector<std::string>> ListCollections() override {
    if (absl::Status s = CheckOpen(); !s.ok()) return s;
    const std::string prefix = fmt::format("{{{}:", ns_);
    std::set<std::string> names;
    absl::Status status =
        router_->RunOnEveryMaster([&](RedisConnection& c) -> absl::Status {
          std::string cursor = "0";
          do {
            absl::StatusOr<RedisReply> reply = RunOne(
                c, {"SCAN", cursor, "MATCH", prefix + "*", "COUNT", "1000"});
            if (!reply.ok()) return reply.status();
            if (reply->type != Type::kArray || reply->elements.size() != 2 ||
                reply->elements[1].type != Type::kArray) {
              return UnexpectedReply(c, "SCAN", *reply);
            }
            cursor = reply->elements[0].str;
            // Hashes end in '}', the member sets in "}:m".
            for (const RedisReply& key : reply->elements[1].elements) {
              if (key.str.starts_with(prefix) && key.str.ends_with('}')) {
                names.insert(key.str.substr(
                    prefix.size(), key.str.size() - prefix.size() - 1));
              }
            }
          } while (cursor != "0");
          return absl::OkStatus();
        });
    if (!status.ok()) return status;
    return std::vector<std::string>(names.begin(), names.end());
  }

 private:
  absl::Status CheckOpen() const {
    if (closed_.load(std::memory_order_acquire)) {
      return absl::FailedPreconditionError("the key-value store is closed");
    }
    return absl::OkStatus();
  }

  absl::Status WriteOne(std::string_view key,
                        std::optional<std::string_view> value) {
    absl::StatusOr<KeyRef> ref = ParseKey(key);
    if (!ref.ok()) return ref.status();
    if (absl::Status s = CheckOpen(); !s.ok()) return s;
    const CollectionKeys keys(ns_, ref->collection);
    std::vector<RedisCommand> commands;
    AppendWrite(keys, ref->member, value, commands);
    return router_->Run(keys.slot, RedisRouter::Kind::kWrite,
                        [&](RedisConnection& c) {
                          return RunUnwatchedTransaction(c, commands);
                        });
  }

  // WATCH the conditions' collections, read the conditions' keys, and if
  // they hold, MULTI/EXEC the share; again if EXEC finds a watched
  // collection changed.
  absl::Status WriteWatched(std::uint16_t slot, const BatchPlan::Share& share) {
    RedisCommand watch{"WATCH"};
    std::vector<RedisCommand> reads;
    for (const BatchPlan::Condition& condition : share.conditions) {
      if (std::find(watch.begin(), watch.end(), condition.keys->hash) ==
          watch.end()) {
        watch.push_back(condition.keys->hash);
      }
      reads.push_back({"HGET", condition.keys->hash, condition.member});
    }
    reads.insert(reads.begin(), watch);
    return router_->Run(
        slot, RedisRouter::Kind::kWriteOnce,
        [&](RedisConnection& c) -> absl::Status {
          for (int attempt = 0; attempt < kMaxWatchAttempts; ++attempt) {
            absl::StatusOr<std::vector<RedisReply>> read = c.Run(reads);
            if (!read.ok()) return read.status();
            for (std::size_t i = 0; i < read->size(); ++i) {
              if ((*read)[i].IsError()) {
                return UnexpectedReply(c, reads[i][0], (*read)[i]);
              }
            }
            for (std::size_t i = 0; i < share.conditions.size(); ++i) {
              const BatchPlan::Condition& condition = share.conditions[i];
              const RedisReply& current = (*read)[i + 1];
              const bool holds = current.type == Type::kString;
              if (holds != condition.value.has_value() ||
                  (holds && current.str != *condition.value)) {
                (void)c.Run({RedisCommand{"UNWATCH"}});
                return ConditionFailedError(condition.index, condition.key,
                                            holds);
              }
            }
            absl::StatusOr<std::optional<std::vector<RedisReply>>> done =
                RunTransaction(c, share.commands);
            if (!done.ok()) return done.status();
            if (done->has_value()) return absl::OkStatus();
          }
          return absl::AbortedError(fmt::format(
              "the batch's collections kept changing while its conditions "
              "were checked ({} attempts)",
              kMaxWatchAttempts));
        });
  }

  const std::unique_ptr<RedisRouter> router_;
  const std::string ns_;
  std::atomic<bool> closed_{false};
};

}  // namespace

absl::StatusOr<std::unique_ptr<KeyValue>> OpenRedisKeyValue(KeyValueUrl url) {
  RedisRouter::Options options;
  options.seeds = std::move(url.hosts);
  options.cluster = url.scheme == KeyValueUrl::Scheme::kRedisCluster;
  absl::StatusOr<std::optional<std::uint64_t>> timeout =
      url.params.TakeNumber("timeout_ms", 1, 3'600'000);
  if (!timeout.ok()) return timeout.status();
  if (*timeout) options.timeout = std::chrono::milliseconds(**timeout);
  absl::StatusOr<std::optional<std::uint64_t>> retry =
      url.params.TakeNumber("retry_ms", 0, 3'600'000);
  if (!retry.ok()) return retry.status();
  if (*retry) options.retry = std::chrono::milliseconds(**retry);
  if (absl::Status s = url.params.CheckAllTaken(); !s.ok()) return s;
  absl::StatusOr<std::unique_ptr<RedisRouter>> router =
      RedisRouter::Connect(std::move(options));
  if (!router.ok()) return router.status();
  return std::make_unique<RedisKeyValue>(*std::move(router), std::move(url.ns));
}

}  // namespace dskv
