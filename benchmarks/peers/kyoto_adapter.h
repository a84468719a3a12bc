#ifndef BENCHMARKS_PEERS_KYOTO_ADAPTER_H_
#define BENCHMARKS_PEERS_KYOTO_ADAPTER_H_

#include <memory>

#include "benchmarks/peers/adapter.h"

namespace dskv::peers {

// Kyoto Cabinet HashDB (.kch): file hash table, memory-mapped in part.
std::unique_ptr<Adapter> NewKyotoAdapter();

}  // namespace dskv::peers

#endif  // BENCHMARKS_PEERS_KYOTO_ADAPTER_H_
