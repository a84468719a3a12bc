// Running Redis commands as one dskv::WriteBatch: EXEC's queued commands,
// and a single command that touches several keys (MSET, HSET of several
// fields, ...), which Redis applies all or nothing.

#ifndef DSKV_TOOLS_RESP_TRANSACTION_H_
#define DSKV_TOOLS_RESP_TRANSACTION_H_

#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "tools/resp_access.h"
#include "tools/resp_session.h"

namespace dskv::tool {

// Runs `body`, which appends replies to `out` and reads and writes through
// the session's TxnAccess, then commits what it wrote as one batch whose
// conditions are everything it read (and, if `watched`, what the session
// read of its watched keys). If a condition no longer holds when the batch
// is applied, everything is run again from the start, at most
// config.max_transaction_attempts times. On success `out` holds the
// replies of the run that committed; on any error, nothing more.
//
// Errors: FailedPrecondition if a watched key changed (EXEC then replies
// with a null array); Aborted once the attempts run out; the store's error.
absl::Status RunTransaction(Store& store, const RespConfig& config,
                            RespSession& session, bool watched,
                            std::string& out,
                            absl::FunctionRef<void(std::string&)> body);

}  // namespace dskv::tool

#endif  // DSKV_TOOLS_RESP_TRANSACTION_H_
