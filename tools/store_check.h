// Checks a store's files without opening the store: reads every file of the
// directory, verifies every checksum with the same reader Store::Open uses
// (in its salvage mode, which goes on past damage so that all of it is
// found), and lists what it finds. Changes nothing and takes no lock, so it
// may run while another process has the store open.

#ifndef DSKV_TOOLS_STORE_CHECK_H_
#define DSKV_TOOLS_STORE_CHECK_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace dskv::tool {

// Something found in a store's directory.
struct Finding {
  enum class Kind {
    // Problems: Store::Open fails on them.
    kDamagedRegion,       // Damaged bytes that valid records follow.
    kDamagedHeader,       // The file's header is unreadable.
    kUnsupportedVersion,  // Written by a newer dskv.
    kMisnamedFile,        // Holds a collection whose file has another name.
    kUnreadableFile,      // Reading it failed.
    kNotRegularFile,      // A store's name on a link, FIFO, directory...
    kDamagedJournal,      // JOURNAL fails its checksum.
    // Notes: the store opens despite them.
    kTornTail,       // What a crash during an append leaves; Open cuts it.
    kTemporaryFile,  // An interrupted rewrite; Open removes it.
    kSetAsideFile,   // Set aside by an earlier salvage.
    kVanishedFile,   // Removed while the check ran (a rewrite or DeleteAll).
    kForeignFile,    // Not a name the store uses; the store leaves it alone.
    kJournal,        // Changes Open applies on top of the collection files.
  };

  Kind kind;
  std::string file = {};                       // Its name in the directory.
  std::optional<std::string> collection = {};  // If the header is readable.
  std::optional<std::uint64_t> offset = {};    // Where in the file.
  std::uint64_t size = 0;                      // Bytes concerned; 0 if moot.
  std::string detail = {};                     // One sentence for people.
};

// Whether a finding keeps the store from opening.
bool IsProblem(Finding::Kind kind);
// Whether Store::Open with Options::salvage gets past it.
bool SalvageFixes(Finding::Kind kind);
// A stable name for JSON output, e.g. "damaged_region".
std::string_view KindName(Finding::Kind kind);

struct StoreCheck {
  std::string dir;
  std::uint64_t collection_files = 0;  // Read and checked.
  std::uint64_t bytes_checked = 0;
  std::uint64_t keys = 0;         // Live keys in the readable files.
  std::vector<Finding> findings;  // In file name order.

  std::uint64_t problems() const;
  bool healthy() const { return problems() == 0; }
};

// Checks the store at `dir`. Shows a progress bar (bytes read) on a
// terminal. Errors: only when the directory cannot be listed (NotFound if it
// does not exist); every file's own troubles are findings.
absl::StatusOr<StoreCheck> CheckStore(const std::string& dir);

// One line per finding, then a summary line; for people.
std::string FormatCheck(const StoreCheck& check);
// The line FormatCheck writes for `finding`, without its '\n'.
std::string FormatFinding(const Finding& finding);

// The check as a JSON object:
//   {"store":...,"healthy":...,"collection_files":...,"bytes_checked":...,
//    "keys":...,"problems":[F...],"notes":[F...]}
// where each F is {"kind":...,"file":...,"collection"|"collection_base64":...,
// "offset":...,"size":...,"detail":...}, without the fields that are moot.
std::string CheckJson(const StoreCheck& check);

}  // namespace dskv::tool

#endif  // DSKV_TOOLS_STORE_CHECK_H_
