#include "dskv/janitor.h"

#include <fmt/format.h>

#include <algorithm>
#include <deque>
#include <utility>
#include <vector>

#include "persist/format.h"
#include "persist/journal.h"
#include "persist/parallel.h"
#include "persist/record_batch.h"

namespace dskv {
namespace {

// Files a pass syncs at once, each on a thread of its own as soon as it is
// written. Syncs wait on the disk, not the processor, so more threads than
// cores pay off.
constexpr std::size_t kMaxParallelSyncs = 16;

// Files a pass writes and syncs at a time. Each holds a descriptor until it
// is synced, so this bounds the descriptors a pass needs, however many
// collections changed; it is well under the usual limit of 1024.
constexpr std::size_t kFilesPerBatch = 256;

// Stores with at most this many collection files keep each open for
// appending between passes. Larger ones close a file once its batch is
// synced, so that many collections cannot exhaust the process's descriptors;
// reopening costs far less than the sync each append needs anyway.
constexpr std::size_t kMaxIdleWriters = 256;

// A copy of `status` that shares nothing with it, for errors handed to other
// threads. Debian's Abseil is not built for ThreadSanitizer, which then
// cannot see the reference counting of a shared absl::Status and reports a
// race when two threads release copies of one error.
absl::Status Unshared(const absl::Status& status) {
  return absl::Status(status.code(), status.message());
}

// Drops the snapshot's references to its Records, most of which have left
// the cache by the time a pass ends.
void Release(ShardMap::DirtySnapshot& snapshot) {
  for (auto& [collection, changes] : snapshot.changes) {
    VisitPrefetching</*kForWrite=*/true>(
        changes.records, [](RecordRef& record) { record = RecordRef(); });
  }
  snapshot = ShardMap::DirtySnapshot();
}

// Retry delays after failed passes.
constexpr std::chrono::milliseconds kMinBackoff{10};
constexpr std::chrono::milliseconds kMaxBackoff{2000};
// A pass copies drained values up to this size (see ReleaseRewritable):
// larger copies would come from fresh memory (malloc maps them), whose page
// faults cost more than the rewrite in place saves.
constexpr std::size_t kMaxCopiedValueSize = std::size_t{64} << 10;

}  // namespace

Janitor::Janitor(ShardMap* map, Settings settings, CollectionFiles files)
    : map_(map),
      settings_(std::move(settings)),
      files_(std::move(files)),
      journal_exists_(settings_.journal_exists) {
  thread_ = std::thread([this] { Run(); });
}

Janitor::~Janitor() { Stop().IgnoreError(); }

absl::Status Janitor::WaitDurable() {
  std::unique_lock lock(mu_);
  const std::uint64_t needed = started_ + 1;
  if (!stopped_) {
    wanted_ = std::max(wanted_, needed);
    work_cv_.notify_one();
  }
  done_cv_.wait(lock, [&] {
    return last_good_ >= needed || stopped_ ||
           (finished_ >= needed && !last_error_.ok());
  });
  // The last pass ran after the map was closed: if it succeeded, every
  // change ever made is durable.
  return last_good_ >= needed ? absl::OkStatus() : Unshared(last_error_);
}

absl::Status Janitor::CompactAll() {
  {
    std::lock_guard lock(mu_);
    // Taken by the next pass to start, which is no later than the one
    // WaitDurable waits for.
    compact_all_ = true;
  }
  return WaitDurable();
}

absl::Status Janitor::Stop() {
  std::lock_guard stop(stop_mu_);
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    work_cv_.notify_one();
  }
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(mu_);
  return Unshared(last_error_);
}

absl::Status Janitor::ThrottleWriter() {
  const std::uint64_t limit = settings_.max_unwritten_bytes;
  if (limit == 0) return absl::OkStatus();
  const std::uint64_t unwritten = map_->unwritten_bytes();
  if (unwritten <= limit / 2) return absl::OkStatus();
  // Half full: start writing now rather than at the next flush_interval, so
  // that the disk works while writers go on. One writer asks per pass.
  if (!pass_requested_.load(std::memory_order_relaxed) &&
      !pass_requested_.exchange(true, std::memory_order_relaxed)) {
    std::lock_guard lock(mu_);
    RequestPass();
  }
  if (unwritten <= limit) return absl::OkStatus();
  return WaitForRoom();
}

