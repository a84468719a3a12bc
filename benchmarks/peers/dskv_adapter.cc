#include "benchmarks/peers/dskv_adapter.h"

#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "benchmarks/peers/adapter.h"
#include "dskv/store.h"

namespace dskv::peers {
namespace {

class DskvAdapter : public Adapter {
 public:
  StoreInfo Info() const override {
    return {
        .name = "dskv",
        .version = "this tree",
        .settings = "default Options: kAsync, janitor flush_interval 100 ms",
        .durable =
            "in memory on return; the janitor writes within ~100 ms "
            "(process-crash safe then); power-loss safe after Flush",
        .get_all = "native GetAll (collection is a map of its own)",
    };
  }

  absl::Status Open(const std::string& dir, const OpenHints&) override {
    absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(dir);
    if (!store.ok()) return store.status();
    store_ = *std::move(store);
    return absl::OkStatus();
  }

  absl::Status Put(std::string_view key, std::string_view value) override {
    return store_->Put(key, value);
  }

  // Copies into the caller's buffer, as the peers' adapters do.
  absl::Status Get(std::string_view key, std::string* value) override {
    return store_->Get(key, value);
  }

  absl::Status Delete(std::string_view key) override {
    return store_->Delete(key);
  }

  absl::Status GetAllByCollection(std::string_view collection,
                                  Pairs* pairs) override {
    absl::StatusOr<Pairs> all = store_->GetAll(collection);
    if (!all.ok()) return all.status();
    *pairs = *std::move(all);
    return absl::OkStatus();
  }

  absl::Status Sync() override { return store_->Flush(); }

  absl::Status Close() override {
    absl::Status status = store_->Close();
    store_.reset();
    return status;
  }

 private:
  std::unique_ptr<Store> store_;
};

}  // namespace

std::unique_ptr<Adapter> NewDskvAdapter() {
  return std::make_unique<DskvAdapter>();
}

}  // namespace dskv::peers
