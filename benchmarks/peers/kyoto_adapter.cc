#include "benchmarks/peers/kyoto_adapter.h"

#include <kcdb.h>
#include <kchashdb.h>
#include <kcutil.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "benchmarks/peers/adapter.h"

namespace dskv::peers {
namespace {

constexpr std::string_view kName = "kyoto";

using kyotocabinet::BasicDB;
using kyotocabinet::HashDB;

// Copies the value of the record it visits, without the extra buffer that
// HashDB::get(const char*, ...) allocates.
class CopyValue : public BasicDB::Visitor {
 public:
  explicit CopyValue(std::string* value) : value_(value) {}

  const char* visit_full(const char*, std::size_t, const char* vbuf,
                         std::size_t vsiz, std::size_t*) override {
    value_->assign(vbuf, vsiz);
    found_ = true;
    return NOP;
  }

  bool found() const { return found_; }

 private:
  std::string* value_;
  bool found_ = false;
};

class KyotoAdapter : public Adapter {
 public:
  StoreInfo Info() const override {
    return {
        .name = std::string(kName),
        .version = kyotocabinet::VERSION,
        .settings =
            "HashDB (.kch), buckets = 2x keys, memory map of 2x "
            "the data; no auto-transaction, no auto-sync",
        .durable =
            "in the file (mapping or pwrite) on return, "
            "process-crash safe after auto-recovery; power-loss safe "
            "after synchronize(hard)",
        .get_all =
            "cursor over every record, keeps those with the prefix "
            "(hash order), sorts",
    };
  }

  absl::Status Open(const std::string& dir, const OpenHints& hints) override {
    db_.tune_buckets(
        std::max<std::int64_t>(1'000'000, 2 * hints.expected_keys));
    db_.tune_map(std::max<std::int64_t>(std::int64_t{64} << 20,
                                        2 * hints.expected_bytes));
    if (!db_.open(dir + "/store.kch", HashDB::OWRITER | HashDB::OCREATE)) {
      return Error("open", dir);
    }
    return absl::OkStatus();
  }

  absl::Status Put(std::string_view key, std::string_view value) override {
    if (db_.set(key.data(), key.size(), value.data(), value.size())) {
      return absl::OkStatus();
    }
    return Error("set", key);
  }

  absl::Status Get(std::string_view key, std::string* value) override {
    CopyValue visitor(value);
    if (!db_.accept(key.data(), key.size(), &visitor, /*writable=*/false)) {
      return Error("get", key);
    }
    if (!visitor.found()) return absl::NotFoundError(std::string(key));
    return absl::OkStatus();
  }

  absl::Status Delete(std::string_view key) override {
    if (db_.remove(key.data(), key.size()) ||
        db_.error().code() == BasicDB::Error::NOREC) {
      return absl::OkStatus();
    }
    return Error("remove", key);
  }

  absl::Status GetAllByCollection(std::string_view collection,
                                  Pairs* pairs) override {
    pairs->clear();
    const std::string prefix = CollectionPrefix(collection);
    std::unique_ptr<BasicDB::Cursor> cursor(db_.cursor());
    std::string key;
    std::string value;
    if (cursor->jump()) {
      while (cursor->get(&key, &value, /*step=*/true)) {
        AppendIfMember(prefix, key, value, pairs);
      }
    }
    if (db_.error().code() != BasicDB::Error::NOREC) {
      return Error("cursor", collection);
    }
    SortByMember(pairs);
    return absl::OkStatus();
  }

  absl::Status Sync() override {
    if (db_.synchronize(/*hard=*/true)) return absl::OkStatus();
    return Error("synchronize", "");
  }

  absl::Status Close() override {
    if (db_.close()) return absl::OkStatus();
    return Error("close", "");
  }

 private:
  // The error of this thread's last call (Kyoto Cabinet keeps one per
  // thread).
  absl::Status Error(std::string_view op, std::string_view key) {
    const BasicDB::Error error = db_.error();
    return PeerError(kName, op, key,
                     std::string(error.name()) + ": " + error.message());
  }

  HashDB db_;
};

}  // namespace

std::unique_ptr<Adapter> NewKyotoAdapter() {
  return std::make_unique<KyotoAdapter>();
}

}  // namespace dskv::peers
