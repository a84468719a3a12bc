// A directory of its own for a Redis test server or cluster, removed with
// everything in it when it goes.

#ifndef DSKV_TESTS_REDIS_SCRATCH_DIR_H_
#define DSKV_TESTS_REDIS_SCRATCH_DIR_H_

#include <string>
#include <utility>

#include "absl/status/statusor.h"

namespace dskv_test {

class ScratchDir {
 public:
  // Makes a fresh directory `prefix` + six random characters in `parent`;
  // in $TEST_TMPDIR (which Bazel sets) if `parent` is empty, else in /tmp.
  static absl::StatusOr<ScratchDir> Make(const std::string& parent,
                                         const std::string& prefix);

  ScratchDir(ScratchDir&& other) noexcept;
  ScratchDir& operator=(ScratchDir&& other) noexcept;
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  // Removes the directory and everything in it.
  ~ScratchDir();

  // Absolute, without a trailing '/'.
  const std::string& path() const { return path_; }

 private:
  explicit ScratchDir(std::string path) : path_(std::move(path)) {}
  void Remove();

  std::string path_;  // Empty once moved from.
};

}  // namespace dskv_test

#endif  // DSKV_TESTS_REDIS_SCRATCH_DIR_H_
