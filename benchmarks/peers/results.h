// Where the workloads put what they measure: one CSV row per number,
//   workload,store,threads,phase,metric,value
// appended to a file (and printed), so that a run that dies keeps the rows of
// the phases it finished, and report.cc can build its tables from any set of
// runs.

#ifndef BENCHMARKS_PEERS_RESULTS_H_
#define BENCHMARKS_PEERS_RESULTS_H_

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "benchmarks/peers/phase_runner.h"

namespace dskv::peers {

inline constexpr std::string_view kCsvHeader =
    "workload,store,threads,phase,metric,value";

class Results {
 public:
  // Appends to `csv` if it is not null (not owned; must outlive this).
  Results(std::string workload, std::string store, int threads, std::FILE* csv);

  void Add(std::string_view phase, std::string_view metric, double value);

  // Adds ops_per_sec, seconds, and mb_per_sec if `bytes_per_op` > 0, and,
  // if `timing` has latencies, their percentiles in nanoseconds (p50_ns,
  // p90_ns, p99_ns, p999_ns, max_ns, avg_ns).
  void AddTiming(std::string_view phase, const PhaseTiming& timing,
                 double bytes_per_op);

  // Adds several passes of one phase: their median ops_per_sec, seconds and
  // mb_per_sec, the percentiles of all their latencies together, and
  // "passes". `timings` must not be empty.
  void AddPasses(std::string_view phase, std::vector<PhaseTiming> timings,
                 double bytes_per_op);

  // The status of the CSV file: an error once a write to it failed.
  absl::Status status() const { return status_; }

 private:
  std::string workload_;
  std::string store_;
  int threads_;
  std::FILE* csv_;
  absl::Status status_;
};

}  // namespace dskv::peers

#endif  // BENCHMARKS_PEERS_RESULTS_H_
