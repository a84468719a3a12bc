#include "benchmarks/peers/registry.h"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "benchmarks/peers/adapter.h"
#include "benchmarks/peers/dskv_adapter.h"
#include "benchmarks/peers/kyoto_adapter.h"
#include "benchmarks/peers/leveldb_adapter.h"
#include "benchmarks/peers/lmdb_adapter.h"
#include "benchmarks/peers/rocksdb_adapter.h"
#include "benchmarks/peers/tkrzw_adapter.h"
#include "fmt/format.h"

namespace dskv::peers {
namespace {

struct Entry {
  std::string_view name;
  std::unique_ptr<Adapter> (*make)();
};

constexpr Entry kStores[] = {
    {"dskv", NewDskvAdapter},
    {"tkrzw-tiny", NewTkrzwTinyAdapter},
    {"tkrzw-hash", NewTkrzwHashAdapter},
    {"lmdb", NewLmdbAdapter},
    {"rocksdb", NewRocksDbAdapter},
    {"leveldb", NewLevelDbAdapter},
    {"kyoto", NewKyotoAdapter},
};

}  // namespace

std::vector<std::string> StoreNames() {
  std::vector<std::string> names;
  for (const Entry& entry : kStores) names.emplace_back(entry.name);
  return names;
}

absl::StatusOr<std::unique_ptr<Adapter>> NewAdapter(std::string_view name) {
  for (const Entry& entry : kStores) {
    if (entry.name == name) return entry.make();
  }
  return absl::NotFoundError(fmt::format("unknown store \"{}\"; known: {}",
                                         name, fmt::join(StoreNames(), ", ")));
}

}  // namespace dskv::peers
