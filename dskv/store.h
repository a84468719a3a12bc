// dskv: an embeddable key-value store that serves every read and write from
// memory and persists in the background.
//
// Keys name a member of a collection: "collection/member", split at the first
// '/'. All members of a collection can be read or deleted together.
//
//   absl::StatusOr<std::unique_ptr<dskv::Store>> store =
//       dskv::Store::Open("/var/lib/myapp/db");
//   if (!store.ok()) return store.status();
//   absl::Status s = (*store)->Put("artist/daft_punk", "epic");
//   absl::StatusOr<std::string> v = (*store)->Get("artist/daft_punk");
//
// A janitor thread persists changes in the background to one file per
// collection; Open loads them again. Options::durability chooses whether a
// write returns before or after it is on disk.
//
// Errors are reported through absl::Status; no method throws (except
// std::bad_alloc when memory runs out). Every method of Store may be called
// from any number of threads at once.

#ifndef DSKV_STORE_H_
#define DSKV_STORE_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "dskv/put_options.h"
#include "dskv/write_batch.h"

namespace dskv {

// Limits on keys. A key is "collection/member", split at the first '/'.
//
// Collection names are 1 to kMaxCollectionSize bytes and may hold any byte
// except '/'. Members are 1 to kMaxMemberSize bytes and may hold any byte,
// '/' included: "a//b" is member "/b" of collection "a".
inline constexpr std::size_t kMaxCollectionSize = 255;
inline constexpr std::size_t kMaxMemberSize = 65536;

class Record;  // dskv/record.h; private.

// The wall clock that expiry reads (PutOptions::ttl, Store::Expire). A
// deadline is an instant of this clock, stored as milliseconds since the
// Unix epoch: a key whose deadline passed while the store was closed is
// gone when it is opened again. Tests substitute a clock they set by hand.
class Clock {
 public:
  virtual ~Clock() = default;
  // The current time. Called from any thread, at any time.
  virtual std::chrono::system_clock::time_point Now() const = 0;
  // std::chrono::system_clock. Lives for the whole program.
  static const Clock& Real();
};

// When a write is acknowledged, relative to when it is durable.
enum class Durability {
  // Put, Delete and DeleteAll return once the change is in memory. The
  // janitor thread starts writing it to disk within Options::flush_interval
  // under normal load; Flush() waits until it is written and synced. A
  // process crash loses changes not yet written; see README.md,
  // "Durability".
  kAsync,
  // Put, Delete and DeleteAll return once the change is written and synced
  // to disk. Concurrent writers share syncs (group commit).
  kSync,
};

// What a store at Options::max_memory_bytes does with a write that would
// take more memory.
enum class Eviction {
  // Refuses it with ResourceExhausted.
  kNone,
  // Removes the keys whose deadlines (PutOptions::ttl, Store::Expire) come
  // soonest until the write fits, as Redis's volatile-ttl policy does; keys
  // without a deadline are never evicted. If no key has a deadline, refuses
  // the write as kNone does. An evicted key is deleted: the janitor writes
  // its removal as a Delete's, so it does not come back after Open.
  kSoonestDeadline,
};

// Settings chosen when a store is opened. Default-constructed Options are the
// recommended settings.
struct Options {
  // Largest value Put accepts, in bytes; larger values are rejected with
  // InvalidArgument. Values of 0 bytes are always allowed.
  // Default: 256 MiB.
  std::size_t max_value_size = std::size_t{256} << 20;

  // See Durability. Default: kAsync.
  Durability durability = Durability::kAsync;

  // In kAsync mode, the longest a change waits in memory before the janitor
  // starts writing it, under normal load. Shorter intervals lose less to a
  // crash and coalesce fewer rewrites of the same key. Must be positive.
  // Default: 100 ms.
  std::chrono::milliseconds flush_interval{100};

