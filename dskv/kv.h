// dskv::KeyValue: one client API over several backends, chosen by a URL, so
// that an application moves from the embedded store to Redis or a Redis
// Cluster by configuration, without changing its code:
//
//   absl::StatusOr<std::unique_ptr<dskv::KeyValue>> kv =
//       dskv::OpenKeyValue("redis-cluster://10.0.0.1:7000,10.0.0.2:7000/app");
//   if (!kv.ok()) return kv.status();
//   absl::Status s = (*kv)->Put("artist/daft_punk", "epic");
//
// URLs:
//   dskv:///path/to/dir   The embedded Store (dskv/store.h) on a directory; no
//                         network. Query: ?durability=sync|async (default
//                         async), ?read_only=true|false.
//   redis://host:port[/namespace]
//                         One Redis server (or anything that speaks RESP2 the
//                         same way, such as `dskv serve --resp`).
//   redis-cluster://host:port,host:port[/namespace]
//                         A Redis Cluster; the addresses are seeds, any one of
//                         which suffices to find the others.
//   Redis URLs take ?timeout_ms=N (connecting and each reply; default 5000)
//   and ?retry_ms=N (how long an operation retries through reconnects,
//   redirects and a failover before it fails; default 15000).
//
// Keys are "collection/member" as in dskv/store.h, with the same limits on
// every backend. On Redis, collection c is the hash "{ns:c}" (member ->
// value) plus the sorted set "{ns:c}:m" of its members at score 0, which
// orders Scan; the braces make both live on one cluster slot. `ns` is the
// URL's namespace ("" without one): applications with different namespaces
// share a Redis without seeing each other's keys. docs/kv.md has the exact
// mapping, what is atomic where, and what each backend makes durable.
//
// Errors are absl::Status. Beyond the store's own (see dskv/store.h), the
// Redis backends return Unavailable when a server cannot be reached within
// retry_ms, and Internal for a reply that does not fit the mapping (a key
// in the namespace written by something else).
//
// Thread-safety: every method of every KeyValue may be called from any
// number of threads at once.

#ifndef DSKV_KV_H_
#define DSKV_KV_H_

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "dskv/store.h"
#include "dskv/write_batch.h"

namespace dskv {

// How KeyValue::Write may apply a batch.
struct WriteOptions {
  // A batch spanning collections that no single atomic step of the backend
  // covers (on Redis Cluster: collections on different slots) fails with
  // InvalidArgument unless this is true; then each slot's share of the batch
  // is applied atomically on its own, one after another, and a failure part
  // way leaves the shares before it applied. Conditions (Expect) are only
  // allowed in a batch that is applied atomically.
  bool allow_non_atomic = false;
};

class KeyValue {
 public:
  virtual ~KeyValue() = default;

  // As Store::Get.
  virtual absl::StatusOr<std::string> Get(std::string_view key) = 0;
  // As Store::Put.
  virtual absl::Status Put(std::string_view key, std::string_view value) = 0;
  // As Store::Delete: deleting a missing key succeeds.
  virtual absl::Status Delete(std::string_view key) = 0;

  // As Store::GetAll: every (member, value) pair, sorted by member. Atomic
  // on Redis (one HGETALL).
  virtual absl::StatusOr<std::vector<std::pair<std::string, std::string>>>
  GetAll(std::string_view collection) = 0;
  // As Store::DeleteAll. Atomic on Redis (one DEL of both keys).
  virtual absl::Status DeleteAll(std::string_view collection) = 0;

  // As Store::Scan: the same options, order, paging and "not a snapshot".
  virtual absl::StatusOr<ScanPage> Scan(std::string_view collection,
                                        const ScanOptions& options = {}) = 0;

  // As Store::Write: all or nothing, if every condition holds (Aborted
  // naming the condition otherwise). On Redis, one MULTI/EXEC (after WATCH
  // and a read of the conditions' keys, retried if a watched collection
  // changed meanwhile). See WriteOptions for batches that span slots.
  virtual absl::Status Write(const WriteBatch& batch,
                             const WriteOptions& options = {}) = 0;

  // Returns once every change made before the call is as durable as the
  // backend makes anything: on disk and synced for the embedded store;
  // acknowledged by the replicas of every master for Redis Cluster (WAIT);
  // on a single Redis, acknowledged by the server (its appendfsync policy
  // decides when it reaches the disk; dskv serve --resp syncs). docs/kv.md.
  virtual absl::Status Flush() = 0;

  // Flushes, then releases the store or the connections. Afterwards every
  // method returns FailedPrecondition. Closing twice succeeds.
  virtual absl::Status Close() = 0;

  // The names of the collections that have at least one member, sorted.
  virtual absl::StatusOr<std::vector<std::string>> ListCollections() = 0;
};

// Opens the backend `url` names (see the top of this file).
//
// Errors: InvalidArgument for a malformed URL, an unknown scheme or query
// parameter, or a namespace with characters other than letters, digits,
// '_', '-' and '.'; Store::Open's errors for dskv://; Unavailable if no
// Redis server named could be reached.
absl::StatusOr<std::unique_ptr<KeyValue>> OpenKeyValue(std::string_view url);

}  // namespace dskv

#endif  // DSKV_KV_H_
