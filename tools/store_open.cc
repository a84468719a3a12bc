#include "tools/store_open.h"

#include <fmt/format.h>

#include <string_view>
#include <utility>

#include "dskv/store_internal.h"
#include "persist/collection_file.h"
#include "persist/file_system.h"
#include "tools/errors.h"
#include "tools/progress.h"

namespace dskv::tool {
namespace {

// Adds to an error of Store::Open what an operator can do about it.
absl::Status ExplainOpenError(const std::string& dir, absl::Status status) {
  if (absl::IsDataLoss(status)) {
    return absl::DataLossError(fmt::format(
        "{}; 'dskv verify {}' lists all damage, 'dskv repair {}' keeps what "
        "is valid (after a backup)",
        MessageOf(status), dir, dir));
  }
  return status;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Store>> OpenReadOnly(const std::string& dir,
                                                    std::string_view command) {
  Options options;
  options.read_only = true;
  // Store::Open reports no progress of its own; elapsed seconds at least
  // show that the command is working.
  const Activity loading(fmt::format("{}: loading {}", command, dir));
  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(dir, options);
  if (!store.ok()) return ExplainOpenError(dir, store.status());
  return store;
}

absl::StatusOr<std::optional<ParsedCollection>> ReadOneCollection(
    const std::string& dir, std::string_view collection) {
  if (absl::Status s = PrepareStoreDirectory(dir, /*create=*/false); !s.ok()) {
    return s;
  }
  absl::StatusOr<ParsedCollection> parsed =
      ReadCollection(*PosixFileSystem(), dir, collection);
  if (absl::IsNotFound(parsed.status())) return std::nullopt;
  if (!parsed.ok()) return ExplainOpenError(dir, parsed.status());
  return *std::move(parsed);
}

// The real file system, except that the first LockDirectory hands over a
// lock taken earlier instead of taking it again: a second flock on the same
// file from a new descriptor would fail even in this process. Options has no
// other way to give Store::Open a lock it already holds.
class LockedStore::LockHandingFileSystem : public FileSystemWrapper {
 public:
  explicit LockHandingFileSystem(std::unique_ptr<DirectoryLock> lock)
      : FileSystemWrapper(PosixFileSystem()), lock_(std::move(lock)) {}

  absl::StatusOr<std::unique_ptr<DirectoryLock>> LockDirectory(
      const std::string& dir) override {
    if (lock_ != nullptr) return std::move(lock_);
    return target()->LockDirectory(dir);
  }

 private:
  std::unique_ptr<DirectoryLock> lock_;
};

LockedStore::LockedStore(std::string dir,
                         std::unique_ptr<LockHandingFileSystem> fs)
    : dir_(std::move(dir)), fs_(std::move(fs)) {}

LockedStore::~LockedStore() = default;

absl::StatusOr<std::unique_ptr<LockedStore>> LockedStore::Lock(
    const std::string& dir, IfMissing if_missing) {
  if (absl::Status s =
          PrepareStoreDirectory(dir, if_missing == IfMissing::kCreate);
      !s.ok())
    return s;
  absl::StatusOr<std::unique_ptr<DirectoryLock>> lock =
      PosixFileSystem()->LockDirectory(dir);
  if (absl::IsFailedPrecondition(lock.status())) {
    // The message names the holder's pid.
    return absl::FailedPreconditionError(
        fmt::format("{}; close that process first", MessageOf(lock.status())));
  }
  if (!lock.ok()) return lock.status();
  return std::unique_ptr<LockedStore>(new LockedStore(
      dir, std::make_unique<LockHandingFileSystem>(*std::move(lock))));
}

absl::StatusOr<std::unique_ptr<LockedStore>> LockedStore::LockAndOpen(
    const std::string& dir, IfMissing if_missing) {
  absl::StatusOr<std::unique_ptr<LockedStore>> locked = Lock(dir, if_missing);
  if (!locked.ok()) return locked.status();
  if (absl::Status s = (*locked)->Open(Options()); !s.ok()) return s;
  return locked;
}

absl::Status LockedStore::Open(Options options) {
  options.read_only = false;
  absl::StatusOr<std::unique_ptr<Store>> store =
      StoreOpener::Open(dir_, options, fs_.get());
  if (!store.ok()) return ExplainOpenError(dir_, store.status());
  store_ = *std::move(store);
  return absl::OkStatus();
}

absl::Status LockedStore::Close() {
  if (store_ == nullptr) return absl::OkStatus();
  return store_->Close();
}

}  // namespace dskv::tool
