// docs/recovery.md: what Open does with torn tails and damaged files, and
// how to recover with Options::salvage. The sample damages its own store's
// files to show each case.

#include <cstddef>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "docs/samples/sample_dir.h"
#include "dskv/store.h"

namespace {

using ::dskv_samples::Expect;

// Where a collection file's name starts (persist/FORMAT.md): after the
// 8-byte magic, the u32 version and the u16 name size.
constexpr std::size_t kNameOffset = 8 + 4 + 2;

absl::StatusOr<std::string> ReadFile(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return absl::NotFoundError("cannot read " + file);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

absl::Status WriteFile(const std::string& file, const std::string& bytes) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << bytes;
  out.close();
  return out ? absl::OkStatus() : absl::InternalError("cannot write " + file);
}

// The path of the file of the one-letter collection `name` in `dir`.
absl::StatusOr<std::string> CollectionFile(const std::string& dir, char name) {
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".dskv") continue;
    absl::StatusOr<std::string> bytes = ReadFile(entry.path());
    if (!bytes.ok()) return bytes.status();
    if (bytes->size() > kNameOffset && (*bytes)[kNameOffset] == name) {
      return entry.path().string();
    }
  }
  return absl::NotFoundError(std::string("no file for collection ") + name);
}

// Flips one bit of the byte at `offset` of `file`.
absl::Status FlipByte(const std::string& file, std::size_t offset) {
  absl::StatusOr<std::string> bytes = ReadFile(file);
  if (!bytes.ok()) return bytes.status();
  (*bytes)[offset] ^= 0x10;
  return WriteFile(file, *bytes);
}

// Collection "s" with three 1,000-byte values, and collection "h".
absl::Status WriteStore(const std::string& path) {
  absl::StatusOr<std::unique_ptr<dskv::Store>> opened = dskv::Store::Open(path);
  if (!opened.ok()) return opened.status();
  for (const char* key : {"s/k0", "s/k1", "s/k2"}) {
    if (absl::Status s = (*opened)->Put(key, std::string(1000, 'v')); !s.ok()) {
      return s;
    }
  }
  if (absl::Status s = (*opened)->Put("h/x", "1"); !s.ok()) return s;
  return (*opened)->Close();
}

// What a crash during an append leaves: half a record at the end.
absl::Status TornTail(const std::string& path) {
  absl::StatusOr<std::string> file = CollectionFile(path, 's');
  if (!file.ok()) return file.status();
  std::ofstream(*file, std::ios::binary | std::ios::app) << "half a record";

  // [START torn_tail]
  absl::StatusOr<std::unique_ptr<dskv::Store>> opened = dskv::Store::Open(path);
  if (!opened.ok()) return opened.status();
  absl::StatusOr<dskv::Stats> stats = (*opened)->GetStats();
  if (!stats.ok()) return stats.status();
  if (stats->torn_tails_truncated > 0) {
    // Files whose torn last record Open cut off: the change being appended
    // when the process died. Everything before it is served.
    std::cerr << "cut " << stats->torn_bytes_truncated << " bytes off "
              << stats->torn_tails_truncated << " files\n";
  }
  // [END torn_tail]
  if (absl::Status s = Expect(
          stats->torn_tails_truncated == 1 && stats->torn_bytes_truncated == 13,
          "Open cuts the torn tail");
      !s.ok()) {
    return s;
  }
  return (*opened)->Close();
}

absl::Status Damage(const std::string& path) {
  // Inside the value of the first record of "s", which two valid records
  // follow: corruption, not a torn tail.
  absl::StatusOr<std::string> s_file = CollectionFile(path, 's');
  if (!s_file.ok()) return s_file.status();
  if (absl::Status s = FlipByte(*s_file, 550); !s.ok()) return s;
  // The name in the header of "h": the header's checksum fails.
  absl::StatusOr<std::string> h_file = CollectionFile(path, 'h');
  if (!h_file.ok()) return h_file.status();
  return FlipByte(*h_file, kNameOffset);
}

absl::Status OpenDamaged(const std::string& path) {
  // [START data_loss]
  absl::StatusOr<std::unique_ptr<dskv::Store>> opened = dskv::Store::Open(path);
  if (absl::IsDataLoss(opened.status())) {
    // Damage that a crash cannot cause. The message names the file and the
    // byte offset; Open changed nothing. Stop and call an operator.
    std::cerr << opened.status() << "\n";
  }
  // [END data_loss]
  return Expect(absl::IsDataLoss(opened.status()), "Open fails with DataLoss");
}

