// The KeyValue conformance tests on the embedded store (dskv:///dir), and
// what only its URLs take.

#include "dskv/kv.h"
#include "gtest/gtest.h"
#include "tests/kv/kv_conformance.h"
#include "tests/status_matchers.h"

namespace dskv_test {
namespace {

const KvBackend kEmbedded{
    .name = "Embedded",
    .fresh_url = [] { return "dskv://" + FreshTempDir(); },
};

INSTANTIATE_TEST_SUITE_P(Embedded, KeyValueConformanceTest,
                         ::testing::Values(&kEmbedded), BackendName);

TEST(StoreKeyValueTest, UrlParametersChooseOptions) {
  const std::string dir = FreshTempDir();
  absl::StatusOr<std::unique_ptr<dskv::KeyValue>> sync =
      dskv::OpenKeyValue("dskv://" + dir + "?durability=sync");
  ASSERT_TRUE(IsOk(sync));
  ASSERT_TRUE(IsOk((*sync)->Put("c/k", "v")));
  ASSERT_TRUE(IsOk((*sync)->Close()));
  absl::StatusOr<std::unique_ptr<dskv::KeyValue>> reader =
      dskv::OpenKeyValue("dskv://" + dir + "?read_only=true");
  ASSERT_TRUE(IsOk(reader));
  EXPECT_TRUE(HasValue((*reader)->Get("c/k"), "v"));
  EXPECT_TRUE(HasCode((*reader)->Put("c/k", "w"),
                      absl::StatusCode::kFailedPrecondition));
  for (const std::string bad :
       {"?durability=often", "?read_only=maybe", "?sync=true"}) {
    EXPECT_TRUE(HasCode(dskv::OpenKeyValue("dskv://" + dir + bad),
                        absl::StatusCode::kInvalidArgument))
        << bad;
  }
}

}  // namespace
}  // namespace dskv_test
