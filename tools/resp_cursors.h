// HSCAN's cursors. Redis cursors are decimal numbers (clients parse them
// as such), but a walk through a collection in member order must continue
// from a member: so the server keeps, for each cursor it handed out, the
// collection and the member its next page starts at. Thread-safe; shared
// by every connection, so a walk may go on over another connection.

#ifndef DSKV_TOOLS_RESP_CURSORS_H_
#define DSKV_TOOLS_RESP_CURSORS_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace dskv::tool {

class RespCursors {
 public:
  // Keeps at most `capacity` cursors; beyond, the oldest is forgotten.
  explicit RespCursors(std::size_t capacity) : capacity_(capacity) {}

  std::size_t capacity() const { return capacity_; }

  // A new cursor (never 0) for the page of `collection` starting at
  // `next`.
  std::uint64_t Add(std::string_view collection, std::string_view next);

  // Where the page of `cursor` starts, if the cursor is known and was
  // handed out for `collection`. A cursor may be used again (a client that
  // lost a reply retries) until it is forgotten.
  std::optional<std::string> Find(std::uint64_t cursor,
                                  std::string_view collection) const;

 private:
  struct Entry {
    std::string collection;
    std::string next;
  };

  const std::size_t capacity_;
  mutable std::mutex mu_;
  std::uint64_t last_ = 0;  // Cursors count up: the oldest is the smallest.
  std::map<std::uint64_t, Entry> entries_;
};

}  // namespace dskv::tool

#endif  // DSKV_TOOLS_RESP_CURSORS_H_
