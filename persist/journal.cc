#include "persist/journal.h"

#include <fmt/format.h>
// For XXH3_state_t on the stack.
#define XXH_STATIC_LINKING_ONLY
#include <xxhash.h>

#include "persist/coding.h"
#include "persist/collection_reader.h"

namespace dskv {
namespace {

// A section's bytes before its records: name_size, name, flags and
// records_size.
constexpr std::size_t SectionHeaderSize(std::size_t name_size) {
  return 2 + name_size + 1 + 8;
}

}  // namespace

std::string JournalPath(const std::string& dir) {
  return fmt::format("{}/{}", dir, format::kJournalFileName);
}

std::string JournalTempPath(const std::string& dir) {
  return fmt::format("{}/{}{}", dir, format::kJournalFileName,
                     format::kTempSuffix);
}

absl::Status InJournal(const std::string& path, const absl::Status& status) {
  return absl::Status(
      status.code(),
      fmt::format("journal {:?}: {}", path, std::string(status.message())));
}

JournalWriter::JournalWriter() {
  std::string& header = owned_.emplace_back(format::kJournalMagic);
  AppendFixed(format::kJournalVersion, &header);
  pieces_.push_back(header);
}

void JournalWriter::AddSection(std::string_view collection, bool cleared,
                               const RecordBatch& records) {
  std::string& header = owned_.emplace_back();
  header.reserve(SectionHeaderSize(collection.size()));
  AppendFixed(static_cast<std::uint16_t>(collection.size()), &header);
  header.append(collection);
  AppendFixed(static_cast<std::uint8_t>(cleared ? format::kSectionCleared : 0),
              &header);
  AppendFixed(records.bytes(), &header);
  pieces_.push_back(header);
  pieces_.insert(pieces_.end(), records.pieces().begin(),
                 records.pieces().end());
}

void JournalWriter::AddEncodedSections(std::string_view sections) {
  if (sections.empty()) return;
  pieces_.push_back(owned_.emplace_back(sections));
}

std::uint64_t JournalWriter::size() const {
  std::uint64_t size = 8;  // The checksum.
  for (std::string_view piece : pieces_) size += piece.size();
  return size;
}

std::string JournalWriter::EncodedSections() const {
  std::string sections;
  // The first piece is the header.
  for (std::size_t i = 1; i < pieces_.size(); ++i) sections.append(pieces_[i]);
  return sections;
}

absl::Status JournalWriter::Install(FileSystem& fs,
                                    const std::string& dir) const {
  XXH3_state_t state;
  XXH3_64bits_reset(&state);
  for (std::string_view piece : pieces_) {
    XXH3_64bits_update(&state, piece.data(), piece.size());
  }
  std::string checksum;
  AppendFixed(static_cast<std::uint64_t>(XXH3_64bits_digest(&state)),
              &checksum);
  std::vector<std::string_view> pieces = pieces_;
  pieces.push_back(checksum);

  const std::string temp = JournalTempPath(dir);
  absl::StatusOr<std::unique_ptr<WritableFile>> file =
      fs.OpenForAppend(temp, /*truncate=*/true);
  if (!file.ok()) return file.status();
  if (absl::Status s = (*file)->AppendPieces(std::move(pieces)); !s.ok()) {
    return s;
  }
  if (absl::Status s = (*file)->Sync(); !s.ok()) return s;
  return fs.Rename(temp, JournalPath(dir));
}

absl::StatusOr<std::vector<JournalSection>> ParseJournal(
    std::string_view contents) {
  constexpr std::size_t kChecksumSize = 8;
  if (contents.size() < format::kJournalHeaderSize + kChecksumSize ||
      contents.substr(0, format::kJournalMagic.size()) !=
          format::kJournalMagic) {
    return absl::DataLossError(
        "byte offset 0: not a dskv journal (bad magic or too short)");
  }
  const std::string_view body =
      contents.substr(0, contents.size() - kChecksumSize);
  if (format::Checksum(body) !=
      DecodeFixed<std::uint64_t>(contents.data() + body.size())) {
    return absl::DataLossError(
        fmt::format("byte offset {}: the journal's checksum does not match "
                    "its contents",
                    body.size()));
  }
  const std::uint32_t version = DecodeFixed<std::uint32_t>(
      contents.data() + format::kJournalMagic.size());
  if (version != format::kJournalVersion) {
    return absl::FailedPreconditionError(fmt::format(
        "journal format version {} is not supported (this dskv reads version "
        "{})",
        version, format::kJournalVersion));
  }

  // The checksum held, so damage from here on was written so: a bug.
  std::vector<JournalSection> sections;
  for (std::size_t at = format::kJournalHeaderSize; at < body.size();) {
    const std::size_t start = at;
    auto damaged = [&](std::string_view what) {
      return absl::DataLossError(
          fmt::format("byte offset {}: journal section {}", start, what));
    };
    if (body.size() - at < SectionHeaderSize(0)) return damaged("truncated");
    const std::uint16_t name_size =
        DecodeFixed<std::uint16_t>(body.data() + at);
    if (name_size == 0 || name_size > format::kMaxNameSize ||
        body.size() - at < SectionHeaderSize(name_size)) {
      return damaged("has an invalid name size");
    }
    JournalSection& section = sections.emplace_back();
    section.collection = body.substr(at + 2, name_size);
    if (section.collection.find('/') != std::string_view::npos) {
      return damaged("names an invalid collection");
    }
    at += 2 + name_size;
    const auto flags = static_cast<std::uint8_t>(body[at]);
    if ((flags & ~format::kSectionCleared) != 0) {
      return damaged("has unknown flags");
    }
    section.cleared = (flags & format::kSectionCleared) != 0;
    const std::uint64_t records_size =
        DecodeFixed<std::uint64_t>(body.data() + at + 1);
    at += 1 + 8;
    if (records_size > body.size() - at) return damaged("is truncated");
    if (absl::Status s = ForEachRecord(body.substr(at, records_size),
                                       [&](const format::RecordFields& record) {
                                         section.records.push_back(record);
                                       });
        !s.ok()) {
      return damaged(std::string(s.message()));
    }
    at += records_size;
  }
  return sections;
}

}  // namespace dskv
