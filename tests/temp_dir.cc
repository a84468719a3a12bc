#include "tests/temp_dir.h"

#include <stdlib.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include "gtest/gtest.h"

namespace dskv_test {

void TempDirTest::SetUp() {
  const char* tmpdir = std::getenv("TEST_TMPDIR");
  std::string base = (tmpdir != nullptr && *tmpdir != '\0') ? tmpdir : "/tmp";
  std::string pattern = base + "/dskv_test.XXXXXX";
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  ASSERT_NE(mkdtemp(buffer.data()), nullptr)
      << "mkdtemp(" << pattern << "): " << std::strerror(errno);
  dir_ = buffer.data();
}

TempDirTest::~TempDirTest() {
  if (dir_.empty()) return;
  std::error_code error;
  std::filesystem::remove_all(dir_, error);
  EXPECT_FALSE(error) << "removing " << dir_ << ": " << error.message();
}

}  // namespace dskv_test
