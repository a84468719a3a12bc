#ifndef BENCHMARKS_PEERS_LEVELDB_ADAPTER_H_
#define BENCHMARKS_PEERS_LEVELDB_ADAPTER_H_

#include <memory>

#include "benchmarks/peers/adapter.h"

namespace dskv::peers {

// LevelDB: LSM tree with a write-ahead log.
std::unique_ptr<Adapter> NewLevelDbAdapter();

}  // namespace dskv::peers

#endif  // BENCHMARKS_PEERS_LEVELDB_ADAPTER_H_
