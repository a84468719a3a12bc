// Connection and server commands: PING, ECHO, QUIT, SELECT, COMMAND,
// INFO, CONFIG, CLIENT, WAIT and SAVE (docs/resp.md#server).

#include <fmt/format.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <string>

#include "tools/glob_match.h"
#include "tools/resp_command.h"

namespace dskv::tool {
namespace {

// The version INFO reports: the Redis release whose commands dskv's
// subset follows. Clients read it to decide what they may send.
constexpr std::string_view kRedisVersion = "7.0.0";

absl::Status UnknownSubcommand(std::string_view sub, std::string_view command) {
  return absl::InvalidArgumentError(fmt::format(
      "unknown subcommand '{}'. Try {} HELP.", sub.substr(0, 128), command));
}

absl::Status Ping(CommandContext& ctx, RespArgs args) {
  if (args.size() > 2) {
    return absl::InvalidArgumentError(
        "wrong number of arguments for 'ping' command");
  }
  args.size() == 2 ? resp::Bulk(ctx.out, args[1])
                   : resp::Simple(ctx.out, "PONG");
  return absl::OkStatus();
}

absl::Status Echo(CommandContext& ctx, RespArgs args) {
  resp::Bulk(ctx.out, args[1]);
  return absl::OkStatus();
}

absl::Status Quit(CommandContext& ctx, RespArgs) {
  ctx.close = true;
  resp::Ok(ctx.out);
  return absl::OkStatus();
}

absl::Status Select(CommandContext& ctx, RespArgs args) {
  absl::StatusOr<std::int64_t> db = ParseInteger(args[1]);
  if (!db.ok()) return db.status();
  if (*db != 0) {
    return absl::InvalidArgumentError(
        "DB index is out of range: dskv serves database 0 only");
  }
  resp::Ok(ctx.out);
  return absl::OkStatus();
}

// One entry of COMMAND's reply, as Redis 7 gives it.
void CommandInfo(std::string& out, const CommandSpec& spec) {
  resp::ArrayHeader(out, 10);
  resp::Bulk(out, spec.name);
  resp::Integer(out, spec.arity);
  const bool write = (spec.flags & kWrite) != 0;
  const bool read = (spec.flags & (kQueueable | kWholeRead)) != 0 && !write;
  resp::ArrayHeader(out, 1);
  resp::Simple(out, write ? "write" : (read ? "readonly" : "fast"));
  resp::Integer(out, spec.first_key);
  resp::Integer(out, spec.last_key);
  resp::Integer(out, spec.key_step);
  resp::ArrayHeader(out, 1);
  resp::Simple(out, write ? "@write" : (read ? "@read" : "@connection"));
  resp::ArrayHeader(out, 0);  // Tips.
  resp::ArrayHeader(out, 0);  // Key specifications.
  resp::ArrayHeader(out, 0);  // Subcommands.
}

// COMMAND, COMMAND COUNT and COMMAND INFO name...; COMMAND DOCS is an
// error, on which redis-cli falls back to its own help text.
absl::Status Command(CommandContext& ctx, RespArgs args) {
  const auto commands = ctx.shared.commands;
  if (args.size() == 1) {
    resp::ArrayHeader(ctx.out, commands.size());
    for (const CommandSpec* spec : commands) CommandInfo(ctx.out, *spec);
    return absl::OkStatus();
  }
  if (IsWord(args[1], "count") && args.size() == 2) {
    resp::Integer(ctx.out, static_cast<std::int64_t>(commands.size()));
    return absl::OkStatus();
  }
  if (IsWord(args[1], "info")) {
    resp::ArrayHeader(ctx.out, args.size() - 2);
    for (std::size_t i = 2; i < args.size(); ++i) {
      const CommandSpec* found = nullptr;
      for (const CommandSpec* spec : commands) {
        if (IsWord(args[i], spec->name)) found = spec;
      }
      found != nullptr ? CommandInfo(ctx.out, *found)
                       : resp::NullArray(ctx.out);
    }
    return absl::OkStatus();
  }
  return UnknownSubcommand(args[1], "COMMAND");
}

// INFO [section ...]: Redis's format, "# Section" then "field:value"
// lines; the section Dskv holds the store's Stats.
absl::Status Info(CommandContext& ctx, RespArgs args) {
  absl::StatusOr<Stats> stats = ctx.store().GetStats();
  if (!stats.ok()) return stats.status();
  const auto wanted = [&](std::string_view section) {
    if (args.size() == 1) return true;
    for (std::size_t i = 1; i < args.size(); ++i) {
      if (IsWord(args[i], section) || IsWord(args[i], "all") ||
          IsWord(args[i], "everything") || IsWord(args[i], "default")) {
        return true;
      }
    }
    return false;
  };
  const RespShared& shared = ctx.shared;
  std::string text;
  if (wanted("server")) {
    const auto uptime = std::chrono::duration_cast<std::chrono::seconds>(
        std::chrono::steady_clock::now() - shared.started);
    text += fmt::format(
        "# Server\r\nredis_version:{}\r\nserver_name:dskv\r\n"
        "redis_mode:standalone\r\nos:Linux\r\narch_bits:64\r\n"
        "process_id:{}\r\nuptime_in_seconds:{}\r\n"
        "uptime_in_days:{}\r\n\r\n",
        kRedisVersion, ::getpid(), uptime.count(), uptime.count() / 86400);
  }
  if (wanted("clients")) {
    text += fmt::format("# Clients\r\nconnected_clients:{}\r\n\r\n",
                        shared.connected_clients.load());
  }
  if (wanted("persistence")) {
    text += fmt::format(
        "# Persistence\r\nloading:0\r\naof_enabled:0\r\n"
        "dskv_durability:{}\r\n\r\n",
        shared.config.sync ? "sync" : "async");
  }
  if (wanted("memory")) {
    // Options::max_memory_bytes counts the keys' memory, not the process's.
    text += fmt::format("# Memory\r\nused_memory:{}\r\nmaxmemory:{}\r\n\r\n",
                        stats->memory_bytes, stats->max_memory_bytes);
  }
  if (wanted("stats")) {
    text += fmt::format(
        "# Stats\r\ntotal_connections_received:{}\r\nexpired_keys:{}\r\n"
        "evicted_keys:{}\r\n\r\n",
        shared.total_connections.load(), stats->expired_keys,
        stats->evicted_keys);
  }
  if (wanted("dskv")) {
    const Stats& s = *stats;
    text += fmt::format(
        "# Dskv\r\nkeys:{}\r\ncollections:{}\r\nbytes:{}\r\ndirty_keys:{}\r\n"
        "dirty_bytes:{}\r\noldest_dirty_age_us:{}\r\nwrite_stalls:{}\r\n"
        "write_stall_time_us:{}\r\nbytes_written:{}\r\nsyncs:{}\r\n"
        "compactions:{}\r\njanitor_passes:{}\r\nfailed_janitor_passes:{}\r\n"
        "last_io_error:{}\r\ntorn_tails_truncated:{}\r\n"
        "torn_bytes_truncated:{}\r\ncorrupt_regions_skipped:{}\r\n"
        "corrupt_bytes_skipped:{}\r\ncorrupt_files_set_aside:{}\r\n"
        "memory_bytes:{}\r\nmax_memory_bytes:{}\r\nevicted_keys:{}\r\n"
        "memory_refusals:{}\r\n\r\n",
        s.keys, s.collections, s.bytes, s.dirty_keys, s.dirty_bytes,
        s.oldest_dirty_age.count(), s.write_stalls, s.write_stall_time.count(),
        s.bytes_written, s.syncs, s.compactions, s.janitor_passes,
        s.failed_janitor_passes,
        s.last_io_error.ok() ? "none" : s.last_io_error.ToString(),
        s.torn_tails_truncated, s.torn_bytes_truncated,
        s.corrupt_regions_skipped, s.corrupt_bytes_skipped,
        s.corrupt_files_set_aside, s.memory_bytes, s.max_memory_bytes,
        s.evicted_keys, s.memory_refusals);
  }
  if (wanted("keyspace")) {
    text += "# Keyspace\r\n";
    if (stats->keys > 0) {
      text += fmt::format("db0:keys={},expires={},avg_ttl=0\r\n", stats->keys,
                          stats->expiring_keys);
    }
  }
  resp::Bulk(ctx.out, text);
  return absl::OkStatus();
}

// CONFIG GET pattern...: the settings tools ask about (redis-benchmark
// reads save and appendonly), as a server with no snapshots and no
// append-only file of Redis's kind would answer.
absl::Status Config(CommandContext& ctx, RespArgs args) {
  if (IsWord(args[1], "get") && args.size() >= 3) {
    static constexpr std::array<std::pair<std::string_view, std::string_view>,
                                5>
        kSettings = {{{"save", ""},
                      {"appendonly", "no"},
                      {"databases", "1"},
                      {"maxmemory", "0"},
                      {"timeout", "0"}}};
    std::string pairs;
    std::size_t count = 0;
    for (const auto& [name, value] : kSettings) {
      for (std::size_t i = 2; i < args.size(); ++i) {
        std::string pattern(args[i]);
        for (char& c : pattern) c = static_cast<char>(std::tolower(c));
        if (!GlobMatch(pattern, name)) continue;
        resp::Bulk(pairs, name);
        resp::Bulk(pairs, value);
        ++count;
        break;
      }
    }
    resp::ArrayHeader(ctx.out, 2 * count);
    ctx.out += pairs;
    return absl::OkStatus();
  }
  if (IsWord(args[1], "resetstat") && args.size() == 2) {
    resp::Ok(ctx.out);
    return absl::OkStatus();
  }
  if (IsWord(args[1], "set")) {
    return absl::InvalidArgumentError(
        "CONFIG SET is not supported: dskv serve takes its settings as flags");
  }
  return UnknownSubcommand(args[1], "CONFIG");
}

absl::Status Client(CommandContext& ctx, RespArgs args) {
  if (IsWord(args[1], "setname") && args.size() == 3) {
    for (const char c : args[2]) {
      if (c < '!' || c > '~') {
        return absl::InvalidArgumentError(
            "Client names cannot contain spaces, newlines or special "
            "characters.");
      }
    }
    ctx.session.name.assign(args[2]);
    resp::Ok(ctx.out);
  } else if (IsWord(args[1], "getname") && args.size() == 2) {
    ctx.session.name.empty() ? resp::NullBulk(ctx.out)
                             : resp::Bulk(ctx.out, ctx.session.name);
  } else if (IsWord(args[1], "setinfo") && args.size() == 4) {
    resp::Ok(ctx.out);  // Client libraries announce themselves: noted.
  } else {
    return UnknownSubcommand(args[1], "CLIENT");
  }
  return absl::OkStatus();
}

// WAIT numreplicas timeout: every write acknowledged before it is durable
// once it returns (Store::Flush); there are no replicas, so 0.
absl::Status Wait(CommandContext& ctx, RespArgs args) {
  absl::StatusOr<std::int64_t> replicas = ParseInteger(args[1]);
  absl::StatusOr<std::int64_t> timeout = ParseInteger(args[2]);
  if (!replicas.ok() || !timeout.ok()) return NotInteger();
  if (absl::Status s = ctx.store().Flush(); !s.ok()) return s;
  resp::Integer(ctx.out, 0);
  return absl::OkStatus();
}

absl::Status Save(CommandContext& ctx, RespArgs) {
  if (absl::Status s = ctx.store().Flush(); !s.ok()) return s;
  resp::Ok(ctx.out);
  return absl::OkStatus();
}

constexpr std::array kCommands = {
    CommandSpec{"ping", -1, kQueueable, 0, 0, 0, Ping},
    CommandSpec{"echo", 2, kQueueable, 0, 0, 0, Echo},
    CommandSpec{"quit", -1, 0, 0, 0, 0, Quit},
    CommandSpec{"select", 2, 0, 0, 0, 0, Select},
    CommandSpec{"command", -1, 0, 0, 0, 0, Command},
    CommandSpec{"info", -1, 0, 0, 0, 0, Info},
    CommandSpec{"config", -2, 0, 0, 0, 0, Config},
    CommandSpec{"client", -2, 0, 0, 0, 0, Client},
    CommandSpec{"wait", 3, 0, 0, 0, 0, Wait},
    CommandSpec{"save", 1, 0, 0, 0, 0, Save},
};

}  // namespace

absl::Span<const CommandSpec> ServerCommands() { return kCommands; }

}  // namespace dskv::tool
