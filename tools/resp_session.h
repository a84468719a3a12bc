// What `dskv serve --resp` keeps per connection between commands, and the
// settings every connection shares.

#ifndef DSKV_TOOLS_RESP_SESSION_H_
#define DSKV_TOOLS_RESP_SESSION_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "dskv/store.h"
#include "tools/resp_access.h"
#include "tools/resp_watch.h"

namespace dskv::tool {

struct RespConfig {
  // Where a string key without '/' lives: member `key` of this collection.
  std::string default_collection = "strings";
  // The store's Options::max_value_size.
  std::size_t max_value_size = std::size_t{256} << 20;
  bool read_only = false;
  // Writes wait until durable (--durability=sync): for INFO.
  bool sync = false;
  // HSCAN cursors kept (RespCursors).
  std::size_t max_cursors = 65536;
  // How many times a transaction whose reads changed before its commit is
  // run again before EXEC gives up.
  int max_transaction_attempts = 32;
};

class RespSession {
 public:
  RespSession(Store& store, const RespConfig& config)
      : direct(store, watch), txn(store, config.max_value_size) {}
  RespSession(const RespSession&) = delete;
  RespSession& operator=(const RespSession&) = delete;

  // Buffers reused from command to command: dskv keys built from Redis
  // keys, and values read.
  std::string key;
  std::string value;

  WatchSet watch;
  StoreAccess direct;  // Commands run at once.
  TxnAccess txn;       // EXEC, and commands that touch several keys.

  // Between MULTI and EXEC: the commands queued, their arguments one after
  // another in `queued_bytes` (sizes in `queued_sizes`, the count of each
  // command's in `queued_counts`), and whether one was refused.
  bool in_multi = false;
  bool multi_refused = false;
  std::string queued_bytes;
  std::vector<std::size_t> queued_sizes;
  std::vector<std::size_t> queued_counts;

  // GETs waiting for RespCommands::Flush: their dskv keys one after another
  // in `pipelined_keys`, where each ends in `pipelined_ends`.
  std::string pipelined_keys;
  std::vector<std::size_t> pipelined_ends;

  std::string name;  // CLIENT SETNAME.
};

}  // namespace dskv::tool

#endif  // DSKV_TOOLS_RESP_SESSION_H_
