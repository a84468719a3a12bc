// Summaries of operation latencies for the benchmarks.

#ifndef BENCHMARKS_LATENCY_STATS_H_
#define BENCHMARKS_LATENCY_STATS_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace dskv::bench {

// Summary of a set of latencies, in nanoseconds. Percentiles use the
// nearest-rank definition, so every reported value is one that was measured.
struct LatencyStats {
  std::size_t count = 0;
  std::int64_t min_ns = 0;
  double avg_ns = 0;
  std::int64_t p50_ns = 0;
  std::int64_t p75_ns = 0;
  std::int64_t p90_ns = 0;
  std::int64_t p99_ns = 0;
  std::int64_t p999_ns = 0;
  std::int64_t p9999_ns = 0;
  std::int64_t max_ns = 0;
};

// Returns the nearest-rank `percentile` of `sorted_ns`: the smallest sample
// such that at least `percentile` percent of the samples are <= it.
// `percentile` is clamped to [0, 100] and used with a resolution of 0.0001;
// 0 gives the minimum.
//
// Requires: `sorted_ns` is non-empty and sorted in ascending order.
std::int64_t NearestRankPercentile(std::span<const std::int64_t> sorted_ns,
                                   double percentile);

// Summarizes `sorted_ns`, which must be sorted in ascending order. An empty
// input gives a LatencyStats with every field zero.
LatencyStats ComputeLatencyStats(std::span<const std::int64_t> sorted_ns);

// Formats a duration for people: "850ns", "12.3µs", "4.56ms", "1.20s". Keeps
// three significant digits, which is more than run-to-run noise allows.
std::string FormatDuration(double ns);

}  // namespace dskv::bench

#endif  // BENCHMARKS_LATENCY_STATS_H_
