// What a Redis command of `dskv serve --resp` is, what it runs with, and
// the helpers the commands share. Each group of commands (strings, hashes,
// sorted sets, keys, the server) is in a file of its own and lists its
// commands; tools/resp_commands.h finds and runs them.

#ifndef DSKV_TOOLS_RESP_COMMAND_H_
#define DSKV_TOOLS_RESP_COMMAND_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "dskv/store.h"
#include "tools/resp_access.h"
#include "tools/resp_cursors.h"
#include "tools/resp_protocol.h"
#include "tools/resp_session.h"

namespace dskv::tool {

enum CommandFlag : unsigned {
  kWrite = 1,      // Changes the store: refused when it is read-only.
  kQueueable = 2,  // May be queued between MULTI and EXEC.
  // Reads a whole collection (or the store): cannot be queued, since a
  // transaction can only check single keys.
  kWholeRead = 4,
  kTransaction = 8,  // MULTI, EXEC, DISCARD, WATCH, UNWATCH.
  // GET: in a pipeline, may be looked up with the GETs after it
  // (RespCommands::ExecutePipelined).
  kPipelinedGet = 16,
};

struct CommandContext;

struct CommandSpec {
  std::string_view name;  // Lower case.
  // As Redis: positive, exactly this many arguments with the name; negative,
  // at least -arity.
  int arity;
  unsigned flags;
  // The positions of its keys (first, last, step), for COMMAND.
  int first_key;
  int last_key;
  int key_step;
  // Appends the reply to ctx.out, or returns the error to reply instead
  // ("ERR message"), with anything it appended taken back.
  absl::Status (*run)(CommandContext& ctx, RespArgs args);
  // For writes: whether these arguments make a single call of the store,
  // atomic by itself. If not, or null, the command runs as a transaction
  // of its own, so that it is all or nothing as in Redis.
  bool (*single_call)(RespArgs args) = nullptr;
};

// What every connection shares.
struct RespShared {
  RespShared(Store& s, RespConfig c)
      : store(s), config(std::move(c)), cursors(config.max_cursors) {}

  Store& store;
  const RespConfig config;
  RespCursors cursors;
  // Every command, for COMMAND (set by RespCommands).
  absl::Span<const CommandSpec* const> commands;
  // For INFO; the counts are kept by the server.
  const std::chrono::steady_clock::time_point started =
      std::chrono::steady_clock::now();
  std::atomic<std::uint64_t> connected_clients{0};
  std::atomic<std::uint64_t> total_connections{0};
};

struct CommandContext {
  RespShared& shared;
  RespSession& session;
  KeyAccess& access;
  std::string& out;
  bool close = false;  // QUIT: close the connection after the reply.

  Store& store() const { return shared.store; }

  // The dskv key of the string key `key`: `key` itself if it has a '/',
  // else "<default collection>/key", built in the session's buffer (valid
  // until the next call).
  std::string_view StringKey(std::string_view key);
  // "collection/member" in the session's buffer, once `collection` is
  // checked to be a collection name (a hash or sorted set key).
  absl::StatusOr<std::string_view> MemberKey(std::string_view collection,
                                             std::string_view member);
};

// The groups' commands.
absl::Span<const CommandSpec> StringCommands();
absl::Span<const CommandSpec> HashCommands();
absl::Span<const CommandSpec> SortedSetCommands();
absl::Span<const CommandSpec> KeyCommands();
absl::Span<const CommandSpec> ServerCommands();

// Helpers.

// Whether `arg` is `lower` in any case.
bool IsWord(std::string_view arg, std::string_view lower);
// "syntax error", and the others as Redis words them.
absl::Status SyntaxError();
absl::Status NotInteger();
// A decimal integer, as Redis takes it.
absl::StatusOr<std::int64_t> ParseInteger(std::string_view arg);

// How a Redis expire time is given: seconds or milliseconds, from now or
// as a Unix time.
struct ExpireUnit {
  bool milliseconds = false;
  bool absolute = false;
};
// The time from now to the expire time `arg`, as `unit` says (negative or
// zero if it has passed). Errors as Redis words them: NotInteger, or
// "invalid expire time in '<command>' command" where it overflows.
absl::StatusOr<std::chrono::milliseconds> ParseExpireTime(
    std::string_view arg, ExpireUnit unit, std::string_view command);
// "invalid expire time in '<command>' command".
absl::Status InvalidExpireTime(std::string_view command);

// SCAN and HSCAN's options after the cursor.
struct ScanArgs {
  std::optional<std::string_view> match;
  std::int64_t count = 10;
  std::optional<std::string_view> type;  // SCAN only.
  bool no_values = false;                // HSCAN only.
};
absl::StatusOr<ScanArgs> ParseScanArgs(RespArgs options, bool scan);

// HDEL and ZREM: removes members args[2...] of collection args[1]; one
// member is a single call (OneMember).
absl::Status RemoveMembers(CommandContext& ctx, RespArgs args);
bool OneMember(RespArgs args);

// HLEN and ZCARD: the number of members of collection args[1].
absl::Status CountMembers(CommandContext& ctx, RespArgs args);

// Reads the members of `collection` that `options` select, shares their
// values, shows them to the watch, and calls `each` in order.
absl::Status ForEachMember(CommandContext& ctx, std::string_view collection,
                           const ScanOptions& options,
                           absl::FunctionRef<void(const SharedValue&)> each,
                           std::string* next = nullptr);

}  // namespace dskv::tool

#endif  // DSKV_TOOLS_RESP_COMMAND_H_
