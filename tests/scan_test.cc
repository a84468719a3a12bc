// Tests of Store::Scan and ScanShared: every option and their combinations,
// paging, binary members, what a scanned collection sees after writes and
// after reopening, a randomized comparison with std::map, and paging while
// other threads write.

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "dskv/store.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"
#include "tests/temp_dir.h"

namespace dskv {
namespace {

using ::dskv_test::Describe;
using ::dskv_test::HasCode;
using ::dskv_test::IsOk;
using ::dskv_test::Pairs;
using ::dskv_test::TempDirTest;
using ::std::string_literals::operator""s;

// What Scan must return for `options` over a collection holding `model`.
ScanPage ModelScan(const std::map<std::string, std::string>& model,
                   const ScanOptions& options) {
  Pairs selected;
  for (const auto& [member, value] : model) {
    if (member < options.start) continue;
    if (!options.end.empty() && member >= options.end) continue;
    if (member.compare(0, options.prefix.size(), options.prefix) != 0) {
      continue;
    }
    selected.emplace_back(member, options.members_only ? "" : value);
  }
  if (options.reverse) std::reverse(selected.begin(), selected.end());
  ScanPage page;
  if (options.limit != 0 && selected.size() > options.limit) {
    page.next = options.reverse ? selected[options.limit - 1].first
                                : selected[options.limit].first;
    selected.resize(options.limit);
  }
  page.items = std::move(selected);
  return page;
}

std::string DescribeOptions(const ScanOptions& o) {
  return "start=" + Describe(Pairs{{o.start, ""}}) +
         " end=" + Describe(Pairs{{o.end, ""}}) +
         " prefix=" + Describe(Pairs{{o.prefix, ""}}) +
         " limit=" + std::to_string(o.limit) + (o.reverse ? " reverse" : "") +
         (o.members_only ? " members_only" : "");
}

::testing::AssertionResult PageIs(const absl::StatusOr<ScanPage>& got,
                                  const ScanPage& want) {
  if (!got.ok()) {
    return ::testing::AssertionFailure() << "status " << got.status();
  }
  if (got->items != want.items || got->next != want.next) {
    return ::testing::AssertionFailure()
           << "got " << Describe(got->items) << " next "
           << Describe(Pairs{{got->next, ""}}) << "\nwant "
           << Describe(want.items) << " next "
           << Describe(Pairs{{want.next, ""}});
  }
  return ::testing::AssertionSuccess();
}

class ScanTest : public TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    if (HasFatalFailure()) return;
    Reopen();
  }

  void Reopen() {
    store_.reset();
    absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(dir());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
  }

  void PutAll(std::string_view collection,
              const std::map<std::string, std::string>& members) {
    for (const auto& [member, value] : members) {
      ASSERT_TRUE(
          IsOk(store_->Put(std::string(collection) + "/" + member, value)));
    }
  }

  // Checks Scan against ModelScan for every combination of `bounds` as
  // start, end and prefix, with several limits, both directions, and with
  // and without values.
  void CheckAllOptions(std::string_view collection,
                       const std::map<std::string, std::string>& model,
                       const std::vector<std::string>& bounds) {
    for (const std::string& start : bounds) {
      for (const std::string& end : bounds) {
        for (const std::string& prefix : bounds) {
          for (std::size_t limit : {0, 1, 2, 5}) {
            for (bool reverse : {false, true}) {
              for (bool members_only : {false, true}) {
                ScanOptions o{start, end, prefix, limit, reverse, members_only};
                ASSERT_TRUE(
                    PageIs(store_->Scan(collection, o), ModelScan(model, o)))
                    << DescribeOptions(o);
              }
            }
          }
        }
      }
    }
  }

  std::unique_ptr<Store> store_;
};

TEST_F(ScanTest, MissingCollectionGivesEmptyPage) {
  absl::StatusOr<ScanPage> page = store_->Scan("nothing");
  ASSERT_TRUE(IsOk(page));
  EXPECT_TRUE(page->items.empty());
  EXPECT_TRUE(page->next.empty());
  ScanOptions o;
  o.limit = 3;
  o.reverse = true;
  page = store_->Scan("nothing", o);
  ASSERT_TRUE(IsOk(page.status()));
  EXPECT_TRUE(page->items.empty());
  EXPECT_TRUE(page->next.empty());
}

TEST_F(ScanTest, OneMember) {
  PutAll("c", {{"only", "v"}});
  CheckAllOptions("c", {{"only", "v"}}, {"", "a", "o", "only", "only\0"s, "z"});
}

