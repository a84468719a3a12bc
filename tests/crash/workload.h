// The deterministic workload that crash_writer runs and crash_test checks.
//
// Operation number `version` of a run is a function of the run's seed and of
// `version` alone, and so is every value it writes. A writer killed at any
// moment and restarted at the next version therefore continues one long,
// reproducible sequence of operations, and the test, which knows the
// sequence, can tell which states each key may be in after any crash.

#ifndef DSKV_TESTS_CRASH_WORKLOAD_H_
#define DSKV_TESTS_CRASH_WORKLOAD_H_

#include <cstdint>
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

}  // namespace dskv_crash

#endif  // DSKV_TESTS_CRASH_WORKLOAD_H_
