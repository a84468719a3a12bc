#include "dskv/shard_map.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <limits>

#include "dskv/errors.h"
#include "dskv/scan_bounds.h"

namespace dskv {

ShardMap::Collection::~Collection() {
  for (const Record* record : members) record->Unref();
}

ShardMap::ShardMap(const Clock& clock, MemoryLimit memory_limit,
                   std::uint64_t unwritten_tolerance, int shard_bits)
    : clock_(clock),
      max_memory_(static_cast<std::int64_t>(std::min<std::uint64_t>(
          memory_limit.max_bytes, std::numeric_limits<std::int64_t>::max()))),
      evict_(memory_limit.evict && memory_limit.max_bytes != 0),
      shard_bits_(shard_bits),
      max_unpublished_bytes_(
          static_cast<std::int64_t>(std::clamp<std::uint64_t>(
              unwritten_tolerance >> shard_bits, 1, std::uint64_t{1} << 20))),
      shards_(std::make_unique<Shard[]>(std::size_t{1} << shard_bits)) {}

ShardMap::~ShardMap() = default;

ShardMap::KeyHashes ShardMap::Hash(KeyRef key) {
  return {StringHash()(key.collection), StringHash()(key.member)};
}

ShardMap::Shard& ShardMap::ShardFor(const KeyHashes& hashes) const {
  // Mix in the collection so that equal member names in different
  // collections land on different shards.
  const std::uint64_t mixed =
      hashes.member ^ (hashes.collection * 0x9E3779B97F4A7C15u);
  return shards_[shard_bits_ == 0 ? 0 : mixed >> (64 - shard_bits_)];
}

ShardMap::Collection& ShardMap::FindOrAddCollection(Shard& shard,
                                                    std::string_view name,
                                                    std::size_t hash) {
  auto c = shard.collections.find(name, hash);
  if (c == shard.collections.end()) {
    auto added = std::make_unique<Collection>(name, FindOrAddOrder(name));
    const std::string_view key = added->name;  // Lives as long as the entry.
    c = shard.collections.emplace(key, std::move(added)).first;
  }
  return *c->second;
}

void ShardMap::Count(Shard& shard, Collection& collection, const Record* record,
                     int sign) {
  if (record->is_tombstone()) return;
  const std::uint64_t bytes = record->member().size() + record->value().size();
  if (sign > 0) {
    ++collection.live;
    collection.bytes += bytes;
    ++shard.keys;
    shard.bytes += bytes;
  } else {
    --collection.live;
    collection.bytes -= bytes;
    --shard.keys;
    shard.bytes -= bytes;
  }
  // A deadline's memory is counted with its ExpiryIndex entry.
  if (max_memory_ != 0) {
    memory_.fetch_add(sign * static_cast<std::int64_t>(bytes + kKeyMemory),
                      std::memory_order_relaxed);
  }
}

std::uint64_t ShardMap::DeadlineMemory(std::string_view collection,
                                       std::string_view member) {
  // The deadline and the long header it takes in the Record.
  constexpr std::uint64_t kInRecord = 16;
  return kInRecord + ExpiryIndex::EntryMemory(collection, member);
}

std::uint64_t ShardMap::MemoryOf(std::string_view collection,
                                 std::string_view member,
                                 std::size_t value_size,
                                 std::int64_t deadline_ms) {
  return member.size() + value_size + kKeyMemory +
         (deadline_ms == Record::kNoDeadline
              ? 0
              : DeadlineMemory(collection, member));
}

std::uint64_t ShardMap::MemoryOf(std::string_view collection,
                                 const Record* record) {
  return MemoryOf(collection, record->member(), record->value().size(),
                  record->deadline_ms());
}

std::uint64_t ShardMap::MemoryAt(const Slot& slot) {
  if (slot.at == MemberTable::kMissing) return 0;
  const Record* record = slot.collection->members.Get(slot.at);
  return record->is_tombstone() ? 0 : MemoryOf(slot.collection->name, record);
}

absl::Status ShardMap::AdmitGrowth(Shard& shard, std::int64_t growth) {
  if (max_memory_ == 0 || growth <= 0) return absl::OkStatus();
  const auto fits = [&] {
    return memory_.load(std::memory_order_relaxed) + growth <= max_memory_;
  };
  if (fits()) return absl::OkStatus();
  if (evict_) {
    // MakeRoom ran before the lock; what writers took since comes from
    // this shard, the only one this thread may lock now.
    const std::int64_t now_ms = NowMs();
    while (!fits() && !shard.expiry.empty()) {
      shard.expiry.TakeUntil(
          std::numeric_limits<std::int64_t>::max(),
          [&](std::string_view collection, std::string_view member) {
            RemoveForDeadline(shard, collection, member, now_ms,
                              /*evict=*/true);
            return false;  // One at a time.
          });
    }
    if (fits()) return absl::OkStatus();
  }
  memory_refusals_.fetch_add(1, std::memory_order_relaxed);
  const std::int64_t usage = memory_.load(std::memory_order_relaxed);
  return MemoryLimitError(
      static_cast<std::uint64_t>(std::max<std::int64_t>(usage, 0)),
      static_cast<std::uint64_t>(max_memory_),
      static_cast<std::uint64_t>(growth));
}

std::uint64_t ShardMap::GrowthOf(KeyRef key, std::size_t value_size,
                                 std::int64_t deadline_ms) const {
  const KeyHashes hashes = Hash(key);
  Shard& shard = ShardFor(hashes);
  std::uint64_t now = 0;
  {
    std::shared_lock lock(shard.mu);
    now = MemoryAt(Locate(shard, key, hashes));
  }
  const std::uint64_t after =
      MemoryOf(key.collection, key.member, value_size, deadline_ms);
  return after > now ? after - now : 0;
}

void ShardMap::MakeRoomFor(KeyRef key, std::size_t value_size,
                           std::int64_t deadline_ms) {
  const std::uint64_t growth = GrowthOf(key, value_size, deadline_ms);
  if (growth > 0) MakeRoom(growth);
}

void ShardMap::MakeRoom(std::uint64_t bound) {
  std::int64_t needed = memory_.load(std::memory_order_relaxed) +
                        static_cast<std::int64_t>(bound) - max_memory_;
  const std::int64_t now_ms = NowMs();
  while (needed > 0 && indexed_deadlines_.load(std::memory_order_relaxed) > 0) {
    // The shard whose earliest deadline comes soonest, and the next
    // shard's earliest: that shard's entries up to it are the map's
    // soonest.
    std::size_t soonest = shard_count();
    std::int64_t first = std::numeric_limits<std::int64_t>::max();
    std::int64_t second = first;
    for (std::size_t i = 0; i < shard_count(); ++i) {
      std::shared_lock lock(shards_[i].mu);
      const std::optional<std::int64_t> next = shards_[i].expiry.Next();
      if (!next.has_value()) continue;
      if (*next < first) {
        second = first;
        first = *next;
        soonest = i;
      } else if (*next < second) {
        second = *next;
      }
    }
    if (soonest == shard_count()) return;
    Shard& shard = shards_[soonest];
    std::unique_lock lock(shard.mu);
    if (!EnterShard(shard, lock).ok()) return;  // Closed.
    shard.expiry.TakeUntil(
        second, [&](std::string_view collection, std::string_view member) {
          RecordRef removed = RemoveForDeadline(shard, collection, member,
                                                now_ms, /*evict=*/true);
          if (removed.get() != nullptr) {
            needed -=
                static_cast<std::int64_t>(MemoryOf(collection, removed.get()));
          }
          return needed > 0;
        });
  }
}

RecordRef ShardMap::RemoveForDeadline(Shard& shard, std::string_view collection,
                                      std::string_view member,
                                      std::int64_t now_ms, bool evict) {
  CountDeadline(shard, collection, member, -1);
  const KeyRef key{collection, member};
  const KeyHashes hashes = Hash(key);
  const Slot slot = Locate(shard, key, hashes);
  // The entry is the current Record's (the index follows every
  // replacement), so it expired by `now_ms` if it says so: judged by the
  // same instant as the entry, whatever the clock says by now.
  if (slot.at == MemberTable::kMissing) return RecordRef();
  const Record* record = slot.collection->members.Get(slot.at);
  if (record->is_tombstone()) return RecordRef();
  const bool expired = record->ExpiredAt(now_ms);
  if (!expired && !evict) return RecordRef();
  (expired ? expired_keys_ : evicted_keys_)
      .fetch_add(1, std::memory_order_relaxed);
  // Its entry is already taken: the tombstone's Replace finds none.
  RecordRef removed = Replace(shard, *slot.collection, slot.at, hashes.member,
                              slab_.NewTombstone(member));
  NoteChange();
  return removed;
}

void ShardMap::IndexDeadline(Shard& shard, const Collection& collection,
                             const Record* record, int sign) {
  const bool changed =
      sign > 0 ? shard.expiry.Add(record->deadline_ms(), collection.name,
                                  record->member())
               : shard.expiry.Remove(record->deadline_ms(), collection.name,
                                     record->member());
  if (changed) CountDeadline(shard, collection.name, record->member(), sign);
}

void ShardMap::CountDeadline(Shard& shard, std::string_view collection,
                             std::string_view member, int sign) {
  indexed_deadlines_.fetch_add(sign, std::memory_order_relaxed);
  const std::uint64_t memory = DeadlineMemory(collection, member);
  if (sign > 0) {
    shard.deadline_memory += memory;
  } else {
    shard.deadline_memory -= memory;
  }
  if (max_memory_ != 0) {
    memory_.fetch_add(sign * static_cast<std::int64_t>(memory),
                      std::memory_order_relaxed);
  }
}

void ShardMap::AddUnwritten(Shard& shard, std::int64_t bytes) {
  shard.unpublished_bytes += bytes;
  if (shard.unpublished_bytes >= max_unpublished_bytes_ ||
      shard.unpublished_bytes <= -max_unpublished_bytes_) {
    PublishUnwritten(shard);
  }
}

void ShardMap::PublishUnwritten(Shard& shard) {
  if (shard.unpublished_bytes == 0) return;
  unwritten_bytes_.fetch_add(shard.unpublished_bytes,
                             std::memory_order_relaxed);
  shard.unpublished_bytes = 0;
}

void ShardMap::NoteChange() {
  // Read first: once set, the line is only read until the next Drain.
  if (first_change_ns_.load(std::memory_order_relaxed) != 0) return;
  std::int64_t none = 0;
  const std::int64_t now =
      std::chrono::steady_clock::now().time_since_epoch().count();
  first_change_ns_.compare_exchange_strong(none, std::max<std::int64_t>(now, 1),
                                           std::memory_order_relaxed);
}

std::shared_ptr<ShardMap::CollectionOrder> ShardMap::FindOrAddOrder(
    std::string_view name) {
  std::lock_guard lock(orders_mu_);
  std::shared_ptr<CollectionOrder>& order = orders_[name];
  if (order == nullptr) order = std::make_shared<CollectionOrder>();
  return order;
}

std::shared_ptr<ShardMap::CollectionOrder> ShardMap::FindOrder(
    std::string_view name) const {
  std::lock_guard lock(orders_mu_);
  auto it = orders_.find(name);
  return it == orders_.end() ? nullptr : it->second;
}

void ShardMap::ForgetOrderIfUnused(std::string_view name) const {
  std::shared_ptr<CollectionOrder> forgotten;  // Freed after the lock.
  std::lock_guard lock(orders_mu_);
  auto it = orders_.find(name);
  // Only the map holds it: no shard has the collection, no Scan reads it.
  if (it != orders_.end() && it->second.use_count() == 1) {
    forgotten = std::move(it->second);
    orders_.erase(it);
  }
}

RecordRef ShardMap::NoteForOrder(Collection& collection, const Record* record,
                                 RecordRef replaced) {
  CollectionOrder& order = *collection.order;
  if (!order.built.load(std::memory_order_relaxed)) return replaced;
  bool noted = false;
  // A Record that replaces a tombstone is new to an index that has taken
  // the delete.
  if ((replaced.get() == nullptr || replaced->is_tombstone()) &&
      !record->is_tombstone()) {
    record->set_indexed(true);
    collection.unordered.push_back(record);
    noted = true;
  } else if (replaced->indexed()) {
    // The index points at it: it must live until the index is told.
    replaced->set_indexed(false);
    collection.retired.push_back(std::move(replaced));
    noted = true;
  }
  if (noted && !order.stale.load(std::memory_order_relaxed)) {
    order.stale.store(true, std::memory_order_relaxed);
  }
  return replaced;
}

void ShardMap::ListDirty(Shard& shard, Collection& collection,
                         const Record* record) {
  record->MarkPendingAndListed();
  if (collection.dirty.empty()) shard.dirty.push_back(&collection);
  collection.dirty.emplace_back(record);
  ++shard.dirty_keys;
}

RecordRef ShardMap::Replace(Shard& shard, Collection& collection,
                            MemberTable::Position at, std::size_t member_hash,
                            const Record* record) {
  Count(shard, collection, record, +1);
  NoteDeadline(shard, collection, record, +1);
  std::int64_t unwritten = static_cast<std::int64_t>(record->file_size());
  if (at == MemberTable::kMissing) {
    collection.members.Insert(record, member_hash);
    ListDirty(shard, collection, record);
    AddUnwritten(shard, unwritten);
    return NoteForOrder(collection, record, RecordRef());
  }
  RecordRef replaced(collection.members.Get(at));  // The map's reference.
  Count(shard, collection, replaced.get(), -1);
  NoteDeadline(shard, collection, replaced.get(), -1);
  collection.members.Set(at, record);
  // A pending Record is already listed, under a Record that names the same
  // member: Drain finds whatever the map holds then. It will never be
  // written, so it leaves the unwritten bytes.
  if (replaced->pending()) {
    // Only a member's current Record is pending: Drain relies on it.
    replaced->set_pending(false);
    record->set_pending(true);
    unwritten -= static_cast<std::int64_t>(replaced->file_size());
  } else {
    ListDirty(shard, collection, record);
  }
  AddUnwritten(shard, unwritten);
  return NoteForOrder(collection, record, std::move(replaced));
}

template <typename Visit>
absl::Status ShardMap::VisitMembers(KeyRef key, const KeyHashes& hashes,
                                    Visit visit) const {
  const Shard& shard = ShardFor(hashes);
  std::shared_lock lock(shard.mu);
  if (absl::Status s = EnterShard(shard, lock); !s.ok()) return s;
  if (auto c = shard.collections.find(key.collection, hashes.collection);
      c != shard.collections.end()) {
    visit(c->second->members);
  }
  return absl::OkStatus();
}

template <typename Read>
absl::Status ShardMap::ReadRecord(KeyRef key, const KeyHashes& hashes,
                                  Read read) const {
  bool found = false;
  absl::Status status =
      VisitMembers(key, hashes, [&](const MemberTable& members) {
        const MemberTable::Position at =
            members.Find(key.member, hashes.member);
        if (at != MemberTable::kMissing && Visible(members.Get(at))) {
          read(members.Get(at));
          found = true;
        }
      });
  if (!status.ok()) return status;
  return found ? absl::OkStatus() : NotFoundError(key);
}

template <typename Read>
absl::Status ShardMap::ReadRecord(KeyRef key, Read read) const {
  return ReadRecord(key, Hash(key), read);
}

absl::StatusOr<std::string> ShardMap::Get(KeyRef key) const {
  std::string value;
  absl::Status status =
      ReadRecord(key, [&](const Record* record) { value = record->value(); });
  if (!status.ok()) return status;
  return value;
}

absl::Status ShardMap::GetInto(KeyRef key, std::string* value) const {
  return ReadRecord(key,
                    [&](const Record* record) { *value = record->value(); });
}

absl::StatusOr<RecordRef> ShardMap::Share(KeyRef key) const {
  RecordRef shared;
  absl::Status status = ReadRecord(
      key, [&](const Record* record) { shared = RecordRef::Share(record); });
  if (!status.ok()) return status;
  return shared;
}

void ShardMap::ShareMany(absl::Span<const KeyRef> keys,
                         absl::Span<absl::StatusOr<RecordRef>> records) const {
  // Enough keys for their misses to overlap; few enough that what the first
  // pass asks for is still cached in the last.
  constexpr std::size_t kGroup = 16;
  std::array<KeyHashes, kGroup> hashes;
  for (std::size_t first = 0; first < keys.size(); first += kGroup) {
    const absl::Span<const KeyRef> group = keys.subspan(first, kGroup);
    for (std::size_t i = 0; i < group.size(); ++i) {
      hashes[i] = Hash(group[i]);
    }
    // The first two passes only ask for memory, so their errors (a closed
    // map) are left to the last. A lone key has no misses to overlap.
    if (group.size() > 1) {
      for (std::size_t i = 0; i < group.size(); ++i) {
        VisitMembers(group[i], hashes[i], [&](const MemberTable& members) {
          members.Prefetch(hashes[i].member);
        }).IgnoreError();
      }
      for (std::size_t i = 0; i < group.size(); ++i) {
        VisitMembers(group[i], hashes[i], [&](const MemberTable& members) {
          members.PrefetchCandidates(hashes[i].member);
        }).IgnoreError();
      }
    }
    for (std::size_t i = 0; i < group.size(); ++i) {
      RecordRef shared;
      absl::Status status = ReadRecord(
          group[i], hashes[i],
          [&](const Record* record) { shared = RecordRef::Share(record); });
      if (status.ok()) {
        records[first + i] = std::move(shared);
      } else {
        records[first + i] = std::move(status);
      }
    }
  }
}

bool ShardMap::OverwriteInPlace(Shard& shard, Collection& collection,
                                MemberTable::Position at,
                                std::string_view value) {
  const Record* record = collection.members.Get(at);
  // No other reference (but the dirty list's, which only names the member)
  // means no reader, janitor pass or SharedValue has it.
  // A Record with a deadline is replaced: the new value has none.
  if (record->is_tombstone() || record->expiring() ||
      record->value().size() != value.size() || !record->HasNoOtherRef()) {
    return false;
  }
  record->OverwriteValue(value);
  if (!record->pending()) {
    ListDirty(shard, collection, record);
    AddUnwritten(shard, static_cast<std::int64_t>(record->file_size()));
  }
  return true;
}

absl::Status ShardMap::Put(KeyRef key, std::string_view value) {
  return Write(key, value, /*unless_equal=*/false).status();
}

absl::Status ShardMap::PutExpiring(KeyRef key, std::string_view value,
                                   std::int64_t deadline_ms) {
  if (evict_) MakeRoomFor(key, value.size(), deadline_ms);
  return PlaceRecord(key, Hash(key),
                     RecordRef(slab_.NewPut(key.member, value, deadline_ms)),
                     /*unless_equal=*/false)
      .status();
}

absl::StatusOr<std::optional<std::int64_t>> ShardMap::SetDeadline(
    KeyRef key, std::int64_t deadline_ms) {
  // A deadline's cost, its bytes in the Record and its index entry, is
  // new only to a key without one: moving a deadline costs nothing, and
  // must not evict the key itself, which may well be the soonest.
  if (evict_ && deadline_ms != Record::kNoDeadline) {
    std::size_t value_size = 0;
    if (ReadRecord(key, [&](const Record* record) {
          value_size = record->value().size();
        }).ok()) {
      MakeRoomFor(key, value_size, deadline_ms);
    }
  }
  const KeyHashes hashes = Hash(key);
  Shard& shard = ShardFor(hashes);
  RecordRef replaced;  // Released after the lock.
  std::optional<std::int64_t> had;
  {
    std::unique_lock lock(shard.mu);
    if (absl::Status s = EnterShard(shard, lock); !s.ok()) return s;
    const Slot slot = Locate(shard, key, hashes);
    const Record* current = slot.live();
    if (current == nullptr) return std::nullopt;
    had = current->deadline_ms();
    if (*had == deadline_ms) return had;
    // What it evicts (only keys with deadlines) never includes `current`:
    // a key that has one grows by nothing here, and one without is not
    // evictable.
    if (absl::Status s =
            AdmitWrite(shard, slot, key, current->value().size(), deadline_ms);
        !s.ok()) {
      return s;
    }
    replaced = PlaceAt(shard, slot, key, hashes,
                       slab_.NewPut(key.member, current->value(), deadline_ms));
  }
  NoteChange();
  return had;
}

absl::StatusOr<std::int64_t> ShardMap::Deadline(KeyRef key) const {
  std::int64_t deadline_ms = Record::kNoDeadline;
  absl::Status status = ReadRecord(
      key, [&](const Record* record) { deadline_ms = record->deadline_ms(); });
  if (!status.ok()) return status;
  return deadline_ms;
}

std::int64_t ShardMap::NowMs() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             clock_.Now().time_since_epoch())
      .count();
}

