#include "persist/collection_reader.h"

#include <fmt/format.h>

#include <optional>

#include "persist/coding.h"
#include "persist/format.h"

namespace dskv {
namespace {

using format::RecordType;

// What lies at an offset where a record should start.
enum class Found {
  kRecord,      // A whole record with valid checksums.
  kIncomplete,  // The file ends inside the record's header or its length.
  kBadHeader,   // The header fails its checksum or is implausible: the
                // record's length is unknown.
  kDamaged,     // Damaged, but its length is known: the header is sound and
                // the body fails its checksum, or the other way round.
};

// Every field but `found` has a default, so that `return {Found::kBadHeader};`
// names only what is known (and -Wmissing-field-initializers, which ignores
// fields with defaults, has nothing to say about the rest).
struct DecodedRecord {
  Found found;
  RecordType type = RecordType::kPut;
  std::string_view member = {};  // Set for kRecord only.
  std::string_view value = {};   // Set for kRecord only.
  std::uint64_t size = 0;        // Known for kRecord and kDamaged.
};

DecodedRecord DecodeRecord(std::string_view contents, std::uint64_t offset) {
  if (contents.size() - offset < format::kRecordHeaderSize) {
    return {Found::kIncomplete};
  }
  const char* p = contents.data() + offset;
  const bool header_ok =
      format::BodyHeaderChecksum(p + format::kBodyOffset) ==
      DecodeFixed<std::uint32_t>(p + format::kHeaderChecksumOffset);
  const auto type = static_cast<RecordType>(p[format::kTypeOffset]);
  const std::uint32_t member_size =
      DecodeFixed<std::uint32_t>(p + format::kMemberSizeOffset);
  const std::uint64_t value_size =
      DecodeFixed<std::uint64_t>(p + format::kValueSizeOffset);
  // A header that passes its checksum yet breaks the rules was written so,
  // by a bug or by hand: it is damage all the same.
  if ((type != RecordType::kPut && type != RecordType::kDelete &&
       type != RecordType::kPutExpiring) ||
      member_size == 0 || member_size > format::kMaxMemberSize ||
      (type == RecordType::kDelete && value_size != 0) ||
      (type == RecordType::kPutExpiring &&
       value_size < format::kDeadlineSize)) {
    return {Found::kBadHeader};
  }
  const std::uint64_t available =
      contents.size() - offset - format::kRecordHeaderSize;
  if (member_size > available || value_size > available - member_size) {
    return {header_ok ? Found::kIncomplete : Found::kBadHeader};
  }
  const std::uint64_t size = format::RecordSize(member_size, value_size);
  const std::string_view body(p + format::kBodyOffset,
                              size - format::kBodyOffset);
  const bool body_ok =
      format::Checksum(body) ==
      DecodeFixed<std::uint64_t>(p + format::kBodyChecksumOffset);
  // The body checksum covers the sizes too, so either checksum alone vouches
  // for the record's length.
  if (!header_ok && !body_ok) return {Found::kBadHeader};
  if (!header_ok || !body_ok) return {Found::kDamaged, type, {}, {}, size};
  return {
      Found::kRecord, type,
      std::string_view(p + format::kRecordHeaderSize, member_size),
      std::string_view(p + format::kRecordHeaderSize + member_size, value_size),
      size};
}

// Where valid records resume at or after `offset`, if they do.
std::optional<std::uint64_t> NextValidRecord(std::string_view contents,
                                             std::uint64_t offset) {
  for (std::uint64_t at = offset; at < contents.size(); ++at) {
    if (DecodeRecord(contents, at).found == Found::kRecord) return at;
  }
  return std::nullopt;
}

// Parses the header; returns the offset of the first record.
absl::StatusOr<std::uint64_t> ParseHeader(std::string_view contents,
                                          std::string* name,
                                          std::uint32_t* version_out) {
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
  if (version < format::kOldestReadableVersion || version > format::kVersion) {
    return absl::FailedPreconditionError(fmt::format(
        "file format version {} is not supported (this dskv reads versions "
        "{} to {})",
        version, format::kOldestReadableVersion, format::kVersion));
  }
  *version_out = version;
  *name = std::string(contents.substr(format::kNameOffset, name_size));
  if (name->empty() || name->size() > format::kMaxNameSize ||
      name->find('/') != std::string::npos) {
    return absl::DataLossError(
        "byte offset 0: the header names an invalid collection");
  }
  return header_size;
}

}  // namespace

absl::Status ForEachRecord(
    std::string_view records,
    absl::FunctionRef<void(const format::RecordFields&)> visit) {
  for (std::uint64_t at = 0; at < records.size();) {
    const DecodedRecord record = DecodeRecord(records, at);
    if (record.found != Found::kRecord) {
      return absl::DataLossError(
          fmt::format("byte offset {}: damaged record", at));
    }
    visit({record.type, record.member, record.value});
    at += record.size;
  }
  return absl::OkStatus();
}

absl::StatusOr<ParsedCollectionView> ParseCollectionFileView(
    std::string_view contents, bool salvage) {
  ParsedCollectionView parsed;
  absl::StatusOr<std::uint64_t> offset =
      ParseHeader(contents, &parsed.name, &parsed.version);
  if (!offset.ok()) return offset.status();
  std::uint64_t at = *offset;
  while (at < contents.size()) {
    const DecodedRecord record = DecodeRecord(contents, at);
    if (record.found == Found::kIncomplete) {
      parsed.torn_tail_bytes = contents.size() - at;
      break;
    }
    if (record.found != Found::kRecord) {
      // Damage. With a trustworthy header, the search for what follows
      // starts after the damaged record, never inside it.
      const std::optional<std::uint64_t> next = NextValidRecord(
          contents,
          record.found == Found::kDamaged ? at + record.size : at + 1);
      if (!next.has_value()) {
        // Nothing valid after it: what a crash during an append leaves.
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
      parsed.corrupt_region_list.push_back({at, *next - at});
      at = *next;
      continue;
    }
    ApplyRecord({record.type, record.member, record.value}, parsed);
    at += record.size;
  }
  parsed.valid_size = at;
  return parsed;
}

absl::StatusOr<ParsedCollection> ParseCollectionFile(std::string_view contents,
                                                     bool salvage) {
  absl::StatusOr<ParsedCollectionView> view =
      ParseCollectionFileView(contents, salvage);
  if (!view.ok()) return view.status();
  ParsedCollection parsed;
  parsed.name = std::move(view->name);
  parsed.version = view->version;
  parsed.members.reserve(view->members.size());
  for (const auto& [member, value] : view->members) {
    parsed.members.emplace(member, value);
  }
  for (const auto& [member, deadline] : view->deadlines) {
    parsed.deadlines.emplace(member, deadline);
  }
  parsed.valid_size = view->valid_size;
  parsed.torn_tail_bytes = view->torn_tail_bytes;
  parsed.corrupt_regions = view->corrupt_regions;
  parsed.corrupt_bytes = view->corrupt_bytes;
  parsed.corrupt_region_list = std::move(view->corrupt_region_list);
  return parsed;
}

}  // namespace dskv
