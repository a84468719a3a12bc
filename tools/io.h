// Reading and writing whole byte streams, with errors as absl::Status, for
// commands that move values and dumps through files, stdin and stdout.

#ifndef DSKV_TOOLS_IO_H_
#define DSKV_TOOLS_IO_H_

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace dskv::tool {

// The whole of file `path`, or of stdin if `path` is "-".
absl::StatusOr<std::string> ReadAll(const std::string& path);

// A file, or stdin redirected from one, whose size is known before it is
// read, so that it can be read straight into memory of that size
// (Store::PutFrom) rather than into a growing buffer first.
class SizedInput {
 public:
  // Opens `path`, or stdin if `path` is "-". nullopt if it is not a regular
  // file (a pipe or a terminal): its size is unknown until it ends.
  static absl::StatusOr<std::optional<SizedInput>> Open(
      const std::string& path);

  SizedInput(SizedInput&& other) noexcept;
  SizedInput& operator=(SizedInput&&) = delete;
  ~SizedInput();

  // The bytes from the current offset to the end.
  std::uint64_t size() const { return size_; }

  // Reads size() bytes into `out`, which must hold exactly that many.
  // Aborted if the input ends early or goes on: it changed while read.
  absl::Status ReadInto(absl::Span<char> out);

 private:
  SizedInput(int fd, std::string name, bool owned, std::uint64_t size)
      : fd_(fd), name_(std::move(name)), owned_(owned), size_(size) {}

  int fd_;
  std::string name_;
  bool owned_;  // Whether the destructor closes fd_ (not stdin).
  std::uint64_t size_;
};

// Where output goes: stdout, or a file created (or truncated) for it.
// Buffered; errors are reported by Write and, for what was buffered, Close.
class Output {
 public:
  // Opens `path` for writing, or stdout if `path` is empty or "-".
  static absl::StatusOr<Output> Open(const std::string& path);

  Output(Output&& other) noexcept;
  Output& operator=(Output&&) = delete;
  // Closes a file that Close was not called on, ignoring errors.
  ~Output();

  absl::Status Write(std::string_view bytes);
  // Flushes, and closes a file. Must be called to learn of write errors.
  absl::Status Close();

  // For messages: the file's path, or "stdout".
  const std::string& name() const { return name_; }

 private:
  Output(std::FILE* file, std::string name, bool owned)
      : file_(file), name_(std::move(name)), owned_(owned) {}

  std::FILE* file_;
  std::string name_;
  bool owned_;  // Whether Close closes file_ (not stdout).
};

// Writes `text` to stdout and flushes it.
absl::Status WriteStdout(std::string_view text);

// A line-by-line reader of a file, or of stdin for "-". Lines may be of any
// length and hold any bytes.
class LineReader {
 public:
  static absl::StatusOr<LineReader> Open(const std::string& path);

  LineReader(LineReader&& other) noexcept;
  LineReader& operator=(LineReader&&) = delete;
  ~LineReader();

  // The next line without its '\n', or nullopt at the end of the input.
  absl::StatusOr<std::optional<std::string_view>> Next();

  // Bytes consumed so far, and the input's size if it is a regular file.
  std::uint64_t bytes_read() const { return bytes_read_; }
  std::optional<std::uint64_t> size() const { return size_; }
  // For messages: the file's path, or "stdin".
  const std::string& name() const { return name_; }

 private:
  LineReader(std::FILE* file, std::string name, bool owned,
             std::optional<std::uint64_t> size)
      : file_(file), name_(std::move(name)), owned_(owned), size_(size) {}

  std::FILE* file_;
  std::string name_;
  bool owned_;
  std::optional<std::uint64_t> size_;
  std::uint64_t bytes_read_ = 0;
  char* buffer_ = nullptr;  // getline(3)'s, grown as needed.
  std::size_t capacity_ = 0;
};

}  // namespace dskv::tool

#endif  // DSKV_TOOLS_IO_H_
