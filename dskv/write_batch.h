// WriteBatch: changes that Store::Write applies together, all or nothing.
//
//   dskv::WriteBatch batch;
//   batch.Put("users/ada", "...");
//   batch.Put("emails/ada@example.com", "ada");
//   batch.Delete("pending/ada");
//   absl::Status s = store.Write(batch);
//
// Operations apply in the order they were added: a later Put of a key wins
// over an earlier one, and a DeleteAll then a Put of the same collection
// leaves that one member. Conditions (Expect) make the whole batch apply
// only if given keys hold given values when it is applied.
//
// A WriteBatch is a value that keeps copies of what it is given; build it
// on one thread, then Write it from any (several Writes of one batch may run
// at once). See Store::Write for what "all or nothing" covers.

#ifndef DSKV_WRITE_BATCH_H_
#define DSKV_WRITE_BATCH_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dskv/put_options.h"

namespace dskv {

class WriteBatch {
 public:
  WriteBatch() = default;

  // Stores `value` at `key`, as Store::Put.
  void Put(std::string_view key, std::string_view value);
  // As Store::Put with `options`. A ttl counts from when Store::Write
  // applies the batch; a negative one makes Write fail.
  void Put(std::string_view key, std::string_view value,
           const PutOptions& options);
  // Removes `key`, as Store::Delete.
  void Delete(std::string_view key);
  // Removes every member of `collection`, as Store::DeleteAll.
  void DeleteAll(std::string_view collection);

  // Makes the batch apply only if, when it is applied, `key` holds exactly
  // `value`, or, with `value` nullopt, holds nothing. Checked together, before
  // any operation, atomically with them; not an operation.
  void Expect(std::string_view key, std::optional<std::string_view> value);

  // The operations added (Put, Delete, DeleteAll), not counting conditions.
  std::size_t Count() const { return ops_.size(); }
  // The conditions added.
  std::size_t ConditionCount() const { return conditions_.size(); }
  // About the memory the batch holds, in bytes.
  std::size_t ByteSize() const;
  // Removes every operation and condition.
  void Clear();

  // Receives a batch's contents from Iterate: for code that applies a batch
  // elsewhere (dskv/kv.h's Redis backend does).
  class Handler {
   public:
    virtual ~Handler() = default;
    virtual void Expect(std::string_view key,
                        std::optional<std::string_view> value) = 0;
    virtual void Put(std::string_view key, std::string_view value) = 0;
    // A Put with a ttl (PutOptions::ttl, not zero).
    virtual void PutExpiring(std::string_view key, std::string_view value,
                             std::chrono::milliseconds ttl) = 0;
    virtual void Delete(std::string_view key) = 0;
    virtual void DeleteAll(std::string_view collection) = 0;
  };
  // Calls `handler` with every condition, in the order they were added, then
  // with every operation, in order. The views point into the batch: they are
  // valid until it is changed or destroyed.
  void Iterate(Handler& handler) const;

 private:
  friend class Store;

  enum class Kind : std::uint8_t { kPut, kDelete, kDeleteAll };
  // Where an operation's or condition's strings are in `bytes_`.
  struct Span {
    std::size_t offset = 0;
    std::size_t size = 0;
  };
  struct Op {
    Kind kind;
    Span key;                          // The collection name, for kDeleteAll.
    Span value;                        // Empty unless kPut.
    std::chrono::milliseconds ttl{0};  // kPut's; zero: none.
  };
  struct Condition {
    Span key;
    std::optional<Span> value;
  };

  Span Add(std::string_view bytes);
  std::string_view View(Span span) const {
    return std::string_view(bytes_).substr(span.offset, span.size);
  }

  // Every key, collection name and value, one after another.
  std::string bytes_;
  std::vector<Op> ops_;
  std::vector<Condition> conditions_;
};

}  // namespace dskv

#endif  // DSKV_WRITE_BATCH_H_