  // The most bytes of changes that may wait in memory, not yet written to
  // the files (Stats::dirty_bytes: records as the files hold them, a key
  // changed many times between two janitor passes counting once). Once half
  // of it waits, the janitor starts writing at once instead of at the next
  // flush_interval. Beyond it, Put and Delete wait for the janitor before
  // they change anything (Stats::write_stalls): when writers outpace the
  // disk, they slow to its speed rather than let memory and the changes a
  // crash can lose grow without bound. If the janitor cannot write (say the
  // disk is full), a write that waits fails with the janitor's error once
  // its next attempt (within about 2 s) fails too, and changes nothing.
  // 0: no limit.
  //
  // With it, memory stays within the live data plus max_dirty_bytes, plus
  // the old values of keys overwritten or deleted while a pass rewrites
  // their collection's whole file (a new collection, DeleteAll, compaction),
  // which that pass holds until it ends: for overwrites with values of the
  // same size, at most another max_dirty_bytes.
  //
  // Default: 64 MiB: a pass then writes at most about 32 MiB to 64 MiB,
  // 0.1 s to 0.2 s on a disk that writes 300 MB/s, about flush_interval. A
  // larger limit absorbs longer bursts at full memory speed; a smaller one
  // bounds memory and the crash window more tightly but holds writers back
  // sooner.
  std::uint64_t max_dirty_bytes = std::uint64_t{64} << 20;

  // What Open does with a damaged record that valid records follow (a torn
  // last record is always cut off: that is what a crash leaves). false: fail
  // with DataLoss naming the file and byte offset. true: skip the damage,
  // rewrite the collection's file without it, and count it in Stats; a file
  // whose header is damaged is renamed to "<name>.dskv.corrupt" (or
  // "<name>.dskv.corrupt.N" if that exists) and ignored.
  // Skipped damage may have held puts or deletes, so salvaged collections may
  // hold stale values. Salvage does not override a file whose header names
  // another collection (DataLoss) or a newer format version
  // (FailedPrecondition): those need a person. Default: false.
  bool salvage = false;

  // A collection's file is compacted (rewritten from memory without dead
  // records) once it is larger than compaction_min_bytes and its dead bytes
  // exceed compaction_dead_ratio times its live bytes. Lower values keep
  // files smaller at the cost of more rewriting. Defaults: 4 MiB and 1.0
  // (the file is at most about twice its live data).
  std::uint64_t compaction_min_bytes = std::uint64_t{4} << 20;
  double compaction_dead_ratio = 1.0;

  // Open the store for reading only: Open takes no lock on the directory
  // (another process may have the store open, even for writing) and changes
  // no file: a torn last record is ignored rather than cut off, and
  // Options::salvage skips damage in memory only. The store holds what the
  // files held when it read them, one file after another: if a writer's
  // janitor pass runs meanwhile, some collections may show it and others
  // not. Changes another process makes later are not seen. Put, Delete,
  // DeleteAll and Compact fail with FailedPrecondition; Flush has nothing to
  // do. Open fails with NotFound if the directory does not exist.
  // Default: false.
  bool read_only = false;

  // The clock deadlines are set and read by (see Clock). Must outlive the
  // store. Default: null, Clock::Real().
  const Clock* clock = nullptr;

  // The most memory the store's keys may take (Stats::memory_bytes: each
  // key's member and value plus 24 bytes for its record's header and its
  // hash-table slot, and for a key with a deadline the deadline and its
  // index entry; not per-collection tables, the janitor's transient buffers
  // or memory the allocator keeps after a delete). A write that would take the
  // store past it fails with ResourceExhausted and changes nothing, unless
  // `eviction` makes room: Put of a new key or a larger value, PutContent,
  // Increment of a new counter, Expire of a key without a deadline (a deadline
  // costs memory), a WriteBatch whose net effect adds memory (checked as a
  // whole: all of it or none). Delete, DeleteAll, Persist and writes that keep
  // or shrink a key's size always work, so a full store can always be emptied.
  // Open loads every key whatever the limit: a store opened with a smaller
  // limit than it holds refuses growth until deletes bring it under. Writes
  // racing at the limit may each pass it by their own size (each is admitted
  // against the total before it adds to it). With a limit, every write also
  // updates one counter all writers share (an atomic add, contended when
  // many cores write); without one, writes count nothing more. 0: no limit.
  // Default: 0.
  std::uint64_t max_memory_bytes = 0;

