// The on-disk format of a collection file, defined once. persist/FORMAT.md
// describes it byte by byte; keep the two in step.
//
//   file   := header record*
//   header := magic[8] version:u32 name_size:u16 name[name_size] checksum:u64
//   record := header_checksum:u32 body_checksum:u64 body
//   body   := type:u8 member_size:u32 value_size:u64
//             member[member_size] value[value_size]
//   value  := deadline:i64 data            (type kPutExpiring)
//           | data                         (otherwise)
//
// Integers are little-endian. Checksums are XXH3-64 (seed 0): the file
// header's over the header bytes before it; a record's header_checksum is the
// low 32 bits of the checksum of the body's first 13 bytes (type and sizes),
// its body_checksum that of the whole body. The separate header checksum lets
// a reader trust a record's length even when its payload is damaged, so it
// never looks for records inside another record's bytes.

#ifndef DSKV_PERSIST_FORMAT_H_
#define DSKV_PERSIST_FORMAT_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace dskv::format {

inline constexpr std::string_view kMagic{"DSKVCOL\n", 8};
// Version 2 stores may hold a JOURNAL (below) that completes their files
// after a crash; a reader of version 1 would ignore it and could see half a
// batch, so it must refuse them. Version 3 adds kPutExpiring records, which
// a reader of version 2 would take for damage. Older files read the same.
inline constexpr std::uint32_t kVersion = 3;
inline constexpr std::uint32_t kOldestReadableVersion = 1;

// The largest collection name and member a file holds; a reader takes larger
// sizes for damage. The store's limits on keys (dskv/store.h) are these.
inline constexpr std::size_t kMaxNameSize = 255;
inline constexpr std::size_t kMaxMemberSize = 65536;

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
  // member := value until its deadline, which the value field starts with
  // (kDeadlineSize bytes: milliseconds since the Unix epoch, UTC); from the
  // deadline on, the record reads as a kDelete.
  kPutExpiring = 3,
};

// The deadline at the start of a kPutExpiring record's value field.
inline constexpr std::size_t kDeadlineSize = 8;

// Offsets within a record's body.
inline constexpr std::size_t kBodyTypeOffset = 0;
inline constexpr std::size_t kBodyMemberSizeOffset = 1;
inline constexpr std::size_t kBodyValueSizeOffset = 5;
// The part of the body that header_checksum covers; the member follows it.
inline constexpr std::size_t kBodyHeaderSize = 13;

// A record's fields, wherever they are: what RecordBatch encodes.
struct RecordFields {
  RecordType type = RecordType::kPut;
  std::string_view member;
  // The value field as the file holds it: empty for kDelete, the deadline
  // and the data for kPutExpiring (see SplitExpiringValue).
  std::string_view value;
};

// A kPutExpiring record's value field, split. Its deadline, in milliseconds
// since the Unix epoch, and the data.
struct ExpiringValue {
  std::int64_t deadline_ms;
  std::string_view data;
};
// `value` holds at least kDeadlineSize bytes (readers check).
ExpiringValue SplitExpiringValue(std::string_view value);
// Writes the value field of a kPutExpiring record with `deadline_ms` and
// `data` to `out`, which holds kDeadlineSize + data.size() bytes.
void EncodeExpiringValue(std::int64_t deadline_ms, std::string_view data,
                         char* out);

// Offsets within a record.
inline constexpr std::size_t kHeaderChecksumOffset = 0;
inline constexpr std::size_t kBodyChecksumOffset = 4;
inline constexpr std::size_t kBodyOffset = 12;
inline constexpr std::size_t kTypeOffset = kBodyOffset + kBodyTypeOffset;
inline constexpr std::size_t kMemberSizeOffset =
    kBodyOffset + kBodyMemberSizeOffset;
inline constexpr std::size_t kValueSizeOffset =
    kBodyOffset + kBodyValueSizeOffset;
inline constexpr std::size_t kRecordHeaderSize = kBodyOffset + kBodyHeaderSize;

// Collection files are named by a hash of the collection's name, never by the
// name itself, so any name is safe on any file system; the real name is in
// the header.
inline constexpr std::string_view kFileSuffix = ".dskv";
// Added to a collection file's name while a new version of it is written;
// renamed over the collection file once complete.
inline constexpr std::string_view kTempSuffix = ".tmp";
// Appended by Options::salvage to the name of a file whose header is
// unreadable, to set it aside.
inline constexpr std::string_view kSetAsideSuffix = ".corrupt";

// The journal: what a janitor pass that holds a batch (Store::Write) is
// about to write to the collection files, written first, whole and synced,
// so that a crash can never leave part of a batch on disk.
//
//   journal := header section* checksum:u64
//   header  := magic[8] version:u32
//   section := name_size:u16 name[name_size] flags:u8 records_size:u64
//              record[...records_size bytes]   (the collection file's)
//
// The checksum, XXH3-64 of every byte before it, vouches for all of it.
inline constexpr std::string_view kJournalMagic{"DSKVJNL\n", 8};
inline constexpr std::uint32_t kJournalVersion = 1;
// Written as kJournalFileName + kTempSuffix, renamed once synced.
inline constexpr std::string_view kJournalFileName = "JOURNAL";
inline constexpr std::size_t kJournalHeaderSize = kJournalMagic.size() + 4;
// Section flags.
inline constexpr std::uint8_t kSectionCleared = 1;  // DeleteAll came first.

// The checksum the format uses.
std::uint64_t Checksum(std::string_view bytes);

// The file name (not path) for `collection`.
std::string FileName(std::string_view collection);

// Appends the header of the file of `collection` to `out`.
void AppendHeader(std::string_view collection, std::string* out);

// Appends one record to `out`. `value` must be empty for kDelete.
void AppendRecord(RecordType type, std::string_view member,
                  std::string_view value, std::string* out);

// Writes the body header (kBodyHeaderSize bytes) of a record of `type`
// with a member and a value of these sizes to `out`.
void EncodeBodyHeader(RecordType type, std::size_t member_size,
                      std::size_t value_size, char* out);

// Computes and stores both checksums of the `size`-byte record at `record`,
// whose body is already in place.
void SealRecord(char* record, std::size_t size);
// As SealRecord, for a record whose first `size` bytes are at `record` and
// whose body goes on with `tail`, held elsewhere.
void SealRecord(char* record, std::size_t size, std::string_view tail);

// The header checksum of a body starting at `body`.
std::uint32_t BodyHeaderChecksum(const char* body);

// The size of the record AppendRecord writes.
inline constexpr std::uint64_t RecordSize(std::size_t member_size,
                                          std::size_t value_size) {
  return kRecordHeaderSize + member_size + value_size;
}

}  // namespace dskv::format

#endif  // DSKV_PERSIST_FORMAT_H_
