// ShardMap: the in-memory engine. A two-level map, collection -> member ->
// value, split into shards so that threads working on different keys rarely
// meet on a lock, and the record of which keys changed since the janitor last
// persisted them.
//
// A key's shard is chosen by an xxHash of the whole key, so the members of one
// collection spread over every shard: a hot collection does not serialize its
// writers. Each shard holds, for every collection, the members that hash to
// it; GetAll and DeleteAll therefore visit every shard but look only at the
// named collection, never at other collections' members.
//
// Every change gets a sequence number, taken under the lock of the shard it
// changes. Drain() reads the latest number before it visits the shards, so a
// snapshot holds every change numbered up to its `sequence`.
//
// Thread-safe. Once closed, the user-facing operations fail with
// FailedPrecondition; the janitor's operations (Drain, CopyCollection) go on
// working so that the last changes can still be persisted.

#ifndef DSKV_SHARD_MAP_H_
#define DSKV_SHARD_MAP_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "dskv/key.h"
#include "dskv/string_hash.h"

namespace dskv {

class ShardMap {
 public:
  using Pairs = std::vector<std::pair<std::string, std::string>>;

  // The latest state of one changed member: its value, or nullopt if it was
  // deleted.
  struct Change {
    std::string member;
    std::optional<std::string> value;
  };

  // What changed since the previous Drain.
  struct DirtySnapshot {
    // Every change numbered up to this is included.
    std::uint64_t sequence = 0;
    // Changed members by collection, each member once however often it
    // changed (coalescing). Collections in `cleared` may appear here too.
    absl::flat_hash_map<std::string, std::vector<Change>, StringHash, StringEq>
        changes;
    // Collections emptied by DeleteAll: their files must be rewritten from
    // memory rather than appended to.
    absl::flat_hash_set<std::string, StringHash, StringEq> cleared;
  };

  struct Totals {
    std::uint64_t keys = 0;
    std::uint64_t collections = 0;
    std::uint64_t bytes = 0;  // Members and values.
    std::uint64_t dirty_keys = 0;
  };

  // 2^shard_bits shards. More shards mean fewer lock collisions between
  // writers but more work for GetAll and DeleteAll.
  explicit ShardMap(int shard_bits = 6);

  ShardMap(const ShardMap&) = delete;
  ShardMap& operator=(const ShardMap&) = delete;

  // Returns a copy of the value at `key`, or NotFound.
  absl::StatusOr<std::string> Get(KeyRef key) const;

  // Stores `value` at `key`, replacing any previous value, and marks the key
  // dirty. Returns the change's sequence number.
  absl::StatusOr<std::uint64_t> Put(KeyRef key, std::string value);

  // Removes `key` and marks it dirty. Removing a missing key changes nothing
  // and returns the latest sequence number, as DeleteAll does for a missing
  // collection: the state the caller saw is durable once that number is.
  absl::StatusOr<std::uint64_t> Delete(KeyRef key);

  // Returns every (member, value) pair of `collection`, in no particular order.
  absl::StatusOr<Pairs> GetAll(std::string_view collection) const;

  // Removes every member of `collection`. Atomic with respect to Close and
  // Drain: either sees none or all of it.
  absl::StatusOr<std::uint64_t> DeleteAll(std::string_view collection);

  // Makes every later user-facing operation fail. After Close returns the map
  // no longer changes.
  void Close();

  // The latest sequence number handed out.
  std::uint64_t LastSequence() const {
    return sequence_.load(std::memory_order_acquire);
  }

  // Inserts a persisted value while the store is opened: not dirty.
  void Load(KeyRef key, std::string value);

  // Takes the record of what changed, with each changed member's latest state,
  // and starts a new one.
  DirtySnapshot Drain();

  // Returns `collection`'s (member, value) pairs, atomically with respect to
  // DeleteAll. Works after Close.
  Pairs CopyCollection(std::string_view collection) const;

  // The number of members of `collection` and their bytes (member + value).
  std::pair<std::uint64_t, std::uint64_t> CollectionSize(
      std::string_view collection) const;

  Totals GetTotals() const;

 private:
  struct Members {
    absl::flat_hash_map<std::string, std::string, StringHash, StringEq> values;
    std::uint64_t bytes = 0;
  };
  using DirtyMembers = absl::flat_hash_set<std::string, StringHash, StringEq>;

  struct Shard {
    mutable std::shared_mutex mu;
    bool closed ABSL_GUARDED_BY(mu) = false;
    absl::flat_hash_map<std::string, Members, StringHash, StringEq> collections
        ABSL_GUARDED_BY(mu);
    // Members changed since the last Drain, by collection.
    absl::flat_hash_map<std::string, DirtyMembers, StringHash, StringEq> dirty
        ABSL_GUARDED_BY(mu);
    std::uint64_t keys ABSL_GUARDED_BY(mu) = 0;
    std::uint64_t bytes ABSL_GUARDED_BY(mu) = 0;
    std::uint64_t dirty_keys ABSL_GUARDED_BY(mu) = 0;
  };

  Shard& ShardFor(KeyRef key) const;

  // Appends the pairs `shard` holds for `collection`. The caller holds the
  // shard's lock.
  static void AppendPairs(const Shard& shard, std::string_view collection,
                          Pairs* out);
  std::size_t shard_count() const { return std::size_t{1} << shard_bits_; }

  // Records a change to `key` in `shard`, whose lock the caller holds
  // exclusively, and returns its sequence number.
  std::uint64_t MarkDirty(Shard& shard, KeyRef key);

  // Stores `value` at `key` in `shard`, whose lock the caller holds
  // exclusively. Returns the replaced value, to be freed after unlocking.
  static std::string Assign(Shard& shard, KeyRef key, std::string value);

  const int shard_bits_;
  std::unique_ptr<Shard[]> shards_;
  std::atomic<std::uint64_t> sequence_{0};

  // Serializes the walks over all shards that must look atomic: DeleteAll,
  // Drain, CopyCollection and Close. Never held on the Get/Put/Delete path.
  mutable std::mutex walk_mu_;
  absl::flat_hash_set<std::string, StringHash, StringEq> cleared_
      ABSL_GUARDED_BY(walk_mu_);
};

}  // namespace dskv

#endif  // DSKV_SHARD_MAP_H_
