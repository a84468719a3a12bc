#include "persist/collection_file.h"

#include <fmt/format.h>

#include "absl/types/span.h"
#include "persist/collection_reader.h"
#include "persist/format.h"
#include "persist/journal.h"
#include "persist/record_batch.h"

namespace dskv {
namespace {

// Rewrites are written in batches of about this many bytes.
constexpr std::uint64_t kRewriteBatchBytes = std::uint64_t{4} << 20;

// Writes `records` to `out` through `batch`, adding the bytes to
// `*written`; all of them, before it returns.
absl::Status WritePiece(WritableFile& out,
                        absl::Span<const format::RecordFields> records,
                        RecordBatch& batch, std::uint64_t* written) {
  // The records' bytes are usually scattered over memory, and not cached:
  // asking for them a few records ahead overlaps their misses.
  constexpr std::size_t kAhead = 8;
  for (std::size_t i = 0; i < records.size(); ++i) {
    if (i + kAhead < records.size()) {
      __builtin_prefetch(records[i + kAhead].member.data());
      __builtin_prefetch(records[i + kAhead].value.data());
    }
    batch.Add(records[i]);
    if (batch.bytes() >= kRewriteBatchBytes || i + 1 == records.size()) {
      if (absl::Status s = out.AppendPieces(batch.pieces()); !s.ok()) return s;
      *written += batch.bytes();
      batch.Clear();
    }
  }
  return absl::OkStatus();
}

// As StartRewriteFrom, with its first piece of records (empty: the
// collection is) given apart from the source of the others.
absl::StatusOr<Rewrite> StartRewriteWith(
    FileSystem& fs, const std::string& dir, std::string_view collection,
    absl::Span<const format::RecordFields> first, RecordSource more,
    CollectionFile& file) {
  // The old file's descriptor would keep appending to the replaced inode.
  file.writer.reset();
  file.needs_rewrite = true;  // Until the new file is installed.
  Rewrite rewrite;
  rewrite.path = CollectionPath(dir, collection);
  if (first.empty()) return rewrite;
  rewrite.temp_path = rewrite.path + std::string(format::kTempSuffix);
  absl::StatusOr<std::unique_ptr<WritableFile>> out =
      fs.OpenForAppend(rewrite.temp_path, /*truncate=*/true);
  if (!out.ok()) return out.status();
  rewrite.temp = *std::move(out);
  std::string header;
  format::AppendHeader(collection, &header);
  if (absl::Status s = rewrite.temp->Append(header); !s.ok()) return s;
  rewrite.size += header.size();
  RecordBatch batch;
  if (absl::Status s = WritePiece(*rewrite.temp, first, batch, &rewrite.size);
      !s.ok()) {
    return s;
  }
  std::vector<format::RecordFields> piece;
  while (more(piece)) {
    if (absl::Status s = WritePiece(*rewrite.temp, piece, batch, &rewrite.size);
        !s.ok()) {
      return s;
    }
    piece.clear();
  }
  return rewrite;
}

}  // namespace

// DataLoss unless the file at `path` is named for the collection its header
// names: a file renamed by hand would otherwise load under the wrong name.
absl::Status CheckCollectionFileName(const std::string& path,
                                     const std::string& collection) {
  const std::string expected = format::FileName(collection);
  if (!path.ends_with("/" + expected)) {
    return absl::DataLossError(fmt::format(
        "collection file {:?} holds collection {:?}, whose file is named {:?}",
        path, collection, expected));
  }
  return absl::OkStatus();
}

// Adds the file's path to a parse error.
absl::Status InCollectionFile(const std::string& path,
                              const absl::Status& status) {
  return absl::Status(status.code(),
                      fmt::format("collection file {:?}: {}", path,
                                  std::string(status.message())));
}

absl::StatusOr<ParsedCollection> ReadCollection(FileSystem& fs,
                                                const std::string& dir,
                                                std::string_view collection) {
  const std::string path = CollectionPath(dir, collection);
  absl::StatusOr<std::string> contents = fs.ReadFile(path);
  if (!contents.ok() && !absl::IsNotFound(contents.status())) {
    return contents.status();
  }
  const bool file_exists = contents.ok();
  ParsedCollection parsed;
  if (file_exists) {
    absl::StatusOr<ParsedCollection> file =
        ParseCollectionFile(*contents, /*salvage=*/false);
    if (!file.ok()) return InCollectionFile(path, file.status());
    if (absl::Status s = CheckCollectionFileName(path, file->name); !s.ok())
      return s;
    parsed = *std::move(file);
  }

  // The journal completes the file, as Open applies it.
  const std::string journal_path = JournalPath(dir);
  absl::StatusOr<std::string> journal = fs.ReadFile(journal_path);
  if (absl::IsNotFound(journal.status())) {
    if (!file_exists) return contents.status();
    return parsed;
  }
  if (!journal.ok()) return journal.status();
  absl::StatusOr<std::vector<JournalSection>> sections = ParseJournal(*journal);
  if (!sections.ok()) {
    return InJournal(journal_path, sections.status());
  }
  bool in_journal = false;
  for (const JournalSection& section : *sections) {
    if (section.collection != collection) continue;
    in_journal = true;
    if (section.cleared) {
      parsed.members.clear();
      parsed.deadlines.clear();
    }
    for (const format::RecordFields& record : section.records) {
      ApplyRecord(record, parsed);
    }
  }
  if (!file_exists) {
    if (!in_journal) return contents.status();
    parsed.name = std::string(collection);
  }
  return parsed;
}

std::string CollectionPath(const std::string& dir,
                           std::string_view collection) {
  return dir + "/" + format::FileName(collection);
}

absl::Status AppendToCollectionFile(FileSystem& fs, const std::string& path,
                                    const RecordBatch& records,
                                    CollectionFile& file) {
  if (file.writer == nullptr) {
    absl::StatusOr<std::unique_ptr<WritableFile>> writer =
        fs.OpenForAppend(path, /*truncate=*/false);
    if (!writer.ok()) {
      file.needs_rewrite = true;
      return writer.status();
    }
    file.writer = *std::move(writer);
  }
  if (absl::Status s = file.writer->AppendPieces(records.pieces()); !s.ok()) {
    file.needs_rewrite = true;
    return s;
  }
  file.size += records.bytes();
  return absl::OkStatus();
}

absl::StatusOr<Rewrite> StartRewriteFrom(FileSystem& fs, const std::string& dir,
                                         std::string_view collection,
                                         RecordSource next,
                                         CollectionFile& file) {
  std::vector<format::RecordFields> first;
  if (!next(first)) first.clear();
  return StartRewriteWith(fs, dir, collection, first, next, file);
}

absl::StatusOr<Rewrite> StartRewrite(
    FileSystem& fs, const std::string& dir, std::string_view collection,
    const std::vector<format::RecordFields>& records, CollectionFile& file) {
  return StartRewriteWith(
      fs, dir, collection, records,
      [](std::vector<format::RecordFields>&) { return false; }, file);
}

absl::Status FinishRewrite(FileSystem& fs, Rewrite& rewrite,
                           CollectionFile& file) {
  if (rewrite.temp == nullptr) {
    if (file.exists) {
      absl::Status s = fs.Remove(rewrite.path);
      if (!s.ok() && !absl::IsNotFound(s)) return s;
    }
    file.exists = false;
    file.size = 0;
  } else {
    rewrite.temp.reset();
    if (absl::Status s = fs.Rename(rewrite.temp_path, rewrite.path); !s.ok()) {
      return s;
    }
    file.exists = true;
    file.size = rewrite.size;
  }
  file.needs_rewrite = false;
  return absl::OkStatus();
}

}  // namespace dskv