std::uint64_t ShardMap::RemoveExpired() {
  // A deadline indexed meanwhile is for the next call.
  if (indexed_deadlines_.load(std::memory_order_relaxed) == 0) return 0;
  const std::int64_t now_ms = NowMs();
  std::uint64_t removed = 0;
  std::vector<RecordRef> replaced;  // Released after each shard's lock.
  for (std::size_t i = 0; i < shard_count(); ++i) {
    Shard& shard = shards_[i];
    {
      std::shared_lock lock(shard.mu);
      const std::optional<std::int64_t> next = shard.expiry.Next();
      if (!next.has_value() || *next > now_ms) continue;
    }
    {
      std::unique_lock lock(shard.mu);
      if (!EnterShard(shard, lock).ok()) continue;  // Closed.
      shard.expiry.TakeUntil(now_ms, [&](std::string_view collection,
                                         std::string_view member) {
        RecordRef gone = RemoveForDeadline(shard, collection, member, now_ms,
                                           /*evict=*/false);
        if (gone.get() != nullptr) {
          replaced.push_back(std::move(gone));
          ++removed;
        }
        return true;
      });
    }
    replaced.clear();
  }
  return removed;
}

absl::StatusOr<bool> ShardMap::PutIfChanged(KeyRef key,
                                            std::string_view value) {
  return Write(key, value, /*unless_equal=*/true);
}

