#include "tools/resp_transaction.h"

#include <fmt/format.h>

#include <optional>
#include <string_view>

namespace dskv::tool {
namespace {

std::optional<std::string_view> View(const std::optional<std::string>& value) {
  if (!value.has_value()) return std::nullopt;
  return *value;
}

// Whether a key the session read while watching holds something else now.
bool WatchedKeyChanged(Store& store, const WatchSet& watch,
                       std::string& scratch) {
  for (const auto& [key, value] : watch.reads()) {
    const absl::Status s = store.Get(key, &scratch);
    if (s.ok() != value.has_value()) return true;
    if (s.ok() && scratch != *value) return true;
  }
  return false;
}

}  // namespace

absl::Status RunTransaction(Store& store, const RespConfig& config,
                            RespSession& session, bool watched,
                            std::string& out,
                            absl::FunctionRef<void(std::string&)> body) {
  const std::size_t mark = out.size();
  TxnAccess& txn = session.txn;
  for (int attempt = 0; attempt < config.max_transaction_attempts; ++attempt) {
    out.resize(mark);
    txn.Clear();
    if (watched) {
      for (const auto& [key, value] : session.watch.reads()) {
        txn.Expect(key, View(value));
      }
    }
    body(out);
    const absl::Status committed = txn.Commit(store);
    if (committed.ok()) {
      txn.Clear();
      return committed;
    }
    out.resize(mark);
    if (!absl::IsAborted(committed)) return committed;
    if (watched && WatchedKeyChanged(store, session.watch, session.value)) {
      return absl::FailedPreconditionError("a watched key changed");
    }
  }
  txn.Clear();
  return absl::AbortedError(fmt::format(
      "the keys the transaction reads kept changing while it ran; gave up "
      "after {} attempts",
      config.max_transaction_attempts));
}

}  // namespace dskv::tool