void Janitor::RequestPass() {
  if (stopped_) return;
  wanted_ = std::max(wanted_, started_ + 1);
  work_cv_.notify_one();
}

absl::Status Janitor::WaitForRoom() {
  const Clock::time_point start = Clock::now();
  std::unique_lock lock(mu_);
  ++write_stalls_;
  absl::Status status;
  while (map_->unwritten_bytes() > settings_.max_unwritten_bytes && !stopped_) {
    // After a failure the janitor retries on its own schedule, backing off
    // so that a failing disk is not hammered; writers wait for that retry.
    if (last_error_.ok()) RequestPass();
    const std::uint64_t seen = finished_;
    done_cv_.wait(lock, [&] { return finished_ > seen || stopped_; });
    if (finished_ > seen && !last_error_.ok()) {
      status = absl::Status(
          last_error_.code(),
          fmt::format("{} bytes of changes are not yet written "
                      "(Options::max_dirty_bytes is {}) and the latest "
                      "attempt to write them failed: {}",
                      map_->unwritten_bytes(), settings_.max_unwritten_bytes,
                      std::string(last_error_.message())));
      break;
    }
  }
  write_stall_time_ += Clock::now() - start;
  return status;
}

Janitor::Counters Janitor::GetCounters() const {
  Counters counters;
  counters.bytes_written = bytes_written_.load(std::memory_order_relaxed);
  counters.syncs = syncs_.load(std::memory_order_relaxed);
  counters.compactions = compactions_.load(std::memory_order_relaxed);
  // Under mu_, which Pass holds from Drain until drained_since_ has the
  // drained changes' time: none is then missed between the two.
  std::lock_guard lock(mu_);
  std::optional<Clock::time_point> oldest = map_->FirstPendingChange();
  counters.passes = finished_;
  counters.failed_passes = failed_passes_;
  counters.last_error = Unshared(last_error_);
  if (drained_since_.has_value()) oldest = drained_since_;
  if (oldest.has_value()) {
    counters.unwritten_age =
        std::chrono::duration_cast<std::chrono::microseconds>(
            std::max(Clock::now() - *oldest, Clock::duration::zero()));
  }
  counters.write_stalls = write_stalls_;
  counters.write_stall_time =
      std::chrono::duration_cast<std::chrono::microseconds>(write_stall_time_);
  return counters;
}

void Janitor::Run() {
  std::chrono::milliseconds backoff{0};
  Clock::time_point next_pass = Clock::now() + settings_.flush_interval;
  std::unique_lock lock(mu_);
  while (true) {
    work_cv_.wait_until(lock, next_pass,
                        [&] { return stopping_ || wanted_ > started_; });
    const bool last = stopping_;
    const bool compact_all = std::exchange(compact_all_, false);
    pass_requested_.store(false, std::memory_order_relaxed);
    ++started_;
    lock.unlock();
    ShardMap::DirtySnapshot written;
    const absl::Status status = Pass(compact_all, last, &written);
    lock.lock();
    ++finished_;
    last_error_ = status;
    if (status.ok()) {
      last_good_ = finished_;
      backoff = std::chrono::milliseconds{0};
    } else {
      ++failed_passes_;
      backoff = std::clamp(backoff * 2, kMinBackoff, kMaxBackoff);
    }
    if (last) stopped_ = true;
    done_cv_.notify_all();
    // Its references go once the waiters are on their way: releasing a
    // large pass's takes milliseconds, and no one needs to wait for it.
    lock.unlock();
    Release(written);
    lock.lock();
    if (last) return;
    next_pass =
        Clock::now() + (status.ok() ? settings_.flush_interval : backoff);
  }
}