TEST_F(ScanTest, EveryOptionOverBinaryMembers) {
  const std::map<std::string, std::string> model = {
      {"\x00"s, "zero"},
      {"\x00\x00"s, "zero zero"},
      {"\x00\xff"s, "0 ff"},
      {"a", "1"},
      {"ab", "2"},
      {"abc", "3"},
      {"abd", "4"},
      {"b", ""},
      {"b\x00"s, "b0"},
      {"\x7f", "7f"},
      {"\x80", "80"},
      {"\xff", "ff"},
      {"\xff\x00"s, "ff 00"},
      {"\xff\xff", "ff ff"},
      {"\xff\xff\xff", "ff ff ff"}};
  PutAll("c", model);
  CheckAllOptions("c", model,
                  {"", "\x00"s, "a", "ab", "abc", "b", "\x80", "\xff",
                   "\xff\xff", "\xff\xff\xff\xff"});
}

TEST_F(ScanTest, StartAtOrAfterEndSelectsNothing) {
  PutAll("c", {{"a", "1"}, {"b", "2"}, {"c", "3"}});
  for (bool reverse : {false, true}) {
    ScanOptions o;
    o.start = "b";
    o.end = "b";
    o.reverse = reverse;
    EXPECT_TRUE(PageIs(store_->Scan("c", o), ScanPage()));
    o.start = "c";
    o.end = "a";
    EXPECT_TRUE(PageIs(store_->Scan("c", o), ScanPage()));
  }
}

TEST_F(ScanTest, PagesJoinUpForwardAndReverse) {
  std::map<std::string, std::string> model;
  for (int i = 0; i < 257; ++i) {
    model["m" + std::to_string(i)] = std::string(i % 7, 'x');
  }
  PutAll("c", model);
  for (bool reverse : {false, true}) {
    for (std::size_t limit : {1, 10, 256, 257, 1000}) {
      ScanOptions o;
      o.limit = limit;
      o.reverse = reverse;
      Pairs walked;
      int pages = 0;
      while (true) {
        absl::StatusOr<ScanPage> page = store_->Scan("c", o);
        ASSERT_TRUE(IsOk(page.status()));
        ASSERT_LE(page->items.size(), limit);
        walked.insert(walked.end(), page->items.begin(), page->items.end());
        ++pages;
        if (page->next.empty()) break;
        ASSERT_LE(pages, 300);
        (reverse ? o.end : o.start) = page->next;
      }
      Pairs want(model.begin(), model.end());
      if (reverse) std::reverse(want.begin(), want.end());
      EXPECT_EQ(walked, want) << "limit " << limit;
      EXPECT_EQ(pages, (model.size() + limit - 1) / limit);
    }
  }
}

TEST_F(ScanTest, ForwardNextIsFirstMemberNotReturned) {
  PutAll("c", {{"a", "1"}, {"b", "2"}, {"c", "3"}});
  ScanOptions o;
  o.limit = 2;
  absl::StatusOr<ScanPage> page = store_->Scan("c", o);
  ASSERT_TRUE(IsOk(page.status()));
  EXPECT_EQ(page->next, "c");
  o.reverse = true;
  page = store_->Scan("c", o);
  ASSERT_TRUE(IsOk(page.status()));
  EXPECT_EQ(page->next, "b");  // The last returned; end is exclusive.
  o.limit = 3;
  page = store_->Scan("c", o);
  ASSERT_TRUE(IsOk(page.status()));
  EXPECT_EQ(page->next, "");  // Nothing left.
}

TEST_F(ScanTest, PrefixOfFfBytes) {
  const std::map<std::string, std::string> model = {{"\xfe", "1"},
                                                    {"\xff", "2"},
                                                    {"\xff\xff", "3"},
                                                    {"\xff\xff\x00"s, "4"},
                                                    {"\xff\xff\xff", "5"}};
  PutAll("c", model);
  ScanOptions o;
  o.prefix = "\xff\xff";
  EXPECT_TRUE(PageIs(store_->Scan("c", o), ModelScan(model, o)));
  o.reverse = true;
  o.limit = 2;
  EXPECT_TRUE(PageIs(store_->Scan("c", o), ModelScan(model, o)));
}

TEST_F(ScanTest, CollectionsAreSeparate) {
  PutAll("a", {{"x", "1"}});
  PutAll("ab", {{"y", "2"}});
  PutAll("b", {{"z", "3"}});
  EXPECT_TRUE(PageIs(store_->Scan("a"), ScanPage{{{"x", "1"}}, ""}));
  EXPECT_TRUE(PageIs(store_->Scan("ab"), ScanPage{{{"y", "2"}}, ""}));
}

