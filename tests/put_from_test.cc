// Store::PutFrom: the value is written by the caller's fill straight into
// the store's memory; a failing fill, a bad key, an oversized value or a
// read-only store leave the store unchanged (and the last three never call
// fill); the key keeps its old value while fill runs; values of every size
// class persist.

#include <cstring>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
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

// A fill that copies `value` and counts its calls.
struct CopyingFill {
  std::string value;
  int calls = 0;

  absl::Status operator()(absl::Span<char> out) {
    ++calls;
    EXPECT_EQ(out.size(), value.size());
    if (!value.empty()) std::memcpy(out.data(), value.data(), value.size());
    return absl::OkStatus();
  }
};

// A value whose every byte differs from its neighbours', so that a byte
// written to the wrong place shows.
std::string Pattern(std::size_t size) {
  std::string value(size, '\0');
  for (std::size_t i = 0; i < size; ++i) {
    value[i] = static_cast<char>((i * 131 + i / 251) & 0xff);
  }
  return value;
}

// Whether a PutFrom succeeded and said the key was new (`created`) or not.
::testing::AssertionResult Created(const absl::StatusOr<bool>& result,
                                   bool created) {
  if (!result.ok()) {
    return ::testing::AssertionFailure() << result.status();
  }
  if (*result != created) {
    return ::testing::AssertionFailure()
           << "PutFrom said the key was " << (*result ? "new" : "not new");
  }
  return ::testing::AssertionSuccess();
}

using PutFromTest = OpenStoreTest;

TEST_F(PutFromTest, ValuesOfEverySizeAreStoredAndPersisted) {
  // Empty, short-header, long-header, slab-sized and malloc-sized Records.
  const std::size_t sizes[] = {0, 1, 253, 254, 4096, 70000, 3 << 20};
  for (const std::size_t size : sizes) {
    CopyingFill fill{Pattern(size)};
    const std::string key = "blobs/" + std::to_string(size);
    EXPECT_TRUE(Created(store_->PutFrom(key, size, std::ref(fill)), true))
        << "the key was new";
    EXPECT_EQ(fill.calls, 1);
    EXPECT_TRUE(HasValue(store_->Get(key), fill.value)) << size;
  }
  Open(Options());
  for (const std::size_t size : sizes) {
    EXPECT_TRUE(
        HasValue(store_->Get("blobs/" + std::to_string(size)), Pattern(size)))
        << size;
  }
}

TEST_F(PutFromTest, ReplacesAnEarlierValue) {
  ASSERT_TRUE(IsOk(store_->Put("k/x", "old value")));
  CopyingFill fill{"new"};
  EXPECT_TRUE(Created(store_->PutFrom("k/x", 3, std::ref(fill)), false))
      << "the key held a value";
  EXPECT_TRUE(HasValue(store_->Get("k/x"), "new"));
  // Deleted, the key is new again, also while the janitor has yet to write
  // the deletion.
  ASSERT_TRUE(IsOk(store_->Delete("k/x")));
  EXPECT_TRUE(Created(store_->PutFrom("k/x", 3, std::ref(fill)), true));
}

TEST_F(PutFromTest, AFailingFillLeavesTheStoreUnchanged) {
  ASSERT_TRUE(IsOk(store_->Put("k/x", "old")));
  const absl::Status failed =
      store_
          ->PutFrom("k/x", 100,
                    [](absl::Span<char> out) {
                      std::memset(out.data(), 'z', out.size() / 2);  // Part.
                      return absl::DataLossError("the upload was cut off");
                    })
          .status();
  EXPECT_EQ(failed, absl::DataLossError("the upload was cut off"));
  EXPECT_TRUE(HasValue(store_->Get("k/x"), "old"));
  EXPECT_TRUE(HasCode(store_->PutFrom("k/new", 10,
                                      [](absl::Span<char>) {
                                        return absl::CancelledError(
                                            "client went away");
                                      }),
                      absl::StatusCode::kCancelled));
  EXPECT_TRUE(HasCode(store_->Get("k/new"), absl::StatusCode::kNotFound));
  // Nothing of either reaches the files.
  Open(Options());
  EXPECT_TRUE(HasValue(store_->Get("k/x"), "old"));
  EXPECT_TRUE(HasCode(store_->Get("k/new"), absl::StatusCode::kNotFound));
}

TEST_F(PutFromTest, BadKeysSizesAndStatesNeverCallFill) {
  CopyingFill fill{"v"};
  EXPECT_TRUE(HasCode(store_->PutFrom("no-slash", 1, std::ref(fill)),
                      absl::StatusCode::kInvalidArgument));
  EXPECT_TRUE(HasCode(store_->PutFrom("c/", 1, std::ref(fill)),
                      absl::StatusCode::kInvalidArgument));

  Options small;
  small.max_value_size = 16;
  Open(small);
  const absl::Status too_large =
      store_->PutFrom("c/k", 17, std::ref(fill)).status();
  EXPECT_TRUE(HasCode(too_large, absl::StatusCode::kInvalidArgument))
      << too_large;
  EXPECT_NE(too_large.message().find("max_value_size"), absl::string_view::npos)
      << too_large;

  Options read_only;
  read_only.read_only = true;
  Open(read_only);
  EXPECT_TRUE(HasCode(store_->PutFrom("c/k", 1, std::ref(fill)),
                      absl::StatusCode::kFailedPrecondition));

  Open(Options());
  ASSERT_TRUE(IsOk(store_->Close()));
  EXPECT_TRUE(HasCode(store_->PutFrom("c/k", 1, std::ref(fill)),
                      absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(fill.calls, 0);
}

TEST_F(PutFromTest, TheKeyKeepsItsOldValueWhileFillRuns) {
  ASSERT_TRUE(IsOk(store_->Put("k/x", "old")));
  std::promise<void> filling;
  std::promise<void> may_finish;
  std::thread writer([&] {
    EXPECT_TRUE(IsOk(store_->PutFrom("k/x", 3, [&](absl::Span<char> out) {
      filling.set_value();
      may_finish.get_future().wait();
      std::memcpy(out.data(), "new", 3);
      return absl::OkStatus();
    })));
  });
  filling.get_future().wait();
  // fill holds no lock: other calls, on the same key too, go on.
  EXPECT_TRUE(HasValue(store_->Get("k/x"), "old"));
  EXPECT_TRUE(IsOk(store_->Put("k/y", "other")));
  may_finish.set_value();
  writer.join();
  EXPECT_TRUE(HasValue(store_->Get("k/x"), "new"));
}

TEST_F(PutFromTest, SyncModeReturnsOnceDurable) {
  Options sync;
  sync.durability = Durability::kSync;
  Open(sync);
  CopyingFill fill{Pattern(100000)};
  ASSERT_TRUE(IsOk(store_->PutFrom("k/big", 100000, std::ref(fill))));
  absl::StatusOr<Stats> stats = store_->GetStats();
  ASSERT_TRUE(IsOk(stats));
  EXPECT_EQ(stats->dirty_keys, 0u);
}

}  // namespace
}  // namespace dskv
