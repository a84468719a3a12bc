#include "tests/crash/memory_file_system.h"

#include <utility>

namespace dskv_crash {

class MemoryFileSystem::File : public dskv::WritableFile {
 public:
  File(MemoryFileSystem* fs, Inode inode) : fs_(fs), inode_(std::move(inode)) {}

  absl::StatusOr<std::size_t> Write(std::string_view data) override {
    std::lock_guard lock(fs_->mu_);
    inode_->append(data);
    return data.size();
  }

  absl::Status Sync() override { return absl::OkStatus(); }

 private:
  MemoryFileSystem* const fs_;
  const Inode inode_;
};

class MemoryFileSystem::Lock : public dskv::DirectoryLock {
 public:
  Lock(MemoryFileSystem* fs, std::string dir) : fs_(fs), dir_(std::move(dir)) {}
  ~Lock() override {
    std::lock_guard lock(fs_->mu_);
    fs_->locked_.erase(dir_);
  }

 private:
  MemoryFileSystem* const fs_;
  const std::string dir_;
};

std::optional<std::string> MemoryFileSystem::GetFile(
    const std::string& path) const {
  std::lock_guard lock(mu_);
  const auto it = files_.find(path);
  if (it == files_.end()) return std::nullopt;
  return *it->second;
}

void MemoryFileSystem::SetFile(const std::string& path, std::string contents) {
  std::lock_guard lock(mu_);
  files_[path] = std::make_shared<std::string>(std::move(contents));
}

MemoryFileSystem::Files MemoryFileSystem::GetFiles() const {
  std::lock_guard lock(mu_);
  Files files;
  for (const auto& [path, inode] : files_) files.emplace(path, *inode);
  return files;
}

void MemoryFileSystem::SetFiles(const Files& files) {
  std::lock_guard lock(mu_);
  files_.clear();
  for (const auto& [path, contents] : files) {
    files_.emplace(path, std::make_shared<std::string>(contents));
  }
}

absl::StatusOr<std::unique_ptr<dskv::WritableFile>>
MemoryFileSystem::OpenForAppend(const std::string& path, bool truncate) {
  std::lock_guard lock(mu_);
  Inode& inode = files_[path];
  if (inode == nullptr) inode = std::make_shared<std::string>();
  if (truncate) inode->clear();
  return std::make_unique<File>(this, inode);
}

absl::StatusOr<std::string> MemoryFileSystem::ReadFile(
    const std::string& path) {
  std::lock_guard lock(mu_);
  const auto it = files_.find(path);
  if (it == files_.end()) return absl::NotFoundError("no file " + path);
  return *it->second;
}

absl::Status MemoryFileSystem::Truncate(const std::string& path,
                                        std::uint64_t size) {
  std::lock_guard lock(mu_);
  const auto it = files_.find(path);
  if (it == files_.end()) return absl::NotFoundError("no file " + path);
  it->second->resize(size);
  return absl::OkStatus();
}

absl::Status MemoryFileSystem::Rename(const std::string& from,
                                      const std::string& to) {
  std::lock_guard lock(mu_);
  const auto it = files_.find(from);
  if (it == files_.end()) return absl::NotFoundError("no file " + from);
  Inode inode = std::move(it->second);
  files_.erase(it);
  files_[to] = std::move(inode);
  return absl::OkStatus();
}

absl::Status MemoryFileSystem::Remove(const std::string& path) {
  std::lock_guard lock(mu_);
  if (files_.erase(path) == 0) return absl::NotFoundError("no file " + path);
  return absl::OkStatus();
}

absl::Status MemoryFileSystem::SyncDirectory(const std::string& dir) {
  return absl::OkStatus();
}

absl::StatusOr<std::vector<dskv::DirectoryEntry>>
MemoryFileSystem::ListDirectory(const std::string& dir) {
  std::lock_guard lock(mu_);
  const std::string prefix = dir + "/";
  std::vector<dskv::DirectoryEntry> entries;
  for (const auto& [path, inode] : files_) {
    if (path.starts_with(prefix) &&
        path.find('/', prefix.size()) == std::string::npos) {
      entries.push_back({path.substr(prefix.size())});
    }
  }
  return entries;
}

absl::StatusOr<std::unique_ptr<dskv::DirectoryLock>>
MemoryFileSystem::LockDirectory(const std::string& dir) {
  std::lock_guard lock(mu_);
  if (!locked_.insert(dir).second) {
    return absl::FailedPreconditionError("store " + dir + " is already open");
  }
  return std::make_unique<Lock>(this, dir);
}

}  // namespace dskv_crash
