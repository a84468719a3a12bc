// The workloads of peer_bench. Each runs on one freshly opened store in an
// empty directory and adds what it measures to a Results.
//
//   W1  the dskvs README workload: 2048 keys of 10,000-byte values in one
//       collection; Put (first time), Put (rewrite), Get, GetAll, Delete.
//   W2  small values: N keys of 16 bytes with 100-byte values; load, uniform
//       get, zipfian(0.99) get, 50/50 get/put; memory after the load.
//   W3  durability: 100,000 puts of 100 bytes then one sync; a large store
//       of 10 KiB values: load, sync, close, reopen warm and cold, gets.
//   janitor (dskv only): does the janitor keep up with writes at full
//       speed, and how long is the last Flush?

#ifndef BENCHMARKS_PEERS_WORKLOADS_H_
#define BENCHMARKS_PEERS_WORKLOADS_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "benchmarks/peers/adapter.h"
#include "benchmarks/peers/results.h"

namespace dskv::peers {

struct WorkloadOptions {
  std::string dir;  // An empty directory for the store's files.
  int threads = 1;
  // W2: keys. W3: values in the large store. 0: the workload's default.
  std::uint64_t keys = 0;
  bool quick = false;          // Smaller defaults, for a smoke run.
  double disk_mb_per_sec = 0;  // Janitor: the disk's sequential write speed.
  // W1 and W2: Sync after each writing phase, untimed, so that no phase's
  // background writing overlaps the next. Off: phases follow at once, as a
  // program's calls would.
  bool sync_between_phases = false;
};

absl::Status RunW1(Adapter& store, const WorkloadOptions& options,
                   Results* results);
absl::Status RunW2(Adapter& store, const WorkloadOptions& options,
                   Results* results);
absl::Status RunW3(Adapter& store, const WorkloadOptions& options,
                   Results* results);
// Uses dskv directly, for its Stats.
absl::Status RunJanitor(const WorkloadOptions& options, Results* results);

}  // namespace dskv::peers

#endif  // BENCHMARKS_PEERS_WORKLOADS_H_
