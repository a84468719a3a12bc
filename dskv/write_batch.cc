#include "dskv/write_batch.h"

namespace dskv {

WriteBatch::Span WriteBatch::Add(std::string_view bytes) {
  const Span span{bytes_.size(), bytes.size()};
  bytes_.append(bytes);
  return span;
}

void WriteBatch::Put(std::string_view key, std::string_view value) {
  const Span k = Add(key);
  ops_.push_back({Kind::kPut, k, Add(value)});
}

void WriteBatch::Put(std::string_view key, std::string_view value,
                     const PutOptions& options) {
  const Span k = Add(key);
  ops_.push_back({Kind::kPut, k, Add(value), options.ttl});
}

void WriteBatch::Delete(std::string_view key) {
  ops_.push_back({Kind::kDelete, Add(key), {}, {}});
}

void WriteBatch::DeleteAll(std::string_view collection) {
  ops_.push_back({Kind::kDeleteAll, Add(collection), {}, {}});
}

void WriteBatch::Expect(std::string_view key,
                        std::optional<std::string_view> value) {
  const Span k = Add(key);
  conditions_.push_back(
      {k, value.has_value() ? std::optional<Span>(Add(*value)) : std::nullopt});
}

std::size_t WriteBatch::ByteSize() const {
  return sizeof(*this) + bytes_.capacity() + ops_.capacity() * sizeof(Op) +
         conditions_.capacity() * sizeof(Condition);
}

void WriteBatch::Clear() {
  bytes_.clear();
  ops_.clear();
  conditions_.clear();
}

void WriteBatch::Iterate(Handler& handler) const {
  for (const Condition& c : conditions_) {
    handler.Expect(View(c.key), c.value.has_value()
                                    ? std::optional(View(*c.value))
                                    : std::nullopt);
  }
  for (const Op& op : ops_) {
    switch (op.kind) {
      case Kind::kPut:
        if (op.ttl.count() == 0) {
          handler.Put(View(op.key), View(op.value));
        } else {
          handler.PutExpiring(View(op.key), View(op.value), op.ttl);
        }
        break;
      case Kind::kDelete:
        handler.Delete(View(op.key));
        break;
      case Kind::kDeleteAll:
        handler.DeleteAll(View(op.key));
        break;
    }
  }
}

}  // namespace dskv
