// Opening a store for the tool's commands, with errors that tell an operator
// what to do: which process holds the lock, and which command looks at or
// recovers a damaged store.
//
// Read-only commands (ls, get, dump, stats) use OpenReadOnly: no lock, so
// they work while another process has the store open. Write commands use
// LockedStore, which takes the directory's lock itself before opening the
// store, so that a lock held elsewhere is told apart from every other
// failure of Store::Open, and so that repair can do work (a backup) under
// the lock before the store loads and changes any file.

#ifndef DSKV_TOOLS_STORE_OPEN_H_
#define DSKV_TOOLS_STORE_OPEN_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "dskv/store.h"
#include "persist/collection_reader.h"

namespace dskv::tool {

// Opens the store at `dir` with Options::read_only. NotFound if `dir` does
// not exist. Loading a large store takes seconds, so meanwhile, if stderr is
// a terminal, it shows "`command`: loading `dir` ... N s" there.
absl::StatusOr<std::unique_ptr<Store>> OpenReadOnly(const std::string& dir,
                                                    std::string_view command);

// Reads and verifies the file of `collection` alone, without loading the
// rest of the store and without the lock, as OpenReadOnly would read it:
// for commands that need one collection of a possibly large store. nullopt
// if the collection has no file (no members). NotFound if `dir` does not
// exist.
absl::StatusOr<std::optional<ParsedCollection>> ReadOneCollection(
    const std::string& dir, std::string_view collection);

// What to do when the store directory does not exist.
enum class IfMissing {
  kCreate,  // For commands that add data (put, load), as Store::Open does.
  kFail,    // For the others, which would only leave an empty directory.
};

// A store directory locked by this process, and the store opened on it.
class LockedStore {
 public:
  // Takes the lock on `dir`. FailedPrecondition naming the holder's pid if
  // another process (or another store in this one) holds it.
  static absl::StatusOr<std::unique_ptr<LockedStore>> Lock(
      const std::string& dir, IfMissing if_missing);

  // Lock, then Open with default options.
  static absl::StatusOr<std::unique_ptr<LockedStore>> LockAndOpen(
      const std::string& dir, IfMissing if_missing);

  ~LockedStore();
  LockedStore(const LockedStore&) = delete;
  LockedStore& operator=(const LockedStore&) = delete;

  // Opens the store under the lock, which passes to the store: it is
  // released when the store is closed. May be called once.
  absl::Status Open(Options options);

  // The open store; only after Open succeeded.
  Store& store() const { return *store_; }

  // Closes the store, which makes every change durable, and releases the
  // lock.
  absl::Status Close();

  const std::string& dir() const { return dir_; }

 private:
  class LockHandingFileSystem;

  LockedStore(std::string dir, std::unique_ptr<LockHandingFileSystem> fs);

  const std::string dir_;
  // Declared before store_, which uses it, so that it is destroyed after.
  std::unique_ptr<LockHandingFileSystem> fs_;
  std::unique_ptr<Store> store_;
};

}  // namespace dskv::tool

#endif  // DSKV_TOOLS_STORE_OPEN_H_
