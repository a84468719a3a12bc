#include "dskv/store.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <mutex>

#include "base/hex_digest.h"
#include "dskv/checkpoint.h"
#include "dskv/counter.h"
#include "dskv/errors.h"
#include "dskv/janitor.h"
#include "dskv/key.h"
#include "dskv/loader.h"
#include "dskv/record.h"
#include "dskv/shard_map.h"
#include "dskv/store_internal.h"
#include "persist/file_system.h"

namespace dskv {
namespace {

absl::Status ValidateOptions(const Options& options) {
  if (options.flush_interval <= std::chrono::milliseconds{0}) {
    return absl::InvalidArgumentError(
        "Options::flush_interval must be positive");
  }
  if (!(options.compaction_dead_ratio > 0)) {
    return absl::InvalidArgumentError(
        "Options::compaction_dead_ratio must be positive");
  }
  if (options.eviction != Eviction::kNone && options.max_memory_bytes == 0) {
    return absl::InvalidArgumentError(
        "Options::eviction needs an Options::max_memory_bytes to evict at");
  }
  return absl::OkStatus();
}

absl::Status ValidateTtl(std::chrono::milliseconds ttl) {
  if (ttl.count() >= 0) return absl::OkStatus();
  return absl::InvalidArgumentError(fmt::format(
      "PutOptions::ttl is negative ({} ms); zero means none", ttl.count()));
}

}  // namespace

class Store::Impl {
 public:
  Impl(Options options, std::unique_ptr<DirectoryLock> lock, FileSystem* fs)
      : lock_(std::move(lock)),
        fs_(fs),
        options_(options),
        // Within a quarter of the limit the janitor holds writers to.
        map_(options.clock != nullptr ? *options.clock : Clock::Real(),
             ShardMap::MemoryLimit{
                 .max_bytes = options.max_memory_bytes,
                 .evict = options.eviction == Eviction::kSoonestDeadline},
             options.max_dirty_bytes == 0 ? std::uint64_t{4} << 20
                                          : options.max_dirty_bytes / 4) {}

  // Declared first so that it is released last, after the janitor stopped.
  // Null if read-only.
  std::unique_ptr<DirectoryLock> lock_;
  FileSystem* const fs_;  // The store's, for checkpoints too.
  const Options options_;
  ShardMap map_;
  LoadReport load_report_;            // Its files moved to the janitor.
  std::unique_ptr<Janitor> janitor_;  // Null if read-only.

  // Serializes Close; a second Close waits for the first to finish.
  std::mutex close_mu_;
  bool closed_ ABSL_GUARDED_BY(close_mu_) = false;
  // Read without close_mu_ by Flush and GetStats, which have no shard to ask.
  std::atomic<bool> closing_{false};

  // Fails a write to a read-only store.
  absl::Status BeforeWrite() const {
    return options_.read_only ? ReadOnlyError() : absl::OkStatus();
  }

  // Holds a write back while too many changes are unwritten
  // (Options::max_dirty_bytes).
  absl::Status Throttle() {
    return janitor_ != nullptr ? janitor_->ThrottleWriter() : absl::OkStatus();
  }

  absl::Status CheckValueSize(std::size_t size) const {
    return ValidateValueSize(size, options_.max_value_size);
  }

  // What a single-key write does before it changes anything: checks that
  // the store is writable, `key` and a value of `value_size` bytes, then
  // holds the writer back while too much is unwritten. Returns the key.
  absl::StatusOr<KeyRef> StartWrite(std::string_view key,
                                    std::size_t value_size) {
    if (absl::Status s = BeforeWrite(); !s.ok()) return s;
    absl::StatusOr<KeyRef> ref = ParseKey(key);
    if (!ref.ok()) return ref.status();
    if (absl::Status s = CheckValueSize(value_size); !s.ok()) return s;
    if (absl::Status s = Throttle(); !s.ok()) return s;
    return ref;
  }

  // The deadline `ttl` (positive) from now, by the store's clock.
  std::int64_t DeadlineAfter(std::chrono::milliseconds ttl) const {
    const std::int64_t now_ms = map_.NowMs();
    // Far beyond any clock: saturates rather than wraps.
    return ttl.count() > std::numeric_limits<std::int64_t>::max() - now_ms
               ? std::numeric_limits<std::int64_t>::max()
               : now_ms + ttl.count();
  }

