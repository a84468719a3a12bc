// The POSIX implementation of FileSystem.

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <system_error>

#include "persist/bulk_memory.h"
#include "persist/file_system.h"

namespace dskv {
namespace {

absl::Status PosixError(int error, std::string_view what,
                        const std::string& path) {
  return absl::ErrnoToStatus(error, fmt::format("{} {:?}", what, path));
}

// Closes a file descriptor on scope exit.
class FdCloser {
 public:
  explicit FdCloser(int fd) : fd_(fd) {}
  ~FdCloser() {
    if (fd_ >= 0) ::close(fd_);
  }
  FdCloser(const FdCloser&) = delete;
  FdCloser& operator=(const FdCloser&) = delete;
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

// Opens `path` with `flags` if it is a regular file. Never follows a
// symbolic link, and never blocks on a FIFO (O_NONBLOCK, which changes
// nothing for regular files). `what` names the file in errors, e.g. "lock
// file".
// Sets `*size` to the file's size, if given.
absl::StatusOr<int> OpenRegularFile(const std::string& path, int flags,
                                    std::string_view what,
                                    std::size_t* size = nullptr) {
  const int fd =
      ::open(path.c_str(), flags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0644);
  if (fd < 0) {
    if (errno == ELOOP) {
      return absl::FailedPreconditionError(fmt::format(
          "{} {:?} is a symbolic link; dskv follows no links in a store "
          "directory",
          what, path));
    }
    // O_NONBLOCK makes opening a FIFO with no reader for writing fail.
    if (errno == ENXIO) {
      return absl::FailedPreconditionError(
          fmt::format("{} {:?} is not a regular file", what, path));
    }
    return PosixError(errno, fmt::format("cannot open {}", what), path);
  }
  FdCloser closer(fd);
  struct stat st;
  if (::fstat(fd, &st) != 0) return PosixError(errno, "cannot stat", path);
  if (!S_ISREG(st.st_mode)) {
    return absl::FailedPreconditionError(
        fmt::format("{} {:?} is not a regular file", what, path));
  }
  if (size != nullptr) *size = static_cast<std::size_t>(st.st_size);
  return closer.release();
}

// Reads up to `size` bytes from the start of `fd` (the file `path`) into
// `buffer`; fewer if the file shrank. Returns how many.
absl::StatusOr<std::size_t> ReadFully(int fd, char* buffer, std::size_t size,
                                      const std::string& path) {
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n =
        ::pread(fd, buffer + done, size - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return PosixError(errno, "cannot read", path);
    if (n == 0) break;  // Shrunk since it was opened.
    done += static_cast<std::size_t>(n);
  }
  return done;
}

// Reads up to `size` bytes from the start of `fd` (the file `path`); fewer if
// the file shrank.
absl::StatusOr<std::string> ReadToString(int fd, std::size_t size,
                                         const std::string& path) {
  std::string contents(size, '\0');
  absl::StatusOr<std::size_t> read = ReadFully(fd, contents.data(), size, path);
  if (!read.ok()) return read.status();
  contents.resize(*read);
  return contents;
}

// A file's contents in a string.
class StringContents : public FileContents {
 public:
  explicit StringContents(std::string contents)
      : contents_(std::move(contents)) {}
  std::string_view data() const override { return contents_; }

 private:
  const std::string contents_;
};

class PosixWritableFile : public WritableFile {
 public:
  // IOV_MAX on Linux.
  static constexpr std::size_t kMaxPieces = 1024;

  PosixWritableFile(int fd, std::string path)
      : fd_(fd), path_(std::move(path)) {}

  absl::StatusOr<std::size_t> Write(std::string_view data) override {
    while (true) {
      const ssize_t n = ::write(fd_.get(), data.data(), data.size());
      if (n >= 0) return static_cast<std::size_t>(n);
      if (errno != EINTR) return PosixError(errno, "cannot write", path_);
    }
  }

  absl::StatusOr<std::size_t> WritePieces(
      std::span<const std::string_view> pieces) override {
    iovec iov[kMaxPieces];
    const std::size_t count = std::min(pieces.size(), kMaxPieces);
    for (std::size_t i = 0; i < count; ++i) {
      iov[i].iov_base = const_cast<char*>(pieces[i].data());
      iov[i].iov_len = pieces[i].size();
    }
    while (true) {
      const ssize_t n = ::writev(fd_.get(), iov, static_cast<int>(count));
      if (n >= 0) return static_cast<std::size_t>(n);
      if (errno != EINTR) return PosixError(errno, "cannot write", path_);
    }
  }

  absl::Status Sync() override {
    if (::fdatasync(fd_.get()) != 0) {
      return PosixError(errno, "cannot sync", path_);
    }
    return absl::OkStatus();
  }