absl::StatusOr<bool> ShardMap::Write(KeyRef key, std::string_view value,
                                     bool unless_equal) {
  if (evict_) MakeRoomFor(key, value.size(), Record::kNoDeadline);
  // Rewriting a value of the same size in place saves an allocation and a
  // free, and for a large value the page faults of fresh memory. A small
  // Record is allocated under the lock when that cannot be done: the slab
  // holds the shard for less than a second lock would cost.
  if (value.size() < kAllocateUnderLockMaxSize) {
    return ReadModifyWrite(
        key,
        [&](std::optional<std::string_view> current)
            -> absl::StatusOr<std::optional<std::string_view>> {
          if (unless_equal && current == value) return std::nullopt;
          return value;
        });
  }
  // A large Record is allocated before the lock, whose holder would wait for
  // its pages; trying in place first costs a second lock when it fails.
  const KeyHashes hashes = Hash(key);
  Shard& shard = ShardFor(hashes);
  {
    std::unique_lock lock(shard.mu);
    if (absl::Status s = EnterShard(shard, lock); !s.ok()) return s;
    const Slot slot = Locate(shard, key, hashes);
    if (unless_equal && slot.value() == value) return false;
    if (slot.at != MemberTable::kMissing &&
        OverwriteInPlace(shard, *slot.collection, slot.at, value)) {
      lock.unlock();
      NoteChange();
      return true;
    }
  }
  absl::StatusOr<Placed> placed = PlaceRecord(
      key, hashes, RecordRef(slab_.NewPut(key.member, value)), unless_equal);
  if (!placed.ok()) return placed.status();
  return *placed != Placed::kUnchanged;
}

