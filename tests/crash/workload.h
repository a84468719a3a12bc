// The deterministic workload that crash_writer runs and crash_test checks.
//
// Operation number `version` of a run is a function of the run's seed and of
// `version` alone, and so is every value it writes. A writer killed at any
// moment and restarted at the next version therefore continues one long,
// reproducible sequence of operations, and the test, which knows the
// sequence, can tell which states each key may be in after any crash.

#ifndef DSKV_TESTS_CRASH_WORKLOAD_H_
#define DSKV_TESTS_CRASH_WORKLOAD_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dskv_crash {

enum class OpKind { kPut, kDelete, kDeleteAll };

struct Op {
  std::uint64_t version = 0;
  OpKind kind = OpKind::kPut;
  std::string collection;
  std::string member;  // Empty for kDeleteAll.

  // "collection/member"; not meaningful for kDeleteAll.
  std::string Key() const;
  // Whether the operation changes (or removes) the value at `key`.
  bool Affects(std::string_view key) const;
};

// The collections the workload writes to.
struct WorkloadCollection {
  std::string name;
  int members;
};
const std::vector<WorkloadCollection>& WorkloadCollections();

// The collection that kDeleteAll empties now and then.
inline constexpr std::string_view kClearedCollection = "tiny";

// Member number `index` of every collection. Some hold a '/'.
std::string WorkloadMember(int index);

// Every key the workload can write, collection by collection.
std::vector<std::string> WorkloadKeys();

// Operation number `version` (from 1) of the run with `seed`.
Op WorkloadOp(std::uint64_t seed, std::uint64_t version);

// The value a put of `key` at `version` stores: 0 to about 20 KB, its size
// and bytes determined by (key, version). Starts with "key@version:" when
// long enough, to make failures readable.
std::string WorkloadValue(std::string_view key, std::uint64_t version);

// --workload=batches: operation v is one WriteBatch that puts BatchValue(v)
// at every key of BatchKeys(), kBatchMembers members in each of
// kBatchCollections collections, so that after every batch all of them hold
// the same v. Every kBatchClearEvery-th operation also DeleteAlls one of the
// collections, in the same batch, before putting its members again.
inline constexpr int kBatchCollections = 4;
inline constexpr int kBatchMembers = 9;
inline constexpr std::uint64_t kBatchClearEvery = 50;
// The size of every value a batch puts: its version, then padding.
inline constexpr std::size_t kBatchValueSize = 300;

// Collection number `index` of the batches: "b0", "b1", ...
std::string BatchCollection(int index);

// The members every batch puts in each collection: "k", "m0", "m1", ...
std::vector<std::string> BatchMembers();

// Every key a batch puts, collection by collection.
std::vector<std::string> BatchKeys();

// The collection (its index) that batch `version` DeleteAlls first; nullopt
// for most batches.
std::optional<int> BatchClearedCollection(std::uint64_t version);

// What batch `version` stores at every key: the version in decimal, then
// 'x' up to kBatchValueSize bytes.
std::string BatchValue(std::uint64_t version);

// The version whose BatchValue `value` is; nullopt if it is none's.
std::optional<std::uint64_t> ParseBatchValue(std::string_view value);

}  // namespace dskv_crash

#endif  // DSKV_TESTS_CRASH_WORKLOAD_H_
