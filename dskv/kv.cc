// OpenKeyValue, and the embedded Store behind the KeyValue interface.

#include "dskv/kv.h"

#include <utility>

#include "dskv/kv_url.h"
#include "dskv/redis_kv.h"

namespace dskv {
namespace {

class StoreKeyValue final : public KeyValue {
 public:
  explicit StoreKeyValue(std::unique_ptr<Store> store)
      : store_(std::move(store)) {}

  absl::StatusOr<std::string> Get(std::string_view key) override {
    return store_->Get(key);
  }
  absl::Status Put(std::string_view key, std::string_view value) override {
    return store_->Put(key, value);
  }
  absl::Status Delete(std::string_view key) override {
    return store_->Delete(key);
  }
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> GetAll(
      std::string_view collection) override {
    return store_->GetAll(collection);
  }
  absl::Status DeleteAll(std::string_view collection) override {
    return store_->DeleteAll(collection);
  }
  absl::StatusOr<ScanPage> Scan(std::string_view collection,
                                const ScanOptions& options) override {
    return store_->Scan(collection, options);
  }
  // One store applies any batch atomically.
  absl::Status Write(const WriteBatch& batch, const WriteOptions&) override {
    return store_->Write(batch);
  }
  absl::Status Flush() override { return store_->Flush(); }
  absl::Status Close() override { return store_->Close(); }
  absl::StatusOr<std::vector<std::string>> ListCollections() override {
    absl::StatusOr<std::vector<CollectionInfo>> infos =
        store_->ListCollections();
    if (!infos.ok()) return infos.status();
    std::vector<std::string> names;
    names.reserve(infos->size());
    for (CollectionInfo& info : *infos) names.push_back(std::move(info.name));
    return names;
  }

 private:
  const std::unique_ptr<Store> store_;
};

absl::StatusOr<std::unique_ptr<KeyValue>> OpenStoreKeyValue(KeyValueUrl url) {
  Options options;
  if (std::optional<std::string> d = url.params.Take("durability")) {
    if (*d == "sync") {
      options.durability = Durability::kSync;
    } else if (*d != "async") {
      return absl::InvalidArgumentError(
          "URL parameter durability must be sync or async, not \"" + *d + "\"");
    }
  }
  absl::StatusOr<std::optional<bool>> read_only =
      url.params.TakeBool("read_only");
  if (!read_only.ok()) return read_only.status();
  options.read_only = read_only->value_or(false);
  if (absl::Status s = url.params.CheckAllTaken(); !s.ok()) return s;
  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(url.path, options);
  if (!store.ok()) return store.status();
  return std::make_unique<StoreKeyValue>(*std::move(store));
}

}  // namespace

absl::StatusOr<std::unique_ptr<KeyValue>> OpenKeyValue(std::string_view url) {
  absl::StatusOr<KeyValueUrl> parsed = ParseKeyValueUrl(url);
  if (!parsed.ok()) return parsed.status();
  if (parsed->scheme == KeyValueUrl::Scheme::kDskv) {
    return OpenStoreKeyValue(*std::move(parsed));
  }
  return OpenRedisKeyValue(*std::move(parsed));
}

}  // namespace dskv
