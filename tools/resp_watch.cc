#include "tools/resp_watch.h"

namespace dskv::tool {

void WatchSet::WatchKey(std::string_view key) {
  keys_.emplace(key);
  active_ = true;
}

void WatchSet::WatchCollection(std::string_view collection) {
  collections_.emplace(collection);
  active_ = true;
}

void WatchSet::Record(std::string_view key,
                      std::optional<std::string_view> value) {
  if (!keys_.contains(key) &&
      !collections_.contains(key.substr(0, key.find('/')))) {
    return;
  }
  const auto [it, added] = reads_.try_emplace(key);
  if (added) {
    if (value.has_value()) it->second.emplace(*value);
    return;
  }
  // Changed between two reads: by another connection, or by this one.
  // Either way Redis would abort the EXEC.
  if (it->second.has_value() != value.has_value() ||
      (value.has_value() && *it->second != *value)) {
    broken_ = true;
  }
}

void WatchSet::Clear() {
  active_ = false;
  broken_ = false;
  keys_.clear();
  collections_.clear();
  reads_.clear();
}

}  // namespace dskv::tool
