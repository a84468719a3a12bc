// ShardMap: the in-memory engine. A two-level map, collection -> member ->
// Record, split into shards so that threads working on different keys rarely
// meet on a lock, and the list of what changed since the janitor last
// persisted it.
//
// A key's shard is chosen from hashes of its collection and its member, so
// the members of one collection spread over every shard: a hot collection
// does not serialize its writers. Each shard holds, for every collection, the
// members that hash to it; GetAll and DeleteAll therefore visit every shard
// but look only at the named collection. Each key is hashed once per call:
// the same two hashes pick the shard and probe both levels of its map.
//
// Values live in reference-counted Records (dskv/record.h): a reader copies
// or shares a value under a shard's shared lock, the janitor takes references
// rather than copies, and a write allocates its Record before taking a lock.
//
// Dirty tracking: a changed key's Record is marked pending and, unless the
// Record it replaced was already pending, listed in its shard's dirty list.
// A deleted key leaves a pending tombstone until the janitor has taken it, so
// a key is listed at most once between two drains however often it changes.
//
// Drain() visits every shard under its lock, so its snapshot holds every
// change that completed before it started.
//
// Ordering: Scan reads a collection in member order from its OrderedIndex,
// one per collection, built by the collection's first Scan: collections
// never scanned cost nothing. Writers do not touch the index, so that a hot
// collection's writers do not meet on it and a Put pays no ordered insert.
// Instead, once the index is built, a writer lists the change in its shard's
// Collection: a new member's Record in `unordered`, and a replaced Record the
// index may point at (Record::indexed) in `retired`, which keeps it alive.
// The next Scan brings the index up to date from these lists under the
// index's exclusive lock. Every pointer in an index therefore names a live
// Record of its member: the current one (still marked indexed) or a retired
// one, and the scan then looks the current one up under the shard's lock.
//
// Lock order: batch_mu_, then walk_mu_, then an index's mutex, then a
// shard's, then batch_wait_mu_ or orders_mu_. No thread holds two shards'
// locks.
//
// Unwritten bytes: the file size of every pending Record, plus what the
// janitor drained and has not yet released (ReleaseUnwritten) once written.
// A Record that replaces a pending one takes its place in the count, so
// coalesced rewrites count once. Each shard counts under its own lock and
// publishes to one shared total only when its share has moved by a few
// kilobytes, so writers rarely touch the shared cache line; the total is
// exact after Drain and within `unwritten_tolerance` in between.
//
// Expiry: a Record with a deadline (Record::expiring) reads as absent from
// its deadline on, by the map's clock: every read checks, so an expired key
// is gone at once. Each shard's ExpiryIndex lists its keys that have a
// deadline; RemoveExpired takes those due and replaces each key that still
// holds an expired Record by a tombstone, as Delete would, so the janitor
// writes the removal. Until then an expired Record still counts in the
// totals (GetTotals, ListCollections, CollectionSize): callers that report
// them call RemoveExpired first.
//
// Memory: what the keys take (MemoryOf) follows from the keys and bytes each
// shard counts and the memory of its deadlines, and with a limit the map
// also keeps the total, in one atomic counter (a drifting total,
// as for the unwritten bytes, would let a write that another refused pass
// in another shard). A write that would add memory is admitted under its
// shard's lock (AdmitGrowth) against that total. With eviction, a write first
// makes room (MakeRoom) outside every lock, removing the keys with the soonest
// deadlines in the whole map; what it still lacks under its lock it takes
// from its own shard's soonest. A batch is admitted as a whole, by its net
// growth, once its shards are frozen; it makes room before.
//
// Thread-safe. Once closed, the user-facing operations fail with
// FailedPrecondition; the janitor's operations (Drain, CopyCollection) go on
// working so that the last changes can still be persisted.

#ifndef DSKV_SHARD_MAP_H_
#define DSKV_SHARD_MAP_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
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
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "base/string_hash.h"
#include "dskv/errors.h"
#include "dskv/expiry_index.h"
#include "dskv/key.h"
#include "dskv/member_table.h"
#include "dskv/ordered_index.h"
#include "dskv/record.h"
#include "dskv/record_slab.h"
#include "dskv/store.h"

namespace dskv {

class ShardMap {
 public:
  using Records = std::vector<RecordRef>;

