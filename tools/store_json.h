// A store's collections and counters as JSON, as `dskv ls --json` prints
// them and `dskv serve` answers GET / and GET /_stats.

#ifndef DSKV_TOOLS_STORE_JSON_H_
#define DSKV_TOOLS_STORE_JSON_H_

#include <string>
#include <vector>

#include "dskv/store.h"

namespace dskv::tool {

// [{"name":"artist","keys":3,"bytes":120},...], in the order given, with a
// trailing newline; a name that is not UTF-8 is "name_base64".
std::string CollectionsJson(const std::vector<CollectionInfo>& collections);

// Every counter of `stats`, named as its field ("keys", "dirty_bytes"...;
// durations in microseconds, with "_us" appended), and "last_io_error": the
// janitor's latest error, "" if it succeeded. One object, with a trailing
// newline.
std::string StatsJson(const Stats& stats);

}  // namespace dskv::tool

#endif  // DSKV_TOOLS_STORE_JSON_H_
