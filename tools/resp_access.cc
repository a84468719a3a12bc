#include "tools/resp_access.h"

#include <algorithm>
#include <cstring>

#include "dskv/key.h"
#include "dskv/write_batch.h"

namespace dskv::tool {
namespace {

std::string_view CollectionOf(std::string_view key) {
  return key.substr(0, key.find('/'));
}

}  // namespace

absl::StatusOr<bool> StoreAccess::Read(std::string_view key,
                                       std::string* value) {
  const absl::Status s = store_.Get(key, value);
  if (absl::IsNotFound(s)) {
    watch_.Saw(key, std::nullopt);
    return false;
  }
  if (!s.ok()) return s;
  watch_.Saw(key, *value);
  return true;
}

absl::StatusOr<bool> StoreAccess::HasMembers(std::string_view collection) {
  ScanOptions options;
  options.limit = 1;
  options.members_only = true;
  absl::StatusOr<SharedScanPage> page = store_.ScanShared(collection, options);
  if (!page.ok()) return page.status();
  return !page->items.empty();
}

absl::Status StoreAccess::Put(std::string_view key, std::string_view value) {
  return store_.Put(key, value);
}

absl::Status StoreAccess::PutExpiring(std::string_view key,
                                      std::string_view value,
                                      std::chrono::milliseconds ttl) {
  PutOptions options;
  options.ttl = ttl;
  return store_.Put(key, value, options);
}

absl::StatusOr<bool> StoreAccess::PutNew(std::string_view key,
                                         std::string_view value) {
  return store_.PutFrom(key, value.size(), [&](absl::Span<char> out) {
    if (!value.empty()) std::memcpy(out.data(), value.data(), value.size());
    return absl::OkStatus();
  });
}

absl::StatusOr<bool> StoreAccess::PutIfAbsent(std::string_view key,
                                              std::string_view value) {
  return store_.CompareAndSwap(key, std::nullopt, value);
}

absl::StatusOr<bool> StoreAccess::Remove(std::string_view key) {
  return store_.Remove(key);
}

absl::StatusOr<bool> StoreAccess::RemoveAll(std::string_view collection) {
  absl::StatusOr<bool> had = HasMembers(collection);
  if (!had.ok()) return had.status();
  if (absl::Status s = store_.DeleteAll(collection); !s.ok()) return s;
  return *had;
}

void TxnAccess::Clear() {
  ops_.clear();
  latest_.clear();
  cleared_.clear();
  expected_.clear();
}

void TxnAccess::Expect(std::string_view key,
                       std::optional<std::string_view> value) {
  expected_.insert_or_assign(
      std::string(key),
      value.has_value() ? std::optional<std::string>(*value) : std::nullopt);
}

void TxnAccess::RollBack(std::size_t count) {
  if (count >= ops_.size()) return;
  ops_.resize(count);
  latest_.clear();
  cleared_.clear();
  for (std::size_t i = 0; i < ops_.size(); ++i) {
    (ops_[i].kind == Kind::kDeleteAll ? cleared_ : latest_)[ops_[i].key] = i;
  }
}

absl::Status TxnAccess::Commit(Store& store) const {
  if (ops_.empty() && expected_.empty()) return absl::OkStatus();
  WriteBatch batch;
  for (const auto& [key, value] : expected_) {
    batch.Expect(key, value.has_value()
                          ? std::optional<std::string_view>(*value)
                          : std::nullopt);
  }
  for (const Op& op : ops_) {
    switch (op.kind) {
      case Kind::kPut: {
        PutOptions options;
        options.ttl = op.ttl;
        batch.Put(op.key, op.value, options);
        break;
      }
      case Kind::kDelete:
        batch.Delete(op.key);
        break;
      case Kind::kDeleteAll:
        batch.DeleteAll(op.key);
        break;
    }
  }
  return store.Write(batch);
}

std::optional<const TxnAccess::Op*> TxnAccess::Pending(
    std::string_view key) const {
  const auto latest = latest_.find(key);
  const auto cleared = cleared_.find(CollectionOf(key));
  if (latest != latest_.end() &&
      (cleared == cleared_.end() || latest->second > cleared->second)) {
    const Op& op = ops_[latest->second];
    return op.kind == Kind::kPut ? &op : nullptr;
  }
  if (cleared != cleared_.end()) return nullptr;
  return std::nullopt;
}

void TxnAccess::Add(Kind kind, std::string_view key, std::string_view value,
                    std::chrono::milliseconds ttl) {
  (kind == Kind::kDeleteAll ? cleared_ : latest_)[key] = ops_.size();
  ops_.push_back({kind, std::string(key), std::string(value), ttl});
}

absl::StatusOr<bool> TxnAccess::Read(std::string_view key, std::string* value) {
  if (const std::optional<const Op*> pending = Pending(key)) {
    if (*pending == nullptr) return false;
    value->assign((*pending)->value);
    return true;
  }
  if (const auto it = expected_.find(key); it != expected_.end()) {
    if (!it->second.has_value()) return false;
    value->assign(*it->second);
    return true;
  }
  const absl::Status s = store_.Get(key, value);
  if (!s.ok() && !absl::IsNotFound(s)) return s;
  Expect(key, s.ok() ? std::optional<std::string_view>(*value) : std::nullopt);
  return s.ok();
}

absl::StatusOr<bool> TxnAccess::HasMembers(std::string_view collection) {
  if (absl::Status s = ValidateCollection(collection); !s.ok()) return s;
  const auto cleared = cleared_.find(collection);
  // A member the batch puts (and leaves) is enough.
  for (std::size_t i = 0; i < ops_.size(); ++i) {
    const Op& op = ops_[i];
    if (op.kind == Kind::kPut && CollectionOf(op.key) == collection &&
        latest_.at(op.key) == i &&
        (cleared == cleared_.end() || i > cleared->second)) {
      return true;
    }
  }
  if (cleared != cleared_.end()) return false;
  // Else a member in the store that the batch does not delete, which then
  // becomes a condition.
  ScanOptions options;
  options.limit = 64;
  while (true) {
    absl::StatusOr<SharedScanPage> page =
        store_.ScanShared(collection, options);
    if (!page.ok()) return page.status();
    for (const SharedValue& item : page->items) {
      scratch_.assign(collection);
      scratch_ += '/';
      scratch_ += item.member();
      if (Pending(scratch_).has_value()) continue;
      if (!expected_.contains(scratch_)) Expect(scratch_, item.value());
      // Read what the conditions hold: it may have been read before.
      if (expected_.at(scratch_).has_value()) return true;
    }
    if (page->next.empty()) return false;
    options.start = std::move(page->next);
  }
}

absl::Status TxnAccess::Put(std::string_view key, std::string_view value) {
  // Checked now, so that a bad key fails its command, not the whole batch.
  if (absl::StatusOr<KeyRef> ref = ParseKey(key); !ref.ok()) {
    return ref.status();
  }
  if (absl::Status s = ValidateValueSize(value.size(), max_value_size_);
      !s.ok()) {
    return s;
  }
  Add(Kind::kPut, key, value);
  return absl::OkStatus();
}

absl::Status TxnAccess::PutExpiring(std::string_view key,
                                    std::string_view value,
                                    std::chrono::milliseconds ttl) {
  if (absl::Status s = Put(key, value); !s.ok()) return s;
  ops_.back().ttl = ttl;
  return absl::OkStatus();
}

absl::StatusOr<bool> TxnAccess::PutNew(std::string_view key,
                                       std::string_view value) {
  absl::StatusOr<bool> existed = Read(key, &scratch_);
  if (!existed.ok()) return existed.status();
  if (absl::Status s = Put(key, value); !s.ok()) return s;
  return !*existed;
}

absl::StatusOr<bool> TxnAccess::PutIfAbsent(std::string_view key,
                                            std::string_view value) {
  absl::StatusOr<bool> existed = Read(key, &scratch_);
  if (!existed.ok()) return existed.status();
  if (*existed) return false;
  if (absl::Status s = Put(key, value); !s.ok()) return s;
  return true;
}

absl::StatusOr<bool> TxnAccess::Remove(std::string_view key) {
  absl::StatusOr<bool> existed = Read(key, &scratch_);
  if (!existed.ok()) return existed.status();
  // Absent: nothing to do, and the condition that it is absent keeps the
  // reply true.
  if (*existed) Add(Kind::kDelete, key, "");
  return *existed;
}

absl::StatusOr<bool> TxnAccess::RemoveAll(std::string_view collection) {
  absl::StatusOr<bool> had = HasMembers(collection);
  if (!had.ok()) return had.status();
  Add(Kind::kDeleteAll, collection, "");
  return *had;
}

}  // namespace dskv::tool