TEST_F(ScanTest, SeesWritesAfterEarlierScans) {
  std::map<std::string, std::string> model = {{"a", "1"}, {"b", "2"}};
  PutAll("c", model);
  CheckAllOptions("c", model, {"", "b"});
  // New members, overwrites (same size and not), deletes.
  ASSERT_TRUE(IsOk(store_->Put("c/c", "3")));
  ASSERT_TRUE(IsOk(store_->Put("c/a", "9")));
  ASSERT_TRUE(IsOk(store_->Put("c/b", "longer value")));
  model = {{"a", "9"}, {"b", "longer value"}, {"c", "3"}};
  CheckAllOptions("c", model, {"", "b"});
  ASSERT_TRUE(IsOk(store_->Delete("c/a")));
  model.erase("a");
  CheckAllOptions("c", model, {"", "b"});
  // Flush lets the janitor drop the tombstone; the member comes back.
  ASSERT_TRUE(IsOk(store_->Flush()));
  ASSERT_TRUE(IsOk(store_->Put("c/a", "back")));
  model["a"] = "back";
  CheckAllOptions("c", model, {"", "b"});
  ASSERT_TRUE(IsOk(store_->DeleteAll("c")));
  EXPECT_TRUE(PageIs(store_->Scan("c"), ScanPage()));
  ASSERT_TRUE(IsOk(store_->Put("c/z", "after")));
  EXPECT_TRUE(PageIs(store_->Scan("c"), ScanPage{{{"z", "after"}}, ""}));
  // Emptied by deletes, drained, then refilled.
  ASSERT_TRUE(IsOk(store_->Delete("c/z")));
  EXPECT_TRUE(PageIs(store_->Scan("c"), ScanPage()));
  ASSERT_TRUE(IsOk(store_->Flush()));
  EXPECT_TRUE(PageIs(store_->Scan("c"), ScanPage()));
  ASSERT_TRUE(IsOk(store_->Put("c/y", "again")));
  EXPECT_TRUE(PageIs(store_->Scan("c"), ScanPage{{{"y", "again"}}, ""}));
}

TEST_F(ScanTest, AfterReopen) {
  std::map<std::string, std::string> model;
  for (int i = 0; i < 100; ++i) model["k" + std::to_string(i * 7)] = "v";
  PutAll("c", model);
  ASSERT_TRUE(IsOk(store_->Scan("c").status()));
  ASSERT_NO_FATAL_FAILURE(Reopen());
  CheckAllOptions("c", model, {"", "k1", "k35", "k5"});
}

TEST_F(ScanTest, ScanSharedMatchesScan) {
  std::map<std::string, std::string> model = {
      {"a", "1"}, {"b", "22"}, {"c", "333"}};
  PutAll("c", model);
  ScanOptions o;
  o.start = "b";
  absl::StatusOr<SharedScanPage> shared = store_->ScanShared("c", o);
  ASSERT_TRUE(IsOk(shared.status()));
  ASSERT_EQ(shared->items.size(), 2u);
  EXPECT_EQ(shared->items[0].member(), "b");
  EXPECT_EQ(shared->items[0].value(), "22");
  EXPECT_EQ(shared->items[1].member(), "c");
  // A shared value stays as it was after the key changes.
  ASSERT_TRUE(IsOk(store_->Put("c/b", "changed")));
  EXPECT_EQ(shared->items[0].value(), "22");
}

TEST_F(ScanTest, GetAllIsAnUnboundedScan) {
  std::map<std::string, std::string> model = {
      {"b", "2"}, {"a", "1"}, {"\xff", "3"}};
  PutAll("c", model);
  absl::StatusOr<Pairs> all = store_->GetAll("c");
  ASSERT_TRUE(IsOk(all.status()));
  EXPECT_EQ(*all, Pairs(model.begin(), model.end()));
}

TEST_F(ScanTest, Errors) {
  EXPECT_TRUE(HasCode(store_->Scan("a/b").status(),
                      absl::StatusCode::kInvalidArgument));
  EXPECT_TRUE(
      HasCode(store_->Scan("").status(), absl::StatusCode::kInvalidArgument));
  EXPECT_TRUE(HasCode(store_->ScanShared(std::string(300, 'c')).status(),
                      absl::StatusCode::kInvalidArgument));
  ASSERT_TRUE(IsOk(store_->Close()));
  EXPECT_TRUE(HasCode(store_->Scan("c").status(),
                      absl::StatusCode::kFailedPrecondition));
  EXPECT_TRUE(HasCode(store_->ScanShared("c").status(),
                      absl::StatusCode::kFailedPrecondition));
  EXPECT_TRUE(HasCode(store_->GetAll("c").status(),
                      absl::StatusCode::kFailedPrecondition));
}

