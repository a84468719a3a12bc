// Hand-made bytes of collection files (format in persist/format.h), for tests
// that build files, or damage them, record by record.

#ifndef DSKV_TESTS_CRASH_FILE_BYTES_H_
#define DSKV_TESTS_CRASH_FILE_BYTES_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace dskv_crash {

// A valid header, and valid records, as the store writes them.
std::string Header(std::string_view collection);
std::string PutRecord(std::string_view member, std::string_view value);
std::string DeleteRecord(std::string_view member);

// A header with any version and name, under a valid checksum.
std::string HeaderWithVersion(std::uint32_t version, std::string_view name);

// The bytes of a record after its checksum: type, sizes, member, value.
// `value_size` need not be value.size().
std::string RecordBody(std::uint8_t type, std::string_view member,
                       std::uint64_t value_size, std::string_view value);
// `body` under a valid checksum, however implausible it is.
std::string RecordWithBody(std::string_view body);

// A value that holds, between other bytes, a whole valid put record of the
// member kPhantomMember: what a value that is itself a dskv file holds.
inline constexpr std::string_view kPhantomMember = "phantom";
std::string ValueHoldingARecord();

}  // namespace dskv_crash

#endif  // DSKV_TESTS_CRASH_FILE_BYTES_H_