absl::Status Inspect(const std::string& path) {
  // [START inspect]
  // What salvage would keep, without changing any file and without taking
  // the directory's lock.
  dskv::Options options;
  options.read_only = true;
  options.salvage = true;
  absl::StatusOr<std::unique_ptr<dskv::Store>> opened =
      dskv::Store::Open(path, options);
  if (!opened.ok()) return opened.status();
  absl::StatusOr<dskv::Stats> stats = (*opened)->GetStats();
  if (!stats.ok()) return stats.status();
  std::cout << stats->corrupt_regions_skipped << " damaged regions ("
            << stats->corrupt_bytes_skipped << " bytes), "
            << stats->corrupt_files_set_aside << " unreadable files\n";
  // [END inspect]
  if (absl::Status s = Expect(stats->corrupt_regions_skipped == 1 &&
                                  stats->corrupt_files_set_aside == 1,
                              "a read-only salvage counts the damage");
      !s.ok()) {
    return s;
  }
  return (*opened)->Close();
}

absl::Status Salvage(const std::string& path) {
  // [START salvage]
  // 1. Keep a copy of the damaged files: salvage rewrites them.
  std::error_code error;
  std::filesystem::copy(path, path + ".damaged",
                        std::filesystem::copy_options::recursive, error);
  if (error) return absl::InternalError("copy failed: " + error.message());

  // 2. Open once with salvage: damaged records are skipped and the
  //    collection rewritten without them; a file whose header is unreadable
  //    is renamed to <name>.dskv.corrupt.
  dskv::Options options;
  options.salvage = true;
  absl::StatusOr<std::unique_ptr<dskv::Store>> opened =
      dskv::Store::Open(path, options);
  if (!opened.ok()) return opened.status();
  absl::StatusOr<dskv::Stats> stats = (*opened)->GetStats();
  if (!stats.ok()) return stats.status();
  std::cerr << "salvage skipped " << stats->corrupt_regions_skipped
            << " regions and set aside " << stats->corrupt_files_set_aside
            << " files\n";
  // [END salvage]

  // The damaged record (one member of "s") and the unreadable file (h) are
  // gone; the rest is served.
  int found = 0;
  for (const char* key : {"s/k0", "s/k1", "s/k2"}) {
    if ((*opened)->Get(key).ok()) ++found;
  }
  if (absl::Status s =
          Expect(found == 2 && absl::IsNotFound((*opened)->Get("h/x").status()),
                 "salvage keeps the valid records");
      !s.ok()) {
    return s;
  }
  std::size_t set_aside = 0;
  for (const auto& entry : std::filesystem::directory_iterator(path)) {
    if (entry.path().extension() == ".corrupt") ++set_aside;
  }
  if (absl::Status s = Expect(set_aside == 1, "one .corrupt file"); !s.ok()) {
    return s;
  }
  return (*opened)->Close();
}

// A backup of a store in use, and its restore.
absl::Status Backup(const std::string& path) {
  absl::StatusOr<std::unique_ptr<dskv::Store>> opened = dskv::Store::Open(path);
  if (!opened.ok()) return opened.status();
  dskv::Store& store = **opened;
  const std::string backup = path + ".backup";
  // [START checkpoint]
  // A copy of one instant, written while the store goes on serving.
  if (absl::Status s = store.Checkpoint(backup); !s.ok()) return s;
  // [END checkpoint]
  if (absl::Status s = store.Close(); !s.ok()) return s;
  // [START restore]
  // Restoring is opening the copy (or moving it where the store was, with
  // no process using either).
  std::filesystem::remove_all(path);
  std::filesystem::rename(backup, path);
  absl::StatusOr<std::unique_ptr<dskv::Store>> restored =
      dskv::Store::Open(path);
  // [END restore]
  if (!restored.ok()) return restored.status();
  return Expect((*restored)->Get("s/k0").ok() && (*restored)->Get("h/x").ok(),
                "the restored copy holds the store");
}

absl::Status Run(const std::string& path) {
  if (absl::Status s = WriteStore(path); !s.ok()) return s;
  if (absl::Status s = Backup(path); !s.ok()) return s;
  if (absl::Status s = TornTail(path); !s.ok()) return s;
  if (absl::Status s = Damage(path); !s.ok()) return s;
  if (absl::Status s = OpenDamaged(path); !s.ok()) return s;
  if (absl::Status s = Inspect(path); !s.ok()) return s;
  if (absl::Status s = Salvage(path); !s.ok()) return s;

  // After salvage the store opens without it.
  absl::StatusOr<std::unique_ptr<dskv::Store>> opened = dskv::Store::Open(path);
  if (!opened.ok()) return opened.status();
  return (*opened)->Close();
}

}  // namespace

int main() { return dskv_samples::RunInTempDir(Run); }
