// ExpiryIndex: the keys of one shard that expire, in deadline order, so that
// removing what expired costs in proportion to what expired, never a walk
// over every key. Each key that has a deadline is in it once, with the
// deadline of its current Record; keys without one cost nothing.
//
// Not thread-safe: its shard's lock guards it.

#ifndef DSKV_EXPIRY_INDEX_H_
#define DSKV_EXPIRY_INDEX_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>

#include "absl/container/btree_set.h"
#include "absl/functional/function_ref.h"

namespace dskv {

class ExpiryIndex {
 public:
  // Notes that member `member` of `collection` expires at `deadline_ms`.
  // Returns whether the entry is new.
  bool Add(std::int64_t deadline_ms, std::string_view collection,
           std::string_view member);
  // Forgets the entry Add made with these arguments, if it is there.
  // Returns whether it was.
  bool Remove(std::int64_t deadline_ms, std::string_view collection,
              std::string_view member);
  // The earliest deadline, if any.
  std::optional<std::int64_t> Next() const;

  // Removes each entry whose deadline is at or before `until_ms`, earliest
  // first, and passes its collection and member to `take`, until `take`
  // returns false.
  void TakeUntil(std::int64_t until_ms,
                 absl::FunctionRef<bool(std::string_view collection,
                                        std::string_view member)>
                     take);

  // About the memory an entry for this key takes, in the tree and on the
  // heap: what a key with a deadline pays for it (Stats::memory_bytes).
  static std::size_t EntryMemory(std::string_view collection,
                                 std::string_view member);

  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }

 private:
  struct Entry {
    std::int64_t deadline_ms;
    std::string collection;
    std::string member;
    bool operator<(const Entry& other) const {
      return std::tie(deadline_ms, collection, member) <
             std::tie(other.deadline_ms, other.collection, other.member);
    }
  };
  absl::btree_set<Entry> entries_;
};

}  // namespace dskv

#endif  // DSKV_EXPIRY_INDEX_H_
