#include "dskv/checkpoint.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <system_error>
#include <utility>
#include <vector>

#include "persist/collection_file.h"
#include "persist/format.h"
#include "persist/parallel.h"

namespace dskv {
namespace {

// The directory `path` is in ("." for a relative name without one).
std::string ParentOf(const std::string& path) {
  const std::filesystem::path parent =
      std::filesystem::path(path).lexically_normal().parent_path();
  return parent.empty() ? "." : parent.string();
}

// Writes one collection's Records as its file in `dir`, synced, and
// releases them as they are written.
absl::StatusOr<std::uint64_t> WriteCollection(FileSystem& fs,
                                              const std::string& dir,
                                              const std::string& collection,
                                              ShardMap::Records& records) {
  // Each Record is read, encoded and released while it is cached, a piece
  // at a time, rather than in a pass each over records scattered in memory.
  constexpr std::size_t kPiece = 2048;
  std::size_t given = 0;         // Records [0, given) were handed out,
  std::size_t fields_given = 0;  // the last this many in the last piece.
  const auto next = [&](std::vector<format::RecordFields>& fields) {
    // What the previous call gave is written.
    for (std::size_t i = given - fields_given; i < given; ++i) {
      records[i] = RecordRef();
    }
    if (given == records.size()) return false;
    const std::size_t end = std::min(records.size(), given + kPiece);
    const absl::Span<const RecordRef> piece =
        absl::MakeConstSpan(records).subspan(given, end - given);
    VisitPrefetching</*kForWrite=*/false>(piece, [&](const RecordRef& record) {
      fields.push_back(record->fields());
    });
    fields_given = end - given;
    given = end;
    return true;
  };
  CollectionFile file;
  absl::StatusOr<Rewrite> rewrite =
      StartRewriteFrom(fs, dir, collection, next, file);
  if (!rewrite.ok()) return rewrite.status();
  if (rewrite->temp != nullptr) {
    if (absl::Status s = rewrite->temp->Sync(); !s.ok()) return s;
  }
  const std::uint64_t size = rewrite->size;
  if (absl::Status s = FinishRewrite(fs, *rewrite, file); !s.ok()) return s;
  return size;
}

// Writes every collection of `snapshot` into `temp`, on every core, and
// syncs `temp`.
absl::StatusOr<CheckpointTotals> WriteAll(FileSystem& fs,
                                          ShardMap::Snapshot& snapshot,
                                          const std::string& temp) {
  std::vector<std::pair<const std::string*, ShardMap::Records*>> collections;
  collections.reserve(snapshot.size());
  for (auto& [name, records] : snapshot) {
    collections.emplace_back(&name, &records);
  }
  std::atomic<std::uint64_t> keys{0};
  std::atomic<std::uint64_t> bytes{0};
  absl::Status status =
      ParallelFor(collections.size(), CoreCount(), [&](std::size_t i) {
        ShardMap::Records& records = *collections[i].second;
        absl::StatusOr<std::uint64_t> size =
            WriteCollection(fs, temp, *collections[i].first, records);
        if (!size.ok()) return size.status();
        keys += records.size();
        bytes += *size;
        ShardMap::Records().swap(records);  // Written: its Records may go.
        return absl::OkStatus();
      });
  if (status.ok()) status = fs.SyncDirectory(temp);
  if (!status.ok()) return status;
  return CheckpointTotals{collections.size(), keys.load(), bytes.load()};
}

}  // namespace

absl::StatusOr<CheckpointTotals> WriteCheckpoint(FileSystem& fs,
                                                 ShardMap::Snapshot snapshot,
                                                 const std::string& dir) {
  if (dir.empty()) {
    return absl::InvalidArgumentError("checkpoint path must not be empty");
  }
  std::error_code ec;
  if (std::filesystem::exists(std::filesystem::symlink_status(dir, ec))) {
    return absl::AlreadyExistsError(
        fmt::format("{:?} exists: a checkpoint goes to a new directory", dir));
  }
  const std::string parent = ParentOf(dir);
  if (!std::filesystem::is_directory(parent, ec)) {
    return absl::NotFoundError(fmt::format(
        "{:?} is not a directory: the checkpoint's parent must exist", parent));
  }
  // Beside `dir`, so that the rename stays on one file system.
  const std::string temp =
      fmt::format("{}.checkpoint-{}", dir, static_cast<long>(::getpid()));
  if (!std::filesystem::create_directory(temp, ec) || ec) {
    return absl::ErrnoToStatus(
        ec ? ec.value() : EEXIST,
        fmt::format("cannot create the checkpoint's temporary directory {:?}",
                    temp));
  }
  absl::StatusOr<CheckpointTotals> totals = WriteAll(fs, snapshot, temp);
  absl::Status status = totals.status();
  if (status.ok()) status = fs.Rename(temp, dir);
  if (status.ok()) status = fs.SyncDirectory(parent);
  if (!status.ok()) {
    std::filesystem::remove_all(temp, ec);
    return status;
  }
  return totals;
}

}  // namespace dskv
