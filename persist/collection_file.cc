#include "persist/collection_file.h"

#include "persist/format.h"

namespace dskv {
namespace {

// Rewrites stream through a buffer of about this size rather than building
// the whole file in memory.
constexpr std::size_t kRewriteChunk = std::size_t{4} << 20;

absl::Status WriteWholeFile(
    FileSystem& fs, const std::string& path, std::string_view collection,
    const std::vector<std::pair<std::string, std::string>>& pairs,
    std::uint64_t* written) {
  absl::StatusOr<std::unique_ptr<WritableFile>> out =
      fs.OpenForAppend(path, /*truncate=*/true);
  if (!out.ok()) return out.status();
  std::string buffer;
  format::AppendHeader(collection, &buffer);
  for (const auto& [member, value] : pairs) {
    format::AppendRecord(format::RecordType::kPut, member, value, &buffer);
    if (buffer.size() >= kRewriteChunk) {
      if (absl::Status s = (*out)->Append(buffer); !s.ok()) return s;
      *written += buffer.size();
      buffer.clear();
    }
  }
  if (absl::Status s = (*out)->Append(buffer); !s.ok()) return s;
  *written += buffer.size();
  return (*out)->Sync();
}

}  // namespace

std::string CollectionPath(const std::string& dir,
                           std::string_view collection) {
  return dir + "/" + format::FileName(collection);
}

absl::Status AppendToCollectionFile(FileSystem& fs, const std::string& path,
                                    std::string_view records,
                                    CollectionFile& file) {
  if (file.writer == nullptr) {
    absl::StatusOr<std::unique_ptr<WritableFile>> writer =
        fs.OpenForAppend(path, /*truncate=*/false);
    if (!writer.ok()) {
      file.needs_rewrite = true;
      return writer.status();
    }
    file.writer = *std::move(writer);
  }
  if (absl::Status s = file.writer->Append(records); !s.ok()) {
    file.needs_rewrite = true;
    return s;
  }
  file.size += records.size();
  return absl::OkStatus();
}

absl::StatusOr<std::uint64_t> RewriteCollectionFile(
    FileSystem& fs, const std::string& dir, std::string_view collection,
    const std::vector<std::pair<std::string, std::string>>& pairs,
    CollectionFile& file) {
  const std::string path = CollectionPath(dir, collection);
  // The old file's descriptor would keep appending to the replaced inode.
  file.writer.reset();
  file.needs_rewrite = true;  // Until the new file is in place.
  std::uint64_t written = 0;
  if (pairs.empty()) {
    if (file.exists) {
      absl::Status s = fs.Remove(path);
      if (!s.ok() && !absl::IsNotFound(s)) return s;
    }
    file.exists = false;
    file.size = 0;
  } else {
    const std::string temp = path + std::string(format::kTempSuffix);
    if (absl::Status s = WriteWholeFile(fs, temp, collection, pairs, &written);
        !s.ok()) {
      return s;
    }
    if (absl::Status s = fs.Rename(temp, path); !s.ok()) return s;
    file.exists = true;
    file.size = written;
  }
  file.needs_rewrite = false;
  return written;
}

}  // namespace dskv
