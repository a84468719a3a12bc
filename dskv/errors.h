// The errors a store's state gives, defined once so that Store and ShardMap
// word them alike.

#ifndef DSKV_ERRORS_H_
#define DSKV_ERRORS_H_

#include "absl/status/status.h"

namespace dskv {

// Any call after Close.
inline absl::Status ClosedError() {
  return absl::FailedPreconditionError("the store is closed");
}

// A write to a store opened with Options::read_only.
inline absl::Status ReadOnlyError() {
  return absl::FailedPreconditionError("the store is open read-only");
}

}  // namespace dskv

#endif  // DSKV_ERRORS_H_