  // Put rewrites a value of the same size in place when no one else holds
  // its Record (see Record::HasNoOtherRef). Smaller values than this are
  // allocated under the shard's lock, larger ones before it.
  static constexpr std::size_t kAllocateUnderLockMaxSize = 4096;
  // The janitor copies drained values at least this large (and not too
  // large) rather than hold their Records while it writes, so that they can
  // be rewritten in place meanwhile.
  static constexpr std::size_t kCopyForRewriteMinSize = 512;

  // One collection's part of a DirtySnapshot.
  struct CollectionChanges {
    // The latest Record of each changed member (a tombstone if it was
    // deleted), each member once however often it changed.
    Records records;
    // The size of the records they make in a collection file.
    std::uint64_t file_bytes = 0;
  };

  // What changed since the previous Drain.
  struct DirtySnapshot {
    // By collection. Collections in `cleared` may appear here too.
    absl::flat_hash_map<std::string, CollectionChanges, StringHash, StringEq>
        changes;
    // Collections emptied by DeleteAll: their files must be rewritten from
    // memory rather than appended to.
    absl::flat_hash_set<std::string, StringHash, StringEq> cleared;
    // The unwritten bytes of the Records in `changes`; the janitor releases
    // them once they are written (ReleaseUnwritten).
    std::uint64_t bytes = 0;
    // Whether a batch (Apply) changed something since the previous Drain.
    bool has_batches = false;
    // Whether a value in `changes` is kCopyForRewriteMinSize or larger: if
    // not, the janitor need not look for values to copy.
    bool has_copyable_values = false;
    // When the first change in the snapshot was made, if any.
    std::optional<std::chrono::steady_clock::time_point> first_change;
  };

  struct Totals {
    std::uint64_t keys = 0;
    std::uint64_t collections = 0;
    std::uint64_t bytes = 0;       // Members and values.
    std::uint64_t dirty_keys = 0;  // Listed for the next Drain, deletes too.
    // As unwritten_bytes(), but exact: every shard's share is counted.
    std::int64_t unwritten_bytes = 0;
    std::uint64_t expiring_keys = 0;    // Keys with a deadline, expired or not.
    std::uint64_t expired_keys = 0;     // Removed by RemoveExpired, in all.
    std::uint64_t memory_bytes = 0;     // MemoryOf every live key.
    std::uint64_t evicted_keys = 0;     // Removed to make room, in all.
    std::uint64_t memory_refusals = 0;  // Writes refused at the limit.
  };

  // A limit on Totals::memory_bytes (Options::max_memory_bytes), 0 for
  // none, and whether writes that would pass it remove the keys with the
  // soonest deadlines (Eviction::kSoonestDeadline) rather than fail.
  struct MemoryLimit {
    std::uint64_t max_bytes = 0;
    bool evict = false;
  };

  // 2^shard_bits shards. More shards mean fewer lock collisions between
  // writers but more work for GetAll and DeleteAll. unwritten_bytes() is at
  // most `unwritten_tolerance` off (but at most 1 MiB per shard).
  // Deadlines are read against `clock`, which must outlive the map.
  ShardMap(const Clock& clock, MemoryLimit memory_limit,
           std::uint64_t unwritten_tolerance = std::uint64_t{4} << 20,
           int shard_bits = 6);
  ~ShardMap();

  ShardMap(const ShardMap&) = delete;
  ShardMap& operator=(const ShardMap&) = delete;

  // Returns a copy of the value at `key`, or NotFound.
  absl::StatusOr<std::string> Get(KeyRef key) const;

  // Copies the value at `key` into `*value`, reusing its memory; or NotFound.
  absl::Status GetInto(KeyRef key, std::string* value) const;

  // Returns a reference to the Record at `key`, sharing its value; or
  // NotFound.
  absl::StatusOr<RecordRef> Share(KeyRef key) const;

  // As Share for each of `keys`, into records[i] for keys[i] (`records`
  // holds as many). Faster for more than a few keys: the lookups go in
  // passes over a group of keys (their table slots asked for, then the
  // Records those point at, then the Records shared), so that their cache
  // misses overlap rather than come one after another. Each pass takes a
  // key's shard lock for that key only: each key is read atomically, the
  // keys together are not.
  void ShareMany(absl::Span<const KeyRef> keys,
                 absl::Span<absl::StatusOr<RecordRef>> records) const;

