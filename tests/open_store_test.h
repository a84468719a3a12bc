// A test fixture with a store open in the test's directory, reopened with
// other Options on demand.

#ifndef DSKV_TESTS_OPEN_STORE_TEST_H_
#define DSKV_TESTS_OPEN_STORE_TEST_H_

#include <memory>
#include <utility>

#include "absl/status/statusor.h"
#include "dskv/store.h"
#include "gtest/gtest.h"
#include "tests/temp_dir.h"

namespace dskv_test {

class OpenStoreTest : public TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    if (HasFatalFailure()) return;
    Open(dskv::Options());
  }

  // Closes the store, if open, and opens it again with `options`.
  void Open(const dskv::Options& options) {
    store_.reset();
    absl::StatusOr<std::unique_ptr<dskv::Store>> store =
        dskv::Store::Open(dir(), options);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
  }

  std::unique_ptr<dskv::Store> store_;
};

}  // namespace dskv_test

#endif  // DSKV_TESTS_OPEN_STORE_TEST_H_
