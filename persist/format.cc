#include "persist/format.h"

#include <fmt/format.h>
#include <xxhash.h>

#include "persist/coding.h"

namespace dskv::format {
std::uint64_t Checksum(std::string_view bytes) {
  return XXH3_64bits(bytes.data(), bytes.size());
}

std::string FileName(std::string_view collection) {
  const XXH128_hash_t h = XXH3_128bits(collection.data(), collection.size());
  return fmt::format("{:016x}{:016x}{}", h.high64, h.low64, kFileSuffix);
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

void EncodeRecordPrefix(std::string_view body, char* prefix) {
  EncodeFixed(BodyHeaderChecksum(body.data()), prefix + kHeaderChecksumOffset);
  EncodeFixed(Checksum(body), prefix + kBodyChecksumOffset);
}

void SealRecord(char* record, std::size_t size) {
  EncodeRecordPrefix(std::string_view(record + kBodyOffset, size - kBodyOffset),
                     record);
}

void AppendRecord(RecordType type, std::string_view member,
                  std::string_view value, std::string* out) {
  const std::size_t start = out->size();
  out->resize(start + kBodyOffset);  // The checksums, filled in below.
  out->push_back(static_cast<char>(type));
  AppendFixed(static_cast<std::uint32_t>(member.size()), out);
  AppendFixed(static_cast<std::uint64_t>(value.size()), out);
  out->append(member);
  out->append(value);
  SealRecord(out->data() + start, out->size() - start);
}

}  // namespace dskv::format
