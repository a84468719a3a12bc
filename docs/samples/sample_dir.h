// What every sample program shares: a fresh temporary directory, and main's
// exit status from the sample's absl::Status. Not part of dskv.

#ifndef DOCS_SAMPLES_SAMPLE_DIR_H_
#define DOCS_SAMPLES_SAMPLE_DIR_H_

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string>
#include <string_view>
#include <system_error>

#include "absl/status/status.h"

namespace dskv_samples {

// Creates a fresh directory under $TEST_TMPDIR (set by `bazel test`) or
// /tmp, calls `run` with the path of a store directory inside it (not yet
// created), removes the directory, and returns 0 if `run` returned OK, or
// prints the error and returns 1.
template <typename Run>
int RunInTempDir(Run run) {
  const char* base = std::getenv("TEST_TMPDIR");
  std::string dir =
      std::string(base != nullptr && *base != '\0' ? base : "/tmp") +
      "/dskv-sample.XXXXXX";
  if (::mkdtemp(dir.data()) == nullptr) {
    std::cerr << "mkdtemp " << dir << ": " << std::strerror(errno) << "\n";
    return 1;
  }
  const absl::Status status = run(dir + "/db");
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
  if (!status.ok()) {
    std::cerr << "sample failed: " << status << "\n";
    return 1;
  }
  return 0;
}

// OK if `holds`; otherwise an error saying which documented fact did not
// hold.
inline absl::Status Expect(bool holds, std::string_view what) {
  if (holds) return absl::OkStatus();
  return absl::InternalError(std::string("expected: ") + std::string(what));
}

}  // namespace dskv_samples

#endif  // DOCS_SAMPLES_SAMPLE_DIR_H_