absl::StatusOr<bool> ShardMap::PutFrom(
    KeyRef key, std::size_t size,
    absl::FunctionRef<absl::Status(absl::Span<char>)> fill,
    std::int64_t deadline_ms) {
  // Not worth filling (a slow upload, say) if it cannot be placed. A Close
  // while `fill` runs is found by PlaceRecord.
  if (closed_.load(std::memory_order_relaxed)) return ClosedError();
  if (evict_) MakeRoomFor(key, size, deadline_ms);
  // Filled before any lock: `fill` may take as long as it likes.
  RecordRef record(slab_.NewUnfilledPut(key.member, size, deadline_ms));
  if (absl::Status s = fill(absl::Span<char>(record->value_to_fill(), size));
      !s.ok()) {
    return s;
  }
  absl::StatusOr<Placed> placed =
      PlaceRecord(key, Hash(key), std::move(record), /*unless_equal=*/false);
  if (!placed.ok()) return placed.status();
  return *placed == Placed::kCreated;
}

absl::StatusOr<ShardMap::Placed> ShardMap::PlaceRecord(KeyRef key,
                                                       const KeyHashes& hashes,
                                                       RecordRef record,
                                                       bool unless_equal) {
  Shard& shard = ShardFor(hashes);
  RecordRef replaced;  // Released after the lock.
  bool created;
  {
    std::unique_lock lock(shard.mu);
    if (absl::Status s = EnterShard(shard, lock); !s.ok()) return s;
    const Slot slot = Locate(shard, key, hashes);
    if (unless_equal && slot.value() == record->value()) {
      return Placed::kUnchanged;
    }
    if (absl::Status s = AdmitWrite(shard, slot, key, record->value().size(),
                                    record->deadline_ms());
        !s.ok()) {
      return s;
    }
    created = slot.live() == nullptr;
    replaced = PlaceAt(shard, slot, key, hashes, record.release());
  }
  NoteChange();
  return created ? Placed::kCreated : Placed::kReplaced;
}

absl::StatusOr<bool> ShardMap::Delete(KeyRef key) {
  const KeyHashes hashes = Hash(key);
  Shard& shard = ShardFor(hashes);
  RecordRef replaced;  // Released after the lock.
  {
    std::unique_lock lock(shard.mu);
    if (absl::Status s = EnterShard(shard, lock); !s.ok()) return s;
    replaced = DeleteAt(shard, Locate(shard, key, hashes), key, hashes);
    if (replaced.get() == nullptr) return false;
  }
  NoteChange();
  return true;
}

const Record* ShardMap::Slot::live() const {
  if (at == MemberTable::kMissing || expired) return nullptr;
  const Record* record = collection->members.Get(at);
  return record->is_tombstone() ? nullptr : record;
}

std::optional<std::string_view> ShardMap::Slot::value() const {
  const Record* record = live();
  if (record == nullptr) return std::nullopt;
  return record->value();
}

ShardMap::Slot ShardMap::Locate(Shard& shard, KeyRef key,
                                const KeyHashes& hashes) const {
  Slot slot;
  if (auto c = shard.collections.find(key.collection, hashes.collection);
      c != shard.collections.end()) {
    slot.collection = c->second.get();
    slot.at = slot.collection->members.Find(key.member, hashes.member);
    if (slot.at != MemberTable::kMissing) {
      const Record* record = slot.collection->members.Get(slot.at);
      slot.expired = !record->is_tombstone() && !Visible(record);
    }
  }
  return slot;
}

RecordRef ShardMap::StoreAt(Shard& shard, Slot slot, KeyRef key,
                            const KeyHashes& hashes, std::string_view value,
                            std::int64_t deadline_ms) {
  if (deadline_ms == Record::kNoDeadline && slot.at != MemberTable::kMissing &&
      OverwriteInPlace(shard, *slot.collection, slot.at, value)) {
    return RecordRef();
  }
  return PlaceAt(shard, slot, key, hashes,
                 slab_.NewPut(key.member, value, deadline_ms));
}

