#include "benchmarks/peers/lmdb_adapter.h"

#include <lmdb.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "benchmarks/peers/adapter.h"
#include "fmt/format.h"

namespace dskv::peers {
namespace {

constexpr std::string_view kName = "lmdb";

MDB_val ToVal(std::string_view s) {
  return {s.size(), const_cast<char*>(s.data())};
}

std::string_view ToView(const MDB_val& v) {
  return {static_cast<const char*>(v.mv_data), v.mv_size};
}

absl::Status Check(int rc, std::string_view op, std::string_view key) {
  if (rc == MDB_SUCCESS) return absl::OkStatus();
  return PeerError(kName, op, key, mdb_strerror(rc));
}

// A transaction that is aborted unless it was committed.
class Txn {
 public:
  Txn() = default;
  Txn(const Txn&) = delete;
  Txn& operator=(const Txn&) = delete;
  ~Txn() {
    if (txn_ != nullptr) mdb_txn_abort(txn_);
  }

  int Begin(MDB_env* env, unsigned flags) {
    return mdb_txn_begin(env, nullptr, flags, &txn_);
  }
  int Commit() {
    MDB_txn* txn = txn_;
    txn_ = nullptr;
    return mdb_txn_commit(txn);
  }
  MDB_txn* get() const { return txn_; }

 private:
  MDB_txn* txn_ = nullptr;
};

class LmdbAdapter : public Adapter {
 public:
  ~LmdbAdapter() override {
    if (env_ != nullptr) mdb_env_close(env_);
  }

  StoreInfo Info() const override {
    return {
        .name = std::string(kName),
        .version = fmt::format("{}.{}.{}", MDB_VERSION_MAJOR, MDB_VERSION_MINOR,
                               MDB_VERSION_PATCH),
        .settings =
            "MDB_NOSYNC | MDB_NOTLS, one write transaction per put, map "
            "of 3x the data",
        .durable =
            "written to the file (page cache) at each commit "
            "(process-crash safe); power-loss safe after "
            "mdb_env_sync(force)",
        .get_all = "cursor range scan from \"collection/\" (ordered keys)",
    };
  }

  absl::Status Open(const std::string& dir, const OpenHints& hints) override {
    if (int rc = mdb_env_create(&env_); rc != MDB_SUCCESS) {
      env_ = nullptr;
      return Check(rc, "env_create", "");
    }
    // The map only reserves address space: generous costs nothing, too small
    // fails with MDB_MAP_FULL.
    const std::uint64_t map_size = std::max<std::uint64_t>(
        std::uint64_t{1} << 30, hints.expected_bytes * 3);
    if (absl::Status s =
            Check(mdb_env_set_mapsize(env_, map_size), "set_mapsize", "");
        !s.ok()) {
      return s;
    }
    if (absl::Status s =
            Check(mdb_env_open(env_, dir.c_str(), MDB_NOSYNC | MDB_NOTLS, 0644),
                  "env_open", dir);
        !s.ok()) {
      return s;
    }
    Txn txn;
    if (absl::Status s = Check(txn.Begin(env_, 0), "txn_begin", ""); !s.ok()) {
      return s;
    }
    if (absl::Status s =
            Check(mdb_dbi_open(txn.get(), nullptr, 0, &dbi_), "dbi_open", "");
        !s.ok()) {
      return s;
    }
    return Check(txn.Commit(), "txn_commit", "");
  }

  absl::Status Put(std::string_view key, std::string_view value) override {
    Txn txn;
    MDB_val k = ToVal(key);
    MDB_val v = ToVal(value);
    int rc = txn.Begin(env_, 0);
    if (rc == MDB_SUCCESS) rc = mdb_put(txn.get(), dbi_, &k, &v, 0);
    if (rc == MDB_SUCCESS) rc = txn.Commit();
    return Check(rc, "Put", key);
  }

  absl::Status Get(std::string_view key, std::string* value) override {
    Txn txn;
    MDB_val k = ToVal(key);
    MDB_val v;
    int rc = txn.Begin(env_, MDB_RDONLY);
    if (rc == MDB_SUCCESS) rc = mdb_get(txn.get(), dbi_, &k, &v);
    if (rc == MDB_NOTFOUND) return absl::NotFoundError(std::string(key));
    if (rc == MDB_SUCCESS) value->assign(ToView(v));
    return Check(rc, "Get", key);
  }

  absl::Status Delete(std::string_view key) override {
    Txn txn;
    MDB_val k = ToVal(key);
    int rc = txn.Begin(env_, 0);
    if (rc == MDB_SUCCESS) rc = mdb_del(txn.get(), dbi_, &k, nullptr);
    if (rc == MDB_NOTFOUND) return absl::OkStatus();  // Aborts the txn.
    if (rc == MDB_SUCCESS) rc = txn.Commit();
    return Check(rc, "Delete", key);
  }

  absl::Status GetAllByCollection(std::string_view collection,
                                  Pairs* pairs) override {
    pairs->clear();
    const std::string prefix = CollectionPrefix(collection);
    Txn txn;
    int rc = txn.Begin(env_, MDB_RDONLY);
    MDB_cursor* cursor = nullptr;
    if (rc == MDB_SUCCESS) rc = mdb_cursor_open(txn.get(), dbi_, &cursor);
    if (rc != MDB_SUCCESS) return Check(rc, "GetAll", collection);
    MDB_val k = ToVal(prefix);
    MDB_val v;
    for (rc = mdb_cursor_get(cursor, &k, &v, MDB_SET_RANGE);
         rc == MDB_SUCCESS &&
         AppendIfMember(prefix, ToView(k), ToView(v), pairs);
         rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)) {
    }
    mdb_cursor_close(cursor);
    return rc == MDB_NOTFOUND ? absl::OkStatus()
                              : Check(rc, "GetAll", collection);
  }

  absl::Status Sync() override {
    return Check(mdb_env_sync(env_, /*force=*/1), "env_sync", "");
  }

  absl::Status Close() override {
    mdb_env_close(env_);  // Frees every handle; reports nothing.
    env_ = nullptr;
    return absl::OkStatus();
  }

 private:
  MDB_env* env_ = nullptr;
  MDB_dbi dbi_ = 0;
};

}  // namespace

std::unique_ptr<Adapter> NewLmdbAdapter() {
  return std::make_unique<LmdbAdapter>();
}

}  // namespace dskv::peers
