// Every store peer_bench knows, by name.

#ifndef BENCHMARKS_PEERS_REGISTRY_H_
#define BENCHMARKS_PEERS_REGISTRY_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "benchmarks/peers/adapter.h"

namespace dskv::peers {

// The names of the stores, dskv first, in the order of the results' columns.
std::vector<std::string> StoreNames();

// A new, unopened adapter for the store `name`; NotFound for an unknown one.
absl::StatusOr<std::unique_ptr<Adapter>> NewAdapter(std::string_view name);

}  // namespace dskv::peers

#endif  // BENCHMARKS_PEERS_REGISTRY_H_
