#include "persist/loader.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "persist/collection_reader.h"
#include "persist/format.h"

namespace dskv {
namespace {

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.substr(s.size() - suffix.size()) == suffix;
}

// Loads one file. Thread-safe: `report` is guarded by `report_mu`.
absl::Status LoadFile(FileSystem& fs, const std::string& dir,
                      const std::string& name, bool salvage, ShardMap& map,
                      std::mutex& report_mu, LoadReport& report) {
  const std::string path = dir + "/" + name;
  absl::StatusOr<std::string> contents = fs.ReadFile(path);
  if (!contents.ok()) return contents.status();
  absl::StatusOr<ParsedCollection> parsed =
      ParseCollectionFile(*contents, salvage);
  contents->clear();
  contents->shrink_to_fit();
  if (!parsed.ok()) {
    if (salvage && absl::IsDataLoss(parsed.status())) {
      // Without a readable header the collection is unknown: set the file
      // aside for a person to look at.
      if (absl::Status s = fs.Rename(path, path + ".corrupt"); !s.ok()) {
        return s;
      }
      std::lock_guard lock(report_mu);
      ++report.corrupt_files;
      return absl::OkStatus();
    }
    return absl::Status(parsed.status().code(),
                        fmt::format("collection file {:?}: {}", path,
                                    std::string(parsed.status().message())));
  }
  if (format::FileName(parsed->name) != name) {
    return absl::DataLossError(fmt::format(
        "collection file {:?} holds collection {:?}, whose file is named {:?}",
        path, parsed->name, format::FileName(parsed->name)));
  }
  if (parsed->torn_tail_bytes > 0) {
    if (absl::Status s = fs.Truncate(path, parsed->valid_size); !s.ok()) {
      return s;
    }
  }
  for (auto& [member, value] : parsed->members) {
    map.Load(KeyRef{parsed->name, member}, std::move(value));
  }
  std::lock_guard lock(report_mu);
  CollectionFile& file = report.files[parsed->name];
  file.size = parsed->valid_size;
  file.exists = true;
  file.needs_rewrite = parsed->corrupt_regions > 0;
  if (parsed->torn_tail_bytes > 0) {
    ++report.torn_tails;
    report.torn_bytes += parsed->torn_tail_bytes;
  }
  report.corrupt_regions += parsed->corrupt_regions;
  report.corrupt_bytes += parsed->corrupt_bytes;
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<LoadReport> LoadCollections(FileSystem& fs,
                                           const std::string& dir, bool salvage,
                                           ShardMap& map) {
  absl::StatusOr<std::vector<std::string>> names = fs.ListDirectory(dir);
  if (!names.ok()) return names.status();
  std::vector<std::string> files;
  for (const std::string& name : *names) {
    if (EndsWith(name, format::kTempSuffix)) {
      // An unfinished rewrite: the collection file it was to replace is
      // still whole.
      if (absl::Status s = fs.Remove(dir + "/" + name); !s.ok()) return s;
    } else if (EndsWith(name, format::kFileSuffix)) {
      files.push_back(name);
    }
  }

  LoadReport report;
  std::mutex report_mu;
  std::mutex error_mu;
  absl::Status first_error;
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i = next++; i < files.size(); i = next++) {
      absl::Status s =
          LoadFile(fs, dir, files[i], salvage, map, report_mu, report);
      if (!s.ok()) {
        std::lock_guard lock(error_mu);
        if (first_error.ok()) first_error = s;
      }
    }
  };
  const std::size_t threads = std::min<std::size_t>(
      files.size(), std::max(1u, std::thread::hardware_concurrency()));
  std::vector<std::thread> pool;
  for (std::size_t i = 1; i < threads; ++i) pool.emplace_back(worker);
  worker();
  for (std::thread& t : pool) t.join();
  if (!first_error.ok()) return first_error;
  return report;
}

}  // namespace dskv
