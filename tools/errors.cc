#include "tools/errors.h"

#include <fmt/format.h>

namespace dskv::tool {

std::string_view MessageOf(const absl::Status& status) {
  return {status.message().data(), status.message().size()};
}

absl::Status WithContext(std::string_view context, const absl::Status& status) {
  if (status.ok()) return status;
  return absl::Status(status.code(),
                      fmt::format("{}: {}", context, MessageOf(status)));
}

}  // namespace dskv::tool
