// PutOptions: how Store::Put and WriteBatch::Put store a value.

#ifndef DSKV_PUT_OPTIONS_H_
#define DSKV_PUT_OPTIONS_H_

#include <chrono>

namespace dskv {

struct PutOptions {
  // How long the key keeps the value. Once it has passed, the key reads as
  // absent everywhere at once (Get, Scan, GetAll, ListCollections,
  // GetStats' counts), and the store removes it from memory and from its
  // files in the background. Zero (the default): the value never expires.
  // Must not be negative. Kept to the millisecond. A Put without a ttl
  // clears a key's deadline, as Redis's SET does.
  std::chrono::milliseconds ttl{0};
};

}  // namespace dskv

#endif  // DSKV_PUT_OPTIONS_H_
