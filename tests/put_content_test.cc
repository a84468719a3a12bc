// Store::PutContent: the member is the value's XXH3-128 digest, a second
// put of the same bytes writes nothing, and the errors of a bad collection,
// an oversized value, a read-only or closed store.

#include <xxhash.h>

#include <cstdio>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "dskv/store.h"
#include "gtest/gtest.h"
#include "tests/open_store_test.h"
#include "tests/status_matchers.h"

namespace dskv {
namespace {

using ::dskv_test::HasCode;
using ::dskv_test::HasValue;
using ::dskv_test::IsOk;
using ::dskv_test::OpenStoreTest;

// Computed here independently of the store's own helper.
std::string Digest(std::string_view bytes) {
  const XXH128_hash_t h = XXH3_128bits(bytes.data(), bytes.size());
  char hex[33];
  std::snprintf(hex, sizeof hex, "%016llx%016llx",
                static_cast<unsigned long long>(h.high64),
                static_cast<unsigned long long>(h.low64));
  return hex;
}

class PutContentTest : public OpenStoreTest {
 protected:
  std::uint64_t BytesWritten() {
    absl::StatusOr<Stats> stats = store_->GetStats();
    EXPECT_TRUE(IsOk(stats));
    return stats.ok() ? stats->bytes_written : 0;
  }
};

TEST_F(PutContentTest, TheMemberIsTheDigestOfTheValue) {
  for (const std::string& value :
       {std::string(), std::string("hello"), std::string(5000, 'x'),
        std::string("a\0b", 3)}) {
    absl::StatusOr<std::string> member = store_->PutContent("blobs", value);
    ASSERT_TRUE(IsOk(member));
    EXPECT_EQ(*member, Digest(value));
    EXPECT_EQ(member->size(), 32u);
    EXPECT_TRUE(HasValue(store_->Get("blobs/" + *member), value));
  }
}

TEST_F(PutContentTest, PuttingTheSameBytesAgainWritesNothing) {
  const std::string value(300, 'v');
  absl::StatusOr<std::string> first = store_->PutContent("blobs", value);
  ASSERT_TRUE(IsOk(first));
  ASSERT_TRUE(IsOk(store_->Flush()));
  const std::uint64_t written = BytesWritten();
  ASSERT_GT(written, 0u);
  for (int i = 0; i < 10; ++i) {
    absl::StatusOr<std::string> again = store_->PutContent("blobs", value);
    ASSERT_TRUE(IsOk(again));
    EXPECT_EQ(*again, *first);
  }
  ASSERT_TRUE(IsOk(store_->Flush()));
  EXPECT_EQ(BytesWritten(), written);
  // A Put of the same bytes, by contrast, is a write.
  ASSERT_TRUE(IsOk(store_->Put("blobs/" + *first, value)));
  ASSERT_TRUE(IsOk(store_->Flush()));
  EXPECT_GT(BytesWritten(), written);
}

TEST_F(PutContentTest, OtherBytesAtTheMemberAreReplacedAndEverythingSurvives) {
  const std::string value = "content";
  const std::string member = Digest(value);
  ASSERT_TRUE(IsOk(store_->Put("blobs/" + member, "not the content")));
  absl::StatusOr<std::string> put = store_->PutContent("blobs", value);
  ASSERT_TRUE(IsOk(put));
  EXPECT_EQ(*put, member);
  EXPECT_TRUE(HasValue(store_->Get("blobs/" + member), value));
  ASSERT_TRUE(IsOk(store_->Close()));
  Open(Options());
  EXPECT_TRUE(HasValue(store_->Get("blobs/" + member), value));
}

TEST_F(PutContentTest, Errors) {
  EXPECT_TRUE(
      HasCode(store_->PutContent("", "v"), absl::StatusCode::kInvalidArgument));
  EXPECT_TRUE(HasCode(store_->PutContent("a/b", "v"),
                      absl::StatusCode::kInvalidArgument));
  Options small;
  small.max_value_size = 4;
  Open(small);
  EXPECT_TRUE(HasCode(store_->PutContent("blobs", "12345"),
                      absl::StatusCode::kInvalidArgument));
  ASSERT_TRUE(IsOk(store_->PutContent("blobs", "1234")));
  ASSERT_TRUE(IsOk(store_->Close()));
  EXPECT_TRUE(HasCode(store_->PutContent("blobs", "v"),
                      absl::StatusCode::kFailedPrecondition));
  Options read_only;
  read_only.read_only = true;
  Open(read_only);
  EXPECT_TRUE(HasCode(store_->PutContent("blobs", "1234"),
                      absl::StatusCode::kFailedPrecondition));
}

TEST_F(PutContentTest, SyncModeReturnsOnceDurable) {
  Options sync;
  sync.durability = Durability::kSync;
  Open(sync);
  absl::StatusOr<std::string> member = store_->PutContent("blobs", "durable");
  ASSERT_TRUE(IsOk(member));
  absl::StatusOr<Stats> stats = store_->GetStats();
  ASSERT_TRUE(IsOk(stats));
  EXPECT_EQ(stats->dirty_bytes, 0u);
}

}  // namespace
}  // namespace dskv
