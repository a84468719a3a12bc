#include "benchmarks/peers/tkrzw_adapter.h"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "benchmarks/peers/adapter.h"
#include "tkrzw_dbm.h"
#include "tkrzw_dbm_hash.h"
#include "tkrzw_dbm_tiny.h"
#include "tkrzw_lib_common.h"

namespace dskv::peers {
namespace {

// Twice as many buckets as records, as tkrzw's documentation advises (at
// least as many), and never fewer than its default.
std::int64_t Buckets(const OpenHints& hints) {
  return std::max<std::int64_t>(1048583, 2 * hints.expected_keys);
}

// The two flavours differ only in how the DBM is made and opened; reads,
// writes and scans go through tkrzw's common DBM interface.
class TkrzwAdapter : public Adapter {
 public:
  enum class Kind { kTiny, kHash };

  explicit TkrzwAdapter(Kind kind) : kind_(kind) {}

  StoreInfo Info() const override {
    const bool tiny = kind_ == Kind::kTiny;
    return {
        .name = tiny ? "tkrzw-tiny" : "tkrzw-hash",
        .version = tkrzw::PACKAGE_VERSION,
        .settings = tiny ? "TinyDBM (in-memory hash table), buckets = 2x "
                           "keys, file saved by Synchronize/Close"
                         : "HashDBM on a memory-mapped file, in-place "
                           "updates, buckets = 2x keys",
        .durable = tiny ? "only in memory until Synchronize(hard), which "
                          "rewrites the whole database file and fsyncs it"
                        : "in the shared file mapping on return "
                          "(process-crash safe after restore); power-loss "
                          "safe after Synchronize(hard)",
        .get_all =
            "visits every record, keeps those with the prefix "
            "(hash order), sorts",
    };
  }

  absl::Status Open(const std::string& dir, const OpenHints& hints) override {
    tkrzw::Status status;
    if (kind_ == Kind::kTiny) {
      dbm_ = std::make_unique<tkrzw::TinyDBM>(Buckets(hints));
      status = dbm_->Open(dir + "/store.tkmt", /*writable=*/true);
    } else {
      auto hash = std::make_unique<tkrzw::HashDBM>();
      tkrzw::HashDBM::TuningParameters params;
      params.num_buckets = Buckets(hints);
      status = hash->OpenAdvanced(dir + "/store.tkh", /*writable=*/true,
                                  tkrzw::File::OPEN_DEFAULT, params);
      dbm_ = std::move(hash);
    }
    return Check(status, "Open", dir);
  }

  absl::Status Put(std::string_view key, std::string_view value) override {
    return Check(dbm_->Set(key, value), "Set", key);
  }

  absl::Status Get(std::string_view key, std::string* value) override {
    const tkrzw::Status status = dbm_->Get(key, value);
    if (status == tkrzw::Status::NOT_FOUND_ERROR) {
      return absl::NotFoundError(std::string(key));
    }
    return Check(status, "Get", key);
  }

  absl::Status Delete(std::string_view key) override {
    const tkrzw::Status status = dbm_->Remove(key);
    if (status == tkrzw::Status::NOT_FOUND_ERROR) return absl::OkStatus();
    return Check(status, "Remove", key);
  }

  absl::Status GetAllByCollection(std::string_view collection,
                                  Pairs* pairs) override {
    pairs->clear();
    const std::string prefix = CollectionPrefix(collection);
    std::unique_ptr<tkrzw::DBM::Iterator> it = dbm_->MakeIterator();
    tkrzw::Status status = it->First();
    std::string key;
    std::string value;
    while (status.IsOK()) {
      status = it->Get(&key, &value);
      if (!status.IsOK()) break;
      AppendIfMember(prefix, key, value, pairs);
      status = it->Next();
    }
    if (status != tkrzw::Status::NOT_FOUND_ERROR) {
      return Check(status, "iterate", collection);
    }
    SortByMember(pairs);
    return absl::OkStatus();
  }

  absl::Status Sync() override {
    return Check(dbm_->Synchronize(/*hard=*/true), "Synchronize", "");
  }

  absl::Status Close() override {
    absl::Status status = Check(dbm_->Close(), "Close", "");
    dbm_.reset();
    return status;
  }

 private:
  absl::Status Check(const tkrzw::Status& status, std::string_view op,
                     std::string_view key) const {
    if (status.IsOK()) return absl::OkStatus();
    return PeerError(Info().name, op, key, tkrzw::ToString(status));
  }

  const Kind kind_;
  std::unique_ptr<tkrzw::DBM> dbm_;
};

}  // namespace

std::unique_ptr<Adapter> NewTkrzwTinyAdapter() {
  return std::make_unique<TkrzwAdapter>(TkrzwAdapter::Kind::kTiny);
}

std::unique_ptr<Adapter> NewTkrzwHashAdapter() {
  return std::make_unique<TkrzwAdapter>(TkrzwAdapter::Kind::kHash);
}

}  // namespace dskv::peers