  // Stores a copy of `value` at `key`, replacing any previous value, and
  // marks the key dirty.
  absl::Status Put(KeyRef key, std::string_view value);
  // As Put, for a value that expires at `deadline_ms` (not
  // Record::kNoDeadline).
  absl::Status PutExpiring(KeyRef key, std::string_view value,
                           std::int64_t deadline_ms);

  // Gives the value at `key` the deadline `deadline_ms`, or none
  // (Record::kNoDeadline), as a Put of the same value would. Returns the
  // deadline it had (kNoDeadline if none), or nullopt if the key held no
  // value: then nothing changed.
  absl::StatusOr<std::optional<std::int64_t>> SetDeadline(
      KeyRef key, std::int64_t deadline_ms);

  // The deadline of the value at `key` (Record::kNoDeadline if it has
  // none), or NotFound.
  absl::StatusOr<std::int64_t> Deadline(KeyRef key) const;

  // Removes every key whose deadline is at or before the clock's now, in a
  // tombstone each (written by the janitor, as a Delete's). Costs in
  // proportion to what expired. Returns how many keys it removed.
  std::uint64_t RemoveExpired();

  // Milliseconds since the Unix epoch, by the map's clock.
  std::int64_t NowMs() const;

  // As Put, with a value of `size` bytes that `fill` writes into the new
  // Record, outside every lock, before it is placed. Returns whether the key
  // was new (held no value). If `fill` fails, returns its error and changes
  // nothing.
  // It expires at `deadline_ms` unless that is Record::kNoDeadline.
  absl::StatusOr<bool> PutFrom(
      KeyRef key, std::size_t size,
      absl::FunctionRef<absl::Status(absl::Span<char>)> fill,
      std::int64_t deadline_ms = Record::kNoDeadline);

  // As Put, unless `key` already holds exactly `value`: then nothing changes
  // and nothing is marked dirty. Returns whether it stored `value`.
  absl::StatusOr<bool> PutIfChanged(KeyRef key, std::string_view value);

  // Calls modify(current) under the exclusive lock of `key`'s shard, where
  // `current` is the value at `key` (nullopt if there is none), and stores
  // the value it returns, if any, as Put does: atomic with every other
  // operation on the key. `modify` returns
  // absl::StatusOr<std::optional<std::string_view>>, a view that outlives
  // the call and is not of `current`; an error is returned as it is, and
  // changes nothing. Returns whether a value was stored. Values are
  // allocated under the lock: for small values, or rare calls.
  template <typename Modify>
  absl::StatusOr<bool> ReadModifyWrite(KeyRef key, Modify modify);

  // Removes `key`, if present, and marks it dirty.
  // Returns whether the key held a value.
  absl::StatusOr<bool> Delete(KeyRef key);

  // One change of a batch (Apply), its key already parsed.
  struct BatchOp {
    enum class Kind { kPut, kDelete, kDeleteAll };
    Kind kind;
    KeyRef key;              // Only key.collection, for kDeleteAll.
    std::string_view value;  // kPut's.
    std::int64_t deadline_ms = Record::kNoDeadline;  // kPut's.
  };
  // A batch's condition: `key` holds `value` (nullopt: holds nothing).
  struct BatchCondition {
    KeyRef key;
    std::optional<std::string_view> value;
  };

  // Applies `ops` in order, if every one of `conditions` holds, atomically:
  // Get, Scan, CopyCollection and Drain see none or all of them (single-key
  // calls on the shards the batch touches wait while it is applied). Returns
  // Aborted, naming the first condition (by index) that does not hold, and
  // changes nothing, if one does not; likewise the memory limit's error if
  // the batch as a whole would pass it. Values are allocated under their
  // shard's lock.
  absl::Status Apply(const std::vector<BatchOp>& ops,
                     const std::vector<BatchCondition>& conditions);

  // What Scan found: up to the limit's Records, in scan order, and where
  // the next page starts (ScanPage::next).
  struct ScanResult {
    Records records;
    std::string next;
  };

  // Reads the members of `collection` in the range `options` describes (the
  // values too, ScanOptions::members_only notwithstanding), in member order.
  absl::StatusOr<ScanResult> Scan(std::string_view collection,
                                  const ScanOptions& options) const;

  // Removes every member of `collection`. Atomic with respect to Close and
  // Drain: either sees none or all of it.
  absl::Status DeleteAll(std::string_view collection);

