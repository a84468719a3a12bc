// Which names in a store directory are the store's own, defined once: the
// loader, the janitor and the `dskv` tool all ask here, and everything else
// in the directory is never opened, renamed or removed. persist/FORMAT.md
// lists the same names for people.

#ifndef DSKV_PERSIST_DIRECTORY_LAYOUT_H_
#define DSKV_PERSIST_DIRECTORY_LAYOUT_H_

#include <functional>
#include <string>
#include <string_view>

namespace dskv {

enum class StoreFileKind {
  kCollection,  // <32 hex digits>.dskv: one collection's records.
  kJournal,     // JOURNAL: completes the collection files after a crash.
  // <32 hex digits>.dskv.tmp, JOURNAL.tmp: a file being written, not yet
  // installed.
  kTemporary,
  // <32 hex digits>.dskv.corrupt[.N], JOURNAL.corrupt[.N]: set aside by
  // salvage.
  kSetAside,
  kLock,     // LOCK.
  kForeign,  // Anything else: not the store's, left alone.
};

// What the entry `name` of a store directory is. Exact: "notes.tmp",
// "x.dskv" and "<32 hex digits>.DSKV" are foreign.
StoreFileKind ClassifyStoreFile(std::string_view name);

// The name under which salvage sets aside the file `file_name`:
// "<file_name>.corrupt", or the first of "<file_name>.corrupt.1", ".2", ...
// for which `taken` is false, so that a file set aside earlier is never
// replaced.
std::string SetAsideName(std::string_view file_name,
                         const std::function<bool(std::string_view)>& taken);

}  // namespace dskv

#endif  // DSKV_PERSIST_DIRECTORY_LAYOUT_H_
