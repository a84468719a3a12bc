#include "tests/persist/persist_test_util.h"

#include <algorithm>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <system_error>

#include "dskv/store_internal.h"
#include "persist/coding.h"
#include "persist/file_system.h"
#include "persist/format.h"

namespace dskv_test {
namespace {

using ::dskv::Store;

std::pair<std::string_view, std::string_view> SplitKey(std::string_view key) {
  const std::size_t slash = key.find('/');
  return {key.substr(0, slash), key.substr(slash + 1)};
}

// Writes `bytes` to the file `path` opened with `mode`; on failure, says
// `cannot` and the path.
::testing::AssertionResult WriteWithMode(const std::string& path,
                                         std::string_view bytes,
                                         std::ios::openmode mode,
                                         std::string_view cannot) {
  std::ofstream out(path, std::ios::binary | mode);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) return ::testing::AssertionFailure() << cannot << " " << path;
  return ::testing::AssertionSuccess();
}

}  // namespace

void Model::Put(std::string_view key, std::string_view value) {
  const auto [collection, member] = SplitKey(key);
  collections_[std::string(collection)][std::string(member)] = value;
}

void Model::Delete(std::string_view key) {
  const auto [collection, member] = SplitKey(key);
  auto c = collections_.find(collection);
  if (c == collections_.end()) return;
  c->second.erase(std::string(member));
  if (c->second.empty()) collections_.erase(c);
}

void Model::DeleteAll(std::string_view collection) {
  if (auto c = collections_.find(collection); c != collections_.end()) {
    collections_.erase(c);
  }
}

Pairs Model::PairsOf(std::string_view collection) const {
  auto c = collections_.find(collection);
  if (c == collections_.end()) return {};
  return Pairs(c->second.begin(), c->second.end());
}

std::vector<std::string> Model::Collections() const {
  std::vector<std::string> names;
  for (const auto& [collection, members] : collections_) {
    names.push_back(collection);
  }
  return names;
}

std::uint64_t Model::keys() const {
  std::uint64_t keys = 0;
  for (const auto& [collection, members] : collections_) {
    keys += members.size();
  }
  return keys;
}

std::uint64_t Model::bytes() const {
  std::uint64_t bytes = 0;
  for (const auto& [collection, members] : collections_) {
    for (const auto& [member, value] : members) {
      bytes += member.size() + value.size();
    }
  }
  return bytes;
}

::testing::AssertionResult Holds(const Store& store, const Model& model) {
  for (const std::string& collection : model.Collections()) {
    absl::StatusOr<Pairs> got = store.GetAll(collection);
    if (!got.ok()) {
      return ::testing::AssertionFailure()
             << "GetAll(" << Describe(collection) << "): " << got.status();
    }
    const Pairs want = model.PairsOf(collection);
    if (*got != want) {
      return ::testing::AssertionFailure()
             << "collection " << Describe(collection) << " holds "
             << Describe(*got) << ", want " << Describe(want);
    }
  }
  absl::StatusOr<dskv::Stats> stats = store.GetStats();
  if (!stats.ok()) {
    return ::testing::AssertionFailure() << "GetStats: " << stats.status();
  }
  if (stats->keys != model.keys() ||
      stats->collections != model.Collections().size()) {
    return ::testing::AssertionFailure()
           << "the store holds " << stats->keys << " keys in "
           << stats->collections << " collections, want " << model.keys()
           << " keys in " << model.Collections().size();
  }
  return ::testing::AssertionSuccess();
}

absl::StatusOr<Model> ReadModel(const Store& store,
                                const std::vector<std::string>& collections) {
  Model model;
  for (const std::string& collection : collections) {
    absl::StatusOr<Pairs> pairs = store.GetAll(collection);
    if (!pairs.ok()) return pairs.status();
    for (const auto& [member, value] : *pairs) {
      model.Put(collection + "/" + member, value);
    }
  }
  return model;
}