// 100,000 random puts, deletes, DeleteAlls, reopens and scans, checked
// against std::map. Members come from a small alphabet so that prefixes,
// bounds and rewrites of the same member meet often.
TEST_F(ScanTest, RandomOperationsMatchStdMap) {
  std::mt19937_64 rng(20261203);
  const std::string alphabet = "ab\x00\xff"s;
  auto random_member = [&](std::size_t max_size) {
    std::string s(1 + rng() % max_size, ' ');
    for (char& c : s) c = alphabet[rng() % alphabet.size()];
    return s;
  };
  std::map<std::string, std::map<std::string, std::string>> model;
  const std::vector<std::string> collections = {"c1", "c2", "c3"};
  for (int op = 0; op < 100000; ++op) {
    const std::string& collection = collections[rng() % collections.size()];
    auto& members = model[collection];
    const std::uint64_t dice = rng() % 1000;
    if (dice < 450) {
      std::string member = random_member(5);
      std::string value(rng() % 12, static_cast<char>('A' + op % 26));
      ASSERT_TRUE(IsOk(store_->Put(collection + "/" + member, value)));
      members[member] = value;
    } else if (dice < 650) {
      std::string member = random_member(5);
      ASSERT_TRUE(IsOk(store_->Delete(collection + "/" + member)));
      members.erase(member);
    } else if (dice < 652) {
      ASSERT_TRUE(IsOk(store_->DeleteAll(collection)));
      members.clear();
    } else if (dice < 653) {
      ASSERT_TRUE(IsOk(store_->Flush()));
    } else if (dice < 654 && op % 4 == 0) {
      ASSERT_NO_FATAL_FAILURE(Reopen());
    } else {
      ScanOptions o;
      if (rng() % 2) o.start = random_member(3);
      if (rng() % 2) o.end = random_member(3);
      if (rng() % 3 == 0) o.prefix = random_member(2);
      o.limit = rng() % 3 == 0 ? 0 : rng() % 20;
      o.reverse = rng() % 2;
      o.members_only = rng() % 4 == 0;
      ASSERT_TRUE(PageIs(store_->Scan(collection, o), ModelScan(members, o)))
          << "operation " << op << " " << DescribeOptions(o);
    }
  }
}

// Pages through a collection, forward or in reverse, while writers add,
// change and delete other members: every member that exists unchanged for
// the whole walk is returned exactly once, nothing is returned twice, and
// pages come in order.
TEST_F(ScanTest, PagingWhileOthersWriteNeverSkipsOrRepeats) {
  constexpr int kStable = 500;
  std::set<std::string> stable;
  for (int i = 0; i < kStable; ++i) {
    std::string member = "s" + std::to_string(i * 13 % 997);
    stable.insert(member);
    ASSERT_TRUE(IsOk(store_->Put("c/" + member, "stable")));
  }
  std::atomic<bool> stop{false};
  std::vector<std::thread> writers;
  for (int w = 0; w < 2; ++w) {
    writers.emplace_back([&, w] {
      std::mt19937_64 rng(w);
      while (!stop.load(std::memory_order_relaxed)) {
        // Churning members sort between and around the stable ones.
        std::string member =
            (rng() % 2 ? "s" : "t") + std::to_string(rng() % 1000) + "x";
        absl::Status s =
            rng() % 3 == 0
                ? store_->Delete("c/" + member)
                : store_->Put("c/" + member, std::string(rng() % 20, 'w'));
        ASSERT_TRUE(s.ok()) << s;
      }
    });
  }
  const std::size_t limits[] = {7, 7, 50, 50, 3, 200};
  for (int walk = 0; walk < 6; ++walk) {
    const bool reverse = walk % 2 == 1;
    ScanOptions o;
    o.limit = limits[walk];
    o.reverse = reverse;
    std::vector<std::string> seen;
    while (true) {
      absl::StatusOr<ScanPage> page = store_->Scan("c", o);
      ASSERT_TRUE(IsOk(page.status()));
      for (const auto& [member, value] : page->items) seen.push_back(member);
      if (page->next.empty()) break;
      (reverse ? o.end : o.start) = page->next;
    }
    std::vector<std::string> ordered = seen;
    if (reverse) std::reverse(ordered.begin(), ordered.end());
    EXPECT_TRUE(std::adjacent_find(ordered.begin(), ordered.end(),
                                   std::greater_equal<>()) == ordered.end())
        << "walk " << walk << ": out of order or repeated";
    std::set<std::string> seen_set(seen.begin(), seen.end());
    for (const std::string& member : stable) {
      ASSERT_TRUE(seen_set.count(member))
          << "walk " << walk << " skipped " << member;
    }
  }
  stop = true;
  for (std::thread& t : writers) t.join();
}

}  // namespace
}  // namespace dskv