  // What a write that would pass max_memory_bytes does (see Eviction). A
  // policy other than kNone needs a max_memory_bytes. Default: kNone.
  Eviction eviction = Eviction::kNone;
};

// A store's counters, from Store::GetStats.
struct Stats {
  std::uint64_t keys = 0;
  std::uint64_t collections = 0;
  std::uint64_t bytes = 0;  // Members and values held in memory.
  // Changed keys, deleted ones included, not yet handed to the janitor.
  std::uint64_t dirty_keys = 0;

  // The backlog (see Options::max_dirty_bytes): bytes of changes not yet
  // written to the files, including those the janitor is writing, and how
  // long ago the oldest of them was made (zero if there are none): about
  // what a process crash would lose now in kAsync mode.
  std::uint64_t dirty_bytes = 0;
  std::chrono::microseconds oldest_dirty_age{0};
  // Puts and deletes held back because dirty_bytes exceeded
  // Options::max_dirty_bytes, and the time they waited in all.
  std::uint64_t write_stalls = 0;
  std::chrono::microseconds write_stall_time{0};

  std::uint64_t bytes_written = 0;  // By the janitor, since Open.
  std::uint64_t syncs = 0;          // File and directory syncs, since Open.
  std::uint64_t compactions = 0;
  // Keys removed because their deadline passed, since Open (those whose
  // deadline passed while the store was closed are not loaded, and not
  // counted), and keys with a deadline now.
  std::uint64_t expired_keys = 0;
  std::uint64_t expiring_keys = 0;

  // The memory the keys take, as Options::max_memory_bytes counts it, and
  // that limit (0 if none); keys removed by Options::eviction and writes
  // refused at the limit, since Open.
  std::uint64_t memory_bytes = 0;
  std::uint64_t max_memory_bytes = 0;
  std::uint64_t evicted_keys = 0;
  std::uint64_t memory_refusals = 0;

  std::uint64_t janitor_passes = 0;
  std::uint64_t failed_janitor_passes = 0;
  // The error of the janitor's latest pass; OK if it succeeded. While it is
  // not OK, changes stay in memory and are retried.
  absl::Status last_io_error;

  // What Open found. A read-only store counts torn ends and damaged files
  // but leaves them in place.
  std::uint64_t torn_tails_truncated = 0;  // Files whose torn end was cut.
  std::uint64_t torn_bytes_truncated = 0;
  std::uint64_t corrupt_regions_skipped = 0;  // With Options::salvage only.
  std::uint64_t corrupt_bytes_skipped = 0;
  std::uint64_t corrupt_files_set_aside = 0;
};

// A collection's size, from Store::ListCollections.
struct CollectionInfo {
  std::string name;
  std::uint64_t keys = 0;
  std::uint64_t bytes = 0;  // Of its members and values.
};

// Which members of a collection Store::Scan reads, and how many. Members
// are ordered by their bytes, compared as unsigned (as GetAll sorts them).
struct ScanOptions {
  // Only members >= start ("" = from the smallest).
  std::string start;
  // Only members < end ("" = no upper bound). A start >= end (both set)
  // selects nothing.
  std::string end;
  // Only members beginning with prefix, within start and end too.
  std::string prefix;
  // At most this many items; 0 = no limit.
  std::size_t limit = 0;
  // Largest member first.
  bool reverse = false;
  // Leave the values empty (the members alone, as kvlayer's scan_keys).
  bool members_only = false;
};

// One page of a Scan.
struct ScanPage {
  // (member, value) pairs, in scan order.
  std::vector<std::pair<std::string, std::string>> items;
  // Where the following page starts: pass it as ScanOptions::start (forward)
  // or as ScanOptions::end (reverse), with the other options unchanged.
  // Empty when nothing in the range is left. Forward, it is the first member
  // not returned; in reverse, the last member returned (end is exclusive).
  std::string next;
};

// A read-only reference to a value in a store, from Store::GetShared. The
// value's bytes are shared with the store, not copied. They stay valid and
// unchanged for the handle's lifetime, even if the key is later overwritten
// or deleted, or the store is closed and destroyed. Copying a handle shares
// the value. A handle may be used from any thread; distinct handles to one
// value may be used from many threads at once.
class SharedValue {
 public:
  // An empty value.
  SharedValue() = default;
  SharedValue(const SharedValue& other);
  SharedValue(SharedValue&& other) noexcept;
  SharedValue& operator=(SharedValue other) noexcept;
  ~SharedValue();

