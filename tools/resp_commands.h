// The Redis commands of `dskv serve --resp` (docs/resp.md) against a
// dskv::Store, with no I/O: a connection's parsed commands in, replies
// out. Finds a command by name, checks its arity and whether it may run
// now (MULTI queues, a read-only store refuses writes), and runs it: at
// once, or as a transaction (tools/resp_transaction.h) when it touches
// several keys or is EXEC.

#ifndef DSKV_TOOLS_RESP_COMMANDS_H_
#define DSKV_TOOLS_RESP_COMMANDS_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "base/string_hash.h"
#include "dskv/store.h"
#include "tools/resp_command.h"
#include "tools/resp_protocol.h"
#include "tools/resp_session.h"

namespace dskv::tool {

class RespCommands {
 public:
  // `store` must outlive this.
  RespCommands(Store& store, RespConfig config);

  // The state of a new connection.
  std::unique_ptr<RespSession> NewSession();

  // Runs the command `args` (its name first) for the connection `session`
  // and appends its reply to `out`. Returns false if the connection must
  // close once the reply is written (QUIT). Thread-safe across sessions;
  // a session is used by one thread at a time.
  bool Execute(RespSession& session, RespArgs args, std::string& out);

  // As Execute, for a connection that sends its replies only after Flush:
  // a GET may wait there, to be looked up with the GETs after it in one
  // Store::MultiGetShared, whose memory accesses overlap. Replies stay in
  // the order of their commands.
  bool ExecutePipelined(RespSession& session, RespArgs args, std::string& out);
  // Runs the GETs ExecutePipelined left waiting, appending their replies.
  void Flush(RespSession& session, std::string& out);

  // Counters for INFO, which the server keeps.
  RespShared& shared() { return shared_; }

 private:
  const CommandSpec* Find(std::string_view name) const;
  // Runs `spec` now, at once or as a transaction of its own.
  bool RunNow(const CommandSpec& spec, RespSession& session, RespArgs args,
              std::string& out);
  // Runs `spec` against `access`; on an error, replies with it instead of
  // whatever the command appended, and (`txn`) undoes its writes.
  bool RunWith(const CommandSpec& spec, RespSession& session, KeyAccess& access,
               TxnAccess* txn, RespArgs args, std::string& out);
  void Transaction(const CommandSpec& spec, RespSession& session, RespArgs args,
                   std::string& out);
  void Queue(RespSession& session, RespArgs args, std::string& out);
  void Exec(RespSession& session, std::string& out);
  void Watch(RespSession& session, RespArgs args, std::string& out);
  static void EndMulti(RespSession& session);

  RespShared shared_;
  std::vector<const CommandSpec*> commands_;
  absl::flat_hash_map<std::string_view, const CommandSpec*, StringHash,
                      StringEq>
      by_name_;
};

}  // namespace dskv::tool

#endif  // DSKV_TOOLS_RESP_COMMANDS_H_