  // Makes every later user-facing operation fail. After Close returns the map
  // no longer changes.
  void Close();

  // Inserts a persisted Record, adopting the caller's reference, while the
  // store is opened: not dirty. `record` must not be a tombstone; it may
  // have a deadline, which must not have passed.
  void Load(std::string_view collection, const Record* record);

  // Takes the record of what changed, with each changed member's latest
  // Record, and starts a new one.
  DirtySnapshot Drain();

  // A private copy of `record`, as the map would make it.
  RecordRef Copy(const Record& record) const {
    return RecordRef(slab_.NewCopy(record));
  }

  // Bytes of changes not yet written: pending in the map, or drained and
  // not yet released. Approximate between drains (see above); cheap.
  std::uint64_t unwritten_bytes() const;

  // Tells the map that `bytes` of drained changes (DirtySnapshot::bytes) are
  // written, or given up on.
  void ReleaseUnwritten(std::uint64_t bytes);

  // When the oldest change not yet drained was made, if any.
  std::optional<std::chrono::steady_clock::time_point> FirstPendingChange()
      const;

  // Returns `collection`'s Records, atomically with respect to DeleteAll.
  // Works after Close.
  Records CopyCollection(std::string_view collection) const;

  // Every live Record (neither a tombstone nor expired), by collection, at
  // one instant: writes and reads wait while it walks the shards (a
  // reference taken per key, nothing copied), so it holds all of a batch
  // or none of it, and of single-key writes those that completed before
  // some instant and none after. FailedPrecondition once closed.
  using Snapshot =
      absl::flat_hash_map<std::string, Records, StringHash, StringEq>;
  absl::StatusOr<Snapshot> TakeSnapshot();

  // Keeps Apply and DeleteAll from changing the map while held, so that
  // several Drain and CopyCollection calls see the map at one instant as far
  // as changes to more than one key go.
  // Lock order: taken before anything else.
  [[nodiscard]] std::shared_lock<std::shared_mutex> HoldBatches() const {
    return std::shared_lock(batch_mu_);
  }

  // The number of members of `collection` and their bytes (member + value).
  std::pair<std::uint64_t, std::uint64_t> CollectionSize(
      std::string_view collection) const;

  Totals GetTotals() const;

  // Every collection that has members, sorted by name.
  std::vector<CollectionInfo> ListCollections() const;

 private:
  // A collection's order, shared by the Collections that hold its members
  // in each shard.
  struct CollectionOrder {
    mutable std::shared_mutex mu;
    OrderedIndex index ABSL_GUARDED_BY(mu);
    // Set by the first Scan, before it visits the shards: from then on,
    // writers list their changes for the index. Read under a shard's lock.
    std::atomic<bool> built{false};
    // Whether some shard lists changes the index has not taken yet.
    std::atomic<bool> stale{false};
  };

  // The members of one collection that hash to one shard.
  struct Collection {
    Collection(std::string_view name, std::shared_ptr<CollectionOrder> order)
        : name(name), order(std::move(order)) {}
    ~Collection();
    const std::string name;
    const std::shared_ptr<CollectionOrder> order;
    // Holds one reference to each Record; tombstones stay until drained.
    MemberTable members;
    std::uint64_t live = 0;   // Members that are not tombstones.
    std::uint64_t bytes = 0;  // Their members' and values' bytes.
    // Changes the built index has not taken yet (see "Ordering" above): the
    // Records of new members, alive as members or in `retired`, and
    // replaced Records the index may point at.
    std::vector<const Record*> unordered;
    std::vector<RecordRef> retired;
    bool has_unordered_changes() const {
      return !unordered.empty() || !retired.empty();
    }
    // The members changed since the last Drain, each named by the Record it
    // held when it was listed: the Record now in the map may be a later one.
    std::vector<RecordRef> dirty;
  };

