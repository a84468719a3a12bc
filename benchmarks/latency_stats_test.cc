#include "benchmarks/latency_stats.h"

#include <cstdint>
#include <numeric>
#include <vector>

#include "gtest/gtest.h"

namespace dskv::bench {
namespace {

// Returns {1, 2, ..., n}.
std::vector<std::int64_t> OneTo(std::int64_t n) {
  std::vector<std::int64_t> v(n);
  std::iota(v.begin(), v.end(), 1);
  return v;
}

// The worked examples of the nearest-rank method on Wikipedia's
// "Percentile" page.
TEST(NearestRankPercentileTest, TextbookExamples) {
  const std::vector<std::int64_t> five = {15, 20, 35, 40, 50};
  EXPECT_EQ(NearestRankPercentile(five, 5), 15);
  EXPECT_EQ(NearestRankPercentile(five, 30), 20);
  EXPECT_EQ(NearestRankPercentile(five, 40), 20);
  EXPECT_EQ(NearestRankPercentile(five, 50), 35);
  EXPECT_EQ(NearestRankPercentile(five, 100), 50);

  const std::vector<std::int64_t> ten = {3, 6, 7, 8, 8, 10, 13, 15, 16, 20};
  EXPECT_EQ(NearestRankPercentile(ten, 25), 7);
  EXPECT_EQ(NearestRankPercentile(ten, 50), 8);
  EXPECT_EQ(NearestRankPercentile(ten, 75), 15);
  EXPECT_EQ(NearestRankPercentile(ten, 100), 20);
}

TEST(NearestRankPercentileTest, ZeroAndOutOfRangeClamp) {
  const std::vector<std::int64_t> v = {4, 5, 6};
  EXPECT_EQ(NearestRankPercentile(v, 0), 4);
  EXPECT_EQ(NearestRankPercentile(v, -3), 4);
  EXPECT_EQ(NearestRankPercentile(v, 250), 6);
}

// 99.9 and 99.99 are not exact in binary; a floating-point rank computation
// would round 0.999 * 1000 up to rank 1000.
TEST(NearestRankPercentileTest, FractionalPercentilesAreExact) {
  const std::vector<std::int64_t> thousand = OneTo(1000);
  EXPECT_EQ(NearestRankPercentile(thousand, 99.9), 999);
  EXPECT_EQ(NearestRankPercentile(thousand, 99.99), 1000);

  const std::vector<std::int64_t> ten_thousand = OneTo(10'000);
  EXPECT_EQ(NearestRankPercentile(ten_thousand, 99.9), 9990);
  EXPECT_EQ(NearestRankPercentile(ten_thousand, 99.99), 9999);
  EXPECT_EQ(NearestRankPercentile(ten_thousand, 99.999), 10'000);
}

TEST(ComputeLatencyStatsTest, OneToHundred) {
  const LatencyStats stats = ComputeLatencyStats(OneTo(100));
  EXPECT_EQ(stats.count, 100);
  EXPECT_EQ(stats.min_ns, 1);
  EXPECT_DOUBLE_EQ(stats.avg_ns, 50.5);
  EXPECT_EQ(stats.p50_ns, 50);
  EXPECT_EQ(stats.p75_ns, 75);
  EXPECT_EQ(stats.p90_ns, 90);
  EXPECT_EQ(stats.p99_ns, 99);
  EXPECT_EQ(stats.p999_ns, 100);
  EXPECT_EQ(stats.p9999_ns, 100);
  EXPECT_EQ(stats.max_ns, 100);
}

TEST(ComputeLatencyStatsTest, SingleSampleIsEveryStatistic) {
  const std::vector<std::int64_t> one = {1234};
  const LatencyStats stats = ComputeLatencyStats(one);
  EXPECT_EQ(stats.count, 1);
  EXPECT_EQ(stats.min_ns, 1234);
  EXPECT_DOUBLE_EQ(stats.avg_ns, 1234);
  EXPECT_EQ(stats.p50_ns, 1234);
  EXPECT_EQ(stats.p9999_ns, 1234);
  EXPECT_EQ(stats.max_ns, 1234);
}

TEST(ComputeLatencyStatsTest, EmptyIsAllZero) {
  const LatencyStats stats = ComputeLatencyStats({});
  EXPECT_EQ(stats.count, 0);
  EXPECT_EQ(stats.min_ns, 0);
  EXPECT_DOUBLE_EQ(stats.avg_ns, 0);
  EXPECT_EQ(stats.p50_ns, 0);
  EXPECT_EQ(stats.max_ns, 0);
}

TEST(FormatDurationTest, PicksUnitAndThreeSignificantDigits) {
  EXPECT_EQ(FormatDuration(0), "0ns");
  EXPECT_EQ(FormatDuration(850.4), "850ns");
  EXPECT_EQ(FormatDuration(1234), "1.23µs");
  EXPECT_EQ(FormatDuration(12'345), "12.3µs");
  EXPECT_EQ(FormatDuration(123'456), "123µs");
  EXPECT_EQ(FormatDuration(4'560'000), "4.56ms");
  EXPECT_EQ(FormatDuration(1.2e9), "1.20s");
  EXPECT_EQ(FormatDuration(1234e9), "1234s");
}

TEST(FormatDurationTest, RoundingMovesToTheNextUnit) {
  EXPECT_EQ(FormatDuration(999.7), "1.00µs");
  EXPECT_EQ(FormatDuration(999'700), "1.00ms");
  EXPECT_EQ(FormatDuration(9'996), "10.0µs");
  EXPECT_EQ(FormatDuration(99'960), "100µs");
}

}  // namespace
}  // namespace dskv::bench
