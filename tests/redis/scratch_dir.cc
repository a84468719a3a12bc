#include "tests/redis/scratch_dir.h"

#include <stdlib.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace dskv_test {

absl::StatusOr<ScratchDir> ScratchDir::Make(const std::string& parent,
                                            const std::string& prefix) {
  std::string base = parent;
  if (base.empty()) {
    const char* tmpdir = std::getenv("TEST_TMPDIR");
    base = tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/tmp";
  }
  std::error_code error;
  base = std::filesystem::absolute(base, error).string();
  if (error) {
    return absl::InternalError(
        absl::StrCat("absolute(", parent, "): ", error.message()));
  }
  std::string path = absl::StrCat(base, "/", prefix, "XXXXXX");
  if (::mkdtemp(path.data()) == nullptr) {
    return absl::InternalError(
        absl::StrCat("mkdtemp(", path, "): ", std::strerror(errno)));
  }
  return ScratchDir(std::move(path));
}

ScratchDir::ScratchDir(ScratchDir&& other) noexcept
    : path_(std::exchange(other.path_, "")) {}

ScratchDir& ScratchDir::operator=(ScratchDir&& other) noexcept {
  if (this != &other) {
    Remove();
    path_ = std::exchange(other.path_, "");
  }
  return *this;
}

ScratchDir::~ScratchDir() { Remove(); }

void ScratchDir::Remove() {
  if (path_.empty()) return;
  // Best effort: a destructor has no one to report to, and Bazel removes
  // $TEST_TMPDIR after the test anyway.
  std::error_code ignored;
  std::filesystem::remove_all(std::exchange(path_, ""), ignored);
}

}  // namespace dskv_test
