#include "benchmarks/peers/results.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "benchmarks/latency_stats.h"
#include "benchmarks/peers/phase_runner.h"
#include "fmt/format.h"

namespace dskv::peers {

Results::Results(std::string workload, std::string store, int threads,
                 std::FILE* csv)
    : workload_(std::move(workload)),
      store_(std::move(store)),
      threads_(threads),
      csv_(csv) {}

void Results::Add(std::string_view phase, std::string_view metric,
                  double value) {
  const std::string shown = metric.ends_with("_ns")
                                ? bench::FormatDuration(value)
                                : fmt::format("{:.6g}", value);
  fmt::print("{:<8} {:<11} t={:<3} {:<14} {:<22} {}\n", workload_, store_,
             threads_, phase, metric, shown);
  std::fflush(stdout);
  if (csv_ == nullptr || !status_.ok()) return;
  const std::string row = fmt::format("{},{},{},{},{},{:.9g}\n", workload_,
                                      store_, threads_, phase, metric, value);
  if (std::fputs(row.c_str(), csv_) < 0 || std::fflush(csv_) != 0) {
    status_ = absl::ErrnoToStatus(errno, "cannot write the CSV file");
  }
}

void Results::AddTiming(std::string_view phase, const PhaseTiming& timing,
                        double bytes_per_op) {
  Add(phase, "ops_per_sec", timing.OpsPerSecond());
  Add(phase, "seconds", timing.seconds);
  if (bytes_per_op > 0) {
    Add(phase, "mb_per_sec", timing.OpsPerSecond() * bytes_per_op / 1e6);
  }
  if (timing.sorted_latencies_ns.empty()) return;
  const bench::LatencyStats stats =
      bench::ComputeLatencyStats(timing.sorted_latencies_ns);
  Add(phase, "p50_ns", stats.p50_ns);
  Add(phase, "p90_ns", stats.p90_ns);
  Add(phase, "p99_ns", stats.p99_ns);
  Add(phase, "p999_ns", stats.p999_ns);
  Add(phase, "max_ns", stats.max_ns);
  Add(phase, "avg_ns", stats.avg_ns);
}

void Results::AddPasses(std::string_view phase,
                        std::vector<PhaseTiming> timings, double bytes_per_op) {
  std::sort(timings.begin(), timings.end(),
            [](const PhaseTiming& a, const PhaseTiming& b) {
              return a.OpsPerSecond() < b.OpsPerSecond();
            });
  PhaseTiming median = timings[timings.size() / 2];
  median.sorted_latencies_ns.clear();
  for (const PhaseTiming& timing : timings) {
    median.sorted_latencies_ns.insert(median.sorted_latencies_ns.end(),
                                      timing.sorted_latencies_ns.begin(),
                                      timing.sorted_latencies_ns.end());
  }
  std::sort(median.sorted_latencies_ns.begin(),
            median.sorted_latencies_ns.end());
  Add(phase, "passes", timings.size());
  AddTiming(phase, median, bytes_per_op);
}

}  // namespace dskv::peers
