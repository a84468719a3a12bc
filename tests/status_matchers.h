// gtest assertion helpers for absl::Status, absl::StatusOr and the bytes a
// store holds, shared by the tests under tests/. Each returns an
// AssertionResult whose failure message shows what was got and what was
// wanted, as in EXPECT_TRUE(HasValue(store->Get("a/x"), "1")).

#ifndef DSKV_TESTS_STATUS_MATCHERS_H_
#define DSKV_TESTS_STATUS_MATCHERS_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gtest/gtest.h"

namespace dskv_test {

// Member-value pairs, as dskv::Store::GetAll returns them.
using Pairs = std::vector<std::pair<std::string, std::string>>;

// Shows bytes in a failure message: escaped, and cut short if long.
std::string Describe(std::string_view bytes);

// Shows pairs in a failure message as {{member, value}, ...}, each as bytes.
std::string Describe(const Pairs& pairs);

// The message of `status`. (Debian's Abseil has its own string_view.)
std::string MessageOf(const absl::Status& status);

// Whether `status` is OK.
::testing::AssertionResult IsOk(const absl::Status& status);

// Whether the status of `status_or` is OK.
template <typename T>
::testing::AssertionResult IsOk(const absl::StatusOr<T>& status_or) {
  return IsOk(status_or.status());
}

// Whether `status` has `code`.
::testing::AssertionResult HasCode(const absl::Status& status,
                                   absl::StatusCode code);

// Whether the status of `status_or` has `code`.
template <typename T>
::testing::AssertionResult HasCode(const absl::StatusOr<T>& status_or,
                                   absl::StatusCode code) {
  return HasCode(status_or.status(), code);
}

// Whether `status` has `code` and its message contains every one of `parts`.
::testing::AssertionResult HasCodeAndMessage(
    const absl::Status& status, absl::StatusCode code,
    const std::vector<std::string>& parts);

// Whether `got` holds exactly the value `want`.
::testing::AssertionResult HasValue(const absl::StatusOr<std::string>& got,
                                    std::string_view want);

// Whether `got` holds exactly the pairs `want`, in that order.
::testing::AssertionResult HasPairs(const absl::StatusOr<Pairs>& got,
                                    const Pairs& want);

}  // namespace dskv_test

#endif  // DSKV_TESTS_STATUS_MATCHERS_H_
