// The body of POST /_batch (docs/http.md, "Batches"): JSON Lines, one
// operation or condition per line, applied by `dskv serve` as one
// WriteBatch:
//
//   {"op":"put","collection":"c","member":"m","value":"v"}
//   {"op":"delete","collection":"c","member":"m"}
//   {"op":"delete_all","collection":"c"}
//   {"op":"expect","collection":"c","member":"m","value":"v"}
//
// "op" defaults to "put", so dump lines (tools/dump_format.h), as
// `dskv dump` and GET ?values give them, are puts. Any field but "op" may
// be given base64-encoded, as "member_base64" and so on. An "expect"
// without "value" expects the key to hold nothing. Blank lines are skipped.

#ifndef DSKV_TOOLS_HTTP_BATCH_H_
#define DSKV_TOOLS_HTTP_BATCH_H_

#include <string_view>

#include "absl/status/statusor.h"
#include "dskv/write_batch.h"

namespace dskv::tool {

// Errors: InvalidArgument naming the line (1-based) and what is wrong with
// it: not a JSON object of strings, an unknown op or field, a field the op
// needs missing or one it does not take, a collection holding '/'. Keys and
// values are checked by Store::Write.
absl::StatusOr<WriteBatch> ParseBatch(std::string_view body);

}  // namespace dskv::tool

#endif  // DSKV_TOOLS_HTTP_BATCH_H_
