// Janitor: the thread that makes a store's changes durable.
//
// Every pass drains the ShardMap's dirty record and, for each changed
// collection, either appends the changed members' latest states to its file
// or rewrites the file from memory (new collection, DeleteAll, compaction,
// recovery from an I/O error). Then it syncs every file it touched and, if
// files were created, renamed or removed, the directory. A pass that fully
// succeeds makes every change completed before it started durable; a failed
// one leaves its collections marked for rewrite, so the next pass that
// succeeds makes them durable too.
//
// Batches (ShardMap::Apply) survive a crash whole or not at all: a pass
// that drained part of one first writes everything it drained to the
// journal (persist/journal.h), and only then touches collection files. A
// pass takes its drain and its rewrites' copies of the map while batches are
// held back, so a file never holds part of a batch that the pass, and so
// its journal, lacks (DeleteAll is held back too). A failed pass's journal
// sections are carried into the next journal until a pass succeeds. A
// journal stays after its pass; the next pass replaces it with its own or,
// writing none, removes it before it changes any file: applied after a
// crash over that pass's changes, it would take part of them back.
//
// Passes run every `flush_interval`, and at once when a caller waits for a
// change to become durable; callers waiting together share a pass (group
// commit). After a failed pass the janitor retries with growing delays; the
// changes stay in memory and the affected collections are rewritten whole.
//
// Backpressure: writers call ThrottleWriter before changing the map. Once
// the map's unwritten bytes pass half of Settings::max_unwritten_bytes the
// janitor starts its next pass without waiting for flush_interval; once they
// pass the whole, writers wait for passes to bring them back under it. So
// neither memory nor what a crash can lose grows without bound when writers
// outpace the disk.

#ifndef DSKV_JANITOR_H_
#define DSKV_JANITOR_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "dskv/shard_map.h"
#include "persist/collection_file.h"
#include "persist/file_system.h"
#include "persist/journal.h"
#include "persist/record_batch.h"

namespace dskv {

class Janitor {
 public:
  struct Settings {
    std::string dir;
    FileSystem* fs = nullptr;
    std::chrono::milliseconds flush_interval{100};
    // A file is compacted (rewritten from memory) when it is larger than
    // compaction_min_bytes and its dead bytes exceed compaction_dead_ratio
    // times its live bytes.
    std::uint64_t compaction_min_bytes = 0;
    double compaction_dead_ratio = 1.0;
    // Writers wait while more bytes than this are unwritten; 0: never.
    std::uint64_t max_unwritten_bytes = 0;
    // Whether the directory holds a journal, which Open applied to the map
    // (as a batch, so the first pass writes a journal that replaces it).
    bool journal_exists = false;
  };

  struct Counters {
    std::uint64_t bytes_written = 0;
    std::uint64_t syncs = 0;
    std::uint64_t compactions = 0;
    std::uint64_t passes = 0;
    std::uint64_t failed_passes = 0;
    absl::Status last_error;  // Of the latest pass; OK if it succeeded.
    // How long ago the oldest change not yet written was made; zero if none.
    std::chrono::microseconds unwritten_age{0};
    std::uint64_t write_stalls = 0;  // Writers ThrottleWriter held back.
    std::chrono::microseconds write_stall_time{0};  // Their waits, summed.
  };

  // Starts the janitor thread. `files` describes the files Open found.
  Janitor(ShardMap* map, Settings settings, CollectionFiles files);
  ~Janitor();

  Janitor(const Janitor&) = delete;
  Janitor& operator=(const Janitor&) = delete;

  // Blocks until every change completed before the call is durable: until a
  // pass that started after the call succeeds. Returns the error of that
  // pass if it fails; the changes stay pending and are retried.
  absl::Status WaitDurable();

  // As WaitDurable, but the pass also rewrites every collection's file from
  // memory, leaving out records that later ones overwrote or deleted.
  absl::Status CompactAll();

  // Returns at once while the map's unwritten bytes are within
  // Settings::max_unwritten_bytes. Beyond it, holds the calling writer back
  // until passes bring them within it, or the janitor stops. Fails with the
  // pass's error if a pass it waits for fails: writers should not wait
  // indefinitely for a disk that does not take writes.
  absl::Status ThrottleWriter();

  // Runs a last pass, after the map has been closed, and stops the thread.
  // Returns the last pass's status. Idempotent.
  absl::Status Stop();

  Counters GetCounters() const;

 private:
  using Clock = std::chrono::steady_clock;

  // What a pass does with one collection's file, decided when it drains.
  struct CollectionWork {
    std::string collection;
    const ShardMap::CollectionChanges* changes = nullptr;  // Null: none.
    bool cleared = false;  // DeleteAll since the last pass.
    // Rewrite the file rather than append to it; `compaction` if only to
    // drop dead records.
    bool rewrite = false;
    bool compaction = false;
    // The members to write if rewriting from memory: the map's Records,
    // copied when the pass drained. A new collection's first file needs
    // none: it is written from `changes`.
    std::optional<ShardMap::Records> contents = {};
    // `changes`, encoded: for the journal, and to append.
    RecordBatch records = {};
    // Whether `records` is in the pass's journal, which may need it again.
    bool journaled = false;
  };

