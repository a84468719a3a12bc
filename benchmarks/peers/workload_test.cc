#include "benchmarks/peers/workload.h"

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "gtest/gtest.h"

namespace dskv::peers {
namespace {

TEST(WorkloadTest, KeysHaveTheirFormat) {
  EXPECT_EQ(BenchKey(42), "bench/key-000042");
  char buffer[kSpreadKeySize];
  EXPECT_EQ(SpreadKey(123456789, buffer), "c89/000123456789");
  EXPECT_EQ(SpreadKey(0, buffer), "c00/000000000000");
}

TEST(WorkloadTest, PermutationVisitsEveryIndexOnce) {
  for (const std::uint64_t n : {1, 2, 10, 1000, 1024}) {
    const Permutation order(n);
    std::set<std::uint64_t> seen;
    for (std::uint64_t i = 0; i < n; ++i) seen.insert(order.At(i));
    EXPECT_EQ(seen.size(), n);
    EXPECT_LT(*seen.rbegin(), n);
  }
}

TEST(WorkloadTest, ValuesDifferByKeyAndVersionAndRepeat) {
  const ValuePool pool(100);
  EXPECT_EQ(pool.Value(7, 0, 100).size(), 100u);
  EXPECT_EQ(pool.Value(7, 0, 100), pool.Value(7, 0, 100));
  EXPECT_NE(pool.Value(7, 0, 100), pool.Value(7, 1, 100));
  EXPECT_NE(pool.Value(7, 0, 100), pool.Value(8, 0, 100));
}

TEST(WorkloadTest, ZipfianFavoursFewKeys) {
  constexpr std::uint64_t kKeys = 10000;
  const Zipfian zipfian(kKeys, 0.99);
  Random random(1);
  std::vector<int> counts(kKeys);
  constexpr int kDraws = 100000;
  for (int i = 0; i < kDraws; ++i) {
    const std::uint64_t key = zipfian.Next(&random);
    ASSERT_LT(key, kKeys);
    ++counts[key];
  }
  // With theta 0.99 over 10^4 keys the most popular key takes about 10% of
  // the draws; uniform would give 0.01%.
  const int top = *std::max_element(counts.begin(), counts.end());
  EXPECT_GT(top, kDraws / 20);
}

TEST(WorkloadTest, CheckValueNamesTheFirstDifference) {
  EXPECT_TRUE(CheckValue("k", "abc", "abc").ok());
  const absl::Status status = CheckValue("k", "abd", "abc");
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(std::string(status.message()).find("byte 2"), std::string::npos);
}

}  // namespace
}  // namespace dskv::peers
