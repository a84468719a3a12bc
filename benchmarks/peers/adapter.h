// The interface that puts dskv and its peers behind one face, so that every
// workload of peer_bench is written once and run on each store.
//
// Keys are "collection/member", as dskv has them. A peer without collections
// stores the key as it is and finds a collection's members by its prefix
// "collection/": with a range scan if the store keeps keys in order, or by
// visiting every record if it hashes them. Info().get_all says which.

#ifndef BENCHMARKS_PEERS_ADAPTER_H_
#define BENCHMARKS_PEERS_ADAPTER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"

namespace dskv::peers {

// (member, value) pairs of one collection.
using Pairs = std::vector<std::pair<std::string, std::string>>;

// What a store is and how it was set up, for the results' tables.
struct StoreInfo {
  std::string name;      // Short name used on the command line: "rocksdb".
  std::string version;   // Of the library linked.
  std::string settings;  // The settings chosen, in a few words.
  std::string durable;   // When an acknowledged write reaches the disk.
  std::string get_all;   // How GetAllByCollection finds the members.
};

// What the workload will store, so that stores which size their tables up
// front (hash buckets, memory maps) can be set up as their authors advise.
struct OpenHints {
  std::uint64_t expected_keys = 0;
  std::uint64_t expected_bytes = 0;  // Keys and values.
};

// One store. Open and Close are called by one thread with no other call
// running; every other method may be called by many threads at once. After
// Close, Open may be called again (W3 reopens the store it wrote).
// Failures are returned as absl::Status with the store, the operation and
// the key in the message (see PeerError).
class Adapter {
 public:
  virtual ~Adapter() = default;

  virtual StoreInfo Info() const = 0;

  // Opens the store kept in `dir`, an existing directory, creating it if the
  // directory is empty.
  virtual absl::Status Open(const std::string& dir, const OpenHints& hints) = 0;

  virtual absl::Status Put(std::string_view key, std::string_view value) = 0;

  // Copies the value at `key` to `*value`; NotFound if there is none.
  virtual absl::Status Get(std::string_view key, std::string* value) = 0;

  // Removes `key`; removing a missing key succeeds.
  virtual absl::Status Delete(std::string_view key) = 0;

  // Sets `*pairs` to every (member, value) of `collection`, sorted by member
  // as dskv returns them (hash stores sort after their scan).
  virtual absl::Status GetAllByCollection(std::string_view collection,
                                          Pairs* pairs) = 0;

  // Returns once every write made before the call is on disk, synced.
  virtual absl::Status Sync() = 0;

  // Closes the store, which must have been opened; the store saves what it
  // keeps only in memory, as its own close does.
  virtual absl::Status Close() = 0;
};

// The error a store reported, as "store op("key"): message". `key` may be
// empty for operations that have none.
absl::Status PeerError(std::string_view store, std::string_view op,
                       std::string_view key, std::string_view message);

// If `key` starts with `prefix` ("collection/"), appends (member, value) to
// `*pairs` and returns true; otherwise returns false. Range scans stop at the
// first false.
bool AppendIfMember(std::string_view prefix, std::string_view key,
                    std::string_view value, Pairs* pairs);

// Sorts `*pairs` by member, for stores that scan in hash order.
void SortByMember(Pairs* pairs);

// "collection/": the prefix every key of `collection` starts with.
std::string CollectionPrefix(std::string_view collection);

}  // namespace dskv::peers

#endif  // BENCHMARKS_PEERS_ADAPTER_H_
