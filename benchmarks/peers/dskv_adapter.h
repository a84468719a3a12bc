#ifndef BENCHMARKS_PEERS_DSKV_ADAPTER_H_
#define BENCHMARKS_PEERS_DSKV_ADAPTER_H_

#include <memory>

#include "benchmarks/peers/adapter.h"

namespace dskv::peers {

// dskv with its default Options: Durability::kAsync, janitor running.
std::unique_ptr<Adapter> NewDskvAdapter();

}  // namespace dskv::peers

#endif  // BENCHMARKS_PEERS_DSKV_ADAPTER_H_
