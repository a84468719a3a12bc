#include "benchmarks/latency_stats.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <numeric>
#include <span>
#include <string>

#include "fmt/format.h"

namespace dskv::bench {

namespace {

constexpr std::uint64_t kMillion = 1'000'000;

// Returns ceil(n * ppm / kMillion) without overflow for any n: n is split
// into whole millions, which divide exactly, and a remainder below a million,
// whose product with ppm fits easily.
std::uint64_t CeilFraction(std::uint64_t n, std::uint64_t ppm) {
  const std::uint64_t whole = n / kMillion * ppm;
  const std::uint64_t rest = n % kMillion * ppm;
  return whole + (rest + kMillion - 1) / kMillion;
}

}  // namespace

std::int64_t NearestRankPercentile(std::span<const std::int64_t> sorted_ns,
                                   double percentile) {
  // Percentiles like 99.9 have no exact binary representation, so
  // 0.999 * 1000 may come out as 999.0000000001 and round up to the wrong
  // rank. Working in integer parts per million avoids that.
  const auto ppm = static_cast<std::uint64_t>(
      std::clamp(percentile, 0.0, 100.0) * 10'000 + 0.5);
  const std::uint64_t rank =
      std::max<std::uint64_t>(1, CeilFraction(sorted_ns.size(), ppm));
  return sorted_ns[rank - 1];
}

LatencyStats ComputeLatencyStats(std::span<const std::int64_t> sorted_ns) {
  LatencyStats stats;
  if (sorted_ns.empty()) return stats;
  stats.count = sorted_ns.size();
  stats.min_ns = sorted_ns.front();
  stats.max_ns = sorted_ns.back();
  const std::int64_t total_ns =
      std::accumulate(sorted_ns.begin(), sorted_ns.end(), std::int64_t{0});
  stats.avg_ns = static_cast<double>(total_ns) / sorted_ns.size();
  stats.p50_ns = NearestRankPercentile(sorted_ns, 50);
  stats.p75_ns = NearestRankPercentile(sorted_ns, 75);
  stats.p90_ns = NearestRankPercentile(sorted_ns, 90);
  stats.p99_ns = NearestRankPercentile(sorted_ns, 99);
  stats.p999_ns = NearestRankPercentile(sorted_ns, 99.9);
  stats.p9999_ns = NearestRankPercentile(sorted_ns, 99.99);
  return stats;
}

std::string FormatDuration(double ns) {
  struct Unit {
    const char* suffix;
    double ns;
  };
  static constexpr Unit kUnits[] = {
      {"ns", 1}, {"µs", 1e3}, {"ms", 1e6}, {"s", 1e9}};
  // Nanoseconds are the resolution of the clock, so they get no decimals.
  if (ns < 999.5) return fmt::format("{:.0f}ns", ns);
  // Move up a unit while the number would print as 1000 or more. Comparing
  // with the rounding points rather than 1000 (and 10, 100 for the decimals)
  // makes 999.7µs print as "1.00ms", not "1000µs".
  std::size_t unit = 1;
  while (unit + 1 < std::size(kUnits) && ns / kUnits[unit].ns >= 999.5) {
    ++unit;
  }
  const double value = ns / kUnits[unit].ns;
  const int decimals = value < 9.995 ? 2 : value < 99.95 ? 1 : 0;
  return fmt::format("{:.{}f}{}", value, decimals, kUnits[unit].suffix);
}

}  // namespace dskv::bench
