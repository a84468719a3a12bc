#include "benchmarks/peers/leveldb_adapter.h"

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "benchmarks/peers/adapter.h"
#include "fmt/format.h"
#include "leveldb/cache.h"
#include "leveldb/db.h"
#include "leveldb/filter_policy.h"
#include "leveldb/options.h"
#include "leveldb/write_batch.h"

namespace dskv::peers {
namespace {

constexpr std::string_view kName = "leveldb";

leveldb::Slice ToSlice(std::string_view s) { return {s.data(), s.size()}; }

std::string_view ToView(const leveldb::Slice& s) {
  return {s.data(), s.size()};
}

absl::Status Check(const leveldb::Status& status, std::string_view op,
                   std::string_view key) {
  if (status.ok()) return absl::OkStatus();
  return PeerError(kName, op, key, status.ToString());
}

class LevelDbAdapter : public Adapter {
 public:
  StoreInfo Info() const override {
    return {
        .name = std::string(kName),
        .version = fmt::format("{}.{}", leveldb::kMajorVersion,
                               leveldb::kMinorVersion),
        .settings =
            "64 MiB write buffer and table files, 256 MiB block "
            "cache, 10-bit Bloom filters; writes not synced",
        .durable =
            "log written to the OS on return (process-crash safe); "
            "power-loss safe after a synced write",
        .get_all = "range scan from \"collection/\" (ordered keys)",
    };
  }

  absl::Status Open(const std::string& dir, const OpenHints&) override {
    cache_.reset(leveldb::NewLRUCache(std::size_t{256} << 20));
    filter_.reset(leveldb::NewBloomFilterPolicy(10));
    leveldb::Options options;
    options.create_if_missing = true;
    options.write_buffer_size = std::size_t{64} << 20;
    options.max_file_size = std::size_t{64} << 20;
    options.block_cache = cache_.get();
    options.filter_policy = filter_.get();
    leveldb::DB* db = nullptr;
    if (absl::Status s =
            Check(leveldb::DB::Open(options, dir, &db), "Open", dir);
        !s.ok()) {
      return s;
    }
    db_.reset(db);
    return absl::OkStatus();
  }

  absl::Status Put(std::string_view key, std::string_view value) override {
    return Check(
        db_->Put(leveldb::WriteOptions(), ToSlice(key), ToSlice(value)), "Put",
        key);
  }

  absl::Status Get(std::string_view key, std::string* value) override {
    const leveldb::Status status =
        db_->Get(leveldb::ReadOptions(), ToSlice(key), value);
    if (status.IsNotFound()) return absl::NotFoundError(std::string(key));
    return Check(status, "Get", key);
  }

  absl::Status Delete(std::string_view key) override {
    return Check(db_->Delete(leveldb::WriteOptions(), ToSlice(key)), "Delete",
                 key);
  }

  absl::Status GetAllByCollection(std::string_view collection,
                                  Pairs* pairs) override {
    pairs->clear();
    const std::string prefix = CollectionPrefix(collection);
    std::unique_ptr<leveldb::Iterator> it(
        db_->NewIterator(leveldb::ReadOptions()));
    for (it->Seek(prefix); it->Valid(); it->Next()) {
      if (!AppendIfMember(prefix, ToView(it->key()), ToView(it->value()),
                          pairs)) {
        break;
      }
    }
    return Check(it->status(), "GetAll", collection);
  }

  // LevelDB has no call that only syncs the log; an empty batch written with
  // sync = true appends an empty record and fsyncs the log, which holds
  // every earlier write.
  absl::Status Sync() override {
    leveldb::WriteOptions options;
    options.sync = true;
    leveldb::WriteBatch empty;
    return Check(db_->Write(options, &empty), "synced Write", "");
  }

  absl::Status Close() override {
    db_.reset();  // LevelDB closes on delete.
    filter_.reset();
    cache_.reset();
    return absl::OkStatus();
  }

 private:
  // Declared before db_, which uses them, so that they outlive it.
  std::unique_ptr<leveldb::Cache> cache_;
  std::unique_ptr<const leveldb::FilterPolicy> filter_;
  std::unique_ptr<leveldb::DB> db_;
};

}  // namespace

std::unique_ptr<Adapter> NewLevelDbAdapter() {
  return std::make_unique<LevelDbAdapter>();
}

}  // namespace dskv::peers
