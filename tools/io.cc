#include "tools/io.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <utility>

namespace dskv::tool {
namespace {

bool IsStdStream(const std::string& path) {
  return path.empty() || path == "-";
}

absl::Status ErrnoError(int error, std::string_view what,
                        std::string_view name) {
  return absl::ErrnoToStatus(error, fmt::format("{} {}", what, name));
}

}  // namespace

absl::StatusOr<std::string> ReadAll(const std::string& path) {
  const bool is_stdin = IsStdStream(path);
  std::FILE* file = is_stdin ? stdin : std::fopen(path.c_str(), "rb");
  const std::string name = is_stdin ? "stdin" : path;
  if (file == nullptr) return ErrnoError(errno, "cannot open", name);
  std::string contents;
  char buffer[1 << 16];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), file)) > 0) {
    contents.append(buffer, n);
  }
  const int error = std::ferror(file) ? errno : 0;
  if (!is_stdin) std::fclose(file);
  if (error != 0) return ErrnoError(error, "cannot read", name);
  return contents;
}

absl::StatusOr<std::optional<SizedInput>> SizedInput::Open(
    const std::string& path) {
  const bool is_stdin = IsStdStream(path);
  const std::string name = is_stdin ? "stdin" : path;
  const int fd =
      is_stdin ? STDIN_FILENO : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoError(errno, "cannot open", name);
  SizedInput input(fd, name, /*owned=*/!is_stdin, 0);
  struct stat st;
  if (::fstat(fd, &st) != 0) return ErrnoError(errno, "cannot stat", name);
  if (!S_ISREG(st.st_mode)) return std::nullopt;
  // Stdin may be partly read already.
  const off_t offset = ::lseek(fd, 0, SEEK_CUR);
  if (offset < 0) return ErrnoError(errno, "cannot seek in", name);
  input.size_ =
      static_cast<std::uint64_t>(std::max<off_t>(0, st.st_size - offset));
  return std::optional<SizedInput>(std::move(input));
}

SizedInput::SizedInput(SizedInput&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      name_(std::move(other.name_)),
      owned_(other.owned_),
      size_(other.size_) {}

SizedInput::~SizedInput() {
  if (fd_ >= 0 && owned_) ::close(fd_);
}

absl::Status SizedInput::ReadInto(absl::Span<char> out) {
  std::size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = ::read(fd_, out.data() + done, out.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoError(errno, "cannot read", name_);
    if (n == 0) {
      return absl::AbortedError(fmt::format(
          "{} ended after {} of its {} bytes: it changed while it was read",
          name_, done, out.size()));
    }
    done += static_cast<std::size_t>(n);
  }
  char extra;
  ssize_t n;
  while ((n = ::read(fd_, &extra, 1)) < 0 && errno == EINTR) {
  }
  if (n > 0) {
    return absl::AbortedError(fmt::format(
        "{} grew past its {} bytes while it was read", name_, out.size()));
  }
  return absl::OkStatus();
}

absl::StatusOr<Output> Output::Open(const std::string& path) {
  if (IsStdStream(path)) return Output(stdout, "stdout", /*owned=*/false);
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) return ErrnoError(errno, "cannot create", path);
  return Output(file, path, /*owned=*/true);
}

Output::Output(Output&& other) noexcept
    : file_(std::exchange(other.file_, nullptr)),
      name_(std::move(other.name_)),
      owned_(other.owned_) {}

Output::~Output() {
  if (file_ != nullptr && owned_) std::fclose(file_);
}

absl::Status Output::Write(std::string_view bytes) {
  if (std::fwrite(bytes.data(), 1, bytes.size(), file_) != bytes.size()) {
    return ErrnoError(errno, "cannot write to", name_);
  }
  return absl::OkStatus();
}

absl::Status Output::Close() {
  std::FILE* file = std::exchange(file_, nullptr);
  if (file == nullptr) return absl::OkStatus();
  // fflush and fclose set errno when they fail; a call that succeeds never
  // clears it, so errno holds the first failure's cause.
  bool ok = std::fflush(file) == 0 && !std::ferror(file);
  if (owned_) ok = std::fclose(file) == 0 && ok;
  if (!ok) return ErrnoError(errno, "cannot write to", name_);
  return absl::OkStatus();
}

absl::Status WriteStdout(std::string_view text) {
  absl::StatusOr<Output> out = Output::Open("-");
  if (!out.ok()) return out.status();
  if (absl::Status s = out->Write(text); !s.ok()) return s;
  return out->Close();
}

absl::StatusOr<LineReader> LineReader::Open(const std::string& path) {
  const bool is_stdin = IsStdStream(path);
  std::FILE* file = is_stdin ? stdin : std::fopen(path.c_str(), "rb");
  const std::string name = is_stdin ? "stdin" : path;
  if (file == nullptr) return ErrnoError(errno, "cannot open", name);
  // The size is known for a regular file, which lets a progress bar show a
  // fraction; for a pipe it is not.
  std::optional<std::uint64_t> size;
  struct stat st;
  if (::fstat(::fileno(file), &st) == 0 && S_ISREG(st.st_mode)) {
    size = static_cast<std::uint64_t>(st.st_size);
  }
  return LineReader(file, name, /*owned=*/!is_stdin, size);
}

LineReader::LineReader(LineReader&& other) noexcept
    : file_(std::exchange(other.file_, nullptr)),
      name_(std::move(other.name_)),
      owned_(other.owned_),
      size_(other.size_),
      bytes_read_(other.bytes_read_),
      buffer_(std::exchange(other.buffer_, nullptr)),
      capacity_(std::exchange(other.capacity_, 0)) {}

LineReader::~LineReader() {
  std::free(buffer_);  // getline(3) allocates with malloc.
  if (file_ != nullptr && owned_) std::fclose(file_);
}

absl::StatusOr<std::optional<std::string_view>> LineReader::Next() {
  errno = 0;
  const ssize_t n = ::getline(&buffer_, &capacity_, file_);
  if (n < 0) {
    if (std::ferror(file_)) return ErrnoError(errno, "cannot read", name_);
    return std::nullopt;
  }
  bytes_read_ += static_cast<std::uint64_t>(n);
  std::string_view line(buffer_, static_cast<std::size_t>(n));
  if (line.ends_with('\n')) line.remove_suffix(1);
  return line;
}

}  // namespace dskv::tool