  std::string_view value() const;
  // The member of the key the value is stored at.
  std::string_view member() const;

 private:
  friend class Store;
  explicit SharedValue(const Record* record) : record_(record) {}

  const Record* record_ = nullptr;
};

// One page of a Store::ScanShared: as ScanPage, with values shared rather
// than copied.
struct SharedScanPage {
  // In scan order. With ScanOptions::members_only the values are still
  // there: sharing them costs nothing.
  std::vector<SharedValue> items;
  std::string next;  // As ScanPage::next.
};

// A store of collections of (member, value) pairs, opened on one directory.
class Store {
 public:
  // Opens the store kept in the directory `path`, creating the directory and
  // its missing parents if needed, and loads every collection into memory,
  // verifying every checksum. The store holds a lock on the directory until
  // it is closed (unless Options::read_only).
  //
  // Errors: InvalidArgument if `path` is empty or `options` are invalid;
  // FailedPrecondition if `path` exists and is not a directory, if another
  // store (in this process or another) has the directory open (the message
  // names its pid), or if a file has a format version this code does not
  // know; NotFound if Options::read_only and `path` does not exist; DataLoss
  // if a file is damaged (see Options::salvage); the error of the file
  // system otherwise.
  static absl::StatusOr<std::unique_ptr<Store>> Open(const std::string& path,
                                                     Options options = {});

  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Closes the store if it is still open. No other thread may be using the
  // store while it is destroyed.
  ~Store();

  // Returns a copy of the value stored at `key`.
  //
  // Errors: NotFound if no value is stored at `key`; InvalidArgument if `key`
  // is malformed (see the limits above); FailedPrecondition after Close.
  absl::StatusOr<std::string> Get(std::string_view key) const;

  // As Get, but copies the value into `*value`, reusing its memory: no
  // allocation once the buffer is large enough. On error `*value` is
  // unchanged.
  absl::Status Get(std::string_view key, std::string* value) const;

  // As Get, but shares the stored value instead of copying it: constant
  // time whatever the value's size. See SharedValue.
  absl::StatusOr<SharedValue> GetShared(std::string_view key) const;

  // Looks up every key of `keys`: element i of the result is what
  // GetShared(keys[i]) returns (the value; NotFound; InvalidArgument if the
  // key is malformed; FailedPrecondition after Close). Faster than one
  // GetShared after another for more than a few keys, as in a pipeline of
  // reads: the lookups overlap their memory accesses instead of waiting on
  // each in turn. Each key is read atomically; the keys together are not a
  // snapshot (a write may land between two of the lookups).
  std::vector<absl::StatusOr<SharedValue>> MultiGetShared(
      absl::Span<const std::string_view> keys) const;

