// OrderedIndex: the members of one collection in the order of their bytes,
// for Scan.
//
// The hash sets of ShardMap answer point reads; this index only orders. It
// holds, for every member of its collection, a pointer to a Record of that
// member, without a reference: ShardMap keeps each pointed-to Record alive
// until the index is told of its replacement (see ShardMap's "Ordering").
//
// Each entry carries the member's first 16 bytes, so that most comparisons
// are settled without reading the Record: 24 bytes an entry.
//
// Not thread-safe: ShardMap guards each index with its own mutex.

#ifndef DSKV_ORDERED_INDEX_H_
#define DSKV_ORDERED_INDEX_H_

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/container/btree_set.h"
#include "dskv/record.h"

namespace dskv {

class OrderedIndex {
 public:
  // A member's first 16 bytes, big-endian, zero-padded: ordering these as
  // integers orders the members, up to ties. Most members differ within
  // them, so most comparisons do not read the Record.
  struct Key {
    std::uint64_t high;
    std::uint64_t low;
    friend bool operator==(const Key& a, const Key& b) {
      return a.high == b.high && a.low == b.low;
    }
    friend bool operator<(const Key& a, const Key& b) {
      return a.high != b.high ? a.high < b.high : a.low < b.low;
    }
  };

  struct Entry {
    Key key;
    const Record* record;
    std::string_view member() const { return record->member(); }
  };

 private:
  struct Probe {
    Key key;
    std::string_view member;
  };
  struct Less {
    using is_transparent = void;
    static Probe AsProbe(const Entry& e) { return {e.key, e.member()}; }
    static const Probe& AsProbe(const Probe& p) { return p; }
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      if (!(KeyOf(a) == KeyOf(b))) return KeyOf(a) < KeyOf(b);
      return AsProbe(a).member < AsProbe(b).member;
    }
    static const Key& KeyOf(const Entry& e) { return e.key; }
    static const Key& KeyOf(const Probe& p) { return p.key; }
  };
  using Set = absl::btree_set<Entry, Less>;

 public:
  using const_iterator = Set::const_iterator;

  // Points the entry of `record`'s member at `record`, adding it if missing.
  void Upsert(const Record* record);
  // Removes `member`'s entry, if any.
  void Erase(std::string_view member);
  // Upserts each of `records`, faster than one Upsert each.
  void UpsertAll(const std::vector<const Record*>& records);
  void Clear() { set_.clear(); }

  // The first entry whose member is >= `member`.
  const_iterator LowerBound(std::string_view member) const {
    return set_.lower_bound(Probe{KeyOf(member), member});
  }
  const_iterator begin() const { return set_.begin(); }
  const_iterator end() const { return set_.end(); }
  std::size_t size() const { return set_.size(); }

  static Key KeyOf(std::string_view member);

 private:
  Set set_;
};

}  // namespace dskv

#endif  // DSKV_ORDERED_INDEX_H_
