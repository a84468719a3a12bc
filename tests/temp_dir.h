// A test fixture that gives each test its own empty directory.

#ifndef DSKV_TESTS_TEMP_DIR_H_
#define DSKV_TESTS_TEMP_DIR_H_

#include <string>

#include "gtest/gtest.h"

namespace dskv_test {

// Makes a fresh directory before each test and removes it, with everything in
// it, after the test. The directory is made under $TEST_TMPDIR (which Bazel
// sets), or under /tmp when that is unset. It is removed by the destructor, so
// members of derived fixtures (an open store, say) are destroyed before it.
//
// Fixtures deriving from this class that override SetUp must call
// TempDirTest::SetUp() first and return if it failed:
//
//   void SetUp() override {
//     TempDirTest::SetUp();
//     if (HasFatalFailure()) return;
//     ...
//   }
class TempDirTest : public ::testing::Test {
 public:
  ~TempDirTest() override;

 protected:
  void SetUp() override;

  // The absolute path of this test's directory, without a trailing '/'.
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
};

}  // namespace dskv_test

#endif  // DSKV_TESTS_TEMP_DIR_H_
