// The on-disk format of a collection file, defined once. persist/FORMAT.md
// describes it byte by byte; keep the two in step.
//
//   file   := header record*
//   header := magic[8] version:u32 name_size:u16 name[name_size] checksum:u64
//   record := checksum:u64 type:u8 member_size:u32 value_size:u64
//             member[member_size] value[value_size]
//
// Integers are little-endian. Checksums are XXH3-64 (seed 0): the header's
// over the header bytes before it, a record's over the record bytes after it.

#ifndef DSKV_PERSIST_FORMAT_H_
#define DSKV_PERSIST_FORMAT_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace dskv::format {

inline constexpr std::string_view kMagic{"DSKVCOL\n", 8};
inline constexpr std::uint32_t kVersion = 1;

// Offsets within the file header.
inline constexpr std::size_t kVersionOffset = kMagic.size();
inline constexpr std::size_t kNameSizeOffset = kVersionOffset + 4;
inline constexpr std::size_t kNameOffset = kNameSizeOffset + 2;

inline constexpr std::size_t HeaderSize(std::size_t name_size) {
  return kNameOffset + name_size + 8;
}

enum class RecordType : std::uint8_t {
  kPut = 1,     // member := value
  kDelete = 2,  // member removed; value_size is 0
};

// Offsets within a record.
inline constexpr std::size_t kTypeOffset = 8;
inline constexpr std::size_t kMemberSizeOffset = kTypeOffset + 1;
inline constexpr std::size_t kValueSizeOffset = kMemberSizeOffset + 4;
inline constexpr std::size_t kRecordHeaderSize = kValueSizeOffset + 8;

// Collection files are named by a hash of the collection's name, never by the
// name itself, so any name is safe on any file system; the real name is in
// the header.
inline constexpr std::string_view kFileSuffix = ".dskv";
// Added to a collection file's name while a new version of it is written;
// renamed over the collection file once complete.
inline constexpr std::string_view kTempSuffix = ".tmp";

// The checksum the format uses.
std::uint64_t Checksum(std::string_view bytes);

// The file name (not path) for `collection`.
std::string FileName(std::string_view collection);

// Appends the header of the file of `collection` to `out`.
void AppendHeader(std::string_view collection, std::string* out);

// Appends one record to `out`. `value` must be empty for kDelete.
void AppendRecord(RecordType type, std::string_view member,
                  std::string_view value, std::string* out);

// The size of the record AppendRecord writes.
inline constexpr std::uint64_t RecordSize(std::size_t member_size,
                                          std::size_t value_size) {
  return kRecordHeaderSize + member_size + value_size;
}

}  // namespace dskv::format

#endif  // DSKV_PERSIST_FORMAT_H_
