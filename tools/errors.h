// Error helpers shared by the tool's commands, and the exit codes they use.

#ifndef DSKV_TOOLS_ERRORS_H_
#define DSKV_TOOLS_ERRORS_H_

#include <string_view>

#include "absl/status/status.h"

namespace dskv::tool {

inline constexpr int kExitSuccess = 0;
inline constexpr int kExitFailure = 1;  // The command could not do its job.
inline constexpr int kExitUsage = 2;    // Bad command line.

// The message of `status`. Debian builds Abseil with its own
// absl::string_view, which fmt cannot print; std::string_view it can.
std::string_view MessageOf(const absl::Status& status);

// `status` with "`context`: " before its message, or OK if it is OK.
absl::Status WithContext(std::string_view context, const absl::Status& status);

}  // namespace dskv::tool

#endif  // DSKV_TOOLS_ERRORS_H_
