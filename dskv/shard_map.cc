#include "dskv/shard_map.h"

#include <fmt/format.h>
#include <xxhash.h>

namespace dskv {
namespace {

absl::Status ClosedError() {
  return absl::FailedPreconditionError("the store is closed");
}

}  // namespace

ShardMap::ShardMap(int shard_bits)
    : shard_bits_(shard_bits),
      shards_(std::make_unique<Shard[]>(std::size_t{1} << shard_bits)) {}

ShardMap::Shard& ShardMap::ShardFor(KeyRef key) const {
  // Hash collection and member together so that equal member names in
  // different collections land on different shards.
  const XXH64_hash_t seed =
      XXH3_64bits(key.collection.data(), key.collection.size());
  const XXH64_hash_t hash =
      XXH3_64bits_withSeed(key.member.data(), key.member.size(), seed);
  return shards_[shard_bits_ == 0 ? 0 : hash >> (64 - shard_bits_)];
}

void ShardMap::AppendPairs(const Shard& shard, std::string_view collection,
                           Pairs* out) {
  if (auto c = shard.collections.find(collection);
      c != shard.collections.end()) {
    out->insert(out->end(), c->second.values.begin(), c->second.values.end());
  }
}

std::uint64_t ShardMap::MarkDirty(Shard& shard, KeyRef key) {
  auto c = shard.dirty.find(key.collection);
  if (c == shard.dirty.end()) {
    c = shard.dirty.try_emplace(std::string(key.collection)).first;
  }
  if (c->second.find(key.member) == c->second.end()) {
    c->second.emplace(key.member);
    ++shard.dirty_keys;
  }
  return sequence_.fetch_add(1, std::memory_order_acq_rel) + 1;
}

std::string ShardMap::Assign(Shard& shard, KeyRef key, std::string value) {
  auto c = shard.collections.find(key.collection);
  if (c == shard.collections.end()) {
    c = shard.collections.try_emplace(std::string(key.collection)).first;
  }
  Members& members = c->second;
  members.bytes += value.size();
  shard.bytes += value.size();
  if (auto m = members.values.find(key.member); m != members.values.end()) {
    members.bytes -= m->second.size();
    shard.bytes -= m->second.size();
    std::swap(m->second, value);
    return value;
  }
  members.bytes += key.member.size();
  shard.bytes += key.member.size();
  ++shard.keys;
  members.values.try_emplace(std::string(key.member), std::move(value));
  return std::string();
}

absl::StatusOr<std::string> ShardMap::Get(KeyRef key) const {
  const Shard& shard = ShardFor(key);
  std::shared_lock lock(shard.mu);
  if (shard.closed) return ClosedError();
  if (auto c = shard.collections.find(key.collection);
      c != shard.collections.end()) {
    if (auto m = c->second.values.find(key.member);
        m != c->second.values.end()) {
      return m->second;
    }
  }
  std::string full_key(key.collection);
  full_key.append("/").append(key.member);
  return absl::NotFoundError(
      fmt::format("no value at key {}", QuoteForError(full_key)));
}

absl::StatusOr<std::uint64_t> ShardMap::Put(KeyRef key, std::string value) {
  Shard& shard = ShardFor(key);
  std::string old;  // Freed after the lock is released.
  std::unique_lock lock(shard.mu);
  if (shard.closed) return ClosedError();
  old = Assign(shard, key, std::move(value));
  return MarkDirty(shard, key);
}

absl::StatusOr<std::uint64_t> ShardMap::Delete(KeyRef key) {
  Shard& shard = ShardFor(key);
  decltype(Members::values)::node_type removed;  // Freed after unlocking.
  std::unique_lock lock(shard.mu);
  if (shard.closed) return ClosedError();
  auto c = shard.collections.find(key.collection);
  if (c == shard.collections.end()) return LastSequence();
  Members& members = c->second;
  auto m = members.values.find(key.member);
  if (m == members.values.end()) return LastSequence();
  const std::uint64_t bytes = m->first.size() + m->second.size();
  members.bytes -= bytes;
  shard.bytes -= bytes;
  --shard.keys;
  removed = members.values.extract(m);
  if (members.values.empty()) shard.collections.erase(c);
  return MarkDirty(shard, key);
}

absl::StatusOr<ShardMap::Pairs> ShardMap::GetAll(
    std::string_view collection) const {
  Pairs pairs;
  for (std::size_t i = 0; i < shard_count(); ++i) {
    const Shard& shard = shards_[i];
    std::shared_lock lock(shard.mu);
    if (shard.closed) return ClosedError();
    AppendPairs(shard, collection, &pairs);
  }
  return pairs;
}

absl::StatusOr<std::uint64_t> ShardMap::DeleteAll(std::string_view collection) {
  std::lock_guard walk(walk_mu_);
  bool changed = false;
  for (std::size_t i = 0; i < shard_count(); ++i) {
    Shard& shard = shards_[i];
    // Declared before the lock so that they are freed after it is released.
    decltype(shard.collections)::node_type removed;
    decltype(shard.dirty)::node_type forgotten;
    std::unique_lock lock(shard.mu);
    // Close holds walk_mu_ while it closes shards, so either no shard is
    // closed or all are: nothing has been removed when this returns.
    if (shard.closed) return ClosedError();
    if (auto c = shard.collections.find(collection);
        c != shard.collections.end()) {
      shard.keys -= c->second.values.size();
      shard.bytes -= c->second.bytes;
      removed = shard.collections.extract(c);
      changed = true;
    }
    // The rewrite that `cleared_` asks for supersedes these changes.
    if (auto d = shard.dirty.find(collection); d != shard.dirty.end()) {
      shard.dirty_keys -= d->second.size();
      forgotten = shard.dirty.extract(d);
      changed = true;
    }
  }
  if (!changed) return LastSequence();
  cleared_.emplace(collection);
  return sequence_.fetch_add(1, std::memory_order_acq_rel) + 1;
}

void ShardMap::Close() {
  std::lock_guard walk(walk_mu_);
  for (std::size_t i = 0; i < shard_count(); ++i) {
    std::unique_lock lock(shards_[i].mu);
    shards_[i].closed = true;
  }
}

void ShardMap::Load(KeyRef key, std::string value) {
  Shard& shard = ShardFor(key);
  std::string old;  // Freed after the lock is released.
  std::unique_lock lock(shard.mu);
  old = Assign(shard, key, std::move(value));
}

ShardMap::DirtySnapshot ShardMap::Drain() {
  DirtySnapshot snapshot;
  std::lock_guard walk(walk_mu_);
  // Read before visiting the shards: a change numbered up to this has been
  // made under its shard's lock, so the visit below sees it.
  snapshot.sequence = LastSequence();
  snapshot.cleared.swap(cleared_);
  for (std::size_t i = 0; i < shard_count(); ++i) {
    Shard& shard = shards_[i];
    std::unique_lock lock(shard.mu);
    for (auto& [collection, members] : shard.dirty) {
      std::vector<Change>& out = snapshot.changes[collection];
      const auto c = shard.collections.find(collection);
      for (const std::string& member : members) {
        Change& change = out.emplace_back(Change{member, std::nullopt});
        if (c == shard.collections.end()) continue;
        if (auto m = c->second.values.find(member);
            m != c->second.values.end()) {
          change.value = m->second;
        }
      }
    }
    shard.dirty.clear();
    shard.dirty_keys = 0;
  }
  return snapshot;
}

ShardMap::Pairs ShardMap::CopyCollection(std::string_view collection) const {
  std::lock_guard walk(walk_mu_);
  Pairs pairs;
  for (std::size_t i = 0; i < shard_count(); ++i) {
    const Shard& shard = shards_[i];
    std::shared_lock lock(shard.mu);
    AppendPairs(shard, collection, &pairs);
  }
  return pairs;
}

std::pair<std::uint64_t, std::uint64_t> ShardMap::CollectionSize(
    std::string_view collection) const {
  std::uint64_t members = 0;
  std::uint64_t bytes = 0;
  for (std::size_t i = 0; i < shard_count(); ++i) {
    const Shard& shard = shards_[i];
    std::shared_lock lock(shard.mu);
    if (auto c = shard.collections.find(collection);
        c != shard.collections.end()) {
      members += c->second.values.size();
      bytes += c->second.bytes;
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
    totals.dirty_keys += shard.dirty_keys;
    for (const auto& [collection, members] : shard.collections) {
      names.emplace(collection);
    }
  }
  totals.collections = names.size();
  return totals;
}

}  // namespace dskv