absl::Status Janitor::Pass(bool compact_all, bool last,
                           ShardMap::DirtySnapshot* written) {
  ShardMap::DirtySnapshot& snapshot = *written;
  std::vector<CollectionWork> work;
  // Keys whose deadline passed become tombstones that this pass writes: an
  // expired key leaves memory within about a flush_interval.
  map_->RemoveExpired();
  {
    // A rewrite's copy taken after a batch that the drain missed could
    // hold the batch's part in its collection while the rest waits for
    // the next pass, in no file and no journal.
    const std::shared_lock batches = map_->HoldBatches();
    {
      std::lock_guard lock(mu_);
      snapshot = map_->Drain();
      // Older changes of a failed pass stay the oldest.
      if (!drained_since_.has_value()) drained_since_ = snapshot.first_change;
    }
    work = Plan(snapshot, compact_all);
  }
  ReleaseRewritable(snapshot);
  const bool journaled = snapshot.has_batches || !unfinished_journal_.empty();
  JournalWriter journal;
  absl::Status status;
  if (journaled) {
    status = WriteJournal(work, journal);
  } else if (journal_exists_) {
    // An earlier pass's journal, which its files hold already. Left in
    // place while this pass changes files, a crash would have it take back
    // part of this pass's changes: of a DeleteAll, say.
    status = RemoveJournal();
  }
  if (status.ok()) {
    status = Persist(work);
  } else {
    // Nothing was written: what the pass drained is in memory only.
    for (const CollectionWork& w : work) {
      files_[w.collection].needs_rewrite = true;
    }
  }
  // A store closed cleanly leaves no journal to apply again.
  if (status.ok() && last && journal_exists_) status = RemoveJournal();
  unreleased_bytes_ += snapshot.bytes;
  if (!status.ok() && journaled) {
    // Carried until a pass succeeds: the files may hold part of its
    // batches, and nothing else on disk holds the rest.
    unfinished_journal_ = journal.EncodedSections();
  }
  if (status.ok()) {
    unfinished_journal_.clear();
    map_->ReleaseUnwritten(std::exchange(unreleased_bytes_, 0));
    std::lock_guard lock(mu_);
    drained_since_.reset();
  }
  return status;
}

std::vector<Janitor::CollectionWork> Janitor::Plan(
    const ShardMap::DirtySnapshot& snapshot, bool compact_all) {
  // Collections to persist: changed, cleared, left damaged by an earlier
  // failure, or all of them when compacting all.
  std::vector<CollectionWork> work;
  for (const auto& [collection, changes] : snapshot.changes) {
    work.push_back({.collection = collection, .changes = &changes});
  }
  for (const std::string& collection : snapshot.cleared) {
    if (!snapshot.changes.contains(collection)) {
      work.push_back({.collection = collection});
    }
  }
  for (const auto& [collection, file] : files_) {
    if ((compact_all || file.needs_rewrite) &&
        !snapshot.changes.contains(collection) &&
        !snapshot.cleared.contains(collection)) {
      work.push_back({.collection = collection});
    }
  }
  for (CollectionWork& w : work) {
    w.cleared = snapshot.cleared.contains(w.collection);
    const auto f = files_.find(w.collection);
    const CollectionFile* file = f == files_.end() ? nullptr : &f->second;
    const bool exists = file != nullptr && file->exists;
    const bool needs_rewrite = file != nullptr && file->needs_rewrite;
    w.rewrite = w.cleared || needs_rewrite || !exists || compact_all;
    if (!w.rewrite && w.changes != nullptr) {
      w.rewrite = w.compaction =
          ShouldCompact(w.collection, file->size + w.changes->file_bytes);
    }
    w.compaction =
        w.compaction || (compact_all && exists && !needs_rewrite && !w.cleared);
    // A collection that has no file, and no failed pass or DeleteAll behind
    // it, has nothing on disk but what this pass drained. Writing just that
    // leaves members added since to the next pass's append; a copy from the
    // map would write them now and again then, as dead bytes.
    const bool first_file = !exists && !needs_rewrite && !w.cleared &&
                            !compact_all && w.changes != nullptr;
    if (w.rewrite && !first_file) {
      w.contents = map_->CopyCollection(w.collection);
    }
  }
  return work;
}

