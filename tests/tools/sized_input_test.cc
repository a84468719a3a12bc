// SizedInput: what `dskv put --file` and `--stdin` read straight into the
// store's memory. A regular file's size is known up front; a pipe's is not;
// a file that changes size while it is read is an error, not a short value.

#include <fcntl.h>
#include <unistd.h>

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "gtest/gtest.h"
#include "tests/temp_dir.h"
#include "tests/tools/tool_test_util.h"
#include "tools/io.h"

namespace dskv_test {
namespace {

using ::dskv::tool::SizedInput;

class SizedInputTest : public TempDirTest {
 protected:
  std::string file() const { return dir() + "/value"; }
};

TEST_F(SizedInputTest, ReadsARegularFileOfKnownSize) {
  const std::string bytes(100000, 'v');
  WriteBytes(file(), bytes);
  absl::StatusOr<std::optional<SizedInput>> input = SizedInput::Open(file());
  ASSERT_TRUE(input.ok()) << input.status();
  ASSERT_TRUE(input->has_value());
  ASSERT_EQ((*input)->size(), bytes.size());
  std::string out(bytes.size(), '\0');
  ASSERT_TRUE((*input)->ReadInto(absl::MakeSpan(out)).ok());
  EXPECT_EQ(out, bytes);
}

TEST_F(SizedInputTest, AFileThatChangesSizeWhileReadIsAborted) {
  WriteBytes(file(), "0123456789");
  absl::StatusOr<std::optional<SizedInput>> input = SizedInput::Open(file());
  ASSERT_TRUE(input.ok() && input->has_value());
  ASSERT_EQ(::truncate(file().c_str(), 5), 0);  // Shrinks under the reader.
  std::string out(10, '\0');
  absl::Status shrunk = (*input)->ReadInto(absl::MakeSpan(out));
  EXPECT_EQ(shrunk.code(), absl::StatusCode::kAborted) << shrunk;
  EXPECT_NE(shrunk.message().find("ended after 5 of its 10 bytes"),
            absl::string_view::npos)
      << shrunk;

  WriteBytes(file(), "0123");
  absl::StatusOr<std::optional<SizedInput>> small = SizedInput::Open(file());
  ASSERT_TRUE(small.ok() && small->has_value());
  WriteBytes(file(), "0123456789");  // Grows under the reader.
  out.assign(4, '\0');
  absl::Status grown = (*small)->ReadInto(absl::MakeSpan(out));
  EXPECT_EQ(grown.code(), absl::StatusCode::kAborted) << grown;
}

TEST_F(SizedInputTest, StdinFromAPipeHasNoKnownSize) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const int saved = ::dup(STDIN_FILENO);
  ASSERT_GE(::dup2(fds[0], STDIN_FILENO), 0);
  absl::StatusOr<std::optional<SizedInput>> input = SizedInput::Open("-");
  ::dup2(saved, STDIN_FILENO);
  ::close(saved);
  ::close(fds[0]);
  ::close(fds[1]);
  ASSERT_TRUE(input.ok()) << input.status();
  EXPECT_FALSE(input->has_value());
}

TEST_F(SizedInputTest, StdinFromAFileIsSizedFromWhereItStands) {
  WriteBytes(file(), "skip:rest");
  const int fd = ::open(file().c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::lseek(fd, 5, SEEK_SET), 5);
  const int saved = ::dup(STDIN_FILENO);
  ASSERT_GE(::dup2(fd, STDIN_FILENO), 0);
  absl::StatusOr<std::optional<SizedInput>> input = SizedInput::Open("-");
  std::string out;
  if (input.ok() && input->has_value()) {
    out.assign((*input)->size(), '\0');
    EXPECT_TRUE((*input)->ReadInto(absl::MakeSpan(out)).ok());
  }
  ::dup2(saved, STDIN_FILENO);
  ::close(saved);
  ::close(fd);
  ASSERT_TRUE(input.ok()) << input.status();
  ASSERT_TRUE(input->has_value());
  EXPECT_EQ(out, "rest");
}

TEST_F(SizedInputTest, AMissingFileCannotBeOpened) {
  absl::StatusOr<std::optional<SizedInput>> input =
      SizedInput::Open(dir() + "/missing");
  EXPECT_EQ(input.status().code(), absl::StatusCode::kNotFound)
      << input.status();
}

}  // namespace
}  // namespace dskv_test
