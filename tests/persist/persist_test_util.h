// Helpers shared by the persistence tests: a model of what a store should
// hold, gtest predicates for its contents, and access to the collection files
// on disk. The predicates for statuses and values are in
// tests/status_matchers.h.

#ifndef DSKV_TESTS_PERSIST_PERSIST_TEST_UTIL_H_
#define DSKV_TESTS_PERSIST_PERSIST_TEST_UTIL_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "dskv/store.h"
#include "gtest/gtest.h"
#include "persist/collection_reader.h"
#include "persist/file_system.h"
#include "tests/status_matchers.h"
#include "tests/temp_dir.h"

namespace dskv_test {

// --- What a store should hold ---

// The contents a store should have: collection -> member -> value. Holds no
// empty collections.
class Model {
 public:
  void Put(std::string_view key, std::string_view value);
  void Delete(std::string_view key);
  void DeleteAll(std::string_view collection);

  // Every collection's pairs, sorted by member as Store::GetAll sorts them.
  Pairs PairsOf(std::string_view collection) const;
  std::vector<std::string> Collections() const;
  std::uint64_t keys() const;
  // Bytes of members and values, as Stats::bytes counts them.
  std::uint64_t bytes() const;

 private:
  std::map<std::string, std::map<std::string, std::string>, std::less<>>
      collections_;
};

// Whether `store` holds exactly what `model` holds: GetAll of each of the
// model's collections, and as many keys and collections in all.
::testing::AssertionResult Holds(const dskv::Store& store, const Model& model);

// What `store` holds in `collections`, read with GetAll.
absl::StatusOr<Model> ReadModel(const dskv::Store& store,
                                const std::vector<std::string>& collections);

// Opens the store in `path` into `*store`, on the file system `fs`.
::testing::AssertionResult OpenStore(const std::string& path,
                                     const dskv::Options& options,
                                     dskv::FileSystem* fs,
                                     std::unique_ptr<dskv::Store>* store);

// Gives each test a store directory, path(), and a model of what the store
// opened in it should hold. Tests open the store themselves, with the options
// they need.
class StoreTest : public TempDirTest {
 protected:
  // The store directory: a subdirectory of dir(), created by Open.
  std::string path() const { return dir() + "/db"; }

  // Opens the store in path() into store_, remembering `options` for Reopen.
  ::testing::AssertionResult Open(const dskv::Options& options);
  // Makes Open and Reopen use `fs` (which must outlive store_) instead of
  // the real file system: to inject faults.
  void UseFileSystem(dskv::FileSystem* fs) { file_system_ = fs; }
  // Closes store_, which must succeed, and opens it again with the options
  // of the last Open, or with `options`.
  ::testing::AssertionResult Reopen();
  ::testing::AssertionResult Reopen(const dskv::Options& options);

  // Make the same change to store_ and to model_, and return the store's
  // status. The model changes whatever the status: tests make only valid
  // changes, which the store keeps in memory even when it reports an I/O
  // error.
  absl::Status Put(std::string_view key, std::string_view value);
  absl::Status Delete(std::string_view key);
  absl::Status DeleteAll(std::string_view collection);

  // GetStats of store_; a default Stats (after a test failure) on error.
  dskv::Stats GetStats() const;

  std::unique_ptr<dskv::Store> store_;
  Model model_;

 private:
  dskv::Options options_;
  dskv::FileSystem* file_system_ = dskv::PosixFileSystem();
};

// --- Files on disk ---

// The path of the file of `collection` in the store directory `dir`.
std::string CollectionPath(const std::string& dir, std::string_view collection);

// The bytes of the file `path`.
absl::StatusOr<std::string> ReadBytes(const std::string& path);
::testing::AssertionResult WriteBytes(const std::string& path,
                                      std::string_view bytes);
::testing::AssertionResult AppendBytes(const std::string& path,
                                       std::string_view bytes);
absl::StatusOr<std::uint64_t> FileSize(const std::string& path);
// Every file of `dir` by name, with its bytes (or why they were unreadable).
std::map<std::string, std::string> FilesOf(const std::string& dir);

// Reads and parses the file of `collection` in `dir`, without salvage.
absl::StatusOr<dskv::ParsedCollection> ParseFileOf(const std::string& dir,
                                                   std::string_view collection);

// Whether the file of `collection` in `dir` parses cleanly (no damage, no
// torn tail) and holds exactly the model's pairs of `collection`.
::testing::AssertionResult FileHolds(const std::string& dir,
                                     std::string_view collection,
                                     const Model& model);

// The size of a file holding exactly `pairs` of `collection`: one record each.
std::uint64_t CompactFileSize(std::string_view collection, const Pairs& pairs);

// Where a record lies in a collection file.
struct RecordSpan {
  std::uint64_t offset = 0;  // Of the record's first byte.
  std::uint64_t size = 0;
  std::string member;
  std::uint64_t value_offset = 0;  // Of the value's first byte in the file.
  std::uint64_t value_size = 0;
};

// The records of `contents`, a collection file, found by their sizes alone
// (checksums are not verified); stops at a record that does not fit.
std::vector<RecordSpan> RecordSpans(std::string_view contents);

}  // namespace dskv_test

#endif  // DSKV_TESTS_PERSIST_PERSIST_TEST_UTIL_H_
