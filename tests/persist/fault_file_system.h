// A FileSystem that passes every call to a real one unless told to fail:
// tests open the store on it (StoreOpener) to check what the store does
// when writes come back short, the disk is full, or the device reports I/O
// errors.
//
//   FaultFileSystem fs;
//   StoreOpener::Open(path, options, &fs);  // or StoreTest::UseFileSystem
//   ... write ...
//   fs.FailWrites(WriteFault::kNoSpace);
//   ... every write now fails with ENOSPC ...
//   fs.Heal();
//
// It can also play a slow disk: writes that wait while paused, or that take
// as long as a disk of a given speed would.
//
// Thread-safe: the store's janitor and loader threads call it while the test
// changes the faults.

#ifndef DSKV_TESTS_PERSIST_FAULT_FILE_SYSTEM_H_
#define DSKV_TESTS_PERSIST_FAULT_FILE_SYSTEM_H_

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "persist/file_system.h"

namespace dskv_test {

// What WritableFile::Write does while a fault is set.
enum class WriteFault {
  kNone,
  // Writes only the first half of the data (at least one byte), correctly,
  // and returns that count, as write(2) may. Not an error.
  kShort,
  // Writes nothing and fails with ENOSPC.
  kNoSpace,
  // Writes nothing and fails with EIO.
  kIoError,
  // Writes the first half of the data for real, then fails with ENOSPC: the
  // file ends with a torn record.
  kTornNoSpace,
};

// Every injected error's message starts with this.
inline constexpr std::string_view kInjectedMessage = "injected fault";

class FaultFileSystem : public dskv::FileSystemWrapper {
 public:
  // Calls made, by operation, and faults injected. Calls are counted whether
  // or not a fault is injected into them.
  struct Counts {
    std::uint64_t opens = 0;  // OpenForAppend.
    std::uint64_t writes = 0;
    std::uint64_t syncs = 0;  // WritableFile::Sync.
    std::uint64_t renames = 0;
    std::uint64_t removes = 0;
    std::uint64_t directory_syncs = 0;
    // Short writes that were actually shorter than asked, and errors.
    std::uint64_t injected = 0;
  };

  // Passes calls to `base`, which must outlive this object.
  explicit FaultFileSystem(dskv::FileSystem* base = dskv::PosixFileSystem());

  // What later writes do, on every file, including files opened earlier.
  void FailWrites(WriteFault fault);
  // Whether WritableFile::Sync fails with EIO (nothing is synced).
  void FailSyncs(bool fail);
  // Whether OpenForAppend fails with EMFILE (nothing is opened or created).
  void FailOpens(bool fail);
  // Whether Rename fails with EIO (nothing is renamed).
  void FailRenames(bool fail);
  // Whether SyncDirectory fails with EIO.
  void FailDirectorySyncs(bool fail);
  // Whether later writes wait (before writing anything) until unpaused.
  void PauseWrites(bool paused);
  // Makes each write take at least as long as a disk that writes
  // `bytes_per_second` would take; 0: no limit.
  void LimitWriteSpeed(std::uint64_t bytes_per_second);
  // Turns every fault off, unpauses writes and lifts the speed limit.
  void Heal();

  Counts counts() const;

  // dskv::FileSystem; the other calls pass to `base` untouched.
  absl::StatusOr<std::unique_ptr<dskv::WritableFile>> OpenForAppend(
      const std::string& path, bool truncate) override;
  absl::Status Rename(const std::string& from, const std::string& to) override;
  absl::Status Remove(const std::string& path) override;
  absl::Status SyncDirectory(const std::string& dir) override;

 private:
  class File;

  // Counts a call of a WritableFile, waits while writes are paused and
  // returns the fault to inject into it.
  WriteFault OnWrite(std::size_t size);
  // Waits as long as writing `size` bytes takes at the speed limit.
  void TakeWriteTime(std::size_t size);
  bool OnSync();

  // Counts an injected fault and returns its error.
  absl::Status Inject(int error, std::string_view what,
                      const std::string& path);

  mutable std::mutex mu_;
  WriteFault write_fault_ ABSL_GUARDED_BY(mu_) = WriteFault::kNone;
  bool fail_syncs_ ABSL_GUARDED_BY(mu_) = false;
  bool fail_opens_ ABSL_GUARDED_BY(mu_) = false;
  bool fail_renames_ ABSL_GUARDED_BY(mu_) = false;
  bool fail_directory_syncs_ ABSL_GUARDED_BY(mu_) = false;
  bool writes_paused_ ABSL_GUARDED_BY(mu_) = false;
  std::condition_variable writes_resumed_;
  std::uint64_t write_speed_ ABSL_GUARDED_BY(mu_) = 0;
  Counts counts_ ABSL_GUARDED_BY(mu_);
};

}  // namespace dskv_test

#endif  // DSKV_TESTS_PERSIST_FAULT_FILE_SYSTEM_H_
