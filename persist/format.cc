#include "persist/format.h"

#include <fmt/format.h>

#include <cstring>
// For XXH3_state_t on the stack.
#define XXH_STATIC_LINKING_ONLY
#include <xxhash.h>

#include "base/hex_digest.h"
#include "persist/coding.h"

namespace dskv::format {
std::uint64_t Checksum(std::string_view bytes) {
  return XXH3_64bits(bytes.data(), bytes.size());
}

std::string FileName(std::string_view collection) {
  return Xxh3Hex128(collection).append(kFileSuffix);
}

void AppendHeader(std::string_view collection, std::string* out) {
  const std::size_t start = out->size();
  out->append(kMagic);
  AppendFixed(kVersion, out);
  AppendFixed(static_cast<std::uint16_t>(collection.size()), out);
  out->append(collection);
  AppendFixed(Checksum(std::string_view(*out).substr(start)), out);
}

std::uint32_t BodyHeaderChecksum(const char* body) {
  return static_cast<std::uint32_t>(
      Checksum(std::string_view(body, kBodyHeaderSize)));
}

void EncodeBodyHeader(RecordType type, std::size_t member_size,
                      std::size_t value_size, char* out) {
  out[kBodyTypeOffset] = static_cast<char>(type);
  EncodeFixed(static_cast<std::uint32_t>(member_size),
              out + kBodyMemberSizeOffset);
  EncodeFixed(static_cast<std::uint64_t>(value_size),
              out + kBodyValueSizeOffset);
}

void SealRecord(char* record, std::size_t size) {
  SealRecord(record, size, {});
}

void SealRecord(char* record, std::size_t size, std::string_view tail) {
  const char* body = record + kBodyOffset;
  const std::string_view head(body, size - kBodyOffset);
  EncodeFixed(BodyHeaderChecksum(body), record + kHeaderChecksumOffset);
  std::uint64_t checksum;
  if (tail.empty()) {
    checksum = Checksum(head);
  } else {
    XXH3_state_t state;
    XXH3_64bits_reset(&state);
    XXH3_64bits_update(&state, head.data(), head.size());
    XXH3_64bits_update(&state, tail.data(), tail.size());
    checksum = XXH3_64bits_digest(&state);
  }
  EncodeFixed(checksum, record + kBodyChecksumOffset);
}

ExpiringValue SplitExpiringValue(std::string_view value) {
  return {static_cast<std::int64_t>(DecodeFixed<std::uint64_t>(value.data())),
          value.substr(kDeadlineSize)};
}

void EncodeExpiringValue(std::int64_t deadline_ms, std::string_view data,
                         char* out) {
  EncodeFixed(static_cast<std::uint64_t>(deadline_ms), out);
  if (!data.empty()) std::memcpy(out + kDeadlineSize, data.data(), data.size());
}

void AppendRecord(RecordType type, std::string_view member,
                  std::string_view value, std::string* out) {
  const std::size_t start = out->size();
  out->resize(start + kRecordHeaderSize);  // Checksums filled in below.
  EncodeBodyHeader(type, member.size(), value.size(),
                   out->data() + start + kBodyOffset);
  out->append(member);
  out->append(value);
  SealRecord(out->data() + start, out->size() - start);
}

}  // namespace dskv::format