  // Returns the (member, value) pairs of `collection` that `options` select,
  // in member order (largest first if ScanOptions::reverse), at most
  // ScanOptions::limit of them, and where the next page starts. A page of k
  // members costs O(log n + k) in a collection of n. A collection with no
  // members, or a range with none, gives an empty page.
  //
  // The page is not a snapshot: writes made while Scan runs may or may not be
  // seen, each pair on its own. Paging with ScanPage::next while others
  // write never skips or repeats a member that exists, unchanged, for the
  // whole walk.
  //
  // A collection's first Scan (after Open too) orders it, in O(n log n);
  // later Scans order only what changed since the one before.
  //
  // Errors: InvalidArgument if `collection` is not a valid collection name
  // (for example, it holds a '/'); FailedPrecondition after Close.
  absl::StatusOr<ScanPage> Scan(std::string_view collection,
                                const ScanOptions& options = {}) const;

  // As Scan, but shares the stored members and values instead of copying
  // them (see SharedValue).
  absl::StatusOr<SharedScanPage> ScanShared(
      std::string_view collection, const ScanOptions& options = {}) const;

  // Returns every (member, value) pair of `collection`, sorted by the bytes of
  // the member: a Scan with default options. A collection with no members
  // gives an empty vector. Not a snapshot, as Scan.
  //
  // Errors: as Scan.
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> GetAll(
      std::string_view collection) const;

  // As GetAll, but shares the stored members and values instead of copying
  // them (see SharedValue): a large collection costs a reference per member
  // rather than a copy of its bytes.
  absl::StatusOr<std::vector<SharedValue>> GetAllShared(
      std::string_view collection) const;

  // Returns every collection that has at least one member, sorted by name,
  // with its number of keys and bytes. Not a snapshot, as GetAll.
  //
  // Errors: FailedPrecondition after Close.
  absl::StatusOr<std::vector<CollectionInfo>> ListCollections() const;

  // Stores a copy of `value` at `key`, replacing any previous value. Later
  // changes to the caller's buffer do not reach the store.
  //
  // Errors: InvalidArgument if `key` is malformed or `value` is larger than
  // Options::max_value_size; FailedPrecondition after Close or if the store
  // is read-only; ResourceExhausted if the store would pass
  // Options::max_memory_bytes (and Options::eviction cannot make room). On
  // these errors the store is unchanged. In kSync mode, the
  // I/O error that kept the change from becoming durable: the change is in
  // memory and is retried.
  //
  // Waits for the janitor first while more than Options::max_dirty_bytes of
  // changes are unwritten; if its attempt to write them fails, returns that
  // error and the store is unchanged.
  absl::Status Put(std::string_view key, std::string_view value);

  // As Put, with `options`: a value that expires (PutOptions::ttl).
  //
  // Errors: as Put; InvalidArgument if the ttl is negative.
  absl::Status Put(std::string_view key, std::string_view value,
                   const PutOptions& options);

  // Makes the value at `key` expire `ttl` from now (Redis's EXPIRE),
  // replacing any deadline it had; with `ttl` zero or negative, removes it
  // now. A change like a Put of the same value, persisted alike.
  //
  // Errors: NotFound if `key` holds no value (or its value has expired);
  // otherwise as Put.
  absl::Status Expire(std::string_view key, std::chrono::milliseconds ttl);

  // Takes the deadline off the value at `key`, if it has one (Redis's
  // PERSIST). Returns whether it had one.
  //
  // Errors: as Expire.
  absl::StatusOr<bool> Persist(std::string_view key);

  // Returns how long the value at `key` has left (at least 1 ms), or
  // nullopt if it never expires (Redis's PTTL).
  //
  // Errors: as Get.
  absl::StatusOr<std::optional<std::chrono::milliseconds>> Ttl(
      std::string_view key) const;

