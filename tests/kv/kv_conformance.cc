#include "tests/kv/kv_conformance.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "dskv/write_batch.h"
#include "tests/status_matchers.h"

namespace dskv_test {

std::string BackendName(
    const ::testing::TestParamInfo<const KvBackend*>& info) {
  return info.param->name;
}

std::string FreshTempDir() {
  static std::atomic<int> next{0};
  const char* base = std::getenv("TEST_TMPDIR");
  std::filesystem::path dir =
      std::filesystem::path(base != nullptr ? base : "/tmp") /
      ("kv-" + std::to_string(getpid()) + "-" + std::to_string(next++));
  std::filesystem::remove_all(dir);
  return dir.string();
}

void KeyValueConformanceTest::SetUp() {
  url_ = GetParam()->fresh_url();
  absl::StatusOr<std::unique_ptr<dskv::KeyValue>> kv = dskv::OpenKeyValue(url_);
  ASSERT_TRUE(IsOk(kv)) << url_;
  kv_ = *std::move(kv);
}

void KeyValueConformanceTest::TearDown() {
  if (kv_ != nullptr) {
    EXPECT_TRUE(IsOk(kv_->Close()));
  }
}

std::unique_ptr<dskv::KeyValue> KeyValueConformanceTest::OpenFresh() {
  absl::StatusOr<std::unique_ptr<dskv::KeyValue>> kv =
      dskv::OpenKeyValue(GetParam()->fresh_url());
  EXPECT_TRUE(IsOk(kv));
  return kv.ok() ? *std::move(kv) : nullptr;
}

namespace {

using ::absl::StatusCode;
using ::dskv::ScanOptions;
using ::dskv::ScanPage;
using ::dskv::WriteBatch;

// Every page of a scan, joined; `pages` counts them.
Pairs ScanAll(dskv::KeyValue& kv, std::string_view collection,
              ScanOptions options, int* pages = nullptr) {
  Pairs all;
  for (int page_count = 1;; ++page_count) {
    absl::StatusOr<ScanPage> page = kv.Scan(collection, options);
    EXPECT_TRUE(IsOk(page));
    if (!page.ok()) return all;
    all.insert(all.end(), page->items.begin(), page->items.end());
    if (page->next.empty()) {
      if (pages != nullptr) *pages = page_count;
      return all;
    }
    (options.reverse ? options.end : options.start) = page->next;
  }
}

TEST_P(KeyValueConformanceTest, PutGetOverwriteDelete) {
  EXPECT_TRUE(HasCode(kv_->Get("artist/daft_punk"), StatusCode::kNotFound));
  ASSERT_TRUE(IsOk(kv_->Put("artist/daft_punk", "epic")));
  EXPECT_TRUE(HasValue(kv_->Get("artist/daft_punk"), "epic"));
  ASSERT_TRUE(IsOk(kv_->Put("artist/daft_punk", "still epic")));
  EXPECT_TRUE(HasValue(kv_->Get("artist/daft_punk"), "still epic"));
  ASSERT_TRUE(IsOk(kv_->Delete("artist/daft_punk")));
  EXPECT_TRUE(HasCode(kv_->Get("artist/daft_punk"), StatusCode::kNotFound));
  EXPECT_TRUE(IsOk(kv_->Delete("artist/daft_punk")));  // Missing: fine.
}

TEST_P(KeyValueConformanceTest, MembersAndValuesAreBytes) {
  std::string every_byte;
  for (int b = 0; b < 256; ++b) every_byte += static_cast<char>(b);
  const std::string member = std::string("a\0/b\xff", 5);
  ASSERT_TRUE(IsOk(kv_->Put("c/" + member, every_byte)));
  ASSERT_TRUE(IsOk(kv_->Put("c/empty", "")));
  ASSERT_TRUE(IsOk(kv_->Put("c/x/y", "slash in the member")));
  EXPECT_TRUE(HasValue(kv_->Get("c/" + member), every_byte));
  EXPECT_TRUE(HasValue(kv_->Get("c/empty"), ""));
  EXPECT_TRUE(HasPairs(
      kv_->GetAll("c"),
      {{member, every_byte}, {"empty", ""}, {"x/y", "slash in the member"}}));
}

TEST_P(KeyValueConformanceTest, MalformedKeysAreRefusedBeforeAnything) {
  for (const std::string key : {"no_slash", "/member", "collection/"}) {
    EXPECT_TRUE(HasCode(kv_->Put(key, "v"), StatusCode::kInvalidArgument))
        << key;
    EXPECT_TRUE(HasCode(kv_->Get(key), StatusCode::kInvalidArgument)) << key;
    EXPECT_TRUE(HasCode(kv_->Delete(key), StatusCode::kInvalidArgument)) << key;
  }
  const std::string long_member(dskv::kMaxMemberSize + 1, 'm');
  EXPECT_TRUE(
      HasCode(kv_->Put("c/" + long_member, "v"), StatusCode::kInvalidArgument));
  for (const std::string collection : {"", "a/b"}) {
    EXPECT_TRUE(HasCode(kv_->GetAll(collection), StatusCode::kInvalidArgument));
    EXPECT_TRUE(
        HasCode(kv_->DeleteAll(collection), StatusCode::kInvalidArgument));
    EXPECT_TRUE(HasCode(kv_->Scan(collection), StatusCode::kInvalidArgument));
  }
  absl::StatusOr<std::vector<std::string>> names = kv_->ListCollections();
  ASSERT_TRUE(IsOk(names));
  EXPECT_TRUE(names->empty());
}

TEST_P(KeyValueConformanceTest, GetAllAndDeleteAllTakeOneCollection) {
  ASSERT_TRUE(IsOk(kv_->Put("fruit/pear", "3")));
  ASSERT_TRUE(IsOk(kv_->Put("fruit/apple", "1")));
  ASSERT_TRUE(IsOk(kv_->Put("fruit/\x80high", "2")));  // After every ASCII.
  ASSERT_TRUE(IsOk(kv_->Put("veg/leek", "4")));
  EXPECT_TRUE(HasPairs(kv_->GetAll("fruit"),
                       {{"apple", "1"}, {"pear", "3"}, {"\x80high", "2"}}));
  EXPECT_TRUE(HasPairs(kv_->GetAll("none"), {}));
  ASSERT_TRUE(IsOk(kv_->DeleteAll("fruit")));
  EXPECT_TRUE(HasPairs(kv_->GetAll("fruit"), {}));
  EXPECT_TRUE(HasCode(kv_->Get("fruit/apple"), StatusCode::kNotFound));
  EXPECT_TRUE(HasValue(kv_->Get("veg/leek"), "4"));
  EXPECT_TRUE(IsOk(kv_->DeleteAll("none")));
}

TEST_P(KeyValueConformanceTest, ScanPagesEveryMemberOnceInOrder) {
  Pairs want;
  for (int i = 0; i < 57; ++i) {
    const std::string member = "m" + std::to_string(1000 + i);
    want.emplace_back(member, "v" + std::to_string(i));
    ASSERT_TRUE(IsOk(kv_->Put("c/" + member, want.back().second)));
  }
  ASSERT_TRUE(IsOk(kv_->Put("other/m1000", "elsewhere")));
  ScanOptions options;
  options.limit = 10;
  int pages = 0;
  EXPECT_EQ(ScanAll(*kv_, "c", options, &pages), want);
  EXPECT_EQ(pages, 6);
  options.reverse = true;
  EXPECT_EQ(ScanAll(*kv_, "c", options), Pairs(want.rbegin(), want.rend()));
  options.limit = 0;
  EXPECT_EQ(ScanAll(*kv_, "c", options, &pages),
            Pairs(want.rbegin(), want.rend()));
  EXPECT_EQ(pages, 1);
}

TEST_P(KeyValueConformanceTest, ScanRangesPrefixesAndMembersOnly) {
  for (const std::string& member : std::vector<std::string>{
           "a", "ab", "abc", "abd", "b", "ba", std::string("\xff\xff", 2)}) {
    ASSERT_TRUE(IsOk(kv_->Put("c/" + member, "v:" + member)));
  }
  const auto members = [&](ScanOptions options) {
    std::vector<std::string> got;
    for (const auto& [member, value] : ScanAll(*kv_, "c", options)) {
      got.push_back(member);
      if (!options.members_only) {
        EXPECT_EQ(value, "v:" + member);
      }
    }
    return got;
  };
  ScanOptions range;
  range.start = "ab";
  range.end = "b";
  EXPECT_EQ(members(range), (std::vector<std::string>{"ab", "abc", "abd"}));
  range.reverse = true;
  EXPECT_EQ(members(range), (std::vector<std::string>{"abd", "abc", "ab"}));
  ScanOptions prefix;
  prefix.prefix = "ab";
  prefix.members_only = true;
  prefix.limit = 1;
  EXPECT_EQ(members(prefix), (std::vector<std::string>{"ab", "abc", "abd"}));
  prefix.prefix = std::string("\xff", 1);
  EXPECT_EQ(members(prefix),
            (std::vector<std::string>{std::string("\xff\xff", 2)}));
  ScanOptions empty;
  empty.start = "b";
  empty.end = "a";
  EXPECT_TRUE(members(empty).empty());
  absl::StatusOr<ScanPage> none = kv_->Scan("missing");
  ASSERT_TRUE(IsOk(none));
  EXPECT_TRUE(none->items.empty());
  EXPECT_TRUE(none->next.empty());
}

TEST_P(KeyValueConformanceTest, BatchesApplyInOrderAllOrNothing) {
  ASSERT_TRUE(IsOk(kv_->Put("c/gone", "x")));
  ASSERT_TRUE(IsOk(kv_->Put("c/old", "1")));
  WriteBatch batch;
  batch.Put("c/k", "1");
  batch.Put("c/k", "2");  // The later put wins.
  batch.Delete("c/gone");
  batch.DeleteAll("c");
  batch.Put("c/after", "3");
  ASSERT_TRUE(IsOk(kv_->Write(batch)));
  EXPECT_TRUE(HasPairs(kv_->GetAll("c"), {{"after", "3"}}));

  WriteBatch invalid;
  invalid.Put("c/fine", "1");
  invalid.Put("no_slash", "2");
  EXPECT_TRUE(HasCodeAndMessage(kv_->Write(invalid),
                                StatusCode::kInvalidArgument,
                                {"WriteBatch operation 1"}));
  EXPECT_TRUE(HasCode(kv_->Get("c/fine"), StatusCode::kNotFound));
  EXPECT_TRUE(IsOk(kv_->Write(WriteBatch())));
}

TEST_P(KeyValueConformanceTest, BatchConditionsDecideTheWholeBatch) {
  ASSERT_TRUE(IsOk(kv_->Put("acct/ada", "10")));
  WriteBatch transfer;
  transfer.Expect("acct/ada", "10");
  transfer.Expect("acct/bob", std::nullopt);
  transfer.Put("acct/ada", "5");
  transfer.Put("acct/bob", "5");
  ASSERT_TRUE(IsOk(kv_->Write(transfer)));
  EXPECT_TRUE(HasPairs(kv_->GetAll("acct"), {{"ada", "5"}, {"bob", "5"}}));
  // Again: ada no longer holds 10, so nothing changes.
  EXPECT_TRUE(HasCodeAndMessage(kv_->Write(transfer), StatusCode::kAborted,
                                {"condition 0", "holds another value"}));
  WriteBatch absent;
  absent.Expect("acct/carl", "1");
  absent.DeleteAll("acct");
  EXPECT_TRUE(HasCodeAndMessage(kv_->Write(absent), StatusCode::kAborted,
                                {"condition 0", "holds no value"}));
  EXPECT_TRUE(HasPairs(kv_->GetAll("acct"), {{"ada", "5"}, {"bob", "5"}}));
}

TEST_P(KeyValueConformanceTest, BatchesAcrossManyCollections) {
  WriteBatch batch;
  for (int i = 0; i < 20; ++i) batch.Put("c" + std::to_string(i) + "/m", "v");
  if (GetParam()->batches_bound_to_one_slot) {
    EXPECT_TRUE(HasCodeAndMessage(
        kv_->Write(batch), StatusCode::kInvalidArgument, {"allow_non_atomic"}));
    EXPECT_TRUE(HasCode(kv_->Get("c0/m"), StatusCode::kNotFound));
    WriteBatch conditional = batch;
    conditional.Expect("c0/m", std::nullopt);
    EXPECT_TRUE(HasCode(kv_->Write(conditional, {.allow_non_atomic = true}),
                        StatusCode::kInvalidArgument));
  }
  ASSERT_TRUE(IsOk(kv_->Write(batch, {.allow_non_atomic = true})));
  for (int i = 0; i < 20; ++i) {
    EXPECT_TRUE(HasValue(kv_->Get("c" + std::to_string(i) + "/m"), "v"));
  }
}

TEST_P(KeyValueConformanceTest, ListCollectionsNamesTheNonEmptyOnes) {
  ASSERT_TRUE(IsOk(kv_->Put("b/1", "x")));
  ASSERT_TRUE(IsOk(kv_->Put("a/1", "x")));
  ASSERT_TRUE(IsOk(kv_->Put("a/2", "x")));
  ASSERT_TRUE(IsOk(kv_->Put("c}:m/1", "x")));  // Looks like Redis's keys.
  ASSERT_TRUE(IsOk(kv_->Put("gone/1", "x")));
  ASSERT_TRUE(IsOk(kv_->Delete("gone/1")));
  absl::StatusOr<std::vector<std::string>> names = kv_->ListCollections();
  ASSERT_TRUE(IsOk(names));
  EXPECT_EQ(*names, (std::vector<std::string>{"a", "b", "c}:m"}));
}

TEST_P(KeyValueConformanceTest, FreshSpacesAreApart) {
  std::unique_ptr<dskv::KeyValue> other = OpenFresh();
  ASSERT_NE(other, nullptr);
  ASSERT_TRUE(IsOk(kv_->Put("c/k", "mine")));
  ASSERT_TRUE(IsOk(other->Put("c/k", "theirs")));
  EXPECT_TRUE(HasValue(kv_->Get("c/k"), "mine"));
  EXPECT_TRUE(HasPairs(other->GetAll("c"), {{"k", "theirs"}}));
  ASSERT_TRUE(IsOk(other->DeleteAll("c")));
  EXPECT_TRUE(HasValue(kv_->Get("c/k"), "mine"));
  EXPECT_TRUE(IsOk(other->Close()));
}

TEST_P(KeyValueConformanceTest, FlushThenCloseThenRefuse) {
  ASSERT_TRUE(IsOk(kv_->Put("c/k", "v")));
  EXPECT_TRUE(IsOk(kv_->Flush()));
  EXPECT_TRUE(IsOk(kv_->Close()));
  EXPECT_TRUE(IsOk(kv_->Close()));
  EXPECT_TRUE(HasCode(kv_->Get("c/k"), StatusCode::kFailedPrecondition));
  EXPECT_TRUE(HasCode(kv_->Put("c/k", "v"), StatusCode::kFailedPrecondition));
  EXPECT_TRUE(HasCode(kv_->Flush(), StatusCode::kFailedPrecondition));
  kv_.reset();
  // What was flushed is there for the next opener of the same URL.
  absl::StatusOr<std::unique_ptr<dskv::KeyValue>> again =
      dskv::OpenKeyValue(url_);
  ASSERT_TRUE(IsOk(again));
  EXPECT_TRUE(HasValue((*again)->Get("c/k"), "v"));
  EXPECT_TRUE(IsOk((*again)->Close()));
}

TEST_P(KeyValueConformanceTest, ThreadsShareOneKeyValue) {
  constexpr int kThreads = 4;
  constexpr int kKeysEach = 100;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kKeysEach; ++i) {
        const std::string key =
            "t" + std::to_string(t) + "/" + std::to_string(i);
        EXPECT_TRUE(IsOk(kv_->Put(key, key)));
        EXPECT_TRUE(HasValue(kv_->Get(key), key));
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) {
    absl::StatusOr<Pairs> all = kv_->GetAll("t" + std::to_string(t));
    ASSERT_TRUE(IsOk(all));
    EXPECT_EQ(all->size(), static_cast<std::size_t>(kKeysEach));
  }
}

}  // namespace
}  // namespace dskv_test
