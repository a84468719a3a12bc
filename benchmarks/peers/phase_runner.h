// Runs one timed phase of a workload on several threads.

#ifndef BENCHMARKS_PEERS_PHASE_RUNNER_H_
#define BENCHMARKS_PEERS_PHASE_RUNNER_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace dskv::peers {

struct PhaseSpec {
  int threads = 1;
  std::uint64_t ops = 0;
  // Indices a thread takes from the shared counter at once. 1 gives the
  // fairest share; larger batches keep the counter's cache line from
  // costing more than the operations of fast stores.
  std::uint64_t batch = 1;
  // Whether to time every operation (two clock reads each).
  bool latencies = true;
};

struct PhaseTiming {
  std::uint64_t ops = 0;
  // From the moment all threads are released together to the moment the
  // last one finishes.
  double seconds = 0;
  std::vector<std::int64_t> sorted_latencies_ns;  // Empty without latencies.

  double OpsPerSecond() const { return seconds > 0 ? ops / seconds : 0; }
};

// Calls op(thread, i) once for every i in [0, spec.ops), from spec.threads
// threads (numbered from 0) that take indices from a shared counter. On the
// first failure the threads stop taking indices and its status is returned.
absl::StatusOr<PhaseTiming> RunPhase(
    const PhaseSpec& spec,
    absl::FunctionRef<absl::Status(int thread, std::uint64_t i)> op);

// Calls `call` and returns the seconds it took, or its error.
absl::StatusOr<double> TimeCall(absl::FunctionRef<absl::Status()> call);

}  // namespace dskv::peers

#endif  // BENCHMARKS_PEERS_PHASE_RUNNER_H_