RecordRef ShardMap::PlaceAt(Shard& shard, Slot slot, KeyRef key,
                            const KeyHashes& hashes, const Record* record) {
  // Added only now, so that a call that stores nothing adds nothing.
  if (slot.collection == nullptr) {
    slot.collection =
        &FindOrAddCollection(shard, key.collection, hashes.collection);
  }
  return Replace(shard, *slot.collection, slot.at, hashes.member, record);
}

RecordRef ShardMap::DeleteAt(Shard& shard, Slot slot, KeyRef key,
                             const KeyHashes& hashes) {
  if (slot.live() == nullptr) return RecordRef();
  return Replace(shard, *slot.collection, slot.at, hashes.member,
                 slab_.NewTombstone(key.member));
}

void ShardMap::BringUpToDate(std::string_view name, std::size_t hash,
                             CollectionOrder& order) const {
  if (!order.built.load(std::memory_order_relaxed)) {
    // Writers list their changes from now on; each shard's lock orders that
    // against the walk below, so no change escapes both.
    order.built.store(true, std::memory_order_relaxed);
    std::vector<const Record*> members;
    for (std::size_t i = 0; i < shard_count(); ++i) {
      Shard& shard = shards_[i];
      std::unique_lock lock(shard.mu);
      auto c = shard.collections.find(name, hash);
      if (c == shard.collections.end()) continue;
      for (const Record* record : c->second->members) {
        if (record->is_tombstone()) continue;
        record->set_indexed(true);
        members.push_back(record);
      }
    }
    // A Record replaced since is retired: alive until the lists are taken
    // below, under order.mu, which the caller holds.
    order.index.UpsertAll(members);
  }
  order.stale.store(false, std::memory_order_relaxed);
  // New members are upserted together, after the shards' locks: each is
  // kept alive by its shard (as a member or retired) until the retired
  // Records taken here are released, at the end.
  std::vector<const Record*> added;
  std::vector<RecordRef> retired;
  for (std::size_t i = 0; i < shard_count(); ++i) {
    Shard& shard = shards_[i];
    std::unique_lock lock(shard.mu);
    auto c = shard.collections.find(name, hash);
    if (c == shard.collections.end() || c->second->order.get() != &order ||
        !c->second->has_unordered_changes()) {
      continue;
    }
    Collection& collection = *c->second;
    // Still marked: still the member's Record. Otherwise a retired Record
    // of the member is listed too.
    for (const Record* record : collection.unordered) {
      if (record->indexed()) added.push_back(record);
    }
    collection.unordered.clear();
    // Each member's entry is made to name its current Record, or removed.
    for (RecordRef& record : collection.retired) {
      const MemberTable::Position at =
          collection.members.Find(record->member());
      const Record* current =
          at == MemberTable::kMissing ? nullptr : collection.members.Get(at);
      if (current != nullptr && !current->is_tombstone()) {
        current->set_indexed(true);
        order.index.Upsert(current);
      } else {
        order.index.Erase(record->member());
      }
      retired.push_back(std::move(record));
    }
    collection.retired.clear();
    // Drain leaves an emptied Collection in place while it lists changes.
    // With no members, no dirty entry names it either.
    if (collection.members.empty()) shard.collections.erase(c);
  }
  order.index.UpsertAll(added);
}

RecordRef ShardMap::Resolve(std::string_view collection, std::size_t hash,
                            const Record* record) const {
  const KeyHashes hashes{hash, StringHash()(record->member())};
  const Shard& shard = ShardFor(hashes);
  std::shared_lock lock(shard.mu);
  // Still marked: no write replaced it since the index took it.
  if (record->indexed()) {
    return Visible(record) ? RecordRef::Share(record) : RecordRef();
  }
  auto c = shard.collections.find(collection, hashes.collection);
  if (c == shard.collections.end()) return RecordRef();
  const MemberTable& members = c->second->members;
  const MemberTable::Position at =
      members.Find(record->member(), hashes.member);
  if (at == MemberTable::kMissing || !Visible(members.Get(at))) {
    return RecordRef();
  }
  return RecordRef::Share(members.Get(at));
}

absl::StatusOr<ShardMap::ScanResult> ShardMap::Scan(
    std::string_view collection, const ScanOptions& options) const {
  if (closed_.load(std::memory_order_acquire)) return ClosedError();
  ScanResult result;
  const ScanBounds bounds = BoundsOf(options);
  if (bounds.Empty()) return result;
  const std::string_view lower = bounds.lower;
  const std::string_view upper = bounds.upper;

  // Through the walk: a page sees all of a batch (Apply) or none.
  std::shared_lock batch(batch_mu_);
  std::shared_ptr<CollectionOrder> order = FindOrder(collection);
  if (order == nullptr) return result;
  const std::size_t hash = StringHash()(collection);
  if (!order->built.load(std::memory_order_relaxed) ||
      order->stale.load(std::memory_order_relaxed)) {
    std::unique_lock lock(order->mu);
    BringUpToDate(collection, hash, *order);
  }
  std::shared_lock<std::shared_mutex> lock(order->mu);
  const OrderedIndex& index = order->index;
  const std::size_t limit = options.limit;
  // Adds the member of `entry` if it is still there; returns false once the
  // page is full and `next` is set.
  auto visit = [&](const OrderedIndex::Entry& entry) {
    RecordRef current = Resolve(collection, hash, entry.record);
    if (current.get() == nullptr) return true;
    if (limit != 0 && result.records.size() == limit) {
      result.next =
          options.reverse ? result.records.back()->member() : current->member();
      return false;
    }
    result.records.push_back(std::move(current));
    return true;
  };
  if (!options.reverse) {
    for (auto it = index.LowerBound(lower); it != index.end(); ++it) {
      if (!upper.empty() && it->member() >= upper) break;
      if (!visit(*it)) break;
    }
  } else {
    auto it = upper.empty() ? index.end() : index.LowerBound(upper);
    while (it != index.begin()) {
      --it;
      if (it->member() < lower) break;
      if (!visit(*it)) break;
    }
  }
  lock.unlock();
  if (result.records.empty()) {
    // The collection may be gone: let its order go with it.
    lock = std::shared_lock<std::shared_mutex>();
    order.reset();
    ForgetOrderIfUnused(collection);
  }
  return result;
}

absl::Status ShardMap::DeleteAll(std::string_view collection) {
  std::vector<std::unique_ptr<Collection>> removed;  // Freed after the lock.
  bool changed;
  {
    // As a batch: the janitor holds both back while it copies collections
    // to rewrite, so that no copy holds part of a change that spans
    // collections or shards and that the pass did not drain.
    std::unique_lock batch(batch_mu_);
    std::lock_guard walk(walk_mu_);
    // Close sets it under walk_mu_: nothing has been removed if it fails.
    if (closed_.load(std::memory_order_relaxed)) return ClosedError();
    changed = ClearCollection(collection, &removed);
  }
  removed.clear();
  if (changed) NoteChange();
  // Only the map's reference is left, unless shards or Scans hold it.
  ForgetOrderIfUnused(collection);
  return absl::OkStatus();
}

