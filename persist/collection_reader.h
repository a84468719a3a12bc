// Parses and verifies a whole collection file (format in persist/format.h).

#ifndef DSKV_PERSIST_COLLECTION_READER_H_
#define DSKV_PERSIST_COLLECTION_READER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "base/string_hash.h"
#include "persist/format.h"

namespace dskv {

// Damaged bytes of a collection file that valid records follow.
struct CorruptRegion {
  std::uint64_t offset;  // From the start of the file.
  std::uint64_t size;
};

// What a collection file holds. `String` is std::string, or std::string_view
// for views into the parsed contents.
template <typename String>
struct BasicParsedCollection {
  // The collection's name, from the header.
  std::string name;
  // The header's format version: older ones are rewritten when the store is
  // opened for writing.
  std::uint32_t version = 0;
  // Its members as the file's records leave them. The value of a member
  // that expires is its data alone; expired ones are here too (only a
  // reader that knows the time can drop them).
  absl::flat_hash_map<String, String, StringHash, StringEq> members;
  // The deadlines of the members that expire (kPutExpiring), in
  // milliseconds since the Unix epoch.
  absl::flat_hash_map<String, std::int64_t, StringHash, StringEq> deadlines;
  // Size of the file without its torn tail: where the next record belongs.
  std::uint64_t valid_size = 0;
  // Bytes of an incomplete or damaged last record that nothing valid follows:
  // what a crash during an append leaves. Not an error.
  std::uint64_t torn_tail_bytes = 0;
  // Salvage only: damaged regions skipped, and their bytes. A skipped region
  // may have held puts and deletes, so the members may be stale.
  std::uint64_t corrupt_regions = 0;
  std::uint64_t corrupt_bytes = 0;
  // Salvage only: each skipped region, in file order.
  std::vector<CorruptRegion> corrupt_region_list;
};

// Applies `record`, the next record of a collection's file or journal
// section, to `parsed`'s members and deadlines.
template <typename String>
void ApplyRecord(const format::RecordFields& record,
                 BasicParsedCollection<String>& parsed) {
  switch (record.type) {
    case format::RecordType::kDelete:
      parsed.members.erase(record.member);
      parsed.deadlines.erase(record.member);
      break;
    case format::RecordType::kPut:
      parsed.members.insert_or_assign(String(record.member),
                                      String(record.value));
      // Most files hold no deadline: their puts skip the lookup.
      if (!parsed.deadlines.empty()) parsed.deadlines.erase(record.member);
      break;
    case format::RecordType::kPutExpiring: {
      const format::ExpiringValue value =
          format::SplitExpiringValue(record.value);
      parsed.members.insert_or_assign(String(record.member),
                                      String(value.data));
      parsed.deadlines.insert_or_assign(String(record.member),
                                        value.deadline_ms);
      break;
    }
  }
}

using ParsedCollection = BasicParsedCollection<std::string>;
using ParsedCollectionView = BasicParsedCollection<std::string_view>;

// Verifies every checksum of `contents`, the whole file, and returns what it
// holds. A damaged record followed by a valid one is corruption: DataLoss
// naming its byte offset, unless `salvage`, which skips to the next valid
// record and counts the damage instead. A damaged header is always DataLoss;
// a version this code does not know is FailedPrecondition.
absl::StatusOr<ParsedCollection> ParseCollectionFile(std::string_view contents,
                                                     bool salvage);

// As ParseCollectionFile, but members and values are views into `contents`,
// which must outlive the result.
absl::StatusOr<ParsedCollectionView> ParseCollectionFileView(
    std::string_view contents, bool salvage);

// Calls `visit` on each record of `records`, a run of whole records that
// must all be sound (a journal section's, persist/journal.h), in order.
// DataLoss naming the byte offset within `records` of the first that is
// not.
absl::Status ForEachRecord(
    std::string_view records,
    absl::FunctionRef<void(const format::RecordFields&)> visit);

}  // namespace dskv

#endif  // DSKV_PERSIST_COLLECTION_READER_H_
