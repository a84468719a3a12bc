// WATCH, as dskv can do it: the store keeps no versions, so a connection's
// WATCH remembers the values it reads of the watched keys (and of the
// members of watched hashes), and EXEC makes them conditions of its batch
// (docs/resp.md#watch). A change to a watched key that the connection
// never read does not abort EXEC.

#ifndef DSKV_TOOLS_RESP_WATCH_H_
#define DSKV_TOOLS_RESP_WATCH_H_

#include <optional>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "base/string_hash.h"

namespace dskv::tool {

class WatchSet {
 public:
  // Whether anything is watched. Cheap: checked on every read.
  bool active() const { return active_; }

  // Watches the dskv key `key`, or every member of `collection`.
  void WatchKey(std::string_view key);
  void WatchCollection(std::string_view collection);

  // Called with each value the connection reads (nullopt: none); remembers
  // it if the key is watched. A key read twice with different values
  // breaks the watch: the next EXEC aborts.
  void Saw(std::string_view key, std::optional<std::string_view> value) {
    if (active_) Record(key, value);
  }

  // What was read of the watched keys: the conditions EXEC adds.
  const absl::flat_hash_map<std::string, std::optional<std::string>, StringHash,
                            StringEq>&
  reads() const {
    return reads_;
  }
  bool broken() const { return broken_; }

  // UNWATCH, and after EXEC or DISCARD.
  void Clear();

 private:
  void Record(std::string_view key, std::optional<std::string_view> value);

  bool active_ = false;
  bool broken_ = false;
  absl::flat_hash_set<std::string, StringHash, StringEq> keys_;
  absl::flat_hash_set<std::string, StringHash, StringEq> collections_;
  absl::flat_hash_map<std::string, std::optional<std::string>, StringHash,
                      StringEq>
      reads_;
};

}  // namespace dskv::tool

#endif  // DSKV_TOOLS_RESP_WATCH_H_
