#ifndef BENCHMARKS_PEERS_TKRZW_ADAPTER_H_
#define BENCHMARKS_PEERS_TKRZW_ADAPTER_H_

#include <memory>

#include "benchmarks/peers/adapter.h"

namespace dskv::peers {

// tkrzw TinyDBM: an in-memory hash table, saved whole to one file by Sync and
// Close and loaded whole by Open.
std::unique_ptr<Adapter> NewTkrzwTinyAdapter();

// tkrzw HashDBM: a file hash table, memory-mapped, updated in place.
std::unique_ptr<Adapter> NewTkrzwHashAdapter();

}  // namespace dskv::peers

#endif  // BENCHMARKS_PEERS_TKRZW_ADAPTER_H_