 private:
  FdCloser fd_;
  const std::string path_;
};

class MappedContents : public FileContents {
 public:
  MappedContents(void* address, std::size_t size)
      : address_(address), size_(size) {}
  ~MappedContents() override { ::munmap(address_, size_); }
  std::string_view data() const override {
    return {static_cast<const char*>(address_), size_};
  }

 private:
  void* const address_;
  const std::size_t size_;
};

// A copy of a file in bulk memory (persist/bulk_memory.h): copying into
// fresh pages one fault at a time costs many times the copy on virtual
// machines with shadow paging, and more than a mapping of the file.
class CopiedContents : public FileContents {
 public:
  // Takes over the `mapped` bytes at `address`, from MapBulk.
  CopiedContents(char* address, std::size_t mapped)
      : address_(address), mapped_(mapped) {}
  ~CopiedContents() override { UnmapBulk(address_, mapped_); }
  std::string_view data() const override { return {address_, size_}; }

  char* buffer() const { return address_; }
  // The bytes read into the buffer: at most `mapped`.
  void set_size(std::size_t size) { size_ = size; }

 private:
  char* const address_;
  const std::size_t mapped_;
  std::size_t size_ = 0;
};

class PosixDirectoryLock : public DirectoryLock {
 public:
  explicit PosixDirectoryLock(int fd) : fd_(fd) {}
  // Closing the descriptor releases the flock.

 private:
  FdCloser fd_;
};

class Posix : public FileSystem {
 public:
  absl::StatusOr<std::unique_ptr<WritableFile>> OpenForAppend(
      const std::string& path, bool truncate) override {
    absl::StatusOr<int> fd = OpenRegularFile(
        path, O_WRONLY | O_CREAT | O_APPEND | (truncate ? O_TRUNC : 0), "file");
    if (!fd.ok()) return fd.status();
    return std::make_unique<PosixWritableFile>(*fd, path);
  }

  absl::StatusOr<std::string> ReadFile(const std::string& path) override {
    std::size_t size;
    absl::StatusOr<int> opened = OpenRegularFile(path, O_RDONLY, "file", &size);
    if (!opened.ok()) return opened.status();
    FdCloser fd(*opened);
    return ReadToString(fd.get(), size, path);
  }

  absl::StatusOr<std::unique_ptr<FileContents>> MapFile(
      const std::string& path) override {
    std::size_t size;
    absl::StatusOr<int> opened = OpenRegularFile(path, O_RDONLY, "file", &size);
    if (!opened.ok()) return opened.status();
    FdCloser fd(*opened);
    // mmap cannot map an empty file.
    if (size == 0) return std::make_unique<StringContents>(std::string());
    void* address = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE,
                           fd.get(), 0);
    if (address == MAP_FAILED) return PosixError(errno, "cannot map", path);
    return std::make_unique<MappedContents>(address, size);
  }

  absl::StatusOr<std::unique_ptr<FileContents>> ReadContents(
      const std::string& path) override {
    std::size_t size;
    absl::StatusOr<int> opened = OpenRegularFile(path, O_RDONLY, "file", &size);
    if (!opened.ok()) return opened.status();
    FdCloser fd(*opened);
    // Smaller files go to the heap, whose pages earlier files freed: a huge
    // page of their own would cost more to clear than they do to read.
    if (size < kHugePageSize) {
      absl::StatusOr<std::string> contents = ReadToString(fd.get(), size, path);
      if (!contents.ok()) return contents.status();
      return std::make_unique<StringContents>(*std::move(contents));
    }
    void* address = MapBulk(size);
    if (address == nullptr) {
      return PosixError(errno, "cannot allocate memory to read", path);
    }
    auto contents =
        std::make_unique<CopiedContents>(static_cast<char*>(address), size);
    absl::StatusOr<std::size_t> read =
        ReadFully(fd.get(), contents->buffer(), size, path);
    if (!read.ok()) return read.status();
    contents->set_size(*read);
    return contents;
  }

  absl::Status Truncate(const std::string& path, std::uint64_t size) override {
    absl::StatusOr<int> opened = OpenRegularFile(path, O_WRONLY, "file");
    if (!opened.ok()) return opened.status();
    FdCloser fd(*opened);
    if (::ftruncate(fd.get(), static_cast<off_t>(size)) != 0) {
      return PosixError(errno, "cannot truncate", path);
    }
    if (::fdatasync(fd.get()) != 0) {
      return PosixError(errno, "cannot sync", path);
    }
    return absl::OkStatus();
  }

  absl::Status Rename(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) {
      return PosixError(errno, "cannot rename", from);
    }
    return absl::OkStatus();
  }

  absl::Status Remove(const std::string& path) override {
    if (::unlink(path.c_str()) != 0) {
      return PosixError(errno, "cannot remove", path);
    }
    return absl::OkStatus();
  }

