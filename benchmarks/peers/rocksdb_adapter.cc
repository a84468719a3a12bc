#include "benchmarks/peers/rocksdb_adapter.h"

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "benchmarks/peers/adapter.h"
#include "rocksdb/cache.h"
#include "rocksdb/db.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/options.h"
#include "rocksdb/table.h"
#include "rocksdb/version.h"
#include "rocksdb/write_batch.h"

namespace dskv::peers {
namespace {

constexpr std::string_view kName = "rocksdb";

rocksdb::Slice ToSlice(std::string_view s) { return {s.data(), s.size()}; }

absl::Status Check(const rocksdb::Status& status, std::string_view op,
                   std::string_view key) {
  if (status.ok()) return absl::OkStatus();
  return PeerError(kName, op, key, status.ToString());
}

class RocksDbAdapter : public Adapter {
 public:
  StoreInfo Info() const override {
    return {
        .name = std::string(kName),
        .version = rocksdb::GetRocksVersionAsString(),
        .settings =
            "IncreaseParallelism(2), OptimizeLevelStyleCompaction(), "
            "256 MiB block cache, 10-bit Bloom filters, blob files "
            "for values >= 4 KiB; WAL on, writes not synced",
        .durable =
            "WAL written to the OS on return (process-crash safe); "
            "power-loss safe after FlushWAL(true)",
        .get_all = "range scan from \"collection/\" (ordered keys)",
    };
  }

  absl::Status Open(const std::string& dir, const OpenHints&) override {
    rocksdb::Options options;
    options.create_if_missing = true;
    options.IncreaseParallelism(2);
    options.OptimizeLevelStyleCompaction();
    // Key-value separation, which RocksDB advises for large values.
    options.enable_blob_files = true;
    options.min_blob_size = 4096;
    options.enable_blob_garbage_collection = true;
    rocksdb::BlockBasedTableOptions table;
    table.block_cache = rocksdb::NewLRUCache(std::size_t{256} << 20);
    table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
    options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
    rocksdb::DB* db = nullptr;
    if (absl::Status s =
            Check(rocksdb::DB::Open(options, dir, &db), "Open", dir);
        !s.ok()) {
      return s;
    }
    db_.reset(db);
    return absl::OkStatus();
  }

  absl::Status Put(std::string_view key, std::string_view value) override {
    return Check(db_->Put(write_options_, ToSlice(key), ToSlice(value)), "Put",
                 key);
  }

  absl::Status Get(std::string_view key, std::string* value) override {
    const rocksdb::Status status =
        db_->Get(rocksdb::ReadOptions(), ToSlice(key), value);
    if (status.IsNotFound()) return absl::NotFoundError(std::string(key));
    return Check(status, "Get", key);
  }

  absl::Status Delete(std::string_view key) override {
    return Check(db_->Delete(write_options_, ToSlice(key)), "Delete", key);
  }

  absl::Status GetAllByCollection(std::string_view collection,
                                  Pairs* pairs) override {
    pairs->clear();
    const std::string prefix = CollectionPrefix(collection);
    std::unique_ptr<rocksdb::Iterator> it(
        db_->NewIterator(rocksdb::ReadOptions()));
    for (it->Seek(prefix); it->Valid(); it->Next()) {
      if (!AppendIfMember(prefix, it->key().ToStringView(),
                          it->value().ToStringView(), pairs)) {
        break;
      }
    }
    return Check(it->status(), "GetAll", collection);
  }

  absl::Status Sync() override {
    return Check(db_->FlushWAL(/*sync=*/true), "FlushWAL", "");
  }

  absl::Status Close() override {
    absl::Status status = Check(db_->Close(), "Close", "");
    db_.reset();
    return status;
  }

 private:
  rocksdb::WriteOptions write_options_;  // sync = false: the default.
  std::unique_ptr<rocksdb::DB> db_;
};

}  // namespace

std::unique_ptr<Adapter> NewRocksDbAdapter() {
  return std::make_unique<RocksDbAdapter>();
}

}  // namespace dskv::peers