bool ShardMap::ClearCollection(
    std::string_view collection,
    std::vector<std::unique_ptr<Collection>>* removed) {
  const std::size_t hash = StringHash()(collection);
  // Held through the walk: no Scan reads or builds the index while the
  // Records it points at are freed. Made if missing, so that a Scan that
  // builds it for members put meanwhile waits too.
  std::shared_ptr<CollectionOrder> order = FindOrAddOrder(collection);
  std::unique_lock order_lock(order->mu);
  order->index.Clear();
  bool changed = false;
  for (std::size_t i = 0; i < shard_count(); ++i) {
    std::unique_lock lock(shards_[i].mu);
    std::unique_ptr<Collection> gone =
        RemoveCollection(shards_[i], collection, hash);
    if (gone == nullptr) continue;
    changed = true;
    removed->push_back(std::move(gone));
  }
  if (changed) cleared_.emplace(collection);
  return changed;
}

std::unique_ptr<ShardMap::Collection> ShardMap::RemoveCollection(
    Shard& shard, std::string_view name, std::size_t hash) {
  auto c = shard.collections.find(name, hash);
  if (c == shard.collections.end()) return nullptr;
  std::unique_ptr<Collection> removed = std::move(c->second);
  shard.collections.erase(c);
  shard.keys -= removed->live;
  shard.bytes -= removed->bytes;
  if (max_memory_ != 0) {
    memory_.fetch_sub(
        static_cast<std::int64_t>(removed->bytes + removed->live * kKeyMemory),
        std::memory_order_relaxed);
  }
  if (!shard.expiry.empty()) {
    for (const Record* record : removed->members) {
      NoteDeadline(shard, *removed, record, -1);
    }
  }
  // The rewrite DeleteAll asks for writes none of them.
  std::int64_t pending_bytes = 0;
  for (const Record* record : removed->members) {
    if (record->pending()) {
      pending_bytes += static_cast<std::int64_t>(record->file_size());
    }
  }
  AddUnwritten(shard, -pending_bytes);
  // The rewrite that `cleared_` asks for supersedes these changes, which
  // go with `removed`.
  if (!removed->dirty.empty()) {
    shard.dirty.erase(
        std::find(shard.dirty.begin(), shard.dirty.end(), removed.get()));
    shard.dirty_keys -= removed->dirty.size();
  }
  return removed;
}

absl::Status ShardMap::Apply(const std::vector<BatchOp>& ops,
                             const std::vector<BatchCondition>& conditions) {
  // Every key hashed once; the shards to lock.
  std::vector<KeyHashes> op_hashes(ops.size());
  std::vector<KeyHashes> condition_hashes(conditions.size());
  bool clears = false;  // A DeleteAll touches every shard.
  std::vector<std::size_t> op_shards(ops.size());
  std::vector<bool> locked(shard_count());
  const auto note = [&](KeyRef key, KeyHashes* hashes) {
    *hashes = Hash(key);
    const std::size_t shard = &ShardFor(*hashes) - shards_.get();
    locked[shard] = true;
    return shard;
  };
  for (std::size_t i = 0; i < ops.size(); ++i) {
    if (ops[i].kind == BatchOp::Kind::kDeleteAll) {
      clears = true;
    } else {
      op_shards[i] = note(ops[i].key, &op_hashes[i]);
    }
  }
  for (std::size_t i = 0; i < conditions.size(); ++i) {
    note(conditions[i].key, &condition_hashes[i]);
  }
  if (clears) locked.assign(shard_count(), true);
  if (evict_) {
    std::uint64_t bound = 0;
    for (const BatchOp& op : ops) {
      if (op.kind == BatchOp::Kind::kPut) {
        bound += GrowthOf(op.key, op.value.size(), op.deadline_ms);
      }
    }
    MakeRoom(bound);
  }

  // Declared before the locks, so that they are freed after them.
  std::vector<RecordRef> replaced;
  std::vector<std::unique_ptr<Collection>> removed;
  absl::Status status;
  {
    std::unique_lock batch(batch_mu_);
    std::lock_guard walk(walk_mu_);
    // Freezes the shards one at a time rather than holding all their locks
    // (a thread holding 60 locks is more than ThreadSanitizer can follow):
    // Get, Put and the other single-key calls wait while their shard is
    // frozen, and walk_mu_ and batch_mu_ keep out everything else that
    // reads or changes several shards. So nothing sees part of the batch.
    std::vector<std::size_t> frozen;
    // Close sets it under walk_mu_.
    if (closed_.load(std::memory_order_relaxed)) status = ClosedError();
    if (status.ok()) frozen = Freeze(locked);
    for (std::size_t i = 0; i < conditions.size() && status.ok(); ++i) {
      const BatchCondition& condition = conditions[i];
      Shard& shard = ShardFor(condition_hashes[i]);
      std::shared_lock lock(shard.mu);
      const std::optional<std::string_view> current =
          Locate(shard, condition.key, condition_hashes[i]).value();
      if (current != condition.value) {
        status =
            ConditionFailedError(i,
                                 std::string(condition.key.collection) + "/" +
                                     std::string(condition.key.member),
                                 current.has_value());
      }
    }
    if (status.ok() && max_memory_ != 0) {
      const std::int64_t growth = BatchGrowth(ops, op_hashes);
      const std::int64_t usage = memory_.load(std::memory_order_relaxed);
      if (growth > 0 && usage + growth > max_memory_) {
        memory_refusals_.fetch_add(1, std::memory_order_relaxed);
        status = MemoryLimitError(
            static_cast<std::uint64_t>(std::max<std::int64_t>(usage, 0)),
            static_cast<std::uint64_t>(max_memory_),
            static_cast<std::uint64_t>(growth));
      }
    }
    // Between two DeleteAlls, operations on different shards touch different
    // keys and so commute: each shard's are applied together, in their
    // order, under one lock.
    std::vector<std::size_t> by_shard;
    std::vector<std::size_t> shard_starts(shard_count() + 1);
    for (std::size_t begin = 0; begin < ops.size() && status.ok();) {
      if (ops[begin].kind == BatchOp::Kind::kDeleteAll) {
        ClearCollection(ops[begin].key.collection, &removed);
        ++begin;
        continue;
      }
      std::size_t end = begin;
      while (end < ops.size() && ops[end].kind != BatchOp::Kind::kDeleteAll) {
        ++end;
      }
      // A counting sort by shard: stable, and linear in the operations.
      std::fill(shard_starts.begin(), shard_starts.end(), 0);
      for (std::size_t i = begin; i < end; ++i) {
        ++shard_starts[op_shards[i] + 1];
      }
      for (std::size_t k = 1; k < shard_starts.size(); ++k) {
        shard_starts[k] += shard_starts[k - 1];
      }
      by_shard.resize(end - begin);
      for (std::size_t i = begin; i < end; ++i) {
        by_shard[shard_starts[op_shards[i]]++] = i;
      }
      for (std::size_t g = 0; g < by_shard.size();) {
        const std::size_t shard_index = op_shards[by_shard[g]];
        Shard& shard = shards_[shard_index];
        std::unique_lock lock(shard.mu);
        for (; g < by_shard.size() && op_shards[by_shard[g]] == shard_index;
             ++g) {
          // Fetches a later operation's table slots while this one works.
          constexpr std::size_t kAhead = 4;
          if (g + kAhead < by_shard.size() &&
              op_shards[by_shard[g + kAhead]] == shard_index) {
            const std::size_t later = by_shard[g + kAhead];
            if (auto c = shard.collections.find(ops[later].key.collection,
                                                op_hashes[later].collection);
                c != shard.collections.end()) {
              c->second->members.Prefetch(op_hashes[later].member);
            }
          }
          const std::size_t i = by_shard[g];
          const BatchOp& op = ops[i];
          const Slot slot = Locate(shard, op.key, op_hashes[i]);
          replaced.push_back(op.kind == BatchOp::Kind::kPut
                                 ? StoreAt(shard, slot, op.key, op_hashes[i],
                                           op.value, op.deadline_ms)
                                 : DeleteAt(shard, slot, op.key, op_hashes[i]));
        }
      }
      begin = end;
    }
    if (status.ok()) batches_since_drain_ = true;
    Thaw(frozen);
  }
  replaced.clear();
  // The orders of emptied collections: only the map's references are left
  // once these go, unless shards or Scans hold them.
  removed.clear();
  for (const BatchOp& op : ops) {
    if (op.kind == BatchOp::Kind::kDeleteAll) {
      ForgetOrderIfUnused(op.key.collection);
    }
  }
  if (status.ok() && !ops.empty()) NoteChange();
  return status;
}