  absl::Status SyncDirectory(const std::string& dir) override {
    FdCloser fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (fd.get() < 0) return PosixError(errno, "cannot open directory", dir);
    if (::fsync(fd.get()) != 0) {
      return PosixError(errno, "cannot sync directory", dir);
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<DirectoryEntry>> ListDirectory(
      const std::string& dir) override {
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) return PosixError(errno, "cannot list directory", dir);
    std::vector<DirectoryEntry> entries;
    errno = 0;
    while (const struct dirent* e = ::readdir(d)) {
      const std::string_view name = e->d_name;
      if (name == "." || name == "..") continue;
      bool regular = e->d_type == DT_REG;
      if (e->d_type == DT_UNKNOWN) {
        // Some file systems do not say; lstat does, without following links.
        struct stat st;
        if (::fstatat(::dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
          if (errno == ENOENT) continue;  // Removed since it was listed.
          const int error = errno;
          ::closedir(d);
          return PosixError(error, "cannot stat", dir + "/" + e->d_name);
        }
        regular = S_ISREG(st.st_mode);
      }
      entries.push_back({std::string(name), regular});
      errno = 0;
    }
    const int error = errno;
    ::closedir(d);
    if (error != 0) return PosixError(error, "cannot list directory", dir);
    return entries;
  }

  absl::StatusOr<std::unique_ptr<DirectoryLock>> LockDirectory(
      const std::string& dir) override {
    const std::string path = dir + "/" + std::string(kLockFileName);
    absl::StatusOr<int> opened =
        OpenRegularFile(path, O_RDWR | O_CREAT, "lock file");
    if (!opened.ok()) return opened.status();
    FdCloser fd(*opened);
    if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
      if (errno != EWOULDBLOCK) {
        return PosixError(errno, "cannot lock", path);
      }
      char pid[32] = {};
      const ssize_t n = ::pread(fd.get(), pid, sizeof(pid) - 1, 0);
      return absl::FailedPreconditionError(
          fmt::format("store {:?} is already open (locked by pid {})", dir,
                      n > 0 ? std::string_view(pid, static_cast<std::size_t>(n))
                            : std::string_view("unknown")));
    }
    // Record the holder so that the next opener can say who it is.
    const std::string pid = std::to_string(::getpid());
    if (::ftruncate(fd.get(), 0) != 0 ||
        ::pwrite(fd.get(), pid.data(), pid.size(), 0) !=
            static_cast<ssize_t>(pid.size())) {
      return PosixError(errno, "cannot write lock file", path);
    }
    return std::make_unique<PosixDirectoryLock>(fd.release());
  }
};

}  // namespace

absl::Status PrepareStoreDirectory(const std::string& path, bool create) {
  if (path.empty()) {
    return absl::InvalidArgumentError("store path must not be empty");
  }
  std::error_code ec;
  const std::filesystem::file_status st = std::filesystem::status(path, ec);
  if (std::filesystem::exists(st)) {
    if (!std::filesystem::is_directory(st)) {
      return absl::FailedPreconditionError(
          fmt::format("store path {:?} exists and is not a directory", path));
    }
    return absl::OkStatus();
  }
  if (!create) {
    return absl::NotFoundError(
        fmt::format("store directory {:?} does not exist", path));
  }
  std::filesystem::create_directories(path, ec);
  if (ec) {
    return absl::ErrnoToStatus(
        ec.value(), fmt::format("cannot create store directory {:?}", path));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<FileContents>> FileSystem::MapFile(
    const std::string& path) {
  return ReadContents(path);
}

absl::StatusOr<std::unique_ptr<FileContents>> FileSystem::ReadContents(
    const std::string& path) {
  absl::StatusOr<std::string> contents = ReadFile(path);
  if (!contents.ok()) return contents.status();
  return std::make_unique<StringContents>(*std::move(contents));
}

absl::Status WritableFile::Append(std::string_view data) {
  return AppendPieces({data});
}

absl::StatusOr<std::size_t> WritableFile::WritePieces(
    std::span<const std::string_view> pieces) {
  for (std::string_view piece : pieces) {
    if (!piece.empty()) return Write(piece);
  }
  return 0;
}

absl::Status WritableFile::AppendPieces(std::vector<std::string_view> pieces) {
  std::span<std::string_view> rest(pieces);
  while (true) {
    while (!rest.empty() && rest.front().empty()) rest = rest.subspan(1);
    if (rest.empty()) return absl::OkStatus();
    absl::StatusOr<std::size_t> n = WritePieces(rest);
    if (!n.ok()) return n.status();
    if (*n == 0) {
      return absl::ResourceExhaustedError("write made no progress");
    }
    for (std::size_t written = *n; written > 0;) {
      const std::size_t taken = std::min(written, rest.front().size());
      rest.front().remove_prefix(taken);
      written -= taken;
      if (rest.front().empty()) rest = rest.subspan(1);
    }
  }
}

FileSystem* PosixFileSystem() {
  static FileSystem* const fs = new Posix;
  return fs;
}

}  // namespace dskv