  // As Put, for a value of `size` bytes that `fill` writes straight into
  // the store's memory: the store allocates the value once, calls `fill`
  // once with all of it, and then stores it. So a file, a socket or a
  // generator can put a large value without a second full-size copy.
  // `fill` must write every byte of the span it is given; it runs outside
  // the store's locks, on the calling thread, and may take as long as it
  // needs (other calls go on meanwhile; the key keeps its old value until
  // `fill` returns). Not called if the key, the size or the store's state
  // is wrong.
  //
  // Returns whether the key was new: true if it held no value, false if a
  // value was replaced (what an HTTP PUT answers with 201 or 204).
  //
  // Errors: as Put; and, unchanged, any error `fill` returns, after which
  // the store is unchanged.
  absl::StatusOr<bool> PutFrom(
      std::string_view key, std::size_t size,
      absl::FunctionRef<absl::Status(absl::Span<char>)> fill);
  // As PutFrom, with `options` (a value that expires, PutOptions::ttl). The
  // ttl counts from the call, not from when `fill` returns.
  //
  // Errors: as PutFrom; InvalidArgument if the ttl is negative.
  absl::StatusOr<bool> PutFrom(
      std::string_view key, std::size_t size,
      absl::FunctionRef<absl::Status(absl::Span<char>)> fill,
      const PutOptions& options);

  // Stores `value` in `collection` under the member its content names, and
  // returns that member: the XXH3-128 hash of `value`, as 32 lower-case hex
  // digits (high 64 bits first). Putting the same bytes again finds them
  // there and changes nothing: nothing new is written to disk. (If the
  // member holds other bytes, put there by Put, it is overwritten.)
  //
  // Errors: InvalidArgument if `collection` is not a valid collection name
  // or `value` is larger than Options::max_value_size; otherwise as Put.
  absl::StatusOr<std::string> PutContent(std::string_view collection,
                                         std::string_view value);

  // Stores `desired` at `key` if `key` holds exactly `expected` now, or,
  // with `expected` nullopt, if `key` holds no value; returns whether it
  // did. Atomic with every other operation on `key`: of several calls that
  // race with the same expectation, one swaps and the others see its value.
  // A swap is a write like Put, persisted alike.
  //
  // Errors: InvalidArgument if `key` is malformed or `desired` is larger
  // than Options::max_value_size; otherwise as Put. On these errors the
  // store is unchanged.
  absl::StatusOr<bool> CompareAndSwap(std::string_view key,
                                      std::optional<std::string_view> expected,
                                      std::string_view desired);

  // Adds `delta` to the integer at `key` and returns the sum, atomically
  // with every other operation on `key`; a key with no value counts as 0.
  // Counters are decimal text: an optional '-' then digits, with no leading
  // zeros, '+', "-0" or spaces ("0", "-12", "9223372036854775807"), the
  // form Increment writes, within int64. Persisted like Put.
  //
  // Errors: InvalidArgument if `key` is malformed or holds a value that is
  // not such a number; OutOfRange if the sum is outside int64; otherwise as
  // Put. On these errors the store is unchanged.
  absl::StatusOr<std::int64_t> Increment(std::string_view key,
                                         std::int64_t delta);

  // Applies every operation of `batch`, in order, all or nothing, if every
  // condition of the batch (WriteBatch::Expect) holds.
  //
  // All or nothing: every operation is checked first, and on an error
  // nothing is applied; a concurrent Get, Scan or GetAll sees none or all of
  // the batch's changes to the keys it reads, and once any call has seen one
  // of them, every later call sees all. (While a batch is applied, calls on
  // the keys that share its shards wait for it.) In kSync mode, returns once
  // the whole batch is durable, with one sync for the batch (shared with other
  // writers), not one per operation. An empty batch changes nothing.
  //
  // All or nothing across a crash too, however many collections the batch
  // touches: after a kill -9 (or, once the batch is durable, a power loss)
  // at any instant, the reopened store holds all of the batch or none of
  // it. The janitor writes the changes of a pass that holds a batch to a
  // journal before it touches any collection file, and Open completes the
  // files from it (persist/FORMAT.md); such a pass costs two more syncs.
  //
  // Errors: InvalidArgument naming the operation's (or condition's) index
  // and the rule, for a malformed key or collection name or an oversized
  // value; Aborted, naming the condition's index, if a condition does not
  // hold; otherwise as Put. On these errors the store is unchanged.
  absl::Status Write(const WriteBatch& batch);