  void Run();
  // One pass; called on the janitor thread only. `compact_all` rewrites
  // every file; `last` is the pass Stop runs. Releases the unwritten bytes
  // of what it wrote, and leaves what it drained in `*written`, for the
  // caller to release.
  absl::Status Pass(bool compact_all, bool last,
                    ShardMap::DirtySnapshot* written);
  // Decides what the pass does with each collection, and copies from the
  // map the collections it rewrites. Called while batches are held.
  std::vector<CollectionWork> Plan(const ShardMap::DirtySnapshot& snapshot,
                                   bool compact_all);
  // Encodes every change the pass drained into `work` and `journal`, and
  // installs the journal (with failed passes' sections), durably.
  absl::Status WriteJournal(std::vector<CollectionWork>& work,
                            JournalWriter& journal);
  // Removes the journal, durably.
  absl::Status RemoveJournal();
  // Replaces the drained Records whose values writers may rewrite in
  // place (ShardMap::kCopyForRewriteMinSize) with private copies, so that
  // the pass, which holds them while it writes, does not keep the map's
  // Records shared: a key rewritten meanwhile is then rewritten in place
  // rather than into fresh memory.
  void ReleaseRewritable(ShardMap::DirtySnapshot& snapshot) const;

  // Writes, syncs and installs the files `work` describes.
  absl::Status Persist(std::vector<CollectionWork>& work);
  // Makes the next pass start now, without waiting for flush_interval.
  void RequestPass() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // ThrottleWriter's wait.
  absl::Status WaitForRoom();
  // Writes, syncs and installs the files of `work`, a part of a
  // pass small enough that their descriptors fit in the process's limit.
  // Adds the collections whose files were created, replaced or removed to
  // `installed`, for the directory sync.
  absl::Status PersistBatch(std::span<CollectionWork> work,
                            std::vector<std::string>* installed);
  // A rewrite written by PersistCollection, to be synced and installed.
  struct PendingRewrite {
    std::string collection;
    Rewrite rewrite;
    bool compaction;
  };

  // What PersistCollection wrote, not yet synced: an append to the
  // collection file's writer, or a new version to install.
  struct Written {
    bool appended = false;
    std::optional<PendingRewrite> rewrite;
  };

  // Does `work` to `file`, its entry in files_: appends the changes, or
  // starts a rewrite. Touches no other entry of files_ and no other state
  // of the janitor but atomic counters.
  absl::Status PersistCollection(CollectionWork& work, CollectionFile& file,
                                 Written* written);
  bool ShouldCompact(const std::string& collection,
                     std::uint64_t size_after_append) const;

  ShardMap* const map_;
  const Settings settings_;
  // Touched only by the janitor thread.
  CollectionFiles files_;

  std::atomic<std::uint64_t> bytes_written_{0};
  std::atomic<std::uint64_t> syncs_{0};
  std::atomic<std::uint64_t> compactions_{0};

  // Set when a file was created, renamed or removed; cleared only by a
  // successful directory sync. Touched only by the janitor thread.
  bool directory_dirty_ = false;
  // Unwritten bytes drained by failed passes, released by the next pass
  // that succeeds (it rewrites what they left behind). Janitor thread only.
  std::uint64_t unreleased_bytes_ = 0;
  // Whether the directory holds a journal; janitor thread only.
  bool journal_exists_;
  // The sections of the journals of failed passes, encoded, for the next
  // journal to carry: their batches may be partly in the files. Janitor
  // thread only.
  std::string unfinished_journal_;
  // Set once a writer asked for an early pass; cleared when one starts.
  std::atomic<bool> pass_requested_{false};

  mutable std::mutex mu_;
  std::condition_variable work_cv_;  // Wakes the janitor.
  std::condition_variable done_cv_;  // Wakes waiters after each pass.
  // Passes are numbered from 1 in the order they start. A waiter only trusts
  // a failure reported by a pass that started after it began to wait: an
  // older failure may have been mended since.
  std::uint64_t started_ ABSL_GUARDED_BY(mu_) = 0;
  std::uint64_t finished_ ABSL_GUARDED_BY(mu_) = 0;
  std::uint64_t wanted_ ABSL_GUARDED_BY(mu_) = 0;     // Pass a waiter needs.
  std::uint64_t last_good_ ABSL_GUARDED_BY(mu_) = 0;  // Latest success.
  absl::Status last_error_ ABSL_GUARDED_BY(mu_);      // Of the latest pass.
  std::uint64_t failed_passes_ ABSL_GUARDED_BY(mu_) = 0;
  bool compact_all_ ABSL_GUARDED_BY(mu_) = false;  // For the next pass.
  // When the oldest change drained but not yet written was made.
  std::optional<Clock::time_point> drained_since_ ABSL_GUARDED_BY(mu_);
  std::uint64_t write_stalls_ ABSL_GUARDED_BY(mu_) = 0;
  Clock::duration write_stall_time_ ABSL_GUARDED_BY(mu_){};
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;

  std::mutex stop_mu_;  // Serializes Stop.
  std::thread thread_;
};

}  // namespace dskv

#endif  // DSKV_JANITOR_H_
