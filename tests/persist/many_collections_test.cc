// A store of many more collections than the process may open files: every
// collection has a file, but the janitor must never need a descriptor per
// collection at once.

#include <sys/resource.h>

#include <string>

#include "absl/status/status.h"
#include "dskv/store.h"
#include "gtest/gtest.h"
#include "tests/persist/persist_test_util.h"
#include "tests/status_matchers.h"

namespace dskv {
namespace {

using ::dskv_test::Holds;
using ::dskv_test::IsOk;
using ::dskv_test::StoreTest;

// Well under the collections below, and above the janitor's batch of files.
constexpr rlim_t kDescriptorLimit = 512;
constexpr int kCollections = 1200;

class ManyCollectionsTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &saved_), 0);
    rlimit lowered = saved_;
    lowered.rlim_cur = std::min(saved_.rlim_cur, kDescriptorLimit);
    ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &lowered), 0);
  }

  void TearDown() override {
    if (store_ != nullptr) {
      EXPECT_TRUE(IsOk(store_->Close()));
    }
    store_.reset();
    EXPECT_EQ(::setrlimit(RLIMIT_NOFILE, &saved_), 0);
    StoreTest::TearDown();
  }

  // Puts one key into each of `collections` collections, then flushes.
  absl::Status PutEverywhere(int collections, const std::string& value) {
    for (int c = 0; c < collections; ++c) {
      const std::string key = "c" + std::to_string(c) + "/k";
      if (absl::Status s = Put(key, value); !s.ok()) return s;
    }
    return store_->Flush();
  }

  rlimit saved_{};
};

TEST_F(ManyCollectionsTest, NewCollectionsAppendsAndCompactionAllSucceed) {
  Options options;
  options.flush_interval = std::chrono::hours(1);  // One pass per Flush.
  ASSERT_TRUE(Open(options));

  // New files for every collection in one pass, then appends to all.
  ASSERT_TRUE(IsOk(PutEverywhere(kCollections, "first")));
  ASSERT_TRUE(IsOk(PutEverywhere(kCollections, "second")));
  ASSERT_TRUE(IsOk(store_->Compact()));
  EXPECT_EQ(GetStats().failed_janitor_passes, 0);

  ASSERT_TRUE(Reopen());
  EXPECT_TRUE(Holds(*store_, model_));
}

// Each put is a pass of its own, appending to one file: the files must not
// all stay open.
TEST_F(ManyCollectionsTest, SyncModeWritesEachCollection) {
  constexpr int kSyncCollections = kDescriptorLimit + 100;  // A sync each.
  Options options;
  options.durability = Durability::kSync;
  ASSERT_TRUE(Open(options));

  ASSERT_TRUE(IsOk(PutEverywhere(kSyncCollections, "first")));
  ASSERT_TRUE(IsOk(PutEverywhere(kSyncCollections, "second")));

  ASSERT_TRUE(Reopen());
  EXPECT_TRUE(Holds(*store_, model_));
}

}  // namespace
}  // namespace dskv
