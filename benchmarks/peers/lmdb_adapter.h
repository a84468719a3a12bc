#ifndef BENCHMARKS_PEERS_LMDB_ADAPTER_H_
#define BENCHMARKS_PEERS_LMDB_ADAPTER_H_

#include <memory>

#include "benchmarks/peers/adapter.h"

namespace dskv::peers {

// LMDB: copy-on-write B+tree in one memory-mapped file.
std::unique_ptr<Adapter> NewLmdbAdapter();

}  // namespace dskv::peers

#endif  // BENCHMARKS_PEERS_LMDB_ADAPTER_H_