std::uint64_t ShardMap::CollectionMemory(const Collection& collection) {
  std::uint64_t memory = collection.bytes + collection.live * kKeyMemory;
  for (const Record* record : collection.members) {
    if (record->expiring()) {
      memory += DeadlineMemory(collection.name, record->member());
    }
  }
  return memory;
}

std::int64_t ShardMap::BatchGrowth(
    const std::vector<BatchOp>& ops,
    const std::vector<KeyHashes>& op_hashes) const {
  // What each key holds once the batch is applied (its last operation's
  // memory, by that operation's index), and the collections it empties.
  struct Final {
    std::size_t op;
    std::uint64_t memory;
  };
  absl::flat_hash_map<std::pair<std::string_view, std::string_view>, Final>
      finals;
  absl::flat_hash_set<std::string_view> cleared;
  for (std::size_t i = 0; i < ops.size(); ++i) {
    const BatchOp& op = ops[i];
    switch (op.kind) {
      case BatchOp::Kind::kDeleteAll:
        cleared.insert(op.key.collection);
        absl::erase_if(finals, [&](const auto& entry) {
          return entry.first.first == op.key.collection;
        });
        break;
      case BatchOp::Kind::kPut:
        finals[{op.key.collection, op.key.member}] = {
            i, MemoryOf(op.key.collection, op.key.member, op.value.size(),
                        op.deadline_ms)};
        break;
      case BatchOp::Kind::kDelete:
        finals[{op.key.collection, op.key.member}] = {i, 0};
        break;
    }
  }
  std::int64_t growth = 0;
  for (std::size_t i = 0; i < shard_count() && !cleared.empty(); ++i) {
    const Shard& shard = shards_[i];
    std::shared_lock lock(shard.mu);
    for (std::string_view name : cleared) {
      if (auto c = shard.collections.find(name); c != shard.collections.end()) {
        growth -= static_cast<std::int64_t>(CollectionMemory(*c->second));
      }
    }
  }
  for (const auto& [key, final] : finals) {
    growth += static_cast<std::int64_t>(final.memory);
    // A key of a collection the batch empties counts from nothing.
    if (cleared.contains(key.first)) continue;
    Shard& shard = ShardFor(op_hashes[final.op]);
    std::shared_lock lock(shard.mu);
    growth -= static_cast<std::int64_t>(
        MemoryAt(Locate(shard, ops[final.op].key, op_hashes[final.op])));
  }
  return growth;
}

std::vector<std::size_t> ShardMap::Freeze(const std::vector<bool>& shards) {
  std::vector<std::size_t> frozen;
  for (std::size_t i = 0; i < shard_count(); ++i) {
    if (!shards[i]) continue;
    std::unique_lock lock(shards_[i].mu);
    shards_[i].frozen = true;
    frozen.push_back(i);
  }
  return frozen;
}

void ShardMap::Thaw(const std::vector<std::size_t>& frozen) {
  for (std::size_t i : frozen) {
    std::unique_lock lock(shards_[i].mu);
    shards_[i].frozen = false;
  }
  {
    std::lock_guard wait(batch_wait_mu_);
    ++batch_epoch_;
  }
  batch_done_.notify_all();
}

absl::StatusOr<ShardMap::Snapshot> ShardMap::TakeSnapshot() {
  Snapshot snapshot;
  std::unique_lock batch(batch_mu_);
  std::lock_guard walk(walk_mu_);
  if (closed_.load(std::memory_order_relaxed)) return ClosedError();
  // As a batch freezes its shards, but all of them: no write lands while
  // the walk goes on, so the snapshot is of one instant.
  const std::vector<std::size_t> frozen =
      Freeze(std::vector<bool>(shard_count(), true));
  const std::int64_t now_ms = NowMs();
  for (std::size_t i = 0; i < shard_count(); ++i) {
    const Shard& shard = shards_[i];
    std::shared_lock lock(shard.mu);
    for (const auto& [name, collection] : shard.collections) {
      if (collection->live == 0) continue;
      Records* records = nullptr;
      for (const Record* record : collection->members) {
        if (record->is_tombstone() || record->ExpiredAt(now_ms)) continue;
        if (records == nullptr) records = &snapshot[name];
        records->push_back(RecordRef::Share(record));
      }
    }
  }
  Thaw(frozen);
  return snapshot;
}

void ShardMap::Close() {
  std::lock_guard walk(walk_mu_);
  closed_.store(true, std::memory_order_release);
  for (std::size_t i = 0; i < shard_count(); ++i) {
    std::unique_lock lock(shards_[i].mu);
    shards_[i].closed = true;
  }
}

void ShardMap::Load(std::string_view collection, const Record* record) {
  const KeyHashes hashes = Hash(KeyRef{collection, record->member()});
  Shard& shard = ShardFor(hashes);
  RecordRef replaced;  // Released after the lock.
  std::unique_lock lock(shard.mu);
  Collection& members =
      FindOrAddCollection(shard, collection, hashes.collection);
  Count(shard, members, record, +1);
  NoteDeadline(shard, members, record, +1);
  const MemberTable::Position at =
      members.members.Find(record->member(), hashes.member);
  if (at == MemberTable::kMissing) {
    members.members.Insert(record, hashes.member);
  } else {
    replaced = RecordRef(members.members.Get(at));
    Count(shard, members, replaced.get(), -1);
    NoteDeadline(shard, members, replaced.get(), -1);
    members.members.Set(at, record);
  }
}

