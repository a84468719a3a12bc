#include "tests/status_matchers.h"

#include <algorithm>
#include <cstddef>
#include <sstream>

namespace dskv_test {

std::string Describe(std::string_view bytes) {
  constexpr std::size_t kMaxShown = 40;
  std::string shown = ::testing::PrintToString(
      std::string(bytes.substr(0, std::min(bytes.size(), kMaxShown))));
  if (bytes.size() <= kMaxShown) return shown;
  std::ostringstream out;
  out << shown << "... (" << bytes.size() << " bytes)";
  return out.str();
}

std::string Describe(const Pairs& pairs) {
  std::ostringstream out;
  out << "{";
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    if (i > 0) out << ", ";
    out << "{" << Describe(pairs[i].first) << ", " << Describe(pairs[i].second)
        << "}";
  }
  out << "}";
  return out.str();
}

std::string MessageOf(const absl::Status& status) {
  return std::string(status.message());
}

::testing::AssertionResult IsOk(const absl::Status& status) {
  if (status.ok()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "status is " << status;
}

::testing::AssertionResult HasCode(const absl::Status& status,
                                   absl::StatusCode code) {
  if (status.code() == code) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "status is " << status << ", want code " << code;
}

::testing::AssertionResult HasCodeAndMessage(
    const absl::Status& status, absl::StatusCode code,
    const std::vector<std::string>& parts) {
  if (status.code() != code) return HasCode(status, code);
  const std::string message = MessageOf(status);
  for (const std::string& part : parts) {
    if (message.find(part) == std::string::npos) {
      return ::testing::AssertionFailure()
             << "message " << Describe(message) << " does not contain "
             << Describe(part);
    }
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult HasValue(const absl::StatusOr<std::string>& got,
                                    std::string_view want) {
  if (!got.ok()) {
    return ::testing::AssertionFailure()
           << "status is " << got.status() << ", want value " << Describe(want);
  }
  if (*got != want) {
    return ::testing::AssertionFailure()
           << "value is " << Describe(*got) << ", want " << Describe(want);
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult HasPairs(const absl::StatusOr<Pairs>& got,
                                    const Pairs& want) {
  if (!got.ok()) {
    return ::testing::AssertionFailure()
           << "status is " << got.status() << ", want pairs " << Describe(want);
  }
  if (*got != want) {
    return ::testing::AssertionFailure()
           << "pairs are " << Describe(*got) << ", want " << Describe(want);
  }
  return ::testing::AssertionSuccess();
}

}  // namespace dskv_test
