// The journal (persist/format.h, persist/FORMAT.md): a janitor pass that
// holds part of a batch writes every change it drained here first, whole and
// synced, before it touches a collection file, so that a crash in the middle
// of the pass leaves either the files as they were (no journal, or an older
// one that still describes them) or a journal that completes them. `Open`
// applies it on top of the files it loaded.

#ifndef DSKV_PERSIST_JOURNAL_H_
#define DSKV_PERSIST_JOURNAL_H_

#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "persist/file_system.h"
#include "persist/format.h"
#include "persist/record_batch.h"

namespace dskv {

// One collection's part of a journal, as parsed: views into the contents.
struct JournalSection {
  std::string_view collection;
  bool cleared = false;  // Its members were all removed before `records`.
  std::vector<format::RecordFields> records;  // In order; the last one wins.
};

// Builds a journal from sections and writes it. Not thread-safe.
class JournalWriter {
 public:
  JournalWriter();

  // Adds the section of `collection`. `records` is not copied: it must
  // outlive the writer, unchanged.
  void AddSection(std::string_view collection, bool cleared,
                  const RecordBatch& records);
  // Adds sections encoded by EncodedSections, copied.
  void AddEncodedSections(std::string_view sections);
  // The journal's size in bytes.
  std::uint64_t size() const;

  // The sections added so far, encoded and copied, for a later journal to
  // carry over.
  std::string EncodedSections() const;

  // Writes the journal to a temporary file in `dir`, syncs it and renames it
  // to format::kJournalFileName, replacing any earlier journal. The caller
  // syncs the directory to make the rename durable.
  absl::Status Install(FileSystem& fs, const std::string& dir) const;

 private:
  // Section headers; a deque, so that pieces_ can point into them.
  std::deque<std::string> owned_;
  // The journal's bytes but the trailing checksum, in order.
  std::vector<std::string_view> pieces_;
};

// Verifies the journal `contents` and returns its sections, in order: views
// into `contents`. DataLoss (with the byte offset) if it is damaged, which a
// crash cannot cause: it is renamed into place only once synced.
// FailedPrecondition for a version this code does not know.
absl::StatusOr<std::vector<JournalSection>> ParseJournal(
    std::string_view contents);

// `status`, an error from parsing the journal at `path`, with the path
// added.
absl::Status InJournal(const std::string& path, const absl::Status& status);

// The path of the journal, and of the temporary file it is written to.
std::string JournalPath(const std::string& dir);
std::string JournalTempPath(const std::string& dir);

}  // namespace dskv

#endif  // DSKV_PERSIST_JOURNAL_H_
