#include "tests/crash/parse_invariants.h"

#include <fmt/format.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "dskv/store.h"
#include "persist/coding.h"
#include "persist/collection_reader.h"
#include "persist/format.h"

namespace dskv_crash {
namespace {

using dskv::ParseCollectionFile;
using dskv::ParsedCollection;

std::string Summary(const ParsedCollection& p) {
  return fmt::format(
      "name size {}, {} members, valid_size {}, torn_tail_bytes {}, "
      "corrupt_regions {}, corrupt_bytes {}",
      p.name.size(), p.members.size(), p.valid_size, p.torn_tail_bytes,
      p.corrupt_regions, p.corrupt_bytes);
}

bool SameResult(const ParsedCollection& a, const ParsedCollection& b) {
  return a.name == b.name && a.members == b.members &&
         a.valid_size == b.valid_size &&
         a.torn_tail_bytes == b.torn_tail_bytes &&
         a.corrupt_regions == b.corrupt_regions &&
         a.corrupt_bytes == b.corrupt_bytes;
}

// The properties of one parse, with or without salvage.
std::string CheckParse(std::string_view contents, bool salvage,
                       const absl::StatusOr<ParsedCollection>& parsed) {
  if (!parsed.ok()) {
    if (absl::IsDataLoss(parsed.status()) ||
        absl::IsFailedPrecondition(parsed.status())) {
      return "";
    }
    return "unexpected error " + parsed.status().ToString();
  }
  const ParsedCollection& p = *parsed;
  if (p.valid_size > contents.size() ||
      p.valid_size + p.torn_tail_bytes != contents.size()) {
    return fmt::format("{} does not add up to the size {}", Summary(p),
                       contents.size());
  }
  if (p.name.empty() || p.name.size() > dskv::kMaxCollectionSize ||
      p.name.find('/') != std::string::npos) {
    return "accepted an invalid collection name";
  }
  const std::uint64_t header_size = dskv::format::HeaderSize(p.name.size());
  if (p.valid_size < header_size) {
    return fmt::format("{} is shorter than the header", Summary(p));
  }
  for (const auto& [member, value] : p.members) {
    if (member.empty() || member.size() > dskv::kMaxMemberSize) {
      return fmt::format("accepted a member of {} bytes", member.size());
    }
  }
  if (!salvage && (p.corrupt_regions != 0 || p.corrupt_bytes != 0)) {
    return fmt::format("counted damage without salvage: {}", Summary(p));
  }
  if (p.corrupt_bytes < p.corrupt_regions ||
      (p.corrupt_regions == 0) != (p.corrupt_bytes == 0) ||
      p.corrupt_bytes > p.valid_size - header_size) {
    return fmt::format("impossible damage counts: {}", Summary(p));
  }
  std::uint64_t listed_bytes = 0;
  std::uint64_t region_end = header_size;
  for (const dskv::CorruptRegion& region : p.corrupt_region_list) {
    if (region.size == 0 || region.offset < region_end) {
      return fmt::format("corrupt regions overlap or are empty: {}",
                         Summary(p));
    }
    listed_bytes += region.size;
    region_end = region.offset + region.size;
  }
  if (p.corrupt_region_list.size() != p.corrupt_regions ||
      listed_bytes != p.corrupt_bytes || region_end > p.valid_size) {
    return fmt::format("corrupt region list disagrees with the counts: {}",
                       Summary(p));
  }
  absl::StatusOr<ParsedCollection> again =
      ParseCollectionFile(contents.substr(0, p.valid_size), salvage);
  if (!again.ok()) {
    return "the valid prefix does not parse: " + again.status().ToString();
  }
  ParsedCollection expected_again = p;
  expected_again.torn_tail_bytes = 0;
  if (!SameResult(*again, expected_again)) {
    return fmt::format("the valid prefix parses as {}, not as {}",
                       Summary(*again), Summary(expected_again));
  }
  return "";
}

// What the store does with a file the strict parse accepts: append records
// after valid_size, and rewrite it from its members.
std::string CheckWritesAfter(std::string_view contents,
                             const ParsedCollection& p) {
  std::string appended(contents.substr(0, p.valid_size));
  dskv::format::AppendRecord(dskv::format::RecordType::kPut, "appended",
                             "value", &appended);
  absl::StatusOr<ParsedCollection> after =
      ParseCollectionFile(appended, /*salvage=*/false);
  auto expected = p.members;
  expected["appended"] = "value";
  if (!after.ok() || after->members != expected ||
      after->torn_tail_bytes != 0) {
    return "a record appended after the valid prefix is not read back";
  }

  std::string rewritten;
  dskv::format::AppendHeader(p.name, &rewritten);
  for (const auto& [member, value] : p.members) {
    dskv::format::AppendRecord(dskv::format::RecordType::kPut, member, value,
                               &rewritten);
  }
  after = ParseCollectionFile(rewritten, /*salvage=*/false);
  if (!after.ok() || after->members != p.members || after->name != p.name ||
      after->valid_size != rewritten.size()) {
    return "the file rewritten from the members is not read back";
  }
  return "";
}

// What a crash during the append of the last record leaves: the file cut
// inside that record. It must read as the file without the record.
std::string CheckCutsOfLastRecord(std::string_view contents,
                                  const ParsedCollection& p) {
  // Every record before valid_size is whole and valid: walk them.
  std::uint64_t last = dskv::format::HeaderSize(p.name.size());
  if (last == p.valid_size) return "";
  for (std::uint64_t at = last; at < p.valid_size;) {
    last = at;
    const char* record = contents.data() + at;
    at +=
        dskv::format::RecordSize(dskv::DecodeFixed<std::uint32_t>(
                                     record + dskv::format::kMemberSizeOffset),
                                 dskv::DecodeFixed<std::uint64_t>(
                                     record + dskv::format::kValueSizeOffset));
  }
  absl::StatusOr<ParsedCollection> before =
      ParseCollectionFile(contents.substr(0, last), /*salvage=*/false);
  if (!before.ok()) {
    return "the file before its last record does not parse: " +
           before.status().ToString();
  }
  const std::uint64_t size = p.valid_size - last;
  for (const std::uint64_t cut :
       {std::uint64_t{1}, dskv::format::kRecordHeaderSize, size / 2,
        size - 1}) {
    if (cut == 0 || cut >= size) continue;
    absl::StatusOr<ParsedCollection> torn =
        ParseCollectionFile(contents.substr(0, last + cut), /*salvage=*/false);
    if (!torn.ok()) {
      return fmt::format(
          "the last record (at byte offset {}) cut to {} of its {} bytes is "
          "not a torn tail: {}",
          last, cut, size, torn.status().ToString());
    }
    if (torn->members != before->members || torn->valid_size != last ||
        torn->torn_tail_bytes != cut) {
      return fmt::format(
          "the last record cut to {} of its {} bytes parses as {}, not as "
          "the file without it",
          cut, size, Summary(*torn));
    }
  }
  return "";
}

}  // namespace

std::string CheckParseInvariants(std::string_view contents, bool check_cuts) {
  const absl::StatusOr<ParsedCollection> strict =
      ParseCollectionFile(contents, /*salvage=*/false);
  const absl::StatusOr<ParsedCollection> salvaged =
      ParseCollectionFile(contents, /*salvage=*/true);
  if (std::string e = CheckParse(contents, false, strict); !e.empty()) {
    return "without salvage: " + e;
  }
  if (std::string e = CheckParse(contents, true, salvaged); !e.empty()) {
    return "with salvage: " + e;
  }
  if (strict.ok()) {
    if (!salvaged.ok()) {
      return "salvage fails where the strict parse succeeds: " +
             salvaged.status().ToString();
    }
    if (!SameResult(*strict, *salvaged)) {
      return fmt::format("salvage gives {} where the strict parse gives {}",
                         Summary(*salvaged), Summary(*strict));
    }
    if (std::string e = CheckWritesAfter(contents, *strict); !e.empty()) {
      return e;
    }
    return check_cuts ? CheckCutsOfLastRecord(contents, *strict) : "";
  }
  if (!salvaged.ok() && salvaged.status() != strict.status()) {
    return fmt::format("salvage fails with {} but the strict parse with {}",
                       salvaged.status().ToString(),
                       strict.status().ToString());
  }
  if (salvaged.ok() && salvaged->corrupt_regions == 0) {
    return "salvage found no damage where the strict parse failed with " +
           strict.status().ToString();
  }
  return "";
}

}  // namespace dskv_crash
