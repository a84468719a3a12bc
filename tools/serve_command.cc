// serve: the store over HTTP (docs/http.md), and with --resp over the Redis
// protocol too (docs/resp.md), until SIGINT or SIGTERM.

#include <fmt/format.h>
#include <signal.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include "dskv/key.h"
#include "dskv/store.h"
#include "tools/commands.h"
#include "tools/http_api.h"
#include "tools/http_server.h"
#include "tools/io.h"
#include "tools/resp_commands.h"
#include "tools/resp_server.h"
#include "tools/store_open.h"
#include "tools/text.h"

namespace dskv::tool {
namespace {

constexpr FlagSpec kListenFlag{"listen", /*takes_value=*/true};
constexpr FlagSpec kDurabilityFlag{"durability", /*takes_value=*/true};
constexpr FlagSpec kMaxValueSizeFlag{"max-value-size", /*takes_value=*/true};
constexpr FlagSpec kMaxConnectionsFlag{"max-connections",
                                       /*takes_value=*/true};
constexpr FlagSpec kIdleTimeoutFlag{"idle-timeout", /*takes_value=*/true};
constexpr FlagSpec kThreadsFlag{"threads", /*takes_value=*/true};
constexpr FlagSpec kReadOnlyFlag{"read-only"};
constexpr FlagSpec kMaxMemoryFlag{"max-memory", /*takes_value=*/true};
constexpr FlagSpec kEvictionFlag{"eviction", /*takes_value=*/true};
constexpr FlagSpec kRespFlag{"resp", /*takes_value=*/true};
constexpr FlagSpec kRespDefaultCollectionFlag{"resp-default-collection",
                                              /*takes_value=*/true};

// What the flags ask for.
struct ServeSettings {
  HttpServer::Options server;
  Durability durability = Durability::kAsync;
  std::uint64_t max_value_size = std::uint64_t{256} << 20;
  std::uint64_t max_memory_bytes = 0;
  Eviction eviction = Eviction::kNone;
  bool read_only = false;
  // With --resp: the Redis front, on the address of --listen, with the
  // same connection limits and as many threads of its own.
  std::optional<RespServer::Options> resp;
  std::string resp_default_collection = "strings";
};

// --resp and --resp-default-collection, once the other flags are read.
absl::Status RespSettingsOf(const Invocation& invocation,
                            ServeSettings& settings) {
  if (std::optional<std::string> name =
          invocation.Value(kRespDefaultCollectionFlag.name)) {
    if (absl::Status s = ValidateCollection(*name); !s.ok()) {
      return absl::InvalidArgumentError(fmt::format(
          "--resp-default-collection: {}", std::string(s.message())));
    }
    settings.resp_default_collection = *name;
  }
  std::optional<std::string> port = invocation.Value(kRespFlag.name);
  if (!port.has_value()) return absl::OkStatus();
  absl::StatusOr<std::uint64_t> number =
      ParseWholeNumber(kRespFlag.name, *port);
  if (!number.ok() || *number > 65535) {
    return absl::InvalidArgumentError(
        fmt::format("--resp: the port must be 0 to 65535, not {:?}", *port));
  }
  RespServer::Options& resp = settings.resp.emplace();
  resp.address = settings.server.address;
  resp.port = static_cast<std::uint16_t>(*number);
  resp.max_connections = settings.server.max_connections;
  resp.idle_timeout = settings.server.idle_timeout;
  resp.threads = settings.server.threads;
  // Keys may be longer than a small --max-value-size allows values to be.
  resp.limits.max_bulk = std::max<std::uint64_t>(
      settings.max_value_size, kMaxCollectionSize + 1 + kMaxMemberSize);
  return absl::OkStatus();
}

absl::StatusOr<ServeSettings> SettingsOf(const Invocation& invocation) {
  ServeSettings settings;
  if (std::optional<std::string> listen = invocation.Value(kListenFlag.name)) {
    const std::size_t colon = listen->rfind(':');
    if (colon == std::string::npos) {
      return absl::InvalidArgumentError(fmt::format(
          "--listen must be ADDRESS:PORT, e.g. 127.0.0.1:3000, not {:?}",
          *listen));
    }
    absl::StatusOr<std::uint64_t> port =
        ParseWholeNumber(kListenFlag.name, listen->substr(colon + 1));
    if (!port.ok() || *port > 65535) {
      return absl::InvalidArgumentError(
          fmt::format("--listen: the port must be 0 to 65535, not {:?}",
                      listen->substr(colon + 1)));
    }
    settings.server.address = listen->substr(0, colon);
    settings.server.port = static_cast<std::uint16_t>(*port);
  }
  if (std::optional<std::string> d = invocation.Value(kDurabilityFlag.name)) {
    if (*d == "sync") {
      settings.durability = Durability::kSync;
    } else if (*d != "async") {
      return absl::InvalidArgumentError(
          fmt::format("--durability must be async or sync, not {:?}", *d));
    }
  }
  if (std::optional<std::string> e = invocation.Value(kEvictionFlag.name)) {
    if (*e == "soonest-deadline") {
      settings.eviction = Eviction::kSoonestDeadline;
    } else if (*e != "none") {
      return absl::InvalidArgumentError(fmt::format(
          "--eviction must be none or soonest-deadline, not {:?}", *e));
    }
  }
  struct NumberFlag {
    const FlagSpec& flag;
    std::uint64_t min;
    std::function<void(std::uint64_t)> set;
  };
  for (const NumberFlag& number : {
           NumberFlag{kMaxValueSizeFlag, 0,
                      [&](std::uint64_t v) { settings.max_value_size = v; }},
           NumberFlag{kMaxMemoryFlag, 0,
                      [&](std::uint64_t v) { settings.max_memory_bytes = v; }},
           NumberFlag{
               kMaxConnectionsFlag, 1,
               [&](std::uint64_t v) { settings.server.max_connections = v; }},
           NumberFlag{kThreadsFlag, 1,
                      [&](std::uint64_t v) { settings.server.threads = v; }},
           NumberFlag{kIdleTimeoutFlag, 1,
                      [&](std::uint64_t v) {
                        settings.server.idle_timeout = std::chrono::seconds(v);
                      }},
       }) {
    std::optional<std::string> text = invocation.Value(number.flag.name);
    if (!text.has_value()) continue;
    absl::StatusOr<std::uint64_t> value =
        ParseWholeNumber(number.flag.name, *text);
    if (!value.ok()) return value.status();
    if (*value < number.min) {
      return absl::InvalidArgumentError(fmt::format(
          "--{} must be at least {}", number.flag.name, number.min));
    }
    number.set(*value);
  }
  // Each is a thread: more than this is a typo, not a setting.
  constexpr std::size_t kMaxThreads = 1024;
  if (settings.server.threads > kMaxThreads) {
    return absl::InvalidArgumentError(
        fmt::format("--threads must be at most {}", kMaxThreads));
  }
  settings.read_only = invocation.Has(kReadOnlyFlag.name);
  if (settings.eviction != Eviction::kNone && settings.max_memory_bytes == 0) {
    return absl::InvalidArgumentError(
        "--eviction needs --max-memory, the limit to evict at");
  }
  if (absl::Status s = RespSettingsOf(invocation, settings); !s.ok()) return s;
  return settings;
}

absl::Status CheckServe(const Invocation& invocation) {
  return SettingsOf(invocation).status();
}

// Blocks SIGINT and SIGTERM in this thread and every thread it starts
// after, so that Serve's sigwait receives them.
sigset_t BlockStopSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

absl::Status Serve(Store& store, const ServeSettings& settings,
                   const sigset_t& signals) {
  HttpApi api(store, {.max_value_size = settings.max_value_size,
                      .sync = settings.durability == Durability::kSync});
  absl::StatusOr<std::unique_ptr<HttpServer>> server =
      HttpServer::Start(api, settings.server);
  if (!server.ok()) return server.status();
  // Tests and scripts wait for this line, and learn the port from it.
  if (absl::Status s =
          WriteStdout(fmt::format("dskv serve: listening on http://{}:{}\n",
                                  settings.server.address, (*server)->port()));
      !s.ok()) {
    return s;
  }
  std::optional<RespCommands> commands;
  std::unique_ptr<RespServer> resp;
  if (settings.resp.has_value()) {
    commands.emplace(store,
                     RespConfig{
                         .default_collection = settings.resp_default_collection,
                         .max_value_size = settings.max_value_size,
                         .read_only = settings.read_only,
                         .sync = settings.durability == Durability::kSync,
                     });
    absl::StatusOr<std::unique_ptr<RespServer>> started =
        RespServer::Start(*commands, *settings.resp);
    if (!started.ok()) return started.status();
    resp = std::move(*started);
    // After the HTTP line, which tests and scripts read first.
    if (absl::Status s =
            WriteStdout(fmt::format("dskv serve: listening on redis://{}:{}\n",
                                    settings.resp->address, resp->port()));
        !s.ok()) {
      return s;
    }
  }
  int signal = 0;
  sigwait(&signals, &signal);
  if (resp != nullptr) resp->Stop();
  (*server)->Stop();
  return absl::OkStatus();
}

absl::Status RunServe(const Invocation& invocation) {
  absl::StatusOr<ServeSettings> settings = SettingsOf(invocation);
  if (!settings.ok()) return settings.status();
  const sigset_t signals = BlockStopSignals();
  Options options;
  options.durability = settings->durability;
  options.max_value_size = settings->max_value_size;
  options.max_memory_bytes = settings->max_memory_bytes;
  options.eviction = settings->eviction;
  if (settings->read_only) {
    options.read_only = true;
    absl::StatusOr<std::unique_ptr<Store>> store =
        Store::Open(invocation.store_dir(), options);
    if (!store.ok()) return store.status();
    absl::Status served = Serve(**store, *settings, signals);
    absl::Status closed = (*store)->Close();
    return served.ok() ? closed : served;
  }
  absl::StatusOr<std::unique_ptr<LockedStore>> locked =
      LockedStore::Lock(invocation.store_dir(), IfMissing::kCreate);
  if (!locked.ok()) return locked.status();
  if (absl::Status s = (*locked)->Open(options); !s.ok()) return s;
  absl::Status served = Serve((*locked)->store(), *settings, signals);
  // Every acknowledged write is persisted before the process exits.
  absl::Status closed = (*locked)->Close();
  return served.ok() ? closed : served;
}

}  // namespace

Command ServeCommand() {
  return {
      .name = "serve",
      .summary =
          "serve the store over HTTP (and Redis's protocol) until "
          "SIGINT or SIGTERM",
      .synopsis =
          "serve [--listen=ADDRESS:PORT] [--threads=N] "
          "[--durability=async|sync] "
          "[--max-value-size=BYTES] [--max-memory=BYTES] "
          "[--eviction=none|soonest-deadline] [--max-connections=N] "
          "[--idle-timeout=SECONDS] [--read-only] [--resp=PORT] "
          "[--resp-default-collection=NAME] STORE_DIR",
      .description =
          "Opens the store (taking its lock, unless --read-only) and serves\n"
          "it over HTTP/1.1 (docs/http.md): keys, listings, batches,\n"
          "content ids, the store's collections and stats. Prints\n"
          "\"dskv serve: listening on http://ADDRESS:PORT\" once it accepts\n"
          "connections. On SIGINT or SIGTERM it stops accepting, answers the\n"
          "requests in flight, and closes the store, so every acknowledged\n"
          "write is persisted as --durability promises.\n\n"
          "  --listen=ADDRESS:PORT   default 127.0.0.1:3000; port 0 picks a "
          "free one\n"
          "  --threads=N             threads that serve the connections\n"
          "                          (default: one per core); a request that\n"
          "                          waits on its client or the disk gets a\n"
          "                          thread of its own while it runs\n"
          "  --durability=MODE       async (default): writes are acknowledged\n"
          "                          from memory; sync: once durable (as "
          "?sync\n"
          "                          does for one request)\n"
          "  --max-value-size=BYTES  larger bodies get 413 (default 256 MiB)\n"
          "  --max-memory=BYTES      the store's memory limit\n"
          "                          (Options::max_memory_bytes; default 0,\n"
          "                          none): writes past it get 507, or OOM\n"
          "                          over RESP\n"
          "  --eviction=POLICY       none (default), or soonest-deadline:\n"
          "                          at --max-memory, remove the keys whose\n"
          "                          deadlines come soonest instead\n"
          "  --max-connections=N     more get 503 (default 1024)\n"
          "  --idle-timeout=SECONDS  a connection whose read or write stalls\n"
          "                          this long is closed (default 60)\n"
          "  --read-only             serve reads only, without the lock\n"
          "  --resp=PORT             also serve Redis's protocol (RESP2,\n"
          "                          docs/resp.md) on this port of the\n"
          "                          --listen address (0: a free one), with\n"
          "                          --threads threads of its own; prints\n"
          "                          \"dskv serve: listening on\n"
          "                          redis://ADDRESS:PORT\" after the HTTP "
          "line\n"
          "  --resp-default-collection=NAME\n"
          "                          where Redis string keys without '/'\n"
          "                          live (default strings)\n",
      .flags = {kListenFlag, kThreadsFlag, kDurabilityFlag, kMaxValueSizeFlag,
                kMaxMemoryFlag, kEvictionFlag, kMaxConnectionsFlag,
                kIdleTimeoutFlag, kReadOnlyFlag, kRespFlag,
                kRespDefaultCollectionFlag},
      .min_args = 1,
      .max_args = 1,
      .check = CheckServe,
      .run = RunServe,
  };
}

}  // namespace dskv::tool
