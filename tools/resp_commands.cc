#include "tools/resp_commands.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>

#include "dskv/errors.h"
#include "dskv/key.h"
#include "tools/resp_transaction.h"

namespace dskv::tool {
namespace {

// MULTI, EXEC, DISCARD, WATCH and UNWATCH: RespCommands runs them itself.
constexpr std::array kTransactionCommands = {
    CommandSpec{"multi", 1, kTransaction, 0, 0, 0, nullptr},
    CommandSpec{"exec", 1, kTransaction, 0, 0, 0, nullptr},
    CommandSpec{"discard", 1, kTransaction, 0, 0, 0, nullptr},
    CommandSpec{"watch", -2, kTransaction, 1, -1, 1, nullptr},
    CommandSpec{"unwatch", 1, kTransaction, 0, 0, 0, nullptr},
};

// GETs ExecutePipelined keeps waiting at most: enough for their lookups to
// overlap (ShardMap::ShareMany takes 16 at a time).
constexpr std::size_t kMaxPipelinedGets = 64;

bool ArityFits(const CommandSpec& spec, std::size_t args) {
  return spec.arity >= 0 ? args == static_cast<std::size_t>(spec.arity)
                         : args >= static_cast<std::size_t>(-spec.arity);
}

void ErrorReply(std::string& out, const absl::Status& status) {
  // Redis's prefix for a write refused at maxmemory.
  resp::Error(out, (IsMemoryLimitError(status) ? "OOM " : "ERR ") +
                       std::string(status.message()));
}

// As Redis 7 words it: the name and the first arguments, 128 bytes each.
std::string UnknownCommand(RespArgs args) {
  std::string quoted;
  for (std::size_t i = 1; i < args.size() && quoted.size() < 128; ++i) {
    quoted += fmt::format("'{}' ", args[i].substr(0, 128 - quoted.size()));
  }
  return fmt::format("ERR unknown command '{}', with args beginning with: {}",
                     args[0].substr(0, 128), quoted);
}

}  // namespace

RespCommands::RespCommands(Store& store, RespConfig config)
    : shared_(store, std::move(config)) {
  for (const absl::Span<const CommandSpec> group :
       {StringCommands(), HashCommands(), SortedSetCommands(), KeyCommands(),
        ServerCommands(),
        absl::Span<const CommandSpec>(kTransactionCommands)}) {
    for (const CommandSpec& spec : group) {
      commands_.push_back(&spec);
      by_name_.emplace(spec.name, &spec);
    }
  }
  shared_.commands = commands_;
}

std::unique_ptr<RespSession> RespCommands::NewSession() {
  return std::make_unique<RespSession>(shared_.store, shared_.config);
}

const CommandSpec* RespCommands::Find(std::string_view name) const {
  // Names are case-insensitive; lowered on the stack, no allocation.
  std::array<char, 32> lower;
  if (name.size() > lower.size()) return nullptr;
  std::transform(name.begin(), name.end(), lower.begin(), [](char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  });
  const auto it = by_name_.find(std::string_view(lower.data(), name.size()));
  return it == by_name_.end() ? nullptr : it->second;
}

bool RespCommands::Execute(RespSession& session, RespArgs args,
                           std::string& out) {
  const bool open = ExecutePipelined(session, args, out);
  Flush(session, out);
  return open;
}

bool RespCommands::ExecutePipelined(RespSession& session, RespArgs args,
                                    std::string& out) {
  const CommandSpec* spec = Find(args[0]);
  if (spec != nullptr && (spec->flags & kPipelinedGet) != 0 &&
      ArityFits(*spec, args.size()) && !session.in_multi &&
      !session.watch.active()) {
    CommandContext ctx{shared_, session, session.direct, out};
    session.pipelined_keys += ctx.StringKey(args[1]);
    session.pipelined_ends.push_back(session.pipelined_keys.size());
    if (session.pipelined_ends.size() >= kMaxPipelinedGets) {
      Flush(session, out);
    }
    return true;
  }
  Flush(session, out);
  std::string error;
  if (spec == nullptr) {
    error = UnknownCommand(args);
  } else if (!ArityFits(*spec, args.size())) {
    error = fmt::format("ERR wrong number of arguments for '{}' command",
                        spec->name);
  } else if ((spec->flags & kWrite) != 0 && shared_.config.read_only) {
    error =
        "READONLY You can't write against a read only server: dskv serve "
        "--read-only";
  } else if ((spec->flags & kTransaction) != 0) {
    Transaction(*spec, session, args, out);
    return true;
  } else if (session.in_multi && (spec->flags & kQueueable) == 0) {
    error = fmt::format(
        "ERR '{}' cannot be queued in a MULTI{}", spec->name,
        (spec->flags & kWholeRead) != 0
            ? ": it reads a whole collection, and a dskv transaction can "
              "only check single keys"
            : "");
  } else if (session.in_multi) {
    Queue(session, args, out);
    return true;
  } else {
    return RunNow(*spec, session, args, out);
  }
  // As Redis: an error while queueing makes EXEC fail.
  if (session.in_multi) session.multi_refused = true;
  resp::Error(out, error);
  return true;
}

void RespCommands::Flush(RespSession& session, std::string& out) {
  if (session.pipelined_ends.empty()) return;
  std::vector<std::string_view> keys;
  keys.reserve(session.pipelined_ends.size());
  std::size_t begin = 0;
  for (const std::size_t end : session.pipelined_ends) {
    keys.push_back(
        std::string_view(session.pipelined_keys).substr(begin, end - begin));
    begin = end;
  }
  // As Get, with StoreAccess::Read's watch left out: nothing is watched.
  for (const absl::StatusOr<SharedValue>& value :
       shared_.store.MultiGetShared(keys)) {
    if (value.ok()) {
      resp::Bulk(out, value->value());
    } else if (absl::IsNotFound(value.status())) {
      resp::NullBulk(out);
    } else {
      ErrorReply(out, value.status());
    }
  }
  session.pipelined_keys.clear();
  session.pipelined_ends.clear();
}

bool RespCommands::RunNow(const CommandSpec& spec, RespSession& session,
                          RespArgs args, std::string& out) {
  if ((spec.flags & kWrite) == 0 ||
      (spec.single_call != nullptr && spec.single_call(args))) {
    return RunWith(spec, session, session.direct, nullptr, args, out);
  }
  bool open = true;
  const absl::Status s = RunTransaction(
      shared_.store, shared_.config, session, /*watched=*/false, out,
      [&](std::string& replies) {
        open = RunWith(spec, session, session.txn, &session.txn, args, replies);
      });
  if (!s.ok()) ErrorReply(out, s);
  return open;
}

bool RespCommands::RunWith(const CommandSpec& spec, RespSession& session,
                           KeyAccess& access, TxnAccess* txn, RespArgs args,
                           std::string& out) {
  CommandContext ctx{shared_, session, access, out};
  const std::size_t mark = out.size();
  const std::size_t ops = txn != nullptr ? txn->size() : 0;
  const absl::Status s = spec.run(ctx, args);
  if (!s.ok()) {
    out.resize(mark);
    if (txn != nullptr) txn->RollBack(ops);
    ErrorReply(out, s);
  }
  return !ctx.close;
}

void RespCommands::Transaction(const CommandSpec& spec, RespSession& session,
                               RespArgs args, std::string& out) {
  const std::string_view name = spec.name;
  if (name == "multi") {
    if (session.in_multi) {
      resp::Error(out, "ERR MULTI calls can not be nested");
      return;
    }
    session.in_multi = true;
    resp::Ok(out);
  } else if (name == "exec") {
    if (!session.in_multi) {
      resp::Error(out, "ERR EXEC without MULTI");
      return;
    }
    Exec(session, out);
  } else if (name == "discard") {
    if (!session.in_multi) {
      resp::Error(out, "ERR DISCARD without MULTI");
      return;
    }
    EndMulti(session);
    resp::Ok(out);
  } else if (name == "watch") {
    if (session.in_multi) {
      session.multi_refused = true;
      resp::Error(out, "ERR WATCH inside MULTI is not allowed");
      return;
    }
    Watch(session, args, out);
  } else {  // unwatch
    session.watch.Clear();
    resp::Ok(out);
  }
}

void RespCommands::Queue(RespSession& session, RespArgs args,
                         std::string& out) {
  for (const std::string_view arg : args) {
    session.queued_bytes += arg;
    session.queued_sizes.push_back(arg.size());
  }
  session.queued_counts.push_back(args.size());
  resp::Simple(out, "QUEUED");
}

void RespCommands::Exec(RespSession& session, std::string& out) {
  if (session.multi_refused) {
    EndMulti(session);
    resp::Error(out,
                "EXECABORT Transaction discarded because of previous errors.");
    return;
  }
  if (session.watch.broken()) {
    EndMulti(session);
    resp::NullArray(out);
    return;
  }
  // The queued commands' arguments, as views into queued_bytes.
  std::vector<std::string_view> all;
  all.reserve(session.queued_sizes.size());
  std::size_t offset = 0;
  for (const std::size_t size : session.queued_sizes) {
    all.push_back(std::string_view(session.queued_bytes).substr(offset, size));
    offset += size;
  }
  const absl::Status s = RunTransaction(
      shared_.store, shared_.config, session, /*watched=*/true, out,
      [&](std::string& replies) {
        resp::ArrayHeader(replies, session.queued_counts.size());
        std::size_t first = 0;
        for (const std::size_t count : session.queued_counts) {
          const RespArgs args = RespArgs(all).subspan(first, count);
          first += count;
          RunWith(*Find(args[0]), session, session.txn, &session.txn, args,
                  replies);
        }
      });
  if (absl::IsFailedPrecondition(s)) {
    resp::NullArray(out);
  } else if (!s.ok()) {
    ErrorReply(out, s);
  }
  EndMulti(session);
}

void RespCommands::Watch(RespSession& session, RespArgs args,
                         std::string& out) {
  CommandContext ctx{shared_, session, session.direct, out};
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string_view key = args[i];
    if (key.find('/') == std::string_view::npos &&
        ValidateCollection(key).ok()) {
      session.watch.WatchCollection(key);
    }
    const std::string_view string_key = ctx.StringKey(key);
    session.watch.WatchKey(string_key);
    // Its value now is the one EXEC expects (unless the connection reads
    // another before).
    const absl::StatusOr<bool> read =
        session.direct.Read(string_key, &session.value);
    if (!read.ok() && !absl::IsInvalidArgument(read.status())) {
      ErrorReply(out, read.status());
      return;
    }
  }
  resp::Ok(out);
}

void RespCommands::EndMulti(RespSession& session) {
  session.in_multi = false;
  session.multi_refused = false;
  session.queued_bytes.clear();
  session.queued_sizes.clear();
  session.queued_counts.clear();
  session.watch.Clear();
}

}  // namespace dskv::tool
