#include "dskv/tuple.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cstddef>
#include <type_traits>

#include "absl/status/status.h"
#include "base/utf8.h"

namespace dskv {
namespace {

// Type codes (docs/tuple_format.md), as FoundationDB's tuple layer has them.
constexpr std::uint8_t kBytesCode = 0x01;
constexpr std::uint8_t kTextCode = 0x02;
constexpr std::uint8_t kNestedCode = 0x05;
// Integers: kZeroCode, or kZeroCode +- the number of bytes that follow.
constexpr std::uint8_t kZeroCode = 0x14;
constexpr int kMaxIntegerBytes = 8;
constexpr std::uint8_t kUuidCode = 0x30;
constexpr std::size_t kUuidSize = 16;
// Ends a string or a nested tuple; inside a string, kEnd kEscape is a 0x00
// byte of the string.
constexpr char kEnd = '\x00';
constexpr char kEscape = '\xFF';

// --- Encoding.

void EncodeString(std::uint8_t code, std::string_view bytes, std::string* out) {
  out->push_back(static_cast<char>(code));
  for (char c : bytes) {
    out->push_back(c);
    if (c == kEnd) out->push_back(kEscape);
  }
  out->push_back(kEnd);
}

void EncodeInteger(std::int64_t value, std::string* out) {
  if (value == 0) {
    out->push_back(static_cast<char>(kZeroCode));
    return;
  }
  // The magnitude, in as few big-endian bytes as hold it; a negative
  // number's bytes are complemented, so that larger magnitudes sort first.
  const bool negative = value < 0;
  const std::uint64_t magnitude = negative
                                      ? ~static_cast<std::uint64_t>(value) + 1
                                      : static_cast<std::uint64_t>(value);
  const int size = (std::bit_width(magnitude) + 7) / 8;
  out->push_back(
      static_cast<char>(negative ? kZeroCode - size : kZeroCode + size));
  const std::uint64_t bits = negative ? ~magnitude : magnitude;
  for (int i = size - 1; i >= 0; --i) {
    out->push_back(static_cast<char>(bits >> (8 * i)));
  }
}

void Encode(const Tuple& tuple, std::string* out) {
  for (const Tuple::Element& element : tuple.elements()) {
    if (const auto* bytes = std::get_if<Bytes>(&element)) {
      EncodeString(kBytesCode, bytes->bytes, out);
    } else if (const auto* text = std::get_if<std::string>(&element)) {
      EncodeString(kTextCode, *text, out);
    } else if (const auto* nested = std::get_if<Tuple>(&element)) {
      out->push_back(static_cast<char>(kNestedCode));
      Encode(*nested, out);
      out->push_back(kEnd);
    } else if (const auto* integer = std::get_if<std::int64_t>(&element)) {
      EncodeInteger(*integer, out);
    } else {
      const Uuid& uuid = std::get<Uuid>(element);
      out->push_back(static_cast<char>(kUuidCode));
      out->append(reinterpret_cast<const char*>(uuid.bytes.data()),
                  uuid.bytes.size());
    }
  }
}

// --- Decoding.

absl::Status Malformed(std::size_t offset, std::string_view why) {
  return absl::InvalidArgumentError(
      fmt::format("not an encoded tuple: {} at byte offset {}", why, offset));
}

class Decoder {
 public:
  explicit Decoder(std::string_view encoded) : in_(encoded) {}

  absl::StatusOr<Tuple> Decode() {
    // Nested tuples being read, outermost first.
    std::vector<Tuple> open(1);
    std::vector<std::size_t> starts;  // Where each nested tuple began.
    while (pos_ < in_.size()) {
      const std::size_t start = pos_;
      const std::uint8_t code = static_cast<std::uint8_t>(in_[pos_++]);
      if (code == static_cast<std::uint8_t>(kEnd) && open.size() > 1) {
        Tuple done = std::move(open.back());
        open.pop_back();
        starts.pop_back();
        open.back().Add(std::move(done));
        continue;
      }
      if (code == kNestedCode) {
        if (open.size() > static_cast<std::size_t>(kMaxTupleDepth)) {
          return Malformed(start, fmt::format("tuples nested deeper than {}",
                                              kMaxTupleDepth));
        }
        open.emplace_back();
        starts.push_back(start);
        continue;
      }
      absl::StatusOr<Tuple::Element> element = DecodeElement(code, start);
      if (!element.ok()) return element.status();
      open.back().Add(*std::move(element));
    }
    if (open.size() > 1) {
      return Malformed(starts.back(), "nested tuple without its end");
    }
    return std::move(open.front());
  }

 private:
  absl::StatusOr<Tuple::Element> DecodeElement(std::uint8_t code,
                                               std::size_t start) {
    if (code == kBytesCode || code == kTextCode) {
      absl::StatusOr<std::string> bytes = DecodeString(start);
      if (!bytes.ok()) return bytes.status();
      if (code == kBytesCode) return Bytes{*std::move(bytes)};
      if (absl::Status s = CheckUtf8(*bytes, start + 1); !s.ok()) return s;
      return *std::move(bytes);
    }
    if (code >= kZeroCode - kMaxIntegerBytes &&
        code <= kZeroCode + kMaxIntegerBytes) {
      return DecodeInteger(code, start);
    }
    if (code == kUuidCode) {
      if (in_.size() - pos_ < kUuidSize) {
        return Malformed(start, "UUID cut short");
      }
      Uuid uuid;
      for (std::uint8_t& b : uuid.bytes) {
        b = static_cast<std::uint8_t>(in_[pos_++]);
      }
      return uuid;
    }
    return Malformed(start, fmt::format("unknown type code 0x{:02X}", code));
  }

