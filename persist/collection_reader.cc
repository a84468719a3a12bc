#include "persist/collection_reader.h"

#include <fmt/format.h>

#include <optional>

#include "dskv/store.h"
#include "persist/coding.h"
#include "persist/format.h"

namespace dskv {
namespace {

using format::RecordType;

struct Record {
  RecordType type;
  std::string_view member;
  std::string_view value;
  std::uint64_t size;
};

// Decodes the record at `offset` if a whole, valid one starts there.
std::optional<Record> DecodeRecord(std::string_view contents,
                                   std::uint64_t offset) {
  if (contents.size() - offset < format::kRecordHeaderSize) return std::nullopt;
  const char* p = contents.data() + offset;
  const auto type = static_cast<RecordType>(p[format::kTypeOffset]);
  const std::uint32_t member_size =
      DecodeFixed<std::uint32_t>(p + format::kMemberSizeOffset);
  const std::uint64_t value_size =
      DecodeFixed<std::uint64_t>(p + format::kValueSizeOffset);
  // Cheap plausibility checks first: resynchronizing after damage tries
  // every offset.
  if (type != RecordType::kPut && type != RecordType::kDelete) {
    return std::nullopt;
  }
  if (member_size == 0 || member_size > kMaxMemberSize) return std::nullopt;
  if (type == RecordType::kDelete && value_size != 0) return std::nullopt;
  const std::uint64_t available =
      contents.size() - offset - format::kRecordHeaderSize;
  if (member_size > available || value_size > available - member_size) {
    return std::nullopt;
  }
  const std::uint64_t size = format::RecordSize(member_size, value_size);
  if (format::Checksum(std::string_view(p + 8, size - 8)) !=
      DecodeFixed<std::uint64_t>(p)) {
    return std::nullopt;
  }
  const std::string_view member(p + format::kRecordHeaderSize, member_size);
  const std::string_view value(p + format::kRecordHeaderSize + member_size,
                               value_size);
  return Record{type, member, value, size};
}

// The offset of the first valid record after `offset`, if any.
std::optional<std::uint64_t> NextValidRecord(std::string_view contents,
                                             std::uint64_t offset) {
  for (std::uint64_t at = offset + 1; at < contents.size(); ++at) {
    if (DecodeRecord(contents, at).has_value()) return at;
  }
  return std::nullopt;
}

// Parses the header; returns the offset of the first record.
absl::StatusOr<std::uint64_t> ParseHeader(std::string_view contents,
                                          std::string* name) {
  if (contents.size() < format::HeaderSize(0) ||
      contents.substr(0, format::kMagic.size()) != format::kMagic) {
    return absl::DataLossError(
        "byte offset 0: not a dskv collection file (bad magic or too short)");
  }
  const std::uint32_t version =
      DecodeFixed<std::uint32_t>(contents.data() + format::kVersionOffset);
  const std::uint16_t name_size =
      DecodeFixed<std::uint16_t>(contents.data() + format::kNameSizeOffset);
  const std::uint64_t header_size = format::HeaderSize(name_size);
  if (contents.size() < header_size ||
      format::Checksum(contents.substr(0, header_size - 8)) !=
          DecodeFixed<std::uint64_t>(contents.data() + header_size - 8)) {
    return absl::DataLossError("byte offset 0: damaged file header");
  }
  // The version is only trusted once the checksum vouches for it.
  if (version != format::kVersion) {
    return absl::FailedPreconditionError(fmt::format(
        "file format version {} is not supported (this dskv reads version {})",
        version, format::kVersion));
  }
  *name = std::string(contents.substr(format::kNameOffset, name_size));
  if (name->empty() || name->size() > kMaxCollectionSize ||
      name->find('/') != std::string::npos) {
    return absl::DataLossError(
        "byte offset 0: the header names an invalid collection");
  }
  return header_size;
}

}  // namespace

absl::StatusOr<ParsedCollection> ParseCollectionFile(std::string_view contents,
                                                     bool salvage) {
  ParsedCollection parsed;
  absl::StatusOr<std::uint64_t> offset = ParseHeader(contents, &parsed.name);
  if (!offset.ok()) return offset.status();
  std::uint64_t at = *offset;
  while (at < contents.size()) {
    std::optional<Record> record = DecodeRecord(contents, at);
    if (!record.has_value()) {
      const std::optional<std::uint64_t> next = NextValidRecord(contents, at);
      if (!next.has_value()) {
        parsed.torn_tail_bytes = contents.size() - at;
        break;
      }
      if (!salvage) {
        return absl::DataLossError(fmt::format(
            "byte offset {}: damaged record followed by valid records at byte "
            "offset {}",
            at, *next));
      }
      ++parsed.corrupt_regions;
      parsed.corrupt_bytes += *next - at;
      at = *next;
      continue;
    }
    auto it = parsed.members.find(record->member);
    if (record->type == RecordType::kDelete) {
      if (it != parsed.members.end()) parsed.members.erase(it);
    } else if (it != parsed.members.end()) {
      it->second.assign(record->value);
    } else {
      parsed.members.emplace(record->member, record->value);
    }
    at += record->size;
  }
  parsed.valid_size = at;
  return parsed;
}

}  // namespace dskv