  struct Shard {
    mutable std::shared_mutex mu;
    bool closed ABSL_GUARDED_BY(mu) = false;
    // Keyed by a view of the Collection's own name.
    absl::flat_hash_map<std::string_view, std::unique_ptr<Collection>,
                        StringHash, StringEq>
        collections ABSL_GUARDED_BY(mu);
    // The Collections whose dirty lists are not empty, and the lists' total
    // length.
    std::vector<Collection*> dirty ABSL_GUARDED_BY(mu);
    std::uint64_t dirty_keys ABSL_GUARDED_BY(mu) = 0;
    // This shard's change to unwritten_bytes_ not yet added to it.
    std::int64_t unpublished_bytes ABSL_GUARDED_BY(mu) = 0;
    std::uint64_t keys ABSL_GUARDED_BY(mu) = 0;
    std::uint64_t bytes ABSL_GUARDED_BY(mu) = 0;
    // DeadlineMemory of each entry of `expiry`.
    std::uint64_t deadline_memory ABSL_GUARDED_BY(mu) = 0;
    // Set while a batch (Apply) changes the shard: single-key calls wait
    // (EnterShard).
    bool frozen ABSL_GUARDED_BY(mu) = false;
    // The keys whose current Records have deadlines.
    ExpiryIndex expiry ABSL_GUARDED_BY(mu);
  };

  struct KeyHashes {
    std::size_t collection;
    std::size_t member;
  };

  static KeyHashes Hash(KeyRef key);
  Shard& ShardFor(const KeyHashes& hashes) const;
  std::size_t shard_count() const { return std::size_t{1} << shard_bits_; }

  // Finds the live Record at `key` under a shared lock and passes it to
  // `read`; or returns NotFound.
  template <typename Read>
  absl::Status ReadRecord(KeyRef key, Read read) const;
  template <typename Read>
  absl::Status ReadRecord(KeyRef key, const KeyHashes& hashes, Read read) const;

  // Passes the members of key's collection in its shard to `visit`, under
  // the shard's shared lock, if the shard has that collection. Fails as
  // EnterShard does.
  template <typename Visit>
  absl::Status VisitMembers(KeyRef key, const KeyHashes& hashes,
                            Visit visit) const;

  // Where a key is in a shard whose lock the caller holds: its Collection
  // (null if the shard has none of that name) and its position there.
  struct Slot {
    Collection* collection = nullptr;
    MemberTable::Position at = MemberTable::kMissing;
    // Whether the Record there has expired.
    bool expired = false;
    // The live Record there; null if none (or a tombstone, or expired).
    const Record* live() const;
    // Its value; nullopt if there is none.
    std::optional<std::string_view> value() const;
  };
  Slot Locate(Shard& shard, KeyRef key, const KeyHashes& hashes) const;

  // Whether `record` reads as a value: neither a tombstone nor expired.
  bool Visible(const Record* record) const {
    return !record->is_tombstone() &&
           (!record->expiring() || record->deadline_ms() > NowMs());
  }

  // Stores `value` at `key`, found at `slot` in `shard` (locked
  // exclusively by the caller), adding its Collection if missing. Returns
  // the Record replaced, to be released after unlocking.
  RecordRef StoreAt(Shard& shard, Slot slot, KeyRef key,
                    const KeyHashes& hashes, std::string_view value,
                    std::int64_t deadline_ms = Record::kNoDeadline);
  // As StoreAt, with `record` (adopting the caller's reference) in place of
  // the member's Record, never overwriting it.
  RecordRef PlaceAt(Shard& shard, Slot slot, KeyRef key,
                    const KeyHashes& hashes, const Record* record);
  // Deletes the member at `slot`, if live, as StoreAt stores.
  RecordRef DeleteAt(Shard& shard, Slot slot, KeyRef key,
                     const KeyHashes& hashes);
  // Removes collection `name` from `shard` (locked exclusively by the
  // caller), with its pending changes: the rewrite its clearing asks for
  // supersedes them. Returns it, to be freed after unlocking; null if the
  // shard has none.
  std::unique_ptr<Collection> RemoveCollection(Shard& shard,
                                               std::string_view name,
                                               std::size_t hash);

  // Freezes the shards whose index is set in `shards` (see Apply): their
  // single-key calls wait until Thaw. Returns the indexes frozen. The
  // caller holds batch_mu_ exclusively and walk_mu_.
  std::vector<std::size_t> Freeze(const std::vector<bool>& shards);
  void Thaw(const std::vector<std::size_t>& frozen);

  // Lets a single-key call into `shard`, whose mu `lock` holds: waits until
  // no batch has the shard frozen (see Apply), `lock` holding it again on
  // return; then fails with ClosedError if the map is closed.
  template <typename Lock>
  absl::Status EnterShard(const Shard& shard, Lock& lock) const;