ShardMap::DirtySnapshot ShardMap::Drain() {
  DirtySnapshot snapshot;
  std::lock_guard walk(walk_mu_);
  // Taken before the shards are visited: a change noted after this may
  // already be in this snapshot, and then its time only makes the next
  // snapshot look older than it is, never younger.
  if (const std::int64_t ns =
          first_change_ns_.exchange(0, std::memory_order_relaxed);
      ns != 0) {
    snapshot.first_change = std::chrono::steady_clock::time_point(
        std::chrono::steady_clock::duration(ns));
  }
  snapshot.cleared.swap(cleared_);
  snapshot.has_batches = std::exchange(batches_since_drain_, false);
  std::vector<std::string> emptied_names;
  for (std::size_t i = 0; i < shard_count(); ++i) {
    Shard& shard = shards_[i];
    // The dirty lists' references, released after the lock.
    std::vector<std::vector<RecordRef>> unlisted;
    std::vector<RecordRef> drained_tombstones;
    std::unique_lock lock(shard.mu);
    PublishUnwritten(shard);
    std::vector<Collection*> dirty;
    dirty.swap(shard.dirty);
    shard.dirty_keys = 0;
    unlisted.reserve(dirty.size());
    std::vector<Collection*> emptied;
    for (Collection* collection : dirty) {
      unlisted.push_back(std::exchange(collection->dirty, {}));
      // Made for the first pending member.
      CollectionChanges* out = nullptr;
      VisitPrefetching</*kForWrite=*/true>(
          unlisted.back(), [&](RecordRef& listed) {
            RecordRef taken;
            MemberTable::Position at = MemberTable::kMissing;
            if (listed->pending()) {
              // Still its member's Record (a replaced Record is no longer
              // pending): the snapshot takes the list's reference.
              listed->ClearPendingAndListed();
              taken = std::move(listed);
            } else {
              listed->set_listed(false);
              // Records leave the map only here and in DeleteAll, which drops
              // the Collection with its list: the listed member is present.
              at = collection->members.Find(listed->member());
              const Record* current = collection->members.Get(at);
              if (!current->pending()) return;  // Taken under an earlier entry.
              current->set_pending(false);
              taken = RecordRef::Share(current);
            }
            const std::size_t file_size = taken->file_size();
            snapshot.bytes += file_size;
            if (taken->value().size() >= kCopyForRewriteMinSize) {
              snapshot.has_copyable_values = true;
            }
            if (taken->is_tombstone()) {
              if (at == MemberTable::kMissing) {
                at = collection->members.Find(taken->member());
              }
              drained_tombstones.emplace_back(
                  taken.get());  // The map's reference.
              collection->members.Erase(at);
              if (collection->members.empty()) emptied.push_back(collection);
            }
            if (out == nullptr) out = &snapshot.changes[collection->name];
            out->records.push_back(std::move(taken));
            out->file_bytes += file_size;
          });
    }
    for (Collection* collection : emptied) {
      // Retired Records may be all that keeps the index's pointers valid.
      if (collection->has_unordered_changes()) continue;
      emptied_names.push_back(collection->name);
      shard.collections.erase(collection->name);
    }
  }
  for (const std::string& name : emptied_names) ForgetOrderIfUnused(name);
  return snapshot;
}

std::uint64_t ShardMap::unwritten_bytes() const {
  return static_cast<std::uint64_t>(std::max<std::int64_t>(
      0, unwritten_bytes_.load(std::memory_order_relaxed)));
}

void ShardMap::ReleaseUnwritten(std::uint64_t bytes) {
  unwritten_bytes_.fetch_sub(static_cast<std::int64_t>(bytes),
                             std::memory_order_relaxed);
}

std::optional<std::chrono::steady_clock::time_point>
ShardMap::FirstPendingChange() const {
  const std::int64_t ns = first_change_ns_.load(std::memory_order_relaxed);
  if (ns == 0) return std::nullopt;
  return std::chrono::steady_clock::time_point(
      std::chrono::steady_clock::duration(ns));
}

ShardMap::Records ShardMap::CopyCollection(std::string_view collection) const {
  std::lock_guard walk(walk_mu_);
  Records records;
  const std::size_t hash = StringHash()(collection);
  for (std::size_t i = 0; i < shard_count(); ++i) {
    const Shard& shard = shards_[i];
    std::shared_lock lock(shard.mu);
    auto c = shard.collections.find(collection, hash);
    if (c == shard.collections.end()) continue;
    for (const Record* record : c->second->members) {
      if (!record->is_tombstone()) records.push_back(RecordRef::Share(record));
    }
  }
  return records;
}

std::pair<std::uint64_t, std::uint64_t> ShardMap::CollectionSize(
    std::string_view collection) const {
  const std::size_t hash = StringHash()(collection);
  std::uint64_t members = 0;
  std::uint64_t bytes = 0;
  for (std::size_t i = 0; i < shard_count(); ++i) {
    const Shard& shard = shards_[i];
    std::shared_lock lock(shard.mu);
    if (auto c = shard.collections.find(collection, hash);
        c != shard.collections.end()) {
      members += c->second->live;
      bytes += c->second->bytes;
    }
  }
  return {members, bytes};
}

ShardMap::Totals ShardMap::GetTotals() const {
  Totals totals;
  absl::flat_hash_set<std::string, StringHash, StringEq> names;
  for (std::size_t i = 0; i < shard_count(); ++i) {
    const Shard& shard = shards_[i];
    std::shared_lock lock(shard.mu);
    totals.keys += shard.keys;
    totals.bytes += shard.bytes;
    totals.memory_bytes +=
        shard.bytes + shard.keys * kKeyMemory + shard.deadline_memory;
    totals.dirty_keys += shard.dirty_keys;
    totals.expiring_keys += shard.expiry.size();
    totals.unwritten_bytes += shard.unpublished_bytes;
    for (const auto& [name, collection] : shard.collections) {
      if (collection->live > 0) names.emplace(name);
    }
  }
  totals.collections = names.size();
  totals.expired_keys = expired_keys_.load(std::memory_order_relaxed);
  totals.evicted_keys = evicted_keys_.load(std::memory_order_relaxed);
  totals.memory_refusals = memory_refusals_.load(std::memory_order_relaxed);
  totals.unwritten_bytes += unwritten_bytes_.load(std::memory_order_relaxed);
  return totals;
}

std::vector<CollectionInfo> ShardMap::ListCollections() const {
  absl::flat_hash_map<std::string, CollectionInfo, StringHash, StringEq>
      by_name;
  for (std::size_t i = 0; i < shard_count(); ++i) {
    const Shard& shard = shards_[i];
    std::shared_lock lock(shard.mu);
    for (const auto& [name, collection] : shard.collections) {
      if (collection->live == 0) continue;
      CollectionInfo& info = by_name[name];
      info.keys += collection->live;
      info.bytes += collection->bytes;
    }
  }
  std::vector<CollectionInfo> list;
  list.reserve(by_name.size());
  for (auto& [name, info] : by_name) {
    info.name = name;
    list.push_back(std::move(info));
  }
  std::sort(list.begin(), list.end(),
            [](const CollectionInfo& a, const CollectionInfo& b) {
              return a.name < b.name;
            });
  return list;
}

}  // namespace dskv
