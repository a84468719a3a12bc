#ifndef BENCHMARKS_PEERS_ROCKSDB_ADAPTER_H_
#define BENCHMARKS_PEERS_ROCKSDB_ADAPTER_H_

#include <memory>

#include "benchmarks/peers/adapter.h"

namespace dskv::peers {

// RocksDB: level-style LSM with a write-ahead log.
std::unique_ptr<Adapter> NewRocksDbAdapter();

}  // namespace dskv::peers

#endif  // BENCHMARKS_PEERS_ROCKSDB_ADAPTER_H_