  // Empties `collection` in every shard and notes it in cleared_, if any
  // shard held it; returns whether one did. Holds the index's lock through
  // the walk, so that no Scan reads or builds the index while the Records it
  // points at are freed. The removed Collections go to `*removed`, for the
  // caller to free after its locks.
  bool ClearCollection(std::string_view collection,
                       std::vector<std::unique_ptr<Collection>>* removed)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(walk_mu_);

  // Put and PutIfChanged (`unless_equal`).
  absl::StatusOr<bool> Write(KeyRef key, std::string_view value,
                             bool unless_equal);
  // What PlaceRecord did.
  enum class Placed {
    kUnchanged,  // `unless_equal`, and the key held the same bytes.
    kCreated,    // The key held no value.
    kReplaced,
  };
  // Puts `record`, a new Record for `key`, whose hashes are `hashes`: as
  // Write from there on.
  absl::StatusOr<Placed> PlaceRecord(KeyRef key, const KeyHashes& hashes,
                                     RecordRef record, bool unless_equal);

  // Overwrites the value of the member at `at` in `collection`, in
  // `shard`, whose lock the caller holds exclusively, if its Record has a
  // value of the same size and no one else references it. Returns whether
  // it did.
  bool OverwriteInPlace(Shard& shard, Collection& collection,
                        MemberTable::Position at, std::string_view value);

  // Puts `record` (adopting the caller's reference) at its member in
  // `collection`, in `shard`, whose lock the caller holds exclusively: at
  // `at`, where the member is, or (kMissing) added. Returns the Record it
  // replaced, if any, to be released after unlocking.
  RecordRef Replace(Shard& shard, Collection& collection,
                    MemberTable::Position at, std::size_t member_hash,
                    const Record* record);

  // The collection `name` in `shard`, whose lock the caller holds
  // exclusively; added if missing.
  Collection& FindOrAddCollection(Shard& shard, std::string_view name,
                                  std::size_t hash);

  // The order of collection `name`, shared by its Collections; null if no
  // shard holds the collection.
  std::shared_ptr<CollectionOrder> FindOrder(std::string_view name) const;
  // As FindOrder, but makes the order if it is missing.
  std::shared_ptr<CollectionOrder> FindOrAddOrder(std::string_view name);
  // Forgets the order of `name` if no shard holds the collection any more.
  // Const: a Scan that finds a collection gone lets its order go.
  void ForgetOrderIfUnused(std::string_view name) const;

  // Lists the change of `collection` from `replaced` (null for a new
  // member) to `record` for its index, if built: a live Record that replaces
  // nothing or a tombstone, or an indexed Record replaced. Returns what the
  // caller must release: `replaced`, unless the index keeps it.
  static RecordRef NoteForOrder(Collection& collection, const Record* record,
                                RecordRef replaced);

  // Builds `order`'s index if it is not built, and gives it the changes the
  // shards list. The caller holds order.mu exclusively.
  void BringUpToDate(std::string_view name, std::size_t hash,
                     CollectionOrder& order) const;

  // The Record to return for index entry `record` of `collection` (the
  // current one of its member), with a reference; null if the member is
  // gone. The caller holds the index's mutex.
  RecordRef Resolve(std::string_view collection, std::size_t hash,
                    const Record* record) const;

  // Marks `record`, a changed member's Record that is not pending, pending
  // and lists it in the dirty list of `collection`, in `shard`; the caller
  // holds the shard's lock exclusively.
  static void ListDirty(Shard& shard, Collection& collection,
                        const Record* record);

  // Counts `record` in or out of the totals of `collection` and `shard`.
  void Count(Shard& shard, Collection& collection, const Record* record,
             int sign);

  // What a key takes beyond its member and value: the Record's 7-byte
  // header, its rounding to 8 bytes (half that on average) and its slot in
  // a MemberTable (4/3 to 5/3 slots of 8 bytes per member). Counted from the
  // keys and bytes a shard counts anyway, so that keys pay nothing for the
  // count without a limit.
  static constexpr std::uint64_t kKeyMemory = 24;
  // What a deadline adds to a key: its bytes in the Record and its
  // ExpiryIndex entry.
  static std::uint64_t DeadlineMemory(std::string_view collection,
                                      std::string_view member);
  // The memory a key of `collection` holding a value of these sizes (or
  // `record`) takes: member, value, kKeyMemory and any DeadlineMemory.
  static std::uint64_t MemoryOf(std::string_view collection,
                                std::string_view member, std::size_t value_size,
                                std::int64_t deadline_ms);
  static std::uint64_t MemoryOf(std::string_view collection,
                                const Record* record);
  // What the key at `slot` takes now: 0 if it holds no Record or a
  // tombstone; an expired Record still counts until it is removed.
  static std::uint64_t MemoryAt(const Slot& slot);