  // In kSync mode, waits until the write that returned `status` is durable.
  absl::Status AfterWrite(absl::Status status) {
    if (!status.ok() || options_.durability == Durability::kAsync) {
      return status;
    }
    return janitor_->WaitDurable();
  }
};

SharedValue::SharedValue(const SharedValue& other) : record_(other.record_) {
  if (record_ != nullptr) record_->Ref();
}

SharedValue::SharedValue(SharedValue&& other) noexcept
    : record_(std::exchange(other.record_, nullptr)) {}

SharedValue& SharedValue::operator=(SharedValue other) noexcept {
  std::swap(record_, other.record_);
  return *this;
}

SharedValue::~SharedValue() {
  if (record_ != nullptr) record_->Unref();
}

std::string_view SharedValue::value() const {
  return record_ != nullptr ? record_->value() : std::string_view();
}

std::string_view SharedValue::member() const {
  return record_ != nullptr ? record_->member() : std::string_view();
}

absl::StatusOr<std::unique_ptr<Store>> Store::Open(const std::string& path,
                                                   Options options) {
  return StoreOpener::Open(path, options, PosixFileSystem());
}

absl::StatusOr<std::unique_ptr<Store>> StoreOpener::Open(
    const std::string& path, Options options, FileSystem* fs) {
  if (absl::Status s = ValidateOptions(options); !s.ok()) return s;
  // A read-only store must not create its directory.
  if (absl::Status s = PrepareStoreDirectory(path, !options.read_only);
      !s.ok()) {
    return s;
  }
  std::unique_ptr<DirectoryLock> lock;
  if (!options.read_only) {
    absl::StatusOr<std::unique_ptr<DirectoryLock>> locked =
        fs->LockDirectory(path);
    if (!locked.ok()) return locked.status();
    lock = *std::move(locked);
  }

  auto impl = std::make_unique<Store::Impl>(options, std::move(lock), fs);
  LoadOptions load;
  load.salvage = options.salvage;
  load.read_only = options.read_only;
  absl::StatusOr<LoadReport> loaded =
      LoadCollections(*fs, path, load, impl->map_);
  if (!loaded.ok()) return loaded.status();
  impl->load_report_ = *std::move(loaded);
  if (options.read_only) {
    return std::unique_ptr<Store>(new Store(std::move(impl)));
  }

  Janitor::Settings settings;
  settings.dir = path;
  settings.fs = fs;
  settings.flush_interval = options.flush_interval;
  settings.compaction_min_bytes = options.compaction_min_bytes;
  settings.compaction_dead_ratio = options.compaction_dead_ratio;
  settings.max_unwritten_bytes = options.max_dirty_bytes;
  settings.journal_exists = impl->load_report_.journal_applied;
  impl->janitor_ = std::make_unique<Janitor>(
      &impl->map_, std::move(settings), std::move(impl->load_report_.files));
  return std::unique_ptr<Store>(new Store(std::move(impl)));
}

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Store::~Store() { Close().IgnoreError(); }

absl::StatusOr<std::string> Store::Get(std::string_view key) const {
  absl::StatusOr<KeyRef> ref = ParseKey(key);
  if (!ref.ok()) return ref.status();
  return impl_->map_.Get(*ref);
}

absl::Status Store::Get(std::string_view key, std::string* value) const {
  absl::StatusOr<KeyRef> ref = ParseKey(key);
  if (!ref.ok()) return ref.status();
  return impl_->map_.GetInto(*ref, value);
}

absl::StatusOr<SharedValue> Store::GetShared(std::string_view key) const {
  absl::StatusOr<KeyRef> ref = ParseKey(key);
  if (!ref.ok()) return ref.status();
  absl::StatusOr<RecordRef> record = impl_->map_.Share(*ref);
  if (!record.ok()) return record.status();
  return SharedValue(record->release());
}

std::vector<absl::StatusOr<SharedValue>> Store::MultiGetShared(
    absl::Span<const std::string_view> keys) const {
  std::vector<absl::StatusOr<SharedValue>> values(keys.size());
  // The well-formed keys are looked up together; where each came from.
  std::vector<KeyRef> refs;
  std::vector<std::size_t> positions;
  refs.reserve(keys.size());
  positions.reserve(keys.size());
  for (std::size_t i = 0; i < keys.size(); ++i) {
    absl::StatusOr<KeyRef> ref = ParseKey(keys[i]);
    if (ref.ok()) {
      refs.push_back(*ref);
      positions.push_back(i);
    } else {
      values[i] = ref.status();
    }
  }
  std::vector<absl::StatusOr<RecordRef>> records(refs.size());
  impl_->map_.ShareMany(refs, absl::MakeSpan(records));
  for (std::size_t j = 0; j < records.size(); ++j) {
    if (records[j].ok()) {
      values[positions[j]] = SharedValue(records[j]->release());
    } else {
      values[positions[j]] = records[j].status();
    }
  }
  return values;
}

absl::StatusOr<ScanPage> Store::Scan(std::string_view collection,
                                     const ScanOptions& options) const {
  absl::StatusOr<SharedScanPage> shared = ScanShared(collection, options);
  if (!shared.ok()) return shared.status();
  // Copied outside the shards' locks.
  ScanPage page;
  page.items.reserve(shared->items.size());
  for (const SharedValue& item : shared->items) {
    page.items.emplace_back(item.member(), options.members_only
                                               ? std::string_view()
                                               : item.value());
  }
  page.next = std::move(shared->next);
  return page;
}

absl::StatusOr<SharedScanPage> Store::ScanShared(
    std::string_view collection, const ScanOptions& options) const {
  if (absl::Status s = ValidateCollection(collection); !s.ok()) return s;
  absl::StatusOr<ShardMap::ScanResult> result =
      impl_->map_.Scan(collection, options);
  if (!result.ok()) return result.status();
  SharedScanPage page;
  page.items.reserve(result->records.size());
  for (RecordRef& record : result->records) {
    page.items.push_back(SharedValue(record.release()));
  }
  page.next = std::move(result->next);
  return page;
}

absl::StatusOr<std::vector<std::pair<std::string, std::string>>> Store::GetAll(
    std::string_view collection) const {
  absl::StatusOr<ScanPage> page = Scan(collection);
  if (!page.ok()) return page.status();
  return std::move(page->items);
}

absl::StatusOr<std::vector<SharedValue>> Store::GetAllShared(
    std::string_view collection) const {
  absl::StatusOr<SharedScanPage> page = ScanShared(collection);
  if (!page.ok()) return page.status();
  return std::move(page->items);
}

absl::StatusOr<std::vector<CollectionInfo>> Store::ListCollections() const {
  if (impl_->closing_.load(std::memory_order_acquire)) return ClosedError();
  // Expired keys still count until removed.
  impl_->map_.RemoveExpired();
  return impl_->map_.ListCollections();
}

absl::Status Store::Put(std::string_view key, std::string_view value) {
  absl::StatusOr<KeyRef> ref = impl_->StartWrite(key, value.size());
  if (!ref.ok()) return ref.status();
  return impl_->AfterWrite(impl_->map_.Put(*ref, value));
}

absl::Status Store::Put(std::string_view key, std::string_view value,
                        const PutOptions& options) {
  if (absl::Status s = ValidateTtl(options.ttl); !s.ok()) return s;
  if (options.ttl.count() == 0) return Put(key, value);
  absl::StatusOr<KeyRef> ref = impl_->StartWrite(key, value.size());
  if (!ref.ok()) return ref.status();
  return impl_->AfterWrite(
      impl_->map_.PutExpiring(*ref, value, impl_->DeadlineAfter(options.ttl)));
}

absl::Status Store::Expire(std::string_view key,
                           std::chrono::milliseconds ttl) {
  absl::StatusOr<KeyRef> ref = impl_->StartWrite(key, 0);
  if (!ref.ok()) return ref.status();
  absl::Status status;
  if (ttl.count() <= 0) {
    absl::StatusOr<bool> removed = impl_->map_.Delete(*ref);
    status = removed.ok() && !*removed ? NotFoundError(*ref) : removed.status();
  } else {
    absl::StatusOr<std::optional<std::int64_t>> had =
        impl_->map_.SetDeadline(*ref, impl_->DeadlineAfter(ttl));
    status = had.ok() && !had->has_value() ? NotFoundError(*ref) : had.status();
  }
  return impl_->AfterWrite(status);
}

absl::StatusOr<bool> Store::Persist(std::string_view key) {
  absl::StatusOr<KeyRef> ref = impl_->StartWrite(key, 0);
  if (!ref.ok()) return ref.status();
  absl::StatusOr<std::optional<std::int64_t>> had =
      impl_->map_.SetDeadline(*ref, Record::kNoDeadline);
  if (!had.ok()) return had.status();
  if (!had->has_value()) return NotFoundError(*ref);
  if (**had == Record::kNoDeadline) return false;
  if (absl::Status s = impl_->AfterWrite(absl::OkStatus()); !s.ok()) return s;
  return true;
}

absl::StatusOr<std::optional<std::chrono::milliseconds>> Store::Ttl(
    std::string_view key) const {
  absl::StatusOr<KeyRef> ref = ParseKey(key);
  if (!ref.ok()) return ref.status();
  absl::StatusOr<std::int64_t> deadline_ms = impl_->map_.Deadline(*ref);
  if (!deadline_ms.ok()) return deadline_ms.status();
  if (*deadline_ms == Record::kNoDeadline) return std::nullopt;
  // An expired key reads as missing: what is left is at least 1 ms.
  return std::chrono::milliseconds(
      std::max<std::int64_t>(1, *deadline_ms - impl_->map_.NowMs()));
}

absl::StatusOr<bool> Store::PutFrom(
    std::string_view key, std::size_t size,
    absl::FunctionRef<absl::Status(absl::Span<char>)> fill) {
  return PutFrom(key, size, fill, PutOptions());
}

absl::StatusOr<bool> Store::PutFrom(
    std::string_view key, std::size_t size,
    absl::FunctionRef<absl::Status(absl::Span<char>)> fill,
    const PutOptions& options) {
  if (absl::Status s = ValidateTtl(options.ttl); !s.ok()) return s;
  absl::StatusOr<KeyRef> ref = impl_->StartWrite(key, size);
  if (!ref.ok()) return ref.status();
  absl::StatusOr<bool> created =
      options.ttl.count() == 0
          ? impl_->map_.PutFrom(*ref, size, fill)
          : impl_->map_.PutFrom(*ref, size, fill,
                                impl_->DeadlineAfter(options.ttl));
  if (!created.ok()) return created.status();
  if (absl::Status s = impl_->AfterWrite(absl::OkStatus()); !s.ok()) return s;
  return created;
}

absl::StatusOr<std::string> Store::PutContent(std::string_view collection,
                                              std::string_view value) {
  if (absl::Status s = impl_->BeforeWrite(); !s.ok()) return s;
  if (absl::Status s = ValidateCollection(collection); !s.ok()) return s;
  if (absl::Status s = impl_->CheckValueSize(value.size()); !s.ok()) return s;
  std::string member = Xxh3Hex128(value);
  if (absl::Status s = impl_->Throttle(); !s.ok()) return s;
  absl::StatusOr<bool> stored =
      impl_->map_.PutIfChanged(KeyRef{collection, member}, value);
  // In kSync mode the bytes found there may still be on their way to disk
  // (another thread's Put): wait for them too.
  if (absl::Status s = impl_->AfterWrite(stored.status()); !s.ok()) return s;
  return member;
}

absl::StatusOr<bool> Store::CompareAndSwap(
    std::string_view key, std::optional<std::string_view> expected,
    std::string_view desired) {
  absl::StatusOr<KeyRef> ref = impl_->StartWrite(key, desired.size());
  if (!ref.ok()) return ref.status();
  absl::StatusOr<bool> swapped = impl_->map_.ReadModifyWrite(
      *ref,
      [&](std::optional<std::string_view> current)
          -> absl::StatusOr<std::optional<std::string_view>> {
        if (current != expected) return std::nullopt;
        return desired;
      });
  if (!swapped.ok() || !*swapped) return swapped;
  if (absl::Status s = impl_->AfterWrite(absl::OkStatus()); !s.ok()) return s;
  return true;
}

absl::StatusOr<std::int64_t> Store::Increment(std::string_view key,
                                              std::int64_t delta) {
  // A counter's text (at most 20 bytes) is not held to max_value_size.
  absl::StatusOr<KeyRef> ref = impl_->StartWrite(key, 0);
  if (!ref.ok()) return ref.status();
  std::int64_t sum = 0;
  std::string text;  // The sum, as stored.
  absl::StatusOr<bool> stored = impl_->map_.ReadModifyWrite(
      *ref,
      [&](std::optional<std::string_view> current)
          -> absl::StatusOr<std::optional<std::string_view>> {
        std::int64_t value = 0;
        if (current.has_value()) {
          absl::StatusOr<std::int64_t> parsed = ParseCounter(*current);
          if (!parsed.ok()) {
            return absl::InvalidArgumentError(
                fmt::format("Increment of {}: {}", QuoteForError(key),
                            std::string(parsed.status().message())));
          }
          value = *parsed;
        }
        if (__builtin_add_overflow(value, delta, &sum)) {
          return absl::OutOfRangeError(
              fmt::format("Increment of {}: {} + {} is outside the int64 range",
                          QuoteForError(key), value, delta));
        }
        text = FormatCounter(sum);
        return text;
      });
  if (!stored.ok()) return stored.status();
  if (absl::Status s = impl_->AfterWrite(absl::OkStatus()); !s.ok()) return s;
  return sum;
}

absl::Status Store::Write(const WriteBatch& batch) {
  if (absl::Status s = impl_->BeforeWrite(); !s.ok()) return s;
  const auto invalid = InvalidBatchEntryError;
  std::vector<ShardMap::BatchOp> ops;
  ops.reserve(batch.ops_.size());
  for (std::size_t i = 0; i < batch.ops_.size(); ++i) {
    const WriteBatch::Op& op = batch.ops_[i];
    const std::string_view key = batch.View(op.key);
    if (op.kind == WriteBatch::Kind::kDeleteAll) {
      if (absl::Status s = ValidateCollection(key); !s.ok()) {
        return invalid("operation", i, s);
      }
      ops.push_back({ShardMap::BatchOp::Kind::kDeleteAll, KeyRef{key, {}}, {}});
      continue;
    }
    absl::StatusOr<KeyRef> ref = ParseKey(key);
    if (!ref.ok()) return invalid("operation", i, ref.status());
    const std::string_view value = batch.View(op.value);
    if (absl::Status s = impl_->CheckValueSize(value.size()); !s.ok()) {
      return invalid("operation", i, s);
    }
    if (absl::Status s = ValidateTtl(op.ttl); !s.ok()) {
      return invalid("operation", i, s);
    }
    ops.push_back({op.kind == WriteBatch::Kind::kPut
                       ? ShardMap::BatchOp::Kind::kPut
                       : ShardMap::BatchOp::Kind::kDelete,
                   *ref, value,
                   op.ttl.count() == 0 ? Record::kNoDeadline
                                       : impl_->DeadlineAfter(op.ttl)});
  }
  std::vector<ShardMap::BatchCondition> conditions;
  conditions.reserve(batch.conditions_.size());
  for (std::size_t i = 0; i < batch.conditions_.size(); ++i) {
    const WriteBatch::Condition& condition = batch.conditions_[i];
    absl::StatusOr<KeyRef> ref = ParseKey(batch.View(condition.key));
    if (!ref.ok()) return invalid("condition", i, ref.status());
    conditions.push_back({*ref, condition.value.has_value()
                                    ? std::optional<std::string_view>(
                                          batch.View(*condition.value))
                                    : std::nullopt});
  }
  if (ops.empty() && conditions.empty()) return absl::OkStatus();
  if (absl::Status s = impl_->Throttle(); !s.ok()) return s;
  absl::Status status = impl_->map_.Apply(ops, conditions);
  if (!status.ok() || ops.empty()) return status;
  return impl_->AfterWrite(status);
}

absl::Status Store::Delete(std::string_view key) {
  return Remove(key).status();
}

absl::StatusOr<bool> Store::Remove(std::string_view key) {
  absl::StatusOr<KeyRef> ref = impl_->StartWrite(key, 0);
  if (!ref.ok()) return ref.status();
  absl::StatusOr<bool> removed = impl_->map_.Delete(*ref);
  if (!removed.ok()) return removed.status();
  if (absl::Status s = impl_->AfterWrite(absl::OkStatus()); !s.ok()) return s;
  return removed;
}

absl::Status Store::DeleteAll(std::string_view collection) {
  if (absl::Status s = impl_->BeforeWrite(); !s.ok()) return s;
  if (absl::Status s = ValidateCollection(collection); !s.ok()) return s;
  return impl_->AfterWrite(impl_->map_.DeleteAll(collection));
}

absl::Status Store::Flush() {
  if (impl_->closing_.load(std::memory_order_acquire)) return ClosedError();
  if (impl_->janitor_ == nullptr) return absl::OkStatus();  // Read-only.
  return impl_->janitor_->WaitDurable();
}

absl::Status Store::Checkpoint(const std::string& dir) {
  if (impl_->closing_.load(std::memory_order_acquire)) return ClosedError();
  absl::StatusOr<ShardMap::Snapshot> snapshot = impl_->map_.TakeSnapshot();
  if (!snapshot.ok()) return snapshot.status();
  return WriteCheckpoint(*impl_->fs_, *std::move(snapshot), dir).status();
}

absl::Status Store::Compact() {
  if (impl_->closing_.load(std::memory_order_acquire)) return ClosedError();
  if (absl::Status s = impl_->BeforeWrite(); !s.ok()) return s;
  return impl_->janitor_->CompactAll();
}

absl::Status Store::Close() {
  std::lock_guard lock(impl_->close_mu_);
  if (impl_->closed_) return absl::OkStatus();
  impl_->closed_ = true;
  impl_->closing_.store(true, std::memory_order_release);
  // No change can be made after this, so the janitor's last pass gets all.
  impl_->map_.Close();
  absl::Status status;
  if (impl_->janitor_ != nullptr) status = impl_->janitor_->Stop();
  impl_->lock_.reset();
  return status;
}

absl::StatusOr<Stats> Store::GetStats() const {
  if (impl_->closing_.load(std::memory_order_acquire)) return ClosedError();
  impl_->map_.RemoveExpired();  // Expired keys still count until removed.
  const ShardMap::Totals totals = impl_->map_.GetTotals();
  const Janitor::Counters counters = impl_->janitor_ != nullptr
                                         ? impl_->janitor_->GetCounters()
                                         : Janitor::Counters();
  const LoadReport& loaded = impl_->load_report_;
  Stats stats;
  stats.keys = totals.keys;
  stats.collections = totals.collections;
  stats.bytes = totals.bytes;
  stats.dirty_keys = totals.dirty_keys;
  stats.dirty_bytes = static_cast<std::uint64_t>(
      std::max<std::int64_t>(0, totals.unwritten_bytes));
  stats.oldest_dirty_age = counters.unwritten_age;
  stats.write_stalls = counters.write_stalls;
  stats.write_stall_time = counters.write_stall_time;
  stats.bytes_written = counters.bytes_written;
  stats.syncs = counters.syncs;
  stats.compactions = counters.compactions;
  stats.expired_keys = totals.expired_keys;
  stats.expiring_keys = totals.expiring_keys;
  stats.memory_bytes = totals.memory_bytes;
  stats.max_memory_bytes = impl_->options_.max_memory_bytes;
  stats.evicted_keys = totals.evicted_keys;
  stats.memory_refusals = totals.memory_refusals;
  stats.janitor_passes = counters.passes;
  stats.failed_janitor_passes = counters.failed_passes;
  stats.last_io_error = counters.last_error;
  stats.torn_tails_truncated = loaded.torn_tails;
  stats.torn_bytes_truncated = loaded.torn_bytes;
  stats.corrupt_regions_skipped = loaded.corrupt_regions;
  stats.corrupt_bytes_skipped = loaded.corrupt_bytes;
  stats.corrupt_files_set_aside = loaded.corrupt_files;
  return stats;
}

}  // namespace dskv