absl::Status Janitor::RemoveJournal() {
  syncs_.fetch_add(1, std::memory_order_relaxed);
  absl::Status status = settings_.fs->Remove(JournalPath(settings_.dir));
  if (status.ok() || absl::IsNotFound(status)) {
    status = settings_.fs->SyncDirectory(settings_.dir);
  }
  if (status.ok()) journal_exists_ = false;
  return status;
}

absl::Status Janitor::WriteJournal(std::vector<CollectionWork>& work,
                                   JournalWriter& journal) {
  journal.AddEncodedSections(unfinished_journal_);
  for (CollectionWork& w : work) {
    if (w.changes == nullptr && !w.cleared) continue;
    if (w.changes != nullptr) {
      VisitPrefetching</*kForWrite=*/false>(
          w.changes->records,
          [&](const RecordRef& record) { w.records.Add(record->fields()); });
    }
    journal.AddSection(w.collection, w.cleared, w.records);
    w.journaled = true;
  }
  syncs_.fetch_add(2, std::memory_order_relaxed);
  absl::Status status = journal.Install(*settings_.fs, settings_.dir);
  if (status.ok()) {
    journal_exists_ = true;
    // The files must not change before the journal is sure to be found.
    status = settings_.fs->SyncDirectory(settings_.dir);
  }
  if (status.ok()) {
    bytes_written_.fetch_add(journal.size(), std::memory_order_relaxed);
  }
  return status;
}

void Janitor::ReleaseRewritable(ShardMap::DirtySnapshot& snapshot) const {
  if (!snapshot.has_copyable_values) return;
  for (auto& [collection, changes] : snapshot.changes) {
    VisitPrefetching</*kForWrite=*/false>(
        changes.records, [&](RecordRef& record) {
          const std::size_t size = record->value().size();
          if (!record->is_tombstone() &&
              size >= ShardMap::kCopyForRewriteMinSize &&
              size < kMaxCopiedValueSize) {
            record = map_->Copy(*record);
          }
        });
  }
}

absl::Status Janitor::Persist(std::vector<CollectionWork>& work) {
  absl::Status first_error;
  std::vector<std::string> installed;
  const std::span<CollectionWork> all(work);
  for (std::size_t begin = 0; begin < all.size(); begin += kFilesPerBatch) {
    first_error.Update(PersistBatch(
        all.subspan(begin, std::min(kFilesPerBatch, all.size() - begin)),
        &installed));
  }

  if (!installed.empty()) directory_dirty_ = true;
  if (directory_dirty_) {
    syncs_.fetch_add(1, std::memory_order_relaxed);
    if (absl::Status s = settings_.fs->SyncDirectory(settings_.dir); !s.ok()) {
      // The new files' data may be lost with their entries: rewrite them.
      for (const std::string& collection : installed) {
        if (auto f = files_.find(collection); f != files_.end()) {
          f->second.needs_rewrite = true;
        }
      }
      first_error.Update(s);
    } else {
      directory_dirty_ = false;
    }
  }
  return first_error;
}