  // OK if `shard`, whose lock the caller holds exclusively after
  // EnterShard, may grow by `growth` bytes under the memory limit, evicting
  // its own soonest deadlines first if the limit says so; else the limit's
  // error.
  absl::Status AdmitGrowth(Shard& shard, std::int64_t growth);
  // AdmitGrowth for storing a value of `value_size` bytes at `slot`.
  absl::Status AdmitWrite(Shard& shard, const Slot& slot, KeyRef key,
                          std::size_t value_size, std::int64_t deadline_ms) {
    if (max_memory_ == 0) return absl::OkStatus();
    return AdmitGrowth(
        shard, static_cast<std::int64_t>(MemoryOf(key.collection, key.member,
                                                  value_size, deadline_ms)) -
                   static_cast<std::int64_t>(MemoryAt(slot)));
  }
  // With eviction, removes keys with the soonest deadlines, whole map
  // over, until a write that adds at most `bound` bytes fits the limit (or
  // no key has a deadline). Takes shard locks: the caller holds none.
  void MakeRoom(std::uint64_t bound);
  // What storing a value of `value_size` bytes (and `deadline_ms`) at
  // `key` would add to the memory now: 0 for a write that does not grow
  // the key. An estimate for MakeRoom: the key may change before the write
  // takes its lock, which AdmitGrowth then judges exactly.
  std::uint64_t GrowthOf(KeyRef key, std::size_t value_size,
                         std::int64_t deadline_ms) const;
  // MakeRoom for such a write, if it grows the key: an overwrite at the
  // limit evicts nothing.
  void MakeRoomFor(KeyRef key, std::size_t value_size,
                   std::int64_t deadline_ms);
  // The memory applying `ops` (whose keys hash to `op_hashes`) adds, net;
  // negative if it frees more. The caller has frozen the shards they touch.
  std::int64_t BatchGrowth(const std::vector<BatchOp>& ops,
                           const std::vector<KeyHashes>& op_hashes) const;

  // Counts out an ExpiryIndex entry just taken from `shard`, and removes
  // the key it names, as Delete would, if it still holds a Record with that
  // deadline: counted as expired if the Record expired by `now_ms`, else (only
  // if `evict`) as evicted; a Record that has not expired is left unless
  // `evict`. The caller holds the shard's lock exclusively. Returns the Record
  // removed, to be released after the lock; null if none.
  RecordRef RemoveForDeadline(Shard& shard, std::string_view collection,
                              std::string_view member, std::int64_t now_ms,
                              bool evict);
  // Adds `record`, if it has a deadline, to `shard`'s ExpiryIndex (`sign`
  // +1) or removes it (-1), as it enters or leaves `collection`. Inline:
  // every write passes here, and most Records have no deadline.
  void NoteDeadline(Shard& shard, const Collection& collection,
                    const Record* record, int sign) {
    if (record->expiring()) IndexDeadline(shard, collection, record, sign);
  }
  void IndexDeadline(Shard& shard, const Collection& collection,
                     const Record* record, int sign);
  // Counts an entry of `shard`'s ExpiryIndex in (`sign` +1) or out.
  void CountDeadline(Shard& shard, std::string_view collection,
                     std::string_view member, int sign);
  // MemoryOf every live key of `collection`.
  static std::uint64_t CollectionMemory(const Collection& collection);

  // Adds `bytes` to the unwritten bytes of `shard`, whose lock the caller
  // holds exclusively.
  void AddUnwritten(Shard& shard, std::int64_t bytes);
  // Publishes `shard`'s share of unwritten_bytes_; the caller holds its lock
  // exclusively.
  void PublishUnwritten(Shard& shard);
  // Remembers that a change was made now, if it is the first since Drain.
  void NoteChange();

