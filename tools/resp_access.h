// How a Redis command reads and changes the store: at once (StoreAccess),
// or as part of a transaction that commits as one WriteBatch (TxnAccess).
// Commands are written once, against KeyAccess, and work either way.

#ifndef DSKV_TOOLS_RESP_ACCESS_H_
#define DSKV_TOOLS_RESP_ACCESS_H_

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "base/string_hash.h"
#include "dskv/store.h"
#include "tools/resp_watch.h"

namespace dskv::tool {

// Keys are dskv keys ("collection/member"); errors are the store's.
class KeyAccess {
 public:
  virtual ~KeyAccess() = default;
  // Copies the value at `key` into *value; false if the key holds none.
  virtual absl::StatusOr<bool> Read(std::string_view key,
                                    std::string* value) = 0;
  // Whether `collection` has a member.
  virtual absl::StatusOr<bool> HasMembers(std::string_view collection) = 0;
  virtual absl::Status Put(std::string_view key, std::string_view value) = 0;
  // As Put, for a value that expires `ttl` (positive) from now.
  virtual absl::Status PutExpiring(std::string_view key, std::string_view value,
                                   std::chrono::milliseconds ttl) = 0;
  // As Put; whether the key held no value before.
  virtual absl::StatusOr<bool> PutNew(std::string_view key,
                                      std::string_view value) = 0;
  // Stores `value` if the key holds none; whether it did.
  virtual absl::StatusOr<bool> PutIfAbsent(std::string_view key,
                                           std::string_view value) = 0;
  // Removes the key; whether it held a value.
  virtual absl::StatusOr<bool> Remove(std::string_view key) = 0;
  // Removes every member of `collection`; whether it had one.
  virtual absl::StatusOr<bool> RemoveAll(std::string_view collection) = 0;
};

// Each call is one call of the store, atomic on its own. Reads are shown to
// the connection's WatchSet.
class StoreAccess final : public KeyAccess {
 public:
  StoreAccess(Store& store, WatchSet& watch) : store_(store), watch_(watch) {}

  absl::StatusOr<bool> Read(std::string_view key, std::string* value) override;
  absl::StatusOr<bool> HasMembers(std::string_view collection) override;
  absl::Status Put(std::string_view key, std::string_view value) override;
  absl::Status PutExpiring(std::string_view key, std::string_view value,
                           std::chrono::milliseconds ttl) override;
  absl::StatusOr<bool> PutNew(std::string_view key,
                              std::string_view value) override;
  absl::StatusOr<bool> PutIfAbsent(std::string_view key,
                                   std::string_view value) override;
  absl::StatusOr<bool> Remove(std::string_view key) override;
  absl::StatusOr<bool> RemoveAll(std::string_view collection) override;

 private:
  Store& store_;
  WatchSet& watch_;
};

// Reads the store, and records every value a read saw as a condition
// (WriteBatch::Expect); writes go into a batch, and later reads see them.
// Commit writes the batch with its conditions: all of it, if everything
// the reads saw still holds, or nothing (Aborted). So whatever the replies
// said, computed from those reads, is what the batch did.
//
// One limit: that a collection has no member cannot be a condition, so
// HasMembers (and RemoveAll's answer) saying false is not checked again.
class TxnAccess final : public KeyAccess {
 public:
  TxnAccess(const Store& store, std::size_t max_value_size)
      : store_(store), max_value_size_(max_value_size) {}

  // Forgets every operation and condition.
  void Clear();
  // Adds the condition that `key` holds `value` (nullopt: nothing), as if
  // read now.
  void Expect(std::string_view key, std::optional<std::string_view> value);
  // The operations so far, and undoing those after the first `count` (a
  // command that failed halfway changes nothing).
  std::size_t size() const { return ops_.size(); }
  void RollBack(std::size_t count);
  // Writes the batch, with its conditions (nothing to write: OK).
  absl::Status Commit(Store& store) const;

  absl::StatusOr<bool> Read(std::string_view key, std::string* value) override;
  absl::StatusOr<bool> HasMembers(std::string_view collection) override;
  absl::Status Put(std::string_view key, std::string_view value) override;
  absl::Status PutExpiring(std::string_view key, std::string_view value,
                           std::chrono::milliseconds ttl) override;
  absl::StatusOr<bool> PutNew(std::string_view key,
                              std::string_view value) override;
  absl::StatusOr<bool> PutIfAbsent(std::string_view key,
                                   std::string_view value) override;
  absl::StatusOr<bool> Remove(std::string_view key) override;
  absl::StatusOr<bool> RemoveAll(std::string_view collection) override;

 private:
  enum class Kind { kPut, kDelete, kDeleteAll };
  struct Op {
    Kind kind;
    std::string key;  // The collection, for kDeleteAll.
    std::string value;
    std::chrono::milliseconds ttl{0};  // kPut's; zero: none.
  };
  // What the batch so far leaves at `key`: nullopt if it does not touch
  // it; else whether it holds a value, and the op holding it.
  std::optional<const Op*> Pending(std::string_view key) const;
  void Add(Kind kind, std::string_view key, std::string_view value,
           std::chrono::milliseconds ttl = std::chrono::milliseconds(0));

  const Store& store_;
  const std::size_t max_value_size_;
  std::vector<Op> ops_;
  // The latest op of each key and the latest kDeleteAll of each
  // collection, as indexes into ops_.
  absl::flat_hash_map<std::string, std::size_t, StringHash, StringEq> latest_;
  absl::flat_hash_map<std::string, std::size_t, StringHash, StringEq> cleared_;
  // The conditions: what each key held when first read from the store.
  absl::flat_hash_map<std::string, std::optional<std::string>, StringHash,
                      StringEq>
      expected_;
  std::string scratch_;
};

}  // namespace dskv::tool

#endif  // DSKV_TOOLS_RESP_ACCESS_H_