absl::Status Janitor::PersistBatch(std::span<CollectionWork> work,
                                   std::vector<std::string>* installed) {
  // Each file is synced as soon as it is written, on a thread of its own,
  // so that its sync overlaps the writing of the next files and the syncs
  // of the others, instead of costing a disk round trip each.
  absl::Status first_error;
  std::vector<std::string> appended;
  std::vector<PendingRewrite> rewrites;
  // The syncs' results, in `appended` order and in the order of the
  // `rewrites` that have a temp file; deques, so that they stay in place as
  // they grow.
  std::deque<absl::Status> append_synced;
  std::deque<absl::Status> rewrite_synced;
  {
    WorkQueue syncs(kMaxParallelSyncs);
    auto sync = [&](WritableFile* file, absl::Status* status) {
      syncs_.fetch_add(1, std::memory_order_relaxed);
      syncs.Add([file, status] { *status = file->Sync(); });
    };
    for (CollectionWork& w : work) {
      CollectionFile& file = files_[w.collection];
      Written written;
      first_error.Update(PersistCollection(w, file, &written));
      if (written.appended) {
        appended.push_back(w.collection);
        sync(file.writer.get(), &append_synced.emplace_back());
      } else if (written.rewrite.has_value()) {
        rewrites.push_back(*std::move(written.rewrite));
        if (WritableFile* temp = rewrites.back().rewrite.temp.get();
            temp != nullptr) {
          sync(temp, &rewrite_synced.emplace_back());
        }
      }
    }
  }  // Waits for the syncs.
  for (std::size_t i = 0; i < appended.size(); ++i) {
    if (const absl::Status& s = append_synced[i]; !s.ok()) {
      // The kernel may have dropped the unsynced pages: only a rewrite
      // from memory makes the file trustworthy again.
      files_[appended[i]].needs_rewrite = true;
      first_error.Update(s);
    }
  }
  std::size_t next = 0;  // In rewrite_synced.
  for (PendingRewrite& pending : rewrites) {
    if (pending.rewrite.temp != nullptr) {
      if (const absl::Status& s = rewrite_synced[next++]; !s.ok()) {
        first_error.Update(s);
        continue;
      }
    }
    CollectionFile& file = files_[pending.collection];
    const bool existed = file.exists;
    if (absl::Status s = FinishRewrite(*settings_.fs, pending.rewrite, file);
        !s.ok()) {
      first_error.Update(s);
      continue;
    }
    if (pending.compaction) {
      compactions_.fetch_add(1, std::memory_order_relaxed);
    }
    if (file.exists || existed) installed->push_back(pending.collection);
    if (!file.exists) files_.erase(pending.collection);
  }
  if (files_.size() > kMaxIdleWriters) {
    for (const std::string& collection : appended) {
      if (auto f = files_.find(collection); f != files_.end()) {
        f->second.writer.reset();
      }
    }
  }
  return first_error;
}

absl::Status Janitor::PersistCollection(CollectionWork& work,
                                        CollectionFile& file,
                                        Written* written) {
  if (work.rewrite) {
    std::vector<format::RecordFields> fields;
    if (work.contents.has_value()) {
      fields.reserve(work.contents->size());
      for (const RecordRef& record : *work.contents) {
        fields.push_back(record->fields());
      }
    } else {
      // A new collection's first file: what the pass drained. The snapshot
      // keeps the Records, and so their values, alive.
      fields.reserve(work.changes->records.size());
      VisitPrefetching</*kForWrite=*/false>(
          work.changes->records, [&](const RecordRef& record) {
            if (!record->is_tombstone()) fields.push_back(record->fields());
          });
    }
    absl::StatusOr<Rewrite> started = StartRewrite(
        *settings_.fs, settings_.dir, work.collection, fields, file);
    work.contents.reset();  // Written: its Records may go.
    if (!started.ok()) return started.status();
    bytes_written_.fetch_add(started->size, std::memory_order_relaxed);
    written->rewrite =
        PendingRewrite{work.collection, *std::move(started), work.compaction};
    return absl::OkStatus();
  }

  if (work.changes == nullptr) return absl::OkStatus();
  RecordBatch& records = work.records;
  if (records.empty()) {  // Not yet encoded for a journal.
    VisitPrefetching</*kForWrite=*/false>(
        work.changes->records,
        [&](const RecordRef& record) { records.Add(record->fields()); });
  }
  absl::Status s = AppendToCollectionFile(
      *settings_.fs, CollectionPath(settings_.dir, work.collection), records,
      file);
  if (!s.ok()) return s;
  bytes_written_.fetch_add(records.bytes(), std::memory_order_relaxed);
  if (!work.journaled) records.Clear();
  written->appended = true;
  return absl::OkStatus();
}

bool Janitor::ShouldCompact(const std::string& collection,
                            std::uint64_t size_after_append) const {
  if (size_after_append < settings_.compaction_min_bytes) return false;
  const auto [members, bytes] = map_->CollectionSize(collection);
  const std::uint64_t live = format::HeaderSize(collection.size()) +
                             members * format::kRecordHeaderSize + bytes;
  if (size_after_append <= live) return false;
  return static_cast<double>(size_after_append - live) >
         settings_.compaction_dead_ratio * static_cast<double>(live);
}

}  // namespace dskv