  const Clock& clock_;
  // The memory limit (0: none), and whether writes past it evict.
  const std::int64_t max_memory_;
  const bool evict_;
  // Where Put and Delete make small Records.
  mutable RecordSlab slab_;
  const int shard_bits_;
  // How far a shard's share of unwritten_bytes_ may drift before it is
  // published.
  const std::int64_t max_unpublished_bytes_;
  std::unique_ptr<Shard[]> shards_;

  // Serializes the walks over all shards that must look atomic: DeleteAll,
  // Drain, CopyCollection and Close. Never held on the Get/Put/Delete path.
  mutable std::mutex walk_mu_;
  absl::flat_hash_set<std::string, StringHash, StringEq> cleared_
      ABSL_GUARDED_BY(walk_mu_);

  // Whether Apply changed something since the last Drain.
  bool batches_since_drain_ ABSL_GUARDED_BY(walk_mu_) = false;

  // Held exclusively by Apply and DeleteAll while they change the shards,
  // and shared by Scan through its walk, so that a page sees all of a batch
  // or none, and by the janitor (HoldBatches) from its Drain to its last
  // copy.
  mutable std::shared_mutex batch_mu_;
  // Where single-key calls wait for a batch to unfreeze their shard: each
  // batch adds one to batch_epoch_ when it is done.
  mutable std::mutex batch_wait_mu_;
  mutable std::condition_variable batch_done_;
  std::uint64_t batch_epoch_ ABSL_GUARDED_BY(batch_wait_mu_) = 0;

  // Guards orders_; never held while taking another lock.
  mutable std::mutex orders_mu_;
  mutable absl::flat_hash_map<std::string, std::shared_ptr<CollectionOrder>,
                              StringHash, StringEq>
      orders_ ABSL_GUARDED_BY(orders_mu_);

  // Set by Close, for the operations that have no shard to ask first.
  std::atomic<bool> closed_{false};

  // The published unwritten bytes; may dip below zero between drains.
  std::atomic<std::int64_t> unwritten_bytes_{0};
  // steady_clock nanoseconds of the first change since the last Drain; 0 if
  // none.
  std::atomic<std::int64_t> first_change_ns_{0};
  // Keys RemoveExpired removed.
  std::atomic<std::uint64_t> expired_keys_{0};
  // The shards' memory in all (with a limit only).
  std::atomic<std::int64_t> memory_{0};
  std::atomic<std::uint64_t> evicted_keys_{0};
  std::atomic<std::uint64_t> memory_refusals_{0};
  // Entries in the shards' ExpiryIndexes, kept by IndexDeadline (which only
  // Records with a deadline reach): while it is 0, RemoveExpired, which
  // every janitor pass and GetStats call, returns without visiting the
  // shards.
  std::atomic<std::int64_t> indexed_deadlines_{0};
};

template <typename Lock>
absl::Status ShardMap::EnterShard(const Shard& shard, Lock& lock) const {
  while (shard.frozen) {
    // Read under the shard's lock: the batch cannot end before it is
    // released, so the epoch read is the batch's own.
    std::unique_lock wait(batch_wait_mu_);
    const std::uint64_t epoch = batch_epoch_;
    lock.unlock();
    batch_done_.wait(wait, [&] { return batch_epoch_ != epoch; });
    wait.unlock();
    lock.lock();
  }
  return shard.closed ? ClosedError() : absl::OkStatus();
}

template <typename Modify>
absl::StatusOr<bool> ShardMap::ReadModifyWrite(KeyRef key, Modify modify) {
  const KeyHashes hashes = Hash(key);
  Shard& shard = ShardFor(hashes);
  RecordRef replaced;  // Released after the lock.
  {
    std::unique_lock lock(shard.mu);
    if (absl::Status s = EnterShard(shard, lock); !s.ok()) return s;
    const Slot slot = Locate(shard, key, hashes);
    absl::StatusOr<std::optional<std::string_view>> next = modify(slot.value());
    if (!next.ok()) return next.status();
    if (!next->has_value()) return false;
    if (absl::Status s =
            AdmitWrite(shard, slot, key, (*next)->size(), Record::kNoDeadline);
        !s.ok()) {
      return s;
    }
    replaced = StoreAt(shard, slot, key, hashes, **next);
  }
  NoteChange();
  return true;
}

}  // namespace dskv

#endif  // DSKV_SHARD_MAP_H_
