// Fixed-width little-endian integers, as the file format stores them.

#ifndef DSKV_PERSIST_CODING_H_
#define DSKV_PERSIST_CODING_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>

namespace dskv {

template <typename T>
void EncodeFixed(T value, char* dst) {
  static_assert(std::is_unsigned_v<T>);
  for (std::size_t i = 0; i < sizeof(T); ++i) {
    dst[i] = static_cast<char>(value >> (8 * i));
  }
}

template <typename T>
void AppendFixed(T value, std::string* out) {
  char bytes[sizeof(T)];
  EncodeFixed(value, bytes);
  out->append(bytes, sizeof(T));
}

template <typename T>
T DecodeFixed(const char* src) {
  static_assert(std::is_unsigned_v<T>);
  T value = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i) {
    value |= static_cast<T>(static_cast<unsigned char>(src[i])) << (8 * i);
  }
  return value;
}

}  // namespace dskv

#endif  // DSKV_PERSIST_CODING_H_
