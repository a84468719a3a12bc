#include "dskv/loader.h"

#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "base/string_hash.h"
#include "dskv/record.h"
#include "dskv/record_arena.h"
#include "persist/collection_reader.h"
#include "persist/directory_layout.h"
#include "persist/format.h"
#include "persist/journal.h"
#include "persist/parallel.h"

namespace dskv {
namespace {

// Files are loaded in groups of at most this many: a group's files are all
// in memory at once, on top of the Records made from them.
constexpr std::size_t kFilesPerGroup = 64;
// Records are created and inserted in tasks of at least this many bytes (or
// the whole group): each task fills RecordArena chunks of its own, and gives
// back the unused end of its last one.
constexpr std::size_t kBytesPerTask = std::size_t{4} << 20;

// The names in the store directory, to choose unused ones from.
using StoreFileNames = absl::flat_hash_set<std::string, StringHash, StringEq>;

// One file: read, verified, and its members waiting to be inserted.
struct LoadedFile {
  std::string dir;
  std::string name;
  std::string path;
  std::unique_ptr<FileContents> contents;
  ParsedCollectionView parsed;  // Views into `contents`.
  bool set_aside = false;       // Unreadable, renamed (salvage only).
};

absl::Status ReadCollectionFile(FileSystem& fs, const LoadOptions& options,
                                const StoreFileNames& names, LoadedFile& file) {
  // Read rather than mapped, even when no other process may change the
  // file: reading into bulk memory costs less than the page faults of
  // touching a mapping, and the copy is gone once its Records are made.
  absl::StatusOr<std::unique_ptr<FileContents>> contents =
      fs.ReadContents(file.path);
  if (!contents.ok()) return contents.status();
  file.contents = *std::move(contents);
  absl::StatusOr<ParsedCollectionView> parsed =
      ParseCollectionFileView(file.contents->data(), options.salvage);
  if (!parsed.ok()) {
    if (options.salvage && absl::IsDataLoss(parsed.status())) {
      // Without a readable header the collection is unknown: set the file
      // aside for a person to look at.
      file.contents.reset();
      file.set_aside = true;
      if (options.read_only) return absl::OkStatus();
      // Files set aside in parallel have distinct names, so none of them
      // takes another's new name.
      return fs.Rename(
          file.path,
          file.dir + "/" + SetAsideName(file.name, [&](std::string_view n) {
            return names.contains(n);
          }));
    }
    return InCollectionFile(file.path, parsed.status());
  }
  file.parsed = *std::move(parsed);
  return CheckCollectionFileName(file.path, file.parsed.name);
}

// Inserts every member of `files` into `map`, in parallel, but those whose
// deadline is at or before `now_ms`: they expired while the store was
// closed.
void InsertMembers(std::vector<LoadedFile>& files, std::int64_t now_ms,
                   ShardMap& map) {
  struct Member {
    const std::string* collection;
    std::string_view member;
    std::string_view value;
    std::int64_t deadline_ms;
  };
  std::vector<Member> members;
  // Where each task's members start, and end (the last entry).
  std::vector<std::size_t> task_starts = {0};
  std::size_t task_bytes = 0;
  for (const LoadedFile& file : files) {
    const auto& deadlines = file.parsed.deadlines;
    for (const auto& [member, value] : file.parsed.members) {
      std::int64_t deadline_ms = Record::kNoDeadline;
      if (!deadlines.empty()) {
        if (auto d = deadlines.find(member); d != deadlines.end()) {
          if (d->second <= now_ms) continue;
          deadline_ms = d->second;
        }
      }
      members.push_back({&file.parsed.name, member, value, deadline_ms});
      task_bytes +=
          Record::AllocationSize(member.size(), value.size(), deadline_ms);
      if (task_bytes >= kBytesPerTask) {
        task_starts.push_back(members.size());
        task_bytes = 0;
      }
    }
  }
  if (task_starts.back() != members.size())
    task_starts.push_back(members.size());
  ParallelFor(task_starts.size() - 1, CoreCount(), [&](std::size_t task) {
    RecordArena arena;
    for (std::size_t i = task_starts[task]; i < task_starts[task + 1]; ++i) {
      const Member& m = members[i];
      map.Load(*m.collection, arena.NewPut(m.member, m.value, m.deadline_ms));
    }
    return absl::OkStatus();
  }).IgnoreError();  // Inserting cannot fail.
}

// Loads `files`, each named by its path, into `map` and `report`.
absl::Status LoadGroup(FileSystem& fs, const LoadOptions& options,
                       const StoreFileNames& names,
                       std::vector<LoadedFile>& files, ShardMap& map,
                       LoadReport& report) {
  if (absl::Status s = ParallelFor(files.size(), CoreCount(),
                                   [&](std::size_t i) {
                                     return ReadCollectionFile(fs, options,
                                                               names, files[i]);
                                   });
      !s.ok()) {
    return s;
  }
  InsertMembers(files, map.NowMs(), map);
  for (LoadedFile& file : files) {
    file.contents.reset();  // Its Records are made.
    if (file.set_aside) {
      ++report.corrupt_files;
      continue;
    }
    const ParsedCollectionView& parsed = file.parsed;
    if (parsed.torn_tail_bytes > 0) {
      if (!options.read_only) {
        if (absl::Status s = fs.Truncate(file.path, parsed.valid_size);
            !s.ok()) {
          return s;
        }
      }
      ++report.torn_tails;
      report.torn_bytes += parsed.torn_tail_bytes;
    }
    CollectionFile& entry = report.files[parsed.name];
    entry.size = parsed.valid_size;
    entry.exists = true;
    // Older versions are rewritten as the current one, so that a dskv that
    // knows no journal refuses the store rather than ignore its journal.
    entry.needs_rewrite =
        parsed.corrupt_regions > 0 || parsed.version < format::kVersion;
    report.corrupt_regions += parsed.corrupt_regions;
    report.corrupt_bytes += parsed.corrupt_bytes;
  }
  return absl::OkStatus();
}

// Applies the journal at `path` to `map`, which holds the collection files'
// contents, as one batch: so the janitor's first pass writes a journal that
// replaces this one before it touches a file.
absl::Status ApplyJournal(FileSystem& fs, const std::string& dir,
                          const std::string& path, const LoadOptions& options,
                          const StoreFileNames& names, ShardMap& map,
                          LoadReport& report) {
  absl::StatusOr<std::string> contents = fs.ReadFile(path);
  // Read after the files, whatever the listing said: a process that has
  // the store open (this one being read-only) may have installed a journal
  // meanwhile, or removed one.
  if (absl::IsNotFound(contents.status())) return absl::OkStatus();
  if (!contents.ok()) return contents.status();
  absl::StatusOr<std::vector<JournalSection>> sections =
      ParseJournal(*contents);
  if (!sections.ok()) {
    if (options.salvage && absl::IsDataLoss(sections.status())) {
      ++report.corrupt_files;
      if (options.read_only) return absl::OkStatus();
      return fs.Rename(path, dir + "/" +
                                 SetAsideName(format::kJournalFileName,
                                              [&](std::string_view n) {
                                                return names.contains(n);
                                              }));
    }
    return InJournal(path, sections.status());
  }
  std::vector<ShardMap::BatchOp> ops;
  const std::int64_t now_ms = map.NowMs();
  for (const JournalSection& section : *sections) {
    if (section.cleared) {
      ops.push_back({ShardMap::BatchOp::Kind::kDeleteAll,
                     KeyRef{section.collection, {}},
                     {}});
    }
    for (const format::RecordFields& record : section.records) {
      const KeyRef key{section.collection, record.member};
      switch (record.type) {
        case format::RecordType::kPut:
          ops.push_back({ShardMap::BatchOp::Kind::kPut, key, record.value});
          break;
        case format::RecordType::kDelete:
          ops.push_back({ShardMap::BatchOp::Kind::kDelete, key, {}});
          break;
        case format::RecordType::kPutExpiring: {
          // One that expired meanwhile removes the member, as it would have.
          const format::ExpiringValue value =
              format::SplitExpiringValue(record.value);
          if (value.deadline_ms <= now_ms) {
            ops.push_back({ShardMap::BatchOp::Kind::kDelete, key, {}});
          } else {
            ops.push_back({ShardMap::BatchOp::Kind::kPut, key, value.data,
                           value.deadline_ms});
          }
          break;
        }
      }
    }
  }
  report.journal_applied = true;
  return map.Apply(ops, {});
}

}  // namespace

absl::StatusOr<LoadReport> LoadCollections(FileSystem& fs,
                                           const std::string& dir,
                                           const LoadOptions& options,
                                           ShardMap& map) {
  absl::StatusOr<std::vector<DirectoryEntry>> entries = fs.ListDirectory(dir);
  if (!entries.ok()) return entries.status();
  StoreFileNames names;
  std::vector<std::string> collection_files;
  for (const DirectoryEntry& entry : *entries) {
    names.insert(entry.name);
    const StoreFileKind kind = ClassifyStoreFile(entry.name);
    if (kind != StoreFileKind::kCollection &&
        kind != StoreFileKind::kTemporary && kind != StoreFileKind::kJournal) {
      continue;  // LockDirectory checked LOCK; the rest is not read.
    }
    const std::string path = dir + "/" + entry.name;
    if (!entry.regular_file) {
      // Following it could read or remove something outside the store;
      // ignoring it could hide a collection. A person must decide.
      return absl::FailedPreconditionError(fmt::format(
          "{:?} is a symbolic link or not a regular file, where the store "
          "keeps its files; dskv follows no links: move it out of the "
          "directory",
          path));
    }
    if (kind == StoreFileKind::kTemporary) {
      // An unfinished rewrite or journal (or, read-only, perhaps one in
      // progress): the file it is to replace is still whole.
      if (options.read_only) continue;
      if (absl::Status s = fs.Remove(path); !s.ok()) return s;
    } else if (kind == StoreFileKind::kCollection) {
      collection_files.push_back(entry.name);
    }
  }

  LoadReport report;
  for (std::size_t first = 0; first < collection_files.size();
       first += kFilesPerGroup) {
    std::vector<LoadedFile> group(
        std::min(kFilesPerGroup, collection_files.size() - first));
    for (std::size_t i = 0; i < group.size(); ++i) {
      group[i].dir = dir;
      group[i].name = collection_files[first + i];
      group[i].path = dir + "/" + group[i].name;
    }
    if (absl::Status s = LoadGroup(fs, options, names, group, map, report);
        !s.ok()) {
      return s;
    }
  }
  if (absl::Status s =
          ApplyJournal(fs, dir, JournalPath(dir), options, names, map, report);
      !s.ok()) {
    return s;
  }
  return report;
}

}  // namespace dskv