::testing::AssertionResult OpenStore(const std::string& path,
                                     const dskv::Options& options,
                                     dskv::FileSystem* fs,
                                     std::unique_ptr<Store>* store) {
  absl::StatusOr<std::unique_ptr<Store>> opened =
      dskv::StoreOpener::Open(path, options, fs);
  if (!opened.ok()) {
    return ::testing::AssertionFailure()
           << "Open(" << path << "): " << opened.status();
  }
  *store = *std::move(opened);
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult StoreTest::Open(const dskv::Options& options) {
  options_ = options;
  return OpenStore(path(), options_, file_system_, &store_);
}

::testing::AssertionResult StoreTest::Reopen() { return Reopen(options_); }

::testing::AssertionResult StoreTest::Reopen(const dskv::Options& options) {
  if (store_ != nullptr) {
    if (absl::Status s = store_->Close(); !s.ok()) {
      return ::testing::AssertionFailure() << "Close: " << s;
    }
    store_.reset();
  }
  return Open(options);
}

absl::Status StoreTest::Put(std::string_view key, std::string_view value) {
  model_.Put(key, value);
  return store_->Put(key, value);
}

absl::Status StoreTest::Delete(std::string_view key) {
  model_.Delete(key);
  return store_->Delete(key);
}

absl::Status StoreTest::DeleteAll(std::string_view collection) {
  model_.DeleteAll(collection);
  return store_->DeleteAll(collection);
}

dskv::Stats StoreTest::GetStats() const {
  absl::StatusOr<dskv::Stats> stats = store_->GetStats();
  EXPECT_TRUE(stats.ok()) << "GetStats: " << stats.status();
  return stats.ok() ? *std::move(stats) : dskv::Stats();
}

std::string CollectionPath(const std::string& dir,
                           std::string_view collection) {
  return dir + "/" + dskv::format::FileName(collection);
}

absl::StatusOr<std::string> ReadBytes(const std::string& path) {
  return dskv::PosixFileSystem()->ReadFile(path);
}

::testing::AssertionResult WriteBytes(const std::string& path,
                                      std::string_view bytes) {
  return WriteWithMode(path, bytes, std::ios::trunc, "cannot write");
}

::testing::AssertionResult AppendBytes(const std::string& path,
                                       std::string_view bytes) {
  return WriteWithMode(path, bytes, std::ios::app, "cannot append to");
}

std::map<std::string, std::string> FilesOf(const std::string& dir) {
  std::map<std::string, std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    absl::StatusOr<std::string> bytes = ReadBytes(entry.path().string());
    files[entry.path().filename().string()] =
        bytes.ok() ? *bytes : "unreadable: " + bytes.status().ToString();
  }
  return files;
}

absl::StatusOr<std::uint64_t> FileSize(const std::string& path) {
  std::error_code error;
  const std::uintmax_t size = std::filesystem::file_size(path, error);
  if (error) {
    return absl::ErrnoToStatus(error.value(), "cannot stat \"" + path + "\"");
  }
  return size;
}

absl::StatusOr<dskv::ParsedCollection> ParseFileOf(
    const std::string& dir, std::string_view collection) {
  absl::StatusOr<std::string> contents =
      ReadBytes(CollectionPath(dir, collection));
  if (!contents.ok()) return contents.status();
  return dskv::ParseCollectionFile(*contents, /*salvage=*/false);
}

::testing::AssertionResult FileHolds(const std::string& dir,
                                     std::string_view collection,
                                     const Model& model) {
  absl::StatusOr<dskv::ParsedCollection> parsed = ParseFileOf(dir, collection);
  if (!parsed.ok()) {
    return ::testing::AssertionFailure()
           << "the file of " << Describe(collection)
           << " does not parse: " << parsed.status();
  }
  if (parsed->name != collection) {
    return ::testing::AssertionFailure()
           << "the file of " << Describe(collection) << " names "
           << Describe(parsed->name);
  }
  if (parsed->torn_tail_bytes != 0) {
    return ::testing::AssertionFailure()
           << "the file of " << Describe(collection) << " has a torn tail of "
           << parsed->torn_tail_bytes << " bytes";
  }
  Pairs got(parsed->members.begin(), parsed->members.end());
  std::sort(got.begin(), got.end());
  const Pairs want = model.PairsOf(collection);
  if (got != want) {
    return ::testing::AssertionFailure()
           << "the file of " << Describe(collection) << " holds "
           << Describe(got) << ", want " << Describe(want);
  }
  return ::testing::AssertionSuccess();
}

std::uint64_t CompactFileSize(std::string_view collection, const Pairs& pairs) {
  std::uint64_t size = dskv::format::HeaderSize(collection.size());
  for (const auto& [member, value] : pairs) {
    size += dskv::format::RecordSize(member.size(), value.size());
  }
  return size;
}

std::vector<RecordSpan> RecordSpans(std::string_view contents) {
  namespace format = dskv::format;
  std::vector<RecordSpan> spans;
  if (contents.size() < format::HeaderSize(0)) return spans;
  const std::uint16_t name_size = dskv::DecodeFixed<std::uint16_t>(
      contents.data() + format::kNameSizeOffset);
  std::uint64_t at = format::HeaderSize(name_size);
  while (at + format::kRecordHeaderSize <= contents.size()) {
    const char* p = contents.data() + at;
    RecordSpan span;
    const std::uint64_t member_size =
        dskv::DecodeFixed<std::uint32_t>(p + format::kMemberSizeOffset);
    span.value_size =
        dskv::DecodeFixed<std::uint64_t>(p + format::kValueSizeOffset);
    if (member_size > contents.size() - at - format::kRecordHeaderSize ||
        span.value_size >
            contents.size() - at - format::kRecordHeaderSize - member_size) {
      break;
    }
    span.offset = at;
    span.size = format::RecordSize(member_size, span.value_size);
    span.member = std::string(p + format::kRecordHeaderSize, member_size);
    span.value_offset = at + format::kRecordHeaderSize + member_size;
    spans.push_back(std::move(span));
    at += spans.back().size;
  }
  return spans;
}

}  // namespace dskv_test
