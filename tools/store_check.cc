#include "tools/store_check.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <optional>
#include <string_view>

#include "persist/collection_reader.h"
#include "persist/file_system.h"
#include "persist/format.h"
#include "persist/journal.h"
#include "tools/errors.h"
#include "tools/json.h"
#include "tools/progress.h"
#include "tools/store_files.h"
#include "tools/text.h"

namespace dskv::tool {
namespace {

using Kind = Finding::Kind;

// The readers' errors start with where they are ("byte offset N: "); a
// finding keeps the offset in a field of its own. Sets `finding`'s offset
// and detail from `message`.
void SetOffsetAndDetail(std::string_view message, Finding& finding) {
  constexpr std::string_view kPrefix = "byte offset ";
  const std::size_t colon = message.find(": ");
  std::uint64_t offset = 0;
  if (message.starts_with(kPrefix) && colon != std::string_view::npos &&
      std::from_chars(message.data() + kPrefix.size(), message.data() + colon,
                      offset)
              .ptr == message.data() + colon) {
    finding.offset = offset;
    message.remove_prefix(colon + 2);
  }
  finding.detail = std::string(message);
}

// Checks one collection file, adding what it finds to `check`.
void CheckCollectionFile(const std::string& dir, const StoreFile& file,
                         StoreCheck& check) {
  auto add = [&](Finding finding) {
    finding.file = file.name;
    check.findings.push_back(std::move(finding));
  };
  // A copy rather than a mapping: another process may truncate the file
  // under us (cutting a torn tail), which would fault a mapping.
  absl::StatusOr<std::string> contents =
      PosixFileSystem()->ReadFile(dir + "/" + file.name);
  if (absl::IsNotFound(contents.status())) {
    add({.kind = Kind::kVanishedFile,
         .detail = "removed while the check ran, presumably by a process "
                   "that has the store open"});
    return;
  }
  if (!contents.ok()) {
    add({.kind = Kind::kUnreadableFile,
         .detail = std::string(MessageOf(contents.status()))});
    return;
  }
  ++check.collection_files;
  check.bytes_checked += contents->size();
  absl::StatusOr<ParsedCollectionView> parsed =
      ParseCollectionFileView(*contents, /*salvage=*/true);
  if (!parsed.ok()) {
    // With salvage, only the header fails the whole file.
    Finding finding{.kind = absl::IsFailedPrecondition(parsed.status())
                                ? Kind::kUnsupportedVersion
                                : Kind::kDamagedHeader,
                    .offset = 0};
    SetOffsetAndDetail(MessageOf(parsed.status()), finding);
    add(std::move(finding));
    return;
  }
  check.keys += parsed->members.size();
  const std::string& collection = parsed->name;
  const std::string expected_name = format::FileName(collection);
  if (file.name != expected_name) {
    add({.kind = Kind::kMisnamedFile,
         .collection = collection,
         .detail = fmt::format("the file of this collection is named {}: this "
                               "one was renamed or copied by hand",
                               expected_name)});
  }
  for (const CorruptRegion& region : parsed->corrupt_region_list) {
    add({.kind = Kind::kDamagedRegion,
         .collection = collection,
         .offset = region.offset,
         .size = region.size,
         .detail = fmt::format(
             "{} damaged; valid records resume at byte offset {}",
             Count(region.size, "byte"), region.offset + region.size)});
  }
  if (parsed->torn_tail_bytes > 0) {
    add({.kind = Kind::kTornTail,
         .collection = collection,
         .offset = parsed->valid_size,
         .size = parsed->torn_tail_bytes,
         .detail = fmt::format(
             "torn last record of {}, what a crash during an append leaves; "
             "a read-write open cuts it off",
             Count(parsed->torn_tail_bytes, "byte"))});
  }
}

// Checks the journal, adding what it finds to `check`.
void CheckJournal(const std::string& dir, const StoreFile& file,
                  StoreCheck& check) {
  Finding finding{.kind = Kind::kJournal, .file = file.name, .size = file.size};
  absl::StatusOr<std::string> contents =
      PosixFileSystem()->ReadFile(dir + "/" + file.name);
  if (absl::IsNotFound(contents.status())) {
    finding.kind = Kind::kVanishedFile;
    finding.detail =
        "removed while the check ran, presumably by a process that has the "
        "store open";
  } else if (!contents.ok()) {
    finding.kind = Kind::kUnreadableFile;
    finding.detail = std::string(MessageOf(contents.status()));
  } else if (absl::StatusOr<std::vector<JournalSection>> sections =
                 ParseJournal(*contents);
             !sections.ok()) {
    finding.kind = absl::IsFailedPrecondition(sections.status())
                       ? Kind::kUnsupportedVersion
                       : Kind::kDamagedJournal;
    SetOffsetAndDetail(MessageOf(sections.status()), finding);
  } else {
    std::uint64_t changes = 0;
    for (const JournalSection& section : *sections) {
      changes += section.records.size() + (section.cleared ? 1 : 0);
    }
    finding.kind = Kind::kJournal;
    finding.detail = fmt::format(
        "{} to {}, which the pass that wrote it was putting into the "
        "collection files; the next read-write open applies them again and "
        "removes it",
        Count(changes, "change"), Count(sections->size(), "collection"));
  }
  check.findings.push_back(std::move(finding));
}

// What verify says of a file that holds no records to check.
struct FileNote {
  Kind kind;
  std::string_view detail;
};

std::optional<FileNote> NoteOn(StoreFileKind kind) {
  switch (kind) {
    case StoreFileKind::kTemporary:
      return FileNote{Kind::kTemporaryFile,
                      "a rewrite or journal that a crash interrupted, or one "
                      "in progress; a read-write open removes it"};
    case StoreFileKind::kSetAside:
      return FileNote{Kind::kSetAsideFile,
                      "set aside by an earlier salvage (its header was "
                      "unreadable); not part of the store"};
    case StoreFileKind::kForeign:
      return FileNote{
          Kind::kForeignFile,
          "not a file of the store; dskv never opens, renames or removes it"};
    case StoreFileKind::kCollection:
    case StoreFileKind::kJournal:
    case StoreFileKind::kLock:
      return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace

bool IsProblem(Kind kind) {
  switch (kind) {
    case Kind::kDamagedRegion:
    case Kind::kDamagedHeader:
    case Kind::kUnsupportedVersion:
    case Kind::kMisnamedFile:
    case Kind::kUnreadableFile:
    case Kind::kNotRegularFile:
    case Kind::kDamagedJournal:
      return true;
    case Kind::kTornTail:
    case Kind::kTemporaryFile:
    case Kind::kSetAsideFile:
    case Kind::kVanishedFile:
    case Kind::kForeignFile:
    case Kind::kJournal:
      return false;
  }
  return true;
}

bool SalvageFixes(Kind kind) {
  return !IsProblem(kind) || kind == Kind::kDamagedRegion ||
         kind == Kind::kDamagedHeader || kind == Kind::kDamagedJournal;
}

std::string_view KindName(Kind kind) {
  switch (kind) {
    case Kind::kDamagedRegion:
      return "damaged_region";
    case Kind::kDamagedHeader:
      return "damaged_header";
    case Kind::kUnsupportedVersion:
      return "unsupported_version";
    case Kind::kMisnamedFile:
      return "misnamed_file";
    case Kind::kUnreadableFile:
      return "unreadable_file";
    case Kind::kTornTail:
      return "torn_tail";
    case Kind::kTemporaryFile:
      return "temporary_file";
    case Kind::kSetAsideFile:
      return "set_aside_file";
    case Kind::kVanishedFile:
      return "vanished_file";
    case Kind::kNotRegularFile:
      return "not_regular_file";
    case Kind::kForeignFile:
      return "foreign_file";
    case Kind::kDamagedJournal:
      return "damaged_journal";
    case Kind::kJournal:
      return "journal";
  }
  return "unknown";
}

std::uint64_t StoreCheck::problems() const {
  return std::count_if(findings.begin(), findings.end(),
                       [](const Finding& f) { return IsProblem(f.kind); });
}

absl::StatusOr<StoreCheck> CheckStore(const std::string& dir) {
  absl::StatusOr<std::vector<StoreFile>> files = ListStoreFiles(dir);
  if (!files.ok()) return files.status();
  StoreCheck check;
  check.dir = dir;
  Progress progress("verify", TotalOf(*files, StoreFileKind::kCollection).bytes,
                    ProgressUnit::kBytes);
  for (const StoreFile& file : *files) {
    if (!file.regular_file && (file.kind == StoreFileKind::kCollection ||
                               file.kind == StoreFileKind::kJournal ||
                               file.kind == StoreFileKind::kTemporary ||
                               file.kind == StoreFileKind::kLock)) {
      check.findings.push_back(
          {.kind = Kind::kNotRegularFile,
           .file = file.name,
           .detail = "a symbolic link or not a regular file where the store "
                     "keeps one of its own; dskv follows no links, so the "
                     "store does not open: move it out of the directory"});
      continue;
    }
    if (file.kind == StoreFileKind::kCollection) {
      CheckCollectionFile(dir, file, check);
      progress.Add(file.size);
    } else if (file.kind == StoreFileKind::kJournal) {
      CheckJournal(dir, file, check);
    } else if (const std::optional<FileNote> note = NoteOn(file.kind)) {
      check.findings.push_back({.kind = note->kind,
                                .file = file.name,
                                .size = file.size,
                                .detail = std::string(note->detail)});
    }
  }
  return check;
}

std::string FormatFinding(const Finding& finding) {
  std::string line = fmt::format(
      "{}: {}", IsProblem(finding.kind) ? "problem" : "note", finding.file);
  if (finding.collection.has_value()) {
    line += fmt::format(" (collection {:?})", *finding.collection);
  }
  if (finding.offset.has_value()) {
    line += fmt::format(", byte offset {}", *finding.offset);
  }
  return fmt::format("{}: {}", line, finding.detail);
}

std::string FormatCheck(const StoreCheck& check) {
  std::string out;
  for (const Finding& finding : check.findings) {
    out += FormatFinding(finding) + "\n";
  }
  const std::uint64_t problems = check.problems();
  const std::uint64_t notes = check.findings.size() - problems;
  out += fmt::format("{}: {} checked ({}, {}): {}\n", check.dir,
                     Count(check.collection_files, "collection file"),
                     FormatBytes(check.bytes_checked), Count(check.keys, "key"),
                     problems == 0
                         ? fmt::format("healthy ({})", Count(notes, "note"))
                         : fmt::format("{}, {}", Count(problems, "problem"),
                                       Count(notes, "note")));
  return out;
}

std::string CheckJson(const StoreCheck& check) {
  std::vector<std::string> problems;
  std::vector<std::string> notes;
  for (const Finding& finding : check.findings) {
    JsonObject object;
    object.AddString("kind", KindName(finding.kind))
        .AddString("file", finding.file);
    if (finding.collection.has_value()) {
      object.AddBytes("collection", *finding.collection);
    }
    if (finding.offset.has_value()) {
      object.AddNumber("offset", *finding.offset);
    }
    if (finding.size > 0) object.AddNumber("size", finding.size);
    object.AddString("detail", finding.detail);
    (IsProblem(finding.kind) ? problems : notes).push_back(object.Build());
  }
  return JsonObject()
      .AddBytes("store", check.dir)
      .AddBool("healthy", check.healthy())
      .AddNumber("collection_files", check.collection_files)
      .AddNumber("bytes_checked", check.bytes_checked)
      .AddNumber("keys", check.keys)
      .AddJson("problems", JsonArray(problems))
      .AddJson("notes", JsonArray(notes))
      .Build();
}

}  // namespace dskv::tool