  // Removes the value stored at `key`. Removing a missing key succeeds.
  //
  // Errors: InvalidArgument if `key` is malformed; FailedPrecondition after
  // Close or if the store is read-only. On these errors the store is
  // unchanged. In kSync mode, and while too much is unwritten, as Put.
  absl::Status Delete(std::string_view key);

  // As Delete, and returns whether the key held a value (what an HTTP
  // DELETE answers with 204 or 404). Decided atomically with the removal.
  absl::StatusOr<bool> Remove(std::string_view key);

  // Removes every member of `collection`. Removing a missing collection
  // succeeds. Writes to the collection made while DeleteAll runs may or may
  // not survive it, each on its own.
  //
  // Errors: InvalidArgument if `collection` is not a valid collection name;
  // FailedPrecondition after Close or if the store is read-only. On these
  // errors the store is unchanged. In kSync mode, as Put.
  absl::Status DeleteAll(std::string_view collection);

  // Returns once every change made before the call is durable: written to
  // the files and synced, with the directory's entries. A read-only store
  // has nothing to write.
  //
  // Errors: FailedPrecondition after Close; the I/O error that prevents
  // durability (the changes stay in memory and are retried).
  absl::Status Flush();

  // Writes a complete copy of the store as it is at one instant to the new
  // directory `dir`, while other calls go on: an online backup (Redis's
  // BGSAVE, RocksDB's checkpoints). Store::Open opens the copy like any
  // store, and `dskv verify` checks it. The instant: every change that
  // completed before it, none after, and of a WriteBatch all or nothing.
  // Reads and writes wait while the store takes a reference to each key
  // (no copy of a value; about 50 ms per million keys on a 2-core VM); the
  // files are then written from those references, compacted, on every
  // core, while the store goes on (docs/recovery.md has the numbers).
  // Values replaced meanwhile stay in memory until their collection is
  // written: up to a copy of the data, under a heavy overwrite load. The
  // files are written and synced in a temporary directory beside `dir`
  // ("<dir>.checkpoint-<pid>", removed on failure), which is then renamed
  // to `dir`: `dir` appears whole or not at all.
  // Expired keys are left out; deadlines are kept. The copy is made from
  // memory, so it holds changes not yet written to the store's own files
  // too; collection files are never hard-linked, as they are appended to
  // in place and a link would change with them.
  //
  // Errors: InvalidArgument if `dir` is empty; AlreadyExists if it exists;
  // NotFound if its parent directory does not; FailedPrecondition after
  // Close; the file system's errors (nothing is left at `dir`).
  absl::Status Checkpoint(const std::string& dir);

  // As Flush, and rewrites every collection's file from memory, leaving out
  // the records that later puts and deletes made dead. The janitor does this
  // on its own for files with much dead data (Options::compaction_*); this
  // is for shrinking a store's files now, e.g. before a backup. Costs a
  // write of the whole store.
  //
  // Errors: FailedPrecondition after Close or if the store is read-only; the
  // I/O error that prevents it (files not rewritten stay as they were).
  absl::Status Compact();

  // Makes every change durable, stops the janitor and releases the
  // directory. Afterwards every method returns FailedPrecondition. Closing a
  // closed store succeeds and does nothing. Calls racing with Close either
  // complete before it (and are made durable by it) or fail with
  // FailedPrecondition.
  //
  // Errors: the I/O error of the last attempt to persist; the store is closed
  // regardless, and changes that were not persisted are lost.
  absl::Status Close();

  // Returns the store's counters. Costs a walk over the shards' headers.
  //
  // Errors: FailedPrecondition after Close.
  absl::StatusOr<Stats> GetStats() const;

 private:
  class Impl;
  // Opens stores on other file systems, for tests (dskv/store_internal.h).
  friend class StoreOpener;
  explicit Store(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
};

}  // namespace dskv

#endif  // DSKV_STORE_H_