  // Reads a string's escaped bytes up to its end; `start` is its type code.
  absl::StatusOr<std::string> DecodeString(std::size_t start) {
    std::string bytes;
    while (true) {
      if (pos_ == in_.size()) return Malformed(start, "string without its end");
      const char c = in_[pos_++];
      if (c != kEnd) {
        bytes.push_back(c);
      } else if (pos_ < in_.size() && in_[pos_] == kEscape) {
        bytes.push_back(kEnd);
        ++pos_;
      } else {
        return bytes;
      }
    }
  }

  // Checks UTF-8 text decoded from the escaped bytes that begin at `offset`.
  absl::Status CheckUtf8(std::string_view text, std::size_t offset) const {
    const std::size_t valid = ValidUtf8Prefix(text);
    if (valid == text.size()) return absl::OkStatus();
    return Malformed(EncodedOffset(offset, text, valid), "invalid UTF-8");
  }

  // Where byte i of a decoded string lies in the input, given that its
  // escaped bytes begin at `offset`: each 0x00 before it took two bytes.
  static std::size_t EncodedOffset(std::size_t offset, std::string_view text,
                                   std::size_t i) {
    std::size_t at = offset;
    for (std::size_t j = 0; j < i; ++j) at += text[j] == kEnd ? 2 : 1;
    return at;
  }

  absl::StatusOr<Tuple::Element> DecodeInteger(std::uint8_t code,
                                               std::size_t start) {
    if (code == kZeroCode) return std::int64_t{0};
    const bool negative = code < kZeroCode;
    const int size = negative ? kZeroCode - code : code - kZeroCode;
    if (in_.size() - pos_ < static_cast<std::size_t>(size)) {
      return Malformed(start, "integer cut short");
    }
    std::uint64_t bits = 0;
    for (int i = 0; i < size; ++i) {
      bits = bits << 8 | static_cast<std::uint8_t>(in_[pos_++]);
    }
    const std::uint64_t mask = size == kMaxIntegerBytes
                                   ? ~std::uint64_t{0}
                                   : (std::uint64_t{1} << (8 * size)) - 1;
    const std::uint64_t magnitude = negative ? ~bits & mask : bits;
    // The shortest form only: one encoding per integer.
    if (static_cast<int>((std::bit_width(magnitude) + 7) / 8) != size) {
      return Malformed(start, "integer not in its shortest form");
    }
    if (!negative) {
      if (magnitude > static_cast<std::uint64_t>(INT64_MAX)) {
        return Malformed(start, "integer above the int64 range");
      }
      return static_cast<std::int64_t>(magnitude);
    }
    if (magnitude > static_cast<std::uint64_t>(INT64_MAX) + 1) {
      return Malformed(start, "integer below the int64 range");
    }
    return static_cast<std::int64_t>(~magnitude + 1);
  }

  const std::string_view in_;
  std::size_t pos_ = 0;
};

}  // namespace

namespace {

// -1, 0 or 1 as a < b, a == b, a > b, for values with operator<.
template <typename T>
int CompareValues(const T& a, const T& b) {
  if (a < b) return -1;
  return b < a ? 1 : 0;
}

int CompareElements(const Tuple::Element& a, const Tuple::Element& b) {
  if (a.index() != b.index()) return a.index() < b.index() ? -1 : 1;
  return std::visit(
      [&b](const auto& value) -> int {
        using T = std::decay_t<decltype(value)>;
        if constexpr (std::is_same_v<T, Tuple>) {
          return CompareTuples(value, std::get<Tuple>(b));
        } else if constexpr (std::is_same_v<T, std::string>) {
          // std::string compares chars as unsigned bytes.
          const int c = value.compare(std::get<std::string>(b));
          return (c > 0) - (c < 0);
        } else {
          return CompareValues(value, std::get<T>(b));
        }
      },
      a);
}

}  // namespace

int CompareTuples(const Tuple& a, const Tuple& b) {
  const std::size_t common = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < common; ++i) {
    if (const int c = CompareElements(a[i], b[i]); c != 0) return c;
  }
  return CompareValues(a.size(), b.size());
}

bool operator<(const Tuple& a, const Tuple& b) {
  return CompareTuples(a, b) < 0;
}

std::string EncodeTuple(const Tuple& tuple) {
  std::string out;
  Encode(tuple, &out);
  return out;
}

absl::StatusOr<Tuple> DecodeTuple(std::string_view encoded) {
  return Decoder(encoded).Decode();
}

ScanOptions TupleRange(const Tuple& prefix) {
  ScanOptions options;
  options.start = EncodeTuple(prefix);
  // An extension goes on with a type code; a longer string element that
  // shares the bytes goes on with the escape 0xFF, past the end.
  options.end = options.start + kEscape;
  return options;
}

}  // namespace dskv
