// Typed tuple keys: an order-preserving encoding of tuples into bytes, for
// members (and collection names) that Scan returns in tuple order.
//
// A tuple is a sequence of elements, each a byte string (Bytes), a UTF-8
// string (std::string), a signed 64-bit integer, a UUID or a nested tuple:
//
//   dskv::Tuple key{"orders", std::int64_t{2024}, dskv::Uuid{...}};
//   store.Put("shop/" + dskv::EncodeTuple(key), value);
//
// Tuple order compares elements left to right; the first that differ decide,
// and a tuple sorts before its extensions (("a") < ("a", 1)). Elements of
// different types compare by type, in this order: byte string, UTF-8
// string, nested tuple, integer, UUID. Elements of one type compare by
// value: byte strings and UTF-8 strings by their bytes (unsigned; for UTF-8
// that is code point order), integers numerically, UUIDs by their bytes,
// nested tuples in tuple order. For any tuples a < b,
// EncodeTuple(a) < EncodeTuple(b) as unsigned bytes, which is the order
// Scan returns members in.
//
// The encoding follows FoundationDB's tuple layer for these types (type
// codes, 0x00 escaping, variable-length integers); it is specified in
// docs/tuple_format.md. Encodings of distinct tuples differ, and
// DecodeTuple(EncodeTuple(t)) == t.
//
// An encoded tuple is a member like any other (at most 64 KiB); it may
// contain any byte, so it is a collection name only if it holds no '/' and
// is at most 255 bytes.
//
// Thread-safety: the functions are thread-safe; a Tuple is a value, safe to
// read from many threads and to change from one.

#ifndef DSKV_TUPLE_H_
#define DSKV_TUPLE_H_

#include <array>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "dskv/store.h"

namespace dskv {

// A byte string element: any bytes. (A std::string element is UTF-8 text.)
struct Bytes {
  std::string bytes;
};
inline bool operator==(const Bytes& a, const Bytes& b) {
  return a.bytes == b.bytes;
}
inline bool operator!=(const Bytes& a, const Bytes& b) { return !(a == b); }
inline bool operator<(const Bytes& a, const Bytes& b) {
  return a.bytes < b.bytes;
}

// A UUID element: 16 bytes, compared as unsigned bytes.
struct Uuid {
  std::array<std::uint8_t, 16> bytes{};
};
inline bool operator==(const Uuid& a, const Uuid& b) {
  return a.bytes == b.bytes;
}
inline bool operator!=(const Uuid& a, const Uuid& b) { return !(a == b); }
inline bool operator<(const Uuid& a, const Uuid& b) {
  return a.bytes < b.bytes;
}

class Tuple {
 public:
  // One element; std::string is UTF-8 text. The alternatives are listed in
  // tuple order's type order.
  using Element = std::variant<Bytes, std::string, Tuple, std::int64_t, Uuid>;

  Tuple() = default;
  Tuple(std::initializer_list<Element> elements) : elements_(elements) {}
  explicit Tuple(std::vector<Element> elements)
      : elements_(std::move(elements)) {}

  const std::vector<Element>& elements() const { return elements_; }
  std::size_t size() const { return elements_.size(); }
  bool empty() const { return elements_.empty(); }
  const Element& operator[](std::size_t i) const { return elements_[i]; }

  // Appends an element; returns *this, for chaining.
  Tuple& Add(Element element) {
    elements_.push_back(std::move(element));
    return *this;
  }

  // Equality, and tuple order (see above).
  friend bool operator==(const Tuple& a, const Tuple& b) {
    return a.elements_ == b.elements_;
  }
  friend bool operator!=(const Tuple& a, const Tuple& b) { return !(a == b); }
  friend bool operator<(const Tuple& a, const Tuple& b);

 private:
  std::vector<Element> elements_;
};

// DecodeTuple reads tuples nested at most this deep (a tuple inside a tuple
// inside a tuple is 3 deep), so that hostile input cannot make it build a
// value whose destruction exhausts the stack.
inline constexpr int kMaxTupleDepth = 256;

// Tuple order: negative if a < b, 0 if a == b, positive if a > b.
int CompareTuples(const Tuple& a, const Tuple& b);

// The bytes of `tuple`, ordered as tuples are. Does not check that UTF-8
// elements are valid UTF-8; DecodeTuple does, so text that is not UTF-8
// encodes but does not decode: use Bytes for arbitrary bytes.
std::string EncodeTuple(const Tuple& tuple);

// The tuple that `encoded` holds. InvalidArgument, naming the byte offset,
// if it is not the encoding of a tuple: an unknown type code, an element cut
// short, an integer not in its shortest form or outside int64, a UTF-8
// element that is not valid UTF-8, or nesting deeper than kMaxTupleDepth.
absl::StatusOr<Tuple> DecodeTuple(std::string_view encoded);

// The scan options for every member that encodes `prefix` or a tuple that
// starts with it (its extensions), in tuple order; set `limit`, `reverse`
// and `members_only` on the result as needed. Members that merely begin
// with the same bytes (("ab") and ("ab\0")) are left out.
ScanOptions TupleRange(const Tuple& prefix);

}  // namespace dskv

#endif  // DSKV_TUPLE_H_
