#include "tests/persist/fault_file_system.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <thread>
#include <utility>

namespace dskv_test {

// Consults the file system's current faults on every call.
class FaultFileSystem::File : public dskv::WritableFile {
 public:
  File(FaultFileSystem* fs, std::unique_ptr<dskv::WritableFile> base,
       std::string path)
      : fs_(fs), base_(std::move(base)), path_(std::move(path)) {}

  absl::StatusOr<std::size_t> Write(std::string_view data) override {
    switch (fs_->OnWrite(data.size())) {
      case WriteFault::kNone:
        fs_->TakeWriteTime(data.size());
        return base_->Write(data);
      case WriteFault::kShort:
        return base_->Write(
            data.substr(0, std::max<std::size_t>(1, data.size() / 2)));
      case WriteFault::kNoSpace:
        return fs_->Inject(ENOSPC, "cannot write", path_);
      case WriteFault::kIoError:
        return fs_->Inject(EIO, "cannot write", path_);
      case WriteFault::kTornNoSpace:
        if (absl::Status s = base_->Append(data.substr(0, data.size() / 2));
            !s.ok()) {
          return s;
        }
        return fs_->Inject(ENOSPC, "cannot write", path_);
    }
    return absl::InternalError("unknown WriteFault");
  }

  absl::Status Sync() override {
    if (fs_->OnSync()) return fs_->Inject(EIO, "cannot sync", path_);
    return base_->Sync();
  }

 private:
  FaultFileSystem* const fs_;
  const std::unique_ptr<dskv::WritableFile> base_;
  const std::string path_;
};

FaultFileSystem::FaultFileSystem(dskv::FileSystem* base)
    : FileSystemWrapper(base) {}

void FaultFileSystem::FailWrites(WriteFault fault) {
  std::lock_guard lock(mu_);
  write_fault_ = fault;
}

void FaultFileSystem::FailSyncs(bool fail) {
  std::lock_guard lock(mu_);
  fail_syncs_ = fail;
}

void FaultFileSystem::FailOpens(bool fail) {
  std::lock_guard lock(mu_);
  fail_opens_ = fail;
}

void FaultFileSystem::FailRenames(bool fail) {
  std::lock_guard lock(mu_);
  fail_renames_ = fail;
}

void FaultFileSystem::FailDirectorySyncs(bool fail) {
  std::lock_guard lock(mu_);
  fail_directory_syncs_ = fail;
}

void FaultFileSystem::PauseWrites(bool paused) {
  std::lock_guard lock(mu_);
  writes_paused_ = paused;
  writes_resumed_.notify_all();
}

void FaultFileSystem::LimitWriteSpeed(std::uint64_t bytes_per_second) {
  std::lock_guard lock(mu_);
  write_speed_ = bytes_per_second;
}

void FaultFileSystem::Heal() {
  std::lock_guard lock(mu_);
  write_fault_ = WriteFault::kNone;
  fail_syncs_ = false;
  fail_opens_ = false;
  fail_renames_ = false;
  fail_directory_syncs_ = false;
  writes_paused_ = false;
  write_speed_ = 0;
  writes_resumed_.notify_all();
}

FaultFileSystem::Counts FaultFileSystem::counts() const {
  std::lock_guard lock(mu_);
  return counts_;
}

void FaultFileSystem::TakeWriteTime(std::size_t size) {
  std::uint64_t speed;
  {
    std::lock_guard lock(mu_);
    speed = write_speed_;
  }
  if (speed == 0) return;
  // The disk being modelled is busy for this long; nothing else is awaited.
  std::this_thread::sleep_for(
      std::chrono::nanoseconds(static_cast<std::int64_t>(
          static_cast<double>(size) * 1e9 / static_cast<double>(speed))));
}

WriteFault FaultFileSystem::OnWrite(std::size_t size) {
  std::unique_lock lock(mu_);
  ++counts_.writes;
  writes_resumed_.wait(lock, [&] { return !writes_paused_; });
  // A short write of one byte would be the whole write.
  if (write_fault_ == WriteFault::kShort && size <= 1) return WriteFault::kNone;
  // Inject counts the errors.
  if (write_fault_ == WriteFault::kShort) ++counts_.injected;
  return write_fault_;
}

bool FaultFileSystem::OnSync() {
  std::lock_guard lock(mu_);
  ++counts_.syncs;
  return fail_syncs_;
}

absl::Status FaultFileSystem::Inject(int error, std::string_view what,
                                     const std::string& path) {
  {
    std::lock_guard lock(mu_);
    ++counts_.injected;
  }
  return absl::ErrnoToStatus(error, std::string(kInjectedMessage) + ": " +
                                        std::string(what) + " \"" + path +
                                        "\"");
}

absl::StatusOr<std::unique_ptr<dskv::WritableFile>>
FaultFileSystem::OpenForAppend(const std::string& path, bool truncate) {
  bool fail;
  {
    std::lock_guard lock(mu_);
    ++counts_.opens;
    fail = fail_opens_;
  }
  if (fail) return Inject(EMFILE, "cannot open", path);
  absl::StatusOr<std::unique_ptr<dskv::WritableFile>> file =
      target()->OpenForAppend(path, truncate);
  if (!file.ok()) return file.status();
  return std::make_unique<File>(this, *std::move(file), path);
}

absl::Status FaultFileSystem::Rename(const std::string& from,
                                     const std::string& to) {
  bool fail;
  {
    std::lock_guard lock(mu_);
    ++counts_.renames;
    fail = fail_renames_;
  }
  if (fail) return Inject(EIO, "cannot rename", from);
  return target()->Rename(from, to);
}

absl::Status FaultFileSystem::Remove(const std::string& path) {
  {
    std::lock_guard lock(mu_);
    ++counts_.removes;
  }
  return target()->Remove(path);
}

absl::Status FaultFileSystem::SyncDirectory(const std::string& dir) {
  bool fail;
  {
    std::lock_guard lock(mu_);
    ++counts_.directory_syncs;
    fail = fail_directory_syncs_;
  }
  if (fail) return Inject(EIO, "cannot sync directory", dir);
  return target()->SyncDirectory(dir);
}

}  // namespace dskv_test
